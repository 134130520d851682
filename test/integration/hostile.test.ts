// Hostile files in the real extension host (issue 17): each gets its located diagnostic in Problems
// with the validator's code and message, the worker stays alive and answers a normal request right
// after them, nothing is ever written to them, and the extension host's event loop never lags 100 ms.
// The files are test/fixtures-workspace/hostile/* (small enough to commit; `depth-lens check` gives
// the same lines, quoted below 1-based).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { readNetworkSnapshot } from '../../src/host/snapshot';
import { denseActivations } from '../../src/shared/analyses/convPanels';
import type { DocumentSource } from '../../src/shared/protocol';
import { api, codeOf, depthLensDiagnostics, fixture, scaled } from './helpers';

const SETTINGS = { maxFileSizeMB: 64, norm: '2' as const };

interface Expected {
  readonly code: string;
  /** 1-based, as `depth-lens check` prints it */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** What `depth-lens check` says about each file (the validator's codes and messages). */
const HOSTILE: Readonly<Record<string, readonly Expected[]>> = {
  // a literal beyond float64
  'hostile/nonfinite.network.json': [
    { code: 'non-finite-number', line: 5, column: 37, message: 'layer 1 weights row 1, column 1 is 1e309, which overflows float64 to Infinity; use a finite number' },
  ],
  // prototype-member names where the format has a closed list
  'hostile/proto.network.json': [
    { code: 'unknown-activation', line: 5, column: 83, message: 'layer 1 activation is "__proto__"; expected "relu" or "linear"' },
    { code: 'unknown-layer-type', line: 6, column: 15, message: 'layer 2 "type" is "constructor"; expected "dense", "residual", "family", "random" or "residual-family"' },
  ],
  // 1200 nested arrays: refused at the 1001st level (the document's own object is level 1)
  'hostile/nested.network.json': [
    { code: 'size-limit', line: 4, column: 1012, message: 'the JSON nests arrays and objects more than 1000 levels deep here; a network file needs fewer than 10' },
  ],
  // a 253-byte file describing 10¹² layers
  'hostile/family.network.json': [
    { code: 'family-count', line: 5, column: 34, message: 'layer 1 count is 1000000000000, above the limit of 10000000 layers' },
  ],
};

function source(doc: vscode.TextDocument): DocumentSource {
  return { uri: doc.uri.toString(), version: doc.version, text: doc.getText(), fsPath: doc.uri.fsPath };
}

/** Size, mtime and bytes of a file, to show that nothing wrote to it. */
function fingerprint(uri: vscode.Uri): { size: number; mtimeMs: number; bytes: string } {
  const st = fs.statSync(uri.fsPath);
  return { size: st.size, mtimeMs: st.mtimeMs, bytes: fs.readFileSync(uri.fsPath).toString('base64') };
}

/** The worker answers an ordinary request: small.network.json at x = (1, 1) is relu([3.5, 6]) → 3.5 − 6 = −2.5. */
async function assertWorkerAnswers(): Promise<void> {
  const { worker } = await api();
  const doc = await vscode.workspace.openTextDocument(fixture('small.network.json'));
  const timeoutMs = scaled(10_000);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the worker did not answer within ${timeoutMs} ms`)), timeoutMs); });
  try {
    const r = denseActivations(await Promise.race([worker.request('activations', source(doc), { input: [1, 1] }, SETTINGS), timeout]));
    assert.deepEqual(Array.from(r.output), [-2.5]);
    assert.equal(r.overflow, undefined);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The extension host's event-loop lag while the hostile files are handled: a 10 ms timer records how
 * late it fires (the host only routes messages; parsing and analyses run in the worker).
 */
class LagProbe {
  private timer: ReturnType<typeof setInterval> | undefined;
  private last = 0;
  worst = 0;

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.worst = Math.max(this.worst, now - this.last - 10);
      this.last = now;
    }, 10);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

describe('Hostile files in the extension host', () => {
  const fingerprints = new Map<string, ReturnType<typeof fingerprint>>();
  const ALL = [...Object.keys(HOSTILE), 'hostile/overflow.network.json', 'hostile/utf16.network.json'];
  const lag = new LagProbe();

  before(async () => {
    for (const name of ALL) fingerprints.set(name, fingerprint(fixture(name)));
    // warm: the extension active, its worker up and an editor shown (start-up work is not the files')
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(fixture('small.network.json')));
    await assertWorkerAnswers();
    lag.start();
  });

  after(() => lag.stop());

  for (const [name, expected] of Object.entries(HOSTILE)) {
    it(`${name}: ${expected.map((e) => e.code).join(', ')} at the validator's position, and the worker still answers`, async () => {
      const uri = fixture(name);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const shown = await depthLensDiagnostics(uri, (ds) => expected.every((e) => ds.some((d) => codeOf(d) === e.code)));
      const got = shown.map((d) => ({ code: codeOf(d), line: d.range.start.line + 1, column: d.range.start.character + 1, message: d.message }))
        .sort((a, b) => a.line - b.line);
      assert.deepEqual(got, expected.map((e) => ({ ...e })));
      assert.ok(shown.every((d) => d.severity === vscode.DiagnosticSeverity.Error));
      await assertWorkerAnswers();
    });
  }

  it('hostile/overflow.network.json (1e308 weights, valid): no diagnostic; activations withhold N(x) from layer 2, where it overflows float64, and the worker still answers', async () => {
    const { worker, diagnostics } = await api();
    const doc = await vscode.workspace.openTextDocument(fixture('hostile/overflow.network.json'));
    await vscode.window.showTextDocument(doc);
    const state = await diagnostics.stateFor(doc);
    assert.deepEqual(state.diagnostics, []);
    assert.equal(state.summary?.depth, 3);
    const r = denseActivations(await worker.request('activations', source(doc), { input: [1, 1] }, SETTINGS));
    // layer 1 gives (1e308, 1e308); layer 2's pre-activations are about 1e616
    assert.equal(r.overflow?.layer, 2);
    assert.equal(r.overflow?.quantity, 'preactivation');
    assert.match(r.overflow?.message ?? '', /overflows float64 at layer 2 \(a pre-activation is about 1\.0e616\)/);
    // withheld as NaN, never ∞ or a finite number computed from one
    assert.ok(Array.from(r.output).every((v) => Number.isNaN(v)), String(Array.from(r.output)));
    await assertWorkerAnswers();
  });

  it('hostile/utf16.network.json: the editor decodes its BOM (no diagnostic), and a panel reading it from disk says to save it as UTF-8', async () => {
    const uri = fixture('hostile/utf16.network.json');
    const { diagnostics } = await api();
    const doc = await vscode.workspace.openTextDocument(uri);
    // VS Code picked the encoding from the BOM: the document is small.network.json's text
    assert.equal(doc.getText(), fs.readFileSync(fixture('small.network.json').fsPath, 'utf8'));
    assert.deepEqual((await diagnostics.stateFor(doc)).diagnostics, []);
    // the panels read files no editor holds with readNetworkSnapshot, decoded as the CLI decodes them
    const snapshot = await readNetworkSnapshot(uri, SETTINGS.maxFileSizeMB, 'utf16.network.json');
    assert.deepEqual(snapshot, { ok: false, message: 'utf16.network.json is UTF-16 (little-endian), not UTF-8; save it as UTF-8' });
    await assertWorkerAnswers();
  });

  it('nothing was written to any hostile file (size, mtime and bytes unchanged)', async () => {
    for (const name of ALL) assert.deepEqual(fingerprint(fixture(name)), fingerprints.get(name), name);
  });

  it('the extension host\'s event loop never lagged 100 ms (scaled by the machine\'s slowness) while it handled them', () => {
    lag.stop();
    console.log(`    event-loop lag of the extension host over the hostile files: at most ${lag.worst.toFixed(0)} ms`);
    assert.ok(lag.worst < scaled(100), `the event loop lagged ${lag.worst.toFixed(0)} ms (bound ${scaled(100)} ms)`);
  });
});
