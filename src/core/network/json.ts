/**
 * Typed reading of jsonc-parser nodes with diagnostics: every accessor reports the exact node that
 * is wrong and returns undefined instead of throwing, so one bad value never hides the others.
 */
import type { Node } from 'jsonc-parser';
import type { DenseMatrix } from '../linalg/dense';
import type { DiagnosticSink } from './diagnostics';
import { consolidatedMatrix, isNumberArray } from './jsonTree';
import { sharedFloat64 } from '../parallel';

/** Element-level errors reported per vector/matrix before the rest are summarised in one line. */
const ELEMENT_ERROR_CAP = 5;

const NON_FINITE_STRING = /^[+-]?(nan|inf|infinity)$/i;

export function describeNode(node: Node): string {
  switch (node.type) {
    case 'string': return `the string ${JSON.stringify(truncate(String(node.value), 40))}`;
    case 'number': return `the number ${node.value}`;
    case 'boolean': return `${node.value}`;
    case 'null': return 'null';
    case 'array': return 'an array';
    case 'object': return 'an object';
    default: return 'a property';
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** Where a node sits, for the messages: "layer 3 weights", "input.domain.min". */
export type What = string;

export class JsonReader {
  constructor(readonly text: string, readonly sink: DiagnosticSink) {}

  /**
   * The properties of an object node. Duplicate keys are errors (JSON parsers disagree on which
   * wins); keys outside `known` get an 'unknown-field' warning on the key.
   */
  fields(obj: Node, what: What, known: readonly string[]): Map<string, Node> {
    const out = new Map<string, Node>();
    for (const prop of obj.children ?? []) {
      const [keyNode, valueNode] = prop.children ?? [];
      if (!keyNode || !valueNode) continue;
      const key = String(keyNode.value);
      if (out.has(key)) {
        this.sink.error('duplicate-key', keyNode, `${what} has "${key}" twice; remove one of them`);
        continue;
      }
      if (!known.includes(key)) {
        const hint = closest(key, known);
        this.sink.warning('unknown-field', keyNode, `${what} has unknown property "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; it is ignored`);
      }
      out.set(key, valueNode);
    }
    return out;
  }

  require(fields: Map<string, Node>, key: string, owner: Node, what: What): Node | undefined {
    const n = fields.get(key);
    if (!n) this.sink.error('missing-field', owner, `${what} is missing "${key}"`);
    return n;
  }

  isObject(node: Node, what: What): boolean {
    if (node.type === 'object') return true;
    this.sink.error('wrong-type', node, `${what} must be an object, not ${describeNode(node)}`);
    return false;
  }

  isArray(node: Node, what: What): boolean {
    if (node.type === 'array') return true;
    this.sink.error('wrong-type', node, `${what} must be an array, not ${describeNode(node)}`);
    return false;
  }

  string(node: Node, what: What): string | undefined {
    if (node.type === 'string') return node.value as string;
    this.sink.error('wrong-type', node, `${what} must be a string, not ${describeNode(node)}`);
    return undefined;
  }

  /** A string from a fixed set; anything else is reported with the allowed values. */
  oneOf<T extends string>(node: Node, what: What, allowed: readonly T[], code: 'invalid-value' | 'unknown-activation' | 'unknown-layer-type' = 'invalid-value'): T | undefined {
    const s = this.string(node, what);
    if (s === undefined) return undefined;
    if ((allowed as readonly string[]).includes(s)) return s as T;
    this.sink.error(code, node, `${what} is "${s}"; expected ${listOf(allowed)}`);
    return undefined;
  }

  /** A finite number; NaN/Infinity strings and overflowing literals are 'non-finite-number'. */
  number(node: Node, what: What): number | undefined {
    if (node.type === 'number') {
      const v = node.value as number;
      if (Number.isFinite(v)) return v;
      this.nonFiniteLiteral(node, what);
      return undefined;
    }
    if (node.type === 'string' && NON_FINITE_STRING.test(node.value as string)) {
      this.nonFiniteString(node, what);
      return undefined;
    }
    this.sink.error('wrong-type', node, `${what} must be a number, not ${describeNode(node)}`);
    return undefined;
  }

  /** An integer in [min, max]; out-of-range values get `code`. */
  integer(node: Node, what: What, min: number, max: number, code: 'invalid-value' | 'family-count' | 'size-limit' = 'invalid-value', limitNote = ''): number | undefined {
    const v = this.number(node, what);
    if (v === undefined) return undefined;
    if (!Number.isInteger(v)) {
      this.sink.error(code === 'size-limit' ? 'invalid-value' : code, node, `${what} must be an integer, not ${v}`);
      return undefined;
    }
    if (v < min) {
      this.sink.error(code === 'size-limit' ? 'invalid-value' : code, node, `${what} must be at least ${min}, not ${v}`);
      return undefined;
    }
    if (v > max) {
      this.sink.error(code, node, `${what} is ${v}, above the limit of ${max}${limitNote}`);
      return undefined;
    }
    return v;
  }

  /** A non-empty array of finite numbers. */
  vector(node: Node, what: What, allowEmpty = false): Float64Array | undefined {
    if (!this.isArray(node, what)) return undefined;
    // packed by jsonTree.ts: the numbers are already here; nodes are made only to mark bad entries
    if (isNumberArray(node) && allFinite(node.numbers)) return Float64Array.from(node.numbers);
    const items = node.children ?? [];
    if (items.length === 0 && !allowEmpty) {
      this.sink.error('empty-matrix', node, `${what} is empty`);
      return undefined;
    }
    const out = new Float64Array(items.length);
    let bad = 0;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (it.type === 'number' && Number.isFinite(it.value)) { out[i] = it.value as number; continue; }
      bad++;
      if (bad <= ELEMENT_ERROR_CAP) this.number(it, `${what} entry ${i + 1}`);
    }
    if (bad > ELEMENT_ERROR_CAP) this.sink.error('non-finite-number', node, `${what} has ${bad - ELEMENT_ERROR_CAP} more invalid entries (only the first ${ELEMENT_ERROR_CAP} are marked)`);
    return bad ? undefined : out;
  }

  /** A rectangular, non-empty matrix written as an array of rows ([out][in]). */
  matrix(node: Node, what: What): DenseMatrix | undefined {
    if (!this.isArray(node, what)) return undefined;
    const rows = node.children ?? [];
    if (rows.length === 0) {
      this.sink.error('empty-matrix', node, `${what} has no rows`);
      return undefined;
    }
    const first = rows[0];
    if (first.type !== 'array') {
      this.sink.error('wrong-type', first, `${what} must be an array of rows (arrays of numbers); row 1 is ${describeNode(first)}`);
      return undefined;
    }
    const cols = arrayLength(first);
    if (cols === 0) {
      this.sink.error('empty-matrix', first, `${what} row 1 is empty`);
      return undefined;
    }
    // every row's shape first: a ragged file must not make us allocate rows × (first row's length)
    let ragged = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (row.type !== 'array') {
        ragged++;
        if (ragged <= ELEMENT_ERROR_CAP) this.sink.error('wrong-type', row, `${what} row ${i + 1} must be an array of numbers, not ${describeNode(row)}`);
      } else if (arrayLength(row) !== cols) {
        ragged++;
        const n = arrayLength(row);
        if (ragged <= ELEMENT_ERROR_CAP) this.sink.error('ragged-matrix', row, `${what} is ragged: row ${i + 1} has ${n} entr${n === 1 ? 'y' : 'ies'} but row 1 has ${cols}`);
      }
    }
    if (ragged > ELEMENT_ERROR_CAP) this.sink.error('ragged-matrix', node, `${what} has ${ragged - ELEMENT_ERROR_CAP} more malformed rows (only the first ${ELEMENT_ERROR_CAP} are marked)`);
    // rows consolidated by the tree builder (jsonTree.ts) are already this matrix: no copy
    if (!ragged) {
      const whole = consolidatedMatrix(rows);
      if (whole && allFinite(whole)) return { rows: rows.length, cols, data: whole };
    }
    // rectangular: rows × cols entries are all in the text, so the allocation is bounded by its size;
    // shared with the thread pool's helpers when one runs (per-layer norms read it without a copy)
    const data = ragged ? undefined : sharedFloat64(rows.length * cols);
    let bad = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (row.type !== 'array' || arrayLength(row) !== cols) continue;
      const base = i * cols;
      if (isNumberArray(row) && allFinite(row.numbers)) {
        if (data) {
          // the row's numbers move into the matrix: the node keeps a view, so they are held once
          const from = row.numbers;
          for (let j = 0; j < cols; j++) data[base + j] = from[j];
          row.numbers = data.subarray(base, base + cols);
        }
        continue;
      }
      const items = row.children!;
      for (let j = 0; j < cols; j++) {
        const it = items[j];
        if (it.type === 'number' && Number.isFinite(it.value)) { if (data) data[base + j] = it.value as number; continue; }
        bad++;
        if (bad <= ELEMENT_ERROR_CAP) this.number(it, `${what} row ${i + 1}, column ${j + 1}`);
      }
    }
    if (bad > ELEMENT_ERROR_CAP) this.sink.error('non-finite-number', node, `${what} has ${bad - ELEMENT_ERROR_CAP} more invalid entries (only the first ${ELEMENT_ERROR_CAP} are marked)`);
    if (bad || !data) return undefined;
    return { rows: rows.length, cols, data };
  }

  private nonFiniteLiteral(node: Node, what: What): void {
    const literal = this.text.substr(node.offset, Math.min(node.length, 40));
    this.sink.error('non-finite-number', node, `${what} is ${literal}, which overflows float64 to ${(node.value as number) > 0 ? 'Infinity' : '-Infinity'}; use a finite number`);
  }

  private nonFiniteString(node: Node, what: What): void {
    this.sink.error('non-finite-number', node, `${what} is the string ${JSON.stringify(node.value)}; JSON has no NaN or Infinity and Depth Lens needs finite numbers`);
  }
}

/** Entries of an array node (packed or not) without making number nodes. */
function arrayLength(node: Node): number {
  return isNumberArray(node) ? node.numbers.length : node.children?.length ?? 0;
}

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

export function listOf(values: readonly string[]): string {
  const q = values.map((v) => `"${v}"`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

/** The known key within edit distance 2 of a misspelt one (for "did you mean"). */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined, bestD = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) { bestD = d; best = k; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
