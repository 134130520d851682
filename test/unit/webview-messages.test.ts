/**
 * Webview messages at the host boundary (src/host/panels/messages.ts, issue 17 item 8): the protocol's
 * messages pass unchanged; unknown kinds, wrong shapes and out-of-range numbers are refused with a
 * reason (the panels log it and drop the message), and no input makes the check throw (fast-check).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkWebviewMessage, MAX_LINE } from '../../src/host/panels/messages';

test('the protocol\'s messages pass as they are', () => {
  const good: unknown[] = [
    { type: 'ready' }, { type: 'createNetworkFile' }, { type: 'cancel', id: 3 },
    { type: 'request', id: 1, analysis: 'overview', params: { norm: '2' } },
    { type: 'request', id: 2, analysis: 'activations', params: { x: [0.5, -1], probe: 'a' } },
    { type: 'revealLine', line: 0 }, { type: 'revealLine', line: 41 },
    { type: 'openDoc', document: 'math', anchor: 'A' }, { type: 'openPanel', panel: 'convergence' },
    { type: 'export', fileName: 'plot.csv', mime: 'text/csv', data: 'a,b\n1,2\n' },
  ];
  for (const m of good) assert.deepEqual(checkWebviewMessage(m), { ok: true, message: m });
});

test('unknown kinds, wrong shapes and out-of-range numbers are refused with the reason', () => {
  const bad: [unknown, string][] = [
    [null, 'not a message object (null)'], [[1], 'not a message object (an array)'], ['ready', 'not a message object (string)'],
    [{ type: 'constructor' }, 'unknown message type "constructor"'], [{ type: '__proto__' }, 'unknown message type "__proto__"'],
    [{}, 'unknown message type "undefined"'],
    [{ type: 'request', id: 1, analysis: 'constructor', params: {} }, 'request for unknown analysis "constructor"'],
    [{ type: 'request', id: 1, analysis: 'toString', params: {} }, 'request for unknown analysis "toString"'],
    [{ type: 'request', id: -1, analysis: 'overview', params: {} }, 'request without a valid id'],
    [{ type: 'request', id: 1.5, analysis: 'overview', params: {} }, 'request without a valid id'],
    [{ type: 'request', id: 1, analysis: 'overview', params: null }, 'overview request: params must be an object'],
    [{ type: 'request', id: 1, analysis: 'activations', params: { x: [NaN, 1] } }, 'activations request: params hold the number NaN'],
    [{ type: 'request', id: 1, analysis: 'activations', params: { x: [1, -Infinity] } }, 'activations request: params hold the number -Infinity'],
    [{ type: 'revealLine', line: -1 }, 'revealLine with line -1'], [{ type: 'revealLine', line: NaN }, 'revealLine with line NaN'],
    [{ type: 'revealLine', line: 1e12 }, 'revealLine with line 1000000000000'], [{ type: 'revealLine', line: MAX_LINE + 1 }, `revealLine with line ${MAX_LINE + 1}`],
    [{ type: 'revealLine', line: 2.5 }, 'revealLine with line 2.5'], [{ type: 'revealLine', line: '3' }, 'revealLine with line string'],
    [{ type: 'openDoc', document: 'constructor', anchor: 'x' }, 'openDoc for an unknown document'],
    [{ type: 'openPanel', panel: 'hasOwnProperty' }, 'openPanel for an unknown panel'],
    [{ type: 'export', fileName: '../../.bashrc', mime: 'text/csv', data: '' }, 'export with an invalid file name'],
    [{ type: 'export', fileName: 'a.html', mime: 'text/html', data: '' }, 'export with an unknown type'],
    [{ type: 'cancel', id: '1' }, 'cancel without a valid id'],
  ];
  for (const [m, reason] of bad) assert.deepEqual(checkWebviewMessage(m), { ok: false, reason }, JSON.stringify(m));
  // a type inherited from the prototype is not the message's own
  assert.equal(checkWebviewMessage(Object.create({ type: 'ready' })).ok, false);
  // params nested without bound are refused, not walked forever
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = { a: deep };
  assert.deepEqual(checkWebviewMessage({ type: 'request', id: 1, analysis: 'overview', params: deep }), { ok: false, reason: 'overview request: params nest deeper than 16 levels' });
});

test('no message makes the check throw, and what passes is well-formed (fast-check, 5000 values)', () => {
  const kinds = fc.constantFrom('ready', 'request', 'cancel', 'export', 'revealLine', 'openDoc', 'openPanel', 'createNetworkFile', 'constructor', '__proto__', 'x');
  const message = fc.oneof(
    fc.anything(),
    fc.record({ type: kinds, id: fc.oneof(fc.integer(), fc.double(), fc.string()), analysis: fc.oneof(fc.constantFrom('overview', 'regions', 'valueOf'), fc.string()),
      params: fc.oneof(fc.object(), fc.anything()), line: fc.oneof(fc.double(), fc.integer(), fc.anything()), document: fc.string(), anchor: fc.string(), panel: fc.string() }, { requiredKeys: ['type'] }),
  );
  fc.assert(fc.property(message, (m) => {
    const r = checkWebviewMessage(m);
    if (r.ok && r.message.type === 'revealLine') assert.ok(Number.isSafeInteger(r.message.line) && r.message.line >= 0);
    if (r.ok && r.message.type === 'request') assert.ok(typeof r.message.params === 'object' && r.message.params !== null);
  }), { numRuns: 5000, seed: 1708 });
});
