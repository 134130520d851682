import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packForTransfer } from '../../src/worker/transfer';

test('a reply with 1000 typed arrays crosses as one buffer per array type, values intact', () => {
  const regions = Array.from({ length: 1000 }, (_, i) => ({ id: i, vertices: Float64Array.from([i, i + 0.5, -i]), pattern: Uint32Array.from([i, 7]) }));
  const reply = { count: 1000, regions, names: ['a', 'b'] };
  const { value, transfer } = packForTransfer(reply);
  assert.equal(transfer.length, 2); // one Float64 buffer, one Uint32 buffer (VS Code drops buffers past ~250 per message)
  assert.equal(value.regions.length, 1000);
  assert.deepEqual(Array.from(value.regions[999].vertices), [999, 999.5, -999]);
  assert.deepEqual(Array.from(value.regions[3].pattern), [3, 7]);
  assert.equal(value.regions[0].vertices.buffer, value.regions[999].vertices.buffer);
  assert.deepEqual(value.names, ['a', 'b']);
});

test('packing never mutates what the handler returned (it may point into a cached network)', () => {
  const cached = { x: Float64Array.from([1, 2, 3]) };
  const reply = { probe: cached, again: cached.x };
  const { value } = packForTransfer(reply);
  assert.notEqual(value.probe, cached);
  assert.equal(reply.probe.x, cached.x); // untouched
  assert.equal(cached.x.buffer.byteLength, 24); // not the packed buffer
  assert.equal(value.probe.x, value.again); // the same array twice stays one view
});

test('a reply without typed arrays is passed as it is', () => {
  const reply = { a: [1, 2], b: { c: 'd' } };
  const { value, transfer } = packForTransfer(reply);
  assert.equal(value, reply);
  assert.equal(transfer.length, 0);
});
