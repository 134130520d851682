/**
 * A fast, strict JSON → jsonc-parser `Node` tree for network documents, in about JSON.parse time and
 * memory proportional to the text.
 *
 * jsonc-parser builds one node object per number (a 256×256 layer is 65 536 nodes) and its scanner
 * grows whitespace one character at a time, so a 160 MB file of inline weights took seconds and
 * gigabytes. Here the structure (objects, properties, strings, small values) becomes the same nodes
 * jsonc-parser's `parseTree` makes (same offsets, lengths, parents, colonOffset), but an array that
 * holds only numbers becomes one `NumberArrayNode`: its values in one array, converted by the
 * engine's own JSON.parse (correctly rounded, like jsonc-parser's `Number(token)`), and its per-number
 * child nodes made only if someone asks for `children` (diagnostics of one bad entry do).
 *
 * Strict JSON only (RFC 8259: no comments, no trailing commas, whitespace = space, tab, LF, CR). On
 * anything else `parseJsonTree` returns undefined and the caller runs jsonc-parser, which locates
 * the problem (or accepts what it accepts: a BOM, other whitespace) exactly as before; so this is a
 * fast path that never changes a result. The nesting limit is checked here, iteratively (no stack).
 */
import type { Node } from 'jsonc-parser';
import { sharedFloat64 } from '../parallel';

/** Arrays of only numbers: the values in one array; number nodes made on demand. */
export class NumberArrayNode implements Node {
  readonly type = 'array' as const;
  parent?: Node;
  private nodes?: Node[];

  constructor(
    private readonly text: string,
    readonly offset: number,
    readonly length: number,
    /**
     * the numbers in order: the array JSON.parse made (young garbage once read, so cheap), or, after
     * JsonReader copied them into a matrix, a view into that matrix (the numbers are held once)
     */
    public numbers: ArrayLike<number>,
  ) {}

  /** One node per number, as jsonc-parser makes them (built on first use from the text span). */
  get children(): Node[] {
    if (!this.nodes) this.nodes = numberNodes(this.text, this.offset + 1, this.offset + this.length - 1, this.numbers, this);
    return this.nodes;
  }
}

export function isNumberArray(node: Node): node is NumberArrayNode {
  return node instanceof NumberArrayNode;
}

function numberNodes(text: string, from: number, to: number, values: ArrayLike<number>, parent: Node): Node[] {
  const out: Node[] = new Array<Node>(values.length);
  let k = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    const start = i;
    while (i < to && !isDelimiter(text.charCodeAt(i))) i++;
    out[k] = { type: 'number', offset: start, length: i - start, parent, value: values[k] };
    k++;
  }
  return out;
}

function isDelimiter(c: number): boolean {
  return c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Why the fast path gave up (tests only): the caller falls back to jsonc-parser either way. */
class NotStrictJson extends Error {}

/** Nesting deeper than the limit, found while checking a lazy item. */
class Nesting extends Error {
  constructor(readonly offset: number) { super('nesting'); }
}

/**
 * Array items (a layer, a row of a small matrix) up to this many characters are checked when the
 * document is read but get their nodes only when someone reads them: a file of 2·10⁵ small layers
 * is 2·10⁵ LazyNodes, not 5·10⁶ nodes, and the nodes made while reading one layer die young.
 */
const LAZY_MAX_CHARS = 64 * 1024;

/** Materialised children of the most recently read lazy items (stable identity while one is read). */
const recentlyRead = new Map<LazyNode, Node[]>();
const RECENT_MAX = 16;

/** An object or array (strict JSON, already checked) whose children are made on first read. */
export class LazyNode implements Node {
  constructor(private readonly text: string, readonly type: 'object' | 'array', readonly offset: number, readonly length: number, public parent: Node | undefined) {}

  get children(): Node[] {
    const hit = recentlyRead.get(this);
    if (hit) {
      recentlyRead.delete(this);
      recentlyRead.set(this, hit);
      return hit;
    }
    const built = new TreeBuilder(this.text, Infinity, true, this.offset, this.offset + this.length).document().root!;
    const children = built.children ?? [];
    for (const c of children) (c as OpenNode).parent = this;
    if (recentlyRead.size >= RECENT_MAX) recentlyRead.delete(recentlyRead.keys().next().value!);
    recentlyRead.set(this, children);
    return children;
  }
}

/**
 * End of the strict-JSON object or array at `i` (after its closing bracket), or −1 when it does not
 * end before `limit`. Throws NotStrictJson on anything jsonc-parser would report, and Nesting when
 * it nests more than `levels` deep (it is itself level 1). The same grammar as TreeBuilder.
 */
function skipValue(text: string, i: number, limit: number, levels: number): number {
  const closers: number[] = [];
  for (;;) {
    // a value is expected here (keys were read with the ',' or '{' before them)
    while (i < limit && isSpace(text.charCodeAt(i))) i++;
    if (i >= limit) return -1;
    let c = text.charCodeAt(i);
    {
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (closers.length >= levels) throw new Nesting(i);
        closers.push(c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET);
        i++;
        while (i < limit && isSpace(text.charCodeAt(i))) i++;
        if (i >= limit) return -1;
        c = text.charCodeAt(i);
        if (c === closers[closers.length - 1]) { closers.pop(); i++; }
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) throw new NotStrictJson('mismatched bracket');
        else {
          if (closers[closers.length - 1] === CLOSE_BRACE) {
            i = skipKey(text, i, limit);
            if (i < 0) return -1;
          }
          continue;
        }
      } else if (c === QUOTE) {
        i = skipString(text, i, limit);
        if (i < 0) return -1;
      } else if (c === MINUS || (c >= 0x30 && c <= 0x39)) {
        const end = numberEnd(text, i);
        if (end < 0) throw new NotStrictJson('malformed number');
        if (end >= limit) return -1;
        i = end;
      } else {
        const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : c === 0x6e ? 'null' : undefined;
        if (!word || !text.startsWith(word, i)) throw new NotStrictJson('unexpected character');
        i += word.length;
        if (i > limit) return -1;
      }
    }
    // after a value: ',' or closing brackets
    for (;;) {
      if (closers.length === 0) return i;
      while (i < limit && isSpace(text.charCodeAt(i))) i++;
      if (i >= limit) return -1;
      c = text.charCodeAt(i);
      const close = closers[closers.length - 1];
      if (c === COMMA) {
        i++;
        if (close === CLOSE_BRACE) {
          while (i < limit && isSpace(text.charCodeAt(i))) i++;
          i = skipKey(text, i, limit);
          if (i < 0) return -1;
        }
        break;
      }
      if (c !== close) throw new NotStrictJson('expected , or a closing bracket');
      closers.pop();
      i++;
    }
  }
}

/** `"key" :` at i → the offset after the colon; −1 past `limit`. */
function skipKey(text: string, i: number, limit: number): number {
  if (i >= limit) return -1;
  if (text.charCodeAt(i) !== QUOTE) throw new NotStrictJson('expected a property name');
  i = skipString(text, i, limit);
  if (i < 0) return -1;
  while (i < limit && isSpace(text.charCodeAt(i))) i++;
  if (i >= limit) return -1;
  if (text.charCodeAt(i) !== COLON) throw new NotStrictJson('expected :');
  return i + 1;
}

const ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]); // " \\ / b f n r t

/** The string at i (its opening quote) → offset after its closing quote; −1 past `limit`. */
function skipString(text: string, i: number, limit: number): number {
  for (i++; ; i++) {
    if (i >= limit) return -1;
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c < 0x20) throw new NotStrictJson('control character in a string');
    if (c === BACKSLASH) {
      const e = text.charCodeAt(i + 1);
      if (e === 0x75 /* u */) {
        if (!/^[0-9a-fA-F]{4}$/.test(text.substr(i + 2, 4))) throw new NotStrictJson('bad escape');
        i += 5;
      } else if (ESCAPES.has(e)) i++;
      else throw new NotStrictJson('bad escape');
    }
  }
}

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a, MINUS = 0x2d;
const OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d;

/** An array shorter than this is parsed node by node (JSON.parse of a slice has a fixed cost). */
const PACK_MIN_CHARS = 16;

/** A node being built (jsonc-parser's Node is read-only) */
type OpenNode = { -readonly [K in keyof Node]: Node[K] } & { children: Node[] };
type Container = { node: OpenNode; property?: OpenNode };

export interface JsonTreeResult {
  /** the document's root node (as jsonc-parser's parseTree returns it) */
  readonly root?: Node;
  /** offset of the bracket where nesting first exceeds the limit (then there is no root) */
  readonly nesting?: number;
}

/**
 * The tree of a strict JSON text, or undefined when the text is not strict JSON (the caller then
 * runs jsonc-parser for located errors). `maxNesting` bounds arrays and objects inside each other.
 */
export function parseJsonTree(text: string, maxNesting: number): JsonTreeResult | undefined {
  try {
    return new TreeBuilder(text, maxNesting).document();
  } catch (e) {
    if (e instanceof Nesting) return { nesting: e.offset };
    if (e instanceof NotStrictJson) return undefined;
    throw e;
  }
}

class TreeBuilder {
  private pos = 0;

  constructor(private readonly text: string, private readonly maxNesting: number, private readonly lazy = true, start = 0, private readonly end = text.length) {
    this.pos = start;
  }

  document(): JsonTreeResult {
    const text = this.text;
    this.skipSpace();
    if (this.pos >= text.length) throw new NotStrictJson('empty');
    const stack: Container[] = [];
    let root: Node | undefined;
    for (;;) {
      // ── read one value (containers push and continue with their first member) ──
      this.skipSpace();
      const c = text.charCodeAt(this.pos);
      const parent = stack.length ? stack[stack.length - 1] : undefined;
      const parentNode = parent ? parent.property ?? parent.node : undefined;
      let value: Node | undefined;
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (stack.length >= this.maxNesting) return { nesting: this.pos };
        if (c === OPEN_BRACKET) value = this.numberArray(parentNode);
        // an array's small items (layers, rows): checked now, their nodes made when read
        if (!value && this.lazy && parent && !parent.property) value = this.lazyItem(parentNode!, stack.length);
        if (!value) {
          const node = { type: c === OPEN_BRACE ? 'object' : 'array', offset: this.pos, length: -1, parent: parentNode, children: [] as Node[] } as OpenNode;
          if (parent) this.attach(parent, node);
          else root = node;
          this.pos++;
          stack.push({ node });
          this.skipSpace();
          const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
          if (text.charCodeAt(this.pos) === close) {
            this.pos++;
            node.length = this.pos - node.offset;
            stack.pop();
            value = node;
            if (!this.afterValue(stack, value)) break;
            continue;
          }
          if (c === OPEN_BRACE) this.key(stack[stack.length - 1]);
          continue;
        }
      } else {
        value = this.literal(c, parentNode);
      }
      if (parent) this.attach(parent, value);
      else root = value;
      if (!this.afterValue(stack, value)) break;
    }
    if (this.end === text.length) this.skipSpace();
    if (this.pos !== this.end) throw new NotStrictJson('text after the document');
    if (root) delete (root as OpenNode).parent;
    return { root };
  }

  /**
   * `{` or `[` at pos, an item of an array: when the value ends within LAZY_MAX_CHARS and is strict
   * JSON nested within the limit, a LazyNode for it (pos after it); undefined (pos unchanged) when
   * it is longer. A nesting violation inside it throws Nesting with its offset.
   */
  private lazyItem(parent: Node, depth: number): Node | undefined {
    const start = this.pos;
    const end = skipValue(this.text, start, Math.min(this.text.length, start + LAZY_MAX_CHARS), this.maxNesting - depth);
    if (end < 0) return undefined;
    this.pos = end;
    return new LazyNode(this.text, this.text.charCodeAt(start) === OPEN_BRACE ? 'object' : 'array', start, end - start, parent);
  }

  /**
   * After a value: close its property, then read ',' (next member) or the closing bracket(s).
   * Returns false when the document's root value is complete.
   */
  private afterValue(stack: Container[], value: Node): boolean {
    const text = this.text;
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) return false;
      if (top.property) {
        top.property.length = value.offset + value.length - top.property.offset;
        top.property = undefined;
      }
      this.skipSpace();
      const c = text.charCodeAt(this.pos);
      const isObject = top.node.type === 'object';
      if (c === COMMA) {
        this.pos++;
        if (isObject) { this.skipSpace(); this.key(top); }
        return true;
      }
      if (c !== (isObject ? CLOSE_BRACE : CLOSE_BRACKET)) throw new NotStrictJson('expected , or a closing bracket');
      this.pos++;
      top.node.length = this.pos - top.node.offset;
      stack.pop();
      if (!isObject) consolidateRows(top.node.children);
      value = top.node;
    }
  }

  private attach(parent: Container, node: Node): void {
    if (parent.property) parent.property.children.push(node);
    else parent.node.children.push(node);
  }

  /** "key" : — opens a property node on `top` (the value follows). */
  private key(top: Container): void {
    const text = this.text;
    if (text.charCodeAt(this.pos) !== QUOTE) throw new NotStrictJson('expected a property name');
    const property = { type: 'property', offset: this.pos, length: -1, parent: top.node, children: [] as Node[] } as OpenNode;
    const keyNode = this.string(property);
    property.children.push(keyNode);
    top.node.children.push(property);
    this.skipSpace();
    if (text.charCodeAt(this.pos) !== COLON) throw new NotStrictJson('expected :');
    property.colonOffset = this.pos;
    this.pos++;
    top.property = property;
  }

  private literal(c: number, parent: Node | undefined): Node {
    const text = this.text;
    const start = this.pos;
    if (c === QUOTE) return this.string(parent);
    if (c === MINUS || (c >= 0x30 && c <= 0x39)) {
      const end = numberEnd(text, start);
      if (end < 0) throw new NotStrictJson('malformed number');
      this.pos = end;
      return { type: 'number', offset: start, length: end - start, parent, value: Number(text.slice(start, end)) };
    }
    for (const [word, type, value] of KEYWORDS) {
      if (text.startsWith(word, start)) {
        this.pos = start + word.length;
        return { type, offset: start, length: word.length, parent, value };
      }
    }
    throw new NotStrictJson('unexpected character');
  }

  private string(parent: Node | undefined): Node {
    const text = this.text;
    const start = this.pos;
    let i = start + 1;
    let plain = true;
    for (;;) {
      if (i >= text.length) throw new NotStrictJson('unterminated string');
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) { plain = false; i += 2; continue; }
      if (c < 0x20) throw new NotStrictJson('control character in a string');
      i++;
    }
    this.pos = i + 1;
    let value: string;
    if (plain) value = text.slice(start + 1, i);
    else {
      try {
        value = JSON.parse(text.slice(start, i + 1)) as string;
      } catch {
        throw new NotStrictJson('bad escape');
      }
    }
    return { type: 'string', offset: start, length: this.pos - start, parent, value };
  }

  /**
   * `[` at pos starting an array of numbers only: its values through JSON.parse of its slice, as
   * one NumberArrayNode. Undefined (pos unchanged) when the array holds anything else.
   */
  private numberArray(parent: Node | undefined): Node | undefined {
    const text = this.text;
    const start = this.pos;
    let i = start + 1;
    while (isSpace(text.charCodeAt(i))) i++;
    const first = text.charCodeAt(i);
    if (!(first === MINUS || (first >= 0x30 && first <= 0x39))) return undefined;
    // numbers hold no brackets: the first ']' ends the array if it holds only numbers
    const end = text.indexOf(']', i);
    if (end < 0 || end - start < PACK_MIN_CHARS) return undefined;
    let items: unknown;
    try {
      items = JSON.parse(text.slice(start, end + 1));
    } catch {
      return undefined; // a nested array or object (or a syntax error): node by node
    }
    const list = items as unknown[];
    for (let k = 0; k < list.length; k++) if (typeof list[k] !== 'number') return undefined;
    this.pos = end + 1;
    const node = new NumberArrayNode(text, start, end + 1 - start, list as number[]);
    node.parent = parent;
    return node;
  }

  private skipSpace(): void {
    const text = this.text;
    let i = this.pos;
    while (isSpace(text.charCodeAt(i))) i++;
    this.pos = i;
  }
}

/**
 * An array whose items are number arrays of one length (a matrix written as rows): their numbers
 * move into one Float64Array, row after row, and each row keeps a view of its part. So a matrix is
 * held once, as the matrix JsonReader returns (no copy there), and the per-row arrays JSON.parse made
 * die young, one layer at a time: parsing needs about the file's size plus the weights as float64.
 */
function consolidateRows(items: readonly Node[]): void {
  const rows = items.length;
  if (rows === 0 || !(items[0] instanceof NumberArrayNode)) return;
  const cols = items[0].numbers.length;
  for (const it of items) if (!(it instanceof NumberArrayNode) || it.numbers.length !== cols || it.numbers instanceof Float64Array) return;
  const data = sharedFloat64(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = items[i] as NumberArrayNode;
    const from = row.numbers, base = i * cols;
    for (let j = 0; j < cols; j++) data[base + j] = from[j];
    row.numbers = data.subarray(base, base + cols);
  }
}

/** The one Float64Array behind rows consolidated by consolidateRows, if `rows` are exactly those. */
export function consolidatedMatrix(rows: readonly Node[]): Float64Array | undefined {
  const first = rows[0];
  if (!(first instanceof NumberArrayNode) || !(first.numbers instanceof Float64Array)) return undefined;
  const data = first.numbers;
  const cols = data.length, total = rows.length * cols;
  if (data.byteOffset !== 0 || data.buffer.byteLength !== total * 8) return undefined;
  for (let i = 1; i < rows.length; i++) {
    const r = rows[i];
    if (!(r instanceof NumberArrayNode) || !(r.numbers instanceof Float64Array) || r.numbers.buffer !== data.buffer || r.numbers.byteOffset !== i * cols * 8 || r.numbers.length !== cols) return undefined;
  }
  return new Float64Array(data.buffer, 0, total);
}

const KEYWORDS: readonly [string, 'boolean' | 'null', boolean | null][] = [['true', 'boolean', true], ['false', 'boolean', false], ['null', 'null', null]];

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

/** End of the JSON number starting at `i` (RFC 8259 grammar), or −1 when it is malformed. */
function numberEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === MINUS) i++;
  let c = text.charCodeAt(i);
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) { do i++; while (isDigit(text.charCodeAt(i))); }
  else return -1;
  c = text.charCodeAt(i);
  if (c === 0x2e) {
    i++;
    if (!isDigit(text.charCodeAt(i))) return -1;
    do i++; while (isDigit(text.charCodeAt(i)));
    c = text.charCodeAt(i);
  }
  if (c === 0x65 || c === 0x45) {
    i++;
    c = text.charCodeAt(i);
    if (c === 0x2b || c === MINUS) i++;
    if (!isDigit(text.charCodeAt(i))) return -1;
    do i++; while (isDigit(text.charCodeAt(i)));
  }
  // "01", "1.5.2", "1x": the token continues where a number cannot
  c = text.charCodeAt(i);
  if (isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2b || c === MINUS) return -1;
  return i;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
