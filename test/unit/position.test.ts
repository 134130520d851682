/**
 * positionMapper (sparse checkpoints every 64 KB) against offsetToPosition (a full line index, the
 * plain definition): equal on texts of 0–200 KB with "\n", "\r\n" and lone "\r" breaks placed
 * anywhere, across block boundaries included (fast-check, seeded).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { offsetToPosition, positionMapper } from '../../src/core/network/position';

test('positionMapper = offsetToPosition at every probed offset (fast-check, 60 texts)', () => {
  const piece = fc.constantFrom('\n', '\r\n', '\r', 'a', 'bcd', ' '.repeat(1000), 'x'.repeat(30_000));
  fc.assert(fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 50 }), (parts, probes) => {
    const text = parts.join('');
    const at = positionMapper(text);
    const offsets = [0, text.length, 65535, 65536, 65537, 131072, ...probes.map((p) => p % (text.length + 1))];
    for (const o of offsets) assert.deepEqual(at(o), offsetToPosition(text, o), `offset ${o}`);
  }), { numRuns: 60, seed: 4242 });
});

test('a CRLF split by the 64 KB boundary is one line break', () => {
  const text = 'a'.repeat(65535) + '\r\n' + 'b';
  const at = positionMapper(text);
  assert.deepEqual(at(65536), { line: 0, character: 65536 });
  assert.deepEqual(at(65537), { line: 1, character: 0 });
});
