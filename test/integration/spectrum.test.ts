// Weight spectra and comparison in the real extension host: the worker's spectrum analysis on a
// fixture, a comparison of a file with itself through the worker (exactly zero, "identical"), and
// "Compare With…" invoked as the explorer invokes it on two selected files (one panel per pair).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, fixture, scaled, waitFor } from './helpers';
import { documentSource } from '../../src/host/networkDocuments';
import { checkpointSource } from '../../src/host/checkpointEditor';

const SETTINGS = { maxFileSizeMB: 64, norm: '2' as const };

describe('Spectrum and Compare (extension host)', function () {
  this.timeout(scaled(120_000));

  it('the worker computes every layer\'s spectrum of a fixture, with "too few eigenvalues" for its small layers', async () => {
    const { worker } = await api();
    const doc = await vscode.workspace.openTextDocument(fixture('compare-trained.network.json'));
    const r = await worker.request('spectrum', documentSource(doc), {}, SETTINGS);
    assert.deepEqual(r.items.map((s) => `${s.label} ${s.rows}×${s.cols} ${s.powerLaw.status}`), [
      'layer 1 32×2 too-few', 'layer 2 32×32 fitted', 'layer 3 32×32 fitted', 'layer 4 1×32 too-few',
    ]);
    assert.ok(r.items[1].singularValues instanceof Float64Array && r.items[1].singularValues.length === 32);
  });

  it('a file compared with itself through the worker is identical, every difference exactly 0', async () => {
    const { worker } = await api();
    const doc = await vscode.workspace.openTextDocument(fixture('compare-finetuned.network.json'));
    const source = documentSource(doc);
    const r = await worker.request('compare', source, { other: source }, SETTINGS);
    assert.equal(r.identical, true);
    assert.deepEqual(r.layers.map((l) => l.diffNorm), [0, 0, 0, 0]);
    assert.equal(r.regions!.a!.same, r.regions!.a!.count);
    await assert.rejects(worker.request('compare', source, {}, SETTINGS), /compare needs the second network \(params\.other\)/);
  });

  it('"Compare With…" on two selected explorer files opens one panel for the pair', async () => {
    const { compare } = await api();
    const a = fixture('compare-trained.network.json'), b = fixture('compare-finetuned.network.json');
    const panel = await vscode.commands.executeCommand<unknown>('depthLens.compareWith', a, [a, b]);
    assert.ok(panel, 'the command returns the panel');
    await waitFor('the compare panel', () => compare.openPanels.length === 1);
    assert.equal(compare.openPanels[0].panel.title, 'Compare: compare-trained.network.json ↔ compare-finetuned.network.json');
    // the same pair again reveals the same panel
    await vscode.commands.executeCommand('depthLens.compareWith', a, [a, b]);
    assert.equal(compare.openPanels.length, 1);
    for (const p of [...compare.openPanels]) p.dispose();
    assert.equal(compare.openPanels.length, 0);
  });
  it('compares across formats: a network file referencing mlp.safetensors\'s tensors with the checkpoint itself is identical', async () => {
    const { worker, compare } = await api();
    const ref = fixture('checkpoints/mlp-ref.network.json'), st = fixture('checkpoints/mlp.safetensors');
    const doc = await vscode.workspace.openTextDocument(ref);
    const r = await worker.request('compare', documentSource(doc), { other: await checkpointSource(st) }, SETTINGS);
    // the bare safetensors file is read as dense → ReLU → … → dense (linear last): the reference file says the same
    assert.equal(r.identical, true);
    assert.deepEqual(r.layers.map((l) => `${l.diffNorm}`), ['0', '0', '0']);
    // from the explorer: the pair opens one panel, the checkpoint without the "not a network file" warning
    await vscode.commands.executeCommand('depthLens.compareWith', ref, [ref, st]);
    await waitFor('the cross-format compare panel', () => compare.openPanels.length === 1);
    assert.equal(compare.openPanels[0].panel.title, 'Compare: mlp-ref.network.json ↔ mlp.safetensors');
    for (const p of [...compare.openPanels]) p.dispose();
  });
});
