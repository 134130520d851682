/**
 * Power-law tail fits v_k ≈ C·k^(−p) by ordinary least squares in log–log space, with a Student-t
 * confidence interval for p from the slope's standard error (df = n − 2), and a drift check.
 *
 * The t-interval treats the log-residuals as independent. On deterministic smooth tails (closed-form
 * families) there is no sampling error: the interval then measures how well a straight line fits, so
 * it is narrow even where the local exponent keeps moving — b_k = 1/(k log k) fitted on 501–1000 gets
 * p = 1.14 with an interval of width 0 although Σ b_k diverges. So every fit also compares the local
 * exponents of the two halves of its range: a significant drift toward 1 that, continued linearly in
 * log k, reaches 1 before k = n³ (n = the fit's last layer) makes summability undecidable.
 */
import type { PowerLawFit, VerdictStatus } from '../../shared/analyses/convergence';

export const FIT_METHOD = 'OLS of log v on log k over the tail; t-interval for the slope (df = n − 2); exactly-zero terms skipped; ' +
  'drift: the same fit on each half of the tail';

/** Least-squares line through (x, y) with its slope's standard error; null when sxx = 0 or n < 3. */
interface Line { slope: number; intercept: number; se: number; residualSd: number; n: number; meanX: number }

function leastSquares(xs: Float64Array, ys: Float64Array, start: number, end: number): Line | null {
  const n = end - start;
  if (n < 3) return null;
  let sx = 0, sy = 0;
  for (let i = start; i < end; i++) { sx += xs[i]; sy += ys[i]; }
  const mx = sx / n, my = sy / n;
  let sxx = 0, sxy = 0;
  for (let i = start; i < end; i++) { const dx = xs[i] - mx; sxx += dx * dx; sxy += dx * (ys[i] - my); }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssr = 0;
  for (let i = start; i < end; i++) { const r = ys[i] - intercept - slope * xs[i]; ssr += r * r; }
  const residualSd = Math.sqrt(ssr / (n - 2));
  return { slope, intercept, se: residualSd / Math.sqrt(sxx), residualSd, n, meanX: mx };
}

/**
 * Fit `values[j]` (the term of layer number `firstNumber + j`) over layer numbers from..to.
 * Non-finite terms make the fit 'insufficient' (the tail overflowed; nothing can be fitted honestly);
 * so do fewer than `minPoints` terms in the range, zeros included: an all-zero tail is 'zero' only
 * when it has at least `minPoints` layers.
 */
export function fitPowerLaw(values: Float64Array, firstNumber: number, from: number, to: number, minPoints = 8, confidence = 0.95): PowerLawFit {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`fitPowerLaw: confidence must be in (0, 1), got ${confidence}`);
  const j0 = Math.max(0, from - firstNumber), j1 = Math.min(values.length - 1, to - firstNumber);
  const size = Math.max(0, j1 - j0 + 1);
  const xs = new Float64Array(size), ys = new Float64Array(size);
  let n = 0, zeros = 0, nonFinite = 0;
  for (let j = j0; j <= j1; j++) {
    const v = Math.abs(values[j]);
    if (v === 0) { zeros++; continue; }
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    xs[n] = Math.log(firstNumber + j); ys[n] = Math.log(v); n++;
  }
  const need = Math.max(3, minPoints);
  const base = { from, to, points: n, zeros, minPoints: need, confidence, method: FIT_METHOD };
  const none = { ...base, p: NaN, lo: NaN, hi: NaN, logC: NaN, standardError: NaN, residualSd: NaN, drift: null };
  if (nonFinite > 0) return { kind: 'insufficient', ...none };
  if (n === 0 && zeros >= need) return { kind: 'zero', ...base, p: Infinity, lo: Infinity, hi: Infinity, logC: -Infinity, standardError: 0, residualSd: 0, drift: null };
  if (n < need) return { kind: 'insufficient', ...none };
  const line = leastSquares(xs, ys, 0, n);
  if (!line) return { kind: 'insufficient', ...none };
  const t = studentTQuantile(0.5 + confidence / 2, n - 2);
  const p = -line.slope;
  return {
    kind: 'power', ...base, p, lo: p - t * line.se, hi: p + t * line.se, logC: line.intercept, standardError: line.se, residualSd: line.residualSd,
    drift: halvesDrift(xs, ys, n, confidence, Math.log(to)),
  };
}

/**
 * The local exponent on each half of the fitted points, its change and where a linear continuation
 * in log k would take it to 1. Null when a half has fewer than 3 points.
 */
function halvesDrift(xs: Float64Array, ys: Float64Array, n: number, confidence: number, logLast: number): PowerLawFit['drift'] {
  const half = n >> 1;
  const a = leastSquares(xs, ys, 0, half), b = leastSquares(xs, ys, half, n);
  if (!a || !b) return null;
  const pFirst = -a.slope, pSecond = -b.slope;
  const change = pSecond - pFirst;
  const standardError = Math.hypot(a.se, b.se);
  const t = studentTQuantile(0.5 + confidence / 2, Math.min(a.n, b.n) - 2);
  const significant = Math.abs(change) > t * standardError + HARMONIC_TOLERANCE;
  // the local exponent as a line in log k through the two halves' centres: where does it reach 1?
  const perLogK = change / (b.meanX - a.meanX);
  const towardOne = significant && (pSecond > 1 ? change < 0 : change > 0);
  const logCrossing = towardOne ? b.meanX + (1 - pSecond) / perLogK : Infinity;
  const reachesOne = towardOne && logCrossing <= DRIFT_HORIZON_POWER * logLast;
  return { pFirst, pSecond, change, standardError, significant, towardOne, crossing: Math.exp(logCrossing), reachesOne };
}

/** A drift toward 1 decides nothing when its linear continuation reaches 1 beyond k = n^this. */
export const DRIFT_HORIZON_POWER = 3;

/**
 * Exponents within this of 1 are the harmonic case p = 1 (e.g. ‖W_k − I‖ = 1/k fitted exactly, where
 * rounding alone puts the interval a few ulps either side of 1): Σ k^(−1) diverges.
 */
export const HARMONIC_TOLERANCE = 1e-9;

/**
 * Summable iff p > 1: holds when the whole interval lies above 1 + HARMONIC_TOLERANCE, fails when it
 * lies at or below it, otherwise inconclusive — and inconclusive either way when the local exponent
 * drifts toward 1 and would reach it before k = n³ (the power law then does not describe the tail).
 */
export function summability(fit: PowerLawFit): VerdictStatus {
  if (fit.kind === 'zero') return 'holds';
  if (fit.kind === 'insufficient') return 'inconclusive';
  if (fit.drift?.reachesOne) return 'inconclusive';
  if (fit.lo > 1 + HARMONIC_TOLERANCE) return 'holds';
  if (fit.hi <= 1 + HARMONIC_TOLERANCE) return 'fails';
  return 'inconclusive';
}

/**
 * Σ_{k>n} v_k from the fit, conservatively: the power law with the interval's lower exponent lo,
 * anchored at A = max(fit(n), v_n), bounded by the integral Σ_{k>n} A(k/n)^(−lo) ≤ A·n/(lo − 1).
 * Extrapolated, never rigorous. Null when the tail is not judged summable.
 */
export function extrapolatedTailSum(fit: PowerLawFit, lastNumber: number, lastValue: number): number | null {
  if (fit.kind === 'zero') return 0;
  if (summability(fit) !== 'holds') return null;
  const fitted = Math.exp(fit.logC - fit.p * Math.log(lastNumber));
  const anchor = Math.max(fitted, Math.abs(lastValue));
  return (anchor * lastNumber) / (fit.lo - 1);
}

// ─── Student t quantile (no dependency): regularized incomplete beta + bisection ────────────────

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; |rel err| < 1e-14). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** CDF of Student's t with df degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** q-quantile of Student's t (q in (0,1), df ≥ 1), by bisection to ~1e-12. */
export function studentTQuantile(q: number, df: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`studentTQuantile: q must be in (0, 1), got ${q}`);
  if (!(df >= 1)) throw new RangeError(`studentTQuantile: df must be ≥ 1, got ${df}`);
  if (q < 0.5) return -studentTQuantile(1 - q, df);
  let lo = 0, hi = 1;
  while (studentTCdf(hi, df) < q) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, df) < q) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}
