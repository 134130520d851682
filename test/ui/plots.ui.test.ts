// UI test of plots you can read at a glance (issue 15, items 2 and 3) in the real workbench: a weight
// heatmap that fills the panel and grows with it, with a colour bar giving its range, row and column
// indices, zoom by a dragged rectangle and the wheel (double-click resets); a deep activation pattern
// as the active fraction per unit with drill-down, and the ring on the region map; the Convergence
// verdicts inside the first screen of a side-by-side panel; the Training panel's Export disabled
// before a run. Screenshots land in test-output/ui/plots-*.png.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Locator } from 'playwright-core';
import { canvasPixels, scaled, setField, waitFor, Workbench } from './harness';

const TIMEOUT = scaled(90_000);

/** [first, last] of a canvas's data-row-range / data-col-range ("41-120", 1-based, inclusive). */
async function range(canvas: Locator, axis: 'row' | 'col'): Promise<[number, number]> {
  const text = (await canvas.getAttribute(`data-${axis}-range`)) ?? '';
  const m = /^(\d+)-(\d+)$/.exec(text);
  assert.ok(m, `data-${axis}-range is ${JSON.stringify(text)}`);
  return [Number(m[1]), Number(m[2])];
}

/** The tick labels of a heatmap axis as numbers. */
async function ticks(view: FrameLocator, axis: 'x' | 'y'): Promise<number[]> {
  return (await view.locator(`.heatmap-${axis}ticks .heatmap-tick`).allInnerTexts()).map(Number);
}

describe('Plots you can read at a glance', { timeout: scaled(600_000) }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open({ viewport: { width: 1500, height: 1000 } }); });
  after(async () => { await wb?.close(); });

  it('a weight heatmap fills the panel, grows with it, has a colour bar with its range, indices and zoom', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('wide.network.json');
    await wb.runCommand('Depth Lens: Open Network Overview');
    const view = wb.webview();
    const heat = view.locator('.heatmap canvas');
    await waitFor('the 400×400 heatmap', async () => (await heat.getAttribute('data-rows').catch(() => null)) === '400', TIMEOUT);
    await heat.scrollIntoViewIfNeeded();
    const panelWidth = await view.locator('body').evaluate((b) => b.clientWidth);
    const narrow = (await heat.boundingBox())!.width;
    // the canvas takes what the indices and the colour bar leave of the panel (about 150 px)
    assert.ok(narrow >= panelWidth - 200, `heatmap ${narrow}px wide in a ${panelWidth}px panel`);

    // the colour bar says the range: +max|w|, 0, −max|w| as in the caption
    const maxAbs = /max \|w\| = (0\.\d+)$/.exec(await view.locator('[data-testid=heatmap-title]').innerText())?.[1];
    assert.ok(maxAbs, 'the caption names max |w|');
    const bar = view.locator('[data-testid=heatmap-colorbar]');
    assert.ok(await bar.isVisible(), 'the colour bar is shown');
    assert.deepEqual((await bar.locator('.heatmap-tick').allInnerTexts()).map((t) => t.trim()), [maxAbs, '0', `-${maxAbs}`]);
    // row and column indices, 1-based, across the whole matrix
    for (const axis of ['x', 'y'] as const) {
      const t = await ticks(view, axis);
      assert.equal(t[0], 1, `${axis} ticks ${t.join(' ')}`);
      assert.ok(t[t.length - 1] >= 300 && t[t.length - 1] <= 400 && t.length >= 4, `${axis} ticks ${t.join(' ')}`);
    }
    assert.equal(await view.locator('[data-testid=heatmap-range]').innerText(), 'out 1–400 × in 1–400 — drag a rectangle, turn the wheel or press + to zoom');

    // a maximised panel: the heatmap grows with it
    await wb.runCommand('View: Toggle Maximize Editor Group');
    const wide = await waitFor('the heatmap to grow', async () => { const w = (await heat.boundingBox())?.width ?? 0; return w > narrow * 1.5 ? w : 0; });
    const maximised = await view.locator('body').evaluate((b) => b.clientWidth);
    assert.ok(wide >= maximised - 200, `maximised heatmap ${wide}px wide in a ${maximised}px panel`);
    await view.locator('.heatmap').evaluate((e) => e.scrollIntoView({ block: 'end' }));
    await wb.screenshot('plots-heatmap-maximised');

    // drag a rectangle over 10–30 % of both axes: rows and columns 41–120 (± a pixel's rounding)
    const box = (await heat.boundingBox())!;
    await wb.page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.1);
    await wb.page.mouse.down();
    await wb.page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2, { steps: 4 });
    await wb.page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3, { steps: 4 });
    await wb.page.mouse.up();
    await waitFor('the zoomed rows', async () => (await heat.getAttribute('data-row-range')) !== '1-400');
    for (const axis of ['row', 'col'] as const) {
      const [a, b] = await range(heat, axis);
      assert.ok(Math.abs(a - 41) <= 1 && Math.abs(b - 120) <= 1, `${axis}s ${a}–${b} after the drag`);
    }
    assert.match(await view.locator('[data-testid=heatmap-range]').innerText(), /^out \d+–\d+ of 400 × in \d+–\d+ of 400 — double-click \(or 0\) to see all$/);
    const zoomedTicks = await ticks(view, 'x');
    assert.ok(zoomedTicks[0] >= 40 && zoomedTicks[zoomedTicks.length - 1] <= 121, `ticks after the zoom: ${zoomedTicks.join(' ')}`);
    // hover: the entry under the pointer is inside the zoomed window
    await heat.hover({ position: { x: box.width / 2, y: box.height / 2 } });
    const tip = await waitFor('the tooltip', async () => (await view.locator('.heatmap-tooltip').innerText().catch(() => '')) || undefined);
    const m = /^out (\d+), in (\d+): -?\d/.exec(tip);
    assert.ok(m && Number(m[1]) >= 40 && Number(m[1]) <= 121 && Number(m[2]) >= 40 && Number(m[2]) <= 121, `tooltip ${tip}`);
    await view.locator('.heatmap').evaluate((e) => e.scrollIntoView({ block: 'end' }));
    await heat.hover({ position: { x: box.width / 2, y: box.height / 2 } });
    await wb.screenshot('plots-heatmap-zoomed');

    // the wheel zooms further in about the pointer
    const before = await range(heat, 'row');
    await wb.page.mouse.wheel(0, -120);
    await waitFor('the wheel zoom', async () => { const [a, b] = await range(heat, 'row'); return b - a < before[1] - before[0]; });
    // double-click shows the whole matrix again
    await heat.dblclick({ position: { x: box.width / 2, y: box.height / 2 } });
    await waitFor('the whole matrix', async () => (await heat.getAttribute('data-row-range')) === '1-400' && (await heat.getAttribute('data-col-range')) === '1-400');
    // the keyboard: + zooms in about the centre, → pans the columns, 0 shows all again
    await heat.focus();
    await wb.page.keyboard.press('+');
    await waitFor('the keyboard zoom', async () => (await heat.getAttribute('data-col-range')) === '41-360');
    await wb.page.keyboard.press('ArrowRight');
    await waitFor('the pan', async () => (await heat.getAttribute('data-col-range')) === '73-392');
    assert.equal(await heat.getAttribute('data-row-range'), '41-360');
    await wb.page.keyboard.press('0');
    await waitFor('the whole matrix again', async () => (await heat.getAttribute('data-col-range')) === '1-400');
    await wb.runCommand('View: Toggle Maximize Editor Group');
    await waitFor('the heatmap to narrow', async () => ((await heat.boundingBox())?.width ?? 0) < narrow + 20);
  });

  it('a deep activation pattern is the active fraction per unit, with drill-down; the map grows and rings the input', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('deep-pattern.network.json');
    await wb.runCommand('Depth Lens: Open Activations');
    const view = wb.webview();
    const summary = view.locator('[data-testid=pattern-summary]');
    await summary.waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.equal(await view.locator('[data-testid=pattern-heatmap]').isVisible(), false, 'no hairline heatmap of 101 rows');
    const patternCaption = view.locator('[data-testid=pattern-caption]');
    // the caption is written when the result arrives (the streamed summary may show the box first)
    await waitFor('the pattern caption', async () => /^101 ReLU units/.test(await patternCaption.innerText()));
    assert.match(await patternCaption.innerText(), /^101 ReLU units \(units in order: layers\); 0\.\d+ of all neurons active\./);
    const plot = view.locator('[data-testid=pattern-fraction-plot] canvas').first();
    await waitFor('the fraction plot', async () => (await canvasPixels(plot)).drawn > 500);
    const caption = view.locator('[data-testid=pattern-drill-caption]');
    assert.match(await caption.innerText(), /^Unit 1 of 101 \(layer 1\): 5\/8 neurons active\./);
    const drill = view.locator('[data-testid=pattern-drill]');
    assert.equal(await drill.getAttribute('data-cols'), '8');
    // click the middle of the plot: that unit's pattern
    const over = view.locator('[data-testid=pattern-fraction-plot] .u-over');
    await over.scrollIntoViewIfNeeded();
    const ob = (await over.boundingBox())!;
    await over.hover({ position: { x: ob.width / 2, y: ob.height / 2 } });
    await over.click({ position: { x: ob.width / 2, y: ob.height / 2 } });
    const picked = await waitFor('the drill-down', async () => {
      const k = Number(/^Unit (\d+) of 101/.exec(await caption.innerText())?.[1]);
      return k > 1 ? k : 0;
    });
    assert.ok(picked >= 40 && picked <= 62, `clicked the middle of the plot, got unit ${picked}`);
    // typed: unit 101, the last
    await setField(view, 'pattern-unit-field', '101');
    await waitFor('unit 101', async () => /^Unit 101 of 101 \(layer 101\)/.test(await caption.innerText()));
    await summary.scrollIntoViewIfNeeded();
    await wb.screenshot('plots-deep-pattern');

    // the region map (a pixel grid here: over 20 000 regions) rings probe a = (0.3, −0.2)
    const map = view.locator('[data-testid=region-map]');
    await waitFor('the ring on the map', async () => (await map.getAttribute('data-marker').catch(() => null)) === '0.3,-0.2', TIMEOUT);
    await map.scrollIntoViewIfNeeded();
    const small = (await map.boundingBox())!.width;
    await wb.runCommand('View: Toggle Maximize Editor Group');
    // the square [−1, 1]² grows until it reaches the height cap (85 % of the window)
    const big = await waitFor('the map to grow', async () => { const w = (await map.boundingBox())?.width ?? 0; return w > small * 1.15 ? w : 0; });
    const height = await map.evaluate((c) => ({ map: c.getBoundingClientRect().height, window: window.innerHeight }));
    assert.ok(height.map >= 0.75 * height.window, `region map ${small}px → ${big}px wide, ${height.map}px high in a ${height.window}px window`);
    await map.scrollIntoViewIfNeeded();
    await wb.screenshot('plots-region-map');
    await wb.runCommand('View: Toggle Maximize Editor Group');
  });

  it('Convergence at the side-by-side width: every verdict line inside the first screen, details folded', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('convergent.network.json');
    await wb.runCommand('Depth Lens: Open Convergence');
    const view = wb.webview();
    await view.locator('[data-testid=verdict-pointwise]').waitFor({ state: 'visible', timeout: TIMEOUT });
    await view.locator('[data-testid="plot-terms"] canvas').waitFor({ state: 'visible', timeout: TIMEOUT });
    const screen = await view.locator('body').evaluate(() => ({ width: document.body.clientWidth, height: window.innerHeight, scrolled: window.scrollY }));
    assert.ok(screen.width >= 560 && screen.width <= 680, `the panel is ${screen.width}px wide; this test is about 600 px`);
    assert.equal(screen.scrolled, 0);
    for (const id of ['sufficient', 'necessary', 'pointwise']) {
      const line = view.locator(`[data-testid=verdict-${id}]`);
      const r = await line.evaluate((e) => { const b = e.getBoundingClientRect(); return { top: b.top, bottom: b.bottom, left: b.left, right: b.right, height: b.height }; });
      assert.ok(r.top >= 0 && r.bottom <= screen.height && r.left >= 0 && r.right <= screen.width + 1, `${id} line at ${JSON.stringify(r)} in ${screen.width}×${screen.height}`);
      assert.ok(r.height < 48, `${id} line is ${r.height}px high`);
      // an icon and a deciding number on the line
      assert.equal(await line.locator('.codicon').count(), 1);
      assert.match(await line.innerText(), /\d\.\d/);
    }
    // the main plot starts on the first screen; the prose is folded
    const terms = await view.locator('[data-testid="plot-terms"] canvas').evaluate((e) => e.getBoundingClientRect().top);
    assert.ok(terms < screen.height * 0.6, `terms plot at ${terms}px of ${screen.height}px`);
    assert.equal(await view.locator('[data-testid="details-verdicts"]').getAttribute('open'), null);
    await wb.screenshot('plots-convergence-first-screen');
  });

  it('Compare: the largest change and each verdict of A and B on the first screen', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('compare-trained.network.json');
    // the command opens a quick pick of its own (see spectrum.ui.test.ts)
    const pick = wb.page.locator('.quick-input-widget');
    await wb.page.keyboard.press('F1');
    await pick.locator('input').fill('>Depth Lens: Compare With…');
    await pick.locator('.monaco-list-row').first().filter({ hasText: 'Compare With…' }).waitFor({ state: 'visible', timeout: scaled(30_000) });
    await pick.locator('input').press('Enter');
    await pick.locator('.monaco-list-row', { hasText: 'compare-finetuned.network.json' }).waitFor({ state: 'visible', timeout: scaled(30_000) });
    await pick.locator('input').fill('compare-finetuned');
    await pick.locator('.monaco-list-row', { hasText: 'compare-finetuned.network.json' }).first().click();
    const view = wb.webview();
    const lines = ['change', 'sufficient', 'necessary', 'pointwise'];
    await view.locator('[data-testid=glance-pointwise]').waitFor({ state: 'visible', timeout: TIMEOUT });
    const screen = await view.locator('body').evaluate(() => ({ width: document.body.clientWidth, height: window.innerHeight, scrolled: window.scrollY }));
    assert.equal(screen.scrolled, 0);
    for (const id of lines) {
      const line = view.locator(`[data-testid=glance-${id}]`);
      const r = await line.evaluate((e) => { const b = e.getBoundingClientRect(); return { top: b.top, bottom: b.bottom, right: b.right }; });
      assert.ok(r.top >= 0 && r.bottom <= screen.height && r.right <= screen.width + 1, `${id} line at ${JSON.stringify(r)} in ${screen.width}×${screen.height}`);
      assert.ok((await line.locator('.codicon').count()) >= 1, `${id} line has no icon`);
    }
    // the deciding numbers: the largest change, and the series sums of A and B
    assert.match(await view.locator('[data-testid=glance-change]').innerText(), /largest change layer \d: ‖W_A − W_B‖₂ = \d\.\d+ \(relative \d\.\d+\)/);
    assert.match(await view.locator('[data-testid=glance-sufficient]').innerText(), /A (holds|fails|inconclusive)\s*→\s*B (holds|fails|inconclusive)\s*— Σ‖W − I‖ [\d.e-]+ → [\d.e-]+, Σ‖b‖ [\d.e-]+ → [\d.e-]+/);
    await wb.screenshot('plots-compare-first-screen');
  });

  it('Training opens without empty sections and with Export disabled until a run has data', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.runCommand('Depth Lens: Open Training');
    const view = wb.webview();
    await view.locator('[data-testid=indicator-empty]').waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.equal(await view.locator('[data-testid=indicator-view]').isVisible(), false);
    for (const id of ['export-png', 'export-csv', 'export-json']) {
      assert.notEqual(await view.locator(`[data-testid=${id}]`).getAttribute('disabled'), null, `${id} is enabled before a run`);
    }
    await wb.screenshot('plots-training-empty');
    await setField(view, 'ind-iterations', '500');
    await view.locator('[data-testid=run]').click();
    await waitFor('the run to finish', async () => /^Done: 500 iterations/.test(await view.locator('[data-testid=indicator-status]').innerText().catch(() => '')), TIMEOUT);
    assert.equal(await view.locator('[data-testid=indicator-empty]').isVisible(), false);
    for (const id of ['export-png', 'export-csv', 'export-json']) {
      assert.equal(await view.locator(`[data-testid=${id}]`).getAttribute('disabled'), null, `${id} is still disabled after the run`);
    }
    // the other experiment has no result yet: its Export is disabled again
    await view.locator('[data-testid=tab-mean-field]').click();
    await view.locator('[data-testid=mf-empty]').waitFor({ state: 'visible' });
    assert.notEqual(await view.locator('[data-testid=export-png]').getAttribute('disabled'), null);
    await view.locator('[data-testid=tab-indicator]').click();
  });
});

describe('Heatmap colours in the dark theme', { timeout: scaled(300_000) }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open({ viewport: { width: 1500, height: 1000 }, settings: { 'workbench.colorTheme': 'Default Dark Modern' } }); });
  after(async () => { await wb?.close(); });

  it('the largest weight is drawn in the theme\'s chart blue, the colour bar runs from chart red to chart blue', async () => {
    await wb.openFile('small.network.json');
    await wb.runCommand('Depth Lens: Open Network Overview');
    const view = wb.webview();
    const heat = view.locator('.heatmap canvas');
    await waitFor('the 2×2 heatmap', async () => (await heat.getAttribute('data-rows').catch(() => null)) === '2', TIMEOUT);
    await view.locator('.heatmap').evaluate((e) => e.scrollIntoView({ block: 'end' }));
    // W = [[1, 2], [3, 4]]: w₂₂ = 4 = max |w| is the full positive colour
    const seen = await heat.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(Math.floor(c.width * 0.75), Math.floor(c.height * 0.75), 1, 1).data;
      const css = getComputedStyle(document.body);
      return { pixel: [d[0], d[1], d[2]], blue: css.getPropertyValue('--vscode-charts-blue').trim(), red: css.getPropertyValue('--vscode-charts-red').trim() };
    });
    const hex = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
    assert.match(seen.blue, /^#[0-9a-f]{6}/i, `charts-blue is ${seen.blue}`);
    assert.deepEqual(seen.pixel, hex(seen.blue), `w₂₂ drawn as rgb(${seen.pixel.join(', ')}), the theme's chart blue is ${seen.blue}`);
    const ramp = await view.locator('.heatmap-colorbar-ramp').evaluate((e) => getComputedStyle(e).backgroundImage);
    const rgb = (h: string) => `rgb(${hex(h).join(', ')})`;
    assert.ok(ramp.includes(rgb(seen.blue)) && ramp.includes(rgb(seen.red)), `colour bar ${ramp}`);
    assert.deepEqual((await view.locator('[data-testid=heatmap-colorbar] .heatmap-tick').allInnerTexts()).map((t) => t.trim()), ['4', '0', '-4']);
    await wb.screenshot('plots-heatmap-dark');
  });
});
