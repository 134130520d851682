/**
 * Generated layers: affine families follow W_k = a·I + (k+o)^p·M, b_k = (k+o2)^q·v exactly;
 * random layers are bit-for-bit reproducible from Rng.derive(seed, k) alone; He-normal variance;
 * residual families follow the paper's scaling (MATH.md §B); a 10⁵-layer family is lazy.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseNetworkText } from '../../src/core/network/parse';
import { forward } from '../../src/core/network/forward';
import { Rng } from '../../src/core/rng';
import type { DenseLayer, ResidualBlock } from '../../src/core/network/model';
import { errorsOf, expectError, FORMAT } from './network-helpers';
import { GAUSSIAN_MAX } from '../../src/core/network/families';

function net(layers: unknown[], dim = 2) {
  const r = parseNetworkText(JSON.stringify({ format: FORMAT, input: { dim }, layers }));
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  return r.network!;
}

const M = [[0.5, -0.25], [2, 1]];

test('affine family: W_k = a·I + (k+o)^p·M and b_k = (k+o2)^q·v exactly, FamilyInfo kept', () => {
  const n = net([{ type: 'family', count: 50, weights: { identity: 1.5, matrix: M, scale: { offset: 0.5, power: -2 } }, bias: { vector: [1, -1], scale: { offset: 2, power: -1.5 } }, activation: 'relu' }]);
  assert.equal(n.depth, 50);
  assert.equal(n.parameterCount, 50 * 6);
  for (const k of [1, 2, 17, 50]) {
    const l = n.layer(k - 1) as DenseLayer;
    const s = Math.pow(k + 0.5, -2), sb = Math.pow(k + 2, -1.5);
    assert.deepEqual(Array.from(l.weights.data), [1.5 + s * 0.5, s * -0.25, s * 2, 1.5 + s * 1]);
    assert.deepEqual(Array.from(l.bias), [sb, -sb]);
    assert.equal(l.activation, 'relu');
  }
  const g = n.groups[0];
  assert.equal(g.type, 'family');
  assert.equal(g.family?.kind, 'affine');
  if (g.family?.kind === 'affine') {
    assert.equal(g.family.identity, 1.5);
    assert.deepEqual(g.family.weightScale, { offset: 0.5, power: -2 });
    assert.deepEqual(g.family.biasScale, { offset: 2, power: -1.5 });
  }
});

test('divergent example (MATH.md §A): W_k = (1 + 1/k)·I gives N_n(1,1) = (n+1)(1,1)', () => {
  const n = net([{ type: 'family', count: 100, weights: { identity: 1, matrix: [[1, 0], [0, 1]], scale: { offset: 0, power: -1 } }, activation: 'relu' }]);
  const y = forward(n, [1, 1]);
  // product of (1 + 1/k) for k = 1..100 telescopes to 101; rounding accumulates over 100 steps
  assert.ok(Math.abs(y[0] - 101) < 1e-11 && Math.abs(y[1] - 101) < 1e-11, `${y}`);
});

test('family width comes from the previous layer when there is no matrix; "width" must agree', () => {
  const n = net([{ type: 'family', count: 3, weights: { identity: 0.5 }, activation: 'linear' }], 3);
  assert.deepEqual(Array.from(forward(n, [8, 8, 8])), [1, 1, 1]);
  const text = JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [{ type: 'family', count: 3, width: 3, weights: { matrix: M }, activation: 'relu' }] });
  expectError(text, 'not-square', 'layer 1 width is 3 but its weights matrix is 2×2', '3', 1);
});

test('family errors: count ≤ 0, fractional, absurd; non-square matrix; bad scale offset; overflow', () => {
  const fam = (extra: Record<string, unknown>) => JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [{ type: 'family', count: 10, weights: { identity: 1 }, activation: 'relu', ...extra }] });
  expectError(fam({ count: 0 }), 'family-count', 'layer 1 count must be at least 1, not 0', '0');
  expectError(fam({ count: -5 }), 'family-count', 'layer 1 count must be at least 1, not -5', '-5');
  expectError(fam({ count: 2.5 }), 'family-count', 'layer 1 count must be an integer, not 2.5', '2.5');
  expectError(fam({ count: 1e9 }), 'family-count', 'layer 1 count is 1000000000, above the limit of 10000000 layers', '1000000000');
  expectError(fam({ weights: { matrix: [[1, 2, 3], [4, 5, 6]] } }), 'not-square', 'layer 1 weights matrix is 2×3; a family repeats one layer shape, so it must be square', '[[1,2,3],[4,5,6]]');
  expectError(fam({ weights: { identity: 1, matrix: M, scale: { offset: -1, power: -2 } } }), 'invalid-value', 'layer 1 weights scale offset is -1; k + offset must be positive for k = 1..10, so offset must be greater than −1', '-1');
  expectError(fam({ weights: { identity: 1, matrix: M, scale: { offset: 0, power: 400 } } }), 'non-finite-number', 'layer 1 weights scale (k + 0)^400 overflows float64 at k = 10', '{"offset":0,"power":400}');
  expectError(fam({ width: 200000 }), 'size-limit', 'layer 1 width is 200000, above the limit of 100000', '200000');
  expectError(fam({ weights: { identity: 1, random: { distribution: 'normal' } } }), 'missing-field', 'layer 1 is missing "seed"', fam({ weights: { identity: 1, random: { distribution: 'normal' } } }).slice(fam({}).indexOf('{"type"'), -2));
});

test('random family: layer k depends only on (seed, k) — bit-for-bit, computed independently here', () => {
  const n = net([{ type: 'family', count: 1000, width: 3, seed: 42, weights: { identity: 1, random: { distribution: 'normal', std: 0.5 }, scale: { offset: 0, power: -1.5 } }, bias: { random: { distribution: 'uniform', min: -1, max: 1 }, scale: { offset: 0, power: -2 } }, activation: 'relu' }], 3);
  for (const k of [1, 777, 1000]) {
    const rng = Rng.derive(42, k);
    const w = rng.fillGaussian(new Float64Array(9), 0, 0.5);
    const s = Math.pow(k, -1.5);
    for (let i = 0; i < 9; i++) w[i] *= s;
    for (let i = 0; i < 3; i++) w[i * 3 + i] += 1;
    const b = rng.fillUniform(new Float64Array(3), -1, 1);
    for (let i = 0; i < 3; i++) b[i] *= Math.pow(k, -2);
    const l = n.layer(k - 1) as DenseLayer;
    assert.deepEqual(l.weights.data, w);
    assert.deepEqual(l.bias, b);
  }
  assert.equal(n.groups[0].family?.kind, 'generated');
  // a second parse gives identical layers
  const again = net([{ type: 'family', count: 1000, width: 3, seed: 42, weights: { identity: 1, random: { distribution: 'normal', std: 0.5 }, scale: { offset: 0, power: -1.5 } }, bias: { random: { distribution: 'uniform', min: -1, max: 1 }, scale: { offset: 0, power: -2 } }, activation: 'relu' }], 3);
  assert.deepEqual((again.layer(500) as DenseLayer).weights.data, (n.layer(500) as DenseLayer).weights.data);
});

test('random layers by widths: reproducible, He-normal variance 2/fan_in within 4 standard errors', () => {
  const spec = { type: 'random', widths: [400, 300, 1], weights: { distribution: 'he-normal' }, activation: 'relu', outputActivation: 'linear', seed: 9 };
  const n = net([spec], 200);
  assert.deepEqual(n.groups.map((g) => [g.type, g.count]), [['random', 3]]);
  assert.equal(n.parameterCount, 400 * 201 + 300 * 401 + 301);
  const l2 = n.layer(1) as DenseLayer;
  assert.deepEqual([l2.weights.rows, l2.weights.cols], [300, 400]);
  assert.equal((n.layer(2) as DenseLayer).activation, 'linear');
  assert.equal(l2.activation, 'relu');
  assert.deepEqual(Array.from(l2.bias), new Array(300).fill(0));
  // independent regeneration: layer j (1-based) draws N(0, 2/fan_in) from Rng.derive(seed, j)
  const expected = Rng.derive(9, 2).fillGaussian(new Float64Array(300 * 400), 0, Math.sqrt(2 / 400));
  assert.deepEqual(l2.weights.data, expected);
  // sample variance of 120 000 draws: SE of s² ≈ σ²·√(2/N)
  const d = (n.layer(0) as DenseLayer).weights.data;
  let s = 0, s2 = 0;
  for (const v of d) { s += v; s2 += v * v; }
  const N = d.length, mean = s / N, variance = s2 / N - mean * mean, target = 2 / 200;
  assert.ok(Math.abs(variance - target) < 4 * target * Math.sqrt(2 / N), `variance ${variance} vs ${target}`);
  assert.ok(Math.abs(mean) < 4 * Math.sqrt(target / N));
});

test('random init errors: unknown distribution, negative std, missing seed', () => {
  const r = (extra: Record<string, unknown>) => JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [{ type: 'random', widths: [3], weights: { distribution: 'he-normal' }, activation: 'relu', seed: 1, ...extra }] });
  expectError(r({ weights: { distribution: 'xavier' } }), 'invalid-value', 'layer 1 weights distribution is "xavier"; expected "he-normal", "he-uniform", "glorot-normal", "glorot-uniform", "lecun-normal", "normal", "uniform" or "zeros"', '"xavier"');
  expectError(r({ weights: { distribution: 'normal', std: -1 } }), 'invalid-value', 'layer 1 weights std must be non-negative, not -1', '-1');
  expectError(r({ seed: 1.5 }), 'invalid-value', 'layer 1 seed must be an integer, not 1.5', '1.5');
  assert.deepEqual(errorsOf(r({ widths: [] })).map((e) => e.message), ['layer 1 widths is empty; list the output width of every layer']);
});

test('residual family: the paper scaling — branch weights ÷ n^{(1+α)/K} with clipped rows, biases ÷ n^{1+α}', () => {
  const alpha = 0.2, K = 2;
  const n = net([{ type: 'residual-family', count: 500, width: 6, hidden: 3, alpha, seed: 5, activation: 'relu' }], 6);
  assert.equal(n.depth, 500);
  assert.equal(n.parameterCount, 500 * (3 * 6 + 3 + 6 * 3 + 6));
  for (const blockNo of [1, 10, 500]) {
    const b = n.layer(blockNo - 1) as ResidualBlock;
    assert.equal(b.kind, 'residual');
    assert.deepEqual(b.branch.map((l) => [l.weights.rows, l.weights.cols, l.activation]), [[3, 6, 'relu'], [6, 3, 'linear']]);
    const wScale = Math.pow(blockNo, -(1 + alpha) / K), bScale = Math.pow(blockNo, -(1 + alpha));
    // regenerate independently: U[−1,1] row-major, rows clipped to ℓ2 ≤ 1, then scaled; bias U[−1,1] scaled
    const rng = Rng.derive(5, blockNo);
    for (const l of b.branch) {
      const raw = rng.fillUniform(new Float64Array(l.weights.rows * l.weights.cols), -1, 1);
      for (let i = 0; i < l.weights.rows; i++) {
        const row = raw.subarray(i * l.weights.cols, (i + 1) * l.weights.cols);
        const norm = Math.hypot(...row);
        for (let j = 0; j < row.length; j++) {
          const expected = (norm > 1 ? row[j] / norm : row[j]) * wScale;
          assert.ok(Math.abs(l.weights.data[i * l.weights.cols + j] - expected) <= 1e-15 * Math.abs(expected) + 1e-300);
        }
        const got = Math.hypot(...l.weights.data.subarray(i * l.weights.cols, (i + 1) * l.weights.cols));
        assert.ok(got <= wScale * (1 + 1e-12));
      }
      const bias = rng.fillUniform(new Float64Array(l.weights.rows), -1, 1).map((v) => v * bScale);
      assert.deepEqual(l.bias, bias);
    }
  }
});

test('10⁵-layer family loads lazily: layer(99999) is exact without generating the others', () => {
  const spec = { type: 'family', count: 100000, seed: 3, width: 4, weights: { identity: 1, random: { distribution: 'uniform' }, scale: { offset: 1, power: -2 } }, activation: 'relu' };
  const before = process.memoryUsage().heapUsed;
  const n = net([spec], 4);
  assert.equal(n.depth, 100000);
  assert.equal(n.parameterCount, 100000 * 20);
  // layer 100 000 (0-based 99 999) depends only on Rng.derive(3, 100000): regenerate it here
  const rng = Rng.derive(3, 100000);
  const w = rng.fillUniform(new Float64Array(16), -1, 1);
  const s = Math.pow(100001, -2);
  for (let i = 0; i < 16; i++) w[i] *= s;
  for (let i = 0; i < 4; i++) w[i * 4 + i] += 1;
  assert.deepEqual((n.layer(99999) as DenseLayer).weights.data, w);
  // nothing per-layer was materialised: far less than 10⁵ × 20 doubles (16 MB)
  assert.ok(process.memoryUsage().heapUsed - before < 8e6);
  assert.throws(() => n.layer(100000), /layer index 100000 out of range 0\.\.99999/);
});

test('generated weights that would overflow are refused on the responsible node, before any layer is generated', () => {
  const one = (layer: Record<string, unknown>, dim = 1) => JSON.stringify({ format: FORMAT, input: { dim }, layers: [layer] });
  // W_k = k·[[1e308]]: finite inputs, Infinity from k = 2 on
  const scaled = one({ type: 'family', count: 10, weights: { matrix: [[1e308]], scale: { offset: 0, power: 1 } }, activation: 'linear' });
  expectError(scaled, 'non-finite-number', 'layer 1 weights reach |identity| + max|M|·max s(k) = 0 + 1e+308·10, which overflows float64; use smaller values or a smaller scale',
    '{"matrix":[[1e+308]],"scale":{"offset":0,"power":1}}');
  const sum = one({ type: 'family', count: 3, weights: { identity: 1e308, matrix: [[1e308]] }, activation: 'linear' });
  expectError(sum, 'non-finite-number', 'layer 1 weights reach |identity| + max|M|·max s(k) = 1e+308 + 1e+308·1, which overflows float64; use smaller values or a smaller scale', '{"identity":1e+308,"matrix":[[1e+308]]}');
  const bias = one({ type: 'family', count: 3, weights: { identity: 1 }, bias: { vector: [1e308], scale: { offset: 0, power: 2 } }, activation: 'linear' });
  expectError(bias, 'non-finite-number', 'layer 1 bias reaches max|v|·max s(k) = 1e+308·9, which overflows float64; use smaller values or a smaller scale', '{"vector":[1e+308],"scale":{"offset":0,"power":2}}');
  // U[−1e308, 1e308): max − min overflows, so every draw a + (b − a)·u is ±Infinity or NaN
  const uniform = one({ type: 'random', widths: [2], weights: { distribution: 'uniform', min: -1e308, max: 1e308 }, seed: 1, activation: 'linear' });
  expectError(uniform, 'non-finite-number', 'layer 1 weights: U[-1e+308, 1e+308) has max − min = Infinity in float64, so its draws overflow; use a narrower range', '{"distribution":"uniform","min":-1e+308,"max":1e+308}');
  const normal = one({ type: 'random', widths: [2], weights: { distribution: 'normal', mean: 1e308, std: 1e307 }, seed: 1, activation: 'linear' });
  expectError(normal, 'non-finite-number', 'layer 1 weights: draws N(1e+308, 1e+307²) reach |mean| + 8.58·std, which overflows float64; use a smaller mean or std', '{"distribution":"normal","mean":1e+308,"std":1e+307}');
  // a random family multiplies its draws by s(k): 1e300 · 1000^3 overflows
  const randomScaled = one({ type: 'family', count: 1000, width: 1, seed: 1, weights: { random: { distribution: 'uniform', min: -1e300, max: 1e300 }, scale: { offset: 0, power: 3 } }, activation: 'linear' });
  assert.deepEqual(errorsOf(randomScaled).map((e) => e.code), ['non-finite-number']);
  // residual family with α = −1000: block n's weights are scaled by n^499.5
  const alpha = one({ type: 'residual-family', count: 1000, width: 2, alpha: -1000, seed: 1, activation: 'relu' }, 2);
  expectError(alpha, 'non-finite-number', 'layer 1 alpha -1000 scales block n\'s weights by n^499.5 and its biases by n^999, which overflows float64 by n = 1000; use alpha > −1 (the paper uses 0.2)', '-1000');
  // just below the edge stays accepted, and every generated entry is finite
  const edge = net([{ type: 'family', count: 3, weights: { identity: 8e307, matrix: [[3e307]], scale: { offset: 0, power: 1 } }, activation: 'linear' }], 1);
  for (let k = 0; k < 3; k++) assert.ok(Number.isFinite((edge.layer(k) as DenseLayer).weights.data[0]));
});

test('a Gaussian draw never exceeds GAUSSIAN_MAX (Box–Muller with u ≥ 2⁻⁵³)', () => {
  assert.ok(Math.sqrt(-2 * Math.log(2 ** -53)) < GAUSSIAN_MAX);
  assert.ok(GAUSSIAN_MAX - Math.sqrt(-2 * Math.log(2 ** -53)) < 0.01);
});

test('size limits: residual-family blocks count all branch matrices; the total over all layers is bounded', () => {
  const wide = JSON.stringify({ format: FORMAT, input: { dim: 10000 }, layers: [{ type: 'residual-family', count: 10, width: 10000, hidden: 10000, branchLayers: 64, seed: 1, activation: 'relu' }] });
  const e = errorsOf(wide);
  assert.deepEqual(e.map((d) => [d.code, d.message]), [['size-limit', 'layer 1 blocks would each generate 64 branch matrices (10000→10000→…→10000→10000) with 6400000000 entries in total, above the per-block limit of 100000000']]);
  // 2·m·h = 2·10⁸ > 10⁸ although each matrix alone (10⁸) is within the per-matrix limit
  const two = JSON.stringify({ format: FORMAT, input: { dim: 10000 }, layers: [{ type: 'residual-family', count: 1, width: 10000, hidden: 10000, seed: 1, activation: 'relu' }] });
  assert.deepEqual(errorsOf(two).map((d) => d.message), ['layer 1 blocks would each generate 2 branch matrices (10000→10000→10000) with 200000000 entries in total, above the per-block limit of 100000000']);
  // 10⁷ layers of width 10⁴: every matrix is within limits, the whole is 10¹⁵ weights
  const deep = JSON.stringify({ format: FORMAT, input: { dim: 10000 }, layers: [{ type: 'family', count: 10_000_000, width: 10000, seed: 1, weights: { identity: 1, random: { distribution: 'he-normal' } }, activation: 'relu' }] });
  assert.deepEqual(errorsOf(deep).map((d) => [d.code, d.message]), [['size-limit',
    'the layers up to layer 1 have 1.0e15 weights and biases in total (this entry: 10 000 000 layers × 100 010 000), above the limit of 10 000 000 000: every analysis walks through all of them; use fewer or narrower layers']]);
  // the limit is on the total: two entries that pass alone can fail together
  const fam = { type: 'family', count: 130_000, width: 200, seed: 1, weights: { identity: 1, random: { distribution: 'he-normal' } }, activation: 'relu' };
  assert.deepEqual(errorsOf(JSON.stringify({ format: FORMAT, input: { dim: 200 }, layers: [fam] })), []);
  assert.deepEqual(errorsOf(JSON.stringify({ format: FORMAT, input: { dim: 200 }, layers: [fam, fam] })).map((d) => d.message),
    ['the layers up to layer 2 have 10 452 000 000 weights and biases in total (this entry: 130 000 layers × 40 200), above the limit of 10 000 000 000: every analysis walks through all of them; use fewer or narrower layers']);
});
