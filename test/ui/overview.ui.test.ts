// UI test of the foundation slice in the real workbench: the code lens text, the overview panel's
// table (numbers checked against closed forms computed here), a plot canvas with drawn data and its
// log-scale toggle, the weight heatmap and its hover values, the panel following edits in the editor
// and the file on disk, its restore after a window reload (state included), the MATH.md link, a
// 400×400 layer, and the error squiggle of a malformed file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { canvasPixels, scaled, waitFor, Workbench } from './harness';

/** formatNumber of webview/common/ui.ts for numbers in [1e-3, 1e5): 4 significant digits */
const fmt = (v: number) => Number(v.toPrecision(4)).toString();

/** small.network.json with its first weight matrix replaced. */
function smallWith(w1: string): string {
  return `{
  "format": "depth-lens/network@1",
  "input": { "dim": 2 },
  "layers": [
    { "type": "dense", "weights": ${w1}, "bias": [0.5, -1], "activation": "relu" },
    { "type": "dense", "weights": [[1, -1]], "bias": [0], "activation": "linear" }
  ]
}
`;
}

/** The cells of the layer table's first row, once they read `expected` (the panel re-renders on changes). */
async function firstRowBecomes(view: FrameLocator, expected: string[], what: string): Promise<void> {
  const cells = view.locator('[data-testid=layer-table] vscode-table-row').first().locator('vscode-table-cell');
  let last: string[] = [];
  await waitFor(what, async () => {
    last = (await cells.allInnerTexts().catch(() => [])).map((t) => t.trim());
    return JSON.stringify(last) === JSON.stringify(expected);
  }, scaled(60_000)).catch((e: Error) => { throw new Error(`${e.message}; the first row reads ${last.join(' | ')}`); });
}

describe('Network overview panel', { timeout: scaled(420_000) }, () => {
  let wb: Workbench;
  let workspace: string;
  before(async () => {
    wb = await Workbench.open();
    workspace = path.join(wb.server.baseDir, 'workspaces', 'fixtures-workspace');
  });
  after(async () => { await wb?.close(); });

  /** An editor tab by its file name (its aria-label starts with it: "small.network.json", "MATH.md, preview, …"). */
  const tab = (fileName: string) => wb.page.locator(`.tabs-container .tab[aria-label="${fileName}"], .tabs-container .tab[aria-label^="${fileName},"]`);
  const overviewTab = () => wb.page.locator('.tabs-container .tab', { hasText: 'Network overview: small.network.json' });
  const logToggle = (view: FrameLocator) => view.locator('vscode-checkbox', { hasText: 'log scale' });

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
    await rows.nth(1).waitFor({ state: 'visible', timeout: scaled(60_000) });
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
    assert.match(await view.locator('[data-testid=heatmap-title]').innerText(), /layer 1: W \(2×2\) — hover for values; colour: blue > 0 > red, scaled to max \|w\| = 4$/);
    // the panel renders all of this under a strict policy: scripts by nonce only, no inline styles
    const csp = await view.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp ?? '', /^default-src 'none'; style-src [^;]+; font-src [^;]+; img-src [^;]+ data: blob:; script-src 'nonce-[A-Za-z0-9_-]{24}'$/, csp ?? 'no CSP meta');
    assert.doesNotMatch(csp ?? '', /unsafe-/);
    await wb.screenshot('overview-small');
  });

  it('hovering the heatmap shows the entry under the pointer', async () => {
    const view = wb.webview();
    const heat = view.locator('.heatmap canvas');
    const tooltip = view.locator('.heatmap-tooltip');
    const box = await heat.boundingBox();
    assert.ok(box, 'the heatmap canvas has a box');
    // W = [[1, 2], [3, 4]] drawn as 2×2 cells: the right half of the top row is w₁₂ = 2, the left half of the bottom row w₂₁ = 3
    await heat.hover({ position: { x: box.width * 0.75, y: box.height * 0.25 } });
    await waitFor('the tooltip of w12', async () => (await tooltip.innerText().catch(() => '')) === 'out 1, in 2: 2.00000');
    await heat.hover({ position: { x: box.width * 0.25, y: box.height * 0.75 } });
    await waitFor('the tooltip of w21', async () => (await tooltip.innerText().catch(() => '')) === 'out 2, in 1: 3.00000');
  });

  it('the log-scale toggle redraws the norm plot on a linear axis and back', async () => {
    const view = wb.webview();
    const plot = view.locator('[data-testid=norm-plot] .line-plot');
    const canvas = plot.locator('canvas').first();
    assert.equal(await plot.getAttribute('data-log-y'), 'true');
    const logPixels = await canvasPixels(canvas);
    await logToggle(view).click();
    await waitFor('a linear y axis', async () => (await plot.getAttribute('data-log-y')) === 'false');
    // ‖b₂‖ = 0 cannot be drawn on a log axis: on the linear one the plot has another shape
    const linearPixels = await waitFor('the linear plot', async () => { const p = await canvasPixels(canvas); return p.drawn > 50 && p.drawn !== logPixels.drawn ? p : undefined; });
    assert.notEqual(linearPixels.drawn, logPixels.drawn);
    await logToggle(view).click();
    await waitFor('the log axis again', async () => (await plot.getAttribute('data-log-y')) === 'true');
  });

  it('selecting a row shows that layer’s weights', async () => {
    const view = wb.webview();
    // click a cell (the row's centre can sit on a column sash, which vscode-table keeps for itself)
    await view.locator('[data-testid=layer-table] vscode-table-row').nth(1).locator('vscode-table-cell').first().click();
    const heat = view.locator('.heatmap canvas');
    await waitFor('layer 2 heatmap', async () => (await heat.getAttribute('data-rows')) === '1');
    assert.equal(await heat.getAttribute('data-cols'), '2');
  });

  it('comes back after a window reload with its state, and keeps later changes across hide and show', async () => {
    let view = wb.webview();
    await logToggle(view).click(); // log scale off; layer 2 is selected
    await waitFor('a linear y axis', async () => (await view.locator('[data-testid=norm-plot] .line-plot').getAttribute('data-log-y')) === 'false');
    // the command, like a user: the workbench saves its state (the webview's included) before reloading
    await wb.runCommand('Developer: Reload Window');
    await wb.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: scaled(90_000) });
    await overviewTab().waitFor({ state: 'visible', timeout: scaled(90_000) });
    view = wb.webview();
    await view.locator('[data-testid=layer-table] vscode-table-row').nth(1).waitFor({ state: 'visible', timeout: scaled(90_000) });
    const heat = view.locator('.heatmap canvas');
    await waitFor('the restored selection (layer 2)', async () => (await heat.getAttribute('data-rows')) === '1');
    assert.equal(await view.locator('[data-testid=norm-plot] .line-plot').getAttribute('data-log-y'), 'false', 'the restored log-scale choice');
    await wb.screenshot('overview-restored');
    // a change after the reload survives hiding the panel (its webview is discarded) and showing it again
    await logToggle(view).click();
    await waitFor('the log axis', async () => (await view.locator('[data-testid=norm-plot] .line-plot').getAttribute('data-log-y')) === 'true');
    await tab('small.network.json').click();
    await overviewTab().click();
    view = wb.webview();
    const plot = view.locator('[data-testid=norm-plot] .line-plot');
    await view.locator('[data-testid=layer-table] vscode-table-row').nth(1).waitFor({ state: 'visible', timeout: scaled(60_000) });
    await waitFor('the plot after show', async () => (await plot.getAttribute('data-log-y').catch(() => null)) !== null);
    assert.equal(await plot.getAttribute('data-log-y'), 'true', 'the log-scale choice made after the reload');
  });

  it('MATH.md §A in the caption opens docs/MATH.md at section A', async () => {
    const view = wb.webview();
    const links = view.locator('[data-testid=norm-caption] a.doc-link');
    assert.deepEqual((await links.allInnerTexts()).map((t) => t.trim()), ['MATH.md', '§A']);
    await links.nth(1).click();
    await tab('MATH.md').waitFor({ state: 'visible', timeout: scaled(30_000) });
    await wb.page.locator('.editor-group-container .view-lines', { hasText: 'A. Activation matrices, activation domains' }).first().waitFor({ state: 'visible', timeout: scaled(30_000) });
    await tab('MATH.md').click();
    await wb.page.keyboard.press('Control+W'); // View: Close Editor
    await tab('MATH.md').waitFor({ state: 'detached', timeout: scaled(30_000) });
  });

  it('"Restart Analysis Worker" makes the open panel request its numbers again (no error banner left)', async () => {
    const view = wb.webview();
    const table = view.locator('[data-testid=layer-table] vscode-table');
    await table.evaluate((t: HTMLElement) => { t.dataset.beforeRestart = 'yes'; });
    await wb.runCommand('Depth Lens: Restart Analysis Worker');
    // the panel rendered a new table from a fresh worker run
    await waitFor('a re-rendered table', async () => (await table.count()) === 1 && (await table.getAttribute('data-before-restart')) === null, scaled(60_000));
    await firstRowBecomes(view, ['1', 'dense', '2×2', 'relu', fmt(Math.sqrt((30 + Math.sqrt(884)) / 2)), fmt(Math.sqrt((22 + Math.sqrt(340)) / 2)), fmt(Math.sqrt(1.25))], 'the table after the restart');
    assert.equal(await view.locator('.banner-error').count(), 0);
  });

  it('follows edits in the editor, then the file on disk once no editor has it, and says when it is deleted', async () => {
    const view = wb.webview();
    // an edit in the editor (not saved): w₂₂ = 4 → 9 (line 5, column 48), typed like a user
    await tab('small.network.json').click();
    await wb.activeEditor().locator('.view-lines').click();
    await wb.page.keyboard.press('Control+G');
    const goTo = wb.page.locator('.quick-input-widget');
    await goTo.locator('input').fill(':5:48'); // Go to Line is quick access with the ':' prefix
    await goTo.getByText(/line 5.*(column|character) 48/i).first().waitFor({ timeout: scaled(30_000) });
    await goTo.locator('input').press('Enter');
    await goTo.waitFor({ state: 'hidden', timeout: scaled(30_000) });
    await wb.page.keyboard.press('Shift+ArrowRight');
    await wb.page.keyboard.type('9');
    // (the editor renders spaces as no-break spaces: \s matches both)
    await wb.activeEditor().locator('.view-lines', { hasText: /\[\[1,\s2\],\s\[3,\s9\]\]/ }).waitFor({ timeout: scaled(30_000) });
    await overviewTab().click();
    // W₁ = [[1,2],[3,9]]: W₁ᵀW₁ = [[10,29],[29,85]] (trace 95, det 9); W₁ − I: Gram [[9,24],[24,68]] (trace 77, det 36)
    const top = (t: number, d: number) => fmt(Math.sqrt((t + Math.sqrt(t * t - 4 * d)) / 2));
    await firstRowBecomes(wb.webview(), ['1', 'dense', '2×2', 'relu', top(95, 9), top(77, 36), fmt(Math.sqrt(1.25))], 'the table after the edit');
    // discard the edit and close the editor; then the file changes on disk: W₁ = 3I
    await tab('small.network.json').click();
    await wb.runCommand('File: Revert File');
    await wb.page.keyboard.press('Control+W'); // View: Close Editor
    await tab('small.network.json').waitFor({ state: 'detached', timeout: scaled(30_000) });
    fs.writeFileSync(path.join(workspace, 'small.network.json'), smallWith('[[3, 0], [0, 3]]'));
    await firstRowBecomes(view, ['1', 'dense', '2×2', 'relu', '3', '2', fmt(Math.sqrt(1.25))], 'the table after the change on disk');
    fs.rmSync(path.join(workspace, 'small.network.json'));
    const deleted = (v: FrameLocator) => v.locator('[data-testid=document-closed]', { hasText: 'small.network.json was deleted; the panel shows its last results.' });
    await deleted(view).waitFor({ timeout: scaled(60_000) });
    await firstRowBecomes(view, ['1', 'dense', '2×2', 'relu', '3', '2', fmt(Math.sqrt(1.25))], 'the last results');
    await wb.screenshot('overview-deleted');
    // the notice survives hiding the panel (another editor in its group discards its webview) and showing it again
    await wb.openFile('wide.network.json');
    await overviewTab().click();
    const shownAgain = wb.webview();
    await deleted(shownAgain).waitFor({ timeout: scaled(60_000) });
    await firstRowBecomes(shownAgain, ['1', 'dense', '2×2', 'relu', '3', '2', fmt(Math.sqrt(1.25))], 'the last results, shown again');
  });

  it('shows a 400×400 layer (160 000 weights) in the heatmap', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('wide.network.json');
    await wb.runCommand('Depth Lens: Open Network Overview');
    const view = wb.webview();
    const heat = view.locator('.heatmap canvas');
    await waitFor('the 400×400 heatmap', async () => (await heat.getAttribute('data-rows').catch(() => null)) === '400', scaled(90_000));
    assert.equal(await heat.getAttribute('data-cols'), '400');
    assert.match(await view.locator('[data-testid=heatmap-title]').innerText(), /^layer 1: W \(400×400\) — hover for values; colour: blue > 0 > red, scaled to max \|w\| = 0\.\d+$/);
    const first = (await view.locator('[data-testid=layer-table] vscode-table-row').first().locator('vscode-table-cell').allInnerTexts()).map((t) => t.trim());
    // He-normal N(0, 2/400): ‖W‖₂ ≈ 2√400 · √(2/400) = 2√2 ≈ 2.83 (Marchenko–Pastur edge)
    assert.ok(Math.abs(Number(first[4]) - 2 * Math.SQRT2) < 0.1, first.join(' | '));
    await wb.screenshot('overview-wide');
  });

  it('squiggles the error in a malformed file', async () => {
    const editor = await wb.openFile('broken.network.json');
    await editor.locator('.squiggly-error').first().waitFor({ state: 'visible', timeout: scaled(30_000) });
    await wb.screenshot('broken-squiggle');
  });
});
