/**
 * The verdict rules against networks whose answer is known: tails that need enough layers, a slowly
 * but provably convergent network, a divergent series a power-law fit alone would call summable
 * (1/(k log k)), conditional convergence at a probe, the necessary condition only where its theorem
 * applies, and --fail-on. Reference numbers are computed here or cited (scipy.special.zeta,
 * scipy.stats.t.ppf).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeConvergence, blockSums, decideSummability, dyadicBlocks, fitPowerLaw } from '../../src/core/convergence';
import { convergenceCommand } from '../../src/cli/commands/convergence';
import { UsageError } from '../../src/cli/command';
import { fromRows, zeros } from '../../src/core/linalg/dense';
import { explicitNetwork, type Layer } from '../../src/core/network/model';
import { parseNetworkText } from '../../src/core/network/parse';
import { Rng } from '../../src/core/rng';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { affineFamilyNetwork } from './convergence.helpers';
import { memoryIo } from './convergence.helpers';
import { fmtExponent } from '../../src/core/convergence/format';

const scalar = (w: number, b: number, activation: 'relu' | 'linear' = 'relu'): Layer => ({ kind: 'dense', weights: fromRows([[w]]), bias: Float64Array.of(b), activation });

function familyFile(count: number, identity: number, matrix: number[][], wScale: object | undefined, vector: number[], bScale: object | undefined, probes: Record<string, number[]>): string {
  return JSON.stringify({
    format: 'depth-lens/network@1',
    input: { dim: matrix.length, probes },
    layers: [{ type: 'family', count, weights: { identity, matrix, ...(wScale ? { scale: wScale } : {}) }, bias: { vector, ...(bScale ? { scale: bScale } : {}) }, activation: 'relu' }],
  });
}

const files = {
  // MATH.md §A: W = I/2 converges to 0 although W_k does not tend to I
  'half.network.json': familyFile(200, 0.5, [[0, 0], [0, 0]], undefined, [0, 0], undefined, { ones: [1, 1] }),
  // MATH.md §A divergent example: W_n = I, b_n = (1, 1)
  'bias.network.json': familyFile(200, 1, [[0, 0], [0, 0]], undefined, [1, 1], undefined, { zero: [0, 0] }),
  // W = I, b_k = 0.1 (k+1)^−1.1: increasing and bounded, limit 0.1 (ζ(1.1) − 1)
  'slow.network.json': familyFile(1000, 1, [[0]], undefined, [0.1], { offset: 1, power: -1.1 }, { zero: [0] }),
};
const cli = (...argv: string[]) => convergenceCommand.run(argv, memoryIo(files));

/** The block decision of a series of terms given for layer numbers first.. */
const decide = (terms: Float64Array, first = 1) => { const g = dyadicBlocks(first, first + terms.length - 1); return decideSummability(blockSums(terms, first, g), g); };

test('an exactly-zero tail decides only with enough layers: one random layer and one identity layer claim nothing', () => {
  assert.equal(fitPowerLaw(new Float64Array(1), 2, 2, 2).kind, 'insufficient');
  assert.equal(fitPowerLaw(new Float64Array(7), 1, 1, 7).kind, 'insufficient');
  const eight = fitPowerLaw(new Float64Array(8), 1, 1, 8);
  assert.deepEqual([eight.kind, eight.zeros, eight.minPoints], ['zero', 8, 8]);
  assert.equal(decide(new Float64Array(1), 2).status, 'inconclusive');
  assert.deepEqual([decide(new Float64Array(16)).status, decide(new Float64Array(16)).kind], ['holds', 'zero-tail']);
  // the audit's "stop" network
  const net = explicitNetwork({ dim: 2, probes: [{ name: 'a', x: Float64Array.of(1, 0.5) }] }, [
    { kind: 'dense', weights: fromRows([[2, 1], [-1, 3]]), bias: Float64Array.of(0.5, -4), activation: 'relu' },
    { kind: 'dense', weights: fromRows([[1, 0], [0, 1]]), bias: new Float64Array(2), activation: 'relu' },
  ]);
  const res = analyzeConvergence(net);
  assert.deepEqual([res.verdicts.sufficient.status, res.verdicts.necessary.status, res.verdicts.pointwise.status], ['inconclusive', 'inconclusive', 'inconclusive']);
  assert.equal(res.probes[0].limitEstimate.radius, null);
  assert.equal(res.series.weight.extrapolatedTail, null);
  assert.match(res.verdicts.sufficient.reason, /undecided: too few layers — 0 dyadic blocks with a non-zero sum on layers 1–2; a decision needs 3 \(at least 16 layers\)/);
});

test('slowly convergent W = I, b_k = 0.1(k+1)^−1.1: pointwise holds (growth of ‖N_k‖ over the file is not divergence)', async () => {
  const net = parseNetworkText(files['slow.network.json']).network!;
  const res = analyzeConvergence(net);
  // N_k(0) = 0.1 Σ_{j=2}^{k+1} j^−1.1, summed here
  let n = 0;
  for (let j = 2; j <= 1001; j++) n += 0.1 * j ** -1.1;
  assert.ok(Math.abs(res.probes[0].limitEstimate.value[0] - n) <= 1e-13, `${res.probes[0].limitEstimate.value[0]} vs ${n}`);
  assert.equal(res.verdicts.sufficient.status, 'holds');
  assert.equal(res.verdicts.pointwise.status, 'holds');
  assert.equal(res.verdicts.pointwise.basis, 'extrapolated');
  // the limit 0.1 (ζ(1.1) − 1), ζ(1.1) = 10.584448464950803 (scipy.special.zeta): the radius covers it
  const limit = 0.1 * (10.584448464950803 - 1);
  const radius = res.probes[0].limitEstimate.radius!;
  assert.ok(limit - n <= radius, `‖N_∞ − N_1000‖ = ${limit - n} > radius ${radius}`);
  assert.equal((await cli('slow.network.json', '--fail-on', 'diverges')).exitCode, 0);
  assert.equal((await cli('slow.network.json', '--fail-on', 'inconclusive')).exitCode, 0);
});

test('b_k = 1/((k+1) log(k+1)) diverges like log log n: a power-law fit says p ≈ 1.15 with a narrow interval, the block sums say Bertrand q ≈ 1', async () => {
  const layers = Array.from({ length: 1000 }, (_, i) => scalar(1, 1 / ((i + 2) * Math.log(i + 2))));
  const res = analyzeConvergence(explicitNetwork({ dim: 1, probes: [{ name: 'zero', x: Float64Array.of(0) }] }, layers));
  const fit = res.series.bias.fit;
  // what the t-interval alone says: p ≈ 1.150 with an interval far above 1 (deterministic data has no noise)
  assert.ok(fit.lo > 1.14 && fit.hi < 1.16, `${fit.p} [${fit.lo}, ${fit.hi}]`);
  const d = res.series.bias.decision;
  assert.equal(d.kind, 'bertrand');
  assert.ok(Math.abs(d.p - 1) <= 0.02 && Math.abs(d.q - 1) <= 0.15, `p = ${d.p}, q = ${d.q}`);
  assert.equal(res.series.bias.summable, 'inconclusive');
  assert.equal(res.verdicts.sufficient.status, 'inconclusive');
  assert.equal(res.probes[0].limitEstimate.radius, null);
  assert.match(res.verdicts.sufficient.headline, /^Inconclusive: Σ‖b_k‖ — Bertrand q ≈ 1 \(q = 1\.0\d\d\)$/);
  assert.match(res.verdicts.sufficient.reason, /undecided: Bertrand q ≈ 1 — at the boundary p ≈ 1/);
  // as a CI gate: N_k(0) = Σ b_j grows like log log k and the block displacements add up — it diverges
  const file = JSON.stringify({
    format: 'depth-lens/network@1', input: { dim: 1, probes: { zero: [0] } },
    layers: Array.from({ length: 1000 }, (_, i) => ({ type: 'dense', weights: [[1]], bias: [1 / ((i + 2) * Math.log(i + 2))], activation: 'relu' })),
  });
  const gate = (failOn: string) => convergenceCommand.run(['klogk.network.json', '--fail-on', failOn], memoryIo({ 'klogk.network.json': file }));
  assert.equal((await gate('diverges')).exitCode, res.verdicts.pointwise.status === 'fails' ? 1 : 0);
  const strict = await gate('inconclusive');
  assert.equal(strict.exitCode, 1);
  assert.equal(strict.stderr, `depth-lens convergence: --fail-on inconclusive: sufficient inconclusive, necessary holds, pointwise ${res.verdicts.pointwise.status}\n`);
});

test('block decisions: exact power laws keep their answers outside the band, shifts do not fool them, the band is said', () => {
  const series = (f: (k: number) => number, n = 1000) => Float64Array.from({ length: n }, (_, j) => f(j + 1));
  assert.equal(decide(series((k) => 3 * k ** -1.5)).status, 'holds');
  assert.equal(decide(series((k) => (k + 1) ** -2)).status, 'holds');
  assert.equal(decide(series((k) => (k - 0.5) ** -2)).status, 'holds');
  // exactly 1/k is the harmonic case, and (k+1)^−1 with it: not summable
  assert.equal(decide(series((k) => 1 / k)).status, 'fails');
  assert.equal(decide(series((k) => 1 / (k + 1), 2000)).status, 'fails');
  // k^−1.01 lies in the band |p − 1| ≤ 0.02 without a logarithmic factor: undecided, and it says so
  const band = decide(series((k) => k ** -1.01, 2000));
  assert.deepEqual([band.status, band.kind], ['inconclusive', 'boundary']);
  assert.match(band.reason, /^undecided: p = 1\.010 \[1\.010, 1\.010\] lies within 0\.02 of 1 with no logarithmic factor \(q = 0\): summable only if p stays above 1 beyond the file$/);
});

test('a transition between two summable power laws bends the blocks like a log factor: never called divergent', () => {
  // 30·k^−1.8 + k^−1.2: the local exponent falls from 1.8 toward 1.2 — the models may leave it undecided, never "not summable"
  const d = decide(Float64Array.from({ length: 500 }, (_, j) => 30 * (j + 1) ** -1.8 + (j + 1) ** -1.2));
  assert.notEqual(d.status, 'fails', d.reason);
  // the paper's random ResNet in the ∞-norm (S2 terms ‖b₁‖∞‖W₂‖∞ + ‖b₂‖∞ ≈ 11·k^−1.8 + k^−1.2 early): block sums
  // 1.555, 0.99, 0.6571, 0.48, 0.3558, 0.2774 over the blocks ending at 15…500 — the shifted model would extrapolate them across
  // p = 1 although the last two blocks fall like k^−1.36; the plain power law decides
  const g = dyadicBlocks(1, 500);
  const sums = Float64Array.from([11.05, 5.017, 2.647, 1.555, 0.99, 0.6571, 0.48, 0.3558, 0.2774]);
  assert.deepEqual(Array.from(g.to), [1, 3, 7, 15, 31, 62, 125, 250, 500]);
  const r = decideSummability(sums, g);
  assert.equal(r.status, 'holds', r.reason);
  assert.match(r.reason, /extrapolation crosses p = 1 against the last blocks' own exponent 1\.36\d; the power model is used/);
});

test('the display fit\'s t-interval on noisy data equals an independent OLS; 95% intervals cover the true exponent about 95% of the time', () => {
  const rng = new Rng(2024);
  const v = Float64Array.from({ length: 200 }, (_, j) => 3 * (j + 1) ** -1.3 * Math.exp(0.2 * rng.gaussian()));
  const fit = fitPowerLaw(v, 1, 101, 200);
  /** OLS of log v on log k over layer numbers a..b, written out here: slope and its standard error. */
  const ols = (a: number, b: number) => {
    const xs: number[] = [], ys: number[] = [];
    for (let k = a; k <= b; k++) { xs.push(Math.log(k)); ys.push(Math.log(v[k - 1])); }
    const n = xs.length, mx = xs.reduce((s, x) => s + x) / n, my = ys.reduce((s, y) => s + y) / n;
    const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0), sxy = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0);
    const slope = sxy / sxx, c = my - slope * mx;
    const ssr = xs.reduce((s, x, i) => s + (ys[i] - c - slope * x) ** 2, 0);
    return { p: -slope, se: Math.sqrt(ssr / (n - 2) / sxx) };
  };
  const all = ols(101, 200);
  // t quantile from scipy.stats.t.ppf(0.975, 98)
  const t98 = 1.9844674545084815;
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9, `${what}: ${a} vs ${b}`);
  close(fit.p, all.p, 'p');
  close(fit.lo, all.p - t98 * all.se, 'lo');
  close(fit.hi, all.p + t98 * all.se, 'hi');
  close(fit.standardError, all.se, 'standard error');
  // coverage over 400 independent noisy tails (binomial sd ≈ 1.1%)
  let covered = 0;
  for (let s = 0; s < 400; s++) {
    const r = new Rng(5000 + s);
    const w = Float64Array.from({ length: 200 }, (_, j) => 3 * (j + 1) ** -1.3 * Math.exp(0.2 * r.gaussian()));
    const f = fitPowerLaw(w, 1, 101, 200);
    if (f.lo <= 1.3 && 1.3 <= f.hi) covered++;
  }
  assert.ok(covered >= 0.91 * 400 && covered <= 0.99 * 400, `coverage ${covered / 400}`);
});

test('pointwise: non-summable increments that add up fail; ones that cancel converge (alternating harmonic) and hold', () => {
  // W = I, b_k = (1, 2)/k: N_k(0) = H_k·(1, 2), increments √5/k all in one direction
  const harmonic = analyzeConvergence(affineFamilyNetwork({ identity: 1, matrix: zeros(2, 2), weightScale: { offset: 0, power: 0 }, vector: Float64Array.of(1, 2), biasScale: { offset: 0, power: -1 } }, 400), { probes: [[0, 0]] });
  let h = 0;
  for (let k = 1; k <= 400; k++) h += 1 / k;
  assert.ok(Math.abs(harmonic.probes[0].limitEstimate.value[1] - 2 * h) <= 1e-12);
  const path1 = harmonic.probes[0].tailPath;
  assert.ok(Math.abs(path1.displacement - path1.length) <= 1e-12 * path1.length, JSON.stringify(path1));
  assert.equal(harmonic.verdicts.pointwise.status, 'fails');
  assert.match(harmonic.verdicts.pointwise.reason, /probe 1: the oscillations are not summable — the last 6 dyadic block sums \(layers 7–400\) do not shrink .*, so N_k\(x\) is not Cauchy/);
  // linear layers, b_k = (−1)^k/k: N_k = x + Σ (−1)^j/j converges (alternating harmonic) though Σ|increments| = ∞
  const alternating = explicitNetwork({ dim: 1, probes: [] }, Array.from({ length: 400 }, (_, i) => scalar(1, (i % 2 ? 1 : -1) / (i + 1), 'linear')));
  const alt = analyzeConvergence(alternating, { probes: [[0]] });
  // Σ|increments| = Σ 1/j diverges (harmonic), but the oscillation over the block (n/2^(j+1), n/2^j] is ≤ 2^(j+1)/n: summable
  assert.equal(decide(alt.probes[0].tailPath.length > 0 ? Float64Array.from({ length: 400 }, (_, i) => 1 / (i + 1)) : new Float64Array(0)).status, 'fails');
  assert.ok(alt.probes[0].tailPath.displacement < 0.01 * alt.probes[0].tailPath.length);
  assert.equal(alt.probes[0].oscillation.status, 'holds');
  assert.equal(alt.verdicts.sufficient.status, 'fails');
  assert.equal(alt.verdicts.pointwise.status, 'holds');
  // the limit −ln 2 (alternating harmonic) is within the extrapolated estimate of N_400
  const est = alt.probes[0].limitEstimate.estimate!;
  assert.ok(Math.abs(-Math.LN2 - alt.probes[0].limitEstimate.value[0]) <= est, `|−ln 2 − N_400| vs estimate ${est}`);
});

test('necessary: "fails" only with the non-degeneracy assumption established', async () => {
  // W = I, b = (1, 1): every neuron active, det W = 1 — the theorem applies
  const bias = analyzeConvergence(parseNetworkText(files['bias.network.json']).network!);
  assert.equal(bias.verdicts.necessary.status, 'fails');
  assert.equal(bias.verdicts.necessary.assumption.status, 'satisfied');
  assert.match(bias.verdicts.necessary.reason, /The non-degeneracy assumption is established \(observed: at zero every neuron is active on layers 101–200 \(stability radius 1\), and the linear part keeps rank 2: ln σ_2\(P_n\) = 0 at layer 200.*\), so the theorem applies/);
  // W = diag(1.5, 1): the product grows (log|det| = ln 1.5 per layer), no collapse, all active — applies too
  const grow = analyzeConvergence(affineFamilyNetwork({ identity: 1, matrix: fromRows([[0.5, 0], [0, 0]]), weightScale: { offset: 0, power: 0 }, vector: new Float64Array(2), biasScale: { offset: 0, power: 0 } }, 40), { probes: [[1, 1]] });
  assert.equal(grow.verdicts.necessary.status, 'fails');
  assert.equal(grow.verdicts.pointwise.status, 'fails');
  // the example random He network: ‖W_k − I‖ stays large, but the theorem's assumption is not met
  const he = parseNetworkText(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'random-he.network.json'), 'utf8')).network!;
  const heRes = analyzeConvergence(he);
  assert.equal(heRes.verdicts.necessary.status, 'inconclusive');
  assert.notEqual(heRes.verdicts.necessary.assumption.status, 'satisfied');
  assert.ok(heRes.verdicts.necessary.violations.length > 0); // listed for information only
  // W = I/2 through the CLI: --fail-on diverges does not trigger on a convergent network
  const half = await cli('half.network.json', '--fail-on', 'diverges');
  assert.equal(half.exitCode, 0);
  assert.equal(half.stderr, undefined);
  assert.match(half.stdout, /\nsufficient: FAILS /);
  assert.match(half.stdout, /\nnecessary: INCONCLUSIVE /);
  assert.match(half.stdout, /\npointwise: HOLDS /);
  assert.equal((await cli('half.network.json', '--fail-on', 'inconclusive')).exitCode, 0);
  const div = await cli('bias.network.json', '--fail-on', 'diverges');
  assert.equal(div.exitCode, 1);
  assert.equal(div.stderr, 'depth-lens convergence: --fail-on diverges: sufficient fails, necessary fails, pointwise fails\n');
});

test('numeric options go through decimal(): hex, blanks and overflow are usage errors', async () => {
  await assert.rejects(async () => cli('half.network.json', '--tail-from', '0x1F4'), new UsageError("--tail-from must be a positive integer layer number, not '0x1F4'"));
  await assert.rejects(async () => cli('half.network.json', '--tail-from', ' '), new UsageError("--tail-from must be a positive integer layer number, not ' '"));
  await assert.rejects(async () => cli('half.network.json', '--probe', '0x10,1'), new UsageError("--probe 1: '0x10,1' is not a comma-separated list of decimal numbers"));
  await assert.rejects(async () => cli('half.network.json', '--probe', '1e999,1'), new UsageError("--probe 1: '1e999,1' is not a comma-separated list of decimal numbers"));
  await assert.rejects(async () => cli('half.network.json', '--probe', '1,'), new UsageError("--probe 1: '1,' is not a comma-separated list of decimal numbers"));
  await assert.rejects(async () => cli('half.network.json', '--run', '0x1'), new UsageError("--run must be a positive integer (the run number from the notes), not '0x1'"));
  await assert.rejects(async () => cli('half.network.json', '--run', '2'), new UsageError("run must be an integer in 1..1 (the network's width-preserving runs), got 2"));
  // plain decimals still work
  const ok = JSON.parse((await cli('half.network.json', '--json', '--tail-from', '150', '--probe', '1e-1, 2.5')).stdout);
  assert.deepEqual(ok.tail, { from: 150, to: 200 });
  assert.deepEqual(ok.probes[0].x, [0.1, 2.5]);
});

test('fitted exponents read to three decimals: a slope of 1e-30 on constant terms is 0.000', () => {
  assert.deepEqual([2.01372, 1.2196, -1.25e-30, 4.3e-16, -0.0004, 0.9996, 12345, NaN, Infinity].map(fmtExponent),
    ['2.014', '1.220', '0.000', '0.000', '0.000', '1.000', '12350', 'n/a', '∞']);
});
