/**
 * Compare panel: two networks (A, B) side by side — which weight matrices match, how far each moved
 * (‖W_A − W_B‖₂, relative change, ‖W − I‖ on both sides), both convergence analyses' series and
 * verdicts, the two ESDs of a selected pair overlaid, and both region maps of one shared 2-D slice
 * with the regions whose activation pattern differs outlined.
 */
import { Cancellation, HostConnection, RpcError, type PanelState } from '../common/host';
import { LinePlot } from '../common/linePlot';
import { onThemeChange } from '../common/theme';
import { banner, button, cancelledNotice, checkbox, docLinks, el, formatNumber, Progress, section, table } from '../common/ui';
import type { CompareResult, CompareSpectraResult, ConvergenceDigest, LayerChange, UnmatchedRun, VerdictDigest } from '../../src/shared/analyses/compare';
import { EsdPlot } from '../spectrum/esdPlot';
import { RegionCompareMap } from './regionCompareMap';
import '../spectrum/spectrum.css';
import '../convergence/convergence.css';
import './compare.css';

interface CompareState extends PanelState {
  otherUri?: string;
  selectedPair?: number;
  logX?: boolean;
}

const host = new HostConnection<CompareState>();
const app = document.getElementById('app')!;
const progress = new Progress();
const messages = el('div', { class: 'messages' });
const sides = el('div', { class: 'compare-sides', 'data-testid': 'compare-sides' });
const identicalNote = el('div', { 'data-testid': 'identical' });
/** The answer first: the largest change and each verdict of A and B, one line each (details below). */
const glance = el('ul', { class: 'verdict-lines', 'data-testid': 'glance' });
const matchingHost = el('div', { 'data-testid': 'matching' });
const notesList = el('ul', { class: 'notes', 'data-testid': 'notes' });
const tableHost = el('div', { class: 'table-host', 'data-testid': 'compare-table' });
const changePlot = new LinePlot(200);
const convergenceHost = el('div', { 'data-testid': 'convergence-compare' });
const seriesPlot = new LinePlot(260);
const esdTitle = el('p', { class: 'caption', 'data-testid': 'esd-title' }, 'Select a pair in the table to overlay its two ESDs.');
const esd = new EsdPlot(320, 'compare-esd-canvas');
const regionCaption = el('p', { class: 'caption', 'data-testid': 'regions-caption' });
const mapA = new RegionCompareMap('region-map-a');
const mapB = new RegionCompareMap('region-map-b');
const mapCaptionA = el('p', { class: 'caption', 'data-testid': 'region-count-a' });
const mapCaptionB = el('p', { class: 'caption', 'data-testid': 'region-count-b' });
let result: CompareResult | undefined;
let spectra: CompareSpectraResult | undefined;
let running: Cancellation | undefined;
let spectraRun: Cancellation | undefined;
let logX = host.state?.logX ?? true;

const logXToggle = checkbox('log λ axis', logX, (on) => { logX = on; host.patchState({ logX: on }); if (spectra) drawEsd(spectra); });

app.append(
  el('header', { class: 'panel-header' },
    el('h1', { 'data-testid': 'compare-title' }, 'Compare networks'),
    el('div', { class: 'toolbar' },
      logXToggle,
      button('Export ESD PNG', () => { const d = esd.pngBase64(); if (d) host.export('esd-compare.png', 'image/png', d); }, { secondary: true, icon: 'file-media' }),
      button('Export CSV', () => host.export('layer-changes.csv', 'text/csv', changePlot.csv()), { secondary: true, icon: 'table' }),
      button('Export JSON', () => { if (result) host.export('compare.json', 'application/json', JSON.stringify(result, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v), 2)); }, { secondary: true, icon: 'json' }),
    ),
  ),
  progress.element,
  messages,
  sides,
  identicalNote,
  glance,
  section('Matching layers', matchingHost, notesList),
  section('Weight changes per layer', tableHost, el('div', { 'data-testid': 'change-plot' }, changePlot.element)),
  section('ESDs of the selected pair', esdTitle, el('div', { 'data-testid': 'compare-esd' }, esd.element)),
  section('Convergence as depth → ∞', convergenceHost, el('div', { 'data-testid': 'series-plot' }, seriesPlot.element)),
  section('Region maps of a shared slice', regionCaption,
    el('div', { class: 'region-pair' },
      el('div', { class: 'region-column' }, el('h3', {}, 'A'), mapA.element, mapCaptionA),
      el('div', { class: 'region-column' }, el('h3', {}, 'B'), mapB.element, mapCaptionB)),
    el('p', { class: 'caption legend-line' },
      el('span', { class: 'swatch swatch-moved' }), ' moved: the other network has this activation pattern on another polygon (faded)   ',
      el('span', { class: 'swatch swatch-only' }), ' only here: the other network never has this pattern (faded)   full colour: the same region in both')),
);
app.removeAttribute('aria-busy');

async function load(): Promise<void> {
  running?.cancel();
  const token = new Cancellation();
  running = token;
  progress.start('Comparing the two networks in the analysis worker…', () => { token.cancel(); messages.replaceChildren(cancelledNotice(() => void load())); });
  try {
    const r = await host.request('compare', {}, { token, onProgress: (f, m) => progress.update(f, m) });
    if (token.isCancellationRequested) return;
    result = r;
    if (r.b.uri) host.patchState({ otherUri: r.b.uri });
    messages.replaceChildren();
    render(r);
  } catch (e) {
    if (e instanceof RpcError && e.code === 'cancelled') return;
    messages.replaceChildren(banner('error', (e as Error).message));
  } finally {
    if (running === token) progress.done();
  }
}

function runText(u: UnmatchedRun): string {
  return u.last ? `${u.ref.label} … ${u.last.label} (${u.count})` : u.ref.label;
}

function render(r: CompareResult): void {
  sides.replaceChildren(
    el('p', { class: 'summary', 'data-testid': 'side-a' }, `A: ${r.a.file} — ${r.a.summary.depth} layers, widths ${r.a.summary.widthsText}, ${r.a.items} weight matrices`),
    el('p', { class: 'summary', 'data-testid': 'side-b' }, `B: ${r.b.file} — ${r.b.summary.depth} layers, widths ${r.b.summary.widthsText}, ${r.b.items} weight matrices`),
  );
  identicalNote.replaceChildren(...(r.identical ? [banner('info', 'The two networks are identical in every compared number: every difference below is exactly 0.')] : []));
  const m = r.matching;
  matchingHost.replaceChildren(
    el('p', { 'data-testid': 'matching-summary' }, m.summary),
    ...(m.onlyA.length || m.onlyB.length ? [el('ul', { class: 'unmatched', 'data-testid': 'unmatched' },
      ...m.onlyA.map((u) => el('li', {}, `only in A: ${runText(u)} — ${u.reason}`)),
      ...m.onlyB.map((u) => el('li', {}, `only in B: ${runText(u)} — ${u.reason}`)))] : []),
  );
  notesList.replaceChildren(...r.notes.map((n) => el('li', {}, n)));
  const selected = host.state?.selectedPair;
  const index = Math.max(0, r.layers.findIndex((l) => l.pair === selected));
  tableHost.replaceChildren(table<LayerChange>([
    { header: 'Matrix', cell: (x) => x.label, width: '16%' },
    { header: 'Shape', cell: (x) => `${x.rows}×${x.cols}`, width: '8%' },
    { header: '‖W_A‖₂', cell: (x) => formatNumber(x.normA), numeric: true, width: '9%' },
    { header: '‖W_B‖₂', cell: (x) => formatNumber(x.normB), numeric: true, width: '9%' },
    { header: '‖W_A − W_B‖₂', cell: (x) => formatNumber(x.diffNorm), numeric: true, width: '11%' },
    { header: 'Relative', cell: (x) => formatNumber(x.relativeChange), numeric: true, title: '‖W_A − W_B‖₂ / ‖W_A‖₂', width: '9%' },
    { header: '‖b_A − b_B‖₂', cell: (x) => formatNumber(x.biasDiff), numeric: true, width: '10%' },
    { header: '‖W_A − I‖₂', cell: (x) => (x.minusIdentity ? formatNumber(x.minusIdentity.a) : '—'), numeric: true, width: '9%' },
    { header: '‖W_B − I‖₂', cell: (x) => (x.minusIdentity ? formatNumber(x.minusIdentity.b) : '—'), numeric: true, width: '9%' },
    { header: 'Δ‖W − I‖₂', cell: (x) => (x.minusIdentity ? formatNumber(x.minusIdentity.change) : '—'), numeric: true, title: '‖W_B − I‖₂ − ‖W_A − I‖₂', width: '10%' },
  ], r.layers, (row) => void loadSpectra(row)));
  tableHost.querySelectorAll('vscode-table-row')[index]?.setAttribute('aria-selected', 'true');
  if (r.layers.length) {
    const pts = r.layers.length < 40;
    changePlot.render({
      title: 'How far each matrix moved', xLabel: 'pair (network order)', yLabel: 'norm', x: r.layers.map((_, i) => i + 1), logY: true,
      series: [
        { label: '‖W_A − W_B‖₂', values: r.layers.map((l) => l.diffNorm), points: pts },
        { label: '‖W_A − W_B‖₂ / ‖W_A‖₂', values: r.layers.map((l) => l.relativeChange), points: pts },
      ],
    });
  }
  renderGlance(r);
  renderConvergence(r);
  renderRegions(r);
  if (r.layers[index]) void loadSpectra(r.layers[index]);
  else { esd.clear(); esdTitle.textContent = 'No matched pair to show.'; }
}

const STATUS_ICON: Record<string, string> = { holds: 'pass', fails: 'error', inconclusive: 'question' };

function verdictCell(v: VerdictDigest | undefined, side: string): HTMLElement {
  if (!v) return el('div', { class: 'card verdict' }, `${side}: not analysed`);
  const icon = el('span', { class: `codicon codicon-${STATUS_ICON[v.status]}` });
  return el('div', { class: `card verdict verdict-${v.status}`, 'data-testid': `verdict-${side}` },
    el('div', { class: 'verdict-head' }, icon, el('span', { class: 'verdict-title' }, side), el('span', { class: 'verdict-status' }, v.status)),
    el('p', {}, docLinks(v.reason)),
    el('p', { class: 'basis' }, `basis: ${v.basis}`));
}

function statusIcon(status: string | undefined): HTMLElement {
  return el('span', { class: `codicon codicon-${status ? STATUS_ICON[status] ?? 'question' : 'dash'}`, 'aria-hidden': 'true' });
}

/** "holds → fails": A's and B's status, each with its icon. */
function statusPair(a: VerdictDigest | undefined, b: VerdictDigest | undefined): HTMLElement[] {
  return [
    el('span', { class: `glance-side verdict-${a?.status ?? 'none'}` }, statusIcon(a?.status), ` A ${a?.status ?? 'not analysed'}`),
    el('span', { class: 'glance-arrow' }, ' → '),
    el('span', { class: `glance-side verdict-${b?.status ?? 'none'}` }, statusIcon(b?.status), ` B ${b?.status ?? 'not analysed'}`),
  ];
}

function renderGlance(r: CompareResult): void {
  const lines: HTMLElement[] = [];
  const largest = r.layers.reduce<LayerChange | undefined>((m, l) => (!m || l.diffNorm > m.diffNorm ? l : m), undefined);
  lines.push(el('li', { class: 'verdict-line', 'data-testid': 'glance-change' },
    el('span', { class: `codicon codicon-${r.identical ? 'pass' : 'diff'}`, 'aria-hidden': 'true' }),
    el('strong', {}, 'Weights '),
    r.identical ? 'identical in every compared number'
      : largest ? `largest change ${largest.label}: ‖W_A − W_B‖₂ = ${formatNumber(largest.diffNorm)} (relative ${formatNumber(largest.relativeChange)})` : 'no matched pair'));
  const c = r.convergence;
  if (c) {
    const sums = c.a && c.b ? ` — Σ‖W − I‖ ${formatNumber(c.a.series.weight.sum)} → ${formatNumber(c.b.series.weight.sum)}, Σ‖b‖ ${formatNumber(c.a.series.bias.sum)} → ${formatNumber(c.b.series.bias.sum)}` : '';
    for (const name of ['sufficient', 'necessary', 'pointwise'] as const) {
      const a = c.a?.verdicts[name], b = c.b?.verdicts[name];
      lines.push(el('li', { class: `verdict-line verdict-${a?.status === b?.status ? a?.status ?? 'none' : 'changed'}`, 'data-testid': `glance-${name}`, title: [a && `A: ${a.reason}`, b && `B: ${b.reason}`].filter(Boolean).join('\n') },
        el('strong', {}, `${name[0].toUpperCase()}${name.slice(1)} `), ...statusPair(a, b),
        el('span', { class: 'verdict-number' }, name === 'sufficient' ? sums : '')));
    }
  }
  glance.replaceChildren(...lines);
}

function renderConvergence(r: CompareResult): void {
  const c = r.convergence;
  if (!c) { convergenceHost.replaceChildren(el('p', { class: 'caption' }, 'Not compared.')); return; }
  const a = c.a, b = c.b;
  const rows: HTMLElement[] = [];
  if (c.errorA) rows.push(banner('info', `A: ${c.errorA}`));
  if (c.errorB) rows.push(banner('info', `B: ${c.errorB}`));
  if (a && b) {
    rows.push(el('table', { class: 'series-table', 'data-testid': 'series-table' },
      el('tr', {}, el('th', {}, 'series'), el('th', {}, 'A'), el('th', {}, 'B'), el('th', {}, 'B − A')),
      el('tr', {}, el('td', {}, a.series.weight.label), el('td', {}, formatNumber(a.series.weight.sum, 6)), el('td', {}, formatNumber(b.series.weight.sum, 6)), el('td', {}, formatNumber(c.weightSumChange, 6))),
      el('tr', {}, el('td', {}, a.series.bias.label), el('td', {}, formatNumber(a.series.bias.sum, 6)), el('td', {}, formatNumber(b.series.bias.sum, 6)), el('td', {}, formatNumber(c.biasSumChange, 6)))));
  }
  for (const name of ['sufficient', 'necessary', 'pointwise'] as const) {
    rows.push(el('h3', {}, `${name} condition (MATH.md §A, §B)`));
    rows.push(el('div', { class: 'verdict-pair' }, verdictCell(a?.verdicts[name], 'A'), verdictCell(b?.verdicts[name], 'B')));
  }
  convergenceHost.replaceChildren(...rows);
  // ‖W_k − I‖ of both runs against the layer number (union of the sampled layer numbers)
  const plotOf = (d: ConvergenceDigest | null) => new Map(d ? Array.from(d.layerNumbers, (k, i) => [k, d.weightTerms[i]] as const) : []);
  const ma = plotOf(a), mb = plotOf(b);
  const xs = [...new Set([...ma.keys(), ...mb.keys()])].sort((x, y) => x - y);
  if (xs.length) {
    const label = a?.series.weight.label.replace(/^Σ/, '') ?? b?.series.weight.label.replace(/^Σ/, '') ?? 'term';
    seriesPlot.render({
      title: 'Series terms against depth', xLabel: 'layer k', yLabel: 'term', x: xs, logX: xs[xs.length - 1] > 50, logY: true,
      series: [
        { label: `A: ${label}`, values: xs.map((k) => ma.get(k) ?? null), points: xs.length < 40 },
        { label: `B: ${label}`, values: xs.map((k) => mb.get(k) ?? null), points: xs.length < 40 },
      ],
    });
  }
}

function renderRegions(r: CompareResult): void {
  const g = r.regions;
  if (!g) {
    regionCaption.textContent = 'A 1-D input has no 2-D slice (or the region maps were not asked for).';
    mapA.clear(); mapB.clear(); mapCaptionA.textContent = ''; mapCaptionB.textContent = '';
    return;
  }
  regionCaption.textContent = `Exact activation regions (MATH.md §A) on ${g.plane.description}.${g.note ? ` ${g.note}` : ''}`;
  const caption = (s: typeof g.a, name: string) => (s ? `${s.count} regions: ${s.same} same, ${s.moved} moved, ${s.only} only in ${name}` : '—');
  if (g.a) mapA.set(g.plane, g.a); else mapA.clear();
  if (g.b) mapB.set(g.plane, g.b); else mapB.clear();
  mapCaptionA.textContent = caption(g.a, 'A');
  mapCaptionB.textContent = caption(g.b, 'B');
}

async function loadSpectra(row: LayerChange): Promise<void> {
  host.patchState({ selectedPair: row.pair });
  spectraRun?.cancel();
  const token = new Cancellation();
  spectraRun = token;
  esdTitle.textContent = `Computing both spectra of ${row.label}…`;
  try {
    const s = await host.request('compareSpectra', { pair: row.pair }, { token });
    if (token.isCancellationRequested) return;
    spectra = s;
    drawEsd(s);
  } catch (e) {
    if (e instanceof RpcError && e.code === 'cancelled') return;
    esdTitle.textContent = (e as Error).message;
  }
}

function drawEsd(s: CompareSpectraResult): void {
  const alpha = (x: CompareSpectraResult['a']) => (x.powerLaw.status === 'fitted' ? `α = ${formatNumber(x.powerLaw.alpha, 3)} ± ${formatNumber(x.powerLaw.standardError, 2)}` : `too few eigenvalues to fit (${x.powerLaw.count})`);
  esdTitle.textContent = `${s.a.label}: A ${alpha(s.a)}, stable rank ${formatNumber(s.a.stableRank)}; B ${alpha(s.b)}, stable rank ${formatNumber(s.b.stableRank)}`;
  const set = (x: CompareSpectraResult['a'], label: string) => ({
    label,
    eigenvalues: Float64Array.from(x.singularValues, (v) => v * v),
    total: x.method.total,
    mp: x.marchenkoPastur ? { rows: x.marchenkoPastur.rows, cols: x.marchenkoPastur.cols, variance: x.marchenkoPastur.variance } : null,
    powerLaw: x.powerLaw.status === 'fitted' ? x.powerLaw : null,
  });
  esd.render({ title: `ESDs of WᵀW — ${s.a.label}`, logX, sets: [set(s.a, 'A'), set(s.b, 'B')] });
}

host.onDocument((doc, state, changed) => {
  if (!changed && state?.logX !== undefined) {
    logX = state.logX;
    (logXToggle as HTMLElement & { checked: boolean }).checked = logX;
  }
  if (doc) document.title = `Compare: ${doc.fileName}`;
  void load();
});
onThemeChange(() => { if (result) { renderRegions(result); renderConvergence(result); } if (spectra) drawEsd(spectra); });
host.ready();
