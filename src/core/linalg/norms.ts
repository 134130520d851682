import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import type { AnalysisContext } from '../context';
import { norm2Vec, type DenseMatrix } from './dense';
import { lanczosSpectralNorm } from './lanczos';

export type MatrixNorm = '2' | '1' | 'inf' | 'fro';

/**
 * Up to this many rows or columns (the smaller of the two) the spectral norm comes from a full SVD;
 * above it from Lanczos bidiagonalization, which needs far fewer than min(m, n)³ operations
 * (bench/suites/linalg.ts measures both).
 */
export const EXACT_SVD_MAX = 48;
/** Entries beyond these magnitudes are rescaled first, so squares neither overflow nor underflow. */
const SAFE_MAX = 1e120, SAFE_MIN = 1e-120;

/**
 * Spectral norm (largest singular value). Small matrices: ml-matrix's SVD. Large ones: Golub–Kahan–
 * Lanczos with full reorthogonalization until the top singular value is converged to 1e-13 relative
 * (see lanczos.ts for the stopping rule); `ctx` is polled once per Lanczos step, so a cancelled
 * analysis stops within one pair of matrix–vector products. NaN entries give NaN, ±∞ entries ∞.
 */
export function spectralNorm(m: DenseMatrix, ctx?: AnalysisContext): number {
  if (m.rows === 0 || m.cols === 0) return 0;
  if (m.rows === 1 || m.cols === 1) return norm2Vec(m.data);
  let maxAbs = 0;
  for (let i = 0; i < m.data.length; i++) {
    const a = Math.abs(m.data[i]);
    if (a > maxAbs) maxAbs = a;
    else if (Number.isNaN(a)) return NaN;
  }
  if (maxAbs === 0 || maxAbs === Infinity) return maxAbs;
  if (maxAbs > SAFE_MAX || maxAbs < SAFE_MIN) {
    const scaled = { rows: m.rows, cols: m.cols, data: m.data.map((v) => v / maxAbs) };
    return maxAbs * spectralNorm(scaled, ctx);
  }
  if (Math.min(m.rows, m.cols) <= EXACT_SVD_MAX) return svdSpectralNorm(m);
  return lanczosSpectralNorm(m, { ctx }).value;
}

/**
 * Entries below this fraction of the largest are zeroed before ml-matrix's SVD. Its QR sweep has no
 * iteration limit and tests convergence against Number.MIN_VALUE, so a block of subnormal entries
 * (what 1e308 beside ordinary weights becomes once rescaled) never converges: the fuzz layer's seed 17
 * hung `info` for ever. Dropping them moves σ₁ ≥ max|a_ij| by at most ‖E‖_F ≤ √(mn)·ε²·max|a_ij|,
 * far below rounding.
 */
const SVD_NEGLIGIBLE = Number.EPSILON * Number.EPSILON;

/** The largest singular value from ml-matrix's full SVD (no singular vectors), on the matrix scaled by a power of two near its largest entry. */
export function svdSpectralNorm(m: DenseMatrix): number {
  let maxAbs = 0;
  for (let i = 0; i < m.data.length; i++) { const a = Math.abs(m.data[i]); if (a > maxAbs || a !== a) maxAbs = a; }
  if (maxAbs === 0 || !(maxAbs <= Number.MAX_VALUE)) return maxAbs;
  // a power of two, so the scaling itself is exact
  const scale = 2 ** Math.floor(Math.log2(maxAbs));
  const mat = new Matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const v = m.data[i * m.cols + j] / scale;
      mat.set(i, j, Math.abs(v) < SVD_NEGLIGIBLE ? 0 : v);
    }
  }
  const svd = new SingularValueDecomposition(mat, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return scale * svd.norm2;
}

export function frobeniusNorm(m: DenseMatrix): number {
  let s = 0;
  for (let i = 0; i < m.data.length; i++) s += m.data[i] * m.data[i];
  return Math.sqrt(s);
}

/** max column sum of |a_ij| */
export function oneNorm(m: DenseMatrix): number {
  let best = 0;
  for (let j = 0; j < m.cols; j++) {
    let s = 0;
    for (let i = 0; i < m.rows; i++) s += Math.abs(m.data[i * m.cols + j]);
    if (s > best) best = s;
  }
  return best;
}

/** max row sum of |a_ij| */
export function infNorm(m: DenseMatrix): number {
  let best = 0;
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += Math.abs(m.data[i * m.cols + j]);
    if (s > best) best = s;
  }
  return best;
}

export function matrixNorm(m: DenseMatrix, kind: MatrixNorm = '2'): number {
  switch (kind) {
    case '2': return spectralNorm(m);
    case '1': return oneNorm(m);
    case 'inf': return infNorm(m);
    case 'fro': return frobeniusNorm(m);
  }
}

/** The vector norm dual to a matrix norm choice (ℓ2 for '2' and 'fro', ℓ1 for '1', ℓ∞ for 'inf'). */
export function vectorNorm(x: ArrayLike<number>, kind: MatrixNorm = '2'): number {
  if (kind === '1') { let s = 0; for (let i = 0; i < x.length; i++) s += Math.abs(x[i]); return s; }
  if (kind === 'inf') { let s = 0; for (let i = 0; i < x.length; i++) s = Math.max(s, Math.abs(x[i])); return s; }
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  if (s >= 1e-290 && s <= Number.MAX_VALUE) return Math.sqrt(s);
  // the squares overflowed or underflowed (entries near 1e±154 and beyond): the same norm scaled by
  // the largest entry, so ‖(1e308, 1e308)‖ is 1.41e308, not ∞ (ordinary vectors never get here)
  let scale = 0;
  for (let i = 0; i < x.length; i++) { const a = Math.abs(x[i]); if (a > scale || a !== a) scale = a; }
  if (scale === 0 || !(scale <= Number.MAX_VALUE)) return scale;
  s = 0;
  for (let i = 0; i < x.length; i++) { const t = x[i] / scale; s += t * t; }
  return scale * Math.sqrt(s);
}
