/**
 * TensorFlow.js layers models (`model.json` with "format": "layers-model"): Sequential models of
 * Dense layers. Weights come from the weightsManifest: groups in order, each group's shards
 * concatenated, weights laid out one after another as float32 little-endian. A Dense kernel is
 * stored [in, out] and is transposed to our [out][in].
 *
 * One problem never hides another: the layer list is checked even when weight shards are missing,
 * and a layer that fails still passes its evident output width on to the next one.
 */
import type { Node } from 'jsonc-parser';
import { describeNode, type JsonReader } from './json';
import { LIMITS } from './limits';
import type { Activation, DenseLayer, Network } from './model';
import { examineExternal, type ExternalFiles } from './external';
import { singleLayerSegment, segmentedNetwork, type Segment } from './segments';

function get(obj: Node | undefined, key: string): Node | undefined {
  if (!obj || obj.type !== 'object') return undefined;
  for (const p of obj.children ?? []) if (p.children?.[0]?.value === key) return p.children[1];
  return undefined;
}

function str(node: Node | undefined): string | undefined {
  return node?.type === 'string' ? (node.value as string) : undefined;
}

interface StoredWeight {
  readonly name: string;
  readonly shape: number[];
  readonly node: Node;
  /** undefined when the group's shards could not be read (that was reported) */
  data?: Float32Array;
}

const SKIPPED = ['InputLayer', 'Dropout', 'GaussianDropout', 'AlphaDropout', 'GaussianNoise'];
/** names from the file are looked up in Maps: "constructor" or "__proto__" is a name, not a prototype member */
const TF_ACTIVATIONS: ReadonlyMap<string, Activation> = new Map([['relu', 'relu'], ['linear', 'linear']]);
/** TensorFlow.js's other activations (tfjs-layers activations.ts): real, but not importable */
const OTHER_TF_ACTIVATIONS: ReadonlySet<string> = new Set(['elu', 'exponential', 'gelu', 'gelu_new', 'hard_sigmoid', 'leaky_relu', 'mish', 'relu6', 'selu', 'sigmoid', 'softmax', 'softplus', 'softsign', 'swish', 'tanh', 'log_softmax']);
/** ReLU layer options and the values at which the layer is a plain max(x, 0) */
const RELU_DEFAULTS: ReadonlyMap<string, number | null> = new Map([['max_value', null], ['negative_slope', 0], ['threshold', 0]]);

/** An activation Depth Lens cannot import: a TF.js one it does not support, or a name TF.js does not have. */
function reportActivation(reader: JsonReader, node: Node, label: string, act: string | undefined): void {
  if (act !== undefined && !OTHER_TF_ACTIVATIONS.has(act)) {
    reader.sink.error('unknown-activation', node, `${label} has unknown activation ${JSON.stringify(act.length > 40 ? act.slice(0, 39) + '…' : act)}; Depth Lens supports "relu" and "linear"`);
    return;
  }
  reader.sink.error('tfjs-unsupported', node, `${label} has activation ${act === undefined ? describeNode(node) : `"${act}"`}; Depth Lens supports "relu" and "linear"`);
}

export function parseTfjsModel(root: Node, reader: JsonReader, files: ExternalFiles): Network | undefined {
  const sink = reader.sink;
  reportDuplicateKeys(root, reader);
  let topology = get(root, 'modelTopology');
  if (!topology) {
    sink.error('missing-field', root, 'the TensorFlow.js model has no "modelTopology"');
    return undefined;
  }
  if (get(topology, 'model_config')) topology = get(topology, 'model_config')!;
  const className = str(get(topology, 'class_name'));
  if (className !== 'Sequential') {
    sink.error('tfjs-unsupported', get(topology, 'class_name') ?? topology,
      `the TensorFlow.js model is a ${className ?? 'model without class_name'}; Depth Lens reads Sequential models only`);
    return undefined;
  }
  const config = get(topology, 'config');
  const layersNode = config?.type === 'array' ? config : get(config, 'layers');
  if (!layersNode || layersNode.type !== 'array') {
    sink.error('missing-field', config ?? topology, 'the Sequential model has no "layers" list in its config');
    return undefined;
  }
  // the manifest's problems are reported, but the layers are still checked against what it lists
  const manifest = readManifest(get(root, 'weightsManifest'), root, reader, files);
  let ok = manifest.ok;
  const weights = manifest.weights;

  const layers: DenseLayer[] = [];
  const sources: Node[] = [];
  let inputDim: number | undefined;
  /** the width flowing into the next layer; undefined once it is unknown (after an unsupported layer) */
  let width: number | undefined;
  /** the last Dense layer: its index in `layers`, or 'failed' when it could not be imported */
  let lastDense: number | 'failed' | undefined;
  const layerNodes = layersNode.children ?? [];
  for (let i = 0; i < layerNodes.length; i++) {
    const ln = layerNodes[i];
    const cls = str(get(ln, 'class_name')) ?? '(no class_name)';
    const cfg = get(ln, 'config');
    const name = str(get(cfg, 'name')) ?? `#${i + 1}`;
    const label = `layer "${name}" (${cls})`;
    if (i === 0) {
      const shapeNode = get(cfg, 'batch_input_shape') ?? get(cfg, 'batch_shape');
      const dims = shapeNode?.children ?? [];
      const last = dims[dims.length - 1];
      if (shapeNode && (dims.length !== 2 || last?.type !== 'number')) {
        sink.error('tfjs-unsupported', shapeNode, `${label} has input shape ${reader.text.substr(shapeNode.offset, Math.min(shapeNode.length, 200)).replace(/\s+/g, '')}; Depth Lens reads flat vector inputs [null, dim] only`);
        ok = false;
      } else if (last) {
        inputDim = reader.integer(last, `${label} input dimension`, 1, LIMITS.maxWidth, 'size-limit');
        if (inputDim === undefined) ok = false;
        width = inputDim;
      }
    }
    if (SKIPPED.includes(cls)) {
      sink.information('tfjs-skipped-layer', ln, `${label} does nothing at inference time and is skipped`);
      continue;
    }
    if (cls === 'Activation' || cls === 'ReLU') {
      if (!foldActivation(ln, cls, cfg, label, layers, lastDense, reader)) ok = false;
      continue;
    }
    if (cls !== 'Dense') {
      sink.error('tfjs-unsupported', get(ln, 'class_name') ?? ln, `${label} is not supported; Depth Lens reads Sequential models of Dense layers (InputLayer and Dropout are skipped)`);
      ok = false;
      width = undefined;
      lastDense = 'failed';
      continue;
    }
    const from = width === undefined ? '' : lastDense === undefined ? `the model input has dimension ${width}` : `the previous layer produces ${width}`;
    const dense = importDense(ln, cfg, name, label, width, from, weights, reader);
    width = dense.outWidth;
    if (!dense.layer) {
      ok = false;
      lastDense = 'failed';
      continue;
    }
    layers.push(dense.layer);
    sources.push(ln);
    lastDense = layers.length - 1;
  }
  if (!ok) return undefined;
  if (layers.length === 0) {
    sink.error('tfjs-unsupported', layersNode, 'the TensorFlow.js model has no Dense layers');
    return undefined;
  }
  const dim = inputDim ?? layers[0].weights.cols;
  const segments: Segment[] = layers.map((l, i) => singleLayerSegment(l, { count: 1, type: 'tfjs-dense', source: { offset: sources[i].offset, length: sources[i].length } }));
  const name = str(get(config, 'name'));
  return segmentedNetwork({ dim, probes: [] }, segments, name);
}

/**
 * An Activation or ReLU layer becomes the activation of the Dense layer before it (relu after relu
 * is still relu; linear changes nothing). Returns false when it reported an error.
 */
function foldActivation(ln: Node, cls: string, cfg: Node | undefined, label: string, layers: DenseLayer[], lastDense: number | 'failed' | undefined, reader: JsonReader): boolean {
  const sink = reader.sink;
  if (cls === 'ReLU') {
    for (const [key, dflt] of RELU_DEFAULTS) {
      const n = get(cfg, key);
      if (!n || n.value === dflt || (n.type === 'null' && dflt === null)) continue;
      sink.error('tfjs-unsupported', n, `${label} has ${key} ${reader.text.substr(n.offset, Math.min(n.length, 40))}; Depth Lens imports a ReLU layer only as max(x, 0) (max_value null, negative_slope 0, threshold 0)`);
      return false;
    }
  }
  const actNode = cls === 'ReLU' ? undefined : get(cfg, 'activation');
  const act = cls === 'ReLU' ? 'relu' : str(actNode);
  const mapped = act === undefined ? undefined : TF_ACTIVATIONS.get(act);
  if (!mapped) {
    reportActivation(reader, actNode ?? ln, label, act);
    return false;
  }
  if (mapped === 'linear' || lastDense === 'failed') return true;
  if (lastDense === undefined) {
    sink.error('tfjs-unsupported', ln, `${label} comes before any Dense layer; Depth Lens folds a ReLU into the Dense layer before it, so the model must start with a Dense layer`);
    return false;
  }
  const prev = layers[lastDense];
  if (prev.activation !== 'relu') layers[lastDense] = { ...prev, activation: 'relu' };
  return true;
}

/**
 * A Dense layer from its config and the manifest's kernel/bias. `outWidth` is what flows on to the
 * next layer: the layer's width when it is evident (units or kernel shape), even if it failed.
 */
function importDense(ln: Node, cfg: Node | undefined, name: string, label: string, incoming: number | undefined, from: string, weights: Map<string, StoredWeight>, reader: JsonReader): { layer?: DenseLayer; outWidth?: number } {
  const sink = reader.sink;
  const unitsNode = get(cfg, 'units');
  const units = unitsNode ? reader.integer(unitsNode, `${label} units`, 1, LIMITS.maxWidth, 'size-limit') : undefined;
  let ok = !unitsNode || units !== undefined;
  const actNode = get(cfg, 'activation');
  const actName = actNode ? str(actNode) : 'linear';
  const activation = actName === undefined ? undefined : TF_ACTIVATIONS.get(actName);
  if (!activation) {
    reportActivation(reader, actNode ?? ln, label, actName);
    ok = false;
  }
  const useBias = get(cfg, 'use_bias')?.value !== false;
  const kernel = findWeight(weights, name, 'kernel');
  if (!kernel) {
    sink.error('tfjs-weights', ln, `${label} has no "${name}/kernel" in the weightsManifest`);
    return { outWidth: units };
  }
  if (kernel.shape.length !== 2) {
    sink.error('tfjs-weights', kernel.node, `${label} kernel has shape [${kernel.shape}]; a Dense kernel is [in, out]`);
    return { outWidth: units };
  }
  const [nIn, nOut] = kernel.shape;
  if (nIn > LIMITS.maxWidth || nOut > LIMITS.maxWidth) {
    sink.error('size-limit', kernel.node, `${label} kernel is [${nIn}, ${nOut}], above the width limit of ${LIMITS.maxWidth}`);
    return { outWidth: units };
  }
  if (units !== undefined && units !== nOut) {
    // which of the two is meant is not evident: the next layer's input is not checked against either
    sink.error('tfjs-weights', kernel.node, `${label} has ${units} units but its kernel has shape [${nIn}, ${nOut}]`);
    return {};
  }
  if (incoming !== undefined && incoming !== nIn) {
    sink.error('shape-mismatch', kernel.node, `${label} expects ${nIn} inputs but ${from}`);
    ok = false;
  }
  const bias = useBias ? findWeight(weights, name, 'bias') : undefined;
  if (useBias && (!bias || bias.shape.length !== 1 || bias.shape[0] !== nOut)) {
    sink.error('tfjs-weights', bias?.node ?? ln, bias ? `${label} bias has shape [${bias.shape}] but the layer has ${nOut} units` : `${label} has no "${name}/bias" in the weightsManifest (use_bias is true)`);
    ok = false;
  }
  if (!ok || !activation || !kernel.data || (bias && !bias.data)) return { outWidth: nOut };
  const w = new Float64Array(nIn * nOut);
  // kernel [in][out] → W [out][in]
  for (let a = 0; a < nIn; a++) for (let o = 0; o < nOut; o++) w[o * nIn + a] = kernel.data[a * nOut + o];
  const b = new Float64Array(nOut);
  if (bias?.data) for (let o = 0; o < nOut; o++) b[o] = bias.data[o];
  return { layer: { kind: 'dense', weights: { rows: nOut, cols: nIn, data: w }, bias: b, activation }, outWidth: nOut };
}

function findWeight(weights: Map<string, StoredWeight>, layerName: string, kind: string): StoredWeight | undefined {
  const exact = weights.get(`${layerName}/${kind}`);
  if (exact) return exact;
  for (const [k, w] of weights) if (k.endsWith(`/${layerName}/${kind}`)) return w;
  return undefined;
}

/** JSON readers disagree on which of two equal keys wins: flag every duplicate in the model (iteratively: no recursion). */
function reportDuplicateKeys(root: Node, reader: JsonReader): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'object') {
      const seen = new Set<string>();
      for (const p of n.children ?? []) {
        const [k, v] = p.children ?? [];
        if (!k) continue;
        const key = String(k.value);
        if (seen.has(key)) reader.sink.error('duplicate-key', k, `this object has "${key}" twice; remove one of them (JSON readers disagree on which one wins)`);
        seen.add(key);
        if (v) stack.push(v);
      }
    } else if (n.type === 'array') {
      for (const c of n.children ?? []) stack.push(c);
    }
  }
}

/**
 * Every weight the manifest lists (name, shape), with its values when the group's shards could be
 * read. `ok` is false when anything was reported.
 */
function readManifest(manifest: Node | undefined, root: Node, reader: JsonReader, files: ExternalFiles): { weights: Map<string, StoredWeight>; ok: boolean } {
  const sink = reader.sink;
  const weights = new Map<string, StoredWeight>();
  if (!manifest) {
    sink.error('tfjs-weights', root, 'the TensorFlow.js model has no "weightsManifest"');
    return { weights, ok: false };
  }
  if (manifest.type !== 'array') {
    sink.error('wrong-type', manifest, `"weightsManifest" must be an array of groups, not ${describeNode(manifest)}`);
    return { weights, ok: false };
  }
  let ok = true;
  let explicit = 0;
  for (const group of manifest.children ?? []) {
    const pathsNode = get(group, 'paths');
    const entries = get(group, 'weights');
    if (!pathsNode || pathsNode.type !== 'array' || !entries || entries.type !== 'array') {
      sink.error('tfjs-weights', group, 'a weightsManifest group needs "paths" and "weights" arrays');
      ok = false;
      continue;
    }
    // the group's layout: weight i at bytes [start, start + 4·n) of the concatenated shards
    const layout: { weight: StoredWeight; start: number; n: number }[] = [];
    let needed = 0;
    let layoutOk = true;
    for (const e of entries.children ?? []) {
      const name = str(get(e, 'name'));
      const shapeNode = get(e, 'shape');
      const dtype = str(get(e, 'dtype')) ?? 'float32';
      const dims = shapeNode?.type === 'array' ? shapeNode.children ?? [] : undefined;
      const shape = (dims ?? []).map((c) => c.value);
      if (name === undefined || !dims || !shape.every((d): d is number => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
        sink.error('tfjs-weights', e, 'a weightsManifest entry needs a "name" and an integer "shape"');
        layoutOk = false;
        continue;
      }
      // listed even when its values cannot be read, so its layer is not also reported as having no weights
      const weight: StoredWeight = { name, shape, node: e };
      weights.set(name, weight);
      if (get(e, 'quantization')) {
        sink.error('tfjs-unsupported', get(e, 'quantization')!, `weight "${name}" is quantized; Depth Lens reads float32 weights only`);
        layoutOk = false;
        continue;
      }
      if (dtype !== 'float32') {
        sink.error('tfjs-unsupported', get(e, 'dtype')!, `weight "${name}" has dtype "${dtype}"; Depth Lens reads float32 weights only`);
        layoutOk = false;
        continue;
      }
      let n = 1;
      for (const d of shape) n *= d;
      if (n > LIMITS.maxLayerParameters) {
        sink.error('size-limit', e, `weight "${name}" has ${n} values, above the per-layer limit of ${LIMITS.maxLayerParameters}`);
        layoutOk = false;
        continue;
      }
      explicit += n;
      if (explicit > LIMITS.maxExplicitParameters) {
        sink.error('size-limit', e, `the weights up to "${name}" hold ${explicit} values, above the limit of ${LIMITS.maxExplicitParameters} held in memory`);
        layoutOk = false;
        continue;
      }
      layout.push({ weight, start: needed, n });
      needed += 4 * n;
    }
    if (!layoutOk) { ok = false; continue; }
    const buf = readShards(pathsNode, needed, reader, files);
    if (!buf) { ok = false; continue; }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (const { weight, start, n } of layout) {
      const data = new Float32Array(n);
      let bad = -1;
      for (let i = 0; i < n; i++) {
        data[i] = view.getFloat32(start + 4 * i, true);
        if (bad < 0 && !Number.isFinite(data[i])) bad = i;
      }
      if (bad >= 0) {
        sink.error('non-finite-number', weight.node, `weight "${weight.name}" holds ${data[bad]} at value ${bad + 1}; weights must be finite`);
        ok = false;
        continue;
      }
      weight.data = data;
    }
  }
  return { weights, ok };
}

/** The first `needed` bytes of a group's shards concatenated in order (each shard examined before it is read). */
function readShards(pathsNode: Node, needed: number, reader: JsonReader, files: ExternalFiles): Uint8Array | undefined {
  const sink = reader.sink;
  const shards: { path: string; size: number }[] = [];
  let ok = true;
  for (const p of pathsNode.children ?? []) {
    const file = str(p);
    if (file === undefined) {
      sink.error('wrong-type', p, `a weight shard path must be a string, not ${describeNode(p)}`);
      ok = false;
      continue;
    }
    const found = examineExternal({ reader, files }, p, file, `weight shard "${file}"`, 'model.json\'s folder',
      `the weight shard "${file}" cannot be read here (save model.json to disk and open it from there)`);
    if (found) shards.push(found); else ok = false;
  }
  if (!ok) return undefined;
  let total = 0;
  for (const s of shards) total += s.size;
  if (total < needed) {
    sink.error('external-short', pathsNode, `the weight files of this group hold ${total} bytes but its weights need ${needed}`);
    return undefined;
  }
  const buf = new Uint8Array(needed);
  let at = 0;
  for (const s of shards) {
    const take = Math.min(s.size, needed - at);
    if (take <= 0) break;
    try {
      buf.set(files.read(s.path, 0, take), at);
    } catch (e) {
      sink.error('external-unreadable', pathsNode, `weight shard "${s.path}" cannot be read: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    at += take;
  }
  return buf;
}
