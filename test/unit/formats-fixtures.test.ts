/**
 * Checkpoints written by the real libraries (scripts/make-model-fixtures.py: torch 1.13, onnx, numpy)
 * read by Depth Lens: the forward pass of every fixture reproduces torch's recorded outputs to 1e-6
 * relative (it does to ~1e-15: same weights, float64 both sides), ONNX files agree with
 * onnxruntime-node run on the same file, tensor norms agree with numpy's, dtypes and memory layouts
 * (F16, BF16, F64, I32, strided torch views, Fortran-order and big-endian NumPy) decode exactly, and a
 * generated network file reads back as the same network.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseNetworkFile } from '../../src/cli/load';
import { forward } from '../../src/core/network/forward';
import { FolderFiles, parseNetworkText } from '../../src/core/network/parse';
import { readTensor } from '../../src/core/formats/model';
import { modelNetwork } from '../../src/core/formats/network';
import { networkFileText } from '../../src/core/formats/networkFile';
import { tensorNorms, valuesNorm } from '../../src/core/formats/norms';
import { halfToNumber } from '../../src/core/formats/dtypes';
import { chainSteps } from '../../src/worker/handlers/checkpoint';
import { CancelledError, silentContext } from '../../src/core/context';
import { Rng } from '../../src/core/rng';
import { nodeFileSystem } from '../../src/worker/nodeFiles';
import { diskIo, indexOf, maxRelative, MODELS, RECORDED } from './formats-helpers';

const RELATIVE = 1e-6;

/** Our forward pass at every recorded input against the recorded outputs. */
function assertOutputs(name: string, net: NonNullable<ReturnType<typeof parseNetworkFile>['network']>): void {
  const rec = RECORDED[name];
  assert.ok(rec?.inputs && rec.outputs, `${name} has recorded outputs`);
  rec.inputs.forEach((x, i) => {
    const y = forward(net, x);
    const err = maxRelative(y, rec.outputs![i]);
    assert.ok(err <= RELATIVE, `${name} at ${JSON.stringify(x)}: ${Array.from(y)} vs torch ${rec.outputs![i]} (relative ${err})`);
  });
}

const WITH_OUTPUTS = Object.keys(RECORDED).filter((k) => RECORDED[k].outputs && !k.endsWith('.network.json'));

test('every fixture with recorded outputs, opened as a network file (the CLI path), reproduces torch to 1e-6 relative', () => {
  // the ResNet's bare weights read as a chain are not the ResNet: those fixtures are checked below
  const bare = new Set(['resnet.state_dict.pt', 'resnet.safetensors', 'resnet.npz', 'resnet.module.pt']);
  let checked = 0;
  for (const name of WITH_OUTPUTS) {
    if (bare.has(name)) continue;
    const loaded = parseNetworkFile(path.join(MODELS, name), diskIo);
    assert.ok(loaded.network, `${name}: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
    assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === 'error'), [], name);
    assertOutputs(name, loaded.network);
    checked++;
  }
  assert.ok(checked >= 19, `checked ${checked} fixtures`);
});

test('network files that reference tensors (safetensors, its sharded index, .pt, .npz, .onnx; transpose) reproduce torch', () => {
  for (const name of ['resnet.network.json', 'mlp.keras.network.json']) {
    const text = fs.readFileSync(path.join(MODELS, name), 'utf8');
    const r = parseNetworkText(text, { files: new FolderFiles(MODELS, nodeFileSystem) });
    assert.deepEqual(r.diagnostics, [], name);
    assertOutputs(name, r.network!);
  }
  // the ResNet file reads its blocks as residual blocks with non-square bottlenecks 6 → h → 6
  const r = parseNetworkFile(path.join(MODELS, 'resnet.network.json'), diskIo).network!;
  assert.deepEqual(Array.from({ length: r.depth }, (_, k) => { const l = r.layer(k); return l.kind === 'dense' ? `dense ${l.weights.rows}×${l.weights.cols}` : `residual ${l.branch.map((b) => b.weights.rows).join('→')}`; }),
    ['dense 6×3', 'residual 3→6', 'residual 10→6', 'residual 4→6', 'dense 2×6']);
});

test('ONNX: the ResNet graph (Gemm, Relu, Add of two branches) is read as residual blocks; onnxruntime-node agrees on every .onnx fixture', async () => {
  const idx = indexOf('resnet.onnx');
  const m = modelNetwork(idx);
  assert.deepEqual(chainSteps(idx, m.architecture!.ops).map((s) => `${s.kind} ${s.shape} ${s.activation}`),
    ['dense 6×3 relu', 'residual 6→3→6 relu', 'residual 6→10→6 relu', 'residual 6→4→6 relu', 'dense 2×6 linear']);
  for (const name of WITH_OUTPUTS.filter((n) => n.endsWith('.onnx'))) {
    const ours = parseNetworkFile(path.join(MODELS, name), diskIo).network!;
    const session = await ort.InferenceSession.create(path.join(MODELS, name));
    const rec = RECORDED[name];
    const dim = rec.inputs![0].length;
    const x = Float32Array.from(rec.inputs!.flat());
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [rec.inputs!.length, dim]) });
    const y = out[session.outputNames[0]].data as Float32Array;
    const width = y.length / rec.inputs!.length;
    rec.inputs!.forEach((xi, i) => {
      const mine = forward(ours, Float32Array.from(xi));
      // onnxruntime computes in float32: agreement to float32 rounding of the largest output
      const scale = Math.max(...Array.from(mine, Math.abs), 1e-3);
      for (let k = 0; k < width; k++) assert.ok(Math.abs(mine[k] - y[i * width + k]) <= 1e-5 * scale, `${name} output ${k} at ${xi}: ours ${mine[k]}, onnxruntime ${y[i * width + k]}`);
    });
    await session.release();
  }
});

test('dtypes: F16, BF16, F64 and I32 safetensors hold exactly the rounded values torch recorded', () => {
  // binary16 corner cases: subnormal, largest, infinity, NaN
  assert.equal(halfToNumber(0x0001), 2 ** -24);
  assert.equal(halfToNumber(0x7bff), 65504);
  assert.equal(halfToNumber(0xfc00), -Infinity);
  assert.ok(Number.isNaN(halfToNumber(0x7e00)));
  for (const name of ['mlp.f16.safetensors', 'mlp.bf16.safetensors', 'mlp.f64.safetensors', 'ints.safetensors']) {
    const idx = indexOf(name);
    assert.ok(idx.tensors.length >= 4, name);
    assertOutputs(name, modelNetwork(idx).network!);
  }
  assert.deepEqual(indexOf('mlp.bf16.safetensors').tensors.map((t) => t.dtype), ['BF16', 'BF16', 'BF16', 'BF16', 'BF16', 'BF16']);
  assert.deepEqual(Array.from(readTensor(indexOf('ints.safetensors'), indexOf('ints.safetensors').byName.get('0.weight')!)), [1, -2, 3, 0]);
});

test('layouts: a transposed torch view, a torch slice, a Fortran-order and a big-endian .npy read row-major as recorded', () => {
  const strided = indexOf('strided.pt');
  const rec = RECORDED['strided.pt'].values as Record<string, number[][]>;
  for (const k of ['t', 'slice']) assert.deepEqual(Array.from(readTensor(strided, strided.byName.get(k)!)), rec[k].flat(), k);
  for (const name of ['fortran.npy', 'bigendian.npy']) {
    const idx = indexOf(name);
    assert.deepEqual(Array.from(readTensor(idx, idx.tensors[0])), (RECORDED[name].values as number[][]).flat(), name);
  }
});

test('tensor norms (spectral for matrices, Euclidean for vectors) agree with numpy.linalg.norm(·, 2) to 1e-9', () => {
  for (const model of ['mlp', 'resnet', 'trained']) {
    const expected = RECORDED[`${model}.norms`] as unknown as Record<string, number>;
    for (const file of [`${model}.safetensors`, `${model}.state_dict.pt`, `${model}.npz`]) {
      const idx = indexOf(file);
      const seen: string[] = [];
      const norms = tensorNorms(idx, silentContext, (n) => seen.push(n.name));
      assert.deepEqual(seen, idx.tensors.map((t) => t.name), `${file}: streamed in file order`);
      for (const n of norms) {
        assert.equal(n.error, undefined, `${file} ${n.name}`);
        assert.ok(Math.abs(n.norm! - expected[n.name]) <= 1e-9 * expected[n.name], `${file} ${n.name}: ${n.norm} vs numpy ${expected[n.name]}`);
      }
    }
  }
});

test('bare weights read as a chain say so; a whole pickled Sequential is read as its modules; custom modules and conv layers are listed, not guessed', () => {
  const chain = parseNetworkFile(path.join(MODELS, 'mlp.state_dict.pt'), diskIo);
  assert.deepEqual(chain.diagnostics.map((d) => [d.code, d.severity]), [['model-chain', 'information']]);
  assert.match(chain.diagnostics[0].message, /^mlp\.state_dict\.pt carries no architecture: its 3 matrices \(2→8, 8→8, 8→1, in file order\) are read as dense → ReLU → … → dense, the last one linear/);
  assert.deepEqual(parseNetworkFile(path.join(MODELS, 'trained.module.pt'), diskIo).diagnostics, []);
  const custom = parseNetworkFile(path.join(MODELS, 'resnet.module.pt'), diskIo);
  assert.equal(custom.network, undefined);
  assert.deepEqual(custom.diagnostics.map((d) => d.code), ['model-architecture']);
  assert.match(custom.diagnostics[0].message, /^resnet\.module\.pt: modules Depth Lens cannot analyse yet: __main__\.ResNet \(the model\)\. .*a custom module's forward\(\) is Python code that the file does not contain/);
  assert.match(parseNetworkFile(path.join(MODELS, 'conv.module.pt'), diskIo).diagnostics[0].message, /: torch\.nn\.Conv2d \(0\), torch\.nn\.BatchNorm2d \(1\)\./);
  // an image input makes a conv network (src/core/formats/onnxConv.ts), which the dense analyses refuse by name
  assert.equal(parseNetworkFile(path.join(MODELS, 'conv.onnx'), diskIo).diagnostics[0].message, 'conv.onnx is a convolutional network: `depth-lens info`, `depth-lens spectrum` and the checkpoint viewer read it; the other analyses take dense networks only so far');
  assert.match(parseNetworkFile(path.join(MODELS, 'unsupported.onnx'), diskIo).diagnostics[0].message, /: Sigmoid \(node squash\), Softmax \(node probabilities\)\./);
  // Keras-style [in, out] kernels are found transposed
  assert.match(parseNetworkFile(path.join(MODELS, 'mlp.keras.npz'), diskIo).diagnostics[0].message, /stored \[in, out\] and read transposed/);
});

test('a generated network file references the checkpoint\'s tensors and reads back as the same network', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-netfile-'));
  try {
    // [checkpoint, whose recorded outputs it reproduces]
    for (const [name, outputs] of [['resnet.onnx', 'resnet.onnx'], ['mlp.gemm-attributes.onnx', 'mlp.gemm-attributes.onnx'], ['mlp.keras.npz', 'mlp.npz'], ['trained.module.pt', 'trained.module.pt'], ['mlp.safetensors', 'mlp.safetensors']]) {
      fs.copyFileSync(path.join(MODELS, name), path.join(tmp, name));
      const text = networkFileText(indexOf(name), name, undefined);
      assert.ok('text' in text, name);
      const r = parseNetworkText(text.text, { files: new FolderFiles(tmp, nodeFileSystem) });
      assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), [], name);
      assertOutputs(outputs, r.network!);
    }
    // Gemm alpha and beta become "scale"; transB = 0 becomes "transpose"
    const doc = JSON.parse((networkFileText(indexOf('mlp.gemm-attributes.onnx'), 'm.onnx', undefined) as { text: string }).text);
    assert.deepEqual(doc.layers[0].weights, { file: 'm.onnx', tensor: 'B0', transpose: true, scale: 0.5 });
    assert.deepEqual(doc.layers[0].bias, { file: 'm.onnx', tensor: 'C0', scale: 4 });
    assert.equal(JSON.parse((networkFileText(indexOf('resnet.onnx'), 'r.onnx', undefined) as { text: string }).text).layers[1].type, 'residual');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('the tensor table stops when cancelled: between tensors, and inside a long Lanczos run', () => {
  const idx = indexOf('resnet.safetensors');
  let calls = 0;
  const ctx = { progress: () => undefined, isCancelled: () => calls > 0 };
  const done: string[] = [];
  assert.throws(() => tensorNorms(idx, ctx, (n) => { calls++; done.push(n.name); }), CancelledError);
  assert.deepEqual(done, ['stem.weight']);
  // a 300×200 Gaussian matrix takes dozens of Lanczos steps, each of which polls the context
  let polls = 0;
  const rng = new Rng(5);
  const big = new Float32Array(300 * 200).map(() => rng.gaussian());
  assert.throws(() => valuesNorm(big, 300, 200, { progress: () => undefined, isCancelled: () => ++polls > 3 }), CancelledError);
  assert.equal(polls, 4);
});
