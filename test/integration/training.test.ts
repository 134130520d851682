// The training-dynamics analyses (MATH.md §D, §E) through the real worker in the extension host:
// closed-form checks of the indicator run, streamed partial results, determinism, the mean-field
// spread, cancellation that frees the worker, the `training` preset of a network file and the panel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { IndicatorResult, MeanFieldResult } from '../../src/shared/analyses/training';
import type { AnalysisSettings } from '../../src/shared/protocol';
import { api, codeOf, depthLensDiagnostics, fixture, scaled, waitFor } from './helpers';

const settings: AnalysisSettings = { maxFileSizeMB: 64, norm: '2' };

describe('Training', () => {
  it('indicator, GD on the exact loss (d = 1): w follows w_{k+1} = w_k + η/(3w_k²) and w³ ≈ w₀³ + ηk', async () => {
    const { worker } = await api();
    const K = 20_000, eta = 1, w0 = 2;
    const r = await worker.request('trainIndicator', undefined, { mode: 'expected', iterations: K, learningRate: eta, initialW: w0, records: 50 }, settings);
    assert.equal(r.done, true);
    assert.equal(r.completedIterations, K);
    assert.equal(r.iterations[0], 0);
    assert.equal(r.iterations[r.iterations.length - 1], K);
    // MATH.md §D, d = 1 with |x| ~ U[0,1] and p = 2: for w ≥ 2 the population loss is L(w) = 1/(3w), so
    // −L'(w) = 1/(3w²); GD is w_{k+1} = w_k + η/(3w_k²). Recomputed here independently of the core.
    let w = w0;
    const expectedW = new Map<number, number>([[0, w0]]);
    for (let k = 1; k <= K; k++) { w += eta / (3 * w * w); expectedW.set(k, w); }
    r.iterations.forEach((k, i) => {
      const e = expectedW.get(k)!;
      assert.ok(Math.abs(r.w[i] - e) <= 1e-12 * e, `w at k = ${k}: ${r.w[i]} vs ${e}`);
      assert.ok(Math.abs(r.loss[i] - 1 / (3 * r.w[i])) <= 1e-14, `loss at k = ${k}: ${r.loss[i]} vs 1/(3w) = ${1 / (3 * r.w[i])}`);
    });
    // gradient flow: w(t)³ = w₀³ + ηt (κ = 1 for d = 1); the discrete steps add Σ 1/(3w_k³) ≈ (1/3)ln(1 + K/8) ≈ 2.6
    const wK = r.w[r.w.length - 1];
    const flow = w0 ** 3 + eta * K;
    assert.ok(Math.abs(wK ** 3 - flow) / flow < 2e-4, `w_K³ = ${wK ** 3} vs w₀³ + ηK = ${flow}`);
    assert.ok(Math.abs(r.theory.w[r.theory.w.length - 1] - Math.cbrt(flow)) < 1e-12, 'the result reports the gradient-flow w');
    assert.equal(r.theory.kappa, 1);
    // loss ~ K^(−1/3): over the last decade the local slope is −(1/3)·k/(8 + k) ∈ [−0.3333, −0.3331]
    assert.ok(r.slope);
    assert.ok(Math.abs(r.slope.exponent - -1 / 3) < 2e-3, `slope ${r.slope.exponent}`);
    assert.equal(r.slope.fitFrom, K / 10);
    assert.equal(r.slope.fitTo, K);
  });

  it('indicator, mini-batch SGD: streams partial results, slope near exact GD\'s, every probe error reaches its limit', async () => {
    const { worker } = await api();
    const partials: IndicatorResult[] = [];
    const params = { iterations: 6000, batch: 32, seed: 3, records: 120 };
    const r = await worker.request('trainIndicator', undefined, params, settings, {
      onProgress: (_f, _m, partial) => { if (partial) partials.push(partial as IndicatorResult); },
    });
    assert.ok(r.slope && r.slope.flowExponent !== null);
    // exact GD (d = 1: w_{k+1} = w_k + 1/(3w_k²)) has slope ≈ −0.332 over [600, 6000]; the SGD slope's sd is
    // ≈ 0.003 with B = 32 (see the unit test), so ±0.015 is 5 sd
    assert.ok(r.slope.flowExponent > -0.334 && r.slope.flowExponent < -0.33, `exact-GD slope ${r.slope.flowExponent}`);
    assert.ok(Math.abs(r.slope.exponent - r.slope.flowExponent) <= 0.015, `slope ${r.slope.exponent}`);
    assert.equal(r.stopped, null);
    assert.ok(r.slope.interval[0] < r.slope.exponent && r.slope.exponent < r.slope.interval[1]);
    // w only grows: only ramp samples (outside the ball) have a gradient, and they all push w up
    for (let i = 1; i < r.w.length; i++) assert.ok(r.w[i] >= r.w[i - 1], `w decreased at record ${i}`);
    // default probes t·e₁, t ∈ {0, 0.3, 0.5, 0.55, 0.6, 0.75, 0.9}: inside the ball the error is 0 from the
    // start; outside it is max(0, 1 − w(|x| − 1/2)), exactly 0 once w ≥ 1/(|x| − 1/2)
    const finalW = r.w[r.w.length - 1];
    for (const p of r.probes) {
      const x = Math.abs(p.x[0]);
      const expected = x <= 0.5 ? 0 : Math.max(0, 1 - finalW * (x - 0.5));
      assert.ok(Math.abs(p.error[p.error.length - 1] - expected) < 1e-12, `probe ${x}: ${p.error[p.error.length - 1]} vs ${expected}`);
      if (x <= 0.5) assert.equal(p.zeroFrom, 0);
      if (x > 0.5) assert.equal(p.threshold, 1 / (x - 0.5));
      if (x > 0.5 && finalW >= 1 / (x - 0.5)) assert.ok(p.zeroFrom !== null && p.zeroFrom > 0, `probe ${x} should be exactly 0 by now`);
    }
    // partials arrive while the run goes on, consistent and growing
    assert.ok(partials.length >= 1, 'no partial result was streamed');
    for (const p of partials) {
      assert.equal(p.done, false);
      assert.ok(p.completedIterations < 6000);
      assert.equal(p.iterations.length, p.loss.length);
      assert.deepEqual(p.loss, r.loss.slice(0, p.loss.length), 'a partial is a prefix of the final curve');
    }
  });

  it('same seed ⇒ identical results; another seed ⇒ different ones', async () => {
    const { worker } = await api();
    const params = { iterations: 2000, batch: 16, seed: 11, dim: 2, level: 6, gridSize: 21, evalPoints: 2000 };
    const a = await worker.request('trainIndicator', undefined, params, settings);
    const b = await worker.request('trainIndicator', undefined, params, settings);
    assert.deepEqual(a, b);
    assert.equal(a.functionView.kind, 'heatmap');
    assert.equal(a.functionView.xs.length, 21);
    const c = await worker.request('trainIndicator', undefined, { ...params, seed: 12 }, settings);
    assert.notDeepEqual(a.w, c.w);
  });

  it('mean field: spread shrinks with N, one partial per finished width, identical per seed', async () => {
    const { worker } = await api();
    const partials: MeanFieldResult[] = [];
    const params = { widths: [16, 64, 256], seeds: 6, T: 1.5, records: 6, probes: [-0.5, 0.5] };
    const r = await worker.request('trainMeanField', undefined, params, settings, {
      onProgress: (_f, _m, partial) => { if (partial) partials.push(partial as MeanFieldResult); },
    });
    assert.equal(r.done, true);
    assert.deepEqual(r.widths.map((w) => w.N), [16, 64, 256]);
    for (const w of r.widths) {
      assert.equal(w.t.length, 7);
      assert.equal(w.t[6], 1.5);
      assert.equal(w.mean.length, 2);
      assert.equal(w.sd[0].length, 7);
      // probes are exactly ±0.5: the targets are sin(±π/2) = ±1
    }
    assert.deepEqual(r.probes.map((p) => p.target), [-1, 1]);
    // the limit theorem: the across-seed spread vanishes as N grows (CLT heuristic N^(−1/2))
    assert.ok(r.widths[0].spread > r.widths[1].spread && r.widths[1].spread > r.widths[2].spread, r.widths.map((w) => w.spread).join(' > '));
    assert.ok(r.spreadExponent);
    assert.ok(r.spreadExponent.exponent > -0.8 && r.spreadExponent.exponent < -0.25, `exponent ${r.spreadExponent.exponent}`);
    assert.equal(r.spreadExponent.expected, -0.5);
    assert.deepEqual(partials.map((p) => p.widths.length), [1, 2]);
    const again = await worker.request('trainMeanField', undefined, params, settings);
    assert.deepEqual(again, r);
  });

  it('cancelling a long run rejects with code "cancelled" at once and frees the worker', async () => {
    const { worker } = await api();
    const cts = new vscode.CancellationTokenSource();
    let progressed = false;
    // 400²-weight layers × 400·50 steps × 16 seeds: minutes of work unless the core stops at a checkpoint
    // (one after every SGD step at this width: every few thousand weight updates)
    const long = worker.request('trainMeanField', undefined, { widths: [400], seeds: 16, T: 50, records: 500 }, settings, {
      token: cts.token, onProgress: () => { progressed = true; },
    });
    await waitFor('the first progress of the long run', () => progressed, 30_000);
    const t0 = Date.now();
    cts.cancel();
    await assert.rejects(long, (e: Error & { code?: string }) => e.code === 'cancelled');
    assert.ok(Date.now() - t0 < scaled(1000), 'the rejection must not wait for the run');
    // the worker is single-threaded: this answers only once the cancelled run has stopped at a checkpoint
    const t1 = Date.now();
    const small = await worker.request('trainIndicator', undefined, { iterations: 100 }, settings);
    assert.equal(small.completedIterations, 100);
    assert.ok(Date.now() - t1 < scaled(5000), `the worker took ${Date.now() - t1} ms to answer after the cancel`);
    cts.dispose();
  });

  it('reads the `training` section of training-preset.network.json', async () => {
    const { worker } = await api();
    const uri = fixture('training-preset.network.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    const { spec } = await worker.request('trainingPreset', { uri: doc.uri.toString(), version: doc.version, text: doc.getText(), fsPath: doc.uri.fsPath }, {}, settings);
    const onDisk = JSON.parse(fs.readFileSync(uri.fsPath, 'utf8')) as { training: unknown };
    assert.deepEqual(spec, onDisk.training);
    assert.deepEqual(spec, { experiment: 'indicator', dim: 2, level: 8, iterations: 3000, batch: 64, learningRate: 1, seed: 7, fitFrom: 300 });
    // a file without the section (and no file at all) gives null
    const small = await vscode.workspace.openTextDocument(fixture('small.network.json'));
    assert.deepEqual(await worker.request('trainingPreset', { uri: small.uri.toString(), version: small.version, text: small.getText() }, {}, settings), { spec: null });
    assert.deepEqual(await worker.request('trainingPreset', undefined, {}, settings), { spec: null });
  });

  it('a bad `training` section is a diagnostic on its value, and the panel preset refuses it with the message', async () => {
    const { worker } = await api();
    const uri = fixture('training-bad.network.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    const diags = await depthLensDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'invalid-value'));
    const bad = diags.find((d) => codeOf(d) === 'invalid-value')!;
    assert.equal(bad.message, 'training: batch must be an integer ≥ 1, got 0');
    assert.equal(bad.severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual([bad.range.start.line, bad.range.start.character, bad.range.end.character], [9, 13, 14]);
    await assert.rejects(
      worker.request('trainingPreset', { uri: doc.uri.toString(), version: doc.version, text: doc.getText(), fsPath: doc.uri.fsPath }, {}, settings),
      (e: Error & { code?: string }) => e.code === 'bad-params' &&
        e.message === 'the "training" section has 1 error (see the Problems view): line 10: training: batch must be an integer ≥ 1, got 0',
    );
  });

  it('depthLens.openTraining opens the "Training" panel without a file, and "Training: <file>" for a network file', async () => {
    const { panels } = await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('depthLens.openTraining');
    const plain = await waitFor('the Training panel', () => panels.openPanels.find((p) => p.panel.viewType === 'depthLens.training' && !p.documentUri));
    assert.equal(plain.panel.title, 'Training');
    const uri = fixture('training-preset.network.json');
    await vscode.commands.executeCommand('depthLens.openTraining', uri);
    const withFile = await waitFor('the Training panel for the file', () => panels.openPanels.find((p) => p.panel.viewType === 'depthLens.training' && p.documentUri?.toString() === uri.toString()));
    assert.equal(withFile.panel.title, 'Training: training-preset.network.json');
    plain.dispose();
    withFile.dispose();
  });
});
