/**
 * The heatmap's view arithmetic (webview/common/heatmapView.ts): zoom windows from a dragged
 * rectangle and from the wheel, index ticks (1-based, round steps), colour-bar labels and the canvas
 * size for the width the panel gives (issue 15: heatmaps that scale, with indices, a colour bar and zoom).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canvasSize, clampWindow, colorbarStops, fullWindow, indexStep, indexTicks, panWindow, tickBudget, widthChanged, windowText, zoomAbout, zoomToFractions,
} from '../../webview/common/heatmapView';

test('clampWindow keeps at least one index inside the axis', () => {
  assert.deepEqual(clampWindow({ start: -3, end: 2 }, 10), { start: 0, end: 5 });
  assert.deepEqual(clampWindow({ start: 8, end: 14 }, 10), { start: 4, end: 10 });
  assert.deepEqual(clampWindow({ start: 4, end: 4 }, 10), { start: 4, end: 5 });
  assert.deepEqual(clampWindow({ start: 0, end: 50 }, 10), { start: 0, end: 10 });
  assert.deepEqual(clampWindow({ start: 2, end: 3 }, 0), { start: 0, end: 0 });
});

test('a dragged rectangle selects every cell it touches', () => {
  const all = fullWindow(10);
  // cells are 0.1 wide: 0.15–0.42 touches cells 1, 2, 3, 4 (0-based)
  assert.deepEqual(zoomToFractions(all, 0.15, 0.42, 10), { start: 1, end: 5 });
  // either drag direction
  assert.deepEqual(zoomToFractions(all, 0.42, 0.15, 10), { start: 1, end: 5 });
  // ending exactly on a border does not take the next cell
  assert.deepEqual(zoomToFractions(all, 0, 0.5, 10), { start: 0, end: 5 });
  // beyond the canvas: clamped
  assert.deepEqual(zoomToFractions(all, -0.3, 1.7, 10), { start: 0, end: 10 });
  // inside a zoomed window: fractions of that window
  assert.deepEqual(zoomToFractions({ start: 20, end: 30 }, 0.5, 1, 100), { start: 25, end: 30 });
  // a 2×2 matrix, the top-left quarter: one cell
  assert.deepEqual(zoomToFractions(fullWindow(2), 0.05, 0.45, 2), { start: 0, end: 1 });
  // a sliver inside one cell is still that cell
  assert.deepEqual(zoomToFractions(all, 0.31, 0.32, 10), { start: 3, end: 4 });
});

test('the wheel zooms about the pointer and always moves', () => {
  // in by 0.8 about the middle of 100: 80 long, centred
  assert.deepEqual(zoomAbout(fullWindow(100), 0.5, 0.8, 100), { start: 10, end: 90 });
  // about the left edge: the left edge stays
  assert.deepEqual(zoomAbout(fullWindow(100), 0, 0.8, 100), { start: 0, end: 80 });
  // out again: never beyond the axis
  assert.deepEqual(zoomAbout({ start: 10, end: 90 }, 0.5, 1.25, 100), { start: 0, end: 100 });
  // 10 × 1.25 = 12.5 rounds to 13; the right edge stays under the pointer
  assert.deepEqual(zoomAbout({ start: 90, end: 100 }, 1, 1.25, 100), { start: 87, end: 100 });
  // 2 × 0.8 rounds back to 2: one step anyway, and never below one index
  assert.deepEqual(zoomAbout(fullWindow(2), 0.9, 0.8, 2), { start: 1, end: 2 });
  assert.deepEqual(zoomAbout({ start: 1, end: 2 }, 0.5, 0.8, 2), { start: 1, end: 2 });
  // the whole axis zoomed out stays whole
  assert.deepEqual(zoomAbout(fullWindow(7), 0.3, 1.25, 7), { start: 0, end: 7 });
});

test('index ticks are 1-based round steps at cell centres, and say where a window starts', () => {
  assert.equal(indexStep(8, 10), 1);
  assert.equal(indexStep(64, 10), 10);
  assert.equal(indexStep(64, 8), 10);
  assert.equal(indexStep(100, 10), 10);
  assert.equal(indexStep(101, 10), 20);
  assert.equal(indexStep(1000, 6), 200);
  const two = indexTicks(fullWindow(2), 10);
  assert.deepEqual(two, [{ index: 0, label: '1', at: 0.25 }, { index: 1, label: '2', at: 0.75 }]);
  const t64 = indexTicks(fullWindow(64), 8);
  assert.deepEqual(t64.map((t) => t.label), ['1', '10', '20', '30', '40', '50', '60']);
  assert.equal(t64[1].at, 9.5 / 64);
  // a zoomed window: rows 21–41, step 5 (21 / 6 = 3.5 → 5); 21 is far from 25, so it is labelled too
  assert.deepEqual(indexTicks({ start: 20, end: 41 }, 6).map((t) => t.label), ['21', '25', '30', '35', '40']);
  // rows 23–41: 23 is near 25, which says enough
  assert.deepEqual(indexTicks({ start: 22, end: 41 }, 6).map((t) => t.label), ['25', '30', '35', '40']);
  for (const t of indexTicks({ start: 22, end: 41 }, 6)) assert.ok(t.at > 0 && t.at < 1);
  assert.deepEqual(indexTicks({ start: 3, end: 3 }, 6), []);
  assert.equal(tickBudget(400, 18), 22);
  assert.equal(tickBudget(10, 18), 2);
});

test('the colour bar labels the range of the scale', () => {
  const fmt = (v: number) => String(v).replace('-', '−');
  assert.deepEqual(colorbarStops('diverging', { min: -1, max: 4, maxAbs: 4 }, fmt), [{ label: '4', at: 1 }, { label: '0', at: 0.5 }, { label: '−4', at: 0 }]);
  assert.deepEqual(colorbarStops('sequential', { min: 0.25, max: 0.75, maxAbs: 0.75 }, fmt), [{ label: '0.75', at: 1 }, { label: '0.25', at: 0 }]);
  assert.deepEqual(colorbarStops('sequential', { min: 3, max: 3, maxAbs: 3 }, fmt), [{ label: '3', at: 1 }]);
  assert.deepEqual(colorbarStops('binary', { min: 0, max: 1, maxAbs: 1 }, fmt).map((s) => s.label), ['active (1)', 'inactive (0)']);
});

test('the canvas takes the width it has; cells square up to the height cap; strips stay visible', () => {
  assert.deepEqual(canvasSize(600, 2, 2, 120, 420), { width: 600, height: 420 });
  assert.deepEqual(canvasSize(1200, 64, 64, 120, 700), { width: 1200, height: 700 });
  assert.deepEqual(canvasSize(600, 32, 64, 120, 700), { width: 600, height: 300 });
  // a one-row strip: 24 px tall, not 600/64 ≈ 9
  assert.deepEqual(canvasSize(600, 1, 64, 120, 700), { width: 600, height: 24 });
  // a wide flat matrix: at least the minimum height
  assert.deepEqual(canvasSize(600, 10, 1000, 120, 700), { width: 600, height: 120 });
  assert.equal(canvasSize(10, 3, 3, 120, 700).width, 40);
});

test('windowText says which part of the matrix is shown', () => {
  assert.equal(windowText('rows', fullWindow(64), 64), 'rows 1–64');
  assert.equal(windowText('in', { start: 2, end: 10 }, 64), 'in 3–10 of 64');
});

test('a resize redraws on any narrowing, but not on the widening a vanishing scrollbar makes', () => {
  assert.equal(widthChanged(-1, 600), true);
  assert.equal(widthChanged(600, 586), true);
  // the scrollbar went away again: not a new size worth a redraw (it would bring the scrollbar back)
  assert.equal(widthChanged(586, 600), false);
  assert.equal(widthChanged(600, 1100), true);
  assert.equal(widthChanged(600, 0), true);
});

test('the arrow keys pan by a tenth of the window, at least one index, never off the axis', () => {
  assert.deepEqual(panWindow({ start: 40, end: 120 }, 1, 400), { start: 48, end: 128 });
  assert.deepEqual(panWindow({ start: 40, end: 120 }, -1, 400), { start: 32, end: 112 });
  assert.deepEqual(panWindow({ start: 3, end: 5 }, 1, 10), { start: 4, end: 6 });
  assert.deepEqual(panWindow({ start: 0, end: 5 }, -1, 10), { start: 0, end: 5 });
  assert.deepEqual(panWindow({ start: 6, end: 10 }, 1, 10), { start: 6, end: 10 });
});
