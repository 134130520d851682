/** Shared types of the per-entry parsers (parse.ts, families.ts, external.ts). */
import type { Node } from 'jsonc-parser';
import type { JsonReader } from './json';
import type { ExternalFiles } from './external';
import type { Activation, SourceRange } from './model';
import type { Segment } from './segments';

export const ACTIVATIONS: readonly Activation[] = ['relu', 'linear'];

/** State threaded through the entries of "layers". */
export interface EntryContext {
  readonly reader: JsonReader;
  /** the document's external weight files (cached for the whole parse) */
  readonly files: ExternalFiles;
  /** 1-based number of the entry in "layers" (how users count) */
  readonly entry: number;
  /** output width of the previous entry (input.dim for the first), undefined if it failed to parse */
  readonly incoming: number | undefined;
  /** running totals shared across entries: parameters held in memory, weight entries of all layers */
  readonly budget: { explicit: number; total: number };
}

/** What an entry parser returns: the segment and the node a shape mismatch should point at. */
export interface EntryResult {
  readonly segment: Segment;
  readonly inputNode: Node;
}

export function range(node: Node): SourceRange {
  return { offset: node.offset, length: node.length };
}
