// UI test of the Convergence panel in the real workbench: opened through the command palette for a
// convergent and a divergent fixture, it shows one line per verdict with the right status, the terms
// beside their dyadic block sums, and the details folded below; at the default side-by-side width the
// first screen holds the answer. Screenshots for a human to look at.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { scaled, waitFor, Workbench } from './harness';

const TIMEOUT = scaled(60_000);

/** Waits for the three verdict cards and returns their statuses. */
async function verdictStatuses(view: FrameLocator): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const id of ['sufficient', 'necessary', 'pointwise']) {
    const card = view.locator(`[data-testid="verdict-${id}"]`);
    await card.waitFor({ state: 'visible', timeout: TIMEOUT });
    out[id] = await card.getAttribute('data-status');
  }
  return out;
}

/** Every plot has a uPlot canvas drawn from at least `min` points (the folded ones are opened first). */
async function assertPlotsHaveData(view: FrameLocator, min: number): Promise<void> {
  for (const id of ['details-sums', 'details-increments', 'details-trajectory']) {
    const folded = view.locator(`[data-testid="${id}"]`);
    if ((await folded.getAttribute('open')) === null) await folded.locator('.collapsible-header').click();
  }
  const blocks = view.locator('[data-testid="plot-blocks"] .line-plot');
  await blocks.locator('canvas').waitFor({ state: 'visible', timeout: TIMEOUT });
  assert.ok(Number(await blocks.getAttribute('data-blocks')) >= 3, 'block sums plot');
  for (const id of ['plot-terms', 'plot-sums', 'plot-increments', 'plot-trajectory']) {
    const plot = view.locator(`[data-testid="${id}"] .line-plot`);
    await plot.locator('canvas').waitFor({ state: 'visible', timeout: TIMEOUT });
    const points = Number(await plot.getAttribute('data-points'));
    assert.ok(points >= min, `${id}: ${points} points`);
    const box = await plot.locator('canvas').boundingBox();
    assert.ok(box && box.width >= 300 && box.height > 100, `${id}: canvas ${JSON.stringify(box)}`);
  }
}

/**
 * The active editor's lenses once the convergence lens is among them. The lenses of a line render
 * together after every worker analysis behind them answered: on a loaded 2-core machine (first
 * worker start, other analyses queued) that can take longer than one harness step.
 */
async function convergenceLenses(wb: Workbench): Promise<string[]> {
  return waitFor('the convergence code lens', async () => {
    const lenses = await wb.codeLenses(3).catch(() => undefined);
    return lenses?.some((t) => t.startsWith('Convergence:')) ? lenses : undefined;
  }, scaled(150_000));
}

/**
 * The panel's editor group maximized: NAME.png shows the verdicts beside the first plots,
 * NAME-plots.png the lower plots; the group is restored afterwards.
 */
async function maximizedScreenshots(wb: Workbench, view: FrameLocator, name: string): Promise<void> {
  await wb.runCommand('View: Toggle Maximize Editor Group');
  // the two-column layout applies once the panel is wide; wait until the plots have re-laid out
  await view.locator('.main-plots').waitFor();
  const plotBox = async () => (await view.locator('[data-testid="plot-terms"] canvas').boundingBox())?.width ?? 0;
  await waitFor('the plots to widen', async () => (await plotBox()) > 500).catch(async (e) => {
    await wb.screenshot(`${name}-not-wide`);
    throw new Error(`${(e as Error).message} (plot width ${await plotBox()})`);
  });
  await view.locator('[data-testid="verdicts"]').scrollIntoViewIfNeeded();
  const file = await wb.screenshot(name);
  assert.ok(fs.statSync(file).size > 20_000, `screenshot ${file} is suspiciously small`);
  await view.locator('[data-testid="plot-trajectory"]').scrollIntoViewIfNeeded();
  await wb.screenshot(`${name}-details`);
  await view.locator('[data-testid="verdicts"]').scrollIntoViewIfNeeded();
  await wb.runCommand('View: Toggle Maximize Editor Group');
}

describe('Convergence panel', { timeout: scaled(300_000) }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open({ viewport: { width: 1500, height: 1000 } }); });
  after(async () => { await wb?.close(); });

  it('shows holding verdicts, fitted power laws and plots for a convergent network', async () => {
    await wb.openFile('convergent.network.json');
    const lenses = await convergenceLenses(wb);
    assert.ok(lenses.some((t) => t.startsWith('Convergence: sufficient condition holds')), lenses.join(' | '));
    await wb.runCommand('Depth Lens: Open Convergence');
    const view = wb.webview();
    const statuses = await verdictStatuses(view);
    assert.deepEqual(statuses, { sufficient: 'holds', necessary: 'holds', pointwise: 'holds' });
    await view.locator('[data-testid="verdict-sufficient-status"]', { hasText: 'holds' }).waitFor();
    await assertPlotsHaveData(view, 50);
    // both fits (‖W_k − I‖ and ‖b_k‖, p ≈ 2) are drawn over their range, named in Unicode with their values
    assert.equal(await view.locator('[data-testid="plot-terms"] .line-plot').getAttribute('data-fits'), '2');
    await view.locator('[data-testid="plot-terms"] .u-legend', { hasText: 'fit of ‖Wₖ − I‖₂ (p = 2.0' }).waitFor();
    await view.locator('[data-testid="plot-blocks"] .u-legend', { hasText: 'summable: p = 2.0' }).waitFor();
    await maximizedScreenshots(wb, view, 'convergence-convergent');
  });

  it('shows failing verdicts for a divergent network', async () => {
    // one panel at a time, so the webview locator finds exactly one frame
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('divergent.network.json');
    const lenses = await convergenceLenses(wb);
    assert.ok(lenses.some((t) => t.startsWith('Convergence: sufficient condition fails')), lenses.join(' | '));
    await wb.runCommand('Depth Lens: Open Convergence');
    const view = wb.webview();
    await view.locator('[data-testid="summary"]', { hasText: 'divergent' }).waitFor({ timeout: TIMEOUT });
    const statuses = await verdictStatuses(view);
    assert.equal(statuses.sufficient, 'fails');
    assert.equal(statuses.necessary, 'fails');
    assert.equal(statuses.pointwise, 'fails');
    await view.locator('[data-testid="card-necessary"]', { hasText: 'Non-degeneracy assumption (satisfied)' }).waitFor({ state: 'attached' });
    // ‖b_k‖ = √2 on every layer: its fitted exponent (a least-squares slope of -1.25e-30) reads as a constant tail
    const necessary = view.locator('[data-testid="card-necessary"] dl.numbers');
    const pB = (await necessary.textContent()) ?? '';
    assert.match(pB, /p of ‖bₖ‖\s*0 \(constant tail\)/);
    assert.ok(!/e-\d\d/.test(pB), `an exponent of round-off size in the card: ${pB}`);
    await assertPlotsHaveData(view, 50);
    await maximizedScreenshots(wb, view, 'convergence-divergent');
  });

  it('follows the longest width-preserving run and switches runs from the Run selector', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('runs.network.json');
    await convergenceLenses(wb);
    await wb.runCommand('Depth Lens: Open Convergence');
    const view = wb.webview();
    const summary = view.locator('[data-testid="summary"]');
    await summary.filter({ hasText: 'analysed run 1 of 2: layers 1–100 of width 2' }).waitFor({ timeout: TIMEOUT });
    assert.equal((await verdictStatuses(view)).sufficient, 'holds');
    // the dropdown's rows live in the select's shadow root
    await view.locator('[data-testid="run-select"] vscode-single-select').click();
    await view.locator('[data-testid="run-select"] vscode-single-select li[role=option]', { hasText: 'run 2: layers 102–106 (width 3)' }).click();
    await summary.filter({ hasText: 'analysed run 2 of 2: layers 102–106 of width 3' }).waitFor({ timeout: TIMEOUT });
    await view.locator('[data-testid="notes"]', { hasText: 'layers 1–101 come before the analysed run' }).waitFor({ state: 'attached' });
    await wb.screenshot('convergence-runs');
  });

  it('answers on the first screen at the side-by-side width: one line per verdict, the terms and the block sums, no TeX, no "--"', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('convergent.network.json');
    await convergenceLenses(wb);
    await wb.runCommand('Depth Lens: Open Convergence');
    const view = wb.webview();
    assert.deepEqual(await verdictStatuses(view), { sufficient: 'holds', necessary: 'holds', pointwise: 'holds' });
    const width = await view.locator('body').evaluate((b) => b.clientWidth);
    const height = await view.locator('body').evaluate(() => window.innerHeight);
    await view.locator('[data-testid="plot-blocks"] canvas').waitFor({ state: 'visible', timeout: TIMEOUT });
    // each verdict is one line with its deciding number
    for (const id of ['sufficient', 'necessary', 'pointwise']) {
      const box = (await view.locator(`[data-testid="verdict-${id}"]`).boundingBox())!;
      assert.ok(box.height < 48, `${id} line is ${box.height}px high at a panel width of ${width}px`);
    }
    await view.locator('[data-testid="verdict-sufficient"]', { hasText: /summable \(p = 2\.0\d\d; p = 2\.0\d\d\)/ }).waitFor();
    // the main plot starts on the first screen; the details are folded below it
    const terms = (await view.locator('[data-testid="plot-terms"] canvas').boundingBox())!;
    assert.ok(terms.y < height * 0.6, `terms plot starts at ${terms.y}px of ${height}px`);
    assert.equal(await view.locator('[data-testid="details-verdicts"]').getAttribute('open'), null);
    // Unicode, not TeX; legends with values and no "--" placeholders
    const text = await view.locator('body').innerText();
    assert.ok(!/_\{|\^\{/.test(text), 'raw TeX in the panel');
    for (const id of ['plot-terms', 'plot-blocks']) {
      for (const legend of await view.locator(`[data-testid="${id}"] .u-legend`).allInnerTexts()) assert.ok(!legend.includes('--'), `${id} legend shows a placeholder: ${legend}`);
    }
    await wb.screenshot('convergence');
    assert.ok(width >= 500 && width <= 760, `the panel is ${width}px wide; this test is about the side-by-side width`);
  });
});
