// UI test of the foundation slice in the real workbench: the code lens text, the overview panel's
// table (numbers checked against closed forms computed here), a plot canvas with drawn data, the
// weight heatmap, and the error squiggle of a malformed file.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { canvasPixels, Workbench, waitFor } from './harness';

/** formatNumber of webview/common/ui.ts for numbers in [1e-3, 1e5): 4 significant digits */
const fmt = (v: number) => Number(v.toPrecision(4)).toString();

describe('Network overview panel', { timeout: 240_000 }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open(); });
  after(async () => { await wb?.close(); });

  it('shows the network shape as a code lens', async () => {
    await wb.openFile('small.network.json');
    const lenses = await wb.codeLenses(2);
    assert.ok(lenses.some((t) => t.includes('2 layers · widths 2 (×2), 1 · 9 parameters')), lenses.join(' | '));
    assert.ok(lenses.some((t) => t.includes('Open network overview')), lenses.join(' | '));
  });

  it('opens from the command palette with the layer table, a drawn plot and a heatmap', async () => {
    await wb.runCommand('Depth Lens: Open Network Overview');
    const view = wb.webview();
    const rows = view.locator('[data-testid=layer-table] vscode-table-row');
    await rows.nth(1).waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await rows.count(), 2);
    const first = (await rows.nth(0).locator('vscode-table-cell').allInnerTexts()).map((t) => t.trim());
    // layer 1: W = [[1,2],[3,4]], b = (0.5, −1): ‖W‖₂² = (30 + √884)/2, ‖W − I‖₂² = (22 + √340)/2, ‖b‖ = √1.25
    assert.deepEqual(first, ['1', 'dense', '2×2', 'relu', fmt(Math.sqrt((30 + Math.sqrt(884)) / 2)), fmt(Math.sqrt((22 + Math.sqrt(340)) / 2)), fmt(Math.sqrt(1.25))]);
    const second = (await rows.nth(1).locator('vscode-table-cell').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(second, ['2', 'dense', '1×2', 'linear', fmt(Math.SQRT2), '—', '0']);

    // the uPlot canvas has drawn strokes: count pixels that differ from the top-left background pixel
    const canvas = view.locator('[data-testid=norm-plot] canvas').first();
    await canvas.waitFor({ state: 'visible' });
    const drawn = await waitFor('plot pixels', async () => { const n = (await canvasPixels(canvas)).drawn; return n > 50 ? n : 0; });
    assert.ok(drawn > 50, `only ${drawn} drawn pixels`);

    const heat = view.locator('.heatmap canvas');
    await waitFor('the weight heatmap', async () => (await heat.getAttribute('data-rows')) === '2');
    assert.equal(await heat.getAttribute('data-cols'), '2');
    assert.match(await view.locator('[data-testid=heatmap-title]').innerText(), /layer 1: W \(2×2\)/);
    await wb.screenshot('overview-small');
  });

  it('selecting a row shows that layer’s weights', async () => {
    const view = wb.webview();
    await view.locator('[data-testid=layer-table] vscode-table-row').nth(1).click();
    const heat = view.locator('.heatmap canvas');
    await waitFor('layer 2 heatmap', async () => (await heat.getAttribute('data-rows')) === '1');
    assert.equal(await heat.getAttribute('data-cols'), '2');
  });

  it('squiggles the error in a malformed file', async () => {
    const editor = await wb.openFile('broken.network.json');
    await editor.locator('.squiggly-error').first().waitFor({ state: 'visible', timeout: 30_000 });
    await wb.screenshot('broken-squiggle');
  });
});
