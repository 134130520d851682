// UI test of the conv panels on torchvision's ResNet-18 in the real workbench (issue 14 item 3).
// The weights are not committed: test/fixtures/conv/resnet18/records.json + src/core/conv/hashInit.ts
// rebuild every tensor bit for bit, written here as resnet18.safetensors with torchvision's
// state_dict keys into the run's workspace. Input size: a bare state_dict gets torchvision's 224×224
// for the 7×7 stem, where one forward pass is 1.8·10⁹ multiply-adds and the convergence probes and a
// region grid would take minutes (refused by the default budget); the file's __metadata__ says
// input_shape "3,32,32" (src/core/formats/convNetwork.ts), the input the fixture's torch records use,
// which keeps the whole file at about a minute on a loaded 2-core machine.
//
// Checked against the CLI on the same file (`depth-lens … --json`): the Activations panel's input
// image and every channel's pattern tile (filled pixels = active units), the Convergence panel's stage
// runs, the region map's count of distinct patterns at two site-prefix depths (and its pixels), and
// the angle plot's measured and predicted angle at the output as its legend shows them.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator, Locator } from 'playwright-core';
import { repoRoot } from '../../scripts/code-server.mjs';
import { fmt } from '../../src/core/convergence/format';
import { formatNumber } from '../../webview/common/format';
import { resnet18Safetensors } from '../unit/conv-fixtures';
import { canvasPixels, filledPixels, scaled, setField, waitFor, Workbench } from './harness';

const TIMEOUT = scaled(60_000);
const NAME = 'resnet18.safetensors';
/** The zoomed plane of the region map test: (s, t) ∈ [0, w]² next to the input image, a 24×24 grid. */
const SIDE = '0.001';
/** the exact partition's box side: about 30 regions, a few seconds */
const EXACT_SIDE = '0.0003';
const GRID = '24';

interface CliActivations { images: string[]; sites: Array<{ site: string; shape: number[]; units: number; active: number[]; channelFraction: number[][] }> }
interface CliConvergence { runs: Array<{ stage: string; terms: Array<{ block: string; a: number; beta: number }> }> }
interface CliRegions { patterns: number; sites: Array<{ site: string; prefix: number }> }
interface CliAffine { affine: { image: string; output: number[]; offset: number[]; directions: Array<{ name: string; norm: number; jvp: number[]; tMin: number; tMax: number; boundMax: string }> } }
interface CliExact { regions: number; complete: boolean; passes: number; polygons: Array<{ hash: string; vertices: number[] }> }

interface CliAngles { images: string[]; sites: Array<{ site: string; layer: number; theta: number | null; predicted: number }> }

/** Distinct colours of the map's cells inside its plot area (axes and ticks are outside it). */
async function mapColours(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d')!;
    const r = window.devicePixelRatio || 1;
    // the plot area starts 48 CSS px from the left and 10 from the top (regionMap.ts MARGIN), ends 12 and 34
    // before the right and bottom; 16 px more off the left and bottom leave out the ring at (0, 0) (radius 14)
    const x0 = Math.ceil(64 * r), y0 = Math.ceil(12 * r), x1 = Math.floor(c.width - 14 * r), y1 = Math.floor(c.height - 50 * r);
    const d = ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
    // a grid cell is some 24×24 px: colours of 50 pixels or more are cells, fewer are seams between them
    const seen = new Map<number, number>();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] !== 255) continue;
      const c = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
      seen.set(c, (seen.get(c) ?? 0) + 1);
    }
    return [...seen.values()].filter((n) => n >= 50).length;
  });
}

describe('Conv panels on ResNet-18', { timeout: scaled(600_000) }, () => {
  let wb: Workbench;
  let dir: string;
  let file: string;
  const cli = (args: string[]): unknown => JSON.parse(execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args, file, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-resnet18-'));
    file = path.join(dir, NAME);
    fs.writeFileSync(file, resnet18Safetensors('3,32,32'));
    wb = await Workbench.open({ workspace: dir, viewport: { width: 1500, height: 1000 } });
  });
  after(async () => {
    await wb?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The webview (of several) whose document has `selector`, by its index among the ready webview
   * frames. After a group is maximised and restored the frames are re-ordered for a moment, so the
   * index counts only once the same frame has it on five polls in a row.
   */
  async function webviewWith(selector: string): Promise<FrameLocator> {
    let last = -1, same = 0;
    const index = await waitFor(`a webview with ${selector}`, async () => {
      const n = await wb.page.locator('iframe.webview.ready').count();
      let found = -1;
      for (let i = 0; i < n && found < 0; i++) {
        const view = wb.page.frameLocator('iframe.webview.ready').nth(i).frameLocator('iframe#active-frame');
        if (await view.locator(selector).count().catch(() => 0)) found = i;
      }
      same = found >= 0 && found === last ? same + 1 : 0;
      last = found;
      return same >= 4 ? found + 1 : undefined;
    }, TIMEOUT);
    return wb.page.frameLocator('iframe.webview.ready').nth(index - 1).frameLocator('iframe#active-frame');
  }

  async function checkpointView(): Promise<FrameLocator> {
    const tab = wb.page.locator('.tabs-container .tab', { hasText: NAME }).first();
    if (await tab.count()) {
      await tab.click();
      return webviewWith('[data-testid=panel-buttons]');
    }
    await wb.openWith(NAME, 'Depth Lens');
    return webviewWith('[data-testid=panel-buttons]');
  }

  /** The panel's group maximised, `target` scrolled into view, a screenshot, the group restored. */
  async function screenshot(selector: string, name: string, scroll: string): Promise<void> {
    await wb.runCommand('View: Toggle Maximize Editor Group');
    const wide = await webviewWith(selector);
    await wide.locator(scroll).first().evaluate((e) => e.scrollIntoView({ block: 'start' }));
    const shot = await wb.screenshot(name);
    assert.ok(fs.statSync(shot).size > 20_000, `screenshot ${shot} is suspiciously small`);
    await wb.runCommand('View: Toggle Maximize Editor Group');
  }

  it('Activations on ResNet-18 at 3×32×32: the input image and every channel of a site as a small image, the CLI\'s active units', async () => {
    const expected = cli(['activations', '--patterns']) as CliActivations;
    const view = await checkpointView();
    await view.locator('[data-testid=panel-buttons] vscode-button', { hasText: 'Activations' }).click();
    await wb.page.locator('.tabs-container .tab', { hasText: `Activations: ${NAME}` }).waitFor({ state: 'visible', timeout: TIMEOUT });
    const panel = await webviewWith('[data-testid=conv-activations]');
    const tiles = panel.locator('[data-testid=channel-pattern]');
    await tiles.first().waitFor({ state: 'visible', timeout: scaled(120_000) });
    assert.match(await panel.locator('[data-testid=conv-image-caption]').innerText(), new RegExp(`^${expected.images[0]}: 3×32×32, values in `));
    assert.equal((await canvasPixels(panel.locator('[data-testid=conv-input-image]'))).drawn, 128 * 128, 'every pixel of the input image');
    assert.equal(await panel.locator('[data-testid=conv-sites] vscode-table-row').count(), expected.sites.length);
    // layer1.0.relu1: 64 channels of 8×8
    const index = expected.sites.findIndex((s) => s.site === 'layer1.0.relu1');
    const site = expected.sites[index];
    assert.deepEqual(site.shape, [64, 8, 8]);
    await panel.locator(`[data-testid=conv-sites] vscode-table-row[data-index="${index}"]`).press('Enter');
    await waitFor(`the 64 channels of ${site.site}`, async () => (await panel.locator('[data-testid=conv-site-title]').innerText()).includes(site.site) && (await tiles.count()) === 64);
    const scale = Math.floor(96 / 8);
    let filled = 0;
    for (let k = 0; k < 64; k++) {
      const units = Math.round(site.channelFraction[0][k] * 64);
      const n = await filledPixels(tiles.nth(k));
      assert.equal(n, units * scale * scale, `${site.site} channel ${k + 1}`);
      filled += n;
    }
    assert.ok(filled > 0 && filled < 64 * 64 * scale * scale, 'some units active, some not');
    await screenshot('[data-testid=conv-activations]', 'resnet18-activations', '[data-testid=conv-summary]');
  });

  it('the region map of the plane through three images: the count of distinct patterns is the CLI\'s for the same grid, at every site and at site-prefix depth 1', async () => {
    const panel = await webviewWith('[data-testid=conv-plane-side]');
    const count = panel.locator('[data-testid=conv-plane-count]');
    // zoom onto the input image's neighbourhood: on [0, 1]² every grid point has a pattern of its own
    await setField(panel, 'conv-plane-side', SIDE);
    await setField(panel, 'conv-plane-grid', GRID);
    await panel.locator('[data-testid=conv-plane-run]').click();
    const expected = cli(['regions', '--grid', GRID, '--box', `0,${SIDE},0,${SIDE}`]) as CliRegions;
    await waitFor('the whole 24×24 grid', async () => (await count.getAttribute('data-done')) === String(24 * 24) && (await count.innerText()).startsWith(`${expected.patterns} distinct`), scaled(180_000));
    assert.equal(await count.getAttribute('data-patterns'), String(expected.patterns));
    assert.equal(await count.getAttribute('data-depth'), String(expected.sites.length));
    assert.equal(await count.innerText(), `${expected.patterns} distinct activation patterns on the 24×24 grid (576 points), all ${expected.sites.length} sites (site-prefix depth ${expected.sites.length}, up to layer4.1.relu2).`);
    assert.match(await panel.locator('[data-testid=conv-plane-caption]').innerText(), new RegExp(`depth-lens regions FILE --seed 109031 --grid 24 --box 0,${SIDE},0,${SIDE}\\.$`));
    const map = panel.locator('[data-testid=conv-plane-map]');
    const all = await mapColours(map);
    // as many cell colours as patterns (two patterns' colours may coincide, rarely)
    assert.ok(all <= expected.patterns && all >= 0.9 * expected.patterns, `${all} colours for ${expected.patterns} patterns`);
    // site-prefix depth 1: the first ReLU site alone
    await panel.locator('[data-testid=conv-plane-depth] vscode-single-select').evaluate((s: HTMLElement & { value: string }) => { s.value = '1'; s.dispatchEvent(new Event('change')); });
    await waitFor('depth 1', async () => (await count.getAttribute('data-depth')) === '1');
    assert.equal(await count.innerText(), `${expected.sites[0].prefix} distinct activation patterns on the 24×24 grid (576 points), sites 1–1 of ${expected.sites.length} (site-prefix depth 1, up to relu).`);
    const first = await mapColours(map);
    assert.ok(first <= expected.sites[0].prefix && first >= 0.9 * expected.sites[0].prefix, `${first} colours for ${expected.sites[0].prefix} patterns at depth 1`);
    // depth 3 for the screenshot: the stem's ReLU, its max pool and the first block's inner ReLU
    await panel.locator('[data-testid=conv-plane-depth] vscode-single-select').evaluate((s: HTMLElement & { value: string }) => { s.value = '3'; s.dispatchEvent(new Event('change')); });
    await waitFor('depth 3', async () => (await count.getAttribute('data-patterns')) === String(expected.sites[2].prefix) && (await count.getAttribute('data-depth')) === '3');
    await screenshot('[data-testid=conv-activations]', 'resnet18-regions', '[data-testid=conv-plane] h2');
  });

  it('the exact partition of a small box: the CLI\'s polygons drawn, one colour per region, hover names the region', async () => {
    const panel = await webviewWith('[data-testid=conv-plane-side]');
    const count = panel.locator('[data-testid=conv-plane-count]');
    await setField(panel, 'conv-plane-side', EXACT_SIDE);
    await panel.locator('[data-testid=conv-plane-exact]').click();
    const expected = cli(['regions', '--exact', '--box', `0,${EXACT_SIDE},0,${EXACT_SIDE}`]) as CliExact;
    assert.equal(expected.complete, true);
    assert.ok(expected.regions >= 10, `${expected.regions} regions`);
    await waitFor('the exact partition', async () => (await count.getAttribute('data-exact')) === '1', scaled(180_000));
    assert.equal(await count.getAttribute('data-regions'), String(expected.regions));
    assert.equal(await count.getAttribute('data-complete'), 'true');
    assert.match(await count.innerText(), new RegExp(`^${expected.regions} activation regions: the exact partition of \\(s, t\\) ∈ \\[0, ${EXACT_SIDE}\\] × \\[0, ${EXACT_SIDE}\\] \\(${expected.passes} forward passes\\)\\.$`));
    assert.match(await panel.locator('[data-testid=conv-plane-caption]').innerText(), new RegExp(`depth-lens regions FILE --exact --seed 109031 --box 0,${EXACT_SIDE},0,${EXACT_SIDE}\\.$`));
    const map = panel.locator('[data-testid=conv-plane-map]');
    assert.equal(await map.getAttribute('data-regions'), String(expected.regions));
    // polygons filled in as many colours as regions (two hashes' colours may coincide, rarely; thin
    // regions may have fewer than 50 pixels at this size)
    const colours = await mapColours(map);
    assert.ok(colours <= expected.regions && colours >= 0.5 * expected.regions, `${colours} colours for ${expected.regions} regions`);
    // hover inside the plot: the tooltip names one of the CLI's regions by its pattern
    await map.scrollIntoViewIfNeeded();
    const box = (await map.boundingBox())!;
    // the plot area: 48 px from the left and 10 from the top, 12 and 34 before the right and bottom (regionMap.ts MARGIN)
    await map.hover({ position: { x: 48 + (box.width - 60) * 0.5, y: 10 + (box.height - 44) * 0.5 } });
    const tip = panel.locator('[data-testid=conv-plane] .region-tooltip');
    const text = await waitFor('the region tooltip', async () => {
      const t = await tip.innerText().catch(() => '');
      return /region \d+ of \d+ · pattern [0-9a-f]{8} · area /.test(t) ? t : undefined;
    }, TIMEOUT);
    const shown = /region \d+ of (\d+) · pattern ([0-9a-f]{8})/.exec(text)!;
    assert.equal(shown[1], String(expected.regions));
    assert.ok(expected.polygons.some((p) => p.hash === shown[2]), `pattern ${shown[2]} is one of the CLI's regions`);
    await screenshot('[data-testid=conv-activations]', 'resnet18-exact-regions', '[data-testid=conv-plane] h2');
  });

  it('the affine map on the image\'s region: N(x₁), c and J v as the CLI prints them, with the reach along v', async () => {
    const expected = cli(['activations', '--affine']) as CliAffine;
    const panel = await webviewWith('[data-testid=conv-affine-run]');
    await panel.locator('[data-testid=conv-affine-run]').click();
    const reach = panel.locator('[data-testid=conv-affine-reach] li');
    await waitFor('the affine map', async () => (await reach.count()) === 3, scaled(120_000));
    const a = expected.affine;
    for (let i = 0; i < 2; i++) {
      const d = a.directions[i];
      assert.equal(await reach.nth(i).getAttribute('data-t-max'), String(d.tMax));
      assert.equal(await reach.nth(i).innerText(), `${d.name} (‖v‖ = ${formatNumber(d.norm)}): x₁ + t·v stays in the region for ${formatNumber(d.tMin)} ≤ t ≤ ${formatNumber(d.tMax)}; at t = ${formatNumber(d.tMax)} ${d.boundMax} changes.`);
    }
    assert.equal(await reach.nth(2).innerText(), 'The same numbers: depth-lens activations FILE --affine --seed 109031.');
    const table = panel.locator('[data-testid=conv-affine-table]');
    assert.equal(await table.getAttribute('data-outputs'), '1000');
    const rows = table.locator('vscode-table-row');
    assert.equal(await rows.count(), 4);
    const cells = async (k: number) => (await rows.nth(k).locator('vscode-table-cell').allInnerTexts()).map((t) => t.trim());
    const first = await cells(0);
    assert.equal(first[0], `N(x₁), ${a.image}`);
    assert.deepEqual(first.slice(1, 11), a.output.slice(0, 10).map((v) => formatNumber(v)));
    assert.deepEqual((await cells(1)).slice(1, 11), a.offset.slice(0, 10).map((v) => formatNumber(v)));
    assert.deepEqual((await cells(2)).slice(1, 11), a.directions[0].jvp.slice(0, 10).map((v) => formatNumber(v)));
    await screenshot('[data-testid=conv-activations]', 'resnet18-affine', '[data-testid=conv-affine] h2');
  });

  it('the angle plot: measured and predicted angle per site, the legend showing the CLI\'s values at the output', async () => {
    const expected = cli(['degeneracy']) as CliAngles;
    const out = expected.sites[expected.sites.length - 1];
    const panel = await webviewWith('[data-testid=conv-angles]');
    const summary = panel.locator('[data-testid=conv-angle-summary]');
    await waitFor('the angles', async () => (await summary.getAttribute('data-predicted')) !== null, scaled(120_000));
    assert.equal(Number(await summary.getAttribute('data-measured')), out.theta);
    assert.equal(Number(await summary.getAttribute('data-predicted')), out.predicted);
    assert.match(await summary.innerText(), new RegExp(`at the output after ${out.layer} ReLU sites, measured θ = ${formatNumber(out.theta)} rad, predicted ${formatNumber(out.predicted)} rad\\.$`));
    const plot = panel.locator('[data-testid=conv-angle-plot] .line-plot');
    await plot.locator('canvas').first().waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.ok((await canvasPixels(plot.locator('canvas').first())).drawn > 1000, 'the plot is drawn');
    // the legend (cursor off the plot): both series at the last x, the output
    const rows = plot.locator('.u-legend .u-series');
    const legend = async (i: number) => ({ label: (await rows.nth(i).locator('.u-label').innerText()).trim(), value: (await rows.nth(i).locator('.u-value').innerText()).trim() });
    assert.deepEqual(await legend(1), { label: 'measured θ', value: formatNumber(out.theta) });
    assert.deepEqual(await legend(2), { label: 'predicted θ (infinite width)', value: formatNumber(out.predicted) });
    await screenshot('[data-testid=conv-activations]', 'resnet18-angles', '[data-testid=conv-angles] h2');
  });

  it('Convergence on ResNet-18: one section per stage run with the CLI\'s a_n and β_n', async () => {
    const expected = cli(['convergence']) as CliConvergence;
    const view = await checkpointView();
    await view.locator('[data-testid=panel-buttons] vscode-button', { hasText: 'Convergence' }).click();
    await wb.page.locator('.tabs-container .tab', { hasText: `Convergence: ${NAME}` }).waitFor({ state: 'visible', timeout: TIMEOUT });
    const panel = await webviewWith('[data-testid=conv-convergence]');
    await panel.locator(`[data-testid=conv-run-${expected.runs.length}]`).waitFor({ state: 'visible', timeout: scaled(240_000) });
    assert.equal(await panel.locator('section[data-testid^="conv-run-"]').count(), expected.runs.length);
    for (const [i, run] of expected.runs.entries()) {
      const section = panel.locator(`[data-testid=conv-run-${i + 1}]`);
      const n = run.terms.length;
      assert.match(await section.locator('h2').innerText(), new RegExp(`^Run ${i + 1} \\(${run.stage}\\): ${n} identity blocks? on `));
      const rows = section.locator('[data-testid=conv-blocks] tbody tr');
      assert.equal(await rows.count(), n);
      for (const [j, t] of run.terms.entries()) {
        const cells = (await rows.nth(j).locator('td').allInnerTexts()).map((s) => s.trim());
        assert.deepEqual([cells[0], cells[4], cells[5]], [t.block, fmt(t.a), fmt(t.beta)], t.block);
      }
    }
    await screenshot('[data-testid=conv-convergence]', 'resnet18-convergence', '[data-testid=conv-run-1] h2');
  });
});
