/**
 * The distributions behind the convergence fits' intervals and model choice (no dependency):
 * Student's t (confidence intervals of slopes) and Fisher's F (does a larger model fit better?),
 * both through the regularized incomplete beta function.
 */

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

/** CDF of Fisher's F with (d1, d2) degrees of freedom. */
export function fCdf(f: number, d1: number, d2: number): number {
  if (!(f > 0)) return 0;
  return incompleteBeta((d1 * f) / (d1 * f + d2), d1 / 2, d2 / 2);
}

/** q-quantile of Fisher's F (q in (0,1), d1, d2 ≥ 1), by bisection on the CDF. */
export function fQuantile(q: number, d1: number, d2: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`fQuantile: q must be in (0, 1), got ${q}`);
  if (!(d1 >= 1 && d2 >= 1)) throw new RangeError(`fQuantile: degrees of freedom must be ≥ 1, got ${d1}, ${d2}`);
  let lo = 0, hi = 1;
  while (fCdf(hi, d1, d2) < q) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = 0.5 * (lo + hi);
    if (fCdf(mid, d1, d2) < q) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}
