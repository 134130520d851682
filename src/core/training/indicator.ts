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
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { Rng } from '../rng';
import type {
  IndicatorFunctionView, IndicatorParams, IndicatorProbe, IndicatorResult, IndicatorSlope,
} from '../../shared/analyses/training';
import { fitPowerLaw, gaussLegendre01, logSpacedIterations } from './fit';

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

/** Γ(d/2) for a positive integer d. */
function gammaHalf(d: number): number {
  let g = d % 2 === 0 ? 1 : Math.sqrt(Math.PI); // Γ(1) or Γ(½)
  for (let k = d % 2 === 0 ? 1 : 0.5; k < d / 2 - 1e-9; k++) g *= k;
  return g;
}

/** Density of the exact feature at r: 1 on [0,1] for |x| (d = 1); π^(d/2)/(Γ(d/2)·2^d)·r^(d/2−1) for |x|² with r ≤ 1. */
export function featureDensity(dim: number, r: number): number {
  if (dim === 1) return r >= 0 && r <= 1 ? 1 : 0;
  return (Math.PI ** (dim / 2) / (gammaHalf(dim) * 2 ** dim)) * r ** (dim / 2 - 1);
}

/** κ = density of the exact feature at the threshold: 1 (d = 1), π/4 (d = 2), π/8 (d = 3), … */
export function indicatorKappa(dim: number): number {
  return featureDensity(dim, indicatorThreshold(dim));
}

const GL = gaussLegendre01(64);

/**
 * ∫₀¹ (1 − u)^q h(u) du for smooth h and q ≥ 0 by 64-point Gauss–Legendre after 1 − u = s², which turns
 * the endpoint factor into s^(2q+1) (smooth for half-integer q; error O(n^(−4q−4)) otherwise, against
 * O(n^(−2q−2)) without the substitution).
 */
function endpointWeightedIntegral(q: number, h: (u: number) => number): number {
  let s = 0;
  for (let i = 0; i < GL.nodes.length; i++) {
    const t = GL.nodes[i];
    s += GL.weights[i] * 2 * t ** (2 * q + 1) * h(1 - t * t);
  }
  return s;
}

function checkLossArgs(w: number, dim: number, p: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be an integer ≥ 1, got ${dim}`);
  if (!(p >= 1)) throw new RangeError(`lossPower must be ≥ 1, got ${p}`);
  if (!(w > 0)) throw new RangeError(`w must be > 0, got ${w}`);
}

/**
 * Exact population loss E|f_w(x) − f(x)|^p, x ~ U[−1,1]^d, of the ramp on the exact feature
 * (|x| for d = 1, |x|² for d > 1). d = 1: (1 − v^(p+1))/((p+1)w) with v = max(0, 1 − w/2) — this is the
 * network's own loss since its feature is exact. d > 1: 64-point Gauss–Legendre (after 1 − u = s²) of
 * (1/w)∫₀¹(1−u)^p ρ(a + u/w) du, valid for w ≥ 4/3 (ramp inside r ≤ 1, where ρ has the closed form);
 * NaN below that.
 */
export function indicatorPopulationLoss(w: number, dim: number, p = 2): number {
  checkLossArgs(w, dim, p);
  if (dim === 1) {
    const v = Math.max(0, 1 - w / 2);
    return (1 - v ** (p + 1)) / ((p + 1) * w);
  }
  const a = indicatorThreshold(dim);
  if (a + 1 / w > 1) return NaN;
  return endpointWeightedIntegral(p, (u) => featureDensity(dim, a + u / w)) / w;
}

/**
 * −dL/dw of indicatorPopulationLoss: ∫ p(1 − w(r−a))^(p−1)(r−a)ρ(r) dr over the ramp. d = 1 closed form
 * (1/w²)[(1 − v^p) − p(1 − v^(p+1))/(p+1)]; d > 1 Gauss–Legendre of (1/w²)∫₀¹ p(1−u)^(p−1)u ρ(a+u/w) du.
 */
export function indicatorPopulationDescent(w: number, dim: number, p = 2): number {
  checkLossArgs(w, dim, p);
  if (dim === 1) {
    const v = Math.max(0, 1 - w / 2);
    return ((1 - v ** p) - (p * (1 - v ** (p + 1))) / (p + 1)) / (w * w);
  }
  const a = indicatorThreshold(dim);
  if (a + 1 / w > 1) return NaN;
  return (p * endpointWeightedIntegral(p - 1, (u) => u * featureDensity(dim, a + u / w))) / (w * w);
}

type ResolvedIndicatorParams = IndicatorResult['params'];

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${x}`);
  return x;
}

function resolveParams(p: IndicatorParams): ResolvedIndicatorParams & { probes: number[][] } {
  const dim = positiveInt('dim', p.dim, 1);
  const level = positiveInt('level', p.level, 10, 0);
  if (level > 26) throw new RangeError(`level must be ≤ 26 (4^(−N−1) is below float64 resolution beyond), got ${level}`);
  const iterations = positiveInt('iterations', p.iterations, 10000);
  const batch = positiveInt('batch', p.batch, 32);
  const learningRate = p.learningRate ?? 1;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new RangeError(`learningRate must be a finite number > 0, got ${learningRate}`);
  const seed = p.seed ?? 1;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const initialW = p.initialW ?? 2;
  const minW = dim === 1 ? 0 : 4 / 3;
  if (!(initialW > minW) && !(dim > 1 && initialW === minW)) {
    throw new RangeError(dim === 1
      ? `initialW must be > 0, got ${initialW}`
      : `initialW must be ≥ 4/3 for dim > 1 (the ramp must stay inside |x|² ≤ 1), got ${initialW}`);
  }
  const lossPower = p.lossPower ?? 2;
  if (!(lossPower >= 1) || !Number.isFinite(lossPower)) throw new RangeError(`lossPower must be a finite number ≥ 1, got ${lossPower}`);
  const mode = p.mode ?? 'sgd';
  if (mode !== 'sgd' && mode !== 'expected') throw new TypeError(`mode must be 'sgd' or 'expected', got '${String(mode)}'`);
  let trainingSetSize: number | null = null;
  if (p.trainingSetSize !== undefined) {
    trainingSetSize = positiveInt('trainingSetSize', p.trainingSetSize, 1);
    if (batch > trainingSetSize) throw new RangeError(`batch (${batch}) must be ≤ trainingSetSize (${trainingSetSize})`);
  }
  const records = positiveInt('records', p.records, 200, 2);
  const evalPoints = positiveInt('evalPoints', p.evalPoints, 20000);
  const gridSize = positiveInt('gridSize', p.gridSize, dim === 2 ? 81 : 201, 2);
  const fitFrom = positiveInt('fitFrom', p.fitFrom, Math.max(1, Math.ceil(iterations / 10)));
  if (fitFrom > iterations) throw new RangeError(`fitFrom (${fitFrom}) must be ≤ iterations (${iterations})`);
  const probes = (p.probes ?? DEFAULT_PROBE_T.map((t) => [t, ...new Array<number>(dim - 1).fill(0)])).map((x, i) => {
    if (x.length !== dim) throw new RangeError(`probe ${i} has ${x.length} coordinates, expected dim = ${dim}`);
    for (const c of x) if (!(c >= -1 && c <= 1)) throw new RangeError(`probe ${i} coordinate ${c} is outside [−1, 1]`);
    return Array.from(x);
  });
  return { dim, level, iterations, batch, learningRate, seed, initialW, lossPower, mode, trainingSetSize, records, evalPoints, gridSize, fitFrom, probes };
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
 */
export function trainIndicator(
  params: IndicatorParams = {},
  ctx: AnalysisContext = silentContext,
  options: TrainingRunOptions<IndicatorResult> = {},
): IndicatorResult {
  const P = resolveParams(params);
  const { dim, level, iterations: K, batch: B, learningRate: eta, lossPower: pw, initialW: w0 } = P;
  const a = indicatorThreshold(dim);
  const kappa = indicatorKappa(dim);
  const l2 = pw === 2;

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
  const record = (k: number, w: number): void => {
    iters.push(k);
    wRec.push(w);
    loss.push(indicatorPopulationLoss(w, dim, pw));
    evalLoss.push(evalLossAt(w));
    for (let j = 0; j < probeFeature.length; j++) probeErrors[j].push(Math.abs(rampOutput(w, probeFeature[j], a) - probeTarget[j]));
  };

  const build = (w: number, completed: number): IndicatorResult => {
    let slope: IndicatorSlope | null = null;
    const fx: number[] = [], fy: number[] = [];
    for (let i = 0; i < iters.length; i++) if (iters[i] >= P.fitFrom) { fx.push(iters[i]); fy.push(loss[i]); }
    if (fx.length >= 3) {
      const fit = fitPowerLaw(fx, fy);
      if (fit) slope = { ...fit, fitFrom: P.fitFrom, fitTo: completed, expected: -1 / 3 };
    }
    const thW = iters.map((k) => Math.cbrt(w0 ** 3 + (3 * kappa * eta * k) / (pw + 1)));
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
        ? 'loss: exact population loss of the network (closed form; its |x| feature is exact). evalLoss: the same on a fixed set of ' + M + ' uniform points.'
        : 'loss: exact population loss of the ramp on the exact |x|² (64-point Gauss–Legendre); the level-N squaring moves the feature by at most ' +
          (dim * 4 ** (-level - 1)).toExponential(2) + '. evalLoss: the actual network (with the level-N squaring) on a fixed set of ' + M + ' uniform points.',
      params: { ...rest, trainingSetSize },
      feature: { kind: dim === 1 ? 'abs' : 'sawtooth-square', threshold: a, maxError: dim === 1 ? 0 : dim * 4 ** (-level - 1) },
      iterations: iters.slice(),
      loss: loss.slice(),
      evalLoss: evalLoss.slice(),
      w: wRec.slice(),
      slope,
      theory: { kappa, w: thW, loss: thW.map((v) => kappa / ((pw + 1) * v)) },
      probes,
      functionView: functionView(w, w0, dim, level, P.gridSize),
      completedIterations: completed,
      done: completed === K,
    };
  };

  let w = w0;
  record(0, w);
  let nextRecord = 1;
  trackZeros(w, 0);
  const chunk = Math.max(1, Math.ceil(K / 100));
  const n = P.trainingSetSize ?? 0;
  for (let k = 1; k <= K; k++) {
    let descent: number;
    if (P.mode === 'expected') {
      descent = indicatorPopulationDescent(w, dim, pw);
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
    w += eta * descent;
    trackZeros(w, k);
    if (k === recordIters[nextRecord]) { record(k, w); nextRecord++; }
    if (k % chunk === 0 || k === K) {
      checkpoint(ctx, k / K, `iteration ${k}/${K}`);
      if (options.onPartial && k < K) options.onPartial(build(w, k));
    }
  }
  return build(w, K);
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
