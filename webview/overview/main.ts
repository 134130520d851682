/**
 * Network overview panel: the layer table (shape, ‖W‖₂, ‖W − I‖₂, ‖b‖₂), those norms against depth
 * (uPlot, log-scale toggle) and a heatmap of the selected layer's weight matrix.
 */
import { Cancellation, HostConnection, isCancelled, type PanelState } from '../common/host';
import { Heatmap } from '../common/heatmap';
import { LinePlot } from '../common/linePlot';
import { onThemeChange } from '../common/theme';
import { banner, button, cancelledNotice, checkbox, docLinks, el, formatNumber, Progress, section, table } from '../common/ui';
import type { ConvOverviewResult, OverviewLayerRow, OverviewResult } from '../../src/shared/analyses/overview';
import { convLayersCsv } from '../common/convExport';
import { ConvOverviewView } from './convView';

interface OverviewState extends PanelState {
  logY?: boolean;
  selectedLayer?: number;
}

const host = new HostConnection<OverviewState>();
const app = document.getElementById('app')!;
const progress = new Progress();
const header = el('header', { class: 'panel-header' });
const messages = el('div', { class: 'messages' });
const summaryLine = el('p', { class: 'summary', 'data-testid': 'summary' });
const tableHost = el('div', { class: 'table-host', 'data-testid': 'layer-table' });
const plot = new LinePlot(300);
// fills the section's width (ResizeObserver), up to 70 % of the window's height
const heatmap = new Heatmap({ scale: 'diverging', rowLabel: 'out', colLabel: 'in' });
const heatmapTitle = el('p', { class: 'caption', 'data-testid': 'heatmap-title' }, 'Select a layer in the table to see its weights.');
let result: OverviewResult | ConvOverviewResult | undefined;
let running: Cancellation | undefined;
let logY = host.state?.logY ?? true;

const logToggle = checkbox('log scale', logY, (on) => {
  logY = on;
  host.patchState({ logY: on });
  plot.setLog('y', on);
});

const exportPngButton = button('Export PNG', () => { const d = plot.pngBase64(); if (d) host.export('norms.png', 'image/png', d); }, { secondary: true, icon: 'file-media', testid: 'export-png' });

function exportCsv(): void {
  if (result?.kind === 'conv') {
    host.export('layers.csv', 'text/csv', convLayersCsv(result));
    return;
  }
  host.export('norms.csv', 'text/csv', plot.csv());
}

header.append(
  el('h1', {}, 'Network overview'),
  el('div', { class: 'toolbar' },
    logToggle,
    exportPngButton,
    button('Export CSV', exportCsv, { secondary: true, icon: 'table', title: 'the norms against depth (conv models: the layer table)', testid: 'export-csv' }),
    button('Export JSON', () => { if (result) host.export('overview.json', 'application/json', JSON.stringify(result, null, 2)); }, { secondary: true, icon: 'json', testid: 'export-json' }),
  ),
);
app.append(
  header,
  progress.element,
  messages,
  summaryLine,
  section('Layers', tableHost),
  section('Norms against depth', el('div', { 'data-testid': 'norm-plot' }, plot.element),
    el('p', { class: 'caption', 'data-testid': 'norm-caption' }, docLinks('Σ‖Wₖ − I‖ < ∞ and Σ‖bₖ‖ < ∞ imply that Nₖ(x) converges as depth k → ∞ (MATH.md §A): ‖Wₖ − I‖ and ‖bₖ‖ falling faster than 1/k is the picture to look for.'))),
  section('Weight matrix', heatmapTitle, heatmap.element),
);
// conv checkpoints get their own view (what `depth-lens info` shows); it hides the dense sections while shown
const convView = new ConvOverviewView(app);
app.removeAttribute('aria-busy');

async function load(): Promise<void> {
  running?.cancel();
  const token = new Cancellation();
  running = token;
  messages.replaceChildren();
  // the Cancel button: stop the run in the worker, say so, offer to run it again
  progress.start('Computing layer norms in the analysis worker…', () => { token.cancel(); messages.replaceChildren(cancelledNotice(() => void load())); });
  try {
    const r = await host.request('overview', { maxRows: 400 }, { token, onProgress: (f, m) => progress.update(f, m) });
    if (token.isCancellationRequested) return;
    result = r;
    messages.replaceChildren();
    // the norm plot and its log toggle are the dense overview's
    logToggle.hidden = exportPngButton.hidden = r.kind === 'conv';
    if (r.kind === 'conv') { convView.show(r); return; }
    convView.hide();
    render(r);
  } catch (e) {
    if (isCancelled(e)) return;
    messages.replaceChildren(banner('error', (e as Error).message));
  } finally {
    if (running === token) progress.done();
  }
}

function render(r: OverviewResult): void {
  const s = r.summary;
  summaryLine.textContent = `${s.name ? s.name + ' — ' : ''}${s.depth} layers, widths ${s.widthsText}, ${s.parameterCount.toLocaleString('en-US')} parameters${r.sampled ? ` (table shows ${r.rows.length} log-spaced layers)` : ''}`;
  tableHost.replaceChildren(table<OverviewLayerRow>([
    // shapes like 400×400 need their room (vscode-table's default splits the width evenly)
    { header: '#', cell: (x) => String(x.layer), numeric: true, title: 'layer', width: '9%' },
    { header: 'Type', cell: (x) => x.type, width: '12%' },
    { header: 'Shape', cell: (x) => x.shape, title: 'out×in (residual blocks: widths through the branch)', width: '17%' },
    { header: 'Act.', cell: (x) => x.activation, title: 'activation', width: '10%' },
    { header: '‖W‖₂', cell: (x) => formatNumber(x.normW), numeric: true, title: 'spectral norm; for residual blocks the product of the branch norms', width: '17%' },
    { header: '‖W − I‖₂', cell: (x) => formatNumber(x.normWminusI), numeric: true, title: 'defined for square W', width: '18%' },
    { header: '‖b‖₂', cell: (x) => formatNumber(x.normB), numeric: true, width: '17%' },
  ], r.rows, (row) => void showLayer(row.layer)));
  const x = r.rows.map((row) => row.layer);
  plot.render({
    title: 'Layer norms',
    xLabel: 'layer k',
    yLabel: 'norm',
    x,
    logX: r.summary.depth > 50,
    logY,
    series: [
      { label: '‖Wₖ‖₂', values: r.rows.map((row) => row.normW), points: r.rows.length < 40 },
      { label: '‖Wₖ − I‖₂', values: r.rows.map((row) => row.normWminusI), points: r.rows.length < 40 },
      { label: '‖bₖ‖₂', values: r.rows.map((row) => row.normB), points: r.rows.length < 40 },
    ],
  });
  const selected = host.state?.selectedLayer;
  const still = selected && selected <= r.summary.depth ? selected : r.rows[0]?.layer;
  if (still) void showLayer(still);
}

async function showLayer(layer: number): Promise<void> {
  host.patchState({ selectedLayer: layer });
  try {
    const m = await host.request('layerMatrix', { layer });
    heatmap.setData(m.weights, m.label);
    heatmapTitle.textContent = `${m.label} — hover for values; colour: blue > 0 > red, scaled to max |w| = ${formatNumber(heatmap.range.maxAbs)}`;
  } catch (e) {
    heatmapTitle.textContent = (e as Error).message;
  }
}

host.onDocument((_doc, state, changed) => {
  if (!changed && state?.logY !== undefined) {
    logY = state.logY;
    (logToggle as HTMLElement & { checked: boolean }).checked = logY;
  }
  void load();
});
onThemeChange(() => { if (result && result.kind !== 'conv') render(result); heatmap.draw(); });
host.ready();
