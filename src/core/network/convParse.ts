/**
 * Convolutional networks in the network format (issue 14): a document whose `input` has a `shape`
 * [C, H, W] takes images, and its layers may be conv2d, batchnorm2d, maxpool2d, avgpool2d,
 * global-avgpool2d, flatten, dense (after flatten) and residual blocks whose branch holds conv2d and
 * batchnorm2d layers, with an optional projection shortcut. The entries become the PyTorch-style layer
 * graph of src/core/conv/resnet.ts and `buildConvNet` makes the ConvNet every conv analysis takes (the
 * ONNX and PyTorch importers end in the same call), BatchNorm folded into the conv before it with the
 * importers' note.
 *
 * Every shape is followed here, entry by entry, so a problem is located on the node that causes it:
 * a kernel that does not take the channels it is given, a stride or padding out of range, an image
 * that a kernel or window collapses to nothing, a branch that does not return its input's shape.
 */
import type { Node } from 'jsonc-parser';
import type { ConvNetwork } from '../conv/network';
import { AvgPool2d, MaxPool2d } from '../conv/pool';
import { buildConvNet, type GraphOp } from '../conv/resnet';
import type { DenseMatrix } from '../linalg/dense';
import { ACTIVATIONS, branchItems, type EntryContext } from './entry';
import { readExternalArray, type ExternalFiles } from './external';
import { describeNode, listOf, type JsonReader } from './json';
import { LIMITS } from './limits';
import type { Activation } from './model';

export const CONV_LAYER_TYPES = ['conv2d', 'batchnorm2d', 'maxpool2d', 'avgpool2d', 'global-avgpool2d', 'flatten'] as const;
/** the layer types of a network on images */
export const IMAGE_LAYER_TYPES = [...CONV_LAYER_TYPES, 'dense', 'residual'] as const;
type ImageLayerType = (typeof IMAGE_LAYER_TYPES)[number];

const CONV_FIELDS = ['type', 'name', 'description', 'weights', 'bias', 'stride', 'padding', 'dilation', 'groups', 'paddingMode', 'activation'] as const;
const BN_FIELDS = ['type', 'name', 'description', 'weight', 'bias', 'runningMean', 'runningVar', 'eps', 'activation'] as const;
const MAXPOOL_FIELDS = ['type', 'name', 'description', 'kernel', 'stride', 'padding', 'dilation', 'ceilMode'] as const;
const AVGPOOL_FIELDS = ['type', 'name', 'description', 'kernel', 'stride', 'padding', 'ceilMode', 'countIncludePad'] as const;
const PLAIN_FIELDS = ['type', 'name', 'description'] as const;
const DENSE_FIELDS = ['type', 'name', 'description', 'weights', 'bias', 'activation'] as const;
const RESIDUAL_FIELDS = ['type', 'name', 'description', 'layers', 'shortcut', 'activation'] as const;
const PADDING_MODES = ['zeros', 'circular'] as const;

type Image = readonly [number, number, number];
/** [C, H, W] while the data are images, [n] after flatten; undefined when an earlier entry failed */
type Shape = Image | readonly [number];

interface Tensor { readonly data: Float64Array; readonly shape: readonly number[] }

/** What the entries share: the tensors by generated name, the graph, the notes' nodes. */
class ConvBuilder {
  readonly tensors = new Map<string, Tensor>();
  /** BatchNorm name → its node, for the fold note */
  readonly batchNorms = new Map<string, Node>();
  /** the top-level entries by the name of the op they make */
  readonly entries: Array<[string, Node]> = [];
  /** PyTorch's count of what the file holds: conv and dense weights and biases, BatchNorm γ and β */
  fileParameters = 0;
  private next = 0;
  /** the entry being read */
  ctx!: EntryContext;

  tensor(data: Float64Array, shape: readonly number[]): string {
    const name = `#${this.next++}`;
    this.tensors.set(name, { data, shape });
    return name;
  }

  /** counts the parameters held in memory; false (reported on `node`) above the limit */
  hold(count: number, node: Node, what: string): boolean {
    this.ctx.budget.explicit += count;
    this.ctx.budget.total += count;
    if (this.ctx.budget.explicit > LIMITS.maxExplicitParameters) {
      this.ctx.reader.sink.error('size-limit', node, `the layers up to ${what} hold ${this.ctx.budget.explicit} parameters in memory, above the limit of ${LIMITS.maxExplicitParameters}`);
      return false;
    }
    return true;
  }
}

const dims = (s: Shape): string => s.join('×');
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `input.shape` of a conv document: [C, H, W], each within the width limit, C·H·W within the per-layer limit. */
export function parseInputShape(node: Node, reader: JsonReader): Image | undefined {
  const sink = reader.sink;
  if (!reader.isArray(node, 'input.shape')) return undefined;
  const items = node.children ?? [];
  if (items.length !== 3) {
    sink.error('invalid-value', node, `input.shape must be [C, H, W] (channels, height, width), not ${plural(items.length, 'number')}`);
    return undefined;
  }
  const names = ['C', 'H', 'W'];
  const v = items.map((it, i) => reader.integer(it, `input.shape ${names[i]}`, 1, LIMITS.maxWidth, 'size-limit'));
  if (v.some((x) => x === undefined)) return undefined;
  const [c, h, w] = v as number[];
  if (c * h * w > LIMITS.maxLayerParameters) {
    sink.error('size-limit', node, `input.shape ${c}×${h}×${w} is ${c * h * w} numbers per image, above the limit of ${LIMITS.maxLayerParameters}`);
    return undefined;
  }
  return [c, h, w];
}

/**
 * The layers of a document on images as a ConvNetwork, or undefined after reporting why. `input` is
 * the parsed input.shape (undefined when it was wrong: the layers are still checked among themselves).
 */
export function parseConvLayers(entries: readonly Node[], input: Image | undefined, name: string | undefined, reader: JsonReader, files: ExternalFiles, layersNode: Node): ConvNetwork | undefined {
  const sink = reader.sink;
  const budget = { explicit: 0, total: 0 };
  const graph: GraphOp[] = [];
  let shape: Shape | undefined = input;
  let ok = input !== undefined;
  const b = new ConvBuilder();
  for (let i = 0; i < entries.length; i++) {
    b.ctx = { reader, files, entry: i + 1, incoming: undefined, budget };
    const before = sink.errorCount;
    const r = parseImageEntry(entries[i], b, shape, i === 0 ? 'input.shape' : `layer ${i}`);
    if (!r || sink.errorCount > before) ok = false;
    if (r) graph.push(...r.ops);
    shape = r?.out;
  }
  if (!ok || !input) return undefined;
  let net;
  try {
    net = buildConvNet(graph, input, (t) => b.tensors.get(t));
  } catch (e) {
    // the checks above follow every shape; a builder error left is a gap in them, said where it is
    sink.error('invalid-value', layersNode, `the layers cannot be built: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  // each op's entry, by name (a folded BatchNorm makes no op; names repeat only if the file repeats them)
  const byName = new Map<string, Node[]>();
  for (const [n, node] of b.entries) byName.set(n, [...(byName.get(n) ?? []), node]);
  const sources = net.ops.map((op) => {
    const node = byName.get(op.kind === 'conv2d' ? op.conv.name : op.name)?.shift();
    return node && { offset: node.offset, length: node.length };
  });
  for (const [bn, node] of b.batchNorms) {
    const note = net.notes.find((n) => n.startsWith(`${bn} (BatchNorm2d`));
    if (note) sink.information('model-conv', node, note);
  }
  return { kind: 'conv', net, name, notes: net.notes, fileParameterCount: b.fileParameters, sources };
}

interface EntryOut {
  readonly ops: GraphOp[];
  /** the output shape, when it is known */
  readonly out?: Shape;
}

function typeOf(node: Node, what: string, reader: JsonReader, allowed: readonly string[]): string | undefined {
  const typeNode = node.children?.find((p) => p.children?.[0]?.value === 'type')?.children?.[1];
  if (!typeNode) {
    reader.sink.error('missing-field', node, `${what} is missing "type" (one of ${listOf(allowed)})`);
    return undefined;
  }
  if (typeNode.type === 'string' && ['family', 'random', 'residual-family'].includes(typeNode.value as string) && allowed.includes('dense')) {
    reader.sink.error('unknown-layer-type', typeNode, `${what} is a "${typeNode.value}" entry; a network on images (input.shape) takes ${listOf(allowed)}`);
    return undefined;
  }
  return reader.oneOf(typeNode, `${what} "type"`, allowed, 'unknown-layer-type');
}

function parseImageEntry(node: Node, b: ConvBuilder, incoming: Shape | undefined, from: string): EntryOut | undefined {
  const { reader } = b.ctx;
  const what = `layer ${b.ctx.entry}`;
  if (!reader.isObject(node, what)) return undefined;
  const type = typeOf(node, what, reader, IMAGE_LAYER_TYPES) as ImageLayerType | undefined;
  if (!type) return undefined;
  const image = (): Image | undefined => {
    if (incoming === undefined) return undefined;
    if (incoming.length === 3) return incoming;
    reader.sink.error('shape-mismatch', node, `${what} (${type}) takes an image but ${from} produces a flat vector of ${incoming[0]}`);
    return undefined;
  };
  const label = (n: Node | undefined): string | undefined => (n ? reader.string(n, `${what} "name"`) : undefined);
  const name = label(node.children?.find((p) => p.children?.[0]?.value === 'name')?.children?.[1]) ?? `layer${b.ctx.entry}`;
  b.entries.push([name, node]);
  switch (type) {
    case 'conv2d': {
      const r = parseConv2d(node, b, what, name, image(), from, undefined);
      return r && { ops: r.ops, out: r.out };
    }
    case 'batchnorm2d': {
      // a BatchNorm keeps the shape, also when it is wrong
      const x = image();
      const r = parseBatchNorm(node, b, what, name, x, undefined);
      return r ? { ops: r.ops, out: r.out } : { ops: [], out: x };
    }
    case 'maxpool2d':
    case 'avgpool2d': return parsePool(node, b, what, name, type, image());
    case 'global-avgpool2d': {
      reader.fields(node, what, PLAIN_FIELDS);
      const x = image();
      return { ops: [{ op: 'adaptiveavgpool2d', name, outputSize: [1, 1] }], out: x && [x[0], 1, 1] };
    }
    case 'flatten': {
      reader.fields(node, what, PLAIN_FIELDS);
      return { ops: [{ op: 'flatten', name }], out: incoming && [incoming.reduce((a, c) => a * c, 1)] };
    }
    case 'dense': return parseDense(node, b, what, name, incoming, from);
    case 'residual': return parseResidual(node, b, what, name, image(), from);
  }
}

/** An integer or an [h, w] pair, each at least `min` (and within the width limit). */
function pairOf(node: Node | undefined, what: string, min: number, dflt: readonly [number, number], reader: JsonReader): [number, number] | undefined {
  if (!node) return [dflt[0], dflt[1]];
  if (node.type === 'array') {
    const items = node.children ?? [];
    if (items.length !== 2) {
      reader.sink.error('invalid-value', node, `${what} must be an integer or a pair [h, w], not ${plural(items.length, 'number')}`);
      return undefined;
    }
    const h = reader.integer(items[0], `${what} h`, min, LIMITS.maxWidth, 'size-limit');
    const w = reader.integer(items[1], `${what} w`, min, LIMITS.maxWidth, 'size-limit');
    return h === undefined || w === undefined ? undefined : [h, w];
  }
  const v = reader.integer(node, what, min, LIMITS.maxWidth, 'size-limit');
  return v === undefined ? undefined : [v, v];
}

function activationOf(f: Map<string, Node>, node: Node, what: string, reader: JsonReader, dflt: Activation | undefined): { activation?: Activation; node?: Node } {
  const n = dflt ? f.get('activation') : reader.require(f, 'activation', node, what);
  if (!n) return { activation: dflt };
  return { activation: reader.oneOf(n, `${what} activation`, ACTIVATIONS, 'unknown-activation'), node: n };
}

/** A vector (inline or external) of `length` entries when that is known. */
function vectorOf(node: Node, b: ConvBuilder, what: string, length: number | undefined): Float64Array | undefined {
  const { reader } = b.ctx;
  const v = node.type === 'object' ? readExternalArray(node, b.ctx, what, 1)?.data : reader.vector(node, what);
  if (v && length !== undefined && v.length !== length) {
    reader.sink.error('bias-length', node, `${what} has ${plural(v.length, 'entry', 'entries')} but the layer has ${plural(length, 'channel')}`);
    return undefined;
  }
  return v;
}

/** An inline kernel [out][in][kh][kw]: every level rectangular, every number finite. */
function kernelOf(node: Node, what: string, reader: JsonReader): (DenseMatrix & { shape: readonly number[] }) | undefined {
  const sink = reader.sink;
  if (!reader.isArray(node, what)) return undefined;
  const outs = node.children ?? [];
  if (outs.length === 0) {
    sink.error('empty-matrix', node, `${what} is empty; a conv kernel is [out][in][kh][kw]`);
    return undefined;
  }
  let shape: number[] | undefined;
  let bad = false;
  const slices: Float64Array[] = [];
  for (let o = 0; o < outs.length && !bad; o++) {
    const ins = outs[o];
    if (ins.type !== 'array' || (ins.children?.length ?? 0) === 0) {
      sink.error(ins.type === 'array' ? 'empty-matrix' : 'wrong-type', ins, `${what} output channel ${o + 1} must be a non-empty array of [kh][kw] kernels, not ${ins.type === 'array' ? 'an empty array' : describeNode(ins)}; a conv kernel is [out][in][kh][kw]`);
      bad = true;
      break;
    }
    const inCount = ins.children!.length;
    if (shape && inCount !== shape[1]) {
      sink.error('ragged-matrix', ins, `${what} is ragged: output channel ${o + 1} has ${plural(inCount, 'input channel')} but output channel 1 has ${shape[1]}`);
      bad = true;
      break;
    }
    for (let i = 0; i < inCount; i++) {
      const k = reader.matrix(ins.children![i], `${what} (output channel ${o + 1}, input channel ${i + 1})`);
      if (!k) { bad = true; break; }
      if (!shape) shape = [outs.length, inCount, k.rows, k.cols];
      else if (k.rows !== shape[2] || k.cols !== shape[3]) {
        sink.error('ragged-matrix', ins.children![i], `${what} is ragged: the kernel of output channel ${o + 1}, input channel ${i + 1} is ${k.rows}×${k.cols} but the first is ${shape[2]}×${shape[3]}`);
        bad = true;
        break;
      }
      slices.push(k.data);
    }
  }
  if (bad || !shape) return undefined;
  const per = shape[2] * shape[3];
  const data = new Float64Array(shape[0] * shape[1] * per);
  slices.forEach((s, j) => data.set(s, j * per));
  return { rows: shape[0], cols: shape[1] * per, data, shape };
}

interface StepOut {
  readonly ops: GraphOp[];
  readonly out?: Image;
  readonly activation?: Activation;
  readonly activationNode?: Node;
}

/** One conv2d entry. `dflt` is the activation when the field is absent (residual branches; required elsewhere). */
function parseConv2d(node: Node, b: ConvBuilder, what: string, name: string, x: Image | undefined, from: string, dflt: Activation | undefined): StepOut | undefined {
  const { reader } = b.ctx;
  const sink = reader.sink;
  const f = reader.fields(node, what, CONV_FIELDS);
  const weightsNode = reader.require(f, 'weights', node, what);
  const act = activationOf(f, node, what, reader, dflt);
  const stride = pairOf(f.get('stride'), `${what} stride`, 1, [1, 1], reader);
  const padding = pairOf(f.get('padding'), `${what} padding`, 0, [0, 0], reader);
  const dilation = pairOf(f.get('dilation'), `${what} dilation`, 1, [1, 1], reader);
  const groupsNode = f.get('groups');
  const groups = groupsNode ? reader.integer(groupsNode, `${what} groups`, 1, LIMITS.maxWidth, 'size-limit') : 1;
  const modeNode = f.get('paddingMode');
  const mode = modeNode ? reader.oneOf(modeNode, `${what} paddingMode`, PADDING_MODES) : 'zeros';
  const kernel = weightsNode && (weightsNode.type === 'object' ? readExternalArray(weightsNode, b.ctx, `${what} weights`, 4) : kernelOf(weightsNode, `${what} weights`, reader));
  const kshape = kernel?.shape;
  const biasNode = f.get('bias');
  const bias = biasNode ? vectorOf(biasNode, b, `${what} bias`, kshape?.[0]) : undefined;
  if (!kernel || !kshape || !weightsNode || (biasNode && !bias) || !stride || !padding || !dilation || groups === undefined || !mode || !act.activation) return undefined;
  const [out, inPer, kh, kw] = kshape;
  const inChannels = inPer * groups;
  if (out % groups !== 0) {
    sink.error('invalid-value', groupsNode!, `${what} groups = ${groups} must divide the ${out} output channels of its weights (${kshape.join('×')})`);
    return undefined;
  }
  if (kernel.data.length > LIMITS.maxLayerParameters) {
    sink.error('size-limit', weightsNode, `${what} weights have ${kernel.data.length} entries, above the per-layer limit of ${LIMITS.maxLayerParameters}`);
    return undefined;
  }
  if (!b.hold(kernel.data.length + (bias?.length ?? 0), node, what)) return undefined;
  b.fileParameters += kernel.data.length + (bias?.length ?? 0);
  // a kernel that does not take its input's channels is reported; the image it makes is still evident,
  // so the layers after it are checked too (one problem does not hide another)
  if (x && x[0] !== inChannels) {
    const takes = groups === 1 ? `${plural(inPer, 'input channel')}` : `${inPer} input channel${inPer === 1 ? '' : 's'} per group, ${inChannels} with groups = ${groups},`;
    sink.error('shape-mismatch', weightsNode, `${what} weights are ${kshape.join('×')} ([out][in/groups][kh][kw]): they take ${takes} but ${from} produces ${plural(x[0], 'channel')}`);
  }
  const op: GraphOp = {
    op: 'conv2d', name, weight: b.tensor(kernel.data, kshape), bias: bias ? b.tensor(bias, [out]) : null,
    inChannels, outChannels: out, kernelSize: [kh, kw], stride, padding, dilation, groups, paddingMode: mode,
  };
  const ops: GraphOp[] = [op];
  if (act.activation === 'relu') ops.push({ op: 'relu', name: `${name}.relu` });
  if (!x) return { ops, activation: act.activation, activationNode: act.node };
  const [, h, w] = x;
  const ho = Math.floor((h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
  const wo = Math.floor((w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
  if (ho < 1 || wo < 1) {
    sink.error('shape-mismatch', node, `${what} (conv2d) turns its ${h}×${w} input into nothing: the ${kh}×${kw} kernel (dilation ${dilation.join('×')}, padding ${padding.join('×')}) does not fit; the image is too small by then`);
    return undefined;
  }
  if (mode === 'circular' && (padding[0] > h || padding[1] > w)) {
    sink.error('invalid-value', f.get('padding') ?? node, `${what} circular padding ${padding.join('×')} is larger than its ${h}×${w} input`);
    return undefined;
  }
  return { ops, out: [out, ho, wo], activation: act.activation, activationNode: act.node };
}

function parseBatchNorm(node: Node, b: ConvBuilder, what: string, name: string, x: Image | undefined, dflt: Activation | undefined): StepOut | undefined {
  const { reader } = b.ctx;
  const f = reader.fields(node, what, BN_FIELDS);
  const act = activationOf(f, node, what, reader, dflt);
  const meanNode = reader.require(f, 'runningMean', node, what);
  const varNode = reader.require(f, 'runningVar', node, what);
  const c = x?.[0];
  const mean = meanNode && vectorOf(meanNode, b, `${what} runningMean`, c);
  const variance = varNode && vectorOf(varNode, b, `${what} runningVar`, c);
  const gammaNode = f.get('weight'), betaNode = f.get('bias');
  const gamma = gammaNode && vectorOf(gammaNode, b, `${what} weight`, c);
  const beta = betaNode && vectorOf(betaNode, b, `${what} bias`, c);
  const epsNode = f.get('eps');
  const eps = epsNode ? reader.number(epsNode, `${what} eps`) : 1e-5;
  if (eps !== undefined && epsNode && eps < 0) {
    reader.sink.error('invalid-value', epsNode, `${what} eps must be at least 0, not ${eps}`);
    return undefined;
  }
  if (!mean || !variance || (gammaNode && !gamma) || (betaNode && !beta) || eps === undefined || !act.activation) return undefined;
  const n = mean.length;
  for (const [v, vn, label] of [[variance, varNode!, 'runningVar'], [gamma, gammaNode, 'weight'], [beta, betaNode, 'bias']] as const) {
    if (v && v.length !== n) {
      reader.sink.error('bias-length', vn!, `${what} ${label} has ${plural(v.length, 'entry', 'entries')} but runningMean has ${n}`);
      return undefined;
    }
  }
  for (let i = 0; i < n; i++) {
    if (variance[i] + eps <= 0) {
      reader.sink.error('invalid-value', varNode!, `${what} runningVar entry ${i + 1} is ${variance[i]}: with eps ${eps} the BatchNorm divides by √${variance[i] + eps}; a variance is positive`);
      return undefined;
    }
  }
  if (!b.hold(4 * n, node, what)) return undefined;
  b.fileParameters += (gamma ? n : 0) + (beta ? n : 0);
  b.batchNorms.set(name, node);
  const ops: GraphOp[] = [{
    op: 'batchnorm2d', name, weight: gamma ? b.tensor(gamma, [n]) : null, bias: beta ? b.tensor(beta, [n]) : null,
    runningMean: b.tensor(mean, [n]), runningVar: b.tensor(variance, [n]), eps,
  }];
  if (act.activation === 'relu') ops.push({ op: 'relu', name: `${name}.relu` });
  return { ops, out: x, activation: act.activation, activationNode: act.node };
}

function parsePool(node: Node, b: ConvBuilder, what: string, name: string, type: 'maxpool2d' | 'avgpool2d', x: Image | undefined): EntryOut | undefined {
  const { reader } = b.ctx;
  const sink = reader.sink;
  const f = reader.fields(node, what, type === 'maxpool2d' ? MAXPOOL_FIELDS : AVGPOOL_FIELDS);
  const kernelNode = reader.require(f, 'kernel', node, what);
  const kernel = kernelNode && pairOf(kernelNode, `${what} kernel`, 1, [1, 1], reader);
  const stride = kernel && pairOf(f.get('stride'), `${what} stride`, 1, kernel, reader);
  const padding = pairOf(f.get('padding'), `${what} padding`, 0, [0, 0], reader);
  const dilation = type === 'maxpool2d' ? pairOf(f.get('dilation'), `${what} dilation`, 1, [1, 1], reader) : [1, 1] as [number, number];
  const flag = (key: string, dflt: boolean): boolean | undefined => {
    const n = f.get(key);
    if (!n) return dflt;
    if (n.type === 'boolean') return n.value as boolean;
    sink.error('wrong-type', n, `${what} ${key} must be true or false, not ${describeNode(n)}`);
    return undefined;
  };
  const ceilMode = flag('ceilMode', false);
  const countIncludePad = type === 'avgpool2d' ? flag('countIncludePad', true) : true;
  if (!kernel || !stride || !padding || !dilation || ceilMode === undefined || countIncludePad === undefined) return undefined;
  let pool: MaxPool2d | AvgPool2d;
  try {
    pool = type === 'maxpool2d'
      ? new MaxPool2d({ name, kernelSize: kernel, stride, padding, dilation, ceilMode })
      : new AvgPool2d({ name, kernelSize: kernel, stride, padding, ceilMode, countIncludePad });
  } catch {
    const eff = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
    sink.error('invalid-value', f.get('padding')!, `${what} padding ${padding.join('×')} is more than half the ${eff.join('×')} window (PyTorch refuses it too)`);
    return undefined;
  }
  const op: GraphOp = type === 'maxpool2d'
    ? { op: 'maxpool2d', name, kernelSize: kernel, stride, padding, dilation, ceilMode }
    : { op: 'avgpool2d', name, kernelSize: kernel, stride, padding, ceilMode, countIncludePad };
  if (!x) return { ops: [op] };
  const [c, h, w] = x;
  let ho: number, wo: number;
  try {
    [ho, wo] = pool.outputSize(h, w);
  } catch {
    sink.error('shape-mismatch', node, `${what} (${type}) turns its ${h}×${w} input into nothing: the ${kernel.join('×')} window (padding ${padding.join('×')}) does not fit; the image is too small by then`);
    return undefined;
  }
  return { ops: [op], out: [c, ho, wo] };
}

function parseDense(node: Node, b: ConvBuilder, what: string, name: string, incoming: Shape | undefined, from: string): EntryOut | undefined {
  const { reader } = b.ctx;
  const sink = reader.sink;
  const f = reader.fields(node, what, DENSE_FIELDS);
  const weightsNode = reader.require(f, 'weights', node, what);
  const act = activationOf(f, node, what, reader, undefined);
  const weights = weightsNode && (weightsNode.type === 'object' ? readExternalArray(weightsNode, b.ctx, `${what} weights`, 2) : reader.matrix(weightsNode, `${what} weights`));
  const biasNode = f.get('bias');
  const bias = biasNode ? (biasNode.type === 'object' ? readExternalArray(biasNode, b.ctx, `${what} bias`, 1)?.data : reader.vector(biasNode, `${what} bias`)) : weights && new Float64Array(weights.rows);
  if (bias && weights && bias.length !== weights.rows) {
    sink.error('bias-length', biasNode!, `${what} bias has ${plural(bias.length, 'entry', 'entries')} but its weights have ${plural(weights.rows, 'row')}`);
    return undefined;
  }
  if (!weights || !weightsNode || !bias || !act.activation) return undefined;
  if (weights.rows > LIMITS.maxWidth || weights.cols > LIMITS.maxWidth) {
    sink.error('size-limit', weightsNode, `${what} weights are ${weights.rows}×${weights.cols}, above the width limit of ${LIMITS.maxWidth}`);
    return undefined;
  }
  if (!b.hold(weights.data.length + bias.length, node, what)) return undefined;
  b.fileParameters += weights.data.length + (biasNode ? bias.length : 0);
  if (incoming && incoming.length === 3) {
    sink.error('shape-mismatch', node, `${what} (dense) takes a flat vector but ${from} produces a ${dims(incoming)} image; add {"type": "flatten"} before it`);
    return undefined;
  }
  if (incoming && incoming[0] !== weights.cols) {
    sink.error('shape-mismatch', weightsNode, `${what} expects ${plural(weights.cols, 'input')} but ${from} produces ${incoming[0]}`);
    return { ops: [], out: [weights.rows] };
  }
  const ops: GraphOp[] = [{ op: 'linear', name, weight: b.tensor(weights.data, [weights.rows, weights.cols]), bias: b.tensor(bias, [weights.rows]) }];
  if (act.activation === 'relu') ops.push({ op: 'relu', name: `${name}.relu` });
  return { ops, out: [weights.rows] };
}

/**
 * x ↦ σ(s(x) + branch(x)): the branch's steps are conv2d layers, each optionally followed by its
 * batchnorm2d; ReLU after every step but the last (the block applies its own after the sum). A step's
 * activation sits on its batchnorm2d when it has one. The shortcut is the identity, or one conv2d
 * (1×1, usually stride 2) with an optional batchnorm2d.
 */
function parseResidual(node: Node, b: ConvBuilder, what: string, name: string, x: Image | undefined, from: string): EntryOut | undefined {
  const { reader } = b.ctx;
  const sink = reader.sink;
  const f = reader.fields(node, what, RESIDUAL_FIELDS);
  const act = activationOf(f, node, what, reader, undefined);
  const branchList = branchItems(reader.require(f, 'layers', node, what), reader, what, 'conv2d layer');
  if (!branchList) return undefined;
  const { node: layersNode, items } = branchList;
  const branch = steps(items, b, `${what} branch layer`, `${name}.`, x, from, 'branch');
  const shortcutNode = f.get('shortcut');
  let shortcut: ReturnType<typeof steps> | undefined;
  if (shortcutNode && reader.isArray(shortcutNode, `${what} "shortcut"`)) {
    const sc = shortcutNode.children ?? [];
    const convs = sc.filter((n) => n.type === 'object' && n.children?.some((p) => p.children?.[0]?.value === 'type' && p.children?.[1]?.value === 'conv2d')).length;
    if (sc.length === 0 || sc.length > 2 || convs !== 1) {
      sink.error('residual-branch', shortcutNode, `${what} "shortcut" must be one conv2d (a projection, usually 1×1 with stride 2), optionally followed by its batchnorm2d; omit it for the identity`);
      return undefined;
    }
    shortcut = steps(sc, b, `${what} shortcut layer`, `${name}.shortcut.`, x, from, 'shortcut');
  } else if (shortcutNode) return undefined;
  if (!branch || (shortcutNode && !shortcut) || !act.activation) return undefined;
  if (x && branch.out) {
    const sc = shortcut ? shortcut.out : x;
    if (sc && dims(sc) !== dims(branch.out)) {
      sink.error('residual-shape', shortcut ? shortcutNode! : layersNode, shortcut
        ? `${what} (residual) branch gives ${dims(branch.out)} but the shortcut gives ${dims(sc)}; both must have the same shape to be added`
        : `${what} (residual) branch maps ${dims(x)} to ${dims(branch.out)}; with the identity shortcut it must return ${dims(x)} (add a "shortcut" conv to change the shape)`);
      return undefined;
    }
  }
  return { ops: [{ op: 'residual', name, branch: branch.ops, shortcut: shortcut ? shortcut.ops : null, activation: act.activation }], out: branch.out };
}

/** The conv2d [+ batchnorm2d] steps of a branch or shortcut, with the activation rule checked. */
function steps(items: readonly Node[], b: ConvBuilder, label: string, prefix: string, x: Image | undefined, from: string, part: 'branch' | 'shortcut'): { ops: GraphOp[]; out?: Image } | undefined {
  const { reader } = b.ctx;
  const sink = reader.sink;
  const ops: GraphOp[] = [];
  let shape: Image | undefined = x;
  let ok = true;
  let convs = 0, bns = 0;
  let prevFrom = from;
  for (let j = 0; j < items.length; j++) {
    const item = items[j];
    const what = `${label} ${j + 1}`;
    if (!reader.isObject(item, what)) { ok = false; shape = undefined; continue; }
    const type = typeOf(item, what, reader, ['conv2d', 'batchnorm2d']);
    if (!type) { ok = false; shape = undefined; continue; }
    const nextIsBn = items[j + 1]?.children?.some((p) => p.children?.[0]?.value === 'type' && p.children?.[1]?.value === 'batchnorm2d') ?? false;
    const last = j === items.length - 1;
    // the step's ReLU sits after its BatchNorm: a conv followed by one is linear
    const required: Activation = part === 'shortcut' || last || (type === 'conv2d' && nextIsBn) ? 'linear' : 'relu';
    const nameNode = item.children?.find((p) => p.children?.[0]?.value === 'name')?.children?.[1];
    const given = nameNode ? reader.string(nameNode, `${what} "name"`) : undefined;
    let r: StepOut | undefined;
    if (type === 'conv2d') {
      r = parseConv2d(item, b, what, given ?? `${prefix}conv${++convs}`, shape, prevFrom, required);
    } else {
      const prev = items[j - 1];
      const afterConv = prev?.children?.some((p) => p.children?.[0]?.value === 'type' && p.children?.[1]?.value === 'conv2d') ?? false;
      if (!afterConv) {
        sink.error('residual-branch', item, `${what} (batchnorm2d) must follow a conv2d of the ${part} (it is folded into it)`);
        ok = false; shape = undefined; continue;
      }
      r = parseBatchNorm(item, b, what, given ?? `${prefix}bn${++bns}`, shape, required);
    }
    if (!r) { ok = false; shape = undefined; prevFrom = `${label} ${j + 1}`; continue; }
    if (r.activationNode && r.activation !== required) {
      sink.error('residual-branch', r.activationNode, part === 'shortcut'
        ? `${what} is in the shortcut and must be "linear" (the block applies its activation after the sum)`
        : last ? `${what} is the last of the branch and must be "linear" (the block applies its activation after adding the shortcut)`
          : type === 'conv2d' && nextIsBn ? `${what} is followed by its batchnorm2d and must be "linear" (the ReLU goes on the batchnorm2d)`
            : `${what} is inside the branch and must be "relu"`);
      ok = false;
    }
    ops.push(...r.ops);
    shape = r.out;
    prevFrom = `${label} ${j + 1}`;
  }
  return ok ? { ops, out: shape } : undefined;
}
