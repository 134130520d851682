/**
 * The largest singular value of a large dense matrix by Golub–Kahan–Lanczos bidiagonalization with
 * full reorthogonalization (Golub & Van Loan, Matrix Computations, 4th ed., §10.4; the stopping rule
 * follows Parlett, The Symmetric Eigenvalue Problem, §13.2 / ARPACK's residual test).
 *
 * From a random unit v₁ the recurrences
 *   α_j u_j = A v_j − β_{j−1} u_{j−1},    β_j v_{j+1} = Aᵀ u_j − α_j v_j
 * build orthonormal U_k, V_k with A V_k = U_k B_k, B_k upper bidiagonal (α on the diagonal, β above).
 * θ_k = σ_max(B_k) is the largest Ritz value: it never exceeds σ_max(A) and grows with k. If
 * B_k q = θ p, the Ritz vectors x = U_k p, y = V_k q satisfy A y = θ x and ‖Aᵀ x − θ y‖ = β_k |p_k|,
 * so some singular value of A lies within ρ_k = β_k |p_k| of θ_k.
 *
 * Stopping rule: stop at the first k with ρ_k ≤ tolerance · θ_k (default 1e-13), or when β_k or α_k
 * vanishes (the Krylov space is invariant: θ_k is exact), or at k = min(m, n) (the space is all of
 * Rⁿ: exact). With a random start the singular value within ρ_k is the largest one (a start vector
 * exactly orthogonal to the top singular vector has probability zero, and rounding repairs it).
 */
import { CancelledError, type AnalysisContext } from '../context';
import { Rng } from '../rng';
import type { DenseMatrix } from './dense';

export interface LanczosResult {
  /** the estimate of σ_max(A) (never above it, up to rounding) */
  readonly value: number;
  /** ρ = β_k |p_k|: a singular value of A lies within this distance of `value` */
  readonly residual: number;
  /** Lanczos steps taken (matrix–vector products with A and with Aᵀ each) */
  readonly steps: number;
  /** true when the Krylov space became invariant or filled the space: the value is exact up to rounding */
  readonly exact: boolean;
}

export interface LanczosOptions {
  /** stop once ρ ≤ tolerance · θ (default 1e-13) */
  readonly tolerance?: number;
  /** seed of the start vector (default fixed: results are reproducible bit for bit) */
  readonly seed?: number;
  /** polled once per step; cancelling throws CancelledError */
  readonly ctx?: AnalysisContext;
}

const DEFAULT_TOLERANCE = 1e-13;
const DEFAULT_SEED = 0x5eed;
const EPS = 2 ** -52;

export function lanczosSpectralNorm(a: DenseMatrix, options: LanczosOptions = {}): LanczosResult {
  const { rows: m, cols: n, data } = a;
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const kmax = Math.min(m, n);
  let capacity = Math.min(kmax, 64);
  let V = new Float64Array(capacity * n);
  let U = new Float64Array(capacity * m);
  const alpha: number[] = [];
  const beta: number[] = [];
  const rng = new Rng(options.seed ?? DEFAULT_SEED);

  const v = rng.fillGaussian(new Float64Array(n));
  scale(v, 1 / norm(v));
  V.set(v, 0);
  const u = new Float64Array(m);
  const w = new Float64Array(n);
  let theta = 0, residual = Infinity;

  for (let j = 0; j < kmax; j++) {
    if (options.ctx?.isCancelled()) throw new CancelledError();
    // u_j = A v_j − β_{j−1} u_{j−1}, orthogonal to u_1..u_{j−1}
    const vj = V.subarray(j * n, (j + 1) * n);
    for (let i = 0; i < m; i++) {
      let s = 0;
      const off = i * n;
      for (let c = 0; c < n; c++) s += data[off + c] * vj[c];
      u[i] = s;
    }
    if (j > 0) axpy(-beta[j - 1], U.subarray((j - 1) * m, j * m), u);
    reorthogonalize(u, U, j, m);
    const aj = norm(u);
    alpha.push(aj);
    if (aj <= EPS * theta) {
      // A v_j lies in span(u_1..u_{j−1}): the Krylov space is invariant and θ is exact
      alpha[j] = 0;
      theta = Math.max(theta, topSingularValue(alpha, beta, j + 1).value);
      return { value: theta, residual: 0, steps: j + 1, exact: true };
    }
    scale(u, 1 / aj);
    U.set(u, j * m);

    // v_{j+1} = Aᵀ u_j − α_j v_j, orthogonal to v_1..v_j
    for (let c = 0; c < n; c++) w[c] = -aj * vj[c];
    for (let i = 0; i < m; i++) {
      const ui = u[i];
      if (ui === 0) continue;
      const off = i * n;
      for (let c = 0; c < n; c++) w[c] += ui * data[off + c];
    }
    reorthogonalize(w, V, j + 1, n);
    const bj = norm(w);
    beta.push(bj);

    const top = topSingularValue(alpha, beta, j + 1);
    theta = top.value;
    residual = bj * Math.abs(top.lastLeft);
    if (bj <= EPS * theta || j + 1 === kmax) return { value: theta, residual: bj <= EPS * theta ? 0 : residual, steps: j + 1, exact: true };
    if (residual <= tolerance * theta) return { value: theta, residual, steps: j + 1, exact: false };
    if (j + 1 === capacity) {
      capacity = Math.min(kmax, capacity * 2);
      V = grow(V, capacity * n);
      U = grow(U, capacity * m);
    }
    scale(w, 1 / bj);
    V.set(w, (j + 1) * n);
  }
  return { value: theta, residual, steps: kmax, exact: true };
}

/**
 * σ_max of the k×k upper bidiagonal B (diagonal α_1..α_k, superdiagonal β_1..β_{k−1}) and the last
 * component of its unit left singular vector p: the top eigenpair of the tridiagonal T = B Bᵀ
 * (T_ii = α_i² + β_i², T_{i,i+1} = β_i α_{i+1}) by Sturm bisection, then inverse iteration. Squaring
 * keeps the largest singular value to full relative accuracy (only small ones would lose digits).
 */
export function topSingularValue(alpha: readonly number[], beta: readonly number[], k: number): { value: number; lastLeft: number } {
  const d = new Float64Array(k), e = new Float64Array(Math.max(0, k - 1));
  for (let i = 0; i < k; i++) d[i] = alpha[i] * alpha[i] + (i < k - 1 ? beta[i] * beta[i] : 0);
  for (let i = 0; i < k - 1; i++) e[i] = beta[i] * alpha[i + 1];
  const lambda = largestEigenvalue(d, e);
  const p = eigenvector(d, e, lambda);
  return { value: Math.sqrt(Math.max(0, lambda)), lastLeft: p[k - 1] };
}

/** Largest eigenvalue of the symmetric tridiagonal (d, e) by bisection on the Sturm count, to full precision. */
function largestEigenvalue(d: Float64Array, e: Float64Array): number {
  const k = d.length;
  // λ_max lies between the largest diagonal entry (a Rayleigh quotient) and Gershgorin's bound
  let lo = -Infinity, hi = -Infinity;
  for (let i = 0; i < k; i++) {
    const r = (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < k - 1 ? Math.abs(e[i]) : 0);
    lo = Math.max(lo, d[i]);
    hi = Math.max(hi, d[i] + r);
  }
  const scaleT = Math.max(Math.abs(lo), Math.abs(hi));
  if (scaleT === 0) return 0;
  const pivmin = Number.MIN_VALUE / EPS + EPS * EPS * scaleT;
  // invariant: count(lo) ≤ k − 1 (some eigenvalue ≥ lo), count(hi) = k
  for (let iter = 0; iter < 200; iter++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi || hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) break;
    if (eigenvaluesBelow(d, e, mid, pivmin) === k) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/** Number of eigenvalues of the tridiagonal (d, e) below x (Sturm sequence; LAPACK dstebz's pivot guard). */
function eigenvaluesBelow(d: Float64Array, e: Float64Array, x: number, pivmin: number): number {
  let count = 0;
  let q = d[0] - x;
  if (Math.abs(q) < pivmin) q = -pivmin;
  if (q < 0) count++;
  for (let i = 1; i < d.length; i++) {
    q = d[i] - x - (e[i - 1] * e[i - 1]) / q;
    if (Math.abs(q) < pivmin) q = -pivmin;
    if (q < 0) count++;
  }
  return count;
}

/**
 * Unit eigenvector of the tridiagonal (d, e) for the eigenvalue λ by two steps of inverse iteration:
 * solve (T − λI) x = b by Gaussian elimination with partial pivoting (as LAPACK dgttrf/dgtts2).
 */
function eigenvector(d: Float64Array, e: Float64Array, lambda: number): Float64Array {
  const k = d.length;
  const x = new Float64Array(k).fill(1 / Math.sqrt(k));
  if (k === 1) { x[0] = 1; return x; }
  const tiny = EPS * Math.max(Math.abs(lambda), 1e-300);
  // factor once: L U with U having two superdiagonals (u1, u2) because of row swaps
  const diag = new Float64Array(k), u1 = new Float64Array(k), u2 = new Float64Array(k), mult = new Float64Array(k);
  const swapped = new Uint8Array(k);
  for (let i = 0; i < k; i++) { diag[i] = d[i] - lambda; u1[i] = i < k - 1 ? e[i] : 0; }
  const lower = Float64Array.from(e); // subdiagonal, consumed as elimination proceeds
  for (let i = 0; i < k - 1; i++) {
    if (Math.abs(diag[i]) >= Math.abs(lower[i])) {
      const piv = diag[i] === 0 ? tiny : diag[i];
      diag[i] = piv;
      const f = lower[i] / piv;
      mult[i] = f;
      diag[i + 1] -= f * u1[i];
      u2[i] = 0;
    } else {
      // swap rows i and i+1
      const f = diag[i] / lower[i];
      mult[i] = f;
      swapped[i] = 1;
      diag[i] = lower[i];
      const t = diag[i + 1];
      diag[i + 1] = u1[i] - f * t;
      u1[i] = t;
      u2[i] = i + 1 < k - 1 ? u1[i + 1] : 0;
      if (i + 1 < k - 1) u1[i + 1] = -f * u2[i];
    }
  }
  if (diag[k - 1] === 0) diag[k - 1] = tiny;
  for (let pass = 0; pass < 2; pass++) {
    // forward: apply L⁻¹ (with the recorded swaps)
    for (let i = 0; i < k - 1; i++) {
      if (swapped[i]) { const t = x[i]; x[i] = x[i + 1]; x[i + 1] = t - mult[i] * x[i]; }
      else x[i + 1] -= mult[i] * x[i];
    }
    // back substitution with U
    x[k - 1] /= diag[k - 1];
    x[k - 2] = (x[k - 2] - u1[k - 2] * x[k - 1]) / diag[k - 2];
    for (let i = k - 3; i >= 0; i--) x[i] = (x[i] - u1[i] * x[i + 1] - u2[i] * x[i + 2]) / diag[i];
    scale(x, 1 / norm(x));
  }
  return x;
}

/** Classical Gram–Schmidt twice against the first `count` rows of `basis` (enough for orthogonality to rounding). */
function reorthogonalize(x: Float64Array, basis: Float64Array, count: number, len: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let b = 0; b < count; b++) {
      const off = b * len;
      let s = 0;
      for (let i = 0; i < len; i++) s += basis[off + i] * x[i];
      if (s === 0) continue;
      for (let i = 0; i < len; i++) x[i] -= s * basis[off + i];
    }
  }
}

function norm(x: Float64Array): number {
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

function grow(a: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(length);
  b.set(a);
  return b;
}
