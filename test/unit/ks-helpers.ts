/** Test helpers for comparing two samples of the depth-degeneracy Monte Carlo. */
import { kolmogorovSurvival } from '../../src/core/degeneracy/density';

/**
 * Two-sample Kolmogorov–Smirnov: the statistic and its asymptotic p-value. `finiteOnly` drops ±∞ and
 * NaN first (ln sin² θ is −∞ where an angle collapsed to 0).
 */
export function twoSampleKs(x: ArrayLike<number>, y: ArrayLike<number>, options: { finiteOnly?: boolean } = {}): { d: number; p: number } {
  const sorted = (v: ArrayLike<number>) => (options.finiteOnly ? Float64Array.from(v).filter(Number.isFinite) : Float64Array.from(v)).sort();
  const a = sorted(x), b = sorted(y);
  let i = 0, j = 0, d = 0;
  while (i < a.length && j < b.length) {
    const t = Math.min(a[i], b[j]);
    while (i < a.length && a[i] <= t) i++;
    while (j < b.length && b[j] <= t) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  const ne = (a.length * b.length) / (a.length + b.length);
  return { d, p: kolmogorovSurvival(Math.sqrt(ne) * d) };
}
