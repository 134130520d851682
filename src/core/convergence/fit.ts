/**
 * The power-law fit v_k ≈ C·k^(−p) of a tail, by ordinary least squares in log–log space with a
 * Student-t interval for p. Since issue 12 it decides nothing about summability (summability.ts does,
 * on dyadic block sums): it is the dashed line in the plots, the p a reader expects to see, and the
 * necessary condition's "does the term tend to 0" rule (an exponent near 0 with terms above τ).
 *
 * The interval treats the log-residuals as independent; on deterministic tails it only measures how
 * straight the line is, which is why it no longer decides summability.
 */
import type { PowerLawFit } from '../../shared/analyses/convergence';
import { studentTQuantile } from './stats';

/** scratch for the logs of one fit (grown on demand, reused: a 10⁵-layer tail allocates once) */
let scratchX = new Float64Array(0), scratchY = new Float64Array(0);

export const FIT_METHOD = 'OLS of log v on log k over the tail; t-interval for the slope (df = n − 2); exactly-zero terms skipped (display only: summability is decided on dyadic block sums)';

/**
 * Fit `values[j]` (the term of layer number `firstNumber + j`) over layer numbers from..to.
 * Non-finite terms make the fit 'insufficient'; so do fewer than `minPoints` positive terms; an
 * all-zero range is 'zero' when it has at least `minPoints` layers.
 */
export function fitPowerLaw(values: Float64Array, firstNumber: number, from: number, to: number, minPoints = 8, confidence = 0.95): PowerLawFit {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`fitPowerLaw: confidence must be in (0, 1), got ${confidence}`);
  const j0 = Math.max(0, from - firstNumber), j1 = Math.min(values.length - 1, to - firstNumber);
  // logs into scratch arrays, then centred sums in a second pass over them (no cancellation at 10⁵ points)
  const size = Math.max(0, j1 - j0 + 1);
  if (scratchX.length < size) { scratchX = new Float64Array(size); scratchY = new Float64Array(size); }
  const xs = scratchX, ys = scratchY;
  let n = 0, zeros = 0, nonFinite = 0, sx = 0, sy = 0;
  for (let j = j0; j <= j1; j++) {
    const v = Math.abs(values[j]);
    if (v === 0) { zeros++; continue; }
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    const x = Math.log(firstNumber + j), y = Math.log(v);
    xs[n] = x; ys[n] = y; sx += x; sy += y; n++;
  }
  const mx = sx / n, my = sy / n;
  let cxx = 0, cxy = 0;
  for (let i = 0; i < n; i++) { const dx = xs[i] - mx, dy = ys[i] - my; cxx += dx * dx; cxy += dx * dy; }
  const need = Math.max(3, minPoints);
  const base = { from, to, points: n, zeros, minPoints: need, confidence, method: FIT_METHOD };
  const none = { ...base, p: NaN, lo: NaN, hi: NaN, logC: NaN, standardError: NaN, residualSd: NaN };
  if (nonFinite > 0) return { kind: 'insufficient', ...none };
  if (n === 0 && zeros >= need) return { kind: 'zero', ...base, p: Infinity, lo: Infinity, hi: Infinity, logC: -Infinity, standardError: 0, residualSd: 0 };
  if (n < need) return { kind: 'insufficient', ...none };
  if (!(cxx > 0)) return { kind: 'insufficient', ...none };
  const slope = cxy / cxx;
  let ssr = 0; // residuals summed directly: cyy − slope·cxy cancels to noise on exact power laws
  for (let i = 0; i < n; i++) { const r = ys[i] - my - slope * (xs[i] - mx); ssr += r * r; }
  const residualSd = Math.sqrt(ssr / (n - 2));
  const se = residualSd / Math.sqrt(cxx);
  const t = studentTQuantile(0.5 + confidence / 2, n - 2);
  const p = -slope;
  return { kind: 'power', ...base, p, lo: p - t * se, hi: p + t * se, logC: my - slope * mx, standardError: se, residualSd };
}
