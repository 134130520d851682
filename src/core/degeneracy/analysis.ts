/**
 * The depth-degeneracy analyses as the worker, the CLI and the panel call them: one function per
 * analysis, validated params in, a structured-clone-friendly result out (src/shared/analyses/degeneracy.ts).
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { applyLayerScaled, maxAbs, type ScaledVector } from '../network/scaled';
import { checkBudget, forwardCost } from '../network/budget';
import type { Network } from '../network/model';
import type {
  DegeneracyHistogram, DegeneracyKsRow, DegeneracyLayerRow, DegeneracyParams, DegeneracyPrediction, DegeneracyResult,
  DensityGridParams, MomentEntry, MomentsParams, MomentsResult, ProbeAngleLayerRow, ProbeAngleParams, ProbeAngleResult,
  WidthConvention,
} from '../../shared/analyses/degeneracy';
import { checkGrid, cumulative, defaultGrid, DEFAULT_GRID_POINTS, KsScratch, ksTest, layerDensity, predictDensity, type DensityGrid, type PredictedDensity } from './density';
import { autoGridCap, checkDegeneracyBudget, checkDensityBudget, count, DEGENERACY_DEFAULTS, DegeneracyParamsError } from './limits';
import { besselTriangleExact, exactlyRepresentable, formToNumbers, MAX_MOMENT_ORDER, momentFormsExact, momentValue } from './moments';
import { COLLAPSE_SIN2, layerSamples, sampleStats, startSimulation, type AngleSamples } from './simulate';
import { approx1StartsFromTheorem, approx2Variance, deterministicCurves, lnSin2, sigma2, thetaFromLnSin2 } from './theory';

export { DEGENERACY_DEFAULTS };

/** Seeds are 32-bit: the generator's state is seeded from 32 bits (rng.ts), so larger seeds would alias. */
export const MAX_SEED = 2 ** 32 - 1;

/** Widths up to this show Theorem 1's O(1/n²) remainder plainly (see the note in runDegeneracy). */
const NARROW_WIDTH = 32;

/**
 * The widths the theory uses for the steps into layers 1..L under a convention
 * (widths = [n₀, …, n_L]; see WidthConvention).
 */
export function stepWidths(widths: readonly number[], convention: WidthConvention = 'measured'): number[] {
  if (convention !== 'measured' && convention !== 'input') throw new DegeneracyParamsError(`stepWidths: widthConvention must be 'measured' or 'input', got ${String(convention)}`);
  const out: number[] = [];
  for (let l = 1; l < widths.length; l++) out.push(convention === 'measured' ? widths[l] : widths[l - 1]);
  return out;
}

function checkInteger(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new DegeneracyParamsError(`degeneracy: ${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  return v;
}

/**
 * The density grid: the caller's numbers where given, the automatic ones (defaultGrid) elsewhere. An
 * automatic grid for a deep network gets fewer points so the density table fits the memory budget
 * (with a note); explicit points over the budget are refused.
 */
function resolveGrid(theta0: number, steps: number[], g: DensityGridParams | undefined, what: string, notes: string[]): DensityGrid {
  const L = steps.length;
  checkDensityBudget(L, g?.points, what);
  const cap = autoGridCap(L);
  const auto = defaultGrid(theta0, steps, g?.points, cap);
  const grid = { xMin: g?.xMin ?? auto.xMin, xMax: g?.xMax ?? auto.xMax, points: g?.points ?? auto.points };
  if (!(Number.isFinite(grid.xMin) && Number.isFinite(grid.xMax) && grid.xMin < grid.xMax)) {
    const given = g?.xMin === undefined ? ' (the minimum is the automatic one)' : g?.xMax === undefined ? ' (the maximum is the automatic 0)' : '';
    throw new DegeneracyParamsError(`${what}: the density grid needs finite xMin < xMax, got [${grid.xMin}, ${grid.xMax}]${given}`);
  }
  try {
    checkGrid(grid, what);
  } catch (e) {
    throw new DegeneracyParamsError((e as Error).message);
  }
  if (g?.points === undefined && auto.points < DEFAULT_GRID_POINTS) {
    notes.push(`the predicted density's grid has ${count(auto.points)} points instead of ${count(DEFAULT_GRID_POINTS)}, to keep ${count(L)} layers of it within memory`);
  }
  return grid;
}

/** Deterministic predictions for every layer 0..L (shared by the random-network and probe analyses). */
function predictions(theta0: number, steps: number[], pred: PredictedDensity): DegeneracyPrediction[] {
  const curves = deterministicCurves(theta0, steps);
  const out: DegeneracyPrediction[] = [];
  for (let l = 0; l <= steps.length; l++) {
    const th = curves.infiniteTheta[l];
    out.push({
      infiniteWidth: { theta: th, lnSin2: lnSin2(th) },
      theoremIterate: curves.theoremX[l],
      approx1: curves.approx1X[l],
      predicted: { mean: pred.mean[l], sd: pred.sd[l], mass: pred.mass[l] },
    });
  }
  return out;
}

const pct = (x: number): string => `${(100 * x).toPrecision(3)}%`;
const num = (x: number): string => x.toPrecision(3);

/**
 * Caveats of the theory for these widths and this input angle, and of its density on this grid, in the
 * order a reader needs them (shared by the random-network and probe analyses).
 */
function theoryNotes(theta0: number, steps: number[], pred: PredictedDensity, prediction: DegeneracyPrediction[]): string[] {
  const notes: string[] = [];
  const L = steps.length;
  const h = (pred.grid.xMax - pred.grid.xMin) / (pred.grid.points - 1);
  if (approx1StartsFromTheorem(theta0)) {
    notes.push(`θ⁰ = ${num(theta0)} > π/2: Approximation 1 is the authors' small-angle law (μ linearised about θ = 0, and ln sin²θ is not monotone above π/2), so its curve starts at layer 1 from Theorem 1's μ(θ⁰, n₁) — as the authors' density prediction does — and follows the law from there (post-ReLU angles are at most π/2)`);
  }
  let narrowest = Infinity; // a loop, not Math.min(...): one width per layer
  for (const n of steps) if (n < narrowest) narrowest = n;
  if (narrowest <= NARROW_WIDTH) {
    notes.push(`width ${narrowest} ≤ ${NARROW_WIDTH}: Theorem 1 (and the approximations built on it) holds up to O(1/n²) per layer, which at this width is visible — expect the theory curves and the predicted density to miss the simulation by more than its standard error`);
  }
  if (L >= 2) {
    // Approximation 2's noise is σ²'s θ → 0 value (8n/(n+5)² is its large-n form); say so when layer 1's
    // angle is still far from small, i.e. σ² there differs clearly from σ²(0, n)
    const theta1 = thetaFromLnSin2(prediction[1].theoremIterate);
    const n = steps[1];
    const ratio = sigma2(theta1, n) / sigma2(0, n);
    if (ratio < 0.8 || ratio > 1.25) {
      notes.push(`Approximations 1 and 2 are small-angle laws (Theorem 1 linearised about θ = 0): from layer 2 on the predicted density uses the θ → 0 noise β² = 8n/(n+5)² = ${num(approx2Variance(n))} (n = ${n}) per layer, but at layer 1 the angle is still θ ≈ ${num(theta1)} rad, where Theorem 1's variance is ${num(sigma2(theta1, n))} (${pct(ratio)} of its θ → 0 value) — Approximation 1, the predicted density and the KS tests are off until the angle has become small (the Theorem 1 iterate is not)`);
    }
  }
  if (pred.pointMass[1]) {
    notes.push(`layer 1's predicted spread σ(θ⁰, n₁) = ${num(Math.sqrt(Math.max(0, sigma2(theta0, steps[0]))))} is below half the grid step h = ${num(h)}: the prediction there is a point mass at μ = ${num(pred.mean[1])}, and no KS test is made at that layer`);
  }
  const coarse = pred.pointMass.findIndex((v, l) => l >= 2 && v === 1);
  if (coarse >= 2) {
    notes.push(`the grid step h = ${num(h)} is more than twice the per-layer noise β = ${num(Math.sqrt(approx2Variance(steps[coarse - 1])))} (n = ${steps[coarse - 1]}) from layer ${coarse} on: the predicted density is resolved only to the grid step there; use more grid points`);
  }
  // the density only loses mass, so its last layer tells whether |mass − 1| passed 1e-3; say where it went
  const lost = pred.lostBelow[L] + pred.lostAbove[L];
  const by = (side: Float64Array): string => {
    const l = side.findIndex((v) => v > 1e-3);
    return l > 0 ? ` (${pct(side[l])} by layer ${l})` : '';
  };
  if (lost > 1e-3 && pred.lostBelow[L] >= 0.1 * lost) {
    notes.push(`predicted density: ${pct(pred.lostBelow[L])} of the mass fell below the grid's lower end ${pred.grid.xMin}${by(pred.lostBelow)}; lower the grid minimum`);
  }
  if (lost > 1e-3 && pred.lostAbove[L] >= 0.1 * lost) {
    notes.push(pred.grid.xMax >= 0
      ? `predicted density: ${pct(pred.lostAbove[L])} of the mass was pushed above ln sin²θ = 0${by(pred.lostAbove)} — by Approximation 2's Gaussian noise, which puts mass where no angle can be; a limit of the small-angle model, not of the grid`
      : `predicted density: ${pct(pred.lostAbove[L])} of the mass rose above the grid's upper end ${pred.grid.xMax}${by(pred.lostAbove)}; raise the grid maximum (up to 0)`);
  }
  const off = pred.mass.findIndex((m, l) => l > 0 && !(Math.abs(m - 1 + pred.lostBelow[l] + pred.lostAbove[l]) <= 1e-3));
  if (off > 0) notes.push(`predicted density: its total mass at layer ${off} is ${pred.mass[off]}, not 1 less the mass that left the grid — the density is unreliable from there`);
  return notes;
}

/** The notes a simulation needs: trials that reached θ = 0 or a dead vector (absorbing). */
function simulationNotes(samples: AngleSamples, L: number): string[] {
  const notes: string[] = [];
  const last = sampleStats(layerSamples(samples, L));
  const trials = samples.trials;
  if (last.collapsed > 0) {
    notes.push(samples.mode === 'chain'
      ? `${last.collapsed} of ${trials} chain trials reached angle 0 by layer ${L} (ln sin² = −∞, absorbing): both inputs on the same single active neuron, or sin θ below the chain's resolution 2⁻¹⁰⁰⁰; means and sds are over the finite samples`
      : `${last.collapsed} of ${trials} networks brought the angle below float64 resolution by layer ${L} (sin²θ ≤ 2⁻¹⁰⁰ between separately computed vectors, counted as ln sin² = −∞); means and sds are over the finite samples — the chain mode resolves far smaller angles`);
  }
  if (last.dead > 0) notes.push(`${last.dead} of ${trials} trials had an all-zero post-activation vector (angle undefined) by layer ${L}`);
  return notes;
}

/** Why no KS test is made at a layer, or null when it can be. */
function ksRefusal(pred: PredictedDensity, l: number): string | null {
  const mass = pred.mass[l];
  if (!(mass > 0)) return `the predicted density has ${Number.isNaN(mass) ? 'no defined' : 'no'} mass on the grid`;
  const h = (pred.grid.xMax - pred.grid.xMin) / (pred.grid.points - 1);
  if (!(pred.sd[l] >= h)) return `the predicted distribution is narrower than the grid step ${num(h)}, so its CDF is not resolved (a point mass)`;
  return null;
}

/** Options of runDegeneracy that are not analysis parameters. */
export interface RunOptions {
  /** lift the work budgets (chain pairs, network weights): for a caller who knows the run is long */
  readonly allowLongRuns?: boolean;
}

/** The random-network depth-degeneracy analysis (the CLI's `degeneracy`, the Depth plots panel). */
export function runDegeneracy(params: DegeneracyParams, ctx: AnalysisContext = silentContext, options: RunOptions = {}): DegeneracyResult {
  checkDegeneracyBudget(params, options);
  const widths = params.widths;
  if (!Array.isArray(widths) || widths.length < 2) throw new DegeneracyParamsError(`degeneracy: widths must list the input width and at least one layer width, got ${JSON.stringify(widths)}`);
  widths.forEach((n, i) => checkInteger(n, `width ${i}`, 2, 1 << 20));
  const theta0 = params.theta0;
  if (typeof theta0 !== 'number' || !(theta0 > 0 && theta0 <= Math.PI)) throw new DegeneracyParamsError(`degeneracy: theta0 must be an angle in (0, π], got ${String(theta0)}`);
  const trials = checkInteger(params.trials ?? DEGENERACY_DEFAULTS.trials, 'trials', 0, 10_000_000);
  const seed = checkInteger(params.seed ?? DEGENERACY_DEFAULTS.seed, 'seed', 0, MAX_SEED);
  const mode = params.mode ?? DEGENERACY_DEFAULTS.mode;
  if (mode !== 'chain' && mode !== 'network') throw new DegeneracyParamsError(`degeneracy: mode must be 'chain' or 'network', got ${String(mode)}`);
  const widthConvention = params.widthConvention ?? DEGENERACY_DEFAULTS.widthConvention;
  const bins = checkInteger(params.histogramBins ?? DEGENERACY_DEFAULTS.histogramBins, 'histogramBins', 1, 10_000);
  const plotPoints = checkInteger(params.plotPoints ?? DEGENERACY_DEFAULTS.plotPoints, 'plotPoints', 2, 200_001);
  const L = widths.length - 1;
  const ksLayers = params.ksLayers ?? Array.from({ length: L }, (_, i) => i + 1);
  for (const l of ksLayers) checkInteger(l, 'each ksLayers entry', 1, L);

  const steps = stepWidths(widths, widthConvention);
  const notes: string[] = [];
  const grid = resolveGrid(theta0, steps, params.grid, 'degeneracy', notes);
  const sub = (from: number, to: number): AnalysisContext => ({
    progress: (f, m) => ctx.progress(from + (to - from) * f, m),
    isCancelled: () => ctx.isCancelled(),
  });
  const simShare = trials > 0 ? 0.85 : 0;
  // the Monte Carlo starts on the helper threads first and this thread computes the density meanwhile
  const simulation = trials > 0 ? startSimulation({ widths, theta0, trials, seed, mode }, sub(1 - simShare, 1)) : undefined;
  let pred: PredictedDensity;
  try {
    pred = predictDensity(theta0, steps, grid, sub(0, 1 - simShare));
  } catch (e) {
    simulation?.abort();
    throw e;
  }
  const samples: AngleSamples | undefined = simulation?.finish();
  const prediction = predictions(theta0, steps, pred);

  const layers: DegeneracyLayerRow[] = [];
  for (let l = 0; l <= L; l++) {
    layers.push({
      layer: l,
      width: widths[l],
      stepWidth: l === 0 ? null : steps[l - 1],
      ...prediction[l],
      mc: samples ? sampleStats(layerSamples(samples, l)) : null,
    });
  }
  notes.push(...theoryNotes(theta0, steps, pred, prediction));
  if (samples) notes.push(...simulationNotes(samples, L));

  const ks: DegeneracyKsRow[] = [];
  const histograms: DegeneracyHistogram[] = [];
  if (samples) {
    const scratch = new KsScratch();
    for (const l of ksLayers) {
      const values = layerSamples(samples, l);
      const refused = ksRefusal(pred, l);
      const r = refused === null ? ksTest(values, pred.x, cumulative(pred.x, layerDensity(pred, l)), scratch) : null;
      ks.push(r
        ? { layer: l, statistic: r.statistic, pValue: r.pValue, samples: r.samples, reason: r.reason ?? null }
        : { layer: l, statistic: null, pValue: null, samples: sampleCount(values), reason: refused });
    }
    for (let l = 1; l <= L; l++) histograms.push(histogram(layerSamples(samples, l), l, bins, trials));
  }
  checkpoint(ctx, 1);
  return {
    widths: [...widths], theta0, trials, seed, mode, widthConvention,
    layers, ks, histograms, density: downsampleDensity(pred, plotPoints), notes,
  };
}

/** Samples a KS test would use: every one with a defined angle. */
function sampleCount(values: Float64Array): number {
  let m = 0;
  for (const v of values) if (!Number.isNaN(v)) m++;
  return m;
}

function histogram(values: Float64Array, layer: number, bins: number, trials: number): DegeneracyHistogram {
  let lo = Infinity, hi = -Infinity;
  // indexed loops: for…of over a typed array's view ran at ~20 ns a value here (a third of the tail
  // that Figure 1's run spends on one thread after its Monte Carlo)
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  const edges = new Float64Array(bins + 1);
  const counts = new Float64Array(bins);
  const density = new Float64Array(bins);
  if (!(lo <= hi)) return { layer, edges, counts, density };
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const w = (hi - lo) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = lo + i * w;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const k = Math.min(bins - 1, Math.floor((v - lo) / w));
    counts[k]++;
  }
  for (let i = 0; i < bins; i++) density[i] = counts[i] / (trials * w);
  return { layer, edges, counts, density };
}

function downsampleDensity(pred: PredictedDensity, maxPoints: number): DegeneracyResult['density'] {
  const P = pred.grid.points;
  const K = Math.min(P, maxPoints);
  const idx = Array.from({ length: K }, (_, k) => Math.round((k * (P - 1)) / (K - 1)));
  const x = Float64Array.from(idx, (i) => pred.x[i]);
  const values = new Float64Array((pred.layers + 1) * K);
  for (let l = 1; l <= pred.layers; l++) for (let k = 0; k < K; k++) values[l * K + k] = pred.density[l * P + idx[k]];
  return { grid: { ...pred.grid }, x, values };
}

/** The mixed-moment table (the CLI's `moments`, the panel's moments table). */
export function runMoments(params: MomentsParams = {}): MomentsResult {
  const max = params.max ?? 8;
  if (!Number.isInteger(max) || max < 1 || max > MAX_MOMENT_ORDER) throw new RangeError(`moments: max must be an integer in 1..${MAX_MOMENT_ORDER}, got ${String(max)}`);
  const theta = params.theta ?? Math.PI / 2;
  if (typeof theta !== 'number' || !(theta >= 0 && theta <= Math.PI)) throw new RangeError(`moments: theta must be an angle in [0, π], got ${String(theta)}`);
  const exact = momentFormsExact(max);
  const bessel = besselTriangleExact(max);
  let coefficientsExact = bessel.every(exactlyRepresentable);
  const entries: MomentEntry[] = [];
  for (let a = 1; a <= max; a++) {
    for (let b = 1; b <= max; b++) {
      const e = exact[a][b];
      coefficientsExact &&= exactlyRepresentable(e.P) && exactlyRepresentable(e.Q) && exactlyRepresentable(e.twoR);
      const f = formToNumbers(e);
      entries.push({ a, b, J: momentValue(f, theta), parity: f.parity, P: f.P, Q: f.Q, R: f.R });
    }
  }
  return { max, theta, entries, bessel: bessel.map((row) => row.map(Number)), coefficientsExact };
}

/**
 * The first probe that is not the zero vector (the angle to 0 is undefined, and a file's probes often
 * start with the origin) and not `except`: the default for a probe the caller left open.
 */
function defaultProbe(net: Network, except: number): number {
  const probes = net.input.probes;
  const i = probes.findIndex((p, k) => k !== except && p.x.some((t) => t !== 0));
  if (i < 0) {
    const zero = probes.filter((p) => p.x.every((t) => t === 0)).length;
    throw new DegeneracyParamsError(`probe angles: the network defines ${probes.length} probe(s)${zero ? `, ${zero} of them the zero vector` : ''}; two non-zero probes are needed`);
  }
  return i;
}

function findProbe(net: Network, key: string | number): number {
  const probes = net.input.probes;
  if (typeof key === 'number') {
    if (!Number.isInteger(key) || key < 0 || key >= probes.length) throw new DegeneracyParamsError(`probe angles: probe index ${key} out of range 0..${probes.length - 1}`);
    return key;
  }
  const i = probes.findIndex((p) => p.name === key);
  if (i < 0) throw new DegeneracyParamsError(`probe angles: no probe named '${key}' (probes: ${probes.map((p) => p.name).join(', ') || 'none'})`);
  return i;
}

function dots(u: ArrayLike<number>, v: ArrayLike<number>): { uu: number; vv: number; uv: number } {
  let uu = 0, vv = 0, uv = 0;
  for (let i = 0; i < u.length; i++) { uu += u[i] * u[i]; vv += v[i] * v[i]; uv += u[i] * v[i]; }
  return { uu, vv, uv };
}

/** cos, sin² of the angle between u and v (sin² by the orthogonal residual); null when either is zero. */
export function vectorAngle(u: ArrayLike<number>, v: ArrayLike<number>): { theta: number; sin2: number } | null {
  let { uu, vv, uv } = dots(u, v);
  // the angle is scale-free: vectors whose squares overflow or underflow (probes of size 1e200 or
  // 1e−200) are normalised by their largest entry first; ordinary vectors keep their exact arithmetic.
  // Once normalised, ‖u‖², ‖v‖² are in [1, d] and a tiny ⟨u, v⟩ is simply a right angle: normalise at
  // most once (a recursion on a tiny ⟨u, v⟩, e.g. (1, 1e280, 1)·(1e297, 0, 1), never ended)
  const ok = (t: number) => t > 1e-280 && t < 1e280;
  if (!(ok(uu) && ok(vv) && ok(uu * vv) && (uv === 0 || ok(Math.abs(uv))))) {
    const mu = maxAbs(u), mv = maxAbs(v);
    if (mu === 0 || mv === 0 || !(mu <= Number.MAX_VALUE && mv <= Number.MAX_VALUE)) return null;
    u = Array.from(u, (t) => t / mu);
    v = Array.from(v, (t) => t / mv);
    ({ uu, vv, uv } = dots(u, v));
  }
  if (uu === 0 || vv === 0) return null;
  const k = uv / uu;
  let r = 0;
  for (let i = 0; i < u.length; i++) { const d = v[i] - k * u[i]; r += d * d; }
  const ratio = r / vv;
  const sin2 = ratio <= COLLAPSE_SIN2 ? 0 : Math.min(1, ratio);
  return { theta: Math.atan2(Math.sqrt(sin2), uv / Math.sqrt(uu * vv)), sin2 };
}

/**
 * The measured angle between two probes of an explicit network after every layer (the layer's output:
 * post-activation for ReLU layers, the block output for residual blocks), beside the random-network
 * prediction for the same widths. The prediction assumes iid Gaussian bias-free ReLU layers; it stops
 * (null) from the first layer narrower than 2.
 */
export function probeAngles(net: Network, params: ProbeAngleParams = {}, ctx: AnalysisContext = silentContext): ProbeAngleResult {
  // two forward passes and one table row per layer, estimated before any layer is generated
  checkBudget('probe angles', forwardCost(net, 2, 400, 'probes'), params.budget);
  // an open probe defaults to the first non-zero probe other than the chosen one
  const given = params.probeA !== undefined ? findProbe(net, params.probeA) : undefined;
  const ib = params.probeB !== undefined ? findProbe(net, params.probeB) : defaultProbe(net, given ?? defaultProbe(net, -1));
  const ia = given ?? defaultProbe(net, params.probeB !== undefined ? ib : -1);
  const pa = net.input.probes[ia], pb = net.input.probes[ib];
  for (const p of [pa, pb]) {
    if (p.x.every((t) => t === 0)) throw new DegeneracyParamsError(`probe angles: probe '${p.name}' is the zero vector, so the input angle is undefined`);
  }
  const a0 = vectorAngle(pa.x, pb.x);
  if (!a0) throw new DegeneracyParamsError(`probe angles: the angle between probes '${pa.name}' and '${pb.name}' is undefined (a probe is not a finite non-zero vector)`);
  const theta0 = a0.theta;
  const widths = [net.input.dim];
  for (let k = 0; k < net.depth; k++) widths.push(net.outWidth(k));
  const notes: string[] = [];
  // prediction over the leading run of layers with width ≥ 2
  let predictable = 0;
  while (predictable < net.depth && widths[predictable + 1] >= 2 && widths[0] >= 2) predictable++;
  let prediction: DegeneracyPrediction[] = [];
  if (predictable > 0 && theta0 > 0) {
    const steps = stepWidths(widths.slice(0, predictable + 1), params.widthConvention ?? 'measured');
    const pred = predictDensity(theta0, steps, resolveGrid(theta0, steps, params.grid, 'probe angles', notes), ctx);
    prediction = predictions(theta0, steps, pred);
    notes.push(...theoryNotes(theta0, steps, pred, prediction));
  }
  if (predictable < net.depth) notes.push(`no random-network prediction from layer ${predictable + 1} on (width < 2)`);
  if (theta0 === 0) notes.push('the probes are parallel (angle 0): the prediction is degenerate');

  const layers: ProbeAngleLayerRow[] = [];
  // each probe carries its own scale 2^e (angles ignore positive scaling): overflow cannot distort them
  let u: ScaledVector = { v: Float64Array.from(pa.x), e: 0 }, v: ScaledVector = { v: Float64Array.from(pb.x), e: 0 };
  layers.push({ layer: 0, width: widths[0], theta: theta0, lnSin2: Math.log(a0.sin2), prediction: prediction[0] ?? null });
  for (let k = 0; k < net.depth; k++) {
    checkpoint(ctx, k / net.depth, `layer ${k + 1}/${net.depth}`);
    const layer = net.layer(k);
    u = applyLayerScaled(layer, u, k + 1);
    v = applyLayerScaled(layer, v, k + 1);
    const ang = vectorAngle(u.v, v.v);
    layers.push({
      layer: k + 1, width: widths[k + 1],
      theta: ang ? ang.theta : null,
      lnSin2: ang ? (ang.sin2 === 0 ? -Infinity : Math.log(ang.sin2)) : null,
      prediction: prediction[k + 1] ?? null,
    });
  }
  checkpoint(ctx, 1);
  return { probes: [pa.name, pb.name], theta0, widths, layers, notes };
}
