// UI test of the Training panel in the real workbench: opened from the command palette without a
// file, the indicator experiment (d = 1 curve, then d = 2 heatmap) and the mean-field experiment run
// with small parameters until their plots hold data and the fitted slope / exponent are written; a
// run whose step leaves the construction's range stops with a warning; a long run is stopped; a
// network file's `training` section presets the controls. Screenshots land
// in test-output/ui/training-*.png.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Locator } from 'playwright-core';
import { canvasPixels, scaled, setField, waitFor, Workbench } from './harness';

const RUN_TIMEOUT_MS = scaled(60_000);

/** Number of non-transparent pixels of a canvas. */
const drawnPixels = async (canvas: Locator) => (await canvasPixels(canvas)).drawn;

async function waitForPlot(view: FrameLocator, testId: string, minPoints: number): Promise<void> {
  const plot = view.locator(`[data-testid=${testId}] .line-plot`);
  await waitFor(`${testId} with ≥ ${minPoints} points`, async () => Number(await plot.getAttribute('data-points').catch(() => null)) >= minPoints, RUN_TIMEOUT_MS);
  const canvas = view.locator(`[data-testid=${testId}] canvas`).first();
  const n = await waitFor(`${testId} drawn`, async () => { const px = await drawnPixels(canvas); return px > 2000 ? px : 0; });
  assert.ok(n > 2000, `${testId}: only ${n} drawn pixels`);
}

/** The first number after `label` in a text like "Fitted slope −0.3349 (95 % …" (Unicode minus allowed). */
function numberAfter(text: string, label: string): number {
  const m = text.match(new RegExp(`${label}\\s+([−-]?\\d+(?:\\.\\d+)?)`));
  assert.ok(m, `no number after "${label}" in: ${text}`);
  return Number(m[1].replace('−', '-'));
}

describe('Training panel', { timeout: scaled(420_000) }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open({ viewport: { width: 1600, height: 1000 } }); });
  after(async () => { await wb?.close(); });

  it('opens from the command palette without a file and shows both experiments', async () => {
    await wb.runCommand('Depth Lens: Open Training');
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'Training' }).waitFor({ state: 'visible', timeout: scaled(30_000) });
    const view = wb.webview();
    await view.locator('[data-testid=tab-indicator]').waitFor({ state: 'visible', timeout: scaled(30_000) });
    assert.equal(await view.locator('[data-testid=tab-indicator]').getAttribute('aria-selected'), 'true');
    assert.equal(await view.locator('[data-testid=tab-mean-field]').innerText(), 'Mean-field limit (§E)');
  });

  it('runs the indicator experiment (d = 1): loss with fitted slope, probe errors, learned curve', async () => {
    const view = wb.webview();
    await setField(view, 'ind-iterations', '4000');
    await setField(view, 'ind-seed', '5');
    await view.locator('[data-testid=run]').click();
    const status = view.locator('[data-testid=indicator-status]');
    await waitFor('the indicator run to finish', async () => /^Done: 4,000 iterations, d = 1/.test(await status.innerText()), RUN_TIMEOUT_MS);
    const slopeText = await view.locator('[data-testid=indicator-slope]').innerText();
    const slope = numberAfter(slopeText, 'Fitted slope');
    const exactGd = numberAfter(slopeText, 'GD on the exact loss has');
    // SGD fluctuates around GD on the exact loss: slope sd ≈ 0.004 over 400–4000 with B = 32 (unit tests: 0.003 over a decade at 10⁴)
    assert.ok(Math.abs(slope - exactGd) <= 0.02, slopeText);
    assert.match(slopeText, /over iterations 400–4,000; gradient flow predicts -0\.3333 = −1\/3( \(inside the interval\))? as k → ∞ and GD on the exact loss has -0\.33\d* over this range\./);
    // the note that the construction is ours, from the result's `construction` string
    assert.match(await view.locator('[data-testid=indicator-construction]').innerText(), /Our construction \[design\], not the paper's: the paper's exact architecture was not available/);
    await waitForPlot(view, 'indicator-loss-plot', 20);
    await waitForPlot(view, 'indicator-probe-plot', 20);
    await waitForPlot(view, 'indicator-function', 201);
    // 7 default probes; the three inside the ball (0, 0.3, 0.5) are exact from the start
    const rows = view.locator('[data-testid=indicator-probes] vscode-table-row');
    assert.equal(await rows.count(), 7);
    const zeroFrom = await Promise.all([0, 1, 2].map((i) => rows.nth(i).locator('vscode-table-cell').nth(4).innerText()));
    assert.deepEqual(zeroFrom.map((t) => t.trim()), ['start', 'start', 'start']);
    await wb.screenshot('training-indicator');
    await view.locator('[data-testid=indicator-probe-plot]').scrollIntoViewIfNeeded();
    await wb.screenshot('training-indicator-probes');
  });

  it('d = 2 shows the learned function and the target as heatmaps', async () => {
    const view = wb.webview();
    await setField(view, 'ind-dim', '2');
    await setField(view, 'ind-iterations', '2000');
    await view.locator('[data-testid=run]').click();
    const status = view.locator('[data-testid=indicator-status]');
    await waitFor('the d = 2 run to finish', async () => /^Done: 2,000 iterations, d = 2, level N = 10/.test(await status.innerText()), RUN_TIMEOUT_MS);
    const maps = view.locator('[data-testid=indicator-function] .heatmap canvas');
    await waitFor('two heatmaps', async () => (await maps.count()) === 2);
    for (let i = 0; i < 2; i++) {
      assert.equal(await maps.nth(i).getAttribute('data-rows'), '81');
      assert.equal(await maps.nth(i).getAttribute('data-cols'), '81');
      assert.ok(await drawnPixels(maps.nth(i)) > 10_000);
    }
    await view.locator('[data-testid=indicator-function]').scrollIntoViewIfNeeded();
    await wb.screenshot('training-indicator-2d');
  });

  it('a coarse level with a large step stops the run and says why in a warning banner', async () => {
    const view = wb.webview();
    for (const [field, value] of [['ind-dim', '2'], ['ind-level', '1'], ['ind-iterations', '5000'], ['ind-learningRate', '60'], ['ind-batch', '1'], ['ind-initialW', '1.34'], ['ind-seed', '4']]) {
      await setField(view, field, value);
    }
    await view.locator('[data-testid=run]').click();
    const status = view.locator('[data-testid=indicator-status]');
    await waitFor('the run to stop', async () => /^Stopped after \d+ of 5,000 iterations, d = 2, level N = 1/.test(await status.innerText()), RUN_TIMEOUT_MS);
    const banner = view.locator('[data-testid=indicator-warnings] .banner-warning').first();
    await banner.waitFor({ state: 'visible', timeout: scaled(10_000) });
    assert.match(await banner.innerText(), /^stopped at iteration \d+: the step would take w from [\d.]+ to -?[\d.]+, outside the construction's range w ≥ 4\/3/);
    await view.locator('[data-testid=indicator-warnings]').scrollIntoViewIfNeeded();
    await wb.screenshot('training-indicator-stopped');
  });

  it('switches to the mean-field experiment and runs it: g_t(x) with bands, loss, spread vs width with the exponent', async () => {
    const view = wb.webview();
    await view.locator('[data-testid=tab-mean-field]').click();
    assert.equal(await view.locator('[data-testid=tab-mean-field]').getAttribute('aria-selected'), 'true');
    assert.equal(await view.locator('[data-testid=indicator-view]').isVisible(), false);
    await setField(view, 'mf-widths', '16, 32, 64, 128');
    await setField(view, 'mf-seeds', '8');
    await setField(view, 'mf-T', '5');
    await setField(view, 'mf-records', '20');
    await view.locator('[data-testid=run]').click();
    const status = view.locator('[data-testid=mf-status]');
    await waitFor('the mean-field run to finish', async () => /^Done: widths 16, 32, 64, 128 × 8 seeds, T = 5/.test(await status.innerText()), RUN_TIMEOUT_MS);
    const exponentText = await view.locator('[data-testid=mf-spread-exponent]').innerText();
    const exponent = numberAfter(exponentText, 'Fitted exponent');
    assert.ok(exponent < -0.3 && exponent > -0.8, exponentText);
    assert.match(exponentText, /95 % interval \[-?[\d.]+, -?[\d.]+\]\) over N = 16, 32, 64, 128; the central-limit heuristic gives -0\.5 = −1\/2/);
    await waitForPlot(view, 'mf-g-plot', 21);
    await waitForPlot(view, 'mf-loss-plot', 21);
    await waitForPlot(view, 'mf-spread-plot', 4);
    assert.equal(await view.locator('[data-testid=mf-widths] vscode-table-row').count(), 4);
    await wb.screenshot('training-mean-field');
    await view.locator('[data-testid=mf-spread-plot]').scrollIntoViewIfNeeded();
    await wb.screenshot('training-mean-field-spread');
  });

  it('stops a long run; the panel stays usable', async () => {
    const view = wb.webview();
    await setField(view, 'mf-widths', '400');
    await setField(view, 'mf-seeds', '16');
    await setField(view, 'mf-T', '50');
    await setField(view, 'mf-records', '500');
    await view.locator('[data-testid=run]').click();
    await view.locator('[data-testid=progress]').waitFor({ state: 'visible', timeout: scaled(30_000) });
    await view.locator('[data-testid=stop]').click();
    await view.locator('[data-testid=messages]', { hasText: 'Stopped.' }).waitFor({ state: 'visible', timeout: scaled(10_000) });
    await view.locator('[data-testid=progress]').waitFor({ state: 'hidden', timeout: scaled(10_000) });
    assert.equal(await view.locator('[data-testid=run]').getAttribute('disabled'), null);
    // the previous result is still on screen
    assert.match(await view.locator('[data-testid=mf-status]').innerText(), /^Done: widths 16, 32, 64, 128/);
  });

  it('presets the controls from the `training` section of a network file', async () => {
    // one webview at a time, so wb.webview() is unambiguous
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('training-preset.network.json');
    await wb.runCommand('Depth Lens: Open Training');
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'Training: training-preset.network.json' }).waitFor({ state: 'visible', timeout: scaled(30_000) });
    const view = wb.webview();
    await view.locator('[data-testid=preset-note]', { hasText: 'Preset from the "training" section of training-preset.network.json (also passed to the run: fitFrom)' })
      .waitFor({ state: 'visible', timeout: scaled(30_000) });
    assert.equal(await view.locator('[data-testid=tab-indicator]').getAttribute('aria-selected'), 'true');
    assert.equal(await view.locator('[data-testid=ind-dim] input').inputValue(), '2');
    assert.equal(await view.locator('[data-testid=ind-level] input').inputValue(), '8');
    assert.equal(await view.locator('[data-testid=ind-iterations] input').inputValue(), '3000');
    assert.equal(await view.locator('[data-testid=ind-batch] input').inputValue(), '64');
    assert.equal(await view.locator('[data-testid=ind-seed] input').inputValue(), '7');
  });
});
