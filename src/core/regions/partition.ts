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
import { silentContext, type AnalysisContext } from '../context';
import type { DenseLayer, Network } from '../network/model';
import type { Region, RegionsParams, RegionsResult, SlicePlane } from '../../shared/analyses/activations';
import { activationUnits, patternLayout } from '../activation/units';
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

/** The exact partition of `plane` (see the module comment). */
export function partitionPlane(net: Network, plane: SlicePlane, options: PartitionOptions = {}, ctx: AnalysisContext = silentContext): RegionsResult {
  const d = net.input.dim;
  checkBudget('regions', regionsCost(net, 2), options.budget);
  const units = activationUnits(net);
  const layout = patternLayout(units);
  const wantPolygons = options.polygons ?? true;
  const keepPatterns = options.patterns ?? wantPolygons;
  const patternWords = keepPatterns ? layout.words : 0;
  const limits = new PieceLimits(
    { many: 'regions', where: 'the slice', shrink: 'shrink the box', raise: 'maxRegions' },
    options.maxRegions ?? DEFAULT_MAX_REGIONS, options.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB, options.maxSteps ?? DEFAULT_MAX_STEPS,
    'ask without patterns (counts, polygons and colours need none)',
  );
  const unitNoun = units.length === net.depth ? 'layers' : 'units (layers, branch layers and outer σ of residual blocks)';
  const stepsFrom = remainingSteps(units, d, LINE_STEPS, CELL_STEPS);
  const meter = new Meter(ctx, options.work ?? newWork());
  const slab = new MapSlab();
  // input of the network on the plane: x = [u v] (s, t)ᵀ + o — on a rescaled slice when the box
  // or the plane is too large (or small) for float64 areas and line offsets (see sliceFrame)
  const frame = sliceFrame(plane);
  const { box: [smin, smax, tmin, tmax], P0, q0 } = frame;
  /** the cells' maps are mantissas: the true P, q are P·2^e, q·2^e (core/network/scaled.ts) */
  let e = frame.e;
  let cells: Cell[] = [{
    verts: [smin, tmin, smax, tmin, smax, tmax, smin, tmax], P: P0, q: q0,
    hash: FNV_OFFSET, pattern: keepPatterns ? new Uint32Array(layout.words) : undefined,
  }];
  const perDepth: number[] = [];
  let patternUnit = 0;
  const totalUnits = units.length;
  const prefix = options.prefix === true;
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  /** set when the partition stopped early (prefix): the layers done and why */
  let stopped: { depth: number; reason: string } | undefined;
  let unitIndex = 0;
  let merged = 0;

  const applyUnit = (relu: boolean, width: number, affine: (c: Cell) => { Z: Float64Array; z0: Float64Array }, keepBlock: (c: Cell, child: Cell) => void, inputWidth: number) => {
    const label = units[unitIndex].label;
    meter.fraction = unitIndex / totalUnits;
    meter.mark(`${label}: ${cells.length} regions`);
    const mapNumbers = 3 * width;
    const bytesEach = 8 * mapNumbers + 4 * patternWords + CELL_OVERHEAD_BYTES;
    const parts = { patternWords, mapNumbers };
    // every cell becomes at least one piece: check before computing anything
    limits.check(cells.length, label, bytesEach, parts);
    // prefix: the layer's own cost is checked before it starts (see the depth loop)
    if (!prefix) limits.checkWork(cells.length, stepsFrom[unitIndex], meter.work.steps, label, { units: totalUnits - unitIndex, of: totalUnits, noun: unitNoun });
    const next: Cell[] = [];
    const wordOff = relu ? layout.wordOffset[patternUnit] : 0;
    const unitWords = (width + 31) >>> 5;
    const old = cells;
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
    merged += guard.merged;
    meter.work.updates += old.length;
    if (relu) patternUnit++;
    unitIndex++;
    meter.work.units++;
    cells = next;
  };

  for (let k = 0; k < net.depth; k++) {
    const layer = net.layer(k);
    const layerUnits = layer.kind === 'dense' ? 1 : layer.branch.length + 1;
    if (prefix) {
      const cost = cells.length * (stepsFrom[unitIndex] - stepsFrom[unitIndex + layerUnits]);
      if (meter.work.steps + cost > maxSteps) {
        stopped = { depth: k, reason: `layer ${k + 1} would take the work past ${maxSteps.toExponential(1).replace('e+', 'e')} steps (${cells.length.toLocaleString('en-US')} regions after ${k} layers)` };
        break;
      }
    }
    // the layer's starting cells, kept (prefix) so that a limit crossed inside it returns the layers before
    const start = prefix ? cells.slice() : undefined;
    const startUnit = unitIndex, startPatternUnit = patternUnit, startMerged = merged;
    try {
      partitionLayer(k, layer);
    } catch (err) {
      if (!start || !(err instanceof RegionLimitError)) throw err;
      cells = start; unitIndex = startUnit; patternUnit = startPatternUnit; merged = startMerged;
      stopped = { depth: k, reason: err.message };
      break;
    }
    perDepth.push(cells.length);
  }

  function partitionLayer(k: number, layer: ReturnType<Network['layer']>): void {
    // one exponent for all cells: lines are sign-invariant under a common positive scale
    let big = 0;
    for (const c of cells) { const m = liveMaxAbs(c); if (m > big) big = m; }
    const shift = layerShift(layer, Math.log2(big), e, k + 1);
    if (shift !== 0) {
      // pieces share their maps: shift each array once
      const shifted = new Set<Float64Array>();
      for (const c of cells) for (const a of [c.P, c.q]) if (!shifted.has(a)) { shifted.add(a); shiftDown(a, shift); }
      e += shift;
    }
    if (layer.kind === 'dense') {
      const bias = scaledBias(layer.bias, e);
      applyUnit(layer.activation === 'relu', layer.weights.rows, (c) => denseAffine(slab, layer, c.P, c.q, c.mask, bias), () => undefined, layer.weights.cols);
    } else {
      // remember the block input's map on every cell; pieces inherit it
      for (const c of cells) { c.blockP = c.P; c.blockQ = c.q; c.blockMask = c.mask; }
      for (const bl of layer.branch) {
        const bias = scaledBias(bl.bias, e);
        applyUnit(bl.activation === 'relu', bl.weights.rows, (c) => denseAffine(slab, bl, c.P, c.q, c.mask, bias), (parent, child) => { child.blockP = parent.blockP; child.blockQ = parent.blockQ; child.blockMask = parent.blockMask; }, bl.weights.cols);
      }
      const width = net.outWidth(k);
      applyUnit(layer.activation === 'relu', width, (c) => {
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
      for (const c of cells) { c.blockP = undefined; c.blockQ = undefined; c.blockMask = undefined; }
    }
  }
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
    const recursionCost = wantInput && !planeInverse ? d * stepsFrom[0] : 0;
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
