/**
 * The widths line of the summary (CodeLens, overview, check): runs written "w (×count)", random
 * groups of varying widths walked layer by layer, families summarised without a per-layer list.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseNetworkText } from '../../src/core/network/parse';
import { summarizeNetwork, widthRuns } from '../../src/core/summary/overview';
import { FORMAT } from './network-helpers';

function summary(layers: unknown[], dim = 2) {
  const r = parseNetworkText(JSON.stringify({ format: FORMAT, input: { dim }, layers }));
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  return { net: r.network!, s: summarizeNetwork(r.network!) };
}

test('random groups with varying widths list every width (5, 3, 5 is not "5×3")', () => {
  const { s } = summary([{ type: 'random', widths: [5, 3, 5], weights: { distribution: 'he-normal' }, seed: 1, activation: 'relu' }]);
  assert.equal(s.widthsText, '2, 5, 3, 5');
  const same = summary([{ type: 'random', widths: [4, 4, 4, 1], weights: { distribution: 'he-normal' }, seed: 1, activation: 'relu' }]).s;
  assert.equal(same.widthsText, '2, 4 (×3), 1');
});

test('runs are merged across groups and written "w (×count)"', () => {
  const { s } = summary([
    { type: 'family', count: 100_000, weights: { identity: 1 }, activation: 'relu' },
    { type: 'dense', weights: [[1, 0], [0, 1]], activation: 'relu' },
    { type: 'dense', weights: [[1, 1]], activation: 'linear' },
  ]);
  // input 2, then 100 000 + 1 layers of width 2, then 1
  assert.equal(s.widthsText, '2 (×100002), 1');
});

test('a 10⁷-layer family is one run: no list as long as the network', () => {
  const { net } = summary([{ type: 'family', count: 10_000_000, weights: { identity: 1 }, activation: 'relu' }]);
  const before = process.memoryUsage().heapUsed;
  const runs = widthRuns(net);
  assert.deepEqual(runs, [{ width: 2, count: 10_000_001 }]);
  // the old code built a 10⁷-entry array first (80 MB and more)
  assert.ok(process.memoryUsage().heapUsed - before < 4e6);
  assert.equal(summarizeNetwork(net).widthsText, '2 (×10000001)');
});
