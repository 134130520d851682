// UI test on the shipped examples: the deliberate-errors example shows its squiggles and the
// Problems panel lists Depth Lens's messages, each once; a convergent example shows its shape lens.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../scripts/code-server.mjs';
import { scaled, waitFor, Workbench } from './harness';

describe('examples in the workbench', { timeout: scaled(240_000) }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open({ workspace: path.join(repoRoot, 'examples') }); });
  after(async () => { await wb?.close(); });

  it('squiggles the deliberate errors and lists them in the Problems panel', async () => {
    const editor = await wb.openFile('errors.network.json');
    const squiggles = editor.locator('.squiggly-error');
    await waitFor('error squiggles', async () => (await squiggles.count()) >= 3 || undefined, scaled(60_000));
    await wb.page.keyboard.press('Control+Shift+M'); // View: Problems
    const problems = wb.page.locator('.markers-panel .monaco-list-row');
    await waitFor('7 Depth Lens problems', async () => {
      const texts = await problems.allInnerTexts();
      return texts.filter((t) => t.includes('depth-lens')).length >= 7 || undefined;
    }, scaled(60_000));
    const texts = (await problems.allInnerTexts()).join('\n');
    assert.match(texts, /layer 2 expects 3 inputs but layer 1 produces 2/);
    assert.match(texts, /layer 1 weights is ragged: row 2 has 3 entries but row 1 has 2/);
    // issue 15: each problem once — VS Code's JSON service (the contributed schema) repeats none of them.
    // Its warnings arrive on their own schedule: wait until the list has stayed the same for a while.
    let last = '';
    let since = Date.now();
    const rows = await waitFor('the Problems list to settle', async () => {
      const now = await problems.allInnerTexts();
      if (now.join('\n') !== last) { last = now.join('\n'); since = Date.now(); return undefined; }
      return Date.now() - since >= scaled(3000) ? now : undefined;
    }, scaled(60_000));
    const markers = rows.filter((t) => !t.includes('errors.network.json')); // the other row is the file's
    assert.equal(markers.length, 7, markers.join('\n---\n'));
    assert.deepEqual(markers.filter((t) => !t.includes('depth-lens')), []);
    await wb.screenshot('errors-example');
  });
});
