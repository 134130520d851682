/**
 * The host's side of the analysis workers. Two lanes, each its own worker thread created on first
 * use: `interactive` (parsing, diagnostics, code lenses, overview — must stay snappy) and `batch`
 * (Monte Carlo, training runs, region partitions — may take seconds), so a long simulation never
 * delays the squiggles of the file being typed. A crashed worker is restarted on the next request
 * and the user is told once per crash; everything is disposed with the extension. Every request
 * carries the document, the current settings and a shared cancellation flag.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { RequestClient, RpcError, type RequestOptions } from '../shared/rpc';
import type { AnalysisName, AnalysisSettings, DocumentSource, HostToWorker, ParamsOf, ResultOf, WorkerToHost } from '../shared/protocol';

export type Lane = 'interactive' | 'batch';

/** Analyses that may run for seconds: they get their own worker. */
const BATCH_ANALYSES: ReadonlySet<AnalysisName> = new Set<AnalysisName>([
  'degeneracy', 'probeAngles', 'trainIndicator', 'trainMeanField', 'regions', 'regionGrid', 'segment',
]);

export function laneOf(analysis: AnalysisName): Lane {
  return BATCH_ANALYSES.has(analysis) ? 'batch' : 'interactive';
}

interface LaneState {
  worker: Worker;
  client: RequestClient;
  cancelFlags: Map<number, Int32Array>;
}

export class WorkerClient implements vscode.Disposable {
  private readonly lanes = new Map<Lane, LaneState>();
  private pendingSend: { document: DocumentSource | undefined; settings: AnalysisSettings } | undefined;
  private disposed = false;
  private crashes = 0;

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  request<K extends AnalysisName>(
    analysis: K,
    document: DocumentSource | undefined,
    params: ParamsOf<K>,
    settings: AnalysisSettings,
    options: RequestOptions = {},
  ): Promise<ResultOf<K>> {
    if (this.disposed) return Promise.reject(new RpcError('worker-exited', 'Depth Lens is shutting down'));
    const { client } = this.ensure(laneOf(analysis));
    // RequestClient.request calls send synchronously; the document rides along through this slot
    this.pendingSend = { document, settings };
    try {
      return client.request(analysis, params, options);
    } finally {
      this.pendingSend = undefined;
    }
  }

  /** Number of worker threads running now (for tests). */
  get runningWorkers(): number {
    return this.lanes.size;
  }

  private ensure(lane: Lane): LaneState {
    const existing = this.lanes.get(lane);
    if (existing) return existing;
    const file = path.join(this.extensionPath, 'dist', 'worker.js');
    const worker = new Worker(file, { name: `depth-lens-${lane}` });
    const cancelFlags = new Map<number, Int32Array>();
    const client = new RequestClient(
      (id, analysis, params) => {
        const slot = this.pendingSend;
        if (!slot) throw new Error('request sent without its document slot');
        const cancelFlag = new SharedArrayBuffer(4);
        cancelFlags.set(id, new Int32Array(cancelFlag));
        const message = { type: 'request', id, analysis, params, document: slot.document, settings: slot.settings, cancelFlag } as HostToWorker;
        worker.postMessage(message);
      },
      (id) => {
        const flag = cancelFlags.get(id);
        if (flag) Atomics.store(flag, 0, 1);
        cancelFlags.delete(id);
      },
    );
    worker.on('message', (msg: WorkerToHost) => {
      if (msg.type !== 'progress') cancelFlags.delete(msg.replyTo);
      client.handle(msg);
    });
    worker.on('error', (err) => this.log.error(`${lane} analysis worker crashed: ${err.stack ?? err.message}`));
    worker.on('exit', (code) => {
      if (this.lanes.get(lane)?.worker !== worker) return;
      this.lanes.delete(lane);
      client.rejectAll('worker-exited', `the analysis worker stopped (exit code ${code}); it restarts on the next request`);
      if (!this.disposed) {
        this.crashes++;
        this.log.warn(`${lane} analysis worker exited with code ${code}; restarting on next request (crash #${this.crashes})`);
        void vscode.window.showWarningMessage(`Depth Lens: the analysis worker stopped unexpectedly (exit code ${code}) and will restart. Details are in the "Depth Lens" output.`);
      }
    });
    const state = { worker, client, cancelFlags };
    this.lanes.set(lane, state);
    this.log.info(`${lane} analysis worker started (${file})`);
    return state;
  }

  /** For tests and the "restart worker" command: terminate all; the next request starts fresh ones. */
  async restart(): Promise<void> {
    const states = [...this.lanes.values()];
    this.lanes.clear();
    for (const s of states) s.client.rejectAll('worker-exited', 'the analysis worker was restarted');
    await Promise.all(states.map((s) => s.worker.terminate()));
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.lanes.values()) {
      s.client.rejectAll('worker-exited', 'Depth Lens is shutting down');
      void s.worker.terminate();
    }
    this.lanes.clear();
  }
}
