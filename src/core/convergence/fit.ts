/**
 * Power-law tail fits v_k ≈ C·k^(−p) by ordinary least squares in log–log space, with a Student-t
 * confidence interval for p from the slope's standard error (df = n − 2).
 *
 * The t-interval treats the log-residuals as independent; for deterministic sequences (closed-form
 * families) it measures how well a straight line describes the tail rather than sampling error, so
 * a curved tail (e.g. (k+1)^(−2) fitted in k) still gets a narrow interval close to the true slope.
 */
import type { PowerLawFit, VerdictStatus } from '../../shared/analyses/convergence';

export const FIT_METHOD = 'OLS of log v on log k over the tail; t-interval for the slope (df = n − 2); exactly-zero terms skipped';

/**
 * Fit `values[j]` (the term of layer number `firstNumber + j`) over layer numbers from..to.
 * Non-finite terms make the fit 'insufficient' (the tail overflowed; nothing can be fitted honestly).
 */
export function fitPowerLaw(values: Float64Array, firstNumber: number, from: number, to: number, minPoints = 8, confidence = 0.95): PowerLawFit {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`fitPowerLaw: confidence must be in (0, 1), got ${confidence}`);
  let n = 0, zeros = 0, nonFinite = 0;
  let sx = 0, sy = 0;
  const j0 = Math.max(0, from - firstNumber), j1 = Math.min(values.length - 1, to - firstNumber);
  for (let j = j0; j <= j1; j++) {
    const v = Math.abs(values[j]);
    if (v === 0) { zeros++; continue; }
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    const x = Math.log(firstNumber + j), y = Math.log(v);
    n++; sx += x; sy += y;
  }
  const base = { from, to, points: n, zeros, confidence, method: FIT_METHOD };
  const none = { ...base, p: NaN, lo: NaN, hi: NaN, logC: NaN, standardError: NaN, residualSd: NaN };
  if (nonFinite > 0) return { kind: 'insufficient', ...none };
  if (n === 0 && zeros > 0) return { kind: 'zero', ...base, p: Infinity, lo: Infinity, hi: Infinity, logC: -Infinity, standardError: 0, residualSd: 0 };
  if (n < Math.max(3, minPoints)) return { kind: 'insufficient', ...none };
  const mx = sx / n, my = sy / n;
  let sxx = 0, sxy = 0;
  for (let j = j0; j <= j1; j++) {
    const v = Math.abs(values[j]);
    if (v === 0 || !Number.isFinite(v)) continue;
    const dx = Math.log(firstNumber + j) - mx;
    sxx += dx * dx; sxy += dx * (Math.log(v) - my);
  }
  if (sxx === 0) return { kind: 'insufficient', ...none };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssr = 0;
  for (let j = j0; j <= j1; j++) {
    const v = Math.abs(values[j]);
    if (v === 0 || !Number.isFinite(v)) continue;
    const r = Math.log(v) - intercept - slope * Math.log(firstNumber + j);
    ssr += r * r;
  }
  const df = n - 2;
  const residualSd = Math.sqrt(ssr / df);
  const se = residualSd / Math.sqrt(sxx);
  const t = studentTQuantile(0.5 + confidence / 2, df);
  const p = -slope;
  return { kind: 'power', ...base, p, lo: p - t * se, hi: p + t * se, logC: intercept, standardError: se, residualSd };
}

/**
 * Exponents within this of 1 are the harmonic case p = 1 (e.g. ‖W_k − I‖ = 1/k fitted exactly, where
 * rounding alone puts the interval a few ulps either side of 1): Σ k^(−1) diverges.
 */
export const HARMONIC_TOLERANCE = 1e-9;

/**
 * Summable iff p > 1: holds when the whole interval lies above 1 + HARMONIC_TOLERANCE, fails when it
 * lies at or below it, otherwise inconclusive.
 */
export function summability(fit: PowerLawFit): VerdictStatus {
  if (fit.kind === 'zero') return 'holds';
  if (fit.kind === 'insufficient') return 'inconclusive';
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
