/**
 * Handler of the convergence analysis (MATH.md §A, §B). The core walks every layer; for display the
 * per-layer arrays of a deep network (10⁵ layers ≈ 800 KB per array) are thinned here to about
 * `params.maxPoints` log-spaced layers, keeping every layer a CodeLens or a fit boundary refers to.
 */
import { analyzeConvergence, checkConvergenceBudget, ConvergenceParamsError } from '../../core/convergence';
import type { Network } from '../../core/network/model';
import { precomputeLayerNorms } from '../../core/linalg/layerNorms';
import type { ConvergenceResult, SeriesSummary } from '../../shared/analyses/convergence';
import { allocationFailure, BudgetError } from '../../core/network/budget';
import { NonFiniteError } from '../../core/network/scaled';
import { BadParamsError, networkOf, type HandlerTable } from './common';
import { convConvergence, convNetworkOf } from './conv';

/** Group boundaries are kept exactly only while there are few groups (CodeLens stops at 200 too). */
const MAX_EXACT_GROUPS = 200;

export const convergenceHandlers: HandlerTable<'convergence'> = {
  convergence: ({ doc, params, settings, ctx }) => {
    // a conv checkpoint: per-stage runs of identity blocks (./conv.ts)
    const conv = convNetworkOf(doc);
    if (conv) return convConvergence(conv, params, settings, ctx);
    if (params.images !== undefined) throw new BadParamsError('images apply to convolutional models; a dense network takes probes');
    const network = networkOf(doc);
    const { maxPoints, ...core } = params;
    if (maxPoints !== undefined && !(Number.isInteger(maxPoints) && maxPoints >= 16)) {
      throw new BadParamsError(`maxPoints must be an integer ≥ 16, got ${String(maxPoints)}`);
    }
    let result: ConvergenceResult;
    try {
      // the budget before the norms: on a huge layer they are most of the work (as the CLI does)
      checkConvergenceBudget(network, core.probes?.length ?? 0, core.budget);
      // perf: every layer's ‖W − I‖₂ first, on all cores (the analysis then looks them up)
      if ((params.norm ?? settings.norm) === '2') precomputeLayerNorms(network, ctx);
      result = analyzeConvergence(network, { ...core, norm: params.norm ?? settings.norm }, ctx);
    } catch (e) {
      // only the core's own parameter errors are the caller's fault; any other RangeError (a typed
      // array out of bounds…) is a bug and must not be reported as "bad params"
      if (e instanceof ConvergenceParamsError) throw new BadParamsError(e.message.replace(/^analyzeConvergence: /, ''), { cause: e });
      // a refusal by the budget, a failed allocation or a value beyond float64: the message says what to change
      const mapped = allocationFailure(e, 'convergence');
      if (mapped instanceof BudgetError || mapped instanceof NonFiniteError) throw new BadParamsError(mapped.message, { cause: e });
      if (e instanceof RangeError || e instanceof TypeError) throw new Error(`internal error in the convergence analysis: ${e.message}`, { cause: e });
      throw e;
    }
    const shown = maxPoints !== undefined && result.depth > maxPoints ? thinned(result, network, maxPoints) : result;
    return shown;
  },
};

/**
 * Layer numbers (1-based) to keep: log-spaced ones, the ends of the analysed sequence and of the
 * tail, and the first/last layer of every group with its neighbours, so the thinned value at a
 * group's first and last layer is that layer's own value (its window holds only that layer).
 */
export function keptLayerNumbers(result: ConvergenceResult, network: Network, maxPoints: number): Float64Array {
  const depth = result.depth;
  const keep = new Set<number>();
  const logDepth = Math.log(depth);
  for (let i = 0; i < maxPoints; i++) keep.add(Math.round(Math.exp((logDepth * i) / (maxPoints - 1))));
  const { first, last } = result.sequence;
  for (const k of [1, first - 1, first, last, depth, result.tail.from - 1, result.tail.from, result.tail.to]) keep.add(k);
  if (network.groups.length <= MAX_EXACT_GROUPS) {
    for (const g of network.groups) {
      const start = g.start + 1, end = g.start + g.count;
      keep.add(start - 1).add(start).add(end - 1).add(end);
    }
  }
  const numbers = [...keep].filter((k) => k >= 1 && k <= depth).sort((a, b) => a - b);
  return Float64Array.from(numbers);
}

/** max over each window (previous kept, k] of values indexed by k − offset; NaN entries are skipped. */
function windowMax(values: Float64Array, numbers: Float64Array, offset: number, lowest: number): Float64Array {
  const out = new Float64Array(numbers.length);
  let previous = lowest - 1;
  for (let j = 0; j < numbers.length; j++) {
    const k = numbers[j];
    let m = NaN;
    for (let n = previous + 1; n <= k; n++) {
      const v = values[n - offset];
      if (v === v && !(v <= m)) m = v; // v is not NaN and (m is NaN or v > m)
    }
    out[j] = m;
    previous = k;
  }
  return out;
}

function pick(values: Float64Array, numbers: Float64Array, offset: number): Float64Array {
  return Float64Array.from(numbers, (k) => values[k - offset]);
}

function thinSeries(s: SeriesSummary, sequenceNumbers: Float64Array, first: number): SeriesSummary {
  return { ...s, terms: windowMax(s.terms, sequenceNumbers, first, first), partialSums: pick(s.partialSums, sequenceNumbers, first) };
}

export function thinned(result: ConvergenceResult, network: Network, maxPoints: number): ConvergenceResult {
  const layerNumbers = keptLayerNumbers(result, network, maxPoints);
  const { first, last } = result.sequence;
  const sequenceNumbers = last >= first ? layerNumbers.filter((k) => k >= first && k <= last) : new Float64Array(0);
  const perLayer = (a: Float64Array) => windowMax(a, layerNumbers, 1, 1);
  return {
    ...result,
    layers: {
      ...result.layers,
      normWminusI: perLayer(result.layers.normWminusI),
      normB: perLayer(result.layers.normB),
      s1Term: perLayer(result.layers.s1Term),
      s2Term: perLayer(result.layers.s2Term),
    },
    series: { ...result.series, weight: thinSeries(result.series.weight, sequenceNumbers, first), bias: thinSeries(result.series.bias, sequenceNumbers, first) },
    maxIncrement: { ...result.maxIncrement, values: windowMax(result.maxIncrement.values, sequenceNumbers, first, first) },
    sampled: { layerNumbers, sequenceNumbers },
  };
}
