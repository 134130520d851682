/**
 * ONNX models: the protobuf ModelProto decoded with protobufjs from the official onnx.proto
 * (onnx/onnx.proto, a static decoder generated into onnx/onnx.pb.js: `npm run gen:onnx`).
 *
 * Tensors are the graph's initializers and Constant nodes; raw_data is located by its byte offset in
 * the file (read later by range), external data by file, offset and length beside the model. Protobuf
 * has no index, so the file itself is read whole to decode it (at most MAX_ONNX_BYTES); big models
 * keep their weights as external data, which is read tensor by tensor.
 *
 * The graph is evaluated symbolically: every value is either a constant tensor or an activation
 * derived from the one graph input, and each operator maps through OPS (a Map from op_type to what it
 * computes): Gemm (alpha, beta, transA, transB), MatMul, Add (of a bias, or of two branches: a
 * residual block), Relu, Identity, Dropout, Flatten, Constant. Operators Depth Lens cannot analyse yet
 * are collected and listed by op type and node in one diagnostic. Graphs on an image input ([N, C, H, W])
 * are convolutional networks, read by onnxConv.ts.
 */
import { onnx } from './onnx/onnx.pb';
import { decodeInto, elementCount, dtypeSize, type DType } from './dtypes';
import { type Architecture, type ArchitectureOp, type ModelIndex, type TensorInfo } from './model';
import { convGraphArchitecture, imageInput } from './onnxConv';
import { refusalOf, unsupportedGraph, type UnsupportedOp } from './onnxGraph';
import { FormatError, printableName, readRange, type ByteSource, type SiblingFiles } from './source';

/** Protobuf caps messages at 2 GiB; the file is read whole, so this is also its memory cost. */
export const MAX_ONNX_BYTES = 2 * 1024 ** 3 - 1;

/** TensorProto.DataType → dtype */
const ONNX_DTYPES = new Map<number, DType>([
  [1, 'F32'], [2, 'U8'], [3, 'I8'], [4, 'U16'], [5, 'I16'], [6, 'I32'], [7, 'I64'], [9, 'BOOL'],
  [10, 'F16'], [11, 'F64'], [12, 'U32'], [13, 'U64'], [16, 'BF16'],
]);
const ONNX_DTYPE_NAMES = new Map<number, string>([[8, 'STRING'], [14, 'COMPLEX64'], [15, 'COMPLEX128'], [17, 'FLOAT8E4M3FN'], [18, 'FLOAT8E4M3FNUZ'], [19, 'FLOAT8E5M2'], [20, 'FLOAT8E5M2FNUZ']]);

type Tensor = onnx.TensorProto.$Properties;

function tensorInfo(t: Tensor, name: string, file: Uint8Array, sourceName: string, siblings: SiblingFiles | undefined, sources: Map<string, ByteSource>, what: string): TensorInfo {
  const dt = t.dataType ?? 0;
  const dtype = ONNX_DTYPES.get(dt);
  if (!dtype) throw new FormatError('tensor-dtype', `${what} has data type ${ONNX_DTYPE_NAMES.get(dt) ?? dt}; Depth Lens reads float and integer tensors`);
  const shape = (t.dims ?? []).map((d) => Number(d));
  const count = elementCount(shape, what);
  const bytes = count * dtypeSize(dtype);
  if (t.dataLocation === 1) {
    // external data: location (relative to the model's folder), offset, length
    const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = kv.get('location');
    if (!location) throw new FormatError('model-corrupt', `${what} is stored externally but names no "location"`);
    const offset = kv.has('offset') ? Number(kv.get('offset')) : 0;
    const length = kv.has('length') ? Number(kv.get('length')) : bytes;
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length)) throw new FormatError('model-corrupt', `${what} has external offset "${printableName(kv.get('offset') ?? '')}" and length "${printableName(kv.get('length') ?? '')}"`);
    if (length !== bytes) throw new FormatError('model-corrupt', `${what}: its external length ${length} is not the ${bytes} bytes of ${count} ${dtype} values`);
    if (!siblings) throw new FormatError('external-unreadable', `${what} is stored in "${printableName(location)}", but files beside the model cannot be read here`);
    let src = sources.get(location);
    if (!src) { src = siblings.open(location); sources.set(location, src); }
    if (offset + length > src.size) throw new FormatError('model-truncated', `${what} needs bytes ${offset}–${offset + length} of ${printableName(location)}, which has ${src.size} bytes`);
    return { name, dtype, shape, count, location: { kind: 'bytes', source: location, offset }, where: `bytes ${offset}–${offset + length} of ${printableName(location)}` };
  }
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== bytes) throw new FormatError('model-corrupt', `${what}: raw_data holds ${raw.length} bytes but ${count} ${dtype} values need ${bytes}`);
    if (raw.buffer === file.buffer) {
      const offset = raw.byteOffset - file.byteOffset;
      return { name, dtype, shape, count, location: { kind: 'bytes', source: sourceName, offset }, where: `bytes ${offset}–${offset + bytes}` };
    }
    return { name, dtype, shape, count, location: { kind: 'values', values: decodeRaw(raw, dtype, count) }, where: 'raw_data' };
  }
  // typed fields: float_data, double_data, int32_data (also 8/16-bit ints, bool, float16 bits), int64_data, uint64_data
  let values: ArrayLike<number> | undefined;
  if (dtype === 'F32') values = t.floatData ?? undefined;
  else if (dtype === 'F64') values = t.doubleData ?? undefined;
  else if (dtype === 'I64') values = (t.int64Data ?? []).map(Number);
  else if (dtype === 'U32' || dtype === 'U64') values = (t.uint64Data ?? []).map(Number);
  else values = t.int32Data ?? undefined;
  const n = values?.length ?? 0;
  if (n !== count) throw new FormatError('model-corrupt', `${what} has ${n} stored values but shape [${shape.join(', ')}] needs ${count}`);
  const out = new Float64Array(count);
  if (dtype === 'F16' || dtype === 'BF16') {
    const f16 = new Uint8Array(2 * count);
    const v = new DataView(f16.buffer);
    for (let i = 0; i < count; i++) v.setUint16(2 * i, values![i], true);
    return { name, dtype, shape, count, location: { kind: 'values', values: decodeRaw(f16, dtype, count) }, where: 'int32_data' };
  }
  for (let i = 0; i < count; i++) out[i] = values![i];
  return { name, dtype, shape, count, location: { kind: 'values', values: out }, where: 'typed data fields' };
}

function decodeRaw(raw: Uint8Array, dtype: DType, count: number): Float64Array {
  const out = new Float64Array(count);
  // a copy at offset 0 keeps typed-array views aligned
  decodeInto(raw.slice(), dtype, count, out);
  return out;
}

// ------------------------------------------------------------------------------------------------
// the graph

/** An activation value: derived from the graph input by the ops on its path. */
type Act =
  | { readonly op: 'input' }
  | { readonly op: 'affine'; readonly from: number; readonly weight: string; readonly transpose: boolean; readonly scale: number; readonly bias?: string; readonly biasScale: number; readonly node: string }
  | { readonly op: 'relu'; readonly from: number; readonly node: string }
  | { readonly op: 'add'; readonly a: number; readonly b: number; readonly node: string };

/** What a graph value is during symbolic evaluation. */
type Sym = { readonly kind: 'const'; readonly tensor: string } | { readonly kind: 'act'; readonly id: number } | { readonly kind: 'unknown' };

interface GraphWalk {
  readonly acts: Act[];
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** the node's inputs (missing optional inputs are undefined) */
  input(i: number): Sym | undefined;
  attrFloat(name: string, dflt: number): number;
  attrInt(name: string, dflt: number): number;
  /** a constant made by the node (Constant) */
  constant(t: TensorInfo): Sym;
  act(a: Act): Sym;
  /** the node is not analysable as written (e.g. MatMul with the constant on the left): listed with the reason */
  unsupported(why: string): Sym;
  readonly node: string;
}

const isAct = (s: Sym | undefined): s is { kind: 'act'; id: number } => s?.kind === 'act';
const isConst = (s: Sym | undefined): s is { kind: 'const'; tensor: string } => s?.kind === 'const';

/** A constant usable as a bias of `width`: shape [width], [1, width] or a single value for width 1. */
function biasShapeOk(t: TensorInfo): boolean {
  return t.shape.length === 1 || (t.shape.length === 2 && t.shape[0] === 1);
}

/** What each ONNX operator computes (op_type → handler returning its first output). Add Conv etc. here. */
const OPS = new Map<string, (w: GraphWalk) => Sym>([
  ['Gemm', (w) => {
    const a = w.input(0), b = w.input(1), c = w.input(2);
    if (!isAct(a)) return w.unsupported('its A input is not the network\'s activation');
    if (w.attrInt('transA', 0) !== 0) return w.unsupported('transA = 1 on an activation');
    if (!isConst(b) || w.tensors.get(b.tensor)!.shape.length !== 2) return w.unsupported('its B input is not a constant matrix');
    if (c !== undefined && !(isConst(c) && biasShapeOk(w.tensors.get(c.tensor)!))) return w.unsupported('its C input is not a constant vector');
    // Y = alpha · A · B' + beta · C, B' = transB ? Bᵀ : B; in our x ↦ W x terms W = alpha · B'ᵀ
    return w.act({
      op: 'affine', from: a.id, weight: b.tensor, transpose: w.attrInt('transB', 0) === 0, scale: w.attrFloat('alpha', 1),
      bias: c && isConst(c) ? c.tensor : undefined, biasScale: w.attrFloat('beta', 1), node: w.node,
    });
  }],
  ['MatMul', (w) => {
    const a = w.input(0), b = w.input(1);
    if (!isAct(a) || !isConst(b) || w.tensors.get(b.tensor)!.shape.length !== 2) return w.unsupported('only activation × constant matrix is analysed');
    // x·B with B [in, out]: W = Bᵀ
    return w.act({ op: 'affine', from: a.id, weight: b.tensor, transpose: true, scale: 1, biasScale: 1, node: w.node });
  }],
  ['Add', (w) => {
    let a = w.input(0), b = w.input(1);
    if (isConst(a) && isAct(b)) [a, b] = [b, a];
    if (isAct(a) && isAct(b)) return w.act({ op: 'add', a: a.id, b: b.id, node: w.node });
    if (isAct(a) && isConst(b)) {
      // a bias after MatMul (or a bias-less Gemm): folded into that affine step
      const prev = w.acts[a.id];
      if (prev.op !== 'affine' || prev.bias !== undefined || !biasShapeOk(w.tensors.get(b.tensor)!)) return w.unsupported('a constant added where there is no bias-free linear step to fold it into');
      return w.act({ ...prev, bias: b.tensor, biasScale: 1, node: `${prev.node} + ${w.node}` });
    }
    return w.unsupported('its inputs are not the network\'s activations');
  }],
  ['Relu', (w) => {
    const x = w.input(0);
    return isAct(x) ? w.act({ op: 'relu', from: x.id, node: w.node }) : w.unsupported('its input is not the network\'s activation');
  }],
  ['Identity', (w) => w.input(0) ?? w.unsupported('no input')],
  // inference: Dropout passes its input through
  ['Dropout', (w) => w.input(0) ?? w.unsupported('no input')],
  // on [N, d] inputs Flatten(axis = 1) changes nothing
  ['Flatten', (w) => (w.attrInt('axis', 1) === 1 ? w.input(0) ?? w.unsupported('no input') : w.unsupported(`axis ${w.attrInt('axis', 1)}`))],
]);

/** Ops from `base` (exclusive) to `id` along the value's path; residual blocks from Add of a value and a branch of it. */
function linearize(acts: readonly Act[], id: number, base: number, depth = 0): ArchitectureOp[] | string {
  if (depth > 10_000) return 'the graph is nested too deeply';
  const out: ArchitectureOp[] = [];
  let cur = id;
  // walk back to `base`, collecting ops in reverse
  const reversed: ArchitectureOp[] = [];
  while (cur !== base) {
    const a = acts[cur];
    switch (a.op) {
      case 'input': return 'a value that does not come from the block\'s input';
      case 'affine':
        reversed.push({ kind: 'affine', weight: a.weight, transpose: a.transpose, scale: a.scale, bias: a.bias, biasScale: a.biasScale, node: a.node });
        cur = a.from;
        break;
      case 'relu':
        reversed.push({ kind: 'relu', node: a.node });
        cur = a.from;
        break;
      case 'add': {
        // x + f(x): one operand is the shortcut, the other a branch computed from it
        const [skip, branchEnd] = reaches(acts, a.b, a.a) ? [a.a, a.b] : reaches(acts, a.a, a.b) ? [a.b, a.a] : [-1, -1];
        if (skip < 0) return `Add node ${printableName(a.node)} adds two values neither of which is computed from the other (not a residual block)`;
        const branch = linearize(acts, branchEnd, skip, depth + 1);
        if (typeof branch === 'string') return branch;
        reversed.push({ kind: 'residual', branch, node: a.node });
        cur = skip;
        break;
      }
    }
  }
  for (let i = reversed.length - 1; i >= 0; i--) out.push(reversed[i]);
  return out;
}

/** Is `target` on a path from `from` back to the input? */
function reaches(acts: readonly Act[], from: number, target: number): boolean {
  const seen = new Set<number>();
  const todo = [from];
  while (todo.length) {
    const id = todo.pop()!;
    if (id === target) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    const a = acts[id];
    if (a.op === 'affine' || a.op === 'relu') todo.push(a.from);
    else if (a.op === 'add') todo.push(a.a, a.b);
  }
  return false;
}

function graphArchitecture(graph: onnx.GraphProto.$Properties, tensors: Map<string, TensorInfo>, addTensor: (t: TensorInfo) => void, constantOf: (t: Tensor, name: string, what: string) => TensorInfo, file: string): Architecture {
  const values = new Map<string, Sym>();
  for (const name of tensors.keys()) values.set(name, { kind: 'const', tensor: name });
  const acts: Act[] = [];
  const unsupported: UnsupportedOp[] = [];
  // the network input: the one graph input that is not an initializer
  const inputs = (graph.input ?? []).filter((v) => !tensors.has(v.name ?? ''));
  let inputDim: number | undefined;
  if (inputs.length !== 1) {
    unsupported.push({ op: `${inputs.length} graph inputs`, node: inputs.map((v) => printableName(v.name ?? '')).join(', ') || '(none)' });
  } else {
    const dims = inputs[0].type?.tensorType?.shape?.dim ?? [];
    const last = dims[dims.length - 1];
    if (dims.length !== 2) unsupported.push({ op: `input of rank ${dims.length}`, node: printableName(inputs[0].name ?? '') });
    else if (last?.dimValue !== undefined && last.dimValue !== null && Number(last.dimValue) > 0) inputDim = Number(last.dimValue);
    values.set(inputs[0].name ?? '', { kind: 'act', id: 0 });
    acts.push({ op: 'input' });
  }
  const nodes = graph.node ?? [];
  nodes.forEach((n, i) => {
    const node = n.name ? n.name : `#${i + 1} (${(n.output ?? []).join(', ')})`;
    const opType = n.opType ?? '';
    const domain = n.domain ?? '';
    const attrs = new Map((n.attribute ?? []).map((a) => [a.name ?? '', a]));
    const setOutputs = (first: Sym) => {
      (n.output ?? []).forEach((o, k) => values.set(o, k === 0 ? first : { kind: 'unknown' }));
    };
    if (opType === 'Constant' && (domain === '' || domain === 'ai.onnx')) {
      const out = n.output?.[0] ?? '';
      const v = attrs.get('value');
      let t: TensorInfo | undefined;
      if (v?.t) t = constantOf(v.t, out, `${file}: Constant node ${printableName(node)}`);
      else if (attrs.has('value_float')) t = { name: out, dtype: 'F32', shape: [], count: 1, location: { kind: 'values', values: Float64Array.of(attrs.get('value_float')!.f ?? 0) }, where: 'value_float' };
      else if (attrs.has('value_floats')) { const f = attrs.get('value_floats')!.floats ?? []; t = { name: out, dtype: 'F32', shape: [f.length], count: f.length, location: { kind: 'values', values: Float64Array.from(f) }, where: 'value_floats' }; }
      if (!t) { unsupported.push({ op: 'Constant (of this kind)', node }); setOutputs({ kind: 'unknown' }); return; }
      addTensor(t);
      tensors.set(out, t);
      setOutputs({ kind: 'const', tensor: out });
      return;
    }
    const handler = domain === '' || domain === 'ai.onnx' ? OPS.get(opType) : undefined;
    if (!handler) {
      unsupported.push({ op: domain && domain !== 'ai.onnx' ? `${domain}.${opType}` : opType, node });
      setOutputs({ kind: 'unknown' });
      return;
    }
    const w: GraphWalk = {
      acts, tensors, node,
      input: (k) => { const name = n.input?.[k]; return name ? values.get(name) ?? { kind: 'unknown' } : undefined; },
      attrFloat: (name, dflt) => attrs.get(name)?.f ?? dflt,
      attrInt: (name, dflt) => { const a = attrs.get(name); return a?.i !== undefined && a.i !== null ? Number(a.i) : dflt; },
      constant: (t) => { addTensor(t); tensors.set(t.name, t); return { kind: 'const', tensor: t.name }; },
      act: (a) => { acts.push(a); return { kind: 'act', id: acts.length - 1 }; },
      unsupported: refusalOf(unsupported, opType, node, () => (n.input ?? []).some((name) => name && values.get(name)?.kind === 'unknown')),
    };
    setOutputs(handler(w));
  });
  const outputs = graph.output ?? [];
  const refused = unsupportedGraph(file, outputs, unsupported, 'Depth Lens reads graphs of Gemm, MatMul, Add (bias or residual), Relu, Identity, Dropout, Flatten and Constant on one flat input');
  if (refused) return refused;
  const out = values.get(outputs[0].name ?? '');
  if (!isAct(out)) return { kind: 'unsupported', items: [{ op: 'output', node: printableName(outputs[0].name ?? '') }], message: `${file}: the graph output ${printableName(outputs[0].name ?? '')} is not computed from the input` };
  const ops = linearize(acts, out.id, 0);
  if (typeof ops === 'string') return { kind: 'unsupported', items: [{ op: 'Add', node: '' }], message: `${file}: ${ops}` };
  return { kind: 'graph', ops, inputDim, notes: [] };
}

export function readOnnx(source: ByteSource, siblings?: SiblingFiles): ModelIndex {
  const file = source.name;
  if (source.size > MAX_ONNX_BYTES) throw new FormatError('model-too-large', `${file} has ${source.size} bytes, above the 2 GB protobuf limit of an ONNX file (big models keep their weights as external data)`);
  const bytes = readRange(source, 0, source.size, 'the model');
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const truncated = /index out of range/.test(msg);
    throw new FormatError(truncated ? 'model-truncated' : 'model-corrupt', `${file} is not a readable ONNX model (${truncated ? 'truncated, or a length field lies' : 'protobuf decoding failed'}: ${msg})`);
  }
  const graph = model.graph;
  if (!graph) throw new FormatError('model-corrupt', `${file} has no graph: not an ONNX model, or a truncated one`);
  // protobuf has no end marker: a file cut between fields decodes; a model without its opset is such a cut (or not ONNX)
  if ((model.opsetImport ?? []).length === 0) throw new FormatError('model-corrupt', `${file} has no opset_import, which every ONNX model has: the file is truncated, or not an ONNX model`);
  const sources = new Map<string, ByteSource>([['', source]]);
  const list: TensorInfo[] = [];
  const byName = new Map<string, TensorInfo>();
  const add = (t: TensorInfo) => {
    if (byName.has(t.name)) throw new FormatError('model-corrupt', `${file} has two tensors named "${printableName(t.name)}"`);
    byName.set(t.name, t);
    list.push(t);
  };
  const constantOf = (t: Tensor, name: string, what: string) => tensorInfo(t, name, bytes, '', siblings, sources, what);
  for (const init of graph.initializer ?? []) {
    const name = init.name ?? '';
    add(constantOf(init, name, `${file}: initializer "${printableName(name)}"`));
  }
  if ((graph.sparseInitializer ?? []).length > 0) throw new FormatError('model-unsupported', `${file} has sparse initializers, which Depth Lens does not read`);
  // image inputs ([N, C, H, W]) are convolutional networks (onnxConv.ts); flat ones dense
  const image = imageInput(graph, new Set(byName.keys()));
  const architecture = image ? convGraphArchitecture(graph, byName, image, file) : graphArchitecture(graph, new Map(byName), add, constantOf, file);
  const metadata = new Map<string, string>();
  if (model.producerName) metadata.set('producer', `${model.producerName} ${model.producerVersion ?? ''}`.trim());
  metadata.set('opset', (model.opsetImport ?? []).map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', '));
  if (graph.name) metadata.set('graph', graph.name);
  return { format: 'onnx', file, tensors: list, byName, architecture, metadata, sources };
}
