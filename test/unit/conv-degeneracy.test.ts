/**
 * `depth-lens degeneracy` on conv models: the angle between two images through the CIFAR-style
 * ResNet against torch's (records.json, scripts/make-conv-fixtures.py: float64, 2·atan2 of the unit
 * vectors' difference and sum), the properties of the measured angle and the infinite-width
 * prediction on a bias-free conv net, the text and JSON reports, the budget, overflow and usage errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { loadConvModel } from '../../src/cli/convModel';
import { convAnglesCost } from '../../src/core/conv/cost';
import { convProbeAngles } from '../../src/core/conv/degeneracy';
import { hashUniform, tensorSeed } from '../../src/core/conv/hashInit';
import type { ImageBatch } from '../../src/core/conv/images';
import { buildConvNet, type ConvNet, type GraphOp } from '../../src/core/conv/resnet';
import { BudgetError } from '../../src/core/network/budget';
import { FIXTURES, readJson, type NetworkRecords } from './conv-fixtures';
import { diskIo, MODELS } from './formats-helpers';

const CIFAR = path.join(FIXTURES, 'cifar-resnet');
const PT = path.join(CIFAR, 'cifar-resnet.pt');
const ONNX = path.join(CIFAR, 'cifar-resnet.onnx');
type AngleRecords = NetworkRecords & { inputAngle: number; outputAngle: number };
const records = readJson<AngleRecords>('cifar-resnet', 'records.json');

interface DegeneracyDoc {
  kind: string;
  images: string[];
  theta0: number;
  sites: Array<{ site: string; kind: string; op: number | null; shape: number[]; width: number; layer: number; theta: number | null; predicted: number }>;
  notes: string[];
}

test('degeneracy --json on the CIFAR ResNet at torch’s two inputs: every site’s angle as torch’s (.pt to 1e-9, .onnx to 1e-5)', async (t) => {
  for (const [file, tolerance] of [[PT, 1e-9], [ONNX, 1e-5]] as const) {
    const r = await main(['degeneracy', file, '--json'], diskIo);
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as DegeneracyDoc;
    assert.equal(doc.kind, 'conv');
    assert.deepEqual(doc.images, ['seed 109031 #1', 'seed 109031 #2']);
    // input, the 53 ReLU sites torch's hooks saw (no max pool in this net), output
    assert.equal(doc.sites.length, records.reluSites.length + 2);
    const torch = [records.inputAngle, ...records.reluSites.map((s) => s.angle), records.outputAngle];
    let worst = 0;
    doc.sites.forEach((s, k) => {
      assert.equal(typeof torch[k], 'number', `torch recorded an angle at ${s.site}`);
      assert.equal(typeof s.theta, 'number', s.site);
      worst = Math.max(worst, Math.abs(s.theta! - torch[k]!));
    });
    t.diagnostic(`${path.basename(file)}: max |Δθ| against torch ${worst.toExponential(2)} rad`);
    assert.ok(worst <= tolerance, `${path.basename(file)}: max |Δθ| ${worst} > ${tolerance}`);
    assert.deepEqual(doc.sites.map((s) => s.kind), ['input', ...records.reluSites.map(() => 'relu'), 'output']);
    assert.deepEqual(doc.sites.map((s) => s.layer), [0, ...records.reluSites.map((_, k) => k + 1), records.reluSites.length]);
    assert.deepEqual(doc.sites.slice(1, -1).map((s) => s.shape), records.reluSites.map((s) => s.shape));
    assert.equal(doc.theta0, doc.sites[0].theta);
    assert.equal(doc.sites[0].predicted, doc.theta0);
  }
});

/** A bias-free conv net (no BatchNorm): conv-ReLU, max pool, a residual block, global average pool, linear. */
function biasFreeNet(): ConvNet {
  const conv = (name: string, cin: number, cout: number): GraphOp => ({
    op: 'conv2d', name, weight: `${name}.w`, bias: null, inChannels: cin, outChannels: cout, kernelSize: [3, 3], stride: [1, 1],
    padding: [1, 1], dilation: [1, 1], groups: 1, paddingMode: 'zeros',
  });
  const graph: GraphOp[] = [
    conv('c1', 3, 6), { op: 'relu', name: 'r1' },
    { op: 'maxpool2d', name: 'pool', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false },
    { op: 'residual', name: 'b1', branch: [conv('c2', 6, 6), { op: 'relu' }, conv('c3', 6, 6)], shortcut: null, activation: 'relu' },
    { op: 'adaptiveavgpool2d', name: 'gap', outputSize: [1, 1] }, { op: 'flatten' },
    { op: 'linear', name: 'fc', weight: 'fc.w', bias: null },
  ];
  const shapes = new Map<string, number[]>([['c1.w', [6, 3, 3, 3]], ['c2.w', [6, 6, 3, 3]], ['c3.w', [6, 6, 3, 3]], ['fc.w', [5, 6]]]);
  const tensors = new Map<string, { data: Float64Array; shape: readonly number[] }>();
  [...shapes].forEach(([name, shape], i) => tensors.set(name, { data: hashUniform(tensorSeed(0x5eed, i), shape.reduce((a, b) => a * b, 1), 0, 0.5), shape }));
  return buildConvNet(graph, [3, 8, 8], (name) => tensors.get(name));
}

const batch = (a: Float64Array, b: Float64Array): ImageBatch => {
  const data = new Float64Array(a.length + b.length);
  data.set(a);
  data.set(b, a.length);
  return { count: 2, shape: [3, 8, 8], data, names: ['a', 'b'] };
};

test('a bias-free conv net: an image and a positive multiple of it are at angle 0 at every site, and so is the prediction', () => {
  const net = biasFreeNet();
  const x = hashUniform(tensorSeed(7, 0), 192, 0, 1);
  const twice = convProbeAngles(net, batch(x, x.map((v) => 2 * v)));
  assert.deepEqual(twice.sites.map((s) => [s.site, s.kind, s.layer]), [['input', 'input', 0], ['r1', 'relu', 1], ['pool', 'maxpool', 1], ['b1.relu1', 'relu', 2], ['b1.relu2', 'relu', 3], ['output', 'output', 3]]);
  // 2x is exact in floating point at every step, so the angle is exactly 0
  for (const s of twice.sites) {
    assert.equal(s.theta, 0, s.site);
    assert.equal(s.predicted, 0, s.site);
  }
  // 3x rounds: the angle is 0 up to rounding
  const thrice = convProbeAngles(net, batch(x, x.map((v) => 3 * v)));
  for (const s of thrice.sites) assert.ok(s.theta !== null && s.theta <= 1e-7, `${s.site}: ${s.theta}`);
});

test('the prediction starts at the measured θ⁰ and follows MATH.md’s infinite-width values from θ⁰ = π/2', () => {
  const net = biasFreeNet();
  // two images with disjoint supports are orthogonal: θ⁰ = π/2 exactly
  const a = new Float64Array(192), b = new Float64Array(192);
  const u = hashUniform(tensorSeed(9, 0), 192, 0, 1);
  for (let i = 0; i < 192; i++) (i < 96 ? a : b)[i] = u[i];
  const r = convProbeAngles(net, batch(a, b));
  assert.equal(r.theta0, Math.PI / 2);
  assert.equal(r.sites[0].predicted, r.theta0);
  assert.equal(r.sites[0].theta, r.theta0);
  // MATH.md §C: 1.24685, 1.05442, 0.92125 for ℓ = 1, 2, 3
  const byLayer = new Map(r.sites.map((s) => [s.layer, s.predicted]));
  for (const [layer, value] of [[1, 1.24685], [2, 1.05442], [3, 0.92125]]) assert.ok(Math.abs(byLayer.get(layer)! - value) < 5e-6, `layer ${layer}: ${byLayer.get(layer)}`);
  // a max pool applies no step: it has the prediction of the ReLU before it
  assert.equal(r.sites[2].predicted, r.sites[1].predicted);
  assert.throws(() => convProbeAngles(net, batch(a, b), { budget: { maxWork: 10, maxMemoryMB: 1024 } }), BudgetError);
});

test('degeneracy text on a conv model: one row per site with measured and predicted θ, and what layer, width and the assumptions mean', async () => {
  const r = await main(['degeneracy', PT], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], `${PT}: convolutional network, input 3×32×32; angle between seed 109031 #1 and seed 109031 #2 (θ⁰ = ${records.inputAngle.toFixed(6)})`);
  assert.match(lines[3], /^site +kind +shape +width +layer +measured θ +predicted θ$/);
  const rows = lines.filter((l) => /^(input|output|relu|layer\d)/.test(l));
  assert.equal(rows.length, 55);
  assert.match(rows[1], new RegExp(`^relu +relu +4×32×32 +4 +1 +${records.reluSites[0].angle!.toFixed(6)} +1\\.225200$`));
  assert.ok(r.stdout.includes('note: the prediction assumes iid Gaussian bias-free layers without skip connections (MATH.md §C); a trained or BatchNorm-folded ResNet (biases, shortcuts) need not follow it\n'));
  assert.ok(r.stdout.includes("note: width: a site's channel count"));
  assert.ok(r.stdout.includes('note: layer ℓ: the ReLU sites traversed so far in forward order'));
});

test('degeneracy on conv models: budget, overflow and usage errors, word for word', async () => {
  const net = loadConvModel(PT, diskIo)!.network.net;
  const cost = convAnglesCost(net);
  const refused = await main(['degeneracy', PT, '--max-work', '1e3'], diskIo);
  assert.equal(refused.exitCode, 1);
  assert.equal(refused.stderr, `depth-lens degeneracy: ${PT}: degeneracy needs about ${cost.work.toExponential(1).replace('e+', 'e')} multiply-adds (a forward pass of 2 images of 3×32×32 through 30 layers), above the budget of 1.0e3; raise it with --max-work (editor: setting depthLens.analysis.maxWork), or analyse a smaller network\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-convdeg-'));
  try {
    const huge = path.join(dir, 'huge.json');
    fs.writeFileSync(huge, JSON.stringify(new Array(6144).fill(1e308)));
    const over = await main(['degeneracy', PT, '--input', huge], diskIo);
    assert.equal(over.exitCode, 3, over.stderr);
    assert.equal(over.stdout, '');
    assert.equal(over.stderr, `${PT}: conv1: produced NaN at entry 0 (channels-last order); the forward pass stops here\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const cases: Array<[string[], string]> = [
    [['degeneracy', PT, '--count', '3'], 'depth-lens degeneracy: degeneracy takes two images, got 3\n'],
    [['degeneracy', PT, '--probes', '0,1'], 'depth-lens degeneracy: --probes does not apply to convolutional models (inputs are images: --input FILE or --seed N); `depth-lens degeneracy --help` lists their options\n'],
    [['degeneracy', PT, '--grid-points', '11'], 'depth-lens degeneracy: --grid-points does not apply to convolutional models (the prediction is the infinite-width map: no density); `depth-lens degeneracy --help` lists their options\n'],
    [['degeneracy', PT, '--theta0', '1'], 'depth-lens degeneracy: --theta0 does not apply to a network FILE (its widths and probes decide)\n'],
    [['degeneracy', '--widths', '4x2', '--theta0', '1', '--input', 'x.npy'], 'depth-lens degeneracy: --input needs a convolutional model FILE\n'],
    [['degeneracy', path.join(MODELS, 'resnet.onnx'), '--seed', '3'], 'depth-lens degeneracy: --seed does not apply to a network FILE (its widths and probes decide)\n'],
    [['degeneracy', path.join(MODELS, 'resnet.onnx'), '--count', '2'], 'depth-lens degeneracy: --count applies to convolutional models (input images)\n'],
  ];
  for (const [argv, stderr] of cases) {
    const r = await main(argv, diskIo);
    assert.equal(r.exitCode, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, stderr);
  }
  const help = await main(['degeneracy', '--help'], diskIo);
  assert.match(help.stdout, /depth-lens degeneracy MODEL\.onnx\|\.pt \[--input FILE\]\.\.\. \[--seed N\] \[--json\]/);
});
