/**
 * Exact linear pieces of N along a segment x(t) = from + t (to − from), t ∈ [0, 1]: the 1-D
 * version of the slice partition. Intervals are split unit by unit at the roots of each neuron's
 * pre-activation (an affine function of t on the interval); the pieces tile [0, 1].
 * The piece cap, the memory budget and cancellation are checked per interval (limits.ts).
 */
import { checkBudget, regionsCost } from '../network/budget';
import { silentContext, type AnalysisContext } from '../context';
import type { DenseLayer, Network } from '../network/model';
import type { SegmentParams, SegmentResult } from '../../shared/analyses/activations';
import { activationUnits } from '../activation/units';
import { hashWords } from '../activation/pattern';
import { DEFAULT_MAX_REGIONS, DEFAULT_MAX_STEPS, DEFAULT_MEMORY_BUDGET_MB, Meter, newWork, PieceLimits, remainingSteps, type PartitionWork } from './limits';

/** Roots closer than this (in t) to an interval end or to each other are the same point. */
const T_TOL = 1e-12;
const FNV_OFFSET = 0x811c9dc5;
/** Bytes an interval costs besides its affine map: object and array headers. */
const INTERVAL_OVERHEAD_BYTES = 200;
/** Steps an interval costs per unit besides its affine map (allocations, bookkeeping). */
const INTERVAL_STEPS = 100;

interface Interval {
  t0: number;
  t1: number;
  /** output of the last unit = P t + q (P, q: width) */
  P: Float64Array;
  q: Float64Array;
  /** FNV-1a of the pattern bits so far, continued unit by unit */
  hash: number;
  blockP?: Float64Array;
  blockQ?: Float64Array;
}

function denseAffine1(l: DenseLayer, P: Float64Array, q: Float64Array): { Z: Float64Array; z0: Float64Array } {
  const { rows: m, cols: n, data: W } = l.weights;
  const Z = new Float64Array(m), z0 = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let a = 0, c = l.bias[i];
    for (let j = 0; j < n; j++) { const w = W[i * n + j]; a += w * P[j]; c += w * q[j]; }
    Z[i] = a; z0[i] = c;
  }
  return { Z, z0 };
}

/**
 * The segment a 1-D input is analysed on by default: its input domain [min, max], else [−1, 1].
 * Higher-dimensional inputs need explicit endpoints.
 */
export function defaultSegment(net: Network): { from: Float64Array; to: Float64Array; source: 'domain' | 'default' } {
  const d = net.input.dim;
  if (d !== 1) throw new RangeError(`a segment needs two endpoints for a ${d}-dimensional input (only 1-D inputs have a default: the input domain)`);
  const dom = net.input.domain;
  if (dom) return { from: Float64Array.of(dom.min[0]), to: Float64Array.of(dom.max[0]), source: 'domain' };
  return { from: Float64Array.of(-1), to: Float64Array.of(1), source: 'default' };
}

export interface SegmentOptions extends Omit<SegmentParams, 'from' | 'to'> {
  /** filled with the work done as the split runs (also when it throws) */
  readonly work?: PartitionWork;
}

/**
 * Count activation pieces along the segment (`pieces`, one per activation pattern met) and linear
 * pieces of the output (`linearPieces`: adjacent activation pieces whose output maps coincide to
 * 1e-9 relative are merged, since different patterns can give the same affine function).
 */
export function segmentPieces(net: Network, from: ArrayLike<number>, to: ArrayLike<number>, ctx: AnalysisContext = silentContext, options: SegmentOptions = {}): SegmentResult {
  return piecesAlong(net, Float64Array.from(from), Float64Array.from(to), 'given', ctx, options);
}

/** Pieces along the params' segment, or along the default segment of a 1-D input (defaultSegment). */
export function segmentFromParams(net: Network, params: SegmentParams, ctx: AnalysisContext = silentContext, work?: PartitionWork): SegmentResult {
  const options = { details: params.details, maxPieces: params.maxPieces, memoryBudgetMB: params.memoryBudgetMB, maxSteps: params.maxSteps, work, budget: params.budget };
  if (params.from === undefined && params.to === undefined) {
    const s = defaultSegment(net);
    return piecesAlong(net, s.from, s.to, s.source, ctx, options);
  }
  if (params.from === undefined || params.to === undefined) throw new RangeError('a segment needs both endpoints, from and to');
  return segmentPieces(net, params.from, params.to, ctx, options);
}

function piecesAlong(net: Network, from: Float64Array, to: Float64Array, source: SegmentResult['source'], ctx: AnalysisContext, options: SegmentOptions): SegmentResult {
  const d = net.input.dim;
  if (from.length !== d || to.length !== d) throw new RangeError(`segmentPieces: endpoints have lengths ${from.length} and ${to.length}, network expects ${d}`);
  checkBudget('regions', regionsCost(net, 1), options.budget);
  const units = activationUnits(net);
  const limits = new PieceLimits(
    { many: 'pieces', where: 'the segment', shrink: 'shorten the segment', raise: 'maxPieces' },
    options.maxPieces ?? DEFAULT_MAX_REGIONS, options.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB, options.maxSteps ?? DEFAULT_MAX_STEPS,
  );
  const unitNoun = units.length === net.depth ? 'layers' : 'units (layers, branch layers and outer σ of residual blocks)';
  const stepsFrom = remainingSteps(units, d, 2, INTERVAL_STEPS);
  const meter = new Meter(ctx, options.work ?? newWork());
  const P0 = new Float64Array(d);
  for (let j = 0; j < d; j++) P0[j] = to[j] - from[j];
  let cells: Interval[] = [{ t0: 0, t1: 1, P: P0, q: from.slice(), hash: FNV_OFFSET }];
  const perDepth: number[] = [];
  let unitIndex = 0;
  let bits = new Uint32Array(1);
  const applyUnit = (relu: boolean, width: number, affine: (c: Interval) => { Z: Float64Array; z0: Float64Array }, inheritBlock: boolean, inputWidth: number) => {
    const label = units[unitIndex].label;
    meter.fraction = unitIndex / units.length;
    meter.mark(`${label}: ${cells.length} pieces`);
    const bytesEach = 16 * width + INTERVAL_OVERHEAD_BYTES;
    const parts = { patternWords: 0, mapNumbers: 2 * width };
    limits.check(cells.length, label, bytesEach, parts);
    limits.checkWork(cells.length, stepsFrom[unitIndex], meter.work.steps, label, { units: units.length - unitIndex, of: units.length, noun: unitNoun });
    const words = (width + 31) >>> 5;
    if (bits.length < words) bits = new Uint32Array(words);
    const next: Interval[] = [];
    const old = cells;
    for (let ci = 0; ci < old.length; ci++) {
      meter.fraction = (unitIndex + ci / old.length) / units.length;
      const c = old[ci];
      (old as Array<Interval | undefined>)[ci] = undefined;
      const { Z, z0 } = affine(c);
      meter.spend(width * inputWidth + INTERVAL_STEPS);
      const cuts: number[] = [c.t0];
      if (relu) {
        const roots: number[] = [];
        for (let i = 0; i < width; i++) {
          if (Z[i] === 0) continue;
          const r = -z0[i] / Z[i];
          if (r > c.t0 + T_TOL && r < c.t1 - T_TOL) roots.push(r);
        }
        roots.sort((a, b) => a - b);
        // roots within T_TOL of each other are one point: the pieces still tile the interval
        for (const r of roots) if (r - cuts[cuts.length - 1] > T_TOL) cuts.push(r);
        meter.spend(roots.length * 8);
      }
      cuts.push(c.t1);
      limits.check(next.length + cuts.length - 1 + old.length - ci - 1, label, bytesEach, parts);
      for (let k = 0; k + 1 < cuts.length; k++) {
        const t0 = cuts[k], t1 = cuts[k + 1];
        const tm = (t0 + t1) / 2;
        const P = Z.slice(), q = z0.slice();
        let hash = c.hash;
        if (relu) {
          bits.fill(0, 0, words);
          for (let i = 0; i < width; i++) {
            if (Z[i] * tm + z0[i] > 0) bits[i >>> 5] |= 1 << (i & 31);
            else { P[i] = 0; q[i] = 0; }
          }
          hash = hashWords(bits, 0, words, hash);
        }
        next.push({ t0, t1, P, q, hash, blockP: inheritBlock ? c.blockP : undefined, blockQ: inheritBlock ? c.blockQ : undefined });
      }
      meter.spend((cuts.length - 1) * width);
    }
    unitIndex++;
    meter.work.units++;
    meter.work.updates += old.length;
    cells = next;
  };
  for (let k = 0; k < net.depth; k++) {
    const layer = net.layer(k);
    if (layer.kind === 'dense') {
      applyUnit(layer.activation === 'relu', layer.weights.rows, (c) => denseAffine1(layer, c.P, c.q), false, layer.weights.cols);
    } else {
      for (const c of cells) { c.blockP = c.P; c.blockQ = c.q; }
      for (const bl of layer.branch) applyUnit(bl.activation === 'relu', bl.weights.rows, (c) => denseAffine1(bl, c.P, c.q), true, bl.weights.cols);
      const width = net.outWidth(k);
      applyUnit(layer.activation === 'relu', width, (c) => {
        const Z = new Float64Array(width), z0 = new Float64Array(width);
        for (let i = 0; i < width; i++) { Z[i] = c.blockP![i] + c.P[i]; z0[i] = c.blockQ![i] + c.q[i]; }
        return { Z, z0 };
      }, false, 1);
    }
    perDepth.push(cells.length);
  }
  let linearPieces = cells.length === 0 ? 0 : 1;
  for (let k = 1; k < cells.length; k++) {
    const a = cells[k - 1], b = cells[k];
    let same = true;
    for (let i = 0; i < a.P.length && same; i++) {
      const scale = Math.max(1e-300, Math.abs(a.P[i]) + Math.abs(b.P[i]) + Math.abs(a.q[i]) + Math.abs(b.q[i]));
      if (Math.abs(a.P[i] - b.P[i]) > 1e-9 * scale || Math.abs(a.q[i] - b.q[i]) > 1e-9 * scale) same = false;
    }
    if (!same) linearPieces++;
  }
  const breakpoints = Float64Array.from(cells.slice(1).map((c) => c.t0));
  let details: SegmentResult['details'];
  if (options.details) {
    const n = cells.length, outDim = net.outputDim;
    const t0 = new Float64Array(n), t1 = new Float64Array(n), hashes = new Uint32Array(n);
    const slope = new Float64Array(n * outDim), offset = new Float64Array(n * outDim);
    cells.forEach((c, k) => {
      t0[k] = c.t0; t1[k] = c.t1; hashes[k] = c.hash;
      slope.set(c.P, k * outDim); offset.set(c.q, k * outDim);
    });
    details = { t0, t1, hashes, outputDim: outDim, slope, offset };
  }
  meter.fraction = 1;
  meter.mark('done');
  return { from, to, source, pieces: cells.length, breakpoints, perDepth, linearPieces, details };
}
