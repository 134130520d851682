/**
 * A conv network written in the JSON network format (issue 14 item 1) in the real editor: the example
 * examples/conv-resnet.network.json, copied into the test workspace, gets the conv code lenses (the
 * input shape at the top, every top-level layer entry its kind, shapes, ReLU and parameters as
 * `depth-lens info --json` lists them), the BatchNorm fold notes as information on their entries and no
 * error, and the Activations panel's worker reply equals `depth-lens activations --json --patterns`.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConvActivationsReply } from '../../src/shared/analyses/convPanels';
import { api, codeLensTitles, codeOf, EXTENSION_ID, fixture, waitFor } from './helpers';

const settings = { maxFileSizeMB: 64, norm: '2' as const };
/** a network file is sent with its text, as the host sends an open document */
const source = (doc: vscode.TextDocument) => ({ uri: doc.uri.toString(), fsPath: doc.uri.fsPath, version: doc.version, text: doc.getText() });

function cli(args: string[]): unknown {
  const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  const out = execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out);
}

interface InfoRow { layer: string; type: string; name: string; input: number[]; output: number[]; activation: string; parameters: number }

describe('Conv network file', function () {
  this.timeout(120_000);
  let uri: vscode.Uri;

  before(() => {
    // the repository's example, copied so the run's workspace holds it (the workspace is a temp copy)
    const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    uri = fixture('conv-resnet.network.json');
    fs.copyFileSync(path.join(root, 'examples', 'conv-resnet.network.json'), uri.fsPath);
  });

  it('code lenses give the input shape and every top-level layer as `depth-lens info --json` lists it, on its entry', async () => {
    const doc = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const info = cli(['info', uri.fsPath, '--json', '--no-norms']) as { summary: { inputShape: number[] }; rows: InfoRow[] };
    const top = info.rows.filter((r) => !r.layer.includes('.'));
    const titles = await codeLensTitles(uri, 2 + top.length);
    const folded = top.reduce((n, r) => n + r.parameters, 0);
    assert.equal(titles[0], `convolutional network · input ${info.summary.inputShape.join('×')} · ${top.length} layers · ${folded} parameters`);
    assert.equal(titles[1], 'Open network overview');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
    const text = doc.document.getText();
    top.forEach((r, i) => {
      const expected = `layer ${r.layer} (${r.type}): ${r.input.join('×')} → ${r.output.join('×')}${r.activation === 'relu' ? ' · ReLU' : ''} · ${r.parameters} parameters`;
      const lens = lenses.find((l) => l.command?.title === expected);
      assert.ok(lens, `no lens "${expected}" among:\n${titles.join('\n')}`);
      // the lens sits on the line of the layer's entry: its "name" is on that line or within the entry
      const entryStart = doc.document.offsetAt(new vscode.Position(lens.range.start.line, 0));
      const nameAt = text.indexOf(`"name": "${r.name}"`, entryStart);
      assert.ok(nameAt >= 0, `layer ${i + 1} (${r.name}): its name follows the lens line`);
      assert.ok(!text.slice(entryStart, nameAt).includes('"name"'), `layer ${i + 1} (${r.name}): no other entry's name between the lens and its own`);
    });
  });

  it('shows the BatchNorm folds as information on their entries and no error', async () => {
    const { notes } = cli(['info', uri.fsPath, '--json', '--no-norms']) as { notes: string[] };
    const doc = await vscode.workspace.openTextDocument(uri);
    const ds = await waitFor('the fold notes', () => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'depth-lens');
      return d.length >= 5 ? d : undefined;
    });
    assert.deepEqual(ds.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map((d) => d.message), []);
    const folds = ds.filter((d) => codeOf(d) === 'model-conv');
    assert.equal(folds.length, notes.length);
    for (const d of folds) {
      assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
      assert.match(d.message, /^\S*bn\d \(BatchNorm2d, eval mode: running mean and variance, eps 0\.00001\) is folded into \S*conv\d/);
      assert.ok(notes.includes(d.message), `${d.message} is not among the CLI's notes`);
      // on the BatchNorm's entry: its name on the diagnostic's first line or within the entry
      const bn = /^(\S*bn\d)/.exec(d.message)![1];
      assert.ok(doc.getText(new vscode.Range(d.range.start, d.range.start.translate(12))).includes(`"${bn}"`), `${bn}: the note is not on its entry`);
    }
  });

  it('the Activations panel opens on it and its worker reply equals `depth-lens activations --json --patterns`', async () => {
    const depthLens = await api();
    await vscode.commands.executeCommand('depthLens.openActivations', uri);
    const panel = await waitFor('the Activations panel', () => depthLens.panels.openPanels.find((p) => p.documentUri?.toString() === uri.toString() && p.kind.viewType === 'depthLens.activations'));
    assert.equal(panel.panel.title, 'Activations: conv-resnet.network.json');
    const r = await depthLens.worker.request('activations', source(await vscode.workspace.openTextDocument(uri)), { image: { seed: 5 } }, settings);
    assert.equal(r.kind, 'conv');
    const a = r as ConvActivationsReply;
    const expected = cli(['activations', uri.fsPath, '--json', '--patterns', '--seed', '5']) as { images: string[]; output: number[][]; sites: Array<{ site: string; active: number[]; pattern: string[][] }> };
    assert.equal(a.image, expected.images[0]);
    assert.deepEqual(Array.from(a.output), expected.output[0]);
    assert.deepEqual(a.sites.map((s) => [s.site, s.active, Array.from(s.pattern).join('')]), expected.sites.map((s) => [s.site, s.active[0], s.pattern[0].join('')]));
    panel.panel.dispose();
  });
});
