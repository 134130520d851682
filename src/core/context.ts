/**
 * What a long-running analysis gets from whoever runs it (the worker, the CLI, a test): a way to
 * report progress and to notice cancellation. Core code calls `ctx.checkpoint(fraction)` in its
 * outer loops; it throws CancelledError once the caller has cancelled.
 */
export interface AnalysisContext {
  /** report progress in [0, 1] with an optional message; cheap to call often (callers throttle) */
  progress(fraction: number, message?: string): void;
  /** true once the caller cancelled */
  isCancelled(): boolean;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** Throws CancelledError when cancelled, otherwise reports progress. */
export function checkpoint(ctx: AnalysisContext, fraction: number, message?: string): void {
  if (ctx.isCancelled()) throw new CancelledError();
  ctx.progress(fraction, message);
}

/** For tests and synchronous callers that neither watch progress nor cancel. */
export const silentContext: AnalysisContext = {
  progress: () => undefined,
  isCancelled: () => false,
};
