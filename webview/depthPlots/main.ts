/**
 * Depth plots panel (issue 6, MATH.md §C): the angle θ between two inputs through random bias-free
 * ReLU networks, as ln sin²θ against depth — Monte Carlo (solid, ± sd band) against the infinite-width
 * recursion and the finite-width predictions (dashed) — a histogram at a chosen layer with the
 * predicted density and a KS test, the mixed-moment table, and, with a network file, the measured
 * angle between two of its probes beside the random-network prediction for its widths.
 * Works without a file; runs go to the analysis worker, show progress and can be stopped.
 */
import { Cancellation, HostConnection, isCancelled, type PanelState } from '../common/host';
import { LinePlot, type SeriesSpec } from '../common/linePlot';
import { onThemeChange, themeColors } from '../common/theme';
import { banner, button, docLinks, el, formatNumber, Progress, select, table, textField } from '../common/ui';
import type {
  DegeneracyLayerRow, DegeneracyResult, MomentEntry, MomentsResult, ProbeAngleLayerRow, ProbeAngleResult,
} from '../../src/shared/analyses/degeneracy';
import type { PanelDocumentInfo } from '../../src/shared/protocol';
import { csvRows, toJsonText } from '../common/csv';
import { composePng, type ExportFigure, type LegendEntry } from './export';
import { HistogramPlot } from './histogram';
import { DEFAULT_FORM, degeneracyParams, parseAngle, widthsText, type DepthForm } from './params';
import './depthPlots.css';

interface DepthPlotsState extends PanelState {
  form?: DepthForm;
  /** histogram layer; null = the last layer */
  layer?: number | null;
  momentsMax?: string;
  momentsTheta?: string;
  probeA?: string;
  probeB?: string;
}

const host = new HostConnection<DepthPlotsState>();
const app = document.getElementById('app')!;
const progress = new Progress();
progress.element.dataset.testid = 'progress';
const messages = el('div', { class: 'messages', 'data-testid': 'messages' });
const form: DepthForm = { ...DEFAULT_FORM, ...(host.state?.form ?? {}) };
let result: DegeneracyResult | undefined;
let moments: MomentsResult | undefined;
let probeResult: ProbeAngleResult | undefined;
let running: Cancellation | undefined;
let runStarted = 0;
let histogramLayer: number | null = host.state?.layer ?? null;

// ─── controls ───────────────────────────────────────────────────────────────────────────────────
type ValueElement = HTMLElement & { value: string };
const fieldInputs = new Map<keyof DepthForm, ValueElement>();

function field<K extends keyof DepthForm>(key: K, wrap: HTMLElement, title: string): HTMLElement {
  wrap.dataset.testid = `field-${key}`;
  wrap.title = title;
  const input = wrap.querySelector<ValueElement>('vscode-textfield, vscode-single-select');
  if (input) fieldInputs.set(key, input);
  return wrap;
}

const saveForm = (): void => { readForm(); host.patchState({ form: { ...form } }); };
const controls = el('div', { class: 'controls', 'data-testid': 'controls' },
  field('widths', textField('widths', form.widths, saveForm, { width: '11em', placeholder: '256 or 256x32 or 784,100x10,10' }),
    'One width (every layer, with the depth field), a run like 256x32 (input width 256 and 32 layers of 256), or a list n₀, n₁, …, n_L whose items may be runs (784, 100x10, 10)'),
  field('depth', textField('depth L', form.depth, saveForm, { width: '4em' }), 'number of layers (used when the widths field is a single width)'),
  field('theta0', textField('θ₀ (rad)', form.theta0, saveForm, { width: '5em' }), 'input angle in radians, in (0, π]; pi/4 style also accepted'),
  field('trials', textField('trials', form.trials, saveForm, { width: '6em' }), 'Monte Carlo trials (0 = theory only)'),
  field('seed', textField('seed', form.seed, saveForm, { width: '4em' }), 'runs are reproducible bit for bit'),
  field('mode', select('mode', [
    { value: 'chain', label: 'chain (exact, no matrices)' },
    { value: 'network', label: 'full random networks' },
  ], form.mode, saveForm), 'chain: the exact one-step Markov chain (n iid correlated Gaussian pairs per layer); network: full He-normal weight matrices (validates the chain, much slower)'),
  field('widthConvention', select('width convention', [
    { value: 'measured', label: 'n of the measured layer' },
    { value: 'input', label: 'n of the step\'s input (paper)' },
  ], form.widthConvention, saveForm), 'width the theory uses for the step into layer ℓ: the width of layer ℓ, where the new angle is measured (exact for the chain), or of layer ℓ − 1 (the authors\' labelling). Identical for equal widths; simulations always use the true widths.'),
);

function readForm(): void {
  for (const [key, input] of fieldInputs) (form as unknown as Record<string, string>)[key] = String(input.value ?? '');
}

function writeForm(values: Partial<DepthForm>): void {
  for (const [key, v] of Object.entries(values) as [keyof DepthForm, string][]) {
    const input = fieldInputs.get(key);
    if (input) input.value = v;
    (form as unknown as Record<string, string>)[key] = v;
  }
}

// ─── layout ─────────────────────────────────────────────────────────────────────────────────────
const runButton = button('Run', () => void run(), { icon: 'play', title: 'Run the theory and the Monte Carlo in the analysis worker' });
runButton.dataset.testid = 'run';
const stopButton = button('Stop', () => running?.cancel(), { secondary: true, icon: 'debug-stop', title: 'Stop the run' });
stopButton.dataset.testid = 'stop';
stopButton.setAttribute('disabled', '');

const summary = el('p', { class: 'summary', 'data-testid': 'summary' }, 'Run to simulate; the defaults are the paper\'s Figure 1 setting (n = 256, 32 layers, θ₀ = 0.1).');
const keyLayers = el('div', { class: 'key-layers', 'data-testid': 'key-layers' });
const depthPlot = new LinePlot(340);
const depthCaption = el('p', { class: 'caption', 'data-testid': 'depth-caption' });
const histogram = new HistogramPlot(280);
const layerSlider = el('input', { type: 'range', min: '1', max: '1', step: '1', value: '1', 'aria-label': 'layer of the histogram', 'data-testid': 'layer-select' });
const layerLabel = el('span', { class: 'layer-label', 'data-testid': 'layer-label' }, '—');
const ksText = el('p', { class: 'ks-text', 'data-testid': 'ks-text' });
const layerTableHost = el('div', { class: 'table-host', 'data-testid': 'layer-table' });
const momentsHost = el('div', { class: 'moments', 'data-testid': 'moments-tables' });
const momentsStatus = el('p', { class: 'caption', 'data-testid': 'moments-status' });
const probeSection = el('section', { class: 'panel-section', 'data-testid': 'probe-section' });
probeSection.hidden = true;

layerSlider.addEventListener('input', () => {
  histogramLayer = Number(layerSlider.value);
  host.patchState({ layer: histogramLayer });
  if (result) renderHistogram(result);
});

const momentsForm = {
  max: host.state?.momentsMax ?? '8',
  theta: host.state?.momentsTheta ?? 'pi/2',
};
const momentsMaxField = textField('max a, b', momentsForm.max, (v) => { momentsForm.max = v; host.patchState({ momentsMax: v }); void loadMoments(); }, { width: '4em' });
momentsMaxField.dataset.testid = 'moments-max';
const momentsThetaField = textField('θ (rad)', momentsForm.theta, (v) => { momentsForm.theta = v; host.patchState({ momentsTheta: v }); void loadMoments(); }, { width: '6em' });
momentsThetaField.dataset.testid = 'moments-theta';

function details(title: string, testId: string, ...children: Node[]): HTMLDetailsElement {
  const d = el('details', { class: 'panel-details', 'data-testid': testId }, el('summary', {}, title), ...children);
  return d;
}

app.append(
  el('header', { class: 'panel-header' },
    el('h1', {}, 'Depth plots'),
    el('div', { class: 'toolbar' },
      runButton, stopButton,
      button('Export PNG', () => exportPng(), { secondary: true, icon: 'file-media' }),
      button('Export CSV', () => exportCsv(), { secondary: true, icon: 'table' }),
      button('Export JSON', () => exportJson(), { secondary: true, icon: 'json' }),
    ),
  ),
  el('p', { class: 'caption' },
    docLinks('The angle θ between two inputs through random bias-free ReLU networks with iid Gaussian (He) weights, as X = ln sin²θ per layer (MATH.md §C, after Jakub & Nica). Solid = simulation, dashed = theory.')),
  el('p', { class: 'key-note', 'data-testid': 'key-note', role: 'note' },
    'Finite width n adds a drift ≈ −2/n and a variance ≈ 8/n to ln sin²θ at every layer, so the angle collapses exponentially in depth — not like 1/ℓ (θ ≈ 3π/ℓ), as the infinite-width curve says.'),
  controls,
  progress.element,
  messages,
  summary,
  keyLayers,
  el('section', { class: 'panel-section' }, el('h2', {}, 'ln sin²θ through depth'),
    el('div', { 'data-testid': 'depth-plot' }, depthPlot.element), depthCaption),
  el('section', { class: 'panel-section' }, el('h2', {}, 'Distribution at one layer'),
    el('div', { class: 'layer-row' }, el('label', {}, 'layer ℓ ', layerSlider), layerLabel),
    ksText,
    el('div', { 'data-testid': 'histogram' }, histogram.element),
    el('p', { class: 'caption' }, 'Bars: the simulated ln sin²θ at the layer, as a density (count / (trials · bin width)). Dashed: the density predicted by propagating Theorem 1\'s first step with Approximation 2 (drift α(X), noise β² = 8n/(n+5)²) on a grid. Approximation 2 is a small-angle model (its drift and noise are Theorem 1 linearised about θ = 0): for large angles the predicted spread and the KS test are off until the angle has become small. KS: Kolmogorov–Smirnov statistic and asymptotic p-value of the samples against that density.')),
  details('Per-layer numbers', 'layer-details', layerTableHost),
  details('Mixed moments J_{a,b}(θ), P and Q, Bessel numbers', 'moments-details',
    el('p', { class: 'caption' }, 'J_{a,b}(θ) = E[σ(G)^a σ(Ĝ)^b] for standard normals with E[GĜ] = cos θ. For a + b even, 2π·J = (π − θ)·P(c) + sin θ·Q(c); for a + b odd, √(2π)·J = R(c); c = cos θ. P\'s coefficients are j!·T(a,(a−j)/2)·T(b,(b−j)/2) with the Bessel numbers T(n,k) = C(n,2k)(2k−1)!!.'),
    el('div', { class: 'controls' }, momentsMaxField, momentsThetaField),
    momentsStatus, momentsHost),
  probeSection,
);
app.removeAttribute('aria-busy');

// ─── the random-network run ─────────────────────────────────────────────────────────────────────
function setRunning(on: boolean): void {
  if (on) { runButton.setAttribute('disabled', ''); stopButton.removeAttribute('disabled'); }
  else { runButton.removeAttribute('disabled'); stopButton.setAttribute('disabled', ''); }
  document.body.dataset.running = String(on);
}

async function run(): Promise<void> {
  running?.cancel();
  readForm();
  host.patchState({ form: { ...form } });
  const { params, errors } = degeneracyParams(form);
  if (!params) {
    messages.replaceChildren(banner('error', errors.join('\n')));
    return;
  }
  // a run spec such as 256x32 fixes the depth; show it in the depth field
  if (form.widths.trim() !== '' && !/^\d[\d_]*$/.test(form.widths.trim())) writeForm({ depth: String(params.widths.length - 1) });
  messages.replaceChildren();
  const token = new Cancellation();
  running = token;
  setRunning(true);
  runStarted = performance.now();
  progress.start('Predicting and simulating in the analysis worker…');
  try {
    const r = await host.request('degeneracy', params, { token, onProgress: (f, m) => progress.update(f, m) });
    if (token.isCancellationRequested) return;
    result = r;
    render(r, (performance.now() - runStarted) / 1000);
  } catch (e) {
    if (isCancelled(e)) {
      if (running === token) messages.replaceChildren(banner('info', result ? 'Stopped. The plots show the previous run.' : 'Stopped.'));
      return;
    }
    messages.replaceChildren(banner('error', (e as Error).message));
  } finally {
    if (running === token) {
      running = undefined;
      progress.done();
      setRunning(false);
    }
  }
}

const SERIES_COLORS = () => {
  const c = themeColors().series;
  return { mc: c[0], approx1: c[1], theorem: c[2], infinite: c[4], predicted: c[3] };
};

/** the dash pattern of the Theorem 1 curve (the other theory curves are dashed [6, 4]) */
const THEOREM_DOTS = [2, 4];

function finite(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

function depthSeries(r: DegeneracyResult): { series: SeriesSpec[]; legend: LegendEntry[] } {
  const colors = SERIES_COLORS();
  const rows = r.layers;
  const series: SeriesSpec[] = [];
  if (r.trials > 0) {
    const mean = rows.map((x) => finite(x.mc?.mean));
    const sd = rows.map((x) => finite(x.mc?.sd));
    series.push({
      label: `simulation: Monte Carlo mean ± sd (${r.trials.toLocaleString('en-US')} ${r.mode === 'chain' ? 'chain paths' : 'networks'})`,
      values: mean,
      color: colors.mc,
      band: { lower: mean.map((m, i) => (m === null || sd[i] === null ? null : m - sd[i]!)), upper: mean.map((m, i) => (m === null || sd[i] === null ? null : m + sd[i]!)) },
    });
  }
  series.push({ label: 'theory: infinite width', values: rows.map((x) => finite(x.infiniteWidth.lnSin2)), dash: true, color: colors.infinite });
  series.push({ label: 'theory: Approximation 1 (finite n)', values: rows.map((x) => finite(x.approx1)), dash: true, color: colors.approx1 });
  // dotted: it runs on top of Approximation 1 (they differ by ~0.01), whose dashes show between the dots
  series.push({ label: 'theory: Theorem 1 iterated (finite n)', values: rows.map((x) => finite(x.theoremIterate)), dash: THEOREM_DOTS, color: colors.theorem });
  return { series, legend: series.map((s) => ({ label: s.label, color: s.color!, dashed: s.dash ?? false })) };
}

let depthLegend: LegendEntry[] = [];

function render(r: DegeneracyResult, seconds: number): void {
  const L = r.layers.length - 1;
  const setting = `input width ${r.widths[0]}, layer widths ${widthsText(r.widths.slice(1))}, θ₀ = ${formatNumber(r.theta0)}, ${r.trials.toLocaleString('en-US')} ${r.mode === 'chain' ? 'chain trials' : 'full networks'}, seed ${r.seed}`;
  summary.textContent = `${setting} — ${seconds.toFixed(1)} s.`;
  renderKeyLayers(r);
  const { series, legend } = depthSeries(r);
  depthLegend = legend;
  depthPlot.render({ title: 'ln sin²θ against depth', xLabel: 'layer ℓ', yLabel: 'ln sin²θ', x: r.layers.map((x) => x.layer), series });
  depthCaption.textContent = r.trials > 0
    ? `Solid with shaded band: simulation (mean ± 1 sd of ln sin²θ across the ${r.trials.toLocaleString('en-US')} trials). Dashed: theory — the deterministic infinite-width recursion cos θ' = [sin θ + (π − θ) cos θ]/π, and the finite-width predictions Approximation 1 (X' = X − (2/3π)θ − ρ(n), a small-angle law${r.theta0 > Math.PI / 2 ? '; from θ₀ > π/2 it starts at layer 1 from μ(θ₀, n₁)' : ''}) and Theorem 1's mean μ(θ, n) iterated. Theorem 1 dotted (it runs on top of Approximation 1). Width for the step into layer ℓ: ${r.widthConvention === 'measured' ? 'the width of layer ℓ (measured layer)' : 'the width of layer ℓ − 1 (step input, paper)'}.`
    : 'Theory only (trials = 0). Dashed: the infinite-width recursion, Approximation 1 and Theorem 1 iterated.';
  const notes = r.notes.map((n) => banner('info', n));
  messages.replaceChildren(...notes);

  layerSlider.max = String(Math.max(1, L));
  const layer = histogramLayer !== null && histogramLayer >= 1 && histogramLayer <= L ? histogramLayer : L;
  layerSlider.value = String(layer);
  layerSlider.disabled = r.trials === 0;
  renderHistogram(r);
  renderLayerTable(r);
}

function renderKeyLayers(r: DegeneracyResult): void {
  const L = r.layers.length - 1;
  let picks = [10, 20, 30].filter((l) => l <= L);
  if (picks.length === 0) picks = [L];
  const rows = picks.map((l) => r.layers[l]);
  const f = (v: number | null | undefined) => formatNumber(finite(v), 4).replace('-', '−');
  const lines = rows.map((row) => {
    const mc = row.mc && row.mc.mean !== null ? `simulation ${f(row.mc.mean)} ± ${f(row.mc.sd)}` : 'no simulation';
    return el('li', {}, `layer ${row.layer}: ${mc}; Approximation 1 ${f(row.approx1)}; Theorem 1 ${f(row.theoremIterate)}; infinite width ${f(row.infiniteWidth.lnSin2)} (θ = ${formatNumber(row.infiniteWidth.theta, 3)} rad vs finite-width θ ≈ ${formatNumber(Math.asin(Math.exp(Math.min(0, row.approx1) / 2)), 3)})`);
  });
  keyLayers.replaceChildren(el('p', { class: 'caption' }, 'ln sin²θ at selected layers:'), el('ul', {}, ...lines));
}

function renderHistogram(r: DegeneracyResult): void {
  const L = r.layers.length - 1;
  const layer = Math.min(L, Math.max(1, Number(layerSlider.value) || L));
  layerLabel.textContent = `${layer} of ${L} (width ${r.layers[layer].width})`;
  const h = r.histograms.find((x) => x.layer === layer);
  const K = r.density.x.length;
  const curve = r.density.values.subarray(layer * K, (layer + 1) * K);
  const ks = r.ks.find((x) => x.layer === layer);
  const mc = r.layers[layer].mc;
  if (!h || !mc) {
    histogram.render({
      title: `Layer ${layer}: predicted density of ln sin²θ`, xLabel: `ln sin²θ at layer ${layer}`,
      edges: [], density: [], histogramLabel: 'simulation: none (trials = 0)', curveX: r.density.x, curveY: curve, curveLabel: 'theory: predicted density',
    });
    ksText.textContent = 'No simulation (trials = 0): no KS test.';
    return;
  }
  histogram.render({
    title: `Layer ${layer}: simulated ln sin²θ vs predicted density`,
    xLabel: `ln sin²θ at layer ${layer}`,
    edges: h.edges, density: h.density,
    histogramLabel: `simulation: ${mc.count.toLocaleString('en-US')} samples`,
    curveX: r.density.x, curveY: curve,
    curveLabel: 'theory: predicted density (Approximation 2)',
  });
  const lost = r.trials - mc.count;
  const lostText = lost > 0 ? ` ${lost} trial(s) have no finite value here (${mc.collapsed} reached θ = 0 or an angle below the simulation's resolution, ${mc.dead} dead) and are left out.` : '';
  if (!ks || ks.statistic === null || ks.pValue === null) {
    ksText.textContent = `KS test: not available at layer ${layer}${ks?.reason ? `: ${ks.reason}` : ''}.${lostText}`;
    return;
  }
  // p < 0.05 rejects; a larger p only fails to reject (never "consistent")
  const verdict = ks.pValue < 0.05
    ? 'the KS test rejects the predicted density at the 5 % level (Theorem 1 holds up to O(n⁻²) per layer, which accumulates with depth)'
    : 'the KS test does not reject the predicted density at the 5 % level';
  ksText.textContent = `KS statistic D = ${formatNumber(ks.statistic, 3)}, p-value = ${formatNumber(ks.pValue, 3)} over ${ks.samples.toLocaleString('en-US')} samples: ${verdict}.${lostText}`;
}

const LAYER_COLUMNS: Array<{ header: string; value: (x: DegeneracyLayerRow) => number | null; title?: string }> = [
  { header: 'layer ℓ', value: (x) => x.layer },
  { header: 'width n_ℓ', value: (x) => x.width },
  { header: 'step n', value: (x) => x.stepWidth, title: 'width the theory used for the step into this layer' },
  { header: 'θ infinite width', value: (x) => x.infiniteWidth.theta },
  { header: 'X infinite width', value: (x) => x.infiniteWidth.lnSin2 },
  { header: 'X Theorem 1', value: (x) => x.theoremIterate },
  { header: 'X Approx. 1', value: (x) => x.approx1 },
  { header: 'predicted mean', value: (x) => x.predicted.mean },
  { header: 'predicted sd', value: (x) => x.predicted.sd },
  { header: 'MC mean', value: (x) => x.mc?.mean ?? null },
  { header: 'MC sd', value: (x) => x.mc?.sd ?? null },
  { header: 'MC se', value: (x) => x.mc?.se ?? null },
  { header: 'MC finite', value: (x) => x.mc?.count ?? null },
];

function renderLayerTable(r: DegeneracyResult): void {
  const ksAt = new Map(r.ks.map((k) => [k.layer, k]));
  layerTableHost.replaceChildren(table<DegeneracyLayerRow>([
    ...LAYER_COLUMNS.map((c) => ({ header: c.header, title: c.title, numeric: true, cell: (x: DegeneracyLayerRow) => formatNumber(c.value(x), 5) })),
    { header: 'KS D', numeric: true, cell: (x) => formatNumber(ksAt.get(x.layer)?.statistic, 3) },
    { header: 'KS p', numeric: true, cell: (x) => formatNumber(ksAt.get(x.layer)?.pValue, 3) },
  ], r.layers, (row) => {
    if (row.layer < 1) return;
    histogramLayer = row.layer;
    layerSlider.value = String(row.layer);
    host.patchState({ layer: row.layer });
    renderHistogram(r);
  }));
}

// ─── moments ────────────────────────────────────────────────────────────────────────────────────
let momentsToken: Cancellation | undefined;

/** c-polynomial from coefficients lowest degree first: [1, 0, 2] → "1 + 2c²". */
function polyText(coefficients: readonly number[]): string {
  const sup = (k: number) => String(k).replace(/\d/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]);
  const terms: string[] = [];
  coefficients.forEach((a, k) => {
    if (a === 0) return;
    const mag = Math.abs(a);
    const coef = k > 0 && mag === 1 ? '' : formatNumber(mag, 8);
    const power = k === 0 ? '' : k === 1 ? 'c' : `c${sup(k)}`;
    terms.push(`${terms.length === 0 ? (a < 0 ? '−' : '') : a < 0 ? ' − ' : ' + '}${coef}${power}`);
  });
  return terms.length ? terms.join('') : '0';
}

async function loadMoments(): Promise<void> {
  momentsToken?.cancel();
  let max: number, theta: number;
  try {
    max = Number(momentsForm.max.trim());
    if (!Number.isInteger(max) || max < 1 || max > 40) throw new RangeError(`max a, b: an integer in 1..40, got "${momentsForm.max}"`);
    theta = parseAngle(momentsForm.theta, 'θ');
  } catch (e) {
    momentsStatus.textContent = (e as Error).message;
    return;
  }
  const token = new Cancellation();
  momentsToken = token;
  try {
    const m = await host.request('moments', { max, theta }, { token });
    if (token.isCancellationRequested) return;
    moments = m;
    renderMoments(m);
  } catch (e) {
    if (isCancelled(e)) return;
    momentsStatus.textContent = (e as Error).message;
  }
}

function renderMoments(m: MomentsResult): void {
  momentsStatus.textContent = `θ = ${formatNumber(m.theta, 6)} rad, a, b = 1…${m.max}.${m.coefficientsExact ? '' : ' Coefficients past 2⁵³ are shown as the nearest double to the exact integer (the CLI prints them exactly).'}`;
  const rowsA = Array.from({ length: m.max }, (_, i) => i + 1);
  const at = (a: number, b: number) => m.entries[(a - 1) * m.max + (b - 1)];
  const jTable = table<number>([
    { header: 'a \\ b', cell: (a) => String(a), numeric: true },
    ...rowsA.map((b) => ({ header: String(b), numeric: true, cell: (a: number) => formatNumber(at(a, b).J, 6) })),
  ], rowsA);
  const upper = m.entries.filter((e) => e.a <= e.b);
  const formTable = table<MomentEntry>([
    { header: 'a', cell: (e) => String(e.a), numeric: true },
    { header: 'b', cell: (e) => String(e.b), numeric: true },
    { header: 'J_{a,b}(θ)', cell: (e) => formatNumber(e.J, 8), numeric: true },
    { header: 'form', cell: (e) => (e.parity === 'even' ? '2πJ = (π−θ)P + sin θ·Q' : '√(2π)J = R') },
    { header: 'P(c)', cell: (e) => (e.parity === 'even' ? polyText(e.P) : '') },
    { header: 'Q(c)', cell: (e) => (e.parity === 'even' ? polyText(e.Q) : '') },
    { header: 'R(c)', cell: (e) => (e.parity === 'odd' ? polyText(e.R) : '') },
  ], upper);
  const widest = Math.max(...m.bessel.map((r) => r.length));
  const bessel = table<readonly number[]>([
    { header: 'n', cell: (r) => String(m.bessel.indexOf(r)), numeric: true },
    ...Array.from({ length: widest }, (_, k) => ({ header: `k = ${k}`, numeric: true, cell: (r: readonly number[]) => (k < r.length ? String(r[k]) : '') })),
  ], m.bessel);
  momentsHost.replaceChildren(
    el('h3', {}, 'J_{a,b}(θ)'), el('div', { class: 'table-host', 'data-testid': 'moments-j' }, jTable),
    el('h3', {}, 'P and Q (a ≤ b; J is symmetric)'), el('div', { class: 'table-host', 'data-testid': 'moments-forms' }, formTable),
    el('h3', {}, 'Bessel numbers T(n, k) = C(n, 2k)(2k − 1)!! (OEIS A100861)'), el('div', { class: 'table-host', 'data-testid': 'moments-bessel' }, bessel),
  );
}

// ─── the panel's network file: the angle between two probes ─────────────────────────────────────
let probeToken: Cancellation | undefined;
const probePlot = new LinePlot(300);
const probeControls = el('div', { class: 'controls' });
const probeCaption = el('p', { class: 'caption', 'data-testid': 'probe-caption' });
const probeMessages = el('div', { 'data-testid': 'probe-messages' });
const probeTitle = el('h2', {});
probeSection.append(probeTitle, probeControls, probeMessages, el('div', { 'data-testid': 'probe-plot' }, probePlot.element), probeCaption);
let probeLegend: LegendEntry[] = [];

async function loadProbes(doc: PanelDocumentInfo): Promise<void> {
  probeToken?.cancel();
  const token = new Cancellation();
  probeToken = token;
  probeSection.hidden = false;
  probeTitle.textContent = `Probe angles in ${doc.fileName}`;
  try {
    const v = await host.request('validate', {}, { token });
    if (token.isCancellationRequested) return;
    const names = v.summary?.probeNames ?? [];
    if (!v.summary) {
      probeControls.replaceChildren();
      probeMessages.replaceChildren(banner('error', `${doc.fileName} does not parse; fix its errors to see the angle between its probes.`));
      return;
    }
    if (names.length < 2) {
      probeControls.replaceChildren();
      probeResult = undefined;
      probeMessages.replaceChildren(banner('info', `${doc.fileName} defines ${names.length} probe${names.length === 1 ? '' : 's'} (input.probes); two are needed for the measured angle through its layers.`));
      probePlot.element.hidden = true;
      return;
    }
    const saved = (name: string | undefined) => (name && names.includes(name) ? name : undefined);
    let a = saved(host.state?.probeA), b = saved(host.state?.probeB);
    if (a === undefined || b === undefined) {
      // the analysis picks what is left open: the first non-zero probes (a file's first probe is often the origin)
      const first = await runProbes(a, b);
      if (!first || probeResult !== first) return; // failed, or a newer request took over
      [a, b] = first.probes;
    } else {
      await runProbes(a, b);
    }
    const options = names.map((n) => ({ value: n, label: n }));
    const pickA = select('probe A', options, a, (v) => { a = v; host.patchState({ probeA: v }); void runProbes(a, b); });
    pickA.dataset.testid = 'probe-a';
    const pickB = select('probe B', options, b, (v) => { b = v; host.patchState({ probeB: v }); void runProbes(a, b); });
    pickB.dataset.testid = 'probe-b';
    probeControls.replaceChildren(pickA, pickB);
  } catch (e) {
    if (isCancelled(e)) return;
    probeMessages.replaceChildren(banner('error', (e as Error).message));
  }
}

/** Measure the angle between probes a and b (undefined: the analysis' default); the result, if any. */
async function runProbes(a: string | undefined, b: string | undefined): Promise<ProbeAngleResult | undefined> {
  probeToken?.cancel();
  const token = new Cancellation();
  probeToken = token;
  if (a !== undefined && a === b) {
    probeMessages.replaceChildren(banner('info', 'Choose two different probes.'));
    return undefined;
  }
  try {
    const r = await host.request('probeAngles', { probeA: a, probeB: b, widthConvention: form.widthConvention }, { token });
    if (token.isCancellationRequested) return undefined;
    probeResult = r;
    renderProbes(r);
    return r;
  } catch (e) {
    if (isCancelled(e)) return undefined;
    probeResult = undefined;
    probeMessages.replaceChildren(banner('error', (e as Error).message));
    return undefined;
  }
}

function renderProbes(r: ProbeAngleResult): void {
  const colors = SERIES_COLORS();
  const rows = r.layers;
  const pred = (f: (p: NonNullable<ProbeAngleLayerRow['prediction']>) => number) => rows.map((x) => (x.prediction ? finite(f(x.prediction)) : null));
  const mean = pred((p) => p.predicted.mean);
  const sd = pred((p) => p.predicted.sd);
  const series: SeriesSpec[] = [
    { label: `measured: ${r.probes[0]} vs ${r.probes[1]}`, values: rows.map((x) => finite(x.lnSin2)), color: colors.mc, points: rows.length <= 60 },
    {
      label: 'theory: random network, predicted mean ± sd', values: mean, dash: true, color: colors.predicted,
      band: { lower: mean.map((m, i) => (m === null || sd[i] === null ? null : m - sd[i]!)), upper: mean.map((m, i) => (m === null || sd[i] === null ? null : m + sd[i]!)) },
    },
    { label: 'theory: infinite width', values: pred((p) => p.infiniteWidth.lnSin2), dash: true, color: colors.infinite },
    { label: 'theory: Approximation 1', values: pred((p) => p.approx1), dash: true, color: colors.approx1 },
  ];
  probeLegend = series.map((s) => ({ label: s.label, color: s.color!, dashed: s.dash ?? false }));
  probePlot.element.hidden = false;
  probePlot.render({ title: `ln sin²θ between ${r.probes[0]} and ${r.probes[1]}`, xLabel: 'layer ℓ', yLabel: 'ln sin²θ', x: rows.map((x) => x.layer), series });
  const last = rows[rows.length - 1];
  probeCaption.textContent = `Input angle θ₀ = ${formatNumber(r.theta0, 4)} rad; widths ${widthsText(r.widths)}. Measured after every layer's output (post-activation) of this network; dashed: what a random He-initialised bias-free ReLU network of the same widths predicts, with a ±1 sd band. One network is one path of the random angle process, so the measured curve wanders and can leave the ±1 sd band for stretches (a path is outside it about a third of the time). Last layer: θ = ${formatNumber(last.theta, 4)} rad.`;
  probeMessages.replaceChildren(...r.notes.map((n) => banner('info', n)));
}

// ─── export ─────────────────────────────────────────────────────────────────────────────────────
function nothingYet(): void {
  messages.replaceChildren(banner('info', 'Nothing to export yet: run first.'));
}

function exportPng(): void {
  const figures: ExportFigure[] = [];
  if (result) {
    figures.push({ title: 'ln sin²θ against depth', canvas: depthPlot.element.querySelector('canvas'), legend: depthLegend, caption: summary.textContent ?? undefined });
    figures.push({ title: `Distribution at layer ${layerSlider.value}`, canvas: histogram.canvas, caption: ksText.textContent ?? undefined });
  }
  if (probeResult && !probeSection.hidden) figures.push({ title: probeTitle.textContent ?? 'Probe angles', canvas: probePlot.element.querySelector('canvas'), legend: probeLegend });
  const data = composePng(figures);
  if (data) host.export('depth-plots.png', 'image/png', data);
  else nothingYet();
}

function exportCsv(): void {
  if (!result) { nothingYet(); return; }
  const ksAt = new Map(result.ks.map((k) => [k.layer, k]));
  const header = ['layer', 'width', 'step_width', 'inf_width_theta', 'inf_width_lnsin2', 'theorem1_lnsin2', 'approx1_lnsin2', 'predicted_mean', 'predicted_sd', 'predicted_mass', 'mc_mean', 'mc_sd', 'mc_se', 'mc_count', 'mc_collapsed', 'mc_dead', 'ks_statistic', 'ks_pvalue'];
  const rows = result.layers.map((x) => [
    x.layer, x.width, x.stepWidth, x.infiniteWidth.theta, x.infiniteWidth.lnSin2, x.theoremIterate, x.approx1,
    x.predicted.mean, x.predicted.sd, x.predicted.mass, x.mc?.mean, x.mc?.sd, x.mc?.se, x.mc?.count, x.mc?.collapsed, x.mc?.dead,
    ksAt.get(x.layer)?.statistic, ksAt.get(x.layer)?.pValue,
  ]);
  host.export('depth-plots.csv', 'text/csv', csvRows(header, rows));
}

function exportJson(): void {
  if (!result && !moments && !probeResult) { nothingYet(); return; }
  host.export('depth-plots.json', 'application/json', toJsonText({ degeneracy: result ?? null, moments: moments ?? null, probeAngles: probeResult ?? null }));
}

// ─── lifecycle ──────────────────────────────────────────────────────────────────────────────────
let started = false;
host.onDocument((doc, _state, changed) => {
  if (doc) void loadProbes(doc);
  else probeSection.hidden = true;
  if (!changed && !started) {
    started = true;
    void loadMoments();
    // the defaults take a few seconds: open with the Figure 1 setting already computed
    void run();
  }
});
host.onClosed(() => {
  probeToken?.cancel();
  probeSection.hidden = true;
});
onThemeChange(() => {
  if (result) { const { series } = depthSeries(result); depthPlot.render({ ...depthPlot.current!, series }); histogram.redraw(); }
  if (probeResult) renderProbes(probeResult);
});
host.ready();
