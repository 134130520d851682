/**
 * The pattern summary of a deep network (no DOM): per-layer active fractions, gathered from the
 * slices the worker streams, and reduced to at most a few thousand plot points (mean, min and max
 * per bucket of consecutive layers) so that 10⁵ layers draw at once.
 */
import type { ActivationSummary } from '../../src/shared/analyses/activations';

/** Gathers streamed slices (in order, possibly repeated) into full per-layer arrays. */
export class ActivityCollector {
  active: Int32Array = new Int32Array(0);
  relu: Int32Array = new Int32Array(0);
  /** layers filled so far (1 … filled) */
  filled = 0;
  depth = 0;

  /** a new run: nothing collected (hidden until its first slice) */
  reset(): void {
    this.depth = 0;
    this.filled = 0;
  }

  add(s: ActivationSummary): void {
    if (s.depth !== this.depth) {
      this.depth = s.depth;
      this.active = new Int32Array(s.depth);
      this.relu = new Int32Array(s.depth);
      this.filled = 0;
    }
    const start = s.from - 1;
    if (start > this.filled || start < 0 || start + s.active.length > s.depth) return; // a gap or garbage: wait for the whole summary
    this.active.set(s.active, start);
    this.relu.set(s.relu, start);
    this.filled = Math.max(this.filled, start + s.active.length);
  }
}

export interface ActivityPoints {
  /** first layer of each bucket */
  readonly x: number[];
  readonly mean: number[];
  readonly min: number[];
  readonly max: number[];
  /** layers per bucket (1: one point per layer) */
  readonly perBucket: number;
}

/**
 * Active fraction of layers 1 … filled, in at most `maxPoints` buckets of consecutive layers.
 * Layers without ReLU neurons are left out of a bucket; a bucket of only such layers is NaN (a gap).
 */
export function activityPoints(active: ArrayLike<number>, relu: ArrayLike<number>, filled: number, maxPoints: number): ActivityPoints {
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new RangeError(`maxPoints must be a positive integer, got ${maxPoints}`);
  const perBucket = Math.max(1, Math.ceil(filled / maxPoints));
  const x: number[] = [], mean: number[] = [], min: number[] = [], max: number[] = [];
  for (let start = 0; start < filled; start += perBucket) {
    const end = Math.min(filled, start + perBucket);
    let a = 0, n = 0, lo = Infinity, hi = -Infinity;
    for (let k = start; k < end; k++) {
      if (relu[k] === 0) continue;
      const f = active[k] / relu[k];
      a += active[k]; n += relu[k];
      if (f < lo) lo = f;
      if (f > hi) hi = f;
    }
    x.push(start + 1);
    mean.push(n > 0 ? a / n : NaN);
    min.push(n > 0 ? lo : NaN);
    max.push(n > 0 ? hi : NaN);
  }
  return { x, mean, min, max, perBucket };
}
