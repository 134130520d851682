/**
 * Whole conv ResNets against PyTorch (scripts/make-conv-fixtures.py): a CIFAR-style ResNet with 8
 * identity blocks per stage (weights committed as raw float32) and torchvision's ResNet-18 (weights
 * rebuilt from the fixture's seed by the hash both sides share), on two 3×32×32 inputs: outputs,
 * ReLU active counts per site and channel, max-pool winners, block outputs, and every convolution's
 * operator norms with the blocks' Huang–Zhang products.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { hashUniform, tensorSeed } from '../../src/core/conv/hashInit';
import { networkNorms } from '../../src/core/conv/blocks';
import { layerNorms, type ConvLayerNorms } from '../../src/core/conv/layerNorms';
import { convSpectralNorm } from '../../src/core/conv/norms';
import { buildConvNet, convNetParameterCount, convNetShapes, identityRuns, NonFiniteActivationError, runConvNet, type ConvNet, type GraphOp } from '../../src/core/conv/resnet';
import { assertClose, assertNear, binTensors, FIXTURES, fixtureInputs, hashTensors, lookup, readJson, size, type NetworkIndex, type NetworkRecords } from './conv-fixtures';

const cifarIndex = readJson<NetworkIndex>('cifar-resnet', 'index.json');
const cifarRecords = readJson<NetworkRecords>('cifar-resnet', 'records.json');
const r18 = readJson<NetworkRecords & NetworkIndex & { parameterCount: number }>('resnet18', 'records.json');

const cifarTensors = binTensors(path.join(FIXTURES, 'cifar-resnet', 'weights.bin'), cifarIndex.tensors);
const cifar = buildConvNet(cifarIndex.graph, cifarIndex.inputShape, lookup(cifarTensors));
const resnet18 = buildConvNet(r18.graph, [3, 32, 32], lookup(hashTensors(r18.seed, r18.tensors)));

/** Power iterations longer than this are checked on a sample only (each step is two conv products). */
const POWER_STEPS_BUDGET = 1500;

test('the committed CIFAR weights are exactly the hash initialisation of their seed', () => {
  const regenerated = hashTensors(cifarIndex.seed, cifarIndex.tensors);
  for (const t of cifarIndex.tensors) assert.deepEqual(cifarTensors.get(t.name)!.data, regenerated.get(t.name)!.data, t.name);
});

function checkForward(net: ConvNet, rec: NetworkRecords, what: string): void {
  const input = fixtureInputs(rec.inputSeed, rec.inputShape);
  const run = runConvNet(net, input, 2, { patterns: true });
  assertClose(run.output, rec.output.flat(), 1e-12, `${what} output`);
  assert.equal(run.reluSites.length, rec.reluSites.length, `${what}: ReLU sites`);
  rec.reluSites.forEach((t, k) => {
    const ours = run.reluSites[k];
    assert.deepEqual(ours.shape, t.shape, `${what} ${t.site} shape`);
    assert.deepEqual(Array.from(ours.active), t.active, `${what} ${t.site} (ours ${ours.name}) active counts`);
    assert.deepEqual(Array.from(ours.activePerChannel), t.activePerChannel.flat(), `${what} ${t.site} per channel`);
    // the pattern agrees with the counts
    let ones = 0;
    for (const v of ours.pattern!) ones += v;
    assert.equal(ones, t.active[0] + t.active[1]);
  });
  if (rec.maxpool) {
    const site = run.maxPoolSites[0];
    assert.deepEqual(site.shape, rec.maxpool.shape);
    assert.deepEqual(Array.from(site.winners.subarray(0, size(rec.maxpool.shape))), rec.maxpool.indices, `${what} max-pool winners`);
  }
}

test('CIFAR-style ResNet: torch’s outputs, ReLU active counts per site and channel', () => {
  checkForward(cifar, cifarRecords, 'cifar');
});

test('ResNet-18: torch’s outputs, ReLU active counts, max-pool winners (3×32×32 inputs)', () => {
  checkForward(resnet18, r18, 'resnet18');
});

test('block outputs match torch block by block (CIFAR net)', () => {
  // run prefixes of the network and compare each block's output norm and sum with torch's hooks
  const input = fixtureInputs(cifarRecords.inputSeed, cifarRecords.inputShape);
  let b = 0;
  cifar.ops.forEach((op, k) => {
    if (op.kind !== 'residual') return;
    const prefix: ConvNet = { ...cifar, ops: cifar.ops.slice(0, k + 1) };
    const out = runConvNet(prefix, input, 2).output;
    const rec = cifarRecords.blocks[b++];
    assert.equal(rec.block, op.name);
    const per = out.length / 2;
    for (let i = 0; i < 2; i++) {
      let l2 = 0, sum = 0;
      for (let j = 0; j < per; j++) { const v = out[i * per + j]; l2 += v * v; sum += v; }
      assertNear(Math.sqrt(l2), rec.l2[i], 1e-12, `${op.name} ‖x‖`);
      assertNear(sum, rec.sum[i], 1e-12, `${op.name} Σx`);
    }
  });
  assert.equal(b, cifarRecords.blocks.length);
});

test('structure: shapes, parameter counts, BatchNorm notes and the identity runs', () => {
  // ResNet-18 as torch counts it (BatchNorm γ, β included): 11 689 512; folding replaces each BN's γ, β by one bias
  assert.equal(r18.parameterCount, 11_689_512);
  let bnChannels = 0;
  for (const g of r18.graph) {
    const all: GraphOp[] = g.op === 'residual' ? [...g.branch, ...(g.shortcut ?? [])] : [g];
    for (const o of all) if (o.op === 'batchnorm2d') bnChannels += r18.tensors.find((t) => t.name === o.runningMean)!.shape[0];
  }
  assert.equal(convNetParameterCount(resnet18), r18.parameterCount - bnChannels);
  assert.deepEqual(convNetShapes(resnet18).at(-1), [1000]);
  assert.equal(resnet18.notes.length, 20);
  assert.equal(resnet18.notes[0], "bn1 (BatchNorm2d, eval mode: running mean and variance, eps 0.00001) is folded into conv1: W' = γ/√(σ² + ε)·W, b' = γ(b − μ)/√(σ² + ε) + β");
  const runs = identityRuns(cifar);
  assert.deepEqual(runs.map((r) => r.blocks.length), [8, 8, 8]);
  assert.deepEqual(runs.map((r) => r.blocks[0].name), ['layer1.0', 'layer2.1', 'layer3.1']);
  assert.deepEqual(identityRuns(resnet18).map((r) => r.blocks.map((b) => b.name).join(' ')), ['layer1.0 layer1.1', 'layer2.1', 'layer3.1', 'layer4.1']);
});

/**
 * Our norms of every conv (or of those `sample` picks: each Lanczos with full reorthogonalization on a
 * 4096-dimensional space costs ~0.2 s) against torch's records.
 */
function checkNorms(net: ConvNet, rec: NetworkRecords, seed: number, what: string, sample?: (name: string) => boolean): void {
  let ours: ConvLayerNorms[];
  let blocks: ReturnType<typeof networkNorms>['blocks'] | undefined;
  if (sample) {
    ours = rec.convs.map((t) => (sample(t.name) ? layerNorms(convOf(net, t.name), t.inShape, { method: 'lanczos' }) : undefined)).filter((c): c is ConvLayerNorms => c !== undefined);
  } else {
    const all = networkNorms(net, { method: 'lanczos' });
    ours = [...all.convs];
    blocks = all.blocks;
    assert.deepEqual(ours.map((c) => c.name), rec.convs.map((c) => c.name), `${what}: convs in torch's order`);
  }
  const byName = new Map(ours.map((c) => [c.name, c]));
  let sampled = 0;
  rec.convs.forEach((t, k) => {
    const c = byName.get(t.name);
    if (c) {
      assert.deepEqual(c.inShape, t.inShape, `${t.name} input shape`);
      assert.ok(c.spectral.converged, `${t.name}: Lanczos converged`);
      assertNear(c.spectral.value, t.dense!.two, 1e-10, `${what} ${t.name} ‖W‖₂ vs dense`);
      if (t.minusIdentity) assertNear(c.minusIdentity!.value, t.minusIdentity.dense!.two, 1e-10, `${what} ${t.name} ‖W − I‖₂ vs dense`);
      else assert.equal(c.minusIdentity, undefined);
      assertNear(c.biasNorm, t.biasNorm, 1e-13, `${t.name} ‖b‖`);
      // torch's power iteration is within 1e-6 of ours, or inside the top near-pair [σ₂, σ₁] where σ₁ − σ₂ < 1e-4·σ₁
      const gap = t.power.gapTop2!;
      assert.ok(Math.abs(c.spectral.value - t.power.value) <= Math.max(1e-6, gap) * c.spectral.value, `${what} ${t.name}: ours ${c.spectral.value} vs torch power ${t.power.value} (gap ${gap})`);
    }
    // the very same power iteration (start vector, iteration count) gives torch's number
    if (t.power.iterations <= POWER_STEPS_BUDGET || k % 8 === 0) {
      const [ch, h, w] = t.inShape;
      const start = hashUniform(tensorSeed(t.power.startSeed, 0), ch * h * w, 0, 1);
      const p = convSpectralNorm(convOf(net, t.name), h, w, { method: 'power', iterations: t.power.iterations, start });
      assertNear(p.value, t.power.value, 1e-9, `${what} ${t.name}: our power iteration vs torch's after ${t.power.iterations}`);
      sampled++;
    }
  });
  assert.ok(sampled >= rec.convs.length / 2, `${sampled} of ${rec.convs.length} power iterations replayed`);
  assert.equal(seed, rec.convs[0].power.startSeed);
  // the blocks: Π_k ‖W^(n,k)‖ and Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖ from the exact norms
  const dense = new Map(rec.convs.map((c) => [c.name, c]));
  rec.blockNorms.forEach((t, k) => {
    const w1 = dense.get(`${t.block}.conv1`)!, w2 = dense.get(`${t.block}.conv2`)!;
    // torch's product (of power-iteration values) against the exact one
    assert.ok(Math.abs(w1.dense!.two * w2.dense!.two - t.product) <= 3e-4 * t.product, `${t.block}: torch's product ${t.product}`);
    if (!blocks) return;
    const b = blocks[k];
    assert.equal(b.name, t.block);
    assert.equal(b.identityShortcut, t.identityShortcut);
    assertNear(b.product, w1.dense!.two * w2.dense!.two, 1e-10, `${t.block} Π‖W‖`);
    assertNear(b.biasTerm, w1.biasNorm * w2.dense!.two + w2.biasNorm, 1e-10, `${t.block} Σ‖b‖Π‖W‖`);
  });
  if (blocks) assert.equal(blocks.length, rec.blockNorms.length);
}

function convOf(net: ConvNet, name: string) {
  for (const op of net.ops) {
    if (op.kind === 'conv2d' && op.conv.name === name) return op.conv;
    if (op.kind === 'residual') {
      for (const s of op.branch) if (s.conv.name === name) return s.conv;
      if (op.shortcut?.name === name) return op.shortcut;
    }
  }
  throw new Error(`no conv ${name}`);
}

test('CIFAR-style ResNet: ‖W‖₂, ‖W − I‖₂, ‖b‖ of the convs against torch (stage 1: every fourth block)', () => {
  // stage 1 runs on 4×32×32 = 4096 dimensions, the rest on 2048 and 1024
  checkNorms(cifar, cifarRecords, 1000, 'cifar', (name) => !/^layer1\.[^048]\./.test(name));
});

test('ResNet-18: every conv’s ‖W‖₂, ‖W − I‖₂, ‖b‖ and the blocks’ products against torch', () => {
  checkNorms(resnet18, r18, 2000, 'resnet18');
});

test('buildConvNet says what is wrong with a graph, where', () => {
  const t = lookup(cifarTensors);
  const conv = cifarIndex.graph[0];
  assert.throws(() => buildConvNet([{ op: 'relu' }], [3, 32, 32], t), { message: 'relu: follows the input, which is not an affine layer without activation' });
  assert.throws(() => buildConvNet([conv, { op: 'flatten' }, { op: 'linear', name: 'fc', weight: 'fc.weight', bias: 'fc.bias' }], [3, 32, 32], t), { message: 'fc: takes 16 inputs, gets 4096' });
  assert.throws(() => buildConvNet([{ ...conv, weight: 'nope' } as GraphOp], [3, 32, 32], t), { message: 'conv1: tensor "nope" is missing' });
  assert.throws(() => buildConvNet([conv], [2, 32, 32], t), { message: 'conv1: takes 3 channels, gets 2' });
  const block = cifarIndex.graph.find((g) => g.op === 'residual' && g.shortcut)!;
  assert.throws(() => buildConvNet([conv, { ...block, shortcut: null } as GraphOp], [3, 32, 32], t), { message: 'layer2.0: the branch gives 8×16×16 but the identity shortcut gives 4×32×32' });
});

test('the first ∞ or NaN of a forward pass is located and stops it', () => {
  const input = fixtureInputs(cifarRecords.inputSeed, [1, 3, 32, 32]);
  // an infinite weight in the second block's first conv is found there, not later
  const tensors = new Map(cifarTensors);
  const w = Float64Array.from(tensors.get('layer1.1.conv1.weight')!.data);
  w[0] = Infinity;
  tensors.set('layer1.1.conv1.weight', { data: w, shape: tensors.get('layer1.1.conv1.weight')!.shape });
  const net = buildConvNet(cifarIndex.graph, cifarIndex.inputShape, lookup(tensors));
  assert.throws(() => runConvNet(net, input, 1), (e: unknown) => e instanceof NonFiniteActivationError && e.op === 'layer1.1.conv1' && !Number.isFinite(e.value));
  const bad = input.slice();
  bad[5] = NaN;
  assert.throws(() => runConvNet(cifar, bad, 1), { name: 'NonFiniteActivationError', message: 'the input: produced NaN at entry 5 (NCHW order); the forward pass stops here' });
});
