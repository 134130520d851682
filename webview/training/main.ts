/**
 * Training panel (issue 7): the two training-dynamics experiments of MATH.md §D (pointwise convergence
 * of mini-batch GD on an indicator target) and §E (mean-field limit as the width grows). Runs go to
 * the analysis worker, stream partial curves (redrawn at most every 250 ms) and can be stopped; the
 * controls, the selected experiment and the last results persist across reloads. With a network
 * file that has a `training` section, that section presets the controls.
 */
import { Cancellation, HostConnection, isCancelled, type PanelState } from '../common/host';
import { onThemeChange } from '../common/theme';
import { banner, button, el, Progress } from '../common/ui';
import type { IndicatorParams, IndicatorResult, MeanFieldParams, MeanFieldResult, TrainingSpec } from '../../src/shared/analyses/training';
import { composePng, Throttle } from './export';
import { ParamForm, presetText, type FieldSpec, type FormValues } from './form';
import { IndicatorView } from './indicatorView';
import { MeanFieldView } from './meanFieldView';
import './training.css';

type Experiment = 'indicator' | 'meanField';

interface TrainingState extends PanelState {
  experiment?: Experiment;
  indicator?: FormValues;
  meanField?: FormValues;
  /** preset fields the forms do not show (e.g. probes, fitFrom), passed through to the run */
  indicatorExtra?: Record<string, unknown>;
  meanFieldExtra?: Record<string, unknown>;
  /** the preset last applied, so a reload does not overwrite the user's edits with it again */
  appliedPreset?: string;
  probeLogY?: boolean;
  mfProbe?: number;
  mfLossLogY?: boolean;
  indicatorResult?: IndicatorResult;
  meanFieldResult?: MeanFieldResult;
}

// Defaults: the core's own (written out so users see them); both finish in seconds on 2 cores.
const INDICATOR_FIELDS: FieldSpec[] = [
  { key: 'dim', label: 'dim d', kind: 'integer', initial: '1', width: '4em', title: 'input dimension; d = 2 shows a heatmap' },
  { key: 'level', label: 'level N', kind: 'integer', initial: '10', width: '4em', title: 'level N ≥ 1 of the sawtooth squaring for d > 1 (error ≤ d·4^(−N−1)); a coarse level can stop the run' },
  { key: 'iterations', label: 'iterations K', kind: 'integer', initial: '10000' },
  { key: 'batch', label: 'batch B', kind: 'integer', initial: '32', width: '5em' },
  { key: 'learningRate', label: 'learning rate η', kind: 'number', initial: '1', width: '5em' },
  { key: 'seed', label: 'seed', kind: 'integer', initial: '1', width: '5em' },
  { key: 'initialW', label: 'initial w₀', kind: 'number', initial: '2', width: '5em', title: 'd ≥ 2 needs w₀ ≥ 4/3' },
  { key: 'lossPower', label: 'loss power p', kind: 'number', initial: '2', width: '4em', title: 'loss |f − y|^p; p = 2 is L²' },
  { key: 'trainingSetSize', label: 'training set size', kind: 'integer', initial: '', width: '7em', title: 'blank: fresh uniform samples every step; n = B: full-batch GD on a fixed set' },
  { key: 'mode', label: 'mode', kind: 'choice', initial: 'sgd', choices: [{ value: 'sgd', label: 'mini-batch SGD' }, { value: 'expected', label: 'GD on the exact loss' }] },
];

const MEAN_FIELD_FIELDS: FieldSpec[] = [
  { key: 'widths', label: 'widths N', kind: 'numberList', initial: '25, 50, 100, 200', width: '11em' },
  { key: 'seeds', label: 'seeds per width', kind: 'integer', initial: '8', width: '5em' },
  { key: 'T', label: 'final time T', kind: 'number', initial: '5', width: '5em', title: 'N1·T SGD steps per run' },
  { key: 'probes', label: 'probes x', kind: 'numberList', initial: '-0.5, 0.25, 0.75', width: '10em' },
  { key: 'n1PerN2', label: 'N1 / N2', kind: 'number', initial: '1', width: '4em', title: '1: N1 = N2 = N; larger: N1 ≫ N2' },
  { key: 'records', label: 'records', kind: 'integer', initial: '20', width: '4em', title: 'record times t = m·T/records' },
  { key: 'seed', label: 'base seed', kind: 'integer', initial: '1', width: '5em' },
  { key: 'activation', label: 'σ', kind: 'choice', initial: 'tanh', choices: [{ value: 'tanh', label: 'tanh' }, { value: 'sigmoid', label: 'sigmoid' }] },
];

const host = new HostConnection<TrainingState>();
const app = document.getElementById('app')!;
const progress = new Progress();
progress.element.dataset.testid = 'progress';
const messages = el('div', { class: 'messages', 'data-testid': 'messages' });
const presetNote = el('p', { class: 'caption', 'data-testid': 'preset-note' });
let experiment: Experiment = host.state?.experiment ?? 'indicator';
let running: { token: Cancellation; experiment: Experiment } | undefined;

const indicatorView = new IndicatorView({ probeLogY: host.state?.probeLogY ?? false, onProbeLogY: (on) => host.patchState({ probeLogY: on }) });
const meanFieldView = new MeanFieldView({
  probeIndex: host.state?.mfProbe ?? 0, onProbeIndex: (i) => host.patchState({ mfProbe: i }),
  lossLogY: host.state?.mfLossLogY ?? false, onLossLogY: (on) => host.patchState({ mfLossLogY: on }),
});
const indicatorForm = new ParamForm(INDICATOR_FIELDS, host.state?.indicator ?? {}, 'ind', (v) => host.patchState({ indicator: v }));
const meanFieldForm = new ParamForm(MEAN_FIELD_FIELDS, host.state?.meanField ?? {}, 'mf', (v) => host.patchState({ meanField: v }));

// ─── layout ─────────────────────────────────────────────────────────────────────────────────────
const tabs: Record<Experiment, HTMLButtonElement> = {
  indicator: el('button', { role: 'tab', class: 'tab', 'data-testid': 'tab-indicator', id: 'tab-indicator', 'aria-controls': 'pane-indicator' }, 'Indicator target (§D)'),
  meanField: el('button', { role: 'tab', class: 'tab', 'data-testid': 'tab-mean-field', id: 'tab-meanField', 'aria-controls': 'pane-meanField' }, 'Mean-field limit (§E)'),
};
const panes: Record<Experiment, HTMLElement> = {
  indicator: el('div', { role: 'tabpanel', id: 'pane-indicator', 'aria-labelledby': 'tab-indicator' },
    el('p', { class: 'caption' }, 'f(x) = 1{|x| ≤ 1/2} on [−1, 1]^d, learned by the steepness w of a ReLU ramp σ(1 − σ(w(φ − a))) on a ReLU feature φ; mini-batch gradient descent on uniform samples. ' +
      'd = 1: φ = |x| exactly, a = 1/2. d > 1: φ = r_N(x) ≈ |x|² by the level-N sawtooth squaring, a = 1/4.'),
    el('div', { class: 'controls' }, indicatorForm.element), indicatorView.element),
  meanField: el('div', { role: 'tabpanel', id: 'pane-meanField', 'aria-labelledby': 'tab-meanField' },
    el('p', { class: 'caption' }, 'Two hidden layers with 1/N averages, online SGD on y = sin(πx); several seeds per width, watching the trajectories concentrate.'),
    el('div', { class: 'controls' }, meanFieldForm.element), meanFieldView.element),
};
for (const [key, tab] of Object.entries(tabs) as [Experiment, HTMLButtonElement][]) tab.addEventListener('click', () => selectExperiment(key));

const runButton = button('Run', () => void run(), { icon: 'play', title: 'Run the selected experiment in the analysis worker' });
runButton.dataset.testid = 'run';
const stopButton = button('Stop', () => stop(), { secondary: true, icon: 'debug-stop', title: 'Stop the run (the partial result stays)' });
stopButton.dataset.testid = 'stop';
stopButton.setAttribute('disabled', '');

// Export waits for data: disabled (and the empty plot sections hidden) until a run has drawn something
const exportButtons = [
  button('Export PNG', () => exportPng(), { secondary: true, icon: 'file-media', title: 'the plots of the selected experiment' }),
  button('Export CSV', () => exportCsv(), { secondary: true, icon: 'table', title: 'the curves of the selected experiment' }),
  button('Export JSON', () => exportJson(), { secondary: true, icon: 'json', title: 'the result of the selected experiment' }),
];
exportButtons.forEach((b, i) => { b.dataset.testid = ['export-png', 'export-csv', 'export-json'][i]; });
const emptyNotes: Record<Experiment, HTMLElement> = {
  indicator: el('p', { class: 'empty-note', 'data-testid': 'indicator-empty' }, 'No run yet: set the parameters and press Run; the loss, the steepness, the probe errors and the learned function appear here as the run goes.'),
  meanField: el('p', { class: 'empty-note', 'data-testid': 'mf-empty' }, 'No run yet: set the parameters and press Run; the trajectories per width, their spread and the losses appear here as the run goes.'),
};
panes.indicator.append(emptyNotes.indicator);
panes.meanField.append(emptyNotes.meanField);

app.append(
  el('header', { class: 'panel-header' },
    el('h1', {}, 'Training dynamics'),
    el('div', { class: 'toolbar' }, runButton, stopButton, ...exportButtons),
  ),
  el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'experiment' }, tabs.indicator, tabs.meanField),
  presetNote,
  progress.element,
  messages,
  panes.indicator,
  panes.meanField,
);
app.removeAttribute('aria-busy');

function selectExperiment(which: Experiment): void {
  experiment = which;
  host.patchState({ experiment: which });
  for (const key of Object.keys(tabs) as Experiment[]) {
    tabs[key].setAttribute('aria-selected', String(key === which));
    tabs[key].tabIndex = key === which ? 0 : -1;
    panes[key].hidden = key !== which;
  }
  document.body.dataset.experiment = which;
  updateEmpty();
}

/** Hides the plot sections of an experiment that has no result yet, and enables Export only with data. */
function updateEmpty(): void {
  const has: Record<Experiment, boolean> = { indicator: !!indicatorView.current, meanField: !!meanFieldView.current };
  indicatorView.element.hidden = !has.indicator;
  meanFieldView.element.hidden = !has.meanField;
  emptyNotes.indicator.hidden = has.indicator;
  emptyNotes.meanField.hidden = has.meanField;
  for (const b of exportButtons) {
    if (has[experiment]) b.removeAttribute('disabled');
    else b.setAttribute('disabled', '');
  }
}

/** Shows a (partial or final) result: the sections first, so the plots measure their width. */
function showIndicator(r: IndicatorResult): void {
  indicatorView.element.hidden = false;
  indicatorView.show(r);
  updateEmpty();
}

function showMeanField(r: MeanFieldResult): void {
  meanFieldView.element.hidden = false;
  meanFieldView.show(r);
  updateEmpty();
}

// ─── runs ───────────────────────────────────────────────────────────────────────────────────────
const indicatorDraw = new Throttle<IndicatorResult>((r) => showIndicator(r));
const meanFieldDraw = new Throttle<MeanFieldResult>((r) => showMeanField(r));

function setRunning(on: boolean): void {
  if (on) { runButton.setAttribute('disabled', ''); stopButton.removeAttribute('disabled'); }
  else { runButton.removeAttribute('disabled'); stopButton.setAttribute('disabled', ''); }
  document.body.dataset.running = String(on);
}

async function run(): Promise<void> {
  running?.token.cancel();
  const which = experiment;
  const form = which === 'indicator' ? indicatorForm : meanFieldForm;
  host.patchState(which === 'indicator' ? { indicator: form.values() } : { meanField: form.values() });
  const { params, errors } = form.parse();
  if (errors.length) {
    messages.replaceChildren(banner('error', errors.join('\n')));
    return;
  }
  messages.replaceChildren();
  const token = new Cancellation();
  running = { token, experiment: which };
  setRunning(true);
  const started = performance.now();
  try {
    if (which === 'indicator') {
      const p = { ...(host.state?.indicatorExtra ?? {}), ...params } as IndicatorParams;
      progress.start('Training the ramp in the analysis worker…');
      const r = await host.request('trainIndicator', p, {
        token,
        onProgress: (f, m, partial) => { progress.update(f, m); if (partial) indicatorDraw.push(partial as IndicatorResult); },
      });
      indicatorDraw.cancel();
      showIndicator(r);
      host.patchState({ indicatorResult: r });
    } else {
      const p = { ...(host.state?.meanFieldExtra ?? {}), ...params } as MeanFieldParams;
      progress.start('Training the mean-field networks in the analysis worker…');
      const r = await host.request('trainMeanField', p, {
        token,
        onProgress: (f, m, partial) => { progress.update(f, m); if (partial) meanFieldDraw.push(partial as MeanFieldResult); },
      });
      meanFieldDraw.cancel();
      showMeanField(r);
      host.patchState({ meanFieldResult: r });
    }
    messages.replaceChildren(el('p', { class: 'caption', 'data-testid': 'run-time' }, `Finished in ${((performance.now() - started) / 1000).toFixed(1)} s.`));
  } catch (e) {
    if (isCancelled(e)) {
      if (running?.token === token) messages.replaceChildren(banner('info', 'Stopped. The plots show the last partial result the worker sent.'));
      return;
    }
    messages.replaceChildren(banner('error', (e as Error).message));
  } finally {
    if (running?.token === token) {
      running = undefined;
      progress.done();
      setRunning(false);
    }
  }
}

function stop(): void {
  running?.token.cancel();
}

// ─── export ─────────────────────────────────────────────────────────────────────────────────────
const fileStem = (): string => (experiment === 'indicator' ? 'training-indicator' : 'training-mean-field');

function exportPng(): void {
  const data = composePng(experiment === 'indicator' ? indicatorView.figures() : meanFieldView.figures());
  if (data) host.export(`${fileStem()}.png`, 'image/png', data);
  else messages.replaceChildren(banner('info', 'Nothing to export yet: run the experiment first.'));
}

function exportCsv(): void {
  const csv = experiment === 'indicator' ? indicatorView.csv() : meanFieldView.csv();
  if (csv) host.export(`${fileStem()}.csv`, 'text/csv', csv);
  else messages.replaceChildren(banner('info', 'Nothing to export yet: run the experiment first.'));
}

function exportJson(): void {
  const r = experiment === 'indicator' ? indicatorView.current : meanFieldView.current;
  if (r) host.export(`${fileStem()}.json`, 'application/json', JSON.stringify(r, null, 2));
  else messages.replaceChildren(banner('info', 'Nothing to export yet: run the experiment first.'));
}

// ─── presets from the network file ──────────────────────────────────────────────────────────────
/** Splits a `training` section into form texts and pass-through params (e.g. probes, fitFrom). */
function applyPreset(spec: TrainingSpec, fileName: string): void {
  const which: Experiment = spec.experiment === 'mean-field' ? 'meanField' : 'indicator';
  const fields = which === 'indicator' ? INDICATOR_FIELDS : MEAN_FIELD_FIELDS;
  const values: FormValues = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'experiment') continue;
    const field = fields.find((f) => f.key === key);
    const text = field ? presetText(value) : undefined;
    if (field && text !== undefined) values[key] = text;
    else extra[key] = value;
  }
  const form = which === 'indicator' ? indicatorForm : meanFieldForm;
  // fields the section leaves out go back to the defaults, so the controls show exactly the preset
  form.set(Object.fromEntries(fields.map((f) => [f.key, values[f.key] ?? f.initial])));
  host.patchState(which === 'indicator'
    ? { indicator: form.values(), indicatorExtra: extra, appliedPreset: JSON.stringify(spec) }
    : { meanField: form.values(), meanFieldExtra: extra, appliedPreset: JSON.stringify(spec) });
  selectExperiment(which);
  const extras = Object.keys(extra);
  presetNote.textContent = `Preset from the "training" section of ${fileName}${extras.length ? ` (also passed to the run: ${extras.join(', ')})` : ''}.`;
}

async function loadPreset(fileName: string): Promise<void> {
  try {
    const { spec } = await host.request('trainingPreset', {});
    if (!spec) { presetNote.textContent = `${fileName} has no "training" section; the controls show the defaults.`; return; }
    if (spec.experiment !== 'indicator' && spec.experiment !== 'mean-field') {
      messages.replaceChildren(banner('error', `${fileName}: training.experiment must be "indicator" or "mean-field", got ${JSON.stringify((spec as { experiment?: unknown }).experiment)}.`));
      return;
    }
    // a restored panel keeps the user's edits unless the section itself changed
    if (host.state?.appliedPreset === JSON.stringify(spec)) {
      presetNote.textContent = `Preset from the "training" section of ${fileName}.`;
      return;
    }
    applyPreset(spec, fileName);
  } catch (e) {
    messages.replaceChildren(banner('error', `Could not read the training section: ${(e as Error).message}`));
  }
}

host.onDocument((doc, state, changed) => {
  if (!changed && state) {
    // restored after a reload: controls, tab and the last results
    if (state.indicator) indicatorForm.set(state.indicator);
    if (state.meanField) meanFieldForm.set(state.meanField);
    if (state.indicatorResult && !indicatorView.current) showIndicator(state.indicatorResult);
    if (state.meanFieldResult && !meanFieldView.current) showMeanField(state.meanFieldResult);
    if (state.experiment) selectExperiment(state.experiment);
  }
  if (doc) void loadPreset(doc.fileName);
});
onThemeChange(() => { indicatorView.redraw(); meanFieldView.redraw(); });
selectExperiment(experiment);
host.ready();
