/**
 * MATH.md §E: the mean-field limit of a two-hidden-layer network under online SGD
 * (Sirignano & Spiliopoulos, arXiv 1903.04440).
 *
 *   g(x) = (1/N2) Σ_i C^i σ(Z^i(x)),   Z^i(x) = (1/N1) Σ_j W2^{j,i} σ(W1^j · x)
 *
 * One SGD step on ½(y − g(x))² with a fresh sample (e = y − g, H1^j = σ(W1^j·x), H2^i = σ(Z^i)):
 *   C^i      += (α_C/N2)       e H2^i
 *   W2^{j,i} += (α_2/(N1 N2))  e C^i σ'(Z^i) H1^j
 *   W1^j     += (α_1/(N1 N2))  e [Σ_i C^i σ'(Z^i) W2^{j,i}] σ'(W1^j·x) x
 * with α_C = c_C·N2/N1, α_2 = c_2·N2, α_1 = c_1 (c_* = O(1) multipliers, default 1). Each of these is
 * exactly α times the gradient of ½(y − g)², and each moves its parameter by O(1/N1) per step:
 * C: (N2/N1)/N2 = 1/N1; W2: N2/(N1N2) = 1/N1; W1: (1/(N1N2))·(a sum of N2 terms of O(1)) = O(1/N1).
 * So N1·t steps move every parameter, and hence g, by O(t): t = k/N1 is the clock of the limit.
 *
 * The inner loop is two passes over the N1×N2 matrix W2 (row-major [j][i]): the forward pass for Z,
 * then one fused pass that accumulates Σ_i W2^{j,i}·δ_i (old W2) and updates W2 in place.
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { hash32, Rng } from '../rng';
import type {
  MeanFieldActivation, MeanFieldParams, MeanFieldResult, MeanFieldWidthResult,
} from '../../shared/analyses/training';
import { fitPowerLaw, meanSd } from './fit';
import type { TrainingRunOptions } from './indicator';

export const MEAN_FIELD_CONSTRUCTION =
  'Two hidden layers with 1/N averages (MATH.md §E, Sirignano & Spiliopoulos): g(x) = (1/N2) Σ_i C^i σ(Z^i), ' +
  'Z^i = (1/N1) Σ_j W2^{j,i} σ(W1^j·x), online SGD on ½(y − g)² with one fresh sample per step and learning rates ' +
  'α_C = c_C·N2/N1, α_2 = c_2·N2, α_1 = c_1, so every parameter moves O(1/N1) per step and t = k/N1 is the clock [derived]. ' +
  'Data: x ~ U[−1,1] with a constant coordinate 1 appended, y = sin(πx); initial parameters iid uniform. ' +
  'The spread is the across-seed sd of g_t(x) (init and data both vary with the seed); the limit theorem predicts it vanishes, ' +
  'and the central-limit heuristic gives ~N^(−1/2).';

/**
 * Default O(1) multiplier of all three §E learning rates. Scaling every rate by c runs the limit
 * dynamics c times faster in t; with c = 4 the loss of the default task falls from 0.25 to ≈ 0.05 by
 * t ≈ 5, so the default T = 5 (5·N1 steps per run) shows the whole transition in seconds.
 */
export const DEFAULT_RATE = 4;

/** Input dimension of the default task: (x, 1). */
const IN_DIM = 2;

/** σ and σ' of the hidden layers. σ' is written in terms of σ(u) to avoid a second transcendental. */
interface Act {
  f(u: number): number;
  /** σ'(u) given s = σ(u) */
  dFromValue(s: number): number;
}

const ACTIVATIONS: Record<MeanFieldActivation, Act> = {
  tanh: { f: Math.tanh, dFromValue: (s) => 1 - s * s },
  sigmoid: { f: (u) => 1 / (1 + Math.exp(-u)), dFromValue: (s) => s * (1 - s) },
};

/**
 * One network of §E with its flat parameter arrays and reusable buffers (no allocation per step).
 * Public fields so tests can read/perturb parameters; `step` is the tight SGD inner loop.
 */
export class MeanFieldNet {
  /** W1^j · x weights, row-major [j][input] (N1 × inDim) */
  readonly w1: Float64Array;
  /** W2^{j,i}, row-major [j][i] (N1 × N2) */
  readonly w2: Float64Array;
  /** C^i (N2) */
  readonly c: Float64Array;
  /** the §E learning rates α_C, α_2, α_1 (multipliers included) */
  readonly alphaC: number;
  readonly alpha2: number;
  readonly alpha1: number;
  private readonly act: Act;
  private readonly h1: Float64Array;
  private readonly z: Float64Array;
  private readonly h2: Float64Array;
  private readonly delta: Float64Array;

  constructor(
    readonly n1: number,
    readonly n2: number,
    readonly inDim: number,
    rng: Rng,
    options: { activation?: MeanFieldActivation; initRange?: number; learningRates?: { C?: number; W2?: number; W1?: number } } = {},
  ) {
    if (!Number.isInteger(n1) || n1 < 1) throw new RangeError(`N1 must be an integer ≥ 1, got ${n1}`);
    if (!Number.isInteger(n2) || n2 < 1) throw new RangeError(`N2 must be an integer ≥ 1, got ${n2}`);
    const act = ACTIVATIONS[options.activation ?? 'tanh'];
    if (!act) throw new TypeError(`activation must be 'tanh' or 'sigmoid', got '${String(options.activation)}'`);
    this.act = act;
    const r = options.initRange ?? 1;
    this.w1 = rng.fillUniform(new Float64Array(n1 * inDim), -r, r);
    this.w2 = rng.fillUniform(new Float64Array(n1 * n2), -r, r);
    this.c = rng.fillUniform(new Float64Array(n2), -r, r);
    const lr = options.learningRates ?? {};
    this.alphaC = (lr.C ?? 1) * (n2 / n1);
    this.alpha2 = (lr.W2 ?? 1) * n2;
    this.alpha1 = lr.W1 ?? 1;
    this.h1 = new Float64Array(n1);
    this.z = new Float64Array(n2);
    this.h2 = new Float64Array(n2);
    this.delta = new Float64Array(n2);
  }

  /** g(x); leaves the hidden activations of x in the buffers. */
  output(x: ArrayLike<number>): number {
    const { n1, n2, inDim, w1, w2, c, h1, z, h2, act } = this;
    for (let j = 0; j < n1; j++) {
      let u = 0;
      const o = j * inDim;
      for (let m = 0; m < inDim; m++) u += w1[o + m] * x[m];
      h1[j] = act.f(u);
    }
    z.fill(0);
    for (let j = 0; j < n1; j++) {
      const hj = h1[j];
      const o = j * n2;
      for (let i = 0; i < n2; i++) z[i] += w2[o + i] * hj;
    }
    let g = 0;
    const inv1 = 1 / n1;
    for (let i = 0; i < n2; i++) {
      z[i] *= inv1;
      h2[i] = act.f(z[i]);
      g += c[i] * h2[i];
    }
    return g / n2;
  }

  /** ½(y − g(x))² */
  loss(x: ArrayLike<number>, y: number): number {
    const e = y - this.output(x);
    return 0.5 * e * e;
  }

  /** One online SGD step on (x, y) with the §E update rules; returns the residual e = y − g(x) before the step. */
  step(x: ArrayLike<number>, y: number): number {
    const { n1, n2, inDim, w1, w2, c, h1, h2, delta, act } = this;
    const e = y - this.output(x);
    // δ_i = C^i σ'(Z^i) with the old C; then C^i += (α_C/N2) e H2^i
    const cStep = (this.alphaC / n2) * e;
    for (let i = 0; i < n2; i++) {
      delta[i] = c[i] * act.dFromValue(h2[i]);
      c[i] += cStep * h2[i];
    }
    const w2Scale = (this.alpha2 / (n1 * n2)) * e;
    const w1Scale = (this.alpha1 / (n1 * n2)) * e;
    for (let j = 0; j < n1; j++) {
      const o = j * n2;
      const coef = w2Scale * h1[j];
      let back = 0;
      for (let i = 0; i < n2; i++) {
        const wji = w2[o + i];
        back += wji * delta[i];
        w2[o + i] = wji + coef * delta[i];
      }
      const g1 = w1Scale * back * act.dFromValue(h1[j]);
      const p = j * inDim;
      for (let m = 0; m < inDim; m++) w1[p + m] += g1 * x[m];
    }
    return e;
  }

  /**
   * `count` online SGD steps on samples drawn by `sample` (it fills x and returns y). Same arithmetic,
   * in the same order, as `count` calls of `step`, so the result is bit-for-bit identical; but the
   * forward pass of the next sample is fused into the update pass: once row j of W2 and W1^j are
   * updated, H1^j of the next sample is known and row j (still in L1 cache) is added into its Z.
   * One sweep of W2 from memory per step instead of two.
   */
  train(count: number, x: Float64Array, sample: (x: Float64Array) => number): void {
    if (count <= 0) return;
    const { n1, n2, inDim, w1, w2, c, h1, z, h2, delta, act } = this;
    const inv1 = 1 / n1;
    let y = sample(x);
    let gOut = this.output(x);
    const xNext = new Float64Array(inDim);
    for (let k = 0; k < count; k++) {
      const last = k === count - 1;
      const yNext = last ? 0 : sample(xNext);
      const e = y - gOut;
      const cStep = (this.alphaC / n2) * e;
      for (let i = 0; i < n2; i++) {
        delta[i] = c[i] * act.dFromValue(h2[i]);
        c[i] += cStep * h2[i];
        z[i] = 0;
      }
      const w2Scale = (this.alpha2 / (n1 * n2)) * e;
      const w1Scale = (this.alpha1 / (n1 * n2)) * e;
      for (let j = 0; j < n1; j++) {
        const o = j * n2;
        const coef = w2Scale * h1[j];
        let back = 0;
        for (let i = 0; i < n2; i++) {
          const wji = w2[o + i];
          back += wji * delta[i];
          w2[o + i] = wji + coef * delta[i];
        }
        const g1 = w1Scale * back * act.dFromValue(h1[j]);
        const p = j * inDim;
        let u = 0;
        for (let m = 0; m < inDim; m++) {
          w1[p + m] += g1 * x[m];
          u += w1[p + m] * xNext[m];
        }
        if (last) continue;
        const hj = act.f(u);
        h1[j] = hj;
        for (let i = 0; i < n2; i++) z[i] += w2[o + i] * hj;
      }
      if (last) break;
      let g = 0;
      for (let i = 0; i < n2; i++) {
        z[i] *= inv1;
        h2[i] = act.f(z[i]);
        g += c[i] * h2[i];
      }
      gOut = g / n2;
      x.set(xNext);
      y = yNext;
    }
  }

  /**
   * Gradient of ½(y − g(x))² with respect to (C, W2, W1) at the current parameters — the plain
   * formula, allocation per call; for tests (the SGD step fuses the same expressions).
   */
  gradient(x: ArrayLike<number>, y: number): { c: Float64Array; w2: Float64Array; w1: Float64Array } {
    const { n1, n2, inDim, w2, c, h1, h2, act } = this;
    const e = y - this.output(x);
    const gc = new Float64Array(n2), gw2 = new Float64Array(n1 * n2), gw1 = new Float64Array(n1 * inDim);
    for (let i = 0; i < n2; i++) gc[i] = (-e * h2[i]) / n2;
    for (let j = 0; j < n1; j++) {
      let back = 0;
      for (let i = 0; i < n2; i++) {
        const d = c[i] * act.dFromValue(h2[i]);
        gw2[j * n2 + i] = (-e * d * h1[j]) / (n1 * n2);
        back += d * w2[j * n2 + i];
      }
      for (let m = 0; m < inDim; m++) gw1[j * inDim + m] = (-e * back * act.dFromValue(h1[j]) * x[m]) / (n1 * n2);
    }
    return { c: gc, w2: gw2, w1: gw1 };
  }
}

type ResolvedMeanFieldParams = MeanFieldResult['params'];

function resolveParams(p: MeanFieldParams): ResolvedMeanFieldParams {
  const widths = Array.from(p.widths ?? [25, 50, 100, 200]);
  if (widths.length === 0) throw new RangeError('widths must list at least one width');
  for (const N of widths) if (!Number.isInteger(N) || N < 1) throw new RangeError(`every width must be an integer ≥ 1, got ${N}`);
  const n1PerN2 = p.n1PerN2 ?? 1;
  if (!(n1PerN2 >= 1) || !Number.isFinite(n1PerN2)) throw new RangeError(`n1PerN2 must be a finite number ≥ 1, got ${n1PerN2}`);
  const seeds = p.seeds ?? 8;
  if (!Number.isInteger(seeds) || seeds < 2) throw new RangeError(`seeds must be an integer ≥ 2 (the spread needs two runs), got ${seeds}`);
  const T = p.T ?? 5;
  if (!(T > 0) || !Number.isFinite(T)) throw new RangeError(`T must be a finite number > 0, got ${T}`);
  const probes = Array.from(p.probes ?? [-0.5, 0.25, 0.75]);
  if (probes.length === 0) throw new RangeError('probes must list at least one point');
  for (const x of probes) if (!(x >= -1 && x <= 1)) throw new RangeError(`probe ${x} is outside [−1, 1]`);
  const seed = p.seed ?? 1;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const activation = p.activation ?? 'tanh';
  if (!(activation in ACTIVATIONS)) throw new TypeError(`activation must be 'tanh' or 'sigmoid', got '${String(activation)}'`);
  const lr = { C: p.learningRates?.C ?? DEFAULT_RATE, W2: p.learningRates?.W2 ?? DEFAULT_RATE, W1: p.learningRates?.W1 ?? DEFAULT_RATE };
  for (const [k, v] of Object.entries(lr)) if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`learningRates.${k} must be a finite number ≥ 0, got ${v}`);
  const initRange = p.initRange ?? 1;
  if (!(initRange > 0) || !Number.isFinite(initRange)) throw new RangeError(`initRange must be a finite number > 0, got ${initRange}`);
  const records = p.records ?? 20;
  if (!Number.isInteger(records) || records < 1) throw new RangeError(`records must be an integer ≥ 1, got ${records}`);
  const lossGrid = p.lossGrid ?? 21;
  if (!Number.isInteger(lossGrid) || lossGrid < 1) throw new RangeError(`lossGrid must be an integer ≥ 1, got ${lossGrid}`);
  return { widths, n1PerN2, seeds, T, probes, seed, activation, learningRates: lr, initRange, records, lossGrid };
}

/** The regression target of the default task. */
export function meanFieldTarget(x: number): number {
  return Math.sin(Math.PI * x);
}

/** One run (one width, one seed): g_t at the probes [probe][time] and the grid loss [time]. */
export interface MeanFieldRun {
  readonly t: number[];
  readonly g: number[][];
  readonly loss: number[];
}

/**
 * Train one network of width (N1, N2) for N1·T steps and record g_t(x) at the probes and the grid
 * loss at t = m·T/records. `initRng` draws the parameters, `dataRng` the samples.
 */
export function runMeanField(
  N1: number, N2: number, P: ResolvedMeanFieldParams, initRng: Rng, dataRng: Rng,
  ctx: AnalysisContext = silentContext, progress: (f: number) => number = (f) => f,
): MeanFieldRun {
  const net = new MeanFieldNet(N1, N2, IN_DIM, initRng, { activation: P.activation, initRange: P.initRange, learningRates: P.learningRates });
  const x = new Float64Array([0, 1]);
  const gridX = Array.from({ length: P.lossGrid }, (_, m) => -1 + (2 * m + 1) / P.lossGrid);
  const gridY = gridX.map(meanFieldTarget);
  const t: number[] = [], loss: number[] = [];
  const g: number[][] = P.probes.map(() => []);
  const record = (k: number): void => {
    t.push(k / N1);
    for (let q = 0; q < P.probes.length; q++) { x[0] = P.probes[q]; g[q].push(net.output(x)); }
    let s = 0;
    for (let m = 0; m < gridX.length; m++) { x[0] = gridX[m]; s += net.loss(x, gridY[m]); }
    loss.push(s / gridX.length);
  };
  const totalSteps = Math.round(P.T * N1);
  const sample = (buf: Float64Array): number => {
    const xi = dataRng.uniformIn(-1, 1);
    buf[0] = xi;
    buf[1] = 1;
    return meanFieldTarget(xi);
  };
  record(0);
  let k = 0;
  for (let m = 1; m <= P.records; m++) {
    const until = Math.round((m * P.T * N1) / P.records);
    net.train(until - k, x, sample);
    k = until;
    record(k);
    checkpoint(ctx, progress(k / totalSteps), `N1 = ${N1}: t = ${(k / N1).toFixed(2)}`);
  }
  return { t, g, loss };
}

/**
 * For each width N and each of `seeds` seeds, train §E's network and summarise the across-seed mean
 * and sd of g_t(x) at the probes and of the loss, then fit spread(N) ~ N^exponent. Deterministic for
 * a given base seed. `onPartial` receives the result after each finished width.
 */
export function meanFieldLimit(
  params: MeanFieldParams = {},
  ctx: AnalysisContext = silentContext,
  options: TrainingRunOptions<MeanFieldResult> = {},
): MeanFieldResult {
  const P = resolveParams(params);
  // progress weights: a run costs ~ N1·T·N1·N2
  const dims = P.widths.map((N) => ({ N, N1: N, N2: Math.max(1, Math.round(N / P.n1PerN2)) }));
  const costs = dims.map((d) => d.N1 * d.N1 * d.N2 * P.seeds);
  const totalCost = costs.reduce((s, c) => s + c, 0);
  let doneCost = 0;
  const widths: MeanFieldWidthResult[] = [];
  const build = (done: boolean): MeanFieldResult => {
    const fit = widths.length >= 2 ? fitPowerLaw(widths.map((w) => w.N), widths.map((w) => w.spread)) : null;
    return {
      construction: MEAN_FIELD_CONSTRUCTION,
      params: P,
      probes: P.probes.map((x) => ({ x, target: meanFieldTarget(x) })),
      widths: widths.slice(),
      spreadExponent: fit ? { ...fit, expected: -0.5 } : null,
      done,
    };
  };
  for (let wi = 0; wi < dims.length; wi++) {
    const { N, N1, N2 } = dims[wi];
    const runs: MeanFieldRun[] = [];
    const stream = hash32(P.seed >>> 0, N);
    for (let s = 0; s < P.seeds; s++) {
      const base = doneCost + (costs[wi] * s) / P.seeds;
      const share = costs[wi] / P.seeds;
      runs.push(runMeanField(N1, N2, P, Rng.derive(stream, 2 * s), Rng.derive(stream, 2 * s + 1), ctx,
        (f) => (base + f * share) / totalCost));
    }
    doneCost += costs[wi];
    const t = runs[0].t;
    const mean: number[][] = [], sd: number[][] = [];
    let spreadSq = 0, spreadCount = 0;
    const col = new Float64Array(P.seeds);
    for (let q = 0; q < P.probes.length; q++) {
      const mq: number[] = [], sq: number[] = [];
      for (let m = 0; m < t.length; m++) {
        for (let s = 0; s < P.seeds; s++) col[s] = runs[s].g[q][m];
        const r = meanSd(col);
        mq.push(r.mean); sq.push(r.sd);
        if (t[m] >= P.T / 2) { spreadSq += r.sd * r.sd; spreadCount++; }
      }
      mean.push(mq); sd.push(sq);
    }
    const lossMean: number[] = [], lossSd: number[] = [];
    for (let m = 0; m < t.length; m++) {
      for (let s = 0; s < P.seeds; s++) col[s] = runs[s].loss[m];
      const r = meanSd(col);
      lossMean.push(r.mean); lossSd.push(r.sd);
    }
    widths.push({ N, N1, N2, seeds: P.seeds, t, mean, sd, loss: { mean: lossMean, sd: lossSd }, spread: Math.sqrt(spreadSq / spreadCount) });
    if (options.onPartial && wi < dims.length - 1) options.onPartial(build(false));
  }
  return build(true);
}
