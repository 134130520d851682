/**
 * Issue 17, items 1–2: numbers beyond float64 are findings (never ∞/NaN results, never a finite
 * answer drawn from them), scale-free answers stay right at any magnitude, and every analysis is
 * refused from its shapes, before any work, when its cost is above the budget.
 *
 * The hostile networks are the ones of scripts/make-hostile-files.mjs, parsed from the same documents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetworkText } from '../../src/core/network/parse';
import type { DenseLayer, Network } from '../../src/core/network/model';
import { explicitNetwork } from '../../src/core/network/model';
import { analyzeActivations, packedPattern } from '../../src/core/activation/pointwise';
import { forward } from '../../src/core/network/forward';
import { forwardScaled, ldexp, magnitude, NonFiniteError } from '../../src/core/network/scaled';
import { probeAngles, vectorAngle } from '../../src/core/degeneracy/analysis';
import { slicePartition } from '../../src/core/regions/partition';
import { vectorNorm } from '../../src/core/linalg/norms';
import { analyzeConvergence } from '../../src/core/convergence/analyze';
import {
  activationsCost, allocationFailure, BudgetError, checkBudget, convergenceCost, DEFAULT_BUDGET, layerNormsCost, layerRuns,
} from '../../src/core/network/budget';
import { overviewRows } from '../../src/core/summary/overview';
// @ts-expect-error: a plain ES module script (no declarations)
import { hostileFiles } from '../../scripts/make-hostile-files.mjs';

const docs = hostileFiles() as Map<string, unknown>;

function hostile(name: string): Network {
  const doc = docs.get(name);
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  const r = parseNetworkText(text, { fileName: name });
  assert.ok(r.network, `${name}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.network;
}

const dense = (rows: number[][], bias: number[], activation: 'relu' | 'linear' = 'relu'): DenseLayer => ({
  kind: 'dense', weights: { rows: rows.length, cols: rows[0].length, data: Float64Array.from(rows.flat()) }, bias: Float64Array.from(bias), activation,
});
const net2 = (layers: DenseLayer[], probes: Array<[string, number[]]> = []): Network =>
  explicitNetwork({ dim: layers[0].weights.cols, probes: probes.map(([name, x]) => ({ name, x: Float64Array.from(x) })) }, layers);

test('ldexp and magnitude: x·2^e with exponents beyond float64\'s own range', () => {
  assert.equal(ldexp(1, 1100), Infinity);
  assert.equal(ldexp(1, -1074 - 2), 0);
  assert.equal(ldexp(3, -1074 - 2), 2 ** -1074);
  assert.equal(ldexp(2 ** -1000, 1500), 2 ** 500);
  assert.equal(ldexp(ldexp(1.5, -1000), 1000), 1.5);
  assert.equal(ldexp(0.75, -1030), 0.75 * 2 ** -1030);
  // 10^1000 = 2^3321.928…
  assert.equal(magnitude(1000 / Math.log10(2)), 'about 1.0e1000');
  assert.equal(magnitude(Math.log2(1e308) + 1), 'about 2.0e308');
});

test('W = 10·I for 1000 layers: the patterns and the radius are exact, N(x) and the affine map are withheld as an overflow at layer 309', () => {
  const net = hostile('overflow-10I.network.json');
  const r = analyzeActivations(net, [1, -0.5]);
  // N_k(1, −0.5) = (10^k, 0): finite up to 10^308, beyond float64 at layer 309
  assert.deepEqual(r.overflow && { layer: r.overflow.layer, quantity: r.overflow.quantity }, { layer: 309, quantity: 'preactivation' });
  assert.equal(r.overflow!.message, 'overflows float64 at layer 309 (a pre-activation is about 1.0e309): N(x), the affine map and every value from layer 309 on are withheld; the activation patterns and the stability radius are exact (computed with a per-layer scale)');
  // every layer: neuron 1 active, neuron 2 inactive (never the NaN → 0 of the plain pass)
  for (const l of r.layers) assert.deepEqual(Array.from(l.pattern), [1, 0], `layer ${l.layer}`);
  // the face x₂ = 0 of layer 1 (|z| / ‖normal‖ = 5 / 10) is the nearest; later normals are 10^k e₁ with |z| / ‖n‖ = 1
  assert.equal(r.radius, 0.5);
  assert.equal(r.nearestFace?.label, 'layer 1, neuron 2');
  assert.ok(Array.from(r.output).every(Number.isNaN), 'N(x) withheld (NaN), never ∞ or 0');
  assert.ok(Array.from(r.affine.A.data).every(Number.isNaN) && Array.from(r.affine.c).every(Number.isNaN));
  assert.ok(Number.isNaN(r.affine.residual));
  // the scale-free check of the affine map still holds on the scaled values
  assert.ok(r.affine.relativeResidual <= 1e-15, `relative residual ${r.affine.relativeResidual}`);
  // layer 308 is still a number: 10^308 (to rounding)
  assert.ok(Math.abs(r.layers[307].output[0] / 1e308 - 1) < 1e-12, `N_308 = ${r.layers[307].output[0]}`);
  assert.ok(Number.isNaN(r.layers[308].output[0]));
  // the plain forward pass is the failure being fixed: ∞ and a silent 0
  assert.deepEqual(Array.from(forward(net, [1, -0.5])), [Infinity, 0]);
  // the same pattern from the cheap packed pattern (two bits per layer: 0b01 each)
  const packed = packedPattern(net, [1, -0.5]);
  assert.equal(packed.length, 1000);
  assert.ok(packed.every((w) => w === 1));
});

test('the same network cut at 300 layers has no overflow: values, map and pattern as before', () => {
  const net = explicitNetwork({ dim: 2, probes: [] }, Array.from({ length: 300 }, () => dense([[10, 0], [0, 10]], [0, 0])));
  const r = analyzeActivations(net, [1, -0.5]);
  assert.equal(r.overflow, undefined);
  assert.deepEqual(Array.from(r.output), Array.from(forward(net, [1, -0.5])));
  assert.equal(r.radius, 0.5);
});

test('biases of 1e308 (and ∞ − ∞ in the next layer): an overflow finding at layer 1, no Infinity or NaN output', () => {
  const cancel = hostile('bias-1e308-cancel.network.json');
  const r = analyzeActivations(cancel, [1e308, 1e308]);
  assert.equal(r.overflow?.layer, 1);
  assert.equal(r.overflow?.message, 'overflows float64 at layer 1 (a pre-activation is about 2.0e308): N(x), the affine map and every value from layer 1 on are withheld; the activation patterns and the stability radius are exact (computed with a per-layer scale)');
  assert.deepEqual(Array.from(r.layers[0].pattern), [1, 1]);
  // the plain pass gives NaN (∞ − ∞); the scaled pass the true value 0
  assert.ok(Number.isNaN(forward(cancel, [1e308, 1e308])[0]));
  const s = forwardScaled(cancel, [1e308, 1e308]);
  assert.equal(ldexp(s.v[0], s.e), 0);
  const out = hostile('bias-1e308-out.network.json');
  assert.equal(analyzeActivations(out, [1e308, 1e308]).overflow?.layer, 1);
  // a small input through the same layer is an ordinary answer
  const small = analyzeActivations(out, [1, 1]);
  assert.equal(small.overflow, undefined);
  assert.deepEqual(Array.from(small.output), [1e308, 1e308]);
});

test('values that pass through float64\'s range and come back are still withheld from the first overflow on', () => {
  const net = net2([dense([[1e200]], [0]), dense([[1e200]], [0]), dense([[1e-200]], [0]), dense([[1e-200]], [0], 'linear')]);
  const r = analyzeActivations(net, [1]);
  assert.equal(r.overflow?.layer, 2);
  assert.ok(Number.isNaN(r.output[0]));
  // the true value is 1: the scaled forward pass carries it
  const s = forwardScaled(net, [1]);
  assert.equal(ldexp(s.v[0], s.e), 1);
});

test('a NaN or infinite weight is located and refused, never propagated', () => {
  const net = net2([dense([[1, 0], [0, 1]], [0, 0]), dense([[1, NaN]], [0], 'linear')]);
  assert.throws(() => analyzeActivations(net, [1, 2]), (e: unknown) => e instanceof NonFiniteError && e.layer === 2 && e.message === 'layer 2: weight (1, 2) is NaN; nothing from this layer on is a number');
  const inf = net2([dense([[1]], [-Infinity])]);
  assert.throws(() => analyzeActivations(inf, [1]), { message: 'layer 1: bias 1 is -Infinity; nothing from this layer on is a number' });
});

test('angles are scale-free: probes of size 1e200 and 1e−200 at 45° give θ⁰ = π/4', () => {
  for (const s of [1e200, 1e-200, 1e-310, 1.7e308]) {
    const a = vectorAngle([s, 0], [s, s]);
    assert.ok(a, `scale ${s}`);
    assert.ok(Math.abs(a.theta - Math.PI / 4) < 1e-15, `scale ${s}: θ = ${a.theta}`);
  }
  assert.equal(vectorAngle([0, 0], [1, 1]), null);
  for (const name of ['probes-1e200.network.json', 'probes-1e-200.network.json']) {
    const r = probeAngles(hostile(name));
    assert.ok(Math.abs(r.theta0 - Math.PI / 4) < 1e-15, `${name}: θ⁰ = ${r.theta0}`);
    assert.ok(Math.abs(r.layers[1].theta! - Math.PI / 4) < 1e-15, `${name}: θ¹ = ${r.layers[1].theta}`);
  }
});

test('angles through W = 10·I for 1000 layers stay the true angle (atan 4), not NaN from ∞', () => {
  const r = probeAngles(hostile('overflow-10I.network.json'));
  // a = (1, −0.5) → (10, 0), b = (0.5, 2) → (5, 20): the angle between (1, 0) and (1, 4), kept by every 10·I
  const last = r.layers[1000];
  assert.ok(last.theta !== null && Math.abs(last.theta - Math.atan(4)) < 1e-14, `θ at layer 1000 = ${last.theta}`);
});

test('regions: a 2-D slice scaled by 1e308 has its true 4 regions (was 1), counted on a rescaled slice', () => {
  const net = hostile('regions-1e308.network.json');
  const r = slicePartition(net);
  assert.equal(r.regions, 4);
  assert.deepEqual(r.perDepth, [4, 4]);
  const p = slicePartition(net, { polygons: true });
  // vertices back in the slice's own coordinates: the cut lines are s = 1e307 and t = −1e307
  const xs = new Set<number>();
  for (const reg of p.polygons!) for (let k = 0; k < reg.vertices.length; k += 2) xs.add(Number(reg.vertices[k].toPrecision(6)));
  assert.deepEqual([...xs].sort((a, b) => a - b), [-1e308, 1e307, 1e308]);
  // the output maps are finite here (|N| ≤ 2e308 only at the corners, but the map's coefficients are 1)
  assert.equal(p.overflow, undefined);
  // the same network on an ordinary box: unchanged code path
  assert.equal(slicePartition(net, { box: [-1, 1, -1, 1] }).regions, 1);
});

test('regions through W = 10·I for 1000 layers: 4 regions; the maps (10^1000) are withheld, never ∞', () => {
  const net = hostile('overflow-10I.network.json');
  const r = slicePartition(net, { polygons: true, patterns: true, inputMaps: true });
  assert.equal(r.regions, 4);
  assert.equal(r.overflow?.message, 'the regions\' affine maps overflow float64 (about 1.0e1000): they are withheld; the partition and the count are exact (computed on a rescaled slice)');
  for (const reg of r.polygons!) {
    assert.ok(Array.from(reg.plane.A.data).every(Number.isNaN));
    assert.equal(reg.input, undefined);
  }
});

test('vector 2-norms of huge and tiny vectors are scaled, not ∞ or 0', () => {
  assert.equal(vectorNorm([1e308, 1e308]), Math.SQRT2 * 1e308);
  assert.equal(vectorNorm([3e-200, 4e-200]), 5e-200);
  assert.equal(vectorNorm([3, 4]), 5);
});

test('convergence on W = 10·I: trajectories that overflow never make the non-degeneracy assumption "satisfied"; the verdict is withheld', () => {
  const r = analyzeConvergence(hostile('overflow-10I.network.json'));
  assert.equal(r.verdicts.pointwise.undecidable, 'overflow');
  assert.equal(r.verdicts.pointwise.headline, 'Cannot decide: overflows float64 at layer 308');
  assert.notEqual(r.verdicts.necessary.assumption?.status, 'satisfied');
});

test('budgets from shapes: a 10⁷-layer family is refused by activations in memory, before any layer is generated', () => {
  const net = hostile('family-deep-1e7.network.json');
  assert.deepEqual(layerRuns(net).map((r) => r.count), [10_000_000]);
  const cost = activationsCost(net, { partialProducts: false });
  assert.throws(() => checkBudget('activations', cost, DEFAULT_BUDGET), (e: unknown) => e instanceof BudgetError && e.resource === 'memory' &&
    e.message === 'activations needs about 7.93 GB of memory (10000000 layers, 10000000 units, input dimension 2), above the budget of 1024 MB; raise it with --max-memory-mb (editor: setting depthLens.analysis.maxMemoryMB), or analyse a smaller network');
  assert.throws(() => analyzeActivations(net, [1, 1], { partialProducts: false }), BudgetError);
  // a budget the user raised lets the estimate through (the check itself, not the run)
  assert.doesNotThrow(() => checkBudget('activations', cost, { maxWork: 1e12, maxMemoryMB: 16384 }));
});

test('budgets: a residual family of width 10⁵ is refused (its width × input-dimension maps), never "Invalid typed array length"', () => {
  const net = hostile('residual-wide-1e5.network.json');
  assert.deepEqual(layerRuns(net).map((r) => ({ count: r.count, residual: r.residual, units: r.units, source: r.source })),
    [{ count: 2, residual: true, units: [{ rows: 2, cols: 100000 }, { rows: 100000, cols: 2 }], source: 'generated' }]);
  assert.throws(() => analyzeActivations(net, new Float64Array(100000).fill(1), { partialProducts: false }), {
    message: 'activations needs about 223.52 GB of memory (2 layers, 6 units, input dimension 100000), above the budget of 1024 MB; raise it with --max-memory-mb (editor: setting depthLens.analysis.maxMemoryMB), or analyse a smaller network',
  });
  // convergence keeps no width² scratch for residual runs: it runs (the old walk died allocating 10¹⁰ numbers)
  const cost = convergenceCost(net, 1, false);
  assert.ok(cost.bytes < 1e8, `convergence bytes ${cost.bytes}`);
  assert.doesNotThrow(() => analyzeConvergence(net, { partialProducts: false }));
});

test('budgets: an affine family costs its forward steps, not a Lanczos norm a layer (10⁵ layers of width 64 run in under a second)', () => {
  const M = Array.from({ length: 64 }, (_, i) => Array.from({ length: 64 }, (_, j) => (i === j ? 0.5 : 0.01 * Math.sin(i + 2 * j))));
  const text = JSON.stringify({
    format: 'depth-lens/network@1', input: { dim: 64 },
    layers: [{ type: 'family', count: 100000, weights: { identity: 1, matrix: M, scale: { offset: 1, power: -2 } }, activation: 'relu' }],
  });
  const net = parseNetworkText(text).network!;
  const cost = convergenceCost(net, 3, false);
  // per layer 3 probes × 64² multiply-adds and the 2·64² of making W_k; once: ‖M‖₂ by Lanczos and M's eigenvalues (10·64³)
  assert.equal(cost.work, 100000 * (3 * 64 * 64 + 2 * 64 * 64) + (100 * 2 * 64 * 64 + 10 * 64 ** 3));
  assert.ok(cost.work < DEFAULT_BUDGET.maxWork);
});

test('budgets: norms of a family of width 10⁴ are refused from the shapes (info/overview ran past 130 s)', () => {
  const net = hostile('family-wide-1e4.network.json');
  const cost = layerNormsCost(net, [0, 9]);
  // two generated layers: 20 multiply-adds a random weight, and two Lanczos norms of 100 iterations × 2 products each
  assert.equal(cost.work, 2 * (20 * 1e8 + 2 * 100 * 2 * 1e8));
  // a generated 10⁴ × 10⁴ layer and its W − I copy: 1.6·10⁹ bytes, above 1 GB
  assert.equal(cost.bytes, 2 * 8 * 1e8);
  assert.throws(() => overviewRows(net), {
    message: 'the overview norms needs about 1.49 GB of memory (norms of 10 layers), above the budget of 1024 MB; raise it with --max-memory-mb (editor: setting depthLens.analysis.maxMemoryMB), or analyse a smaller network',
  });
  // with the memory raised, the work is what refuses it
  assert.throws(() => overviewRows(net, 400, undefined, { maxWork: 1e10, maxMemoryMB: 4096 }), {
    message: 'the overview norms needs about 4.2e11 multiply-adds (norms of 10 layers), above the budget of 1.0e10; raise it with --max-work (editor: setting depthLens.analysis.maxWork), or analyse a smaller network',
  });
});

test('allocation failures become budget messages naming the control', () => {
  const e = allocationFailure(new RangeError('Invalid typed array length: 10000000000'), 'convergence');
  assert.ok(e instanceof BudgetError);
  assert.equal((e as Error).message, 'convergence could not allocate its memory (Invalid typed array length: 10000000000): the network is too large for this machine; analyse a smaller network, or lower --max-memory-mb (editor: setting depthLens.analysis.maxMemoryMB) so it is refused before it starts');
  const other = new RangeError('layer index 3 out of range 0..2');
  assert.equal(allocationFailure(other, 'x'), other);
});

test('convergence on weights of 1e308: a series whose finite terms sum past float64 says it overflows, never "= ∞ (exact …)"', () => {
  // test/fixtures-workspace/hostile/overflow.network.json: ‖W_k − I‖₂ ≈ 1e308 on each of 3 layers
  const w = (a: number, b: number) => [[a, 0], [0, b]];
  const net = net2([dense(w(1e308, 1e308), [0, 0]), dense(w(1e308, 1e308), [0, 0]), dense(w(1e308, 1), [0, 0], 'linear')]);
  const r = analyzeConvergence(net, { norm: '2' });
  assert.equal(r.series.weight.sum, Infinity);
  assert.match(r.verdicts.sufficient.reason, /Σ‖W_k − I‖₂ over layers 1–3 overflows float64 \(above 1\.8e308\); undecided/);
  assert.doesNotMatch(r.verdicts.sufficient.reason, /= ∞/);
});
