/** Shared types of the per-entry parsers (parse.ts, families.ts, external.ts). */
import type { Node } from 'jsonc-parser';
import type { JsonReader } from './json';
import type { Activation, SourceRange } from './model';
import type { Segment } from './segments';

export const ACTIVATIONS: readonly Activation[] = ['relu', 'linear'];

export interface ExternalReader {
  readExternal?: (relativePath: string) => Uint8Array | undefined;
}

/** State threaded through the entries of "layers". */
export interface EntryContext {
  readonly reader: JsonReader;
  readonly options: ExternalReader;
  /** 1-based number of the entry in "layers" (how users count) */
  readonly entry: number;
  /** output width of the previous entry (input.dim for the first), undefined if it failed to parse */
  readonly incoming: number | undefined;
  /** running count of materialised parameters (shared across entries) */
  readonly budget: { explicit: number };
}

/** What an entry parser returns: the segment and the node a shape mismatch should point at. */
export interface EntryResult {
  readonly segment: Segment;
  readonly inputNode: Node;
}

export function range(node: Node): SourceRange {
  return { offset: node.offset, length: node.length };
}
