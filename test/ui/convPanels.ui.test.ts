// UI test of the Convergence and Activations panels on a conv ResNet in the real workbench (issue 14):
// "Open With… → Depth Lens" on checkpoints/cifar-resnet.onnx (torch's CIFAR ResNet, 8 identity blocks
// per stage), its buttons open both panels. Convergence shows one section per stage run whose table
// holds the CLI's numbers (`depth-lens convergence FILE --json`, same default probes) and a plot;
// Activations shows the seeded input image, the sites, and per channel a small canvas whose filled
// pixels are exactly the CLI's active units. Screenshots for a human (and the README).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { repoRoot } from '../../scripts/code-server.mjs';
import { fmt } from '../../src/core/convergence/format';
import { canvasPixels, filledPixels, scaled, setField, waitFor, Workbench } from './harness';

const TIMEOUT = scaled(60_000);
const FILE = path.join(repoRoot, 'test', 'fixtures-workspace', 'checkpoints', 'cifar-resnet.onnx');

/** The CLI's JSON for `args` on FILE; each command runs once (several tests compare with the same one). */
const cliRuns = new Map<string, string>();
function cli(args: string[]): unknown {
  const key = JSON.stringify(args);
  if (!cliRuns.has(key)) cliRuns.set(key, execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args, FILE, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
  return JSON.parse(cliRuns.get(key)!);
}

interface CliConvergence {
  runs: Array<{ stage: string; S1: number; S2: number; sufficient: { status: string; reason: string }; terms: Array<{ block: string; n: number; a: number; beta: number; S1: number; S2: number; branch: Array<{ norm: number }>; probes: { increment: number[]; bound: number[] } }> }>;
}
interface CliActivations {
  images: string[];
  sites: Array<{ site: string; shape: number[]; units: number; active: number[]; channelFraction: number[][] }>;
}

/** The first ReLU site of the last stage (16 channels of 8×8). */
function lastStageSite(r: CliActivations): number {
  const i = r.sites.findIndex((s) => s.shape[0] === 16 && s.shape[1] === 8);
  assert.ok(i > 0, 'a 16×8×8 site');
  return i;
}

interface CliInfo {
  summary: { parameterCount: number; residualBlocks: number; identityBlocks: number };
  rows: Array<{ layer: string }>;
}

/** The panel's Export buttons: shown and enabled. */
async function exportButtonsEnabled(panel: FrameLocator, ids = ['export-png', 'export-csv', 'export-json']): Promise<void> {
  for (const id of ids) {
    const b = panel.locator(`header [data-testid=${id}]`);
    await waitFor(`${id} shown and enabled`, async () => (await b.isVisible()) && (await b.getAttribute('disabled')) === null);
  }
}

/** Parsed CSV (the exports quote cells with `,` or `"`; split on the others). */
function csvCells(text: string): string[][] {
  return text.trimEnd().split('\n').map((line) => line.split(','));
}

describe('Conv panels', { timeout: scaled(600_000) }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open({ viewport: { width: 1500, height: 1000 } }); });
  after(async () => { await wb?.close(); });

  async function webviewWith(selector: string): Promise<FrameLocator> {
    return waitFor(`a webview with ${selector}`, async () => {
      const n = await wb.page.locator('iframe.webview.ready').count();
      for (let i = 0; i < n; i++) {
        const view = wb.page.frameLocator('iframe.webview.ready').nth(i).frameLocator('iframe#active-frame');
        if (await view.locator(selector).count().catch(() => 0)) return view;
      }
      return undefined;
    }, TIMEOUT);
  }

  /**
   * Clicks an Export button and accepts the save dialog's proposed file (in the run's copy of the
   * workspace): the saved file's text. Nothing is written before the dialog is accepted.
   */
  async function exportThroughDialog(panel: FrameLocator, id: string, fileName: string): Promise<string> {
    return fs.readFileSync(await exportedFile(panel, id, fileName), 'utf8');
  }

  /** As exportThroughDialog, the saved file's path. */
  async function exportedFile(panel: FrameLocator, id: string, fileName: string): Promise<string> {
    await panel.locator(`header [data-testid=${id}]`).click();
    const input = wb.page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: TIMEOUT });
    const target = await waitFor(`the save dialog proposing ${fileName}`, async () => { const v = await input.inputValue(); return v.endsWith(`/${fileName}`) ? v : undefined; });
    assert.equal(fs.existsSync(target), false, `${target} is not written before the dialog is accepted`);
    await input.press('Enter');
    await waitFor(`${target} written`, () => fs.existsSync(target) && fs.statSync(target).size > 0, TIMEOUT);
    return target;
  }

  /** A saved PNG: its width and height from the IHDR chunk; a copy in test-output/ui to look at. */
  function pngSize(file: string, copyAs: string): [number, number] {
    const bytes = fs.readFileSync(file);
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], `${file} is a PNG`);
    fs.copyFileSync(file, path.join(repoRoot, 'test-output', 'ui', `${copyAs}.png`));
    return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  }

  /** The checkpoint view of cifar-resnet.onnx ("Open With… → Depth Lens" the first time). */
  async function checkpointView(): Promise<FrameLocator> {
    const tab = wb.page.locator('.tabs-container .tab', { hasText: 'cifar-resnet.onnx' }).first();
    if (await tab.count()) {
      await tab.click();
      return webviewWith('[data-testid=panel-buttons]');
    }
    await wb.expandFolder('checkpoints');
    await wb.openWith('cifar-resnet.onnx', 'Depth Lens');
    return webviewWith('[data-testid=panel-buttons]');
  }

  it('Convergence on the conv ResNet: one section per stage run with the CLI\'s numbers, its verdict and a plot', async () => {
    const expected = cli(['convergence']) as CliConvergence;
    const view = await checkpointView();
    await view.locator('[data-testid=panel-buttons] vscode-button', { hasText: 'Convergence' }).click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'Convergence: cifar-resnet.onnx' }).waitFor({ state: 'visible', timeout: TIMEOUT });
    const panel = await webviewWith('[data-testid=conv-convergence]');
    await panel.locator('[data-testid=conv-run-3]').waitFor({ state: 'visible', timeout: scaled(240_000) });
    assert.equal(await panel.locator('section[data-testid^="conv-run-"]').count(), 3);
    // the dense sections are hidden
    assert.equal(await panel.locator('[data-testid=verdicts]').isVisible(), false);
    for (let i = 0; i < 3; i++) {
      const run = expected.runs[i];
      const section = panel.locator(`[data-testid=conv-run-${i + 1}]`);
      assert.match(await section.locator('h2').innerText(), new RegExp(`^Run ${i + 1} \\(${run.stage}\\): 8 identity blocks on `));
      const verdict = section.locator('[data-testid=conv-verdict]');
      assert.equal(await verdict.getAttribute('data-status'), run.sufficient.status);
      assert.match(await verdict.innerText(), /cannot decide from 8 blocks/);
      assert.equal(await section.locator('[data-testid=conv-sums]').innerText(), `S1 = ${fmt(run.S1)}, S2 = ${fmt(run.S2)} (exact over the 8 blocks present); a₈/a₁ = ${fmt(run.terms[7].a / run.terms[0].a)}.`);
      const rows = section.locator('[data-testid=conv-blocks] tbody tr');
      assert.equal(await rows.count(), 8);
      for (let j = 0; j < 8; j++) {
        const t = run.terms[j];
        const cells = (await rows.nth(j).locator('td').allInnerTexts()).map((s) => s.trim());
        let inc = 0, ratio = 0;
        t.probes.increment.forEach((d, p) => { inc = Math.max(inc, d); ratio = Math.max(ratio, d / t.probes.bound[p]); });
        assert.deepEqual(cells, [t.block, String(t.n), fmt(t.branch[0].norm), fmt(t.branch[1].norm), fmt(t.a), fmt(t.beta), fmt(t.S1), fmt(t.S2), fmt(inc), fmt(ratio)], `${t.block}`);
      }
      const plot = section.locator('[data-testid=conv-plot] .line-plot');
      await plot.locator('canvas').waitFor({ state: 'visible', timeout: TIMEOUT });
      assert.equal(await plot.getAttribute('data-points'), '8', 'a_n, β_n and the increments at blocks 1–8');
      assert.ok((await canvasPixels(plot.locator('canvas').first())).drawn > 1000, 'the plot is drawn');
    }
    // the panel's group maximized for the screenshots (restored afterwards)
    await wb.runCommand('View: Toggle Maximize Editor Group');
    // the other group's webview is gone: find the panel's frame again
    const wide = await webviewWith('[data-testid=conv-convergence]');
    await wide.locator('[data-testid=conv-run-1] h2').scrollIntoViewIfNeeded();
    const file = await wb.screenshot('conv-convergence');
    assert.ok(fs.statSync(file).size > 20_000, `screenshot ${file} is suspiciously small`);
    await wide.locator('[data-testid=conv-run-3] h2').scrollIntoViewIfNeeded();
    await wb.screenshot('conv-convergence-stage3');
    await wb.runCommand('View: Toggle Maximize Editor Group');
  });

  it('Activations on the conv ResNet: the input image, the sites and every channel\'s pattern as a small canvas', async () => {
    const expected = cli(['activations', '--patterns']) as CliActivations;
    const view = await checkpointView();
    await view.locator('[data-testid=panel-buttons] vscode-button', { hasText: 'Activations' }).click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'Activations: cifar-resnet.onnx' }).waitFor({ state: 'visible', timeout: TIMEOUT });
    const panel = await webviewWith('[data-testid=conv-activations]');
    const tiles = panel.locator('[data-testid=channel-pattern]');
    await tiles.first().waitFor({ state: 'visible', timeout: scaled(120_000) });
    assert.match(await panel.locator('[data-testid=conv-image-caption]').innerText(), new RegExp(`^${expected.images[0]}: 3×32×32, values in `));
    const image = panel.locator('[data-testid=conv-input-image]');
    assert.deepEqual(await image.evaluate((c: HTMLCanvasElement) => [c.width, c.height]), [128, 128]);
    assert.ok((await canvasPixels(image)).drawn === 128 * 128, 'every pixel of the input image');
    assert.equal(await panel.locator('[data-testid=conv-sites] vscode-table-row').count(), expected.sites.length);

    /** Each channel's filled pixels are its active units (scale² pixels a unit). */
    async function checkSite(index: number): Promise<void> {
      const site = expected.sites[index];
      const [c, h, w] = site.shape;
      await waitFor(`the ${c} channels of ${site.site}`, async () => (await panel.locator('[data-testid=conv-site-title]').innerText()).includes(site.site) && (await tiles.count()) === c);
      const scale = Math.max(1, Math.floor(96 / Math.max(h, w)));
      for (let k = 0; k < c; k++) {
        const canvas = tiles.nth(k);
        assert.deepEqual(await canvas.evaluate((x: HTMLCanvasElement) => [x.width, x.height]), [w * scale, h * scale]);
        const units = Math.round(site.channelFraction[0][k] * h * w);
        assert.equal(await filledPixels(canvas), units * scale * scale, `${site.site} channel ${k + 1}`);
      }
    }
    await checkSite(0);
    // rows further down the table's own scroll area are chosen by keyboard (focus + Enter), as a user can
    await panel.locator('[data-testid=conv-sites] vscode-table-row[data-index="3"]').press('Enter');
    await checkSite(3);
    // a site of the last stage: 16 channels of 8×8 (kept for the screenshot and the next test)
    const last = lastStageSite(expected);
    await panel.locator(`[data-testid=conv-sites] vscode-table-row[data-index="${last}"]`).press('Enter');
    await checkSite(last);
    await wb.runCommand('View: Toggle Maximize Editor Group');
    const wide = await webviewWith('[data-testid=conv-activations]');
    await wide.locator('[data-testid=conv-summary]').scrollIntoViewIfNeeded();
    const file = await wb.screenshot('conv-activations');
    assert.ok(fs.statSync(file).size > 20_000, `screenshot ${file} is suspiciously small`);
    await wb.runCommand('View: Toggle Maximize Editor Group');
  });

  it('a new image seed redraws the image and the patterns as the CLI computes them for that seed', async () => {
    const expected = cli(['activations', '--patterns', '--seed', '11']) as CliActivations;
    const panel = await webviewWith('[data-testid=conv-activations]');
    await setField(panel, 'conv-seed', '11');
    await panel.locator('[data-testid=conv-run-image]').click();
    await waitFor('the seed-11 image', async () => (await panel.locator('[data-testid=conv-image-caption]').innerText()).startsWith(`${expected.images[0]}:`), scaled(120_000));
    const tiles = panel.locator('[data-testid=channel-pattern]');
    const site = expected.sites[lastStageSite(expected)];
    const [c, h, w] = site.shape;
    assert.equal(await tiles.count(), c);
    const scale = Math.max(1, Math.floor(96 / Math.max(h, w)));
    for (let k = 0; k < c; k++) assert.equal(await filledPixels(tiles.nth(k)), Math.round(site.channelFraction[0][k] * h * w) * scale * scale, `channel ${k + 1}`);
  });

  it('the conv Convergence view exports CSV (one row per block of every run, the CLI\'s numbers) and JSON (the CLI\'s document)', async () => {
    const expected = cli(['convergence']) as CliConvergence;
    await wb.page.locator('.tabs-container .tab', { hasText: 'Convergence: cifar-resnet.onnx' }).click();
    const panel = await webviewWith('[data-testid=conv-convergence]');
    await panel.locator('[data-testid=conv-run-3]').waitFor({ state: 'visible', timeout: scaled(240_000) });
    await exportButtonsEnabled(panel);
    const cells = csvCells(await exportThroughDialog(panel, 'export-csv', 'convergence.csv'));
    assert.deepEqual(cells[0], ['run', 'stage', 'block', 'n', 'norm W1 (2)', 'norm W2 (2)', 'a_n', 'beta_n', 'S1', 'S2', 'max increment', 'max increment/bound']);
    const terms = expected.runs.flatMap((run, i) => run.terms.map((t) => ({ run: i + 1, stage: run.stage, t })));
    assert.equal(cells.length, 1 + terms.length);
    terms.forEach(({ run, stage, t }, j) => {
      const row = cells[j + 1];
      assert.deepEqual(row.slice(0, 4), [String(run), stage, t.block, String(t.n)]);
      assert.deepEqual(row.slice(4, 10).map(Number), [t.branch[0].norm, t.branch[1].norm, t.a, t.beta, t.S1, t.S2], t.block);
    });
    const json = JSON.parse(await exportThroughDialog(panel, 'export-json', 'convergence.json')) as CliConvergence & { file: string };
    assert.equal(json.file, 'cifar-resnet.onnx');
    assert.deepEqual({ ...json, file: FILE }, expected);
    // PNG: the three runs' plots stacked (each some 260 px high)
    const [w, h] = pngSize(await exportedFile(panel, 'export-png', 'convergence.png'), 'conv-convergence-export');
    assert.ok(w > 300 && h > 3 * 150, `${w}×${h}`);
  });

  it('the conv Activations view exports CSV (one row per site and channel) and JSON (the CLI\'s document)', async () => {
    const expected = cli(['activations', '--patterns', '--seed', '11']) as CliActivations & { file: string };
    await wb.page.locator('.tabs-container .tab', { hasText: 'Activations: cifar-resnet.onnx' }).click();
    const panel = await webviewWith('[data-testid=conv-activations]');
    await waitFor('the seed-11 image', async () => (await panel.locator('[data-testid=conv-image-caption]').innerText()).startsWith(`${expected.images[0]}:`), scaled(120_000));
    await exportButtonsEnabled(panel);
    const cells = csvCells(await exportThroughDialog(panel, 'export-csv', 'activations.csv'));
    assert.equal(cells[0].join(','), 'site #,layer,site,kind,shape,channel,channel units,channel active,channel fraction,site active,site units,site fraction');
    const want = expected.sites.flatMap((s, i) => s.channelFraction[0].map((f, c) => [String(i + 1), s.site, String(c + 1), f, s.active[0]] as const));
    assert.equal(cells.length, 1 + want.length);
    want.forEach(([i, site, c, f, active], j) => {
      const row = cells[j + 1];
      assert.deepEqual([row[0], row[2], row[5], Number(row[8]), Number(row[9])], [i, site, c, f, active]);
    });
    const json = JSON.parse(await exportThroughDialog(panel, 'export-json', 'activations.json')) as { file: string };
    assert.equal(json.file, 'cifar-resnet.onnx');
    assert.deepEqual({ ...json, file: expected.file }, expected);
    // PNG: the input image (128 px) above the chosen site's 16 channel tiles (96 px each, one row)
    const [w, h] = pngSize(await exportedFile(panel, 'export-png', 'activations-channels.png'), 'conv-activations-export');
    assert.ok(w >= 16 * 96 && h >= 128 + 96, `${w}×${h}`);
  });

  it('the Overview on the conv checkpoint shows what `depth-lens info` shows: parameter count, stages, identity runs, layers', async () => {
    const expected = cli(['info', '--no-norms']) as CliInfo;
    const view = await checkpointView();
    await view.locator('[data-testid=panel-buttons] vscode-button', { hasText: 'Overview' }).click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'Network overview: cifar-resnet.onnx' }).waitFor({ state: 'visible', timeout: TIMEOUT });
    const panel = await webviewWith('[data-testid=conv-overview]');
    const summary = panel.locator('[data-testid=conv-summary]');
    await waitFor('the conv summary', async () => (await summary.innerText().catch(() => '')).length > 0, scaled(60_000));
    const text = await summary.innerText();
    assert.match(text, new RegExp(`${expected.summary.parameterCount.toLocaleString('en-US')} parameters`));
    assert.match(text, new RegExp(`input 3×32×32, output 10, 30 layers \\(${expected.summary.residualBlocks} residual blocks, ${expected.summary.identityBlocks} with identity shortcut\\)`));
    // no error banner, the dense sections hidden
    assert.equal(await panel.locator('.banner').count(), 0);
    assert.equal(await panel.locator('[data-testid=norm-plot]').isVisible(), false);
    assert.equal(await panel.locator('[data-testid=conv-stages] tbody tr').count(), 3);
    const runs = panel.locator('[data-testid=conv-runs] tbody tr');
    assert.equal(await runs.count(), 3);
    assert.deepEqual((await runs.first().locator('td').allInnerTexts()).map((x) => x.trim()), ['1', 'layer1', '2–9', '8', '4×32×32', 'layer1.0 – layer1.7']);
    assert.equal(await panel.locator('[data-testid=conv-layers] tbody tr').count(), expected.rows.length);
    // PNG is the dense norm plot's: hidden here; CSV (the layer table) and JSON stay
    await exportButtonsEnabled(panel, ['export-csv', 'export-json']);
    assert.equal(await panel.locator('header [data-testid=export-png]').isVisible(), false);
    await wb.runCommand('View: Toggle Maximize Editor Group');
    const wide = await webviewWith('[data-testid=conv-overview]');
    await wide.locator('[data-testid=conv-summary]').scrollIntoViewIfNeeded();
    const file = await wb.screenshot('conv-overview');
    assert.ok(fs.statSync(file).size > 20_000, `screenshot ${file} is suspiciously small`);
    await wb.runCommand('View: Toggle Maximize Editor Group');
  });
});
