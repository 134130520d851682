/**
 * The region maps of two networks on one shared 2-D slice (the exact partition of
 * src/core/regions), each region marked against the other network's partition:
 * 'same' — the other network has a region with the same activation pattern on the same polygon;
 * 'moved' — it has the pattern, on a different polygon; 'only' — it has no region with this pattern.
 * Patterns are comparable only when both networks have the same ReLU units (same count and widths).
 */
import { CancelledError, silentContext, type AnalysisContext } from '../context';
import type { Network } from '../network/model';
import { partitionPlane } from '../regions/partition';
import { resolvePlane } from '../regions/plane';
import type { CompareParams, CompareRegion, RegionComparison, RegionSide } from '../../shared/analyses/compare';
import type { Region, RegionsResult, SlicePlane } from '../../shared/analyses/activations';

export const DEFAULT_COMPARE_MAX_REGIONS = 20_000;
/** Polygons agree when area and centroid agree to this fraction of the box (exact for identical networks). */
const POLYGON_TOL = 1e-9;

function samePattern(p: Uint32Array | undefined, q: Uint32Array | undefined): boolean {
  if (!p || !q || p.length !== q.length) return false;
  for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
  return true;
}

function mark(mine: readonly Region[], theirs: readonly Region[], plane: SlicePlane, comparable: boolean): RegionSide {
  const [s0, s1, t0, t1] = plane.box;
  const boxArea = (s1 - s0) * (t1 - t0), diag = Math.hypot(s1 - s0, t1 - t0);
  const byHash = new Map<number, Region[]>();
  for (const r of theirs) {
    const list = byHash.get(r.hash);
    if (list) list.push(r); else byHash.set(r.hash, [r]);
  }
  let same = 0, moved = 0, only = 0;
  const regions: CompareRegion[] = mine.map((r) => {
    let status: CompareRegion['status'] = 'only';
    if (comparable) {
      for (const o of byHash.get(r.hash) ?? []) {
        if (!samePattern(r.pattern, o.pattern)) continue;
        const sameShape = Math.abs(r.area - o.area) <= POLYGON_TOL * boxArea
          && Math.hypot(r.centroid[0] - o.centroid[0], r.centroid[1] - o.centroid[1]) <= POLYGON_TOL * diag;
        status = sameShape ? 'same' : 'moved';
        if (sameShape) break;
      }
    }
    if (status === 'same') same++; else if (status === 'moved') moved++; else only++;
    return { vertices: r.vertices, color: r.color, hash: r.hash, area: r.area, status };
  });
  return { regions, count: mine.length, same, moved, only };
}

function unitsMatch(a: RegionsResult, b: RegionsResult): boolean {
  if (a.patternWords !== b.patternWords || a.patternUnits.length !== b.patternUnits.length) return false;
  return a.patternUnits.every((u, i) => u.width === b.patternUnits[i].width && u.kind === b.patternUnits[i].kind);
}

export function compareRegions(a: Network, b: Network, params: CompareParams = {}, ctx: AnalysisContext = silentContext): RegionComparison | null {
  if (a.input.dim !== b.input.dim) {
    return { plane: emptyPlane(), comparable: false, a: null, b: null, note: `the inputs differ (A: ${a.input.dim}-dimensional, B: ${b.input.dim}-dimensional): there is no shared slice` };
  }
  if (a.input.dim < 2) return null;
  let plane: SlicePlane;
  try {
    plane = resolvePlane(a, { plane: params.plane, probes: params.probes, box: params.box });
  } catch (e) {
    if (e instanceof RangeError) return { plane: emptyPlane(), comparable: false, a: null, b: null, note: e.message };
    throw e;
  }
  const maxRegions = params.maxRegions ?? DEFAULT_COMPARE_MAX_REGIONS;
  const run = (net: Network, name: string, from: number): RegionsResult | string => {
    const sub: AnalysisContext = { isCancelled: () => ctx.isCancelled(), progress: (f, m) => ctx.progress(from + f / 2, m && `${name}: ${m}`) };
    try {
      return partitionPlane(net, plane, { polygons: true, patterns: true, inputMaps: false, maxRegions }, sub);
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      if (e instanceof RangeError) return `${name}: ${e.message}`;
      throw e;
    }
  };
  const ra = run(a, 'A', 0), rb = run(b, 'B', 0.5);
  if (typeof ra === 'string' || typeof rb === 'string') {
    return { plane, comparable: false, a: null, b: null, note: [ra, rb].filter((x) => typeof x === 'string').join('; ') };
  }
  const comparable = unitsMatch(ra, rb);
  return {
    plane,
    comparable,
    a: mark(ra.polygons ?? [], rb.polygons ?? [], plane, comparable),
    b: mark(rb.polygons ?? [], ra.polygons ?? [], plane, comparable),
    ...(comparable ? {} : { note: 'the two networks have different ReLU units (number or widths), so their activation patterns cannot be compared: every region is marked as only in its own network' }),
  };
}

function emptyPlane(): SlicePlane {
  return { origin: new Float64Array(0), u: new Float64Array(0), v: new Float64Array(0), box: [0, 1, 0, 1], source: 'explicit', description: 'no shared slice' };
}
