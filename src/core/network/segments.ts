/**
 * A Network assembled from segments: explicit layers (kept in memory) and generated groups
 * (families, random layers) whose layer(k) is computed on demand, so depth 10⁵ costs no memory.
 */
import type { InputSpec, Layer, LayerGroup, Network } from './model';
import { layerParameterCount } from './model';

/** A run of consecutive layers produced from one JSON entry. */
export interface Segment {
  readonly count: number;
  /** input width of the segment's first layer */
  readonly inWidth: number;
  /** output width of layer j (0-based within the segment) */
  outWidth(j: number): number;
  readonly parameterCount: number;
  /** layer j (0-based within the segment) */
  layer(j: number): Layer;
  /** the group metadata without `start` (filled in when the network is assembled) */
  readonly group: Omit<LayerGroup, 'start'>;
}

/**
 * A segment holding one already-built layer: a class, not closures, because a file of 2·10⁵ layers
 * holds 2·10⁵ of them (a closure pair with its context costs several times the layer's own numbers).
 */
class SingleLayerSegment implements Segment {
  readonly count = 1;
  readonly inWidth: number;
  readonly parameterCount: number;
  private readonly out: number;

  constructor(private readonly built: Layer, readonly group: Omit<LayerGroup, 'start'>) {
    this.out = built.kind === 'dense' ? built.weights.rows : built.branch[built.branch.length - 1].weights.rows;
    this.inWidth = built.kind === 'dense' ? built.weights.cols : built.branch[0].weights.cols;
    this.parameterCount = layerParameterCount(built);
  }

  outWidth(): number {
    return this.out;
  }

  layer(): Layer {
    return this.built;
  }
}

export function singleLayerSegment(layer: Layer, group: Omit<LayerGroup, 'start'>): Segment {
  return new SingleLayerSegment(layer, group);
}

/**
 * Keeps the most recently generated layers of a family (analyses often ask for the same layer
 * twice in a row), bounded in bytes so a wide family cannot hold gigabytes.
 */
export class LayerCache {
  private readonly entries = new Map<number, { layer: Layer; bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024, private readonly maxEntries = 8) {}

  get(j: number, make: () => Layer): Layer {
    const hit = this.entries.get(j);
    if (hit) {
      // move to the most-recent end
      this.entries.delete(j);
      this.entries.set(j, hit);
      return hit.layer;
    }
    const layer = make();
    const bytes = layerParameterCount(layer) * 8;
    if (bytes > this.maxBytes) return layer;
    while (this.entries.size >= this.maxEntries || (this.entries.size > 0 && this.bytes + bytes > this.maxBytes)) {
      const oldest = this.entries.keys().next().value as number;
      this.bytes -= this.entries.get(oldest)!.bytes;
      this.entries.delete(oldest);
    }
    this.entries.set(j, { layer, bytes });
    this.bytes += bytes;
    return layer;
  }
}

/** Assemble segments into a Network (layer lookup by binary search over segment starts). */
export function segmentedNetwork(input: InputSpec, segments: readonly Segment[], name?: string): Network {
  const starts: number[] = [];
  const groups: LayerGroup[] = [];
  let depth = 0;
  let params = 0;
  for (const s of segments) {
    starts.push(depth);
    groups.push({ ...s.group, start: depth });
    depth += s.count;
    params += s.parameterCount;
  }
  const find = (k: number): number => {
    if (!Number.isInteger(k) || k < 0 || k >= depth) throw new RangeError(`layer index ${k} out of range 0..${depth - 1}`);
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= k) lo = mid; else hi = mid - 1;
    }
    return lo;
  };
  const outWidth = (k: number): number => {
    const i = find(k);
    return segments[i].outWidth(k - starts[i]);
  };
  return {
    name,
    input,
    depth,
    layer: (k) => {
      const i = find(k);
      return segments[i].layer(k - starts[i]);
    },
    outWidth,
    inWidth: (k) => (k === 0 ? input.dim : outWidth(k - 1)),
    outputDim: depth === 0 ? input.dim : outWidth(depth - 1),
    groups,
    parameterCount: params,
  };
}
