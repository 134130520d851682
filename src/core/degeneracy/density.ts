/**
 * The predicted density of X_ℓ = ln sin²θ^ℓ at every layer (MATH.md §C, Approximation 2) and the
 * Kolmogorov–Smirnov comparison with simulated samples.
 *
 * Layer 1 is Gaussian N(μ(θ⁰, n), σ²(θ⁰, n)); then X_{ℓ+1} = α(X_ℓ) + βε, so
 *   p_{ℓ+1}(x) = ∫ β⁻¹ φ((x − α(y))/β) p_ℓ(y) dy,
 * evaluated on a uniform grid (the authors use x ∈ [−15, 0] with 10 000 points and a dense kernel
 * matrix). Here each grid node y_j sends its mass p(y_j)·w_j (trapezoid weight) to the nodes within
 * 9β of α(y_j), with the Gaussian evaluated by a multiplicative recurrence (one exp per source node),
 * so a step costs O(points · 18β/h) instead of O(points²).
 *
 * Each source's kernel is normalised on the grid's lattice (its node values sum to exactly the mass
 * sent; the sum comes from Poisson's formula, see deposit), so a kernel narrower than the grid step h
 * cannot over-count (unnormalised, β < h gave a total mass of 1.03–1.04 at n = 2²⁰). A kernel or a
 * layer-1 Gaussian narrower than h/2 is unresolvable on the grid: it is deposited as a point mass on
 * its two neighbouring nodes (mass and mean exact), and θ⁰ near π makes layer 1 exactly that.
 * Mass pushed past either grid end is lost and reported per layer and per side (`lostBelow`,
 * `lostAbove`): below xMin the grid is too short; above xMax = 0 it is the Gaussian noise of the
 * model itself, which puts mass where no ln sin²θ can be.
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { approx1Curve, approx2Variance, approxAlpha, mu, sigma2 } from './theory';
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
  /** per layer 0..L: mass lost below xMin and above xMax up to and including that layer */
  readonly lostBelow: Float64Array;
  readonly lostAbove: Float64Array;
  /** per layer 0..L: true when that layer's Gaussian (σ at layer 1, β after) was narrower than h/2 */
  readonly pointMass: Uint8Array;
}

/** How many kernel standard deviations each source node reaches (φ(9) ≈ 1e-18). */
const KERNEL_REACH = 9;
/** A source node whose density is below the layer's peak times this sends nothing (see predictDensity). */
const NEGLIGIBLE_SOURCE = 1e-20;
/** Nodes between exact restarts of the kernel's multiplicative recurrence (drift ≤ 64²·eps ≈ 5e-13). */
const RESTART = 64;

export const DEFAULT_GRID_POINTS = 3001;
/** The automatic grid refines h down to the narrowest kernel β, up to this many points. */
export const MAX_AUTO_GRID_POINTS = 20001;
export const MAX_GRID_POINTS = 200001;

/**
 * The authors' grid [−15, 0], widened below when Approximation 1 plus ten standard deviations of the
 * accumulated noise reaches further (narrow or very deep networks drift below −15). Without `points`
 * the grid has at least DEFAULT_GRID_POINTS nodes and, for very wide layers (β = √(8n)/(n+5) small),
 * enough that the step h is at most the narrowest β — at most `maxPoints`.
 */
export function defaultGrid(theta0: number, stepWidths: ArrayLike<number>, points?: number, maxPoints = MAX_AUTO_GRID_POINTS): DensityGrid {
  const approx1 = approx1Curve(theta0, stepWidths);
  const L = stepWidths.length;
  let variance = L > 0 ? Math.max(0, sigma2(theta0, stepWidths[0])) : 0;
  let minBeta = Infinity;
  for (let l = 1; l < L; l++) {
    variance += approx2Variance(stepWidths[l]);
    minBeta = Math.min(minBeta, Math.sqrt(approx2Variance(stepWidths[l])));
  }
  const xMin = Math.min(-15, Math.floor(approx1[L] - 10 * Math.sqrt(variance) - 1));
  const xMax = 0;
  if (points === undefined) {
    const resolving = Number.isFinite(minBeta) ? Math.ceil((xMax - xMin) / minBeta) + 1 : 0;
    points = Math.max(3, Math.min(maxPoints, Math.max(DEFAULT_GRID_POINTS, resolving)));
  }
  return { xMin, xMax, points };
}

export function checkGrid(g: DensityGrid, fn = 'predictDensity'): void {
  if (!Number.isFinite(g.xMin) || !Number.isFinite(g.xMax) || !(g.xMin < g.xMax)) throw new RangeError(`${fn}: grid needs finite xMin < xMax, got [${g.xMin}, ${g.xMax}]`);
  if (!Number.isInteger(g.points) || g.points < 3 || g.points > MAX_GRID_POINTS) throw new RangeError(`${fn}: grid points must be an integer in 3..${MAX_GRID_POINTS}, got ${g.points}`);
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
  const lostBelow = new Float64Array(L + 1), lostAbove = new Float64Array(L + 1);
  const pointMass = new Uint8Array(L + 1);
  mean[0] = x0Of(theta0); sd[0] = 0; mass[0] = 1;
  const lost = new Float64Array(2);

  // layer 1: Gaussian from Theorem 1 at the (deterministic) input angle; σ² → 0 as θ⁰ → π
  const kernel = new Kernel(x, h);
  const s1 = Math.sqrt(Math.max(0, sigma2(theta0, stepWidths[0])));
  pointMass[1] = kernel.setWidth(s1) ? 1 : 0;
  kernel.deposit(density.subarray(P, 2 * P), mu(theta0, stepWidths[0]), 1, lost);
  lostBelow[1] = lost[0]; lostAbove[1] = lost[1];
  moments(x, density.subarray(P, 2 * P), h, 1, mean, sd, mass);

  // α(x_j) on the grid depends only on the width: computed once per run of equal widths
  const alpha = new Float64Array(P);
  let alphaWidth = NaN;
  for (let l = 1; l < L; l++) {
    checkpoint(ctx, l / L, `density layer ${l + 1}/${L}`);
    const n = stepWidths[l];
    if (n !== alphaWidth) {
      for (let j = 0; j < P; j++) alpha[j] = approxAlpha(x[j], n);
      alphaWidth = n;
    }
    pointMass[l + 1] = kernel.setWidth(Math.sqrt(approx2Variance(n))) ? 1 : 0;
    lost.fill(0);
    const src = density.subarray(l * P, (l + 1) * P), out = density.subarray((l + 1) * P, (l + 2) * P);
    let peak = 0;
    for (let j = 0; j < P; j++) if (src[j] > peak) peak = src[j];
    // sources below peak·1e-20 carry at most (xMax − xMin)/h·h·peak·1e-20 of mass in all (≈ 1e-19 for a
    // density of width ~1): nothing any output shows, and skipping them halves the deep layers' work
    const negligible = peak * NEGLIGIBLE_SOURCE;
    for (let j = 0; j < P; j++) {
      const pj = src[j];
      if (!(pj > negligible)) continue;
      kernel.deposit(out, alpha[j], pj * (j === 0 || j === P - 1 ? 0.5 * h : h), lost);
    }
    lostBelow[l + 1] = lostBelow[l] + lost[0];
    lostAbove[l + 1] = lostAbove[l] + lost[1];
    moments(x, out, h, l + 1, mean, sd, mass);
  }
  return { grid: g, x, layers: L, density, mean, sd, mass, lostBelow, lostAbove, pointMass };
}

function x0Of(theta0: number): number {
  return 2 * Math.log(Math.sin(theta0));
}

/**
 * Deposits Gaussian kernels N(centre, w²) of a given mass on the grid, normalised on the lattice
 * x_0 + i·h (i ∈ ℤ) so that Σ_i h·k_i is exactly the mass sent; what lands on lattice nodes beyond the
 * grid (and the outer half-cell of each end node, which the trapezoid rule does not count) is lost.
 * The lattice sum of a Gaussian is, by Poisson's formula,
 *   Σ_i e^{−(x_i − c)²/(2w²)} = (w√(2π)/h)·[1 + 2 Σ_{k≥1} e^{−2π²k²w²/h²} cos(2πk·f)],  f = (c − x_0)/h,
 * and for w ≥ h/2 three terms are exact to double precision (the fourth is e^{−2π²·16/4} < 1e-34).
 */
class Kernel {
  private width = 0;
  private point = false;
  private q = 0; private delta = 0; private reach = 0;
  private readonly poisson = new Float64Array(3);
  private readonly P: number;
  private readonly x0: number;
  constructor(private readonly x: Float64Array, private readonly h: number) {
    this.P = x.length;
    this.x0 = x[0];
  }

  /** Set the kernel width; true when it is narrower than h/2 and is deposited as a point mass. */
  setWidth(w: number): boolean {
    this.width = w;
    this.point = !(w >= this.h / 2);
    if (!this.point) {
      this.delta = this.h / w;
      this.q = Math.exp(-this.delta * this.delta);
      this.reach = KERNEL_REACH * w;
      const r = w / this.h;
      for (let k = 1; k <= 3; k++) this.poisson[k - 1] = 2 * Math.exp(-2 * Math.PI * Math.PI * k * k * r * r);
    }
    return this.point;
  }

  /** out += the kernel at `centre` carrying `mass`; lost[0] += mass lost below, lost[1] above. */
  deposit(out: Float64Array, centre: number, mass: number, lost: Float64Array): void {
    const { P, h, x0 } = this;
    const u = (centre - x0) / h;
    if (this.point) {
      // two neighbouring nodes by linear interpolation; the end nodes' trapezoid weight is h/2
      const i = Math.floor(u), f = u - i;
      this.pointTo(out, i, mass * (1 - f), lost);
      if (f > 0) this.pointTo(out, i + 1, mass * f, lost);
      return;
    }
    const w = this.width;
    const fr = u - Math.floor(u);
    const c1 = Math.cos(2 * Math.PI * fr), c2 = 2 * c1 * c1 - 1, c3 = 2 * c1 * c2 - c1;
    const latticeSum = ((w * Math.sqrt(2 * Math.PI)) / h) * (1 + this.poisson[0] * c1 + this.poisson[1] * c2 + this.poisson[2] * c3);
    const norm = mass / (h * latticeSum); // density value per unit of e^{−z²/2}
    const i0 = Math.ceil((centre - this.reach - x0) / h);
    const i1 = Math.floor((centre + this.reach - x0) / h);
    if (i1 < 0) { lost[0] += mass; return; }
    if (i0 > P - 1) { lost[1] += mass; return; }
    const q = this.q;
    let below = 0, above = 0;
    // The Gaussian by the recurrence gauss ← gauss·ratio, ratio ← ratio·q, restarted from exp every
    // RESTART nodes (its rounding grows like k²·eps over k steps). Each node is one multiply's latency
    // behind the last, so four segments inside the grid run side by side, each node getting the same
    // value as one at a time; the segments that reach past an end run alone and in order, so `below`
    // and `above` add up in the same order too.
    for (let s = i0; s <= i1; ) {
      if (s >= 0 && s + 4 * RESTART - 1 <= Math.min(i1, P - 1)) {
        const s1 = s + RESTART, s2 = s1 + RESTART, s3 = s2 + RESTART;
        let g0 = this.gaussAt(s, centre), r0 = this.ratioAt(s, centre);
        let g1 = this.gaussAt(s1, centre), r1 = this.ratioAt(s1, centre);
        let g2 = this.gaussAt(s2, centre), r2 = this.ratioAt(s2, centre);
        let g3 = this.gaussAt(s3, centre), r3 = this.ratioAt(s3, centre);
        for (let k = 0; k < RESTART; k++) {
          out[s + k] += g0 * norm; out[s1 + k] += g1 * norm; out[s2 + k] += g2 * norm; out[s3 + k] += g3 * norm;
          g0 *= r0; r0 *= q; g1 *= r1; r1 *= q; g2 *= r2; r2 *= q; g3 *= r3; r3 *= q;
        }
        s += 4 * RESTART;
        continue;
      }
      const e = Math.min(i1, s + RESTART - 1);
      let gauss = this.gaussAt(s, centre), ratio = this.ratioAt(s, centre);
      for (let i = s; i <= e; i++) {
        if (i < 0) below += gauss;
        else if (i >= P) above += gauss;
        else out[i] += gauss * norm;
        gauss *= ratio;
        ratio *= q;
      }
      s = e + 1;
    }
    // the outer half-cells of the end nodes count as outside (the trapezoid rule gives them weight h/2)
    if (i0 <= 0) below += 0.5 * nodeValue(0, x0, h, centre, w);
    if (i1 >= P - 1) above += 0.5 * nodeValue(P - 1, x0, h, centre, w);
    lost[0] += h * norm * below;
    lost[1] += h * norm * above;
  }

  /** e^{−d²/2} at node i, d = (x_i − centre)/w: the recurrence's start */
  private gaussAt(i: number, centre: number): number {
    const d = (this.x0 + i * this.h - centre) / this.width;
    return Math.exp(-0.5 * d * d);
  }

  /** the recurrence's first ratio at node i, e^{−(2dδ + δ²)/2} with δ = h/w */
  private ratioAt(i: number, centre: number): number {
    const d = (this.x0 + i * this.h - centre) / this.width, delta = this.delta;
    return Math.exp(-(2 * d * delta + delta * delta) / 2);
  }

  private pointTo(out: Float64Array, i: number, m: number, lost: Float64Array): void {
    if (m === 0) return;
    if (i < 0) lost[0] += m;
    else if (i > this.P - 1) lost[1] += m;
    else out[i] += m / (i === 0 || i === this.P - 1 ? 0.5 * this.h : this.h);
  }
}

function nodeValue(i: number, x0: number, h: number, centre: number, w: number): number {
  const z = (x0 + i * h - centre) / w;
  return Math.exp(-0.5 * z * z);
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
  /** sup |F_empirical − F_predicted|; null when the test cannot be made (see reason) */
  readonly statistic: number | null;
  /** asymptotic Kolmogorov p-value P(K > √m·D); null with the statistic */
  readonly pValue: number | null;
  /** m: number of samples used (dead, NaN samples are left out; θ = 0 samples count, at −∞) */
  readonly samples: number;
  /** why statistic and pValue are null (absent when they are numbers) */
  readonly reason?: string;
}

/**
 * Buffers ksTest reuses from one call to the next (one layer after another): on this kind of virtual
 * machine a fresh page costs ~10 µs the first time it is touched, and a KS test of 20 000 samples in
 * new arrays spent more on that than on the test.
 */
export class KsScratch {
  private values = new Float64Array(0);
  private keys = new Int32Array(0);
  private starts = new Int32Array(0);
  /** views of at least the sizes asked for (contents undefined) */
  take(m: number, samples: number, buckets: number): { v: Float64Array; key: Int32Array; start: Int32Array } {
    if (this.values.length < m) this.values = new Float64Array(m);
    if (this.keys.length < samples) this.keys = new Int32Array(samples);
    if (this.starts.length < buckets) this.starts = new Int32Array(buckets);
    return { v: this.values.subarray(0, m), key: this.keys, start: this.starts.subarray(0, buckets) };
  }
}

/**
 * One-sample KS test of `samples` against the CDF given at grid nodes (linear in between). The CDF must
 * be a finite, non-decreasing function from its first node to 1 at its last: a density that went NaN or
 * carries no mass gives no CDF at all, and testing against it would report a perfect fit (D = 0, p = 1)
 * because every comparison with NaN is false. `scratch` lets a caller testing many layers reuse buffers.
 */
export function ksTest(samples: ArrayLike<number>, x: Float64Array, cdf: Float64Array, scratch = new KsScratch()): KsResult {
  const m = countDefined(samples);
  if (m === 0) return { statistic: null, pValue: null, samples: 0, reason: 'no sample has a defined angle' };
  const P = x.length;
  for (let i = 0; i < P; i++) {
    if (!Number.isFinite(cdf[i])) return { statistic: null, pValue: null, samples: m, reason: `the predicted CDF is not a number at node ${i} (x = ${x[i]})` };
  }
  if (cdf[P - 1] !== 1) return { statistic: null, pValue: null, samples: m, reason: 'the predicted density has no mass on the grid' };
  // The samples in ascending order by a bucket sort with m buckets of about equal predicted probability,
  // so about one sample each when the prediction fits (sorting all m took ~10 % of Figure 1's
  // one-thread CPU, 32 layers × 20 000 samples). The key must rise with t, so it is made of integers:
  // in grid cell c (t = x_c + f·h, f ∈ [0, 1)) it is K_c + ⌊f·(K_{c+1} − K_c)⌋ with K_c = ⌊m·F(x_c)⌋
  // (a running maximum, so rising whatever the CDF). Bucket 0 holds the samples below the grid (−∞
  // included), 1 those at x0, m + 3 those at or above its end: F is constant on each, so they stay
  // unsorted. Then each bucket is sorted, and the order is the full sort's.
  //
  // perf: one loop a function. This runs once per layer, mostly before V8 has optimized it; in one
  // function with every loop, V8 optimized each loop on its own while it ran and threw the code away
  // at the loop's end (no type feedback yet for what follows), several times a call.
  const K = new Int32Array(P);
  for (let c = 0, k = 0; c < P; c++) K[c] = k = Math.max(k, Math.min(m, Math.floor(m * cdf[c])));
  const { v, key, start } = scratch.take(m, samples.length, m + 5);
  start.fill(0);
  bucketKeys(samples, x, K, m, key, start);
  // start[k]: where bucket k begins; the scatter moves it to where bucket k ends
  for (let b = 1; b < m + 5; b++) start[b] += start[b - 1];
  scatter(samples, key, start, v);
  sortBuckets(v, start, m);
  const d = ksStatistic(v, x, cdf);
  return { statistic: d, pValue: kolmogorovSurvival(Math.sqrt(m) * d), samples: m };
}

/** How many samples are not NaN. */
function countDefined(samples: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < samples.length; i++) if (!Number.isNaN(samples[i])) m++;
  return m;
}

/** ksTest's bucket of every sample into key (−1 for NaN), counted into start[bucket + 1]. */
function bucketKeys(samples: ArrayLike<number>, x: Float64Array, K: Int32Array, m: number, key: Int32Array, start: Int32Array): void {
  const P = x.length, x0 = x[0], xEnd = x[P - 1], h = (xEnd - x0) / (P - 1);
  for (let i = 0; i < samples.length; i++) {
    const t = samples[i];
    let k = -1;
    if (t > x0) {
      if (t >= xEnd) k = m + 3;
      else {
        const u = (t - x0) / h;
        const c = Math.min(P - 2, Math.floor(u));
        k = 2 + K[c] + Math.floor((u - c) * (K[c + 1] - K[c]));
        if (k > m + 2) k = m + 2;
      }
    } else if (t === x0) k = 1;
    else if (t < x0) k = 0;
    key[i] = k;
    if (k >= 0) start[k + 1]++;
  }
}

/** Each sample to the next place of its bucket. */
function scatter(samples: ArrayLike<number>, key: Int32Array, start: Int32Array, v: Float64Array): void {
  for (let i = 0; i < samples.length; i++) {
    const k = key[i];
    if (k >= 0) v[start[k]++] = samples[i];
  }
}

/** Sorts the inner buckets 2..m + 2 (bucket b ends at start[b]): insertion sort for the few a bucket usually holds. */
function sortBuckets(v: Float64Array, start: Int32Array, m: number): void {
  for (let b = 2; b <= m + 2; b++) {
    const from = start[b - 1], to = start[b];
    if (to - from > 32) { v.subarray(from, to).sort(); continue; }
    for (let i = from + 1; i < to; i++) {
      const t = v[i];
      let j = i - 1;
      while (j >= from && v[j] > t) { v[j + 1] = v[j]; j--; }
      v[j + 1] = t;
    }
  }
}

/** D = max over the sorted samples v of (i + 1)/m − F(v_i) and F(v_i) − i/m, F linear between nodes. */
function ksStatistic(v: Float64Array, x: Float64Array, cdf: Float64Array): number {
  const m = v.length, P = x.length, x0 = x[0], xEnd = x[P - 1], h = (xEnd - x0) / (P - 1);
  let d = 0;
  for (let i = 0; i < m; i++) {
    const t = v[i];
    let fi: number;
    if (!(t > x0)) fi = t === x0 ? cdf[0] : 0;
    else if (t >= xEnd) fi = 1;
    else {
      const u = (t - x0) / h;
      const c = Math.min(P - 2, Math.floor(u));
      const f = u - c;
      fi = cdf[c] * (1 - f) + cdf[c + 1] * f;
    }
    const hi = (i + 1) / m - fi, lo = fi - i / m;
    if (hi > d) d = hi;
    if (lo > d) d = lo;
  }
  return d;
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
