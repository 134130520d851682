/**
 * TensorFlow.js layers models (`model.json` with "format": "layers-model"): Sequential models of
 * Dense layers. Weights come from the weightsManifest: groups in order, each group's shards
 * concatenated, weights laid out one after another as float32 little-endian. A Dense kernel is
 * stored [in, out] and is transposed to our [out][in].
 */
import type { Node } from 'jsonc-parser';
import { describeNode, type JsonReader } from './json';
import { LIMITS } from './limits';
import type { Activation, DenseLayer, Network } from './model';
import type { ParseOptions } from './parse';
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
  readonly data: Float32Array;
  readonly node: Node;
}

const SKIPPED = ['InputLayer', 'Dropout', 'GaussianDropout', 'AlphaDropout', 'GaussianNoise'];
const TF_ACTIVATIONS: Record<string, Activation> = { relu: 'relu', linear: 'linear' };

export function parseTfjsModel(root: Node, reader: JsonReader, options: ParseOptions): Network | undefined {
  const sink = reader.sink;
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
  const weights = readManifest(get(root, 'weightsManifest'), root, reader, options);
  if (!weights) return undefined;

  const layers: DenseLayer[] = [];
  const sources: Node[] = [];
  let inputDim: number | undefined;
  let ok = true;
  const layerNodes = layersNode.children ?? [];
  for (let i = 0; i < layerNodes.length; i++) {
    const ln = layerNodes[i];
    const cls = str(get(ln, 'class_name')) ?? '(no class_name)';
    const cfg = get(ln, 'config');
    const name = str(get(cfg, 'name')) ?? `#${i + 1}`;
    const label = `layer "${name}" (${cls})`;
    if (inputDim === undefined) {
      const shapeNode = get(cfg, 'batch_input_shape') ?? get(cfg, 'batch_shape');
      const last = shapeNode?.children?.[shapeNode.children.length - 1];
      if (last?.type === 'number' && shapeNode!.children!.length === 2) inputDim = last.value as number;
      else if (shapeNode) {
        sink.error('tfjs-unsupported', shapeNode, `${label} has input shape ${reader.text.substr(shapeNode.offset, shapeNode.length)}; Depth Lens reads flat vector inputs [null, dim] only`);
        ok = false;
      }
    }
    if (SKIPPED.includes(cls)) {
      sink.information('tfjs-skipped-layer', ln, `${label} does nothing at inference time and is skipped`);
      continue;
    }
    if (cls === 'Activation' || cls === 'ReLU') {
      const act = cls === 'ReLU' ? 'relu' : str(get(cfg, 'activation'));
      const prev = layers[layers.length - 1];
      const mapped = act ? TF_ACTIVATIONS[act] : undefined;
      if (mapped && prev && prev.activation === 'linear') {
        layers[layers.length - 1] = { ...prev, activation: mapped };
        continue;
      }
      if (mapped === 'linear' && prev) continue;
      sink.error('tfjs-unsupported', ln, `${label} with activation "${act}" can only follow a linear Dense layer and must be "relu" or "linear"`);
      ok = false;
      continue;
    }
    if (cls !== 'Dense') {
      sink.error('tfjs-unsupported', get(ln, 'class_name') ?? ln, `${label} is not supported; Depth Lens reads Sequential models of Dense layers (InputLayer and Dropout are skipped)`);
      ok = false;
      continue;
    }
    const actNode = get(cfg, 'activation');
    const actName = str(actNode) ?? 'linear';
    const activation = TF_ACTIVATIONS[actName];
    if (!activation) {
      sink.error('tfjs-unsupported', actNode ?? ln, `${label} has activation "${actName}"; Depth Lens supports "relu" and "linear"`);
      ok = false;
    }
    const useBias = get(cfg, 'use_bias')?.value !== false;
    const kernel = findWeight(weights, name, 'kernel');
    if (!kernel) {
      sink.error('tfjs-weights', ln, `${label} has no "${name}/kernel" in the weightsManifest`);
      ok = false;
      continue;
    }
    if (kernel.shape.length !== 2) {
      sink.error('tfjs-weights', kernel.node, `${label} kernel has shape [${kernel.shape}]; a Dense kernel is [in, out]`);
      ok = false;
      continue;
    }
    const [nIn, nOut] = kernel.shape;
    const unitsNode = get(cfg, 'units');
    if (unitsNode?.type === 'number' && unitsNode.value !== nOut) {
      sink.error('tfjs-weights', kernel.node, `${label} has ${unitsNode.value} units but its kernel has shape [${nIn}, ${nOut}]`);
      ok = false;
      continue;
    }
    const w = new Float64Array(nIn * nOut);
    // kernel [in][out] → W [out][in]
    for (let a = 0; a < nIn; a++) for (let o = 0; o < nOut; o++) w[o * nIn + a] = kernel.data[a * nOut + o];
    const b = new Float64Array(nOut);
    if (useBias) {
      const bias = findWeight(weights, name, 'bias');
      if (!bias || bias.data.length !== nOut) {
        sink.error('tfjs-weights', bias?.node ?? ln, bias ? `${label} bias has ${bias.data.length} values but the layer has ${nOut} units` : `${label} has no "${name}/bias" in the weightsManifest (use_bias is true)`);
        ok = false;
        continue;
      }
      for (let o = 0; o < nOut; o++) b[o] = bias.data[o];
    }
    const prevOut = layers.length ? layers[layers.length - 1].weights.rows : inputDim;
    if (prevOut !== undefined && prevOut !== nIn) {
      const from = layers.length ? `the previous Dense layer produces ${prevOut}` : `the model input has dimension ${prevOut}`;
      sink.error('shape-mismatch', kernel.node, `${label} expects ${nIn} inputs but ${from}`);
      ok = false;
    }
    // a layer with an unsupported activation is still kept (the network is not returned) so the next layer's shape is checked
    layers.push({ kind: 'dense', weights: { rows: nOut, cols: nIn, data: w }, bias: b, activation: activation ?? 'linear' });
    sources.push(ln);
  }
  if (!ok) return undefined;
  if (layers.length === 0) {
    sink.error('tfjs-unsupported', layersNode, 'the TensorFlow.js model has no Dense layers');
    return undefined;
  }
  const dim = inputDim ?? layers[0].weights.cols;
  if (dim > LIMITS.maxWidth) {
    sink.error('size-limit', layersNode, `the model input has dimension ${dim}, above the width limit of ${LIMITS.maxWidth}`);
    return undefined;
  }
  const segments: Segment[] = layers.map((l, i) => singleLayerSegment(l, { count: 1, type: 'tfjs-dense', source: { offset: sources[i].offset, length: sources[i].length } }));
  const name = str(get(config, 'name'));
  return segmentedNetwork({ dim, probes: [] }, segments, name);
}

function findWeight(weights: Map<string, StoredWeight>, layerName: string, kind: string): StoredWeight | undefined {
  const exact = weights.get(`${layerName}/${kind}`);
  if (exact) return exact;
  for (const [k, w] of weights) if (k.endsWith(`/${layerName}/${kind}`)) return w;
  return undefined;
}

/** All weights of the manifest by name, reading each group's shards in order. */
function readManifest(manifest: Node | undefined, root: Node, reader: JsonReader, options: ParseOptions): Map<string, StoredWeight> | undefined {
  const sink = reader.sink;
  const out = new Map<string, StoredWeight>();
  if (!manifest) {
    sink.error('tfjs-weights', root, 'the TensorFlow.js model has no "weightsManifest"');
    return undefined;
  }
  if (manifest.type !== 'array') {
    sink.error('wrong-type', manifest, `"weightsManifest" must be an array of groups, not ${describeNode(manifest)}`);
    return undefined;
  }
  let ok = true;
  for (const group of manifest.children ?? []) {
    const pathsNode = get(group, 'paths');
    const entries = get(group, 'weights');
    if (!pathsNode || pathsNode.type !== 'array' || !entries || entries.type !== 'array') {
      sink.error('tfjs-weights', group, 'a weightsManifest group needs "paths" and "weights" arrays');
      ok = false;
      continue;
    }
    if (!options.readExternal) {
      sink.error('external-unavailable', pathsNode, 'the TensorFlow.js weight files cannot be read here (open the model.json from disk)');
      return undefined;
    }
    const shards: Uint8Array[] = [];
    let total = 0;
    for (const p of pathsNode.children ?? []) {
      const file = str(p);
      let bytes: Uint8Array | undefined;
      try { bytes = file === undefined ? undefined : options.readExternal(file); } catch { bytes = undefined; }
      if (!bytes) {
        sink.error('external-missing', p, `weight shard ${file === undefined ? describeNode(p) : `"${file}"`} not found (paths are relative to model.json)`);
        ok = false;
        continue;
      }
      shards.push(bytes);
      total += bytes.byteLength;
    }
    if (!ok) continue;
    const buf = new Uint8Array(total);
    let at = 0;
    for (const s of shards) { buf.set(s, at); at += s.byteLength; }
    const view = new DataView(buf.buffer);
    let pos = 0;
    for (const e of entries.children ?? []) {
      const name = str(get(e, 'name'));
      const shapeNode = get(e, 'shape');
      const dtype = str(get(e, 'dtype')) ?? 'float32';
      const shape = (shapeNode?.children ?? []).map((c) => c.value as number);
      if (name === undefined || !shapeNode || shape.some((d) => !Number.isInteger(d) || d < 0)) {
        sink.error('tfjs-weights', e, 'a weightsManifest entry needs a "name" and an integer "shape"');
        ok = false;
        break;
      }
      if (get(e, 'quantization')) {
        sink.error('tfjs-unsupported', get(e, 'quantization')!, `weight "${name}" is quantized; Depth Lens reads float32 weights only`);
        ok = false;
        break;
      }
      if (dtype !== 'float32') {
        sink.error('tfjs-unsupported', get(e, 'dtype')!, `weight "${name}" has dtype "${dtype}"; Depth Lens reads float32 weights only`);
        ok = false;
        break;
      }
      const n = shape.reduce((a, b) => a * b, 1);
      if (n > LIMITS.maxLayerParameters) {
        sink.error('size-limit', e, `weight "${name}" has ${n} values, above the per-layer limit of ${LIMITS.maxLayerParameters}`);
        ok = false;
        break;
      }
      if (pos + 4 * n > total) {
        sink.error('external-short', pathsNode, `the weight files of this group hold ${total} bytes but "${name}" needs bytes ${pos}..${pos + 4 * n}`);
        ok = false;
        break;
      }
      const data = new Float32Array(n);
      let bad = -1;
      for (let i = 0; i < n; i++) {
        data[i] = view.getFloat32(pos + 4 * i, true);
        if (bad < 0 && !Number.isFinite(data[i])) bad = i;
      }
      if (bad >= 0) {
        sink.error('non-finite-number', e, `weight "${name}" holds ${data[bad]} at value ${bad + 1}; weights must be finite`);
        ok = false;
      }
      pos += 4 * n;
      out.set(name, { name, shape, data, node: e });
    }
  }
  return ok ? out : undefined;
}
