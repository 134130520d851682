// UI test of the Depth plots panel in the real workbench: opened from the command palette without a
// file (it runs the paper's Figure 1 setting at once), a small run whose depth plot shows the curves
// and the shaded ± sd band, the histogram with the predicted density and the KS text, the layer
// selector, the moments table, Stop, and a network file's probe angles. Screenshots land in
// test-output/ui/depth-plots*.png.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { canvasPixels, scaled, setField, waitFor, Workbench } from './harness';

const RUN_TIMEOUT_MS = scaled(90_000);



describe('Depth plots panel', { timeout: scaled(600_000) }, () => {
  let wb: Workbench;
  before(async () => { wb = await Workbench.open({ viewport: { width: 1600, height: 1000 } }); });
  after(async () => { await wb?.close(); });

  it('opens from the command palette without a file, with the key message and the defaults of Figure 1', async () => {
    // the palette lists extension commands only once the extension host has registered them, which
    // can outlast one step timeout on a loaded machine right after the workbench appears: one retry
    await wb.runCommand('Depth Lens: Open Depth Plots').catch(async () => {
      await wb.page.keyboard.press('Escape');
      await wb.runCommand('Depth Lens: Open Depth Plots');
    });
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'Depth plots' }).waitFor({ state: 'visible', timeout: scaled(30_000) });
    const view = wb.webview();
    await view.locator('[data-testid=key-note]').waitFor({ state: 'visible', timeout: scaled(30_000) });
    assert.match(await view.locator('[data-testid=key-note]').innerText(), /drift ≈ −2\/n and a variance ≈ 8\/n .* collapses exponentially in depth — not like 1\/ℓ/);
    assert.equal(await view.locator('[data-testid=field-widths] input').inputValue(), '256');
    assert.equal(await view.locator('[data-testid=field-depth] input').inputValue(), '32');
    assert.equal(await view.locator('[data-testid=field-theta0] input').inputValue(), '0.1');
    assert.equal(await view.locator('[data-testid=field-trials] input').inputValue(), '2000');
    // no network file: no probe section
    assert.equal(await view.locator('[data-testid=probe-section]').isVisible(), false);
  });

  it('runs a small simulation: the depth plot with the band and dashed theory, the histogram with the density and KS', async () => {
    const view = wb.webview();
    await setField(view, 'field-trials', '600');
    await setField(view, 'field-seed', '3');
    await view.locator('[data-testid=run]').click();
    const summary = view.locator('[data-testid=summary]');
    await waitFor('the run to finish', async () => /^input width 256, layer widths 256×32, θ₀ = 0\.1, 600 chain trials, seed 3 — [\d.]+ s\.$/.test(await summary.innerText()), RUN_TIMEOUT_MS);

    const plot = view.locator('[data-testid=depth-plot] .line-plot');
    assert.equal(await plot.getAttribute('data-points'), '33');
    const legend = await view.locator('[data-testid=depth-plot] .u-legend').innerText();
    for (const label of ['simulation: Monte Carlo mean ± sd (600 chain paths)', 'theory: infinite width', 'theory: Approximation 1 (finite n)', 'theory: Theorem 1 iterated (finite n)']) {
      assert.ok(legend.includes(label), `legend lacks "${label}": ${legend}`);
    }
    // the band's edges are not listed as series of their own
    assert.ok(!/[−+]sd:/.test(legend), `band edges in the legend: ${legend}`);
    const depthCanvas = view.locator('[data-testid=depth-plot] canvas').first();
    const depthPx = await waitFor('the depth plot drawn', async () => { const p = await canvasPixels(depthCanvas); return p.drawn > 3000 ? p : undefined; });
    assert.ok(depthPx.translucent > 1500, `the ± sd band covers only ${depthPx.translucent} translucent pixels`);
    assert.match(await view.locator('[data-testid=depth-caption]').innerText(), /^Solid with shaded band: simulation .* Dashed: theory/);
    // the closing numbers at layers 10, 20, 30
    const key = await view.locator('[data-testid=key-layers]').innerText();
    assert.match(key, /layer 10: simulation −\d+\.\d+ ± \d\.\d+; Approximation 1 −\d+\.\d+; Theorem 1 −\d+\.\d+; infinite width −\d+\.\d+/);
    assert.match(key, /layer 30: /);

    const hist = view.locator('[data-testid=histogram-canvas]');
    assert.equal(await hist.getAttribute('data-bins'), '24'); // √600 ≈ 24.5 → 24 bins
    const histPx = await canvasPixels(hist);
    assert.ok(histPx.drawn > 5000, `histogram: only ${histPx.drawn} drawn pixels`);
    assert.match(await view.locator('[data-testid=layer-label]').innerText(), /^32 of 32 \(width 256\)$/);
    const ks = await view.locator('[data-testid=ks-text]').innerText();
    assert.match(ks, /^KS statistic D = 0\.\d+, p-value = [\d.e−-]+ over 600 samples: /);
    await wb.screenshot('depth-plots');
    await view.locator('[data-testid=histogram]').scrollIntoViewIfNeeded();
    await wb.screenshot('depth-plots-histogram');
  });

  it('the layer selector moves the histogram and the KS test to another layer', async () => {
    const view = wb.webview();
    const before = await view.locator('[data-testid=ks-text]').innerText();
    await view.locator('[data-testid=layer-select]').fill('5');
    await waitFor('layer 5', async () => /^5 of 32/.test(await view.locator('[data-testid=layer-label]').innerText()));
    const after = await view.locator('[data-testid=ks-text]').innerText();
    assert.notEqual(after, before);
    assert.match(after, /over 600 samples/);
  });

  it('the moments section shows J_{a,b}(π/2), the P/Q forms and the Bessel triangle', async () => {
    const view = wb.webview();
    await view.locator('[data-testid=moments-details] > summary').click();
    const j = view.locator('[data-testid=moments-j] vscode-table-row');
    await waitFor('the J table', async () => (await j.count()) === 8);
    // row a = 1: J11(π/2) = 1/(2π) = 0.159155 (MATH.md §C)
    assert.equal((await j.nth(0).locator('vscode-table-cell').nth(1).innerText()).trim(), '0.159155');
    // row a = 2, column b = 2: J22(π/2) = 1/4
    assert.equal((await j.nth(1).locator('vscode-table-cell').nth(2).innerText()).trim(), '0.25');
    const forms = await view.locator('[data-testid=moments-forms]').innerText();
    assert.match(forms, /1 \+ 2c²/); // P22 = 1 + 2c²
    const bessel = view.locator('[data-testid=moments-bessel] vscode-table-row');
    assert.equal(await bessel.count(), 9);
    assert.deepEqual((await bessel.nth(4).locator('vscode-table-cell').allInnerTexts()).map((t) => t.trim()).filter((t) => t), ['4', '1', '6', '3']);
    await view.locator('[data-testid=moments-details]').scrollIntoViewIfNeeded();
    await wb.screenshot('depth-plots-moments');
  });

  it('Stop cancels a long run; the previous plots stay', async () => {
    const view = wb.webview();
    await setField(view, 'field-trials', '300000');
    await view.locator('[data-testid=run]').click();
    await view.locator('[data-testid=progress]').waitFor({ state: 'visible', timeout: scaled(30_000) });
    await view.locator('[data-testid=stop]').click();
    await view.locator('[data-testid=messages]', { hasText: 'Stopped.' }).waitFor({ state: 'visible', timeout: scaled(15_000) });
    await view.locator('[data-testid=progress]').waitFor({ state: 'hidden', timeout: scaled(15_000) });
    assert.equal(await view.locator('[data-testid=run]').getAttribute('disabled'), null);
    assert.match(await view.locator('[data-testid=summary]').innerText(), /600 chain trials, seed 3/);
  });

  it('with a network file: the measured angle between two chosen probes beside the prediction for its widths', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.openFile('angles.network.json');
    await wb.runCommand('Depth Lens: Open Depth Plots');
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'Depth plots: angles.network.json' }).waitFor({ state: 'visible', timeout: scaled(30_000) });
    const view = wb.webview();
    const section = view.locator('[data-testid=probe-section]');
    await section.waitFor({ state: 'visible', timeout: scaled(30_000) });
    assert.equal(await section.locator('h2').innerText(), 'Probe angles in angles.network.json');
    const plot = view.locator('[data-testid=probe-plot] .line-plot');
    await waitFor('the probe plot', async () => (await plot.getAttribute('data-points').catch(() => null)) === '25', scaled(60_000));
    assert.match(await view.locator('[data-testid=probe-caption]').innerText(), /^Input angle θ₀ = 0\.2915 rad; widths 16, 64×24\./);
    const legend = await view.locator('[data-testid=probe-plot] .u-legend').innerText();
    assert.ok(legend.includes('measured: a vs b'), legend);
    // choose probe B = c (orthogonal to a): θ₀ = π/2
    // the dropdown's rows live in the select's shadow root (the light-DOM vscode-option stays hidden)
    await view.locator('[data-testid=probe-b] vscode-single-select').click();
    await view.locator('[data-testid=probe-b] vscode-single-select li[role=option]', { hasText: /^\s*c\s*$/ }).click();
    await waitFor('θ₀ = π/2', async () => /^Input angle θ₀ = 1\.571 rad/.test(await view.locator('[data-testid=probe-caption]').innerText()), scaled(30_000));
    assert.ok((await view.locator('[data-testid=probe-plot] .u-legend').innerText()).includes('measured: a vs c'));
    const px = await canvasPixels(view.locator('[data-testid=probe-plot] canvas').first());
    assert.ok(px.drawn > 3000, `probe plot: ${px.drawn} drawn pixels`);
    await section.scrollIntoViewIfNeeded();
    await wb.screenshot('depth-plots-probes');
  });
});
