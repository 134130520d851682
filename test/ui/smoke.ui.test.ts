// UI smoke test: the real workbench opens the fixture workspace with Depth Lens loaded, a network file
// opens in the editor, and a screenshot is saved for a human to look at.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { scaled, Workbench } from './harness';

describe('workbench smoke', { timeout: scaled(180_000) }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open(); });
  after(async () => { await wb?.close(); });

  it('lists the fixture network files in the explorer', async () => {
    for (const name of ['small.network.json', 'broken.network.json']) {
      await wb.explorerItem(name).waitFor({ state: 'visible' });
    }
  });

  it('opens small.network.json in an editor and shows its text', async () => {
    const editor = await wb.openFile('small.network.json');
    await editor.locator('.view-lines', { hasText: 'depth-lens/network@1' }).waitFor({ state: 'visible' });
    const file = await wb.screenshot('smoke-small-network');
    assert.ok(fs.statSync(file).size > 10_000, `screenshot ${file} is suspiciously small`);
  });
});
