/**
 * Deterministic predictions for the angle θ^ℓ between two inputs in a random bias-free ReLU network
 * (MATH.md §C): the infinite-width map, Theorem 1's μ(θ, n) and σ²(θ, n), ρ(n), Approximations 1
 * and 2. X = ln sin²θ throughout.
 *
 * Numerical care near θ = 0: 1 − 4J11² → 0 like θ², K → 0 like θ⁴ and the numerator of σ²'s third
 * term like θ², so the textbook formulas lose all digits for small θ (at θ = 1e-4 they return noise).
 * We evaluate
 *   L(θ) = 1 − 4J11² = (1 − 2J11)(1 + 2J11),  π(1 − 2J11) = 2π sin²(θ/2) − (sin θ − θ cos θ)
 * with the last bracket by its (alternating, cancellation-free) series for θ < 1 (and ln L as
 * 2 ln θ + ln(L/θ²), so nothing underflows even at θ = 1e-300), and the two ratios
 *   A(θ) = K/L²  and  B(θ) = (2J11² − 4J11J31 + J22 + 1)/L
 * by their Taylor series in θ for θ < SERIES_CUTOFF. The series are built once by truncated power-series
 * arithmetic from the series of sin and cos (the vanishing low-order coefficients are dropped exactly,
 * after checking they are rounding noise), so no closed-form expansion is typed in by hand.
 */
import { checkTheta, j11, j22, j31 } from './moments';

const PI = Math.PI;

/** X = ln sin²θ (−∞ at θ = 0 or π). */
export function lnSin2(theta: number): number {
  const s = Math.sin(theta);
  return 2 * Math.log(Math.abs(s));
}

/** θ ∈ [0, π/2] from X = ln sin²θ (post-ReLU angles are at most π/2). */
export function thetaFromLnSin2(x: number): number {
  if (x >= 0) return PI / 2;
  return Math.asin(Math.exp(x / 2));
}

/** (sin θ − θ cos θ)/θ² for 0 ≤ θ < 1 by its series θ·Σ_{k≥1} (−1)^{k+1} 2k θ^{2k−2}/(2k+1)!. */
function sinMinusThetaCosOverThetaSq(theta: number): number {
  const t2 = theta * theta;
  // θ^{2k−2}/(2k+1)! at k = 1 is 1/6; each step multiplies by −θ²/((2k)(2k+1)). No 1/θ anywhere: it
  // overflows for subnormal θ (< 5.6e-309), which deep narrow networks reach.
  let term = 1 / 6;
  let sum = 2 * term;
  for (let k = 2; k < 30; k++) {
    term *= -t2 / ((2 * k) * (2 * k + 1));
    const add = 2 * k * term;
    sum += add;
    if (Math.abs(add) <= 1e-18 * Math.abs(sum)) break;
  }
  return theta * sum;
}

/**
 * q(θ) = (1 − 2J11(θ))/θ² for 0 < θ < 1 (→ 1/2 at 0), without cancellation:
 * π(1 − 2J11) = 2π sin²(θ/2) − (sin θ − θ cos θ).
 */
function oneMinusTwoJ11OverThetaSq(theta: number): number {
  if (theta === 0) return 0.5;
  // sin(θ/2)/θ; below 1e-8 it is 1/2 to double precision, and θ/2 would underflow for subnormal θ
  const h = theta < 1e-8 ? 0.5 : Math.sin(theta / 2) / theta;
  return (2 * PI * h * h - sinMinusThetaCosOverThetaSq(theta)) / PI;
}

/** 1 − 2J11(θ) = 1 − cos θ' where θ' is the infinite-width image of θ; accurate for small θ. */
export function oneMinusTwoJ11(theta: number): number {
  if (theta < 1) return theta * theta * oneMinusTwoJ11OverThetaSq(theta);
  const h = Math.sin(theta / 2);
  return (2 * PI * h * h - (Math.sin(theta) - theta * Math.cos(theta))) / PI;
}

/** L(θ) = 1 − 4J11(θ)² = sin²θ' (≈ θ² near 0), accurate for small θ. */
export function oneMinusFourJ11Sq(theta: number): number {
  const d = oneMinusTwoJ11(theta);
  return d * (2 - d);
}

/**
 * ln L(θ) = ln(1 − 4J11²) without underflow for tiny θ (−∞ at θ = 0). `lnThetaSq` = ln θ² may be given
 * by a caller that knows it more precisely than 2 ln θ (θ from X = ln sin²θ can be subnormal or 0
 * while X itself is an ordinary number).
 */
export function lnOneMinusFourJ11Sq(theta: number, lnThetaSq = 2 * Math.log(theta)): number {
  if (theta >= 1) return Math.log(oneMinusFourJ11Sq(theta));
  const q = oneMinusTwoJ11OverThetaSq(theta);
  return lnThetaSq + Math.log(q * (2 - theta * theta * q));
}

/**
 * One step of the infinite-width map: cos θ' = 2J11(θ) = [sin θ + (π − θ)cos θ]/π.
 * Returned as an angle via atan2(sin θ', cos θ') so tiny angles keep full relative precision.
 */
export function infiniteWidthStep(theta: number): number {
  checkTheta(theta, 'infiniteWidthStep');
  return Math.atan2(Math.sqrt(oneMinusFourJ11Sq(theta)), 2 * j11(theta));
}

/** θ^0, θ^1, …, θ^L of the infinite-width recursion. */
export function infiniteWidthIterates(theta0: number, layers: number): Float64Array {
  checkTheta(theta0, 'infiniteWidthIterates');
  checkLayers(layers, 'infiniteWidthIterates');
  const out = new Float64Array(layers + 1);
  out[0] = theta0;
  for (let l = 1; l <= layers; l++) out[l] = infiniteWidthStep(out[l - 1]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Taylor series of A(θ) = K/L² and B(θ) = N/L near θ = 0

/** Below this angle A and B come from their Taylor series; above it from the closed forms. */
export const SERIES_CUTOFF = 0.6;
const ORDER = 48;

type Series = Float64Array; // coefficients of θ^0..θ^ORDER

function sMul(p: Series, q: Series): Series {
  const out = new Float64Array(ORDER + 1);
  for (let i = 0; i <= ORDER; i++) {
    if (p[i] === 0) continue;
    for (let j = 0; i + j <= ORDER; j++) out[i + j] += p[i] * q[j];
  }
  return out;
}
function sLin(...terms: [number, Series][]): Series {
  const out = new Float64Array(ORDER + 1);
  for (const [k, s] of terms) for (let i = 0; i <= ORDER; i++) out[i] += k * s[i];
  return out;
}
function sConst(k: number): Series {
  const out = new Float64Array(ORDER + 1);
  out[0] = k;
  return out;
}
/** p / q for q[0] ≠ 0 */
function sDiv(p: Series, q: Series): Series {
  const out = new Float64Array(ORDER + 1);
  for (let i = 0; i <= ORDER; i++) {
    let s = p[i];
    for (let j = 1; j <= i; j++) s -= q[j] * out[i - j];
    out[i] = s / q[0];
  }
  return out;
}
/** Divide by θ^k after checking the first k coefficients are rounding noise relative to `scale`. */
function sDropLow(p: Series, k: number, scale: number, what: string): Series {
  for (let i = 0; i < k; i++) {
    if (Math.abs(p[i]) > 1e-12 * scale) throw new Error(`internal: series of ${what} has coefficient ${p[i]} at θ^${i}, expected 0`);
  }
  const out = new Float64Array(ORDER + 1);
  for (let i = k; i <= ORDER; i++) out[i - k] = p[i];
  return out; // the top k coefficients are unknown → left 0; ORDER is chosen far beyond what is needed
}

interface SmallAngleSeries {
  /** A(θ) = K/L² */
  readonly a: Series;
  /** B(θ) = (2J11² − 4J11J31 + J22 + 1)/L */
  readonly b: Series;
}

let smallAngle: SmallAngleSeries | undefined;

function smallAngleSeries(): SmallAngleSeries {
  if (smallAngle) return smallAngle;
  const sin = new Float64Array(ORDER + 1), cos = new Float64Array(ORDER + 1);
  let f = 1;
  for (let i = 0; i <= ORDER; i++) {
    if (i > 0) f *= i;
    if (i % 2 === 0) cos[i] = (i % 4 === 0 ? 1 : -1) / f;
    else sin[i] = ((i - 1) % 4 === 0 ? 1 : -1) / f;
  }
  const piMinusT = new Float64Array(ORDER + 1);
  piMinusT[0] = PI; piMinusT[1] = -1;
  const c2 = sMul(cos, cos);
  const inv2pi = 1 / (2 * PI);
  const J11 = sLin([inv2pi, sin], [inv2pi, sMul(piMinusT, cos)]);
  const J22 = sLin([inv2pi, sMul(piMinusT, sLin([2, c2], [1, sConst(1)]))], [3 * inv2pi, sMul(sin, cos)]);
  const J31 = sLin([3 * inv2pi, sMul(piMinusT, cos)], [inv2pi, sMul(sin, c2)], [2 * inv2pi, sin]);
  const J11sq = sMul(J11, J11);
  const L = sLin([1, sConst(1)], [-4, J11sq]);
  const K = sLin(
    [8, sMul(J11sq, J22)], [-8, sMul(J11sq, J11sq)], [4, J11sq], [-8, sMul(J11, J31)], [1, J22], [1, sConst(1)],
  );
  const N = sLin([2, J11sq], [-4, sMul(J11, J31)], [1, J22], [1, sConst(1)]);
  const Lr = sDropLow(L, 2, 1, '1 − 4J11²');
  const Kr = sDropLow(K, 4, 10, 'K');
  const Nr = sDropLow(N, 2, 5, '2J11² − 4J11J31 + J22 + 1');
  smallAngle = { a: sDiv(Kr, sMul(Lr, Lr)), b: sDiv(Nr, Lr) };
  return smallAngle;
}

function sEval(p: Series, t: number, terms: number): number {
  let s = 0;
  for (let i = terms - 1; i >= 0; i--) s = s * t + p[i];
  return s;
}

/** Number of series terms used below SERIES_CUTOFF (the top coefficients lost to sDropLow are excluded). */
const SERIES_TERMS = ORDER - 4;

/** A(θ) = K/(1 − 4J11²)² (finite at 0: 3/(8π²)·… see tests). */
export function ratioA(theta: number): number {
  if (theta < SERIES_CUTOFF) return sEval(smallAngleSeries().a, theta, SERIES_TERMS);
  const a = j11(theta), b = j22(theta), c = j31(theta);
  const k = 8 * a * a * b - 8 * a * a * a * a + 4 * a * a - 8 * a * c + b + 1;
  const l = oneMinusFourJ11Sq(theta);
  return k / (l * l);
}

/** B(θ) = (2J11² − 4J11J31 + J22 + 1)/(1 − 4J11²). */
export function ratioB(theta: number): number {
  if (theta < SERIES_CUTOFF) return sEval(smallAngleSeries().b, theta, SERIES_TERMS);
  const a = j11(theta), b = j22(theta), c = j31(theta);
  return (2 * a * a - 4 * a * c + b + 1) / oneMinusFourJ11Sq(theta);
}

function checkWidth(n: number, fn: string): void {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 2) throw new RangeError(`${fn}: width must be a number ≥ 2, got ${n}`);
}
function checkLayers(layers: number, fn: string): void {
  if (!Number.isInteger(layers) || layers < 0) throw new RangeError(`${fn}: number of layers must be a non-negative integer, got ${layers}`);
}

/** Above this angle μ and σ² use the cancellation-free forms of nearPi (all J's → 0 at π). */
const NEAR_PI_FROM = PI / 2;

/**
 * Theorem 1 near θ = π [derived]: J11, J22, J31 → 0 there (as δ³, δ⁵, δ⁵ in δ = π − θ), μ → 0 and
 * σ² → 0, but the textbook forms reach those zeros as differences of O(1/n) terms (σ²(3.1, 256) came
 * out 1.39e-17 against the true 2.0e-20, and negative at 6 % of the angles in [2.8, π]). With
 * a = J11, b = J22, c = J31, d = n + 4b − 1, m = n − 1, L = 1 − 4a², u = 2a² − 4ac and
 * e = d − mL = 4b + 4a²m, the same expressions regroup exactly into
 *   σ² = 8n [ (b+1)e² + 2u·d·e + 8a²(b − a²)d² ] / (d·m·L)²
 *   μ  = ln(1 − e/d) − 4n [ (b+1)e(mL + d) + (2u + 8a²(b − a²))d² ] / (d·m·L)²
 * whose terms are products of the small quantities themselves. Near π every term is ≥ 0 (u > 0
 * because J11 ≫ J31 there, and b ≥ a² always by Jensen), so nothing cancels.
 */
function nearPi(theta: number, n: number): { mu: number; sigma2: number } {
  const a = j11(theta), b = j22(theta), c = j31(theta);
  const d = n + 4 * b - 1, m = n - 1, L = 1 - 4 * a * a;
  const u = 2 * a * (a - 2 * c);
  const e = 4 * b + 4 * a * a * m;
  const spread = 8 * a * a * (b - a * a);
  const den = d * m * L;
  const den2 = den * den;
  return {
    sigma2: (8 * n * ((b + 1) * e * e + 2 * u * d * e + spread * d * d)) / den2,
    mu: Math.log1p(-e / d) - (4 * n * ((b + 1) * e * (m * L + d) + (2 * u + spread) * d * d)) / den2,
  };
}

/**
 * Theorem 1: E[ln sin²θ^{ℓ+1} | θ^ℓ = θ] = μ(θ, n) + O(n⁻²), n the width of the layer where θ^{ℓ+1}
 * is measured. −∞ at θ = 0 (an absorbing state).
 */
export function mu(theta: number, n: number): number {
  checkTheta(theta, 'mu');
  checkWidth(n, 'mu');
  if (theta > NEAR_PI_FROM) return nearPi(theta, n).mu;
  return muSmall(theta, n, 2 * Math.log(theta));
}

/** μ for θ ≤ π/2 with ln θ² supplied (see lnOneMinusFourJ11Sq). */
function muSmall(theta: number, n: number, lnThetaSq: number): number {
  const J22 = j22(theta);
  const logTerm = Math.log(n - 1) + lnOneMinusFourJ11Sq(theta, lnThetaSq) - Math.log(n + 4 * J22 - 1);
  const q = 1 + (4 * J22 - 1) / n;
  const m = 1 - 1 / n;
  return logTerm + (4 * (J22 + 1)) / (n * q * q) - (4 * ratioA(theta)) / (n * m * m);
}

/**
 * μ as a function of X = ln sin²θ (θ ∈ [0, π/2], the post-ReLU range): the map Theorem 1's iterate
 * applies. Defined for every X ≤ 0 including X = −∞ (absorbing). Deep narrow networks drive X below
 * −1417, where θ = arcsin(e^{X/2}) is subnormal or 0 in float64 although X is an ordinary number; so ln θ²
 * is taken from X itself, ln θ² = X + 2 ln(θ/sin θ), and the rest of μ has a finite limit at θ = 0.
 */
export function muOfLnSin2(x: number, n: number): number {
  checkWidth(n, 'muOfLnSin2');
  if (Number.isNaN(x)) throw new RangeError('muOfLnSin2: ln sin²θ must be a number, got NaN');
  if (x === -Infinity) return -Infinity;
  const s = x >= 0 ? 1 : Math.exp(x / 2);
  const theta = thetaFromLnSin2(x);
  if (theta > 0.5) return mu(theta, n);
  const thetaOverSin = s === 0 ? 1 : theta / s;
  return muSmall(theta, n, x + 2 * Math.log(thetaOverSin));
}

/** Theorem 1: Var[ln sin²θ^{ℓ+1} | θ^ℓ = θ] = σ²(θ, n) + O(n⁻²); finite at θ = 0, → 0 at θ = π. */
export function sigma2(theta: number, n: number): number {
  checkTheta(theta, 'sigma2');
  checkWidth(n, 'sigma2');
  if (theta > NEAR_PI_FROM) return nearPi(theta, n).sigma2;
  const J22 = j22(theta);
  const d = n + 4 * J22 - 1;
  return (8 * n * (J22 + 1)) / (d * d) + (8 * n * ratioA(theta)) / ((n - 1) * (n - 1)) - (16 * n * ratioB(theta)) / (d * (n - 1));
}

/** ρ(n) = ln((n+5)/(n−1)) − 10/(n(1 + 5/n)²) + 6/(n(1 − 1/n)²) ≈ 2/n: the per-layer finite-width drift. */
export function rho(n: number): number {
  checkWidth(n, 'rho');
  const a = 1 + 5 / n, b = 1 - 1 / n;
  return Math.log((n + 5) / (n - 1)) - 10 / (n * a * a) + 6 / (n * b * b);
}

/** Approximation 1: X_{ℓ+1} ≈ X_ℓ − (2/(3π))θ^ℓ − ρ(n). */
export function approx1Step(x: number, theta: number, n: number): number {
  return x - (2 / (3 * PI)) * theta - rho(n);
}

/** Approximation 2: Var[X_{ℓ+1} | X_ℓ] ≈ 8n/(n + 5)² (0.030064 at n = 256). */
export function approx2Variance(n: number): number {
  checkWidth(n, 'approx2Variance');
  return (8 * n) / ((n + 5) * (n + 5));
}

/** α(X) = X − (2/(3π)) arcsin(e^{X/2}) − ρ(n): the mean map of the Approximation-2 chain. */
export function approxAlpha(x: number, n: number): number {
  return approx1Step(x, thetaFromLnSin2(x), n);
}

/**
 * Approximation 1 is the authors' small-angle law: μ linearised about θ = 0 ("work well for θ ≪ 1",
 * Jakub & Nica's code). From θ⁰ > π/2 its first step is meaningless — ln sin²θ is not monotone above
 * π/2, so X⁰ = ln sin²θ⁰ forgets on which side θ⁰ is (θ⁰ = 3.1 gave −7.07 at layer 1 where the truth is
 * 0.0000), and the law was never meant for such angles. Layer 1's post-ReLU angle is ≤ π/2 whatever θ⁰,
 * so from θ⁰ > π/2 the curve starts at layer 1 from Theorem 1's μ(θ⁰, n₁) — exactly as the authors'
 * density prediction starts layer 1 from N(μ(θ⁰, n), σ²(θ⁰, n)) — and Approximation 1 takes over there.
 */
export function approx1StartsFromTheorem(theta0: number): boolean {
  return theta0 > PI / 2;
}

/** Approximation 1's curve X_0..X_L (see approx1StartsFromTheorem for the first step). */
export function approx1Curve(theta0: number, stepWidths: ArrayLike<number>): Float64Array {
  checkTheta(theta0, 'approx1Curve');
  const L = stepWidths.length;
  const x = new Float64Array(L + 1);
  x[0] = lnSin2(theta0);
  for (let l = 1; l <= L; l++) {
    const n = stepWidths[l - 1];
    if (l > 1) x[l] = approxAlpha(x[l - 1], n);
    else x[l] = approx1StartsFromTheorem(theta0) ? mu(theta0, n) : approx1Step(x[0], theta0, n);
  }
  return x;
}

/**
 * The deterministic curves for widths n_1..n_L of the steps (stepWidths[ℓ−1] is the width used for the
 * step into layer ℓ): infinite width θ^ℓ, Theorem-1 iterate X_{ℓ+1} = μ(θ(X_ℓ), n), Approximation 1.
 * Index 0 is the input (θ^0). Step 0 uses θ^0 itself (it may exceed π/2, where arcsin(e^{X/2}) would not).
 * Every curve is defined at every depth: the iterates are carried as X (muOfLnSin2), and X = −∞ (θ = 0)
 * is absorbing.
 */
export function deterministicCurves(theta0: number, stepWidths: ArrayLike<number>): {
  infiniteTheta: Float64Array; theoremX: Float64Array; approx1X: Float64Array;
} {
  checkTheta(theta0, 'deterministicCurves');
  const L = stepWidths.length;
  const infiniteTheta = infiniteWidthIterates(theta0, L);
  const theoremX = new Float64Array(L + 1);
  theoremX[0] = lnSin2(theta0);
  for (let l = 1; l <= L; l++) {
    const n = stepWidths[l - 1];
    theoremX[l] = l === 1 ? mu(theta0, n) : muOfLnSin2(theoremX[l - 1], n);
  }
  return { infiniteTheta, theoremX, approx1X: approx1Curve(theta0, stepWidths) };
}
