/**
 * The affine map of a conv net on an image's activation region (src/core/conv/affineMap.ts,
 * `depth-lens activations --affine`): the Jacobian–vector products reproduce the plain forward pass
 * inside the region, the region's reach along each direction is exact (the pattern is the image's just
 * inside tMax and another just past it), and c = N(x) − J x; on the CIFAR ResNet (.pt), the example
 * net and a net with a max pool.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { loadConvModel } from '../../src/cli/convModel';
import { hashWords, packBits } from '../../src/core/activation/pattern';
import { analyzeConvActivations } from '../../src/core/conv/activations';
import { convAffineMap } from '../../src/core/conv/affineMap';
import { seededImages, type ImageBatch } from '../../src/core/conv/images';
import { runConvNet, type ConvNet } from '../../src/core/conv/resnet';
import { Rng } from '../../src/core/rng';
import { FIXTURES } from './conv-fixtures';
import { diskIo } from './formats-helpers';

const BIG = { maxWork: 1e13, maxMemoryMB: 4096 };

function load(file: string): ConvNet {
  const m = loadConvModel(file, diskIo);
  assert.ok(m, `${file} is a conv network`);
  return m.network.net;
}

/** every site's pattern plus every max pool's winner per window, hashed */
function fullPattern(net: ConvNet, image: Float64Array): number {
  let winners: Int32Array[] = [];
  const r = analyzeConvActivations(net, { count: 1, shape: net.inputShape, data: image, names: ['x'] }, { patterns: true, budget: BIG, onRun: (run) => { winners = run.maxPoolSites.map((m) => m.winners); } });
  let h: number | undefined;
  for (const site of r.sites) {
    const words = new Uint32Array((site.units + 31) >>> 5);
    packBits(site.pattern!.subarray(0, site.units), words, 0);
    h = hashWords(words, 0, words.length, h);
  }
  for (const w of winners) h = hashWords(new Uint32Array(w.buffer, w.byteOffset, w.length), 0, w.length, h);
  return h!;
}

function forward(net: ConvNet, image: Float64Array): Float64Array {
  return runConvNet(net, image, 1).output;
}

function check(net: ConvNet, seed: number): void {
  const images: ImageBatch = seededImages(seed, 3, net.inputShape as [number, number, number]);
  const per = images.data.length / 3;
  const x = images.data.slice(0, per);
  const dirs = [1, 2].map((k) => ({ name: `toward ${k + 1}`, vector: images.data.slice(k * per, (k + 1) * per).map((v, j) => v - x[j]) }));
  const a = convAffineMap(net, { count: 1, shape: images.shape, data: x, names: ['x'] }, dirs, BIG);
  const y0 = forward(net, x);
  const scale = Math.max(...Array.from(y0, Math.abs));
  // to rounding: a batch of 4 may take another conv algorithm than a batch of 1 (Winograd by tile count)
  y0.forEach((y, j) => assert.ok(Math.abs(a.output[j] - y) <= 1e-12 * scale, `N(x) is the plain forward pass at ${j}: ${a.output[j]} vs ${y}`));
  const base = fullPattern(net, x);
  for (const d of a.directions) {
    assert.ok(d.tMin < 0 && d.tMax > 0, `${d.name}: x is inside its region (${d.tMin}, ${d.tMax})`);
    assert.ok(Number.isFinite(d.tMax) && d.boundMax !== undefined, `${d.name}: a unit bounds the region`);
    const v = dirs.find((e) => e.name === d.name)!.vector;
    const at = (t: number) => x.map((xi, j) => xi + t * v[j]);
    // inside: N(x + t v) = N(x) + t J v = J (x + t v) + c, the plain forward pass to rounding
    for (const f of [0.5, 0.999]) {
      const t = f * d.tMax;
      const y = forward(net, at(t));
      for (let j = 0; j < y.length; j++) {
        assert.ok(Math.abs(y[j] - (y0[j] + t * d.jvp[j])) <= 1e-9 * scale, `${d.name}, t = ${f}·tMax, output ${j}: ${y[j]} vs ${y0[j] + t * d.jvp[j]}`);
      }
      assert.equal(fullPattern(net, at(t)), base, `${d.name}: the pattern at ${f}·tMax is x's`);
    }
    // just past either end the pattern is another: the bound is the region's, not a loose one
    assert.notEqual(fullPattern(net, at(d.tMax * (1 + 1e-6))), base, `${d.name}: past tMax (${d.boundMax}) the pattern changes`);
    assert.notEqual(fullPattern(net, at(d.tMin * (1 + 1e-6))), base, `${d.name}: past tMin (${d.boundMin}) the pattern changes`);
  }
  // c = N(x) − J x: J x from the direction x itself
  const self = convAffineMap(net, { count: 1, shape: images.shape, data: x, names: ['x'] }, [{ name: 'x', vector: x }], BIG);
  for (let j = 0; j < y0.length; j++) assert.ok(Math.abs(a.offset[j] - (y0[j] - self.directions[0].jvp[j])) <= 1e-9 * scale, `c at ${j}`);
}

test('the CIFAR ResNet (.pt): J v reproduces the forward pass inside the region, the region ends exactly at tMin and tMax', () => {
  check(load(path.join(FIXTURES, 'cifar-resnet', 'cifar-resnet.pt')), 11);
});

test('a net with a max pool and a residual block: the winners bound the region too', () => {
  const rng = new Rng(33);
  const tensor = (...shape: number[]): unknown => (shape.length === 1 ? Array.from({ length: shape[0] }, () => rng.uniformIn(-0.6, 0.6)) : Array.from({ length: shape[0] }, () => tensor(...shape.slice(1))));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-affine-'));
  const file = path.join(dir, 'pool.network.json');
  fs.writeFileSync(file, JSON.stringify({
    format: 'depth-lens/network@1', input: { shape: [2, 6, 6] },
    layers: [
      { type: 'conv2d', weights: tensor(3, 2, 3, 3), bias: tensor(3), padding: 1, activation: 'linear' },
      { type: 'maxpool2d', name: 'pool', kernel: 3, stride: 2, padding: 1 },
      { type: 'residual', name: 'block', activation: 'relu', layers: [
        { type: 'conv2d', weights: tensor(3, 3, 3, 3), bias: tensor(3), padding: 1, activation: 'relu' },
        { type: 'conv2d', weights: tensor(3, 3, 3, 3), padding: 1 },
      ] },
      { type: 'flatten' },
      { type: 'dense', weights: [tensor(27) as number[], tensor(27) as number[]], bias: [0, 0], activation: 'linear' },
    ],
  }));
  const net = load(file);
  check(net, 5);
  // no ReLU before the pool: some direction must be bounded by a max pool's winner
  const images = seededImages(5, 3, net.inputShape as [number, number, number]);
  const per = images.data.length / 3;
  const x = images.data.slice(0, per);
  const found: string[] = [];
  for (let k = 0; k < 12; k++) {
    const v = new Float64Array(per).map(() => rng.uniformIn(-1, 1));
    const a = convAffineMap(net, { count: 1, shape: images.shape, data: x, names: ['x'] }, [{ name: 'random', vector: v }], BIG);
    found.push(a.directions[0].boundMax!, a.directions[0].boundMin!);
  }
  assert.ok(found.some((b) => /^pool channel \d, window at \(row \d, col \d\)$/.test(b)), found.join('; '));
});

test('activations --affine on a conv model: text and JSON; refusals word for word', async () => {
  const PT = path.join(FIXTURES, 'cifar-resnet', 'cifar-resnet.pt');
  const r = await main(['activations', PT, '--affine'], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /\naffine map on the activation region of seed 109031 #1: N\(y\) = J y \+ c there \(J is never formed; J v below\)\n {2}N\(x₁\) = \[/);
  assert.match(r.stdout, /\n {2}toward seed 109031 #2 \(v = x_k − x₁, ‖v‖ = [\d.]+\): J v = \[.*\]; x₁ \+ t·v stays in the region for -[\d.e-]+ ≤ t ≤ [\d.e-]+ \(up to .+ channel \d+ at \(row \d+, col \d+\)\)\n/);
  const doc = JSON.parse((await main(['activations', PT, '--affine', '--json'], diskIo)).stdout) as { images: string[]; output: number[][]; affine: { image: string; output: number[]; offset: number[]; directions: Array<{ name: string; jvp: number[]; tMin: number; tMax: number }> } };
  assert.equal(doc.images.length, 3, '--affine defaults to three images');
  assert.equal(doc.affine.image, doc.images[0]);
  const scale = Math.max(...doc.output[0].map(Math.abs));
  doc.affine.output.forEach((y, j) => assert.ok(Math.abs(y - doc.output[0][j]) <= 1e-12 * scale, `output ${j}`));
  assert.deepEqual(doc.affine.directions.map((d) => d.name), [`toward ${doc.images[1]}`, `toward ${doc.images[2]}`]);
  const one = await main(['activations', PT, '--affine', '--count', '1'], diskIo);
  assert.equal(one.exitCode, 2);
  assert.equal(one.stderr.split('\n')[0], 'depth-lens activations: --affine needs at least two images: the directions go from image 1 toward the others');
  const dense = await main(['activations', path.join(__dirname, '..', '..', 'examples', 'regions-2d.network.json'), '--affine'], diskIo);
  assert.equal(dense.exitCode, 2);
  assert.equal(dense.stderr.split('\n')[0], 'depth-lens activations: --affine applies to convolutional models (input images); a dense network\'s activations always print the explicit affine map');
});
