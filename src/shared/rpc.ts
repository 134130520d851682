/**
 * The one request/response helper, used by the host to talk to the worker and by webviews to talk
 * to the host: message ids, one reply per request, streamed progress, cancellation, and rejection of
 * everything pending when the other side goes away.
 */
import type { AnalysisName, ErrorCode, ErrorMessage, ParamsOf, ProgressMessage, ResponseMessage, ResultOf } from './protocol';

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
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'RpcError';
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: RpcError): void;
  onProgress?: (fraction: number, message?: string, partial?: unknown) => void;
  cancelListener?: { dispose(): void };
}

/**
 * `send(id, analysis, params)` puts the request on the wire; `cancel(id)` tells the other side to
 * stop. Feed every incoming reply to `handle`.
 */
export class RequestClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly send: (id: number, analysis: AnalysisName, params: unknown) => void,
    private readonly cancel: (id: number) => void,
  ) {}

  request<K extends AnalysisName>(analysis: K, params: ParamsOf<K>, options: RequestOptions = {}): Promise<ResultOf<K>> {
    const id = this.nextId++;
    if (options.token?.isCancellationRequested) return Promise.reject(new RpcError('cancelled', 'cancelled'));
    return new Promise<ResultOf<K>>((resolve, reject) => {
      const entry: Pending = { resolve: resolve as (v: unknown) => void, reject, onProgress: options.onProgress };
      this.pending.set(id, entry);
      entry.cancelListener = options.token?.onCancellationRequested(() => {
        if (!this.pending.has(id)) return;
        this.cancel(id);
        // answer the caller at once; a late reply from the other side is ignored
        this.settle(id)?.reject(new RpcError('cancelled', 'cancelled'));
      });
      try {
        this.send(id, analysis, params);
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
      this.settle(message.replyTo)?.reject(new RpcError(message.code, message.message));
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
