/**
 * The k largest singular values of a matrix too large for a full SVD: Golub–Kahan–Lanczos
 * bidiagonalization with full reorthogonalization (Golub & Van Loan, 4th ed., §10.4), the same
 * recurrence as src/core/linalg/lanczos.ts but kept going until the top k Ritz values converge.
 *
 * After j steps A V_j = U_j B_j and Aᵀ U_j = V_j B_jᵀ + β_j v_{j+1} e_jᵀ. If B_j = P Σ Qᵀ, the Ritz
 * pair (θ_i, U_j p_i, V_j q_i) has residual ‖Aᵀ x − θ_i y‖ = β_j |p_i[j]|, so a singular value of A
 * lies within that distance of θ_i (and the Ritz values never exceed the true ones). We stop when the
 * k largest have residual ≤ tolerance · θ_1, or when the Krylov space is invariant or full (exact).
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { CancelledError, type AnalysisContext } from '../context';
import type { DenseMatrix } from '../linalg/dense';
import { Rng } from '../rng';

export interface TopKResult {
  /** the k (or fewer, for a smaller matrix) largest singular values, descending */
  readonly values: Float64Array;
  /** per value: a singular value of A lies within this distance */
  readonly residuals: Float64Array;
  readonly steps: number;
  /** the Krylov space became invariant or filled the space: values are exact up to rounding */
  readonly exact: boolean;
}

export interface TopKOptions {
  /** stop once every residual ≤ tolerance · σ_max (default 1e-10) */
  readonly tolerance?: number;
  readonly seed?: number;
  readonly ctx?: AnalysisContext;
  readonly onProgress?: (fraction: number) => void;
}

const EPS = 2 ** -52;

export function topSingularValues(a: DenseMatrix, k: number, options: TopKOptions = {}): TopKResult {
  const { rows: m, cols: n, data } = a;
  const kmax = Math.min(m, n);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topSingularValues: k must be a positive integer, got ${k}`);
  k = Math.min(k, kmax);
  const tolerance = options.tolerance ?? 1e-10;
  const rng = new Rng(options.seed ?? 0x70b4);
  // store bases row by row: V is steps × n, U is steps × m
  let capacity = Math.min(kmax, 2 * k + 20);
  let V: Float64Array = new Float64Array(capacity * n), U: Float64Array = new Float64Array(capacity * m);
  const alpha: number[] = [], beta: number[] = [];
  const v0 = rng.fillGaussian(new Float64Array(n));
  scale(v0, 1 / norm(v0));
  V.set(v0, 0);
  const u = new Float64Array(m), w = new Float64Array(n);
  let checkAt = Math.min(kmax, k + 10);
  let result: TopKResult | undefined;
  // a breakdown (α_j or β_j ≈ 0: the Krylov space is invariant, e.g. W = I has one Ritz direction
  // for a repeated value) restarts with a random vector orthogonal to the basis so far, with the
  // coupling entry set to 0: B_j becomes block bidiagonal and repeated singular values are all found
  const small = () => EPS * 64 * Math.max(alpha[0] || 0, beta[0] || 0, 1e-300);
  for (let j = 0; j < kmax; j++) {
    if (options.ctx?.isCancelled()) throw new CancelledError();
    options.onProgress?.(Math.min(0.99, j / Math.max(1, Math.min(kmax, 3 * k + 20))));
    // room for u_j and v_{j+1}
    if (j + 2 > capacity && capacity < kmax) {
      capacity = Math.min(kmax, Math.max(j + 2, capacity * 2));
      V = grow(V, capacity * n);
      U = grow(U, capacity * m);
    }
    const vj = V.subarray(j * n, (j + 1) * n);
    // u_j = A v_j − β_{j−1} u_{j−1}
    for (let i = 0; i < m; i++) {
      let s = 0;
      const off = i * n;
      for (let c = 0; c < n; c++) s += data[off + c] * vj[c];
      u[i] = s;
    }
    if (j > 0) axpy(-beta[j - 1], U.subarray((j - 1) * m, j * m), u);
    reorthogonalize(u, U, j, m);
    let aj = norm(u);
    if (aj <= small()) {
      aj = 0;
      randomOrthogonal(u, U, j, m, rng);
    } else scale(u, 1 / aj);
    alpha.push(aj);
    U.set(u, j * m);
    const steps = j + 1;
    let bj = 0;
    if (steps < kmax) {
      // w = Aᵀ u_j − α_j v_j
      w.fill(0);
      for (let i = 0; i < m; i++) {
        const ui = u[i];
        if (ui === 0) continue;
        const off = i * n;
        for (let c = 0; c < n; c++) w[c] += data[off + c] * ui;
      }
      axpy(-aj, vj, w);
      reorthogonalize(w, V, steps, n);
      bj = norm(w);
      if (bj <= small()) {
        bj = 0;
        randomOrthogonal(w, V, steps, n, rng);
      } else scale(w, 1 / bj);
      V.set(w, steps * n);
    }
    beta.push(bj);
    const full = steps === kmax;
    if (full || steps >= checkAt) {
      const ritz = ritzValues(alpha, beta, steps);
      const top = Math.min(k, steps);
      const values = ritz.values.subarray(0, top);
      const residuals = new Float64Array(top);
      for (let i = 0; i < top; i++) residuals[i] = full ? 0 : Math.abs(bj * ritz.lastLeft[i]);
      if (full || (steps >= k && residuals.every((r) => r <= tolerance * values[0]))) {
        result = { values: Float64Array.from(values), residuals, steps, exact: full };
        break;
      }
      checkAt = Math.min(kmax, steps + Math.max(5, Math.ceil(k / 4)));
    }
  }
  options.onProgress?.(1);
  if (!result) throw new Error('topSingularValues: Lanczos ended without a result');
  return result;
}

/** Singular values of the j×j upper bidiagonal B_j (α diagonal, β superdiagonal), descending, with the last component of each left singular vector. */
function ritzValues(alpha: readonly number[], beta: readonly number[], j: number): { values: Float64Array; lastLeft: Float64Array } {
  const b = new Matrix(j, j);
  for (let i = 0; i < j; i++) {
    b.set(i, i, alpha[i]);
    if (i + 1 < j) b.set(i, i + 1, beta[i]);
  }
  const svd = new SingularValueDecomposition(b, { computeLeftSingularVectors: true, computeRightSingularVectors: false, autoTranspose: false });
  const sv = svd.diagonal;
  const order = sv.map((_, i) => i).sort((x, y) => sv[y] - sv[x]);
  const left = svd.leftSingularVectors;
  return {
    values: Float64Array.from(order, (i) => sv[i]),
    lastLeft: Float64Array.from(order, (i) => left.get(j - 1, i)),
  };
}

function grow(a: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(length);
  b.set(a.subarray(0, Math.min(a.length, length)));
  return b;
}

function norm(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

function scale(x: Float64Array, c: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= c;
}

function axpy(c: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += c * x[i];
}

/** A random unit vector orthogonal to the first `count` rows of `basis` (count < len). */
function randomOrthogonal(x: Float64Array, basis: Float64Array, count: number, len: number, rng: Rng): void {
  for (let attempt = 0; attempt < 8; attempt++) {
    rng.fillGaussian(x);
    reorthogonalize(x, basis, count, len);
    const nx = norm(x);
    if (nx > 1e-8) { scale(x, 1 / nx); return; }
  }
  throw new Error('topSingularValues: could not extend the Lanczos basis');
}

/** Two passes of classical Gram–Schmidt against the first `count` rows of `basis` ("twice is enough"). */
function reorthogonalize(x: Float64Array, basis: Float64Array, count: number, len: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < count; r++) {
      const off = r * len;
      let d = 0;
      for (let i = 0; i < len; i++) d += basis[off + i] * x[i];
      if (d !== 0) for (let i = 0; i < len; i++) x[i] -= d * basis[off + i];
    }
  }
}
