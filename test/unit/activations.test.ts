/** Activation patterns, explicit affine maps, domains and the batched kernel (MATH.md §A, §B). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { Rng } from '../../src/core/rng';
import { fromRows } from '../../src/core/linalg/dense';
import { explicitNetwork, type DenseLayer, type Layer } from '../../src/core/network/model';
import { forward } from '../../src/core/network/forward';
import { analyzeActivations, affineMapForPattern, domainContains, packedPattern, sameDomain, stabilityRadius } from '../../src/core/activation/pointwise';
import { forwardBatch } from '../../src/core/activation/batch';
import { hashColor, hashWords, packBits, unpackBits } from '../../src/core/activation/pattern';
import { activationUnits, patternLayout } from '../../src/core/activation/units';
import { parseNetworkText } from '../../src/core/network/parse';
import { activationsCommand } from '../../src/cli/commands/activations';
import type { CliIo } from '../../src/cli/command';
import { randomNetwork } from './random-networks';

function dense(rows: number[][], bias: number[], activation: 'relu' | 'linear' = 'relu'): DenseLayer {
  return { kind: 'dense', weights: fromRows(rows), bias: Float64Array.from(bias), activation };
}


function randomPoint(rng: Rng, d: number, scale = 1): Float64Array {
  const x = new Float64Array(d);
  rng.fillUniform(x, -scale, scale);
  return x;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

test('hand example: one ReLU layer 2→2 (W = I) and a linear read-out [1, 1]', () => {
  // N(x) = relu(x1) + relu(x2). At x = (1, −2): pattern [1, 0], A = [1, 0], c = 0, output 1,
  // faces x1 = 0 (distance 1) and x2 = 0 (distance 2) ⇒ radius 1, nearest face layer 1 neuron 1.
  const net = explicitNetwork({ dim: 2, probes: [] }, [dense([[1, 0], [0, 1]], [0, 0]), dense([[1, 1]], [0], 'linear')]);
  const r = analyzeActivations(net, [1, -2], { halfSpaces: true });
  assert.deepEqual(Array.from(r.layers[0].pattern), [1, 0]);
  assert.deepEqual(Array.from(r.layers[0].preactivation), [1, -2]);
  assert.equal(r.layers[0].active, 1);
  assert.deepEqual(Array.from(r.layers[1].pattern), [1], 'linear units report J = I');
  assert.deepEqual(Array.from(r.affine.A.data), [1, 0]);
  assert.deepEqual(Array.from(r.affine.c), [0]);
  assert.equal(r.affine.residual, 0);
  assert.deepEqual(Array.from(r.output), [1]);
  assert.equal(r.radius, 1);
  assert.equal(r.nearestFace?.label, 'layer 1, neuron 1');
  assert.equal(r.onBoundary, 0);
  // half-spaces: +1·(x1) ≥ 0 and −1·(x2) ≥ 0
  assert.deepEqual(Array.from(r.halfSpaces!.normals.data), [1, 0, 0, 1]);
  assert.deepEqual(Array.from(r.halfSpaces!.signs), [1, -1]);
  // partial products: P_1 = J_1 W_1 = diag(1, 0), P_2 = [1, 0]
  assert.deepEqual(Array.from(r.partials![0].P.data), [1, 0, 0, 0]);
  assert.deepEqual(Array.from(r.partials![1].P.data), [1, 0]);
});

test('hand example: a residual block with a 2→1→2 bottleneck branch (MATH.md §B)', () => {
  // branch: u = relu(x1 + x2), r = (−2u, u); x_1 = relu(x + r). At x = (1, 2): u = 3, r = (−6, 3),
  // x + r = (−5, 5) ⇒ output (0, 5), outer pattern [0, 1], branch pattern [1].
  // A_n = W2 D W1 = [[−2, −2], [1, 1]], D_n (I + A_n) = [[0, 0], [1, 2]], c = 0.
  // Faces: x1 + x2 = 0 at distance 3/√2; ±(x1 + 2 x2) = 0 at distance 5/√5 ⇒ radius 3/√2.
  const block: Layer = { kind: 'residual', activation: 'relu', branch: [dense([[1, 1]], [0]), dense([[-2], [1]], [0, 0], 'linear')] };
  const net = explicitNetwork({ dim: 2, probes: [] }, [block]);
  const r = analyzeActivations(net, [1, 2], { halfSpaces: true });
  assert.deepEqual(Array.from(r.output), [0, 5]);
  assert.equal(r.layers.length, 1);
  assert.deepEqual(Array.from(r.layers[0].pattern), [0, 1]);
  assert.deepEqual(Array.from(r.layers[0].preactivation), [-5, 5]);
  assert.deepEqual(Array.from(r.layers[0].branch![0].pattern), [1]);
  assert.equal(r.layers[0].branch![1].relu, false);
  assert.deepEqual(Array.from(r.affine.A.data), [0, 0, 1, 2]);
  assert.deepEqual(Array.from(r.affine.c), [0, 0]);
  assert.ok(Math.abs(r.radius - 3 / Math.SQRT2) < 1e-15);
  assert.equal(r.nearestFace?.label, 'block 1 · branch 1, neuron 1');
  assert.deepEqual(r.units.map((u) => u.label), ['block 1 · branch 1', 'block 1 · branch 2', 'block 1 · out']);
  // one half-space per ReLU neuron, branch-inner ones included: 1 + 2
  assert.equal(r.halfSpaces!.offsets.length, 3);
  assert.deepEqual(Array.from(r.halfSpaces!.normals.data), [1, 1, -1, -2, 1, 2]);
});

test('explicit affine map reproduces the forward pass to 1e-12 relative on random networks (dense + bottleneck residual)', () => {
  const plans: { dim: number; plan: (number | { res: number[] })[]; out: number }[] = [
    { dim: 1, plan: [3], out: 1 },
    { dim: 2, plan: [16, 16, 16], out: 1 },
    { dim: 5, plan: [7, 3, 11], out: 4 },
    { dim: 3, plan: [6, { res: [2] }, { res: [9, 4] }], out: 2 },
    { dim: 8, plan: [{ res: [3] }, { res: [12] }, { res: [5, 5] }, 20, { res: [1] }], out: 3 },
    { dim: 4, plan: Array.from({ length: 30 }, () => 10), out: 1 },
  ];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: plans.length - 1 }), fc.integer({ min: 1, max: 1 << 30 }), (which, seed) => {
      const { dim, plan, out } = plans[which];
      const net = randomNetwork(seed, dim, plan, out);
      const x = randomPoint(new Rng(seed ^ 0x5bd1e995), dim, 2);
      const r = analyzeActivations(net, x);
      const y = forward(net, x);
      // independent check of A x + c (not the result's own residual)
      const ax = new Float64Array(out);
      for (let i = 0; i < out; i++) { let s = r.affine.c[i]; for (let j = 0; j < dim; j++) s += r.affine.A.data[i * dim + j] * x[j]; ax[i] = s; }
      const rel = norm(ax.map((v, i) => v - y[i])) / Math.max(norm(y), 1e-300);
      assert.ok(rel <= 1e-12 || norm(y) === 0, `relative error ${rel}`);
      assert.ok(r.affine.relativeResidual <= 1e-12, `reported ${r.affine.relativeResidual}`);
      assert.deepEqual(Array.from(r.output), Array.from(y), 'the sweep output is the plain forward pass');
      // the partial products reproduce every intermediate N_k(x)
      for (let k = 0; k < r.partials!.length; k++) {
        const { P, q } = r.partials![k];
        const v = r.layers[k].output;
        for (let i = 0; i < P.rows; i++) {
          let s = q[i];
          for (let j = 0; j < dim; j++) s += P.data[i * dim + j] * x[j];
          assert.ok(Math.abs(s - v[i]) <= 1e-12 * Math.max(1, Math.abs(v[i]) + norm(v)), `layer ${k + 1} neuron ${i}`);
        }
      }
      // the map from the pattern alone equals the map from the point
      const fromPattern = affineMapForPattern(net, packedPattern(net, x));
      assert.ok(maxAbsDiff(fromPattern.A.data, r.affine.A.data) <= 1e-12 * Math.max(1, norm(r.affine.A.data)));
      assert.ok(maxAbsDiff(fromPattern.c, r.affine.c) <= 1e-12 * Math.max(1, norm(r.affine.c)));
    }),
    { numRuns: 120, seed: 20240601 },
  );
});

test('"on a boundary" counts exact ties; zero normals are constant neurons and bound nothing', () => {
  const net = explicitNetwork({ dim: 2, probes: [] }, [dense([[1, 0], [0, 1]], [0, 0]), dense([[1, 1]], [0.5])]);
  // x = (0, 1): neuron 1 has z = 0 exactly ⇒ on a boundary, radius 0
  const a = analyzeActivations(net, [0, 1]);
  assert.equal(a.layers[0].onBoundary, 1);
  assert.equal(a.onBoundary, 1);
  assert.equal(a.radius, 0);
  // x = (−1, −3): layer 1 all off ⇒ layer 2's pre-activation is the constant 0.5: normal (0, 0)
  const b = analyzeActivations(net, [-1, -3]);
  assert.equal(b.constantNeurons, 1);
  assert.equal(b.radius, 1, 'only the layer-1 faces x1 = 0 (distance 1) and x2 = 0 (distance 3) bound the domain');
  // 1e-13 is within 1e-12·max(1, |W x| + |b|) = 1e-12 ⇒ on a boundary; 1e-11 is not
  assert.equal(analyzeActivations(net, [1e-13, 1]).layers[0].onBoundary, 1);
  assert.equal(analyzeActivations(net, [1e-11, 1]).layers[0].onBoundary, 0);
  // no ReLU neuron bounds anything ⇒ radius ∞
  const lin = explicitNetwork({ dim: 2, probes: [] }, [dense([[1, 2]], [0], 'linear')]);
  assert.equal(stabilityRadius(lin, [3, 4]), Infinity);
});

test('a zero output does not blow up the relative residual: it is relative to ‖A‖‖x‖ + ‖c‖', () => {
  // N(x) = relu(0.1 x + 0.2) − relu(0.30000000000000004 x) at x = 1: both terms are exactly
  // 0.30000000000000004 in float64, so N(1) = 0, while A x + c = (0.1 − 0.30000000000000004)·1 + 0.2
  // = −0.20000000000000004 + 0.2 = −2.7755575615628914e-17 (Python float arithmetic): one rounding
  // of terms of size 0.2. Before, it was divided by Number.MIN_VALUE ("relative 5.6e+306").
  const net = explicitNetwork({ dim: 1, probes: [] }, [dense([[0.1], [0.30000000000000004]], [0.2, 0]), dense([[1, -1]], [0], 'linear')]);
  const r = analyzeActivations(net, [1]);
  assert.deepEqual(Array.from(r.output), [0]);
  assert.deepEqual(Array.from(r.affine.A.data), [-0.20000000000000004]);
  assert.equal(r.affine.residual, 2.7755575615628914e-17);
  // scale = max(‖N(x)‖, ‖A‖_F ‖x‖ + ‖c‖) = 0.20000000000000004 + 0.2 ⇒ 6.938893903907228e-17 (Python)
  assert.equal(r.affine.relativeResidual, 6.938893903907228e-17);
  // both vanish (dead network): 0, not NaN
  const dead = explicitNetwork({ dim: 2, probes: [] }, [dense([[0, 0], [0, 0]], [-1, -1]), dense([[1, 1]], [0], 'linear')]);
  assert.equal(analyzeActivations(dead, [3, 4]).affine.relativeResidual, 0);
});

test('dead and linear networks: constant neurons are on no face; the domain is unbounded (radius ∞)', () => {
  // layer 1 is dead everywhere (z = −1), so layer 2 sees the constant 0: its z = 0 exactly but its
  // normal is zero — a constant neuron, not a face x could sit on
  const dead = explicitNetwork({ dim: 2, probes: [] }, [dense([[0, 0], [0, 0]], [-1, -1]), dense([[1, 1]], [0])]);
  const r = analyzeActivations(dead, [0.5, -2]);
  assert.equal(r.radius, Infinity);
  assert.equal(r.nearestFace, undefined);
  assert.equal(r.constantNeurons, 3);
  assert.equal(r.onBoundary, 0);
  assert.equal(r.layers[1].onBoundary, 0);
  assert.deepEqual(Array.from(r.layers[1].preactivation), [0]);
  // a non-constant neuron with z = 0 is still a tie on a face
  const tie = explicitNetwork({ dim: 2, probes: [] }, [dense([[0, 0], [1, 0]], [-1, 0])]);
  const t = analyzeActivations(tie, [0, 5]);
  assert.equal(t.onBoundary, 1);
  assert.equal(t.constantNeurons, 1);
  assert.equal(t.radius, 0);
});

test('CLI activations: an unbounded domain is "radius": null with "bounded": false, and says so in text', async () => {
  const files: Record<string, string> = {
    'dead.network.json': JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 2 }, layers: [
      { type: 'dense', weights: [[0, 0], [0, 0]], bias: [-1, -1], activation: 'relu' },
      { type: 'dense', weights: [[1, 1]], bias: [0], activation: 'relu' }] }),
    'linear.network.json': JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 2 }, layers: [
      { type: 'dense', weights: [[1, 2]], bias: [0.5], activation: 'linear' }] }),
  };
  const mem: CliIo = { readFile: (p) => new TextEncoder().encode(files[p]), writeFile: () => undefined, progress: () => undefined };
  for (const file of Object.keys(files)) {
    const doc = JSON.parse((await activationsCommand.run([file, '--input', '0.5,-2', '--json'], mem)).stdout);
    assert.equal(doc.radius, null, file);
    assert.equal(doc.bounded, false, file);
    assert.equal(doc.nearestFace, null);
    assert.equal(doc.onBoundary, 0);
  }
  const text = (await activationsCommand.run(['dead.network.json', '--input', '0.5,-2'], mem)).stdout;
  assert.match(text, /stability radius ∞ — unbounded: no neuron bounds the domain/);
  assert.match(text, /3 neurons are constant on the domain \(zero normal\) and bound nothing/);
  assert.doesNotMatch(text, /on a face/);
  assert.match(activationsCommand.help, /"radius": null with "bounded": false/);
});

test('stability radius: points within it keep the pattern, a point just past the nearest face changes it', () => {
  const shapes: [number, (number | { res: number[] })[]][] = [[2, [12, 12]], [5, [8, { res: [3] }, 8]], [3, [{ res: [6, 2] }, { res: [4] }]]];
  let checked = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const [dim, plan] = shapes[seed % shapes.length];
    const net = randomNetwork(seed, dim, plan, 1);
    const rng = new Rng(seed * 7919);
    const x = randomPoint(rng, dim);
    const r = analyzeActivations(net, x, { halfSpaces: true, partialProducts: false });
    assert.ok(r.radius > 0 && Number.isFinite(r.radius));
    for (let k = 0; k < 20; k++) {
      const dir = new Float64Array(dim);
      rng.fillGaussian(dir);
      const n = norm(dir);
      const y = x.map((v, i) => v + (0.99 * r.radius * dir[i]) / n);
      assert.ok(sameDomain(net, x, y), `seed ${seed}: a point at 0.99·radius left the domain`);
      assert.ok(domainContains(r.halfSpaces!, y));
    }
    // the nearest face: the half-space whose |slack|/‖normal‖ is the radius
    const h = r.halfSpaces!;
    const idx = Array.from(h.unit).findIndex((u, i) => u === r.nearestFace!.unit && h.neuron[i] === r.nearestFace!.neuron);
    const normal = h.normals.data.subarray(idx * dim, (idx + 1) * dim);
    const nn = norm(normal);
    // move against the face's sign: from s·(n·x + o) > 0 across n·x + o = 0
    const beyond = x.map((v, i) => v - (h.signs[idx] * 1.001 * r.radius * normal[i]) / nn);
    assert.equal(sameDomain(net, x, beyond), false, `seed ${seed}: crossing the nearest face kept the pattern`);
    assert.equal(domainContains(h, beyond), false);
    checked++;
  }
  assert.equal(checked, 30);
});

test('batched kernel: outputs, patterns and hashes equal the pointwise computation (dense and residual)', () => {
  for (const [seed, dim, plan] of [[3, 2, [16, 16, 16]], [4, 6, [5, { res: [2] }, 33, { res: [40, 7] }]], [5, 64, [64, 64]], [6, 4, [{ res: [2] }, { res: [3] }, 3]]] as const) {
    const net = randomNetwork(seed, dim, plan as never, 2);
    const batch = 37; // not a multiple of the 4-sample tile
    const X = randomPoint(new Rng(seed), batch * dim);
    const before = X.slice();
    const res = forwardBatch(net, X, batch, { activations: true });
    const lean = forwardBatch(net, X, batch);
    assert.deepEqual(X, before, 'inputs are read, never written');
    assert.deepEqual(lean.output, res.output, 'buffer reuse gives the same outputs');
    assert.deepEqual(lean.hashes, res.hashes);
    const layout = patternLayout(activationUnits(net));
    assert.equal(res.patterns!.length, layout.units.length);
    assert.equal(res.activations!.length, activationUnits(net).length);
    for (let b = 0; b < batch; b++) {
      const x = X.subarray(b * dim, (b + 1) * dim);
      const y = forward(net, x);
      const got = res.output.subarray(b * 2, b * 2 + 2);
      assert.ok(maxAbsDiff(got, y) <= 1e-12 * Math.max(1, norm(y)), `sample ${b}`);
      const packed = packedPattern(net, x, layout);
      for (let p = 0; p < layout.units.length; p++) {
        const words = layout.wordOffset[p + 1] - layout.wordOffset[p];
        assert.deepEqual(Array.from(res.patterns![p].subarray(b * words, (b + 1) * words)), Array.from(packed.subarray(layout.wordOffset[p], layout.wordOffset[p + 1])));
      }
      assert.equal(res.hashes![b], hashWords(packed));
      const a = analyzeActivations(net, x, { partialProducts: false });
      const firstRelu = a.layers[0].branch ? a.layers[0].branch[0] : a.layers[0];
      assert.deepEqual(Array.from(unpackBits(packed, 0, firstRelu.width)), Array.from(firstRelu.pattern));
    }
  }
  const net = randomNetwork(1, 3, [4], 1);
  assert.throws(() => forwardBatch(net, new Float64Array(10), 3), { name: 'RangeError', message: 'forwardBatch: inputs has 10 numbers, expected batch × inputDim = 3 × 3 = 9' });
});

test('pattern hash is FNV-1a over little-endian word bytes; colours are stable', () => {
  // reference values from a byte-wise FNV-1a in Python: fnv(b'') = 0x811c9dc5, fnv(b'abcd') = 0xce3479bd,
  // fnv(bytes([5,0,0,0,255,255,255,255])) = 0xa7f17e5c
  assert.equal(hashWords([]), 0x811c9dc5);
  assert.equal(hashWords([0x64636261]), 0xce3479bd);
  assert.equal(hashWords(Uint32Array.of(5, 0xffffffff)), 0xa7f17e5c);
  assert.equal(hashColor(0xce3479bd), hashColor(0xce3479bd));
  assert.match(hashColor(12345), /^hsl\(\d{1,3} \d{2}% \d{2}%\)$/);
  const words = new Uint32Array(2);
  packBits([1, 0, 1, ...Array(30).fill(0), 1], words, 0);
  assert.deepEqual(Array.from(words), [5, 2]);
  assert.deepEqual(Array.from(unpackBits(words, 0, 34)), [1, 0, 1, ...Array(30).fill(0), 1]);
});

// ---- CLI ----
const examples = path.join(__dirname, '..', '..', 'examples');
const io: CliIo = { readFile: (p) => fs.readFileSync(p), writeFile: () => { throw new Error('activations must not write files'); }, progress: () => undefined };
const regions2d = path.join(examples, 'regions-2d.network.json');

test('CLI activations --json: keys, pattern arrays and a verified map', async () => {
  const r = await activationsCommand.run([regions2d, '--input', '0.3,-0.7', '--json'], io);
  assert.equal(r.exitCode, 0);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(doc), ['file', 'input', 'output', 'layers', 'affine', 'radius', 'bounded', 'nearestFace', 'constantNeurons', 'onBoundary']);
  assert.equal(doc.bounded, true);
  assert.deepEqual(doc.input, [0.3, -0.7]);
  assert.equal(doc.layers.length, 4);
  assert.deepEqual(Object.keys(doc.layers[0]), ['layer', 'kind', 'label', 'width', 'activation', 'pattern', 'preactivation', 'active', 'onBoundary', 'output']);
  assert.equal(doc.layers[0].pattern.length, 10);
  assert.ok(doc.layers[0].pattern.every((b: number) => b === 0 || b === 1));
  assert.equal(doc.layers[0].active, doc.layers[0].pattern.reduce((s: number, b: number) => s + b, 0));
  assert.deepEqual(Object.keys(doc.affine), ['A', 'c', 'residual', 'relativeResidual']);
  assert.equal(doc.affine.A.length, 1);
  assert.equal(doc.affine.A[0].length, 2);
  assert.ok(doc.affine.relativeResidual <= 1e-12);
  assert.ok(Math.abs(doc.affine.A[0][0] * 0.3 + doc.affine.A[0][1] * -0.7 + doc.affine.c[0] - doc.output[0]) <= 1e-12 * Math.abs(doc.output[0]));
  assert.ok(doc.radius > 0);
  const withPartials = JSON.parse((await activationsCommand.run([regions2d, '--probe', 'p', '--json', '--partials'], io)).stdout);
  assert.equal(withPartials.probe, 'p');
  assert.deepEqual(withPartials.input, [0.3, -0.7]);
  assert.equal(withPartials.partials.length, 4);
  assert.deepEqual([withPartials.partials[0].P.length, withPartials.partials[0].P[0].length], [10, 2]);
});

test('CLI activations: residual example in text mode, and precise errors for bad --input', async () => {
  const text = await activationsCommand.run([path.join(examples, 'resnet-bottleneck.network.json')], io);
  assert.equal(text.exitCode, 0);
  assert.match(text.stdout, /\(probe center\)/);
  assert.match(text.stdout, /branch 1/);
  assert.match(text.stdout, /check: ‖A x \+ c − N\(x\)‖ = /);
  assert.match(text.stdout, /stability radius /);
  const bad = async (args: string[]) => {
    try { await activationsCommand.run([regions2d, ...args], io); } catch (e) { return `${(e as Error).constructor.name}: ${(e as Error).message}`; }
    return 'no error';
  };
  assert.equal(await bad(['--input', '0.3']), 'UsageError: --input has 1 number, the network input has dimension 2');
  assert.equal(await bad(['--input', '1,2,3']), 'UsageError: --input has 3 numbers, the network input has dimension 2');
  assert.equal(await bad(['--input', '0.3,abc']), "UsageError: --input: entry 2 ('abc') is not a finite number");
  assert.equal(await bad(['--input', '0.3,']), "UsageError: --input: entry 2 ('') is not a finite number");
  assert.equal(await bad(['--input', '']), 'UsageError: --input is empty; give 2 comma-separated numbers');
  assert.equal(await bad(['--input', '1,Infinity']), "UsageError: --input: entry 2 ('Infinity') is not a finite number");
  // decimal() only: hex, binary and overflowing literals are typos, not numbers
  assert.equal(await bad(['--input', '0x10,1']), "UsageError: --input: entry 1 ('0x10') is not a finite number");
  assert.equal(await bad(['--input', '1,0b1']), "UsageError: --input: entry 2 ('0b1') is not a finite number");
  assert.equal(await bad(['--input', '1e999,1']), "UsageError: --input: entry 1 ('1e999') is not a finite number");
  assert.equal(await bad(['--probe', 'nope']), "UsageError: no probe named 'nope' (the file has: origin, p)");
  assert.equal(await bad(['--probe', 'p', '--input', '1,2']), 'UsageError: give either --input or --probe, not both');
  assert.equal(await bad([]), 'no error', 'without --input the first probe is used');
});

test('CLI activations: negative numbers after --input need no "=" ', async () => {
  const r = await activationsCommand.run([regions2d, '--input', '-0.3,0.7', '--json'], io);
  assert.deepEqual(JSON.parse(r.stdout).input, [-0.3, 0.7]);
});

test('activationUnits of generated dense groups (family, random with outputActivation) come from their description: the same units as the generated layers give, and no layer generated', () => {
  const text = JSON.stringify({
    format: 'depth-lens/network@1', input: { dim: 3 },
    layers: [
      { type: 'dense', weights: [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], bias: [0, 0, 0, 0], activation: 'relu' },
      { type: 'random', widths: [5, 2, 3], weights: { distribution: 'normal', std: 0.5 }, seed: 4, activation: 'relu', outputActivation: 'linear' },
      { type: 'family', count: 4, width: 3, weights: { identity: 1, random: { distribution: 'normal', std: 0.01 }, scale: { power: -2 } }, seed: 3, activation: 'relu' },
    ],
  });
  const net = parseNetworkText(text).network!;
  // the units every layer, generated, gives
  const byLayer = Array.from({ length: net.depth }, (_, k) => {
    const l = net.layer(k) as DenseLayer;
    return { layer: k + 1, kind: 'dense', width: l.weights.rows, relu: l.activation === 'relu', label: `layer ${k + 1}` };
  });
  let generated = 0;
  const counting = { ...net, groups: net.groups, depth: net.depth, outWidth: (k: number) => net.outWidth(k), layer: (k: number) => { generated++; return net.layer(k); } } as typeof net;
  assert.deepEqual(activationUnits(counting), byLayer);
  assert.deepEqual(byLayer.map((u) => u.relu), [true, true, true, false, true, true, true, true]);
  assert.equal(generated, 1, 'only the explicit first layer is asked for');
});
