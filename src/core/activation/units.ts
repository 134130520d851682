/**
 * The network seen as a chain of "units": sets of neurons sharing one pre-activation computation.
 * A dense layer is one unit; a residual block x ↦ σ(x + branch(x)) is one unit per branch layer
 * followed by the outer unit σ(x + r) (MATH.md §B). Patterns, half-spaces and partitions are all
 * indexed by units so residual blocks with non-square inner layers need no special casing downstream.
 */
import type { Network } from '../network/model';
import type { UnitInfo } from '../../shared/analyses/activations';

export type { UnitInfo };

/** Every unit of the network in evaluation order. */
export function activationUnits(net: Network): UnitInfo[] {
  const units: UnitInfo[] = [];
  const generatedDense = new Map(net.groups.filter((g) => g.denseActivations).map((g) => [g.start, g]));
  for (let k = 0; k < net.depth; k++) {
    const group = generatedDense.get(k);
    if (group) {
      // a generated dense group: widths and activations from its description, no layer generated
      const acts = group.denseActivations!;
      const last = k + group.count - 1;
      for (; k < last; k++) units.push({ layer: k + 1, kind: 'dense', width: net.outWidth(k), relu: acts.each === 'relu', label: `layer ${k + 1}` });
      units.push({ layer: k + 1, kind: 'dense', width: net.outWidth(k), relu: acts.last === 'relu', label: `layer ${k + 1}` });
      continue;
    }
    const layer = net.layer(k);
    const n = k + 1;
    if (layer.kind === 'dense') {
      units.push({ layer: n, kind: 'dense', width: layer.weights.rows, relu: layer.activation === 'relu', label: `layer ${n}` });
      continue;
    }
    layer.branch.forEach((b, j) => {
      units.push({ layer: n, kind: 'branch', branchLayer: j + 1, width: b.weights.rows, relu: b.activation === 'relu', label: `block ${n} · branch ${j + 1}` });
    });
    units.push({ layer: n, kind: 'outer', width: net.outWidth(k), relu: layer.activation === 'relu', label: `block ${n} · out` });
  }
  return units;
}

/** The units that carry pattern bits (ReLU units), with the word offset of each in a packed pattern. */
export interface PatternLayout {
  readonly units: readonly UnitInfo[];
  /** index of each pattern unit in the full unit list */
  readonly unitIndex: readonly number[];
  /** first 32-bit word of each pattern unit; wordOffset[units.length] = total words */
  readonly wordOffset: readonly number[];
  readonly words: number;
}

export function patternLayout(all: readonly UnitInfo[]): PatternLayout {
  const units: UnitInfo[] = [];
  const unitIndex: number[] = [];
  const wordOffset: number[] = [0];
  let words = 0;
  all.forEach((u, i) => {
    if (!u.relu) return;
    units.push(u);
    unitIndex.push(i);
    words += (u.width + 31) >>> 5;
    wordOffset.push(words);
  });
  return { units, unitIndex, wordOffset, words };
}
