/**
 * Bad documents, at least one per diagnostic code the parser can emit: the documentation test
 * (network-codes.test.ts) collects the codes they actually produce, and the property tests mutate them.
 */
import { zipSync } from 'fflate';
import { memoryFiles, type ExternalFileAccess, type ParseOptions } from '../../src/core/network/parse';

const F = 'depth-lens/network@1';
const net = (layers: unknown[], input: unknown = { dim: 2 }, extra: Record<string, unknown> = {}) => JSON.stringify({ format: F, input, layers, ...extra }, null, 1);
const dense = (weights: unknown, bias: unknown = undefined, activation = 'linear') => ({ type: 'dense', weights, ...(bias === undefined ? {} : { bias }), activation });
const ext = (file: string, shape = [2, 2]) => ({ file, dtype: 'float32', shape });

/** Stat says the file exists but cannot be examined (e.g. no permission). */
const unreadableFiles: ExternalFileAccess = {
  stat: () => ({ kind: 'unreadable', message: 'permission denied' }),
  read: () => { throw new Error('permission denied'); },
};

const tfjs = (layers: unknown[], weights: unknown[] = [], paths = ['w.bin']) => JSON.stringify({
  format: 'layers-model',
  modelTopology: { class_name: 'Sequential', config: { layers } },
  weightsManifest: [{ paths, weights }],
}, null, 1);

/** A tensor reference of a layer's weights. */
const tensorRef = (file: string, tensor: string) => ({ file, tensor });

/** A .safetensors file: `header` as given (entries may lie), `data` bytes after it. */
export function safetensorsBytes(header: unknown, data = new Uint8Array(0), headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, headerLength ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A 2×2 F32 matrix "w" and an F32 vector "b" of length 2. */
const smallModel = safetensorsBytes({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } }, new Uint8Array(24));

/** A pickle ({"w": os.system("true")}) as the data.pkl of a PyTorch-style ZIP archive. */
function hostilePt(): Uint8Array {
  const enc = (s: string) => { const b = new TextEncoder().encode(s); return [0x58, b.length & 0xff, 0, 0, 0, ...b]; };
  const pickle = new Uint8Array([0x80, 2, 0x7d, ...enc('w'), ...new TextEncoder().encode('cos\nsystem\n'), ...enc('true'), 0x85, 0x52, 0x73, 0x2e]);
  return zipSync({ 'm/data.pkl': [pickle, { level: 0 }] });
}

export interface CorpusEntry {
  readonly name: string;
  readonly text: string;
  readonly options?: ParseOptions;
  /** the code this entry is there for */
  readonly code: string;
}

export const CORPUS: readonly CorpusEntry[] = [
  { code: 'json-syntax', name: 'trailing comma', text: '{"format": "depth-lens/network@1", "input": {"dim": 2,}, "layers": []}' },
  { code: 'file-too-large', name: 'over maxBytes', text: net([]), options: { maxBytes: 10 } },
  { code: 'unknown-format', name: 'format @2', text: JSON.stringify({ format: 'depth-lens/network@2', input: { dim: 1 }, layers: [] }) },
  { code: 'missing-field', name: 'no activation', text: net([{ type: 'dense', weights: [[1, 0]] }]) },
  { code: 'wrong-type', name: 'dim as string', text: net([], { dim: '2' }) },
  { code: 'invalid-value', name: 'negative std', text: net([{ type: 'random', widths: [2], weights: { distribution: 'normal', std: -1 }, seed: 1, activation: 'relu' }]) },
  { code: 'unknown-field', name: 'typo bais', text: net([{ type: 'dense', weights: [[1, 0]], bais: [0], activation: 'linear' }]) },
  { code: 'duplicate-key', name: 'dim twice', text: '{"format":"depth-lens/network@1","input":{"dim":1,"dim":2},"layers":[]}' },
  { code: 'unknown-layer-type', name: 'conv2d', text: net([{ type: 'conv2d' }]) },
  { code: 'model-conv', name: 'batchnorm2d folded into the conv2d before it', text: net([{ type: 'conv2d', weights: [[[[1]]]], activation: 'linear' }, { type: 'batchnorm2d', runningMean: [0], runningVar: [1], activation: 'relu' }], { shape: [1, 2, 2] }) },
  { code: 'unknown-activation', name: 'tanh', text: net([dense([[1, 0]], [0], 'tanh')]) },
  { code: 'non-finite-number', name: 'bare NaN', text: '{"format":"depth-lens/network@1","input":{"dim":1},"layers":[{"type":"dense","weights":[[NaN]],"activation":"linear"}]}' },
  { code: 'non-finite-number', name: 'overflowing family', text: net([{ type: 'family', count: 10, weights: { matrix: [[1e308, 0], [0, 1]], scale: { offset: 0, power: 1 } }, activation: 'linear' }]) },
  { code: 'ragged-matrix', name: 'ragged', text: net([dense([[1, 0], [1]])]) },
  { code: 'empty-matrix', name: 'empty row', text: net([dense([[]])]) },
  { code: 'shape-mismatch', name: '3 inputs for dim 2', text: net([dense([[1, 2, 3]])]) },
  { code: 'bias-length', name: 'bias too long', text: net([dense([[1, 0]], [0, 0])]) },
  { code: 'dimension-mismatch', name: 'probe length', text: net([], { dim: 2, probes: { p: [1] } }) },
  { code: 'empty-domain', name: 'min > max', text: net([], { dim: 1, domain: { min: [1], max: [0] } }) },
  { code: 'residual-shape', name: 'branch 2 → 3', text: net([{ type: 'residual', activation: 'relu', layers: [{ type: 'dense', weights: [[1, 0], [0, 1], [1, 1]] }] }]) },
  { code: 'residual-branch', name: 'relu last', text: net([{ type: 'residual', activation: 'relu', layers: [{ type: 'dense', weights: [[1, 0], [0, 1]], activation: 'relu' }] }]) },
  { code: 'family-count', name: 'count 0', text: net([{ type: 'family', count: 0, weights: { identity: 1 }, activation: 'relu' }]) },
  { code: 'not-square', name: '2×3 family matrix', text: net([{ type: 'family', count: 2, weights: { matrix: [[1, 2, 3], [4, 5, 6]] }, activation: 'relu' }]) },
  { code: 'size-limit', name: 'width 10⁶', text: net([{ type: 'family', count: 2, width: 1e6, weights: { identity: 1 }, activation: 'relu' }]) },
  { code: 'size-limit', name: 'deep nesting', text: net([]).replace('"layers": []', `"layers": [${'['.repeat(100_000)}${']'.repeat(100_000)}]`) },
  { code: 'external-unavailable', name: 'no file access', text: net([dense(ext('w.bin'))]) },
  { code: 'external-outside', name: '../w.bin', text: net([dense(ext('../w.bin'))]), options: { files: memoryFiles({}) } },
  { code: 'external-missing', name: 'missing w.bin', text: net([dense(ext('w.bin'))]), options: { files: memoryFiles({}) } },
  { code: 'external-not-file', name: 'a directory', text: net([dense(ext('sub'))]), options: { files: memoryFiles({ sub: 'directory' }) } },
  { code: 'external-unreadable', name: 'no permission', text: net([dense(ext('w.bin'))]), options: { files: unreadableFiles } },
  { code: 'external-short', name: '4 bytes for 16', text: net([dense(ext('w.bin'))]), options: { files: memoryFiles({ 'w.bin': new Uint8Array(4) }) } },
  { code: 'tfjs-unsupported', name: 'Conv2D', text: tfjs([{ class_name: 'Conv2D', config: { name: 'c' } }]), options: { files: memoryFiles({ 'w.bin': new Uint8Array(0) }) } },
  { code: 'tfjs-weights', name: 'no kernel', text: tfjs([{ class_name: 'Dense', config: { name: 'd', units: 1 } }]), options: { files: memoryFiles({ 'w.bin': new Uint8Array(0) }) } },
  { code: 'tfjs-skipped-layer', name: 'Dropout', text: tfjs([{ class_name: 'Dropout', config: { name: 'drop' } }]), options: { files: memoryFiles({ 'w.bin': new Uint8Array(0) }) } },
  { code: 'model-truncated', name: 'header longer than file', text: net([dense(tensorRef('m.safetensors', 'w'))]), options: { files: memoryFiles({ 'm.safetensors': safetensorsBytes({}, undefined, 1000) }) } },
  { code: 'model-corrupt', name: 'header not JSON', text: net([dense(tensorRef('m.safetensors', 'w'))]), options: { files: memoryFiles({ 'm.safetensors': new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x78]) }) } },
  { code: 'model-unsupported', name: 'TorchScript', text: net([dense(tensorRef('m.pt', 'w'))]), options: { files: memoryFiles({ 'm.pt': zipSync({ 'm/constants.pkl': new Uint8Array(1) }) }) } },
  { code: 'model-refused', name: 'os.system pickle', text: net([dense(tensorRef('m.pt', 'w'))]), options: { files: memoryFiles({ 'm.pt': hostilePt() }) } },
  { code: 'model-legacy', name: 'pre-1.6 torch.save', text: net([dense(tensorRef('m.pt', 'w'))]), options: { files: memoryFiles({ 'm.pt': new Uint8Array([0x80, 2, 0x8a, 10]) }) } },
  { code: 'model-too-large', name: 'width 100001', text: net([dense(tensorRef('m.safetensors', 'w'))]), options: { files: memoryFiles({ 'm.safetensors': safetensorsBytes({ w: { dtype: 'U8', shape: [1, 100001], data_offsets: [0, 100001] } }, new Uint8Array(100001)) }) } },
  { code: 'tensor-missing', name: 'typo in tensor name', text: net([dense(tensorRef('m.safetensors', 'W'))]), options: { files: memoryFiles({ 'm.safetensors': smallModel }) } },
  { code: 'tensor-shape', name: 'a vector as weights', text: net([dense(tensorRef('m.safetensors', 'b'))]), options: { files: memoryFiles({ 'm.safetensors': smallModel }) } },
  { code: 'tensor-dtype', name: 'float8 tensor', text: net([dense(tensorRef('m.safetensors', 'w'))]), options: { files: memoryFiles({ 'm.safetensors': safetensorsBytes({ w: { dtype: 'F8_E4M3', shape: [2, 2], data_offsets: [0, 4] } }, new Uint8Array(4)) }) } },
  { code: 'empty-network', name: 'no layers', text: net([]) },
  { code: 'last-layer-relu', name: 'scalar relu output', text: net([dense([[1, 1]], [0], 'relu')]) },
  { code: 'too-many-problems', name: '2000 unknown layers', text: net(Array.from({ length: 2000 }, () => ({ type: 'x' }))) },
  // a failure inside the parser itself (here: an options object that throws) must become a diagnostic
  { code: 'internal-error', name: 'throwing options', text: net([]), options: { get maxBytes(): number { throw new Error('boom'); } } },
];
