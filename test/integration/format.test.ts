// The network format in a real editor: the contributed JSON Schema gives completion and hovers (VS Code's
// own JSON language service) but no problems — Depth Lens reports each one, once — and Depth Lens's
// diagnostics for the errors example match the core parser's exactly — codes, messages and ranges.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { offsetToPosition, parseNetworkText } from '../../src/core/network/parse';
import { codeOf, depthLensDiagnostics, EXTENSION_ID, fixture, scaled, waitFor } from './helpers';

/** the JSON service's diagnostics carry no source in this VS Code */
const sourceOf = (d: vscode.Diagnostic) => d.source ?? '(no source)';
const show = (d: vscode.Diagnostic) => `${sourceOf(d)} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`;

/** The JSON service's hover text at `position` once it answers (it has the document and its schema). */
async function jsonHover(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  return waitFor('a hover from the JSON schema', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
    const text = (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    // the JSON service escapes Markdown's punctuation in plain descriptions
    return text.length > 0 ? text.replace(/\\([\\`*_{}[\]()<>#+\-.!])/g, '$1') : undefined;
  }, 30_000);
}

/**
 * The diagnostics of `uri` once they have not changed for a while (every source: Depth Lens and the
 * JSON service publish on their own schedules). Integration only: the quiet period is scaled.
 */
async function settledDiagnostics(uri: vscode.Uri, quietMs = 1500): Promise<vscode.Diagnostic[]> {
  let last = '';
  let since = Date.now();
  return waitFor(`diagnostics of ${uri.path} to settle`, () => {
    const ds = vscode.languages.getDiagnostics(uri);
    const now = ds.map(show).sort().join('\n');
    if (now !== last) { last = now; since = Date.now(); return undefined; }
    return Date.now() - since >= scaled(quietMs) ? ds : undefined;
  }, 30_000);
}

/** Pairs of diagnostics that say the same thing twice: the same range, from two sources or with one message. */
function repeated(ds: readonly vscode.Diagnostic[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ds.length; i++) {
    for (let j = i + 1; j < ds.length; j++) {
      if (ds[i].range.isEqual(ds[j].range) && (sourceOf(ds[i]) !== sourceOf(ds[j]) || ds[i].message === ds[j].message)) out.push(`${show(ds[i])} ⇄ ${show(ds[j])}`);
    }
  }
  return out;
}

function countBySource(ds: readonly vscode.Diagnostic[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of ds) out[sourceOf(d)] = (out[sourceOf(d)] ?? 0) + 1;
  return out;
}

describe('Network format in the editor', () => {
  it('completes layer types from the contributed schema', async () => {
    const uri = fixture('schema-check.network.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const inside = doc.positionAt(doc.getText().indexOf('"type": ""') + '"type": "'.length);
    const labels = await waitFor('schema completions for "type"', async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, inside);
      const names = (list?.items ?? []).map((i) => (typeof i.label === 'string' ? i.label : i.label.label).replace(/"/g, ''));
      // all five: "dense" alone could come from the editor's word completion (the word is in the file)
      return ['dense', 'residual', 'family', 'random', 'residual-family'].every((t) => names.includes(t)) ? names : undefined;
    }, 30_000);
    for (const t of ['dense', 'residual', 'family', 'random', 'residual-family']) assert.ok(labels.includes(t), `missing ${t} in ${labels.join(', ')}`);
  });

  it('hovers from the contributed schema; problems come from Depth Lens alone (the schema asserts nothing)', async () => {
    const uri = fixture('schema-check.network.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    // the JSON service has the document and the schema: a hover on "activation" shows its description
    const hover = await jsonHover(uri, doc.positionAt(doc.getText().indexOf('"activation"') + 2));
    assert.match(hover, /Activation applied after W x \+ b/);
    const ours = await depthLensDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'unknown-activation'));
    const activation = ours.find((d) => codeOf(d) === 'unknown-activation')!;
    assert.equal(activation.range.start.line, 4);
    assert.equal(activation.severity, vscode.DiagnosticSeverity.Error);
    // "tanh" and "" are Depth Lens's to report: no JSON-schema warning repeats them
    await settledDiagnostics(uri);
    assert.deepEqual(vscode.languages.getDiagnostics(uri).filter((d) => d.source !== 'depth-lens').map(show), []);
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

// Issue 15: examples/errors.network.json listed 10 problems — Depth Lens's 7 plus 3 warnings of VS Code's
// JSON service validating against the contributed schema and repeating them. The contributed schema is
// now schemas/network.editor.schema.json (editing help only, scripts/make-editor-schema.mjs).
/** The layer types the specification schema's enum lists, in its order (the JSON service's message names them). */
function layerTypes(schemaUri: string): string[] {
  const schema = JSON.parse(fs.readFileSync(vscode.Uri.parse(schemaUri).fsPath, 'utf8')) as unknown;
  const found: string[][] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) { n.forEach(walk); return; }
    if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (Array.isArray(o.enum) && o.enum.includes('dense') && o.enum.includes('residual')) found.push(o.enum as string[]);
      Object.values(o).forEach(walk);
    }
  };
  walk(schema);
  if (found.length === 0) throw new Error('no layer type enum in the specification schema');
  return found[0];
}

describe('One source of each diagnostic', () => {
  const created: vscode.Uri[] = [];
  after(async () => {
    for (const uri of created) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
  });

  /** a copy of examples/errors.network.json in the workspace, shown in an editor, with `edit` applied to its text */
  async function errorsCopy(name: string, edit: (text: string) => string = (t) => t): Promise<{ uri: vscode.Uri; doc: vscode.TextDocument }> {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const uri = fixture(name);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(edit(fs.readFileSync(path.join(ext.extensionPath, 'examples', 'errors.network.json'), 'utf8'))));
    created.push(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    return { uri, doc };
  }

  it('errors.network.json shows its 7 errors once each: Depth Lens reports them, the JSON schema repeats none, and still hovers and completes', async () => {
    const { uri, doc } = await errorsCopy('one-source-errors.network.json');
    await depthLensDiagnostics(uri, (d) => d.length >= 7);
    // the JSON service has this document with the contributed schema: hover on a key and on an enum value
    const text = doc.getText();
    assert.match(await jsonHover(uri, doc.positionAt(text.indexOf('"count"') + 2)), /Number of layers N/);
    const relu = await jsonHover(uri, doc.positionAt(text.indexOf('"relu"') + 2));
    assert.match(relu, /σ\(t\) = max\(t, 0\) componentwise/, relu);
    const inType = doc.positionAt(text.indexOf('"convolution"') + 1);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, inType);
    const labels = (list?.items ?? []).map((i) => (typeof i.label === 'string' ? i.label : i.label.label).replace(/"/g, ''));
    for (const t of ['residual', 'family', 'random', 'residual-family']) assert.ok(labels.includes(t), `completion offers ${t}: ${labels.join(', ')}`);
    const family = (list?.items ?? []).find((i) => (typeof i.label === 'string' ? i.label : i.label.label) === '"family"');
    const doc1 = family?.documentation;
    assert.match(String(typeof doc1 === 'string' ? doc1 : doc1?.value), /depth family W_k = a·I \+ \(k\+o\)\^p·M/, 'the value\'s description comes with it');
    // property names inside the family layer: its own (chosen by the schema's `if` on "type"), not a dense layer's
    const familyOpen = doc.positionAt(text.lastIndexOf('{', text.indexOf('"type": "family"')) + 1);
    const keys = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, familyOpen);
    const keyLabels = (keys?.items ?? []).map((i) => (typeof i.label === 'string' ? i.label : i.label.label).replace(/"/g, ''));
    for (const k of ['width', 'bias', 'seed']) assert.ok(keyLabels.includes(k), `completion offers the family's "${k}": ${keyLabels.join(', ')}`);
    assert.ok(!keyLabels.includes('widths') && !keyLabels.includes('branchLayers'), `no property of another layer type: ${keyLabels.join(', ')}`);

    // the same content naming the specification schema ($schema wins over the contribution): the JSON
    // service validates network files here and would repeat 3 problems — the 10, found by `repeated`
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const specUri = vscode.Uri.file(path.join(ext.extensionPath, 'schemas', 'network.schema.json')).toString();
    const control = await errorsCopy('one-source-control.network.json', (t) => t.replace('{\n', `{\n  "$schema": ${JSON.stringify(specUri)},\n`));
    await waitFor('the JSON service\'s warnings against the specification schema', () => {
      const json = vscode.languages.getDiagnostics(control.uri).filter((d) => d.source !== 'depth-lens');
      return json.length >= 3 ? json : undefined;
    }, 30_000);
    const controlDs = await settledDiagnostics(control.uri);
    assert.deepEqual(countBySource(controlDs), { 'depth-lens': 7, '(no source)': 3 }, controlDs.map(show).join('\n'));
    assert.deepEqual(controlDs.filter((d) => d.source === undefined).map((d) => d.message).sort(),
      ['Incorrect type. Expected "number".', 'Value is below the minimum of 1.', `Value is not accepted. Valid values: ${layerTypes(specUri).map((t) => JSON.stringify(t)).join(', ')}.`]);
    assert.equal(repeated(controlDs).length, 3, repeated(controlDs).join('\n'));

    // the document under test was opened and validated first; it must still say each problem once
    const ds = await settledDiagnostics(uri);
    assert.deepEqual(countBySource(ds), { 'depth-lens': 7 }, ds.map(show).join('\n'));
    assert.deepEqual(repeated(ds), []);
  });

  it('a comment, and a trailing comma, is reported once, by Depth Lens (json-syntax), not again by the JSON service', async () => {
    const cases: [string, (t: string) => string, string][] = [
      ['one-source-comment.network.json', (t) => t.replace('"name": "deliberate errors",', '"name": "deliberate errors", // a comment'), 'invalid JSON: comments are not allowed in network files'],
      ['one-source-comma.network.json', (t) => t.replace('"probes": { "origin": [0, 0] } }', '"probes": { "origin": [0, 0], } }'), 'invalid JSON: property name expected: trailing commas are not allowed in JSON'],
    ];
    for (const [name, edit, message] of cases) {
      const { uri } = await errorsCopy(name, edit);
      const ours = await depthLensDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'json-syntax'));
      assert.deepEqual(ours.map((d) => d.message), [message]);
      const ds = await settledDiagnostics(uri);
      assert.deepEqual(ds.map(show), ours.map(show), name);
    }
  });
});
