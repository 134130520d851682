// The depth-degeneracy analyses (MATH.md §C) through the real worker in the extension host: the
// reference values of MATH.md (infinite-width iterates and μ(π/2, n) from θ⁰ = π/2, J at π/2 and 0),
// the width convention, determinism, a one-step Monte Carlo check, the budgets that refuse absurd
// runs, cancellation, the measured angle between two probes of a network file, and the panel command.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DegeneracyResult } from '../../src/shared/analyses/degeneracy';
import type { AnalysisSettings, DocumentSource } from '../../src/shared/protocol';
import { api, fixture, scaled, waitFor } from './helpers';

const settings: AnalysisSettings = { maxFileSizeMB: 64, norm: '2' };

async function source(name: string): Promise<DocumentSource> {
  const doc = await vscode.workspace.openTextDocument(fixture(name));
  return { uri: doc.uri.toString(), version: doc.version, text: doc.getText(), fsPath: doc.uri.fsPath };
}

/** Asserts that a request is refused with `code` and a message matching `message`. */
async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp | string): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `code of: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('Depth plots', () => {
  it('from θ⁰ = π/2: the infinite-width iterates of MATH.md §C and Theorem 1\'s first step μ(π/2, 16) = −0.2081', async () => {
    const { worker } = await api();
    const widths = Array(6).fill(16);
    const r = await worker.request('degeneracy', undefined, { widths, theta0: Math.PI / 2, trials: 300, seed: 4 }, settings);
    assert.equal(r.layers.length, 6);
    assert.equal(r.layers[0].infiniteWidth.lnSin2, 0); // sin²(π/2) = 1
    // MATH.md §C "Infinite width": from θ⁰ = π/2, θ^ℓ = 1.24685, 1.05442, 0.92125, 0.82173, 0.74373 (5 decimals)
    [1.24685, 1.05442, 0.92125, 0.82173, 0.74373].forEach((theta, i) => {
      const got = r.layers[i + 1].infiniteWidth.theta;
      assert.ok(Math.abs(got - theta) <= 5e-6, `θ^${i + 1} = ${got}, MATH.md ${theta}`);
      assert.ok(Math.abs(r.layers[i + 1].infiniteWidth.lnSin2 - 2 * Math.log(Math.sin(got))) < 1e-12);
    });
    // MATH.md §C "Theorem 1": μ(π/2, 16) = −0.2081; theoremIterate at layer 1 is μ(θ⁰, n)
    assert.ok(Math.abs(r.layers[1].theoremIterate - -0.2081) <= 5e-5, `μ(π/2, 16) = ${r.layers[1].theoremIterate}`);
    assert.equal(r.layers[1].stepWidth, 16);
    // the histograms are densities: Σ density·(bin width) = finite samples / trials
    for (const h of r.histograms) {
      assert.ok(h.edges instanceof Float64Array && h.density instanceof Float64Array);
      let integral = 0, counted = 0;
      for (let i = 0; i < h.density.length; i++) { integral += h.density[i] * (h.edges[i + 1] - h.edges[i]); counted += h.counts[i]; }
      assert.ok(Math.abs(integral - r.layers[h.layer].mc!.count / r.trials) < 1e-12, `layer ${h.layer}: ∫ = ${integral}`);
      assert.equal(counted, r.layers[h.layer].mc!.count);
    }
    assert.deepEqual(r.ks.map((k) => k.layer), [1, 2, 3, 4, 5]);
    assert.equal(r.density.x.length * r.layers.length, r.density.values.length);
  });

  it('μ(π/2, n) for n = 64, 256, 1024 (MATH.md: −0.12364, −0.11055, −0.10773) and the width convention', async () => {
    const { worker } = await api();
    for (const [n, mu] of [[64, -0.12364], [256, -0.11055], [1024, -0.10773]] as const) {
      const r = await worker.request('degeneracy', undefined, { widths: [n, n], theta0: Math.PI / 2, trials: 0 }, settings);
      assert.ok(Math.abs(r.layers[1].theoremIterate - mu) <= 5e-6, `μ(π/2, ${n}) = ${r.layers[1].theoremIterate}, MATH.md ${mu}`);
      assert.equal(r.layers[1].mc, null, 'trials = 0 skips the simulation');
      assert.deepEqual(r.histograms, []);
    }
    // widths 16 → 64: the default convention uses n of the layer where the angle is measured (64),
    // 'input' the width of the step's input (16, the authors' labelling)
    const measured = await worker.request('degeneracy', undefined, { widths: [16, 64], theta0: Math.PI / 2, trials: 0 }, settings);
    assert.equal(measured.widthConvention, 'measured');
    assert.equal(measured.layers[1].stepWidth, 64);
    assert.ok(Math.abs(measured.layers[1].theoremIterate - -0.12364) <= 5e-6);
    const input = await worker.request('degeneracy', undefined, { widths: [16, 64], theta0: Math.PI / 2, trials: 0, widthConvention: 'input' }, settings);
    assert.equal(input.layers[1].stepWidth, 16);
    assert.ok(Math.abs(input.layers[1].theoremIterate - -0.2081) <= 5e-5);
    // the infinite-width curve knows no width
    assert.equal(measured.layers[1].infiniteWidth.theta, input.layers[1].infiniteWidth.theta);
  });

  it('same seed ⇒ identical Monte Carlo; another seed ⇒ another sample, same theory', async () => {
    const { worker } = await api();
    const params = { widths: [32, 32, 32, 32], theta0: 0.5, trials: 500, seed: 11 };
    const a = await worker.request('degeneracy', undefined, params, settings);
    const b = await worker.request('degeneracy', undefined, params, settings);
    assert.deepEqual(a, b);
    const c = await worker.request('degeneracy', undefined, { ...params, seed: 12 }, settings);
    assert.notEqual(c.layers[3].mc!.mean, a.layers[3].mc!.mean);
    assert.deepEqual(c.layers.map((l) => l.approx1), a.layers.map((l) => l.approx1));
    // the chain and full networks are different samplers of the same law: same theory, other samples
    const net = await worker.request('degeneracy', undefined, { ...params, mode: 'network' }, settings);
    assert.equal(net.mode, 'network');
    assert.notEqual(net.layers[3].mc!.mean, a.layers[3].mc!.mean);
  });

  it('one chain step at n = 256 from π/2: the simulated mean agrees with μ(π/2, 256) = −0.11055 within 4 standard errors', async () => {
    const { worker } = await api();
    const r: DegeneracyResult = await worker.request('degeneracy', undefined, { widths: [256, 256], theta0: Math.PI / 2, trials: 4000, seed: 7 }, settings);
    const mc = r.layers[1].mc!;
    assert.equal(mc.count, 4000);
    assert.ok(Math.abs(mc.mean! - -0.11055) < 4 * mc.se!, `MC ${mc.mean} ± ${mc.se} vs μ = −0.11055`);
    // at θ⁰ = π/2 the layer-1 Gaussian spills over X ≤ 0 (the KS test rejects it there); at the paper's
    // Figure 1 angle θ⁰ = 0.1 it fits: seeded, so this p-value is fixed (0.57 with seed 2 since the chain draws only active pairs; 0.25 before)
    const small = await worker.request('degeneracy', undefined, { widths: [256, 256], theta0: 0.1, trials: 2000, seed: 2 }, settings);
    assert.equal(small.ks[0].samples, 2000);
    assert.ok(small.ks[0].pValue! > 0.05, `KS p = ${small.ks[0].pValue}`);
  });

  it('refuses absurd runs with a message that names the knob, and passes the core\'s own errors on', async () => {
    const { worker } = await api();
    await rejectsWith(worker.request('degeneracy', undefined, { widths: Array(33).fill(256), theta0: 0.1, trials: 10_000_000 }, settings),
      'bad-params', 'degeneracy: 10,000,000 trials × 33 layers would store 330,000,000 samples (limit 25,000,000); use at most 757,575 trials for this depth');
    await rejectsWith(worker.request('degeneracy', undefined, { widths: Array(101).fill(2048), theta0: 0.1, trials: 10_000, mode: 'network' }, settings),
      'bad-params', /^degeneracy: 10,000 full networks of 419,430,400 weights each means 4\.19e12 random weights \(limit 2\.00e10, hours of work\); use fewer trials, or mode 'chain'/);
    await rejectsWith(worker.request('degeneracy', undefined, { widths: Array(21).fill(100_000), theta0: 0.1, trials: 20_000 }, settings),
      'bad-params', /^degeneracy: 20,000 chain trials × 2,000,000 neurons \(all layers\) means 4\.00e10 Gaussian pairs \(limit 1\.00e10, hours of work\)/);
    await rejectsWith(worker.request('degeneracy', undefined, { widths: [8, 8], theta0: 0 }, settings),
      'bad-params', 'degeneracy: theta0 must be an angle in (0, π], got 0');
    await rejectsWith(worker.request('degeneracy', undefined, { widths: [8, 1], theta0: 1 }, settings),
      'bad-params', 'degeneracy: width 1 must be an integer in 2..1048576, got 1');
  });

  it('Stop: a long run rejects with "cancelled" at once and the worker answers the next request', async () => {
    const { worker } = await api();
    const cts = new vscode.CancellationTokenSource();
    let progressed = false;
    // 400 000 chain paths × 20 layers × 1024 pairs: minutes of work unless the core stops at a checkpoint
    const long = worker.request('degeneracy', undefined, { widths: Array(21).fill(1024), theta0: 0.1, trials: 400_000 }, settings, {
      token: cts.token, onProgress: () => { progressed = true; },
    });
    await waitFor('the simulation to be under way', () => progressed, 60_000);
    const t0 = Date.now();
    cts.cancel();
    await assert.rejects(long, (e: Error & { code?: string }) => e.code === 'cancelled');
    assert.ok(Date.now() - t0 < scaled(1000), 'the rejection must not wait for the run');
    const t1 = Date.now();
    const m = await worker.request('moments', undefined, { max: 2 }, settings);
    assert.equal(m.max, 2);
    assert.ok(Date.now() - t1 < scaled(5000), `the worker took ${Date.now() - t1} ms to answer after the cancel`);
    cts.dispose();
  });

  it('moments: J11(π/2) = 1/(2π), J22(π/2) = 1/4, J31(π/2) = 1/π, values at 0, P/Q forms and the Bessel triangle', async () => {
    const { worker } = await api();
    const m = await worker.request('moments', undefined, { max: 8, theta: Math.PI / 2 }, settings);
    assert.equal(m.entries.length, 64);
    const J = (a: number, b: number) => m.entries.find((e) => e.a === a && e.b === b)!;
    // MATH.md §C check values
    assert.ok(Math.abs(J(1, 1).J - 1 / (2 * Math.PI)) < 1e-15);
    assert.ok(Math.abs(J(2, 2).J - 1 / 4) < 1e-15);
    assert.ok(Math.abs(J(3, 1).J - 1 / Math.PI) < 1e-15);
    assert.equal(J(3, 1).J, J(1, 3).J);
    // MATH.md: J22 = [(π − θ)(2cos²θ + 1) + 3 sin θ cos θ]/(2π), J31 = [3(π − θ)cos θ + sin θ cos²θ + 2 sin θ]/(2π)
    assert.deepEqual({ P: J(2, 2).P, Q: J(2, 2).Q, parity: J(2, 2).parity }, { P: [1, 0, 2], Q: [0, 3], parity: 'even' });
    assert.deepEqual({ P: J(3, 1).P, Q: J(3, 1).Q }, { P: [0, 3], Q: [2, 0, 1] });
    assert.equal(J(2, 1).parity, 'odd');
    // Bessel numbers T(n, k) = C(n, 2k)(2k − 1)!! (OEIS A100861), rows 0..8
    assert.deepEqual(m.bessel.slice(0, 5), [[1], [1], [1, 1], [1, 3], [1, 6, 3]]);
    assert.deepEqual(m.bessel[8], [1, 28, 210, 420, 105]);
    const zero = await worker.request('moments', undefined, { max: 3, theta: 0 }, settings);
    const Z = (a: number, b: number) => zero.entries.find((e) => e.a === a && e.b === b)!.J;
    assert.ok(Math.abs(Z(1, 1) - 1 / 2) < 1e-15 && Math.abs(Z(2, 2) - 3 / 2) < 1e-14 && Math.abs(Z(3, 1) - 3 / 2) < 1e-14);
    await rejectsWith(worker.request('moments', undefined, { max: 41 }, settings), 'bad-params', 'moments: max must be an integer in 1..40, got 41');
  });

  it('probe angles of an explicit network: π/4, π/4, π/2, π/4 by hand, with the random-network prediction beside them', async () => {
    const { worker } = await api();
    const doc = await source('angles-explicit.network.json');
    const r = await worker.request('probeAngles', doc, {}, settings);
    assert.deepEqual(r.probes, ['x', 'y']);
    assert.deepEqual(r.widths, [2, 2, 2, 2]);
    const expected = [Math.PI / 4, Math.PI / 4, Math.PI / 2, Math.PI / 4];
    r.layers.forEach((row, l) => {
      assert.ok(Math.abs(row.theta! - expected[l]) < 1e-15, `layer ${l}: θ = ${row.theta}`);
      assert.ok(Math.abs(row.lnSin2! - Math.log(Math.sin(expected[l]) ** 2)) < 1e-15);
      assert.ok(row.prediction, `prediction at layer ${l}`);
    });
    assert.equal(r.layers[0].prediction!.infiniteWidth.theta, r.theta0);
    // by name and by index; x vs z starts orthogonal
    const xz = await worker.request('probeAngles', doc, { probeA: 'x', probeB: 2 }, settings);
    assert.deepEqual(xz.probes, ['x', 'z']);
    assert.ok(Math.abs(xz.theta0 - Math.PI / 2) < 1e-15);
    await rejectsWith(worker.request('probeAngles', doc, { probeA: 'w' }, settings), 'bad-params', "probe angles: no probe named 'w' (probes: x, y, z)");
    await rejectsWith(worker.request('probeAngles', undefined, {}, settings), 'bad-params', /needs a network file/);
  });

  it('probe angles through a random He network stay within the predicted band (one draw of that law)', async () => {
    const { worker } = await api();
    const r = await worker.request('probeAngles', await source('angles.network.json'), { probeA: 'a', probeB: 'b' }, settings);
    assert.equal(r.layers.length, 25);
    assert.ok(Math.abs(r.theta0 - Math.atan(0.3)) < 1e-15);
    for (const row of r.layers.slice(1)) {
      const p = row.prediction!;
      assert.ok(p.predicted.sd > 0);
      assert.ok(Math.abs(row.lnSin2! - p.predicted.mean) < 4 * p.predicted.sd, `layer ${row.layer}: measured ${row.lnSin2}, predicted ${p.predicted.mean} ± ${p.predicted.sd}`);
    }
  });

  it('depthLens.openDepthPlots opens "Depth plots" with no file active, and "Depth plots: <file>" for a network file', async () => {
    const { panels } = await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(vscode.window.activeTextEditor, undefined);
    await vscode.commands.executeCommand('depthLens.openDepthPlots');
    const plain = await waitFor('the Depth plots panel', () => panels.openPanels.find((p) => p.panel.viewType === 'depthLens.depthPlots' && !p.documentUri));
    assert.equal(plain.panel.title, 'Depth plots');
    const uri = fixture('angles.network.json');
    await vscode.commands.executeCommand('depthLens.openDepthPlots', uri);
    const withFile = await waitFor('the Depth plots panel for the file', () => panels.openPanels.find((p) => p.panel.viewType === 'depthLens.depthPlots' && p.documentUri?.toString() === uri.toString()));
    assert.equal(withFile.panel.title, 'Depth plots: angles.network.json');
    plain.dispose();
    withFile.dispose();
  });
});
