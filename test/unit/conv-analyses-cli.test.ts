/**
 * `depth-lens activations` and `depth-lens convergence` on conv models (.onnx, .pt of the CIFAR-style
 * ResNet in test/fixtures/conv): torch's ReLU counts per site and channel and its outputs
 * (records.json, made by scripts/make-conv-fixtures.py), image inputs from files and seeds, the
 * per-stage convergence report, the budget refusal and the usage errors, word for word.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { loadConvModel } from '../../src/cli/convModel';
import { convConvergenceCost } from '../../src/core/conv/cost';
import { assertClose, assertNear, FIXTURES, fixtureInputs, npyBytes, readJson, type NetworkRecords } from './conv-fixtures';
import { diskIo, MODELS } from './formats-helpers';

const CIFAR = path.join(FIXTURES, 'cifar-resnet');
const PT = path.join(CIFAR, 'cifar-resnet.pt');
const ONNX = path.join(CIFAR, 'cifar-resnet.onnx');
const records = readJson<NetworkRecords>('cifar-resnet', 'records.json');

interface ActivationsDoc {
  kind: string;
  images: string[];
  inputShape: number[];
  outputShape: number[];
  output: number[][];
  sites: Array<{ site: string; kind: string; op: number; shape: number[]; units: number; active: number[]; fraction: number[]; channelFraction: number[][]; deadChannels: number[]; pattern?: string[][] }>;
}

test('activations --json on the CIFAR ResNet (.pt and .onnx) at torch’s two inputs: counts per site and channel exactly, outputs to 1e-6', async () => {
  for (const [file, tolerance] of [[PT, 1e-12], [ONNX, 1e-6]] as const) {
    const r = await main(['activations', file, '--count', '2', '--json'], diskIo);
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as ActivationsDoc;
    assert.equal(doc.kind, 'conv');
    assert.deepEqual(doc.images, ['seed 109031 #1', 'seed 109031 #2']);
    assert.deepEqual(doc.outputShape, [10]);
    // the .onnx carries BatchNorm folded in float32 by the exporter (measured 9e-8 relative); the .pt is exact
    assertClose(doc.output.flat(), records.output.flat(), tolerance, `${path.basename(file)} output`);
    assert.equal(doc.sites.length, records.reluSites.length);
    records.reluSites.forEach((t, k) => {
      const s = doc.sites[k];
      assert.equal(s.kind, 'relu');
      assert.deepEqual(s.shape, t.shape, t.site);
      assert.deepEqual(s.active, t.active, `${path.basename(file)} ${t.site} active counts`);
      const plane = t.shape[1] * t.shape[2];
      assert.deepEqual(s.channelFraction, t.activePerChannel.map((row) => row.map((n) => n / plane)), `${t.site} per channel`);
    });
    assert.deepEqual(doc.sites.slice(0, 3).map((s) => [s.op, s.site]), file === PT ? [[1, 'relu'], [2, 'layer1.0.relu1'], [2, 'layer1.0.relu2']] : [[1, 'relu'], [2, 'layer1.0.relu'], [2, 'layer1.0.relu2']]);
  }
});

test('activations: --input FILE (.npy and JSON) gives what --seed gives for the same numbers; --patterns agree with the counts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-conv-'));
  try {
    const x = fixtureInputs(records.inputSeed, records.inputShape);
    fs.writeFileSync(path.join(dir, 'two.npy'), npyBytes(x, [2, 3, 32, 32]));
    fs.writeFileSync(path.join(dir, 'one.json'), JSON.stringify(Array.from(x.subarray(0, 3072))));
    const seeded = JSON.parse((await main(['activations', PT, '--count', '2', '--json', '--patterns'], diskIo)).stdout) as ActivationsDoc;
    const npy = JSON.parse((await main(['activations', PT, '--input', path.join(dir, 'two.npy'), '--json'], diskIo)).stdout) as ActivationsDoc;
    assert.deepEqual(npy.images, ['two.npy #1', 'two.npy #2']);
    assert.deepEqual(npy.output, seeded.output);
    assert.deepEqual(npy.sites.map((s) => s.active), seeded.sites.map((s) => s.active));
    const both = JSON.parse((await main(['activations', PT, '--input', path.join(dir, 'one.json'), '--input', path.join(dir, 'two.npy'), '--json'], diskIo)).stdout) as ActivationsDoc;
    assert.deepEqual(both.images, ['one.json', 'two.npy #1', 'two.npy #2']);
    assert.deepEqual(both.output[0], both.output[1]);
    // patterns: per image and channel a string of H·W digits whose ones are the active units
    for (const s of seeded.sites) {
      s.pattern!.forEach((channels, i) => {
        assert.equal(channels.length, s.shape[0]);
        const ones = channels.reduce((n, bits) => n + [...bits].filter((b) => b === '1').length, 0);
        assert.equal(ones, s.active[i], `${s.site} pattern of image ${i + 1}`);
      });
    }
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '[1, 2, 3]');
    const r = await main(['activations', PT, '--input', bad], diskIo);
    assert.equal(r.exitCode, 1);
    assert.equal(r.stderr, `depth-lens activations: --input ${bad}: 3 numbers, not a whole number of 3×32×32 images (3072 numbers each)\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('activations text on a conv model: the output per image and one row per site', async () => {
  const r = await main(['activations', PT, '--seed', '5'], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], `${PT}: convolutional network, input 3×32×32, output 10; 1 image`);
  assert.match(lines[1], /^ {2}seed 5 #1: output \[[^\]]+, … \(10\)\]; largest at index \d+ \([-0-9.e]+\)$/);
  assert.match(lines[3], /^layer +site +kind +shape +active +channels active \(min–max\) +dead channels$/);
  assert.match(lines[4], /^1 +relu +relu +4×32×32 +\d+\/4096 \(\d+\.\d%\) +\d+\.\d%–\d+\.\d% +\d$/);
  assert.equal(lines.filter((l) => / relu +\d+×/.test(l)).length, 53);
});

interface ConvergenceDoc {
  kind: string;
  inputShape: number[];
  probes: string[];
  runs: Array<{
    index: number; stage: string; shape: number[]; blocks: number; S1: number; S2: number; boundHolds: boolean; maxBoundRatio: number;
    sufficient: { status: string; reason: string }; s1Decision: { kind: string; blocks: Array<{ from: number; to: number; sum: number }> };
    terms: Array<{ block: string; n: number; a: number; beta: number; S1: number; branch: Array<{ name: string; norm: number; biasNorm: number; method: string }>; probes: { increment: number[]; bound: number[]; boundHolds: boolean[]; inputNorm: number[] } }>;
  }>;
  notes: string[];
}

test('convergence --json on the CIFAR ResNet (.pt): three stage runs of 8 blocks, a_n and β_n from torch’s dense σ₁, increments as torch’s, "cannot decide from 8 blocks"', async () => {
  const r = await main(['convergence', PT, '--count', '2', '--json'], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as ConvergenceDoc;
  assert.equal(doc.kind, 'conv');
  assert.deepEqual(doc.runs.map((x) => [x.stage, x.blocks, x.shape.join('×')]), [['layer1', 8, '4×32×32'], ['layer2', 8, '8×16×16'], ['layer3', 8, '16×8×8']]);
  const dense = new Map(records.convs.map((c) => [c.name, c]));
  const hooks = new Map(records.blocks.map((b) => [b.block, b]));
  for (const run of doc.runs) {
    assert.equal(run.sufficient.status, 'inconclusive');
    assert.match(run.sufficient.reason, /^cannot decide from 8 blocks: /);
    assert.equal(run.s1Decision.kind, 'too-few');
    assert.equal(run.boundHolds, true);
    for (const t of run.terms) {
      const [w1, w2] = [dense.get(`${t.block}.conv1`)!, dense.get(`${t.block}.conv2`)!];
      assertNear(t.a, w1.dense!.two * w2.dense!.two, 1e-9, `${t.block} a_n`);
      assertNear(t.beta, w1.biasNorm * w2.dense!.two + w2.biasNorm, 1e-9, `${t.block} β_n`);
      assertClose(t.probes.increment, hooks.get(t.block)!.increment!, 1e-12, `${t.block} increments`);
      assert.deepEqual(t.probes.boundHolds, [true, true]);
    }
  }
  // --max-work: refused from the shapes, before any norm, in the budget's words
  const cost = convConvergenceCost(loadConvModel(PT, diskIo)!.network.net, 4);
  const refused = await main(['convergence', PT, '--max-work', '1e6'], diskIo);
  assert.equal(refused.exitCode, 1);
  assert.equal(refused.stderr, `depth-lens convergence: ${PT}: convergence needs about ${cost.work.toExponential(1).replace('e+', 'e')} multiply-adds (‖W‖₂ of 48 convolutions by Lanczos (about 250 steps each) and a forward pass of 4 probes of 3×32×32), above the budget of 1.0e6; raise it with --max-work (editor: setting depthLens.analysis.maxWork), or analyse a smaller network\n`);
});

test('convergence text on a conv model (the .onnx at --input-shape 3,8,8: the net is fully convolutional)', async () => {
  const r = await main(['convergence', ONNX, '--input-shape', '3,8,8', '--count', '3', '--seed', '2'], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], `${ONNX} — torch_jit: convolutional network, input 3×8×8; 3 runs of identity-shortcut blocks; 3 probes (seed 2 #1, seed 2 #2, seed 2 #3)`);
  assert.equal(lines[3], 'run 1 (layer1): 8 identity blocks on 4×8×8');
  assert.match(lines[4], /^ {2}block +‖W1‖₂ +‖W2‖₂ +a_n +β_n +S1 +S2 +a_n\/a_n−1 +max ‖x_n−x_n−1‖ +max incr\/bound$/);
  assert.match(r.stdout, /\n {2}sufficient \(S1 < ∞ and S2 < ∞\): INCONCLUSIVE — cannot decide from 8 blocks: /);
  assert.match(r.stdout, /\n {2}bound ‖x_n − x_\{n−1\}‖ ≤ a_n‖x_\{n−1\}‖ \+ β_n: holds at 3 probes × 8 blocks \(observed; largest increment\/bound 0\.\d+\)\n/);
  assert.equal(lines.filter((l) => l.startsWith('run ')).length, 3);
});

test('conv models: dense-only options, image options on dense networks and bad values are usage errors, word for word', async () => {
  const cases: Array<[string[], string]> = [
    [['convergence', PT, '--probe', '1,2'], 'depth-lens convergence: --probe does not apply to convolutional models (probes are images: --input FILE or --seed N); `depth-lens convergence --help` lists their options\n'],
    [['convergence', PT, '--run', '2'], 'depth-lens convergence: --run does not apply to convolutional models (every run of identity-shortcut blocks is reported); `depth-lens convergence --help` lists their options\n'],
    [['convergence', PT, '--fail-on', 'diverges'], "depth-lens convergence: --fail-on does not apply to convolutional models (their verdicts are about each stage's sufficient condition only); `depth-lens convergence --help` lists their options\n"],
    [['convergence', PT, '--norm', 'fro'], 'depth-lens convergence: --norm fro: convolutional models use the operator 2-norm (Lanczos on the conv as an operator)\n'],
    [['convergence', PT, '--seed', '1', '--input', 'x.npy'], 'depth-lens convergence: give either --input FILE or --seed N (with --count K), not both\n'],
    [['convergence', PT, '--count', '0'], "depth-lens convergence: --count must be an integer in 1..256, not '0'\n"],
    [['activations', PT, '--seed', '0x10'], "depth-lens activations: --seed must be an integer in 0..4294967295, not '0x10'\n"],
    [['activations', PT, '--partials'], 'depth-lens activations: --partials does not apply to convolutional models (the affine map of an image is 10⁵ columns wide); `depth-lens activations --help` lists their options\n'],
    [['activations', PT, '--probe', 'a'], 'depth-lens activations: --probe does not apply to convolutional models (inputs are images: --input FILE or --seed N); `depth-lens activations --help` lists their options\n'],
    [['activations', path.join(MODELS, 'resnet.onnx'), '--seed', '3'], 'depth-lens activations: --seed applies to convolutional models (input images)\n'],
    [['convergence', path.join(MODELS, 'resnet.onnx'), '--count', '3'], 'depth-lens convergence: --count applies to convolutional models (probe images); dense networks take --probe x1,x2,...\n'],
  ];
  for (const [argv, stderr] of cases) {
    const r = await main(argv, diskIo);
    assert.equal(r.exitCode, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, stderr);
  }
});

test('help of the conv commands describes the conv forms and the conv JSON (activations --affine, regions --exact)', async () => {
  const c = await main(['convergence', '--help'], diskIo);
  assert.match(c.stdout, /depth-lens convergence MODEL\.onnx\|\.pt \[--input FILE\]\.\.\. \[--seed N\] \[--count K\] \[--json\]/);
  assert.match(c.stdout, /runs: \[\{index, stage, shape, blocks, S1, S2, sufficient \{status, reason\}/);
  const a = await main(['activations', '--help'], diskIo);
  assert.match(a.stdout, /depth-lens activations MODEL\.onnx\|\.pt \[--input FILE \| --seed N \[--count K\]\] \[--patterns\] \[--affine\] \[--json\]/);
  assert.match(a.stdout, /affine\? \{image, output, offset, directions: \[\{name, norm, jvp,\ntMin, tMax, boundMin\?, boundMax\?\}\]\}/);
  const r = await main(['regions', '--help'], diskIo);
  assert.match(r.stdout, /depth-lens regions MODEL\.onnx\|\.pt --exact \[--input FILE\]\.\.\. \[--seed N\] \[--box a,b,c,d\]/);
});

test('conv models: a probe whose forward pass leaves float64 exits 3 naming the layer; a net without identity blocks has no run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-conv-'));
  try {
    const huge = path.join(dir, 'huge.json');
    fs.writeFileSync(huge, JSON.stringify(new Array(3072).fill(1e308)));
    for (const cmd of ['activations', 'convergence']) {
      const r = await main([cmd, PT, '--input', huge], diskIo);
      assert.equal(r.exitCode, 3, `${cmd}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `${PT}: conv1: produced NaN at entry 0 (channels-last order); the forward pass stops here\n`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const none = await main(['convergence', path.join(MODELS, 'conv.onnx'), '--json'], diskIo);
  assert.equal(none.exitCode, 0, none.stderr);
  const doc = JSON.parse(none.stdout) as ConvergenceDoc;
  assert.deepEqual(doc.runs, []);
  assert.deepEqual(doc.notes, ['no residual block with an identity shortcut: nothing to analyse (a projection block ends a run)']);
});
