// Checkpoints in a real VS Code: "Open With → Depth Lens" resolves the read-only custom editor; the
// worker answers the tensor table and streams every tensor's ‖·‖₂ (checked against numpy's values
// recorded by scripts/make-model-fixtures.py); the analysis panels open on a checkpoint; "Create Network
// File from Checkpoint" writes a network file that references the tensors and never replaces one
// without asking; a network file that references a .safetensors file is re-checked when it changes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TensorNormsResult } from '../../src/shared/analyses/checkpoint';
import { denseOverview } from '../../src/shared/analyses/overview';
import { api, codeOf, depthLensDiagnostics, EXTENSION_ID, fixture, waitFor } from './helpers';

const settings = { maxFileSizeMB: 64, norm: '2' as const };
const source = (uri: vscode.Uri) => ({ uri: uri.toString(), fsPath: uri.fsPath, version: 1, text: '' });

/** numpy.linalg.norm(·, 2) of each tensor, recorded beside the fixtures */
function recordedNorms(model: string): Record<string, number> {
  const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  return JSON.parse(fs.readFileSync(path.join(root, 'test', 'fixtures', 'models', 'outputs.json'), 'utf8'))[`${model}.norms`];
}

describe('Checkpoints', () => {
  it('opens a .safetensors file with "Open With → Depth Lens" (the custom editor)', async () => {
    const depthLens = await api();
    const uri = fixture('checkpoints/mlp.safetensors');
    await vscode.commands.executeCommand('vscode.openWith', uri, 'depthLens.checkpoint');
    const view = await waitFor('the checkpoint view', () => depthLens.checkpoints.openViews.find((v) => v.uri.toString() === uri.toString()));
    assert.equal(view.panel.viewType, 'depthLens.checkpoint');
    assert.equal(depthLens.checkpoints.activeUri?.toString(), uri.toString());
  });

  it('answers the tensor table and the layer chain, then streams ‖·‖₂ equal to numpy\'s', async () => {
    const { worker } = await api();
    const uri = fixture('checkpoints/mlp.safetensors');
    const table = await worker.request('checkpoint', source(uri), {}, settings);
    assert.equal(table.formatName, 'safetensors');
    assert.deepEqual(table.tensors.map((t) => `${t.name} ${t.dtype} [${t.shape}]`), ['0.weight F32 [8,2]', '0.bias F32 [8]', '2.weight F32 [8,8]', '2.bias F32 [8]', '4.weight F32 [1,8]', '4.bias F32 [1]']);
    assert.deepEqual(table.chain?.map((s) => `${s.kind} ${s.shape} ${s.activation}`), ['dense 8×2 relu', 'dense 8×8 relu', 'dense 1×8 linear']);
    assert.deepEqual(table.diagnostics.map((d) => d.code), ['model-chain']);
    const streamed: number[] = [];
    const result = await worker.request('tensorNorms', source(uri), {}, settings, {
      onProgress: (_f, _m, partial) => { if (partial) for (const n of (partial as TensorNormsResult).norms) streamed.push(n.index); },
    });
    assert.deepEqual(streamed, [0, 1, 2, 3, 4, 5]);
    const expected = recordedNorms('mlp');
    result.norms.forEach((n) => {
      const name = table.tensors[n.index].name;
      assert.ok(Math.abs(n.norm! - expected[name]) <= 1e-9 * expected[name], `${name}: ${n.norm} vs numpy ${expected[name]}`);
    });
  });

  it('a hostile pickle is refused in the view, with the byte where it names os.system', async () => {
    const { worker } = await api();
    await assert.rejects(worker.request('checkpoint', source(fixture('checkpoints/hostile.os-system.pt')), {}, settings),
      /hostile\.os-system\.pt, archive member "hostile\/data\.pkl", byte 16: the pickle names os\.system, which Depth Lens refuses/);
  });

  it('opens the Convergence and Overview panels on a checkpoint (an ONNX ResNet) and analyses it', async () => {
    const depthLens = await api();
    const uri = fixture('checkpoints/resnet.onnx');
    await vscode.commands.executeCommand('depthLens.openConvergence', uri);
    const panel = await waitFor('the convergence panel', () => depthLens.panels.openPanels.find((p) => p.documentUri?.toString() === uri.toString() && p.kind.viewType === 'depthLens.convergence'));
    assert.equal(panel.panel.title, 'Convergence: resnet.onnx');
    const overview = denseOverview(await depthLens.worker.request('overview', source(uri), { maxRows: 50 }, settings));
    assert.deepEqual(overview.rows.map((r) => `${r.type} ${r.shape}`), ['dense 6×3', 'residual 6→3→6', 'residual 6→10→6', 'residual 6→4→6', 'dense 2×6']);
    const conv = await depthLens.worker.request('convergence', source(uri), {}, settings);
    assert.ok(conv, 'a convergence result');
  });

  it('creates a network file that references the checkpoint, and asks before replacing one', async () => {
    const uri = fixture('checkpoints/trained.safetensors');
    const target = await vscode.commands.executeCommand<vscode.Uri | undefined>('depthLens.createNetworkFile', uri);
    assert.ok(target, 'a file was written');
    assert.equal(path.basename(target.fsPath), 'trained.network.json');
    const doc = JSON.parse(fs.readFileSync(target.fsPath, 'utf8'));
    assert.deepEqual(doc.layers.map((l: { weights: { file: string; tensor: string }; activation: string }) => `${l.weights.file}:${l.weights.tensor} ${l.activation}`),
      ['trained.safetensors:0.weight relu', 'trained.safetensors:2.weight relu', 'trained.safetensors:5.weight linear']);
    // the written file analyses cleanly (its tensors resolve beside it)
    const written = await vscode.workspace.openTextDocument(target);
    await vscode.window.showTextDocument(written);
    const { diagnostics } = await api();
    const state = await diagnostics.stateFor(written);
    assert.equal(state.summary?.parameterCount, 337);
    // a second time, told never to replace: the file stays as it is
    fs.writeFileSync(target.fsPath, '{"edited": true}\n');
    const again = await vscode.commands.executeCommand<vscode.Uri | undefined>('depthLens.createNetworkFile', uri, { existing: 'never' });
    assert.equal(again, undefined);
    assert.equal(fs.readFileSync(target.fsPath, 'utf8'), '{"edited": true}\n');
  });

  it('a network file that references a .safetensors file is re-checked when the checkpoint changes on disk', async () => {
    const uri = fixture('checkpoints/mlp-ref.network.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const { diagnostics } = await api();
    const state = await diagnostics.stateFor(doc);
    assert.equal(state.summary?.parameterCount, 105);
    const weights = fixture('checkpoints/mlp.safetensors').fsPath;
    const bytes = fs.readFileSync(weights);
    fs.writeFileSync(weights, bytes.subarray(0, 100));
    try {
      const ds = await depthLensDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'model-truncated'));
      assert.match(ds.find((x) => codeOf(x) === 'model-truncated')!.message, /^layer 1 weights: mlp\.safetensors: the header length \(bytes 0–8\) says \d+ bytes but only 92 follow/);
    } finally {
      fs.writeFileSync(weights, bytes);
    }
    await depthLensDiagnostics(uri, (d) => !d.some((x) => x.severity === vscode.DiagnosticSeverity.Error));
  });
});
