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
 * The SGD loop sweeps the N1×N2 matrix W2 (row-major [j][i]) once per step, four rows at a time: it
 * accumulates Σ_i W2^{j,i}·δ_i (old W2), updates the rows, and adds them into the next sample's Z.
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { hash32, Rng } from '../rng';
import type {
  MeanFieldActivation, MeanFieldParams, MeanFieldResult, MeanFieldWidthResult,
} from '../../shared/analyses/training';
import { fitPowerLaw, meanSd } from './fit';
import { WasmKernels } from '../kernels/wasm';
import { dotScalar } from '../linalg/products';
import {
  budgetParam, checkWork, choiceParam, integerParam, listLimit, numberParam, seedParam, TRAINING_LIMITS, TrainingParamError,
} from './params';
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

export const MEAN_FIELD_ACTIVATIONS: readonly MeanFieldActivation[] = ['tanh', 'sigmoid'];

const ACTIVATIONS: Record<MeanFieldActivation, Act> = {
  tanh: { f: Math.tanh, dFromValue: (s) => 1 - s * s },
  sigmoid: { f: (u) => 1 / (1 + Math.exp(-u)), dFromValue: (s) => s * (1 - s) },
};

/** Rows of W2 handled together by the SGD kernel (see MeanFieldNet.update). */
const ROW_BLOCK = 4;

/**
 * One network of §E with its flat parameter arrays and reusable buffers (no allocation per step).
 * Public fields so tests can read/perturb parameters; `train` is the tight SGD loop.
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
  /**
   * The WebAssembly kernels whose memory holds W2, δ, Z and the two small buffers below (undefined:
   * the scalar loops, with the same bits). Owned: `dispose` hands them back.
   */
  private kernels: WasmKernels | undefined;
  /** the two passes over a block of W2 on those kernels */
  private passes: ReturnType<WasmKernels['sgdPasses']> | undefined;
  /** a block's [c_a..c_d, n_a..n_d] for `passes.rows4` */
  private readonly coef: Float64Array;
  /** a block's four back sums from `passes.dots4` */
  private readonly back4: Float64Array;

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
    // W2 and the vectors its two passes read live in WebAssembly memory when the kernels run
    const kernels = WasmKernels.acquire();
    const views = kernels?.arrays([n1 * n2, n2, n2, 8, 4]);
    if (views) {
      this.kernels = kernels;
      [this.w2, this.delta, this.z, this.coef, this.back4] = views;
      this.passes = kernels!.sgdPasses(this.w2, n1, n2, this.delta, this.z, this.coef, this.back4);
    } else {
      kernels?.release();
      [this.w2, this.delta, this.z, this.coef, this.back4] = [n1 * n2, n2, n2, 8, 4].map((count) => new Float64Array(count));
    }
    rng.fillUniform(this.w2, -r, r);
    this.c = rng.fillUniform(new Float64Array(n2), -r, r);
    const lr = options.learningRates ?? {};
    this.alphaC = (lr.C ?? 1) * (n2 / n1);
    this.alpha2 = (lr.W2 ?? 1) * n2;
    this.alpha1 = lr.W1 ?? 1;
    this.h1 = new Float64Array(n1);
    this.h2 = new Float64Array(n2);
  }

  /** true when the SGD step runs on the WebAssembly SIMD kernels (false: the scalar loops, same bits) */
  get onKernels(): boolean {
    return this.passes !== undefined;
  }

  /** Hands the kernels back; W2 and the buffers are not to be used afterwards. */
  dispose(): void {
    this.kernels?.release();
    this.kernels = undefined;
    this.passes = undefined;
  }

  /**
   * g(x); leaves the hidden activations of x in the buffers. Z sums the rows of W2 in blocks of
   * ROW_BLOCK exactly as `update` does, so the fused forward pass of `train` is bit-for-bit this one.
   */
  output(x: ArrayLike<number>): number {
    const { n1, n2, inDim, w1, w2, h1, z } = this;
    const f = this.act.f;
    for (let j = 0; j < n1; j++) {
      let u = 0;
      const o = j * inDim;
      for (let m = 0; m < inDim; m++) u += w1[o + m] * x[m];
      h1[j] = f(u);
    }
    z.fill(0);
    let j = 0;
    for (; j + ROW_BLOCK <= n1; j += ROW_BLOCK) {
      const oa = j * n2, ob = oa + n2, oc = ob + n2, od = oc + n2;
      const ha = h1[j], hb = h1[j + 1], hc = h1[j + 2], hd = h1[j + 3];
      for (let i = 0; i < n2; i++) z[i] += (w2[oa + i] * ha + w2[ob + i] * hb) + (w2[oc + i] * hc + w2[od + i] * hd);
    }
    for (; j < n1; j++) {
      const o = j * n2, hj = h1[j];
      for (let i = 0; i < n2; i++) z[i] += w2[o + i] * hj;
    }
    return this.finishForward();
  }

  /** Z → H2 → g (Z holds the row sums). */
  private finishForward(): number {
    const { n1, n2, c, z, h2 } = this;
    const f = this.act.f;
    const inv1 = 1 / n1;
    let g = 0;
    for (let i = 0; i < n2; i++) {
      z[i] *= inv1;
      h2[i] = f(z[i]);
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
    const e = y - this.output(x);
    this.update(x, e, x);
    return e;
  }

  /**
   * `count` online SGD steps on samples drawn by `sample` (it fills x and returns y); exactly `count`
   * samples are drawn. Same arithmetic, in the same order, as `count` calls of `step`, so the result is
   * bit-for-bit identical, but the forward pass of each next sample is fused into the update (see
   * `update`): one sweep of W2 from memory per step instead of two. `tick` (if given) is called after
   * every `every` steps with the number done: the caller's progress and cancellation point.
   */
  train(count: number, x: Float64Array, sample: (x: Float64Array) => number, tick?: { every: number; call: (done: number) => void }): void {
    if (count <= 0) return;
    const xNext = new Float64Array(this.inDim);
    let y = sample(x);
    let g = this.output(x);
    for (let k = 1; k <= count; k++) {
      if (k < count) {
        const yNext = sample(xNext);
        g = this.update(x, y - g, xNext);
        x.set(xNext);
        y = yNext;
      } else {
        this.update(x, y - g, x); // no next sample: the fused forward pass of x itself is discarded
      }
      if (tick && k % tick.every === 0) tick.call(k);
    }
  }

  /**
   * The §E update for input x with residual e, fused with the forward pass of `xNext` at the updated
   * parameters; returns g(xNext) and leaves its activations in the buffers.
   *
   * Rows of W2 go in blocks of four: one pass over the four rows accumulates Σ_i W2^{j,i}·δ_i for each
   * (old W2, four independent sums), then W1^j and H1^j(xNext) are updated, then a second pass updates
   * the four rows and adds them into Z(xNext) with one load and store of Z for four rows. The rows are
   * in L1 cache for the second pass; blocking cut the time per weight by about half (bench suite).
   * Both passes run on the WebAssembly SIMD kernels (`dots`, `sgdRows4`) when they are available, two
   * i at a time. A back sum adds even and odd i separately, then the two (dotScalar's order, which the
   * scalar path uses too); the second pass is elementwise in i. So both paths give the same bits.
   */
  private update(x: ArrayLike<number>, e: number, xNext: ArrayLike<number>): number {
    const { n1, n2, w2, c, h1, z, h2, delta, coef, back4, passes: k } = this;
    const f = this.act.f, df = this.act.dFromValue;
    // δ_i = C^i σ'(Z^i) with the old C; then C^i += (α_C/N2) e H2^i
    const cStep = (this.alphaC / n2) * e;
    for (let i = 0; i < n2; i++) {
      delta[i] = c[i] * df(h2[i]);
      c[i] += cStep * h2[i];
      z[i] = 0;
    }
    const w2Scale = (this.alpha2 / (n1 * n2)) * e;
    const w1Scale = (this.alpha1 / (n1 * n2)) * e;
    let j = 0;
    for (; j + ROW_BLOCK <= n1; j += ROW_BLOCK) {
      const oa = j * n2, ob = oa + n2, oc = ob + n2, od = oc + n2;
      let ba: number, bb: number, bc: number, bd: number;
      if (k) {
        k.dots4(j);
        ba = back4[0]; bb = back4[1]; bc = back4[2]; bd = back4[3];
      } else {
        // dotScalar's order for the four rows in one loop: even and odd i apart, then the odd n2's last
        let a0 = 0, a1 = 0, b0 = 0, b1 = 0, c0 = 0, c1 = 0, d0 = 0, d1 = 0, i = 0;
        for (; i + 1 < n2; i += 2) {
          const de = delta[i], dd = delta[i + 1];
          a0 += w2[oa + i] * de; a1 += w2[oa + i + 1] * dd;
          b0 += w2[ob + i] * de; b1 += w2[ob + i + 1] * dd;
          c0 += w2[oc + i] * de; c1 += w2[oc + i + 1] * dd;
          d0 += w2[od + i] * de; d1 += w2[od + i + 1] * dd;
        }
        ba = a0 + a1; bb = b0 + b1; bc = c0 + c1; bd = d0 + d1;
        if (i < n2) {
          const de = delta[i];
          ba += w2[oa + i] * de; bb += w2[ob + i] * de; bc += w2[oc + i] * de; bd += w2[od + i] * de;
        }
      }
      const ha = h1[j], hb = h1[j + 1], hc = h1[j + 2], hd = h1[j + 3];
      const na = this.updateW1(j, w1Scale * ba * df(ha), x, xNext, f);
      const nb = this.updateW1(j + 1, w1Scale * bb * df(hb), x, xNext, f);
      const nc = this.updateW1(j + 2, w1Scale * bc * df(hc), x, xNext, f);
      const nd = this.updateW1(j + 3, w1Scale * bd * df(hd), x, xNext, f);
      const ca = w2Scale * ha, cb = w2Scale * hb, cc = w2Scale * hc, cd = w2Scale * hd;
      if (k) {
        coef[0] = ca; coef[1] = cb; coef[2] = cc; coef[3] = cd;
        coef[4] = na; coef[5] = nb; coef[6] = nc; coef[7] = nd;
        k.rows4(j);
        continue;
      }
      for (let i = 0; i < n2; i++) {
        const d = delta[i];
        const va = w2[oa + i] + ca * d, vb = w2[ob + i] + cb * d, vc = w2[oc + i] + cc * d, vd = w2[od + i] + cd * d;
        w2[oa + i] = va; w2[ob + i] = vb; w2[oc + i] = vc; w2[od + i] = vd;
        z[i] += (va * na + vb * nb) + (vc * nc + vd * nd);
      }
    }
    for (; j < n1; j++) {
      const o = j * n2;
      const back = dotScalar(w2, j, n2, delta);
      const hj = h1[j];
      const nj = this.updateW1(j, w1Scale * back * df(hj), x, xNext, f);
      const cj = w2Scale * hj;
      for (let i = 0; i < n2; i++) {
        const v = w2[o + i] + cj * delta[i];
        w2[o + i] = v;
        z[i] += v * nj;
      }
    }
    return this.finishForward();
  }

  /** W1^j += g1·x, then H1^j = σ(W1^j·xNext) (stored and returned). */
  private updateW1(j: number, g1: number, x: ArrayLike<number>, xNext: ArrayLike<number>, f: (u: number) => number): number {
    const { w1, inDim } = this;
    const p = j * inDim;
    let u = 0;
    for (let m = 0; m < inDim; m++) {
      const v = w1[p + m] + g1 * x[m];
      w1[p + m] = v;
      u += v * xNext[m];
    }
    const h = f(u);
    this.h1[j] = h;
    return h;
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

/** Weight updates between two progress/cancellation checks: a few thousand, so Stop answers within ~10 µs of work. */
const CHECK_EVERY_WEIGHTS = 1 << 13;
/** A run whose loss exceeds this multiple of its initial loss (or is not finite) has diverged. */
const DIVERGENCE_FACTOR = 10;
/** Operations of drawing one initial parameter (for the work estimate). */
const INIT_OPS = 10;

/** N2 for width N: round(N / n1PerN2). */
function secondWidth(N: number, n1PerN2: number): number {
  return Math.round(N / n1PerN2);
}

/**
 * Defaults filled in and every rule checked (the same rules validate a network file's `training`
 * section). Throws TrainingParamError naming the parameter; refuses runs above the work budget.
 */
export function resolveMeanFieldParams(p: MeanFieldParams): ResolvedMeanFieldParams {
  const L = TRAINING_LIMITS;
  const widths = Array.from(p.widths ?? [25, 50, 100, 200]);
  if (widths.length === 0) throw new TrainingParamError('widths', 'widths must list at least one width');
  listLimit('widths', widths.length, L.maxWidths);
  widths.forEach((N, i) => {
    if (!Number.isInteger(N) || N < 1) throw new TrainingParamError(`widths.${i}`, `every width must be an integer ≥ 1, got ${N}`);
    if (N > L.maxWidth) throw new TrainingParamError(`widths.${i}`, `width ${N} is above the limit of ${L.maxWidth}`, 'size-limit');
  });
  const n1PerN2 = numberParam('n1PerN2', p.n1PerN2, 1, 1, false);
  const narrowest = Math.min(...widths);
  if (secondWidth(narrowest, n1PerN2) < 1) {
    throw new TrainingParamError('n1PerN2', `n1PerN2 = ${n1PerN2} leaves N2 = round(${narrowest}/${n1PerN2}) = 0 for width ${narrowest}; every width must be at least about n1PerN2`, 'invalid-value', ['widths']);
  }
  widths.forEach((N, i) => {
    const weights = N * secondWidth(N, n1PerN2);
    if (weights > L.maxWeights) {
      throw new TrainingParamError(`widths.${i}`, `width ${N} needs N1·N2 = ${weights} weights in W2, above the limit of ${L.maxWeights}`, 'size-limit', ['n1PerN2']);
    }
  });
  const seeds = p.seeds ?? 8;
  if (!Number.isInteger(seeds) || seeds < 2) throw new TrainingParamError('seeds', `seeds must be an integer ≥ 2 (the spread needs two runs), got ${seeds}`);
  if (seeds > L.maxSeeds) throw new TrainingParamError('seeds', `seeds is ${seeds}, above the limit of ${L.maxSeeds}`, 'size-limit');
  const T = numberParam('T', p.T, 5, 0, true);
  const probes = Array.from(p.probes ?? [-0.5, 0.25, 0.75]);
  if (probes.length === 0) throw new TrainingParamError('probes', 'probes must list at least one point');
  listLimit('probes', probes.length, L.maxProbes);
  probes.forEach((x, i) => { if (!(x >= -1 && x <= 1)) throw new TrainingParamError(`probes.${i}`, `probe ${x} is outside [−1, 1]`); });
  const seed = seedParam(p.seed);
  const activation = choiceParam('activation', p.activation, 'tanh', MEAN_FIELD_ACTIVATIONS);
  const lr = {
    C: numberParam('learningRates.C', p.learningRates?.C, DEFAULT_RATE, 0, false),
    W2: numberParam('learningRates.W2', p.learningRates?.W2, DEFAULT_RATE, 0, false),
    W1: numberParam('learningRates.W1', p.learningRates?.W1, DEFAULT_RATE, 0, false),
  };
  const initRange = numberParam('initRange', p.initRange, 1, 0, true);
  const records = integerParam('records', p.records, 20, 1, L.maxRecords);
  const lossGrid = integerParam('lossGrid', p.lossGrid, 21, 1, L.maxLossGrid);
  const series = (probes.length + 1) * (records + 1);
  if (series * Math.max(seeds, 2 * widths.length) > L.maxSeriesValues) {
    throw new TrainingParamError('records', `${probes.length} probes × ${records + 1} records × ${Math.max(seeds, 2 * widths.length)} runs or series = ` +
      `${series * Math.max(seeds, 2 * widths.length)} values, above the limit of ${L.maxSeriesValues}`, 'size-limit', ['probes', 'seeds', 'widths']);
  }
  const maxWork = budgetParam(p.maxWork);
  const P: ResolvedMeanFieldParams = { widths, n1PerN2, seeds, T, probes, seed, activation, learningRates: lr, initRange, records, lossGrid, maxWork };
  const perWidth = widths.map((N) => meanFieldRunWork(P, N));
  const widest = widths[perWidth.indexOf(Math.max(...perWidth))];
  checkWork(perWidth.reduce((s, w) => s + w, 0) * seeds, maxWork,
    `${seeds} seeds × Σ over widths of N1·T steps × N1·N2 weights, plus the records; widest N = ${widest}`, 'lower the widths, seeds, T or records');
  return P;
}

/** Estimated operations of one run (one width, one seed): the initial draw, N1·T SGD steps and the records. */
function meanFieldRunWork(P: ResolvedMeanFieldParams, N: number): number {
  const weights = N * secondWidth(N, P.n1PerN2);
  return weights * (INIT_OPS + Math.round(P.T * N) + (P.records + 1) * (P.probes.length + P.lossGrid));
}

/** The regression target of the default task. */
export function meanFieldTarget(x: number): number {
  return Math.sin(Math.PI * x);
}

/** One run (one width, one seed): g at the probes [probe][record] and the grid loss [record]. */
export interface MeanFieldRun {
  /** the SGD step of each record, k_m = round(m·T·N1/records) */
  readonly steps: number[];
  readonly g: number[][];
  readonly loss: number[];
  /** the loss became non-finite or exceeded DIVERGENCE_FACTOR × its initial value */
  readonly diverged: boolean;
}

/**
 * Train one network of width (N1, N2) for round(N1·T) steps and record g(x) at the probes and the grid
 * loss at the steps k_m = round(m·T·N1/records), m = 0..records. `initRng` draws the parameters,
 * `dataRng` the samples. Checks for cancellation every CHECK_EVERY_WEIGHTS weight updates.
 */
export function runMeanField(
  N1: number, N2: number, P: ResolvedMeanFieldParams, initRng: Rng, dataRng: Rng,
  ctx: AnalysisContext = silentContext, progress: (f: number) => number = (f) => f,
): MeanFieldRun {
  const net = new MeanFieldNet(N1, N2, IN_DIM, initRng, { activation: P.activation, initRange: P.initRange, learningRates: P.learningRates });
  const x = new Float64Array([0, 1]);
  const gridX = Array.from({ length: P.lossGrid }, (_, m) => -1 + (2 * m + 1) / P.lossGrid);
  const gridY = gridX.map(meanFieldTarget);
  const steps: number[] = [], loss: number[] = [];
  const totalSteps = Math.max(1, Math.round(P.T * N1));
  const g: number[][] = P.probes.map(() => []);
  // a record is probes + lossGrid forward passes: check for Stop between them too (wide nets: ms each)
  const wide = N1 * N2 >= CHECK_EVERY_WEIGHTS;
  const record = (k: number): void => {
    steps.push(k);
    for (let q = 0; q < P.probes.length; q++) {
      x[0] = P.probes[q]; g[q].push(net.output(x));
      if (wide) checkpoint(ctx, progress(k / totalSteps));
    }
    let s = 0;
    for (let m = 0; m < gridX.length; m++) {
      x[0] = gridX[m]; s += net.loss(x, gridY[m]);
      if (wide) checkpoint(ctx, progress(k / totalSteps));
    }
    loss.push(s / gridX.length);
  };
  const sample = (buf: Float64Array): number => {
    const xi = dataRng.uniformIn(-1, 1);
    buf[0] = xi;
    buf[1] = 1;
    return meanFieldTarget(xi);
  };
  try {
    record(0);
    let k = 0;
    const every = Math.max(1, Math.floor(CHECK_EVERY_WEIGHTS / (N1 * N2)));
    const message = (done: number): string => `N1 = ${N1}: t = ${(done / N1).toFixed(2)}`;
    const tick = { every, call: (done: number) => checkpoint(ctx, progress((k + done) / totalSteps), message(k + done)) };
    for (let m = 1; m <= P.records; m++) {
      const until = Math.round((m * P.T * N1) / P.records);
      net.train(until - k, x, sample, tick);
      k = until;
      record(k);
      checkpoint(ctx, progress(k / totalSteps), message(k));
    }
  } finally {
    net.dispose(); // a cancelled run too: the next one reuses the kernels
  }
  const diverged = loss.some((v) => !(v <= DIVERGENCE_FACTOR * loss[0]));
  return { steps, g, loss, diverged };
}

/**
 * For each width N and each of `seeds` seeds, train §E's network and summarise the across-seed mean
 * and sd of g_t(x) at the probes and of the loss, then fit spread(N) ~ N^exponent over the widths that
 * did not diverge. Deterministic for a given base seed. `onPartial` receives the result after each
 * finished width.
 */
export function meanFieldLimit(
  params: MeanFieldParams = {},
  ctx: AnalysisContext = silentContext,
  options: TrainingRunOptions<MeanFieldResult> = {},
): MeanFieldResult {
  const P = resolveMeanFieldParams(params);
  const dims = P.widths.map((N) => ({ N, N1: N, N2: secondWidth(N, P.n1PerN2) }));
  // progress weights: the work estimate of each width
  const costs = P.widths.map((N) => meanFieldRunWork(P, N) * P.seeds);
  const totalCost = costs.reduce((s, c) => s + c, 0);
  let doneCost = 0;
  const t = Array.from({ length: P.records + 1 }, (_, m) => (m * P.T) / P.records);
  const widths: MeanFieldWidthResult[] = [];
  const build = (done: boolean): MeanFieldResult => {
    const fitted = widths.filter((w) => !w.diverged);
    const fit = fitted.length >= 2 ? fitPowerLaw(fitted.map((w) => w.N), fitted.map((w) => w.spread)) : null;
    return {
      construction: MEAN_FIELD_CONSTRUCTION,
      params: P,
      probes: P.probes.map((x) => ({ x, target: meanFieldTarget(x) })),
      widths: widths.slice(),
      spreadExponent: fit ? { ...fit, expected: -0.5 } : null,
      done,
      warnings: meanFieldWarnings(P, widths),
    };
  };
  for (let wi = 0; wi < dims.length; wi++) {
    const { N, N1, N2 } = dims[wi];
    const runs: MeanFieldRun[] = [];
    const stream = hash32(P.seed, N);
    for (let s = 0; s < P.seeds; s++) {
      const base = doneCost + (costs[wi] * s) / P.seeds;
      const share = costs[wi] / P.seeds;
      runs.push(runMeanField(N1, N2, P, Rng.derive(stream, 2 * s), Rng.derive(stream, 2 * s + 1), ctx,
        (f) => (base + f * share) / totalCost));
    }
    doneCost += costs[wi];
    const mean: number[][] = [], sd: number[][] = [];
    let spreadSq = 0, spreadCount = 0;
    const col = new Float64Array(P.seeds);
    for (let q = 0; q < P.probes.length; q++) {
      const mq: number[] = [], sq: number[] = [];
      for (let m = 0; m < t.length; m++) {
        for (let s = 0; s < P.seeds; s++) col[s] = runs[s].g[q][m];
        const r = meanSd(col);
        mq.push(r.mean); sq.push(r.sd);
        if (2 * m >= P.records) { spreadSq += r.sd * r.sd; spreadCount++; } // t_m ≥ T/2
      }
      mean.push(mq); sd.push(sq);
    }
    const lossMean: number[] = [], lossSd: number[] = [];
    for (let m = 0; m < t.length; m++) {
      for (let s = 0; s < P.seeds; s++) col[s] = runs[s].loss[m];
      const r = meanSd(col);
      lossMean.push(r.mean); lossSd.push(r.sd);
    }
    widths.push({
      N, N1, N2, seeds: P.seeds, t: t.slice(), steps: runs[0].steps.slice(), mean, sd, loss: { mean: lossMean, sd: lossSd },
      spread: Math.sqrt(spreadSq / spreadCount), diverged: runs.some((r) => r.diverged),
    });
    if (options.onPartial && wi < dims.length - 1) options.onPartial(build(false));
  }
  return build(true);
}

function meanFieldWarnings(P: ResolvedMeanFieldParams, widths: readonly MeanFieldWidthResult[]): string[] {
  const diverged = widths.filter((w) => w.diverged);
  if (diverged.length === 0) return [];
  const lr = P.learningRates;
  const peak = (w: MeanFieldWidthResult) => w.loss.mean.reduce((a, v) => (Number.isFinite(v) && Number.isFinite(a) ? Math.max(a, v) : Infinity), 0);
  return [`Training diverged for N = ${diverged.map((w) => w.N).join(', ')} (the loss grew past ${DIVERGENCE_FACTOR}× its initial value, ` +
    `up to ${diverged.map((w) => (Number.isFinite(peak(w)) ? peak(w).toPrecision(3) : 'non-finite')).join(', ')}): the learning-rate multipliers ` +
    `(C ${lr.C}, W2 ${lr.W2}, W1 ${lr.W1}) are too large for this task. Those widths are left out of the spread fit; their curves are not a mean-field limit.`];
}
