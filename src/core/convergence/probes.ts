/**
 * The probes of the convergence analysis: which inputs are followed, and what each one's walk
 * becomes in the result — the block-oscillation decision (is N_k(x) Cauchy?), the tail bound of
 * MATH.md §A at every recorded depth, the limit estimate (the theorem's bound beside an estimate from
 * the fitted increments, and whether the bound says anything), and the partial products checked
 * against the plain forward pass.
 */
import { vectorNorm, type MatrixNorm } from '../linalg/norms';
import type { Network } from '../network/model';
import type { ConvergenceParams, OverflowFinding, PartialProductTrace, ProbeResult, SeriesSummary, SummabilityDecision } from '../../shared/analyses/convergence';
import { fitPowerLaw } from './fit';
import { fmt } from './format';
import { overflowDecision } from './series';
import { type BlockGeometry, decideSummability, decisionWindow } from './summability';
import { type ProbeWalk, type ResolvedProbe, vectorNormOfDiff } from './walk';

/** A bad parameter (reported to the user as such); every other error is an internal failure. */
export class ConvergenceParamsError extends RangeError {}

/** The theorem's bound counts as uninformative when it is this many times the observed movement (or more). */
export const UNINFORMATIVE_FACTOR = 100;

/**
 * Probes: params.probes, else the file's probes, else the input domain's corners and centre
 * (all 2^d corners when d ≤ 3, otherwise the centre and the two diagonal corners min and max);
 * without a domain the box [0, 1]^d is used.
 */
export function resolveProbes(network: Network, params: ConvergenceParams, notes: string[]): ResolvedProbe[] {
  const d = network.input.dim;
  if (params.probes && params.probes.length > 0) {
    return params.probes.map((x, i) => {
      if (x.length !== d) throw new ConvergenceParamsError(`analyzeConvergence: probe ${i + 1} has ${x.length} coordinate${x.length === 1 ? '' : 's'}, the network's input dimension is ${d}`);
      for (let j = 0; j < x.length; j++) if (!Number.isFinite(x[j])) throw new ConvergenceParamsError(`analyzeConvergence: probe ${i + 1} coordinate ${j + 1} is not a finite number`);
      return { name: `probe ${i + 1}`, x: Float64Array.from(x) };
    });
  }
  if (network.input.probes.length > 0) return network.input.probes.map((p) => ({ name: p.name, x: Float64Array.from(p.x) }));
  const dom = network.input.domain;
  const min = dom ? dom.min : new Float64Array(d);
  const max = dom ? dom.max : new Float64Array(d).fill(1);
  const box = dom ? 'the input domain' : 'the default box [0, 1]^d (the file has no domain)';
  const out: ResolvedProbe[] = [];
  out.push({ name: 'centre', x: Float64Array.from({ length: d }, (_, j) => (min[j] + max[j]) / 2) });
  if (d <= 3) {
    for (let mask = 0; mask < 1 << d; mask++) {
      const x = Float64Array.from({ length: d }, (_, j) => ((mask >> j) & 1 ? max[j] : min[j]));
      out.push({ name: `corner (${Array.from(x).join(', ')})`, x });
    }
    notes.push(`no probes in the file: using the centre and the ${1 << d} corners of ${box}`);
  } else {
    out.push({ name: 'corner min', x: Float64Array.from(min) }, { name: 'corner max', x: Float64Array.from(max) });
    notes.push(`no probes in the file: using the centre and the two diagonal corners (all-min, all-max) of ${box}`);
  }
  return out;
}

export interface ProbeAssembly {
  readonly norm: MatrixNorm;
  readonly vectorNorm: 'ℓ2' | 'ℓ1' | 'ℓ∞';
  readonly firstNumber: number;
  readonly lastNumber: number;
  readonly tailFrom: number;
  readonly tailTo: number;
  readonly minPoints: number;
  readonly confidence: number;
  readonly recorded: Float64Array;
  readonly blocks: BlockGeometry;
  readonly reluLayer: Uint8Array;
  readonly weight: SeriesSummary;
  readonly bias: SeriesSummary;
  /** Σ log(1 + w) and Σ β over suffixes of the run (index j: layers > firstNumber − 1 + j) */
  readonly suffixLogW: Float64Array;
  readonly suffixB: Float64Array;
  readonly inputDim: number;
  readonly notes: string[];
}

export function buildProbeResult(probe: ResolvedProbe, walk: ProbeWalk, a: ProbeAssembly, overflow: OverflowFinding | null): ProbeResult {
  const { firstNumber, lastNumber, recorded, norm } = a;
  const steps = lastNumber - firstNumber + 1;
  const R = recorded.length;
  const incrementFit = fitPowerLaw(walk.stepInc, firstNumber, a.tailFrom, a.tailTo, a.minPoints, a.confidence);
  const validFrom = boundValidFrom(a.reluLayer, firstNumber, lastNumber, probe.x);
  const summableSeries = a.weight.extrapolatedTail !== null && a.bias.extrapolatedTail !== null;
  const withinFile = new Float64Array(R).fill(NaN);
  const extrapolated = summableSeries ? new Float64Array(R).fill(NaN) : null;
  const observedToLast = new Float64Array(R).fill(NaN);
  const lastValue = walk.last;
  for (let q = 0; q < R; q++) {
    const n = recorded[q];
    if (steps <= 0 || n < firstNumber - 1) continue;
    const idx = n - firstNumber + 1;
    const v = walk.values[q];
    if (v.length === lastValue.length) observedToLast[q] = vectorNormOfDiff(lastValue, v, norm);
    if (n < validFrom || overflow) continue;
    withinFile[q] = tailBound(a.suffixLogW[idx], a.suffixB[idx], walk.norms[q]);
    if (extrapolated) extrapolated[q] = tailBound(a.suffixLogW[idx] + a.weight.extrapolatedTail!, a.suffixB[idx] + a.bias.extrapolatedTail!, walk.norms[q]);
  }
  // is N_k(x) Cauchy? the block oscillations O_j decide (Σ O_j < ∞ ⇒ converges, even when increments cancel)
  const oscillation: SummabilityDecision = overflow
    ? overflowDecision(a.blocks, overflow)
    : decideSummability(walk.oscillation, a.blocks, { confidence: a.confidence });
  const { blocks: windowBlocks } = decisionWindow(a.blocks);
  let length = 0;
  for (const b of windowBlocks) length += walk.displacement[b];
  const displacement = windowBlocks.length > 0 ? walk.windowDisplacement : NaN;
  // the limit: the theorem's bound with the extrapolated series tails, beside the fitted increments' tail
  const normN = vectorNorm(lastValue, norm);
  const bound = summableSeries && !overflow && steps > 0 && lastNumber >= validFrom ? tailBound(a.weight.extrapolatedTail!, a.bias.extrapolatedTail!, normN) : null;
  const estimate = oscillation.status === 'holds' ? oscillation.tailEstimate : null;
  const observedMovement = walk.lastBlockMovement;
  const reference = Math.max(estimate ?? 0, Number.isFinite(observedMovement) ? observedMovement : 0);
  const boundInformative = bound === null ? null : !(bound >= UNINFORMATIVE_FACTOR * reference && bound > 0);
  let partialProducts: PartialProductTrace | null = null;
  if (walk.pp) {
    const g = walk.pp.G, d = a.inputDim;
    const Pn = new Float64Array(g.rows * d), qn = new Float64Array(g.rows);
    const reference2 = walk.pp.plain;
    const scale = Math.exp(walk.pp.logScale);
    let residual = 0;
    for (let i = 0; i < g.rows; i++) {
      let s = g.data[i * (d + 1) + d];
      qn[i] = s;
      for (let j = 0; j < d; j++) { Pn[i * d + j] = g.data[i * (d + 1) + j]; s += scale * Pn[i * d + j] * probe.x[j]; }
      const dev = Math.abs(s - reference2[i]);
      if (!(residual >= dev)) residual = dev;
    }
    if (!overflow && !(residual <= 1e-9 * Math.max(1, vectorNorm(reference2, 'inf')) && walk.pp.forwardResidual <= 1e-9)) {
      a.notes.push(`internal check failed at ${probe.name}: against the plain forward pass, ‖P_n x + q_n − N_n(x)‖_∞ = ${fmt(residual)} and the stepped N_k(x) deviate by up to ${fmt(walk.pp.forwardResidual)} (relative) — these results are not reliable`);
    }
    partialProducts = {
      inputDim: d, matrixNorm: 'Frobenius', diffNorms: walk.pp.recDiff, norms: walk.pp.recLogNorm.map(Math.exp), logNorms: walk.pp.recLogNorm,
      final: { rows: g.rows, cols: d, data: Pn }, finalOffset: qn, logScale: walk.pp.logScale, residual, forwardResidual: walk.pp.forwardResidual,
    };
  }
  return {
    name: probe.name,
    x: probe.x,
    values: walk.values,
    norms: walk.norms,
    increments: walk.increments,
    incrementFit,
    tailPath: { length: walk.tailLength, displacement: steps > 0 ? vectorNormOfDiff(lastValue, walk.tailStart, norm) : NaN },
    tailLayersWithInactiveNeurons: walk.tailInactive,
    partialProducts,
    oscillation,
    windowPath: { length, displacement },
    limitEstimate: { value: lastValue.slice(), radius: bound, bound, estimate, observedMovement, boundInformative, basis: 'extrapolated' },
    tailBound: {
      formula: 'sup_{k>n} ‖N_k − N_n‖ ≤ (Π_{k>n}(1 + w_k) − 1)·(‖N_n‖ + T_β) + T_β, T_β = Σ_{k>n} β_k (past the file: Π(1 + w) ≤ e^{Σ w} with the extrapolated tail sums)',
      withinFile, observedToLast, extrapolated, validFrom, vectorNorm: a.vectorNorm,
    },
  };
}

/**
 * (Π(1 + w) − 1)(‖N_n‖ + T_β) + T_β with Π(1 + w) = e^{logProduct} (MATH.md §A: ‖N_k‖ ≤ (1 + w_k)‖N_{k−1}‖ + β_k
 * bounds every ‖N_{j−1}‖ on the way, and Σ_j w_j Π_{i<j}(1 + w_i) telescopes to Π(1 + w) − 1).
 */
export function tailBound(logProduct: number, tb: number, normN: number): number {
  if (logProduct === 0) return tb;
  return Math.expm1(logProduct) * (normN + tb) + tb;
}

/**
 * Smallest n such that every step k > n satisfies the inequality's hypothesis: the step is linear,
 * or its input N_{k−1} ≥ 0 (the previous layer is a ReLU layer, or k = 1 and the probe is ≥ 0).
 */
function boundValidFrom(reluLayer: Uint8Array, firstNumber: number, lastNumber: number, x: Float64Array): number {
  const nonNegativeInput = x.every((v) => v >= 0);
  let k = lastNumber;
  for (; k >= firstNumber; k--) {
    const linear = reluLayer[k - 1] === 0;
    const inputNonNeg = k >= 2 ? reluLayer[k - 2] === 1 : nonNegativeInput;
    if (!linear && !inputNonNeg) break;
  }
  return k >= firstNumber ? k : firstNumber - 1;
}
