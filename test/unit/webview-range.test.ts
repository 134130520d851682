// Axis ranges near the top of float64 (webview/common/range.ts): uPlot's own widen to ∞ and the plot
// of a hostile file's ‖W − I‖ = 1e308 drew nothing (seen in test/ui/hostile.ui.test.ts's screenshot).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeRange } from '../../webview/common/range';

test('log axis: powers of ten around the data, capped at Number.MAX_VALUE', () => {
  assert.deepEqual(safeRange(0.02, 300, true), [0.01, 1000]);
  // no decade above 1e308: the one below it
  assert.deepEqual(safeRange(1e308, 1e308, true), [1e307, 1e308]);
  assert.deepEqual(safeRange(3e-5, 1.5e308, true), [1e-5, Number.MAX_VALUE]);
  // a single power of ten still spans a decade
  assert.deepEqual(safeRange(100, 100, true), [100, 1000]);
});

test('linear axis: a tenth of padding when it fits, the data\'s own ends when it would overflow', () => {
  assert.deepEqual(safeRange(0, 10, false), [-1, 11]);
  assert.deepEqual(safeRange(-1e308, 1e308, false), [-1e308, 1e308]);
  assert.deepEqual(safeRange(1.7e308, 1.7e308, false), [1.7e308 - 1.7e307, Number.MAX_VALUE]);
  assert.deepEqual(safeRange(5, 5, false), [4.5, 5.5]);
});

test('no data or non-finite ends: a unit range, never NaN', () => {
  assert.deepEqual(safeRange(null, null, true), [1, 10]);
  assert.deepEqual(safeRange(null, 3, false), [0, 1]);
  assert.deepEqual(safeRange(1, Infinity, false), [0, 1]);
});
