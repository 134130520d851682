/**
 * Layers as linear operators (DESIGN.md, "Layers are linear operators"): the one interface through
 * which norms, spectra and products see a layer's linear part, whether it is a dense matrix, a
 * convolution on [C, H, W] tensors, a pooling map or a composition of them. A dense matrix is built
 * only when it is small (`materialize`); everything else works through `apply` and `applyTranspose`.
 *
 * Vectors are flat Float64Arrays in the row-major order of their shape ([C, H, W]: channel, row,
 * column — PyTorch's order). Operators are linear: biases are not part of them.
 */
import { CancelledError, type AnalysisContext } from '../context';
import { Rng } from '../rng';
import type { DenseMatrix } from './dense';
import { topSingularValue } from './lanczos';
import { LanczosSpace } from './products';

export interface LinearOperator {
  /** shape of the vectors the operator takes ([n] for a dense matrix, [C, H, W] for a convolution) */
  readonly inShape: readonly number[];
  /** shape of the vectors it returns */
  readonly outShape: readonly number[];
  /** product of inShape (the number of columns of the matrix) */
  readonly inSize: number;
  /** product of outShape (the number of rows) */
  readonly outSize: number;
  /** y = A x. `out` (length outSize) may be passed to avoid allocation; it must not alias x. */
  apply(x: Float64Array, out?: Float64Array): Float64Array;
  /** x = Aᵀ y. `out` (length inSize) may be passed; it must not alias y. */
  applyTranspose(y: Float64Array, out?: Float64Array): Float64Array;
  /** the matrix itself when the operator holds one already (dense layers); never built on demand */
  readonly dense?: DenseMatrix;
  /** a short description for messages ("conv2d 64→64 3×3 on 64×56×56") */
  readonly label: string;
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

/** A dense matrix (out × in, row-major) as an operator on R^in. */
export function denseOperator(m: DenseMatrix, label = `dense ${m.cols}→${m.rows}`): LinearOperator {
  const { rows, cols, data } = m;
  return {
    inShape: [cols],
    outShape: [rows],
    inSize: cols,
    outSize: rows,
    dense: m,
    label,
    apply(x, out) {
      checkLength('apply', label, x.length, cols);
      const y = out ?? new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        let s = 0;
        const off = i * cols;
        for (let j = 0; j < cols; j++) s += data[off + j] * x[j];
        y[i] = s;
      }
      return y;
    },
    applyTranspose(y, out) {
      checkLength('applyTranspose', label, y.length, rows);
      const x = out ?? new Float64Array(cols);
      x.fill(0);
      for (let i = 0; i < rows; i++) {
        const yi = y[i];
        if (yi === 0) continue;
        const off = i * cols;
        for (let j = 0; j < cols; j++) x[j] += yi * data[off + j];
      }
      return x;
    },
  };
}

/** A − shift·I for an operator whose input and output have the same size (‖W − I‖ is shift = 1). */
export function shiftedOperator(a: LinearOperator, shift = 1): LinearOperator {
  if (a.inSize !== a.outSize) {
    throw new RangeError(`shiftedOperator: ${a.label} maps ${formatShape(a.inShape)} to ${formatShape(a.outShape)}; A − ${shift}·I needs equal sizes`);
  }
  const label = shift === 1 ? `${a.label} − I` : `${a.label} − ${shift}·I`;
  return {
    inShape: a.inShape,
    outShape: a.outShape,
    inSize: a.inSize,
    outSize: a.outSize,
    label,
    apply(x, out) {
      const y = a.apply(x, out);
      for (let i = 0; i < y.length; i++) y[i] -= shift * x[i];
      return y;
    },
    applyTranspose(y, out) {
      const x = a.applyTranspose(y, out);
      for (let i = 0; i < x.length; i++) x[i] -= shift * y[i];
      return x;
    },
  };
}

/** The product ops[n−1] ··· ops[1] ops[0] (ops[0] is applied first). */
export function composeOperators(ops: readonly LinearOperator[], label?: string): LinearOperator {
  if (ops.length === 0) throw new RangeError('composeOperators: no operators');
  for (let k = 1; k < ops.length; k++) {
    if (ops[k].inSize !== ops[k - 1].outSize) {
      throw new RangeError(`composeOperators: ${ops[k - 1].label} returns ${formatShape(ops[k - 1].outShape)} but ${ops[k].label} takes ${formatShape(ops[k].inShape)}`);
    }
  }
  const first = ops[0], last = ops[ops.length - 1];
  return {
    inShape: first.inShape,
    outShape: last.outShape,
    inSize: first.inSize,
    outSize: last.outSize,
    label: label ?? ops.map((o) => o.label).reverse().join(' ∘ '),
    apply(x, out) {
      let v = x;
      for (let k = 0; k < ops.length; k++) v = ops[k].apply(v, k === ops.length - 1 ? out : undefined);
      return v;
    },
    applyTranspose(y, out) {
      let v = y;
      for (let k = ops.length - 1; k >= 0; k--) v = ops[k].applyTranspose(v, k === 0 ? out : undefined);
      return v;
    },
  };
}

/** Entries above which `materialize` refuses (8 M numbers = 64 MB). */
export const MATERIALIZE_MAX_ENTRIES = 8 * 1024 * 1024;

/**
 * The operator's matrix (outSize × inSize), column by column from A e_j; the dense matrix itself
 * when the operator holds one. Refuses above `maxEntries` with the size it would have needed.
 */
export function materialize(a: LinearOperator, maxEntries = MATERIALIZE_MAX_ENTRIES, ctx?: AnalysisContext): DenseMatrix {
  if (a.dense) return a.dense;
  const rows = a.outSize, cols = a.inSize;
  if (rows * cols > maxEntries) {
    throw new RangeError(`materialize: ${a.label} is ${rows}×${cols} (${rows * cols} entries), above the limit of ${maxEntries}`);
  }
  const data = new Float64Array(rows * cols);
  const e = new Float64Array(cols), col = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    if ((j & 63) === 0 && ctx?.isCancelled()) throw new CancelledError();
    e[j] = 1;
    a.apply(e, col);
    e[j] = 0;
    for (let i = 0; i < rows; i++) data[i * cols + j] = col[i];
  }
  return { rows, cols, data };
}

export interface OperatorNormResult {
  /** the estimate of σ_max(A) (a lower bound up to rounding) */
  readonly value: number;
  /** a singular value of A lies within this distance of `value` (Lanczos: β_k|p_k|; power iteration: ‖Aᵀu − σv‖) */
  readonly residual: number;
  /** iterations / Lanczos steps taken: each is one product with A and one with Aᵀ */
  readonly steps: number;
  /** true when the stopping test was met (or the Krylov space became invariant) */
  readonly converged: boolean;
}

export interface OperatorLanczosOptions {
  /** stop once the residual bound ≤ tolerance · value (default 1e-13) */
  readonly tolerance?: number;
  /** at most this many steps (default 1000); `converged` is false if reached */
  readonly maxSteps?: number;
  /** seed of the start vector (default fixed) */
  readonly seed?: number;
  /** full reorthogonalization while the stored Lanczos vectors fit in this many bytes (default 256 MB) */
  readonly reorthogonalizeBytes?: number;
  readonly ctx?: AnalysisContext;
}

const EPS = 2 ** -52;

/**
 * σ_max of an operator by Golub–Kahan–Lanczos bidiagonalization (lanczos.ts explains the recurrence
 * and the residual bound), using only A v and Aᵀ u. While the basis fits `reorthogonalizeBytes`
 * every new vector is reorthogonalized against all previous ones; beyond that the recurrence runs
 * without reorthogonalization, keeping two vectors: in finite precision that only repeats converged
 * Ritz values (Paige's theory of the Lanczos process), so the largest one still converges to σ_max
 * and the residual bound stays meaningful once it has.
 */
export function operatorSpectralNorm(a: LinearOperator, options: OperatorLanczosOptions = {}): OperatorNormResult {
  const m = a.outSize, n = a.inSize;
  if (m === 0 || n === 0) return { value: 0, residual: 0, steps: 0, converged: true };
  const kmax = Math.min(m, n, options.maxSteps ?? 1000);
  const budget = options.reorthogonalizeBytes ?? 256 * 1024 * 1024;
  const storeAll = 8 * kmax * (m + n) <= budget;
  // the bases U (left) and V (right) in WebAssembly memory, where the kernels reorthogonalize
  const U = storeAll ? LanczosSpace.basis(m, Math.min(kmax, FIRST_CAPACITY)) : undefined;
  const V = storeAll ? LanczosSpace.basis(n, Math.min(kmax, FIRST_CAPACITY)) : undefined;
  try {
    return golubKahanLanczos(a, options, kmax, U, V);
  } finally {
    U?.release();
    V?.release();
  }
}

/** basis rows a run starts with (doubled as the run goes on) */
const FIRST_CAPACITY = 64;

function golubKahanLanczos(a: LinearOperator, options: OperatorLanczosOptions, kmax: number, U: LanczosSpace | undefined, V: LanczosSpace | undefined): OperatorNormResult {
  const m = a.outSize, n = a.inSize;
  const tolerance = options.tolerance ?? 1e-13;
  const rng = new Rng(options.seed ?? 0x5eed);
  const alpha: number[] = [];
  const beta: number[] = [];

  // two buffers each for u and v, used in turn (the bases keep copies): a conv on a 224×224 image
  // would otherwise allocate two vectors of millions of numbers per step
  let v: Float64Array = rng.fillGaussian(new Float64Array(n));
  let w: Float64Array = new Float64Array(n);
  let u: Float64Array = new Float64Array(m);
  let uPrev: Float64Array | undefined;
  scale(v, 1 / norm(v));
  let theta = 0, residual = Infinity;
  for (let j = 0; j < kmax; j++) {
    if (options.ctx?.isCancelled()) throw new CancelledError();
    V?.setRow(j, v, kmax);
    // an operator may hand back an array of its own instead of filling `out`: copied, never kept
    const product = a.apply(v, u);
    if (product !== u) u.set(product);
    checkFinite(u, a.label);
    if (uPrev) axpy(-beta[j - 1], uPrev, u);
    U?.orthogonalize(u, j);
    const aj = norm(u);
    alpha.push(aj);
    if (aj <= EPS * theta || aj === 0) {
      alpha[j] = 0;
      theta = Math.max(theta, topSingularValue(alpha, beta, j + 1).value);
      return { value: theta, residual: 0, steps: j + 1, converged: true };
    }
    scale(u, 1 / aj);
    U?.setRow(j, u, kmax);
    const back = a.applyTranspose(u, w);
    if (back !== w) w.set(back);
    checkFinite(w, a.label);
    axpy(-aj, v, w);
    V?.orthogonalize(w, j + 1);
    const bj = norm(w);
    beta.push(bj);
    const top = topSingularValue(alpha, beta, j + 1);
    theta = top.value;
    residual = bj * Math.abs(top.lastLeft);
    if (bj <= EPS * theta) return { value: theta, residual: 0, steps: j + 1, converged: true };
    if (residual <= tolerance * theta) return { value: theta, residual, steps: j + 1, converged: true };
    if (j + 1 === Math.min(m, n) && V) {
      // u_1..u_m span R^m (m ≤ n): A = U [B | β_k e_k] [V v_{k+1}]ᵀ, so append β_k as a last column
      // (a zero α_{k+1}); for m > n, β_k is already zero up to rounding
      return { value: topSingularValue([...alpha, 0], beta, j + 2).value, residual: 0, steps: j + 1, converged: true };
    }
    scale(w, 1 / bj);
    [v, w] = [w, v];
    const spare = uPrev ?? new Float64Array(m);
    uPrev = u;
    u = spare;
  }
  return { value: theta, residual, steps: kmax, converged: false };
}

export interface PowerIterationOptions {
  /** exactly this many iterations (the benchmark's "same work on both sides") */
  readonly iterations?: number;
  /** otherwise: stop when the estimate changes by ≤ tolerance relative between iterations (default 1e-13) … */
  readonly tolerance?: number;
  /** … or after maxIterations (default 100 000) */
  readonly maxIterations?: number;
  readonly seed?: number;
  /** the start vector (normalised here); default Gaussian from `seed` */
  readonly start?: Float64Array;
  readonly ctx?: AnalysisContext;
}

/**
 * σ_max by the power iteration on AᵀA, as PyTorch users write it (and as scripts/make-conv-fixtures.py
 * runs it with conv2d / conv_transpose2d): v ← Aᵀ A v / ‖Aᵀ A v‖, σ = ‖A v‖. Slower than Lanczos
 * (its error shrinks like (σ₂/σ₁)^{2k}); kept as the reference algorithm and for the benchmark.
 * The residual is ‖Aᵀu − σ v‖ with u = A v/σ (a singular value lies within it).
 */
export function operatorPowerIteration(a: LinearOperator, options: PowerIterationOptions = {}): OperatorNormResult {
  const n = a.inSize;
  if (options.start && options.start.length !== n) throw new RangeError(`${a.label}: the start vector has ${options.start.length} entries, expected ${n}`);
  const v = options.start ? Float64Array.from(options.start) : new Rng(options.seed ?? 0x5eed).fillGaussian(new Float64Array(n));
  scale(v, 1 / norm(v));
  const fixed = options.iterations;
  const maxIt = fixed ?? options.maxIterations ?? 100_000;
  const tolerance = options.tolerance ?? 1e-13;
  const u = new Float64Array(a.outSize), w = new Float64Array(n);
  let prev = 0, steps = 0, converged = false;
  for (let it = 0; it < maxIt; it++) {
    if (options.ctx?.isCancelled()) throw new CancelledError();
    a.apply(v, u);
    const sigma = norm(u);
    // a NaN or ±Infinity entry makes the norm so: only then look for it (one pass less per product)
    if (!Number.isFinite(sigma)) checkFinite(u, a.label);
    steps = it + 1;
    if (sigma === 0) return { value: 0, residual: 0, steps, converged: true };
    a.applyTranspose(u, w);
    const wn = norm(w);
    if (wn === 0) break;
    for (let i = 0; i < n; i++) v[i] = w[i] / wn;
    if (fixed === undefined && it > 0 && Math.abs(sigma - prev) <= tolerance * sigma) { converged = true; break; }
    prev = sigma;
  }
  // residual of the final pair (u = A v/σ, v)
  a.apply(v, u);
  const sigma = norm(u);
  if (sigma === 0) return { value: 0, residual: 0, steps, converged: true };
  scale(u, 1 / sigma);
  a.applyTranspose(u, w);
  axpy(-sigma, v, w);
  return { value: sigma, residual: norm(w), steps, converged: converged || fixed !== undefined };
}

function checkFinite(x: Float64Array, label: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new RangeError(`${label}: the operator produced ${x[i]} at entry ${i}`);
  }
}

function checkLength(what: string, label: string, got: number, expected: number): void {
  if (got !== expected) throw new RangeError(`${label}: ${what} takes a vector of length ${expected}, got ${got}`);
}

export function norm(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

function scale(x: Float64Array, f: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= f;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}
