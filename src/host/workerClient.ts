/**
 * The host's side of the analysis workers. Four lanes, each its own worker thread created on first
 * use, so slow work never queues in front of fast work:
 *   `interactive` — parsing, diagnostics and the summary behind the base code lenses, layer matrices:
 *                   must answer while the user types;
 *   `analysis`    — the per-document analyses behind panels and contributed lenses (overview norms,
 *                   convergence, activation patterns): may take a second or two on big files;
 *   `batch`       — Monte Carlo, training runs, region partitions: may take many seconds;
 *   `editor`      — the contributed lenses' runs (activations, convergence) when a file opens or
 *                   changes: on a deep file they take seconds, and a panel opened from the file must
 *                   not queue behind them (measured on the 10⁵-layer family: the Activations panel's
 *                   first result 11 s instead of 1.2 s with the lens runs in front of it).
 * A worker that exits is restarted on the next request. Crashes in a row back off (1 s, 2 s, 4 s, …)
 * and after MAX_CRASHES_IN_A_ROW the lane stops restarting until "Restart Analysis Worker"; the user
 * gets one message per run of crashes, not one per request. Every request carries the document, the
 * current settings and a shared cancellation flag; everything is disposed with the extension.
 *
 * Work nobody waits for is dropped: a cancelled request still queued is answered by the worker at
 * once (it checks the flag before starting), and a cancelled request still running ABANDON_AFTER_MS
 * after its cancel — an analysis slow to notice the flag — costs the lane its thread: the worker is
 * terminated and a fresh one takes over the requests still wanted, so a new request never waits
 * behind a cancelled one. (A panel cancels its requests when it closes or its file changes.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { RequestClient, RpcError, type CancellationLike, type RequestOptions } from '../shared/rpc';
import type { AnalysisName, AnalysisRequest, AnalysisSettings, DocumentSource, HostToWorker, ParamsOf, ResultOf, WorkerToHost } from '../shared/protocol';

export type Lane = 'interactive' | 'analysis' | 'batch' | 'editor';

/** A request's options; `lane` overrides the analysis's own lane (the editor's lens runs use 'editor'). */
export type WorkerRequestOptions = RequestOptions & { readonly lane?: Lane };

/** Every analysis names its lane (a new analysis must choose one). */
const LANES: Readonly<Record<AnalysisName, Lane>> = {
  validate: 'interactive',
  layerMatrix: 'interactive',
  trainingPreset: 'interactive',
  moments: 'interactive',
  overview: 'analysis',
  convergence: 'analysis',
  activations: 'analysis',
  degeneracy: 'batch',
  probeAngles: 'batch',
  trainIndicator: 'batch',
  trainMeanField: 'batch',
  regions: 'batch',
  regionGrid: 'batch',
  convRegions: 'batch',
  convExactRegions: 'batch',
  convAffine: 'analysis',
  convAngles: 'analysis',
  segment: 'batch',
  spectrum: 'batch',
  compare: 'batch',
  compareSpectra: 'batch',
  checkpoint: 'analysis',
  tensorNorms: 'batch',
  networkFileText: 'interactive',
};

export function laneOf(analysis: AnalysisName): Lane {
  return LANES[analysis];
}

/** After this many exits without a reply in between, a lane waits for the Restart command. */
export const MAX_CRASHES_IN_A_ROW = 5;
/** Delay before restarting a lane after its n-th crash in a row: none after the first, then base, 2·base, 4·base … (at most 30 s). */
export function restartDelayMs(crashesInARow: number, baseMs = 1000): number {
  return crashesInARow <= 1 ? 0 : Math.min(30_000, baseMs * 2 ** (crashesInARow - 2));
}

/** What travels with a request besides the analysis and its params. */
interface Envelope {
  readonly document: DocumentSource | undefined;
  readonly settings: AnalysisSettings;
}

interface LaneState {
  /** replaced when a cancelled request would not stop (see abandon) */
  worker: Worker;
  client: RequestClient<Envelope>;
  cancelFlags: Map<number, Int32Array>;
  /** requests posted and not answered yet, oldest first: the first is the one the worker is running */
  outstanding: Map<number, HostToWorker>;
  /** when each outstanding request was cancelled (Date.now() ms) */
  cancelledAt: Map<number, number>;
  /** the worker's last 'error' event (e.g. "Cannot find module"), for the crash message */
  lastError?: string;
}

/** How long a cancelled request may keep its lane's worker busy before the worker is replaced. */
export const ABANDON_AFTER_MS = 250;

interface CrashRecord {
  /** exits since the last reply from this lane */
  inARow: number;
  /** no restart before this time (Date.now() ms) */
  restartAt: number;
  /** set when the lane no longer restarts (until Restart): why, for every request's error */
  paused?: string;
}

export interface WorkerClientOptions {
  /** extension test mode: the worker accepts the test-only crash message */
  readonly testHooks?: boolean;
  /** first back-off delay after crashes in a row (default 1000 ms; tests shorten it) */
  readonly restartBackoffMs?: number;
}

export class WorkerClient implements vscode.Disposable {
  private readonly lanes = new Map<Lane, LaneState>();
  private readonly crashes = new Map<Lane, CrashRecord>();
  private disposed = false;
  private crashCount = 0;
  private messagesShown = 0;
  private abandonedCount = 0;
  /** set while a panel's analyses run on the `analysis` lane: the `editor` lane's runs wait (worker/yield.ts) */
  private readonly yieldFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly restarted = new vscode.EventEmitter<void>();
  /** fires after "Restart Analysis Worker": panels and diagnostics ask again */
  readonly onDidRestart = this.restarted.event;

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly options: WorkerClientOptions = {},
  ) {}

  async request<K extends AnalysisName>(
    analysis: K,
    document: DocumentSource | undefined,
    params: ParamsOf<K>,
    settings: AnalysisSettings,
    options: WorkerRequestOptions = {},
  ): Promise<ResultOf<K>> {
    const { client } = await this.ready(options.lane ?? laneOf(analysis), options.token);
    return client.request(analysis, params, options, { document, settings });
  }

  /** A request whose analysis is known only at run time (a panel's request relayed to the worker). */
  async forward(request: AnalysisRequest, document: DocumentSource | undefined, settings: AnalysisSettings, options: RequestOptions = {}): Promise<unknown> {
    const { client } = await this.ready(laneOf(request.analysis), options.token);
    return client.forward(request, options, { document, settings });
  }

  /** Worker threads running now, crashes seen and crash messages shown (for tests). */
  get stats(): { running: number; crashes: number; messagesShown: number; abandoned: number; outstanding: Partial<Record<Lane, number>> } {
    const outstanding: Partial<Record<Lane, number>> = {};
    for (const [lane, s] of this.lanes) outstanding[lane] = s.outstanding.size;
    return { running: this.lanes.size, crashes: this.crashCount, messagesShown: this.messagesShown, abandoned: this.abandonedCount, outstanding };
  }

  /** Number of worker threads running now (for tests). */
  get runningWorkers(): number {
    return this.lanes.size;
  }

  /** The running lane, started now, or after the back-off delay of a crashed lane. */
  private async ready(lane: Lane, token: CancellationLike | undefined): Promise<LaneState> {
    if (this.disposed) throw new RpcError('worker-exited', 'Depth Lens is shutting down');
    const existing = this.lanes.get(lane);
    if (existing) return existing;
    const crash = this.crashes.get(lane);
    if (crash?.paused) throw new RpcError('worker-unavailable', crash.paused);
    const wait = crash ? crash.restartAt - Date.now() : 0;
    if (wait > 0) {
      await delay(wait, token);
      if (this.disposed) throw new RpcError('worker-exited', 'Depth Lens is shutting down');
      const started = this.lanes.get(lane); // another request may have started it meanwhile
      if (started) return started;
    }
    return this.start(lane);
  }

  private start(lane: Lane): LaneState {
    const file = path.join(this.extensionPath, 'dist', 'worker.js');
    if (!fs.existsSync(file)) {
      // nothing to restart: pause the lane at once instead of failing to start once per request
      const paused = `the analysis worker is missing (${file}): reinstall the extension (or run "npm run build" in a development checkout), then run "Depth Lens: Restart Analysis Worker"`;
      this.crashes.set(lane, { inARow: 0, restartAt: Infinity, paused });
      this.log.error(paused);
      this.tell(`Depth Lens: ${paused}.`);
      throw new RpcError('worker-unavailable', paused);
    }
    const cancelFlags = new Map<number, Int32Array>();
    const outstanding = new Map<number, HostToWorker>();
    const cancelledAt = new Map<number, number>();
    // the client outlives a replaced worker: it always posts to the lane's current one
    const client: RequestClient<Envelope> = new RequestClient<Envelope>(
      (message, { document, settings }) => {
        const cancelFlag = new SharedArrayBuffer(4);
        cancelFlags.set(message.id, new Int32Array(cancelFlag));
        const out: HostToWorker = { ...message, document, settings, cancelFlag, ...(lane === 'editor' ? { yieldFlag: this.yieldFlag.buffer as SharedArrayBuffer } : {}) };
        outstanding.set(message.id, out);
        state.worker.postMessage(out);
        this.updateYield();
      },
      (id) => {
        const flag = cancelFlags.get(id);
        if (flag) Atomics.store(flag, 0, 1);
        cancelFlags.delete(id);
        if (outstanding.has(id)) {
          cancelledAt.set(id, Date.now());
          setTimeout(() => this.abandonIfStuck(lane, state), ABANDON_AFTER_MS).unref?.();
        }
        this.updateYield();
      },
    );
    const state: LaneState = { worker: this.spawn(lane, file), client, cancelFlags, outstanding, cancelledAt };
    this.wire(lane, state, state.worker);
    this.lanes.set(lane, state);
    this.log.info(`${lane} analysis worker started (${file})`);
    return state;
  }

  private spawn(lane: Lane, file: string): Worker {
    return new Worker(file, { name: `depth-lens-${lane}`, workerData: { testHooks: this.options.testHooks === true } });
  }

  /** Replies, errors and the exit of `worker`, while it is the lane's current worker. */
  private wire(lane: Lane, state: LaneState, worker: Worker): void {
    const { client, cancelFlags, outstanding, cancelledAt } = state;
    worker.on('message', (msg: WorkerToHost) => {
      if (state.worker !== worker) return; // a replaced worker's late words
      if (msg.type !== 'progress') {
        cancelFlags.delete(msg.replyTo);
        outstanding.delete(msg.replyTo);
        cancelledAt.delete(msg.replyTo);
        this.crashes.delete(lane); // it answers: the run of crashes is over
        this.updateYield();
      }
      client.handle(msg);
    });
    worker.on('error', (err) => {
      if (state.worker !== worker) return;
      state.lastError = err.message;
      this.log.error(`${lane} analysis worker failed: ${err.stack ?? err.message}`);
    });
    worker.on('exit', (code) => {
      // terminated on purpose (restart, dispose, a replaced worker)
      if (this.lanes.get(lane) !== state || state.worker !== worker) return;
      this.lanes.delete(lane);
      this.updateYield();
      const inARow = (this.crashes.get(lane)?.inARow ?? 0) + 1;
      const backoff = restartDelayMs(inARow, this.options.restartBackoffMs);
      const paused = inARow >= MAX_CRASHES_IN_A_ROW
        ? `the ${lane} analysis worker stopped ${inARow} times in a row and is paused; run "Depth Lens: Restart Analysis Worker" to try again (details in the "Depth Lens" output)`
        : undefined;
      this.crashes.set(lane, { inARow, restartAt: Date.now() + backoff, paused });
      this.crashCount++;
      const why = state.lastError ? `: ${state.lastError}` : '';
      client.rejectAll('worker-exited', `the analysis worker stopped (exit code ${code}${why}); it restarts on the next request`);
      if (this.disposed) return;
      const next = paused ? 'paused until "Depth Lens: Restart Analysis Worker"' : `restarting on the next request${backoff > 0 ? ` after ${backoff / 1000} s` : ''}`;
      this.log.warn(`${lane} analysis worker exited with code ${code}${why}; ${next} (crash ${inARow} in a row, ${this.crashCount} in total)`);
      // one message per run of crashes: a worker that keeps failing must not stack up warnings
      if (inARow === 1) this.tell(`Depth Lens: the analysis worker stopped unexpectedly (exit code ${code}${why}) and restarts on the next request. Details are in the "Depth Lens" output.`);
    });
  }

  /**
   * The lane's worker is still running a request cancelled ABANDON_AFTER_MS ago: terminate it and
   * hand the requests still wanted, in their order, to a fresh worker (same ids, same cancel flags).
   */
  private abandonIfStuck(lane: Lane, state: LaneState): void {
    if (this.disposed || this.lanes.get(lane) !== state) return;
    const head = state.outstanding.keys().next();
    if (head.done) return;
    const cancelled = state.cancelledAt.get(head.value);
    if (cancelled === undefined) return; // the worker moved on to wanted work
    const waited = Date.now() - cancelled;
    if (waited < ABANDON_AFTER_MS) {
      setTimeout(() => this.abandonIfStuck(lane, state), ABANDON_AFTER_MS - waited).unref?.();
      return;
    }
    const file = path.join(this.extensionPath, 'dist', 'worker.js');
    const old = state.worker;
    let fresh: Worker;
    try {
      fresh = this.spawn(lane, file);
    } catch (e) {
      this.log.warn(`${lane} analysis worker: could not start a replacement for a cancelled run (${(e as Error).message}); waiting for it instead`);
      return;
    }
    state.worker = fresh;
    this.wire(lane, state, fresh);
    void old.terminate();
    this.abandonedCount++;
    const still = [...state.outstanding].filter(([id]) => !state.cancelledAt.has(id));
    state.outstanding.clear();
    state.cancelledAt.clear();
    for (const [id, message] of still) {
      state.outstanding.set(id, message);
      fresh.postMessage(message);
    }
    this.updateYield();
    this.log.info(`${lane} analysis worker replaced: a cancelled request was still running ${waited} ms after its cancel; ${still.length} waiting request(s) moved to the new worker`);
  }

  /** The editor lane yields while the analysis lane runs requests someone still waits for. */
  private updateYield(): void {
    const a = this.lanes.get('analysis');
    let busy = false;
    if (a) for (const id of a.outstanding.keys()) if (!a.cancelledAt.has(id)) { busy = true; break; }
    const next = busy ? 1 : 0;
    if (Atomics.load(this.yieldFlag, 0) === next) return;
    Atomics.store(this.yieldFlag, 0, next);
    if (!busy) Atomics.notify(this.yieldFlag, 0);
  }

  private tell(message: string): void {
    this.messagesShown++;
    void vscode.window.showWarningMessage(message, 'Show Log').then((choice) => { if (choice) this.log.show(); });
  }

  /**
   * Test hook (extension test mode only): the lane's worker exits with `exitCode` when its next
   * request arrives — a real exit, seen by the host exactly like a crash.
   */
  crashOnNextRequest(lane: Lane, exitCode = 7): void {
    if (!this.options.testHooks) throw new Error('crashOnNextRequest is available in extension test mode only');
    const state = this.lanes.get(lane) ?? this.start(lane);
    const message: HostToWorker = { type: 'test-crash-on-next-request', exitCode };
    state.worker.postMessage(message);
  }

  /**
   * Test hook (extension test mode only): the lane's next request first computes for `ms` without
   * looking at its cancellation flag, like an analysis slow to notice a cancel.
   */
  stallNextRequest(lane: Lane, ms: number): void {
    if (!this.options.testHooks) throw new Error('stallNextRequest is available in extension test mode only');
    const state = this.lanes.get(lane) ?? this.start(lane);
    const message: HostToWorker = { type: 'test-stall-next-request', ms };
    state.worker.postMessage(message);
  }

  /** "Restart Analysis Worker": stop everything in flight, forget past crashes; the next request starts fresh workers. */
  async restart(): Promise<void> {
    const states = [...this.lanes.values()];
    this.lanes.clear();
    this.updateYield();
    this.crashes.clear();
    for (const s of states) s.client.rejectAll('worker-exited', 'the analysis worker was restarted');
    await Promise.all(states.map((s) => s.worker.terminate()));
    this.restarted.fire();
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.lanes.values()) {
      s.client.rejectAll('worker-exited', 'Depth Lens is shutting down');
      void s.worker.terminate();
    }
    this.lanes.clear();
    this.updateYield();
    this.restarted.dispose();
  }
}

/** Resolves after `ms`, or rejects with 'cancelled' as soon as the token fires. */
function delay(ms: number, token: CancellationLike | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (token?.isCancellationRequested) { reject(new RpcError('cancelled', 'cancelled')); return; }
    const listener = token?.onCancellationRequested(() => { clearTimeout(timer); reject(new RpcError('cancelled', 'cancelled')); });
    const timer = setTimeout(() => { listener?.dispose(); resolve(); }, ms);
  });
}
