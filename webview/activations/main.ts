/**
 * Activations panel (MATH.md §A, §B): pick an input (a probe, typed coordinates, or a click on the
 * region map) and see its activation pattern (units × neurons), per unit J_k, J_k W_k and the running
 * product P_k, the explicit affine map N(x) = A x + c with its check against the plain forward pass,
 * the stability radius and nearest face; for 2-D slices the exact region map and the region count
 * per depth (inputs of dimension ≥ 3: on a default plane the caption names); for 1-D inputs the exact
 * pieces along the input domain as a coloured strip and the graph of N(x). All numbers come from the
 * worker; a new input cancels the previous request.
 */
import { Cancellation, HostConnection, isCancelled, RpcError, type PanelState } from '../common/host';
import { extent } from '../common/extent';
import { Heatmap } from '../common/heatmap';
import { LinePlot } from '../common/linePlot';
import { onThemeChange } from '../common/theme';
import { banner, budgetButton, button, el, formatNumber, Progress, section, select, textField } from '../common/ui';
import type { AnalysisBudget } from '../../src/shared/analyses/budget';
import type {
  ActivationsResult, Region, RegionGridResult, RegionsResult, SegmentResult, UnitActivation,
} from '../../src/shared/analyses/activations';
import type { WireMatrix } from '../../src/shared/protocol';
import { activityPoints, ActivityCollector } from './activity';
import { PatternSummary } from './patternSummary';
import { planeCoordinates, RegionMap } from './regionMap';
import { SegmentStrip } from './segmentStrip';
import { ConvActivationsView, type ConvViewState } from './convView';
import { denseActivations } from '../../src/shared/analyses/convPanels';
import './activations.css';

interface ActivationsState extends PanelState {
  /** the chosen probe name, or undefined for typed / clicked coordinates */
  probe?: string;
  /** coordinates of the custom input */
  input?: number[];
  /** selected unit (index into the result's unit list) for the products view */
  unit?: number;
  /** conv models (./convView.ts): the image seed and the chosen site */
  conv?: ConvViewState;
}

/** The exact partition is drawn up to this many regions (1-D: pieces); beyond it a pixel grid is shown. */
const MAX_REGIONS = 20_000;
/** Steps the panel waits for (about 10 ns each: 15 s); deep networks refuse as soon as they would need more. */
const MAX_STEPS = 1.5e9;
const GRID_SIDE = 400;
/** The worker's upper bound for maxSteps (worker/handlers/activations.ts MAX_STEPS_LIMIT). */
const MAX_STEPS_LIMIT = 2e11;
/** Beyond this many ReLU units a heatmap row would be a few pixels: the active fraction per unit is plotted instead, with drill-down. */
const MAX_PATTERN_ROWS = 64;
/** Layers a deep file sends in full (evenly spaced); every layer's active count streams beside them. */
const MAX_SAMPLED_LAYERS = 600;
/** The affine map is a table up to this many entries, a heatmap beyond. */
const MAX_TABLE_ENTRIES = 64;
/** Above this many units the unit selector is a number field instead of a list. */
const MAX_UNIT_OPTIONS = 300;
const CUSTOM = '\u0000custom';
/**
 * Deeper networks get the exact map of their first layers within a step budget (a button raises it)
 * instead of a refusal or a pixel grid of the whole depth (each pixel would run every layer).
 */
const PREFIX_DEPTH = 200;
/** The first map's step budget for deep networks (about 10 ns a step: about a second; the 10⁵-layer family: 761 layers in 0.4 s). */
const PREFIX_STEPS = 1e8;
/** Points of the active-fraction plot (buckets of consecutive layers beyond). */
const ACTIVITY_POINTS = 2000;

const host = new HostConnection<ActivationsState>();
const app = document.getElementById('app')!;
const progress = new Progress();
const messages = el('div', { class: 'messages' });

// ---- input -------------------------------------------------------------------------------------
const probeHost = el('div', { class: 'field-host', 'data-testid': 'probe-select' });
const inputField = textField('x (comma-separated)', '', (value) => onTypedInput(value), { placeholder: 'e.g. 0.3, -0.7', width: '260px' });
inputField.setAttribute('data-testid', 'input-field');
const inputSummary = el('p', { class: 'summary', 'data-testid': 'input-summary' });

// ---- region map --------------------------------------------------------------------------------
const regionMap = new RegionMap(describeRegion, (s, t) => pickOnMap(s, t));
const regionsCaption = el('p', { class: 'caption', 'data-testid': 'regions-caption' });
const regionProgress = new Progress('region-progress');
const perDepthPlot = new LinePlot(220);
// 1-D inputs: the pieces along the domain and the graph of N over it
const segmentStrip = new SegmentStrip(describePiece, (x) => pickPoint([x]));
const graphPlot = new LinePlot(220);
const graphHost = el('div', { class: 'segment-graph', 'data-testid': 'segment-graph' }, graphPlot.element);
const regionsSection = section('Region map (exact 2-D slice)', regionProgress.element, regionsCaption,
  el('div', { class: 'map-row' }, regionMap.element, segmentStrip.element, el('div', { class: 'per-depth', 'data-testid': 'per-depth-plot' }, perDepthPlot.element)),
  graphHost);
segmentStrip.element.hidden = true;
graphHost.hidden = true;

// ---- pattern, affine map, products --------------------------------------------------------------
const pattern = new Heatmap({ scale: 'binary', rowLabel: 'unit', colLabel: 'neuron', maxHeight: 360, format: (v) => (v > 0 ? 'active' : v === 0 ? 'inactive' : '— (unit is narrower)') });
pattern.canvas.setAttribute('data-testid', 'pattern-heatmap');
const patternSummary = new PatternSummary();
const patternCaption = el('p', { class: 'caption', 'data-testid': 'pattern-caption' });
// deep networks: every layer's active fraction (the worker streams it while it runs)
const activityPlot = new LinePlot(200);
const activityCaption = el('p', { class: 'caption', 'data-testid': 'activity-caption' });
const activityHost = el('div', { 'data-testid': 'activity-plot' }, activityCaption, activityPlot.element);
activityHost.hidden = true;
const residualLine = el('p', { class: 'check', 'data-testid': 'affine-residual' });
const affineHost = el('div', { class: 'affine-host', 'data-testid': 'affine-map' });
const radiusLine = el('p', { class: 'summary', 'data-testid': 'radius' });
const unitHost = el('div', { class: 'field-host' });
const jHeat = new Heatmap({ scale: 'binary', rowLabel: 'i', colLabel: 'j', maxHeight: 300, format: (v) => String(v) });
const jwHeat = new Heatmap({ scale: 'diverging', rowLabel: 'out', colLabel: 'in', maxHeight: 300 });
const pHeat = new Heatmap({ scale: 'diverging', rowLabel: 'neuron', colLabel: 'input', maxHeight: 300 });
const jCaption = el('p', { class: 'caption' });
const jwCaption = el('p', { class: 'caption', 'data-testid': 'jw-caption' });
const pCaption = el('p', { class: 'caption', 'data-testid': 'p-caption' });

let probes: string[] = [];
let activations: ActivationsResult | undefined;
let regions: RegionsResult | undefined;
let grid: RegionGridResult | undefined;
let segment: SegmentResult | undefined;
let regionsNote = '';
/** set when the regions came without patterns (too long to keep for every region) */
let patternsNote = '';
let inputDim = 0;
let depth = 0;
/** the deep map's step budget: PREFIX_STEPS, raised by the panel's button */
let prefixSteps = PREFIX_STEPS;
const activity = new ActivityCollector();
/** budgets raised from the panel after a refusal (undefined: the settings') */
let activationBudget: AnalysisBudget | undefined;
let regionBudget: AnalysisBudget | undefined;
let activityFrame = 0;
let partialsAllowed = true;
let activationRun: Cancellation | undefined;
let regionRun: Cancellation | undefined;
let productRun = 0;

app.append(
  el('header', { class: 'panel-header' },
    el('h1', {}, 'Activations'),
    el('div', { class: 'toolbar' },
      button('Export PNG', exportPng, { secondary: true, icon: 'file-media', title: 'the region map (conv models: the input image and the chosen site\'s channel patterns)', testid: 'export-png' }),
      button('Export CSV', exportCsv, { secondary: true, icon: 'table', title: 'per unit: width, active count, pattern (conv models: per site and channel)', testid: 'export-csv' }),
      button('Export JSON', exportJson, { secondary: true, icon: 'json', title: 'pattern, affine map, radius and region counts (conv models: as `depth-lens activations --json --patterns`)', testid: 'export-json' }),
    ),
  ),
  progress.element,
  messages,
  section('Input', el('div', { class: 'input-row' }, probeHost, inputField), inputSummary),
  regionsSection,
  // deep files: the streamed per-layer plot (every layer) above the per-unit summary of the layers sent
  section('Activation pattern J(x)', activityHost, patternCaption, patternSummary.element, pattern.element),
  section('Explicit affine map on the activation domain', residualLine, affineHost, radiusLine),
  section('Layer products',
    el('div', { class: 'input-row' }, unitHost),
    el('div', { class: 'products' },
      el('div', { class: 'product' }, el('h3', {}, 'J_k'), jCaption, jHeat.element),
      el('div', { class: 'product' }, el('h3', {}, 'J_k W_k'), jwCaption, jwHeat.element),
      el('div', { class: 'product' }, el('h3', {}, 'P_k (running product)'), pCaption, pHeat.element),
    ),
  ),
);
// conv models (a ResNet checkpoint) get their own view; it hides the dense sections while shown
const convView = new ConvActivationsView(app, { get: () => host.state?.conv, set: (conv) => host.patchState({ conv }) }, (params, options) => host.request('activations', params, options),
  (fileName, mime, data) => host.export(fileName, mime, data), () => host.document?.fileName,
  { regions: (params, options) => host.request('convRegions', params, options), exactRegions: (params, options) => host.request('convExactRegions', params, options), affine: (params, options) => host.request('convAffine', params, options), angles: (params, options) => host.request('convAngles', params, options) });
app.removeAttribute('aria-busy');

// ---- loading -----------------------------------------------------------------------------------

async function loadDocument(): Promise<void> {
  messages.replaceChildren();
  try {
    const v = await host.request('validate', {});
    if (v.conv) { convView.show(); return; }
    convView.hide();
    if (!v.summary) {
      const errors = v.diagnostics.filter((d) => d.severity === 'error');
      messages.replaceChildren(banner('error', `The network file has ${errors.length} error${errors.length === 1 ? '' : 's'}${errors[0] ? ` (first: line ${errors[0].range.start.line + 1}: ${errors[0].message})` : ''}; fix ${errors.length === 1 ? 'it' : 'them'} to see the activations.`));
      return;
    }
    probes = [...v.summary.probeNames];
    inputDim = v.summary.inputDim;
    depth = v.summary.depth;
  } catch (e) {
    if (isCancelled(e)) return;
    messages.replaceChildren(banner('error', (e as Error).message));
    return;
  }
  const state = host.state;
  if (state?.probe !== undefined && !probes.includes(state.probe)) host.patchState({ probe: undefined });
  if (host.state?.probe === undefined && !host.state?.input && probes.length > 0) host.patchState({ probe: probes[0] });
  renderProbeSelect();
  partialsAllowed = true;
  void loadRegions();
  void loadActivations();
}

function currentParams(): { probe: string } | { input: number[] } | Record<string, never> {
  const s = host.state;
  if (s?.probe !== undefined) return { probe: s.probe };
  if (s?.input) return { input: s.input };
  return {};
}

async function loadActivations(): Promise<void> {
  activationRun?.cancel();
  const token = new Cancellation();
  activationRun = token;
  messages.querySelectorAll('.activation-cancelled').forEach((n) => n.remove());
  progress.start('Computing the activation pattern and the affine map in the analysis worker…', () => cancelled(token, 'activation-cancelled', loadActivations));
  activity.reset();
  // the pattern view takes at most MAX_SAMPLED_LAYERS layers: deeper networks send a sample of the
  // layers in full and every layer's active count (streamed: drawn as it arrives)
  const onProgress = (f: number, m?: string, partial?: unknown) => {
    progress.update(f, m);
    const summary = (partial as Partial<ActivationsResult> | undefined)?.summary;
    if (summary && !token.isCancellationRequested) { activity.add(summary); scheduleActivity(); }
  };
  try {
    let r: ActivationsResult;
    try {
      r = denseActivations(await host.request('activations', { ...currentParams(), partialProducts: partialsAllowed, maxLayers: MAX_SAMPLED_LAYERS, budget: activationBudget }, { token, onProgress }));
    } catch (e) {
      // very deep networks: the partial products would not fit in one reply; go without them
      if (!(e instanceof RpcError && e.code === 'bad-params' && /partialProducts: false/.test(e.message)) || token.isCancellationRequested) throw e;
      partialsAllowed = false;
      r = denseActivations(await host.request('activations', { ...currentParams(), partialProducts: false, maxLayers: MAX_SAMPLED_LAYERS, budget: activationBudget }, { token, onProgress }));
    }
    if (token.isCancellationRequested) return;
    activations = r;
    messages.querySelectorAll('.activation-error').forEach((n) => n.remove());
    if (r.summary) activity.add(r.summary);
    renderActivity();
    renderActivations(r);
  } catch (e) {
    if (isCancelled(e)) return;
    const b = banner('error', (e as Error).message);
    b.classList.add('activation-error');
    // refused by the budget: the budget as a control
    const raise = e instanceof RpcError && e.budget ? budgetButton(e.budget, (budget) => { activationBudget = budget; void loadActivations(); }) : undefined;
    if (raise) b.append(' ', raise);
    messages.querySelectorAll('.activation-error').forEach((n) => n.remove());
    messages.append(b);
  } finally {
    if (activationRun === token) progress.done();
  }
}

/** The Cancel button of a run: stop it in the worker and say so, with a way to run it again. */
function cancelled(token: Cancellation, cls: string, again: () => Promise<void>): void {
  token.cancel();
  messages.querySelectorAll(`.${cls}`).forEach((n) => n.remove());
  const b = banner('info', 'Cancelled: the analysis worker stopped this run. ');
  b.classList.add(cls);
  b.dataset.testid = 'cancelled';
  b.append(button('Run again', () => { b.remove(); void again(); }, { secondary: true }));
  messages.append(b);
}

function scheduleActivity(): void {
  if (activityFrame) return;
  activityFrame = requestAnimationFrame(() => { activityFrame = 0; renderActivity(); });
}

/** Deep networks: every layer's active fraction, as far as the worker got. */
function renderActivity(): void {
  activityHost.hidden = activity.depth === 0;
  if (activity.depth === 0) return;
  const p = activityPoints(activity.active, activity.relu, activity.filled, ACTIVITY_POINTS);
  const done = activity.filled === activity.depth;
  activityHost.dataset.layers = String(activity.filled);
  activityCaption.textContent = `Active fraction of the ReLU neurons in each of ${done ? 'the' : `the first ${activity.filled.toLocaleString('en-US')} of`} ${activity.depth.toLocaleString('en-US')} layers${p.perBucket > 1 ? ` (mean, min and max over each run of ${p.perBucket.toLocaleString('en-US')} layers)` : ''}${done ? '' : ' — still running'}.`;
  const gaps = (xs: number[]) => xs.map((v) => (Number.isNaN(v) ? null : v));
  const series = [{ label: 'active fraction', values: gaps(p.mean), points: p.x.length < 60 }];
  if (p.perBucket > 1) series.push({ label: 'min', values: gaps(p.min), points: false }, { label: 'max', values: gaps(p.max), points: false });
  activityPlot.render({ title: 'Active fraction per layer', xLabel: 'layer k', yLabel: 'active fraction', x: p.x, logX: activity.depth > 50, series });
}

async function loadRegions(): Promise<void> {
  regionRun?.cancel();
  const token = new Cancellation();
  regionRun = token;
  regions = undefined;
  grid = undefined;
  segment = undefined;
  regionsNote = '';
  patternsNote = '';
  if (inputDim === 1) return loadSegment(token);
  regionsSection.querySelector('h2')!.textContent = 'Region map (exact 2-D slice)';
  segmentStrip.element.hidden = true;
  graphHost.hidden = true;
  regionMap.element.hidden = false;
  if (depth > PREFIX_DEPTH) return loadPrefixRegions(token);
  try {
    regionProgress.start('Partitioning the slice into activation regions in the analysis worker…', () => cancelled(token, 'regions-cancelled', loadRegions));
    const options = { token, onProgress: (f: number, m?: string) => regionProgress.update(f, m) };
    // input-space maps are free for 2-D inputs; otherwise each costs a forward recursion per region,
    // and the hover shows the map on the plane instead
    const request = { maxRegions: MAX_REGIONS, maxSteps: MAX_STEPS, inputMaps: inputDim === 2, ...(regionBudget ? { budget: regionBudget } : {}) };
    let r: RegionsResult;
    try {
      r = await host.request('regions', request, options);
    } catch (e) {
      // deep networks: every region would keep the whole network's pattern; the map needs none
      if (!(e instanceof RpcError && /without patterns/.test(e.message)) || token.isCancellationRequested) throw e;
      patternsNote = ' The network is too deep to keep every region\'s pattern, so hovering shows each region\'s affine map but not its pattern.';
      r = await host.request('regions', { ...request, patterns: false }, options);
    }
    if (token.isCancellationRequested) return;
    regions = r;
    regionsSection.hidden = false;
    regionMap.setRegions(r.plane, r.polygons ?? []);
    renderRegionsCaption();
    renderPerDepth(r.perDepth, 'regions');
  } catch (e) {
    if (isCancelled(e)) return;
    const message = (e as Error).message;
    const capped = /more than \d+ regions/.test(message), tooLong = /raise maxSteps/.test(message);
    if (capped || tooLong) {
      // too many regions to draw, or too much work for the panel: show the pixel-sampled map instead
      const why = capped
        ? `The slice has more than ${MAX_REGIONS.toLocaleString('en-US')} regions, more than the panel draws exactly`
        : 'The exact partition needs more work than the panel waits for (deep network)';
      regionsNote = `${why}; showing the pattern of every pixel of a ${GRID_SIDE}×${GRID_SIDE} grid instead (the CLI's \`regions\` command computes the exact count, with --max-regions and --max-steps).`;
      try {
        regionProgress.start('Sampling the patterns on a pixel grid instead…', () => cancelled(token, 'regions-cancelled', loadRegions));
        const g = await host.request('regionGrid', { width: GRID_SIDE, height: GRID_SIDE }, { token, onProgress: (f, m) => regionProgress.update(f, m) });
        if (token.isCancellationRequested) return;
        grid = g;
        regionsSection.hidden = false;
        regionMap.setGrid(g);
        perDepthPlot.element.hidden = true;
        renderRegionsCaption();
      } catch (e2) {
        if (!isCancelled(e2)) {
          regionMap.clear();
          perDepthPlot.element.hidden = true;
          regionsCaption.textContent = `No region map: ${message}; and the pixel-grid fallback is refused too (${(e2 as Error).message}). The CLI's \`regions\` command takes higher limits (--max-regions, --max-steps, --memory-mb).`;
        }
      }
      return;
    }
    // no 2-D slice for this network, or over the memory budget even without patterns: say why
    regionMap.clear();
    perDepthPlot.element.hidden = true;
    regionsCaption.textContent = `No region map: ${message}`;
    const raise = e instanceof RpcError && e.budget ? budgetButton(e.budget, (budget) => { regionBudget = budget; void loadRegions(); }) : undefined;
    if (raise) regionsCaption.append(' ', raise);
  } finally {
    if (regionRun === token) regionProgress.done();
  }
}

/**
 * Deep networks: the exact map of as many first layers as `prefixSteps` allows (the worker stops
 * before the layer that would cross it), with the depth said and a button that raises the budget.
 */
async function loadPrefixRegions(token: Cancellation): Promise<void> {
  const raise = document.getElementById('raise-budget');
  raise?.remove();
  try {
    const within = `within ${prefixSteps.toExponential(0).replace('e+', 'e')} steps`;
    regionProgress.start(`Partitioning the slice layer by layer, ${within}…`, () => cancelled(token, 'regions-cancelled', loadRegions));
    // the worker's per-layer messages keep the budget in view: it is what the user just raised
    const r = await host.request('regions', { maxRegions: MAX_REGIONS, maxSteps: prefixSteps, inputMaps: inputDim === 2, patterns: false, prefix: true, ...(regionBudget ? { budget: regionBudget } : {}) },
      { token, onProgress: (f, m) => regionProgress.update(f, m && `${m} (${within})`) });
    if (token.isCancellationRequested) return;
    regions = r;
    patternsNote = ' Hovering shows each region\'s affine map; patterns are not kept for a network this deep.';
    regionsSection.hidden = false;
    regionMap.setRegions(r.plane, r.polygons ?? []);
    renderPerDepth(r.perDepth, 'regions');
    renderRegionsCaption();
  } catch (e) {
    if (isCancelled(e)) return;
    regionMap.clear();
    perDepthPlot.element.hidden = true;
    regionsCaption.textContent = `No region map: ${(e as Error).message}`;
    const raise = e instanceof RpcError && e.budget ? budgetButton(e.budget, (budget) => { regionBudget = budget; void loadRegions(); }) : undefined;
    if (raise) regionsCaption.append(' ', raise);
  } finally {
    if (regionRun === token) regionProgress.done();
  }
}

/** The control under a map that stopped early: run again with ten times the steps. */
function raiseBudgetButton(): HTMLElement {
  const next = Math.min(prefixSteps * 10, MAX_STEPS_LIMIT);
  const b = button(`Run with a higher budget (${next.toExponential(0).replace('e+', 'e')} steps)`, () => { prefixSteps = next; void loadRegions(); },
    { secondary: true, icon: 'debug-continue', title: 'partition more layers: about 10 ns a step; Cancel stops it' });
  b.id = 'raise-budget';
  b.dataset.testid = 'raise-budget';
  return b;
}

/** 1-D inputs: the exact pieces along the input domain, as a strip and as the graph of N. */
async function loadSegment(token: Cancellation): Promise<void> {
  regionsSection.querySelector('h2')!.textContent = 'Pieces along the input (exact, 1-D)';
  regionMap.clear();
  regionMap.element.hidden = true;
  try {
    regionProgress.start('Splitting the input domain into activation pieces in the analysis worker…', () => cancelled(token, 'regions-cancelled', loadRegions));
    const r = await host.request('segment', { details: true, maxPieces: MAX_REGIONS, maxSteps: MAX_STEPS }, { token, onProgress: (f, m) => regionProgress.update(f, m) });
    if (token.isCancellationRequested) return;
    segment = r;
    segmentStrip.element.hidden = false;
    segmentStrip.set(r);
    segmentStrip.setMarker(activations?.input[0]);
    renderGraph(r);
    renderPerDepth(r.perDepth, 'pieces');
    renderRegionsCaption();
  } catch (e) {
    if (isCancelled(e)) return;
    segmentStrip.clear();
    segmentStrip.element.hidden = true;
    graphHost.hidden = true;
    perDepthPlot.element.hidden = true;
    regionsCaption.textContent = `No pieces: ${(e as Error).message}`;
  } finally {
    if (regionRun === token) regionProgress.done();
  }
}

/** N(x) for a 1-D input is exact through the piece ends: linear in between. */
function renderGraph(r: SegmentResult): void {
  const det = r.details;
  if (!det) return;
  const x0 = r.from[0], dx = r.to[0] - r.from[0];
  const n = det.t0.length, outDim = det.outputDim;
  const xs = [x0 + det.t0[0] * dx, ...Array.from(det.t1, (t) => x0 + t * dx)];
  const shown = Math.min(outDim, 4);
  const series = Array.from({ length: shown }, (_, i) => {
    // value at each piece's start from its own map, and at the last end
    const values = Array.from({ length: n + 1 }, (_, k) => {
      const p = Math.min(k, n - 1), t = k < n ? det.t0[k] : det.t1[n - 1];
      return det.slope[p * outDim + i] * t + det.offset[p * outDim + i];
    });
    return { label: outDim === 1 ? 'N(x)' : `N${sub(i + 1)}(x)`, values, points: n < 60 };
  });
  graphHost.hidden = false;
  graphPlot.render({ title: `N(x) over the input domain${outDim > shown ? ` (first ${shown} of ${outDim} outputs)` : ''}`, xLabel: 'x', yLabel: 'N(x)', x: xs, series });
}

/** Hover text of piece k of the 1-D strip: its interval and N's affine map in x. */
function describePiece(k: number): string {
  const r = segment, det = r?.details;
  if (!r || !det) return '';
  const x0 = r.from[0], dx = r.to[0] - r.from[0];
  const a = x0 + det.t0[k] * dx, b = x0 + det.t1[k] * dx;
  const rows: string[] = [];
  for (let i = 0; i < Math.min(det.outputDim, 4); i++) {
    // N = slope·t + offset with t = (x − x0)/dx
    const slope = det.slope[k * det.outputDim + i] / dx;
    const offset = det.offset[k * det.outputDim + i] - slope * x0;
    rows.push(`N${det.outputDim > 1 ? sub(i + 1) : ''} = ${formatNumber(slope)}·x + ${formatNumber(offset)}`.replace(/\+ -/g, '− '));
  }
  if (det.outputDim > 4) rows.push(`… ${det.outputDim - 4} more outputs`);
  return `piece ${k + 1} of ${det.t0.length}: x ∈ [${formatNumber(a)}, ${formatNumber(b)}]\n${rows.join('\n')}`;
}

// ---- input handling ------------------------------------------------------------------------------

function renderProbeSelect(): void {
  const options = [...probes.map((p) => ({ value: p, label: `probe ${p}` })), { value: CUSTOM, label: 'typed / clicked point' }];
  const s = select('Input point', options, host.state?.probe ?? CUSTOM, (value) => {
    if (value === CUSTOM) {
      host.patchState({ probe: undefined, input: activations ? Array.from(activations.input) : host.state?.input });
    } else {
      host.patchState({ probe: value });
    }
    void loadActivations();
  });
  probeHost.replaceChildren(s);
}

function setSelectValue(value: string): void {
  const s = probeHost.querySelector('vscode-single-select') as (HTMLElement & { value: string }) | null;
  if (s) s.value = value;
}

function setInputField(x: ArrayLike<number>): void {
  const t = inputField.querySelector('vscode-textfield') as (HTMLElement & { value: string }) | null;
  if (t) t.value = Array.from(x, (v) => String(Number(v.toPrecision(6)))).join(', ');
}

function onTypedInput(value: string): void {
  const parts = value.split(/[\s,;]+/).filter((p) => p.length > 0);
  const xs = parts.map(Number);
  const dim = activations?.input.length;
  const bad = parts.findIndex((p, i) => !Number.isFinite(xs[i]));
  messages.querySelectorAll('.input-error').forEach((n) => n.remove());
  const complain = (text: string) => { const b = banner('error', text); b.classList.add('input-error'); messages.append(b); };
  if (bad >= 0) return complain(`'${parts[bad]}' is not a number; type the coordinates separated by commas, e.g. 0.3, -0.7`);
  if (dim !== undefined && xs.length !== dim) return complain(`the network input has dimension ${dim}; you typed ${xs.length} number${xs.length === 1 ? '' : 's'}`);
  host.patchState({ probe: undefined, input: xs });
  setSelectValue(CUSTOM);
  void loadActivations();
}

function pickOnMap(s: number, t: number): void {
  const plane = regions?.plane ?? grid?.plane;
  if (!plane) return;
  pickPoint(Array.from(plane.origin, (o, i) => o + s * plane.u[i] + t * plane.v[i]));
}

function pickPoint(x: number[]): void {
  host.patchState({ probe: undefined, input: x });
  setSelectValue(CUSTOM);
  setInputField(x);
  void loadActivations();
}

// ---- rendering ---------------------------------------------------------------------------------

/** The ReLU units in network order with their state (residual blocks: branch units, then the outer unit). */
function reluUnits(r: ActivationsResult): UnitActivation[] {
  const out: UnitActivation[] = [];
  for (const l of r.layers) {
    for (const b of l.branch ?? []) if (b.relu) out.push(b);
    if (l.relu) out.push(l);
  }
  return out;
}

/** Every unit in network order (the result's `units` order) with its state. */
function allUnits(r: ActivationsResult): UnitActivation[] {
  const out: UnitActivation[] = [];
  for (const l of r.layers) {
    out.push(...(l.branch ?? []));
    out.push(l);
  }
  return out;
}

function vec(x: ArrayLike<number>): string {
  const xs = Array.from(x);
  const shown = xs.slice(0, 8).map((v) => formatNumber(v)).join(', ');
  return `(${shown}${xs.length > 8 ? `, … ${xs.length - 8} more` : ''})`;
}

function renderActivations(r: ActivationsResult): void {
  setInputField(r.input);
  setSelectValue(host.state?.probe ?? CUSTOM);
  const relu = reluUnits(r);
  let active = 0, total = 0;
  if (r.summary) {
    // a sample of the layers came in full: count every layer from the summary
    for (let k = 0; k < r.summary.active.length; k++) { active += r.summary.active[k]; total += r.summary.relu[k]; }
  } else {
    for (const u of relu) { active += u.active; total += u.width; }
  }
  const where = host.state?.probe !== undefined ? `probe ${host.state.probe}` : host.state?.input ? 'the chosen point' : r.input.every((v) => v === 0) ? 'the origin (no probes in the file)' : 'the domain centre (no probes in the file)';
  // a value beyond float64 is a finding: N(x) is withheld (the arrays hold NaN there), never printed
  const output = r.overflow ? `N(x) withheld (${r.overflow.message})` : `N(x) = ${vec(r.output)}`;
  inputSummary.textContent = `At ${where}: x = ${vec(r.input)} · ${output} · ${active} of ${total} ReLU neurons active${r.onBoundary > 0 ? ` · ${r.onBoundary} on a boundary (|z| ≤ 1e-12·scale: the pattern there is a tie)` : ''}`;
  renderPattern(r, relu);
  renderAffine(r);
  renderUnitSelect(r);
  void renderProducts(r);
  regionMap.setInput(r.input);
  if (segment) segmentStrip.setMarker(r.input[0]);
  renderRegionsCaption();
}

function renderPattern(r: ActivationsResult, relu: UnitActivation[]): void {
  patternSummary.element.hidden = relu.length <= MAX_PATTERN_ROWS;
  if (relu.length === 0) {
    patternCaption.textContent = 'The network has no ReLU units: the map is affine everywhere.';
    showHeat(pattern, undefined);
    return;
  }
  const residual = r.layers.some((l) => l.branch);
  const order = residual ? 'units in order: per residual block its branch units, then its outer unit σ(x + r)' : 'units in order: layers';
  if (relu.length > MAX_PATTERN_ROWS) {
    // deep: one row per unit would be a strip of hairlines; the summary says more
    showHeat(pattern, undefined);
    let active = 0, total = 0;
    for (const u of relu) { active += u.active; total += u.width; }
    // a deep file sends the units of evenly spaced layers only (the streamed plot above has every layer)
    const sampled = r.sampled ? ` These are the units of ${r.layers.length.toLocaleString('en-US')} of the ${r.sampled.depth.toLocaleString('en-US')} layers, evenly spaced; the plot above has every layer.` : '';
    patternCaption.textContent = `${relu.length.toLocaleString('en-US')} ReLU units (${order}); ${formatNumber(active / Math.max(1, total))} of ${r.sampled ? 'their' : 'all'} neurons active. The plot shows each unit's active fraction; click it (or type a unit number) to see that unit's pattern.${sampled}`;
    patternSummary.show(relu);
    return;
  }
  const rows = relu;
  const cols = Math.max(...rows.map((u) => u.width));
  const data = new Float64Array(rows.length * cols).fill(-1);
  rows.forEach((u, i) => { for (let j = 0; j < u.width; j++) data[i * cols + j] = u.pattern[j]; });
  const labels = rows.length <= 12 ? ` (${rows.map((u) => u.label).join(', ')})` : ` (${rows[0].label} … ${rows[rows.length - 1].label})`;
  patternCaption.textContent = `${rows.length} ReLU unit${rows.length === 1 ? '' : 's'} × ${cols} neurons; filled = active (pre-activation > 0). ${order}${labels}. Hover for the unit and neuron; drag or wheel to zoom.`;
  showHeat(pattern, { rows: rows.length, cols, data }, `activation pattern: ${rows.length} units × ${cols} neurons`);
}

function renderAffine(r: ActivationsResult): void {
  renderRadius(r);
  if (r.overflow) {
    // A and c overflow with N(x) (or before it): no table, no check drawn from NaN
    residualLine.className = 'check check-bad';
    residualLine.textContent = `The explicit map N(x) = A x + c on this domain is withheld: ${r.overflow.message}`;
    affineHost.replaceChildren();
    return;
  }
  const { A, c, residual, relativeResidual } = r.affine;
  const ok = relativeResidual <= 1e-9;
  residualLine.className = `check ${ok ? 'check-ok' : 'check-bad'}`;
  residualLine.textContent = `N(x) = A x + c with A ${A.rows}×${A.cols}. Check against the plain forward pass: ‖A x + c − N(x)‖₂ = ${formatNumber(residual)} (absolute), ${formatNumber(relativeResidual)} (relative) — ${ok ? 'agrees to rounding' : 'DOES NOT AGREE: report this network'}.`;
  if (A.rows * (A.cols + 1) <= MAX_TABLE_ENTRIES) {
    const t = el('table', { class: 'matrix' });
    const head = el('tr', {}, el('th', {}, ''));
    for (let j = 0; j < A.cols; j++) head.append(el('th', {}, `x${sub(j + 1)}`));
    head.append(el('th', { class: 'sep' }, 'c'));
    t.append(head);
    for (let i = 0; i < A.rows; i++) {
      const row = el('tr', {}, el('th', {}, `N${sub(i + 1)}`));
      for (let j = 0; j < A.cols; j++) row.append(el('td', {}, formatNumber(A.data[i * A.cols + j], 6)));
      row.append(el('td', { class: 'sep' }, formatNumber(c[i], 6)));
      t.append(row);
    }
    affineHost.replaceChildren(t);
  } else {
    // [A | c] as one heatmap; the table would not fit
    const cols = A.cols + 1;
    const data = new Float64Array(A.rows * cols);
    for (let i = 0; i < A.rows; i++) {
      data.set(A.data.subarray(i * A.cols, (i + 1) * A.cols), i * cols);
      data[i * cols + A.cols] = c[i];
    }
    const h = new Heatmap({ scale: 'diverging', rowLabel: 'output', colLabel: 'input (last column: c)', maxHeight: 320 });
    h.setData({ rows: A.rows, cols, data }, `affine map [A | c], ${A.rows}×${cols}`);
    affineHost.replaceChildren(el('p', { class: 'caption' }, `[A | c] (${A.rows}×${cols}; last column c); hover for values.`), h.element);
  }
}

/** The radius and the half-spaces are scale-free: exact even where the values overflow. */
function renderRadius(r: ActivationsResult): void {
  const face = r.nearestFace ? ` — nearest face: ${r.nearestFace.label} (its pre-activation reaches 0 at that distance)` : '';
  const constant = r.constantNeurons > 0 ? ` ${r.constantNeurons} neuron${r.constantNeurons === 1 ? ' has' : 's have'} a pre-activation that is constant on the domain and bound${r.constantNeurons === 1 ? 's' : ''} nothing.` : '';
  radiusLine.textContent = Number.isFinite(r.radius)
    ? `Stability radius ${formatNumber(r.radius)}${face}. Every point closer to x than this has the same pattern and the same affine map.${constant}`
    : `Stability radius ∞ (unbounded): no neuron bounds this activation domain, the map holds on the whole input space.${constant}`;
}

function sub(n: number): string {
  return String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]);
}

function renderUnitSelect(r: ActivationsResult): void {
  const units = r.units;
  let selected = host.state?.unit ?? 0;
  if (selected >= units.length) selected = 0;
  const choose = (i: number) => { host.patchState({ unit: i }); if (activations) void renderProducts(activations); };
  if (units.length <= MAX_UNIT_OPTIONS) {
    unitHost.replaceChildren(select('Unit', units.map((u, i) => ({ value: String(i), label: `${u.label}${u.relu ? '' : ' (linear)'} · width ${u.width}` })), String(selected), (v) => choose(Number(v))));
  } else {
    unitHost.replaceChildren(textField(`Unit number (1–${units.length})`, String(selected + 1), (v) => {
      const n = Number(v);
      if (Number.isInteger(n) && n >= 1 && n <= units.length) choose(n - 1);
    }, { width: '120px' }));
  }
}

async function renderProducts(r: ActivationsResult): Promise<void> {
  const ticket = ++productRun;
  const units = allUnits(r);
  const index = Math.min(host.state?.unit ?? 0, units.length - 1);
  const u = units[index];
  if (!u) return;
  const m = u.width;
  // J_k: the diagonal 0/1 matrix (as a strip when it is wide)
  if (m <= 128) {
    const J = new Float64Array(m * m);
    for (let i = 0; i < m; i++) J[i * m + i] = u.pattern[i];
    jHeat.setData({ rows: m, cols: m, data: J }, `J for ${u.label}`);
  } else {
    jHeat.setData({ rows: 1, cols: m, data: Float64Array.from(u.pattern) }, `diagonal of J for ${u.label}`);
  }
  jCaption.textContent = `${u.label}: ${u.relu ? `${u.active}/${m} active` : 'linear unit, J = I'}${m > 128 ? ' (diagonal shown as a strip)' : ''}`;
  // J_k W_k: the unit's weights with the rows of inactive neurons zeroed
  if (u.kind === 'outer') {
    showHeat(jwHeat, undefined);
    jwCaption.textContent = `${u.label} applies σ(x + r): no weight matrix of its own (the branch units carry them).`;
  } else {
    try {
      const lm = await host.request('layerMatrix', u.kind === 'branch' ? { layer: u.layer, branchLayer: u.branchLayer } : { layer: u.layer });
      if (ticket !== productRun) return;
      const W = lm.weights;
      const JW = W.data.slice();
      for (let i = 0; i < W.rows; i++) if (!u.pattern[i]) JW.fill(0, i * W.cols, (i + 1) * W.cols);
      showHeat(jwHeat, { rows: W.rows, cols: W.cols, data: JW }, `J W for ${u.label}`);
      jwCaption.textContent = `${W.rows}×${W.cols}; rows of inactive neurons are zero. Max |entry| ${formatNumber(maxAbs(JW))}.`;
    } catch (e) {
      if (ticket === productRun) jwCaption.textContent = (e as Error).message;
    }
  }
  // P_k after the unit's layer
  const partial = r.partials?.find((p) => p.layer === u.layer);
  if (partial) {
    showHeat(pHeat, partial.P, `P after layer ${u.layer}`);
    const note = u.kind === 'branch' ? ' (recorded per layer: this is the block’s output map)' : '';
    pCaption.textContent = `after layer ${u.layer}: N_k(x) = P_k x + q_k, ${partial.P.rows}×${partial.P.cols}${note}. Max |entry| ${formatNumber(maxAbs(partial.P.data))}.`;
  } else {
    showHeat(pHeat, undefined);
    pCaption.textContent = partialsAllowed ? '—' : 'Not computed: the partial products of this deep network would not fit in one reply.';
  }
}

/** Show a heatmap with data, or hide it (a Heatmap keeps its last picture when given no entries). */
function showHeat(h: Heatmap, data: WireMatrix | { rows: number; cols: number; data: ArrayLike<number> } | undefined, label = ''): void {
  h.element.hidden = !data || data.rows === 0 || data.cols === 0;
  if (data && !h.element.hidden) h.setData(data, label);
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function renderRegionsCaption(): void {
  if (segment) {
    const [a, b] = [segment.from[0], segment.to[0]];
    const where = segment.source === 'domain' ? 'the input domain' : 'the default interval: the file declares no input domain';
    const marker = activations ? (activations.input[0] >= a && activations.input[0] <= b ? ' The line marks the selected input.' : ' The selected input lies outside this interval.') : '';
    regionsCaption.textContent = `The input is 1-D: ${segment.pieces.toLocaleString('en-US')} activation piece${segment.pieces === 1 ? '' : 's'} along x ∈ [${formatNumber(a)}, ${formatNumber(b)}] (${where}), exact; N is affine on each (${segment.linearPieces.toLocaleString('en-US')} distinct linear piece${segment.linearPieces === 1 ? '' : 's'}). Colours are stable hashes of the pattern. Hover for a piece's affine map, click to analyse a point.${marker}`;
    return;
  }
  const plane = regions?.plane ?? grid?.plane;
  if (!plane) return;
  const marker = activations && planeCoordinates(plane, activations.input) ? ' The ring marks the selected input.' : activations ? ' The selected input is not on this plane.' : '';
  if (regions?.depth !== undefined) {
    const n = regions.depth;
    regionsCaption.textContent = `Exact map of the first ${n.toLocaleString('en-US')} of ${depth.toLocaleString('en-US')} layers (the regions of N${sub(n)}, in ${plane.description}): ${regions.regions.toLocaleString('en-US')} regions. The partition stopped there: ${regions.stopped ?? 'a limit was reached'}.${marker}${patternsNote}`;
    if (prefixSteps < MAX_STEPS_LIMIT) regionsCaption.append(' ', raiseBudgetButton());
    return;
  }
  if (regions) {
    const merged = regions.mergedZeroArea > 0 ? ` ${regions.mergedZeroArea} cut${regions.mergedZeroArea === 1 ? '' : 's'} of zero computed area (numerically coincident lines) merged.` : '';
    regionsCaption.textContent = `${regions.regions.toLocaleString('en-US')} activation regions in ${plane.description}, exact (polygon clipping layer by layer); colours are stable hashes of the pattern. Hover for a region's pattern and affine map, click to analyse a point.${marker}${merged}${patternsNote}`;
  } else if (grid) {
    regionsCaption.textContent = `${regionsNote} ${grid.distinct.toLocaleString('en-US')} distinct patterns (compared exactly) among the pixels of ${plane.description}.${marker}`;
  }
}

function renderPerDepth(perDepth: readonly number[], noun: 'regions' | 'pieces'): void {
  perDepthPlot.element.hidden = false;
  const x = perDepth.map((_, i) => i + 1);
  const counts = extent(perDepth);
  const spread = counts.max / Math.max(1, counts.min);
  perDepthPlot.render({
    title: `${noun === 'regions' ? 'Regions' : 'Pieces'} after each layer`,
    xLabel: 'layer k',
    yLabel: noun,
    x,
    logX: perDepth.length > 50,
    logY: spread > 100,
    series: [{ label: noun === 'regions' ? 'regions in the slice' : 'pieces along x', values: perDepth, points: perDepth.length < 60 }],
  });
}

/** "layer 1: 5/8 · layer 2: 3/8" from a region's packed pattern, then its affine map. */
function describeRegion(region: Region): string {
  const r = regions;
  if (!r) return '';
  const parts: string[] = [];
  let offset = 0;
  const pattern = region.pattern;
  for (const u of pattern ? r.patternUnits : []) {
    const words = (u.width + 31) >>> 5;
    let n = 0;
    for (let w = 0; w < words; w++) n += popcount(pattern![offset + w]);
    offset += words;
    parts.push(`${u.label}: ${n}/${u.width}`);
  }
  const shown = !pattern ? [`pattern not kept (${r.patternWords.toLocaleString('en-US')} words per region)`] : parts.length > 6 ? [...parts.slice(0, 5), `… ${parts.length - 5} more units`] : parts;
  const map = region.input ?? region.plane;
  const vars = region.input ? (map.A.cols <= 3 ? ['x₁', 'x₂', 'x₃'] : []) : ['s', 't'];
  const rows: string[] = [];
  for (let i = 0; i < Math.min(map.A.rows, 4); i++) {
    const terms = Array.from({ length: map.A.cols }, (_, j) => `${formatNumber(map.A.data[i * map.A.cols + j])}·${vars[j] ?? `x${sub(j + 1)}`}`);
    rows.push(`N${map.A.rows > 1 ? sub(i + 1) : ''} = ${terms.slice(0, 4).join(' + ')}${terms.length > 4 ? ' + …' : ''} + ${formatNumber(map.c[i])}`);
  }
  if (map.A.rows > 4) rows.push(`… ${map.A.rows - 4} more outputs`);
  return `region ${region.id + 1} · area ${formatNumber(region.area)}\nactive: ${shown.join(' · ')}\n${rows.join('\n')}`.replace(/\+ -/g, '− ');
}

function popcount(w: number): number {
  w = w - ((w >>> 1) & 0x55555555);
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

// ---- export ------------------------------------------------------------------------------------

function exportPng(): void {
  if (convView.isActive) { convView.exportPng(); return; }
  const canvas = segment ? segmentStrip.canvas : regionMap.canvas;
  if (canvas.width === 0) { messages.append(banner('info', 'No region map to export for this network.')); return; }
  host.export(segment ? 'pieces.png' : 'regions.png', 'image/png', canvas.toDataURL('image/png').split(',')[1]);
}

function exportCsv(): void {
  if (convView.isActive) { convView.exportCsv(); return; }
  const r = activations;
  if (!r) return;
  const lines = ['unit,label,layer,kind,width,relu,active,on_boundary,pattern'];
  allUnits(r).forEach((u, i) => {
    lines.push([i + 1, `"${u.label}"`, u.layer, u.kind, u.width, u.relu, u.active, u.onBoundary, Array.from(u.pattern).join('')].join(','));
  });
  host.export('activations.csv', 'text/csv', lines.join('\n') + '\n');
}

function matrixRows(m: WireMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

function exportJson(): void {
  if (convView.isActive) { convView.exportJson(); return; }
  const r = activations;
  if (!r) return;
  const unitJson = (u: UnitActivation) => ({
    label: u.label, layer: u.layer, kind: u.kind, width: u.width, relu: u.relu, active: u.active, onBoundary: u.onBoundary,
    pattern: Array.from(u.pattern), preactivation: Array.from(u.preactivation),
  });
  const out = {
    document: host.document?.fileName,
    probe: host.state?.probe,
    input: Array.from(r.input),
    output: Array.from(r.output),
    units: allUnits(r).map(unitJson),
    // deep networks: `units` are those of a sample of the layers; every layer's counts are here
    ...(r.summary ? { sampledFromDepth: r.sampled?.depth, activeByLayer: Array.from(r.summary.active), reluByLayer: Array.from(r.summary.relu) } : {}),
    affine: { A: matrixRows(r.affine.A), c: Array.from(r.affine.c), residual: r.affine.residual, relativeResidual: r.affine.relativeResidual },
    radius: Number.isFinite(r.radius) ? r.radius : null,
    bounded: Number.isFinite(r.radius),
    nearestFace: r.nearestFace ?? null,
    constantNeurons: r.constantNeurons,
    onBoundary: r.onBoundary,
    regions: regions
      ? { exact: true, count: regions.regions, perDepth: regions.perDepth, box: regions.plane.box, source: regions.plane.source, plane: regions.plane.description, mergedZeroArea: regions.mergedZeroArea }
      : grid ? { exact: false, note: regionsNote, grid: `${grid.width}x${grid.height}`, distinctPatterns: grid.distinct, box: grid.plane.box, plane: grid.plane.description }
        : segment ? { exact: true, pieces: segment.pieces, linearPieces: segment.linearPieces, perDepth: segment.perDepth, from: segment.from[0], to: segment.to[0], breakpoints: Array.from(segment.breakpoints, (t) => segment!.from[0] + t * (segment!.to[0] - segment!.from[0])) }
          : null,
  };
  host.export('activations.json', 'application/json', JSON.stringify(out, null, 2));
}

// ---- wiring ------------------------------------------------------------------------------------

host.onDocument(() => { void loadDocument(); });
onThemeChange(() => {
  convView.redraw();
  regionMap.draw();
  pattern.draw(); patternSummary.draw(); jHeat.draw(); jwHeat.draw(); pHeat.draw();
  segmentStrip.draw();
  if (regions) renderPerDepth(regions.perDepth, 'regions');
  if (segment) { renderPerDepth(segment.perDepth, 'pieces'); renderGraph(segment); }
});
host.ready();
