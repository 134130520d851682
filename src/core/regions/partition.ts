/**
 * Exact partition of a 2-D slice of the input space into activation regions (MATH.md §A).
 *
 * On the plane x = o + s·u + t·v every unit's input is an affine function of (s, t) on each current
 * convex polygon, so each neuron's pre-activation a·s + b·t + c vanishes on a line. Layer by layer
 * (unit by unit for residual blocks) every polygon is cut by the lines of the unit's neurons
 * (half-plane clipping of convex polygons); each piece gets the unit's pattern bits and the masked
 * affine map J (Z, z0), which is exact on the piece. Within one parent polygon the pieces are the
 * cells of a line arrangement restricted to a convex set, so their sign vectors are distinct and no
 * region is counted twice.
 *
 * Exactness: a line cuts a polygon when some vertex lies strictly on each side, i.e. |f| > tol with
 * tol = 1e-10 · (the largest |a s| + |b t| + |c| over the parent polygon's vertices) — the magnitude
 * whose rounding decides f's sign; vertices within tol are on the line, go to both sides and create
 * no new points. Such a cut always yields two pieces, however small: a piece with a vertex strictly
 * inside is a genuine region. Only a piece whose computed area is not positive (the cut points
 * rounded onto existing vertices: numerically coincident lines) is merged back into its neighbour,
 * counted in `mergedZeroArea`.
 *
 * Cost: patterns are kept only when asked for (each cell then holds the whole network's packed
 * pattern); colours come from a running hash. The region cap, the memory budget and cancellation
 * are checked inside each split (see limits.ts).
 */
import { CancelledError, silentContext, type AnalysisContext } from '../context';
import { explicitNetwork, type DenseLayer, type Layer, type Network } from '../network/model';
import type { Region, RegionsParams, RegionsResult, SlicePlane } from '../../shared/analyses/activations';
import { activationUnits, patternLayout, type PatternLayout, type UnitInfo } from '../activation/units';
import { collectChunks, parallelThreads, registerTask } from '../parallel';
import { hashColor, hashWords } from '../activation/pattern';
import { affineMapForPattern } from '../activation/pointwise';
import { resolvePlane } from './plane';
import { checkBudget, regionsCost, type AnalysisBudget } from '../network/budget';
import { layerShift, ldexp, magnitude, maxAbs, scaledBias, shiftDown, unscale } from '../network/scaled';
import { DEFAULT_MAX_REGIONS, DEFAULT_MAX_STEPS, DEFAULT_MEMORY_BUDGET_MB, Meter, newWork, PieceLimits, RegionLimitError, remainingSteps, type PartitionWork } from './limits';

const LINE_TOL = 1e-10;
const FNV_OFFSET = 0x811c9dc5;
/** Bytes a cell costs besides its pattern and affine map: object, vertex array (≈ 6 vertices), headers. */
const CELL_OVERHEAD_BYTES = 400;
/** Steps a cell costs per unit besides its affine map and line tests (allocations, bookkeeping). */
const CELL_STEPS = 150;
/** Steps per neuron of a unit and cell: its line tested against the cell's vertices (≈ 5). */
const LINE_STEPS = 10;

/** A convex polygon of the current partition with the affine map of the current unit's output on it. */
interface Cell {
  /** s0, t0, s1, t1, … counter-clockwise */
  verts: number[];
  /**
   * output of the last unit = P (s, t)ᵀ + q on the neurons in `mask`, 0 on the others; P is
   * width × 2 row-major. The pieces of one cell share P and q (perf: a copy per piece was a third of
   * the time, with its garbage), so rows outside the mask are left as they are and skipped on use.
   */
  P: Float64Array;
  q: Float64Array;
  /** the last ReLU unit's pattern bits (undefined: every row of P, q is live) */
  mask?: Uint32Array;
  /** FNV-1a of the pattern bits so far (pattern.ts), continued unit by unit */
  hash: number;
  /** the packed pattern of the whole network, filled unit by unit (only when patterns are kept) */
  pattern?: Uint32Array;
  /** residual block input map (with its mask) while inside a block */
  blockP?: Float64Array;
  blockQ?: Float64Array;
  blockMask?: Uint32Array;
}

const live = (mask: Uint32Array | undefined, i: number) => mask === undefined || ((mask[i >>> 5] >>> (i & 31)) & 1) === 1;

interface Piece {
  verts: number[];
  bits: Uint32Array;
}

export function polygonArea(v: ArrayLike<number>): number {
  let a = 0;
  const n = v.length;
  for (let k = 0; k < n; k += 2) {
    const k2 = k + 2 === n ? 0 : k + 2;
    a += v[k] * v[k2 + 1] - v[k2] * v[k + 1];
  }
  return a / 2;
}

export function polygonCentroid(v: ArrayLike<number>): [number, number] {
  let a = 0, cx = 0, cy = 0;
  const n = v.length;
  for (let k = 0; k < n; k += 2) {
    const k2 = k + 2 === n ? 0 : k + 2;
    const cr = v[k] * v[k2 + 1] - v[k2] * v[k + 1];
    a += cr; cx += (v[k] + v[k2]) * cr; cy += (v[k + 1] + v[k2 + 1]) * cr;
  }
  if (a === 0) {
    // degenerate: vertex mean
    let sx = 0, sy = 0;
    for (let k = 0; k < n; k += 2) { sx += v[k]; sy += v[k + 1]; }
    return [(2 * sx) / n, (2 * sy) / n];
  }
  return [cx / (3 * a), cy / (3 * a)];
}

/** Clip a convex polygon by the line f = a s + b t + c = 0 given vertex classes (+1, −1, 0). */
function clip(verts: number[], f: Float64Array, cls: Int8Array): [number[], number[]] {
  const pos: number[] = [], neg: number[] = [];
  const nv = verts.length >> 1;
  for (let k = 0; k < nv; k++) {
    const s = verts[2 * k], t = verts[2 * k + 1];
    const ck = cls[k];
    if (ck >= 0) pos.push(s, t);
    if (ck <= 0) neg.push(s, t);
    const n = k + 1 === nv ? 0 : k + 1;
    const cn = cls[n];
    if ((ck > 0 && cn < 0) || (ck < 0 && cn > 0)) {
      const r = f[k] / (f[k] - f[n]);
      const ps = s + r * (verts[2 * n] - s), pt = t + r * (verts[2 * n + 1] - t);
      pos.push(ps, pt); neg.push(ps, pt);
    }
  }
  return [pos, neg];
}

/** What a split may do: how many pieces it may make before the caller's limits are crossed. */
interface SplitGuard {
  readonly meter: Meter;
  /** throws (cap or memory) when the cell has become `pieces` pieces */
  check: (pieces: number) => void;
  /** zero-area pieces merged so far */
  merged: number;
}

let fBuf = new Float64Array(64);
let cBuf = new Int8Array(64);

/** Split a convex polygon by all neurons of one ReLU unit: Z (m × 2), z0 (m). */
function splitByUnit(verts: number[], Z: Float64Array, z0: Float64Array, m: number, guard: SplitGuard): Piece[] {
  const words = (m + 31) >>> 5;
  const common = new Uint32Array(words);
  const cutters: number[] = [], tols: number[] = [];
  const nv = verts.length >> 1;
  for (let i = 0; i < m; i++) {
    const a = Z[2 * i], b = Z[2 * i + 1], c = z0[i];
    let mag = 0;
    for (let k = 0; k < nv; k++) {
      const g = Math.abs(a * verts[2 * k]) + Math.abs(b * verts[2 * k + 1]) + Math.abs(c);
      if (g > mag) mag = g;
    }
    const tol = LINE_TOL * mag;
    let pos = false, neg = false;
    for (let k = 0; k < nv; k++) {
      const f = a * verts[2 * k] + b * verts[2 * k + 1] + c;
      if (f > tol) pos = true; else if (f < -tol) neg = true;
    }
    if (pos && neg) { cutters.push(i); tols.push(tol); continue; }
    let on = pos;
    if (!pos && !neg) {
      // constant ≈ 0 on the polygon: decide as the forward pass would at the centroid
      const [sc, tc] = polygonCentroid(verts);
      on = a * sc + b * tc + c > 0;
    }
    if (on) common[i >>> 5] |= 1 << (i & 31);
  }
  guard.meter.spend(2 * m * nv);
  let pieces: Piece[] = [{ verts, bits: common }];
  for (let ci = 0; ci < cutters.length; ci++) {
    const i = cutters[ci], tol = tols[ci];
    const a = Z[2 * i], b = Z[2 * i + 1], c = z0[i];
    const word = i >>> 5, bit = 1 << (i & 31);
    const next: Piece[] = [];
    const work = guard.meter.work;
    for (const piece of pieces) {
      const pv = piece.verts, pn = pv.length >> 1;
      if (fBuf.length < pn) { fBuf = new Float64Array(2 * pn); cBuf = new Int8Array(2 * pn); }
      let pos = false, neg = false;
      for (let k = 0; k < pn; k++) {
        const f = a * pv[2 * k] + b * pv[2 * k + 1] + c;
        fBuf[k] = f;
        if (f > tol) { cBuf[k] = 1; pos = true; } else if (f < -tol) { cBuf[k] = -1; neg = true; } else cBuf[k] = 0;
      }
      if (!(pos && neg)) {
        if (pos) piece.bits[word] |= bit;
        next.push(piece);
        continue;
      }
      const [pv1, nv1] = clip(pv, fBuf, cBuf);
      const ap = polygonArea(pv1), an = polygonArea(nv1);
      if (ap > 0 && an > 0) {
        const bitsP = piece.bits.slice();
        bitsP[word] |= bit;
        next.push({ verts: pv1, bits: bitsP }, { verts: nv1, bits: piece.bits });
        work.cuts++;
      } else {
        // a cut point rounded onto a vertex: the piece is the whole polygon, on its larger side
        guard.merged++;
        if (ap >= an) piece.bits[word] |= bit;
        next.push(piece);
      }
    }
    work.tests += pieces.length;
    pieces = next;
    guard.check(pieces.length);
    guard.meter.spend(pieces.length);
  }
  return pieces;
}

/** The largest |entry| of a cell's live rows (NaN if one is NaN). */
function liveMaxAbs(c: Cell): number {
  const { P, q, mask } = c;
  if (!mask) return Math.max(maxAbs(P), maxAbs(q));
  let m = 0;
  for (let i = 0; i < q.length; i++) {
    if (!live(mask, i)) continue;
    const t = Math.max(Math.abs(P[2 * i]), Math.abs(P[2 * i + 1]), Math.abs(q[i]));
    if (t > m || t !== t) m = t;
  }
  return m;
}

/** A cell's map with its dead rows zeroed, in arrays of its own. */
function liveCopy(c: Cell): [Float64Array, Float64Array] {
  const P = c.P.slice(), q = c.q.slice();
  for (let i = 0; i < q.length; i++) if (!live(c.mask, i)) { P[2 * i] = 0; P[2 * i + 1] = 0; q[i] = 0; }
  return [P, q];
}

let liveBuf = new Int32Array(64);

/**
 * Cells' maps carved out of 1 MB blocks (perf: a Float64Array of its own per cell cost a
 * backing-store allocation each and a fifth of the time in garbage collection). A block lives as
 * long as one of its views; the cells of one unit are made together and die together.
 */
class MapSlab {
  private block = new Float64Array(0);
  private used = 0;

  take(length: number): Float64Array {
    if (this.used + length > this.block.length) {
      this.block = new Float64Array(Math.max(length, 1 << 17));
      this.used = 0;
    }
    const view = this.block.subarray(this.used, this.used + length);
    this.used += length;
    return view;
  }
}

/**
 * Z = W P, z0 = W q + b for a cell (P: n × 2, rows outside `mask` dead); `bias` is b in the cells'
 * scale (b·2^−e). A dead row or a zero weight adds nothing and is skipped: adding w·0 to a sum that
 * starts at +0 or b_i leaves its bits unchanged, so this equals the product with zeroed rows.
 */
function denseAffine(slab: MapSlab, l: DenseLayer, P: Float64Array, q: Float64Array, mask: Uint32Array | undefined, bias: Float64Array): { Z: Float64Array; z0: Float64Array } {
  const { rows: m, cols: n, data: W } = l.weights;
  const Z = slab.take(2 * m), z0 = slab.take(m);
  if (liveBuf.length < n) liveBuf = new Int32Array(n);
  const cols = liveBuf;
  let count = 0;
  for (let j = 0; j < n; j++) if (live(mask, j)) cols[count++] = j;
  for (let i = 0; i < m; i++) {
    let a = 0, b = 0, c = bias[i];
    const off = i * n;
    for (let t = 0; t < count; t++) {
      const j = cols[t];
      const w = W[off + j];
      if (w === 0) continue;
      const pj = 2 * j;
      a += w * P[pj]; b += w * P[pj + 1]; c += w * q[j];
    }
    Z[2 * i] = a; Z[2 * i + 1] = b; z0[i] = c;
  }
  return { Z, z0 };
}

export interface PartitionOptions {
  readonly polygons?: boolean;
  /** keep every region's packed pattern (default: with polygons) */
  readonly patterns?: boolean;
  readonly inputMaps?: boolean;
  readonly maxRegions?: number;
  /** refuse when the cells would keep more than this many MB (default 512) */
  readonly memoryBudgetMB?: number;
  /** refuse as soon as carrying the regions through the layers certainly needs more steps (default 10¹⁰) */
  readonly maxSteps?: number;
  /** filled with the work done as the partition runs (also when it throws) */
  readonly work?: PartitionWork;
  /** the analysis budget, checked from the shapes before anything is allocated */
  readonly budget?: AnalysisBudget;
  /**
   * when a limit (maxSteps, maxRegions, memory) stops the partition, return the exact partition of
   * the layers done so far (`depth` says how many) instead of refusing; a layer that would cross
   * maxSteps is not started
   */
  readonly prefix?: boolean;
}

/** What a partition needs besides its cells: the network's units, the limits and the options. */
interface PartitionSetup {
  readonly net: Network;
  readonly units: readonly UnitInfo[];
  readonly layout: PatternLayout;
  readonly limits: PieceLimits;
  readonly stepsFrom: Float64Array;
  readonly patternWords: number;
  readonly prefix: boolean;
  readonly unitNoun: string;
}

function partitionSetup(net: Network, units: readonly UnitInfo[], layout: PatternLayout, options: { keepPatterns: boolean; maxRegions: number; memoryBudgetMB: number; maxSteps: number; prefix: boolean }): PartitionSetup {
  return {
    net, units, layout, prefix: options.prefix,
    patternWords: options.keepPatterns ? layout.words : 0,
    limits: new PieceLimits(
      { many: 'regions', where: 'the slice', shrink: 'shrink the box', raise: 'maxRegions' },
      options.maxRegions, options.memoryBudgetMB, options.maxSteps,
      'ask without patterns (counts, polygons and colours need none)',
    ),
    unitNoun: units.length === net.depth ? 'layers' : 'units (layers, branch layers and outer σ of residual blocks)',
    stepsFrom: remainingSteps(units, net.input.dim, LINE_STEPS, CELL_STEPS),
  };
}

/**
 * What a subtree run (a helper's chunk of cells carried through the remaining layers) saw, for the
 * checks the whole partition would have made: cells and steps when each unit started, and each
 * layer's largest live map entry (the subtree run never rescales; see runParallel).
 */
interface SubtreeRecord {
  readonly cellsAt: Float64Array;
  readonly stepsAt: Float64Array;
  readonly big: Float64Array;
  readonly perDepth: Float64Array;
}

/** Carries the cells of a partition through units (the whole partition, or a helper's subtree). */
class CellRun {
  merged = 0;
  private readonly slab = new MapSlab();

  constructor(
    private readonly setup: PartitionSetup,
    readonly meter: Meter,
    public cells: Cell[],
    /** the cells' maps are mantissas: the true P, q are P·2^e, q·2^e (core/network/scaled.ts) */
    public e: number,
    public unitIndex: number,
    public patternUnit: number,
    /** subtree runs: record instead of rescaling */
    private readonly record?: SubtreeRecord,
  ) {}

  partitionLayer(k: number, layer: Layer): void {
    const { net } = this.setup;
    // one exponent for all cells: lines are sign-invariant under a common positive scale
    let big = 0;
    for (const c of this.cells) { const m = liveMaxAbs(c); if (m > big) big = m; }
    if (this.record) this.record.big[k] = big;
    else {
      const shift = layerShift(layer, Math.log2(big), this.e, k + 1);
      if (shift !== 0) {
        // pieces share their maps: shift each array once
        const shifted = new Set<Float64Array>();
        for (const c of this.cells) for (const a of [c.P, c.q]) if (!shifted.has(a)) { shifted.add(a); shiftDown(a, shift); }
        this.e += shift;
      }
    }
    const slab = this.slab;
    if (layer.kind === 'dense') {
      const bias = scaledBias(layer.bias, this.e);
      this.applyUnit(layer.activation === 'relu', layer.weights.rows, (c) => denseAffine(slab, layer, c.P, c.q, c.mask, bias), () => undefined, layer.weights.cols);
    } else {
      // remember the block input's map on every cell; pieces inherit it
      for (const c of this.cells) { c.blockP = c.P; c.blockQ = c.q; c.blockMask = c.mask; }
      for (const bl of layer.branch) {
        const bias = scaledBias(bl.bias, this.e);
        this.applyUnit(bl.activation === 'relu', bl.weights.rows, (c) => denseAffine(slab, bl, c.P, c.q, c.mask, bias), (parent, child) => { child.blockP = parent.blockP; child.blockQ = parent.blockQ; child.blockMask = parent.blockMask; }, bl.weights.cols);
      }
      const width = net.outWidth(k);
      this.applyUnit(layer.activation === 'relu', width, (c) => {
        const Z = slab.take(2 * width), z0 = slab.take(width);
        const bP = c.blockP!, bQ = c.blockQ!, bM = c.blockMask, cM = c.mask;
        // a dead row counts as +0, as it would if it had been zeroed
        for (let i = 0; i < width; i++) {
          const lb = live(bM, i), lc = live(cM, i);
          Z[2 * i] = (lb ? bP[2 * i] : 0) + (lc ? c.P[2 * i] : 0);
          Z[2 * i + 1] = (lb ? bP[2 * i + 1] : 0) + (lc ? c.P[2 * i + 1] : 0);
          z0[i] = (lb ? bQ[i] : 0) + (lc ? c.q[i] : 0);
        }
        return { Z, z0 };
      }, () => undefined, 1);
      for (const c of this.cells) { c.blockP = undefined; c.blockQ = undefined; c.blockMask = undefined; }
    }
    if (this.record) this.record.perDepth[k] = this.cells.length;
  }

  private applyUnit(relu: boolean, width: number, affine: (c: Cell) => { Z: Float64Array; z0: Float64Array }, keepBlock: (c: Cell, child: Cell) => void, inputWidth: number): void {
    const { units, layout, limits, stepsFrom, patternWords, prefix, unitNoun } = this.setup;
    const meter = this.meter, unitIndex = this.unitIndex, totalUnits = units.length;
    const label = units[unitIndex].label;
    if (this.record) { this.record.cellsAt[unitIndex] = this.cells.length; this.record.stepsAt[unitIndex] = meter.work.steps; }
    meter.fraction = unitIndex / totalUnits;
    meter.mark(`${label}: ${this.cells.length} regions`);
    const mapNumbers = 3 * width;
    const bytesEach = 8 * mapNumbers + 4 * patternWords + CELL_OVERHEAD_BYTES;
    const parts = { patternWords, mapNumbers };
    // every cell becomes at least one piece: check before computing anything
    limits.check(this.cells.length, label, bytesEach, parts);
    // prefix: the layer's own cost is checked before it starts (see the depth loop)
    if (!prefix) limits.checkWork(this.cells.length, stepsFrom[unitIndex], meter.work.steps, label, { units: totalUnits - unitIndex, of: totalUnits, noun: unitNoun });
    const next: Cell[] = [];
    const wordOff = relu ? layout.wordOffset[this.patternUnit] : 0;
    const unitWords = (width + 31) >>> 5;
    const old = this.cells;
    const guard: SplitGuard = { meter, merged: 0, check: () => undefined };
    for (let ci = 0; ci < old.length; ci++) {
      meter.fraction = (unitIndex + ci / old.length) / totalUnits;
      const cell = old[ci];
      // free the parent as we go: the old and the new partition never both sit in memory whole
      (old as Array<Cell | undefined>)[ci] = undefined;
      const { Z, z0 } = affine(cell);
      meter.spend(width * inputWidth + CELL_STEPS);
      if (!relu) {
        const child: Cell = { verts: cell.verts, P: Z, q: z0, mask: undefined, hash: cell.hash, pattern: cell.pattern };
        keepBlock(cell, child);
        next.push(child);
        continue;
      }
      const remaining = old.length - ci - 1;
      guard.check = (pieces) => limits.check(next.length + pieces + remaining, label, bytesEach, parts);
      const pieces = splitByUnit(cell.verts, Z, z0, width, guard);
      for (let pi = 0; pi < pieces.length; pi++) {
        const piece = pieces[pi];
        const last = pi === pieces.length - 1;
        // the last piece may take over the parent's pattern; every piece shares Z, z0 (see Cell)
        let pattern = cell.pattern;
        if (pattern) {
          if (!last) pattern = pattern.slice();
          pattern.set(piece.bits, wordOff);
        }
        const child: Cell = { verts: piece.verts, P: Z, q: z0, mask: piece.bits, hash: hashWords(piece.bits, 0, unitWords, cell.hash), pattern };
        keepBlock(cell, child);
        next.push(child);
      }
      meter.spend(pieces.length * width);
    }
    this.merged += guard.merged;
    meter.work.updates += old.length;
    if (relu) this.patternUnit++;
    this.unitIndex++;
    meter.work.units++;
    this.cells = next;
  }
}

/** The exact partition of `plane` (see the module comment). */
export function partitionPlane(net: Network, plane: SlicePlane, options: PartitionOptions = {}, ctx: AnalysisContext = silentContext): RegionsResult {
  const d = net.input.dim;
  checkBudget('regions', regionsCost(net, 2), options.budget);
  const units = activationUnits(net);
  const layout = patternLayout(units);
  const wantPolygons = options.polygons ?? true;
  const keepPatterns = options.patterns ?? wantPolygons;
  const prefix = options.prefix === true;
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const limitOptions = { keepPatterns, maxRegions: options.maxRegions ?? DEFAULT_MAX_REGIONS, memoryBudgetMB: options.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB, maxSteps, prefix };
  const setup = partitionSetup(net, units, layout, limitOptions);
  const meter = new Meter(ctx, options.work ?? newWork());
  // input of the network on the plane: x = [u v] (s, t)ᵀ + o — on a rescaled slice when the box
  // or the plane is too large (or small) for float64 areas and line offsets (see sliceFrame)
  const frame = sliceFrame(plane);
  const { box: [smin, smax, tmin, tmax], P0, q0 } = frame;
  const run = new CellRun(setup, meter, [{
    verts: [smin, tmin, smax, tmin, smax, tmax, smin, tmax], P: P0, q: q0,
    hash: FNV_OFFSET, pattern: keepPatterns ? new Uint32Array(layout.words) : undefined,
  }], frame.e, 0, 0);
  const perDepth: number[] = [];
  /** set when the partition stopped early (prefix): the layers done and why */
  let stopped: { depth: number; reason: string } | undefined;
  let parallelTried = false;

  for (let k = 0; k < net.depth; k++) {
    if (!parallelTried && worthParallel(net, k, run, setup)) {
      parallelTried = true;
      const done = runParallel(net, k, run, setup, { wantPolygons, limitOptions }, ctx);
      if (done) { perDepth.push(...done); break; }
    }
    const layer = net.layer(k);
    const layerUnits = layer.kind === 'dense' ? 1 : layer.branch.length + 1;
    if (prefix) {
      const cost = run.cells.length * (setup.stepsFrom[run.unitIndex] - setup.stepsFrom[run.unitIndex + layerUnits]);
      if (meter.work.steps + cost > maxSteps) {
        stopped = { depth: k, reason: `layer ${k + 1} would take the work past ${maxSteps.toExponential(1).replace('e+', 'e')} steps (${run.cells.length.toLocaleString('en-US')} regions after ${k} layers)` };
        break;
      }
    }
    // the layer's starting cells, kept (prefix) so that a limit crossed inside it returns the layers before
    const start = prefix ? run.cells.slice() : undefined;
    const startUnit = run.unitIndex, startPatternUnit = run.patternUnit, startMerged = run.merged;
    try {
      run.partitionLayer(k, layer);
    } catch (err) {
      if (!start || !(err instanceof RegionLimitError)) throw err;
      run.cells = start; run.unitIndex = startUnit; run.patternUnit = startPatternUnit; run.merged = startMerged;
      stopped = { depth: k, reason: err.message };
      break;
    }
    perDepth.push(run.cells.length);
  }
  const cells = run.cells, e = run.e, merged = run.merged;
  const depth = stopped ? stopped.depth : net.depth;
  // a partition that stopped inside a layer may have written bits of later units into the patterns
  if (stopped) for (const c of cells) c.pattern = undefined;

  let polygons: Region[] | undefined;
  let overflow: RegionsResult['overflow'];
  // each region gets a map of its own (not a view into a slab block), dead rows zero
  if (wantPolygons) for (const c of cells) { [c.P, c.q] = liveCopy(c); c.mask = undefined; }
  if (wantPolygons && (e !== 0 || frame.scaled)) {
    // maps back to plain numbers; the first one beyond float64 withholds every map (NaN), never ∞
    for (const c of cells) {
      const P = unscale(c.P, e), q = unscale(c.q, e);
      if (!overflow && (!P.every(Number.isFinite) || !q.every(Number.isFinite))) {
        const log2 = Math.log2(Math.max(maxAbs(c.P), maxAbs(c.q))) + e;
        overflow = { layer: depth, message: `the regions' affine maps overflow float64 (${magnitude(log2)}): they are withheld; the partition and the count are exact (computed on a rescaled slice)` };
      }
      c.P = P; c.q = q;
      if (frame.scaled) c.verts = frame.unmap(c.verts);
    }
    if (overflow) for (const c of cells) { c.P.fill(NaN); c.q.fill(NaN); }
  }
  if (wantPolygons) {
    const outDim = depth === 0 ? d : net.outWidth(depth - 1);
    // 2-D inputs: the input map follows from the plane map by inverting (s, t) ↦ o + s u + t v;
    // otherwise it is rebuilt from the pattern (one forward recursion per region)
    const planeInverse = d === 2 ? invertPlane(plane) : undefined;
    // maps from values beyond float64 are not numbers: withheld with the plane maps
    const wantInput = (options.inputMaps ?? true) && !overflow && e === 0 && (!stopped || planeInverse !== undefined);
    // the recursion multiplies every unit's matrix into a width × d map: stepsFrom with n·d per entry
    const recursionCost = wantInput && !planeInverse ? d * setup.stepsFrom[0] : 0;
    polygons = cells.map((c, id) => {
      meter.fraction = id / cells.length;
      const vertices = Float64Array.from(c.verts);
      let input: Region['input'];
      if (wantInput && planeInverse) input = composeInverse(c.P, c.q, outDim, planeInverse);
      else if (wantInput && c.pattern) { input = affineMapForPattern(net, c.pattern, layout); meter.spend(recursionCost); }
      const region: Region = {
        id, hash: c.hash, color: hashColor(c.hash), pattern: c.pattern, vertices,
        area: polygonArea(vertices), centroid: polygonCentroid(vertices),
        plane: { A: { rows: outDim, cols: 2, data: c.P }, c: c.q },
        input,
      };
      return region;
    });
  }
  meter.fraction = 1;
  meter.mark('done');
  return {
    plane, regions: cells.length, perDepth, patternUnits: layout.units, patternWords: layout.words,
    mergedZeroArea: merged, polygons,
    ...(overflow ? { overflow } : {}),
    ...(stopped ? { depth: stopped.depth, stopped: stopped.reason } : {}),
  };
}

/**
 * The slice in coordinates float64 can carry: when the box or the plane vectors are huge or tiny
 * (a box [−1e308, 1e308]² has areas of 1e616 and offsets that overflow), the box is mapped to
 * [−1, 1]² (s = cs + hs·s′) and the plane's vectors scaled by 2^−e. Lines, cells and their count are
 * unchanged by both; `unmap` brings vertices back. Ordinary slices are used as given (scaled false, e = 0).
 */
function sliceFrame(plane: SlicePlane): { box: [number, number, number, number]; P0: Float64Array; q0: Float64Array; e: number; scaled: boolean; unmap: (v: number[]) => number[] } {
  const [smin, smax, tmin, tmax] = plane.box;
  const d = plane.u.length;
  const big = Math.max(Math.abs(smin), Math.abs(smax), Math.abs(tmin), Math.abs(tmax));
  const hs = smax / 2 - smin / 2, ht = tmax / 2 - tmin / 2;
  const vec = Math.max(maxAbs(plane.u), maxAbs(plane.v), maxAbs(plane.origin));
  const ordinary = big < 1e100 && hs > 1e-100 && ht > 1e-100 && vec < 1e100 && big * vec < 1e150;
  if (ordinary) {
    const P0 = new Float64Array(2 * d);
    for (let j = 0; j < d; j++) { P0[2 * j] = plane.u[j]; P0[2 * j + 1] = plane.v[j]; }
    return { box: [smin, smax, tmin, tmax], P0, q0: Float64Array.from(plane.origin), e: 0, scaled: false, unmap: (v) => v };
  }
  const cs = smin / 2 + smax / 2, ct = tmin / 2 + tmax / 2;
  // x = (o + cs·u + ct·v) + s′·(hs·u) + t′·(ht·v), all divided by 2^e
  const e = Math.max(0, Math.ceil(Math.log2(Math.max(big, Math.abs(hs), Math.abs(ht))) + Math.log2(Math.max(vec, Number.MIN_VALUE))) + 2);
  const hsS = ldexp(hs, -e), htS = ldexp(ht, -e), csS = ldexp(cs, -e), ctS = ldexp(ct, -e);
  const P0 = new Float64Array(2 * d), q0 = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    P0[2 * j] = hsS * plane.u[j]; P0[2 * j + 1] = htS * plane.v[j];
    q0[j] = ldexp(plane.origin[j], -e) + csS * plane.u[j] + ctS * plane.v[j];
  }
  const unmap = (v: number[]) => v.map((x, i) => (i % 2 === 0 ? cs + hs * x : ct + ht * x));
  return { box: [-1, 1, -1, 1], P0, q0, e, scaled: true, unmap };
}

interface PlaneInverse { inv: [number, number, number, number]; origin: Float64Array }

function invertPlane(plane: SlicePlane): PlaneInverse | undefined {
  const [a, b, c, e] = [plane.u[0], plane.v[0], plane.u[1], plane.v[1]];
  const det = a * e - b * c;
  if (det === 0) return undefined;
  return { inv: [e / det, -b / det, -c / det, a / det], origin: plane.origin };
}

/** N = Ap (s, t) + cp with (s, t) = M (x − o) ⇒ N = (Ap M) x + (cp − Ap M o). */
function composeInverse(Ap: Float64Array, cp: Float64Array, outDim: number, pi: PlaneInverse): { A: { rows: number; cols: number; data: Float64Array }; c: Float64Array } {
  const [m00, m01, m10, m11] = pi.inv;
  const A = new Float64Array(2 * outDim), c = new Float64Array(outDim);
  for (let i = 0; i < outDim; i++) {
    const p0 = Ap[2 * i], p1 = Ap[2 * i + 1];
    const a0 = p0 * m00 + p1 * m10, a1 = p0 * m01 + p1 * m11;
    A[2 * i] = a0; A[2 * i + 1] = a1;
    c[i] = cp[i] - a0 * pi.origin[0] - a1 * pi.origin[1];
  }
  return { A: { rows: outDim, cols: 2, data: A }, c };
}

/** Resolve the plane from params (see resolvePlane) and partition it. */
export function slicePartition(net: Network, params: RegionsParams = {}, ctx: AnalysisContext = silentContext, work?: PartitionWork): RegionsResult {
  const plane = resolvePlane(net, params);
  return partitionPlane(net, plane, { polygons: params.polygons, patterns: params.patterns, inputMaps: params.inputMaps, maxRegions: params.maxRegions, memoryBudgetMB: params.memoryBudgetMB, maxSteps: params.maxSteps, work, budget: params.budget, prefix: params.prefix }, ctx);
}

// ── the rest of the partition on every thread ───────────────────────────────────────────────────
//
// Once the slice has a few dozen cells, each cell's descendants depend on that cell alone: the
// cells are cut into contiguous chunks, every chunk is carried through the remaining layers on
// some thread, and the chunks' final cells, concatenated in order, are exactly the whole
// partition's (it lists the children of cell 0, then of cell 1, … at every unit). Two things in the
// whole partition look at all cells at once, and are checked afterwards from what each chunk
// recorded: the common rescale of a layer (a subtree never rescales; the partition is kept only if
// the largest entry over all chunks needs none either, which is every ordinary network), and the
// limits (cells and steps at every unit, summed over the chunks; a chunk alone past a limit stops
// early). When a check fails the rest is done again on this thread, which then refuses or stops
// exactly as it always did. So the result is the same bits on any number of threads.

const SUBTREE_TASK = 'regions.subtrees';
/** cells at a layer boundary before the rest of the partition is spread over threads */
const PARALLEL_MIN_CELLS = 32;
/** chunks of cells (fixed, so each chunk is the same work on any pool; only the balance varies) */
const SUBTREE_CHUNKS = 64;
/** steps of work left (≈ 10 ns each) from which the copies to the helpers pay: about 40 ms */
const PARALLEL_MIN_STEPS = 1 << 22;
/** layers and their numbers copied to every helper at most */
const PARALLEL_MAX_LAYERS = 4096;
const PARALLEL_MAX_NUMBERS = 1 << 22;
const NO_MAP = new Float64Array(0);

interface SubtreeInput {
  readonly dim: number;
  readonly layers: readonly Layer[];
  readonly units: readonly UnitInfo[];
  readonly layout: PatternLayout;
  readonly limitOptions: Parameters<typeof partitionSetup>[3];
  readonly startLayer: number;
  readonly startUnit: number;
  readonly startPatternUnit: number;
  /** width of the starting cells' maps */
  readonly width: number;
  readonly count: number;
  readonly verts: Float64Array;
  readonly vertsOffset: Int32Array;
  /** per cell P (2·width) then q (width), dead rows zero */
  readonly maps: Float64Array;
  readonly hashes: Uint32Array;
  readonly patterns?: Uint32Array;
  readonly wantPolygons: boolean;
}

interface SubtreeOutput {
  readonly record: SubtreeRecord;
  readonly work: PartitionWork;
  readonly merged: number;
  readonly count: number;
  /** the final cells, when polygons are wanted (packed as the input's) */
  readonly finals?: { verts: Float64Array; vertsOffset: Int32Array; maps: Float64Array; width: number; hashes: Uint32Array; patterns?: Uint32Array };
}

function worthParallel(net: Network, k: number, run: CellRun, setup: PartitionSetup): boolean {
  if (parallelThreads() < 2 || k === 0 || run.e !== 0 || run.cells.length < PARALLEL_MIN_CELLS) return false;
  if (run.cells.length * setup.stepsFrom[run.unitIndex] < PARALLEL_MIN_STEPS || net.depth > PARALLEL_MAX_LAYERS) return false;
  let numbers = 0;
  for (let j = 0; j < net.depth; j++) {
    const l = net.layer(j);
    for (const dl of l.kind === 'dense' ? [l] : l.branch) numbers += dl.weights.rows * (dl.weights.cols + 1);
  }
  return numbers <= PARALLEL_MAX_NUMBERS;
}

/** A dense layer in arrays of its own (a view into a large file's buffer would be copied whole). */
const ownDense = (l: DenseLayer): DenseLayer => ({ kind: 'dense', weights: { rows: l.weights.rows, cols: l.weights.cols, data: l.weights.data.slice() }, bias: l.bias.slice(), activation: l.activation });

/** Cells packed into typed arrays: vertices, live maps (dead rows zero), hashes and patterns. */
function packCells(cells: readonly Cell[], width: number, words: number, withMaps: boolean): { verts: Float64Array; vertsOffset: Int32Array; maps: Float64Array; hashes: Uint32Array; patterns?: Uint32Array } {
  const n = cells.length;
  const vertsOffset = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) vertsOffset[i + 1] = vertsOffset[i] + cells[i].verts.length;
  const verts = new Float64Array(vertsOffset[n]);
  const maps = withMaps ? new Float64Array(n * 3 * width) : NO_MAP;
  const hashes = new Uint32Array(n);
  const patterns = words > 0 ? new Uint32Array(n * words) : undefined;
  cells.forEach((c, i) => {
    verts.set(c.verts, vertsOffset[i]);
    hashes[i] = c.hash;
    if (patterns && c.pattern) patterns.set(c.pattern, i * words);
    if (!withMaps) return;
    const [P, q] = liveCopy(c);
    maps.set(P, i * 3 * width);
    maps.set(q, i * 3 * width + 2 * width);
  });
  return { verts, vertsOffset, maps, hashes, patterns };
}

function unpackCell(p: { verts: Float64Array; vertsOffset: Int32Array; maps: Float64Array; hashes: Uint32Array; patterns?: Uint32Array }, i: number, width: number, words: number): Cell {
  const m = i * 3 * width;
  return {
    verts: Array.from(p.verts.subarray(p.vertsOffset[i], p.vertsOffset[i + 1])),
    P: p.maps.length > 0 ? p.maps.slice(m, m + 2 * width) : NO_MAP,
    q: p.maps.length > 0 ? p.maps.slice(m + 2 * width, m + 3 * width) : NO_MAP,
    hash: p.hashes[i],
    pattern: p.patterns ? p.patterns.slice(i * words, (i + 1) * words) : undefined,
  };
}

const subtreeNetworks = new WeakMap<SubtreeInput, { net: Network; setup: PartitionSetup }>();

function subtreeChunk(input: SubtreeInput, chunk: number): SubtreeOutput {
  let known = subtreeNetworks.get(input);
  if (!known) {
    const net = explicitNetwork({ dim: input.dim, probes: [] }, input.layers);
    known = { net, setup: partitionSetup(net, input.units, input.layout, input.limitOptions) };
    subtreeNetworks.set(input, known);
  }
  const { net, setup } = known;
  const words = setup.patternWords;
  const from = Math.floor((chunk * input.count) / SUBTREE_CHUNKS), to = Math.floor(((chunk + 1) * input.count) / SUBTREE_CHUNKS);
  const cells: Cell[] = [];
  for (let i = from; i < to; i++) cells.push(unpackCell(input, i, input.width, words));
  const U = input.units.length, D = net.depth;
  const record: SubtreeRecord = { cellsAt: new Float64Array(U + 1), stepsAt: new Float64Array(U + 1), big: new Float64Array(D), perDepth: new Float64Array(D) };
  const work = newWork();
  const run = new CellRun(setup, new Meter(silentContext, work), cells, 0, input.startUnit, input.startPatternUnit, record);
  for (let j = input.startLayer; j < D; j++) run.partitionLayer(j, net.layer(j));
  record.cellsAt[U] = run.cells.length;
  record.stepsAt[U] = work.steps;
  const outWidth = net.outWidth(D - 1);
  const finals = input.wantPolygons ? { ...packCells(run.cells, outWidth, words, true), width: outWidth } : undefined;
  return { record, work, merged: run.merged, count: run.cells.length, finals };
}

registerTask(SUBTREE_TASK, subtreeChunk as (input: never, chunk: number) => unknown);

/**
 * Layers k.. of the partition on every thread (see above). On success the run holds the final cells
 * and the per-layer counts are returned; undefined when the rest must be done on this thread.
 */
function runParallel(net: Network, k: number, run: CellRun, setup: PartitionSetup, opts: { wantPolygons: boolean; limitOptions: Parameters<typeof partitionSetup>[3] }, ctx: AnalysisContext): number[] | undefined {
  const width = net.outWidth(k - 1), words = setup.patternWords;
  const layers: Layer[] = [];
  for (let j = 0; j < net.depth; j++) {
    const l = net.layer(j);
    layers.push(l.kind === 'dense' ? ownDense(l) : { kind: 'residual', branch: l.branch.map(ownDense), activation: l.activation });
  }
  const input: SubtreeInput = {
    dim: net.input.dim, layers, units: setup.units, layout: setup.layout, limitOptions: opts.limitOptions,
    startLayer: k, startUnit: run.unitIndex, startPatternUnit: run.patternUnit, width, count: run.cells.length,
    ...packCells(run.cells, width, words, true), wantPolygons: opts.wantPolygons,
  };
  const meter = run.meter, start = meter.fraction;
  let outputs: SubtreeOutput[];
  try {
    outputs = collectChunks<SubtreeOutput>(SUBTREE_TASK, input, SUBTREE_CHUNKS, {
      isCancelled: () => ctx.isCancelled(),
      progress: (f) => ctx.progress(start + (1 - start) * f, `layers ${k + 1}–${net.depth}: ${run.cells.length} regions carried on every thread`),
    });
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    // a chunk alone crossed a limit (or failed): this thread redoes the rest and says what happened
    return undefined;
  }
  // the checks the whole partition makes at each unit, from the chunks' sums
  const { units, limits, stepsFrom, prefix, unitNoun } = setup;
  const U = units.length, steps0 = meter.work.steps;
  const sum = (f: (o: SubtreeOutput) => number) => outputs.reduce((s, o) => s + f(o), 0);
  const cellsAt = (u: number) => sum((o) => o.record.cellsAt[u]);
  const stepsAt = (u: number) => steps0 + sum((o) => o.record.stepsAt[u]);
  try {
    for (let j = k, u = run.unitIndex; j < net.depth; j++) {
      const layer = net.layer(j);
      const layerUnits = layer.kind === 'dense' ? 1 : layer.branch.length + 1;
      if (prefix && stepsAt(u) + cellsAt(u) * (stepsFrom[u] - stepsFrom[u + layerUnits]) > opts.limitOptions.maxSteps) return undefined;
      const big = Math.max(...outputs.map((o) => o.record.big[j]));
      if (layerShift(layer, Math.log2(big), 0, j + 1) !== 0) return undefined;
      for (let t = 0; t < layerUnits; t++, u++) {
        const { label, width: w } = units[u];
        const parts = { patternWords: words, mapNumbers: 3 * w };
        const bytesEach = 8 * parts.mapNumbers + 4 * words + CELL_OVERHEAD_BYTES;
        limits.check(cellsAt(u), label, bytesEach, parts);
        // the splits' own checks never counted more than the cells after the unit
        limits.check(cellsAt(u + 1), label, bytesEach, parts);
        if (!prefix) limits.checkWork(cellsAt(u), stepsFrom[u], stepsAt(u), label, { units: U - u, of: U, noun: unitNoun });
      }
    }
  } catch (err) {
    if (err instanceof RegionLimitError) return undefined;
    throw err;
  }
  const cells: Cell[] = [];
  const placeholder: Cell = { verts: [], P: NO_MAP, q: NO_MAP, hash: FNV_OFFSET };
  for (const o of outputs) {
    if (!o.finals) { for (let i = 0; i < o.count; i++) cells.push(placeholder); continue; }
    for (let i = 0; i < o.count; i++) cells.push(unpackCell(o.finals, i, o.finals.width, words));
  }
  run.cells = cells;
  const unitsDone = U - run.unitIndex;
  run.unitIndex = U;
  run.patternUnit = setup.layout.units.length;
  run.merged += sum((o) => o.merged);
  const work = meter.work;
  work.steps = stepsAt(U);
  work.units += unitsDone;
  work.updates += sum((o) => o.work.updates);
  work.cuts += sum((o) => o.work.cuts);
  work.tests += sum((o) => o.work.tests);
  meter.fraction = 1;
  const perDepth: number[] = [];
  for (let j = k; j < net.depth; j++) perDepth.push(sum((o) => o.record.perDepth[j]));
  return perDepth;
}
