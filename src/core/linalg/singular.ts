/**
 * Singular values of a small dense matrix by one-sided Jacobi (Hestenes): rotate pairs of columns of
 * the narrower orientation until they are orthogonal; the column norms are then the singular values.
 * It computes small singular values to high relative accuracy (unlike the eigenvalues of AᵀA, which
 * lose every σ below √ε·σ_max) — what the convergence analysis needs to see σ_min(P_n) shrink.
 *
 * Cost: about 6–10 sweeps of min(r, c)²·max(r, c)/2 rotations' work; callers evaluate it at a few
 * depths only (the dyadic block ends of a tail), never per layer.
 */
import type { DenseMatrix } from './dense';

/** All min(rows, cols) singular values, descending. The input is not modified. */
export function singularValues(a: DenseMatrix): Float64Array {
  const { rows, cols, data } = a;
  // work on the orientation with fewer columns: W is (long × short), column-major in `w`
  const transpose = cols > rows;
  const long = transpose ? cols : rows, short = transpose ? rows : cols;
  const w = new Float64Array(long * short);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    const v = data[i * cols + j];
    if (transpose) w[i * long + j] = v; else w[j * long + i] = v;
  }
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < short - 1; p++) {
      const op = p * long;
      for (let q = p + 1; q < short; q++) {
        const oq = q * long;
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < long; i++) { const x = w[op + i], y = w[oq + i]; alpha += x * x; beta += y * y; gamma += x * y; }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (let i = 0; i < long; i++) {
          const x = w[op + i], y = w[oq + i];
          w[op + i] = c * x - s * y;
          w[oq + i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const out = new Float64Array(short);
  for (let j = 0; j < short; j++) {
    // scaled norm: columns can hold values near the float64 limits
    let scale = 0;
    for (let i = 0; i < long; i++) scale = Math.max(scale, Math.abs(w[j * long + i]));
    if (scale === 0) continue;
    let s = 0;
    for (let i = 0; i < long; i++) { const v = w[j * long + i] / scale; s += v * v; }
    out[j] = scale * Math.sqrt(s);
  }
  return out.sort().reverse();
}

/** The smallest of the min(rows, cols) singular values. */
export function smallestSingularValue(a: DenseMatrix): number {
  const s = singularValues(a);
  return s.length > 0 ? s[s.length - 1] : 0;
}
