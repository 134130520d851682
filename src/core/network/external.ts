/**
 * External weights: a matrix or vector stored as raw little-endian float32/float64 in a file beside
 * the network document, so big networks do not need 100 MB of JSON.
 *   {"file": "w.bin", "dtype": "float32", "shape": [out, in], "offset": 0, "order": "row-major"}
 * or a named tensor of a checkpoint (safetensors, PyTorch, NumPy, ONNX: src/core/formats/reference.ts)
 *   {"file": "model.safetensors", "tensor": "layers.3.weight", "transpose": false}
 *
 * Network files come from untrusted repositories (the extension supports untrusted workspaces), so a
 * path may only name a regular file inside the network file's folder: absolute paths, "..", symbolic
 * links that lead out, directories, devices and FIFOs are refused before anything is read, the
 * length is checked against the file's size, and only the byte range a reference needs is read.
 * Each file is opened once per parse (one snapshot): its size and kind come from the open handle, its
 * folder check from the opened file's real path, and every read from that handle, so a file swapped
 * or grown after the check is never the one read.
 * The file system is injected (FileSystemLike) so this stays pure; src/worker/nodeFiles.ts is Node's.
 */
import type { Node } from 'jsonc-parser';
import type { DenseMatrix } from '../linalg/dense';
import { LIMITS } from './limits';
import { sharedFloat64, sharedFloat64Touched } from '../parallel';
import { WasmKernels } from '../kernels/wasm';
import type { EntryContext } from './entry';
import { readTensorReference } from '../formats/reference';
import type { ModelIndex } from '../formats/model';
import type { FormatError } from '../formats/source';

// ------------------------------------------------------------------------------------------------
// file access

export type FileKind = 'file' | 'directory' | 'FIFO' | 'socket' | 'character device' | 'block device' | 'other';

export interface FileInfo {
  readonly kind: FileKind;
  readonly size: number;
  /** modification time and file identity: together with size they tell a changed file */
  readonly mtimeMs: number;
  readonly id?: string;
}

/** A file opened once: what it is, where it really is, and reads from that same handle. */
export interface OpenedFile {
  /** from the open handle (fstat), not from the path */
  readonly info: FileInfo;
  /** the opened file's path with every symbolic link resolved */
  readonly realPath: string;
  /** exactly `length` bytes from byte `offset` (into `into` when given); throws when the file ends first */
  read(offset: number, length: number, into?: Uint8Array): Uint8Array;
  close(): void;
}

/** The few file-system calls external weights need (absolute paths). */
export interface FileSystemLike {
  /** what is at `path` (symbolic links followed); undefined when nothing is; throws when it cannot be examined */
  stat(path: string): FileInfo | undefined;
  /** exactly `length` bytes from byte `offset` of a regular file; throws when that fails */
  read(path: string, offset: number, length: number): Uint8Array;
  /** `path` with every symbolic link resolved */
  realpath(path: string): string;
  /**
   * Open `path` for reading without blocking (a FIFO must not hang the reader): undefined when nothing
   * is there. File systems without it (in-memory ones of tests) are read by path.
   */
  open?(path: string): OpenedFile | undefined;
}

/** What a reference found, decided before any byte is read. */
export type ExternalFileStat =
  | { readonly kind: 'file'; readonly size: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-file'; readonly what: string }
  | { readonly kind: 'outside'; readonly target: string }
  | { readonly kind: 'unreadable'; readonly message: string };

/** External files of one document, by path relative to its folder ('/'-separated, already checked lexically). */
export interface ExternalFileAccess {
  stat(relativePath: string): ExternalFileStat;
  /**
   * bytes [offset, offset + length) of a file stat() called a regular file (into `into` when given,
   * which may be a view over shared memory); throws when that fails
   */
  read(relativePath: string, offset: number, length: number, into?: Uint8Array): Uint8Array;
  /** release what stat() opened (files kept open for reads); optional */
  close?(): void;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The files inside one folder (the network file's). Follows symbolic links only while they stay
 * inside the folder, and records what it saw of every path so a cache can tell when it changed.
 * With a file system that opens files, each file is opened once and kept open until close().
 */
export class FolderFiles implements ExternalFileAccess {
  /** absolute path → signature (kind, size, mtime, identity) when it was examined */
  readonly examined = new Map<string, string>();
  private realFolder?: string;
  /** relative path → the open file every read of it uses */
  private readonly opened = new Map<string, OpenedFile>();

  constructor(readonly folder: string, private readonly fs: FileSystemLike) {}

  path(relativePath: string): string {
    return joinPath(this.folder, relativePath);
  }

  stat(relativePath: string): ExternalFileStat {
    if (this.fs.open) return this.openOnce(relativePath);
    const full = this.path(relativePath);
    let info: FileInfo | undefined;
    try {
      info = this.fs.stat(full);
    } catch (e) {
      this.examined.set(full, 'unreadable');
      return { kind: 'unreadable', message: errorMessage(e) };
    }
    this.examined.set(full, signature(info));
    if (!info) return { kind: 'missing' };
    try {
      this.realFolder ??= this.fs.realpath(this.folder);
      const real = this.fs.realpath(full);
      if (!isInside(this.realFolder, real)) return { kind: 'outside', target: real };
    } catch (e) {
      return { kind: 'unreadable', message: errorMessage(e) };
    }
    return fileStat(info);
  }

  /** open, then judge the handle: its fstat for kind and size, its real path for the folder check */
  private openOnce(relativePath: string): ExternalFileStat {
    const full = this.path(relativePath);
    const had = this.opened.get(relativePath);
    if (had) return fileStat(had.info);
    let file: OpenedFile | undefined;
    try {
      file = this.fs.open!(full);
    } catch (e) {
      this.examined.set(full, 'unreadable');
      return { kind: 'unreadable', message: errorMessage(e) };
    }
    if (!file) {
      this.examined.set(full, signature(undefined));
      return { kind: 'missing' };
    }
    this.examined.set(full, signature(file.info));
    try {
      this.realFolder ??= this.fs.realpath(this.folder);
      if (!isInside(this.realFolder, file.realPath)) {
        file.close();
        return { kind: 'outside', target: file.realPath };
      }
    } catch (e) {
      file.close();
      return { kind: 'unreadable', message: errorMessage(e) };
    }
    if (file.info.kind !== 'file') {
      file.close();
      return fileStat(file.info);
    }
    this.opened.set(relativePath, file);
    return fileStat(file.info);
  }

  read(relativePath: string, offset: number, length: number, into?: Uint8Array): Uint8Array {
    const file = this.opened.get(relativePath);
    if (file) return file.read(offset, length, into);
    if (this.fs.open) throw new Error('the file was not examined before it was read');
    const bytes = this.fs.read(this.path(relativePath), offset, length);
    if (!into || bytes.byteLength !== length || into.length < length) return bytes;
    into.set(bytes);
    return into.subarray(0, length);
  }

  /** Close every file this folder opened (reads after this open them again). */
  close(): void {
    for (const f of this.opened.values()) f.close();
    this.opened.clear();
  }
}

function fileStat(info: FileInfo): ExternalFileStat {
  if (info.kind !== 'file') return { kind: 'not-file', what: info.kind === 'other' ? 'not a regular file' : `a ${info.kind}` };
  return { kind: 'file', size: info.size };
}

/** One string that changes when the file is created, deleted, replaced or modified. */
export function signature(info: FileInfo | undefined): string {
  return info ? `${info.kind}:${info.size}:${info.mtimeMs}:${info.id ?? ''}` : 'missing';
}

/** Current signature of an absolute path, as FolderFiles records it. */
export function currentSignature(fs: FileSystemLike, path: string): string {
  try {
    return signature(fs.stat(path));
  } catch {
    return 'unreadable';
  }
}

function joinPath(folder: string, relativePath: string): string {
  return /[\\/]$/.test(folder) ? folder + relativePath : `${folder}/${relativePath}`;
}

function isInside(folder: string, path: string): boolean {
  if (path === folder) return false;
  const base = /[\\/]$/.test(folder) ? folder : folder + '/';
  const baseWin = /[\\/]$/.test(folder) ? folder : folder + '\\';
  return path.startsWith(base) || path.startsWith(baseWin);
}

/**
 * A path as written in the document → '/'-separated path inside the folder, or why it is refused.
 * Lexical only (the file system check for symbolic links is FolderFiles').
 */
export function checkRelativePath(path: string): { ok: true; path: string } | { ok: false; reason: string } {
  if (path.length === 0) return { ok: false, reason: 'is empty' };
  if (path.includes('\0')) return { ok: false, reason: 'contains a NUL character' };
  if (/^([\\/]|[A-Za-z]:)/.test(path)) return { ok: false, reason: 'is absolute; external files must be given relative to the network file and lie in its folder' };
  const parts: string[] = [];
  for (const part of path.split(/[\\/]/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return { ok: false, reason: 'leaves the network file\'s folder; external files must lie in that folder or below it' };
      parts.pop();
    } else parts.push(part);
  }
  if (parts.length === 0) return { ok: false, reason: 'names the network file\'s folder itself, not a file' };
  return { ok: true, path: parts.join('/') };
}

/** In-memory files for tests and the browser: a record of relative path → bytes (or a special kind). */
export function memoryFiles(files: Record<string, Uint8Array | Exclude<FileKind, 'file'> | undefined>): FolderFiles {
  const at = (p: string) => { const k = p.replace(/^\/mem\//, ''); return Object.hasOwn(files, k) ? files[k] : undefined; };
  return new FolderFiles('/mem', {
    stat: (p) => {
      const f = at(p);
      if (f === undefined) return undefined;
      return typeof f === 'string' ? { kind: f, size: 0, mtimeMs: 0 } : { kind: 'file', size: f.byteLength, mtimeMs: 0 };
    },
    read: (p, offset, length) => {
      const f = at(p);
      if (!(f instanceof Uint8Array) || offset + length > f.byteLength) throw new Error(`cannot read ${length} bytes at ${offset} of ${p}`);
      return f.subarray(offset, offset + length);
    },
    realpath: (p) => p,
  });
}

// ------------------------------------------------------------------------------------------------
// one parse: every external file is examined once, and each distinct byte range read once

/** Per-parse view of the external files: caches, and the list of everything the document refers to. */
/** float64 reads from this size on go through the reused buffer of STAGE_BYTES (ExternalFiles.readFloat64) */
const STAGED_READ_MIN_BYTES = 4 << 20;
const STAGE_BYTES = 1 << 20;

export class ExternalFiles {
  private readonly stats = new Map<string, ExternalFileStat>();
  private readonly reads = new Map<string, Uint8Array>();
  private readonly float64Reads = new Map<string, { readonly data: Float64Array; readonly nonFinite: number }>();
  /** the reused buffer large float64 reads come through (readFloat64) */
  private stage: Uint8Array | undefined;
  /** checkpoints (safetensors, PyTorch, NumPy, ONNX) whose tensors the document references, indexed once per parse */
  readonly models = new Map<string, ModelIndex | { readonly failed: FormatError }>();

  constructor(readonly access: ExternalFileAccess | undefined) {}

  /** the '/'-separated relative paths the document referred to, in order of first reference */
  get referenced(): string[] {
    return Array.from(this.stats.keys());
  }

  stat(path: string): ExternalFileStat {
    let s = this.stats.get(path);
    if (!s) {
      try {
        s = this.access!.stat(path);
      } catch (e) {
        s = { kind: 'unreadable', message: errorMessage(e) };
      }
      this.stats.set(path, s);
    }
    return s;
  }

  /** note a file a checkpoint refers to (a shard, ONNX external data) so watchers see it too */
  touch(path: string): void {
    if (!this.stats.has(path)) this.stat(path);
  }

  /** A byte range read straight through (tensors of checkpoints: read once, never worth caching). */
  readUncached(path: string, offset: number, length: number): Uint8Array {
    const bytes = this.access!.read(path, offset, length);
    if (bytes.byteLength !== length) throw new Error(`read ${bytes.byteLength} of ${length} bytes`);
    return bytes;
  }

  /**
   * `count` little-endian float64 values from byte `offset` into a new array (shared memory when the
   * thread pool runs), and the index of the first NaN or ±∞ among them (−1 when all are finite): a
   * 400 MB weights file costs 400 MB, not twice that. A range referenced again in the same parse is
   * copied from the first array, not read again (each layer owns its array).
   *
   * perf: a large array's pages are first faulted in by every thread at once (sharedFloat64Touched)
   * and the file comes in through a small buffer that is used again and again. Measured on this
   * machine (a virtual machine, 420 MB in 8 MB layers): read() straight into new pages 1.19 s;
   * into pages faulted just before, still 0.53 s on top of the faults (the kernel's first write to
   * each page is slow here, its second is not); through the reused buffer and a copy, 0.12 s. The
   * buffer lies in WebAssembly memory, where each chunk is checked for non-finite numbers by the
   * SIMD kernel while it is in the cache: 420 MB checked in ~30 ms instead of ~160 ms by a loop.
   */
  readFloat64(path: string, offset: number, count: number): { data: Float64Array; nonFinite: number } {
    const key = `${offset}:${count}:${path}`;
    const earlier = this.float64Reads.get(key);
    if (earlier) {
      const copy = sharedFloat64(count);
      copy.set(earlier.data);
      return { data: copy, nonFinite: earlier.nonFinite };
    }
    const data = sharedFloat64Touched(count);
    const into = new Uint8Array(data.buffer, data.byteOffset, count * 8);
    let nonFinite = -1;
    if (into.length < STAGED_READ_MIN_BYTES) {
      const bytes = this.access!.read(path, offset, into.length, into);
      if (bytes.byteLength !== into.length) throw new Error(`read ${bytes.byteLength} of ${into.length} bytes`);
      if (bytes.buffer !== into.buffer || bytes.byteOffset !== into.byteOffset) into.set(bytes);
      nonFinite = firstNonFiniteScalar(data, 0, count);
    } else {
      const kernels = WasmKernels.acquire();
      try {
        const inMemory = kernels?.arrays([STAGE_BYTES / 8])?.[0];
        const stage = inMemory ? new Uint8Array(inMemory.buffer, inMemory.byteOffset, STAGE_BYTES) : (this.stage ??= new Uint8Array(STAGE_BYTES));
        const numbers = inMemory ?? new Float64Array(stage.buffer, stage.byteOffset, STAGE_BYTES / 8);
        for (let at = 0; at < into.length; at += STAGE_BYTES) {
          const length = Math.min(STAGE_BYTES, into.length - at);
          const bytes = this.access!.read(path, offset + at, length, stage.subarray(0, length));
          if (bytes.byteLength !== length) throw new Error(`read ${at + bytes.byteLength} of ${into.length} bytes`);
          if (bytes.buffer !== stage.buffer || bytes.byteOffset !== stage.byteOffset) stage.set(bytes);
          if (nonFinite < 0) {
            const found = inMemory ? kernels!.firstNonFinite(inMemory, length / 8) : firstNonFiniteScalar(numbers, 0, length / 8);
            if (found >= 0) nonFinite = at / 8 + found;
          }
          into.set(stage.subarray(0, length), at);
        }
      } finally {
        kernels?.release();
      }
    }
    this.float64Reads.set(key, { data, nonFinite });
    return { data, nonFinite };
  }

  /** Close the files the parse opened (FolderFiles keeps them open between stat and read). */
  close(): void {
    try {
      this.access?.close?.();
    } catch {
      // closing a read-only handle cannot lose data
    }
  }

  read(path: string, offset: number, length: number): Uint8Array {
    const key = `${offset}:${length}:${path}`;
    let bytes = this.reads.get(key);
    if (!bytes) {
      bytes = this.access!.read(path, offset, length);
      if (bytes.byteLength !== length) throw new Error(`read ${bytes.byteLength} of ${length} bytes`);
      this.reads.set(key, bytes);
    }
    return bytes;
  }
}

/**
 * Examine a file reference: the path as written (on `fileNode`) → its size, or an error diagnostic
 * ('external-outside', 'external-missing', 'external-not-file', 'external-unreadable').
 * `subject` starts every message (`layer 2 weights: external file "w.bin"`), `folder` names the folder
 * paths are relative to, `unavailable` is the message when no files can be read at all.
 */
export function examineExternal(ctx: Pick<EntryContext, 'reader' | 'files'>, fileNode: Node, file: string, subject: string, folder: string, unavailable: string): { path: string; size: number } | undefined {
  const sink = ctx.reader.sink;
  const checked = checkRelativePath(file);
  if (!checked.ok) {
    sink.error('external-outside', fileNode, `${subject} is refused: the path ${checked.reason}`);
    return undefined;
  }
  if (!ctx.files.access) {
    sink.error('external-unavailable', fileNode, unavailable);
    return undefined;
  }
  const s = ctx.files.stat(checked.path);
  switch (s.kind) {
    case 'file': return { path: checked.path, size: s.size };
    case 'missing':
      sink.error('external-missing', fileNode, `${subject} not found (paths are relative to ${folder})`);
      return undefined;
    case 'outside':
      sink.error('external-outside', fileNode, `${subject} is a symbolic link to ${s.target}, outside ${folder}; external files must lie in that folder`);
      return undefined;
    case 'not-file':
      sink.error('external-not-file', fileNode, `${subject} is ${s.what}, not a regular file`);
      return undefined;
    case 'unreadable':
      sink.error('external-unreadable', fileNode, `${subject} cannot be read: ${s.message}`);
      return undefined;
  }
}

// ------------------------------------------------------------------------------------------------
// {"file", "dtype", "shape", "offset", "order"}

const EXTERNAL_FIELDS = ['file', 'dtype', 'shape', 'offset', 'order'] as const;
const DTYPES = ['float32', 'float64'] as const;
const ORDERS = ['row-major', 'column-major'] as const;

/** float64 files are little-endian (NumPy's '<f8', PyTorch's storage): on such a host their bytes are the array's */
/** The index of the first NaN or ±∞ in a[from, to), or −1. */
function firstNonFiniteScalar(a: Float64Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const v = a[i];
    if (v - v !== 0) return i;
  }
  return -1;
}

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/**
 * The common case — float64, row-major, little-endian host: the file's bytes are read straight into
 * the array the layer keeps (shared memory when the thread pool runs), then scanned for a
 * non-finite value; the message names it as the general path does.
 */
function readFloat64RowMajor(ctx: EntryContext, path: string, offset: number, count: number, fileNode: Node, subject: string,
  dims: { rows: number; cols: number; shape?: number[] }): (DenseMatrix & { readonly shape?: readonly number[] }) | undefined {
  let read: { data: Float64Array; nonFinite: number };
  try {
    read = ctx.files.readFloat64(path, offset, count);
  } catch (e) {
    ctx.reader.sink.error('external-unreadable', fileNode, `${subject} cannot be read: ${errorMessage(e)}`);
    return undefined;
  }
  const { data, nonFinite: i } = read;
  if (i >= 0) {
    ctx.reader.sink.error('non-finite-number', fileNode, `${subject} holds ${data[i]} at value ${i + 1} (byte ${offset + i * 8}); weights must be finite`);
    return undefined;
  }
  return dims.shape ? { rows: dims.rows, cols: dims.cols, data, shape: dims.shape } : { rows: dims.rows, cols: dims.cols, data };
}

/**
 * Read the external array described by `node` (rank 2: a matrix [out, in]; rank 1: a vector
 * returned as an n×1 matrix). Reports every problem on the exact node and returns undefined.
 */
/**
 * Raw binary weights (or a checkpoint's tensor) named by an object node. Rank 1: a bias [length];
 * rank 2: weights [out, in]; rank 4: a conv kernel [out, in/groups, kh, kw] (row-major only), returned
 * as out rows of in/groups·kh·kw numbers with its `shape`.
 */
export function readExternalArray(node: Node, ctx: EntryContext, what: string, rank: 1 | 2 | 4): (DenseMatrix & { readonly shape?: readonly number[] }) | undefined {
  const { reader } = ctx;
  const sink = reader.sink;
  if (node.children?.some((p) => p.children?.[0]?.value === 'tensor')) return readTensorReference(node, ctx, what, rank);
  const f = reader.fields(node, `${what} (external)`, EXTERNAL_FIELDS);
  const fileNode = reader.require(f, 'file', node, `${what} (external)`);
  const dtypeNode = reader.require(f, 'dtype', node, `${what} (external)`);
  const shapeNode = reader.require(f, 'shape', node, `${what} (external)`);
  const file = fileNode && reader.string(fileNode, `${what} file`);
  const dtype = dtypeNode && reader.oneOf(dtypeNode, `${what} dtype`, DTYPES);
  const offsetNode = f.get('offset');
  const offset = offsetNode ? reader.integer(offsetNode, `${what} offset`, 0, Number.MAX_SAFE_INTEGER) : 0;
  const orderNode = f.get('order');
  const order = orderNode ? reader.oneOf(orderNode, `${what} order`, ORDERS) : 'row-major';
  let shape: number[] | undefined;
  if (shapeNode && reader.isArray(shapeNode, `${what} shape`)) {
    const dims = shapeNode.children ?? [];
    if (dims.length !== rank) {
      sink.error('invalid-value', shapeNode, `${what} shape must have ${rank} entr${rank === 1 ? 'y ([length])' : rank === 2 ? 'ies ([out, in])' : 'ies ([out, in, kh, kw])'}, not ${dims.length}`);
    } else {
      const parsed = dims.map((d, i) => reader.integer(d, `${what} shape[${i}]`, 1, LIMITS.maxWidth, 'size-limit'));
      if (parsed.every((d) => d !== undefined)) shape = parsed as number[];
    }
  }
  if (rank === 4 && order === 'column-major') {
    sink.error('invalid-value', orderNode!, `${what} order: a conv kernel is read row-major ([out][in][kh][kw], PyTorch's layout)`);
    return undefined;
  }
  if (file === undefined || dtype === undefined || shape === undefined || offset === undefined || order === undefined || !fileNode) return undefined;
  const rows = shape[0];
  const cols = rank === 2 ? shape[1] : rank === 4 ? shape[1] * shape[2] * shape[3] : 1;
  const count = rows * cols;
  if (count > LIMITS.maxLayerParameters) {
    sink.error('size-limit', shapeNode!, `${what} has ${rows}×${cols} = ${count} entries, above the per-layer limit of ${LIMITS.maxLayerParameters}`);
    return undefined;
  }
  const found = examineExternal(ctx, fileNode, file, `${what}: external file "${file}"`, 'the network file\'s folder',
    `${what} refers to external file "${file}", but external files cannot be read here (save the network file to disk and open it from there)`);
  if (!found) return undefined;
  const size = dtype === 'float32' ? 4 : 8;
  const needed = offset + count * size;
  if (found.size < needed) {
    sink.error('external-short', fileNode, `${what}: "${file}" has ${found.size} bytes but ${shape.join('×')} ${dtype} values from offset ${offset} need ${needed}`);
    return undefined;
  }
  if (size === 8 && order === 'row-major' && LITTLE_ENDIAN) return readFloat64RowMajor(ctx, found.path, offset, count, fileNode, `${what}: "${file}"`, rank === 4 ? { rows, cols, shape } : { rows, cols });
  let bytes: Uint8Array;
  try {
    bytes = ctx.files.read(found.path, offset, count * size);
  } catch (e) {
    sink.error('external-unreadable', fileNode, `${what}: "${file}" cannot be read: ${errorMessage(e)}`);
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // shared memory when the thread pool runs, so its helpers read the weights without a copy
  const data = sharedFloat64(count);
  let firstBad = -1;
  for (let i = 0; i < count; i++) {
    const v = size === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
    if (!Number.isFinite(v) && firstBad < 0) firstBad = i;
    // file index i → row-major position
    if (order === 'row-major') data[i] = v;
    else data[(i % rows) * cols + Math.floor(i / rows)] = v;
  }
  if (firstBad >= 0) {
    const v = size === 4 ? view.getFloat32(4 * firstBad, true) : view.getFloat64(8 * firstBad, true);
    sink.error('non-finite-number', fileNode, `${what}: "${file}" holds ${v} at value ${firstBad + 1} (byte ${offset + firstBad * size}); weights must be finite`);
    return undefined;
  }
  return rank === 4 ? { rows, cols, data, shape } : { rows, cols, data };
}
