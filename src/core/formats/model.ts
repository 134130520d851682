/**
 * What a reader makes of a checkpoint: its tensors (name, dtype, shape and where their bytes are —
 * nothing is read until a tensor is asked for), the architecture when the file carries one (ONNX
 * graphs, pickled torch.nn modules), and notes. One tensor is read at a time, by byte range.
 */
import type { GraphOp } from '../conv/resnet';
import type { DType } from './dtypes';
import { decodeInto, dtypeSize, fitsFloat32 } from './dtypes';
import { FormatError, printableName, readRange, type ByteSource } from './source';
import { readEntry, type ZipEntry } from './zip';
import { sharedFloat64 } from '../parallel';

export type ModelFormat = 'safetensors' | 'safetensors-index' | 'pytorch' | 'npz' | 'npy' | 'onnx';

/** Human names of the formats (messages, the tensor table's title). */
export const FORMAT_NAMES: ReadonlyMap<ModelFormat, string> = new Map<ModelFormat, string>([
  ['safetensors', 'safetensors'], ['safetensors-index', 'sharded safetensors'], ['pytorch', 'PyTorch checkpoint'],
  ['npz', 'NumPy archive'], ['npy', 'NumPy array'], ['onnx', 'ONNX model'],
]);

/** Where a tensor's bytes are. `source` is a file relative to the checkpoint's folder ('' = the checkpoint itself). */
export type TensorLocation =
  /** raw bytes from `offset` of a file (safetensors, stored archive members, ONNX raw_data, external data) */
  | { readonly kind: 'bytes'; readonly source: string; readonly offset: number }
  /** bytes from `offset` inside a deflated archive member, inflated when the tensor is read */
  | { readonly kind: 'member'; readonly source: string; readonly entry: ZipEntry; readonly offset: number }
  /** values already decoded from the file's structure (ONNX float_data, Constant attributes) */
  | { readonly kind: 'values'; readonly values: Float64Array };

export interface TensorInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** elements (product of shape) */
  readonly count: number;
  readonly location: TensorLocation;
  /** element strides when not row-major contiguous (PyTorch views, NumPy Fortran order) */
  readonly strides?: readonly number[];
  /** elements the strided view spans from its first element (strides only) */
  readonly span?: number;
  readonly bigEndian?: boolean;
  /** where it is, for messages: "archive member m/data/3", "bytes 128–640" */
  readonly where: string;
}

/** One step of a network read from a file's architecture: what it computes, on the vector it gets. */
export type ArchitectureOp =
  /** x ↦ W x + b with W = scale · (stored weight, transposed when `transpose`) and b = biasScale · stored bias */
  | {
      readonly kind: 'affine';
      readonly weight: string;
      readonly transpose: boolean;
      readonly scale: number;
      readonly bias?: string;
      readonly biasScale: number;
      /** the node or module it came from (messages, the layer chain) */
      readonly node: string;
    }
  | { readonly kind: 'relu'; readonly node: string }
  /** x ↦ x + branch(x) */
  | { readonly kind: 'residual'; readonly branch: readonly ArchitectureOp[]; readonly node: string };

export type Architecture =
  | { readonly kind: 'graph'; readonly ops: readonly ArchitectureOp[]; readonly inputDim?: number; readonly notes: readonly string[] }
  /** the file has an architecture Depth Lens cannot analyse: every unsupported op/module by name and node */
  | { readonly kind: 'unsupported'; readonly message: string; readonly items: readonly { readonly op: string; readonly node: string }[] }
  /**
   * a convolutional network (issue 14): the layer graph of src/core/conv/resnet.ts, whose tensor names
   * are this file's tensors or `derived` ones (a stored tensor transposed and/or scaled)
   */
  | { readonly kind: 'conv'; readonly graph: readonly GraphOp[]; readonly inputShape?: readonly [number, number, number]; readonly notes: readonly string[]; readonly derived?: ReadonlyMap<string, DerivedTensor> }
  /** bare weights: no architecture in the file */
  | { readonly kind: 'none' };

/** A tensor the conv graph uses that is a stored one transposed (2-D) and/or scaled (ONNX Gemm's transB, alpha, beta). */
export interface DerivedTensor {
  readonly source: string;
  readonly transpose: boolean;
  readonly scale: number;
}

export interface ModelIndex {
  readonly format: ModelFormat;
  /** the checkpoint as messages name it */
  readonly file: string;
  /** in the file's order */
  readonly tensors: readonly TensorInfo[];
  readonly byName: ReadonlyMap<string, TensorInfo>;
  readonly architecture: Architecture;
  /** string metadata the file carries (safetensors __metadata__, ONNX producer, torch archive name) */
  readonly metadata: ReadonlyMap<string, string>;
  /** the files it reads from: '' is the checkpoint itself, others its shards or external data */
  readonly sources: ReadonlyMap<string, ByteSource>;
  /** tensors the file has but Depth Lens cannot read (e.g. float8, strings): name → why */
  readonly unreadable?: ReadonlyMap<string, string>;
}

export function indexByName(tensors: readonly TensorInfo[], file: string): Map<string, TensorInfo> {
  const byName = new Map<string, TensorInfo>();
  for (const t of tensors) {
    if (byName.has(t.name)) throw new FormatError('model-corrupt', `${file} holds two tensors named "${printableName(t.name)}"`);
    byName.set(t.name, t);
  }
  return byName;
}

/** Bytes a tensor occupies in its file (its span for strided views). */
export function storedBytes(t: TensorInfo): number {
  return (t.strides ? t.span ?? 0 : t.count) * dtypeSize(t.dtype);
}

function sourceOf(index: ModelIndex, name: string): ByteSource {
  const s = index.sources.get(name);
  if (!s) throw new FormatError('external-missing', `${index.file}: the file "${printableName(name)}" it refers to is not open`);
  return s;
}

/** The tensor's stored bytes (its span, for strided views). */
function storedBytesOf(index: ModelIndex, t: TensorInfo, maxBytes: number): Uint8Array {
  const loc = t.location;
  if (loc.kind === 'values') throw new Error('values have no bytes');
  const length = storedBytes(t);
  if (length > maxBytes) {
    throw new FormatError('model-too-large', `${index.file}: tensor "${printableName(t.name)}" has ${length} bytes, above the limit of ${maxBytes} for one tensor`);
  }
  const source = sourceOf(index, loc.source);
  if (loc.kind === 'bytes') return readRange(source, loc.offset, length, `tensor "${printableName(t.name)}" (${t.where})`);
  // inflate no more than this tensor's own bytes need: the member may not declare more
  const member = readEntry(source, loc.entry, loc.offset + length);
  if (loc.offset + length > member.length) {
    throw new FormatError('model-truncated', `${index.file}: tensor "${printableName(t.name)}" needs bytes ${loc.offset}–${loc.offset + length} of ${t.where}, which has ${member.length}`);
  }
  return member.subarray(loc.offset, loc.offset + length);
}

/** Gather a strided view into row-major order. */
function gather(src: Float64Array | Float32Array, t: TensorInfo, out: Float64Array | Float32Array): void {
  const shape = t.shape, strides = t.strides!;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < t.count; i++) {
    let at = 0;
    for (let k = 0; k < rank; k++) at += idx[k] * strides[k];
    out[i] = src[at];
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
}

/** Default cap on one tensor read whole: 2 GiB (a JavaScript typed array's practical limit here). */
export const MAX_TENSOR_BYTES = 2 * 1024 ** 3;
/** Raw bytes are read and decoded in pieces of this size, so a tensor costs its decoded size and no more. */
const READ_CHUNK = 4 * 1024 * 1024;

/** Decode a tensor's stored values into `out` (row-major), reading its bytes piece by piece where it can. */
function decodeStored(index: ModelIndex, t: TensorInfo, out: Float64Array | Float32Array): void {
  const loc = t.location;
  if (loc.kind === 'values') {
    out.set(loc.values);
    return;
  }
  const size = dtypeSize(t.dtype);
  if (!t.strides && loc.kind === 'bytes') {
    const source = sourceOf(index, loc.source);
    const end = loc.offset + t.count * size;
    if (end > source.size) {
      throw new FormatError('model-truncated', `${source.name}: tensor "${printableName(t.name)}" (${t.where}) needs bytes ${loc.offset}–${end} but the file has ${source.size} bytes (truncated, or the header lies)`);
    }
    const per = Math.max(1, Math.floor(READ_CHUNK / size));
    // one chunk buffer for the whole tensor: a fresh one per piece would leave a tensor's size of
    // garbage behind before the collector runs (measured: +64 MB peak on a 128 MB tensor)
    const chunk = new Uint8Array(Math.min(per, t.count) * size);
    for (let at = 0; at < t.count; at += per) {
      const n = Math.min(per, t.count - at);
      const bytes = readRange(source, loc.offset + at * size, n * size, `tensor "${printableName(t.name)}" (${t.where})`, chunk);
      decodeInto(bytes, t.dtype, n, out.subarray(at, at + n), t.bigEndian);
    }
    return;
  }
  const bytes = storedBytesOf(index, t, MAX_TENSOR_BYTES);
  if (!t.strides) {
    decodeInto(bytes, t.dtype, t.count, out, t.bigEndian);
    return;
  }
  const all = out instanceof Float32Array ? new Float32Array(t.span ?? 0) : new Float64Array(t.span ?? 0);
  decodeInto(bytes, t.dtype, all.length, all, t.bigEndian);
  gather(all, t, out);
}

/** A tensor's values as float64, row-major; nothing else of the file is read. */
export function readTensor(index: ModelIndex, t: TensorInfo, maxBytes = MAX_TENSOR_BYTES): Float64Array {
  if (t.count * 8 > maxBytes) {
    throw new FormatError('model-too-large', `${index.file}: tensor "${printableName(t.name)}" has ${t.count} values (${t.count * 8} bytes as float64), above the limit of ${maxBytes} bytes for one tensor`);
  }
  // shared memory when the thread pool runs, so its helpers read the weights without a copy
  const out = sharedFloat64(t.count);
  decodeStored(index, t, out);
  return out;
}

/**
 * A tensor's values in the narrowest float type that holds them exactly (float32 for 32-bit and
 * smaller floats and small integers, float64 otherwise), written into `scratch` when it is large
 * enough: the tensor table reads tensor after tensor into one buffer, so memory stays at the largest
 * tensor's own size.
 */
export function readTensorCompact(index: ModelIndex, t: TensorInfo, scratch?: ArrayBuffer): Float32Array | Float64Array {
  const narrow = fitsFloat32(t.dtype);
  const need = compactBytes(t);
  if (need > MAX_TENSOR_BYTES) {
    throw new FormatError('model-too-large', `${index.file}: tensor "${printableName(t.name)}" has ${t.count} values, above the limit of ${MAX_TENSOR_BYTES} bytes for one tensor`);
  }
  const buffer = scratch && scratch.byteLength >= need ? scratch : new ArrayBuffer(need);
  const out = narrow ? new Float32Array(buffer, 0, t.count) : new Float64Array(buffer, 0, t.count);
  decodeStored(index, t, out);
  return out;
}

/**
 * readTensorCompact into the caller's array (`out`: t.count numbers, Float32Array exactly when
 * `fitsFloat32(t.dtype)`) — e.g. straight into WebAssembly memory for Lanczos, with no copy between.
 */
export function readTensorInto(index: ModelIndex, t: TensorInfo, out: Float32Array | Float64Array): void {
  if (compactBytes(t) > MAX_TENSOR_BYTES) {
    throw new FormatError('model-too-large', `${index.file}: tensor "${printableName(t.name)}" has ${t.count} values, above the limit of ${MAX_TENSOR_BYTES} bytes for one tensor`);
  }
  if (out.length !== t.count || (out instanceof Float32Array) !== fitsFloat32(t.dtype)) throw new RangeError(`readTensorInto: ${t.count} values of ${t.dtype} do not fit the given array`);
  decodeStored(index, t, out);
}

/** Bytes readTensorCompact needs for `t`: 4 per value for float32-exact types, else 8. */
export function compactBytes(t: TensorInfo): number {
  return t.count * (fitsFloat32(t.dtype) ? 4 : 8);
}

/** Row-major element strides of a shape. */
export function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) { s[k] = acc; acc *= shape[k]; }
  return s;
}

/** `strides` unless they are row-major contiguous (then undefined), and the span they cover. */
export function stridedLayout(shape: readonly number[], strides: readonly number[], count: number): { strides?: number[]; span: number } {
  if (count === 0) return { span: 0 };
  const rm = rowMajorStrides(shape);
  let contiguous = true;
  for (let k = 0; k < shape.length; k++) if (shape[k] > 1 && strides[k] !== rm[k]) contiguous = false;
  if (contiguous) return { span: count };
  let span = 1;
  for (let k = 0; k < shape.length; k++) {
    if (strides[k] < 0 || !Number.isSafeInteger(strides[k])) throw new FormatError('model-corrupt', `negative or invalid stride ${strides[k]}`);
    span += (shape[k] - 1) * strides[k];
  }
  return { strides: [...strides], span };
}
