/**
 * ONNX graphs on image inputs ([N, C, H, W]): a symbolic evaluation like onnx.ts's, whose values are
 * the conv layer graph of src/core/conv/resnet.ts (GraphOp). Conv (pads, strides, dilations, group),
 * BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten, Gemm, MatMul (+ Add of a
 * bias), Identity, Dropout; an Add of two activations is a residual block: the value both operands are
 * computed from is the block's input, the longer path its branch and the other one its shortcut (the
 * identity when that path is empty, a projection — one conv with its BatchNorm — otherwise).
 */
import type { onnx } from './onnx/onnx.pb';
import type { GraphOp } from '../conv/resnet';
import type { Architecture, DerivedTensor, TensorInfo } from './model';
import { printableName } from './source';
import { refusalOf, unsupportedGraph, type UnsupportedOp } from './onnxGraph';

/** An activation value: one op on one earlier value, an Add of two, or the graph input. */
type CAct =
  | { readonly op: 'input' }
  | { readonly op: 'step'; readonly from: number; readonly g: GraphOp }
  | { readonly op: 'add'; readonly a: number; readonly b: number; readonly node: string };

type Sym = { readonly kind: 'const'; readonly tensor: string } | { readonly kind: 'act'; readonly id: number } | { readonly kind: 'unknown' };

const isAct = (s: Sym | undefined): s is { kind: 'act'; id: number } => s?.kind === 'act';
const isConst = (s: Sym | undefined): s is { kind: 'const'; tensor: string } => s?.kind === 'const';

/**
 * A module-like name from an exporter's node name: torch.onnx writes "/layer1/layer1.0/conv1/Conv",
 * which is "layer1.0.conv1"; other names are kept.
 */
export function moduleName(node: string): string {
  if (!node.startsWith('/')) return node;
  const segs = node.split('/').filter((s) => s.length > 0);
  segs.pop();
  const out: string[] = [];
  for (const s of segs) {
    if (out.length > 0 && s.startsWith(`${out[out.length - 1]}.`)) out[out.length - 1] = s;
    else out.push(s);
  }
  return out.join('.') || node;
}

interface Walk {
  readonly node: string;
  readonly name: string;
  input(i: number): Sym | undefined;
  ints(name: string): number[] | undefined;
  int(name: string, dflt: number): number;
  float(name: string, dflt: number): number;
  str(name: string): string | undefined;
  step(from: number, g: GraphOp): Sym;
  unsupported(why: string): Sym;
  shape(tensor: string): readonly number[];
  derive(source: string, transpose: boolean, scale: number): string;
  readonly acts: CAct[];
}

function pair(v: number[] | undefined, dflt: number): [number, number] {
  return v && v.length === 2 ? [v[0], v[1]] : [dflt, dflt];
}

/** pads [top, left, bottom, right] as PyTorch's symmetric (h, w), or why not. */
function symmetricPads(w: Walk): [number, number] | string {
  const autoPad = w.str('auto_pad') ?? 'NOTSET';
  if (autoPad === 'VALID') return [0, 0];
  if (autoPad !== 'NOTSET') return `auto_pad ${autoPad}`;
  const p = w.ints('pads');
  if (!p) return [0, 0];
  if (p.length !== 4) return `pads of length ${p.length} (a 2-D op has 4)`;
  if (p[0] !== p[2] || p[1] !== p[3]) return `asymmetric pads [${p.join(', ')}]`;
  return [p[0], p[1]];
}

/** What MaxPool and AveragePool share: an activation input, a 2-D kernel_shape and symmetric pads — or the refusal. */
function poolWindow(w: Walk): { id: number; kernelSize: [number, number]; padding: [number, number] } | Sym {
  const x = w.input(0);
  if (!isAct(x)) return w.unsupported('its input is not the network\'s activation');
  const ks = w.ints('kernel_shape');
  if (!ks || ks.length !== 2) return w.unsupported('kernel_shape is not 2-D');
  const pads = symmetricPads(w);
  if (typeof pads === 'string') return w.unsupported(pads);
  return { id: x.id, kernelSize: [ks[0], ks[1]], padding: pads };
}

const OPS = new Map<string, (w: Walk) => Sym>([
  ['Conv', (w) => {
    const x = w.input(0), W = w.input(1), B = w.input(2);
    if (!isAct(x)) return w.unsupported('its input is not the network\'s activation');
    if (!isConst(W) || w.shape(W.tensor).length !== 4) return w.unsupported('its weight is not a constant 4-D tensor (only 2-D convolutions are analysed)');
    if (B !== undefined && !(isConst(B) && w.shape(B.tensor).length === 1)) return w.unsupported('its bias is not a constant vector');
    const [out, inPerGroup, kh, kw] = w.shape(W.tensor);
    const ks = w.ints('kernel_shape');
    if (ks && (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw)) return w.unsupported(`kernel_shape [${ks.join(', ')}] differs from its weight's ${kh}×${kw}`);
    const pads = symmetricPads(w);
    if (typeof pads === 'string') return w.unsupported(pads);
    const groups = w.int('group', 1);
    return w.step(x.id, {
      op: 'conv2d', name: w.name, weight: W.tensor, bias: B && isConst(B) ? B.tensor : null, inChannels: inPerGroup * groups, outChannels: out,
      kernelSize: [kh, kw], stride: pair(w.ints('strides'), 1), padding: pads, dilation: pair(w.ints('dilations'), 1), groups, paddingMode: 'zeros',
    });
  }],
  ['BatchNormalization', (w) => {
    const x = w.input(0);
    if (!isAct(x)) return w.unsupported('its input is not the network\'s activation');
    const p = [1, 2, 3, 4].map((i) => w.input(i));
    if (!p.every(isConst)) return w.unsupported('its scale, bias, mean and variance are not constants');
    if (w.int('training_mode', 0) !== 0) return w.unsupported('training_mode = 1 (not a fixed map)');
    const [scale, bias, mean, variance] = p as { kind: 'const'; tensor: string }[];
    return w.step(x.id, { op: 'batchnorm2d', name: w.name, weight: scale.tensor, bias: bias.tensor, runningMean: mean.tensor, runningVar: variance.tensor, eps: w.float('epsilon', 1e-5) });
  }],
  ['Relu', (w) => {
    const x = w.input(0);
    return isAct(x) ? w.step(x.id, { op: 'relu', name: w.name }) : w.unsupported('its input is not the network\'s activation');
  }],
  ['MaxPool', (w) => {
    const p = poolWindow(w);
    if ('kind' in p) return p;
    return w.step(p.id, { op: 'maxpool2d', name: w.name, kernelSize: p.kernelSize, stride: pair(w.ints('strides'), 1), padding: p.padding, dilation: pair(w.ints('dilations'), 1), ceilMode: w.int('ceil_mode', 0) === 1 });
  }],
  ['AveragePool', (w) => {
    const p = poolWindow(w);
    if ('kind' in p) return p;
    const dil = w.ints('dilations');
    if (dil && dil.some((d) => d !== 1)) return w.unsupported('dilations ≠ 1');
    // ONNX's count_include_pad defaults to 0 (PyTorch's to True; its exporter writes the attribute)
    return w.step(p.id, { op: 'avgpool2d', name: w.name, kernelSize: p.kernelSize, stride: pair(w.ints('strides'), 1), padding: p.padding, ceilMode: w.int('ceil_mode', 0) === 1, countIncludePad: w.int('count_include_pad', 0) === 1 });
  }],
  ['GlobalAveragePool', (w) => {
    const x = w.input(0);
    return isAct(x) ? w.step(x.id, { op: 'adaptiveavgpool2d', name: w.name, outputSize: [1, 1] }) : w.unsupported('its input is not the network\'s activation');
  }],
  ['Flatten', (w) => {
    const x = w.input(0);
    if (!isAct(x)) return w.unsupported('its input is not the network\'s activation');
    if (w.int('axis', 1) !== 1) return w.unsupported(`axis ${w.int('axis', 1)} (the batch axis is 0; Flatten keeps it with axis 1)`);
    return w.step(x.id, { op: 'flatten', name: w.name });
  }],
  ['Gemm', (w) => {
    const a = w.input(0), b = w.input(1), c = w.input(2);
    if (!isAct(a)) return w.unsupported('its A input is not the network\'s activation');
    if (w.int('transA', 0) !== 0) return w.unsupported('transA = 1 on an activation');
    if (!isConst(b) || w.shape(b.tensor).length !== 2) return w.unsupported('its B input is not a constant matrix');
    if (c !== undefined && !(isConst(c) && w.shape(c.tensor).length === 1)) return w.unsupported('its C input is not a constant vector');
    // Y = alpha·A·B' + beta·C with B' = transB ? Bᵀ : B; as x ↦ W x + b: W = alpha·B'ᵀ, stored [out, in] when transB = 1
    const weight = w.derive(b.tensor, w.int('transB', 0) === 0, w.float('alpha', 1));
    const bias = c && isConst(c) ? w.derive(c.tensor, false, w.float('beta', 1)) : null;
    return w.step(a.id, { op: 'linear', name: w.name, weight, bias });
  }],
  ['MatMul', (w) => {
    const a = w.input(0), b = w.input(1);
    if (!isAct(a) || !isConst(b) || w.shape(b.tensor).length !== 2) return w.unsupported('only activation × constant matrix is analysed');
    return w.step(a.id, { op: 'linear', name: w.name, weight: w.derive(b.tensor, true, 1), bias: null });
  }],
  ['Add', (w) => {
    let a = w.input(0), b = w.input(1);
    if (isConst(a) && isAct(b)) [a, b] = [b, a];
    if (isAct(a) && isAct(b)) {
      w.acts.push({ op: 'add', a: a.id, b: b.id, node: w.node });
      return { kind: 'act', id: w.acts.length - 1 };
    }
    if (isAct(a) && isConst(b)) {
      const prev = w.acts[a.id];
      if (prev.op !== 'step' || prev.g.op !== 'linear' || prev.g.bias !== null || w.shape(b.tensor).length !== 1) return w.unsupported('a constant added where there is no bias-free linear step to fold it into');
      return w.step(prev.from, { ...prev.g, bias: b.tensor });
    }
    return w.unsupported('its inputs are not the network\'s activations');
  }],
  ['Identity', (w) => w.input(0) ?? w.unsupported('no input')],
  ['Dropout', (w) => w.input(0) ?? w.unsupported('no input')],
]);

/** The values back from `id` through single-input steps, ending at (and including) an Add or the input. */
function pathBack(acts: readonly CAct[], id: number): number[] {
  const out = [id];
  let cur = id;
  for (;;) {
    const a = acts[cur];
    if (a.op !== 'step') return out;
    cur = a.from;
    out.push(cur);
  }
}

/** GraphOps from `base` (exclusive) to `id`; an Add becomes a residual block. */
function linearize(acts: readonly CAct[], id: number, base: number, depth = 0): GraphOp[] | string {
  if (depth > 10_000) return 'the graph is nested too deeply';
  const reversed: GraphOp[] = [];
  let cur = id;
  while (cur !== base) {
    const a = acts[cur];
    if (a.op === 'input') return 'a value that does not come from the block\'s input';
    if (a.op === 'step') { reversed.push(a.g); cur = a.from; continue; }
    // an Add: the block input is the nearest value both operands are computed from
    const pa = pathBack(acts, a.a), pb = pathBack(acts, a.b);
    const onB = new Set(pb);
    const start = pa.find((v) => onB.has(v));
    if (start === undefined) return `Add node ${printableName(a.node)} adds two values that do not meet at one earlier value through single-input ops (not a residual block Depth Lens reads)`;
    const lenA = pa.indexOf(start), lenB = pb.indexOf(start);
    const [branchEnd, shortcutEnd] = lenA >= lenB ? [a.a, a.b] : [a.b, a.a];
    const branch = linearize(acts, branchEnd, start, depth + 1);
    if (typeof branch === 'string') return branch;
    const shortcut = linearize(acts, shortcutEnd, start, depth + 1);
    if (typeof shortcut === 'string') return shortcut;
    const name = moduleName(a.node);
    reversed.push({ op: 'residual', name, branch, shortcut: shortcut.length > 0 ? shortcut : null, activation: 'linear' });
    cur = start;
  }
  const out = reversed.reverse();
  // a ReLU right after a block is the block's own (x ↦ σ(s(x) + r(x)))
  const merged: GraphOp[] = [];
  for (const g of out) {
    const last = merged[merged.length - 1];
    if (g.op === 'relu' && last?.op === 'residual' && last.activation === 'linear') merged[merged.length - 1] = { ...last, activation: 'relu' };
    else merged.push(g);
  }
  return merged;
}

/** The graph input's [C, H, W] when the graph input is 4-D, or undefined when it is not an image input. */
export function imageInput(graph: onnx.GraphProto.$Properties, initializers: ReadonlySet<string>): { readonly name: string; readonly shape?: readonly [number, number, number] } | undefined {
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? ''));
  if (inputs.length !== 1) return undefined;
  const dims = inputs[0].type?.tensorType?.shape?.dim ?? [];
  if (dims.length !== 4) return undefined;
  const fixed = dims.slice(1).map((d) => (d.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) : 0));
  return { name: inputs[0].name ?? '', shape: fixed.every((d) => d > 0) ? [fixed[0], fixed[1], fixed[2]] : undefined };
}

/** The architecture of an ONNX graph on an image input. */
export function convGraphArchitecture(graph: onnx.GraphProto.$Properties, tensors: ReadonlyMap<string, TensorInfo>, input: { readonly name: string; readonly shape?: readonly [number, number, number] }, file: string): Architecture {
  const values = new Map<string, Sym>();
  for (const name of tensors.keys()) values.set(name, { kind: 'const', tensor: name });
  const acts: CAct[] = [{ op: 'input' }];
  values.set(input.name, { kind: 'act', id: 0 });
  const unsupported: UnsupportedOp[] = [];
  const derived = new Map<string, DerivedTensor>();
  const notes: string[] = [];
  (graph.node ?? []).forEach((n, i) => {
    const node = n.name ? n.name : `#${i + 1} (${(n.output ?? []).join(', ')})`;
    const opType = n.opType ?? '';
    const domain = n.domain ?? '';
    const attrs = new Map((n.attribute ?? []).map((a) => [a.name ?? '', a]));
    const setOutputs = (first: Sym) => { (n.output ?? []).forEach((o, k) => values.set(o, k === 0 ? first : { kind: 'unknown' })); };
    const handler = domain === '' || domain === 'ai.onnx' ? OPS.get(opType) : undefined;
    if (!handler) {
      const anyUnknown = (n.input ?? []).some((name) => name && values.get(name)?.kind === 'unknown');
      if (!anyUnknown) unsupported.push({ op: domain && domain !== 'ai.onnx' ? `${domain}.${opType}` : opType, node });
      setOutputs({ kind: 'unknown' });
      return;
    }
    const w: Walk = {
      node, name: moduleName(node), acts,
      input: (k) => { const name = n.input?.[k]; return name ? values.get(name) ?? { kind: 'unknown' } : undefined; },
      ints: (name) => { const a = attrs.get(name); return a?.ints && a.ints.length > 0 ? a.ints.map(Number) : undefined; },
      int: (name, dflt) => { const a = attrs.get(name); return a?.i !== undefined && a.i !== null ? Number(a.i) : dflt; },
      float: (name, dflt) => attrs.get(name)?.f ?? dflt,
      str: (name) => { const s = attrs.get(name)?.s; return s && s.length > 0 ? new TextDecoder().decode(s) : undefined; },
      step: (from, g) => { acts.push({ op: 'step', from, g }); return { kind: 'act', id: acts.length - 1 }; },
      shape: (t) => tensors.get(t)?.shape ?? [],
      derive: (source, transpose, scale) => {
        if (!transpose && scale === 1) return source;
        const name = `${source}${transpose ? 'ᵀ' : ''}${scale !== 1 ? `·${scale}` : ''}`;
        derived.set(name, { source, transpose, scale });
        return name;
      },
      unsupported: refusalOf(unsupported, opType, node, () => (n.input ?? []).some((name) => name && values.get(name)?.kind === 'unknown')),
    };
    setOutputs(handler(w));
  });
  const outputs = graph.output ?? [];
  const refused = unsupportedGraph(file, outputs, unsupported, 'On image inputs Depth Lens reads graphs of Conv, BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten, Gemm, MatMul, Add (bias or residual), Identity and Dropout');
  if (refused) return refused;
  const out = values.get(outputs[0].name ?? '');
  if (!isAct(out)) return { kind: 'unsupported', items: [{ op: 'output', node: printableName(outputs[0].name ?? '') }], message: `${file}: the graph output ${printableName(outputs[0].name ?? '')} is not computed from the input` };
  const g = linearize(acts, out.id, 0);
  if (typeof g === 'string') return { kind: 'unsupported', items: [{ op: 'Add', node: '' }], message: `${file}: ${g}` };
  if (!input.shape) notes.push(`${file}: the graph input ${printableName(input.name)} has no fixed [C, H, W]; give the input size (--input-shape C,H,W)`);
  return { kind: 'conv', graph: g, inputShape: input.shape, notes, derived };
}
