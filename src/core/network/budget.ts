/**
 * Budgets decided before work starts. Every analysis estimates its multiply-adds and the memory it
 * keeps from the network's shapes alone — families and residual families included, without
 * generating a layer — and refuses before allocating when the estimate is above the budget, with a
 * message that names the cost and the control that raises it. The same mechanism as the training
 * runs' work budget (src/core/training/params.ts checkWork, whose unit — one multiply-add or update of
 * about 1–2 ns — this shares); V8's allocation failures are turned into the same kind of message.
 */
import type { Network } from './model';
import { formatBytes } from './limits';

import type { AnalysisBudget } from '../../shared/analyses/budget';

export type { AnalysisBudget };

/**
 * Defaults: 10¹¹ multiply-adds — tens of seconds in plain loops (1–2 ns each), a few seconds in the
 * SIMD kernels that do most of it (a 50-layer 1024² network's convergence, ~10¹⁰, runs in 2.2 s end
 * to end) — and 1 GB: the scale of what an editor panel or a CI step should take. The training runs'
 * default budget is the same 10¹¹.
 */
export const DEFAULT_MAX_WORK = 1e11;
export const DEFAULT_MAX_MEMORY_MB = 1024;
/** Largest values the settings and the CLI accept (a typo must not become "run for a week"). */
export const MAX_MAX_WORK = 1e14;
export const MAX_MAX_MEMORY_MB = 65536;

export const DEFAULT_BUDGET: AnalysisBudget = { maxWork: DEFAULT_MAX_WORK, maxMemoryMB: DEFAULT_MAX_MEMORY_MB };

/** What raises the budget, for messages: CLI options and editor settings. */
const WORK_CONTROL = 'raise it with --max-work (editor: setting depthLens.analysis.maxWork)';
const MEMORY_CONTROL = 'raise it with --max-memory-mb (editor: setting depthLens.analysis.maxMemoryMB)';

/** Short scientific notation for messages: 1.2e13. */
export function sci(x: number): string {
  return x.toExponential(1).replace('e+', 'e');
}

/** An analysis refused by its budget (or whose allocation failed): a RangeError with the numbers. */
export class BudgetError extends RangeError {
  /** `limits`: the whole budget checked (absent for an allocation failure, which has no numbers) */
  constructor(readonly resource: 'work' | 'memory', readonly needed: number, readonly budget: number, message: string, readonly limits?: AnalysisBudget) {
    super(message);
    this.name = 'RangeError';
  }
}

export interface Cost {
  /** multiply-adds */
  work: number;
  /** bytes kept at once */
  bytes: number;
  /** what the cost is made of, e.g. "1000000 layers × 2 probes" */
  detail: string;
}

/** Throws BudgetError when the cost is above the budget; `what` names the analysis ("activations"). */
export function checkBudget(what: string, cost: Cost, budget: AnalysisBudget = DEFAULT_BUDGET): void {
  const maxBytes = budget.maxMemoryMB * 1024 * 1024;
  if (!(cost.bytes <= maxBytes)) {
    throw new BudgetError('memory', cost.bytes, maxBytes,
      `${what} needs about ${formatBytes(cost.bytes)} of memory (${cost.detail}), above the budget of ${budget.maxMemoryMB} MB; ${MEMORY_CONTROL}, or analyse a smaller network`, budget);
  }
  if (!(cost.work <= budget.maxWork)) {
    throw new BudgetError('work', cost.work, budget.maxWork,
      `${what} needs about ${sci(cost.work)} multiply-adds (${cost.detail}), above the budget of ${sci(budget.maxWork)}; ${WORK_CONTROL}, or analyse a smaller network`, budget);
  }
}

/**
 * The budget a panel's "Run with a higher budget" asks for after a refusal: the refused resource
 * raised to what the run needs plus a quarter (rounded up to two significant digits), the other kept;
 * undefined when even the ceiling (MAX_MAX_WORK, MAX_MAX_MEMORY_MB) would not do.
 */
export function raisedBudget(refusal: { resource: 'work' | 'memory'; needed: number; limits: AnalysisBudget }): AnalysisBudget | undefined {
  const { resource, needed, limits } = refusal;
  if (!(needed > 0) || !Number.isFinite(needed)) return undefined;
  const up = (x: number) => { const p = 10 ** (Math.floor(Math.log10(x)) - 1); return Math.ceil(x / p) * p; };
  if (resource === 'work') {
    const maxWork = up(needed * 1.25);
    return maxWork <= MAX_MAX_WORK ? { ...limits, maxWork } : needed <= MAX_MAX_WORK ? { ...limits, maxWork: MAX_MAX_WORK } : undefined;
  }
  const mb = up((needed * 1.25) / (1024 * 1024));
  const neededMB = needed / (1024 * 1024);
  return mb <= MAX_MAX_MEMORY_MB ? { ...limits, maxMemoryMB: mb } : neededMB <= MAX_MAX_MEMORY_MB ? { ...limits, maxMemoryMB: MAX_MAX_MEMORY_MB } : undefined;
}

/**
 * V8's allocation failures ("Invalid typed array length: …", "Array buffer allocation failed",
 * "Invalid array length") as a BudgetError naming the control; anything else unchanged.
 */
export function allocationFailure(e: unknown, what: string): unknown {
  if (!(e instanceof RangeError) || e instanceof BudgetError) return e;
  if (!/Invalid typed array length|Array buffer allocation failed|Invalid array length|Invalid string length/.test(e.message)) return e;
  return new BudgetError('memory', NaN, NaN, `${what} could not allocate its memory (${e.message}): the network is too large for this machine; analyse a smaller network, or lower --max-memory-mb (editor: setting depthLens.analysis.maxMemoryMB) so it is refused before it starts`);
}

/** Run `f`, turning allocation failures into BudgetErrors. */
export function withAllocationCheck<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw allocationFailure(e, what);
  }
}

/** One matrix of a layer: `rows` × `cols` (out × in), and whether ReLU follows. */
export interface UnitShape {
  readonly rows: number;
  readonly cols: number;
}

/** `count` consecutive layers of one shape: a dense layer is one unit, a residual block its branch units plus the outer unit. */
export interface LayerRun {
  readonly count: number;
  /** the matrices of one layer, in order */
  readonly units: readonly UnitShape[];
  /** residual blocks: true (one more unit of `width` neurons, no matrix) */
  readonly residual: boolean;
  /** output width of one layer */
  readonly width: number;
  /**
   * where the weights come from: held in memory ('explicit'), an affine family (a copy per layer) or
   * generated from a seed ('generated': random draws, about GENERATION_WORK multiply-adds a weight,
   * and again on every access — layers above the layer cache's 32 MB are not kept)
   */
  readonly source: 'explicit' | 'affine' | 'generated';
}

/** Multiply-adds one generated random weight costs (a Gaussian or uniform draw, scaled): measured order of magnitude. */
export const GENERATION_WORK = 20;

/** Work of producing one layer of the run once (0 for layers held in memory). */
export function generationWork(r: LayerRun): number {
  if (r.source === 'explicit') return 0;
  let n = 0;
  for (const u of r.units) n += u.rows * u.cols;
  return r.source === 'generated' ? GENERATION_WORK * n : n;
}

/**
 * The network's layers as runs of equal shapes, read from the shapes alone: families and residual
 * families are one run each and generate no layer; explicit residual blocks (already in memory) are read.
 */
export function layerRuns(net: Network): LayerRun[] {
  const runs: LayerRun[] = [];
  const push = (r: LayerRun) => {
    const last = runs[runs.length - 1];
    if (last && last.residual === r.residual && last.width === r.width && last.source === r.source && sameUnits(last.units, r.units)) runs[runs.length - 1] = { ...last, count: last.count + r.count };
    else runs.push(r);
  };
  const dense = (k: number, source: LayerRun['source']): LayerRun => {
    const rows = net.outWidth(k), cols = net.inWidth(k);
    return { count: 1, units: [{ rows, cols }], residual: false, width: rows, source };
  };
  let covered = 0;
  for (const g of net.groups) {
    if (g.start !== covered) break; // groups that do not tile the network: walk it below
    if (g.type === 'family' && g.count > 0) {
      push({ ...dense(g.start, g.family?.kind === 'affine' ? 'affine' : 'generated'), count: g.count });
    } else if (g.type === 'residual-family' && g.branchWidths) {
      const m = net.inWidth(g.start);
      const units: UnitShape[] = [];
      let cols = m;
      for (const rows of g.branchWidths) { units.push({ rows, cols }); cols = rows; }
      push({ count: g.count, units, residual: true, width: m, source: 'generated' });
    } else {
      const source = g.type === 'random' || g.type === 'residual-family' ? 'generated' : 'explicit';
      for (let k = g.start; k < g.start + g.count; k++) push(layerRun(net, k, g.type === 'residual' || g.type === 'residual-family', source));
    }
    covered = g.start + g.count;
  }
  for (let k = covered; k < net.depth; k++) push(layerRun(net, k, true, 'explicit'));
  return runs;
}

function layerRun(net: Network, k: number, mayBeResidual: boolean, source: LayerRun['source']): LayerRun {
  if (mayBeResidual) {
    const layer = net.layer(k);
    if (layer.kind === 'residual') {
      return { count: 1, units: layer.branch.map((l) => ({ rows: l.weights.rows, cols: l.weights.cols })), residual: true, width: net.outWidth(k), source };
    }
  }
  const rows = net.outWidth(k), cols = net.inWidth(k);
  return { count: 1, units: [{ rows, cols }], residual: false, width: rows, source };
}

function sameUnits(a: readonly UnitShape[], b: readonly UnitShape[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].rows !== b[i].rows || a[i].cols !== b[i].cols) return false;
  return true;
}

/**
 * Sum of per-layer costs over the runs: `perLayer(run)` gives one layer's [work, bytes kept]. Also
 * returns the largest single layer's [work, bytes], for analyses that keep one layer at a time.
 */
export function sumOverLayers(runs: readonly LayerRun[], perLayer: (r: LayerRun) => readonly [number, number]): { work: number; bytes: number; maxBytes: number; layers: number; units: number } {
  let work = 0, bytes = 0, maxBytes = 0, layers = 0, units = 0;
  for (const r of runs) {
    const [w, b] = perLayer(r);
    work += r.count * w; bytes += r.count * b;
    if (b > maxBytes) maxBytes = b;
    layers += r.count;
    units += r.count * (r.units.length + (r.residual ? 1 : 0));
  }
  return { work, bytes, maxBytes, layers, units };
}

/** Bytes of a JS object with a few typed arrays (headers, hidden class, array buffers): a measured order of magnitude. */
export const OBJECT_BYTES = 400;

/** The cost of the activations analysis at one input (MATH.md §A): the affine map P_k (width × d) is carried through every layer. */
export function activationsCost(net: Network, options: { partialProducts?: boolean; halfSpaces?: boolean } = {}): Cost {
  const d = net.input.dim;
  const partials = options.partialProducts ?? true, half = options.halfSpaces ?? false;
  let widest = d;
  const s = sumOverLayers(layerRuns(net), (r) => {
    let work = 0, bytes = OBJECT_BYTES + 17 * r.width;
    for (const u of r.units) {
      // Z = W P (rows·cols·d), z and z0 (2·rows·cols), the reference forward pass (rows·cols)
      work += u.rows * u.cols * (d + 3);
      bytes += OBJECT_BYTES + 9 * u.rows + (half ? u.rows * (d + 4) * 9 : 0);
      if (u.rows > widest) widest = u.rows;
    }
    if (r.residual) work += r.width * d;
    work += 3 * generationWork(r);
    if (partials) bytes += 8 * r.width * (d + 1) + OBJECT_BYTES;
    return [work, bytes];
  });
  // the state P (widest × d) and the next one are alive at once
  const bytes = s.bytes + 3 * 8 * widest * d;
  return { work: s.work, bytes, detail: `${s.layers} layer${s.layers === 1 ? '' : 's'}, ${s.units} units, input dimension ${d}${partials ? ', partial products kept' : ''}` };
}

/** A plain forward pass per probe, keeping `perLayerBytes` per layer (rows of a table) and one vector. */
export function forwardCost(net: Network, passes: number, perLayerBytes: number, what: string): Cost {
  let widest = net.input.dim;
  const s = sumOverLayers(layerRuns(net), (r) => {
    let work = 0;
    for (const u of r.units) { work += u.rows * u.cols; if (u.rows > widest) widest = u.rows; }
    return [work * passes + generationWork(r), perLayerBytes];
  });
  return { work: s.work, bytes: s.bytes + 4 * 8 * widest * passes, detail: `${s.layers} layers × ${passes} ${what}` };
}

/** Lanczos iterations assumed per spectral norm of a matrix too large for a full SVD (two matrix-vector products each). */
export const NORM_ITERATIONS = 100;

/** Multiply-adds of one spectral norm of a rows × cols matrix (full SVD up to 48 columns, else Lanczos). */
export function spectralNormWork(rows: number, cols: number): number {
  const lo = Math.min(rows, cols), hi = Math.max(rows, cols);
  if (lo <= 1) return hi;
  if (lo <= 48) return 10 * lo * lo * hi;
  return NORM_ITERATIONS * 2 * rows * cols;
}

/**
 * The least a region partition (2-D slice or segment) costs: the unit list and pattern layout
 * (≈ 300 bytes a unit) and one cell carried through every layer (2 numbers per weight). Region counts
 * beyond one are bounded as they appear by the partition's own limits (core/regions/limits.ts).
 */
export function regionsCost(net: Network, planeDim: number): Cost {
  const s = sumOverLayers(layerRuns(net), (r) => {
    let work = 0;
    for (const u of r.units) work += u.rows * u.cols * (planeDim + 1);
    work += 2 * generationWork(r);
    return [work, 300 * (r.units.length + (r.residual ? 1 : 0))];
  });
  return { work: s.work, bytes: s.bytes, detail: `${s.layers} layers, ${s.units} units, at least one region each` };
}

/**
 * The convergence analysis (MATH.md §A, §B): per layer a norm of W_k − I (or of every branch matrix),
 * a forward step per probe and, when tracked, the partial products P_k (width × d) per probe; it keeps
 * about ten numbers per layer (the series) and a width² scratch matrix.
 */
export function convergenceCost(net: Network, probes: number, trackPP: boolean): Cost {
  const d = net.input.dim;
  let widest = d, hasDense = false, setup = 0;
  const runs = layerRuns(net);
  // an affine family W_k = a·I + s_k·M has ‖W_k − I‖ in closed form from ‖M‖₂ and M's eigenvalues,
  // made once per family: its layers cost only their forward steps (10⁵ layers of width 64: 0.8 s)
  for (const r of runs) if (r.source === 'affine') for (const u of r.units) setup += spectralNormWork(u.rows, u.cols) + 10 * u.rows * u.rows * u.cols;
  const s = sumOverLayers(runs, (r) => {
    let work = 0;
    for (const u of r.units) {
      work += (r.source === 'affine' ? 0 : spectralNormWork(u.rows, u.cols)) + u.rows * u.cols * probes * (1 + (trackPP ? d : 0));
      if (u.rows > widest) widest = u.rows;
    }
    if (!r.residual) hasDense = true;
    work += 2 * generationWork(r);
    // measured: about 100 bytes a layer (series, recorded terms) on a 10⁷-layer family
    return [work, 100];
  });
  const bytes = s.bytes + (hasDense ? 8 * widest * widest : 0) + (trackPP ? 3 * 8 * widest * d * probes : 0) + 4 * 8 * widest * probes;
  return { work: s.work + setup, bytes, detail: `${s.layers} layers of width up to ${widest}, ${probes} probe${probes === 1 ? '' : 's'}${trackPP ? ', partial products tracked' : ''}` };
}

/** The group holding layer k (binary search: groups are in order; a 2·10⁵-layer file has 2·10⁵ groups). */
export function groupAt(net: Network, k: number): Network['groups'][number] | undefined {
  const gs = net.groups;
  let lo = 0, hi = gs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1, g = gs[mid];
    if (k < g.start) hi = mid - 1;
    else if (k >= g.start + g.count) lo = mid + 1;
    else return g;
  }
  return undefined;
}

/** One layer's matrices (out × in), read from the shapes without generating the layer. */
export function layerUnitShapes(net: Network, k: number): { residual: boolean; units: UnitShape[] } {
  const g = groupAt(net, k);
  if (g?.type === 'residual-family' && g.branchWidths) {
    const units: UnitShape[] = [];
    let cols = net.inWidth(k);
    for (const rows of g.branchWidths) { units.push({ rows, cols }); cols = rows; }
    return { residual: true, units };
  }
  if (!g || g.type === 'residual') {
    const layer = net.layer(k);
    if (layer.kind === 'residual') return { residual: true, units: layer.branch.map((l) => ({ rows: l.weights.rows, cols: l.weights.cols })) };
  }
  return { residual: false, units: [{ rows: net.outWidth(k), cols: net.inWidth(k) }] };
}

/**
 * Norms of some layers (info, the overview): generating each layer (a multiply-add per weight, for
 * random draws), ‖W‖₂ and, for square W, ‖W − I‖₂ (a copy); residual blocks: every branch matrix.
 */
export function layerNormsCost(net: Network, layers: readonly number[]): Cost {
  let work = 0, bytes = 0;
  for (const k of layers) {
    const { residual, units } = layerUnitShapes(net, k);
    const g = groupAt(net, k);
    const gen = g && (g.type === 'random' || g.type === 'residual-family' || (g.type === 'family' && g.family?.kind !== 'affine')) ? GENERATION_WORK : 1;
    let b = 0;
    for (const u of units) {
      work += gen * u.rows * u.cols + spectralNormWork(u.rows, u.cols) + (!residual && u.rows === u.cols ? spectralNormWork(u.rows, u.cols) : 0);
      b += 8 * u.rows * u.cols * (!residual && u.rows === u.cols ? 2 : 1);
    }
    if (b > bytes) bytes = b;
  }
  return { work, bytes, detail: `norms of ${layers.length} layer${layers.length === 1 ? '' : 's'}` };
}
