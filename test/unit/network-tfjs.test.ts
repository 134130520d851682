/**
 * TF.js import details found by the issue 3 audit: ReLU layers with options, activation layers,
 * units above the width limit, duplicate keys, a missing shard next to an unsupported layer, and no
 * follow-on shape error after a failed Dense. Plus: examples/tfjs is exactly what its generator writes.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryFiles, parseNetworkText } from '../../src/core/network/parse';
import type { DenseLayer } from '../../src/core/network/model';
import { tfjsExample } from '../../scripts/make-tfjs-example';
import { errorsOf, expectError } from './network-helpers';

function f32(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(4 * i, x, true));
  return b;
}

/** InputLayer [null, 2] → Dense "a" (3 units) → …extra… → Dense "b" (1 unit); one shard with all weights. */
function model(extra: unknown[] = [], options: { aActivation?: string; bUnits?: number; aUnits?: number } = {}) {
  const layers = [
    { class_name: 'InputLayer', config: { batch_input_shape: [null, 2], name: 'in' } },
    { class_name: 'Dense', config: { name: 'a', units: options.aUnits ?? 3, activation: options.aActivation ?? 'linear', use_bias: true } },
    ...extra,
    { class_name: 'Dense', config: { name: 'b', units: options.bUnits ?? 1, activation: 'linear', use_bias: true } },
  ];
  const text = JSON.stringify({
    format: 'layers-model',
    modelTopology: { class_name: 'Sequential', config: { name: 'm', layers } },
    weightsManifest: [{ paths: ['w.bin'], weights: [
      { name: 'a/kernel', shape: [2, 3], dtype: 'float32' }, { name: 'a/bias', shape: [3], dtype: 'float32' },
      { name: 'b/kernel', shape: [3, 1], dtype: 'float32' }, { name: 'b/bias', shape: [1], dtype: 'float32' }] }],
  }, null, 1);
  // a: W = [[1, 0], [0, 1], [1, 1]] (kernel [in][out]), b = (0, 0, -1); b: W = [1, 1, 1], b = 0
  const shard = f32([1, 0, 1, 0, 1, 1, 0, 0, -1, 1, 1, 1, 0]);
  return { text, files: memoryFiles({ 'w.bin': shard }) };
}

test('examples/tfjs is exactly what scripts/make-tfjs-example.ts writes (and does not claim Keras made it)', () => {
  const dir = path.join(__dirname, '..', '..', 'examples', 'tfjs');
  const { modelJson, shard } = tfjsExample();
  assert.equal(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'), modelJson);
  assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(dir, 'group1-shard1of1.bin'))), shard);
  const m = JSON.parse(modelJson);
  assert.match(m.generatedBy, /^Depth Lens scripts\/make-tfjs-example\.ts/);
  assert.doesNotMatch(modelJson, /keras v|Converter v/i);
  // and it imports: 2 → 8 (relu) → 1
  const r = parseNetworkText(modelJson, { files: memoryFiles({ 'group1-shard1of1.bin': shard }) });
  assert.deepEqual(r.network!.groups.map((g) => g.type), ['tfjs-dense', 'tfjs-dense']);
  assert.equal((r.network!.layer(0) as DenseLayer).activation, 'relu');
});

test('ReLU layer: plain ReLU is folded into the Dense before it; max_value/negative_slope/threshold are refused', () => {
  const plain = model([{ class_name: 'ReLU', config: { name: 'r', max_value: null, negative_slope: 0, threshold: 0 } }]);
  const r = parseNetworkText(plain.text, { files: plain.files });
  assert.deepEqual(errorsOf(plain.text, { files: plain.files }), []);
  assert.equal((r.network!.layer(0) as DenseLayer).activation, 'relu');
  for (const [key, value] of [['max_value', 6], ['negative_slope', 0.1], ['threshold', 0.5]] as const) {
    const m = model([{ class_name: 'ReLU', config: { name: 'r', [key]: value } }]);
    const errs = errorsOf(m.text, { files: m.files });
    assert.deepEqual(errs.map((e) => [e.code, e.message]), [['tfjs-unsupported', `layer "r" (ReLU) has ${key} ${value}; Depth Lens imports a ReLU layer only as max(x, 0) (max_value null, negative_slope 0, threshold 0)`]]);
    assert.equal(errs[0].offset, m.text.indexOf(`"${key}": `) + `"${key}": `.length);
    assert.equal(m.text.substr(errs[0].offset, errs[0].length), String(value));
  }
});

test('Activation layers: relu after a relu Dense is still relu; an unsupported one names it; none before the first Dense', () => {
  const twice = model([{ class_name: 'Activation', config: { name: 'act', activation: 'relu' } }], { aActivation: 'relu' });
  const r = parseNetworkText(twice.text, { files: twice.files });
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal((r.network!.layer(0) as DenseLayer).activation, 'relu');
  const tanh = model([{ class_name: 'Activation', config: { name: 'act', activation: 'tanh' } }]);
  expectError(tanh.text, 'tfjs-unsupported', 'layer "act" (Activation) has activation "tanh"; Depth Lens supports "relu" and "linear"', '"tanh"', 0, { files: tanh.files });
  const first = JSON.parse(model().text);
  first.modelTopology.config.layers.splice(1, 0, { class_name: 'Activation', config: { name: 'early', activation: 'relu' } });
  const text = JSON.stringify(first);
  const errs = errorsOf(text, { files: model().files });
  assert.deepEqual(errs.map((e) => [e.code, e.message]), [['tfjs-unsupported', 'layer "early" (Activation) comes before any Dense layer; Depth Lens folds a ReLU into the Dense layer before it, so the model must start with a Dense layer']]);
});

test('units above the width limit are a size-limit error on "units"', () => {
  const m = model([], { bUnits: 200000 });
  const errs = errorsOf(m.text, { files: m.files });
  assert.deepEqual(errs.map((e) => [e.code, e.message, m.text.substr(e.offset, e.length)]), [['size-limit', 'layer "b" (Dense) units is 200000, above the limit of 100000', '200000']]);
});

test('duplicate keys anywhere in model.json are errors', () => {
  const m = model();
  const text = m.text.replace('"name": "a",', '"name": "a", "name": "a2",');
  assert.notEqual(text, m.text);
  const errs = errorsOf(text, { files: m.files });
  assert.deepEqual(errs.map((e) => [e.code, e.message, text.substr(e.offset, e.length)]), [['duplicate-key', 'this object has "name" twice; remove one of them (JSON readers disagree on which one wins)', '"name"']]);
  assert.equal(errs[0].offset, text.indexOf('"name": "a2"'));
});

test('a missing weight shard does not hide an unsupported layer', () => {
  const m = model([{ class_name: 'Conv2D', config: { name: 'conv' } }]);
  const errs = errorsOf(m.text, { files: memoryFiles({}) });
  assert.deepEqual(errs.map((e) => e.code), ['external-missing', 'tfjs-unsupported']);
  assert.equal(errs[0].message, 'weight shard "w.bin" not found (paths are relative to model.json\'s folder)');
  assert.equal(errs[1].message, 'layer "conv" (Conv2D) is not supported; Depth Lens reads Sequential models of Dense layers (InputLayer and Dropout are skipped)');
});

test('a failed Dense passes its width on: no follow-on shape error, and a real one after it is still found', () => {
  // "a" says 4 units but its kernel is [2, 3]: one error, and "b" (expecting 3) is not blamed for it
  const m = model([], { aUnits: 4 });
  const errs = errorsOf(m.text, { files: m.files });
  assert.deepEqual(errs.map((e) => [e.code, e.message]), [['tfjs-weights', 'layer "a" (Dense) has 4 units but its kernel has shape [2, 3]']]);
  // "a" fails on its activation but its width 3 is evident; "b"'s kernel [4, 1] really does not fit it
  const bad = JSON.parse(model([], { aActivation: 'sigmoid' }).text);
  bad.weightsManifest[0].weights[2].shape = [4, 1];
  const text = JSON.stringify(bad);
  const shard = f32([1, 0, 1, 0, 1, 1, 0, 0, -1, 1, 1, 1, 1, 0]);
  assert.deepEqual(errorsOf(text, { files: memoryFiles({ 'w.bin': shard }) }).map((e) => [e.code, e.message]), [
    ['tfjs-unsupported', 'layer "a" (Dense) has activation "sigmoid"; Depth Lens supports "relu" and "linear"'],
    ['shape-mismatch', 'layer "b" (Dense) expects 4 inputs but the previous layer produces 3'],
  ]);
});
