/** Small numerical helpers of the training analyses: power-law fits, record schedules, quadrature. */
import type { PowerFit } from '../../shared/analyses/training';

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (standard tables). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
  2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(df: number): number {
  if (df < 1) return Infinity;
  return df <= 30 ? T975[df - 1] : 1.96 + 2.4 / df; // within 1e-3 of the exact quantile beyond 30
}

/**
 * Ordinary least squares of log y on log x over the points with x > 0 and y > 0.
 * Returns null with fewer than 2 such points. With exactly 2 no residual is left to estimate the
 * error: standardError is NaN and the interval is [−∞, ∞].
 */
export function fitPowerLaw(xs: ArrayLike<number>, ys: ArrayLike<number>): PowerFit | null {
  const pts: [number, number][] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i], y = ys[i];
    if (x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y)) pts.push([x, y]);
  }
  const n = pts.length;
  if (n < 2) return null;
  let mx = 0, my = 0;
  for (const [x, y] of pts) { mx += Math.log(x); my += Math.log(y); }
  mx /= n; my /= n;
  let sxx = 0, sxy = 0;
  for (const [x, y] of pts) {
    const dx = Math.log(x) - mx;
    sxx += dx * dx;
    sxy += dx * (Math.log(y) - my);
  }
  if (sxx === 0) return null;
  const exponent = sxy / sxx;
  const intercept = my - exponent * mx;
  let rss = 0;
  for (const [x, y] of pts) {
    const r = Math.log(y) - intercept - exponent * Math.log(x);
    rss += r * r;
  }
  const standardError = n > 2 ? Math.sqrt(rss / (n - 2) / sxx) : NaN;
  const half = n > 2 ? tQuantile975(n - 2) * standardError : Infinity;
  return { exponent, intercept, standardError, interval: [exponent - half, exponent + half], points: pts };
}

/**
 * About `count` log-spaced integer iterations in [0, K], strictly increasing, always starting with 0
 * and ending with K. With count ≥ K + 1 every iteration is a record.
 */
export function logSpacedIterations(K: number, count: number): number[] {
  if (count >= K + 1) return Array.from({ length: K + 1 }, (_, i) => i);
  const out = [0];
  const m = Math.max(count - 1, 1);
  for (let i = 0; i < m; i++) {
    const k = Math.round(Math.exp((Math.log(K) * i) / (m - 1 || 1)));
    if (k > out[out.length - 1]) out.push(k);
  }
  if (out[out.length - 1] !== K) out.push(K);
  return out;
}

/** Gauss–Legendre nodes and weights on [0, 1] (Newton on P_n, standard initial guesses). */
export function gaussLegendre01(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1, p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1; p1 = p2;
      }
      const dz = p1 / ((n * (z * p1 - p0)) / (z * z - 1));
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    // recompute P_n' at the converged root for the weight
    let p0 = 1, p1 = z;
    for (let k = 2; k <= n; k++) {
      const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
      p0 = p1; p1 = p2;
    }
    const dp = (n * (z * p1 - p0)) / (z * z - 1);
    const w = 2 / ((1 - z * z) * dp * dp);
    // map [−1, 1] → [0, 1]
    nodes[i] = (1 - z) / 2; weights[i] = w / 2;
    nodes[n - 1 - i] = (1 + z) / 2; weights[n - 1 - i] = w / 2;
  }
  return { nodes, weights };
}

/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanSd(values: ArrayLike<number>): { mean: number; sd: number } {
  const n = values.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += values[i];
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return { mean: m, sd: n > 1 ? Math.sqrt(s / (n - 1)) : 0 };
}
