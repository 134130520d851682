/**
 * A bare weights file (state_dict, safetensors, npz) carries no architecture. Depth Lens reads its
 * 2-D tensors (each with its bias) as dense → ReLU → … → dense, linear last, and says so in a note; a
 * network file that references the tensors can say otherwise (residual blocks, transposes, scales).
 *
 * Pairing: a matrix "x.weight" takes "x.bias" (also kernel/bias, W/b, w/b by name); a vector that no
 * name pairs is the bias of the matrix just before it when its length is that matrix's row count.
 * Order: the file's own order (a state_dict's is the model's), else natural name order
 * ("layers.2" before "layers.10"), whichever chains; anything left over is listed in the error.
 */
import type { ArchitectureOp, ModelIndex, TensorInfo } from './model';
import { printableName } from './source';

/** Candidate bias names of a weight name. */
function biasNames(name: string): string[] {
  const out: string[] = [];
  const rules: [RegExp, string][] = [[/weight$/, 'bias'], [/kernel$/, 'bias'], [/W(\d*)$/, 'b$1'], [/w(\d*)$/, 'b$1'], [/weights$/, 'biases']];
  for (const [re, to] of rules) if (re.test(name)) out.push(name.replace(re, to));
  return out;
}

/** "layers.10.weight" after "layers.2.weight": digits compare as numbers. */
export function naturalCompare(a: string, b: string): number {
  const pa = a.split(/(\d+)/), pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const na = Number(pa[i]), nb = Number(pb[i]);
    if (i % 2 === 1 && Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

interface Pair { readonly weight: TensorInfo; bias?: TensorInfo }

/**
 * Matrices with their biases. `kernels`: matrices are stored [in, out] (Keras, TF, JAX), so a bias
 * has as many values as a matrix has columns.
 */
function pairUp(tensors: readonly TensorInfo[], kernels: boolean): { pairs: Pair[]; leftover: TensorInfo[] } {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const used = new Set<string>();
  const pairs: Pair[] = [];
  const outs = (w: TensorInfo) => w.shape[kernels ? 1 : 0];
  for (const t of tensors) {
    if (t.shape.length !== 2) continue;
    const p: Pair = { weight: t };
    used.add(t.name);
    for (const bn of biasNames(t.name)) {
      const b = byName.get(bn);
      if (b && !used.has(bn) && b.shape.length === 1 && b.shape[0] === outs(t)) { p.bias = b; used.add(bn); break; }
    }
    pairs.push(p);
  }
  // vectors no name paired: the bias of the matrix just before them, when the length fits
  let last: Pair | undefined;
  for (const t of tensors) {
    if (t.shape.length === 2) { last = pairs.find((p) => p.weight === t); continue; }
    if (used.has(t.name) || t.shape.length !== 1 || !last || last.bias || t.shape[0] !== outs(last.weight)) continue;
    last.bias = t;
    used.add(t.name);
  }
  return { pairs, leftover: tensors.filter((t) => !used.has(t.name)) };
}

/** The first place a chain of pairs does not fit (out of one ≠ in of the next), or undefined. */
function chainBreak(pairs: readonly Pair[], kernels: boolean): string | undefined {
  const io = (w: TensorInfo) => (kernels ? [w.shape[0], w.shape[1]] : [w.shape[1], w.shape[0]]);
  for (let i = 1; i < pairs.length; i++) {
    const prev = pairs[i - 1].weight, cur = pairs[i].weight;
    if (io(cur)[0] !== io(prev)[1]) {
      return `"${printableName(cur.name)}" [${cur.shape.join(', ')}] takes ${io(cur)[0]} inputs but "${printableName(prev.name)}" [${prev.shape.join(', ')}] before it gives ${io(prev)[1]}`;
    }
  }
  return undefined;
}

/** A chain in one layout: file order, else natural name order. */
function chainIn(tensors: readonly TensorInfo[], kernels: boolean): { pairs: Pair[]; order: string } | { leftover: TensorInfo[] } | { broken: string } {
  const { pairs, leftover } = pairUp(tensors, kernels);
  if (leftover.length > 0) return { leftover };
  const broken = chainBreak(pairs, kernels);
  if (!broken) return { pairs, order: 'in file order' };
  const natural = [...pairs].sort((a, b) => naturalCompare(a.weight.name, b.weight.name));
  if (!chainBreak(natural, kernels)) return { pairs: natural, order: 'in name order' };
  return { broken };
}

export type ChainResult =
  | { readonly ok: true; readonly ops: ArchitectureOp[]; readonly note: string }
  | { readonly ok: false; readonly message: string };

export function inferChain(index: ModelIndex): ChainResult {
  const file = index.file;
  if (!index.tensors.some((t) => t.shape.length === 2)) return { ok: false, message: `${file} has no 2-D tensors: Depth Lens reads a bare weights file as a chain of dense layers, and there is none` };
  // PyTorch's [out, in] first; Keras-style [in, out] kernels when only they make a chain
  const straight = chainIn(index.tensors, false);
  const chain = 'pairs' in straight ? straight : (() => { const k = chainIn(index.tensors, true); return 'pairs' in k ? k : straight; })();
  const kernels = chain !== straight;
  if ('leftover' in chain) {
    const leftover = chain.leftover;
    const list = leftover.slice(0, 8).map((t) => `"${printableName(t.name)}" [${t.shape.join(', ')}]`).join(', ');
    return {
      ok: false,
      message: `${file} carries no architecture, and its tensors are not only the weights and biases of a chain of dense layers: ${list}${leftover.length > 8 ? ` and ${leftover.length - 8} more` : ''} ${leftover.length === 1 ? 'is' : 'are'} neither. Write a network file that references the tensors it needs ("Create network file from checkpoint" starts one)`,
    };
  }
  if ('broken' in chain) {
    return { ok: false, message: `${file} carries no architecture, and its matrices do not form a chain of dense layers in file order or in name order: ${chain.broken}. Write a network file that references the tensors (with "transpose": true for [in, out] kernels)` };
  }
  const ops: ArchitectureOp[] = [];
  chain.pairs.forEach((p, i) => {
    ops.push({ kind: 'affine', weight: p.weight.name, transpose: kernels, scale: 1, bias: p.bias?.name, biasScale: 1, node: p.weight.name });
    if (i < chain.pairs.length - 1) ops.push({ kind: 'relu', node: p.weight.name });
  });
  const shapes = chain.pairs.map((p) => (kernels ? `${p.weight.shape[0]}→${p.weight.shape[1]}` : `${p.weight.shape[1]}→${p.weight.shape[0]}`)).join(', ');
  return {
    ok: true, ops,
    note: `${file} carries no architecture: its ${chain.pairs.length} matri${chain.pairs.length === 1 ? 'x' : 'ces'} (${shapes}, ${chain.order}${kernels ? ', stored [in, out] and read transposed' : ''}) ${chain.pairs.length === 1 ? 'is' : 'are'} read as dense → ReLU → … → dense, the last one linear. A network file that references the tensors can say otherwise (residual blocks, other activations)`,
  };
}
