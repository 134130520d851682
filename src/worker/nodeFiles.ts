/**
 * Node's file system as the network parser sees it (FileSystemLike in src/core/network/external.ts):
 * stat without reading, files opened once and read by exact byte ranges from that handle, symbolic
 * links resolved. Used by the worker and by the CLI (the two Node runtimes of the core).
 *
 * open() never blocks (O_NONBLOCK: opening a FIFO with no writer would otherwise hang) and never makes
 * a terminal the controlling one (O_NOCTTY); the kind and size come from fstat of the handle and the
 * real path from the handle too (/proc/self/fd on Linux; elsewhere realpath, checked to be the same
 * file as the handle), so what is checked is exactly what is read.
 */
import * as fs from 'node:fs';
import type { FileInfo, FileKind, FileSystemLike, OpenedFile } from '../core/network/external';

function kindOf(st: fs.Stats): FileKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'other';
}

function infoOf(st: fs.Stats): FileInfo {
  return { kind: kindOf(st), size: st.size, mtimeMs: st.mtimeMs, id: `${st.dev}:${st.ino}` };
}

/** "absent" errors: nothing is at the path (a path through a regular file, "w.bin/x", is absent too) */
function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);

/** exactly `length` bytes at `offset` of an open file */
export function readFully(fd: number, offset: number, length: number, into?: Uint8Array): Uint8Array {
  const out = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, out, got, length - got, offset + got);
    if (n === 0) throw new Error(`the file ended at byte ${offset + got}, before the ${length} bytes needed from byte ${offset}`);
    got += n;
  }
  return out;
}

/** The real path of the file behind `fd` (opened as `path`), or an error when the path now names another file. */
function realPathOf(fd: number, path: string, st: fs.Stats): string {
  if (process.platform === 'linux') {
    try {
      const link = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (link.startsWith('/') && !link.endsWith(' (deleted)')) return link;
    } catch {
      // no /proc: fall through
    }
  }
  const real = fs.realpathSync(path);
  const now = fs.statSync(real);
  if (now.dev !== st.dev || now.ino !== st.ino) throw new Error('the file was replaced while it was being opened; try again');
  return real;
}

/** A path that cannot be opened for reading (a socket, a directory on some systems): what is there, unreadable. */
function unopenable(path: string, e: unknown): OpenedFile {
  const st = fs.statSync(path);
  if (st.isFile()) throw e;
  return {
    info: infoOf(st),
    realPath: fs.realpathSync(path),
    read: () => { throw e; },
    close: () => undefined,
  };
}

export const nodeFileSystem: FileSystemLike = {
  stat(path: string): FileInfo | undefined {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(path, { throwIfNoEntry: false });
    } catch (e) {
      if (isAbsent(e)) return undefined;
      throw e;
    }
    return st && infoOf(st);
  },

  read(path: string, offset: number, length: number): Uint8Array {
    const fd = fs.openSync(path, OPEN_FLAGS);
    try {
      return readFully(fd, offset, length);
    } finally {
      fs.closeSync(fd);
    }
  },

  realpath: (path: string) => fs.realpathSync(path),

  open(path: string): OpenedFile | undefined {
    let fd: number;
    try {
      fd = fs.openSync(path, OPEN_FLAGS);
    } catch (e) {
      if (isAbsent(e)) return undefined;
      return unopenable(path, e);
    }
    try {
      const st = fs.fstatSync(fd);
      const realPath = realPathOf(fd, path, st);
      let open = true;
      return {
        info: infoOf(st),
        realPath,
        read: (offset, length, into) => {
          if (!open) throw new Error('the file was closed');
          return readFully(fd, offset, length, into);
        },
        close: () => {
          if (!open) return;
          open = false;
          fs.closeSync(fd);
        },
      };
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  },
};
