/**
 * The compact view of a deep network's activations at one input: which layers to keep in full (an
 * even sample, first and last included) and every layer's active / ReLU neuron counts, collected
 * layer by layer so they can be streamed in slices while the sweep runs.
 */
import type { ActivationSummary, LayerActivation } from '../../shared/analyses/activations';

/** 1-based layers 1 … depth, at most `max` of them, evenly spaced with the first and the last. */
export function evenLayerSample(depth: number, max: number): number[] {
  if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`depth must be a non-negative integer, got ${depth}`);
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  if (depth <= max) return Array.from({ length: depth }, (_, i) => i + 1);
  if (max === 1) return [depth];
  const out: number[] = [];
  for (let i = 0; i < max; i++) {
    const k = 1 + Math.round((i * (depth - 1)) / (max - 1));
    if (out[out.length - 1] !== k) out.push(k);
  }
  return out;
}

/**
 * Active and ReLU neuron counts of one layer's own unit (a residual block: its outer σ(x + r), as the
 * editor's lenses count it); 0 and 0 for a linear layer.
 */
export function layerActivity(l: LayerActivation): { active: number; relu: number } {
  return l.relu ? { active: l.active, relu: l.width } : { active: 0, relu: 0 };
}

/** Collects per-layer counts in order; `slice()` hands out what came since the last slice. */
export class SummaryCollector {
  private readonly active: Int32Array;
  private readonly relu: Int32Array;
  private filled = 0;
  private sent = 0;

  constructor(readonly depth: number) {
    this.active = new Int32Array(depth);
    this.relu = new Int32Array(depth);
  }

  /** layer is 1-based and comes in order */
  add(layer: number, state: LayerActivation): void {
    if (layer !== this.filled + 1) throw new RangeError(`layer ${layer} out of order (expected ${this.filled + 1})`);
    const { active, relu } = layerActivity(state);
    this.active[layer - 1] = active;
    this.relu[layer - 1] = relu;
    this.filled = layer;
  }

  get layersDone(): number {
    return this.filled;
  }

  /** the layers added since the last slice (copies: the arrays can be transferred) */
  slice(): ActivationSummary {
    const from = this.sent;
    this.sent = this.filled;
    return { depth: this.depth, from: from + 1, active: this.active.slice(from, this.filled), relu: this.relu.slice(from, this.filled) };
  }

  /** every layer added so far */
  all(): ActivationSummary {
    return { depth: this.depth, from: 1, active: this.active.slice(0, this.filled), relu: this.relu.slice(0, this.filled) };
  }
}
