/**
 * PyTorch checkpoints as torch.save writes them since 1.6: a ZIP archive ARCHIVE/data.pkl (the pickled
 * object: a state_dict, or a whole nn.Module), ARCHIVE/data/KEY (one member per storage, stored
 * uncompressed, so tensors are read by byte range straight from the file), ARCHIVE/version and
 * ARCHIVE/byteorder. The pickle is parsed by pickle.ts, which never executes anything; the torch
 * reconstructors it may use are ours, listed below. Older files (a bare pickle stream or a tar file,
 * before torch 1.6) and TorchScript archives are recognised and refused with what to do instead.
 *
 * Architecture: a pickled torch.nn module tree becomes ArchitectureOps through MODULES, a Map from the
 * module's class to what it computes. Sequential, Linear, ReLU and the no-ops (Identity, Dropout,
 * Flatten) are there; any other class — a custom module whose forward() is Python code the file does
 * not contain, or a layer Depth Lens cannot analyse yet — is listed by class and path in one
 * diagnostic. Convolutional kinds (issue 14) are added as entries of MODULES.
 */
import { DTYPE_SIZE, elementCount, type DType } from './dtypes';
import { indexByName, stridedLayout, type Architecture, type ArchitectureOp, type ModelIndex, type TensorInfo } from './model';
import {
  asBuilt, asDict, asObject, asTuple, DATA_RECONSTRUCTORS, globalName, parsePickle,
  type PickleGlobal, type PickleObject, type PickleValue, type Reconstructor,
} from './pickle';
import { FormatError, printableName, readRange, type ByteSource } from './source';
import { entryDataOffset, looksLikeZip, readEntry, readZipDirectory, type ZipEntry } from './zip';

const STORAGE_DTYPES = new Map<string, DType>([
  ['DoubleStorage', 'F64'], ['FloatStorage', 'F32'], ['HalfStorage', 'F16'], ['BFloat16Storage', 'BF16'],
  ['LongStorage', 'I64'], ['IntStorage', 'I32'], ['ShortStorage', 'I16'], ['CharStorage', 'I8'],
  ['ByteStorage', 'U8'], ['BoolStorage', 'BOOL'],
]);
/** the pickle of a big model is a few MB; above this it is refused, not read */
const MAX_PICKLE_BYTES = 512 * 1024 * 1024;

interface TorchStorage { readonly dtype: DType; readonly key: string; readonly numel: number }
interface TorchTensor { readonly storage: TorchStorage; readonly offset: number; readonly shape: number[]; readonly strides: number[] }

function isTensor(v: unknown): v is TorchTensor {
  return typeof v === 'object' && v !== null && 'storage' in v && 'shape' in v;
}

function intList(v: PickleValue | undefined, what: string, at: string): number[] {
  const items = asTuple(v);
  if (!items || !items.every((d): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError('model-corrupt', `${at}: ${what} is not a tuple of non-negative integers`);
  }
  return [...items] as number[];
}

function rebuildTensor(args: readonly PickleValue[], at: string): PickleValue {
  const storage = typeof args[0] === 'object' && args[0] !== null && (args[0] as { kind?: string }).kind === 'persistent'
    ? (args[0] as { value: unknown }).value as TorchStorage : undefined;
  if (!storage) throw new FormatError('model-corrupt', `${at}: a tensor without a storage`);
  const offset = args[1];
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw new FormatError('model-corrupt', `${at}: a tensor with storage offset ${String(offset)}`);
  const shape = intList(args[2], 'a tensor size', at);
  const strides = intList(args[3], 'a tensor stride', at);
  if (strides.length !== shape.length) throw new FormatError('model-corrupt', `${at}: a tensor with size (${shape.join(', ')}) but stride (${strides.join(', ')})`);
  const tensor: TorchTensor = { storage, offset, shape, strides };
  return { kind: 'built', value: tensor };
}

function unsupportedTensor(kind: string): Reconstructor {
  return (_args, at) => { throw new FormatError('model-unsupported', `${at}: the checkpoint holds ${kind} tensors, which Depth Lens does not read`); };
}

/** torch's reconstructors, applied by our code: the pickle only names them. */
const TORCH_RECONSTRUCTORS = new Map<string, Reconstructor>([
  ...DATA_RECONSTRUCTORS,
  ['torch._utils _rebuild_tensor_v2', rebuildTensor],
  ['torch._utils _rebuild_tensor', rebuildTensor],
  ['torch._utils _rebuild_parameter', (args, at) => {
    if (!isTensor(asBuilt(args[0]))) throw new FormatError('model-corrupt', `${at}: a parameter without a tensor`);
    return args[0];
  }],
  ['torch._utils _rebuild_parameter_with_state', (args, at) => {
    if (!isTensor(asBuilt(args[0]))) throw new FormatError('model-corrupt', `${at}: a parameter without a tensor`);
    return args[0];
  }],
  // _rebuild_from_type_v2(func, type, args, state): func must itself be one of ours
  ['torch._tensor _rebuild_from_type_v2', (args, at) => applyNested(args[0], args[2], at)],
  ['torch._tensor _rebuild_from_type', (args, at) => applyNested(args[0], args[2], at)],
  ['torch Size', (args) => ({ kind: 'tuple', items: asTuple(args[0]) ?? [] })],
  ['torch device', (args) => typeof args[0] === 'string' ? args[0] : 'cpu'],
  ['torch._utils _rebuild_qtensor', unsupportedTensor('quantized')],
  ['torch._utils _rebuild_sparse_tensor', unsupportedTensor('sparse')],
  ['torch._utils _rebuild_sparse_csr_tensor', unsupportedTensor('sparse')],
  ['torch._utils _rebuild_meta_tensor_no_storage', unsupportedTensor('meta (storage-less)')],
  ['torch._utils _rebuild_wrapper_subclass', unsupportedTensor('subclass')],
  ['torch._utils _rebuild_nested_tensor', unsupportedTensor('nested')],
  ['torch._utils _rebuild_device_tensor_from_numpy', unsupportedTensor('device')],
]);

function applyNested(func: PickleValue, args: PickleValue, at: string): PickleValue {
  const f = typeof func === 'object' && func !== null && (func as PickleGlobal).kind === 'global' ? func as PickleGlobal : undefined;
  const r = f && TORCH_RECONSTRUCTORS.get(`${f.module} ${f.name}`);
  if (!r || r === TORCH_RECONSTRUCTORS.get('torch._tensor _rebuild_from_type_v2')) {
    throw new FormatError('model-refused', `${at}: the pickle calls ${f ? printableName(globalName(f)) : 'something unnamed'} through _rebuild_from_type, which Depth Lens refuses`);
  }
  return r(asTuple(args) ?? [], at);
}

// ------------------------------------------------------------------------------------------------
// the module tree

interface ModuleNode {
  readonly cls: string;
  /** dotted path from the root ('' for the root) */
  readonly path: string;
  readonly record: PickleObject;
  readonly children: readonly { readonly name: string; readonly module: ModuleNode }[];
  /** parameters and buffers that are tensors, in order */
  readonly tensors: readonly { readonly name: string; readonly tensor: TorchTensor }[];
}

function stateOf(m: PickleObject): Map<string | number | boolean | null, PickleValue> {
  return asDict(m.state) ?? new Map();
}

function moduleNode(record: PickleObject, path: string, depth: number, where: string): ModuleNode {
  if (depth > 200) throw new FormatError('model-too-large', `${where}: modules nest more than 200 levels deep at "${printableName(path)}"`);
  const state = stateOf(record);
  const tensors: { name: string; tensor: TorchTensor }[] = [];
  for (const field of ['_parameters', '_buffers']) {
    for (const [k, v] of asDict(state.get(field)) ?? []) {
      const t = asBuilt(v);
      if (isTensor(t)) tensors.push({ name: String(k), tensor: t });
    }
  }
  const children: { name: string; module: ModuleNode }[] = [];
  for (const [k, v] of asDict(state.get('_modules')) ?? []) {
    const child = asObject(v);
    if (child) children.push({ name: String(k), module: moduleNode(child, path ? `${path}.${k}` : String(k), depth + 1, where) });
  }
  return { cls: globalName(record.cls), path, record, children, tensors };
}

/** Every parameter and buffer, named as in the module's state_dict ("blocks.0.fc1.weight"). */
function moduleTensors(node: ModuleNode, out: { name: string; tensor: TorchTensor }[]): void {
  for (const t of node.tensors) out.push({ name: node.path ? `${node.path}.${t.name}` : t.name, tensor: t.tensor });
  for (const c of node.children) moduleTensors(c.module, out);
}

interface ModuleWalk {
  readonly ops: ArchitectureOp[];
  readonly unsupported: { op: string; node: string }[];
  walk(node: ModuleNode): void;
}

/** A class's short name for messages: torch.nn.modules.linear.Linear → torch.nn.Linear. */
export function shortClassName(cls: string): string {
  const m = /^torch\.nn\.modules\.[a-z_]+\.(\w+)$/.exec(cls);
  return m ? `torch.nn.${m[1]}` : cls;
}

const nodeName = (n: ModuleNode) => n.path || 'the model';
const noOp = () => undefined;

/** What each torch.nn class computes. Conv2d, BatchNorm2d, pooling … go here (issue 14). */
const MODULES = new Map<string, (node: ModuleNode, w: ModuleWalk) => void>([
  ['torch.nn.modules.container.Sequential', (node, w) => { for (const c of node.children) w.walk(c.module); }],
  ['torch.nn.modules.linear.Linear', (node, w) => {
    const has = new Set(node.tensors.map((t) => t.name));
    const prefix = node.path ? `${node.path}.` : '';
    w.ops.push({ kind: 'affine', weight: `${prefix}weight`, transpose: false, scale: 1, bias: has.has('bias') ? `${prefix}bias` : undefined, biasScale: 1, node: nodeName(node) });
  }],
  ['torch.nn.modules.activation.ReLU', (node, w) => { w.ops.push({ kind: 'relu', node: nodeName(node) }); }],
  ['torch.nn.modules.linear.Identity', noOp],
  ['torch.nn.modules.dropout.Dropout', noOp],
  // on the flat vectors Depth Lens analyses, Flatten changes nothing
  ['torch.nn.modules.flatten.Flatten', noOp],
]);

function moduleArchitecture(root: ModuleNode, file: string): Architecture {
  const ops: ArchitectureOp[] = [];
  const unsupported: { op: string; node: string }[] = [];
  const w: ModuleWalk = {
    ops, unsupported,
    walk(node) {
      const handler = MODULES.get(node.cls);
      if (handler) handler(node, w);
      else unsupported.push({ op: shortClassName(node.cls), node: nodeName(node) });
    },
  };
  w.walk(root);
  if (unsupported.length > 0) {
    const custom = unsupported.some((u) => !u.op.startsWith('torch.'));
    const list = unsupported.map((u) => `${printableName(u.op)} (${printableName(u.node)})`).join(', ');
    return {
      kind: 'unsupported', items: unsupported,
      message: `${file}: modules Depth Lens cannot analyse yet: ${list}. Depth Lens reads pickled torch.nn.Sequential trees of Linear, ReLU, Identity, Dropout and Flatten${custom ? '; a custom module\'s forward() is Python code that the file does not contain' : ''}. Export the model with torch.onnx.export, or write a network file that references its tensors ("Create network file from checkpoint")`,
    };
  }
  return { kind: 'graph', ops, notes: [] };
}

// ------------------------------------------------------------------------------------------------
// the file

/** What a non-ZIP .pt/.pth file is, for its error message. */
function notZip(source: ByteSource, head: Uint8Array): FormatError {
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) {
    return new FormatError('model-legacy', `${source.name} is a PyTorch checkpoint in the legacy format (torch < 1.6, or _use_new_zipfile_serialization=False): Depth Lens reads the ZIP format; re-save it with torch ≥ 1.6 (torch.save(torch.load(f), f))`);
  }
  if (source.size > 262 && String.fromCharCode(...readRange(source, 257, 5, 'the tar magic')) === 'ustar') {
    return new FormatError('model-legacy', `${source.name} is a PyTorch checkpoint in the oldest (tar) format: re-save it with torch ≥ 1.6 (torch.save(torch.load(f), f))`);
  }
  return new FormatError('model-corrupt', `${source.name} is not a PyTorch checkpoint: it is not a ZIP archive (torch.save writes one since torch 1.6)`);
}

export function readPytorch(source: ByteSource): ModelIndex {
  const head = readRange(source, 0, Math.min(source.size, 8), 'the first bytes');
  if (!looksLikeZip(head)) throw notZip(source, head);
  const entries = readZipDirectory(source);
  const pkl = entries.find((e) => /^[^/]+\/data\.pkl$/.test(e.name)) ?? entries.find((e) => e.name === 'data.pkl');
  if (!pkl) {
    if (entries.some((e) => /(^|\/)constants\.pkl$/.test(e.name) || /(^|\/)code\//.test(e.name))) {
      throw new FormatError('model-unsupported', `${source.name} is a TorchScript archive (torch.jit.save), whose model is code; save the state_dict with torch.save, or export to ONNX`);
    }
    throw new FormatError('model-corrupt', `${source.name} is a ZIP archive without data.pkl: not a PyTorch checkpoint`);
  }
  const archive = pkl.name.includes('/') ? pkl.name.slice(0, pkl.name.lastIndexOf('/') + 1) : '';
  const members = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const byteorder = members.get(`${archive}byteorder`);
  const bigEndian = byteorder ? new TextDecoder().decode(readEntry(source, byteorder, 16)).trim() === 'big' : false;
  const where = `${source.name}, archive member "${printableName(pkl.name)}"`;
  const pickleBytes = readEntry(source, pkl, MAX_PICKLE_BYTES);
  const root = parsePickle(pickleBytes, {
    where,
    reconstructors: TORCH_RECONSTRUCTORS,
    persistentLoad: (pid, at) => {
      const t = asTuple(pid);
      if (!t || t[0] !== 'storage' || t.length < 5) throw new FormatError('model-corrupt', `${at}: a persistent id that is not ('storage', type, key, location, size)`);
      const type = t[1] as PickleGlobal;
      const typeName = typeof type === 'object' && type !== null && type.kind === 'global' ? type.name : '';
      const dtype = STORAGE_DTYPES.get(typeName);
      if (!dtype) throw new FormatError('tensor-dtype', `${at}: a storage of type ${printableName(typeName || String(t[1]))}; Depth Lens reads float, integer and bool storages`);
      const key = t[2], numel = t[4];
      if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) throw new FormatError('model-corrupt', `${at}: a storage with key ${String(key)} and size ${String(numel)}`);
      const storage: TorchStorage = { dtype, key, numel };
      return { kind: 'persistent', value: storage };
    },
  });

  // the object: a module tree, a state dict (perhaps inside a training checkpoint dict), or one tensor
  let named: { name: string; tensor: TorchTensor }[] = [];
  let architecture: Architecture = { kind: 'none' };
  const metadata = new Map<string, string>([['archive', archive.replace(/\/$/, '')]]);
  const rootObject = asObject(root);
  const rootDict = asDict(root);
  if (rootObject) {
    const tree = moduleNode(rootObject, '', 0, where);
    moduleTensors(tree, named);
    architecture = moduleArchitecture(tree, source.name);
    metadata.set('module', shortClassName(tree.cls));
  } else if (rootDict) {
    named = stateDictTensors(rootDict, metadata);
  } else if (isTensor(asBuilt(root))) {
    named = [{ name: 'tensor', tensor: asBuilt(root) as TorchTensor }];
  } else {
    throw new FormatError('model-unsupported', `${where}: the checkpoint holds ${describe(root)}, not a state_dict, a module or a tensor`);
  }

  const tensors: TensorInfo[] = named.map(({ name, tensor }) => tensorInfo(source, members, archive, name, tensor, bigEndian));
  return { format: 'pytorch', file: source.name, tensors, byName: indexByName(tensors, source.name), architecture, metadata, sources: new Map([['', source]]) };
}

/** Keys under which training scripts keep the model's weights in a checkpoint dict. */
const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'module', 'net', 'ema'];

function stateDictTensors(dict: Map<string | number | boolean | null, PickleValue>, metadata: Map<string, string>): { name: string; tensor: TorchTensor }[] {
  const direct = [...dict].filter(([, v]) => isTensor(asBuilt(v)));
  if (direct.length > 0) return direct.map(([k, v]) => ({ name: String(k), tensor: asBuilt(v) as TorchTensor }));
  for (const key of STATE_DICT_KEYS) {
    const inner = asDict(dict.get(key));
    if (inner && [...inner.values()].some((v) => isTensor(asBuilt(v)))) {
      metadata.set('state_dict', key);
      return [...inner].filter(([, v]) => isTensor(asBuilt(v))).map(([k, v]) => ({ name: String(k), tensor: asBuilt(v) as TorchTensor }));
    }
  }
  // anything else: every tensor anywhere in nested dicts, by dotted path
  const out: { name: string; tensor: TorchTensor }[] = [];
  const walk = (d: Map<string | number | boolean | null, PickleValue>, prefix: string, depth: number) => {
    if (depth > 50) return;
    for (const [k, v] of d) {
      const t = asBuilt(v);
      if (isTensor(t)) out.push({ name: prefix + String(k), tensor: t });
      const inner = asDict(v);
      if (inner) walk(inner, `${prefix}${String(k)}.`, depth + 1);
    }
  };
  walk(dict, '', 0);
  return out;
}

function describe(v: PickleValue): string {
  if (v === null) return 'None';
  if (typeof v !== 'object') return `a ${typeof v}`;
  if (v.kind === 'object') return `an instance of ${printableName(globalName(v.cls))}`;
  return `a ${v.kind}`;
}

function tensorInfo(source: ByteSource, members: Map<string, ZipEntry>, archive: string, name: string, t: TorchTensor, bigEndian: boolean): TensorInfo {
  const what = `${source.name}: tensor "${printableName(name)}"`;
  const entryName = `${archive}data/${t.storage.key}`;
  const entry = members.get(entryName);
  if (!entry) throw new FormatError('model-corrupt', `${what} lives in storage "${printableName(t.storage.key)}", but the archive has no member ${printableName(entryName)}`);
  if (entry.method !== 0) throw new FormatError('model-unsupported', `${what}: archive member ${printableName(entryName)} is compressed; torch.save stores storages uncompressed`);
  const size = DTYPE_SIZE.get(t.storage.dtype)!;
  if (t.storage.numel * size > entry.size) {
    throw new FormatError('model-truncated', `${what}: its storage holds ${t.storage.numel} ${t.storage.dtype} values (${t.storage.numel * size} bytes) but archive member ${printableName(entryName)} has ${entry.size} bytes`);
  }
  const count = elementCount(t.shape, what);
  const layout = stridedLayout(t.shape, t.strides, count);
  if (count > 0 && t.offset + layout.span > t.storage.numel) {
    throw new FormatError('model-corrupt', `${what}: size (${t.shape.join(', ')}) with stride (${t.strides.join(', ')}) from offset ${t.offset} reaches past its storage of ${t.storage.numel} values`);
  }
  const start = entryDataOffset(source, entry) + t.offset * size;
  return {
    name, dtype: t.storage.dtype, shape: t.shape, count, strides: layout.strides, span: layout.span, bigEndian,
    location: { kind: 'bytes', source: '', offset: start },
    where: `archive member ${printableName(entryName)}${t.offset ? ` from value ${t.offset}` : ''}`,
  };
}
