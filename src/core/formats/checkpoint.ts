/**
 * A checkpoint opened on its own (the CLI's `depth-lens info model.pt`, the editor's tensor table):
 * the file is opened once and read through that handle; the files it names (shards, ONNX external
 * data) resolve in its folder under the rules of every external file. The caller closes it.
 */
import { ExternalFiles, FolderFiles, type FileSystemLike } from '../network/external';
import type { ModelFormat, ModelIndex } from './model';
import { modelFormatOf, readModel } from './open';
import { externalSiblings } from './reference';
import { FormatError, type ByteSource, type FormatErrorCode } from './source';

export interface OpenCheckpoint {
  readonly index: ModelIndex;
  /** absolute path → signature of every file read (the checkpoint and its siblings), for caches and watchers */
  readonly signatures: ReadonlyMap<string, string>;
  close(): void;
}

export type CheckpointResult =
  | ({ readonly ok: true } & OpenCheckpoint)
  | { readonly ok: false; readonly code: FormatErrorCode | 'file-unreadable'; readonly message: string; readonly signatures: ReadonlyMap<string, string> };

function splitPath(path: string): { folder: string; base: string } {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? { folder: '.', base: path } : { folder: path.slice(0, cut) || '/', base: path.slice(cut + 1) };
}

/** Open and index `path` (a checkpoint by its name: modelFormatOf). Never throws for a bad file. */
export function openCheckpoint(path: string, fs: FileSystemLike, format: ModelFormat | undefined = modelFormatOf(path)): CheckpointResult {
  const { folder, base } = splitPath(path);
  const files = new FolderFiles(folder, fs);
  const signatures = files.examined;
  const fail = (code: FormatErrorCode | 'file-unreadable', message: string): CheckpointResult => {
    files.close();
    return { ok: false, code, message, signatures };
  };
  if (!format) return fail('model-unsupported', `${base} is not a checkpoint Depth Lens reads (.safetensors, .safetensors.index.json, .pt, .pth, .npz, .npy, .onnx)`);
  // the checkpoint itself: the user named it, so it may be a symbolic link to anywhere (a Hugging Face cache)
  let source: ByteSource;
  let closeTop = () => undefined as void;
  try {
    if (fs.open) {
      const opened = fs.open(path);
      if (!opened) return fail('file-unreadable', `cannot read ${path}: no such file`);
      files.examined.set(path, `${opened.info.kind}:${opened.info.size}:${opened.info.mtimeMs}:${opened.info.id ?? ''}`);
      if (opened.info.kind !== 'file') { opened.close(); return fail('file-unreadable', `cannot read ${path}: it is a ${opened.info.kind}, not a regular file`); }
      source = { name: base, size: opened.info.size, read: (o, l, into) => opened.read(o, l, into) };
      closeTop = () => opened.close();
    } else {
      const info = fs.stat(path);
      if (!info) return fail('file-unreadable', `cannot read ${path}: no such file`);
      if (info.kind !== 'file') return fail('file-unreadable', `cannot read ${path}: it is a ${info.kind}, not a regular file`);
      source = { name: base, size: info.size, read: (o, l) => fs.read(path, o, l) };
    }
  } catch (e) {
    return fail('file-unreadable', `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const close = () => { closeTop(); files.close(); };
  try {
    const index = readModel(format, source, externalSiblings(new ExternalFiles(files), ''));
    return { ok: true, index, signatures, close };
  } catch (e) {
    close();
    if (e instanceof FormatError) return { ok: false, code: e.code, message: e.message, signatures };
    return { ok: false, code: 'model-corrupt', message: `${base} cannot be read: ${e instanceof Error ? e.message : String(e)}`, signatures };
  }
}
