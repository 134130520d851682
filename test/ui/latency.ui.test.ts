// UI test of panel latency on a 10⁵-layer family (issue 15, item 1), in the real workbench: the
// Activations panel shows its pattern summary and a region map within 2× the CLI's time for the same
// file, and closing a panel mid-run lets a 2-layer Overview answer within 1 s. Times are printed
// (they are the measurements quoted in the README) and every bound is scaled by the slowness factor.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scaled, waitFor, Workbench } from './harness';
import type { FrameLocator } from 'playwright-core';

/**
 * The activation pattern is drawn: as a heatmap, or — past 64 ReLU units — as the per-unit summary
 * with one unit's pattern drilled down (webview/activations/patternSummary.ts).
 */
async function patternShown(view: FrameLocator): Promise<boolean> {
  const rows = async (testId: string) => Number(await view.locator(`[data-testid=${testId}]`).getAttribute('data-rows').catch(() => null));
  return (await rows('pattern-heatmap')) > 0 || (await rows('pattern-drill')) > 0;
}

const repoRoot = path.resolve(__dirname, '..', '..');
const DEEP = 'deep-family.network.json';
const TWO = 'two-layer.network.json';

/** Wall-clock seconds of one CLI run (node start included, as a user runs it). */
function cliSeconds(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  assert.equal(r.status, 0, r.stderr);
  return s;
}

const seconds = (since: number) => (Date.now() - since) / 1000;

/**
 * Clicks a Cancel button that is on screen now and returns once one took the click. A panel has
 * several progress bars (pattern, region map) that come and go as runs finish: the first Cancel in
 * the DOM may sit in a bar that just hid, so the visible ones are looked up again on every try.
 */
async function clickVisibleCancel(view: FrameLocator, scope: string, timeoutMs: number): Promise<void> {
  await waitFor('a visible Cancel button to click', async () => {
    const cancel = view.locator(`${scope} [data-testid=cancel]`).filter({ visible: true }).first();
    if ((await cancel.count()) === 0) return false;
    return cancel.click({ timeout: 2000 }).then(() => true, () => false);
  }, timeoutMs);
}

describe('Panel latency on a 10⁵-layer family', { timeout: scaled(600_000) }, () => {
  let wb: Workbench;
  let folder: string;
  before(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-latency-'));
    // the shipped example is the 10⁵-layer family (examples/*family*: one `family` layer, count 100000)
    const deep = JSON.parse(fs.readFileSync(path.join(repoRoot, 'examples', 'convergent-family.network.json'), 'utf8')) as { layers: Array<{ count: number }> };
    assert.equal(deep.layers[0].count, 100_000);
    fs.writeFileSync(path.join(folder, DEEP), JSON.stringify(deep, null, 2));
    fs.writeFileSync(path.join(folder, TWO), JSON.stringify({
      format: 'depth-lens/network@1', input: { dim: 2 },
      layers: [
        { type: 'dense', weights: [[1, 0.5], [-0.5, 1]], bias: [0.1, -0.1], activation: 'relu' },
        { type: 'dense', weights: [[1, -1]], bias: [0], activation: 'linear' },
      ],
    }, null, 2));
    wb = await Workbench.open({ workspace: folder });
  });
  after(async () => {
    await wb?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('Overview of the deep family: its table within 1 s of the CLI\'s info (warm worker)', async () => {
    const cliBefore = cliSeconds(['info', path.join(folder, DEEP)]);
    /** seconds from the palette command to the Overview's first table row (palette time included) */
    const overview = async (file: string) => {
      await wb.runCommand('View: Close All Editor Groups');
      await wb.openFile(file);
      const start = Date.now();
      await wb.runCommand('Depth Lens: Open Network Overview');
      await wb.webview().locator('[data-testid=layer-table] vscode-table-row').first().waitFor({ state: 'visible', timeout: scaled(120_000) });
      return seconds(start);
    };
    await overview(TWO); // starts the worker
    // the palette and the panel's own start, with next to no work: the mean of two, as one sample
    // on a busy machine can be a fraction of a second off either way
    const base = ((await overview(TWO)) + (await overview(TWO))) / 2;
    const t = await overview(DEEP);
    // the CLI timed again right after: compared under the load that bracketed the panel (the slower run)
    const cli = Math.max(cliBefore, cliSeconds(['info', path.join(folder, DEEP)]));
    console.log(`[latency] overview: CLI info ${cli.toFixed(2)} s (slower of before/after); panel table after ${t.toFixed(2)} s, of which ${base.toFixed(2)} s palette and panel start (a 2-layer file, mean of 2)`);
    assert.ok(t - base <= cli + scaled(1000) / 1000, `panel ${t.toFixed(2)} s (${base.toFixed(2)} s for a 2-layer file), CLI ${cli.toFixed(2)} s`);
    await wb.runCommand('View: Close All Editor Groups');
  });

  it('Activations on the deep family: pattern summary and a region map within 2× the CLI', async () => {
    const cliBefore = cliSeconds(['activations', path.join(folder, DEEP)]);
    // the fixed cost of the palette and of the panel's start: a 2-layer file's Activations panel
    await wb.openFile(TWO);
    const t2 = Date.now();
    await wb.runCommand('Depth Lens: Open Activations');
    await waitFor('the 2-layer pattern', async () => Number(await wb.webview().locator('[data-testid=pattern-heatmap]').getAttribute('data-rows').catch(() => null)) > 0, scaled(60_000));
    const base = seconds(t2);
    await wb.runCommand('View: Close All Editor Groups');
    await wb.openFile(DEEP);
    const start = Date.now();
    await wb.runCommand('Depth Lens: Open Activations');
    const view = wb.webview();
    const map = view.locator('[data-testid=region-map]');
    /** the region map shows an exact partition (data-regions) or a pixel grid (its aria-label says so) */
    const mapDrawn = async () => Number(await map.getAttribute('data-regions').catch(() => null)) > 0
      || /sampled on a/.test((await map.getAttribute('aria-label').catch(() => null)) ?? '');
    const patternDrawn = () => patternShown(view);
    const summaryLayers = async () => Number(await view.locator('[data-testid=activity-plot]').getAttribute('data-layers').catch(() => null));
    const first = await waitFor('a first result (per-layer summary, pattern or region map)', async () =>
      (await summaryLayers()) > 0 || (await patternDrawn()) || (await mapDrawn()) ? seconds(start) : undefined, scaled(180_000));
    const done = await waitFor('the region map and the pattern, with no progress left', async () => {
      const busy = await view.locator('.progress:not([hidden])').count();
      return (await patternDrawn()) && (await mapDrawn()) && busy === 0 ? seconds(start) : undefined;
    }, scaled(Number(process.env.DEPTH_LENS_LATENCY_WAIT_MS ?? 180_000)));
    assert.equal(await summaryLayers(), 100_000);
    const caption = await view.locator('[data-testid=regions-caption]').innerText();
    // the exact map of the first layers, with the depth said, and the budget as a control
    assert.match(caption, /^Exact map of the first [\d,]+ of 100,000 layers/);
    assert.equal(await view.locator('[data-testid=raise-budget]').count(), 1);
    // the CLI timed again after the panel: on a busy machine (CI, other jobs) the load changes within
    // seconds, so the panel is compared with the CLI under the load that bracketed it (the slower run)
    const cliAfter = cliSeconds(['activations', path.join(folder, DEEP)]);
    const cli = Math.max(cliBefore, cliAfter);
    console.log(`[latency] activations CLI ${cliBefore.toFixed(2)} s before, ${cliAfter.toFixed(2)} s after; panel first result ${first.toFixed(2)} s, region map + pattern ${done.toFixed(2)} s, of which ${base.toFixed(2)} s palette and panel start (a 2-layer file); caption: ${caption}`);
    await wb.screenshot('activations-deep');
    await view.locator('[data-testid=activity-plot]').scrollIntoViewIfNeeded();
    await wb.screenshot('activations-deep-summary');
    assert.ok(first - base <= cli + scaled(1000) / 1000, `first result after ${first.toFixed(2)} s (${base.toFixed(2)} s for a 2-layer file), CLI ${cli.toFixed(2)} s`);
    assert.ok(done - base <= scaled(2 * cli * 1000) / 1000, `panel ${done.toFixed(2)} s (${base.toFixed(2)} s for a 2-layer file), CLI ${cli.toFixed(2)} s`);
    // the budget is a control: more layers of the map, cancellable like every long run
    await view.locator('[data-testid=raise-budget]').click();
    // the region map's own bar (the worker's per-layer messages replace its label, keeping the budget)
    const label = view.locator('[data-testid=region-progress]:not([hidden]) .progress-label', { hasText: 'within 1e9 steps' });
    await label.waitFor({ state: 'visible', timeout: scaled(10_000) });
    await clickVisibleCancel(view, '[data-testid=region-progress]:not([hidden])', scaled(10_000));
    await view.locator('[data-testid=cancelled]').first().waitFor({ state: 'visible', timeout: scaled(10_000) });
  });

  it('closing a panel mid-run lets the next 2-layer Overview answer within 1 s', async () => {
    /** seconds from the palette command to the 2-layer Overview's first table row (palette time included) */
    const twoLayerOverview = async () => {
      await wb.openFile(TWO);
      const start = Date.now();
      await wb.runCommand('Depth Lens: Open Network Overview');
      await wb.webview().locator('[data-testid=layer-table] vscode-table-row').first().waitFor({ state: 'visible', timeout: scaled(120_000) });
      return seconds(start);
    };
    await wb.runCommand('View: Close All Editor Groups');
    const idle = await twoLayerOverview();
    await wb.runCommand('View: Close All Editor Groups');
    await wb.openFile(DEEP);
    await wb.runCommand('Depth Lens: Open Activations');
    const view = wb.webview();
    // mid-run: the panel's progress (with its Cancel button) is up
    await view.locator('[data-testid=cancel]:not([hidden])').first().waitFor({ state: 'visible', timeout: scaled(60_000) });
    await wb.page.keyboard.press('Control+W');
    const after = await twoLayerOverview();
    console.log(`[latency] 2-layer overview: ${idle.toFixed(2)} s on an idle worker, ${after.toFixed(2)} s right after closing a running deep Activations panel`);
    assert.ok(after <= idle + scaled(1000) / 1000, `${after.toFixed(2)} s after closing, ${idle.toFixed(2)} s idle`);
  });

  it('the Cancel button stops a deep run in the worker and offers to run it again', async () => {
    await wb.runCommand('View: Close All Editor Groups');
    await wb.openFile(DEEP);
    await wb.runCommand('Depth Lens: Open Activations');
    const view = wb.webview();
    await clickVisibleCancel(view, '.progress:not([hidden])', scaled(60_000));
    await view.locator('[data-testid=cancelled]').first().waitFor({ state: 'visible', timeout: scaled(10_000) });
    assert.match(await view.locator('[data-testid=cancelled]').first().innerText(), /Cancelled: the analysis worker stopped this run/);
  });
});

describe('Budgets are controls in the panel', { timeout: scaled(300_000) }, () => {
  let wb: Workbench;
  let folder: string;
  before(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-budget-'));
    fs.copyFileSync(path.join(repoRoot, 'examples', 'convergent-family.network.json'), path.join(folder, DEEP));
    // the lowest work budget the setting takes: the family's activations (3.2e6) and regions (2e6) are refused
    wb = await Workbench.open({ workspace: folder, settings: { 'depthLens.analysis.maxWork': 1e6 } });
  });
  after(async () => {
    await wb?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('a refusal offers "Run with a higher budget", which runs the analysis', async () => {
    await wb.openFile(DEEP);
    await wb.runCommand('Depth Lens: Open Activations');
    const view = wb.webview();
    const refusal = view.locator('.activation-error');
    await refusal.waitFor({ state: 'visible', timeout: scaled(60_000) });
    assert.match(await refusal.innerText(), /activations needs about 3\.2e6 multiply-adds/);
    const regionButton = view.locator('[data-testid=regions-caption] [data-testid=raise-budget]');
    await regionButton.waitFor({ state: 'visible', timeout: scaled(60_000) });
    assert.match(await view.locator('[data-testid=regions-caption]').innerText(), /No region map: regions needs about 2\.0e6 multiply-adds/);
    await wb.screenshot('activations-budget-refused');
    const raise = refusal.locator('[data-testid=raise-budget]');
    assert.match(await raise.innerText(), /Run with a higher budget \(4\.0e6 multiply-adds\)/);
    await raise.click();
    await waitFor('the pattern after the raise', () => patternShown(view), scaled(60_000));
    assert.equal(await refusal.count(), 0);
    await regionButton.click();
    const map = view.locator('[data-testid=region-map]');
    await waitFor('the region map after the raise', async () => Number(await map.getAttribute('data-regions').catch(() => null)) > 0, scaled(60_000));
    assert.match(await view.locator('[data-testid=regions-caption]').innerText(), /^Exact map of the first [\d,]+ of 100,000 layers/);
  });
});
