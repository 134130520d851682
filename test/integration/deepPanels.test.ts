// Deep files in the panels (issue 15, item 1), in the real extension host: Activations of the
// 10⁵-layer family as its panel asks for it — the per-layer summary streamed before the reply, a
// sample of the layers in full, the exact region map of the first layers — within 2× the CLI's time
// for the same file; and an edit of the file cancels its panel's running analysis at once, so the
// next 2-layer Overview answers within 1 s. Bounds are for an idle 2-core machine, scaled by the
// runner's slowness factor.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ActivationsResult } from '../../src/shared/analyses/activations';
import { denseActivations } from '../../src/shared/analyses/convPanels';
import type { AnalysisSettings, DocumentSource } from '../../src/shared/protocol';
import { api, codeLensTitles, EXTENSION_ID, fixture, scaled, SLOWNESS, waitFor } from './helpers';

const settings: AnalysisSettings = { maxFileSizeMB: 64, norm: '2' };

async function source(uri: vscode.Uri): Promise<DocumentSource> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return { uri: doc.uri.toString(), version: doc.version, text: doc.getText(), fsPath: doc.uri.fsPath };
}

describe('Deep files in the panels', () => {
  const repo = () => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  const familyFile = () => path.join(repo(), 'examples', 'convergent-family.network.json');

  it('Activations of the 10⁵-layer family: summary streamed, a sample in full and the map of the first layers, within 2× the CLI', async () => {
    const { worker } = await api();
    const t = process.hrtime.bigint();
    const cli = spawnSync(process.execPath, [path.join(repo(), 'dist', 'cli.js'), 'activations', familyFile()], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const cliMs = Number(process.hrtime.bigint() - t) / 1e6;
    assert.equal(cli.status, 0, cli.stderr);
    const family = await source(vscode.Uri.file(familyFile()));
    const small = await source(fixture('small.network.json'));
    // warm lanes, as behind an open panel
    await Promise.all([worker.request('overview', small, {}, settings), worker.request('regions', small, {}, settings)]);
    const t0 = Date.now();
    let firstPartial: number | undefined;
    let streamed = 0;
    const [reply, map] = await Promise.all([
      worker.request('activations', family, { probe: 'origin', partialProducts: true, maxLayers: 600 }, settings, {
        onProgress: (_f, _m, partial) => {
          const s = (partial as Partial<ActivationsResult> | undefined)?.summary;
          if (!s) return;
          firstPartial ??= Date.now() - t0;
          assert.equal(s.from, streamed + 1, 'slices in order');
          streamed += s.active.length;
        },
      }),
      worker.request('regions', family, { maxRegions: 20_000, maxSteps: 1e8, inputMaps: true, patterns: false, prefix: true }, settings),
    ]);
    const ms = Date.now() - t0;
    const act = denseActivations(reply);
    console.log(`      [latency] CLI activations ${cliMs.toFixed(0)} ms; worker: activations summary + sample and the first-layers map ${ms} ms (first streamed slice at ${firstPartial} ms, ${streamed} layers streamed); map of the first ${map.depth} layers, ${map.regions} regions`);
    assert.equal(act.summary?.depth, 100_000);
    assert.equal(act.summary?.active.length, 100_000);
    assert.deepEqual(act.sampled, { depth: 100_000 });
    assert.ok(act.layers.length <= 600 && act.layers[act.layers.length - 1].layer === 100_000);
    assert.ok(firstPartial !== undefined && firstPartial < ms, 'the summary streams before the reply');
    assert.ok(map.depth !== undefined && map.depth > 100 && map.depth < 100_000, `map depth ${map.depth}`);
    assert.equal(map.polygons?.length, map.regions);
    assert.ok(ms <= 2 * cliMs * SLOWNESS, `panel work ${ms} ms, CLI ${cliMs.toFixed(0)} ms (slowness ${SLOWNESS})`);
  });

  it('the deep family\'s activation lens comes from the summary (a small reply) and agrees with the full run', async () => {
    const { worker } = await api();
    const uri = vscode.Uri.file(familyFile());
    const full = denseActivations(await worker.request('activations', await source(uri), { probe: 'origin', partialProducts: false }, settings));
    let lo = Infinity, hi = -Infinity;
    for (const l of full.layers) { lo = Math.min(lo, l.active); hi = Math.max(hi, l.active); }
    const expected = `active ${lo === hi ? lo : `${lo}–${hi}`}/2 at probe origin (layers 1–100000)`;
    const titles = await waitFor('the activation lens', async () => {
      const t = await codeLensTitles(uri);
      return t.some((x) => x.startsWith('active ')) ? t : undefined;
    }, 120_000);
    assert.ok(titles.includes(expected), `expected "${expected}" among ${titles.join(' | ')}`);
  });

  it('an edit of the file cancels its panel\'s running analysis at once: the next 2-layer Overview answers within 1 s', async () => {
    const depthLens = await api();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-deep-'));
    const file = path.join(dir, 'family.network.json');
    fs.copyFileSync(familyFile(), file);
    const uri = vscode.Uri.file(file);
    try {
      const small = await source(fixture('small.network.json'));
      await depthLens.worker.request('overview', small, {}, settings); // a warm lane
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('depthLens.openActivations', uri);
      await waitFor('the Activations panel', () => depthLens.panels.openPanels.find((p) => p.panel.title.includes('family.network.json')), 30_000);
      await waitFor('the panel’s analysis under way', () => (depthLens.worker.stats.outstanding.analysis ?? 0) >= 1, 60_000);
      const edit = new vscode.WorkspaceEdit();
      edit.insert(uri, doc.positionAt(doc.getText().length), '\n');
      const t0 = Date.now();
      assert.ok(await vscode.workspace.applyEdit(edit));
      const r = await depthLens.worker.request('overview', small, {}, settings);
      const ms = Date.now() - t0;
      console.log(`      [latency] 2-layer Overview ${ms} ms after an edit of the file under a running deep Activations panel`);
      assert.equal(r.rows.length, 2);
      assert.ok(ms < scaled(1000), `the 2-layer Overview answered ${ms} ms after the edit`);
      await doc.save();
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
