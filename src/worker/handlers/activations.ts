/**
 * Handlers of the activation analyses (MATH.md §A, §B): the pattern and explicit affine map at one
 * input, the exact 2-D slice partition, 1-D piece counts along a segment and pixel grids of pattern
 * hashes. The core does the work; here requests are checked against limits that keep one reply
 * within a few hundred megabytes (worker/transfer.ts packs every reply into a few transferred buffers).
 */
import { analyzeActivations } from '../../core/activation/pointwise';
import type { Network } from '../../core/network/model';
import { slicePartition } from '../../core/regions/partition';
import { regionGrid } from '../../core/regions/grid';
import { segmentFromParams } from '../../core/regions/segment';
import { evenLayerSample, SummaryCollector } from '../../core/activation/summary';
import type { ActivationsResult } from '../../shared/analyses/activations';
import { BadParamsError, networkOf, type HandlerTable } from './common';
import { convActivations, convNetworkOf } from './conv';

/** Upper bound for `maxLayers`. */
export const MAX_SAMPLED_LAYERS = 100_000;
/** A streamed slice of the per-layer summary at most this often. */
const SUMMARY_INTERVAL_MS = 150;

/** Neurons (pattern + pre-activation + output per neuron) one activations reply may carry. */
export const MAX_ACTIVATION_NEURONS = 20_000_000;
/** Numbers in all partial products P_k, q_k together (8 bytes each: 400 MB). */
export const MAX_PARTIAL_PRODUCT_NUMBERS = 50_000_000;
/** Half-space normals (count × input dim) one reply may carry. */
export const MAX_HALF_SPACE_NUMBERS = 50_000_000;
/** Upper bound for `maxRegions` / `maxPieces` (each region holds its polygon, pattern and two affine maps). */
export const MAX_REGIONS_LIMIT = 1_000_000;
/** Upper bound for `memoryBudgetMB` of a partition. */
export const MAX_MEMORY_BUDGET_MB = 2048;
/** Upper bound for `maxSteps` of a partition (about 10 ns a step): about half an hour. */
export const MAX_STEPS_LIMIT = 2e11;
/** Pixels of one region grid. */
export const MAX_GRID_PIXELS = 4_000_000;
/** Side of one region grid. */
export const MAX_GRID_SIDE = 8192;
/** 32-bit pattern words of all pixels of one grid together (the batched kernel keeps them all). */
export const MAX_GRID_PATTERN_WORDS = 100_000_000;

/** The branch units of each group's layers, read from the group's first layer (families share shapes). */
function groupBranches(net: Network): Array<{ start: number; count: number; branch: Array<{ width: number; relu: boolean }> }> {
  return net.groups.map((g) => {
    const first = net.layer(g.start);
    const branch = first.kind === 'dense' ? [] : first.branch.map((b) => ({ width: b.weights.rows, relu: b.activation === 'relu' }));
    return { start: g.start, count: g.count, branch };
  });
}

/**
 * Sizes of an activations reply without generating every layer of a family: neurons over all units,
 * numbers in all partial products P_k (width × d) and q_k, and an upper bound on the 32-bit words of
 * one packed pattern (each ReLU unit starts a new word; every layer's own unit is counted as ReLU).
 */
function activationSizes(net: Network): { neurons: number; partialNumbers: number; patternWords: number } {
  const d = net.input.dim;
  let neurons = 0, partialNumbers = 0, patternWords = 0;
  for (const g of groupBranches(net)) {
    for (let k = g.start; k < g.start + g.count; k++) {
      const width = net.outWidth(k);
      neurons += width;
      partialNumbers += width * (d + 1);
      patternWords += (width + 31) >>> 5;
      for (const b of g.branch) {
        neurons += b.width;
        if (b.relu) patternWords += (b.width + 31) >>> 5;
      }
    }
  }
  return { neurons, partialNumbers, patternWords };
}

function finiteVector(value: unknown, what: string, dim: number): Float64Array {
  if (!(Array.isArray(value) || value instanceof Float64Array)) throw new BadParamsError(`${what} must be an array of ${dim} numbers`);
  if (value.length !== dim) throw new BadParamsError(`${what} has ${value.length} coordinates, the network input has dimension ${dim}`);
  const v = Float64Array.from(value as ArrayLike<number>);
  for (let i = 0; i < dim; i++) if (!Number.isFinite(v[i])) throw new BadParamsError(`${what}: coordinate ${i + 1} is not a finite number (${String((value as ArrayLike<unknown>)[i])})`);
  return v;
}

/**
 * The input of an activations request: `input`, else the named probe, else the centre of the input
 * domain when the file declares one, else the origin.
 */
export function activationInput(net: Network, input: unknown, probe: string | undefined): Float64Array {
  const d = net.input.dim;
  if (input !== undefined && probe !== undefined) throw new BadParamsError('give either input or probe, not both');
  if (input !== undefined) return finiteVector(input, 'input', d);
  if (probe !== undefined) {
    const p = net.input.probes.find((q) => q.name === probe);
    if (!p) throw new BadParamsError(`no probe named '${probe}' (the file has: ${net.input.probes.map((q) => q.name).join(', ') || 'no probes'})`);
    return Float64Array.from(p.x);
  }
  const dom = net.input.domain;
  const x = new Float64Array(d);
  if (dom) for (let i = 0; i < d; i++) x[i] = (dom.min[i] + dom.max[i]) / 2;
  return x;
}

/** The limits of a partition request (the core enforces them; here they are kept within bounds). */
function checkLimits(maxPieces: unknown, name: string, params: { memoryBudgetMB?: unknown; maxSteps?: unknown }): void {
  const integerIn = (v: unknown, max: number) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max;
  if (maxPieces !== undefined && !integerIn(maxPieces, MAX_REGIONS_LIMIT)) {
    throw new BadParamsError(`${name} must be an integer in 1..${MAX_REGIONS_LIMIT.toLocaleString('en-US')}, got ${String(maxPieces)}`);
  }
  const mb = params.memoryBudgetMB;
  if (mb !== undefined && !(typeof mb === 'number' && mb > 0 && mb <= MAX_MEMORY_BUDGET_MB)) {
    throw new BadParamsError(`memoryBudgetMB must be a number in (0, ${MAX_MEMORY_BUDGET_MB}], got ${String(mb)}`);
  }
  if (params.maxSteps !== undefined && !integerIn(params.maxSteps, MAX_STEPS_LIMIT)) {
    throw new BadParamsError(`maxSteps must be an integer in 1..${MAX_STEPS_LIMIT.toExponential().replace('e+', 'e')}, got ${String(params.maxSteps)}`);
  }
}

export const activationsHandlers: HandlerTable<'activations' | 'regions' | 'segment' | 'regionGrid'> = {
  activations: ({ doc, params, settings, ctx, partial }) => {
    // a conv checkpoint: every ReLU and max-pool site at one seeded image (./conv.ts)
    const conv = convNetworkOf(doc);
    if (conv) return convActivations(conv, params, settings, ctx);
    if (params.image !== undefined) throw new BadParamsError('image applies to convolutional models; a dense network takes input or probe');
    const net = networkOf(doc);
    const x = activationInput(net, params.input, params.probe);
    const maxLayers = params.maxLayers;
    if (maxLayers !== undefined && !(Number.isInteger(maxLayers) && maxLayers >= 1 && maxLayers <= MAX_SAMPLED_LAYERS)) {
      throw new BadParamsError(`maxLayers must be an integer in 1..${MAX_SAMPLED_LAYERS.toLocaleString('en-US')}, got ${String(maxLayers)}`);
    }
    const sample = maxLayers !== undefined && net.depth > maxLayers ? new Set(evenLayerSample(net.depth, maxLayers)) : undefined;
    const partialProducts = params.partialProducts ?? true;
    if (!sample) {
      const { neurons, partialNumbers } = activationSizes(net);
      if (neurons > MAX_ACTIVATION_NEURONS) {
        throw new BadParamsError(`the network has ${neurons.toLocaleString('en-US')} neurons; an activations reply is limited to ${MAX_ACTIVATION_NEURONS.toLocaleString('en-US')} (use the CLI for the full pattern)`);
      }
      if (partialProducts && partialNumbers > MAX_PARTIAL_PRODUCT_NUMBERS) {
        throw new BadParamsError(`partial products P_k, q_k of all ${net.depth} layers need ${partialNumbers.toLocaleString('en-US')} numbers (limit ${MAX_PARTIAL_PRODUCT_NUMBERS.toLocaleString('en-US')}); request with partialProducts: false`);
      }
      if (params.halfSpaces && neurons * net.input.dim > MAX_HALF_SPACE_NUMBERS) {
        throw new BadParamsError(`the domain's half-spaces need ${(neurons * net.input.dim).toLocaleString('en-US')} numbers (limit ${MAX_HALF_SPACE_NUMBERS.toLocaleString('en-US')}); request with halfSpaces: false`);
      }
    } else if (params.halfSpaces) {
      throw new BadParamsError('halfSpaces are not sent with a sample of the layers (maxLayers); ask without maxLayers');
    }
    const budget = params.budget ?? settings.budget;
    if (!sample) return analyzeActivations(net, x, { partialProducts, halfSpaces: params.halfSpaces ?? false, budget }, ctx);
    // deep network: every layer's counts, streamed in slices, and a sample of the layers in full
    const summary = new SummaryCollector(net.depth);
    let last = Date.now();
    const r = analyzeActivations(net, x, {
      partialProducts, halfSpaces: false, budget,
      keepLayer: (k) => sample.has(k),
      onLayer: (k, state) => {
        summary.add(k, state);
        const now = Date.now();
        if (now - last < SUMMARY_INTERVAL_MS) return;
        last = now;
        partial({ summary: summary.slice() }, k / net.depth, `layer ${k.toLocaleString('en-US')} of ${net.depth.toLocaleString('en-US')}`);
      },
    }, ctx);
    return sampledResult(r, summary, net.depth);
  },

  regions: ({ doc, params, ctx }) => {
    const net = networkOf(doc);
    checkLimits(params.maxRegions, 'maxRegions', params);
    return slicePartition(net, params, ctx);
  },

  segment: ({ doc, params, ctx }) => {
    const net = networkOf(doc);
    checkLimits(params.maxPieces, 'maxPieces', params);
    // 1-D inputs may omit both endpoints (the input domain); otherwise both are checked here
    if (params.from === undefined && params.to === undefined) return segmentFromParams(net, params, ctx);
    const from = finiteVector(params.from, 'from', net.input.dim);
    const to = finiteVector(params.to, 'to', net.input.dim);
    return segmentFromParams(net, { ...params, from, to }, ctx);
  },

  regionGrid: ({ doc, params, ctx }) => {
    const net = networkOf(doc);
    const { width, height } = params;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_GRID_SIDE || height > MAX_GRID_SIDE) {
      throw new BadParamsError(`width and height must be integers in 1..${MAX_GRID_SIDE}, got ${String(width)}×${String(height)}`);
    }
    if (width * height > MAX_GRID_PIXELS) {
      throw new BadParamsError(`a region grid of ${width}×${height} = ${(width * height).toLocaleString('en-US')} pixels exceeds the limit of ${MAX_GRID_PIXELS.toLocaleString('en-US')}`);
    }
    const words = activationSizes(net).patternWords;
    if (width * height * words > MAX_GRID_PATTERN_WORDS) {
      throw new BadParamsError(`a region grid of ${width}×${height} pixels with ${words} pattern words each exceeds the limit of ${MAX_GRID_PATTERN_WORDS.toLocaleString('en-US')} words; use fewer pixels`);
    }
    return regionGrid(net, params, ctx);
  },
};

/** The result with `units` cut to the kept layers' units and the whole summary (see ActivationsResult.sampled). */
function sampledResult(r: ActivationsResult, summary: SummaryCollector, depth: number): ActivationsResult {
  const kept = new Set(r.layers.map((l) => l.layer));
  const index = new Map<number, number>();
  const units = r.units.filter((u, i) => {
    if (!kept.has(u.layer)) return false;
    index.set(i, index.size);
    return true;
  });
  const nearestFace = r.nearestFace ? { ...r.nearestFace, unit: index.get(r.nearestFace.unit) ?? -1 } : undefined;
  return { ...r, units, nearestFace, summary: summary.all(), sampled: { depth } };
}
