/**
 * Files beside the document: external weight files (float32/float64 LE, offsets, column-major,
 * missing/short), TensorFlow.js layers models (a model.json + .bin generated here), and every
 * example in examples/ (all parse with zero errors except errors.network.json).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseNetworkText, memoryFiles, FolderFiles } from '../../src/core/network/parse';
import { nodeFileSystem } from '../../src/worker/nodeFiles';
import { forward } from '../../src/core/network/forward';
import type { DenseLayer } from '../../src/core/network/model';
import { Rng } from '../../src/core/rng';
import { slicePartition } from '../../src/core/regions/partition';
import { errorsOf, expectError, FORMAT } from './network-helpers';

function f64(values: number[]): Uint8Array {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
  return b;
}
function f32(values: number[]): Uint8Array {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return b;
}
const files = (m: Record<string, Uint8Array | undefined>) => memoryFiles(m);

test('external weights: float64 row-major at an offset, float32 bias, column-major order', () => {
  const bytes = new Uint8Array([...new Uint8Array(16), ...f64([1, 2, 3, 4, 5, 6])]);
  const text = JSON.stringify({ format: FORMAT, input: { dim: 3 }, layers: [{ type: 'dense',
    weights: { file: 'w.bin', dtype: 'float64', shape: [2, 3], offset: 16 },
    bias: { file: 'b.bin', dtype: 'float32', shape: [2] }, activation: 'linear' }] });
  const r = parseNetworkText(text, { files: files({ 'w.bin': bytes, 'b.bin': f32([0.5, -0.25]) }) });
  assert.deepEqual(r.diagnostics, []);
  const l = r.network!.layer(0) as DenseLayer;
  assert.deepEqual(Array.from(l.weights.data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(l.bias), [0.5, -0.25]);
  const cm = text.replace('"offset":16', '"offset":16,"order":"column-major"');
  const l2 = parseNetworkText(cm, { files: files({ 'w.bin': bytes, 'b.bin': f32([0, 0]) }) }).network!.layer(0) as DenseLayer;
  // column-major file 1..6 for a 2×3 matrix is [[1,3,5],[2,4,6]]
  assert.deepEqual(Array.from(l2.weights.data), [1, 3, 5, 2, 4, 6]);
});

test('external weights: missing file, short file, NaN inside, no reader', () => {
  const text = JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [{ type: 'dense', weights: { file: 'w.bin', dtype: 'float32', shape: [2, 2] }, activation: 'relu' }] });
  expectError(text, 'external-missing', 'layer 1 weights: external file "w.bin" not found (paths are relative to the network file\'s folder)', '"w.bin"', 0, { files: files({}) });
  expectError(text, 'external-short', 'layer 1 weights: "w.bin" has 12 bytes but 2×2 float32 values from offset 0 need 16', '"w.bin"', 0, { files: files({ 'w.bin': f32([1, 2, 3]) }) });
  expectError(text, 'non-finite-number', 'layer 1 weights: "w.bin" holds NaN at value 3 (byte 8); weights must be finite', '"w.bin"', 0, { files: files({ 'w.bin': f32([1, 2, NaN, 4]) }) });
  expectError(text, 'external-unavailable', 'layer 1 weights refers to external file "w.bin", but external files cannot be read here (save the network file to disk and open it from there)', '"w.bin"');
  const badShape = text.replace('[2,2]', '[2,2,2]');
  expectError(badShape, 'invalid-value', 'layer 1 weights shape must have 2 entries ([out, in]), not 3', '[2,2,2]', 0, { files: files({}) });
});

/** A TF.js layers model.json + one .bin shard for InputLayer → Dense(3, relu) → Dropout → Dense(1). */
function tfjsModel(extraLayer?: unknown) {
  const rng = new Rng(1);
  const k1 = Array.from({ length: 2 * 3 }, () => Math.fround(rng.uniformIn(-1, 1)));
  const b1 = [0.25, -0.5, 0.125];
  const k2 = [1, -2, 0.5];
  const b2 = [0.75];
  const layers: unknown[] = [
    { class_name: 'InputLayer', config: { batch_input_shape: [null, 2], dtype: 'float32', name: 'input_1' } },
    { class_name: 'Dense', config: { name: 'dense', units: 3, activation: 'relu', use_bias: true } },
    { class_name: 'Dropout', config: { name: 'dropout', rate: 0.5 } },
    { class_name: 'Dense', config: { name: 'dense_1', units: 1, activation: 'linear', use_bias: true } },
  ];
  if (extraLayer) layers.splice(3, 0, extraLayer);
  const model = {
    format: 'layers-model', generatedBy: 'keras v2.15.0', convertedBy: 'TensorFlow.js Converter v4.17.0',
    modelTopology: { model_config: { class_name: 'Sequential', config: { name: 'seq', layers } } },
    weightsManifest: [
      { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [{ name: 'dense/kernel', shape: [2, 3], dtype: 'float32' }, { name: 'dense/bias', shape: [3], dtype: 'float32' }] },
      { paths: ['group2-shard1of1.bin'], weights: [{ name: 'dense_1/kernel', shape: [3, 1], dtype: 'float32' }, { name: 'dense_1/bias', shape: [1], dtype: 'float32' }] },
    ],
  };
  const g1 = f32([...k1, ...b1]);
  // split group 1 across two shards at an odd byte to check that shards are concatenated in order
  const shards = { 'group1-shard1of2.bin': g1.slice(0, 13), 'group1-shard2of2.bin': g1.slice(13), 'group2-shard1of1.bin': f32([...k2, ...b2]) };
  return { text: JSON.stringify(model, null, 2), shards: shards as Record<string, Uint8Array>, k1, b1, k2, b2 };
}

test('TF.js layers model: shards in order, kernel [in,out] transposed to [out][in], forward pass matches', () => {
  const m = tfjsModel();
  const r = parseNetworkText(m.text, { files: files(m.shards) });
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, d.message]), [
    ['tfjs-skipped-layer', 'information', 'layer "input_1" (InputLayer) does nothing at inference time and is skipped'],
    ['tfjs-skipped-layer', 'information', 'layer "dropout" (Dropout) does nothing at inference time and is skipped'],
  ]);
  const n = r.network!;
  assert.equal(n.depth, 2);
  assert.equal(n.input.dim, 2);
  assert.deepEqual(n.groups.map((g) => g.type), ['tfjs-dense', 'tfjs-dense']);
  const l1 = n.layer(0) as DenseLayer;
  assert.deepEqual([l1.weights.rows, l1.weights.cols], [3, 2]);
  // W[o][i] = kernel[i][o] = k1[i*3 + o]
  for (let o = 0; o < 3; o++) for (let i = 0; i < 2; i++) assert.equal(l1.weights.data[o * 2 + i], m.k1[i * 3 + o]);
  assert.deepEqual(Array.from(l1.bias), m.b1);
  const x = [0.3, -0.8];
  const h = [0, 1, 2].map((o) => Math.max(0, m.k1[o] * x[0] + m.k1[3 + o] * x[1] + m.b1[o]));
  const y = h[0] * m.k2[0] + h[1] * m.k2[1] + h[2] * m.k2[2] + m.b2[0];
  assert.ok(Math.abs(forward(n, x)[0] - y) < 1e-15);
});

test('TF.js: unsupported layer named, missing shard, unsupported activation', () => {
  const conv = tfjsModel({ class_name: 'Conv2D', config: { name: 'conv2d_1', filters: 4 } });
  expectError(conv.text, 'tfjs-unsupported', 'layer "conv2d_1" (Conv2D) is not supported; Depth Lens reads Sequential models of Dense layers (InputLayer and Dropout are skipped)', '"Conv2D"', 0, { files: files(conv.shards) });
  const m = tfjsModel();
  expectError(m.text, 'external-missing', 'weight shard "group2-shard1of1.bin" not found (paths are relative to model.json\'s folder)', '"group2-shard1of1.bin"', 0,
    { files: files({ ...m.shards, 'group2-shard1of1.bin': undefined as unknown as Uint8Array }) });
  const sig = m.text.replace('"activation": "relu"', '"activation": "sigmoid"');
  expectError(sig, 'tfjs-unsupported', 'layer "dense" (Dense) has activation "sigmoid"; Depth Lens supports "relu" and "linear"', '"sigmoid"', 0, { files: files(m.shards) });
  const short = { ...m.shards, 'group2-shard1of1.bin': f32([1, 2]) };
  assert.deepEqual(errorsOf(m.text, { files: files(short) }).map((e) => e.code), ['external-short']);
});

const examplesDir = path.join(__dirname, '..', '..', 'examples');
const exampleFiles = [...fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json')), 'tfjs/model.json'];

test('every example parses with zero errors and has a description (errors.network.json has errors)', () => {
  assert.ok(exampleFiles.length >= 10);
  for (const f of exampleFiles) {
    const full = path.join(examplesDir, f);
    const text = fs.readFileSync(full, 'utf8');
    const r = parseNetworkText(text, { files: new FolderFiles(path.dirname(full), nodeFileSystem) });
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    if (f === 'errors.network.json') {
      assert.deepEqual(errs.map((e) => e.code), ['ragged-matrix', 'shape-mismatch', 'non-finite-number', 'bias-length', 'unknown-layer-type', 'family-count', 'residual-shape']);
      continue;
    }
    assert.deepEqual(errs, [], f);
    assert.ok(r.network ?? r.conv, f);
    if (f !== 'tfjs/model.json') assert.equal(typeof JSON.parse(text).description, 'string', f);
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'warning'), [], f);
  }
});

test('convergent example: ‖W_k − I‖ and ‖b_k‖ decay like (k+1)^{-2}', () => {
  const text = fs.readFileSync(path.join(examplesDir, 'convergent-family.network.json'), 'utf8');
  const n = parseNetworkText(text).network!;
  assert.equal(n.depth, 100000);
  const l = n.layer(99999) as DenseLayer;
  const s = 1 / (100001 * 100001);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 4e-16 * Math.abs(b), `${a} vs ${b}`);
  close(l.bias[0], s);
  close(l.bias[1], -s);
  close(l.weights.data[1], -0.3 * s);
  close(l.weights.data[0], 1 + 0.5 * s);
});

test('regions-2d example: "a few hundred activation regions", and exactly the number its description states', () => {
  const text = fs.readFileSync(path.join(examplesDir, 'regions-2d.network.json'), 'utf8');
  const stated = Number(/exactly (\d+) convex regions/.exec(JSON.parse(text).description)![1]);
  const r = slicePartition(parseNetworkText(text).network!);
  assert.equal(r.regions, stated);
  assert.ok(stated >= 200 && stated < 1000, `${stated} is not a few hundred`);
  assert.deepEqual(r.perDepth, [55, 196, 363, 363]);
});
