/**
 * The affine map a conv net computes on an input image's activation region (MATH.md §A), shown the
 * way a user can look at it: N(y) = J y + c on the region of x, with J applied to directions (Jacobian–
 * vector products), never J itself (a ResNet-18 at 3×224×224 has a 1000 × 150 528 J).
 *
 * One forward pass of x, x + v₁, …, x + v_k and 2x in which every sample takes x's pattern (runConvNet
 * `followFirst`) gives N(x), J vᵢ = N(x + vᵢ) − N(x) on the region, and J x, so c = N(x) − J x. The same
 * pass gives every pre-activation's value z and slope a along vᵢ, hence how far the region reaches
 * along vᵢ: x + t vᵢ keeps x's pattern exactly for t in [tMin, tMax], where tMax = min over units of −z/a
 * for the units a step would flip (z > 0 > a, or z ≤ 0 < a; max-pool winners likewise against their
 * window) — the region's inequalities restricted to that line.
 */
import { checkBudget, DEFAULT_BUDGET, type AnalysisBudget } from '../network/budget';
import { convForwardCost } from './cost';
import type { ImageBatch } from './images';
import { runConvNet, type ConvNet } from './resnet';

export interface ConvDirection {
  /** what the direction is, e.g. "toward seed 109031 #2" */
  readonly name: string;
  /** [C][H][W], as the images */
  readonly vector: Float64Array;
}

export interface ConvJvp {
  readonly name: string;
  /** ‖v‖₂ */
  readonly norm: number;
  /** J v, the output's change along v on x's region */
  readonly jvp: Float64Array;
  /** x + t v stays in x's region (same full pattern) for tMin ≤ t ≤ tMax (−∞ / ∞ when nothing bounds it) */
  readonly tMin: number;
  readonly tMax: number;
  /** the unit whose sign (or window's winner) flips at tMax, and at tMin */
  readonly boundMax?: string;
  readonly boundMin?: string;
}

export interface ConvAffineMap {
  readonly image: string;
  /** N(x) */
  readonly output: Float64Array;
  /** c = N(x) − J x: with J v below, N(y) = J y + c for every y in x's region */
  readonly offset: Float64Array;
  readonly directions: readonly ConvJvp[];
}

/**
 * The affine map of `net` on the region of image `x` (a batch of one), applied to `directions`.
 * Throws RangeError for shapes that do not fit, BudgetError above the budget.
 */
export function convAffineMap(net: ConvNet, x: ImageBatch, directions: readonly ConvDirection[], budget: AnalysisBudget = DEFAULT_BUDGET): ConvAffineMap {
  if (x.count !== 1) throw new RangeError(`convAffineMap: one image, got ${x.count}`);
  if (x.shape.join() !== net.inputShape.join()) throw new RangeError(`convAffineMap: the image is ${x.shape.join('×')}, the network takes ${net.inputShape.join('×')}`);
  const per = x.data.length;
  for (const d of directions) if (d.vector.length !== per) throw new RangeError(`convAffineMap: direction "${d.name}" has ${d.vector.length} numbers, the image ${per}`);
  const k = directions.length;
  checkBudget('the affine map', { work: convForwardCost(net, k + 2).work, bytes: convForwardCost(net, k + 2).bytes, detail: `a forward pass of ${k + 2} samples` }, budget);
  const data = new Float64Array((k + 2) * per);
  data.set(x.data, 0);
  directions.forEach((d, i) => { for (let j = 0; j < per; j++) data[(i + 1) * per + j] = x.data[j] + d.vector[j]; });
  for (let j = 0; j < per; j++) data[(k + 1) * per + j] = 2 * x.data[j];
  const tMin = new Float64Array(k).fill(-Infinity), tMax = new Float64Array(k).fill(Infinity);
  const boundMin: (string | undefined)[] = Array(k).fill(undefined), boundMax: (string | undefined)[] = Array(k).fill(undefined);
  // z + t·a keeps its side of 0 (z > 0: stays > 0; z ≤ 0: stays ≤ 0) until t = −z/a
  const bound = (i: number, z: number, a: number, active: boolean, what: () => string): void => {
    if (a === 0) return;
    const t = -z / a;
    const flipsForward = active ? a < 0 : a > 0;
    if (flipsForward) { if (t < tMax[i]) { tMax[i] = t; boundMax[i] = what(); } } else if (t > tMin[i]) { tMin[i] = t; boundMin[i] = what(); }
  };
  const run = runConvNet(net, data, k + 2, {
    followFirst: true,
    onPreActivation: (site, d, winners) => {
      const n = d.length / (k + 2);
      if (site.kind === 'relu') {
        // units are channels-last on images: u = (row·W + col)·C + channel
        const unit = (u: number): string => {
          if (site.shape.length !== 3) return `${site.name} unit ${u + 1}`;
          const [c, , w] = site.shape, p = Math.floor(u / c);
          return `${site.name} channel ${u % c} at (row ${Math.floor(p / w)}, col ${p % w})`;
        };
        for (let u = 0; u < n; u++) {
          const z = d[u];
          for (let i = 0; i < k; i++) bound(i, z, d[(i + 1) * n + u] - z, z > 0, () => unit(u));
        }
        return;
      }
      if (!winners || !site.input) return;
      const [c, h, w] = site.input;
      const op = net.ops[site.op];
      if (op.kind !== 'maxpool2d') return;
      op.pool.forEachWindow(h, w, (o, at, oy, ox) => {
        for (let ch = 0; ch < c; ch++) {
          const win = winners[o * c + ch] * c + ch, entry = at * c + ch;
          if (entry === win) continue;
          // the winner's margin over this entry stays ≥ 0 (the winner is kept) until it reaches 0
          const z = d[win] - d[entry];
          for (let i = 0; i < k; i++) bound(i, z, (d[(i + 1) * n + win] - d[win]) - (d[(i + 1) * n + entry] - d[entry]), true, () => `${site.name} channel ${ch}, window at (row ${oy}, col ${ox})`);
        }
      });
    },
  });
  const outPer = run.output.length / (k + 2);
  const y0 = run.output.subarray(0, outPer);
  const jx = new Float64Array(outPer);
  for (let j = 0; j < outPer; j++) jx[j] = run.output[(k + 1) * outPer + j] - y0[j];
  const offset = new Float64Array(outPer);
  for (let j = 0; j < outPer; j++) offset[j] = y0[j] - jx[j];
  return {
    image: x.names[0],
    output: Float64Array.from(y0),
    offset,
    directions: directions.map((d, i) => {
      const jvp = new Float64Array(outPer);
      for (let j = 0; j < outPer; j++) jvp[j] = run.output[(i + 1) * outPer + j] - y0[j];
      let s = 0;
      for (const v of d.vector) s += v * v;
      return { name: d.name, norm: Math.sqrt(s), jvp, tMin: tMin[i], tMax: tMax[i], ...(boundMax[i] ? { boundMax: boundMax[i] } : {}), ...(boundMin[i] ? { boundMin: boundMin[i] } : {}) };
    }),
  };
}
