/**
 * The tensor table's numbers: each tensor's ‖·‖₂ — the spectral norm (largest singular value) of a
 * matrix, the Euclidean norm of a vector or scalar, and for tensors of rank ≥ 3 the spectral norm of
 * the matrix [d₀, d₁·…·dₖ] they flatten to (how a convolution kernel [out, in, kh, kw] acts on one
 * patch). Tensors are read one at a time into one reused buffer in their own precision (float32 for
 * 32-bit and smaller types), so memory stays at the largest tensor's size: a matrix for Lanczos is
 * decoded straight into the kernels' WebAssembly memory (one instance for the whole table), anything
 * else into one reused buffer.
 */
import { CancelledError, type AnalysisContext } from '../context';
import type { DenseMatrix } from '../linalg/dense';
import { lanczosCapacity, lanczosOnSpace, lanczosSpectralNorm } from '../linalg/lanczos';
import { LanczosSpace } from '../linalg/products';
import { WasmKernels } from '../kernels/wasm';
import { spectralNorm, EXACT_SVD_MAX } from '../linalg/norms';
import { dtypeSize, fitsFloat32 } from './dtypes';
import { compactBytes, MAX_TENSOR_BYTES, readTensorCompact, readTensorInto, storedBytes, type ModelIndex, type TensorInfo } from './model';

/** Lanczos stops when the top singular value is certified to this relative accuracy (the table shows six digits). */
export const TABLE_NORM_TOLERANCE = 1e-8;

/** The matrix a tensor's ‖·‖₂ is taken of: [d₀, rest], or a column for vectors and scalars. */
export function normShape(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length <= 1) return { rows: shape[0] ?? 1, cols: 1 };
  let cols = 1;
  for (let k = 1; k < shape.length; k++) cols *= shape[k];
  return { rows: shape[0], cols };
}

/** ‖·‖₂ of values laid out row-major as rows × cols (float32 or float64). */
export function valuesNorm(data: Float32Array | Float64Array, rows: number, cols: number, ctx?: AnalysisContext): number {
  if (rows === 0 || cols === 0) return 0;
  if (rows === 1 || cols === 1) {
    // Euclidean, scaled so squares of huge float64 values do not overflow
    let maxAbs = 0;
    for (let i = 0; i < data.length; i++) { const a = Math.abs(data[i]); if (a > maxAbs || Number.isNaN(a)) maxAbs = a; }
    if (!(maxAbs > 0) || maxAbs === Infinity) return maxAbs;
    let s = 0;
    for (let i = 0; i < data.length; i++) { const v = data[i] / maxAbs; s += v * v; }
    return maxAbs * Math.sqrt(s);
  }
  // the linear-algebra kernels read `data` by index only, so float32 storage serves as it is (no float64 copy)
  const m = { rows, cols, data: data as unknown as Float64Array } satisfies DenseMatrix;
  if (Math.min(rows, cols) <= EXACT_SVD_MAX) return spectralNorm(m, ctx);
  const early = withoutLanczos(data, m, ctx);
  return early ?? lanczosSpectralNorm(m, { ctx, tolerance: TABLE_NORM_TOLERANCE }).value;
}

/** Whether a matrix of this shape goes to Lanczos (and may be read straight into its memory). */
function byLanczos(rows: number, cols: number): boolean {
  return rows > 1 && cols > 1 && Math.min(rows, cols) > EXACT_SVD_MAX;
}

/**
 * The norm where Lanczos is not the way: NaN, 0 or ∞ from the largest |value|, and magnitudes where
 * AᵀA would over- or underflow (the exact SVD scales); undefined when Lanczos should run.
 */
function withoutLanczos(data: Float32Array | Float64Array, m: DenseMatrix, ctx?: AnalysisContext): number | undefined {
  let maxAbs = 0;
  for (let i = 0; i < data.length; i++) { const a = Math.abs(data[i]); if (a > maxAbs || Number.isNaN(a)) maxAbs = a; }
  if (Number.isNaN(maxAbs)) return NaN;
  if (maxAbs === 0 || maxAbs === Infinity) return maxAbs;
  if (maxAbs > 1e120 || maxAbs < 1e-120) return spectralNorm(m, ctx);
  return undefined;
}

/**
 * ‖·‖₂ of a tensor that goes to Lanczos, decoded straight into the Lanczos space (WebAssembly memory
 * on `kernels`, float32 kept as float32): the tensor is in memory once, not also in a read buffer.
 */
function lanczosTensorNorm(index: ModelIndex, t: TensorInfo, rows: number, cols: number, kernels: WasmKernels | undefined, ctx: AnalysisContext): number {
  const space = LanczosSpace.allocate(rows, cols, lanczosCapacity(rows, cols), fitsFloat32(t.dtype), kernels);
  try {
    readTensorInto(index, t, space.A);
    const early = withoutLanczos(space.A, { rows, cols, data: space.A as unknown as Float64Array }, ctx);
    return early ?? lanczosOnSpace(space, { ctx, tolerance: TABLE_NORM_TOLERANCE }).value;
  } finally {
    space.release();
  }
}

/** One row of the tensor table before its norm is known. */
export interface TensorRow {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** bytes in the file */
  readonly bytes: number;
  /** where it is in the file */
  readonly where: string;
  /** why it cannot be read (unsupported dtype), when it cannot */
  readonly unreadable?: string;
}

export function tensorRows(index: ModelIndex): TensorRow[] {
  const rows: TensorRow[] = index.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, bytes: t.location.kind === 'values' ? t.count * dtypeSize(t.dtype) : storedBytes(t), where: t.where }));
  for (const [name, why] of index.unreadable ?? []) rows.push({ name, dtype: '?', shape: [], bytes: 0, where: '', unreadable: why });
  return rows;
}

/** The largest number of bytes one tensor takes when read for its norm (the buffer the table reuses). */
export function largestReadBytes(index: ModelIndex): number {
  let max = 0;
  for (const t of index.tensors) {
    const { rows, cols } = normShape(t.shape);
    // matrices for Lanczos are read into its own memory, not into this buffer
    if (!byLanczos(rows, cols)) max = Math.max(max, compactBytes(t));
  }
  // a tensor above the limit is refused when read; it must not size the buffer
  return Math.min(max, MAX_TENSOR_BYTES);
}

export interface TensorNorm {
  readonly name: string;
  /** ‖·‖₂, or undefined when the tensor could not be read (then `error` says why) */
  readonly norm?: number;
  readonly error?: string;
}

/**
 * Every tensor's ‖·‖₂ in file order, each reported through `onNorm` as soon as it is known; polls
 * `ctx` between tensors and inside Lanczos. The buffer grows to the largest tensor and is reused.
 */
export function tensorNorms(index: ModelIndex, ctx: AnalysisContext, onNorm: (n: TensorNorm, done: number, total: number) => void): TensorNorm[] {
  // one buffer of the largest tensor's size (not counting Lanczos's), allocated once (growing it tensor by tensor could hold two at a time)
  let scratch: ArrayBuffer | undefined;
  // one WebAssembly instance for every Lanczos run: its memory grows to the largest matrix once (a
  // fresh instance per tensor would leave the last one's memory to the garbage collector)
  const kernels = WasmKernels.acquire();
  try {
    return normsOfTensors(index, ctx, onNorm, kernels, () => (scratch ??= new ArrayBuffer(largestReadBytes(index))));
  } finally {
    kernels?.release();
  }
}

function normsOfTensors(
  index: ModelIndex,
  ctx: AnalysisContext,
  onNorm: (n: TensorNorm, done: number, total: number) => void,
  kernels: WasmKernels | undefined,
  scratchOf: () => ArrayBuffer,
): TensorNorm[] {
  const out: TensorNorm[] = [];
  const total = index.tensors.length;
  let bytesDone = 0;
  let bytesTotal = 0;
  for (const t of index.tensors) bytesTotal += t.count;
  index.tensors.forEach((t: TensorInfo, k) => {
    if (ctx.isCancelled()) throw new CancelledError();
    ctx.progress(bytesTotal ? bytesDone / bytesTotal : k / total, `‖·‖₂ of ${t.name} (${k + 1} of ${total})`);
    let row: TensorNorm;
    try {
      const { rows, cols } = normShape(t.shape);
      if (byLanczos(rows, cols)) row = { name: t.name, norm: lanczosTensorNorm(index, t, rows, cols, kernels, ctx) };
      else row = { name: t.name, norm: valuesNorm(readTensorCompact(index, t, scratchOf()), rows, cols, ctx) };
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      row = { name: t.name, error: e instanceof Error ? e.message : String(e) };
    }
    bytesDone += t.count;
    out.push(row);
    onNorm(row, k + 1, total);
  });
  return out;
}
