/**
 * MATH.md §D: pointwise convergence of (mini-batch) gradient descent for the indicator target
 * f(x) = 1{|x| ≤ 1/2} on [−1,1]^d.
 *
 * THE CONSTRUCTION IS OURS [design]. The paper's exact architecture could not be obtained, so we use
 * a ReLU network that is consistent with its published rate (loss ~ t^(−1/3), every point converges):
 *
 *   feature φ(x):  d = 1: φ = |x| = σ(x) + σ(−x), exact, threshold a = 1/2.
 *                  d > 1: φ = r_N(x) = Σ_i s_N(|x_i|) ≈ |x|², threshold a = 1/4, where s_N is Yarotsky's
 *                  level-N sawtooth ReLU approximation of t ↦ t² on [0,1]:
 *                  s_N(t) = t − Σ_{s=1..N} g_s(t)/4^s, g = tooth∘…∘tooth, tooth(t) = 2σ(t) − 4σ(t−½) + 2σ(t−1);
 *                  s_N is the piecewise-linear interpolant of t² on the grid k/2^N, 0 ≤ s_N(t) − t² ≤ 4^(−N−1).
 *   ramp:          f_w(x) = σ(1 − σ(w(φ(x) − a))), trainable steepness w > 0.
 *
 * Why d = 1 thresholds |x| rather than |x|²: |x| is exactly a ReLU network, x² is not, and with |x|
 * uniform on [0,1] the closed forms are exactly the ones of §D: L(w) = 1/(3w) (w ≥ 2) and gradient
 * flow w(t)³ = w₀³ + t. For d > 1 the exact feature |x|² has density ρ(r) = π^(d/2)/(Γ(d/2)·2^d)·r^(d/2−1)
 * on r ≤ 1, so L(w) = (1/w)∫₀¹(1−u)^p ρ(a + u/w) du ≈ κ/((p+1)w) with κ = ρ(1/4) (d = 2: κ = π/4 and
 * L = π/(12w) exactly), w(t)³ ≈ w₀³ + 3κt/(p+1), and the loss still decays like t^(−1/3).
 *
 * Only samples with 0 < w(φ − a) < 1 (inside the ramp) have a gradient; with the exact feature every
 * such sample lies outside the ball and pushes w up, so w grows monotonically. A point outside the
 * ball has error max(0, 1 − w(φ − a)), exactly 0 once w ≥ 1/(φ − a); a point inside has error 0 always.
 */
import { CancelledError, checkpoint, silentContext, type AnalysisContext } from '../context';
import { Rng } from '../rng';
import type {
  IndicatorFunctionView, IndicatorMode, IndicatorParams, IndicatorProbe, IndicatorResult, IndicatorSlope, IndicatorStop,
} from '../../shared/analyses/training';
import { fitPowerLaw, gaussLegendre01, logSpacedIterations } from './fit';
import {
  budgetParam, checkWork, choiceParam, integerParam, listLimit, numberParam, seedParam, TRAINING_LIMITS, TrainingParamError,
} from './params';

export const INDICATOR_CONSTRUCTION =
  'Our construction [design], not the paper\'s: the paper\'s exact architecture was not available. ' +
  'A ReLU feature sub-network computes |x| exactly (d = 1) or r_N(x) ≈ |x|² by Yarotsky\'s level-N sawtooth ' +
  'approximation of squaring (d > 1), followed by the trainable two-ReLU ramp f_w = σ(1 − σ(w(φ − a))) with ' +
  'a = 1/2 on |x| (d = 1) or a = 1/4 on |x|² (d > 1). It is consistent with the published rate: gradient flow ' +
  'gives w³ ≈ w₀³ + 3κt/(p+1) and loss ≈ κ/((p+1)w) ~ t^(−1/3), and every point converges ' +
  '(inside the ball exactly, outside exactly once w ≥ 1/(φ − a)).';

const DEFAULT_PROBE_T = [0, 0.3, 0.5, 0.55, 0.6, 0.75, 0.9];
/** the evaluation set is the same for every seed so runs compare on one set */
const EVAL_SEED = 0x5eed1d;

/** ReLU tooth on [0,1]: 2σ(t) − 4σ(t − ½) + 2σ(t − 1). */
function tooth(t: number): number {
  return 2 * relu(t) - 4 * relu(t - 0.5) + 2 * relu(t - 1);
}

function relu(t: number): number {
  return t > 0 ? t : 0;
}

/** Yarotsky's level-N ReLU approximation of t² on [0,1] (the interpolant on the grid k/2^N). */
export function sawtoothSquare(t: number, level: number): number {
  let g = t;
  let out = t;
  let scale = 1;
  for (let s = 1; s <= level; s++) {
    g = tooth(g);
    scale *= 0.25;
    out -= g * scale;
  }
  return out;
}

/** The feature φ(x) of the construction at x = xs[offset .. offset+dim). */
export function indicatorFeature(xs: ArrayLike<number>, offset: number, dim: number, level: number): number {
  if (dim === 1) { const x = xs[offset]; return relu(x) + relu(-x); }
  let r = 0;
  for (let i = 0; i < dim; i++) {
    const x = xs[offset + i];
    r += sawtoothSquare(relu(x) + relu(-x), level);
  }
  return r;
}

/** The ramp threshold a: 1/2 on |x| (d = 1), 1/4 on |x|² (d > 1). */
export function indicatorThreshold(dim: number): number {
  return dim === 1 ? 0.5 : 0.25;
}

/** f_w at feature value φ: σ(1 − σ(w(φ − a))). */
export function rampOutput(w: number, feature: number, a: number): number {
  return relu(1 - relu(w * (feature - a)));
}

/**
 * ln of π^(d/2)/(Γ(d/2)·2^d), the constant of the |x|² density. In logs: beyond d ≈ 340 both π^(d/2)
 * and Γ(d/2) overflow and their quotient would be NaN; the density itself just underflows to 0.
 */
function logDensityConstant(d: number): number {
  let lnGamma = d % 2 === 0 ? 0 : 0.5 * Math.log(Math.PI); // Γ(1) = 1, Γ(½) = √π, Γ(s + 1) = s·Γ(s)
  for (let k = d % 2 === 0 ? 1 : 0.5; k < d / 2 - 1e-9; k++) lnGamma += Math.log(k);
  return (d / 2) * Math.log(Math.PI) - lnGamma - d * Math.LN2;
}

/** r ↦ density of the exact feature: 1 on [0,1] for |x| (d = 1); π^(d/2)/(Γ(d/2)·2^d)·r^(d/2−1) for |x|² with r ≤ 1. */
function densityOf(dim: number): (r: number) => number {
  if (dim === 1) return (r) => (r >= 0 && r <= 1 ? 1 : 0);
  const logC = logDensityConstant(dim);
  if (dim === 2) { const c = Math.exp(logC); return () => c; }
  return (r) => Math.exp(logC + (dim / 2 - 1) * Math.log(r));
}

/** Density of the exact feature at r: 1 on [0,1] for |x| (d = 1); π^(d/2)/(Γ(d/2)·2^d)·r^(d/2−1) for |x|² with r ≤ 1. */
export function featureDensity(dim: number, r: number): number {
  return densityOf(dim)(r);
}

/** κ = density of the exact feature at the threshold: 1 (d = 1), π/4 (d = 2), π/8 (d = 3), … */
export function indicatorKappa(dim: number): number {
  return featureDensity(dim, indicatorThreshold(dim));
}

const GL = gaussLegendre01(64);

function checkLossArgs(w: number, dim: number, p: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be an integer ≥ 1, got ${dim}`);
  if (!(p >= 1)) throw new RangeError(`lossPower must be ≥ 1, got ${p}`);
  if (!(w > 0)) throw new RangeError(`w must be > 0, got ${w}`);
}

/** The exact population loss L(w) and −L'(w) of the ramp on the exact feature, for one (d, p). */
export interface ExactLoss {
  loss(w: number): number;
  descent(w: number): number;
}

/**
 * L(w) = E|f_w(x) − f(x)|^p, x ~ U[−1,1]^d, of the ramp on the exact feature (|x| for d = 1, |x|² for
 * d > 1), and −L'(w) = ∫ p(1 − w(r−a))^(p−1)(r−a)ρ(r) dr over the ramp, with everything that does not
 * depend on w computed once (a run evaluates them every iteration).
 * - d = 1: L = (1 − v^(p+1))/((p+1)w), −L' = (1/w²)[(1 − v^p) − p(1 − v^(p+1))/(p+1)], v = max(0, 1 − w/2):
 *   the network's own loss, since its feature is exact.
 * - d = 2: ρ = π/4 is constant on r ≤ 1, so L = κ/((p+1)w) and −L' = κ/((p+1)w²) exactly.
 * - d ≥ 3: (1/w)∫₀¹(1−u)^p ρ(a + u/w) du and (p/w²)∫₀¹(1−u)^(p−1) u ρ(a + u/w) du by 64-point
 *   Gauss–Legendre after 1 − u = s², which turns the endpoint factor (1 − u)^q into s^(2q+1) (smooth for
 *   half-integer q; error O(n^(−4q−4)) otherwise, against O(n^(−2q−2)) without the substitution).
 * For d > 1 both need w ≥ 4/3 (the ramp inside r ≤ 1, where ρ has its closed form) and are NaN below.
 */
export function exactLoss(dim: number, p: number): ExactLoss {
  checkLossArgs(1, dim, p);
  if (dim === 1) {
    return {
      loss: (w) => { const v = Math.max(0, 1 - w / 2); return (1 - v ** (p + 1)) / ((p + 1) * w); },
      descent: (w) => { const v = Math.max(0, 1 - w / 2); return ((1 - v ** p) - (p * (1 - v ** (p + 1))) / (p + 1)) / (w * w); },
    };
  }
  const a = indicatorThreshold(dim);
  if (dim === 2) {
    const c = indicatorKappa(2) / (p + 1);
    return {
      loss: (w) => (a + 1 / w > 1 ? NaN : c / w),
      descent: (w) => (a + 1 / w > 1 ? NaN : c / (w * w)),
    };
  }
  const n = GL.nodes.length;
  const u = new Float64Array(n), lossWeight = new Float64Array(n), descentWeight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = GL.nodes[i];
    u[i] = 1 - t * t;
    lossWeight[i] = GL.weights[i] * 2 * t ** (2 * p + 1);
    descentWeight[i] = GL.weights[i] * 2 * t ** (2 * p - 1) * u[i];
  }
  const logC = logDensityConstant(dim), e = dim / 2 - 1;
  const integral = (weights: Float64Array, w: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += weights[i] * Math.exp(logC + e * Math.log(a + u[i] / w));
    return s;
  };
  return {
    loss: (w) => (a + 1 / w > 1 ? NaN : integral(lossWeight, w) / w),
    descent: (w) => (a + 1 / w > 1 ? NaN : (p * integral(descentWeight, w)) / (w * w)),
  };
}

/** L(w) of exactLoss for one w (d = 1: the network's own loss; d > 1: NaN for w < 4/3). */
export function indicatorPopulationLoss(w: number, dim: number, p = 2): number {
  checkLossArgs(w, dim, p);
  return exactLoss(dim, p).loss(w);
}

/** −dL/dw of exactLoss for one w. */
export function indicatorPopulationDescent(w: number, dim: number, p = 2): number {
  checkLossArgs(w, dim, p);
  return exactLoss(dim, p).descent(w);
}

type ResolvedIndicatorParams = IndicatorResult['params'] & { probes: number[][] };

export const INDICATOR_MODES: readonly IndicatorMode[] = ['sgd', 'expected'];

/** Operations of one uniform draw and of one level of the sawtooth squaring (for the work estimate). */
const RNG_OPS = 8;
const TOOTH_OPS = 6;
/** Partial results the worker asks for (one per ~1 % of the run); each one evaluates the learned function. */
const PARTIALS = 100;
/** Estimated operations between two cancellation checks (~0.1 ms), however long 1 % of the run is. */
const CHECK_EVERY_OPS = 1 << 16;

/** The construction's range of the steepness: w > 0 (d = 1); w ≥ 4/3 for d > 1 (the ramp inside |x|² ≤ 1). */
function inDomain(w: number, dim: number): boolean {
  return Number.isFinite(w) && (dim === 1 ? w > 0 : w >= 4 / 3);
}

/**
 * Defaults filled in and every rule checked (the same rules validate a network file's `training`
 * section). Throws TrainingParamError naming the parameter; refuses runs above the work budget.
 */
export function resolveIndicatorParams(p: IndicatorParams): ResolvedIndicatorParams {
  const L = TRAINING_LIMITS;
  const dim = integerParam('dim', p.dim, 1, 1, L.maxDim);
  const level = integerParam('level', p.level, 10, 1);
  if (level > 26) throw new TrainingParamError('level', `level must be ≤ 26 (4^(−N−1) is below float64 resolution beyond), got ${level}`);
  const iterations = integerParam('iterations', p.iterations, 10000, 1);
  const batch = integerParam('batch', p.batch, 32, 1);
  const learningRate = numberParam('learningRate', p.learningRate, 1, 0, true);
  const seed = seedParam(p.seed);
  const initialW = p.initialW ?? 2;
  if (!Number.isFinite(initialW) || !inDomain(initialW, dim)) {
    throw new TrainingParamError('initialW', dim === 1
      ? `initialW must be a finite number > 0, got ${initialW}`
      : `initialW must be ≥ 4/3 for dim > 1 (the ramp must stay inside |x|² ≤ 1), got ${initialW}`, 'invalid-value', ['dim']);
  }
  const lossPower = numberParam('lossPower', p.lossPower, 2, 1, false);
  const mode = choiceParam('mode', p.mode, 'sgd', INDICATOR_MODES);
  let trainingSetSize: number | null = null;
  if (p.trainingSetSize !== undefined) {
    if (mode === 'expected') {
      throw new TrainingParamError('trainingSetSize', "trainingSetSize applies to mode 'sgd' only: mode 'expected' descends the exact population loss and uses no samples", 'invalid-value', ['mode']);
    }
    trainingSetSize = integerParam('trainingSetSize', p.trainingSetSize, 1, 1, L.maxPoints);
    if (batch > trainingSetSize) throw new TrainingParamError('batch', `batch (${batch}) must be ≤ trainingSetSize (${trainingSetSize})`, 'invalid-value', ['trainingSetSize']);
  }
  const records = integerParam('records', p.records, 200, 2, L.maxRecords);
  const evalPoints = integerParam('evalPoints', p.evalPoints, 20000, 1, L.maxPoints);
  const gridSize = integerParam('gridSize', p.gridSize, dim === 2 ? 81 : 201, 2, L.maxGridSize);
  const fitFrom = integerParam('fitFrom', p.fitFrom, Math.max(1, Math.ceil(iterations / 10)), 1);
  if (fitFrom > iterations) throw new TrainingParamError('fitFrom', `fitFrom (${fitFrom}) must be ≤ iterations (${iterations})`, 'invalid-value', ['iterations']);
  const probeList = p.probes ?? DEFAULT_PROBE_T.map((t) => [t, ...new Array<number>(dim - 1).fill(0)]);
  if (probeList.length === 0) throw new TrainingParamError('probes', 'probes must list at least one point');
  listLimit('probes', probeList.length, L.maxProbes);
  const probes = probeList.map((x, i) => {
    if (x.length !== dim) throw new TrainingParamError(`probes.${i}`, `probe ${i} has ${x.length} coordinates, expected dim = ${dim}`, 'invalid-value', ['dim']);
    for (const c of x) if (!(c >= -1 && c <= 1)) throw new TrainingParamError(`probes.${i}`, `probe ${i} coordinate ${c} is outside [−1, 1]`);
    return Array.from(x);
  });
  const recordCount = Math.min(records, iterations + 1);
  if (probes.length * recordCount > L.maxSeriesValues) {
    throw new TrainingParamError('records', `${probes.length} probes × ${recordCount} records = ${probes.length * recordCount} values, above the limit of ${L.maxSeriesValues}`, 'size-limit', ['probes', 'iterations']);
  }
  const maxWork = budgetParam(p.maxWork);
  const P: ResolvedIndicatorParams = { dim, level, iterations, batch, learningRate, seed, initialW, lossPower, mode, trainingSetSize, records, evalPoints, gridSize, fitFrom, maxWork, probes };
  const { work, what } = indicatorWork(P);
  checkWork(work, maxWork, what, 'lower iterations, batch, dim or level');
  return P;
}

/** Estimated operations of a run (see TRAINING_WORK_BUDGET) and the term that dominates, for the message. */
export function indicatorWork(P: ResolvedIndicatorParams): { work: number; what: string; perIteration: number } {
  const { dim, level, iterations: K, batch: B } = P;
  const featureOps = dim === 1 ? 2 : dim * (2 + TOOTH_OPS * level);
  const sampleOps = dim * RNG_OPS + featureOps + 4;
  // one gradient of the exact loss: closed form (d ≤ 2) or 64 Gauss–Legendre nodes; every run also
  // follows GD on the exact loss as its reference (theory.gdW)
  const exactStep = dim <= 2 ? 10 : 64 * 12;
  let steps: number, what: string, perIteration: number;
  if (P.mode === 'expected') {
    perIteration = exactStep;
    steps = K * exactStep;
    what = `${K} iterations of the exact-loss gradient`;
  } else if (P.trainingSetSize !== null) {
    perIteration = B * (RNG_OPS + 4) + exactStep;
    steps = P.trainingSetSize * sampleOps + K * B * (RNG_OPS + 4);
    what = `${K} iterations × batch ${B} from a set of ${P.trainingSetSize}`;
  } else {
    perIteration = B * sampleOps + exactStep;
    steps = K * B * sampleOps;
    what = `${K} iterations × batch ${B} × ${sampleOps} per sample for d = ${dim}${dim > 1 ? `, level ${level}` : ''}`;
  }
  const records = Math.min(P.records, K + 1);
  const gridPoints = dim === 2 ? P.gridSize * P.gridSize : P.gridSize;
  const bookkeeping = K * (P.probes.length + 4 + (P.mode === 'expected' ? 0 : exactStep)) + P.evalPoints * sampleOps + records * P.evalPoints * 3 +
    PARTIALS * (gridPoints * featureOps + records * (P.probes.length + 6));
  return { work: steps + bookkeeping, what, perIteration };
}

/** Options that are not part of the (serialisable) params. */
export interface TrainingRunOptions<R> {
  /** called after each chunk of iterations with a consistent partial result (for live plots) */
  readonly onPartial?: (partial: R) => void;
}

/**
 * Train the steepness w of the §D construction and record the loss, w and the probe errors at
 * log-spaced iterations. Deterministic for a given seed (bit-for-bit). Checkpoints every ~1 % of the
 * iterations (progress + cancellation) and calls `onPartial` there.
 *
 * The construction is defined for w > 0 (d = 1) and w ≥ 4/3 (d > 1). A step that would leave that range
 * ends the run there, with `stopped` saying why: it can only happen for d > 1, where the level-N squaring
 * puts some points inside the ball on the ramp and their gradients push w down (or on overflow). We stop
 * rather than project the step back, because projected SGD is a different algorithm from the one whose
 * rate the result compares with gradient flow.
 */
export function trainIndicator(
  params: IndicatorParams = {},
  ctx: AnalysisContext = silentContext,
  options: TrainingRunOptions<IndicatorResult> = {},
): IndicatorResult {
  const P = resolveIndicatorParams(params);
  const { dim, level, iterations: K, batch: B, learningRate: eta, lossPower: pw, initialW: w0 } = P;
  const a = indicatorThreshold(dim);
  const kappa = indicatorKappa(dim);
  const l2 = pw === 2;
  const exact = exactLoss(dim, pw);
  const maxFeatureError = dim === 1 ? 0 : dim * 4 ** (-level - 1);

  // fixed evaluation set (actual network incl. the level-N squaring), the same for every seed
  const M = P.evalPoints;
  const evalFeature = new Float64Array(M);
  const evalTarget = new Float64Array(M);
  {
    const rng = Rng.derive(EVAL_SEED, dim);
    const x = new Float64Array(dim);
    for (let m = 0; m < M; m++) {
      let n2 = 0;
      for (let i = 0; i < dim; i++) { x[i] = rng.uniformIn(-1, 1); n2 += x[i] * x[i]; }
      evalFeature[m] = indicatorFeature(x, 0, dim, level);
      evalTarget[m] = n2 <= 0.25 ? 1 : 0;
    }
  }
  const evalLossAt = (w: number): number => {
    let s = 0;
    for (let m = 0; m < M; m++) {
      const e = Math.abs(rampOutput(w, evalFeature[m], a) - evalTarget[m]);
      s += l2 ? e * e : e ** pw;
    }
    return s / M;
  };

  // probes
  const probeFeature = P.probes.map((x) => indicatorFeature(x, 0, dim, level));
  const probeTarget = P.probes.map((x) => (x.reduce((s, c) => s + c * c, 0) <= 0.25 ? 1 : 0) as 0 | 1);
  const probeErrors: number[][] = P.probes.map(() => []);
  const zeroFrom: (number | null)[] = P.probes.map(() => null);
  const trackZeros = (w: number, k: number): void => {
    for (let j = 0; j < probeFeature.length; j++) {
      const e = Math.abs(rampOutput(w, probeFeature[j], a) - probeTarget[j]);
      if (e === 0) { if (zeroFrom[j] === null) zeroFrom[j] = k; } else zeroFrom[j] = null;
    }
  };

  // data
  const rng = Rng.derive(P.seed, 0x1d);
  let setFeature: Float64Array | null = null;
  let setTarget: Float64Array | null = null;
  let perm: Int32Array | null = null;
  if (P.trainingSetSize !== null && P.mode === 'sgd') {
    const n = P.trainingSetSize;
    setFeature = new Float64Array(n);
    setTarget = new Float64Array(n);
    perm = new Int32Array(n);
    const x = new Float64Array(dim);
    for (let m = 0; m < n; m++) {
      let n2 = 0;
      for (let i = 0; i < dim; i++) { x[i] = rng.uniformIn(-1, 1); n2 += x[i] * x[i]; }
      setFeature[m] = indicatorFeature(x, 0, dim, level);
      setTarget[m] = n2 <= 0.25 ? 1 : 0;
      perm[m] = m;
    }
  }
  const xBuf = new Float64Array(dim);

  // records
  const recordIters = logSpacedIterations(K, P.records);
  const iters: number[] = [];
  const loss: number[] = [];
  const evalLoss: number[] = [];
  const wRec: number[] = [];
  const gdRec: number[] = [];
  /** exact GD on the population loss, same η and w₀: the deterministic path SGD fluctuates around (E[w_{k+1} | w_k] = its step) */
  let wGD = w0;
  const record = (k: number, w: number): void => {
    iters.push(k);
    wRec.push(w);
    gdRec.push(wGD);
    loss.push(exact.loss(w));
    evalLoss.push(evalLossAt(w));
    for (let j = 0; j < probeFeature.length; j++) probeErrors[j].push(Math.abs(rampOutput(w, probeFeature[j], a) - probeTarget[j]));
  };
  const theoryW = (k: number): number => Math.cbrt(w0 ** 3 + (3 * kappa * eta * k) / (pw + 1));

  /** Power-law fit of `ys` over the records in [fitFrom, completed], with the exact-loss GD's slope over the same records. */
  const fitTail = (ys: readonly number[], completed: number): IndicatorSlope | null => {
    const fx: number[] = [], fy: number[] = [], gy: number[] = [];
    for (let i = 0; i < iters.length; i++) {
      if (iters[i] >= P.fitFrom) { fx.push(iters[i]); fy.push(ys[i]); gy.push(exact.loss(gdRec[i])); }
    }
    if (fx.length < 3) return null;
    const fit = fitPowerLaw(fx, fy);
    if (!fit) return null;
    return { ...fit, fitFrom: P.fitFrom, fitTo: completed, expected: -1 / 3, flowExponent: fitPowerLaw(fx, gy)?.exponent ?? null };
  };

  let stopped: IndicatorStop | null = null;

  const build = (w: number, completed: number, done: boolean): IndicatorResult => {
    const slope = fitTail(loss, completed);
    const evalSlope = fitTail(evalLoss, completed);
    const thW = iters.map(theoryW);
    const probes: IndicatorProbe[] = P.probes.map((x, j) => ({
      x,
      feature: probeFeature[j],
      target: probeTarget[j],
      threshold: probeFeature[j] > a ? 1 / (probeFeature[j] - a) : null,
      limitError: Math.abs((probeFeature[j] <= a ? 1 : 0) - probeTarget[j]),
      error: probeErrors[j].slice(),
      zeroFrom: zeroFrom[j],
    }));
    const { trainingSetSize, probes: _p, ...rest } = P;
    return {
      construction: INDICATOR_CONSTRUCTION,
      lossNote: dim === 1
        ? 'loss: exact population loss of the network (closed form; its |x| feature is exact). evalLoss: the same on a fixed set of ' + M + ' uniform points. ' +
          'slope fits loss; evalSlope fits evalLoss.'
        : 'loss: exact population loss of the ideal model, the ramp on the exact |x|² (64-point Gauss–Legendre); the level-N squaring of the network moves the feature by at most ' +
          maxFeatureError.toExponential(2) + '. evalLoss: the actual network (with the level-N squaring) on a fixed set of ' + M + ' uniform points. ' +
          'slope fits loss (the ideal model); evalSlope fits evalLoss (the network).',
      params: { ...rest, trainingSetSize },
      feature: {
        kind: dim === 1 ? 'abs' : 'sawtooth-square',
        threshold: a,
        maxError: maxFeatureError,
        description: dim === 1
          ? 'd = 1: φ(x) = |x| = σ(x) + σ(−x), exact; ramp at a = 1/2; population loss L(w) = (1 − max(0, 1 − w/2)^(p+1))/((p+1)w), = 1/((p+1)w) for w ≥ 2'
          : `d = ${dim}: φ(x) = Σ_i s_${level}(|x_i|) ≈ |x|² by Yarotsky's level-${level} sawtooth (overestimates by at most d·4^(−N−1) = ${maxFeatureError.toExponential(2)}); ramp at a = 1/4 on |x|²`,
      },
      iterations: iters.slice(),
      loss: loss.slice(),
      evalLoss: evalLoss.slice(),
      w: wRec.slice(),
      slope,
      evalSlope,
      theory: {
        kappa, w: thW, loss: thW.map((v) => kappa / ((pw + 1) * v)),
        gdW: gdRec.slice(), gdLoss: gdRec.map(exact.loss),
      },
      probes,
      functionView: functionView(w, w0, dim, level, P.gridSize),
      completedIterations: completed,
      done,
      stopped,
      warnings: done ? indicatorWarnings(P, { w, slope, stopped, kappa, a, setFeature, setTarget, probeFeatures: probeFeature }) : [],
    };
  };

  let w = w0;
  record(0, w);
  let nextRecord = 1;
  trackZeros(w, 0);
  const chunk = Math.max(1, Math.ceil(K / 100));
  const checkEvery = Math.max(1, Math.floor(CHECK_EVERY_OPS / indicatorWork(P).perIteration));
  const n = P.trainingSetSize ?? 0;
  for (let k = 1; k <= K; k++) {
    let descent: number;
    if (P.mode === 'expected') {
      descent = exact.descent(w);
    } else {
      // mini-batch: only ramp samples (0 < w(φ−a) < 1) have a gradient; dℓ/dw = p|e|^(p−1)·sign(e)·(−(φ−a))
      let g = 0;
      for (let b = 0; b < B; b++) {
        let phi: number, y: number;
        if (setFeature && setTarget && perm) {
          let idx: number;
          if (B === n) idx = b;
          else {
            const j = b + rng.int(n - b); // partial Fisher–Yates: a uniform subset without replacement
            idx = perm[j]; perm[j] = perm[b]; perm[b] = idx;
          }
          phi = setFeature[idx]; y = setTarget[idx];
        } else {
          let n2 = 0;
          for (let i = 0; i < dim; i++) { const c = rng.uniformIn(-1, 1); xBuf[i] = c; n2 += c * c; }
          phi = indicatorFeature(xBuf, 0, dim, level);
          y = n2 <= 0.25 ? 1 : 0;
        }
        const d = phi - a;
        const z = w * d;
        if (z > 0 && z < 1) {
          const e = 1 - z - y;
          const de = l2 ? 2 * e : pw * Math.abs(e) ** (pw - 1) * Math.sign(e);
          g += de * d; // = −dℓ/dw
        }
      }
      descent = g / B;
    }
    wGD = P.mode === 'expected' ? w + eta * descent : wGD + eta * exact.descent(wGD);
    const next = w + eta * descent;
    if (!inDomain(next, dim)) {
      stopped = stopReport(P, k, w, next);
      break;
    }
    w = next;
    trackZeros(w, k);
    if (k === recordIters[nextRecord]) { record(k, w); nextRecord++; }
    if (k % chunk === 0 || k === K) {
      checkpoint(ctx, k / K, `iteration ${k}/${K}`);
      if (options.onPartial && k < K) options.onPartial(build(w, k, false));
    } else if (k % checkEvery === 0 && ctx.isCancelled()) {
      throw new CancelledError();
    }
  }
  const completed = stopped ? stopped.iteration - 1 : K;
  if (iters[iters.length - 1] !== completed) record(completed, w);
  return build(w, completed, true);
}

/** Why a step left the construction's range, and what to change (the cause is the level and the step size). */
function stopReport(P: ResolvedIndicatorParams, k: number, w: number, next: number): IndicatorStop {
  const f = (v: number) => v.toPrecision(4);
  if (!Number.isFinite(next)) {
    return { iteration: k, w, reason: 'overflow', message: `stopped at iteration ${k}: the step η·ĝ with η = ${P.learningRate} overflows w (from ${f(w)}); lower the learning rate` };
  }
  const range = P.dim === 1 ? 'w > 0' : 'w ≥ 4/3 (the ramp must stay inside |x|² ≤ 1)';
  let message = `stopped at iteration ${k}: the step would take w from ${f(w)} to ${f(next)}, outside the construction's range ${range}.`;
  if (P.dim > 1) {
    const err = P.dim * 4 ** (-P.level - 1);
    message += ` Cause: the level ${P.level} squaring overestimates |x|² by up to d·4^(−N−1) = ${err.toPrecision(3)}, so points just inside the ball` +
      ` reach the ramp with target 1 and their gradients push w down; with learning rate η = ${P.learningRate} and batch ${P.batch} one such step moved w by ${f(next - w)}.` +
      ' Raise the level, lower the learning rate or enlarge the batch.';
  }
  return { iteration: k, w, reason: 'left-range', message };
}

/** |exact-GD slope + 1/3| above which the fit range is called pre-asymptotic (10 % of the rate). */
const PRE_ASYMPTOTIC_TOLERANCE = 1 / 30;

/** When the numbers of a finished run do not mean what the plots suggest, say so. */
function indicatorWarnings(
  P: ResolvedIndicatorParams,
  s: {
    w: number; slope: IndicatorSlope | null; stopped: IndicatorStop | null; kappa: number; a: number;
    setFeature: Float64Array | null; setTarget: Float64Array | null; probeFeatures: readonly number[];
  },
): string[] {
  const out: string[] = [];
  const { probeFeatures } = s;
  if (s.stopped) out.push(s.stopped.message);
  const f = (v: number, d = 3) => v.toPrecision(d);
  const flow = s.slope?.flowExponent;
  if (s.slope && (flow === null || flow === undefined || Math.abs(flow + 1 / 3) > PRE_ASYMPTOTIC_TOLERANCE)) {
    const a = indicatorThreshold(P.dim);
    out.push(`Pre-asymptotic: gradient descent on the exact population loss (the deterministic path this run fluctuates around) ` +
      (flow === null || flow === undefined ? 'does not move measurably' : `has slope ${f(flow)}`) + ` over iterations ${s.slope.fitFrom}–${s.slope.fitTo}, not −1/3; ` +
      `compare the fitted slope with that. −1/3 holds once w³ ≫ w₀³ and the ramp width 1/w ≪ a (here w = ${f(s.w)}, 1/w = ${f(1 / s.w)}, a = ${a}; ` +
      `κ = ${f(s.kappa)} for d = ${P.dim} sets the speed, w³ ≈ w₀³ + 3κηk/(p+1)): run longer or raise η.`);
  }
  if (P.dim > 1) {
    const shift = P.dim * 4 ** (-P.level - 1);
    if (shift * s.w > 0.05) {
      out.push(`Level ${P.level} is coarse for w = ${f(s.w)}: the squaring moves the feature by up to ${shift.toPrecision(3)}, ${f(100 * shift * s.w, 2)} % of the ramp width 1/w, ` +
        'so the network\'s loss (evalLoss, fitted as evalSlope) departs from the ideal model\'s (loss, fitted as slope). Raise the level.');
    }
  }
  const onRamp = P.evalPoints * s.kappa / s.w;
  if (onRamp < 100) {
    out.push(`evalLoss rests on about ${f(onRamp, 2)} of the ${P.evalPoints} evaluation points (those on the ramp, ≈ evalPoints·κ/w): it is Monte Carlo noise here; raise evalPoints.`);
  }
  if (s.setFeature && s.setTarget) {
    // the fixed set's loss is 0 once w ≥ w* = 1/(φ − a) of its outside point nearest the threshold; that
    // point's gradient 2(1 − z)(φ − a) vanishes as w → w*, so GD creeps up to w* and w stays bounded
    let gap = Infinity;
    for (let m = 0; m < s.setFeature.length; m++) if (s.setTarget[m] === 0 && s.setFeature[m] > s.a) gap = Math.min(gap, s.setFeature[m] - s.a);
    const wStar = 1 / gap;
    const stuck = probeFeatures.filter((phi) => phi > s.a && 1 / (phi - s.a) > wStar);
    if (Number.isFinite(wStar) && (s.w >= wStar / 2 || stuck.length > 0)) {
      out.push(`Fixed training set of ${P.trainingSetSize} points: its loss is 0 once w ≥ w* = ${f(wStar, 4)} (1/(φ − a) of the outside point nearest the threshold), ` +
        `and the gradient vanishes as w approaches w* (now w = ${f(s.w, 4)}), so w stays bounded and the loss stops decaying like k^(−1/3)` +
        (stuck.length ? `; ${stuck.length} probe${stuck.length === 1 ? '' : 's'} beyond w* never reach error 0` : '') +
        '. This is the true behaviour of GD on a fixed set; every probe converges with fresh samples (no trainingSetSize).');
    }
  }
  return out;
}

function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

function functionView(w: number, w0: number, dim: number, level: number, G: number): IndicatorFunctionView {
  const a = indicatorThreshold(dim);
  const xs = linspace(-1, 1, G);
  if (dim === 2) {
    const learned: number[] = [], target: number[] = [];
    const x = new Float64Array(2);
    for (let i2 = 0; i2 < G; i2++) {
      for (let i1 = 0; i1 < G; i1++) {
        x[0] = xs[i1]; x[1] = xs[i2];
        learned.push(rampOutput(w, indicatorFeature(x, 0, 2, level), a));
        target.push(x[0] * x[0] + x[1] * x[1] <= 0.25 ? 1 : 0);
      }
    }
    return { kind: 'heatmap', xs, learned, target };
  }
  const x = new Float64Array(dim);
  const learned: number[] = [], initial: number[] = [], target: number[] = [];
  for (const t of xs) {
    x[0] = t;
    const phi = indicatorFeature(x, 0, dim, level);
    learned.push(rampOutput(w, phi, a));
    initial.push(rampOutput(w0, phi, a));
    target.push(Math.abs(t) <= 0.5 ? 1 : 0);
  }
  return { kind: 'curve', axis: dim === 1 ? 'x' : 'x₁ (other coordinates 0)', xs, learned, initial, target };
}
