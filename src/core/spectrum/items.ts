/**
 * The weight matrices of a network as the spectrum and compare analyses see them: one per dense
 * layer and one per branch layer of each residual block ("per branch layer": a block's own map is
 * I + branch, so its branch matrices are what carries the weights).
 */
import type { DenseMatrix } from '../linalg/dense';
import type { DenseLayer, LayerGroup, Network } from '../network/model';
import type { SpectrumItemRef } from '../../shared/analyses/spectrum';

export interface NetworkItem extends SpectrumItemRef {
  /** 0-based layer index */
  readonly index: number;
  /** 'dense' layer, or a 'branch' layer of a residual block */
  readonly kind: 'dense' | 'branch';
}

/** Control characters escaped, so a name from a file cannot break a line or a terminal. */
export function printable(name: string): string {
  let out = '';
  for (const c of name) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}

/**
 * The name a file gives a layer group, when the model carries one (readers of named checkpoints may
 * set `name` on the group: torch's state-dict keys, ONNX node names). Read with Object.hasOwn: a name
 * is data, never an inherited property.
 */
export function groupName(group: LayerGroup | undefined): string | undefined {
  if (!group || !Object.hasOwn(group, 'name')) return undefined;
  const name = (group as unknown as { name: unknown }).name;
  return typeof name === 'string' && name.length > 0 ? printable(name) : undefined;
}

/** The group holding layer `index` (groups are sorted by start). */
export function groupOf(net: Network, index: number): LayerGroup | undefined {
  const groups = net.groups;
  let lo = 0, hi = groups.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (groups[mid].start <= index) lo = mid; else hi = mid - 1;
  }
  const g = groups[lo];
  return g && g.start <= index && index < g.start + g.count ? g : undefined;
}

function label(kind: 'dense' | 'branch', layer: number, branchLayer: number | undefined, name: string | undefined): string {
  const base = kind === 'dense' ? `layer ${layer}` : `block ${layer} · branch ${branchLayer}`;
  return name ? `${base} (${name})` : base;
}

/** The matrices of layer `index` (0-based), with their shapes; the layer is generated to know branch shapes. */
export function itemsOfLayer(net: Network, index: number): NetworkItem[] {
  const group = groupOf(net, index);
  const groupLabel = groupName(group);
  // a name of a multi-layer group (a family) applies to the group: suffix the layer's place in it
  const name = groupLabel && group && group.count > 1 ? `${groupLabel}[${index - group.start}]` : groupLabel;
  const layer = net.layer(index);
  if (layer.kind === 'dense') {
    return [{ index, kind: 'dense', layer: index + 1, label: label('dense', index + 1, undefined, name), name, rows: layer.weights.rows, cols: layer.weights.cols }];
  }
  return layer.branch.map((l, j) => {
    const n = name ? `${name}.branch[${j}]` : undefined;
    return { index, kind: 'branch' as const, layer: index + 1, branchLayer: j + 1, label: label('branch', index + 1, j + 1, n), name: n, rows: l.weights.rows, cols: l.weights.cols };
  });
}

/** Group types whose layers are all dense (their shape is known without generating them). */
const DENSE_GROUPS: ReadonlySet<string> = new Set(['dense', 'family', 'random', 'tfjs-dense']);

/**
 * Every matrix of the network with its shape. Dense layers need no generation (their shape is
 * outWidth × inWidth); residual families are generated once (all their blocks share shapes), any
 * other layer once.
 */
export function allItems(net: Network): NetworkItem[] {
  const out: NetworkItem[] = [];
  for (const g of net.groups) {
    let familyShapes: Array<{ rows: number; cols: number }> | undefined;
    for (let j = 0; j < g.count; j++) {
      const index = g.start + j;
      if (g.type === 'residual-family') {
        if (!familyShapes) familyShapes = itemsOfLayer(net, index).map((it) => ({ rows: it.rows, cols: it.cols }));
        const groupLabel = groupName(g);
        const name = groupLabel ? `${groupLabel}[${j}]` : undefined;
        familyShapes.forEach((s, b) => {
          const n = name ? `${name}.branch[${b}]` : undefined;
          out.push({ index, kind: 'branch', layer: index + 1, branchLayer: b + 1, label: label('branch', index + 1, b + 1, n), name: n, rows: s.rows, cols: s.cols });
        });
      } else if (!DENSE_GROUPS.has(g.type)) {
        out.push(...itemsOfLayer(net, index));
      } else {
        const groupLabel = groupName(g);
        const name = groupLabel && g.count > 1 ? `${groupLabel}[${j}]` : groupLabel;
        out.push({ index, kind: 'dense', layer: index + 1, label: label('dense', index + 1, undefined, name), name, rows: net.outWidth(index), cols: net.inWidth(index) });
      }
    }
  }
  return out;
}

/** The dense layer an item stands for (generates the layer). */
export function itemLayer(net: Network, item: Pick<NetworkItem, 'index' | 'kind' | 'branchLayer'>): DenseLayer {
  const layer = net.layer(item.index);
  if (layer.kind === 'dense') {
    if (item.kind !== 'dense') throw new RangeError(`layer ${item.index + 1} is a dense layer, not a residual block`);
    return layer;
  }
  const b = layer.branch[(item.branchLayer ?? 1) - 1];
  if (!b) throw new RangeError(`block ${item.index + 1} has ${layer.branch.length} branch layers, not ${item.branchLayer}`);
  return b;
}

/** The weight matrix of an item. */
export function itemMatrix(net: Network, item: Pick<NetworkItem, 'index' | 'kind' | 'branchLayer'>): DenseMatrix {
  return itemLayer(net, item).weights;
}
