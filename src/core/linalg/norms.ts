import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import type { DenseMatrix } from './dense';

export type MatrixNorm = '2' | '1' | 'inf' | 'fro';

/** Spectral norm (largest singular value) via ml-matrix's SVD. */
export function spectralNorm(m: DenseMatrix): number {
  if (m.rows === 0 || m.cols === 0) return 0;
  if (m.rows === 1 || m.cols === 1) return frobeniusNorm(m);
  const mat = new Matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mat.set(i, j, m.data[i * m.cols + j]);
  const svd = new SingularValueDecomposition(mat, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return svd.norm2;
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
  return Math.sqrt(s);
}
