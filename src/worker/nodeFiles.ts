/**
 * Node's file system as the network parser sees it (FileSystemLike in src/core/network/external.ts):
 * stat without reading, reads of an exact byte range at an offset, symbolic links resolved. Used by
 * the worker and by the CLI (the two Node runtimes of the core).
 */
import * as fs from 'node:fs';
import type { FileInfo, FileKind, FileSystemLike } from '../core/network/external';

function kindOf(st: fs.Stats): FileKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'other';
}

export const nodeFileSystem: FileSystemLike = {
  stat(path: string): FileInfo | undefined {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(path, { throwIfNoEntry: false });
    } catch (e) {
      // a path through a regular file ("w.bin/x") does not exist either
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw e;
    }
    if (!st) return undefined;
    return { kind: kindOf(st), size: st.size, mtimeMs: st.mtimeMs, id: `${st.dev}:${st.ino}` };
  },

  read(path: string, offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const fd = fs.openSync(path, 'r');
    try {
      let got = 0;
      while (got < length) {
        const n = fs.readSync(fd, out, got, length - got, offset + got);
        if (n === 0) throw new Error(`the file ended at byte ${offset + got}, before the ${length} bytes needed from byte ${offset}`);
        got += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    return out;
  },

  realpath: (path: string) => fs.realpathSync(path),
};
