/**
 * Keeps the Problems panel and the summary cache in step with open network documents: every open or
 * edit (debounced) sends the text to the worker's `validate`, stale runs are cancelled, and the
 * results land in one DiagnosticCollection with stable codes linking to the README. Whoever waits
 * for a document's state (the code lenses) is always answered: with the result, or with the failure.
 */
import * as vscode from 'vscode';
import type { Config } from './config';
import type { DocumentContribution } from './contributions';
import { documentSource, isNetworkDocument } from './networkDocuments';
import type { WorkerClient } from './workerClient';
import { RpcError } from '../shared/rpc';
import type { ConvOverviewLayer, NetworkSummary, ValidateResult, WireDiagnostic } from '../shared/analyses/overview';
import { jsonServiceValidates, reportedByJsonService } from './jsonService';

export interface DocumentState {
  readonly version: number;
  readonly summary?: NetworkSummary;
  /** set for a convolutional network (a network file on images): its input shape and name */
  readonly conv?: ValidateResult['conv'];
  /** a conv network file's top-level layers (its overview's rows, shapes only): where each is written and what it is */
  readonly convLayers?: readonly ConvOverviewLayer[];
  readonly diagnostics: readonly WireDiagnostic[];
  /** external weight files the document refers to (src/host/externalFiles.ts watches them) */
  readonly externalFiles?: readonly string[];
  /** set when the analysis itself could not run (not a problem in the file): why */
  readonly failure?: string;
}

interface Run {
  readonly version: number;
  /** the settings it ran with (a settings change must run again) */
  readonly settings: string;
  readonly cts: vscode.CancellationTokenSource;
}

export class NetworkDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('depth-lens');
  private readonly states = new Map<string, DocumentState>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly running = new Map<string, Run>();
  private readonly waiters = new Map<string, Array<(s: DocumentState) => void>>();
  /** the version already re-run once because the worker stopped under it (no endless retries) */
  private readonly retriedAfterExit = new Map<string, number>();
  private readonly started = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** fires after a document's analysis state was updated */
  readonly onDidChangeState = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private disposed = false;

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

  /**
   * The state of exactly this document version. A run of this version that is already due (the
   * edit debounce) or in flight is waited for, not restarted; otherwise one starts now.
   */
  stateFor(doc: vscode.TextDocument): Promise<DocumentState> {
    if (!isNetworkDocument(doc)) return Promise.resolve({ version: doc.version, diagnostics: [], failure: 'not a network document' });
    const key = doc.uri.toString();
    const s = this.states.get(key);
    if (s && s.version === doc.version) return Promise.resolve(s);
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      list.push(resolve);
      this.waiters.set(key, list);
      if (!this.timers.has(key) && this.running.get(key)?.version !== doc.version) this.schedule(doc, 0);
    });
  }

  /** Analyse one document again although its text did not change (an external weight file changed). */
  revalidate(doc: vscode.TextDocument): void {
    for (const c of this.contributions) c.invalidate?.(doc.uri);
    this.schedule(doc, 0, true);
  }

  /** How many validate runs were started for a document (for tests). */
  runsStarted(uri: vscode.Uri): number {
    return this.started.get(uri.toString()) ?? 0;
  }

  /** Re-run every open network document (settings changed, or the worker was restarted). */
  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** `rerun`: run even when a run of the same version and settings is in flight (its inputs changed on disk). */
  private schedule(doc: vscode.TextDocument, delay: number, rerun = false): void {
    if (this.disposed || !isNetworkDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => { this.timers.delete(key); void this.run(doc, rerun); }, delay));
  }

  private async run(doc: vscode.TextDocument, rerun = false): Promise<void> {
    if (doc.isClosed) return;
    const key = doc.uri.toString();
    const version = doc.version;
    const settings = this.config.analysisSettings;
    const current = this.running.get(key);
    const settingsKey = JSON.stringify(settings);
    // the run in flight answers for this version: let it finish
    if (!rerun && current && current.version === version && current.settings === settingsKey) return;
    current?.cts.cancel();
    const run: Run = { version, settings: settingsKey, cts: new vscode.CancellationTokenSource() };
    this.running.set(key, run);
    this.started.set(key, (this.started.get(key) ?? 0) + 1);
    try {
      const result = await this.worker.request('validate', documentSource(doc), {}, settings, { token: run.cts.token });
      if (doc.isClosed || this.disposed) return;
      this.retriedAfterExit.delete(key);
      // a conv network file: its layers' shapes for the code lenses (the overview without norms: no work to speak of)
      let convLayers: readonly ConvOverviewLayer[] | undefined;
      if (result.conv) {
        try {
          const overview = await this.worker.request('overview', documentSource(doc), {}, settings, { token: run.cts.token });
          if (overview.kind === 'conv') convLayers = overview.rows.filter((r) => r.offset !== undefined);
        } catch (e) {
          if (e instanceof RpcError && e.code === 'cancelled') throw e;
          this.log.warn(`layer shapes of ${doc.uri.toString()} failed: ${(e as Error).message}`);
        }
        if (doc.isClosed || this.disposed) return;
      }
      const state: DocumentState = { version, summary: result.summary, ...(result.conv ? { conv: result.conv } : {}), ...(convLayers ? { convLayers } : {}), diagnostics: result.diagnostics, externalFiles: result.externalFiles };
      // what VS Code's JSON service already reports is not shown twice (the state keeps it: lenses count it)
      const jsonService = jsonServiceValidates(doc.languageId, vscode.workspace.getConfiguration('json', doc).get<boolean>('validate.enable'));
      const blank = jsonService && doc.getText().trim() === '';
      const diagnostics = result.diagnostics.filter((d) => !(jsonService && reportedByJsonService(d, blank))).map((d) => toVscodeDiagnostic(d, this.readme));
      this.publish(doc, state, diagnostics);
      if (state.summary) await this.addContributedDiagnostics(doc, state, diagnostics, run.cts.token);
    } catch (e) {
      if ((e instanceof RpcError && e.code === 'cancelled') || doc.isClosed || this.disposed) return;
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof RpcError && e.code === 'worker-exited' && this.retriedAfterExit.get(key) !== version) {
        // the worker stopped under this run (a crash, or the Restart command): run it again once the
        // worker is back (WorkerClient waits out its back-off) — once per version, so a file that
        // itself kills the worker cannot keep it crashing
        this.retriedAfterExit.set(key, version);
        this.log.info(`analysis of ${doc.uri.fsPath} interrupted (${message}); running it again`);
        this.schedule(doc, 0);
        return;
      }
      this.log.error(`analysis of ${doc.uri.fsPath} failed: ${message}`);
      const diag = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), `Depth Lens could not analyse this file: ${message}`, vscode.DiagnosticSeverity.Error);
      diag.source = 'depth-lens';
      diag.code = 'analysis-failed';
      this.publish(doc, { version, diagnostics: [], failure: message }, [diag]);
    } finally {
      if (this.running.get(key) === run) this.running.delete(key);
      run.cts.dispose();
    }
  }

  /** Store and show a state, and answer everyone waiting for this version. */
  private publish(doc: vscode.TextDocument, state: DocumentState, diagnostics: vscode.Diagnostic[]): void {
    const key = doc.uri.toString();
    this.states.set(key, state);
    this.collection.set(doc.uri, diagnostics);
    this.changed.fire(doc.uri);
    // waiters of an older version wait on: the edit that made it old scheduled a newer run
    if (state.version === doc.version) this.settle(key, state);
  }

  private settle(key: string, state: DocumentState): void {
    const list = this.waiters.get(key);
    this.waiters.delete(key);
    for (const w of list ?? []) w(state);
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
    this.running.get(key)?.cts.cancel();
    this.states.delete(key);
    this.retriedAfterExit.delete(key);
    this.started.delete(key);
    this.collection.delete(uri);
    this.settle(key, { version: -1, diagnostics: [], failure: 'the document was closed' });
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    for (const r of this.running.values()) r.cts.cancel();
    for (const key of [...this.waiters.keys()]) this.settle(key, { version: -1, diagnostics: [], failure: 'Depth Lens is shutting down' });
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
