/**
 * Spectrum panel: per layer (residual blocks: per branch layer) the singular values of W and W − I,
 * the ESD of WᵀW against the Marchenko–Pastur law, the stable rank and the power-law fit of the ESD's
 * tail (α ± standard error, KS distance, tail size — or "too few eigenvalues to fit").
 */
import { Cancellation, HostConnection, RpcError, type PanelState } from '../common/host';
import { LinePlot, type SeriesSpec } from '../common/linePlot';
import { onThemeChange } from '../common/theme';
import { banner, button, cancelledNotice, checkbox, el, formatNumber, Progress, section, table } from '../common/ui';
import type { LayerSpectrum, SpectrumResult } from '../../src/shared/analyses/spectrum';
import { EsdPlot } from './esdPlot';
import './spectrum.css';

interface SpectrumState extends PanelState {
  selected?: string;
  logX?: boolean;
  logY?: boolean;
}

const host = new HostConnection<SpectrumState>();
const app = document.getElementById('app')!;
const progress = new Progress();
const messages = el('div', { class: 'messages' });
const summaryLine = el('p', { class: 'summary', 'data-testid': 'summary' });
const notesList = el('ul', { class: 'notes', 'data-testid': 'notes' });
const tableHost = el('div', { class: 'table-host', 'data-testid': 'spectrum-table' });
const layerTitle = el('h2', { 'data-testid': 'layer-title' }, 'Select a layer in the table');
const facts = el('dl', { class: 'facts', 'data-testid': 'layer-facts' });
const fitLine = el('p', { class: 'caption', 'data-testid': 'fit-message' });
const esd = new EsdPlot(320);
const values = new LinePlot(280);
const methodNote = el('p', { class: 'caption', 'data-testid': 'method-note' });
let result: SpectrumResult | undefined;
let current: LayerSpectrum | undefined;
let running: Cancellation | undefined;
let logX = host.state?.logX ?? true;
let logY = host.state?.logY ?? true;

const keyOf = (s: LayerSpectrum) => `${s.layer}.${s.branchLayer ?? 0}`;

function fitText(s: LayerSpectrum): string {
  const p = s.powerLaw;
  if (p.status !== 'fitted') return `too few eigenvalues (${p.count})`;
  return `${formatNumber(p.alpha, 3)} ± ${formatNumber(p.standardError, 2)}${p.partial ? ' *' : ''}`;
}

const logXToggle = checkbox('log λ axis', logX, (on) => { logX = on; host.patchState({ logX: on }); if (current) showLayer(current); });
const logYToggle = checkbox('log σ axis', logY, (on) => { logY = on; host.patchState({ logY: on }); values.setLog('y', on); });

app.append(
  el('header', { class: 'panel-header' },
    el('h1', {}, 'Weight spectra'),
    el('div', { class: 'toolbar' },
      logXToggle,
      logYToggle,
      button('Export ESD PNG', () => { const d = esd.pngBase64(); if (d) host.export('esd.png', 'image/png', d); }, { secondary: true, icon: 'file-media' }),
      button('Export CSV', () => host.export('singular-values.csv', 'text/csv', values.csv()), { secondary: true, icon: 'table' }),
      button('Export JSON', () => { if (result) host.export('spectrum.json', 'application/json', JSON.stringify(result, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v), 2)); }, { secondary: true, icon: 'json' }),
    ),
  ),
  progress.element,
  messages,
  summaryLine,
  notesList,
  section('Layers', tableHost,
    el('p', { class: 'caption' }, 'α: exponent of the ESD tail p(λ) ∝ λ^−α by maximum likelihood, λ_min chosen by the smallest Kolmogorov–Smirnov distance (Clauset, Shalizi & Newman 2009; as WeightWatcher fits it), ± its standard error (α − 1)/√n. λ > λ₊: eigenvalues above the Marchenko–Pastur bulk of a random matrix with the same shape and entry variance. * fitted on the top-k eigenvalues only.')),
  el('section', { class: 'panel-section' }, layerTitle, facts, fitLine,
    el('div', { 'data-testid': 'esd-plot' }, esd.element),
    el('div', { 'data-testid': 'values-plot' }, values.element),
    methodNote),
);
app.removeAttribute('aria-busy');

async function load(): Promise<void> {
  running?.cancel();
  const token = new Cancellation();
  running = token;
  progress.start('Computing singular values in the analysis worker…', () => { token.cancel(); messages.replaceChildren(cancelledNotice(() => void load())); });
  try {
    const r = await host.request('spectrum', {}, { token, onProgress: (f, m) => progress.update(f, m) });
    if (token.isCancellationRequested) return;
    result = r;
    messages.replaceChildren();
    render(r);
  } catch (e) {
    if (e instanceof RpcError && e.code === 'cancelled') return;
    messages.replaceChildren(banner('error', (e as Error).message));
  } finally {
    if (running === token) progress.done();
  }
}

function render(r: SpectrumResult): void {
  const s = r.summary;
  summaryLine.textContent = `${s.name ? s.name + ' — ' : ''}${s.depth} layers, ${r.totalItems} weight matrices${r.sampled ? `; ${r.items.length} shown (log-spaced sample)` : ''}`;
  notesList.replaceChildren(...r.notes.map((n) => el('li', {}, n)));
  const selected = host.state?.selected;
  const index = Math.max(0, r.items.findIndex((x) => keyOf(x) === selected));
  tableHost.replaceChildren(table<LayerSpectrum>([
    { header: 'Matrix', cell: (x) => x.label, width: '13%' },
    { header: 'Shape', cell: (x) => `${x.rows}×${x.cols}`, width: '8%' },
    { header: 'SVD', cell: (x) => (x.method.kind === 'full' ? 'full' : `top ${x.method.computed}`), title: 'full SVD, or the top k by Lanczos above the size budget', width: '6%' },
    { header: '‖W‖₂', cell: (x) => formatNumber(x.spectralNorm), numeric: true, width: '8%' },
    { header: '‖W − I‖₂', cell: (x) => (x.minusIdentity ? formatNumber(x.minusIdentity.spectralNorm) : '—'), numeric: true, width: '8%' },
    { header: 'Stable rank', cell: (x) => formatNumber(x.stableRank), numeric: true, title: '‖W‖_F² / ‖W‖₂²', width: '9%' },
    { header: 'λ > λ₊', cell: (x) => (x.marchenkoPastur ? String(x.marchenkoPastur.above) : '—'), numeric: true, title: 'eigenvalues of WᵀW above the Marchenko–Pastur edge', width: '7%' },
    { header: 'α (ESD tail)', cell: fitText, numeric: true, width: '23%' },
    { header: 'KS', cell: (x) => (x.powerLaw.status === 'fitted' ? formatNumber(x.powerLaw.ks, 3) : '—'), numeric: true, title: 'Kolmogorov–Smirnov distance of the fit', width: '7%' },
    { header: 'Tail n', cell: (x) => (x.powerLaw.status === 'fitted' ? `${x.powerLaw.tailCount}/${x.powerLaw.count}` : '—'), numeric: true, title: 'eigenvalues in the fitted tail / positive eigenvalues', width: '11%' },
  ], r.items, (row) => showLayer(row)));
  const rowEl = tableHost.querySelectorAll('vscode-table-row')[index];
  rowEl?.setAttribute('aria-selected', 'true');
  if (r.items[index]) showLayer(r.items[index]);
}

function fact(term: string, value: string): HTMLElement[] {
  return [el('dt', {}, term), el('dd', {}, value)];
}

function showLayer(s: LayerSpectrum): void {
  current = s;
  host.patchState({ selected: keyOf(s) });
  layerTitle.textContent = `${s.label}: W is ${s.rows}×${s.cols}`;
  const mp = s.marchenkoPastur;
  facts.replaceChildren(
    ...fact('‖W‖₂', formatNumber(s.spectralNorm, 6)),
    ...fact('‖W‖_F²', formatNumber(s.frobeniusSquared, 6)),
    ...fact('stable rank', `${formatNumber(s.stableRank, 5)} of ${Math.min(s.rows, s.cols)}`),
    ...fact('‖W − I‖₂', s.minusIdentity ? formatNumber(s.minusIdentity.spectralNorm, 6) : s.minusIdentityNote ?? '—'),
    ...(mp ? [
      ...fact('entry variance σ²', formatNumber(mp.variance, 5)),
      ...fact('Marchenko–Pastur bulk', `λ ∈ [${formatNumber(mp.lambdaMinus, 4)}, ${formatNumber(mp.lambdaPlus, 4)}]; ${mp.above} above, ${mp.below} below`),
    ] : []),
  );
  fitLine.textContent = s.powerLaw.message;
  const eig = Float64Array.from(s.singularValues, (x) => x * x);
  esd.render({
    title: `ESD of WᵀW — ${s.label}`,
    logX,
    sets: [{
      label: 'eigenvalues of WᵀW',
      eigenvalues: eig,
      total: s.method.total,
      mp: mp ? { rows: mp.rows, cols: mp.cols, variance: mp.variance } : null,
      powerLaw: s.powerLaw.status === 'fitted' ? s.powerLaw : null,
    }],
  });
  const k = s.singularValues.length;
  const series: SeriesSpec[] = [{ label: 'σᵢ(W)', values: s.singularValues, points: k < 40 }];
  if (s.minusIdentity) series.push({ label: 'σᵢ(W − I)', values: padded(s.minusIdentity.singularValues, k), points: k < 40 });
  values.render({ title: 'Singular values, descending', xLabel: 'i', yLabel: 'σᵢ', x: Array.from({ length: k }, (_, i) => i + 1), logY, series });
  methodNote.textContent = `σ(W): ${s.method.description}.${s.minusIdentity ? ` σ(W − I): ${s.minusIdentity.method.description}.` : ''}`;
}

function padded(v: Float64Array, k: number): (number | null)[] {
  return Array.from({ length: k }, (_, i) => (i < v.length ? v[i] : null));
}

host.onDocument((_doc, state, changed) => {
  if (!changed && state) {
    if (state.logX !== undefined) { logX = state.logX; (logXToggle as HTMLElement & { checked: boolean }).checked = logX; }
    if (state.logY !== undefined) { logY = state.logY; (logYToggle as HTMLElement & { checked: boolean }).checked = logY; }
  }
  void load();
});
onThemeChange(() => { if (current) showLayer(current); });
host.ready();
