/**
 * Singular values of a dense matrix, without singular vectors (the spectrum panel needs only values).
 *
 * Two algorithms, both backward stable (every value within about ε·‖W‖₂ of the exact one):
 * - `householder`: Householder bidiagonalization (Golub & Kahan 1965; Golub & Van Loan, *Matrix
 *   Computations*, 4th ed., Alg. 5.4.2) followed by implicit-shift QR on the bidiagonal (Golub &
 *   Reinsch 1970, with the deflation and zero-chasing of LINPACK/JAMA). The reduction is written so
 *   that each step passes over the trailing matrix once: the left reflector's update, the right
 *   reflector's product and update, and the next left reflector's product are fused per row while
 *   the row sits in L1. It costs 4mn² − 4n³/3 flops (m ≥ n), all of them in that one pass, which runs
 *   in WebAssembly SIMD (bidiagonal.wat; about 10 GFLOP/s here, `npm run bench -- spectrum`) and in
 *   plain JavaScript where SIMD is unavailable (about 1 GFLOP/s).
 * - `jacobi`: one-sided (Hestenes) Jacobi: rotates pairs of columns until every pair is orthogonal to
 *   working precision; the column norms are the singular values. Slower (several sweeps of ~4mn²
 *   flops) but accurate to high relative precision on graded matrices; used for small matrices.
 * `auto` takes Jacobi up to JACOBI_MAX_DIM and Householder above.
 *
 * Cancellation and progress: both poll `ctx` every ~2·10⁶ flops and report the fraction of the flops
 * done through `onProgress`.
 */
import { CancelledError, type AnalysisContext } from '../context';
import type { DenseMatrix } from '../linalg/dense';
import { wasmWorkspace } from './bidiagonalWasm';

export type SvdAlgorithm = 'householder' | 'jacobi';

/** `auto` uses one-sided Jacobi when min(rows, cols) is at most this, Householder above. */
export const JACOBI_MAX_DIM = 32;
const EPS = 2 ** -52;
/** below this, a number is treated as an underflow (LAPACK's safe minimum, about 1e-292) */
const TINY = 2 ** -966;
/** entries beyond these magnitudes are rescaled first so squares neither overflow nor underflow */
const SAFE_MAX = 1e120, SAFE_MIN = 1e-120;
/** flops between two polls of the context */
const POLL_FLOPS = 2e6;
/** one-sided Jacobi gives up after this many sweeps (it converges quadratically; 10 is typical) */
const MAX_JACOBI_SWEEPS = 60;

export interface SingularValueOptions {
  readonly algorithm?: SvdAlgorithm | 'auto';
  /** polled for cancellation (throws CancelledError) */
  readonly ctx?: AnalysisContext;
  /** fraction of this computation done, in [0, 1] */
  readonly onProgress?: (fraction: number) => void;
  /** false: the JavaScript row pass even where WebAssembly SIMD runs (tests, benchmarks) */
  readonly useWasm?: boolean;
}

/** The algorithm `auto` picks for a matrix of this shape. */
export function chosenAlgorithm(rows: number, cols: number, algorithm: SvdAlgorithm | 'auto' = 'auto'): SvdAlgorithm {
  if (algorithm !== 'auto') return algorithm;
  return Math.min(rows, cols) <= JACOBI_MAX_DIM ? 'jacobi' : 'householder';
}

/** Floating-point operations of the Householder path (reduction only; the bidiagonal QR is O(n²)). */
export function householderFlops(rows: number, cols: number): number {
  const m = Math.max(rows, cols), n = Math.min(rows, cols);
  return 4 * m * n * n - (4 / 3) * n * n * n;
}

/**
 * All min(rows, cols) singular values of `m`, in descending order. Throws a RangeError naming the
 * first non-finite entry (a NaN or ∞ has no spectrum).
 */
export function singularValues(m: DenseMatrix, options: SingularValueOptions = {}): Float64Array {
  const { rows, cols, data } = m;
  const k = Math.min(rows, cols);
  if (k === 0) return new Float64Array(0);
  let maxAbs = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (!(a <= Number.MAX_VALUE)) throw new RangeError(`singularValues: entry (${Math.floor(i / cols) + 1}, ${(i % cols) + 1}) is ${data[i]}; a matrix with a non-finite entry has no spectrum`);
    if (a > maxAbs) maxAbs = a;
  }
  if (maxAbs === 0) return new Float64Array(k);
  // work on a copy with the longer dimension as rows: A and Aᵀ have the same singular values
  const tall = rows >= cols;
  const work = tall ? data.slice() : transposed(data, rows, cols);
  const mm = tall ? rows : cols, nn = tall ? cols : rows;
  const scale = maxAbs > SAFE_MAX || maxAbs < SAFE_MIN ? maxAbs : 1;
  if (scale !== 1) for (let i = 0; i < work.length; i++) work[i] /= scale;
  // below the safe minimum (what ordinary entries beside a 1e308 become once rescaled) squares and
  // products underflow and a rotation can no longer act: zero them, a change of at most √(mn)·TINY,
  // far below the SVD's own error ε·σ₁ (fuzz seed 17: Jacobi never converged on such a matrix)
  for (let i = 0; i < work.length; i++) if (Math.abs(work[i]) < TINY) work[i] = 0;
  const values = chosenAlgorithm(rows, cols, options.algorithm) === 'jacobi'
    ? jacobiTall(work, mm, nn, options)
    : householderTall(work, mm, nn, options);
  if (scale !== 1) for (let i = 0; i < values.length; i++) values[i] *= scale;
  return values;
}

function transposed(data: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = data[i * cols + j];
  return t;
}

/** Polls the context and reports progress at most every POLL_FLOPS flops. */
class Poller {
  private since = 0;
  constructor(private readonly total: number, private readonly options: SingularValueOptions) {}
  add(flops: number, done: number): void {
    this.since += flops;
    if (this.since < POLL_FLOPS) return;
    this.since = 0;
    if (this.options.ctx?.isCancelled()) throw new CancelledError();
    this.options.onProgress?.(Math.min(1, done / this.total));
  }
}

// ------------------------------------------------------------------------------------------------
// Householder bidiagonalization + implicit QR on the bidiagonal

/** One pass over rows c1..m−1 of step k (see rowsPass in bidiagonal.wat); returns Σ x² of the next column's tail. */
type RowPass = (k: number, c1: number, vTau: number, tauR: number, accumulate: boolean) => number;

/**
 * Reduce the m×n (m ≥ n) row-major matrix `a` to upper bidiagonal form B = U₁ᵀ A V₁ and return its
 * diagonal d (length n) and superdiagonal e (length n, e[n−1] = 0). `a` is overwritten by the
 * JavaScript path; the WebAssembly path (bidiagonal.wat, used when the engine has SIMD and the
 * matrix fits in its memory) works on a copy.
 *
 * Step k: the left reflector H = I − τ v vᵀ (v = [1; x_{k+1:}/(x_k − β)]) zeroes column k below the
 * diagonal; the right reflector G = I − τ' u uᵀ zeroes row k right of the superdiagonal. Applying H
 * needs w = τ vᵀ A, i.e. Σ_i v_i A_i over the rows: that sum is accumulated, unscaled, during the
 * previous step's pass (as Σ_{i>k} x_i A_i, where x is column k as it leaves that pass), so each step
 * reads and writes every trailing row exactly once.
 */
export function bidiagonalize(a: Float64Array, m: number, n: number, options: SingularValueOptions = {}): { d: Float64Array; e: Float64Array } {
  if (m < n) throw new RangeError(`bidiagonalize: needs rows ≥ cols, got ${m}×${n}`);
  if (options.useWasm !== false) {
    const wasm = wasmWorkspace(m, n);
    if (wasm) {
      wasm.a.set(a.subarray(0, m * n));
      const { a: A, w, u, next, exports, ptr } = wasm;
      const pass: RowPass = (k, c1, vTau, tauR, accumulate) => exports.rowsPass(ptr.a, n, k, c1, c1, m, vTau, ptr.w, ptr.u, tauR, ptr.next, accumulate ? 1 : 0);
      return reduce(A, m, n, w, u, next, pass, options);
    }
  }
  const w = new Float64Array(n), u = new Float64Array(n), next = new Float64Array(n);
  return reduce(a, m, n, w, u, next, jsRowPass(a, m, n, w, u, next), options);
}

/** The row pass in JavaScript (the fallback where WebAssembly SIMD is unavailable). */
function jsRowPass(a: Float64Array, m: number, n: number, w: Float64Array, u: Float64Array, next: Float64Array): RowPass {
  return (k, c1, vTau, tauR, accumulate) => {
    let nextSq = 0;
    for (let i = c1; i < m; i++) {
      const off = i * n;
      const vi = a[off + k] * vTau;
      let z = 0;
      for (let j = c1; j < n; j++) {
        const t = a[off + j] - vi * w[j];
        a[off + j] = t;
        z += t * u[j];
      }
      z *= tauR;
      if (accumulate && i > c1) {
        const x = a[off + c1] - z * u[c1];
        if (x !== 0) {
          nextSq += x * x;
          for (let j = c1; j < n; j++) {
            const t = a[off + j] - z * u[j];
            a[off + j] = t;
            next[j] += x * t;
          }
          continue;
        }
      }
      if (z !== 0) for (let j = c1; j < n; j++) a[off + j] -= z * u[j];
    }
    return nextSq;
  };
}

function reduce(a: Float64Array, m: number, n: number, w: Float64Array, u: Float64Array, next: Float64Array, pass: RowPass, options: SingularValueOptions): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(n), e = new Float64Array(n);
  const poller = new Poller(householderFlops(m, n), options);
  let done = 0;
  // accumulate Σ_{i≥1} a[i,0]·A_i and Σ a[i,0]² for the first left reflector
  w.fill(0);
  let tailSq = 0;
  for (let i = 1; i < m; i++) {
    const off = i * n, x = a[off];
    if (x === 0) continue;
    tailSq += x * x;
    for (let j = 0; j < n; j++) w[j] += x * a[off + j];
  }
  for (let k = 0; k < n; k++) {
    const rk = k * n, c1 = k + 1;
    // left reflector from column k (rows k..m−1)
    const x0 = a[rk + k];
    let tauL = 0, vScale = 0, beta = x0;
    if (tailSq > 0) {
      const norm = Math.sqrt(x0 * x0 + tailSq);
      beta = x0 >= 0 ? -norm : norm;
      tauL = (beta - x0) / beta;
      vScale = 1 / (x0 - beta);
    }
    d[k] = beta;
    // w ← τ (A_k + vScale · Σ_{i>k} x_i A_i) over columns k+1..n−1; row k ← A_k − w
    if (tauL !== 0) {
      for (let j = c1; j < n; j++) { w[j] = tauL * (a[rk + j] + vScale * w[j]); a[rk + j] -= w[j]; }
    } else {
      for (let j = c1; j < n; j++) w[j] = 0;
    }
    // right reflector from row k (columns k+1..n−1)
    let tauR = 0;
    u.fill(0, c1, n);
    if (c1 < n) {
      const y0 = a[rk + c1];
      let s2 = 0;
      for (let j = c1 + 1; j < n; j++) s2 += a[rk + j] * a[rk + j];
      let b = y0;
      if (s2 > 0) {
        const norm = Math.sqrt(y0 * y0 + s2);
        b = y0 >= 0 ? -norm : norm;
        tauR = (b - y0) / b;
        const sc = 1 / (y0 - b);
        u[c1] = 1;
        for (let j = c1 + 1; j < n; j++) u[j] = a[rk + j] * sc;
      }
      e[k] = b;
    }
    // one fused pass over rows k+1..m−1: left update, right update, next accumulation
    next.fill(0, c1, n);
    tailSq = pass(k, c1, tauL !== 0 ? vScale : 0, tauR, c1 < n);
    for (let j = c1; j < n; j++) w[j] = next[j];
    const flops = 8 * (m - k) * (n - k);
    done += flops;
    poller.add(flops, done);
  }
  return { d, e };
}

/** The rotation of givens(): cos, sin and the radius (module state: no allocation in the QR loop). */
let gc = 1, gs = 0, gr = 0;

/**
 * The Givens rotation [c s; −s c] taking (f, g) to (r, 0). √(f² + g²) directly (Math.hypot is several
 * times slower in V8), with Math.hypot only when the squares overflow or underflow; (0, 0) gives the
 * identity.
 */
function givens(f: number, g: number): void {
  let r = Math.sqrt(f * f + g * g);
  if (!(r > 1e-150 && r < 1e150)) r = Math.hypot(f, g);
  if (r === 0) { gc = 1; gs = 0; gr = 0; return; }
  gc = f / r;
  gs = g / r;
  gr = r;
}

/**
 * Singular values of the upper bidiagonal matrix with diagonal d and superdiagonal e (e[n−1] is
 * ignored), descending. d and e are overwritten. Implicit-shift QR (Golub–Reinsch) with the
 * deflation tests of LINPACK's dsvdc: a superdiagonal entry is negligible when
 * |e_k| ≤ tiny + ε(|d_k| + |d_{k+1}|), a diagonal entry when |d_k| ≤ tiny + ε(|e_{k−1}| + |e_k|)
 * (then it is chased out with rotations); the shift is the eigenvalue of the trailing 2×2 of BᵀB
 * closer to its last entry.
 */
export function bidiagonalSingularValues(d: Float64Array, e: Float64Array, ctx?: AnalysisContext): Float64Array {
  const n = d.length;
  const s = d, f = e;
  if (n > 0) f[n - 1] = 0;
  let p = n;
  let iterations = 0;
  const maxIterations = 75 * Math.max(1, n);
  let since = 0;
  while (p > 0) {
    if (++iterations > maxIterations) throw new Error(`bidiagonal QR did not converge after ${maxIterations} iterations (n = ${n})`);
    since += p;
    if (since > POLL_FLOPS / 16) {
      since = 0;
      if (ctx?.isCancelled()) throw new CancelledError();
    }
    // k: the last negligible superdiagonal above p−1 (−1 when none)
    let k: number;
    for (k = p - 2; k >= 0; k--) {
      if (Math.abs(f[k]) <= TINY + EPS * (Math.abs(s[k]) + Math.abs(s[k + 1]))) {
        f[k] = 0;
        break;
      }
    }
    let kase: 1 | 2 | 3 | 4;
    if (k === p - 2) {
      kase = 4;
    } else {
      let ks: number;
      for (ks = p - 1; ks > k; ks--) {
        const t = (ks !== p ? Math.abs(f[ks]) : 0) + (ks !== k + 1 ? Math.abs(f[ks - 1]) : 0);
        if (Math.abs(s[ks]) <= TINY + EPS * t) {
          s[ks] = 0;
          break;
        }
      }
      if (ks === k) kase = 3;
      else if (ks === p - 1) kase = 1;
      else {
        kase = 2;
        k = ks;
      }
    }
    k++;
    switch (kase) {
      case 1: {
        // s[p−1] is negligible: rotate f[p−2] away from the bottom
        let g = f[p - 2];
        f[p - 2] = 0;
        for (let j = p - 2; j >= k; j--) {
          givens(s[j], g);
          const cs = gc, sn = gs;
          s[j] = gr;
          if (j !== k) {
            g = -sn * f[j - 1];
            f[j - 1] = cs * f[j - 1];
          }
        }
        break;
      }
      case 2: {
        // s[k−1] is negligible: split, chasing f[k−1] to the right
        let g = f[k - 1];
        f[k - 1] = 0;
        for (let j = k; j < p; j++) {
          givens(s[j], g);
          const cs = gc, sn = gs;
          s[j] = gr;
          g = -sn * f[j];
          f[j] = cs * f[j];
        }
        break;
      }
      case 3: {
        // one implicit QR step on rows/columns k..p−1
        const scale = Math.max(Math.abs(s[p - 1]), Math.abs(s[p - 2]), Math.abs(f[p - 2]), Math.abs(s[k]), Math.abs(f[k]));
        const sp = s[p - 1] / scale, spm1 = s[p - 2] / scale, epm1 = f[p - 2] / scale;
        const sk = s[k] / scale, ek = f[k] / scale;
        const b = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2;
        const c = sp * epm1 * (sp * epm1);
        let shift = 0;
        if (b !== 0 || c !== 0) {
          shift = Math.sqrt(b * b + c);
          if (b < 0) shift = -shift;
          shift = c / (b + shift);
        }
        let g = (sk + sp) * (sk - sp) + shift;
        let h = sk * ek;
        for (let j = k; j < p - 1; j++) {
          givens(g, h);
          let cs = gc, sn = gs;
          if (j !== k) f[j - 1] = gr;
          g = cs * s[j] + sn * f[j];
          f[j] = cs * f[j] - sn * s[j];
          h = sn * s[j + 1];
          s[j + 1] = cs * s[j + 1];
          givens(g, h);
          cs = gc;
          sn = gs;
          s[j] = gr;
          g = cs * f[j] + sn * s[j + 1];
          s[j + 1] = -sn * f[j] + cs * s[j + 1];
          h = sn * f[j + 1];
          f[j + 1] = cs * f[j + 1];
        }
        f[p - 2] = g;
        break;
      }
      case 4: {
        // s[k] has converged
        if (s[k] < 0) s[k] = -s[k];
        p--;
        break;
      }
    }
  }
  const out = Float64Array.from(s, Math.abs);
  out.sort();
  out.reverse();
  return out;
}

function householderTall(a: Float64Array, m: number, n: number, options: SingularValueOptions): Float64Array {
  const { d, e } = bidiagonalize(a, m, n, options);
  const values = bidiagonalSingularValues(d, e, options.ctx);
  options.onProgress?.(1);
  return values;
}

// ------------------------------------------------------------------------------------------------
// one-sided Jacobi

/**
 * One-sided Jacobi on the n columns of the m×n (m ≥ n) row-major matrix `a`: the columns are copied
 * into contiguous vectors, each pair (p, q) is rotated so that they become orthogonal
 * (Rutishauser's formulas: ζ = (β − α)/2γ, t = sign ζ/(|ζ| + √(1 + ζ²))), until a whole sweep finds
 * every |γ| ≤ ε·√(αβ)·m. The singular values are the final column norms.
 */
function jacobiTall(a: Float64Array, m: number, n: number, options: SingularValueOptions): Float64Array {
  const cols = transposed(a, m, n); // column j is cols[j*m .. j*m + m)
  const tol = EPS * m;
  const poller = new Poller(MAX_JACOBI_SWEEPS * 3 * m * n * n, options);
  let done = 0;
  let converged = false;
  for (let sweep = 0; sweep < MAX_JACOBI_SWEEPS && !converged; sweep++) {
    converged = true;
    for (let p = 0; p < n - 1; p++) {
      const op = p * m;
      for (let q = p + 1; q < n; q++) {
        const oq = q * m;
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = cols[op + i], y = cols[oq + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        // a rotation by 0 (ζ overflowed: the pair is as orthogonal as float64 can make it) changes nothing
        if (t === 0) continue;
        converged = false;
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (let i = 0; i < m; i++) {
          const x = cols[op + i], y = cols[oq + i];
          cols[op + i] = c * x - s * y;
          cols[oq + i] = s * x + c * y;
        }
      }
      const flops = 12 * m * (n - 1 - p);
      done += flops;
      poller.add(flops, done);
    }
  }
  if (!converged) throw new Error(`one-sided Jacobi did not converge in ${MAX_JACOBI_SWEEPS} sweeps (${m}×${n})`);
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    // scaled norm: the columns are orthogonal now, their norms are the singular values
    let scale = 0;
    for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(cols[j * m + i]));
    let s = 0;
    if (scale > 0) for (let i = 0; i < m; i++) { const x = cols[j * m + i] / scale; s += x * x; }
    out[j] = scale * Math.sqrt(s);
  }
  out.sort();
  out.reverse();
  options.onProgress?.(1);
  return out;
}
