// Types for scripts/playground.mjs (TS callers such as test/unit/playground.test.ts import it through these).
export interface PlaygroundOptions {
  /** folder to copy (default: the repository's examples/) */
  source?: string;
  /** where the playground folder goes (default: the OS temp directory) */
  base?: string;
  /** the checkout it belongs to (default: this repository) */
  repo?: string;
}
export declare function playgroundPath(options?: Omit<PlaygroundOptions, 'source'>): string;
export declare function preparePlayground(options?: PlaygroundOptions): string;
