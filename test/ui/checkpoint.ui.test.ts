// UI test of the checkpoint view in the real workbench: "Open With… → Depth Lens" on a .safetensors
// file from the explorer shows the tensor table (names, shapes, dtypes and every ‖·‖₂ filled in by the
// worker, checked against numpy's values recorded by scripts/make-model-fixtures.py), the layer chain,
// and its Convergence button opens the Convergence panel on the model; deleting the file leaves the last
// contents with a notice, and the view and its panels keep them after being hidden and shown again. Screenshots for a human.
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

  it('deleting the file keeps the last contents with a notice, also after the view is hidden and shown again', async () => {
    const checkpointTab = wb.page.locator('.tabs-container .tab[aria-label^="trained.safetensors"]');
    await checkpointTab.click();
    await wb.runCommand('View: Keep Editor'); // "Open With…" opened it in preview mode, which the next editor would replace
    fs.rmSync(path.join(wb.server.baseDir, 'workspaces', 'fixtures-workspace', 'checkpoints', 'trained.safetensors'));
    const notice = '[data-testid=document-closed]';
    const text = 'trained.safetensors was deleted; the view shows its last contents.';
    let view = await webviewWith(notice);
    assert.equal((await view.locator(notice).innerText()).trim(), text);
    assert.equal(await view.locator('[data-testid=tensor-table] vscode-table-row').count(), 6);
    // another editor in the view's group discards its webview (retainContextWhenHidden is off)
    await wb.openFile('small.network.json');
    await checkpointTab.click();
    view = await webviewWith('[data-testid=tensor-table] vscode-table-row');
    await view.locator(notice).waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.equal((await view.locator(notice).innerText()).trim(), text);
    // the last contents, norms included, though the file is gone
    const table = view.locator('[data-testid=tensor-table]');
    await waitFor('every norm, shown again', async () => (await table.getAttribute('data-complete')) === 'true', TIMEOUT);
    const cells = (await table.locator('vscode-table-row').nth(2).locator('vscode-table-cell').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual([cells[0], Number(cells[4])], ['2.weight', Number(norms['2.weight'].toPrecision(6))]);
    assert.equal(await view.locator('.banner-error').count(), 0);
    // the Convergence panel on the same file, hidden and shown again: its last verdicts, from the host's memory
    const convergenceTab = wb.page.locator('.tabs-container .tab', { hasText: 'Convergence: trained.safetensors' });
    await convergenceTab.click();
    const verdict = async (panel: FrameLocator) => (await panel.locator('[data-testid="verdict-pointwise"]').innerText()).trim();
    const before = await verdict(await webviewWith('[data-testid="verdict-pointwise"]'));
    await wb.openFile('wide.network.json');
    await convergenceTab.click();
    const panel = await webviewWith('[data-testid="verdict-pointwise"]');
    await panel.locator(notice, { hasText: 'trained.safetensors was deleted; the panel shows its last results.' }).waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.equal(await verdict(panel), before);
    assert.equal(await panel.locator('.banner-error').count(), 0);
    await wb.screenshot('checkpoint-deleted');
  });
});
