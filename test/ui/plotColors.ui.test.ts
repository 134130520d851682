// UI test of the plots' colours in the real workbench, in the light and the dark theme: the pixels a
// person sees (a screenshot of the plot, decoded here) include the theme's chart colours of series 1
// and 2 at full contrast. VS Code's default --vscode-charts-orange is the find-match background
// #EA5C0055 (a third opaque), so the second series once drew as #f9c8aa on white and #633315 on the
// dark editor: the fitted lines and the predicted density disappeared. Checked on the Convergence
// panel (‖Wₖ − I‖ and ‖bₖ‖ with their fitted power laws, and the legend's values) and the Depth plots
// panel (the simulated histogram and the predicted density; the depth plot's first two series).
// Screenshots in test-output/ui/plot-colours-*.png.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Locator } from 'playwright-core';
import { scaled, SCREENSHOT_DIR, setField, waitFor, Workbench } from './harness';
import { colourCensus, decodePng, hex, parseCssColor, type Rgb } from './pixels';

const TIMEOUT = scaled(90_000);
/**
 * A drawn pixel "has" a series colour when it lies within this RGB distance of it (0…441): room for
 * colour management and rounding, far below what the translucent palette colour gave (#ea5c00 at a
 * third over white is 202 away, over the dark editor background #1f1f1f 143 away).
 */
const NEAR = 24;
/** Pixels of each series' colour a plot must show (measured: 365–1624 with the fix, 0–10 without it). */
const MIN_PIXELS = 150;

/** The theme's chart palette and editor background, read from the webview document's CSS variables. */
async function palette(view: FrameLocator): Promise<{ series: Rgb[]; names: string[]; background: Rgb }> {
  const names = ['--vscode-charts-blue', '--vscode-charts-orange'];
  const values = await view.locator('body').evaluate((body, vars) => vars.map((v) => getComputedStyle(body).getPropertyValue(v).trim()), [...names, '--vscode-editor-background']);
  assert.ok(values.every((v) => v.length > 0), `theme variables missing: ${JSON.stringify(values)}`);
  return { series: values.slice(0, 2).map(parseCssColor), names, background: parseCssColor(values[2]) };
}

/** Counts the screenshot pixels of `plot` near each series colour and asserts each colour is drawn. */
async function assertSeriesColours(plot: Locator, view: FrameLocator, what: string, file: string): Promise<string> {
  const { series, names, background } = await palette(view);
  await plot.scrollIntoViewIfNeeded();
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const image = decodePng(await plot.screenshot({ path: path.join(SCREENSHOT_DIR, `${file}.png`) }));
  const census = colourCensus(image, series, NEAR);
  const report = census.map((c, i) => `${names[i]} ${hex(series[i])}: ${c.count} px within ${NEAR} (closest ${hex(c.closest)} at ${c.distance.toFixed(1)})`).join('; ');
  census.forEach((c, i) => {
    assert.ok(c.count >= MIN_PIXELS, `${what}: series ${i + 1} (${names[i]} ${hex(series[i])}) is not drawn at full contrast on ${hex(background)}: ${report}`);
  });
  return report;
}

/** The webview's canvas pixels: how many are opaque (alpha ≥ 250) and exactly a series colour (±2 per channel). */
async function opaqueSeriesPixels(canvas: Locator, colours: Rgb[]): Promise<number[]> {
  return canvas.evaluate((c: HTMLCanvasElement, cols) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const counts = cols.map(() => 0);
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] < 250) continue;
      cols.forEach((col, k) => { if (Math.abs(d[i] - col.r) <= 2 && Math.abs(d[i + 1] - col.g) <= 2 && Math.abs(d[i + 2] - col.b) <= 2) counts[k]++; });
    }
    return counts;
  }, colours);
}

for (const theme of [{ name: 'light', id: 'Default Light Modern' }, { name: 'dark', id: 'Default Dark Modern' }]) {
  describe(`Plot colours in the ${theme.name} theme`, { timeout: scaled(420_000) }, () => {
    let wb: Workbench;
    before(async () => { wb = await Workbench.open({ viewport: { width: 1500, height: 1000 }, settings: { 'workbench.colorTheme': theme.id } }); });
    after(async () => { await wb?.close(); });

    it(`Convergence: the terms and their fits in the theme's chart colours 1 and 2 (${theme.name})`, async () => {
      await wb.openFile('convergent.network.json');
      await wb.runCommand('Depth Lens: Open Convergence');
      const view = wb.webview();
      const kind = await view.locator('body').evaluate((b) => b.getAttribute('data-vscode-theme-kind'));
      assert.equal(kind, theme.name === 'light' ? 'vscode-light' : 'vscode-dark', 'the webview follows the workbench theme');
      const plot = view.locator('[data-testid="plot-terms"] .line-plot');
      await waitFor('both fits drawn', async () => (await plot.getAttribute('data-fits').catch(() => null)) === '2', TIMEOUT);
      const canvas = plot.locator('canvas').first();
      const { series } = await palette(view);
      const opaque = await opaqueSeriesPixels(canvas, series);
      const report = await assertSeriesColours(canvas, view, 'Convergence terms plot', `plot-colours-terms-${theme.name}`);
      console.log(`[plot colours ${theme.name}] convergence: ${report}; opaque canvas pixels ${opaque.join(', ')}`);
      opaque.forEach((n, i) => assert.ok(n >= MIN_PIXELS, `series ${i + 1}: only ${n} opaque pixels of its colour in the canvas (${opaque.join(', ')})`));
      // the legend: the values at the last layer while the cursor is elsewhere, no "--", Unicode not TeX
      const legend = await plot.locator('.u-legend').innerText();
      assert.ok(!legend.includes('--'), `legend shows a placeholder: ${legend}`);
      assert.ok(!/_\{|\^\{|_[a-z0-9]/.test(legend), `legend shows TeX: ${legend}`);
      const cells = plot.locator('.u-legend .u-series .u-value');
      assert.equal(await cells.first().innerText(), '403');
      // layer 403 is the family's k = 400 (layers 4–403), scaled by (k + 1)^−2 = 1/401²:
      // ‖W − I‖₂ = ‖R‖₂/401² with ‖[[0.5, −0.3], [0.2, 0.4]]‖₂ = √(0.27 + √0.0053) and ‖b‖₂ = ‖(1, −1)‖/401²
      const values = (await cells.allInnerTexts()).map((t) => t.trim());
      const sq = 401 ** 2;
      assert.deepEqual(values.slice(0, 3), ['403', (Math.sqrt(0.27 + Math.sqrt(0.0053)) / sq).toExponential(3), (Math.SQRT2 / sq).toExponential(3)]);
      // at the cursor: the values of the layer under it
      const over = plot.locator('.u-over');
      const box = (await over.boundingBox())!;
      await over.hover({ position: { x: box.width * 0.3, y: box.height / 2 } });
      await waitFor('the legend at the cursor', async () => { const k = Number(await cells.first().innerText()); return k > 1 && k < 403; });
      assert.ok(!(await plot.locator('.u-legend').innerText()).includes('--'));
      await wb.page.mouse.move(1, 1);
      await waitFor('the legend back at the last layer', async () => (await cells.first().innerText()) === '403');
      await wb.screenshot(`plot-colours-convergence-${theme.name}`);
    });

    it(`Depth plots: the histogram and the predicted density in the theme's chart colours 1 and 2 (${theme.name})`, async () => {
      await wb.runCommand('View: Close All Editors');
      await wb.runCommand('Depth Lens: Open Depth Plots');
      const view = wb.webview();
      await view.locator('[data-testid=field-trials] input').waitFor({ state: 'visible', timeout: TIMEOUT });
      await setField(view, 'field-trials', '600');
      await setField(view, 'field-seed', '3');
      await view.locator('[data-testid=run]').click();
      const summary = view.locator('[data-testid=summary]');
      await waitFor('the run to finish', async () => /600 chain trials, seed 3 — [\d.]+ s\.$/.test(await summary.innerText()), TIMEOUT);
      const hist = view.locator('[data-testid=histogram-canvas]');
      await waitFor('the histogram', async () => (await hist.getAttribute('data-bins')) === '24');
      const report = await assertSeriesColours(hist, view, 'Depth plots histogram', `plot-colours-histogram-${theme.name}`);
      const depth = await assertSeriesColours(view.locator('[data-testid=depth-plot] canvas').first(), view, 'Depth plot', `plot-colours-depth-plot-${theme.name}`);
      console.log(`[plot colours ${theme.name}] histogram: ${report}; depth plot: ${depth}`);
      const legend = await view.locator('[data-testid=depth-plot] .u-legend').innerText();
      assert.ok(!legend.includes('--'), `legend shows a placeholder: ${legend}`);
      await view.locator('[data-testid=histogram]').scrollIntoViewIfNeeded();
      await wb.screenshot(`plot-colours-depth-${theme.name}`);
    });
  });
}
