/**
 * Activation patterns of a conv net on a plane through three images (MATH.md §A, the 2-D slice, on
 * conv layers): x(s, t) = (1 − s − t)·x₀ + s·x₁ + t·x₂ — the plane x₀ + s(x₁ − x₀) + t(x₂ − x₀), written so
 * that (0, 0), (1, 0), (0, 1) give the three images exactly — sampled on a grid × grid lattice of the
 * box (ends included). At every point the full pattern: every ReLU site and every max pool's winners,
 * as `analyzeConvActivations` defines them. Distinct patterns are counted exactly (packed patterns
 * compared word for word, the FNV hash only to find candidates); the count is a lower bound on the
 * activation regions the plane meets (a region between grid points is missed), not the exact polygon
 * partition of src/core/regions, which is for dense nets.
 */
import { checkBudget, type AnalysisBudget } from '../network/budget';
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { hashWords, packBits } from '../activation/pattern';
import { analyzeConvActivations } from './activations';
import { convPlaneCost, PLANE_CHUNK } from './cost';
import type { ImageBatch } from './images';
import type { ConvNet } from './resnet';

export interface ConvPlaneSite {
  readonly site: string;
  readonly kind: 'relu' | 'maxpool';
  readonly op: number;
  readonly shape: readonly number[];
  readonly units: number;
  /** distinct patterns of this site alone over the grid */
  readonly distinct: number;
  /** distinct patterns of the sites up to and including this one */
  readonly prefix: number;
}

export interface ConvPlaneResult {
  readonly inputShape: readonly [number, number, number];
  readonly images: readonly [string, string, string];
  /** [smin, smax, tmin, tmax] */
  readonly box: readonly [number, number, number, number];
  readonly grid: number;
  /** distinct full patterns over the grid */
  readonly patterns: number;
  readonly sites: readonly ConvPlaneSite[];
  /** pattern id (0-based, in order of first appearance) of point (s_i, t_j) at j·grid + i */
  readonly ids: Int32Array;
  /** per pattern id: the FNV-1a hash of its packed pattern (sites in order, src/core/activation/pattern.ts) */
  readonly hashes: readonly number[];
  /** per pattern id: grid points with it */
  readonly counts: readonly number[];
  /**
   * with `prefixes`: per site k, the pattern id of every point (j·grid + i) counting the sites 0..k only
   * (numbered in order of first appearance; the last site's are `ids`), and per such id the FNV-1a hash
   * of the packed patterns of sites 0..k (the last site's are `hashes`)
   */
  readonly prefixIds?: readonly Int32Array[];
  readonly prefixHashes?: ReadonlyArray<readonly number[]>;
}

export const DEFAULT_PLANE_GRID = 48;
export const MAX_PLANE_GRID = 1024;

/** One site's distinct patterns: candidates by hash, equality word for word. */
class PatternTable {
  private readonly byHash = new Map<number, Array<{ id: number; words: Uint32Array }>>();
  size = 0;

  idOf(words: Uint32Array, hash: number): number {
    let list = this.byHash.get(hash);
    if (!list) { list = []; this.byHash.set(hash, list); }
    for (const e of list) if (equalWords(e.words, words)) return e.id;
    list.push({ id: this.size, words: words.slice() });
    return this.size++;
  }
}

function equalWords(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The grid coordinates of the box: `grid` values from lo to hi, ends included (one: lo). */
export function gridAxis(lo: number, hi: number, grid: number): Float64Array {
  return Float64Array.from({ length: grid }, (_, i) => (grid === 1 ? lo : i === grid - 1 ? hi : lo + ((hi - lo) * i) / (grid - 1)));
}

export interface ConvPlaneOptions {
  readonly grid?: number;
  readonly box?: readonly [number, number, number, number];
  readonly budget?: AnalysisBudget;
  /**
   * After every batch of points: `done` points (in id order, j·grid + i) have their final pattern id in
   * `ids[0, done)`, and `hashes` holds the hash of every id met so far (ids never change afterwards:
   * they are numbered in order of first appearance). For streaming a partial map; the arrays are live.
   * With `prefixes`, `prefix` holds the same for every site prefix (see ConvPlaneResult.prefixIds).
   */
  readonly onChunk?: (done: number, ids: Int32Array, hashes: readonly number[], prefix?: { readonly ids: readonly Int32Array[]; readonly hashes: ReadonlyArray<readonly number[]> }) => void;
  /** also return every site prefix's ids and hashes (`prefixIds`, `prefixHashes`: 4 bytes a point and site) */
  readonly prefixes?: boolean;
}

/**
 * Throws RangeError (bad images, grid or box), BudgetError (before any work), NonFiniteActivationError
 * (a point's forward pass leaves float64).
 */
export function convPlanePatterns(net: ConvNet, images: ImageBatch, options: ConvPlaneOptions = {}, ctx: AnalysisContext = silentContext): ConvPlaneResult {
  if (images.count !== 3) throw new RangeError(`convPlanePatterns: the plane needs three images, got ${images.count}`);
  if (images.shape.join() !== net.inputShape.join()) throw new RangeError(`convPlanePatterns: the images are ${images.shape.join('×')}, the network takes ${net.inputShape.join('×')}`);
  const grid = options.grid ?? DEFAULT_PLANE_GRID;
  if (!Number.isInteger(grid) || grid < 1 || grid > MAX_PLANE_GRID) throw new RangeError(`convPlanePatterns: the grid must be an integer in 1..${MAX_PLANE_GRID}, got ${grid}`);
  const box = options.box ?? [0, 1, 0, 1];
  if (!box.every(Number.isFinite) || !(box[0] < box[1] && box[2] < box[3])) throw new RangeError(`convPlanePatterns: the box needs finite smin < smax and tmin < tmax, got [${box.join(', ')}]`);
  checkBudget('regions', convPlaneCost(net, grid), options.budget);

  const per = images.data.length / 3;
  const [x0, x1, x2] = [0, 1, 2].map((i) => images.data.subarray(i * per, (i + 1) * per));
  const S = gridAxis(box[0], box[1], grid), T = gridAxis(box[2], box[3], grid);
  const points = grid * grid;
  const ids = new Int32Array(points);
  let tables: PatternTable[] = [];
  let prefixTables: Array<Map<number, number>> = [];
  let siteInfo: Array<Omit<ConvPlaneSite, 'distinct' | 'prefix'>> = [];
  const hashes: number[] = [], counts: number[] = [];
  let scratch = new Uint32Array(0);
  let prefixIds: Int32Array[] = [];
  let prefixHashes: number[][] = [];

  for (let start = 0; start < points; start += PLANE_CHUNK) {
    checkpoint(ctx, start / points, `points ${start + 1}–${Math.min(points, start + PLANE_CHUNK)} of ${points}`);
    const count = Math.min(PLANE_CHUNK, points - start);
    const data = new Float64Array(count * per);
    for (let b = 0; b < count; b++) {
      const p = start + b, s = S[p % grid], t = T[Math.floor(p / grid)], r = 1 - s - t;
      const o = b * per;
      for (let i = 0; i < per; i++) data[o + i] = r * x0[i] + s * x1[i] + t * x2[i];
    }
    const batch: ImageBatch = { count, shape: images.shape, data, names: Array.from({ length: count }, (_, b) => `point ${start + b}`) };
    // the same patterns `depth-lens activations --patterns` reports, so a grid point is an image there
    const r = analyzeConvActivations(net, batch, { patterns: true, budget: options.budget });
    if (tables.length === 0) {
      tables = r.sites.map(() => new PatternTable());
      prefixTables = r.sites.map(() => new Map<number, number>());
      siteInfo = r.sites.map((s) => ({ site: s.site, kind: s.kind, op: s.op, shape: s.shape, units: s.units }));
      scratch = new Uint32Array((Math.max(...r.sites.map((s) => s.units)) + 31) >>> 5);
      if (options.prefixes) {
        prefixIds = r.sites.map(() => new Int32Array(points));
        prefixHashes = r.sites.map(() => []);
      }
    }
    for (let b = 0; b < count; b++) {
      let prefix = -1, hash: number | undefined;
      r.sites.forEach((site, k) => {
        const words = scratch.subarray(0, (site.units + 31) >>> 5);
        packBits(site.pattern!.subarray(b * site.units, (b + 1) * site.units), words, 0);
        const id = tables[k].idOf(words, hashWords(words));
        // prefix ids are exact: (prefix id of the sites before, this site's id) numbered as met
        const key = (prefix + 1) * points + id;
        let next = prefixTables[k].get(key);
        if (next === undefined) { next = prefixTables[k].size; prefixTables[k].set(key, next); }
        prefix = next;
        hash = hashWords(words, 0, words.length, hash);
        if (options.prefixes) {
          prefixIds[k][start + b] = prefix;
          if (prefix === prefixHashes[k].length) prefixHashes[k].push(hash);
        }
      });
      if (r.sites.length === 0) prefix = 0; // no site: one pattern, the empty one
      ids[start + b] = prefix;
      if (prefix === hashes.length) { hashes.push(hash ?? hashWords([])); counts.push(0); }
      counts[prefix]++;
    }
    options.onChunk?.(start + count, ids, hashes, options.prefixes ? { ids: prefixIds, hashes: prefixHashes } : undefined);
  }
  checkpoint(ctx, 1);
  const last = prefixTables.length ? prefixTables[prefixTables.length - 1].size : 1;
  return {
    inputShape: net.inputShape, images: [images.names[0], images.names[1], images.names[2]], box: [box[0], box[1], box[2], box[3]], grid,
    patterns: last,
    sites: siteInfo.map((s, k) => ({ ...s, distinct: tables[k].size, prefix: prefixTables[k].size })),
    ids, hashes, counts,
    ...(options.prefixes ? { prefixIds, prefixHashes } : {}),
  };
}
