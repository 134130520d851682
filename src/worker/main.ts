/**
 * The analysis worker: a message loop that turns typed requests into core calls and answers with
 * exactly one response or error per request, streaming progress in between. Runs on its own thread
 * so the extension host never computes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CancelledError, type AnalysisContext } from '../core/context';
import { BudgetError } from '../core/network/budget';
import { isCancelled, type AnalysisName, type AnalysisSettings, type ErrorCode, type HostToWorker, type ResultOf, type WorkerToHost } from '../shared/protocol';
import { parsedDocument } from './documents';
import { BadParamsError, InvalidDocumentError, type Handler, type HandlerInput } from './handlers/common';
import { handlers } from './handlers/index';
import { packForTransfer } from './transfer';
import { installThreadPool } from './pool';
import { Yielder } from './yield';

const PROGRESS_INTERVAL_MS = 100;

if (!parentPort) throw new Error('worker/main.ts must run inside a worker thread');
const port = parentPort;
// perf: Monte Carlo trials and per-layer norms on every core (src/worker/pool.ts)
installThreadPool();

function post(message: WorkerToHost, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function contextFor(id: number, cancelFlag: SharedArrayBuffer, yieldFlag: SharedArrayBuffer | undefined): AnalysisContext {
  let last = 0;
  const yielder = yieldFlag ? new Yielder(new Int32Array(yieldFlag), () => isCancelled(cancelFlag)) : undefined;
  return {
    // every checkpoint of a background run is where it yields to a panel's run
    isCancelled: () => { yielder?.yieldIfAsked(); return isCancelled(cancelFlag); },
    progress: (fraction, message) => {
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      post({ type: 'progress', replyTo: id, fraction: Math.max(0, Math.min(1, fraction)), message });
    },
  };
}

function errorCode(e: unknown): ErrorCode {
  if (e instanceof CancelledError) return 'cancelled';
  if (e instanceof InvalidDocumentError) return 'invalid-document';
  if (e instanceof BadParamsError || e instanceof RangeError || e instanceof TypeError) return 'bad-params';
  return 'internal';
}

/** The handler of `analysis`, typed by its name (undefined for a name this build does not know). */
function run<K extends AnalysisName>(analysis: K, input: HandlerInput<K>): ResultOf<K> {
  // the name comes from a message: "constructor" must not find Object.prototype.constructor
  const handler: Handler<K> | undefined = Object.hasOwn(handlers, analysis) ? handlers[analysis] : undefined;
  if (!handler) throw new BadParamsError(`unknown analysis '${String(analysis)}'`);
  return handler(input);
}

/** Analyses whose params take a `budget` (core/network/budget.ts); `activations` reads settings.budget itself. */
const BUDGETED: ReadonlySet<AnalysisName> = new Set<AnalysisName>(['convergence', 'regions', 'segment', 'probeAngles', 'convRegions', 'convExactRegions', 'convAffine', 'convAngles']);

/** The settings' budget for a budgeted analysis whose params name none (the CLI passes --max-work in params). */
function withSettingsBudget<P>(analysis: AnalysisName, params: P, settings: AnalysisSettings): P {
  if (!settings.budget || !BUDGETED.has(analysis) || params === null || typeof params !== 'object' || Array.isArray(params) || Object.hasOwn(params, 'budget')) return params;
  return { ...params, budget: settings.budget };
}

/** Test hook, honoured only when the host started this worker in extension test mode. */
const testHooks = (workerData as { testHooks?: boolean } | null)?.testHooks === true;
let crashOnNextRequest: number | undefined;
let stallNextRequestMs = 0;

port.on('message', (msg: HostToWorker) => {
  if (msg.type === 'test-crash-on-next-request') {
    if (testHooks) crashOnNextRequest = msg.exitCode;
    return;
  }
  if (msg.type === 'test-stall-next-request') {
    if (testHooks) stallNextRequestMs = msg.ms;
    return;
  }
  if (msg.type !== 'request') return;
  if (crashOnNextRequest !== undefined) process.exit(crashOnNextRequest);
  if (stallNextRequestMs > 0) {
    // busy, deaf to the cancel flag, like a long loop without a cancellation check
    const until = Date.now() + stallNextRequestMs;
    stallNextRequestMs = 0;
    while (Date.now() < until) { /* spin */ }
  }
  const ctx = contextFor(msg.id, msg.cancelFlag, msg.yieldFlag);
  try {
    if (ctx.isCancelled()) throw new CancelledError();
    const doc = msg.document ? parsedDocument(msg.document, msg.settings) : undefined;
    const partial = (value: unknown, fraction: number, message?: string) => {
      const packed = packForTransfer(value);
      post({ type: 'progress', replyTo: msg.id, fraction, message, partial: packed.value }, packed.transfer);
    };
    const result = run(msg.analysis, { doc, params: withSettingsBudget(msg.analysis, msg.params, msg.settings), settings: msg.settings, ctx, partial });
    const packed = packForTransfer(result);
    post({ type: 'response', replyTo: msg.id, result: packed.value }, packed.transfer);
  } catch (e) {
    const code = errorCode(e);
    const message = e instanceof Error ? e.message : String(e);
    // a refusal by the budget carries its numbers: the panel offers the budget as a control
    const budget = e instanceof BudgetError && e.limits && Number.isFinite(e.needed) ? { resource: e.resource, needed: e.needed, limits: e.limits } : undefined;
    post({ type: 'error', replyTo: msg.id, code, message: code === 'internal' ? `internal error: ${message}` : message, ...(budget ? { budget } : {}) });
  }
});
