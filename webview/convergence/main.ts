/**
 * Convergence panel (MATH.md §A, §B). The first screen is the answer: one line per verdict (icon,
 * headline with its deciding number), then the series terms with their fitted power laws beside the
 * dyadic block sums that decided summability. Below, folded: the full verdict cards (reason, theorem,
 * assumptions, numbers), the partial sums, the increments at the probes, the trajectories N_k(x) and
 * the notes. All numbers come from the worker; per-layer arrays of deep networks arrive thinned to
 * MAX_POINTS layers (the block sums never are).
 */
import { csvRows, toJsonText } from '../common/csv';
import { Cancellation, HostConnection, RpcError, type PanelState } from '../common/host';
import { LinePlot, type SeriesSpec } from '../common/linePlot';
import { plotFigure, stackedFiguresPng } from '../common/figures';
import { onThemeChange, themeColors } from '../common/theme';
import { banner, button, docLinks, el, formatNumber, Progress, select } from '../common/ui';
import { unicodeLabel } from '../common/format';
import type { ConvergenceNorm, ConvergenceResult, PowerLawFit, SummabilityDecision, Verdict, VerdictStatus } from '../../src/shared/analyses/convergence';
import { exponentText, exponentWithInterval, fmt } from '../../src/core/convergence/format';
import { ConvConvergenceView, type ConvViewState } from './convView';
import './convergence.css';

interface ConvergenceState extends PanelState {
  norm?: ConvergenceNorm;
  probe?: number;
  /** 1-based width-preserving run picked in the Run selector (default: the core's choice, the longest) */
  run?: number;
  /** conv models (./convView.ts): the probe images' seed and count */
  conv?: ConvViewState;
}

/** uPlot stays fast with a few thousand points; the worker thins deeper networks to this many. */
const MAX_POINTS = 2000;
/** Trajectory plot: at most this many coordinates of a probe (width-64 networks would be unreadable). */
const MAX_COORDINATES = 12;
/** README section that explains the verdicts (heading "Convergence verdicts"). */
const README_ANCHOR = 'convergence-verdicts';

const host = new HostConnection<ConvergenceState>();
const app = document.getElementById('app')!;
const progress = new Progress();
const messages = el('div', { class: 'messages' });
const summaryLine = el('p', { class: 'summary', 'data-testid': 'summary' });
const notesList = el('ul', { class: 'notes', 'data-testid': 'notes' });
const cards = el('div', { class: 'cards verdict-cards', 'data-testid': 'verdict-details' });
const verdictLines = el('ul', { class: 'verdict-lines', 'data-testid': 'verdicts' });
const termsPlot = new LinePlot(300);
const blocksPlot = new LinePlot(300);
const sumsPlot = new LinePlot(240);
const incrementsPlot = new LinePlot(280);
const trajectoryPlot = new LinePlot(280);
const trajectoryCaption = el('p', { class: 'caption' });
const probePicker = el('div', { class: 'probe-picker' });
const runPicker = el('div', { class: 'run-picker' });
let result: ConvergenceResult | undefined;
let running: Cancellation | undefined;
let norm: ConvergenceNorm | undefined = host.state?.norm;
let probeIndex = host.state?.probe ?? 0;
let run: number | undefined = host.state?.run;

const normSelect = select('Norm', [
  { value: '2', label: '2 (spectral)' },
  { value: '1', label: '1' },
  { value: 'inf', label: '∞' },
  { value: 'fro', label: 'Frobenius' },
], norm ?? '2', (v) => {
  norm = v as ConvergenceNorm;
  host.patchState({ norm });
  void load();
});
normSelect.dataset.testid = 'norm-select';
normSelect.title = 'matrix norm for ‖W − I‖ (vectors use the matching ℓp norm); the default comes from the depthLens.norm setting';

const cancelButton = button('Cancel', () => running?.cancel(), { secondary: true, icon: 'debug-stop', title: 'Stop the analysis in the worker' });
cancelButton.dataset.testid = 'cancel';
cancelButton.hidden = true;

const plots: Array<{ title: string; plot: LinePlot }> = [
  { title: 'Series terms', plot: termsPlot },
  { title: 'Dyadic block sums', plot: blocksPlot },
  { title: 'Partial sums', plot: sumsPlot },
  { title: 'Increments at the probes', plot: incrementsPlot },
  { title: 'Trajectory', plot: trajectoryPlot },
];

app.append(
  el('header', { class: 'panel-header' },
    el('h1', {}, 'Convergence as depth → ∞'),
    el('div', { class: 'toolbar' },
      normSelect,
      runPicker,
      button('Re-run', () => void load(), { secondary: true, icon: 'refresh' }),
      cancelButton,
      button('Export PNG', exportPng, { secondary: true, icon: 'file-media', title: 'all plots in one image', testid: 'export-png' }),
      button('Export CSV', exportCsv, { secondary: true, icon: 'table', title: 'per-layer terms and partial sums (conv models: per block of every run)', testid: 'export-csv' }),
      button('Export JSON', exportJson, { secondary: true, icon: 'json', title: 'the whole result (NaN and ±Infinity as strings; conv models: the document `depth-lens convergence --json` prints)', testid: 'export-json' }),
    ),
  ),
  progress.element,
  messages,
  summaryLine,
  // the answer first: one line per verdict, then the main plots (terms beside their block sums)
  verdictLines,
  el('div', { class: 'main-plots' },
    el('div', { 'data-testid': 'plot-terms' }, termsPlot.element),
    el('div', { 'data-testid': 'plot-blocks' }, blocksPlot.element),
  ),
  // details, folded
  folded('Why: the verdicts in full (reasons, theorems, assumptions, numbers)', 'details-verdicts', cards),
  folded('Partial sums', 'details-sums', el('div', { 'data-testid': 'plot-sums' }, sumsPlot.element)),
  folded('Increments ‖Nₖ(x) − Nₖ₋₁(x)‖ at the probes', 'details-increments', el('div', { 'data-testid': 'plot-increments' }, incrementsPlot.element)),
  folded('Trajectory Nₖ(x)', 'details-trajectory', probePicker, trajectoryCaption, el('div', { 'data-testid': 'plot-trajectory' }, trajectoryPlot.element)),
  folded('Notes', 'details-notes', notesList),
);

/** A folded section (vscode-collapsible); plots inside re-measure themselves when it opens. */
function folded(title: string, testid: string, ...children: Node[]): HTMLElement {
  const c = document.createElement('vscode-collapsible') as HTMLElement & { open: boolean };
  c.setAttribute('title', title);
  c.dataset.testid = testid;
  c.classList.add('folded');
  const body = el('div', { class: 'folded-body' }, ...children);
  c.append(body);
  return c;
}
// conv models (a ResNet checkpoint) get their own view; it hides the dense sections while shown
const convView = new ConvConvergenceView(app, { get: () => host.state?.conv, set: (conv) => host.patchState({ conv }) }, () => void load(),
  (fileName, mime, data) => host.export(fileName, mime, data), () => host.document?.fileName);
app.removeAttribute('aria-busy');

async function load(): Promise<void> {
  running?.cancel();
  const token = new Cancellation();
  running = token;
  cancelButton.hidden = false;
  progress.start('Analysing convergence in the worker…');
  try {
    const request = () => host.request('convergence', convView.params() ?? { maxPoints: MAX_POINTS, ...(norm ? { norm } : {}), ...(run ? { run } : {}) }, { token, onProgress: (f, m) => progress.update(f, m) });
    let r;
    try {
      r = await request();
    } catch (e) {
      // an edit can remove the run picked earlier: fall back to the default run once
      if (!(e instanceof RpcError && e.code === 'bad-params' && run !== undefined)) throw e;
      run = undefined;
      host.patchState({ run });
      r = await request();
    }
    if (token.isCancellationRequested) return;
    messages.replaceChildren();
    if (r.kind === 'conv') { convView.show(r); return; }
    convView.hide();
    result = r;
    render(r);
  } catch (e) {
    if (e instanceof RpcError && e.code === 'cancelled') {
      if (running === token) messages.replaceChildren(banner('info', 'Analysis cancelled. Press Re-run to start it again.'));
      return;
    }
    messages.replaceChildren(banner('error', (e as Error).message));
  } finally {
    if (running === token) {
      progress.done();
      cancelButton.hidden = true;
    }
  }
}

// ── rendering ──

function render(r: ConvergenceResult): void {
  const sel = normSelect.querySelector('vscode-single-select') as (HTMLElement & { value: string }) | null;
  if (sel && sel.value !== r.norm) sel.value = r.norm;
  const seq = r.sequence;
  const kind = r.kind === 'residual' ? 'ResNet blocks (§B)' : r.kind === 'dense' ? 'dense ReLU layers (§A)' : 'dense layers (‖W − I‖, ‖b‖) and residual blocks (S1, S2 terms)';
  const name = r.networkName ? r.networkName + ' — ' : '';
  const layers = `${r.depth} layer${r.depth === 1 ? '' : 's'}`;
  const span = (a: number, b: number) => (a === b ? `layer ${a}` : `layers ${a}–${b}`);
  summaryLine.textContent = r.kind === 'none'
    ? `${name}${layers}; no width-preserving layer, nothing to analyse.`
    : `${name}${layers}; analysed${r.runs.length > 1 ? ` run ${r.runIndex + 1} of ${r.runs.length}:` : ''} ${span(seq.first, seq.last)} of width ${seq.width}, ${kind}; ${r.norm}-norm with ${r.vectorNorm} on vectors; fits on ${span(r.tail.from, r.tail.to)}${r.sampled ? `; plots show ${r.sampled.layerNumbers.length} log-spaced layers (each term is the maximum over the layers it stands for)` : ''}.`;
  renderRunPicker(r);
  notesList.replaceChildren(...r.notes.map((n) => el('li', {}, n)));
  verdictLines.replaceChildren(
    verdictLine('sufficient', 'Sufficient', r.verdicts.sufficient, r.kind),
    verdictLine('necessary', 'Necessary', r.verdicts.necessary, r.kind),
    verdictLine('pointwise', 'Pointwise', r.verdicts.pointwise, r.kind),
    ...r.consistency.map((c) => el('li', { class: 'verdict-line verdict-bug' }, el('span', { class: 'codicon codicon-bug', 'aria-hidden': 'true' }), c)),
  );
  cards.replaceChildren(
    verdictCard('sufficient', 'Sufficient condition', r.verdicts.sufficient),
    // its p of the terms are the power-law fits': shown with their intervals (a constant tail reads as one)
    verdictCard('necessary', 'Necessary condition', r.verdicts.necessary, `Non-degeneracy assumption (${r.verdicts.necessary.assumption.status}): ${r.verdicts.necessary.assumption.reason}`, { pW: r.series.weight.fit, pB: r.series.bias.fit }),
    verdictCard('pointwise', 'Pointwise at the probes', r.verdicts.pointwise),
  );
  renderTerms(r);
  renderBlocks(r);
  renderSums(r);
  renderIncrements(r);
  renderProbePicker(r);
  renderTrajectory(r);
}

const STATUS_ICON: Record<VerdictStatus, string> = { holds: 'pass', fails: 'error', inconclusive: 'question' };
const BASIS_TEXT = {
  rigorous: 'rigorous: exact over the layers in the file',
  observed: 'observed: measured at finitely many probes and layers',
  extrapolated: 'extrapolated: uses the fitted power law beyond the file',
} as const;

/** Readable names of the verdicts' deciding numbers (keys from src/core/convergence/verdicts.ts). */
function numberLabels(kind: ConvergenceResult['kind']): Record<string, string> {
  const [w, b] = kind === 'residual' ? ['S1', 'S2'] : kind === 'mixed' ? ['Σ w_k', 'Σ β_k'] : ['Σ‖W−I‖', 'Σ‖b‖'];
  const [wt, bt] = kind === 'residual' ? ['S1 terms', 'S2 terms'] : kind === 'mixed' ? ['w_k', 'β_k'] : ['‖W_k − I‖', '‖b_k‖'];
  return {
    sumW: w, sumB: b, pW: `p of ${wt}`, pB: `p of ${bt}`, qW: `Bertrand q of ${wt}`, qB: `Bertrand q of ${bt}`,
    threshold: 'threshold τ', minWminusI: `min ${wt} on the tail`, minB: `min ${bt} on the tail`,
    divergingProbes: 'probes diverging', pOscillation: 'p of the oscillations (slowest probe)', qOscillation: 'Bertrand q of the oscillations',
  };
}

/** [label, value] rows: p with its interval [lo, hi] on one row, the tail range as "from–to". */
function numberRows(numbers: Record<string, number | null>, kind: ConvergenceResult['kind'], fits: Record<string, PowerLawFit> = {}): Array<[string, string]> {
  const labels = numberLabels(kind);
  const rows: Array<[string, string]> = [];
  const used = new Set<string>();
  const f = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : formatNumber(v));
  const has = (k: string) => Object.hasOwn(numbers, k);
  for (const key of Object.keys(numbers)) {
    if (used.has(key)) continue;
    const suffix = key.startsWith('p') ? key.slice(1) : undefined;
    if (suffix && has(`lo${suffix}`) && has(`hi${suffix}`)) {
      const [p, lo, hi] = [numbers[key], numbers[`lo${suffix}`], numbers[`hi${suffix}`]];
      const text = exponentWithInterval(p ?? NaN, lo ?? NaN, hi ?? NaN);
      rows.push([labels[key] ?? key, text === 'not fitted' ? 'no model fitted (see the reason)' : text]);
      used.add(`lo${suffix}`).add(`hi${suffix}`);
    } else if (key === 'tailFrom' && has('tailTo')) {
      rows.push(['tail layers', `${numbers.tailFrom}–${numbers.tailTo}`]);
      used.add('tailTo');
    } else {
      const fit = Object.hasOwn(fits, key) ? fits[key] : undefined;
      const value = numbers[key] ?? NaN;
      rows.push([labels[key] ?? key, fit && Object.is(fit.p, value) ? exponentWithInterval(fit.p, fit.lo, fit.hi)
        : /^[pq]/.test(key) ? exponentText(value) : f(numbers[key])]);
    }
    used.add(key);
  }
  return rows;
}

/**
 * The number that decided a verdict whose headline has none ("W_k → I and b_k → 0", "implied by the
 * sufficient condition"): the first of these keys the verdict carries.
 */
const DECIDING_KEYS: Record<string, readonly string[]> = {
  sufficient: ['sumW', 'sumB'],
  necessary: ['minWminusI', 'minB'],
  pointwise: ['pOscillation', 'divergingProbes'],
};

function decidingNumber(id: string, v: Verdict, kind: ConvergenceResult['kind']): string {
  const numbers = v.numbers as Record<string, number | null>;
  const key = (DECIDING_KEYS[id] ?? []).find((k) => Object.hasOwn(numbers, k) && Number.isFinite(numbers[k] ?? NaN));
  if (!key) return '';
  const value = numbers[key] as number;
  return ` (${unicodeLabel(numberLabels(kind)[key] ?? key)} ${/^[pq]/.test(key) ? exponentText(value) : formatNumber(value)})`;
}

/** One line a person reads at a glance: icon, name, status, the headline with its deciding number. */
function verdictLine(id: string, title: string, v: Verdict, kind: ConvergenceResult['kind']): HTMLElement {
  const headline = v.headline.replace(/^(Holds|Fails|Inconclusive|Cannot decide|Not applicable): /, '');
  // "→ 0" is a limit, not a number
  const number = /\d/.test(headline.replace(/→ 0/g, '')) ? '' : decidingNumber(id, v, kind);
  return el('li', { class: `verdict-line verdict-${v.status}`, 'data-testid': `verdict-${id}`, 'data-status': v.status, title: v.reason },
    el('span', { class: `codicon codicon-${v.undecidable ? 'warning' : STATUS_ICON[v.status]}`, 'aria-hidden': 'true' }),
    el('strong', {}, `${title} `),
    el('span', { class: 'verdict-status', 'data-testid': `verdict-${id}-status` }, v.undecidable ? 'cannot decide' : v.status),
    el('span', { class: 'verdict-headline' }, ` — ${unicodeLabel(headline)}`, el('span', { class: 'verdict-number', 'data-testid': `verdict-${id}-number` }, number)),
  );
}

function verdictCard(id: string, title: string, v: Verdict, extra?: string, fits?: Record<string, PowerLawFit>): HTMLElement {
  const numbers = el('dl', { class: 'numbers' });
  for (const [label, value] of numberRows(v.numbers as Record<string, number | null>, result?.kind ?? 'dense', fits)) {
    numbers.append(el('dt', {}, unicodeLabel(label)), el('dd', {}, value));
  }
  const link = el('a', { href: `#${README_ANCHOR}`, class: 'readme-link', title: `README.md#${README_ANCHOR}` }, 'How this verdict is decided (README)');
  link.addEventListener('click', (e) => { e.preventDefault(); host.openReadme(README_ANCHOR); });
  return el('article', { class: `card verdict verdict-${v.status}`, 'data-testid': `card-${id}`, 'data-status': v.status },
    el('header', { class: 'verdict-head' },
      el('span', { class: `codicon codicon-${STATUS_ICON[v.status]}`, 'aria-hidden': 'true' }),
      el('span', { class: 'verdict-title' }, title),
      el('span', { class: 'verdict-status' }, v.status),
    ),
    el('p', { class: 'headline' }, unicodeLabel(v.headline)),
    el('p', { class: 'basis', title: BASIS_TEXT[v.basis] }, `basis: ${v.basis}`),
    el('p', { class: 'reason' }, docLinks(unicodeLabel(v.reason))),
    el('p', { class: 'theorem' }, el('strong', {}, 'Theorem. '), docLinks(v.theorem)),
    el('p', { class: 'assumptions' }, el('strong', {}, 'Assumptions. '), v.assumptions),
    ...(extra ? [el('p', { class: 'assumptions' }, extra)] : []),
    numbers,
    link,
  );
}

/** Layer numbers of the series arrays (sequence.first…last, or the thinned ones). */
function sequenceNumbers(r: ConvergenceResult): Float64Array {
  if (r.sampled) return r.sampled.sequenceNumbers;
  const n = Math.max(r.sequence.last - r.sequence.first + 1, 0);
  return Float64Array.from({ length: n }, (_, j) => r.sequence.first + j);
}

function fitLabel(name: string, fit: PowerLawFit): string {
  return `fit of ${name} (p = ${exponentWithInterval(fit.p, fit.lo, fit.hi)}, layers ${fit.from}–${fit.to})`;
}

/** "summable (p = 2.00)", "not summable (p = 1.000)", "undecided: Bertrand q ≈ 1 (q = 1.02)" */
function decisionShort(d: SummabilityDecision): string {
  const what = d.status === 'holds' ? 'summable' : d.status === 'fails' ? 'not summable' : d.kind === 'overflow' ? 'cannot decide (overflow)' : 'undecided';
  if (d.kind === 'zero-tail') return `${what}: all 0 at the end`;
  if (d.kind === 'too-few') return `${what}: too few layers`;
  if (d.kind === 'bertrand') return `${what}: p ≈ 1, Bertrand q = ${exponentText(d.q)}`;
  if (d.kind === 'bounded-below' && !Number.isFinite(d.p)) return `${what}: blocks do not shrink`;
  return Number.isFinite(d.p) ? `${what}: p = ${exponentText(d.p)}` : what;
}

/** C·k^(−p) over the fit range, null elsewhere (dashed in the plot); undefined when there is no power fit. */
function fitCurve(fit: PowerLawFit, x: ArrayLike<number>): (number | null)[] | undefined {
  if (fit.kind !== 'power' || !Number.isFinite(fit.p) || !Number.isFinite(fit.logC)) return undefined;
  return Array.from(x, (k) => (k >= fit.from && k <= fit.to ? Math.exp(fit.logC - fit.p * Math.log(k)) : null));
}

function termNames(r: ConvergenceResult): [string, string] {
  const n = r.norm === '2' ? '₂' : r.norm === 'fro' ? ' (Frobenius)' : r.norm === 'inf' ? ' (∞-norm)' : '₁';
  if (r.kind === 'residual') return [`S1 term aₙ = Πₖ ‖W⁽ⁿ·ᵏ⁾‖${n}`, 'S2 term βₙ'];
  if (r.kind === 'mixed') return [`wₖ: ‖Wₖ − I‖${n} or S1 term`, 'βₖ: ‖bₖ‖ or S2 term'];
  return [`‖Wₖ − I‖${n}`, `‖bₖ‖ (${r.vectorNorm})`];
}

function renderTerms(r: ConvergenceResult): void {
  const x = sequenceNumbers(r);
  const colors = themeColors().series;
  const [wName, bName] = termNames(r);
  const w = r.series.weight, b = r.series.bias;
  const few = x.length < 60;
  const series: SeriesSpec[] = [
    { label: `${wName} (Σ = ${formatNumber(w.sum)})`, values: w.terms, color: colors[0], points: few },
    { label: `${bName} (Σ = ${formatNumber(b.sum)})`, values: b.terms, color: colors[1], points: few },
  ];
  const wFit = fitCurve(w.fit, x), bFit = fitCurve(b.fit, x);
  if (wFit) series.push({ label: fitLabel(wName, w.fit), values: wFit, dash: true, color: colors[0] });
  if (bFit) series.push({ label: fitLabel(bName, b.fit), values: bFit, dash: true, color: colors[1] });
  termsPlot.render({ title: `Series terms against the layer k (log-log)`, xLabel: 'layer k', yLabel: 'term', x, series, logX: true, logY: true });
  termsPlot.element.dataset.fits = String(Number(!!wFit) + Number(!!bFit));
}

/**
 * The dyadic block sums B_j that decided summability (log B_j against j = log₂ of the block's last
 * layer), for both series and the probes' oscillations; the legend says what each decided.
 */
function renderBlocks(r: ConvergenceResult): void {
  const colors = themeColors().series;
  const [wName, bName] = termNames(r);
  const d = r.series.weight.decision;
  const x = Array.from(d.blocks.to, (k) => Math.log2(k));
  const series: SeriesSpec[] = [
    { label: `B of ${wName} (${decisionShort(d)})`, values: d.blocks.sums, color: colors[0], points: true },
    { label: `B of ${bName} (${decisionShort(r.series.bias.decision)})`, values: r.series.bias.decision.blocks.sums, color: colors[1], points: true },
  ];
  // the probes' oscillations O_j, the slowest-settling probe first
  const probes = [...r.probes].sort((a, b) => (a.oscillation.status === b.oscillation.status ? 0 : a.oscillation.status === 'holds' ? 1 : -1));
  const p = probes[0];
  if (p && p.oscillation.blocks.sums.length === x.length) {
    series.push({ label: `oscillation Oⱼ at ${p.name} (${decisionShort(p.oscillation)})`, values: p.oscillation.blocks.sums, color: colors[2], points: true, dash: true });
  }
  const w = d.window;
  blocksPlot.render({
    title: `Dyadic block sums B over (n/2, n], (n/4, n/2], …${w.blocks > 0 ? ` — decided on layers ${w.from}–${w.to}` : ''}`,
    xLabel: 'j = log₂ of the block\'s last layer', yLabel: 'block sum B', x, series, logY: true,
  });
  blocksPlot.element.dataset.blocks = String(x.length);
}

function renderSums(r: ConvergenceResult): void {
  const x = sequenceNumbers(r);
  const colors = themeColors().series;
  sumsPlot.render({
    title: unicodeLabel(`${r.series.weight.label} = ${formatNumber(r.series.weight.sum)}, ${r.series.bias.label} = ${formatNumber(r.series.bias.sum)} (over the layers present)`),
    xLabel: 'layer k',
    yLabel: 'partial sum S(k)',
    x,
    logX: true,
    series: [
      { label: unicodeLabel(`partial sums of ${r.series.weight.label.split(' =')[0]} (${formatNumber(r.series.weight.sum)} at the end)`), values: r.series.weight.partialSums, color: colors[0] },
      { label: unicodeLabel(`partial sums of ${r.series.bias.label.split(' =')[0]} (${formatNumber(r.series.bias.sum)} at the end)`), values: r.series.bias.partialSums, color: colors[1] },
    ],
  });
}

/** Recorded depths ≥ 1 (log axes cannot show depth 0) and their positions in the probe arrays. */
function positiveDepths(r: ConvergenceResult): { x: number[]; index: number[] } {
  const x: number[] = [], index: number[] = [];
  r.recordedDepths.forEach((k, i) => { if (k >= 1) { x.push(k); index.push(i); } });
  return { x, index };
}

function renderIncrements(r: ConvergenceResult): void {
  const { x, index } = positiveDepths(r);
  const colors = themeColors().series;
  const series: SeriesSpec[] = r.probes.map((p, i) => ({ label: p.name, values: index.map((j) => p.increments[j]), color: colors[i % colors.length], points: x.length < 60 }));
  const fit = r.maxIncrement.fit;
  const curve = fitCurve(fit, x);
  if (curve) series.push({ label: fitLabel('max increment', fit), values: curve, dash: true, color: colors[(r.probes.length) % colors.length] });
  r.probes.forEach((p, i) => {
    if (p.partialProducts) series.push({ label: `‖Pₖ − Pₖ₋₁‖ (Frobenius) at ${p.name}`, values: index.map((j) => p.partialProducts!.diffNorms[j]), dash: true, color: colors[i % colors.length] });
  });
  incrementsPlot.render({
    title: 'max of ‖Nⱼ − Nⱼ₋₁‖ over the layers up to each recorded depth k',
    xLabel: 'depth k',
    yLabel: 'increment',
    x,
    series,
    logX: true,
    logY: true,
  });
}

/** The Run selector, shown when the network has more than one width-preserving run. */
function renderRunPicker(r: ConvergenceResult): void {
  if (r.runs.length <= 1) {
    runPicker.replaceChildren();
    return;
  }
  const options = r.runs.map((x, i) => ({ value: String(i + 1), label: `run ${i + 1}: ${x.first === x.last ? `layer ${x.first}` : `layers ${x.first}–${x.last}`} (width ${x.width})` }));
  const picker = select('Run', options, String(r.runIndex + 1), (v) => {
    run = Number(v);
    host.patchState({ run });
    void load();
  });
  picker.dataset.testid = 'run-select';
  picker.title = 'which run of width-preserving layers is the depth sequence (default: the longest)';
  runPicker.replaceChildren(picker);
}

function renderProbePicker(r: ConvergenceResult): void {
  if (probeIndex >= r.probes.length) probeIndex = 0;
  if (r.probes.length <= 1) {
    probePicker.replaceChildren();
    return;
  }
  const picker = select('Probe', r.probes.map((p, i) => ({ value: String(i), label: `${p.name} = (${Array.from(p.x, (v) => formatNumber(v, 3)).join(', ')})` })), String(probeIndex), (v) => {
    probeIndex = Number(v);
    host.patchState({ probe: probeIndex });
    if (result) renderTrajectory(result);
  });
  picker.dataset.testid = 'probe-select';
  probePicker.replaceChildren(picker);
}

/** The limit estimate in words: the theorem's bound (and whether it says anything), the fitted estimate, the observed movement. */
function limitText(lim: ConvergenceResult['probes'][number]['limitEstimate'], last: number): string {
  const parts: string[] = [];
  if (lim.bound !== null) parts.push(`‖N∞(x) − N${last}(x)‖ ≤ ${fmt(lim.bound)} by the theorem with extrapolated series tails${lim.boundInformative === false ? ' — uninformative: 100× or more the observed movement' : ''}`);
  if (lim.estimate !== null) parts.push(`≈ ${fmt(lim.estimate)} from the fitted oscillations (extrapolated)`);
  if (Number.isFinite(lim.observedMovement)) parts.push(`moved ${fmt(lim.observedMovement)} over the last half of the layers`);
  return parts.length > 0 ? parts.join('; ') : 'no limit estimate (neither the series nor the oscillations are summable)';
}

function renderTrajectory(r: ConvergenceResult): void {
  const p = r.probes[probeIndex];
  if (!p) {
    trajectoryCaption.textContent = 'No probes.';
    return;
  }
  const { x, index } = positiveDepths(r);
  const width = index.length > 0 ? p.values[index[index.length - 1]].length : 0;
  const shown = Math.min(width, MAX_COORDINATES);
  const colors = themeColors().series;
  const series: SeriesSpec[] = [];
  for (let c = 0; c < shown; c++) {
    series.push({ label: `Nₖ(x), coordinate ${c + 1}`, values: index.map((j) => (p.values[j].length === width ? p.values[j][c] : null)), color: colors[c % colors.length], points: x.length < 60 });
  }
  const bound = p.tailBound;
  const limit = p.limitEstimate;
  // a trajectory that left float64 is a finding: its values from there on are withheld, never printed
  const overflow = r.overflow.find((o) => o.probe === p.name && (o.quantity === 'trajectory' || o.quantity === 'offset'));
  const end = overflow
    ? `N_${r.sequence.last}(x) withheld: overflows float64 at layer ${overflow.layer} (${overflow.detail})`
    : `N_${r.sequence.last}(x) = (${Array.from(limit.value.slice(0, shown), (v) => formatNumber(v)).join(', ')}${width > shown ? ', …' : ''})`
      + `; ${limitText(limit, r.sequence.last)}`;
  const check = p.partialProducts && Number.isFinite(p.partialProducts.residual) && Number.isFinite(p.partialProducts.forwardResidual)
    ? ` Check against the plain forward pass: ‖P_n x + q_n − N_n(x)‖_∞ = ${formatNumber(p.partialProducts.residual)}, stepped N_k(x) within ${formatNumber(p.partialProducts.forwardResidual)}.` : '';
  trajectoryCaption.textContent = unicodeLabel(`${p.name} = (${Array.from(p.x, (v) => formatNumber(v, 3)).join(', ')})${width > shown ? ` — first ${shown} of ${width} coordinates` : ''}. `
    + end
    + `. Tail bound: ${bound.formula}, valid from depth ${bound.validFrom}.`
    + check);
  trajectoryPlot.render({ title: `Nₖ(x) at ${p.name} (log depth axis)`, xLabel: 'depth k', yLabel: 'coordinate', x, series, logX: true });
}

// ── export ──

function exportPng(): void {
  if (convView.isActive) { convView.exportPng(); return; }
  const data = stackedFiguresPng(plots.map((p) => plotFigure(p.plot, p.title)));
  if (data) host.export('convergence.png', 'image/png', data);
}

function exportCsv(): void {
  if (convView.isActive) { convView.exportCsv(); return; }
  const r = result;
  if (!r) return;
  const x = sequenceNumbers(r);
  const [wName, bName] = termNames(r);
  const header = ['layer', wName, bName, `partial ${r.series.weight.label}`, `partial ${r.series.bias.label}`, 'max increment over probes'];
  const rows = Array.from(x, (k, j) => [k, r.series.weight.terms[j], r.series.bias.terms[j], r.series.weight.partialSums[j], r.series.bias.partialSums[j], r.maxIncrement.values[j]]);
  host.export('convergence.csv', 'text/csv', csvRows(header, rows));
}

function exportJson(): void {
  if (convView.isActive) { convView.exportJson(); return; }
  if (!result) return;
  host.export('convergence.json', 'application/json', toJsonText(result));
}

host.onDocument((_doc, state, changed) => {
  if (!changed && state?.norm) norm = state.norm;
  if (!changed && state?.probe !== undefined) probeIndex = state.probe;
  if (!changed && state?.run !== undefined) run = state.run;
  void load();
});
onThemeChange(() => { if (result) render(result); convView.redraw(); });
host.ready();
