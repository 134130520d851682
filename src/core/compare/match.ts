/**
 * Which weight matrix of network B corresponds to which of network A.
 *
 * By name when both files name every matrix, uniquely (checkpoints with state-dict keys): same name
 * and same shape match; a shared name with another shape does not, and says so. Otherwise by
 * position: the two lists of matrices are aligned in order by a longest common subsequence of their
 * (kind, shape) keys, so one inserted or removed layer does not shift every later match (two lists
 * with equal keys throughout align one to one without the quadratic table; beyond MAX_LCS_CELLS the
 * alignment falls back to index by index).
 */
import type { CompareItemRef, LayerMatching, PairRun, UnmatchedRun } from '../../shared/analyses/compare';
import type { NetworkItem } from '../spectrum/items';

/** Above this many cells (|A|·|B|) the LCS table is not built. */
export const MAX_LCS_CELLS = 4e6;

export function refOf(item: NetworkItem, index: number): CompareItemRef {
  const { index: _layerIndex, kind: _kind, ...ref } = item;
  return { ...ref, item: index };
}

const keyOf = (it: NetworkItem) => `${it.kind}|${it.rows}|${it.cols}`;
const shape = (it: NetworkItem) => `${it.rows}×${it.cols}`;

function uniqueNames(items: readonly NetworkItem[]): Map<string, number> | undefined {
  const names = new Map<string, number>();
  for (let i = 0; i < items.length; i++) {
    const n = items[i].name;
    if (n === undefined || names.has(n)) return undefined;
    names.set(n, i);
  }
  return names;
}

/** Collects matched pairs into runs and unmatched matrices into runs of one reason. */
class Collector {
  readonly pairRuns: PairRun[] = [];
  pairCount = 0;
  readonly onlyA: UnmatchedRun[] = [];
  readonly onlyB: UnmatchedRun[] = [];

  pair(i: number, j: number): void {
    const last = this.pairRuns[this.pairRuns.length - 1];
    if (last && last.aStart + last.count === i && last.bStart + last.count === j) this.pairRuns[this.pairRuns.length - 1] = { ...last, count: last.count + 1 };
    else this.pairRuns.push({ aStart: i, bStart: j, count: 1 });
    this.pairCount++;
  }

  unmatched(side: 'A' | 'B', it: NetworkItem, index: number, reason: string): void {
    const list = side === 'A' ? this.onlyA : this.onlyB;
    const last = list[list.length - 1];
    const lastIndex = last ? (last.last ?? last.ref).item : -2;
    if (last && lastIndex === index - 1 && last.reason === reason) list[list.length - 1] = { ...last, last: refOf(it, index), count: last.count + 1 };
    else list.push({ ref: refOf(it, index), count: 1, reason });
  }

  result(by: 'name' | 'position', na: number, nb: number): LayerMatching {
    const how = by === 'name' ? 'by name (both files name every matrix)' : 'by position and shape';
    return {
      by, pairRuns: this.pairRuns, pairCount: this.pairCount, onlyA: this.onlyA, onlyB: this.onlyB,
      summary: `matched ${this.pairCount} of A's ${na} and B's ${nb} weight matrices ${how}`,
    };
  }
}

function byName(a: readonly NetworkItem[], b: readonly NetworkItem[], namesA: Map<string, number>, namesB: Map<string, number>): LayerMatching {
  const c = new Collector();
  a.forEach((it, i) => {
    const j = namesB.get(it.name!);
    if (j === undefined) c.unmatched('A', it, i, `B has no matrix named ${it.name}`);
    else if (keyOf(b[j]) !== keyOf(it)) c.unmatched('A', it, i, `shape ${shape(it)} here, ${shape(b[j])} in B (${b[j].label})`);
    else c.pair(i, j);
  });
  b.forEach((it, j) => {
    const i = namesA.get(it.name!);
    if (i === undefined) c.unmatched('B', it, j, `A has no matrix named ${it.name}`);
    else if (keyOf(a[i]) !== keyOf(it)) c.unmatched('B', it, j, `shape ${shape(it)} here, ${shape(a[i])} in A (${a[i].label})`);
  });
  // pairs in A's order; B's order may differ (runs then have length 1)
  return c.result('name', a.length, b.length);
}

/** Index pairs (i, j) of a longest common subsequence of the keys, in order. */
function lcs(ka: readonly string[], kb: readonly string[]): Array<[number, number]> {
  const n = ka.length, m = kb.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] = ka[i] === kb[j] ? table[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
    }
  }
  const out: Array<[number, number]> = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (ka[i] === kb[j]) { out.push([i, j]); i++; j++; }
    else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) i++;
    else j++;
  }
  return out;
}

function kindWord(it: NetworkItem): string {
  return it.kind === 'branch' ? 'a branch layer' : 'a dense layer';
}

function byPosition(a: readonly NetworkItem[], b: readonly NetworkItem[]): LayerMatching {
  const ka = a.map(keyOf), kb = b.map(keyOf);
  const aligned: Array<[number, number]> = [];
  const common = Math.min(ka.length, kb.length);
  let prefix = 0;
  while (prefix < common && ka[prefix] === kb[prefix]) prefix++;
  if (prefix === common) {
    // one list extends the other (or they are equal): no table needed
    for (let i = 0; i < common; i++) aligned.push([i, i]);
  } else if (ka.length * kb.length <= MAX_LCS_CELLS) {
    aligned.push(...lcs(ka, kb));
  } else {
    for (let i = 0; i < common; i++) if (ka[i] === kb[i]) aligned.push([i, i]);
  }
  const c = new Collector();
  const matchedA = new Uint8Array(a.length), matchedB = new Uint8Array(b.length);
  for (const [i, j] of aligned) { matchedA[i] = 1; matchedB[j] = 1; }
  const reason = (it: NetworkItem, i: number, other: readonly NetworkItem[], otherName: 'A' | 'B') => {
    const there = other[i];
    if (!there) return `${otherName} has no matrix at this position (it has ${other.length})`;
    if (keyOf(there) === keyOf(it)) return `left over by the alignment (${otherName}'s ${there.label} at this position pairs with another matrix)`;
    return `${kindWord(it)} ${shape(it)} here; ${otherName} has ${kindWord(there)} ${shape(there)} (${there.label}) at this position`;
  };
  // pairs in order; unmatched in order per side
  for (const [i, j] of aligned) c.pair(i, j);
  a.forEach((it, i) => { if (!matchedA[i]) c.unmatched('A', it, i, reason(it, i, b, 'B')); });
  b.forEach((it, j) => { if (!matchedB[j]) c.unmatched('B', it, j, reason(it, j, a, 'A')); });
  return c.result('position', a.length, b.length);
}

export function matchItems(a: readonly NetworkItem[], b: readonly NetworkItem[]): LayerMatching {
  const namesA = uniqueNames(a), namesB = uniqueNames(b);
  if (namesA && namesB && a.length > 0 && b.length > 0) return byName(a, b, namesA, namesB);
  return byPosition(a, b);
}

/** The item indices (A's, B's) of pair p (0-based, counted through the runs). */
export function pairAt(matching: LayerMatching, p: number): { a: number; b: number } | undefined {
  if (!Number.isInteger(p) || p < 0 || p >= matching.pairCount) return undefined;
  let before = 0;
  // runs are few in practice (one for two equal architectures): a linear scan is enough
  for (const run of matching.pairRuns) {
    if (p < before + run.count) return { a: run.aStart + (p - before), b: run.bStart + (p - before) };
    before += run.count;
  }
  return undefined;
}
