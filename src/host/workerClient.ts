/**
 * The host's side of the analysis worker: created on first use, restarted after a crash (the user is
 * told once per crash), disposed with the extension. Every request carries the document, the current
 * settings and a shared cancellation flag.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { RequestClient, RpcError, type RequestOptions } from '../shared/rpc';
import type { AnalysisName, AnalysisSettings, DocumentSource, HostToWorker, ParamsOf, ResultOf, WorkerToHost } from '../shared/protocol';

export class WorkerClient implements vscode.Disposable {
  private worker: Worker | undefined;
  private client: RequestClient | undefined;
  private readonly cancelFlags = new Map<number, Int32Array>();
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
    const client = this.ensure();
    // RequestClient.request calls send synchronously; the document rides along through this slot
    this.pendingSend = { document, settings };
    try {
      return client.request(analysis, params, options);
    } finally {
      this.pendingSend = undefined;
    }
  }

  private ensure(): RequestClient {
    if (this.worker && this.client) return this.client;
    const file = path.join(this.extensionPath, 'dist', 'worker.js');
    const worker = new Worker(file, { name: 'depth-lens-analysis' });
    const client = new RequestClient(
      (id, analysis, params) => {
        const slot = this.pendingSend;
        if (!slot) throw new Error('request sent without a document');
        const cancelFlag = new SharedArrayBuffer(4);
        this.cancelFlags.set(id, new Int32Array(cancelFlag));
        const message = { type: 'request', id, analysis, params, document: slot.document, settings: slot.settings, cancelFlag } as HostToWorker;
        worker.postMessage(message);
      },
      (id) => {
        const flag = this.cancelFlags.get(id);
        if (flag) Atomics.store(flag, 0, 1);
        this.cancelFlags.delete(id);
      },
    );
    worker.on('message', (msg: WorkerToHost) => {
      if (msg.type !== 'progress') this.cancelFlags.delete(msg.replyTo);
      client.handle(msg);
    });
    worker.on('error', (err) => {
      this.log.error(`analysis worker crashed: ${err.stack ?? err.message}`);
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.client = undefined;
      this.cancelFlags.clear();
      client.rejectAll('worker-exited', `the analysis worker stopped (exit code ${code}); it restarts on the next request`);
      if (!this.disposed) {
        this.crashes++;
        this.log.warn(`analysis worker exited with code ${code}; restarting on next request (crash #${this.crashes})`);
        void vscode.window.showWarningMessage(`Depth Lens: the analysis worker stopped unexpectedly (exit code ${code}) and will restart. Details are in the "Depth Lens" output.`);
      }
    });
    this.worker = worker;
    this.client = client;
    this.log.info(`analysis worker started (${file})`);
    return client;
  }

  /** For tests and the "restart worker" command: terminate; the next request starts a fresh one. */
  async restart(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    const c = this.client;
    this.client = undefined;
    c?.rejectAll('worker-exited', 'the analysis worker was restarted');
    this.cancelFlags.clear();
    await w?.terminate();
  }

  dispose(): void {
    this.disposed = true;
    this.client?.rejectAll('worker-exited', 'Depth Lens is shutting down');
    void this.worker?.terminate();
    this.worker = undefined;
    this.client = undefined;
  }
}
