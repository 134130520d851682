/**
 * The top k singular values of a conv layer as an operator on its actual input [C, H, W] (never the
 * kernel reshaped to a matrix): Golub–Kahan–Lanczos on W and Wᵀ applied as convolutions, with full
 * reorthogonalisation while the basis fits the memory budget, Ritz values from an SVD of the small
 * bidiagonal, and for each a residual bound β_j |p_j| (a singular value of W lies within it). Circular
 * convs that tile the torus get every singular value exactly from the per-frequency matrices.
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { CancelledError, type AnalysisContext } from '../context';
import { shiftedOperator, type LinearOperator } from '../linalg/operator';
import { Rng } from '../rng';
import type { Conv2d } from './conv2d';
import { circularSingularValues, isCircularOnTorus } from './norms';
import { conv2dOperator } from './operators';

export interface ConvTopK {
  /** largest first */
  readonly values: Float64Array;
  /** a singular value of the operator lies within residuals[i] of values[i] (0 for exact ones) */
  readonly residuals: Float64Array;
  readonly method: 'lanczos' | 'fft';
  readonly steps: number;
  /** every singular value (the exact circular case) */
  readonly complete: boolean;
  readonly total: number;
}

export interface ConvTopKOptions {
  /** Lanczos steps stop once every top-k residual ≤ tolerance·σ₁ (default 1e-8) */
  readonly tolerance?: number;
  readonly seed?: number;
  /** bytes of Lanczos vectors kept for reorthogonalisation (default 256 MB) */
  readonly memoryBytes?: number;
  /** subtract the identity (W − I) */
  readonly shift?: number;
  readonly ctx?: AnalysisContext;
}

const dot = (a: Float64Array, b: Float64Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
const nrm = (a: Float64Array) => Math.sqrt(dot(a, a));

function orthogonalize(x: Float64Array, basis: readonly Float64Array[]): void {
  // twice is enough (Kahan–Parlett)
  for (let pass = 0; pass < 2; pass++) for (const b of basis) { const c = dot(x, b); for (let i = 0; i < x.length; i++) x[i] -= c * b[i]; }
}

/** Ritz values and residual bounds of the j×j upper bidiagonal (α on the diagonal, β above it) with last β. */
function ritz(alpha: readonly number[], beta: readonly number[], last: number): { values: number[]; residuals: number[] } {
  const j = alpha.length;
  const b = Matrix.zeros(j, j);
  for (let i = 0; i < j; i++) { b.set(i, i, alpha[i]); if (i + 1 < j) b.set(i, i + 1, beta[i]); }
  const svd = new SingularValueDecomposition(b, { computeLeftSingularVectors: true, computeRightSingularVectors: false, autoTranspose: false });
  const order = svd.diagonal.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
  const U = svd.leftSingularVectors;
  return { values: order.map(([v]) => v), residuals: order.map(([, i]) => Math.abs(last * U.get(j - 1, i))) };
}

export function operatorTopSingularValues(a: LinearOperator, k: number, options: ConvTopKOptions = {}): { values: Float64Array; residuals: Float64Array; steps: number } {
  const m = a.outSize, n = a.inSize;
  const minDim = Math.min(m, n);
  k = Math.min(k, minDim);
  if (k === 0) return { values: new Float64Array(0), residuals: new Float64Array(0), steps: 0 };
  const budget = options.memoryBytes ?? 256 * 1024 * 1024;
  const maxSteps = Math.max(k, Math.min(minDim, Math.max(6 * k + 60, 150), Math.floor(budget / (8 * (m + n)))));
  const tolerance = options.tolerance ?? 1e-8;
  const rng = new Rng(options.seed ?? 0x5eed);
  const U: Float64Array[] = [], V: Float64Array[] = [];
  const alpha: number[] = [], beta: number[] = [];
  let v = rng.fillGaussian(new Float64Array(n));
  let s = nrm(v);
  for (let i = 0; i < n; i++) v[i] /= s;
  let result = { values: [] as number[], residuals: [] as number[] };
  for (let j = 0; j < maxSteps; j++) {
    if (options.ctx?.isCancelled()) throw new CancelledError();
    V.push(v);
    const u = a.apply(v);
    if (j > 0) { const bp = beta[j - 1], up = U[j - 1]; for (let i = 0; i < m; i++) u[i] -= bp * up[i]; }
    orthogonalize(u, U);
    const aj = nrm(u);
    alpha.push(aj);
    if (aj === 0) { beta.push(0); result = ritz(alpha, beta.slice(0, -1), 0); break; }
    for (let i = 0; i < m; i++) u[i] /= aj;
    U.push(u);
    const w = a.applyTranspose(u);
    for (let i = 0; i < n; i++) w[i] -= aj * v[i];
    orthogonalize(w, V);
    const bj = nrm(w);
    beta.push(bj);
    const done = j + 1 === maxSteps || bj === 0;
    // the small SVD costs j³: check every few steps once k are possible
    if (done || (j + 1 >= k && ((j + 1 - k) % 8 === 0))) {
      result = ritz(alpha, beta.slice(0, -1), bj);
      const top = result.values[0] ?? 0;
      if (done || result.residuals.slice(0, k).every((r) => r <= tolerance * top)) break;
    }
    s = bj;
    v = w;
    for (let i = 0; i < n; i++) v[i] /= s;
  }
  return { values: Float64Array.from(result.values.slice(0, k)), residuals: Float64Array.from(result.residuals.slice(0, k)), steps: alpha.length };
}

/** The top k singular values of the conv's linear part (minus shift·I) on C×H×W. */
export function convTopSingularValues(conv: Conv2d, h: number, w: number, k: number, options: ConvTopKOptions = {}): ConvTopK {
  const [ho, wo] = conv.outputSize(h, w);
  const total = Math.min(conv.inChannels * h * w, conv.outChannels * ho * wo);
  const shift = options.shift ?? 0;
  if (isCircularOnTorus(conv, h, w)) {
    const all = circularSingularValues(conv, h, w, shift);
    return { values: all.slice(0, Math.min(k, all.length)), residuals: new Float64Array(Math.min(k, all.length)), method: 'fft', steps: 0, complete: true, total };
  }
  let op = conv2dOperator(conv, h, w, 'hwc');
  if (shift !== 0) op = shiftedOperator(op, shift);
  const r = operatorTopSingularValues(op, k, options);
  return { ...r, method: 'lanczos', complete: false, total };
}
