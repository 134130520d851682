/** Pattern hashes on a pixel grid over a slice plane (region-map rendering and dense-grid checks). */
import { silentContext, type AnalysisContext } from '../context';
import type { Network } from '../network/model';
import type { RegionGridParams, RegionGridResult, SlicePlane } from '../../shared/analyses/activations';
import { forwardBatch } from '../activation/batch';
import { resolvePlane } from './plane';

/** Input points of the pixel centres, row-major [height][width], row 0 at tmax. */
export function gridInputs(plane: SlicePlane, width: number, height: number): Float64Array {
  const d = plane.origin.length;
  const [smin, smax, tmin, tmax] = plane.box;
  const X = new Float64Array(width * height * d);
  for (let r = 0; r < height; r++) {
    const t = tmax - ((r + 0.5) / height) * (tmax - tmin);
    for (let c = 0; c < width; c++) {
      const s = smin + ((c + 0.5) / width) * (smax - smin);
      const off = (r * width + c) * d;
      for (let i = 0; i < d; i++) X[off + i] = plane.origin[i] + s * plane.u[i] + t * plane.v[i];
    }
  }
  return X;
}

/**
 * The number of distinct patterns among `batch` samples, compared word by word: equal 32-bit hashes
 * only nominate candidates (two different patterns can share a hash). `patterns` holds one
 * [batch][words] array per ReLU unit, as forwardBatch returns them.
 */
export function countDistinctPatterns(patterns: readonly Uint32Array[], hashes: Uint32Array, batch: number): number {
  const words = patterns.map((p) => (batch === 0 ? 0 : p.length / batch));
  const same = (a: number, b: number): boolean => {
    for (let u = 0; u < patterns.length; u++) {
      const w = words[u], p = patterns[u];
      for (let k = 0; k < w; k++) if (p[a * w + k] !== p[b * w + k]) return false;
    }
    return true;
  };
  // hash → the first sample of each distinct pattern with that hash
  const seen = new Map<number, number[]>();
  let distinct = 0;
  for (let b = 0; b < batch; b++) {
    const reps = seen.get(hashes[b]);
    if (!reps) { seen.set(hashes[b], [b]); distinct++; continue; }
    if (reps.some((r) => same(r, b))) continue;
    reps.push(b);
    distinct++;
  }
  return distinct;
}

export function regionGrid(net: Network, params: RegionGridParams, ctx: AnalysisContext = silentContext): RegionGridResult {
  const { width, height } = params;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) throw new RangeError(`regionGrid: width and height must be positive integers, got ${width}×${height}`);
  const plane = resolvePlane(net, params);
  const res = forwardBatch(net, gridInputs(plane, width, height), width * height, { patterns: true, hashes: true }, ctx);
  const hashes = res.hashes!;
  return { plane, width, height, hashes, distinct: countDistinctPatterns(res.patterns!, hashes, width * height) };
}
