import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CancelledError, type AnalysisContext } from '../../src/core/context';
import { fromRows, type DenseMatrix } from '../../src/core/linalg/dense';
import { Rng } from '../../src/core/rng';
import { explicitNetwork } from '../../src/core/network/model';
import { parseNetworkText } from '../../src/core/network/parse';
import { singularValues, bidiagonalize, bidiagonalSingularValues, JACOBI_MAX_DIM } from '../../src/core/spectrum/svd';
import { spectrumWasmAvailable } from '../../src/core/spectrum/bidiagonalWasm';
import { topSingularValues } from '../../src/core/spectrum/topK';
import { cdf, density, marchenkoPastur, normalizedDensity } from '../../src/core/spectrum/marchenkoPastur';
import { fitPowerLaw, MIN_EIGENVALUES } from '../../src/core/spectrum/powerLaw';
import { layerSpectrum } from '../../src/core/spectrum/layer';
import { analyzeSpectrum } from '../../src/core/spectrum/analyze';
import { allItems, printable } from '../../src/core/spectrum/items';

// ── numpy's singular values for fixed matrices (scripts/make-spectrum-references.py) ──

interface ReferenceCase {
  name: string;
  rows: number;
  cols: number;
  data?: number[];
  generator?: { kind: 'hash'; seed: number; scale: number; shift: number };
  singularValues: number[];
  minusIdentity?: number[];
}
const references = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'spectrum-references.json'), 'utf8')) as { source: string; numpy: string; cases: ReferenceCase[] };

/** The script's integer-hash matrix, rebuilt exactly (every step is exact in float64). */
function referenceMatrix(c: ReferenceCase): DenseMatrix {
  if (c.data) return { rows: c.rows, cols: c.cols, data: Float64Array.from(c.data) };
  const g = c.generator!;
  const data = new Float64Array(c.rows * c.cols);
  for (let i = 0; i < c.rows; i++) for (let j = 0; j < c.cols; j++) {
    const h = (7919 * i + 104729 * j + 31337 * i * j + g.seed) % 65521;
    data[i * c.cols + j] = ((h - 32760) / 32768) * g.scale + (i === j ? g.shift : 0);
  }
  return { rows: c.rows, cols: c.cols, data };
}

function assertValuesClose(actual: ArrayLike<number>, expected: readonly number[], what: string, relTol = 1e-13): void {
  assert.equal(actual.length, expected.length, `${what}: count`);
  // backward stable: every value within a few ε·σ_max of the exact one
  const tol = relTol * Math.max(1, expected[0]);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}: σ_${i + 1} = ${actual[i]}, numpy ${expected[i]} (|Δ| = ${Math.abs(actual[i] - expected[i])} > ${tol})`);
  }
}

test(`the references were recorded by ${'scripts/make-spectrum-references.py'} with numpy`, () => {
  assert.equal(references.source, 'scripts/make-spectrum-references.py');
  assert.ok(references.cases.length >= 8);
});

for (const algorithm of ['householder', 'jacobi', 'auto'] as const) {
  test(`singular values by ${algorithm} match numpy.linalg.svd on every reference matrix (to 1e-13·σ_max)`, () => {
    for (const c of references.cases) assertValuesClose(singularValues(referenceMatrix(c), { algorithm }), c.singularValues, `${c.name} (${algorithm})`);
  });
}

test('the JavaScript row pass (where WebAssembly SIMD is missing) matches numpy too', () => {
  for (const c of references.cases) assertValuesClose(singularValues(referenceMatrix(c), { algorithm: 'householder', useWasm: false }), c.singularValues, `${c.name} (JavaScript)`);
});

test('WebAssembly SIMD runs here (else the benchmark would time the JavaScript fallback), and both paths agree to rounding', () => {
  assert.equal(spectrumWasmAvailable(), true);
  const n = 150;
  const m = { rows: n + 7, cols: n, data: new Rng(11).fillGaussian(new Float64Array((n + 7) * n)) };
  const a = singularValues(m, { algorithm: 'householder' }), b = singularValues(m, { algorithm: 'householder', useWasm: false });
  for (let i = 0; i < n; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-13 * a[0], `σ_${i + 1}: ${a[i]} vs ${b[i]}`);
});

test('the committed bidiagonal.wasm.ts is what wabt makes of bidiagonal.wat (run `node scripts/build-spectrum-wasm.mjs` when this fails)', async () => {
  const { spectrumDir, spectrumModule } = await import('../../scripts/build-spectrum-wasm.mjs');
  const committed = readFileSync(path.join(spectrumDir, 'bidiagonal.wasm.ts'), 'utf8');
  assert.equal(committed, await spectrumModule('bidiagonal.wat', readFileSync(path.join(spectrumDir, 'bidiagonal.wat'), 'utf8')));
});

test('singular values of W − I match numpy on the square reference matrices', () => {
  let square = 0;
  for (const c of references.cases) {
    if (!c.minusIdentity) continue;
    square++;
    const ref = { kind: 'dense' as const, matrix: referenceMatrix(c) };
    const s = layerSpectrum({ layer: 1, label: c.name, rows: c.rows, cols: c.cols }, ref);
    assert.ok(s.minusIdentity, c.name);
    assertValuesClose(s.minusIdentity.singularValues, c.minusIdentity, `${c.name} W − I`);
    assert.equal(s.minusIdentity.spectralNorm, s.minusIdentity.singularValues[0]);
  }
  assert.ok(square >= 4);
});

test('the Hilbert matrix: Jacobi keeps the smallest singular value to high relative accuracy', () => {
  const c = references.cases.find((x) => x.name === 'hilbert 8')!;
  const s = singularValues(referenceMatrix(c), { algorithm: 'jacobi' });
  const last = c.singularValues.length - 1;
  assert.ok(Math.abs(s[last] - c.singularValues[last]) / c.singularValues[last] < 1e-5, `σ_min ${s[last]} vs ${c.singularValues[last]}`);
});

test('singular values: exact zeros, huge and tiny scales, and non-finite entries', () => {
  assert.deepEqual(Array.from(singularValues({ rows: 3, cols: 2, data: new Float64Array(6) })), [0, 0]);
  assert.deepEqual(Array.from(singularValues({ rows: 0, cols: 4, data: new Float64Array(0) })), []);
  const base = referenceMatrix(references.cases.find((x) => x.name === 'gaussian 40x25')!);
  const plain = singularValues(base);
  for (const scale of [1e150, 1e-150]) {
    const scaled = singularValues({ ...base, data: base.data.map((v) => v * scale) });
    for (let i = 0; i < plain.length; i++) assert.ok(Math.abs(scaled[i] / scale - plain[i]) <= 1e-13 * plain[0], `scale ${scale}, σ_${i + 1}`);
  }
  const bad = fromRows([[1, 2], [NaN, 4]]);
  assert.throws(() => singularValues(bad), { name: 'RangeError', message: 'singularValues: entry (2, 1) is NaN; a matrix with a non-finite entry has no spectrum' });
});

test('Householder bidiagonalization keeps the Frobenius norm, and the bidiagonal QR sorts descending', () => {
  const c = references.cases.find((x) => x.name === 'hash 130x64')!;
  const m = referenceMatrix(c);
  let fro = 0;
  for (const v of m.data) fro += v * v;
  const { d, e } = bidiagonalize(m.data.slice(), m.rows, m.cols);
  let bfro = 0;
  for (const v of d) bfro += v * v;
  for (const v of e) bfro += v * v;
  assert.ok(Math.abs(bfro / fro - 1) < 1e-13);
  const s = bidiagonalSingularValues(d, e);
  for (let i = 1; i < s.length; i++) assert.ok(s[i] <= s[i - 1]);
  assert.throws(() => bidiagonalize(new Float64Array(6), 2, 3), { message: 'bidiagonalize: needs rows ≥ cols, got 2×3' });
});

test('the SVD polls the context: a cancelled run throws CancelledError', () => {
  const n = 200;
  const data = new Rng(3).fillGaussian(new Float64Array(n * n));
  let polls = 0;
  const ctx: AnalysisContext = { progress: () => undefined, isCancelled: () => ++polls > 2 };
  assert.throws(() => singularValues({ rows: n, cols: n, data }, { algorithm: 'householder', ctx }), CancelledError);
  assert.throws(() => singularValues({ rows: 40, cols: 40, data: data.subarray(0, 1600) }, { algorithm: 'jacobi', ctx: { progress: () => undefined, isCancelled: () => true } }), CancelledError);
  const fractions: number[] = [];
  singularValues({ rows: n, cols: n, data }, { algorithm: 'householder', onProgress: (f) => fractions.push(f) });
  assert.ok(fractions.length > 2 && fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1])));
  assert.equal(fractions[fractions.length - 1], 1);
});

// ── top-k by Lanczos ──

test('top-k by Lanczos agrees with the full SVD, and finds repeated values (identity) through restarts', () => {
  const c = references.cases.find((x) => x.name === 'hash 130x64')!;
  const m = referenceMatrix(c);
  const r = topSingularValues(m, 10);
  assert.equal(r.values.length, 10);
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(r.values[i] - c.singularValues[i]) <= 1e-9 * c.singularValues[0], `σ_${i + 1}: ${r.values[i]} vs ${c.singularValues[i]}`);
  for (let i = 0; i < 10; i++) assert.ok(r.residuals[i] <= 1e-10 * r.values[0] + 1e-15);
  const eye = { rows: 60, cols: 60, data: new Float64Array(3600) };
  for (let i = 0; i < 60; i++) eye.data[i * 61] = 1;
  const e = topSingularValues(eye, 5);
  assert.deepEqual(Array.from(e.values, (v) => Math.round(v * 1e12) / 1e12), [1, 1, 1, 1, 1]);
  assert.throws(() => topSingularValues(m, 0), { message: 'topSingularValues: k must be a positive integer, got 0' });
});

// ── Marchenko–Pastur ──

test('Marchenko–Pastur edges are σ²(1 ± √(n/m))² for (1/m)WᵀW and σ²(√m ± √n)² for WᵀW, whichever side is longer', () => {
  for (const [m, n, s2] of [[400, 100, 0.25], [100, 400, 0.25], [64, 64, 2], [1000, 10, 1e-3]] as const) {
    const law = marchenkoPastur(m, n, s2);
    const big = Math.max(m, n), small = Math.min(m, n);
    const y = small / big;
    assert.equal(law.ratio, y);
    assert.ok(Math.abs(law.normalizedEdges[0] - s2 * (1 - Math.sqrt(y)) ** 2) <= 1e-15 * s2);
    assert.ok(Math.abs(law.normalizedEdges[1] - s2 * (1 + Math.sqrt(y)) ** 2) <= 1e-15 * s2);
    assert.ok(Math.abs(law.lambdaMinus - s2 * (Math.sqrt(big) - Math.sqrt(small)) ** 2) <= 1e-12 * law.lambdaPlus);
    assert.ok(Math.abs(law.lambdaPlus - s2 * (Math.sqrt(big) + Math.sqrt(small)) ** 2) <= 1e-12 * law.lambdaPlus);
  }
  // square: the lower edge is 0 and the density has the 1/√μ singularity there
  assert.equal(marchenkoPastur(64, 64, 1).lambdaMinus, 0);
  assert.throws(() => marchenkoPastur(0, 3, 1), { message: 'marchenkoPastur: shape must be positive integers, got 0×3' });
  assert.throws(() => marchenkoPastur(3, 3, -1), { message: 'marchenkoPastur: variance must be finite and non-negative, got -1' });
});

test('the Marchenko–Pastur density integrates to 1 and vanishes outside its edges', () => {
  for (const [m, n] of [[400, 100], [300, 300], [50, 200]] as const) {
    const law = marchenkoPastur(m, n, 0.5);
    assert.equal(density(law, law.lambdaPlus * 1.001), 0);
    assert.equal(density(law, law.lambdaMinus * 0.999), 0);
    assert.ok(Math.abs(cdf(law, law.lambdaPlus) - 1) < 1e-12);
    // midpoint rule in λ away from the singular edge; the CDF's substitution covers the rest
    const lo = law.lambdaMinus, hi = law.lambdaPlus, steps = 200000;
    let s = 0;
    for (let i = 0; i < steps; i++) s += density(law, lo + ((i + 0.5) * (hi - lo)) / steps);
    s *= (hi - lo) / steps;
    assert.ok(Math.abs(s - 1) < (lo === 0 ? 5e-3 : 1e-6), `∫ p = ${s} for ${m}×${n}`);
    assert.ok(Math.abs(cdf(law, (lo + hi) / 2) - ((lo + hi) / 2 - lo) / (hi - lo)) < 1, 'cdf defined');
  }
  assert.equal(normalizedDensity(marchenkoPastur(10, 10, 0), 0.5), 0);
});

test('a seeded Gaussian 400×200 matrix has its ESD inside the MP edges and close to the MP law (KS < 0.04)', () => {
  const m = 400, n = 200, sd = 0.7;
  const w = { rows: m, cols: n, data: new Rng(42).fillGaussian(new Float64Array(m * n), 0, sd) };
  const s = layerSpectrum({ layer: 1, label: 'gaussian', rows: m, cols: n }, { kind: 'dense', matrix: w });
  const mp = s.marchenkoPastur!;
  assert.ok(Math.abs(mp.variance / (sd * sd) - 1) < 0.02, `variance ${mp.variance}`);
  const eig = Array.from(s.singularValues, (x) => x * x).sort((a, b) => a - b);
  assert.ok(eig[0] > mp.lambdaMinus * 0.9 && eig[eig.length - 1] < mp.lambdaPlus * 1.05, `ESD [${eig[0]}, ${eig[eig.length - 1]}] vs MP [${mp.lambdaMinus}, ${mp.lambdaPlus}]`);
  const law = marchenkoPastur(m, n, mp.variance);
  let ks = 0;
  eig.forEach((l, i) => { const F = cdf(law, l); ks = Math.max(ks, Math.abs(F - i / n), Math.abs(F - (i + 1) / n)); });
  assert.ok(ks < 0.04, `KS distance ${ks}`);
});

// ── power-law fit ──

/** n samples of the Pareto law p(x) = (α−1) x_min^(α−1) x^(−α), x ≥ x_min, by inversion. */
function pareto(rng: Rng, n: number, alpha: number, xmin: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = xmin * Math.pow(1 - rng.uniform(), -1 / (alpha - 1));
  return out;
}

test('the α fit recovers the exponent of seeded Pareto samples within its standard error (≈ 60 % of 300 runs within 1 SE, ≥ 88 % within 2 SE)', () => {
  // The standard error (α − 1)/√n is conditional on x_min (Clauset et al. eq. 3.2, as WeightWatcher
  // reports it); choosing x_min by KS adds variance, so coverage is a little under the nominal 68/95 %.
  for (const [alpha, seed] of [[2, 1], [3.5, 2]] as const) {
    let within1 = 0, within2 = 0, worst = 0;
    const runs = 300;
    for (let r = 0; r < runs; r++) {
      const fit = fitPowerLaw(pareto(Rng.derive(seed, r), 400, alpha, 0.5));
      assert.equal(fit.status, 'fitted');
      const z = Math.abs(fit.alpha - alpha) / fit.standardError;
      if (z <= 1) within1++;
      if (z <= 2) within2++;
      worst = Math.max(worst, z);
      assert.ok(fit.xmin >= 0.5 && fit.tailCount >= 5 && fit.ks > 0 && fit.ks < 1);
    }
    assert.ok(within1 / runs > 0.55 && within1 / runs < 0.8, `α = ${alpha}: ${within1 / runs} of the fits within one standard error`);
    assert.ok(within2 / runs >= 0.88, `α = ${alpha}: ${within2 / runs} of the fits within two standard errors`);
    assert.ok(worst < 5, `α = ${alpha}: worst |α̂ − α| = ${worst} standard errors`);
  }
});

test('the α fit on a large Pareto sample: x_min near the true one, α within 2 SE, SE = (α − 1)/√n', () => {
  const fit = fitPowerLaw(pareto(new Rng(99), 5000, 2.5, 1));
  assert.ok(Math.abs(fit.alpha - 2.5) <= 2 * fit.standardError, `α̂ = ${fit.alpha} ± ${fit.standardError}`);
  assert.equal(fit.standardError, (fit.alpha - 1) / Math.sqrt(fit.tailCount));
  assert.ok(fit.xmin < 2, `x_min ${fit.xmin}`);
  assert.equal(fit.count, 5000);
});

test('too few eigenvalues is said, with the count, instead of a fit', () => {
  const fit = fitPowerLaw([4, 3, 2, 1, 0, 0]);
  assert.equal(fit.status, 'too-few');
  assert.equal(fit.message, `too few eigenvalues to fit a power law: 4 positive (2 numerically zero dropped), at least ${MIN_EIGENVALUES} needed`);
  assert.ok(Number.isNaN(fit.alpha));
  assert.equal(fitPowerLaw(new Array(12).fill(2)).status, 'too-few');
  assert.throws(() => fitPowerLaw([1, -2]), { message: 'fitPowerLaw: value 2 is -2; eigenvalues of WᵀW are finite and non-negative' });
});

// ── per-layer spectrum ──

test('layer spectrum: stable rank ‖W‖_F²/‖W‖₂², MP counts, W − I only for square layers, and the top-k path says so', () => {
  const c = references.cases.find((x) => x.name === 'hash 130x64')!;
  const w = referenceMatrix(c);
  const s = layerSpectrum({ layer: 2, label: 'layer 2', rows: w.rows, cols: w.cols }, { kind: 'dense', matrix: w });
  let fro = 0;
  for (const v of w.data) fro += v * v;
  assert.ok(Math.abs(s.frobeniusSquared - fro) <= 1e-12 * fro);
  assert.ok(Math.abs(s.stableRank - fro / c.singularValues[0] ** 2) <= 1e-12 * s.stableRank);
  assert.equal(s.method.kind, 'full');
  assert.equal(s.method.description, 'full SVD (Householder bidiagonalization + implicit QR)');
  assert.equal(s.minusIdentity, null);
  assert.equal(s.minusIdentityNote, 'W is 130×64: W − I is defined for square layers only');
  assert.equal(s.marchenkoPastur!.above + s.marchenkoPastur!.below <= 64, true);
  const top = layerSpectrum({ layer: 2, label: 'layer 2', rows: w.rows, cols: w.cols }, { kind: 'dense', matrix: w }, { fullSvdMaxFlops: 1e4, topK: 12 });
  assert.equal(top.method.kind, 'top-k');
  assert.equal(top.method.computed, 12);
  assert.equal(top.method.description, 'top 12 of 64 singular values by Lanczos bidiagonalization (a full SVD of 130×64 needs 1.8·10^6 flops, above the budget of 1.0·10^4)');
  assert.ok(Math.abs(top.stableRank - s.stableRank) <= 1e-9 * s.stableRank, 'stable rank needs only ‖W‖_F and σ_max');
  assert.equal(top.powerLaw.partial, true);
  assert.match(top.powerLaw.message, /only the top 12 of 64 eigenvalues are known/);
});

test('a per-frequency (block-diagonal) operator has the union of its blocks\' singular values', () => {
  const c1 = referenceMatrix(references.cases.find((x) => x.name === '2x2')!);
  const c2 = referenceMatrix(references.cases.find((x) => x.name === 'gaussian 40x25')!);
  const blockDiag: DenseMatrix = { rows: 42, cols: 27, data: new Float64Array(42 * 27) };
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) blockDiag.data[i * 27 + j] = c1.data[i * 2 + j];
  for (let i = 0; i < 40; i++) for (let j = 0; j < 25; j++) blockDiag.data[(i + 2) * 27 + j + 2] = c2.data[i * 25 + j];
  const union = layerSpectrum({ layer: 1, label: 'conv', rows: 42, cols: 27 }, { kind: 'per-frequency', blocks: [c1, c2] });
  const full = singularValues(blockDiag);
  assert.equal(union.operator, 'per-frequency');
  assertValuesClose(union.singularValues, Array.from(full), 'union');
  assert.equal(union.marchenkoPastur, null);
});

test('a branch layer gets no W − I, with the reason', () => {
  const net = parseNetworkText(readFileSync(path.join(__dirname, '..', '..', 'examples', 'resnet-bottleneck.network.json'), 'utf8'), { fileName: 'resnet-bottleneck.network.json' }).network!;
  const r = analyzeSpectrum(net);
  const branch = r.items.find((s) => s.branchLayer !== undefined)!;
  assert.equal(branch.minusIdentity, null);
  assert.equal(branch.minusIdentityNote, 'a branch layer: its block computes σ(x + branch(x)), so the identity is added by the shortcut, not subtracted from this matrix');
  assert.equal(r.totalItems, allItems(net).length);
});

// ── the whole network ──

const familyText = JSON.stringify({
  format: 'depth-lens/network@1',
  input: { dim: 12 },
  layers: [
    { type: 'family', count: 1000, width: 12, weights: { identity: 1, random: { distribution: 'normal', std: 0.2 }, scale: { offset: 0, power: -1 } }, activation: 'relu', seed: 5 },
  ],
});

test('a 1000-layer family is sampled log-spaced (first and last included) and the result says so', () => {
  const net = parseNetworkText(familyText, { fileName: 'family.network.json' }).network!;
  const r = analyzeSpectrum(net, { maxLayers: 20 });
  assert.equal(r.sampled, true);
  assert.equal(r.items[0].layer, 1);
  assert.equal(r.items[r.items.length - 1].layer, 1000);
  assert.ok(r.items.length <= 20);
  assert.equal(r.notes[0], `1000 layers: showing ${r.items.length} log-spaced layers (always the first and the last), as the overview does`);
  for (const s of r.items) {
    assert.equal(s.powerLaw.status, 'fitted', '12 eigenvalues: enough to fit');
    assert.ok(s.minusIdentity && s.minusIdentity.spectralNorm > 0);
  }
  // W_k − I = s(k)·M_k: its norm decays like 1/k
  assert.ok(r.items[r.items.length - 1].minusIdentity!.spectralNorm < r.items[0].minusIdentity!.spectralNorm / 100);
  assert.throws(() => analyzeSpectrum(net, { layers: [0] }), { message: 'layer 0 is not a layer number of this network (1..1000)' });
  assert.deepEqual(analyzeSpectrum(net, { layers: [7, 3, 7] }).items.map((s) => s.layer), [3, 7]);
});

test('spectrum analysis reports progress and stops on cancellation', () => {
  const net = explicitNetwork({ dim: 80, probes: [] }, [0, 1, 2].map((k) => ({
    kind: 'dense' as const, activation: 'relu' as const, bias: new Float64Array(80),
    weights: { rows: 80, cols: 80, data: Rng.derive(7, k).fillGaussian(new Float64Array(6400), 0, 0.1) },
  })));
  const seen: number[] = [];
  analyzeSpectrum(net, {}, { progress: (f) => seen.push(f), isCancelled: () => false });
  assert.ok(seen.length >= 3 && seen.every((f) => f >= 0 && f <= 1));
  assert.throws(() => analyzeSpectrum(net, {}, { progress: () => undefined, isCancelled: () => true }), CancelledError);
});

test('names from a file are printed with control characters escaped', () => {
  assert.equal(printable('fc\n1\u001b[31m'), 'fc\\u000a1\\u001b[31m');
});

test(`Jacobi is the auto choice up to ${JACOBI_MAX_DIM}, Householder above (the method says which)`, () => {
  const small = layerSpectrum({ layer: 1, label: 'a', rows: 20, cols: 20 }, { kind: 'dense', matrix: { rows: 20, cols: 20, data: new Rng(1).fillGaussian(new Float64Array(400)) } });
  assert.equal(small.method.algorithm, 'jacobi');
  const big = layerSpectrum({ layer: 1, label: 'a', rows: 40, cols: 33 }, { kind: 'dense', matrix: { rows: 40, cols: 33, data: new Rng(1).fillGaussian(new Float64Array(1320)) } });
  assert.equal(big.method.algorithm, 'householder');
});
