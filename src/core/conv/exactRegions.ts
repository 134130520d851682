/**
 * The exact partition of a plane through three images into activation regions of a conv net (MATH.md
 * §A), where affordable: the polygons, not just the patterns met on a grid (plane.ts).
 *
 * On the plane x(s, t) = (1 − s − t)x₀ + s x₁ + t x₂ the net is affine on each activation region, and
 * a region — all points with one full pattern (every ReLU unit's sign, every max pool's winner) — is
 * convex: with the pattern fixed every pre-activation is affine in (s, t), and the region is where
 * each has its pattern's sign (each winner stays the largest in its window). So a region is found from
 * any point inside it: one forward pass of three samples that all take the point's pattern
 * (runConvNet's `followFirst`: x*, x* + (x₁ − x₀), x* + (x₂ − x₀)) gives every pre-activation's value
 * and its two slopes, and the region is the box clipped by all of those half-planes.
 *
 * The partition grows from the box's centre: for every edge of a region not on the box, the region
 * across it is found from a point just past the edge's midpoint (among the known polygons first, else by
 * its pattern), and the parts of the edge that region does not border are crossed again at their own
 * midpoints, until each edge is covered. Every region bordering a known one is met, so the box is
 * covered. Points are placed 1e-9 of the box's diameter across an edge: a region thinner than that
 * there can be passed over (then it is met from another side or not at all; the grid count of plane.ts
 * still bounds the total from below). Patterns are told apart by two 32-bit hashes of their bits.
 *
 * The work (multiply-adds of the forward passes) is metered against the budget as it goes; at the
 * budget or the region cap the partition stops and says so (`complete: false`).
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { hashWords, packBits } from '../activation/pattern';
import { DEFAULT_BUDGET, type AnalysisBudget } from '../network/budget';
import { analyzeConvActivations } from './activations';
import { convForwardCost } from './cost';
import type { ImageBatch } from './images';
import { runConvNet, type ConvNet } from './resnet';

export const DEFAULT_EXACT_MAX_REGIONS = 2000;
/** the second hash's start (any odd constant other than FNV's offset basis) */
const SECOND_SEED = 0x9e3779b1;

export interface ConvExactRegion {
  /** the polygon, counter-clockwise: s₀, t₀, s₁, t₁, … */
  readonly vertices: readonly number[];
  /** hash of the full pattern, as plane.ts's `hashes` (the same colour as the grid's points inside) */
  readonly hash: number;
  /** the point its pattern was computed at */
  readonly seed: readonly [number, number];
}

export interface ConvExactRegionsResult {
  readonly box: readonly [number, number, number, number];
  readonly regions: readonly ConvExactRegion[];
  /** false when the cap or the budget stopped the partition (then `stopped` says which) */
  readonly complete: boolean;
  readonly stopped?: string;
  /** forward passes made (a pattern and a three-sample pass per new region, one pattern pass per look-up) */
  readonly passes: number;
  /** multiply-adds spent */
  readonly work: number;
}

export interface ConvExactOptions {
  readonly box?: readonly [number, number, number, number];
  /** stop after this many regions (default DEFAULT_EXACT_MAX_REGIONS) */
  readonly maxRegions?: number;
  readonly budget?: AnalysisBudget;
}

interface Known {
  readonly region: ConvExactRegion;
  /** bounding box for the point look-up */
  readonly lo: readonly [number, number];
  readonly hi: readonly [number, number];
}

/** Stops the partition: the cap or the budget was reached. */
class Stop extends Error {}

export function convExactRegions(net: ConvNet, images: ImageBatch, options: ConvExactOptions = {}, ctx: AnalysisContext = silentContext): ConvExactRegionsResult {
  if (images.count !== 3) throw new RangeError(`convExactRegions: the plane needs three images, got ${images.count}`);
  if (images.shape.join() !== net.inputShape.join()) throw new RangeError(`convExactRegions: the images are ${images.shape.join('×')}, the network takes ${net.inputShape.join('×')}`);
  const box = options.box ?? [0, 1, 0, 1];
  if (!box.every(Number.isFinite) || !(box[0] < box[1] && box[2] < box[3])) throw new RangeError(`convExactRegions: the box needs finite smin < smax and tmin < tmax, got [${box.join(', ')}]`);
  const maxRegions = options.maxRegions ?? DEFAULT_EXACT_MAX_REGIONS;
  if (!Number.isInteger(maxRegions) || maxRegions < 1) throw new RangeError(`convExactRegions: maxRegions must be a positive integer, got ${maxRegions}`);
  const budget = options.budget ?? DEFAULT_BUDGET;
  const per = images.data.length / 3;
  const [x0, x1, x2] = [0, 1, 2].map((i) => images.data.subarray(i * per, (i + 1) * per));
  const u = new Float64Array(per), v = new Float64Array(per);
  for (let i = 0; i < per; i++) { u[i] = x1[i] - x0[i]; v[i] = x2[i] - x0[i]; }
  const onePass = convForwardCost(net, 1).work;
  const diameter = Math.hypot(box[1] - box[0], box[3] - box[2]);
  const across = 1e-9 * diameter;
  const [ws, wt] = [box[1] - box[0], box[3] - box[2]];

  let work = 0, passes = 0;
  const spend = (samples: number): void => {
    const next = work + onePass * samples;
    if (next > budget.maxWork) throw new Stop(`the next forward pass would take the work past the budget of ${budget.maxWork.toExponential(1)} multiply-adds`);
    work = next;
    passes++;
  };
  const point = (s: number, t: number): Float64Array => {
    // the grid's formula (plane.ts), so a point here is the same image as there
    const r = 1 - s - t, x = new Float64Array(per);
    for (let i = 0; i < per; i++) x[i] = r * x0[i] + s * x1[i] + t * x2[i];
    return x;
  };

  /** the pattern's two hashes at (s, t): the first is plane.ts's */
  const patternAt = (s: number, t: number): [number, number] => {
    spend(1);
    let winners: Int32Array[] = [];
    const r = analyzeConvActivations(net, { count: 1, shape: images.shape, data: point(s, t), names: ['point'] }, {
      patterns: true, budget, onRun: (run) => { winners = run.maxPoolSites.map((m) => m.winners); },
    });
    let h1: number | undefined, h2 = SECOND_SEED;
    for (const site of r.sites) {
      const words = new Uint32Array((site.units + 31) >>> 5);
      packBits(site.pattern!.subarray(0, site.units), words, 0);
      h1 = hashWords(words, 0, words.length, h1);
      h2 = hashWords(words, 0, words.length, h2);
    }
    // a max pool's winning set need not fix which unit wins which window: the winners themselves
    for (const w of winners) h2 = hashWords(new Uint32Array(w.buffer, w.byteOffset, w.length), 0, w.length, h2);
    return [h1 ?? hashWords([]), h2];
  };

  /** the region of the pattern at (s, t): the box cut by every pre-activation's half-plane */
  const polygonAt = (s: number, t: number): number[] => {
    spend(3);
    const x = point(s, t);
    const data = new Float64Array(3 * per);
    data.set(x, 0);
    for (let i = 0; i < per; i++) { data[per + i] = x[i] + u[i]; data[2 * per + i] = x[i] + v[i]; }
    let poly = [box[0], box[2], box[1], box[2], box[1], box[3], box[0], box[3]];
    // g(s', t') = z + a(s' − s) + b(t' − t) ≥ 0, z the value at (s, t), a and b its slopes
    const reachS = Math.max(s - box[0], box[1] - s), reachT = Math.max(t - box[2], box[3] - t);
    const cut = (z: number, a: number, b: number): void => {
      // g > 0 on the whole box (most units, on a small box): nothing to cut
      if (z - Math.abs(a) * reachS - Math.abs(b) * reachT > 0) return;
      const tol = 1e-11 * (Math.abs(z) + Math.abs(a) * ws + Math.abs(b) * wt);
      poly = clip(poly, (ps, pt) => z + a * (ps - s) + b * (pt - t), tol);
    };
    runConvNet(net, data, 3, {
      followFirst: true,
      onPreActivation: (site, d, winners) => {
        const n = d.length / 3;
        if (site.kind === 'relu') {
          for (let i = 0; i < n; i++) {
            const z = d[i], a = d[n + i] - z, b = d[2 * n + i] - z;
            if (z > 0) cut(z, a, b); else cut(-z, -a, -b);
          }
          return;
        }
        const op = net.ops[site.op];
        if (op.kind !== 'maxpool2d' || !winners) return;
        const [c, h, w] = site.input!;
        op.pool.forEachWindow(h, w, (o, at) => {
          for (let ch = 0; ch < c; ch++) {
            const win = winners[o * c + ch];
            if (at === win) continue;
            const iw = win * c + ch, ip = at * c + ch;
            const z = d[iw] - d[ip];
            const a = (d[n + iw] - d[iw]) - (d[n + ip] - d[ip]);
            const b = (d[2 * n + iw] - d[iw]) - (d[2 * n + ip] - d[ip]);
            cut(z, a, b);
          }
        });
      },
    });
    return poly;
  };

  const known: Known[] = [];
  const byPattern = new Map<string, number>();
  const queue: number[] = [];
  let stopped: string | undefined;

  /** the index of the region containing (s, t), known or new */
  const regionAt = (s: number, t: number): number => {
    for (let k = 0; k < known.length; k++) {
      const K = known[k];
      if (s < K.lo[0] || s > K.hi[0] || t < K.lo[1] || t > K.hi[1]) continue;
      if (strictlyInside(K.region.vertices, s, t, across / 4)) return k;
    }
    const [h1, h2] = patternAt(s, t);
    const key = `${h1}:${h2}`;
    const seen = byPattern.get(key);
    if (seen !== undefined) return seen;
    if (known.length >= maxRegions) throw new Stop(`the cap of ${maxRegions} regions was reached`);
    const vertices = polygonAt(s, t);
    const region: ConvExactRegion = { vertices, hash: h1, seed: [s, t] };
    known.push({ region, ...bounds(vertices) });
    byPattern.set(key, known.length - 1);
    queue.push(known.length - 1);
    if (known.length % 16 === 0) checkpoint(ctx, Math.min(0.99, known.length / maxRegions), `exact regions: ${known.length} so far`);
    return known.length - 1;
  };

  try {
    regionAt((box[0] + box[1]) / 2, (box[2] + box[3]) / 2);
    while (queue.length > 0) {
      const k = queue.shift()!;
      const vs = known[k].region.vertices;
      const m = vs.length / 2;
      for (let e = 0; e < m; e++) {
        const ax = vs[2 * e], ay = vs[2 * e + 1], bx = vs[(2 * e + 2) % vs.length], by = vs[(2 * e + 3) % vs.length];
        if (onBoxSide(ax, ay, bx, by, box, across)) continue;
        const len = Math.hypot(bx - ax, by - ay);
        if (!(len > across)) continue;
        // outward normal of a counter-clockwise polygon's edge
        const nx = (by - ay) / len, ny = -(bx - ax) / len;
        const segments: Array<[number, number]> = [[0, 1]];
        while (segments.length > 0) {
          const [f0, f1] = segments.pop()!;
          if ((f1 - f0) * len <= across) continue;
          const fm = (f0 + f1) / 2;
          const ps = ax + fm * (bx - ax) + across * nx, pt = ay + fm * (by - ay) + across * ny;
          if (ps < box[0] || ps > box[1] || pt < box[2] || pt > box[3]) continue;
          const other = regionAt(ps, pt);
          // the part of the (shifted) edge that region covers; the rest is crossed again
          const [c0, c1] = segmentInside(known[other].region.vertices, ax + across * nx, ay + across * ny, bx + across * nx, by + across * ny, f0, f1);
          if (!(c0 <= fm && fm <= c1)) continue; // numerically off: do not loop on it
          if (c0 > f0) segments.push([f0, c0]);
          if (c1 < f1) segments.push([c1, f1]);
        }
      }
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    stopped = e.message;
  }
  checkpoint(ctx, 1);
  return { box: [box[0], box[1], box[2], box[3]], regions: known.map((k) => k.region), complete: stopped === undefined, ...(stopped ? { stopped } : {}), passes, work };
}

/** Sutherland–Hodgman: the convex polygon cut to g ≥ −tol (vertices within tol stay, no new points). */
function clip(poly: number[], g: (s: number, t: number) => number, tol: number): number[] {
  const n = poly.length / 2;
  const vals = new Float64Array(n);
  let allIn = true;
  for (let i = 0; i < n; i++) { vals[i] = g(poly[2 * i], poly[2 * i + 1]); if (vals[i] < -tol) allIn = false; }
  if (allIn) return poly;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const gi = vals[i], gj = vals[j];
    const inI = gi >= -tol, inJ = gj >= -tol;
    if (inI) out.push(poly[2 * i], poly[2 * i + 1]);
    if (inI !== inJ && Math.abs(gi) > tol && Math.abs(gj) > tol) {
      const f = gi / (gi - gj);
      out.push(poly[2 * i] + f * (poly[2 * j] - poly[2 * i]), poly[2 * i + 1] + f * (poly[2 * j + 1] - poly[2 * i + 1]));
    }
  }
  return out;
}

function bounds(vs: readonly number[]): { lo: [number, number]; hi: [number, number] } {
  const lo: [number, number] = [Infinity, Infinity], hi: [number, number] = [-Infinity, -Infinity];
  for (let i = 0; i < vs.length; i += 2) {
    lo[0] = Math.min(lo[0], vs[i]); hi[0] = Math.max(hi[0], vs[i]);
    lo[1] = Math.min(lo[1], vs[i + 1]); hi[1] = Math.max(hi[1], vs[i + 1]);
  }
  return { lo, hi };
}

/** (s, t) at least `margin` inside every edge of the counter-clockwise polygon */
export function strictlyInside(vs: readonly number[], s: number, t: number, margin: number): boolean {
  const n = vs.length / 2;
  if (n < 3) return false;
  for (let i = 0; i < n; i++) {
    const ax = vs[2 * i], ay = vs[2 * i + 1], bx = vs[(2 * i + 2) % vs.length], by = vs[(2 * i + 3) % vs.length];
    const len = Math.hypot(bx - ax, by - ay);
    if (len === 0) continue;
    // left of a→b is inside; the signed distance
    if (((bx - ax) * (t - ay) - (by - ay) * (s - ax)) / len < margin) return false;
  }
  return true;
}

/** The parameters [c0, c1] ⊆ [f0, f1] of the segment a + f(b − a) inside the convex polygon (empty: c0 > c1). */
function segmentInside(vs: readonly number[], ax: number, ay: number, bx: number, by: number, f0: number, f1: number): [number, number] {
  let c0 = f0, c1 = f1;
  const n = vs.length / 2;
  for (let i = 0; i < n; i++) {
    const px = vs[2 * i], py = vs[2 * i + 1], qx = vs[(2 * i + 2) % vs.length], qy = vs[(2 * i + 3) % vs.length];
    // inside: cross((q − p), (x − p)) ≥ 0, linear in f: α + βf
    const ex = qx - px, ey = qy - py;
    const alpha = ex * (ay - py) - ey * (ax - px);
    const beta = ex * (by - ay) - ey * (bx - ax);
    if (beta === 0) { if (alpha < 0) return [1, 0]; continue; }
    const f = -alpha / beta;
    if (beta > 0) c0 = Math.max(c0, f); else c1 = Math.min(c1, f);
  }
  return [c0, c1];
}

/** an edge along one side of the box */
function onBoxSide(ax: number, ay: number, bx: number, by: number, box: readonly number[], tol: number): boolean {
  const near = (a: number, b: number) => Math.abs(a - b) <= tol;
  return (near(ax, box[0]) && near(bx, box[0])) || (near(ax, box[1]) && near(bx, box[1])) ||
    (near(ay, box[2]) && near(by, box[2])) || (near(ay, box[3]) && near(by, box[3]));
}
