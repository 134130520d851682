// The first slice end to end in a real extension host: worker-computed code lens, Problems-panel
// diagnostics with exact ranges, the overview command and its numbers, worker restart, edits.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { api, codeLensTitles, codeOf, depthLensDiagnostics, fixture, waitFor } from './helpers';

describe('Foundation slice', () => {
  const small = () => fixture('small.network.json');
  const broken = () => fixture('broken.network.json');

  it('shows the network shape at the top of a network file, computed in the worker', async () => {
    await vscode.workspace.openTextDocument(small());
    const titles = await codeLensTitles(small(), 2);
    // small.network.json: 2 → 2 (relu) → 1 (linear); 2·2 + 2 + 1·2 + 1 = 9 parameters
    assert.equal(titles[0], '2 layers · widths 2 (×2), 1 · 9 parameters');
    assert.equal(titles[1], 'Open network overview');
    assert.ok(titles.includes('layer 1 (dense): 2→2'), titles.join(' | '));
    assert.ok(titles.includes('layer 2 (dense): 2→1'), titles.join(' | '));
  });

  it('puts a malformed file in the Problems panel with the exact range', async () => {
    await vscode.workspace.openTextDocument(broken());
    const [d] = await depthLensDiagnostics(broken());
    // broken.network.json line 5 (0-based 4): the comma is missing before "bias" at column 52 (0-based 51)
    assert.equal(codeOf(d), 'json-syntax');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.range.start.line, 4);
    assert.equal(d.range.start.character, 51);
    assert.match(d.message, /comma expected/);
    const lenses = await codeLensTitles(broken());
    assert.equal(lenses[0], 'Depth Lens: 1 error — see Problems');
  });

  it('computes the overview norms in the worker, equal to the closed forms', async () => {
    const { worker } = await api();
    const doc = await vscode.workspace.openTextDocument(small());
    const r = await worker.request('overview', { uri: doc.uri.toString(), version: doc.version, text: doc.getText(), fsPath: doc.uri.fsPath }, {}, { maxFileSizeMB: 64, norm: '2' });
    // W1 = [[1,2],[3,4]]: σ_max² = (30 + √884)/2; W1 − I = [[0,2],[3,3]]: σ_max² = (22 + √340)/2; ‖(0.5,−1)‖ = √1.25
    assert.equal(r.rows.length, 2);
    assert.ok(Math.abs(r.rows[0].normW - Math.sqrt((30 + Math.sqrt(884)) / 2)) < 1e-12);
    assert.ok(Math.abs((r.rows[0].normWminusI ?? NaN) - Math.sqrt((22 + Math.sqrt(340)) / 2)) < 1e-12);
    assert.ok(Math.abs(r.rows[0].normB - Math.sqrt(1.25)) < 1e-15);
    assert.ok(Math.abs(r.rows[1].normW - Math.SQRT2) < 1e-15);
    assert.equal(r.rows[1].normWminusI, null);
  });

  it('opens the Network overview panel for a file', async () => {
    const { panels } = await api();
    await vscode.commands.executeCommand('depthLens.openOverview', small());
    const panel = await waitFor('the overview panel', () => panels.openPanels.find((p) => p.documentUri?.toString() === small().toString()));
    assert.equal(panel.panel.viewType, 'depthLens.overview');
    assert.equal(panel.panel.title, 'Network overview: small.network.json');
    // a second call reveals the same panel instead of opening another
    await vscode.commands.executeCommand('depthLens.openOverview', small());
    assert.equal(panels.openPanels.filter((p) => p.panel.viewType === 'depthLens.overview').length, 1);
    panel.dispose();
  });

  it('follows edits (diagnostics appear and clear) without writing to the file', async () => {
    const uri = small();
    const before = fs.readFileSync(uri.fsPath, 'utf8');
    const doc = await vscode.workspace.openTextDocument(uri);
    const start = doc.positionAt(doc.getText().indexOf('"bias": [0]'));
    const bad = new vscode.WorkspaceEdit();
    bad.replace(uri, new vscode.Range(start, start.translate(0, '"bias": [0]'.length)), '"bias": [0, 1]');
    assert.ok(await vscode.workspace.applyEdit(bad));
    const ds = await depthLensDiagnostics(uri, (d) => d.some((x) => x.severity === vscode.DiagnosticSeverity.Error));
    const error = ds.find((x) => x.severity === vscode.DiagnosticSeverity.Error)!;
    assert.equal(error.range.start.line, doc.positionAt(doc.getText().indexOf('[0, 1]')).line);
    const fix = new vscode.WorkspaceEdit();
    const at = doc.positionAt(doc.getText().indexOf('"bias": [0, 1]'));
    fix.replace(uri, new vscode.Range(at, at.translate(0, '"bias": [0, 1]'.length)), '"bias": [0]');
    assert.ok(await vscode.workspace.applyEdit(fix));
    await depthLensDiagnostics(uri, (d) => d.length === 0);
    assert.equal(fs.readFileSync(uri.fsPath, 'utf8'), before, 'the file on disk must not change');
    assert.equal(doc.getText(), before);
  });

  it('restarts the worker on request and keeps answering', async () => {
    await vscode.commands.executeCommand('depthLens.restartWorker');
    const { worker } = await api();
    const doc = await vscode.workspace.openTextDocument(small());
    const r = await worker.request('validate', { uri: doc.uri.toString(), version: doc.version + 1000, text: doc.getText() }, {}, { maxFileSizeMB: 64, norm: '2' });
    assert.equal(r.summary?.parameterCount, 9);
  });
});
