/**
 * One worker run per (document, inputs) shared by everything that needs its result — the code
 * lenses and the diagnostics of a contribution ask for the same numbers. A request for a document
 * with other inputs (a newer version, another norm or probe) cancels the stale run in the worker;
 * failures are never cached; at most `max` documents are kept (least recently used goes first).
 */
import * as vscode from 'vscode';
import { RpcError } from '../shared/rpc';

interface Run<R> {
  readonly inputs: string;
  readonly cts: vscode.CancellationTokenSource;
  readonly result: Promise<R>;
  settled: boolean;
}

export class RunCache<R> implements vscode.Disposable {
  private readonly runs = new Map<string, Run<R>>();

  constructor(
    /** for log messages, e.g. 'convergence' */
    private readonly what: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly max = 8,
  ) {}

  /** The run of `key` (a document URI) for exactly these `inputs`, started with `start` if needed. */
  get(key: string, inputs: string, start: (token: vscode.CancellationToken) => Promise<R>): Promise<R> {
    const current = this.runs.get(key);
    if (current && current.inputs === inputs) {
      this.runs.delete(key);
      this.runs.set(key, current); // most recently used last
      return current.result;
    }
    if (current && !current.settled) current.cts.cancel(); // stale: stop it in the worker
    current?.cts.dispose();
    const cts = new vscode.CancellationTokenSource();
    const result = start(cts.token);
    const run: Run<R> = { inputs, cts, result, settled: false };
    result.then(() => { run.settled = true; }, (e) => {
      run.settled = true;
      if (this.runs.get(key) === run) this.runs.delete(key);
      if (!(e instanceof RpcError && e.code === 'cancelled')) this.log.warn(`${this.what} of ${key} failed: ${(e as Error).message}`);
    });
    this.runs.delete(key);
    this.runs.set(key, run);
    while (this.runs.size > this.max) {
      const oldest = this.runs.keys().next().value as string;
      const r = this.runs.get(oldest);
      if (r && !r.settled) r.cts.cancel();
      this.runs.delete(oldest);
    }
    return result;
  }

  /** Drop the run of `key` (its inputs changed outside the document), stopping it if it still runs. */
  forget(key: string): void {
    const r = this.runs.get(key);
    if (!r) return;
    if (!r.settled) r.cts.cancel();
    r.cts.dispose();
    this.runs.delete(key);
  }

  dispose(): void {
    for (const r of this.runs.values()) if (!r.settled) r.cts.cancel();
    this.runs.clear();
  }
}
