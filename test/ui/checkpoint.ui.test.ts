// UI test of the checkpoint view in the real workbench: "Open With… → Depth Lens" on a .safetensors
// file from the explorer shows the tensor table (names, shapes, dtypes and every ‖·‖₂ filled in by the
// worker, checked against numpy's values recorded by scripts/make-model-fixtures.py), the layer chain,
// and its Convergence button opens the Convergence panel on the model. Screenshots for a human.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { repoRoot } from '../../scripts/code-server.mjs';
import { scaled, waitFor, Workbench } from './harness';

const TIMEOUT = scaled(60_000);
const norms = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'models', 'outputs.json'), 'utf8'))['trained.norms'] as Record<string, number>;

describe('Checkpoint view', { timeout: scaled(420_000) }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open(); });
  after(async () => { await wb?.close(); });

  /** The webview (of several open) whose document has `selector`. */
  async function webviewWith(selector: string): Promise<FrameLocator> {
    return waitFor(`a webview with ${selector}`, async () => {
      const frames = wb.page.locator('iframe.webview.ready');
      const n = await frames.count();
      for (let i = 0; i < n; i++) {
        const view = wb.page.frameLocator('iframe.webview.ready').nth(i).frameLocator('iframe#active-frame');
        if (await view.locator(selector).count().catch(() => 0)) return view;
      }
      return undefined;
    }, TIMEOUT);
  }

  it('"Open With… → Depth Lens" on a .safetensors file shows the tensor table with every ‖·‖₂', async () => {
    await wb.expandFolder('checkpoints');
    await wb.openWith('trained.safetensors', 'Depth Lens');
    const view = await webviewWith('[data-testid=tensor-table] vscode-table-row');
    const table = view.locator('[data-testid=tensor-table]');
    await waitFor('every norm', async () => (await table.getAttribute('data-complete')) === 'true', scaled(120_000));
    const rows = table.locator('vscode-table-row');
    assert.equal(await rows.count(), 6);
    const names = ['0.weight', '0.bias', '2.weight', '2.bias', '5.weight', '5.bias'];
    for (let i = 0; i < names.length; i++) {
      const cells = (await rows.nth(i).locator('vscode-table-cell').allInnerTexts()).map((t) => t.trim());
      assert.equal(cells[0], names[i]);
      assert.equal(cells[2], 'F32');
      // six significant digits of numpy's value
      assert.equal(Number(cells[4]), Number(norms[names[i]].toPrecision(6)), `${names[i]}: ${cells[4]} vs numpy ${norms[names[i]]}`);
    }
    assert.deepEqual((await rows.nth(0).locator('vscode-table-cell').allInnerTexts()).slice(1, 4).map((t) => t.trim()), ['[16, 2]', 'F32', '128 B']);
    const chain = await view.locator('[data-testid=layer-chain] .chain-step').allInnerTexts();
    assert.equal(chain.length, 3);
    assert.match(chain[0], /dense\s+16×2\s+ReLU/);
    assert.match(chain[2], /dense\s+1×16\s+linear/);
    assert.match(await view.locator('[data-testid=checkpoint-summary]').innerText(), /^safetensors, 1\.8 KB, 6 tensors — read as a network of 3 layers, 2 → 1, 337 parameters$/);
    const file = await wb.screenshot('checkpoint');
    assert.ok(fs.statSync(file).size > 20_000, `screenshot ${file} is suspiciously small`);
  });

  it('its Convergence button opens the Convergence panel on the model', async () => {
    const view = await webviewWith('[data-testid=panel-buttons]');
    await view.locator('[data-testid=panel-buttons] vscode-button', { hasText: 'Convergence' }).click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'Convergence: trained.safetensors' }).waitFor({ state: 'visible', timeout: TIMEOUT });
    const panel = await webviewWith('[data-testid="verdict-sufficient"]');
    await panel.locator('[data-testid="verdict-pointwise"]').waitFor({ state: 'visible', timeout: scaled(120_000) });
    await wb.screenshot('checkpoint-convergence');
  });
});
