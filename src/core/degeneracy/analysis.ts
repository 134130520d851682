/**
 * The depth-degeneracy analyses as the worker, the CLI and the panel call them: one function per
 * analysis, validated params in, a structured-clone-friendly result out (src/shared/analyses/degeneracy.ts).
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { applyLayer } from '../network/forward';
import type { Network } from '../network/model';
import type {
  DegeneracyHistogram, DegeneracyKsRow, DegeneracyLayerRow, DegeneracyParams, DegeneracyPrediction, DegeneracyResult,
  DensityGridParams, MomentEntry, MomentsParams, MomentsResult, ProbeAngleLayerRow, ProbeAngleParams, ProbeAngleResult,
  WidthConvention,
} from '../../shared/analyses/degeneracy';
import { cumulative, defaultGrid, DEFAULT_GRID_POINTS, ksTest, layerDensity, predictDensity, type DensityGrid, type PredictedDensity } from './density';
import { besselTriangleExact, exactlyRepresentable, formToNumbers, MAX_MOMENT_ORDER, momentFormsExact, momentValue } from './moments';
import { COLLAPSE_SIN2, layerSamples, sampleStats, simulateAngles, type AngleSamples } from './simulate';
import { deterministicCurves, lnSin2 } from './theory';

export const DEGENERACY_DEFAULTS = {
  trials: 2000,
  seed: 1,
  mode: 'chain' as const,
  widthConvention: 'measured' as const,
  histogramBins: 40,
  plotPoints: 400,
};

/**
 * The widths the theory uses for the steps into layers 1..L under a convention
 * (widths = [n₀, …, n_L]; see WidthConvention).
 */
export function stepWidths(widths: readonly number[], convention: WidthConvention = 'measured'): number[] {
  if (convention !== 'measured' && convention !== 'input') throw new RangeError(`stepWidths: widthConvention must be 'measured' or 'input', got ${String(convention)}`);
  const out: number[] = [];
  for (let l = 1; l < widths.length; l++) out.push(convention === 'measured' ? widths[l] : widths[l - 1]);
  return out;
}

function checkInteger(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`degeneracy: ${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  return v;
}

function resolveGrid(theta0: number, steps: number[], g: DensityGridParams | undefined): DensityGrid {
  const auto = defaultGrid(theta0, steps, g?.points ?? DEFAULT_GRID_POINTS);
  return { xMin: g?.xMin ?? auto.xMin, xMax: g?.xMax ?? auto.xMax, points: g?.points ?? auto.points };
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

/** The random-network depth-degeneracy analysis (the CLI's `degeneracy`, the Depth plots panel). */
export function runDegeneracy(params: DegeneracyParams, ctx: AnalysisContext = silentContext): DegeneracyResult {
  const widths = params.widths;
  if (!Array.isArray(widths) || widths.length < 2) throw new RangeError(`degeneracy: widths must list the input width and at least one layer width, got ${JSON.stringify(widths)}`);
  widths.forEach((n, i) => checkInteger(n, `width ${i}`, 2, 1 << 20));
  const theta0 = params.theta0;
  if (typeof theta0 !== 'number' || !(theta0 > 0 && theta0 <= Math.PI)) throw new RangeError(`degeneracy: theta0 must be an angle in (0, π], got ${String(theta0)}`);
  const trials = checkInteger(params.trials ?? DEGENERACY_DEFAULTS.trials, 'trials', 0, 10_000_000);
  const seed = checkInteger(params.seed ?? DEGENERACY_DEFAULTS.seed, 'seed', 0, 2 ** 53);
  const mode = params.mode ?? DEGENERACY_DEFAULTS.mode;
  if (mode !== 'chain' && mode !== 'network') throw new RangeError(`degeneracy: mode must be 'chain' or 'network', got ${String(mode)}`);
  const widthConvention = params.widthConvention ?? DEGENERACY_DEFAULTS.widthConvention;
  const bins = checkInteger(params.histogramBins ?? DEGENERACY_DEFAULTS.histogramBins, 'histogramBins', 1, 10_000);
  const plotPoints = checkInteger(params.plotPoints ?? DEGENERACY_DEFAULTS.plotPoints, 'plotPoints', 2, 200_001);
  const L = widths.length - 1;
  const ksLayers = params.ksLayers ?? Array.from({ length: L }, (_, i) => i + 1);
  for (const l of ksLayers) checkInteger(l, 'each ksLayers entry', 1, L);

  const steps = stepWidths(widths, widthConvention);
  const grid = resolveGrid(theta0, steps, params.grid);
  const sub = (from: number, to: number): AnalysisContext => ({
    progress: (f, m) => ctx.progress(from + (to - from) * f, m),
    isCancelled: () => ctx.isCancelled(),
  });
  const simShare = trials > 0 ? 0.85 : 0;
  const pred = predictDensity(theta0, steps, grid, sub(0, 1 - simShare));
  const prediction = predictions(theta0, steps, pred);
  const samples: AngleSamples | undefined = trials > 0
    ? simulateAngles({ widths, theta0, trials, seed, mode }, sub(1 - simShare, 1))
    : undefined;

  const notes: string[] = [];
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
  const lossLayer = layers.find((r) => r.layer > 0 && r.predicted.mass < 0.999);
  if (lossLayer) notes.push(`predicted density: ${(100 * (1 - lossLayer.predicted.mass)).toFixed(2)}% of the mass left the grid [${grid.xMin}, ${grid.xMax}] by layer ${lossLayer.layer}; widen the grid`);
  const last = layers[L].mc;
  if (last && last.collapsed > 0) notes.push(`${last.collapsed} of ${trials} trials collapsed to angle exactly 0 (ln sin² = −∞) by layer ${L}; means and sds are over the finite samples`);
  if (last && last.dead > 0) notes.push(`${last.dead} of ${trials} trials had an all-zero post-activation vector (angle undefined) by layer ${L}`);

  const ks: DegeneracyKsRow[] = [];
  const histograms: DegeneracyHistogram[] = [];
  if (samples) {
    for (const l of ksLayers) {
      const p = layerDensity(pred, l);
      const r = ksTest(layerSamples(samples, l), pred.x, cumulative(pred.x, p));
      ks.push({ layer: l, statistic: Number.isNaN(r.statistic) ? null : r.statistic, pValue: Number.isNaN(r.pValue) ? null : r.pValue, samples: r.samples });
    }
    for (let l = 1; l <= L; l++) histograms.push(histogram(layerSamples(samples, l), l, bins, trials));
  }
  checkpoint(ctx, 1);
  return {
    widths: [...widths], theta0, trials, seed, mode, widthConvention,
    layers, ks, histograms, density: downsampleDensity(pred, plotPoints), notes,
  };
}

function histogram(values: Float64Array, layer: number, bins: number, trials: number): DegeneracyHistogram {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const edges = new Float64Array(bins + 1);
  const counts = new Float64Array(bins);
  const density = new Float64Array(bins);
  if (!(lo <= hi)) return { layer, edges, counts, density };
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const w = (hi - lo) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = lo + i * w;
  for (const v of values) {
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

function findProbe(net: Network, key: string | number | undefined, fallback: number): number {
  const probes = net.input.probes;
  if (key === undefined) {
    if (probes.length <= fallback) throw new RangeError(`probe angles: the network defines ${probes.length} probe(s); two are needed`);
    return fallback;
  }
  if (typeof key === 'number') {
    if (!Number.isInteger(key) || key < 0 || key >= probes.length) throw new RangeError(`probe angles: probe index ${key} out of range 0..${probes.length - 1}`);
    return key;
  }
  const i = probes.findIndex((p) => p.name === key);
  if (i < 0) throw new RangeError(`probe angles: no probe named '${key}' (probes: ${probes.map((p) => p.name).join(', ') || 'none'})`);
  return i;
}

/** cos, sin² of the angle between u and v (sin² by the orthogonal residual); null when either is zero. */
export function vectorAngle(u: ArrayLike<number>, v: ArrayLike<number>): { theta: number; sin2: number } | null {
  let uu = 0, vv = 0, uv = 0;
  for (let i = 0; i < u.length; i++) { uu += u[i] * u[i]; vv += v[i] * v[i]; uv += u[i] * v[i]; }
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
  const ia = findProbe(net, params.probeA, 0);
  const ib = findProbe(net, params.probeB, 1);
  const pa = net.input.probes[ia], pb = net.input.probes[ib];
  for (const p of [pa, pb]) {
    if (p.x.every((t) => t === 0)) throw new RangeError(`probe angles: probe '${p.name}' is the zero vector, so the input angle is undefined`);
  }
  const a0 = vectorAngle(pa.x, pb.x)!;
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
    const pred = predictDensity(theta0, steps, resolveGrid(theta0, steps, params.grid));
    prediction = predictions(theta0, steps, pred);
  }
  if (predictable < net.depth) notes.push(`no random-network prediction from layer ${predictable + 1} on (width < 2)`);
  if (theta0 === 0) notes.push('the probes are parallel (angle 0): the prediction is degenerate');

  const layers: ProbeAngleLayerRow[] = [];
  let u: Float64Array = Float64Array.from(pa.x), v: Float64Array = Float64Array.from(pb.x);
  layers.push({ layer: 0, width: widths[0], theta: theta0, lnSin2: Math.log(a0.sin2), prediction: prediction[0] ?? null });
  for (let k = 0; k < net.depth; k++) {
    checkpoint(ctx, k / net.depth, `layer ${k + 1}/${net.depth}`);
    const layer = net.layer(k);
    u = applyLayer(layer, u);
    v = applyLayer(layer, v);
    const ang = vectorAngle(u, v);
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
