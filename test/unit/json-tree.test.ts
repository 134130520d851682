/**
 * The fast JSON tree (src/core/network/jsonTree.ts) against jsonc-parser's parseTree, the reference it
 * replaces: on every strict JSON text both give the same nodes (types, offsets, lengths, values,
 * colonOffset, parents), packed number arrays included once their nodes are made; on every text
 * jsonc-parser finds an error in, the fast path gives up (so the located jsonc-parser errors are reported).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import { isNumberArray, parseJsonTree } from '../../src/core/network/jsonTree';
import { parseNetworkText } from '../../src/core/network/parse';
import { JsonReader } from '../../src/core/network/json';
import { DiagnosticSink } from '../../src/core/network/diagnostics';

const JSON_OPTIONS = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

/** A plain copy of a tree (children made), with each node's parent given as its offset and type. */
function plain(node: Node | undefined): unknown {
  if (!node) return undefined;
  return {
    type: node.type, offset: node.offset, length: node.length, value: node.value, colonOffset: node.colonOffset,
    parent: node.parent ? `${node.parent.type}@${node.parent.offset}` : undefined,
    children: node.children?.map(plain),
  };
}

function reference(text: string): { root?: Node; errors: ParseError[] } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, JSON_OPTIONS);
  return { root, errors };
}

/** JSON texts: any JSON value, printed compact or indented, and arrays of doubles (the packed path). */
const doubles = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 0, maxLength: 40 });
const documents = fc.oneof(
  fc.tuple(fc.jsonValue(), fc.constantFrom(undefined, 1, 2, '\t', ' \r\n ')).map(([v, indent]) => JSON.stringify(v, null, indent as never)),
  fc.tuple(fc.array(doubles, { maxLength: 6 }), fc.constantFrom(undefined, 2)).map(([rows, indent]) => JSON.stringify({ weights: rows, bias: rows[0] ?? [] }, null, indent)),
);

test('fast tree = jsonc-parser parseTree on strict JSON (fast-check, 3000 documents)', () => {
  fc.assert(fc.property(documents, (text) => {
    const fast = parseJsonTree(text, 1000);
    const ref = reference(text);
    assert.equal(ref.errors.length, 0);
    assert.ok(fast, 'strict JSON must take the fast path');
    assert.deepEqual(plain(fast.root), plain(ref.root));
  }), { numRuns: 3000, seed: 16 });
});

test('texts with a change: the fast path either agrees with an error-free jsonc-parser or gives up (fast-check, 5000 texts)', () => {
  const edits = fc.tuple(documents, fc.nat(), fc.constantFrom('', ',', ']', '}', '[', '{', '"', ':', '1', '-', '.', 'e', ' ', '//', '\u00a0', '\ufeff', 'x', '\\', '\u0001', 'NaN', 'true'), fc.nat({ max: 3 }));
  fc.assert(fc.property(edits, ([text, at, insert, remove]) => {
    const i = text.length ? at % (text.length + 1) : 0;
    const changed = text.slice(0, i) + insert + text.slice(i + remove);
    const fast = parseJsonTree(changed, 1000);
    const ref = reference(changed);
    if (ref.errors.length > 0) assert.equal(fast, undefined, `fast path accepted ${JSON.stringify(changed)}`);
    else if (fast) assert.deepEqual(plain(fast.root), plain(ref.root));
  }), { numRuns: 5000, seed: 17 });
});

test('numbers of a packed array are the ones jsonc-parser reads, extremes included', () => {
  const numbers = ['0', '-0', '1e-400', '4.9e-324', '2.2250738585072014e-308', '1.7976931348623157e308', '1e309', '-1e999', '0.1', '123456789012345678901234567890', '9007199254740993', '1.00000000000000011102230246251565404236316680908203125'];
  const text = `[${numbers.join(', ')}]`;
  const fast = parseJsonTree(text, 10)!;
  assert.ok(isNumberArray(fast.root!));
  assert.deepEqual(plain(fast.root), plain(reference(text).root));
  assert.ok(Object.is(fast.root!.children![1].value, -0));
  assert.equal(fast.root!.children![6].value, Infinity);
});

test('nesting deeper than the limit is found where it happens, without recursion', () => {
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  assert.deepEqual(parseJsonTree(deep, 1000), { nesting: 1000 });
  assert.deepEqual(parseJsonTree('{"a":[[1]]}', 3), { root: parseJsonTree('{"a":[[1]]}', 3)!.root });
  assert.deepEqual(parseJsonTree('{"a":[[1]]}', 2), { nesting: 6 });
  const r = parseNetworkText(`{"format": "depth-lens/network@1", "x": ${'['.repeat(1001)}${']'.repeat(1001)}}`);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.offset]), [['size-limit', 40 + 999]]);
});

test('whitespace-padded documents parse in linear time (10 MB of blanks and newlines)', () => {
  const doc = { format: 'depth-lens/network@1', input: { dim: 2 }, layers: [{ type: 'dense', weights: [[1, 0], [0, 1]], bias: [0, 0], activation: 'relu' }] };
  const pad = ' \n\t\r'.repeat(2_500_000);
  const text = JSON.stringify(doc).replace(/,/g, `,${pad}`);
  const r = parseNetworkText(text);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.network?.depth, 1);
});

test('a bad entry of a packed array is located exactly (its number nodes are made on demand)', () => {
  const row = Array.from({ length: 20 }, (_, j) => (j === 13 ? '1e999' : String(j / 7))).join(', ');
  const text = `{"format": "depth-lens/network@1", "input": {"dim": 20}, "layers": [{"type": "dense", "weights": [[${row}]], "bias": [0], "activation": "relu"}]}`;
  const r = parseNetworkText(text);
  assert.equal(r.network, undefined);
  const d = r.diagnostics.find((x) => x.code === 'non-finite-number')!;
  assert.equal(text.slice(d.offset, d.offset + d.length), '1e999');
  assert.equal(d.message, 'layer 1 weights row 1, column 14 is 1e999, which overflows float64 to Infinity; use a finite number');
});

test('a parsed matrix shares its numbers with the packed rows (the weights are held once)', () => {
  const rows = Array.from({ length: 3 }, (_, i) => Array.from({ length: 8 }, (_, j) => i + j / 8));
  const text = JSON.stringify(rows);
  const root = parseJsonTree(text, 10)!.root!;
  const m = new JsonReader(text, new DiagnosticSink()).matrix(root, 'weights')!;
  assert.deepEqual(Array.from(m.data), rows.flat());
  root.children!.forEach((row, i) => {
    assert.ok(isNumberArray(row));
    assert.ok(row.numbers instanceof Float64Array);
    assert.equal(row.numbers.buffer, m.data.buffer);
    assert.equal(row.numbers.byteOffset, i * 8 * 8);
  });
});
