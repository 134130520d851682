// The network format in a real editor: the contributed JSON Schema gives completion and validation
// (VS Code's own JSON language service), and Depth Lens's diagnostics for the errors example match
// the core parser's exactly — codes, messages and ranges.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { offsetToPosition, parseNetworkText } from '../../src/core/network/parse';
import { codeOf, depthLensDiagnostics, EXTENSION_ID, fixture, waitFor } from './helpers';

describe('Network format in the editor', () => {
  it('completes layer types from the contributed schema', async () => {
    const uri = fixture('schema-check.network.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const inside = doc.positionAt(doc.getText().indexOf('"type": ""') + '"type": "'.length);
    const labels = await waitFor('schema completions for "type"', async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, inside);
      const names = (list?.items ?? []).map((i) => (typeof i.label === 'string' ? i.label : i.label.label).replace(/"/g, ''));
      return names.includes('dense') ? names : undefined;
    }, 30_000);
    for (const t of ['dense', 'residual', 'family', 'random', 'residual-family']) assert.ok(labels.includes(t), `missing ${t} in ${labels.join(', ')}`);
  });

  it('validates against the schema in VS Code’s JSON service and in Depth Lens', async () => {
    const uri = fixture('schema-check.network.json');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    // VS Code's JSON language service reports the enum violation from the schema
    const jsonDiags = await waitFor('JSON schema diagnostics', () => {
      const ds = vscode.languages.getDiagnostics(uri).filter((d) => d.source !== 'depth-lens');
      return ds.length > 0 ? ds : undefined;
    }, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}; diagnostics: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => [d.source, d.range.start.line, d.message]))}`);
    });
    assert.ok(jsonDiags.some((d) => d.range.start.line === 4 || d.range.start.line === 5), JSON.stringify(jsonDiags.map((d) => [d.source, d.range.start.line, d.message])));
    const ours = await depthLensDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'unknown-activation'));
    const activation = ours.find((d) => codeOf(d) === 'unknown-activation')!;
    assert.equal(activation.range.start.line, 4);
    assert.equal(activation.severity, vscode.DiagnosticSeverity.Error);
  });

  it('shows every error of examples/errors.network.json exactly as the core parser reports it', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const file = path.join(ext.extensionPath, 'examples', 'errors.network.json');
    const text = fs.readFileSync(file, 'utf8');
    const expected = parseNetworkText(text).diagnostics;
    assert.equal(expected.filter((d) => d.severity === 'error').length, 7, 'the example documents 7 deliberate errors');
    const uri = vscode.Uri.file(file);
    await vscode.workspace.openTextDocument(uri);
    const shown = await depthLensDiagnostics(uri, (d) => d.length >= expected.length);
    const key = (code: string, line: number, character: number, message: string) => `${code}@${line}:${character} ${message}`;
    const want = expected.map((d) => { const p = offsetToPosition(text, d.offset); return key(d.code, p.line, p.character, d.message); }).sort();
    const got = shown.map((d) => key(codeOf(d) ?? '', d.range.start.line, d.range.start.character, d.message)).sort();
    assert.deepEqual(got, want);
    // and one checked by hand: the ragged row [0, 1, 2] is on line 11 (1-based), column 9
    const ragged = shown.find((d) => codeOf(d) === 'ragged-matrix')!;
    assert.deepEqual([ragged.range.start.line + 1, ragged.range.start.character + 1], [11, 9]);
    assert.equal(ragged.message, 'layer 1 weights is ragged: row 2 has 3 entries but row 1 has 2');
  });

  it('re-validates (diagnostics and lenses) when a missing external weight file is created, rewritten and deleted', async () => {
    const uri = fixture('external-late.network.json');
    const bin = fixture('external-late.bin');
    await vscode.workspace.fs.delete(bin).then(undefined, () => undefined);
    // edits re-validate after the debounce delay, and VS Code may report a change event for a freshly
    // opened document: push that delay beyond this test, so only the file watcher can re-validate
    const settings = vscode.workspace.getConfiguration('depthLens');
    await settings.update('analysis.debounceMs', 600_000, vscode.ConfigurationTarget.Global);
    try {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const missing = await depthLensDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'external-missing'));
      assert.equal(missing.find((d) => codeOf(d) === 'external-missing')!.message,
        'layer 1 weights: external file "external-late.bin" not found (paths are relative to the network file\'s folder)');
      // the document does not change: only the file beside it appears
      const bytes = new Uint8Array(32);
      new DataView(bytes.buffer).setFloat64(0, 1, true);
      new DataView(bytes.buffer).setFloat64(24, 1, true);
      await vscode.workspace.fs.writeFile(bin, bytes);
      await waitFor('the external-missing diagnostic to disappear', () => {
        const ds = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'depth-lens');
        return ds.every((d) => codeOf(d) !== 'external-missing') && ds.every((d) => d.severity !== vscode.DiagnosticSeverity.Error) ? true : undefined;
      }, 30_000);
      // the lenses follow the bytes too (their cached worker runs are dropped): W = I, then W = 2I
      const lensWith = (text: string) => waitFor(`a code lens with '${text}'`, async () => {
        const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
        return (lenses ?? []).some((l) => l.command?.title.includes(text)) ? true : undefined;
      }, 30_000);
      await lensWith('‖W − I‖ = 0');
      new DataView(bytes.buffer).setFloat64(0, 2, true);
      new DataView(bytes.buffer).setFloat64(24, 2, true);
      await vscode.workspace.fs.writeFile(bin, bytes);
      await lensWith('‖W − I‖ = 1');
      await vscode.workspace.fs.delete(bin);
      await depthLensDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'external-missing'));
    } finally {
      await settings.update('analysis.debounceMs', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
