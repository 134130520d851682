/**
 * Activations panel (MATH.md §A, §B): pick an input (a probe, typed coordinates, or a click on the
 * region map) and see its activation pattern (units × neurons), per unit J_k, J_k W_k and the running
 * product P_k, the explicit affine map N(x) = A x + c with its check against the plain forward pass,
 * the stability radius and nearest face; for 2-D slices the exact region map and the region count
 * per depth. All numbers come from the worker; a new input cancels the previous request.
 */
import { Cancellation, HostConnection, RpcError, type PanelState } from '../common/host';
import { extent } from '../common/extent';
import { Heatmap } from '../common/heatmap';
import { LinePlot } from '../common/linePlot';
import { onThemeChange } from '../common/theme';
import { banner, button, el, formatNumber, Progress, section, select, textField } from '../common/ui';
import type {
  ActivationsResult, Region, RegionGridResult, RegionsResult, UnitActivation,
} from '../../src/shared/analyses/activations';
import type { WireMatrix } from '../../src/shared/protocol';
import { RegionMap } from './regionMap';
import './activations.css';

interface ActivationsState extends PanelState {
  /** the chosen probe name, or undefined for typed / clicked coordinates */
  probe?: string;
  /** coordinates of the custom input */
  input?: number[];
  /** selected unit (index into the result's unit list) for the products view */
  unit?: number;
}

/** The exact partition is drawn up to this many regions; beyond it a pixel grid is shown. */
const MAX_REGIONS = 20_000;
const GRID_SIDE = 400;
/** Rows of the pattern heatmap beyond which units are sampled evenly. */
const MAX_PATTERN_ROWS = 600;
/** The affine map is a table up to this many entries, a heatmap beyond. */
const MAX_TABLE_ENTRIES = 64;
/** Above this many units the unit selector is a number field instead of a list. */
const MAX_UNIT_OPTIONS = 300;
const CUSTOM = '\u0000custom';

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
const regionProgress = new Progress();
const perDepthPlot = new LinePlot(220);
const regionsSection = section('Region map (exact 2-D slice)', regionProgress.element, regionsCaption,
  el('div', { class: 'map-row' }, regionMap.element, el('div', { class: 'per-depth', 'data-testid': 'per-depth-plot' }, perDepthPlot.element)));

// ---- pattern, affine map, products --------------------------------------------------------------
const pattern = new Heatmap({ scale: 'binary', rowLabel: 'row', colLabel: 'neuron', maxWidth: 720, maxHeight: 360, format: (v) => (v > 0 ? 'active' : v === 0 ? 'inactive' : '— (unit is narrower)') });
pattern.canvas.setAttribute('data-testid', 'pattern-heatmap');
const patternCaption = el('p', { class: 'caption', 'data-testid': 'pattern-caption' });
const residualLine = el('p', { class: 'check', 'data-testid': 'affine-residual' });
const affineHost = el('div', { class: 'affine-host', 'data-testid': 'affine-map' });
const radiusLine = el('p', { class: 'summary', 'data-testid': 'radius' });
const unitHost = el('div', { class: 'field-host' });
const jHeat = new Heatmap({ scale: 'binary', rowLabel: 'i', colLabel: 'j', maxWidth: 260, maxHeight: 260, format: (v) => String(v) });
const jwHeat = new Heatmap({ scale: 'diverging', rowLabel: 'out', colLabel: 'in', maxWidth: 360, maxHeight: 260 });
const pHeat = new Heatmap({ scale: 'diverging', rowLabel: 'neuron', colLabel: 'input', maxWidth: 260, maxHeight: 260 });
const jCaption = el('p', { class: 'caption' });
const jwCaption = el('p', { class: 'caption', 'data-testid': 'jw-caption' });
const pCaption = el('p', { class: 'caption', 'data-testid': 'p-caption' });

let probes: string[] = [];
let activations: ActivationsResult | undefined;
let regions: RegionsResult | undefined;
let grid: RegionGridResult | undefined;
let regionsNote = '';
let partialsAllowed = true;
let activationRun: Cancellation | undefined;
let regionRun: Cancellation | undefined;
let productRun = 0;

app.append(
  el('header', { class: 'panel-header' },
    el('h1', {}, 'Activations'),
    el('div', { class: 'toolbar' },
      button('Export PNG', exportPng, { secondary: true, icon: 'file-media', title: 'the region map' }),
      button('Export CSV', exportCsv, { secondary: true, icon: 'table', title: 'per unit: width, active count, pattern' }),
      button('Export JSON', exportJson, { secondary: true, icon: 'json', title: 'pattern, affine map, radius and region counts' }),
    ),
  ),
  progress.element,
  messages,
  section('Input', el('div', { class: 'input-row' }, probeHost, inputField), inputSummary),
  regionsSection,
  section('Activation pattern J(x)', patternCaption, pattern.element),
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
app.removeAttribute('aria-busy');

// ---- loading -----------------------------------------------------------------------------------

function isCancelled(e: unknown): boolean {
  return e instanceof RpcError && e.code === 'cancelled';
}

async function loadDocument(): Promise<void> {
  messages.replaceChildren();
  try {
    const v = await host.request('validate', {});
    if (!v.summary) {
      const errors = v.diagnostics.filter((d) => d.severity === 'error');
      messages.replaceChildren(banner('error', `The network file has ${errors.length} error${errors.length === 1 ? '' : 's'}${errors[0] ? ` (first: line ${errors[0].range.start.line + 1}: ${errors[0].message})` : ''}; fix ${errors.length === 1 ? 'it' : 'them'} to see the activations.`));
      return;
    }
    probes = [...v.summary.probeNames];
  } catch (e) {
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
  progress.start('Computing the activation pattern and the affine map in the analysis worker…');
  try {
    let r: ActivationsResult;
    try {
      r = await host.request('activations', { ...currentParams(), partialProducts: partialsAllowed }, { token, onProgress: (f, m) => progress.update(f, m) });
    } catch (e) {
      // very deep networks: the partial products would not fit in one reply; go without them
      if (!(e instanceof RpcError && e.code === 'bad-params' && /partialProducts: false/.test(e.message)) || token.isCancellationRequested) throw e;
      partialsAllowed = false;
      r = await host.request('activations', { ...currentParams(), partialProducts: false }, { token, onProgress: (f, m) => progress.update(f, m) });
    }
    if (token.isCancellationRequested) return;
    activations = r;
    messages.querySelectorAll('.activation-error').forEach((n) => n.remove());
    renderActivations(r);
  } catch (e) {
    if (isCancelled(e)) return;
    const b = banner('error', (e as Error).message);
    b.classList.add('activation-error');
    messages.querySelectorAll('.activation-error').forEach((n) => n.remove());
    messages.append(b);
  } finally {
    if (activationRun === token) progress.done();
  }
}

async function loadRegions(): Promise<void> {
  regionRun?.cancel();
  const token = new Cancellation();
  regionRun = token;
  regions = undefined;
  grid = undefined;
  regionsNote = '';
  try {
    regionProgress.start('Partitioning the slice into activation regions in the analysis worker…');
    const r = await host.request('regions', { maxRegions: MAX_REGIONS }, { token, onProgress: (f, m) => regionProgress.update(f, m) });
    if (token.isCancellationRequested) return;
    regions = r;
    regionsSection.hidden = false;
    regionMap.setRegions(r.plane, r.polygons ?? []);
    renderRegionsCaption();
    renderPerDepth(r);
  } catch (e) {
    if (isCancelled(e)) return;
    const message = (e as Error).message;
    if (/more than \d+ regions/.test(message)) {
      // capped: show the pixel-sampled map instead of failing
      regionsNote = `The slice has more than ${MAX_REGIONS.toLocaleString('en-US')} regions, more than the panel draws exactly; showing the pattern of every pixel of a ${GRID_SIDE}×${GRID_SIDE} grid instead (the CLI's \`regions\` command computes the exact count).`;
      try {
        regionProgress.start('Too many regions to draw exactly: sampling the patterns on a pixel grid…');
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
          regionsCaption.textContent = `No region map: the slice has more than ${MAX_REGIONS.toLocaleString('en-US')} regions, and the pixel-grid fallback is refused too (${(e2 as Error).message}).`;
        }
      }
      return;
    }
    // no 2-D slice for this network (e.g. a 5-D input with fewer than three probes): say why
    regionMap.clear();
    perDepthPlot.element.hidden = true;
    regionsCaption.textContent = `No region map: ${message}`;
  } finally {
    if (regionRun === token) regionProgress.done();
  }
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
  const x = Array.from(plane.origin, (o, i) => o + s * plane.u[i] + t * plane.v[i]);
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
  for (const u of relu) { active += u.active; total += u.width; }
  const where = host.state?.probe !== undefined ? `probe ${host.state.probe}` : host.state?.input ? 'the chosen point' : r.input.every((v) => v === 0) ? 'the origin (no probes in the file)' : 'the domain centre (no probes in the file)';
  inputSummary.textContent = `At ${where}: x = ${vec(r.input)} · N(x) = ${vec(r.output)} · ${active} of ${total} ReLU neurons active${r.onBoundary > 0 ? ` · ${r.onBoundary} on a boundary (|z| ≤ 1e-12·scale: the pattern there is a tie)` : ''}`;
  renderPattern(r, relu);
  renderAffine(r);
  renderUnitSelect(r);
  void renderProducts(r);
  const plane = regions?.plane ?? grid?.plane;
  regionMap.setMarker(plane ? planeCoordinates(plane, r.input) : undefined);
  renderRegionsCaption();
}

function renderPattern(r: ActivationsResult, relu: UnitActivation[]): void {
  if (relu.length === 0) {
    patternCaption.textContent = 'The network has no ReLU units: the map is affine everywhere.';
    showHeat(pattern, undefined);
    return;
  }
  const step = Math.max(1, Math.ceil(relu.length / MAX_PATTERN_ROWS));
  const rows = relu.filter((_, i) => i % step === 0);
  const cols = Math.max(...rows.map((u) => u.width));
  const data = new Float64Array(rows.length * cols).fill(-1);
  rows.forEach((u, i) => { for (let j = 0; j < u.width; j++) data[i * cols + j] = u.pattern[j]; });
  const residual = r.layers.some((l) => l.branch);
  const order = residual ? 'rows: per residual block its branch units, then its outer unit σ(x + r)' : 'rows: layers';
  const labels = rows.length <= 12 ? ` (${rows.map((u) => u.label).join(', ')})` : ` (${rows[0].label} … ${rows[rows.length - 1].label})`;
  patternCaption.textContent = `${rows.length} ReLU unit${rows.length === 1 ? '' : 's'} × ${cols} neurons; filled = active (pre-activation > 0). ${order}${labels}${step > 1 ? `; every ${step}th of ${relu.length} units shown` : ''}. Hover for the unit row and neuron.`;
  showHeat(pattern, { rows: rows.length, cols, data }, `activation pattern: ${rows.length} units × ${cols} neurons`);
}

function renderAffine(r: ActivationsResult): void {
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
    const h = new Heatmap({ scale: 'diverging', rowLabel: 'output', colLabel: 'input (last column: c)', maxWidth: 640, maxHeight: 320 });
    h.setData({ rows: A.rows, cols, data }, `affine map [A | c], ${A.rows}×${cols}`);
    affineHost.replaceChildren(el('p', { class: 'caption' }, `[A | c] (${A.rows}×${cols}; last column c); hover for values.`), h.element);
  }
  const face = r.nearestFace ? ` — nearest face: ${r.nearestFace.label} (its pre-activation reaches 0 at that distance)` : '';
  const constant = r.constantNeurons > 0 ? ` ${r.constantNeurons} neuron${r.constantNeurons === 1 ? ' has' : 's have'} a pre-activation that is constant on the domain and bound${r.constantNeurons === 1 ? 's' : ''} nothing.` : '';
  radiusLine.textContent = Number.isFinite(r.radius)
    ? `Stability radius ${formatNumber(r.radius)}${face}. Every point closer to x than this has the same pattern and the same affine map.${constant}`
    : `Stability radius ∞: no neuron bounds this activation domain.${constant}`;
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

/** (s, t) of x on the plane when x lies on it (least squares; undefined when it is off the plane). */
function planeCoordinates(plane: { origin: Float64Array; u: Float64Array; v: Float64Array }, x: ArrayLike<number>): [number, number] | undefined {
  let uu = 0, uv = 0, vv = 0, ur = 0, vr = 0, rr = 0;
  for (let i = 0; i < x.length; i++) {
    const r = x[i] - plane.origin[i];
    uu += plane.u[i] ** 2; vv += plane.v[i] ** 2; uv += plane.u[i] * plane.v[i];
    ur += plane.u[i] * r; vr += plane.v[i] * r; rr += r * r;
  }
  const det = uu * vv - uv * uv;
  if (det === 0) return undefined;
  const s = (ur * vv - vr * uv) / det, t = (vr * uu - ur * uv) / det;
  let off = 0;
  for (let i = 0; i < x.length; i++) off += (x[i] - plane.origin[i] - s * plane.u[i] - t * plane.v[i]) ** 2;
  return off <= 1e-18 * Math.max(1, rr) ? [s, t] : undefined;
}

function renderRegionsCaption(): void {
  const plane = regions?.plane ?? grid?.plane;
  if (!plane) return;
  const [a, b, c, d] = plane.box;
  const what = plane.source === 'input' ? `the input plane over [${formatNumber(a)}, ${formatNumber(b)}] × [${formatNumber(c)}, ${formatNumber(d)}]` : `the plane through ${plane.source === 'probes' ? 'three probes' : 'the given vectors'}, (s, t) ∈ [${formatNumber(a)}, ${formatNumber(b)}] × [${formatNumber(c)}, ${formatNumber(d)}]`;
  const marker = activations && planeCoordinates(plane, activations.input) ? ' The ring marks the selected input.' : activations ? ' The selected input is not on this plane.' : '';
  if (regions) {
    const slivers = regions.droppedSlivers > 0 ? ` ${regions.droppedSlivers} zero-area sliver${regions.droppedSlivers === 1 ? '' : 's'} dropped.` : '';
    regionsCaption.textContent = `${regions.regions.toLocaleString('en-US')} activation regions in ${what}, exact (polygon clipping layer by layer); colours are stable hashes of the pattern. Hover for a region's pattern and affine map, click to analyse a point.${marker}${slivers}`;
  } else if (grid) {
    regionsCaption.textContent = `${regionsNote} ${grid.distinct.toLocaleString('en-US')} distinct patterns among the pixels of ${what}.${marker}`;
  }
}

function renderPerDepth(r: RegionsResult): void {
  perDepthPlot.element.hidden = false;
  const x = r.perDepth.map((_, i) => i + 1);
  const counts = extent(r.perDepth);
  const spread = counts.max / Math.max(1, counts.min);
  perDepthPlot.render({
    title: 'Regions after each layer',
    xLabel: 'layer k',
    yLabel: 'regions',
    x,
    logX: r.perDepth.length > 50,
    logY: spread > 100,
    series: [{ label: 'regions in the slice', values: r.perDepth, points: r.perDepth.length < 60 }],
  });
}

/** "layer 1: 5/8 · layer 2: 3/8" from a region's packed pattern, then its affine map. */
function describeRegion(region: Region): string {
  const r = regions;
  if (!r) return '';
  const parts: string[] = [];
  let offset = 0;
  for (const u of r.patternUnits) {
    const words = (u.width + 31) >>> 5;
    let n = 0;
    for (let w = 0; w < words; w++) n += popcount(region.pattern[offset + w]);
    offset += words;
    parts.push(`${u.label}: ${n}/${u.width}`);
  }
  const shown = parts.length > 6 ? [...parts.slice(0, 5), `… ${parts.length - 5} more units`] : parts;
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
  if (regionMap.canvas.width === 0) { messages.append(banner('info', 'No region map to export for this network.')); return; }
  host.export('regions.png', 'image/png', regionMap.canvas.toDataURL('image/png').split(',')[1]);
}

function exportCsv(): void {
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
    affine: { A: matrixRows(r.affine.A), c: Array.from(r.affine.c), residual: r.affine.residual, relativeResidual: r.affine.relativeResidual },
    radius: Number.isFinite(r.radius) ? r.radius : null,
    nearestFace: r.nearestFace ?? null,
    constantNeurons: r.constantNeurons,
    onBoundary: r.onBoundary,
    regions: regions
      ? { exact: true, count: regions.regions, perDepth: regions.perDepth, box: regions.plane.box, source: regions.plane.source, droppedSlivers: regions.droppedSlivers }
      : grid ? { exact: false, note: regionsNote, grid: `${grid.width}x${grid.height}`, distinctPatterns: grid.distinct, box: grid.plane.box } : null,
  };
  host.export('activations.json', 'application/json', JSON.stringify(out, null, 2));
}

// ---- wiring ------------------------------------------------------------------------------------

host.onDocument(() => { void loadDocument(); });
onThemeChange(() => {
  regionMap.draw();
  pattern.draw(); jHeat.draw(); jwHeat.draw(); pHeat.draw();
  if (regions) renderPerDepth(regions);
});
host.ready();
