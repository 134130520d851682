import type { AnalysisRequest } from '../../shared/protocol';

/**
 * The last answers of a view whose file the worker reads itself (a checkpoint), by request (analysis
 * and parameters), all on the file's current version. Once the file is deleted, a webview that starts
 * again (a hidden one is discarded: retainContextWhenHidden is off) is answered from here, so it still
 * shows the last contents its notice speaks of. Bounded: the `capacity` most recent requests.
 */
export class LastResults {
  private readonly results = new Map<string, unknown>();

  constructor(private readonly capacity = 32) {}

  private static key(request: AnalysisRequest): string {
    return `${request.analysis} ${JSON.stringify(request.params)}`;
  }

  /** The last answer to `request`, if there is one. */
  lookup(request: AnalysisRequest): { readonly result: unknown } | undefined {
    const key = LastResults.key(request);
    return this.results.has(key) ? { result: this.results.get(key) } : undefined;
  }

  remember(request: AnalysisRequest, result: unknown): void {
    const key = LastResults.key(request);
    this.results.delete(key); // re-inserted last: the most recent
    this.results.set(key, result);
    while (this.results.size > this.capacity) this.results.delete(this.results.keys().next().value!);
  }

  /** The file changed: answers about the old version no longer hold. */
  clear(): void {
    this.results.clear();
  }
}
