// UI test of the Activations panel in the real workbench: the per-layer code lens, the panel from the
// command palette with a drawn region map and pattern heatmap, the affine-map check, and a click on
// the region map that selects a new input and recomputes.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scaled, waitFor, Workbench } from './harness';

describe('Activations panel', { timeout: scaled(300_000) }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open(); });
  after(async () => { await wb?.close(); });

  it('shows the active-neuron count of each ReLU layer as a code lens', async () => {
    await wb.openFile('activations.network.json');
    const lenses = await waitFor('activation lenses', async () => {
      // the harness gives up after 30 s; the first worker start on a busy machine may take longer
      const all = await wb.codeLenses(2).catch(() => [] as string[]);
      const mine = all.filter((t) => /^active \d+\/8 at probe a$/.test(t));
      return mine.length === 2 ? mine : undefined;
    }, scaled(60_000));
    // probe a = (0.3, −0.2): 6 of 8 neurons active in layer 1, 3 of 8 in layer 2 (checked
    // independently by test/integration/activations.test.ts)
    assert.deepEqual(lenses, ['active 6/8 at probe a', 'active 3/8 at probe a']);
  });

  it('opens with a drawn region map, the pattern heatmap and a verified affine map', async () => {
    await wb.runCommand('Depth Lens: Open Activations');
    const view = wb.webview();
    const map = view.locator('[data-testid=region-map]');
    await map.waitFor({ state: 'visible', timeout: scaled(90_000) });
    // the exact partition of this fixture over [−1, 1]² (97 regions, cf. `depth-lens regions`)
    await waitFor('the region count', async () => (await map.getAttribute('data-regions')) === '97', scaled(90_000));
    const colours = await waitFor('region map pixels', () => map.evaluate((c: HTMLCanvasElement) => {
      const ctx = c.getContext('2d');
      if (!ctx || c.width === 0) return 0;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 16) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size > 40 ? seen.size : 0;
    }));
    assert.ok(colours > 40, `only ${colours} colours on the region map`);

    const heat = view.locator('[data-testid=pattern-heatmap]');
    await waitFor('the pattern heatmap', async () => (await heat.getAttribute('data-rows')) === '2');
    assert.equal(await heat.getAttribute('data-cols'), '8');
    const residual = await view.locator('[data-testid=affine-residual]').innerText();
    assert.match(residual, /agrees to rounding/);
    assert.match(await view.locator('[data-testid=input-summary]').innerText(), /At probe a: x = \(0\.3, -0\.2\)/);
    assert.match(await view.locator('[data-testid=radius]').innerText(), /Stability radius 0\.02657 — nearest face: layer 1, neuron 8/);
    await wb.screenshot('activations');
    // the lower sections: pattern, affine map, layer products (J_k W_k needs one more request)
    await heat.scrollIntoViewIfNeeded();
    await wb.screenshot('activations-pattern');
    await waitFor('the J_k W_k heatmap', async () => /rows of inactive neurons are zero/.test(await view.locator('[data-testid=jw-caption]').innerText()));
    await view.locator('[data-testid=p-caption]').scrollIntoViewIfNeeded();
    await wb.screenshot('activations-products');
  });

  it('clicking the region map selects that point and recomputes', async () => {
    const view = wb.webview();
    const map = view.locator('[data-testid=region-map]');
    const before = await view.locator('[data-testid=affine-map]').innerText();
    const box = await map.boundingBox();
    assert.ok(box);
    // the plot area starts 48 px from the left and 10 px from the top (RegionMap MARGIN); click at
    // about (−0.6, 0.7) in input coordinates
    const plotW = box.width - 48 - 12, plotH = box.height - 10 - 34;
    await map.click({ position: { x: 48 + plotW * 0.2, y: 10 + plotH * 0.15 } });
    const field = view.locator('[data-testid=input-field] vscode-textfield');
    const value = await waitFor('the input field to change', async () => {
      const v = await field.evaluate((t: HTMLElement & { value: string }) => t.value);
      return v && v !== '0.3, -0.2' ? v : undefined;
    });
    const [x1, x2] = value.split(',').map(Number);
    assert.ok(Math.abs(x1 + 0.6) < 0.03 && Math.abs(x2 - 0.7) < 0.03, `clicked point ${value}`);
    await waitFor('the affine map to update', async () => (await view.locator('[data-testid=affine-map]').innerText()) !== before);
    assert.match(await view.locator('[data-testid=input-summary]').innerText(), /At the chosen point/);
    assert.match(await view.locator('[data-testid=affine-residual]').innerText(), /agrees to rounding/);
    // hover shows the region's pattern and affine map
    await map.hover({ position: { x: 48 + plotW * 0.7, y: 10 + plotH * 0.6 } });
    const tip = view.locator('.region-tooltip');
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), /active: layer 1: \d\/8 · layer 2: \d\/8\nN = /);
    await view.locator('[data-testid=region-map]').scrollIntoViewIfNeeded();
    await wb.screenshot('activations-regions');
  });

  it('a 1-D input shows its exact pieces as a strip and the graph of N(x)', async () => {
    await wb.openFile('activations-1d.network.json');
    await wb.runCommand('Depth Lens: Open Activations');
    const view = wb.webview();
    const strip = view.locator('[data-testid=segment-strip]');
    await strip.waitFor({ state: 'visible', timeout: scaled(90_000) });
    // 9 pieces along [−1, 1] (cf. `depth-lens regions` and a numpy scan)
    await waitFor('the piece count', async () => (await strip.getAttribute('data-pieces')) === '9', scaled(90_000));
    assert.match(await view.locator('[data-testid=regions-caption]').innerText(), /The input is 1-D: 9 activation pieces along x ∈ \[-1, 1\] \(the input domain\), exact/);
    await view.locator('[data-testid=segment-graph]').waitFor({ state: 'visible' });
    const colours = await strip.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    });
    assert.ok(colours >= 9, `only ${colours} colours on the strip`);
    // hover names the piece and its map; the strip's plot area starts 48 px from the left
    const box = (await strip.boundingBox())!;
    await strip.hover({ position: { x: 48 + (box.width - 60) * 0.95, y: 20 } });
    const tip = view.locator('.segment-tooltip');
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), /piece 9 of 9: x ∈ \[0\.5, 1\]\nN = /);
    await strip.scrollIntoViewIfNeeded();
    await wb.screenshot('activations-1d');
    await view.locator('[data-testid=segment-graph]').scrollIntoViewIfNeeded();
    await wb.screenshot('activations-1d-graph');
  });
});
