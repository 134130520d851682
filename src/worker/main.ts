/**
 * The analysis worker: a message loop that turns typed requests into core calls and answers with
 * exactly one response or error per request, streaming progress in between. Runs on its own thread
 * so the extension host never computes.
 */
import { parentPort } from 'node:worker_threads';
import { CancelledError, type AnalysisContext } from '../core/context';
import { isCancelled, type ErrorCode, type HostToWorker, type WorkerToHost } from '../shared/protocol';
import { parsedDocument } from './documents';
import { BadParamsError, InvalidDocumentError, type HandlerInput } from './handlers/common';
import { handlers } from './handlers/index';
import { packForTransfer } from './transfer';

const PROGRESS_INTERVAL_MS = 100;

if (!parentPort) throw new Error('worker/main.ts must run inside a worker thread');
const port = parentPort;

function post(message: WorkerToHost, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function contextFor(id: number, cancelFlag: SharedArrayBuffer): AnalysisContext {
  let last = 0;
  return {
    isCancelled: () => isCancelled(cancelFlag),
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

port.on('message', (msg: HostToWorker) => {
  if (msg.type !== 'request') return;
  const ctx = contextFor(msg.id, msg.cancelFlag);
  try {
    if (ctx.isCancelled()) throw new CancelledError();
    const doc = msg.document ? parsedDocument(msg.document, msg.settings) : undefined;
    const handler = handlers[msg.analysis] as (input: HandlerInput<typeof msg.analysis>) => unknown;
    if (!handler) throw new BadParamsError(`unknown analysis '${String(msg.analysis)}'`);
    const partial = (value: unknown, fraction: number, message?: string) => {
      const packed = packForTransfer(value);
      post({ type: 'progress', replyTo: msg.id, fraction, message, partial: packed.value }, packed.transfer);
    };
    const result = handler({ doc, params: msg.params, settings: msg.settings, ctx, partial });
    const packed = packForTransfer(result);
    post({ type: 'response', replyTo: msg.id, result: packed.value }, packed.transfer);
  } catch (e) {
    const code = errorCode(e);
    const message = e instanceof Error ? e.message : String(e);
    post({ type: 'error', replyTo: msg.id, code, message: code === 'internal' ? `internal error: ${message}` : message });
  }
});
