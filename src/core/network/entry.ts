/** Shared types of the per-entry parsers (parse.ts, families.ts, external.ts). */
import type { Node } from 'jsonc-parser';
import type { JsonReader } from './json';
import { LIMITS } from './limits';
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

/**
 * A residual block's "layers" array and its entries, or undefined (with the error) when it is not an
 * array, is empty or is longer than the branch limit; `needs` names what the branch must hold.
 */
export function branchItems(layersNode: Node | undefined, reader: JsonReader, what: string, needs: string): { readonly node: Node; readonly items: Node[] } | undefined {
  if (!layersNode || !reader.isArray(layersNode, `${what} "layers"`)) return undefined;
  const items = layersNode.children ?? [];
  if (items.length === 0) {
    reader.sink.error('residual-branch', layersNode, `${what} (residual) has an empty branch; it needs at least one ${needs}`);
    return undefined;
  }
  if (items.length > LIMITS.maxBranchLayers) {
    reader.sink.error('size-limit', layersNode, `${what} (residual) has ${items.length} branch layers, above the limit of ${LIMITS.maxBranchLayers}`);
    return undefined;
  }
  return { node: layersNode, items };
}
