/**
 * The one request/response helper, used by the host to talk to the worker and by webviews to talk
 * to the host: message ids, one reply per request, streamed progress, cancellation, and rejection of
 * everything pending when the other side goes away.
 */
import { requestOf, type AnalysisName, type AnalysisRequest, type BudgetRefusal, type ErrorCode, type ErrorMessage, type ParamsOf, type ProgressMessage, type RequestMessage, type ResponseMessage, type ResultOf } from './protocol';

/** Structurally the same as vscode.CancellationToken, so host code passes tokens straight through. */
export interface CancellationLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface RequestOptions {
  onProgress?: (fraction: number, message?: string, partial?: unknown) => void;
  token?: CancellationLike;
}

export class RpcError extends Error {
  /** `budget`: the run was refused by its analysis budget (see ErrorMessage) */
  constructor(readonly code: ErrorCode, message: string, readonly budget?: BudgetRefusal) {
    super(message);
    this.name = 'RpcError';
  }
}

/** Whether a request failed because it was cancelled (a newer request or the user), not by an error to show. */
export function isCancelled(e: unknown): e is RpcError {
  return e instanceof RpcError && e.code === 'cancelled';
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: RpcError): void;
  onProgress?: (fraction: number, message?: string, partial?: unknown) => void;
  cancelListener?: { dispose(): void };
}

/**
 * `send(message, context)` puts the request on the wire (`context` is whatever the caller passed
 * along, e.g. the document a worker request carries); `cancel(id)` tells the other side to stop. Feed
 * every incoming reply to `handle`.
 */
export class RequestClient<C = undefined> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly send: (message: RequestMessage, context: C) => void,
    private readonly cancel: (id: number) => void,
  ) {}

  /**
   * A typed request. The reply comes from another thread or frame, so its type is trusted, not
   * checked: the other side answers `analysis` from the same AnalysisMap.
   */
  request<K extends AnalysisName>(analysis: K, params: ParamsOf<K>, options: RequestOptions = {}, ...context: C extends undefined ? [] : [C]): Promise<ResultOf<K>> {
    return this.forward(requestOf(analysis, params), options, ...context) as Promise<ResultOf<K>>;
  }

  /** A request whose analysis is known only at run time (a panel's request relayed to the worker). */
  forward(request: AnalysisRequest, options: RequestOptions = {}, ...context: C extends undefined ? [] : [C]): Promise<unknown> {
    const id = this.nextId++;
    if (options.token?.isCancellationRequested) return Promise.reject(new RpcError('cancelled', 'cancelled'));
    return new Promise<unknown>((resolve, reject) => {
      const entry: Pending = { resolve, reject, onProgress: options.onProgress };
      this.pending.set(id, entry);
      entry.cancelListener = options.token?.onCancellationRequested(() => {
        if (!this.pending.has(id)) return;
        this.cancel(id);
        // answer the caller at once; a late reply from the other side is ignored
        this.settle(id)?.reject(new RpcError('cancelled', 'cancelled'));
      });
      try {
        this.send({ ...request, type: 'request', id }, context[0] as C);
      } catch (e) {
        this.settle(id)?.reject(new RpcError('internal', `could not send request: ${(e as Error).message}`));
      }
    });
  }

  /** Returns true when the message was a reply to one of our requests. */
  handle(message: ResponseMessage | ErrorMessage | ProgressMessage): boolean {
    const entry = this.pending.get(message.replyTo);
    if (!entry) return false;
    if (message.type === 'progress') {
      entry.onProgress?.(message.fraction, message.message, message.partial);
    } else if (message.type === 'response') {
      this.settle(message.replyTo)?.resolve(message.result);
    } else {
      this.settle(message.replyTo)?.reject(new RpcError(message.code, message.message, message.budget));
    }
    return true;
  }

  /** Reject everything in flight (the other side exited or was disposed). */
  rejectAll(code: ErrorCode, message: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(new RpcError(code, message));
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    entry.cancelListener?.dispose();
    return entry;
  }
}
