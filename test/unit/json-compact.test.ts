/**
 * Whitespace squeezed before jsonc-parser (src/core/network/compact.ts): on any text, the errors and
 * the tree parseNetworkText's fallback gets are jsonc-parser's own on the original text, offsets
 * included (fast-check against parseTree itself); and a long run costs no per-character tokens.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import { compactWhitespace } from '../../src/core/network/compact';

const OPTIONS = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

function plain(node: Node | undefined, map: (o: number) => number = (o) => o): unknown {
  if (!node) return undefined;
  const offset = map(node.offset);
  return {
    type: node.type, offset, length: map(node.offset + node.length) - offset, value: node.value,
    colonOffset: node.colonOffset === undefined ? undefined : map(node.colonOffset),
    children: node.children?.map((c) => plain(c, map)),
  };
}

const pieces = fc.constantFrom('{', '}', '[', ']', ',', ':', '"a"', '"', '1', '-2.5e3', 'true', 'null', 'x', '//c', '/*', '*/', '\\', ' '.repeat(70), '\t'.repeat(65) + '\n', '\r\n' + ' '.repeat(80), ' ', '\n', '"' + ' '.repeat(90) + '"');

test('squeezed whitespace: jsonc-parser errors and nodes map back to its result on the original (fast-check, 3000 texts)', () => {
  fc.assert(fc.property(fc.array(pieces, { maxLength: 30 }), (list) => {
    const text = list.join('');
    const compact = compactWhitespace(text);
    const refErrors: ParseError[] = [];
    const ref = parseTree(text, refErrors, OPTIONS);
    if (!compact) return;
    const errors: ParseError[] = [];
    const root = parseTree(compact.text, errors, OPTIONS);
    const map = compact.original;
    assert.deepEqual(errors.map((e) => [e.error, map(e.offset), map(e.offset + e.length) - map(e.offset)]), refErrors.map((e) => [e.error, e.offset, e.length]));
    assert.deepEqual(plain(root, map), plain(ref));
  }), { numRuns: 3000, seed: 1717 });
});

test('a 6·10⁵-character run of blanks becomes one character', () => {
  const text = '{"a":' + ' \n\t\r'.repeat(150_000) + '1,}';
  const compact = compactWhitespace(text)!;
  assert.equal(compact.text, '{"a":\n1,}');
  assert.equal(compact.original(6), text.length - 3);
});
