/**
 * The predicted density of X_ℓ = ln sin²θ^ℓ at every layer (MATH.md §C, Approximation 2) and the
 * Kolmogorov–Smirnov comparison with simulated samples.
 *
 * Layer 1 is Gaussian N(μ(θ⁰, n), σ²(θ⁰, n)); then X_{ℓ+1} = α(X_ℓ) + βε, so
 *   p_{ℓ+1}(x) = ∫ β⁻¹ φ((x − α(y))/β) p_ℓ(y) dy,
 * evaluated on a uniform grid (the authors use x ∈ [−15, 0] with 10 000 points and a dense kernel
 * matrix). Here each grid node y_j sends its mass p(y_j)·w_j (trapezoid weight) to the nodes within
 * 9β of α(y_j), with the Gaussian evaluated by a multiplicative recurrence (one exp per source node),
 * so a step costs O(points · 18β/h) instead of O(points²). Mass pushed past the grid ends is lost and
 * reported per layer (`mass`), so a too-narrow grid is visible rather than silent.
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { approx1Step, approx2Variance, approxAlpha, lnSin2, mu, sigma2, thetaFromLnSin2 } from './theory';
import { checkTheta } from './moments';

export interface DensityGrid {
  readonly xMin: number;
  readonly xMax: number;
  /** number of grid nodes (≥ 3) */
  readonly points: number;
}

export interface PredictedDensity {
  readonly grid: DensityGrid;
  /** grid nodes x_0..x_{points−1} */
  readonly x: Float64Array;
  /** L: densities exist for layers 1..L (layer 0 is the point mass at X_0) */
  readonly layers: number;
  /** layer-major: density of layer ℓ at node i is density[ℓ·points + i]; the layer-0 row is zero */
  readonly density: Float64Array;
  /** per layer 0..L: mean, sd and total mass of the density on the grid (layer 0: X_0, 0, 1) */
  readonly mean: Float64Array;
  readonly sd: Float64Array;
  readonly mass: Float64Array;
}

/** How many kernel standard deviations each source node reaches (φ(9) ≈ 1e-18). */
const KERNEL_REACH = 9;

export const DEFAULT_GRID_POINTS = 3001;

/**
 * The authors' grid [−15, 0], widened below when Approximation 1 plus ten standard deviations of the
 * accumulated noise reaches further (narrow or very deep networks drift below −15).
 */
export function defaultGrid(theta0: number, stepWidths: ArrayLike<number>, points = DEFAULT_GRID_POINTS): DensityGrid {
  let x = lnSin2(theta0);
  let variance = 0;
  for (let l = 0; l < stepWidths.length; l++) {
    const th = l === 0 ? theta0 : thetaFromLnSin2(x);
    x = approx1Step(x, th, stepWidths[l]);
    variance += l === 0 ? sigma2(theta0, stepWidths[0]) : approx2Variance(stepWidths[l]);
  }
  const low = Math.min(-15, Math.floor(x - 10 * Math.sqrt(variance) - 1));
  return { xMin: low, xMax: 0, points };
}

function checkGrid(g: DensityGrid): void {
  if (!Number.isFinite(g.xMin) || !Number.isFinite(g.xMax) || !(g.xMin < g.xMax)) throw new RangeError(`predictDensity: grid needs finite xMin < xMax, got [${g.xMin}, ${g.xMax}]`);
  if (!Number.isInteger(g.points) || g.points < 3 || g.points > 200001) throw new RangeError(`predictDensity: grid points must be an integer in 3..200001, got ${g.points}`);
}

/**
 * Propagate the predicted density through the layers. stepWidths[ℓ−1] is the width used for the step
 * into layer ℓ (see the width convention in analysis.ts).
 */
export function predictDensity(theta0: number, stepWidths: ArrayLike<number>, grid?: DensityGrid, ctx: AnalysisContext = silentContext): PredictedDensity {
  checkTheta(theta0, 'predictDensity');
  const L = stepWidths.length;
  if (L < 1) throw new RangeError('predictDensity: need at least one layer');
  const g = grid ?? defaultGrid(theta0, stepWidths);
  checkGrid(g);
  const P = g.points;
  const h = (g.xMax - g.xMin) / (P - 1);
  const x = new Float64Array(P);
  for (let i = 0; i < P; i++) x[i] = g.xMin + i * h;
  const density = new Float64Array((L + 1) * P);
  const mean = new Float64Array(L + 1), sd = new Float64Array(L + 1), mass = new Float64Array(L + 1);
  mean[0] = lnSin2(theta0); sd[0] = 0; mass[0] = 1;

  // layer 1: Gaussian from Theorem 1 at the (deterministic) input angle
  const m1 = mu(theta0, stepWidths[0]);
  const s1 = Math.sqrt(sigma2(theta0, stepWidths[0]));
  for (let i = 0; i < P; i++) {
    const z = (x[i] - m1) / s1;
    density[P + i] = Math.exp(-0.5 * z * z) / (s1 * Math.sqrt(2 * Math.PI));
  }
  moments(x, density.subarray(P, 2 * P), h, 1, mean, sd, mass);

  for (let l = 1; l < L; l++) {
    checkpoint(ctx, l / L, `density layer ${l + 1}/${L}`);
    const n = stepWidths[l];
    const beta = Math.sqrt(approx2Variance(n));
    convolveStep(x, h, density.subarray(l * P, (l + 1) * P), density.subarray((l + 1) * P, (l + 2) * P), n, beta);
    moments(x, density.subarray((l + 1) * P, (l + 2) * P), h, l + 1, mean, sd, mass);
  }
  return { grid: g, x, layers: L, density, mean, sd, mass };
}

/** out(x) = ∫ β⁻¹ φ((x − α(y))/β) src(y) dy on the grid. */
function convolveStep(x: Float64Array, h: number, src: Float64Array, out: Float64Array, n: number, beta: number): void {
  const P = x.length;
  const x0 = x[0];
  const delta = h / beta;
  const q = Math.exp(-delta * delta);
  const norm = 1 / (beta * Math.sqrt(2 * Math.PI));
  let peak = 0;
  for (let j = 0; j < P; j++) if (src[j] > peak) peak = src[j];
  const negligible = peak * 1e-300;
  for (let j = 0; j < P; j++) {
    const pj = src[j];
    if (!(pj > negligible)) continue;
    const w = j === 0 || j === P - 1 ? 0.5 * h : h;
    const centre = approxAlpha(x[j], n);
    let i0 = Math.ceil((centre - KERNEL_REACH * beta - x0) / h);
    let i1 = Math.floor((centre + KERNEL_REACH * beta - x0) / h);
    if (i0 < 0) i0 = 0;
    if (i1 > P - 1) i1 = P - 1;
    if (i0 > i1) continue;
    const d0 = (x[i0] - centre) / beta;
    let gauss = Math.exp(-0.5 * d0 * d0) * norm * pj * w;
    let ratio = Math.exp(-(2 * d0 * delta + delta * delta) / 2);
    for (let i = i0; i <= i1; i++) {
      out[i] += gauss;
      gauss *= ratio;
      ratio *= q;
    }
  }
}

/** Trapezoid mean, sd and mass of one layer's density. */
function moments(x: Float64Array, p: Float64Array, h: number, l: number, mean: Float64Array, sd: Float64Array, mass: Float64Array): void {
  const P = x.length;
  let m0 = 0, m1 = 0;
  for (let i = 0; i < P; i++) {
    const w = i === 0 || i === P - 1 ? 0.5 * h : h;
    m0 += w * p[i];
    m1 += w * p[i] * x[i];
  }
  const mu1 = m1 / m0;
  let v = 0;
  for (let i = 0; i < P; i++) {
    const w = i === 0 || i === P - 1 ? 0.5 * h : h;
    const d = x[i] - mu1;
    v += w * p[i] * d * d;
  }
  mass[l] = m0;
  mean[l] = mu1;
  sd[l] = Math.sqrt(v / m0);
}

/** The density row of one layer (a view). */
export function layerDensity(pred: PredictedDensity, layer: number): Float64Array {
  if (!Number.isInteger(layer) || layer < 1 || layer > pred.layers) throw new RangeError(`layerDensity: layer must be an integer in 1..${pred.layers}, got ${layer}`);
  const P = pred.grid.points;
  return pred.density.subarray(layer * P, (layer + 1) * P);
}

/** CDF at the grid nodes (cumulative trapezoid), normalised by the layer's mass on the grid. */
export function cumulative(x: Float64Array, p: ArrayLike<number>): Float64Array {
  const P = x.length;
  const F = new Float64Array(P);
  for (let i = 1; i < P; i++) F[i] = F[i - 1] + 0.5 * (x[i] - x[i - 1]) * (p[i] + p[i - 1]);
  const total = F[P - 1];
  if (total > 0) for (let i = 0; i < P; i++) F[i] /= total;
  return F;
}

export interface KsResult {
  /** sup |F_empirical − F_predicted| */
  readonly statistic: number;
  /** asymptotic Kolmogorov p-value P(K > √m·D) */
  readonly pValue: number;
  /** m: number of samples used (dead, NaN samples are left out; θ = 0 samples count, at −∞) */
  readonly samples: number;
}

/** One-sample KS test of `samples` against the CDF given at grid nodes (linear in between). */
export function ksTest(samples: ArrayLike<number>, x: Float64Array, cdf: Float64Array): KsResult {
  const v: number[] = [];
  for (let i = 0; i < samples.length; i++) if (!Number.isNaN(samples[i])) v.push(samples[i]);
  const m = v.length;
  if (m === 0) return { statistic: NaN, pValue: NaN, samples: 0 };
  v.sort((a, b) => a - b);
  const P = x.length, x0 = x[0], h = (x[P - 1] - x0) / (P - 1);
  const F = (t: number): number => {
    if (!(t > x0)) return t === x0 ? cdf[0] : 0;
    if (t >= x[P - 1]) return 1;
    const u = (t - x0) / h;
    const i = Math.min(P - 2, Math.floor(u));
    const f = u - i;
    return cdf[i] * (1 - f) + cdf[i + 1] * f;
  };
  let d = 0;
  for (let i = 0; i < m; i++) {
    const fi = F(v[i]);
    const hi = (i + 1) / m - fi, lo = fi - i / m;
    if (hi > d) d = hi;
    if (lo > d) d = lo;
  }
  return { statistic: d, pValue: kolmogorovSurvival(Math.sqrt(m) * d), samples: m };
}

/**
 * Q(λ) = P(K > λ) for the Kolmogorov distribution: 2Σ(−1)^{k−1}e^{−2k²λ²} for λ ≥ 1.18, otherwise
 * 1 − (√(2π)/λ)Σ e^{−(2k−1)²π²/(8λ²)} (both series converge fast in their ranges).
 */
export function kolmogorovSurvival(lambda: number): number {
  if (Number.isNaN(lambda)) return NaN;
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const y = -(Math.PI * Math.PI) / (8 * lambda * lambda);
    let s = 0;
    for (let k = 1; k <= 20; k++) s += Math.exp((2 * k - 1) * (2 * k - 1) * y);
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * s));
  }
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    s += k % 2 === 1 ? term : -term;
    if (term < 1e-300) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}
