/**
 * Rng.fillPolarPairs (the Monte Carlo's hot loop, generator state in locals) against the plain
 * polar Box–Muller of degeneracy/simulate.ts over nextUint32: the same numbers bit for bit, and the
 * generator left in the same state (so every later draw of a trial is unchanged).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng';
import { fillGaussianPairsReference } from '../../src/core/degeneracy/simulate';

test('fillPolarPairs = the plain polar method over nextUint32, bit for bit, state included (odd and even counts)', () => {
  for (let seed = 0; seed < 50; seed++) {
    const a = Rng.derive(12345, seed), b = Rng.derive(12345, seed);
    for (const count of [1, 2, 3, 255, 512]) {
      const x = new Float64Array(count), y = new Float64Array(count);
      a.fillPolarPairs(x, count);
      fillGaussianPairsReference(b, y, count);
      for (let i = 0; i < count; i++) assert.ok(Object.is(x[i], y[i]), `seed ${seed}, count ${count}, index ${i}: ${x[i]} vs ${y[i]}`);
    }
    assert.equal(a.nextUint32(), b.nextUint32());
  }
});
