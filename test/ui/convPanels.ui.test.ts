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
import type { FrameLocator, Locator } from 'playwright-core';
import { repoRoot } from '../../scripts/code-server.mjs';
import { fmt } from '../../src/core/convergence/format';
import { canvasPixels, scaled, setField, waitFor, Workbench } from './harness';

const TIMEOUT = scaled(60_000);
const FILE = path.join(repoRoot, 'test', 'fixtures-workspace', 'checkpoints', 'cifar-resnet.onnx');

function cli(args: string[]): unknown {
  return JSON.parse(execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args, FILE, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
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

/** Pixels of a pattern canvas not in the background colour (the filled, active ones). */
async function filledPixels(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const probe = document.createElement('div');
    probe.style.color = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background');
    document.body.append(probe);
    const bg = getComputedStyle(probe).color.match(/\d+/g)!.map(Number);
    probe.remove();
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 6) n++;
    return n;
  });
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
});
