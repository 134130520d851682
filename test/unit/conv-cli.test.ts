/**
 * `depth-lens info` and `depth-lens spectrum` on conv models, and the refusal of every other command
 * (exit 2, the first conv layer named). Norms are checked against torch's records
 * (test/fixtures/conv/cifar-resnet/records.json: dense-matrix σ₁ of each folded conv) and against the
 * dense SVD of the small conv.onnx's operator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { main } from '../../src/cli/main';
import { firstConvOp, loadConvModel } from '../../src/cli/convModel';
import { convInfoRows } from '../../src/cli/convReport';
import { convChainNorms, convChainSteps } from '../../src/worker/handlers/checkpoint';
import { Conv2d } from '../../src/core/conv/conv2d';
import { hashUniform } from '../../src/core/conv/hashInit';
import { conv2dOperator } from '../../src/core/conv/operators';
import { convTopSingularValues } from '../../src/core/conv/spectrum';
import { materialize } from '../../src/core/linalg/operator';
import { assertNear, FIXTURES, readJson, type NetworkIndex, type NetworkRecords } from './conv-fixtures';
import { diskIo, MODELS } from './formats-helpers';

const CIFAR = path.join(FIXTURES, 'cifar-resnet');
const cifarRecords = readJson<NetworkRecords>('cifar-resnet', 'records.json');

function denseSingularValues(conv: Conv2d, h: number, w: number, shift = 0): number[] {
  const d = materialize(conv2dOperator(conv, h, w));
  const rows = Array.from({ length: d.rows }, (_, i) => Array.from(d.data.subarray(i * d.cols, (i + 1) * d.cols)));
  if (shift) for (let i = 0; i < d.rows; i++) rows[i][i] -= shift;
  return [...new SingularValueDecomposition(new Matrix(rows), { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal].sort((a, b) => b - a);
}

test('top-k singular values of a zero-padded conv by Lanczos equal the dense SVD of its operator', () => {
  const conv = new Conv2d({ name: 'c', inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, weight: hashUniform(7, 108, 0, 0.5), bias: null });
  const exact = denseSingularValues(conv, 6, 6);
  const r = convTopSingularValues(conv, 6, 6, 5, { tolerance: 1e-10 });
  assert.equal(r.method, 'lanczos');
  r.values.forEach((v, i) => { assertNear(v, exact[i], 1e-9, `σ${i + 1}`); assert.ok(Math.abs(v - exact[i]) <= r.residuals[i] + 1e-12, `σ${i + 1} within its residual bound`); });
  const square = new Conv2d({ name: 's', inChannels: 3, outChannels: 3, kernelSize: 3, padding: 1, weight: hashUniform(8, 81, 0, 0.5), bias: null });
  const minus = convTopSingularValues(square, 5, 5, 3, { shift: 1, tolerance: 1e-10 });
  denseSingularValues(square, 5, 5, 1).slice(0, 3).forEach((v, i) => assertNear(minus.values[i], v, 1e-9, `σ${i + 1}(W − I)`));
  // circular padding: every singular value exactly, from the FFT
  const circ = new Conv2d({ name: 'o', inChannels: 3, outChannels: 3, kernelSize: 3, padding: 1, paddingMode: 'circular', weight: hashUniform(9, 81, 0, 0.5), bias: null });
  const f = convTopSingularValues(circ, 4, 4, 48);
  assert.equal(f.method, 'fft');
  denseSingularValues(circ, 4, 4).forEach((v, i) => assertNear(f.values[i], v, 1e-10, `circular σ${i + 1}`));
});

test('info on the CIFAR ResNet (.onnx and .pt): layers, shapes, strides, parameters; without norms', async () => {
  for (const file of ['cifar-resnet.onnx', 'cifar-resnet.pt']) {
    const r = await main(['info', path.join(CIFAR, file), '--json', '--no-norms'], diskIo);
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { summary: Record<string, unknown>; rows: Array<{ layer: string; type: string; name: string; input: number[]; output: number[]; detail: string; parameters: number; normW: number | null }> };
    assert.deepEqual(doc.summary.inputShape, [3, 32, 32]);
    assert.deepEqual(doc.summary.outputShape, [10]);
    assert.equal(doc.summary.residualBlocks, 26);
    assert.equal(doc.summary.identityBlocks, 24);
    const index = readJson<NetworkIndex>('cifar-resnet', 'index.json');
    // torch's parameter count: every tensor but the BatchNorm running statistics (the .onnx has them folded)
    const torchCount = index.tensors.filter((t) => !/running_/.test(t.name)).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    if (file.endsWith('.pt')) assert.equal(doc.summary.parameterCount, torchCount);
    const row = (label: string) => doc.rows.find((x) => x.layer === label)!;
    assert.deepEqual(row('10.1'), { ...row('10.1'), type: 'conv2d', name: 'layer2.0.conv1', input: [4, 32, 32], output: [8, 16, 16], detail: '8×4×3×3, stride 2, pad 1, bias', normW: null });
    assert.equal(row('10.s').detail, '8×4×1×1, stride 2, pad 0, bias');
    assert.equal(row('29').type, 'flatten');
  }
});

test('info norms: ‖W‖₂ of every conv on its input equals torch’s dense σ₁, blocks give Π_k ‖W^(n,k)‖₂', () => {
  const loaded = loadConvModel(path.join(CIFAR, 'cifar-resnet.pt'), diskIo)!;
  // the stem and the first two blocks (all 51 convs take minutes on a loaded machine; they are the same code)
  const net = { ...loaded.network.net, ops: loaded.network.net.ops.slice(0, 3) };
  const rows = convInfoRows({ ...loaded.network, net }, diskIo, true);
  const convRows = rows.filter((x) => x.type === 'conv2d');
  // records.convs: stem, then each block's branch convs and shortcut, in the order info lists them
  assert.equal(convRows.length, 5);
  convRows.forEach((x, i) => assertNear(x.normW!, cifarRecords.convs[i].dense!.two, 1e-8, `conv ${x.layer}`));
  // torch's blockNorms come from its power iteration, which stalls between near-paired σ₁, σ₂ (docs/conv-layers.md): the dense σ₁ is the reference
  const blocks = rows.filter((x) => x.type === 'residual');
  assert.deepEqual(blocks.map((b) => b.layer), ['2', '3']);
  for (const b of blocks) {
    const branch = rows.filter((x) => x.layer.startsWith(`${b.layer}.`));
    assertNear(b.normW!, branch[0].normW! * branch[1].normW!, 1e-15, `block ${b.layer}`);
    assertNear(b.normW!, cifarRecords.blockNorms[Number(b.layer) - 2].product, 1e-5, `block ${b.layer} vs torch's power iteration`);
    // ‖W − I‖₂ for the shape-preserving branch convs
    for (const c of branch) assert.ok(c.normWminusI! > 0);
  }
  assert.equal(convRows[0].normWminusI, null, 'the stem maps 3 channels to 4: no W − I');
});

test('info text on a small conv model: its one conv’s ‖W‖₂ equals the dense SVD of its operator', async () => {
  const r = await main(['info', path.join(MODELS, 'conv.onnx')], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[1], 'convolutional network: input 1×4×4, output 1, 3 layers (0 residual blocks, 0 with identity shortcut), 29 parameters');
  assert.match(r.stdout, /\n1 +conv2d +0 +1×4×4 +2×2×2 +2×1×3×3, stride 1, pad 0, bias +relu +20 +[0-9.]+ +—\n/);
  const json = JSON.parse((await main(['info', path.join(MODELS, 'conv.onnx'), '--json'], diskIo)).stdout) as { rows: Array<{ normW: number }> };
  const op = loadConvModel(path.join(MODELS, 'conv.onnx'), diskIo)!.network.net.ops[0];
  assert.ok(op.kind === 'conv2d');
  assertNear(json.rows[0].normW, denseSingularValues(op.conv, 4, 4)[0], 1e-10, '‖W‖₂ of the folded conv');
});

test('spectrum on a conv model: top-k singular values of each conv on its input', async () => {
  const r = await main(['spectrum', path.join(MODELS, 'conv.onnx'), '--json', '--top-k', '3'], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { items: Array<{ name: string; input: number[]; singularValues: number[]; method: string }> };
  assert.equal(doc.items.length, 1);
  assert.deepEqual(doc.items[0].input, [1, 4, 4]);
  assert.equal(doc.items[0].singularValues.length, 3);
  const text = await main(['spectrum', path.join(CIFAR, 'cifar-resnet.onnx'), '--layers', '1,10.s', '--top-k', '2'], diskIo);
  assert.equal(text.exitCode, 0, text.stderr);
  assert.match(text.stdout, /cifar-resnet\.onnx: 55 convolutions; 2 shown/);
  const json = JSON.parse((await main(['spectrum', path.join(CIFAR, 'cifar-resnet.onnx'), '--layers', 'conv1', '--top-k', '2', '--json'], diskIo)).stdout) as { items: Array<{ singularValues: number[]; residuals: number[] }> };
  // torch's records: σ₁, σ₂ of the stem conv's dense matrix (a near-pair, 1.2e-7 apart); the .onnx weights are folded in float32
  const [s1, s2] = json.items[0].singularValues;
  assertNear(s1, cifarRecords.convs[0].dense!.two, 1e-6, 'σ₁');
  assertNear(s2, cifarRecords.convs[0].dense!.twoSecond, 1e-6, 'σ₂');
});

test('analyses that take dense networks only (compare, train) refuse conv models by name, with exit code 2', async () => {
  const file = path.join(CIFAR, 'cifar-resnet.pt');
  for (const argv of [['compare', file, file], ['train', 'indicator', file]]) {
    const cmd = argv[0];
    const r = await main(argv, diskIo);
    assert.equal(r.exitCode, 2, `${cmd}: ${r.stderr}`);
    assert.equal(r.stderr, `depth-lens ${cmd}: convolutional layers are not supported by \`${cmd}\` yet: layer 1 is conv2d (conv1). \`depth-lens info\`, \`spectrum\`, \`activations\`, \`convergence\`, \`degeneracy\` and \`regions\` read convolutional models\n`);
  }
  // a network file on images is refused in the same words
  const json = path.join(__dirname, '..', '..', 'examples', 'conv-resnet.network.json');
  for (const argv of [['compare', json, json], ['train', 'indicator', json]]) {
    const r = await main(argv, diskIo);
    assert.equal(r.exitCode, 2);
    assert.equal(r.stderr, `depth-lens ${argv[0]}: convolutional layers are not supported by \`${argv[0]}\` yet: layer 1 is conv2d (conv1). \`depth-lens info\`, \`spectrum\`, \`activations\`, \`convergence\`, \`degeneracy\` and \`regions\` read convolutional models\n`);
  }
  const onnx = await main(['compare', path.join(MODELS, 'conv.onnx'), file], diskIo);
  assert.equal(onnx.exitCode, 2);
  assert.match(onnx.stderr, /not supported by `compare` yet: layer 1 is conv2d \(0\)\./);
  assert.equal(firstConvOp([{ op: 'linear', name: 'fc', weight: 'w', bias: null }, { op: 'maxpool2d', name: 'pool', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false }]), 'layer 2 is maxpool2d (pool)');
  const bad = await main(['info', file, '--input-shape', '3,32'], diskIo);
  assert.equal(bad.exitCode, 2);
  assert.equal(bad.stderr, "depth-lens info: --input-shape: the input shape must be C,H,W (three positive integers), not '3,32'\n");
});

test('checkpoint viewer (worker side): a conv model’s layer chain with blocks, shortcuts and streamed operator norms', () => {
  const loaded = loadConvModel(path.join(CIFAR, 'cifar-resnet.onnx'), diskIo)!;
  const steps = convChainSteps(loaded.network);
  assert.equal(steps.length, 30);
  assert.deepEqual({ ...steps[0] }, { kind: 'conv2d', node: 'conv1', label: '1', shape: '4×32×32', input: '3×32×32', detail: '4×3×3×3, stride 1, pad 1, bias', activation: 'relu' });
  const proj = steps[9];
  assert.equal(proj.kind, 'residual');
  assert.deepEqual(proj.branch!.map((b) => b.label), ['10.1', '10.2']);
  assert.equal(proj.shortcut!.node, 'layer2.0.downsample.0');
  assert.equal(steps[1].shortcut, undefined);
  assert.deepEqual(steps.slice(-3).map((s) => s.kind), ['avgpool2d', 'flatten', 'dense']);
  // norms of the stem and the first block, streamed one by one, the block's product after its last conv
  const net = { ...loaded.network, net: { ...loaded.network.net, ops: loaded.network.net.ops.slice(0, 2) } };
  const seen: string[] = [];
  const norms = convChainNorms(net, { progress: () => undefined, isCancelled: () => false }, (n) => seen.push(n.label));
  assert.deepEqual(seen, ['1', '2.1', '2.2', '2']);
  assertNear(norms[3].norm, norms[1].norm * norms[2].norm, 1e-15, 'Π');
  assertNear(norms[0].norm, cifarRecords.convs[0].dense!.two, 1e-6, 'stem ‖W‖₂ (float32 fold in the .onnx)');
  assert.equal(norms[0].minusIdentity, undefined);
  assert.ok(norms[1].minusIdentity! > 0);
  assert.throws(() => convChainNorms(net, { progress: () => undefined, isCancelled: () => true }, () => undefined), { name: 'CancelledError' });
});

test('a network file on images (examples/conv-resnet.network.json): info and convergence as on a conv checkpoint', async () => {
  const file = path.join(__dirname, '..', '..', 'examples', 'conv-resnet.network.json');
  const info = await main(['info', file], diskIo);
  assert.equal(info.exitCode, 0, info.stderr);
  assert.match(info.stdout, /^.*conv-resnet\.network\.json — tiny conv ResNet\nconvolutional network: input 3×8×8, output 3, 6 layers \(2 residual blocks, 2 with identity shortcut\), 739 parameters \(719 with BatchNorm folded into the convs\)\n/);
  assert.equal(info.stdout.match(/^note: .* \(BatchNorm2d, eval mode/gm)?.length, 5);
  assert.match(info.stdout, /\n {2}2\.1 {2}conv2d {5}layer1\.0\.conv1 {2}4×8×8 {2}4×8×8 {3}4×4×3×3, stride 1, pad 1, bias {4}relu {7}148 {4}1\.36235 {2}2\.02126\n/);
  const conv = await main(['convergence', file], diskIo);
  assert.equal(conv.exitCode, 0, conv.stderr);
  assert.match(conv.stdout, /run 1 \(layer1\): 2 identity blocks on 4×8×8\n/);
  assert.match(conv.stdout, /S1 = 2\.569, S2 = 10\.15 \(exact over the 2 blocks present\)/);
  assert.match(conv.stdout, /INCONCLUSIVE — cannot decide from 2 blocks/);
  const shape = await main(['info', file, '--input-shape', '3,16,16'], diskIo);
  assert.equal(shape.exitCode, 2);
  assert.match(shape.stderr, /--input-shape applies to checkpoints; .*conv-resnet\.network\.json gives its input shape \(3×8×8\) in input\.shape\n$/);
  const check = await main(['check', file], diskIo);
  assert.equal(check.exitCode, 0);
  assert.match(check.stdout, /conv-resnet\.network\.json: ok — convolutional, input 3×8×8, 6 layers, 739 parameters\n$/);
});
