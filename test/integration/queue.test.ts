// The worker queue drops work nobody waits for (issue 15, item 1): a cancelled request never delays
// the next one — not when the analysis notices its cancel flag late (the lane's worker is replaced
// and the requests still wanted move over), and not when a panel is closed in the middle of a long
// analysis of the 10⁵-layer example. Latency bounds are for an idle 2-core machine, scaled by the
// runner's slowness factor.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisSettings, DocumentSource } from '../../src/shared/protocol';
import { ABANDON_AFTER_MS } from '../../src/host/workerClient';
import { api, EXTENSION_ID, fixture, scaled, waitFor } from './helpers';

const settings: AnalysisSettings = { maxFileSizeMB: 64, norm: '2' };

async function source(uri: vscode.Uri): Promise<DocumentSource> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return { uri: doc.uri.toString(), version: doc.version, text: doc.getText(), fsPath: doc.uri.fsPath };
}

describe('Worker queue', () => {
  it('a cancelled request deaf to its flag is abandoned: the next request answers at once, waiting ones move to the new worker', async () => {
    const { worker } = await api();
    const small = await source(fixture('small.network.json')); // 2 layers
    await worker.request('overview', small, {}, settings); // a warm lane
    const abandonedBefore = worker.stats.abandoned;
    worker.stallNextRequest('analysis', 60_000);
    const cts = new vscode.CancellationTokenSource();
    const stalled = worker.request('overview', small, {}, settings, { token: cts.token });
    // wanted work queued behind it: must be answered by the replacement worker
    const queued = worker.request('overview', small, {}, settings);
    await waitFor('both requests posted', () => (worker.stats.outstanding.analysis ?? 0) >= 2);
    const t0 = Date.now();
    cts.cancel();
    await assert.rejects(stalled, (e: Error & { code?: string }) => e.code === 'cancelled');
    const next = await worker.request('overview', small, {}, settings);
    const ms = Date.now() - t0;
    assert.equal(next.rows.length, 2);
    assert.equal((await queued).rows.length, 2);
    assert.equal(worker.stats.abandoned, abandonedBefore + 1);
    assert.ok(ms < ABANDON_AFTER_MS + scaled(1000), `the next overview came ${ms} ms after the cancel (the stalled run had 60 s to go)`);
    cts.dispose();
  });

  it('closing a panel mid-run of a long analysis lets the next 2-layer Overview answer within 1 s', async () => {
    const depthLens = await api();
    const repo = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    // the 10⁵-layer family: Activations on it runs for many seconds
    const family = vscode.Uri.file(path.join(repo, 'examples', 'convergent-family.network.json'));
    const small = await source(fixture('small.network.json'));
    await depthLens.worker.request('overview', small, {}, settings); // a warm lane
    const before = depthLens.panels.openPanels.length;
    await vscode.commands.executeCommand('depthLens.openActivations', family);
    const panel = await waitFor('the Activations panel', () => depthLens.panels.openPanels.find((p) => p.panel.title.includes('convergent-family')), 30_000);
    // the panel's request for the family on the analysis lane, in flight
    await waitFor('the panel’s analysis under way', () => (depthLens.worker.stats.outstanding.analysis ?? 0) >= 1, 60_000);
    const t0 = Date.now();
    panel.panel.dispose();
    assert.equal(depthLens.panels.openPanels.length, before);
    const r = await depthLens.worker.request('overview', small, {}, settings);
    const ms = Date.now() - t0;
    assert.equal(r.rows.length, 2);
    assert.ok(ms < scaled(1000), `the 2-layer Overview answered ${ms} ms after the panel closed`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
