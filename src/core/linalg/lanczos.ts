/**
 * The largest singular value of a large dense matrix A by the Lanczos method on AᵀA with full
 * reorthogonalization (Golub & Van Loan, Matrix Computations, 4th ed., §10.1; the stopping rule is
 * Parlett, The Symmetric Eigenvalue Problem, §13.2 / ARPACK's residual test).
 *
 * Lanczos on AᵀA builds the same Krylov space as Golub–Kahan bidiagonalization of A (so it takes the
 * same number of steps), but one step is one pass over A: w = Aᵀ(A v) row by row, each row dotted
 * with v and then scaled into w while it is still in the L1 cache (../kernels/kernels.wat `gram`, in
 * WebAssembly SIMD). From a unit v₁, orthonormal v_1..v_k and the tridiagonal T_k = V_kᵀ AᵀA V_k
 * (α on the diagonal, β beside it) come from
 *   β_j v_{j+1} = AᵀA v_j − α_j v_j − β_{j−1} v_{j−1},  α_j = v_jᵀ AᵀA v_j,
 * with v_{j+1} orthogonalized against every earlier v twice (classical Gram–Schmidt, the kernels'
 * `dots` and `combine`). θ_k² = λ_max(T_k) never exceeds σ_max(A)² and grows with k. If T_k s = θ² s,
 * the Ritz vector y = V_k s has ‖AᵀA y − θ² y‖ = β_k |s_k| =: ρ, so an eigenvalue λ = σ² of AᵀA
 * lies within ρ of θ², hence |σ − θ| = |σ² − θ²|/(σ + θ) ≤ ρ/θ. Squaring costs nothing at the top of
 * the spectrum: λ_max is found to relative rounding, and so is its square root.
 *
 * Stopping rule: stop at the first k with ρ/θ ≤ tolerance · θ (default 1e-13; the convergence
 * analysis asks 1e-10, see CONVERGENCE_NORM_TOLERANCE in norms.ts), or when β_k vanishes to rounding
 * (the Krylov space is invariant: θ_k is exact), or when the space is all of Rⁿ (exact). With a
 * random start the singular value within ρ/θ is the largest one (a start vector exactly orthogonal
 * to the top singular vector has probability zero, and rounding repairs it).
 *
 * A warm start (`start`, e.g. the previous layer's top right singular vector, which the result
 * returns) begins near the answer: consecutive layers of a deep network are close. A little of the
 * seeded random vector is mixed in, so no direction is missing from the start.
 */
import { CancelledError, type AnalysisContext } from '../context';
import { Rng } from '../rng';
import type { DenseMatrix } from './dense';
import { LanczosSpace } from './products';

export interface LanczosResult {
  /** the estimate of σ_max(A) (never above it, up to rounding) */
  readonly value: number;
  /** ρ/θ: a singular value of A lies within this distance of `value` */
  readonly residual: number;
  /** Lanczos steps taken (one pass over A each: A v and Aᵀ(A v)) */
  readonly steps: number;
  /** true when the Krylov space became invariant or filled the space: the value is exact up to rounding */
  readonly exact: boolean;
  /** the top right singular vector (unit length, n numbers), for a warm start of a similar matrix */
  readonly vector: Float64Array;
}

export interface LanczosOptions {
  /** stop once ρ/θ ≤ tolerance · θ (default 1e-13) */
  readonly tolerance?: number;
  /** seed of the start vector (default fixed: results are reproducible bit for bit) */
  readonly seed?: number;
  /** start near this vector (n numbers; a warm start), mixed with a little of the seeded random one */
  readonly start?: Float64Array;
  /** polled once per step; cancelling throws CancelledError */
  readonly ctx?: AnalysisContext;
}

const DEFAULT_TOLERANCE = 1e-13;
const DEFAULT_SEED = 0x5eed;
const EPS = 2 ** -52;
/** β_k below this times θ_k² is rounding: the Krylov space is invariant */
const INVARIANT = 64 * EPS;
/** weight of the random vector in a warm start */
const WARM_NOISE = 2 ** -10;
const FIRST_CAPACITY = 64;

export function lanczosSpectralNorm(a: DenseMatrix, options: LanczosOptions = {}): LanczosResult {
  const space = LanczosSpace.create(a.data, a.rows, a.cols, lanczosCapacity(a.rows, a.cols));
  try {
    return lanczosOnSpace(space, options);
  } finally {
    space.release();
  }
}

/** The basis rows a Lanczos run on an m×n matrix starts with (LanczosSpace.allocate's `capacity`). */
export function lanczosCapacity(m: number, n: number): number {
  return Math.min(n, m + 1, FIRST_CAPACITY);
}

/**
 * lanczosSpectralNorm on a space whose A the caller filled (LanczosSpace.allocate: a tensor decoded
 * straight into WebAssembly memory, float32 kept as float32). The caller releases the space.
 */
export function lanczosOnSpace(space: LanczosSpace, options: LanczosOptions = {}): LanczosResult {
  const { m, n } = space;
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  // AᵀA is n×n of rank ≤ m: its Krylov spaces have dimension ≤ min(n, m + 1)
  const kmax = Math.min(n, m + 1);
  const rng = new Rng(options.seed ?? DEFAULT_SEED);
  const start = rng.fillGaussian(new Float64Array(n));
  if (options.start && options.start.length === n) {
    const r = WARM_NOISE / norm(start), s = 1 / norm(options.start);
    if (Number.isFinite(s)) for (let i = 0; i < n; i++) start[i] = s * options.start[i] + r * start[i];
  }
  scale(start, 1 / norm(start));
  space.V.set(start, 0);
  const alpha: number[] = [];
  const beta: number[] = [];
  let theta2 = 0, rho = Infinity, s: Float64Array = new Float64Array(1);
  let steps = 0, exact = false;
  for (let j = 0; j < kmax; j++) {
    if (options.ctx?.isCancelled()) throw new CancelledError();
    steps = j + 1;
    // w = AᵀA v_j; α_j = v_j · w; then w orthogonal to v_0..v_j (which removes α_j v_j and β_{j−1} v_{j−1})
    space.gram(j);
    space.dots(j + 1);
    alpha.push(space.c[j]);
    reorthogonalize(space, j + 1);
    const bj = norm(space.w);
    const top = topEigenpair(alpha, beta, j + 1);
    theta2 = top.value;
    s = top.vector;
    rho = bj * Math.abs(s[j]);
    if (bj <= INVARIANT * theta2 || j + 1 === kmax) { exact = true; rho = bj <= INVARIANT * theta2 ? 0 : rho; break; }
    const theta = Math.sqrt(theta2);
    if (rho / theta <= tolerance * theta) break;
    beta.push(bj);
    if (j + 1 === space.capacity) space.grow(Math.min(kmax, space.capacity * 2));
    const w = space.w;
    const inv = 1 / bj;
    const next = space.V.subarray((j + 1) * n, (j + 2) * n);
    for (let i = 0; i < n; i++) next[i] = w[i] * inv;
  }
  const theta = Math.sqrt(Math.max(0, theta2));
  // the top Ritz vector y = V_k s (unit up to rounding), for warm starts
  space.w.fill(0);
  space.c.set(s.subarray(0, steps));
  space.combine(steps);
  const vector = space.w.slice();
  scale(vector, 1 / norm(vector));
  return { value: theta, residual: exact ? 0 : theta > 0 ? rho / theta : 0, steps, exact, vector };
}

/** Classical Gram–Schmidt twice: w ← w − Σ_r (v_r · w) v_r over the first k basis rows. */
function reorthogonalize(space: LanczosSpace, k: number): void {
  for (let pass = 0; pass < 2; pass++) {
    if (pass > 0) space.dots(k);
    const c = space.c;
    for (let r = 0; r < k; r++) c[r] = -c[r];
    space.combine(k);
  }
}

/**
 * λ_max of the symmetric tridiagonal T_k (diagonal α_1..α_k, off-diagonal β_1..β_{k−1}) and its unit
 * eigenvector, by Sturm bisection and inverse iteration (the helpers below).
 */
export function topEigenpair(alpha: readonly number[], beta: readonly number[], k: number): { value: number; vector: Float64Array } {
  const d = Float64Array.from(alpha.slice(0, k)), e = Float64Array.from(beta.slice(0, k - 1));
  const lambda = largestEigenvalue(d, e);
  return { value: lambda, vector: eigenvector(d, e, lambda) };
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

function norm(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

function scale(x: Float64Array, f: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= f;
}
