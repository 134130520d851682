/**
 * Which layers the convergence analysis follows: networks whose width changes (wider layers before
 * the analysed run, several width-preserving runs, none at all) and runs that mix dense layers with
 * residual blocks. Probe values are checked against the plain forward pass (network/forward.ts) and
 * sums against norms computed in this file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeConvergence } from '../../src/core/convergence';
import { convergenceCommand } from '../../src/cli/commands/convergence';
import { UsageError } from '../../src/cli/command';
import { forwardTrace } from '../../src/core/network/forward';
import type { Network } from '../../src/core/network/model';
import { parseNetworkText } from '../../src/core/network/parse';
import { silentContext } from '../../src/core/context';
import { BadParamsError } from '../../src/worker/handlers/common';
import { convergenceHandlers } from '../../src/worker/handlers/convergence';
import type { ParsedDocument } from '../../src/worker/documents';
import { spectralNormRef } from './convergence.helpers';
import { memoryIo } from './convergence.helpers';

function parse(doc: object): Network {
  const r = parseNetworkText(JSON.stringify({ format: 'depth-lens/network@1', ...doc }));
  assert.ok(r.network, r.diagnostics.map((d) => d.message).join('; '));
  return r.network;
}

/** Every recorded N_k(x) equals the plain forward pass (relative 1e-13), and the built-in check says so. */
function assertMatchesForward(net: Network, res: ReturnType<typeof analyzeConvergence>, what: string): void {
  res.probes.forEach((p) => {
    const trace = forwardTrace(net, p.x);
    res.recordedDepths.forEach((k, q) => {
      const got = p.values[q], want = trace[k];
      assert.equal(got.length, want.length, `${what} ${p.name}: width of N_${k}`);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-13 * Math.max(1, Math.abs(want[i])), `${what} ${p.name}: N_${k}[${i}] = ${got[i]}, forward pass ${want[i]}`);
    });
    if (p.partialProducts) {
      assert.ok(p.partialProducts.residual <= 1e-12 && p.partialProducts.forwardResidual <= 1e-12, `${what} ${p.name}: residuals ${p.partialProducts.residual}, ${p.partialProducts.forwardResidual}`);
    }
  });
}

const randomWidths = (widths: number[]) => ({ input: { dim: 2, probes: { a: [1, 0.5], b: [0.3, 2] } }, layers: [{ type: 'random', widths, weights: { distribution: 'he-normal' }, activation: 'relu', seed: 3 }] });

for (const widths of [[4, 32, 4, 4, 4, 4], [4, 32, 32, 32, 4, 4, 4], [3, 64, 2, 2, 2, 2, 2, 2, 2, 2]]) {
  test(`a layer wider than the run before it (widths ${widths.join(', ')}): N_k(x) equals the plain forward pass at every depth`, () => {
    const net = parse(randomWidths(widths));
    for (const partialProducts of [true, false]) {
      const res = analyzeConvergence(net, { partialProducts });
      assertMatchesForward(net, res, `widths ${widths} (partial products ${partialProducts})`);
      assert.equal(res.probes[0].partialProducts === null, !partialProducts);
      assert.deepEqual(res.notes.filter((n) => n.startsWith('internal check')), []);
    }
  });
}

test('the CLI reports a wide layer before the run as data, not as an error (it used to say "offset is out of bounds", exit 2)', async () => {
  const io = memoryIo({ 'w.network.json': JSON.stringify({ format: 'depth-lens/network@1', ...randomWidths([4, 32, 32, 32, 4, 4, 4]) }) });
  const r = await convergenceCommand.run(['w.network.json', '--json'], io);
  assert.equal(r.exitCode, 0);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.runs, [{ first: 3, last: 4, width: 32 }, { first: 6, last: 7, width: 4 }]);
  assert.equal(doc.run, 2);
  assert.ok(doc.probes[0].partialProducts.forwardResidual <= 1e-12);
});

/** 100 layers at width 2, a widening layer, 5 layers at width 3, a read-out (the audit's "mid" network). */
const mid = {
  input: { dim: 2, probes: { a: [1, 0.5] } },
  layers: [
    { type: 'family', count: 100, weights: { identity: 1, matrix: [[0.3, -0.2], [0.5, 0.1]], scale: { offset: 1, power: -2 } }, bias: { vector: [1, -1], scale: { offset: 1, power: -2 } }, activation: 'relu' },
    { type: 'dense', weights: [[1, 0], [0, 1], [1, 1]], bias: [0, 0, 0], activation: 'relu' },
    { type: 'family', count: 5, weights: { identity: 1.5, matrix: [[0, 0, 0], [0, 0, 0], [0, 0, 0]] }, bias: { vector: [0, 0, 0] }, activation: 'relu' },
    { type: 'dense', weights: [[1, 1, 1]], bias: [0], activation: 'linear' },
  ],
};

test('the longest width-preserving run is analysed by default, the notes say exactly what is left out, and run picks another', () => {
  const net = parse(mid);
  const res = analyzeConvergence(net);
  assert.deepEqual(res.runs, [{ first: 1, last: 100, width: 2 }, { first: 102, last: 106, width: 3 }]);
  assert.equal(res.runIndex, 0);
  assert.deepEqual(res.sequence, { first: 1, last: 100, width: 2 });
  assert.deepEqual(res.notes, [
    'layers 101–107 come after the analysed run and are left out (layer 101 changes the width from 2 to 3)',
    'the network has 2 width-preserving runs — 1: layers 1–100 (width 2); 2: layers 102–106 (width 3); analysed: run 1 (the longest; ties go to the last). Pick another with --run N (CLI) or the panel\'s Run selector',
  ]);
  assert.equal(res.verdicts.sufficient.status, 'holds');
  assert.equal(res.series.weight.terms.length, 100);
  assert.ok(Number.isNaN(res.layers.normWminusI[101])); // not in the analysed run
  assertMatchesForward(net, res, 'mid run 1');

  const second = analyzeConvergence(net, { run: 2 });
  assert.deepEqual(second.sequence, { first: 102, last: 106, width: 3 });
  assert.deepEqual(second.notes.slice(0, 2), [
    'layers 1–101 come before the analysed run and act as a fixed input map (layer 101 changes the width from 2 to 3); the series start at layer 102',
    'layer 107 comes after the analysed run and is left out (layer 107 changes the width from 3 to 1)',
  ]);
  assert.match(second.notes[2], /analysed: run 2 \(as requested\)/);
  // W = 1.5·I: ‖W − I‖₂ = 0.5 on each of the 5 layers
  assert.equal(second.series.weight.sum, 2.5);
  assertMatchesForward(net, second, 'mid run 2');
  assert.throws(() => analyzeConvergence(net, { run: 3 }), { name: 'RangeError', message: "analyzeConvergence: run must be an integer in 1..2 (the network's width-preserving runs), got 3" });
});

test('a long family before a few square read-out layers: the family is analysed, not the read-out', () => {
  const six = (v: number) => Array.from({ length: 6 }, () => Array(6).fill(v));
  const net = parse({
    input: { dim: 2, probes: { a: [1, 0.5] } },
    layers: [
      { type: 'dense', weights: [[1, 0], [0, 1], [1, 1], [0.5, 0.5], [1, -1], [0, 2]], bias: [0, 0, 0, 0, 0, 0], activation: 'relu' },
      { type: 'family', count: 20, weights: { identity: 1, matrix: six(0.1), scale: { offset: 1, power: -2 } }, bias: { vector: [0, 0, 0, 0, 0, 0] }, activation: 'relu' },
      { type: 'dense', weights: [[1, 1, 1, 1, 1, 1], [1, 0, 0, 0, 0, 0]], bias: [0, 0], activation: 'relu' },
      { type: 'dense', weights: [[1, 0], [0, 1]], bias: [0, 0], activation: 'relu' },
      { type: 'dense', weights: [[1, 0], [0, 1]], bias: [0, 0], activation: 'relu' },
    ],
  });
  const res = analyzeConvergence(net);
  assert.deepEqual(res.sequence, { first: 2, last: 21, width: 6 });
  // ‖0.1·J‖₂ = 0.6 (J = all-ones 6×6 has eigenvalue 6): ‖W_k − I‖₂ = 0.6/(j+1)², j = 1..20 within the family
  let sum = 0;
  for (let j = 1; j <= 20; j++) sum += 0.6 / (j + 1) ** 2;
  assert.ok(Math.abs(res.series.weight.sum - sum) <= 1e-14, `${res.series.weight.sum} vs ${sum}`);
  // ties go to the last run: two runs of 3 layers each
  const tie = parse({
    input: { dim: 2 },
    layers: [
      { type: 'family', count: 3, weights: { identity: 1, matrix: [[0, 0], [0, 0]] }, activation: 'relu' },
      { type: 'dense', weights: [[1, 0], [0, 1], [1, 1]], bias: [0, 0, 0], activation: 'relu' },
      { type: 'family', count: 3, weights: { identity: 1, matrix: [[0, 0, 0], [0, 0, 0], [0, 0, 0]] }, activation: 'relu' },
    ],
  });
  assert.deepEqual(analyzeConvergence(tie).sequence, { first: 5, last: 7, width: 3 });
});

test('no width-preserving layer: "nothing to analyse", no empty layer range in the notes or the CLI output', async () => {
  const doc = { format: 'depth-lens/network@1', input: { dim: 2, probes: { a: [1, 1] } }, layers: [{ type: 'dense', weights: [[1, 0], [0, 1], [1, 1]], bias: [0, 0, 0], activation: 'relu' }, { type: 'dense', weights: [[1, 1, 1]], bias: [0], activation: 'linear' }] };
  const res = analyzeConvergence(parse(doc));
  assert.equal(res.kind, 'none');
  assert.equal(res.runIndex, -1);
  assert.deepEqual(res.notes, ['no layer keeps its width (each of the 2 layers changes it), so there is no depth sequence to analyse']);
  const r = await convergenceCommand.run(['n.network.json'], memoryIo({ 'n.network.json': JSON.stringify(doc) }));
  assert.equal(r.stdout, 'n.network.json: 2 layers; nothing to analyse\nnote: no layer keeps its width (each of the 2 layers changes it), so there is no depth sequence to analyse\n');
  await assert.rejects(async () => convergenceCommand.run(['n.network.json', '--run', '1'], memoryIo({ 'n.network.json': JSON.stringify(doc) })),
    new UsageError('run 1 was requested but no layer keeps its width, so there is no run'));
});

test('a run mixing dense layers and residual blocks: dense layers add ‖W − I‖ and ‖b‖, blocks their S1/S2 terms, and the output says so', async () => {
  const dense = (a: number, b: number[]) => ({ type: 'dense', weights: [[a, 0.1], [0.2, a]], bias: b, activation: 'relu' });
  const block = (s: number) => ({ type: 'residual', activation: 'relu', layers: [
    { type: 'dense', weights: [[s, 0], [0.5 * s, s]], bias: [0.1 * s, 0] },
    { type: 'dense', weights: [[s, -s], [0, 2 * s]], bias: [0, 0.3 * s] },
  ] });
  const doc = { format: 'depth-lens/network@1', input: { dim: 2, probes: { a: [1, 0.5] } }, layers: [dense(1.1, [0.2, 0]), block(0.5), dense(0.9, [0, 0.1]), block(0.25)] };
  const net = parse(doc);
  const res = analyzeConvergence(net);
  assert.equal(res.kind, 'mixed');
  // references: norms computed here (spectralNormRef is a Gram-matrix power method, not the project's SVD)
  const n2 = (rows: number[][]) => spectralNormRef(2, 2, rows.flat());
  const wI = [n2([[0.1, 0.1], [0.2, 0.1]]), n2([[-0.1, 0.1], [0.2, -0.1]])];
  const bN = [0.2, 0.1];
  const a = [0.5, 0.25].map((s) => n2([[s, 0], [0.5 * s, s]]) * n2([[s, -s], [0, 2 * s]]));
  const beta = [0.5, 0.25].map((s) => 0.1 * s * n2([[s, -s], [0, 2 * s]]) + 0.3 * s);
  const close = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y)), `${what}: ${x} vs ${y}`);
  close(res.series.parts.sumWminusI, wI[0] + wI[1], 'Σ‖W − I‖ over the dense layers');
  close(res.series.parts.sumB, bN[0] + bN[1], 'Σ‖b‖ over the dense layers');
  close(res.series.parts.S1, a[0] + a[1], 'S1 over the blocks');
  close(res.series.parts.S2, beta[0] + beta[1], 'S2 over the blocks');
  close(res.series.weight.sum, wI[0] + a[0] + wI[1] + a[1], 'Σ w');
  close(res.series.bias.sum, bN[0] + beta[0] + bN[1] + beta[1], 'Σ β');
  [wI[0], a[0], wI[1], a[1]].forEach((v, j) => close(res.series.weight.terms[j], v, `w_${j + 1}`));
  assert.deepEqual([res.series.parts.denseLayers, res.series.parts.residualBlocks], [2, 2]);
  assert.match(res.notes.at(-1)!, /^the run mixes 2 dense layers and 2 residual blocks: each dense layer contributes w_k = ‖W_k − I‖ and β_k = ‖b_k‖, each block its S1 term/);
  assertMatchesForward(net, res, 'mixed');

  const json = JSON.parse((await convergenceCommand.run(['m.network.json', '--json'], memoryIo({ 'm.network.json': JSON.stringify(doc) }))).stdout);
  close(json.series.sumWminusI, wI[0] + wI[1], 'JSON sumWminusI (dense part)');
  close(json.series.sumB, bN[0] + bN[1], 'JSON sumB (dense part)');
  close(json.series.S1.sum, a[0] + a[1], 'JSON S1 (blocks)');
  close(json.series.S2.sum, beta[0] + beta[1], 'JSON S2 (blocks)');
  assert.match(json.series.termsRule, /^each dense layer contributes w_k = ‖W_k − I‖ \(operator 2-norm\), β_k = ‖b_k‖ \(ℓ2\); each residual block w_n = a_n/);
  assert.deepEqual(json.layers.map((l: { kind: string }) => l.kind), ['dense', 'residual', 'dense', 'residual']);
});

test('the worker reports a bad run as bad params and an internal failure as an internal error', () => {
  const net = parse(mid);
  const doc = { source: { uri: 'memory:/mid', version: 1, text: '' }, network: net, diagnostics: [], lineOf: () => 0 } as unknown as ParsedDocument;
  const call = (params: object, network = net) => convergenceHandlers.convergence({ doc: { ...doc, network }, params, settings: { norm: '2', maxFileSizeMB: 64 }, ctx: silentContext, partial: () => undefined } as never);
  assert.throws(() => call({ run: 5 }), (e: Error) => e instanceof BadParamsError && e.message === "run must be an integer in 1..2 (the network's width-preserving runs), got 5");
  // a layer generator that fails with a RangeError is a bug, not the caller's parameters
  const broken: Network = { ...net, layer: () => { throw new RangeError('offset is out of bounds'); } };
  assert.throws(() => call({}, broken), (e: Error) => !(e instanceof BadParamsError) && !(e instanceof RangeError) && e.message === 'internal error in the convergence analysis: offset is out of bounds');
});
