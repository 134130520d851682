/**
 * Keeps the Problems panel and the summary cache in step with open network documents: every open or
 * edit (debounced) sends the text to the worker's `validate`, stale runs are cancelled, and the
 * results land in one DiagnosticCollection with stable codes linking to the README.
 */
import * as vscode from 'vscode';
import type { Config } from './config';
import type { DocumentContribution } from './contributions';
import { documentSource, isNetworkDocument } from './networkDocuments';
import type { WorkerClient } from './workerClient';
import { RpcError } from '../shared/rpc';
import type { NetworkSummary, WireDiagnostic } from '../shared/analyses/overview';

export interface DocumentState {
  readonly version: number;
  readonly summary?: NetworkSummary;
  readonly diagnostics: readonly WireDiagnostic[];
  /** external weight files the document refers to (src/host/externalFiles.ts watches them) */
  readonly externalFiles?: readonly string[];
}

export class NetworkDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('depth-lens');
  private readonly states = new Map<string, DocumentState>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly running = new Map<string, vscode.CancellationTokenSource>();
  private readonly waiters = new Map<string, Array<(s: DocumentState) => void>>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** fires after a document's analysis state was updated */
  readonly onDidChangeState = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly worker: WorkerClient,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
    /** the README shipped with the extension; diagnostic codes link to its sections */
    private readonly readme: vscode.Uri,
    private readonly contributions: readonly DocumentContribution[] = [],
  ) {
    this.subscriptions.push(
      this.collection,
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, this.config.debounceMs)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** The latest state for exactly this document version, analysing now if needed. */
  stateFor(doc: vscode.TextDocument): Promise<DocumentState> {
    const key = doc.uri.toString();
    const s = this.states.get(key);
    if (s && s.version === doc.version) return Promise.resolve(s);
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      list.push(resolve);
      this.waiters.set(key, list);
      this.schedule(doc, 0);
    });
  }

  /** Analyse one document again although its text did not change (an external weight file changed). */
  revalidate(doc: vscode.TextDocument): void {
    this.schedule(doc, 0);
  }

  /** Re-run every open network document (settings changed). */
  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (!isNetworkDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => { this.timers.delete(key); void this.run(doc); }, delay));
  }

  private async run(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    this.running.get(key)?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.running.set(key, cts);
    const version = doc.version;
    try {
      const result = await this.worker.request('validate', documentSource(doc), {}, this.config.analysisSettings, { token: cts.token });
      if (doc.isClosed) return;
      const state: DocumentState = { version, summary: result.summary, diagnostics: result.diagnostics, externalFiles: result.externalFiles };
      this.states.set(key, state);
      const diagnostics = result.diagnostics.map((d) => toVscodeDiagnostic(d, this.readme));
      this.collection.set(doc.uri, diagnostics);
      this.changed.fire(doc.uri);
      const list = this.waiters.get(key);
      if (list && version === doc.version) {
        this.waiters.delete(key);
        for (const w of list) w(state);
      }
      if (state.summary) await this.addContributedDiagnostics(doc, state, diagnostics, cts.token);
    } catch (e) {
      if (e instanceof RpcError && e.code === 'cancelled') return;
      this.log.error(`analysis of ${doc.uri.fsPath} failed: ${(e as Error).message}`);
      const diag = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), `Depth Lens could not analyse this file: ${(e as Error).message}`, vscode.DiagnosticSeverity.Error);
      diag.source = 'depth-lens';
      diag.code = 'analysis-failed';
      this.collection.set(doc.uri, [diag]);
    } finally {
      if (this.running.get(key) === cts) this.running.delete(key);
      cts.dispose();
    }
  }

  /** Analyses that add warnings (e.g. convergence) run after the parse diagnostics are shown. */
  private async addContributedDiagnostics(doc: vscode.TextDocument, state: DocumentState, base: vscode.Diagnostic[], token: vscode.CancellationToken): Promise<void> {
    const extra: vscode.Diagnostic[] = [];
    for (const c of this.contributions) {
      if (!c.diagnostics || token.isCancellationRequested) continue;
      try {
        extra.push(...(await c.diagnostics(doc, state, token)));
      } catch (e) {
        if (e instanceof RpcError && e.code === 'cancelled') return;
        this.log.warn(`${c.name} diagnostics for ${doc.uri.toString()} failed: ${(e as Error).message}`);
      }
    }
    if (token.isCancellationRequested || doc.isClosed || doc.version !== state.version) return;
    for (const d of extra) if (!d.source) d.source = 'depth-lens';
    this.collection.set(doc.uri, [...base, ...extra]);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.running.get(key)?.cancel();
    this.states.delete(key);
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const c of this.running.values()) c.cancel();
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}

export function toVscodeDiagnostic(d: WireDiagnostic, readme: vscode.Uri): vscode.Diagnostic {
  const range = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character);
  const severity = d.severity === 'error' ? vscode.DiagnosticSeverity.Error : d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  const diag = new vscode.Diagnostic(range, d.message, severity);
  diag.source = 'depth-lens';
  diag.code = { value: d.code, target: readme.with({ fragment: `diagnostic-${d.code}` }) };
  return diag;
}
