/**
 * The convergence analysis (MATH.md §B) and the activations of conv ResNets against PyTorch
 * (scripts/make-conv-fixtures.py): torchvision's ResNet-18 (weights rebuilt from the fixture's seed)
 * and the CIFAR-style ResNet with 8 identity blocks per stage, at the fixtures' two inputs (the first
 * two default probe images). References: each conv's σ₁ of the dense matrix torch built
 * (records.convs[].dense.two) and its bias norm for a_n and β_n; torch's block hooks for ‖x_{n−1}‖ and
 * the increments ‖x_n − x_{n−1}‖; torch's ReLU counts per site and channel, and its max-pool indices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzeConvConvergence, checkConvConvergenceBudget } from '../../src/core/conv/convergence';
import { analyzeConvActivations } from '../../src/core/conv/activations';
import { convConvergenceCost } from '../../src/core/conv/cost';
import { concatImages, DEFAULT_IMAGE_SEED, imagesFromFile, seededImages } from '../../src/core/conv/images';
import { Conv2d } from '../../src/core/conv/conv2d';
import { hashUniform, tensorSeed } from '../../src/core/conv/hashInit';
import { buildConvNet, type ConvNet, type ConvStep, type ResidualConvBlock } from '../../src/core/conv/resnet';
import { BudgetError } from '../../src/core/network/budget';
import type { ConvConvergenceResult } from '../../src/shared/analyses/convConvergence';
import { assertClose, assertNear, binTensors, FIXTURES, fixtureInputs, hashTensors, lookup, npyBytes, readJson, type NetworkIndex, type NetworkRecords } from './conv-fixtures';

const cifarIndex = readJson<NetworkIndex>('cifar-resnet', 'index.json');
const cifarRecords = readJson<NetworkRecords>('cifar-resnet', 'records.json');
const r18 = readJson<NetworkRecords & NetworkIndex>('resnet18', 'records.json');
const cifar = buildConvNet(cifarIndex.graph, cifarIndex.inputShape, lookup(binTensors(path.join(FIXTURES, 'cifar-resnet', 'weights.bin'), cifarIndex.tensors)));
const resnet18 = buildConvNet(r18.graph, [3, 32, 32], lookup(hashTensors(r18.seed, r18.tensors)));

test('the default probe images begin with the fixtures’ inputs (same seed, same stream)', () => {
  assert.equal(DEFAULT_IMAGE_SEED, r18.inputSeed);
  const images = seededImages(DEFAULT_IMAGE_SEED, 4, [3, 32, 32]);
  assert.deepEqual(images.data.subarray(0, 2 * 3072), fixtureInputs(r18.inputSeed, r18.inputShape));
  assert.deepEqual(images.names, ['seed 109031 #1', 'seed 109031 #2', 'seed 109031 #3', 'seed 109031 #4']);
  for (const v of images.data) assert.ok(v >= -1 && v < 1);
});

/** Our run against torch's dense σ₁ and bias norms (a_n, β_n) and its block hooks (increments). */
function checkAgainstTorch(r: ConvConvergenceResult, rec: NetworkRecords, what: string): void {
  const dense = new Map(rec.convs.map((c) => [c.name, c]));
  const blocks = new Map(rec.blocks.map((b, i) => [b.block, { ...b, previous: rec.blocks[i - 1] }]));
  for (const run of r.runs) {
    let S1 = 0, S2 = 0;
    run.blocks.forEach((b, j) => {
      const [w1, w2] = [dense.get(`${b.block}.conv1`)!, dense.get(`${b.block}.conv2`)!];
      b.branch.forEach((c, k) => assertNear(c.norm, [w1, w2][k].dense!.two, 1e-9, `${what} ${c.name} ‖W‖₂`));
      assertNear(b.a, w1.dense!.two * w2.dense!.two, 1e-9, `${what} ${b.block} a_n`);
      assertNear(b.beta, w1.biasNorm * w2.dense!.two + w2.biasNorm, 1e-9, `${what} ${b.block} β_n`);
      // torch's own product is of power-iteration values (near-paired σ₁, σ₂ stall it: 3e-4)
      const torchProduct = rec.blockNorms.find((t) => t.block === b.block)!.product;
      assert.ok(Math.abs(b.a - torchProduct) <= 3e-4 * torchProduct, `${b.block}: ${b.a} vs torch's power-iteration product ${torchProduct}`);
      S1 += b.a; S2 += b.beta;
      assertNear(b.S1, S1, 1e-14, `${b.block} S1`);
      assertNear(b.S2, S2, 1e-14, `${b.block} S2`);
      if (j === 0) assert.equal(b.aRatio, null); else assertNear(b.aRatio!, b.a / run.blocks[j - 1].a, 1e-15, 'a_n/a_{n−1}');
      const t = blocks.get(b.block)!;
      assert.ok(t.increment, `${b.block}: torch recorded its increment`);
      assertClose(b.probes.increment.slice(0, 2), t.increment, 1e-12, `${what} ${b.block} ‖x_n − x_{n−1}‖ vs torch`);
      // ‖x_{n−1}‖: torch's output norm of the block before (the stem's max pool before layer1.0 has no hook)
      if (t.previous) assertClose(b.probes.inputNorm.slice(0, 2), t.previous.l2, 1e-12, `${what} ${b.block} ‖x_{n−1}‖ vs torch`);
      // the bound of MATH.md §B at every probe: x_{n−1} ≥ 0 (it follows a ReLU or a max pool of one)
      b.probes.increment.forEach((d, p) => {
        assert.equal(b.probes.inputNonNegative[p], true);
        assert.ok(d <= b.a * b.probes.inputNorm[p] + b.beta, `${b.block} probe ${p + 1}: ${d} > a_n‖x‖ + β_n`);
        assert.equal(b.probes.boundHolds[p], true);
        assertNear(b.probes.bound[p], b.a * b.probes.inputNorm[p] + b.beta, 1e-15, 'bound');
      });
    });
    assert.equal(run.boundHolds, true);
    assert.ok(run.maxBoundRatio > 0 && run.maxBoundRatio < 1);
    assertNear(run.S1, S1, 1e-14, 'run S1');
  }
}

test('ResNet-18: per-stage runs, a_n and β_n from torch’s dense σ₁, increments as torch’s hooks, the bound at every probe; "cannot decide from 2 blocks"', () => {
  const r = analyzeConvConvergence(resnet18, { images: seededImages(DEFAULT_IMAGE_SEED, 4, [3, 32, 32]) });
  assert.deepEqual(r.runs.map((x) => `${x.stage}:${x.blocks.map((b) => b.block).join(',')}:${x.shape.join('×')}`),
    ['layer1:layer1.0,layer1.1:64×8×8', 'layer2:layer2.1:128×4×4', 'layer3:layer3.1:256×2×2', 'layer4:layer4.1:512×1×1']);
  checkAgainstTorch(r, r18, 'resnet18');
  assert.deepEqual(r.runs.map((x) => x.sufficient.status), ['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive']);
  assert.equal(r.runs[0].sufficient.reason, 'cannot decide from 2 blocks: whether S1 and S2 stay finite as the run grows is a statement about infinitely many blocks; deciding it on dyadic block sums needs 3 non-zero sums from block 3 on (at least 16 blocks). S1 and S2 above are exact over the blocks present');
  assert.match(r.runs[1].sufficient.reason, /^cannot decide from 1 block: /);
  assert.equal(r.runs[0].s1Decision.kind, 'too-few');
  assert.equal(r.runs[1].termTrend, null);
  assertNear(r.runs[0].termTrend!, r.runs[0].blocks[1].a / r.runs[0].blocks[0].a, 1e-15, 'trend');
  assert.deepEqual(r.probes, ['seed 109031 #1', 'seed 109031 #2', 'seed 109031 #3', 'seed 109031 #4']);
  assert.deepEqual(r.notes, []);
});

test('CIFAR ResNet: three runs of 8 identity blocks against torch; "cannot decide from 8 blocks"', () => {
  const r = analyzeConvConvergence(cifar, { images: seededImages(DEFAULT_IMAGE_SEED, 2, [3, 32, 32]) });
  assert.deepEqual(r.runs.map((x) => [x.stage, x.blocks.length, x.blocks[0].block]), [['layer1', 8, 'layer1.0'], ['layer2', 8, 'layer2.1'], ['layer3', 8, 'layer3.1']]);
  checkAgainstTorch(r, cifarRecords, 'cifar');
  for (const run of r.runs) {
    assert.equal(run.sufficient.status, 'inconclusive');
    assert.match(run.sufficient.reason, /^cannot decide from 8 blocks: /);
    assert.equal(run.s2Decision.kind, 'too-few');
  }
});

// ---------------------------------------------------------------- synthetic conv ResNets

/** A stem conv (+ReLU unless `stemRelu` is false) and `blocks` identity blocks of two 3×3 convs on c×h×w. */
function syntheticNet(seed: number, c: number, h: number, blocks: number, scale: (n: number) => { w: number; b: number }, stemRelu = true): ConvNet {
  const conv = (name: string, cin: number, k: number, s: { w: number; b: number }) => new Conv2d({
    name, inChannels: cin, outChannels: c, kernelSize: 3, padding: 1,
    weight: hashUniform(tensorSeed(seed, k), c * cin * 9, 0, s.w), bias: hashUniform(tensorSeed(seed, k + 1000), c, 0, s.b),
  });
  const ops: Array<ConvStep | ResidualConvBlock> = [{ kind: 'conv2d', conv: conv('stem', 2, 0, { w: 0.5, b: 0.1 }), relu: stemRelu, reluName: 'stem.relu' }];
  for (let n = 1; n <= blocks; n++) {
    const s = scale(n);
    ops.push({
      kind: 'residual', name: `stage.${n}`, relu: true, reluName: `stage.${n}.relu2`,
      branch: [{ kind: 'conv2d', conv: conv(`stage.${n}.conv1`, c, 2 * n, s), relu: true, reluName: `stage.${n}.relu1` }, { kind: 'conv2d', conv: conv(`stage.${n}.conv2`, c, 2 * n + 1, s), relu: false }],
    });
  }
  return { inputShape: [2, h, h], ops, notes: [] };
}

test('property: ‖x_n − x_{n−1}‖ ≤ a_n‖x_{n−1}‖ + β_n at every probe and block of random conv ResNets (weights of any scale)', () => {
  let checked = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const wScale = [0.05, 0.3, 1, 3, 0.01, 0.6][seed - 1];
    const net = syntheticNet(seed, 3, 5, 5, () => ({ w: wScale, b: seed % 2 ? 0.5 : 0 }));
    const images = concatImages([seededImages(seed, 3, [2, 5, 5]), { ...seededImages(seed + 99, 2, [2, 5, 5]), data: seededImages(seed + 99, 2, [2, 5, 5]).data.map((v) => 40 * v) }]);
    const r = analyzeConvConvergence(net, { images });
    assert.equal(r.runs.length, 1);
    for (const b of r.runs[0].blocks) {
      b.probes.increment.forEach((d, p) => {
        assert.ok(d <= (b.a * b.probes.inputNorm[p] + b.beta) * (1 + 1e-12), `seed ${seed} ${b.block} probe ${p + 1}: ${d} > ${b.a}·${b.probes.inputNorm[p]} + ${b.beta}`);
        checked++;
      });
    }
    assert.equal(r.runs[0].boundHolds, true);
    assert.ok(r.runs[0].maxBoundRatio <= 1);
  }
  assert.equal(checked, 6 * 5 * 5);
});

test('a block input that does not follow a ReLU is named, and the bound is not claimed there', () => {
  const r = analyzeConvConvergence(syntheticNet(3, 3, 4, 2, () => ({ w: 0.3, b: 0.1 }), false), { images: seededImages(5, 2, [2, 4, 4]) });
  assert.deepEqual(r.runs[0].blocks[0].probes.inputNonNegative, [false, false]);
  assert.deepEqual(r.runs[0].blocks[1].probes.inputNonNegative, [true, true]);
  assert.deepEqual(r.notes, ['run 1: x_{n−1} has negative entries before stage.1 at some probe (the block\'s input does not follow a ReLU), so the bound ‖x_n − x_{n−1}‖ ≤ a_n‖x_{n−1}‖ + β_n is not checked there']);
});

test('a long run is decided as for dense networks: the paper’s scaling (weights / n, biases / n², K = 2) over 40 blocks is summable', () => {
  const net = syntheticNet(11, 2, 4, 40, (n) => ({ w: 0.4 / n, b: 0.5 / (n * n) }));
  const r = analyzeConvConvergence(net, { images: seededImages(1, 1, [2, 4, 4]) });
  const run = r.runs[0];
  assert.equal(run.blocks.length, 40);
  assert.notEqual(run.s1Decision.kind, 'too-few');
  assert.equal(run.s1Decision.status, 'holds', run.s1Decision.reason);
  assert.equal(run.s2Decision.status, 'holds', run.s2Decision.reason);
  assert.equal(run.sufficient.status, 'holds');
  assert.match(run.sufficient.reason, /^S1 and S2 summable \(extrapolated from 40 blocks\): /);
  // the terms fall like n^−2 with these scalings: a_n·n² stays within a factor of the weights' spread
  assert.ok(run.termTrend! < 0.01, `a_40/a_1 = ${run.termTrend}`);
});

test('budget: the cost of every branch conv’s Lanczos and the forward pass is estimated from the shapes and refused before any work', () => {
  const cost = convConvergenceCost(resnet18, 4);
  assert.equal(cost.detail, '‖W‖₂ of 10 convolutions by Lanczos (about 250 steps each) and a forward pass of 4 probes of 3×32×32');
  assert.ok(cost.work > 1e9 && cost.work < 1e11, `ResNet-18's convergence at 3×32×32: ${cost.work.toExponential(2)} multiply-adds (runs in seconds)`);
  assert.throws(() => checkConvConvergenceBudget(resnet18, 4, { maxWork: 1e8, maxMemoryMB: 1024 }), (e: unknown) => e instanceof BudgetError && e.message ===
    `convergence needs about ${cost.work.toExponential(1).replace('e+', 'e')} multiply-adds (‖W‖₂ of 10 convolutions by Lanczos (about 250 steps each) and a forward pass of 4 probes of 3×32×32), above the budget of 1.0e8; raise it with --max-work (editor: setting depthLens.analysis.maxWork), or analyse a smaller network`);
  // refused inside the analysis too, before a norm (no progress message about a conv)
  const seen: string[] = [];
  assert.throws(() => analyzeConvConvergence(resnet18, { images: seededImages(1, 4, [3, 32, 32]), budget: { maxWork: 1e8, maxMemoryMB: 1024 } }, { progress: (_f, m) => { if (m) seen.push(m); }, isCancelled: () => false }), { name: 'RangeError' });
  assert.deepEqual(seen, []);
  assert.throws(() => analyzeConvConvergence(resnet18, { images: seededImages(1, 1, [3, 16, 16]) }), { message: 'analyzeConvConvergence: the probes are 3×16×16 images, the network takes 3×32×32' });
});

// ---------------------------------------------------------------- activations

test('activations of ResNet-18 at torch’s inputs: every ReLU site’s counts per image and channel, the max pool’s winners, the output', () => {
  const images = seededImages(DEFAULT_IMAGE_SEED, 2, [3, 32, 32]);
  const r = analyzeConvActivations(resnet18, images, { patterns: true });
  assertClose(r.output, r18.output.flat(), 1e-12, 'output');
  const relus = r.sites.filter((s) => s.kind === 'relu');
  assert.equal(relus.length, r18.reluSites.length);
  r18.reluSites.forEach((t, k) => {
    const s = relus[k];
    assert.deepEqual(s.shape, t.shape, t.site);
    assert.deepEqual(s.active, t.active, `${t.site} active counts`);
    const plane = t.shape[1] * t.shape[2];
    t.activePerChannel.forEach((row, i) => assert.deepEqual(s.channelFraction[i], row.map((n) => n / plane), `${t.site} image ${i + 1} per channel`));
    t.activePerChannel.forEach((row, i) => assert.equal(s.deadChannels[i], row.filter((n) => n === 0).length));
    assert.deepEqual(s.fraction, t.active.map((a) => a / s.units));
  });
  // the order of the forward pass: stem ReLU, max pool, then the blocks
  assert.deepEqual(r.sites.slice(0, 4).map((s) => `${s.site}:${s.kind}:${s.op}`), ['relu:relu:0', 'maxpool:maxpool:1', 'layer1.0.relu1:relu:2', 'layer1.0.relu2:relu:2']);
  // max pool: the input units torch's indices pick (image 1), per channel
  const pool = r.sites[1];
  assert.deepEqual(pool.shape, [64, 16, 16]);
  const [c, ho, wo] = r18.maxpool!.shape;
  let total = 0;
  for (let ch = 0; ch < c; ch++) {
    const winners = new Set(r18.maxpool!.indices.slice(ch * ho * wo, (ch + 1) * ho * wo));
    assert.equal(pool.channelFraction[0][ch], winners.size / 256, `max pool channel ${ch}`);
    total += winners.size;
  }
  assert.equal(pool.active[0], total);
  let ones = 0;
  for (let i = 0; i < 64 * 256; i++) ones += pool.pattern![i];
  assert.equal(ones, total);
});

test('activations of the CIFAR ResNet: 53 ReLU sites as torch counts them; no max pool', () => {
  const r = analyzeConvActivations(cifar, seededImages(DEFAULT_IMAGE_SEED, 2, [3, 32, 32]));
  assert.equal(r.sites.length, 53);
  cifarRecords.reluSites.forEach((t, k) => assert.deepEqual(r.sites[k].active, t.active, t.site));
  assert.ok(r.sites.every((s) => s.kind === 'relu' && s.pattern === undefined));
  assertClose(r.output, cifarRecords.output.flat(), 1e-12, 'output');
});

// ---------------------------------------------------------------- image files

test('image files: .npy (float32/float64, C×H×W or N×C×H×W) and JSON (nested or flat); precise errors', () => {
  const x = seededImages(7, 2, [2, 3, 3]).data;
  const npy = imagesFromFile('dir/x.npy', npyBytes(x, [2, 2, 3, 3]), [2, 3, 3]);
  assert.equal(npy.count, 2);
  assert.deepEqual(npy.data, x);
  assert.deepEqual(npy.names, ['x.npy #1', 'x.npy #2']);
  assert.deepEqual(imagesFromFile('y.npy', npyBytes(x.subarray(0, 18), [2, 3, 3], '<f4'), [2, 3, 3]).data, x.subarray(0, 18)); // float32-exact values
  const nested = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[0, 0, 0], [0, -1, 0], [0, 0, 0]]];
  const j = imagesFromFile('img.json', new TextEncoder().encode(JSON.stringify(nested)), [2, 3, 3]);
  assert.deepEqual(Array.from(j.data), nested.flat(2));
  assert.deepEqual(j.names, ['img.json']);
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.throws(() => imagesFromFile('a.json', enc('[1, 2, 3]'), [2, 3, 3]), { name: 'ImageInputError', message: 'a.json: 3 numbers, not a whole number of 2×3×3 images (18 numbers each)' });
  assert.throws(() => imagesFromFile('a.json', enc('[[1, "x"]]'), [2, 3, 3]), { message: 'a.json: the document[0][1] is string; an image is a list of numbers (nested lists allowed)' });
  assert.throws(() => imagesFromFile('a.json', enc('{'), [2, 3, 3]), { message: /^a\.json: not JSON \(/ });
  assert.throws(() => imagesFromFile('n.npy', npyBytes([1, NaN, 2], [3]), [3, 1, 1]), { message: 'n.npy: entry 1 is NaN, not a finite number' });
  assert.throws(() => seededImages(-1, 1, [1, 1, 1]), { message: 'seededImages: the seed must be an integer in 0..4294967295, got -1' });
});
