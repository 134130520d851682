// The first slice end to end in a real extension host: worker-computed code lens, Problems-panel
// diagnostics with exact ranges, the overview command and its numbers, worker restart, edits.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import * as os from 'node:os';
import * as path from 'node:path';
import { isNetworkDocument } from '../../src/host/networkDocuments';
import { MAX_CRASHES_IN_A_ROW, WorkerClient } from '../../src/host/workerClient';
import { denseOverview } from '../../src/shared/analyses/overview';
import type { AnalysisSettings, DocumentSource } from '../../src/shared/protocol';
import { api, codeLensTitles, codeOf, depthLensDiagnostics, fixture, waitFor } from './helpers';

const SETTINGS: AnalysisSettings = { maxFileSizeMB: 64, norm: '2' };

/** The document as the worker sees it, with a version no other request uses (so nothing is cached). */
let versionOffset = 10_000;
function sourceOf(doc: vscode.TextDocument): DocumentSource {
  return { uri: doc.uri.toString(), fsPath: doc.uri.fsPath, version: doc.version + versionOffset++, text: doc.getText() };
}

/** The error code and message of a rejected request (RpcError of the extension's own bundle). */
async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { code: String((e as { code?: unknown }).code), message: (e as Error).message };
  }
  throw new Error('the request was expected to fail');
}

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

  it('puts a malformed file in the Problems panel once, with the exact range', async () => {
    const doc = await vscode.workspace.openTextDocument(broken());
    // in an editor, as a user sees it (the JSON service validates the documents it is told about)
    await vscode.window.showTextDocument(doc);
    // Depth Lens found it (the lens counts it; the worker's validate answer has it at the exact place)…
    const lenses = await codeLensTitles(broken());
    assert.equal(lenses[0], 'Depth Lens: 1 error — see Problems');
    const { worker } = await api();
    const r = await worker.request('validate', { uri: doc.uri.toString(), version: doc.version, text: doc.getText(), fsPath: doc.uri.fsPath }, {}, { maxFileSizeMB: 64, norm: '2' });
    // broken.network.json line 5 (0-based 4): the comma is missing before "bias" at column 52 (0-based 51)
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, d.range.start.line, d.range.start.character]), [['json-syntax', 'error', 4, 51]]);
    assert.match(r.diagnostics[0].message, /comma expected/);
    // …and Problems shows it once: VS Code's JSON service reports it at the same place, so Depth Lens's
    // copy is not published (issue 15: each error once)
    const shown = await waitFor('the JSON service\'s diagnostic', () => {
      const ds = vscode.languages.getDiagnostics(broken());
      return ds.some((d) => d.source === 'json') ? ds : undefined;
    }, 60_000).catch((e: Error) => { throw new Error(`${e.message}; Problems has ${JSON.stringify(vscode.languages.getDiagnostics(broken()).map((d) => [d.source, d.message]))}; language ${doc.languageId}`); });
    assert.deepEqual(shown.map((d) => [d.source, d.severity, d.range.start.line, d.range.start.character]), [['json', vscode.DiagnosticSeverity.Error, 4, 51]]);
  });

  it('computes the overview norms in the worker, equal to the closed forms', async () => {
    const { worker } = await api();
    const doc = await vscode.workspace.openTextDocument(small());
    const r = denseOverview(await worker.request('overview', { uri: doc.uri.toString(), version: doc.version, text: doc.getText(), fsPath: doc.uri.fsPath }, {}, { maxFileSizeMB: 64, norm: '2' }));
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

  it('analyses only files and untitled documents, not copies under other schemes (git: in diff views)', async () => {
    const { diagnostics } = await api();
    const text = fs.readFileSync(small().fsPath, 'utf8');
    const scheme = 'depth-lens-test';
    const registration = vscode.workspace.registerTextDocumentContentProvider(scheme, { provideTextDocumentContent: () => text });
    try {
      const copy = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme, path: small().path }));
      assert.equal(isNetworkDocument(copy), false);
      assert.equal((await diagnostics.stateFor(copy)).failure, 'not a network document');
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', copy.uri);
      assert.deepEqual((lenses ?? []).map((l) => l.command?.title), []);
      // an unsaved network document is analysed: its syntax error shows up
      const untitled = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'untitled', path: `${small().path.replace(/small\.network\.json$/, '')}draft.network.json` }));
      const edit = new vscode.WorkspaceEdit();
      edit.insert(untitled.uri, new vscode.Position(0, 0), '{ "format": "depth-lens/network@1" ');
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.equal(isNetworkDocument(untitled), true);
      // (in the state the lenses read; Problems shows it from the JSON service when that validates the document)
      const state = await diagnostics.stateFor(untitled);
      assert.deepEqual(state.diagnostics.map((x) => x.code), ['json-syntax']);
      assert.deepEqual(vscode.languages.getDiagnostics(copy.uri).filter((x) => x.source === 'depth-lens'), []);
    } finally {
      registration.dispose();
    }
  });

  it('survives a real worker exit: pending requests reject, one warning per run of crashes, the next request works', async () => {
    const { worker } = await api();
    const doc = await vscode.workspace.openTextDocument(small());
    await worker.request('validate', sourceOf(doc), {}, SETTINGS); // the interactive worker runs
    const before = worker.stats;
    // the worker exits (code 7) when this request arrives: a real exit, seen by the host like a crash
    worker.crashOnNextRequest('interactive');
    const failed = await rejection(worker.request('validate', sourceOf(doc), {}, SETTINGS));
    assert.equal(failed.code, 'worker-exited');
    assert.match(failed.message, /^the analysis worker stopped \(exit code 7\)/);
    assert.equal(worker.stats.crashes, before.crashes + 1);
    assert.equal(worker.stats.messagesShown, before.messagesShown + 1);
    // the next request starts a fresh worker and is answered
    assert.equal((await worker.request('validate', sourceOf(doc), {}, SETTINGS)).summary?.parameterCount, 9);

    // two exits in a row: still one message, and the request after them waits out the back-off (1 s) and works
    worker.crashOnNextRequest('interactive');
    assert.equal((await rejection(worker.request('validate', sourceOf(doc), {}, SETTINGS))).code, 'worker-exited');
    worker.crashOnNextRequest('interactive');
    assert.equal((await rejection(worker.request('validate', sourceOf(doc), {}, SETTINGS))).code, 'worker-exited');
    assert.equal(worker.stats.crashes, before.crashes + 3);
    assert.equal(worker.stats.messagesShown, before.messagesShown + 2, 'one message for the first run of crashes, one for the second');
    assert.equal((await worker.request('validate', sourceOf(doc), {}, SETTINGS)).summary?.parameterCount, 9);
  });

  it('analyses a document again after the worker exited under its run: no stale "analysis-failed", lenses answer', async () => {
    const { worker, diagnostics } = await api();
    const uri = small();
    const doc = await vscode.workspace.openTextDocument(uri);
    const crashes = worker.stats.crashes;
    worker.crashOnNextRequest('interactive');
    // an edit makes a new version: its validate run meets the exiting worker
    const end = doc.positionAt(doc.getText().length);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, end, '\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      const state = await diagnostics.stateFor(doc);
      assert.equal(state.version, doc.version);
      assert.equal(state.failure, undefined);
      assert.equal(state.summary?.parameterCount, 9);
      assert.equal(worker.stats.crashes, crashes + 1, 'the run did meet the exit');
      assert.deepEqual(vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'depth-lens').map(codeOf), []);
      const titles = await codeLensTitles(uri, 2);
      assert.equal(titles[0], '2 layers · widths 2 (×2), 1 · 9 parameters');
    } finally {
      const undo = new vscode.WorkspaceEdit();
      undo.delete(uri, new vscode.Range(doc.positionAt(doc.getText().length - 1), doc.positionAt(doc.getText().length)));
      await vscode.workspace.applyEdit(undo);
    }
  });

  it('a code lens request waits for the debounced run instead of analysing at once: one run for two quick edits', async () => {
    const { diagnostics } = await api();
    const uri = small();
    const doc = await vscode.workspace.openTextDocument(uri);
    const settings = vscode.workspace.getConfiguration('depthLens');
    await settings.update('analysis.debounceMs', 1500, vscode.ConfigurationTarget.Global);
    const insert = async () => {
      const edit = new vscode.WorkspaceEdit();
      edit.insert(uri, doc.positionAt(doc.getText().length), ' ');
      assert.ok(await vscode.workspace.applyEdit(edit));
    };
    try {
      await waitFor('the new debounce setting', () => vscode.workspace.getConfiguration('depthLens').get('analysis.debounceMs') === 1500);
      await diagnostics.stateFor(doc); // the re-run after the settings change is done
      const runs = diagnostics.runsStarted(uri);
      await insert();
      const waiting = diagnostics.stateFor(doc); // as the code lens provider does right after an edit
      await insert(); // a second edit within the debounce: the one run is for this version
      const state = await waiting;
      assert.equal(state.version, doc.version);
      assert.equal(diagnostics.runsStarted(uri), runs + 1, 'one validate run for both edits');
    } finally {
      await settings.update('analysis.debounceMs', undefined, vscode.ConfigurationTarget.Global);
      const undo = new vscode.WorkspaceEdit();
      const text = doc.getText();
      undo.delete(uri, new vscode.Range(doc.positionAt(text.length - 2), doc.positionAt(text.length)));
      await vscode.workspace.applyEdit(undo);
    }
  });

  it('validate is answered while a heavy analysis runs on its own lane', async () => {
    const { worker } = await api();
    const doc = await vscode.workspace.openTextDocument(small());
    // 24 random 300×300 layers: the overview computes 48 spectral norms, a second or more
    const heavy: DocumentSource = {
      uri: 'untitled:heavy.network.json', version: 1,
      text: JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 300 }, layers: [{ type: 'random', widths: Array(24).fill(300), weights: { distribution: 'he-normal' }, activation: 'relu', seed: 5 }] }),
    };
    const order: string[] = [];
    const overview = worker.request('overview', heavy, {}, SETTINGS).then((r) => { order.push('overview'); return r; });
    const validate = worker.request('validate', sourceOf(doc), {}, SETTINGS).then((r) => { order.push('validate'); return r; });
    const [o, v] = await Promise.all([overview, validate]);
    assert.equal(o.rows.length, 24);
    assert.equal(v.summary?.parameterCount, 9);
    assert.deepEqual(order, ['validate', 'overview'], 'validate did not queue behind the overview');
  });

  describe('a worker that cannot run (a broken or missing dist/worker.js)', () => {
    const log = vscode.window.createOutputChannel('Depth Lens worker tests', { log: true });
    const dirs: string[] = [];
    after(() => {
      log.dispose();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });
    const folder = (workerSource?: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-worker-'));
      dirs.push(dir);
      if (workerSource !== undefined) {
        fs.mkdirSync(path.join(dir, 'dist'));
        fs.writeFileSync(path.join(dir, 'dist', 'worker.js'), workerSource);
      }
      return dir;
    };

    it('a worker that dies at start: backs off, pauses after five exits with one message, starts again after Restart', async () => {
      const client = new WorkerClient(folder("throw new Error('broken build');"), log, { restartBackoffMs: 20 });
      try {
        const codes: string[] = [];
        for (let i = 0; i < MAX_CRASHES_IN_A_ROW + 2; i++) codes.push((await rejection(client.request('validate', undefined, {}, SETTINGS))).code);
        assert.deepEqual(codes, [...Array(MAX_CRASHES_IN_A_ROW).fill('worker-exited'), 'worker-unavailable', 'worker-unavailable']);
        assert.equal(client.stats.crashes, MAX_CRASHES_IN_A_ROW, 'paused: no more restarts');
        assert.equal(client.stats.messagesShown, 1);
        const paused = await rejection(client.request('validate', undefined, {}, SETTINGS));
        assert.match(paused.message, /stopped 5 times in a row and is paused; run "Depth Lens: Restart Analysis Worker"/);
        await client.restart();
        assert.equal((await rejection(client.request('validate', undefined, {}, SETTINGS))).code, 'worker-exited');
        assert.equal(client.stats.messagesShown, 2, 'a new run of crashes after Restart gets its own message');
      } finally {
        client.dispose();
      }
    });

    it('a missing worker: one message, every request fails at once with the reason', async () => {
      const client = new WorkerClient(folder(), log);
      try {
        for (let i = 0; i < 3; i++) {
          const e = await rejection(client.request('validate', undefined, {}, SETTINGS));
          assert.equal(e.code, 'worker-unavailable');
          assert.match(e.message, /analysis worker is missing/);
        }
        assert.equal(client.stats.messagesShown, 1);
        assert.equal(client.stats.crashes, 0);
      } finally {
        client.dispose();
      }
    });
  });
});
