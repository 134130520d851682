/**
 * §D in the Training panel: loss against iterations (log-log, fitted slope over its fit range),
 * w against the gradient-flow prediction, probe errors (pointwise convergence, exact zeros listed
 * because a log axis cannot draw them) and the learned function against the target.
 */
import { Heatmap } from '../common/heatmap';
import { LinePlot, type SeriesSpec } from '../common/linePlot';
import { banner, checkbox, docLinks, el, formatNumber, section, table } from '../common/ui';
import type { IndicatorProbe, IndicatorResult } from '../../src/shared/analyses/training';
import { csvRows } from '../common/csv';
import type { ExportFigure } from './export';

export interface IndicatorViewOptions {
  probeLogY: boolean;
  onProbeLogY: (on: boolean) => void;
}

export class IndicatorView {
  readonly element: HTMLElement;
  private readonly construction = el('div', { 'data-testid': 'indicator-construction' });
  private readonly status = el('p', { class: 'caption', 'data-testid': 'indicator-status' });
  private readonly warnings = el('div', { 'data-testid': 'indicator-warnings' });
  private readonly slopeText = el('p', { class: 'fit-text', 'data-testid': 'indicator-slope' }, 'Run the experiment to see the loss and its fitted slope.');
  private readonly lossNote = el('p', { class: 'caption' });
  private readonly lossPlot = new LinePlot(300);
  private readonly wPlot = new LinePlot(240);
  private readonly probePlot = new LinePlot(280);
  private readonly probeCaption = el('p', { class: 'caption' });
  private readonly probeTable = el('div', { class: 'table-host', 'data-testid': 'indicator-probes' });
  private readonly functionHost = el('div', { 'data-testid': 'indicator-function' });
  private readonly functionCaption = el('p', { class: 'caption' });
  private readonly curvePlot = new LinePlot(260);
  private readonly learnedMap = new Heatmap({ scale: 'sequential', rowLabel: 'x₂ row', colLabel: 'x₁ column', maxHeight: 420, format: (v) => v.toPrecision(4) });
  private readonly targetMap = new Heatmap({ scale: 'sequential', rowLabel: 'x₂ row', colLabel: 'x₁ column', maxHeight: 420, format: (v) => v.toFixed(0) });
  private result: IndicatorResult | undefined;
  private probeLogY: boolean;
  private readonly probeToggle: HTMLElement & { checked?: boolean };

  constructor(private readonly options: IndicatorViewOptions) {
    this.probeLogY = options.probeLogY;
    this.probeToggle = checkbox('log y (exact zeros vanish from the plot)', this.probeLogY, (on) => {
      this.probeLogY = on;
      options.onProbeLogY(on);
      if (this.result) this.drawProbes(this.result);
    });
    this.probeToggle.dataset.testid = 'indicator-probe-logy';
    this.element = el('div', { class: 'experiment', 'data-testid': 'indicator-view' },
      this.construction,
      this.status,
      this.warnings,
      el('div', { class: 'plots' },
        section('Loss against iterations', this.slopeText, el('div', { 'data-testid': 'indicator-loss-plot' }, this.lossPlot.element), this.lossNote),
        section('Steepness w against iterations', el('div', { 'data-testid': 'indicator-w-plot' }, this.wPlot.element),
          el('p', { class: 'caption' }, docLinks('Dashed: the leading-order gradient flow w(t)³ = w₀³ + 3κηt/(p + 1) (MATH.md §D), t = iterations, and gradient descent on the exact population loss with the same η — the path SGD fluctuates around (they agree for d ≤ 2).'))),
        section('Probe errors |f_w(x) − f(x)| (pointwise convergence)', this.probeToggle,
          el('div', { 'data-testid': 'indicator-probe-plot' }, this.probePlot.element), this.probeCaption),
        section('Learned function against the target', this.functionCaption, this.functionHost),
      ),
      section('Probes', this.probeTable),
    );
  }

  get current(): IndicatorResult | undefined {
    return this.result;
  }

  show(r: IndicatorResult): void {
    this.result = r;
    this.construction.replaceChildren(banner('info', `${r.construction}\nThis run — ${r.feature.description}.`));
    const p = r.params;
    const setting = `d = ${p.dim}${p.dim > 1 ? `, level N = ${p.level}` : ''}, ${p.mode === 'sgd' ? `mini-batch B = ${p.batch}${r.params.trainingSetSize !== null ? ` from a fixed set of ${r.params.trainingSetSize}` : ', fresh samples each step'}` : 'GD on the exact population loss'}, η = ${p.learningRate}, seed ${p.seed}`;
    this.status.textContent = r.stopped
      ? `Stopped after ${r.completedIterations.toLocaleString('en-US')} of ${p.iterations.toLocaleString('en-US')} iterations, ${setting}; w = ${formatNumber(last(r.w), 6)}.`
      : r.done
        ? `Done: ${p.iterations.toLocaleString('en-US')} iterations, ${setting}; final w = ${formatNumber(last(r.w), 6)}.`
        : `Running: ${r.completedIterations.toLocaleString('en-US')} of ${p.iterations.toLocaleString('en-US')} iterations, w = ${formatNumber(last(r.w), 6)}…`;
    this.warnings.replaceChildren(...r.warnings.map((w) => el('div', { class: 'banner banner-warning', role: 'note' }, w)));
    this.drawLoss(r);
    this.drawW(r);
    this.drawProbes(r);
    this.drawFunction(r);
  }

  /** Iterations for log-x plots: the record at iteration 0 cannot sit on a log axis. */
  private logIndices(r: IndicatorResult): number[] {
    const idx: number[] = [];
    r.iterations.forEach((k, i) => { if (k > 0) idx.push(i); });
    return idx;
  }

  private drawLoss(r: IndicatorResult): void {
    const idx = this.logIndices(r);
    const x = idx.map((i) => r.iterations[i]);
    const s = r.slope;
    const fit = x.map((k) => (s && k >= s.fitFrom && k <= s.fitTo ? Math.exp(s.intercept) * k ** s.exponent : null));
    const series: SeriesSpec[] = [
      { label: r.params.dim === 1 ? 'population loss L(w)' : 'population loss L(w), ideal ramp on |x|²', values: idx.map((i) => r.loss[i]) },
      { label: r.params.dim === 1 ? 'evaluation set' : 'evaluation set (the network)', values: idx.map((i) => r.evalLoss[i]) },
      { label: 'gradient flow κ/((p+1)w(t))', values: idx.map((i) => r.theory.loss[i]), dash: true },
      { label: 'GD on the exact loss', values: idx.map((i) => r.theory.gdLoss[i]), dash: true },
      { label: s ? `fit ∝ k^${formatNumber(s.exponent, 3)}` : 'fit', values: fit, dash: true },
    ];
    this.lossPlot.render({ title: 'Loss (log-log)', xLabel: 'iteration k', yLabel: `loss (p = ${r.params.lossPower})`, x, series, logX: true, logY: true });
    if (s) {
      const [lo, hi] = s.interval;
      const within = s.expected >= lo && s.expected <= hi;
      // the gradient-flow curve has the slope −(1/3)·k/(c + k), c = (p+1)w₀³/(3κη): −1/3 only as k/c → ∞,
      // so its own fit over the same range (flowExponent) is the fair comparison at finite k
      const e = r.evalSlope;
      this.slopeText.textContent = `Fitted slope ${formatNumber(s.exponent, 4)} (95 % interval [${formatNumber(lo, 4)}, ${formatNumber(hi, 4)}], ±${formatNumber(s.standardError, 2)} s.e.) over iterations ${s.fitFrom.toLocaleString('en-US')}–${s.fitTo.toLocaleString('en-US')}; gradient flow predicts ${formatNumber(s.expected, 4)} = −1/3${within ? ' (inside the interval)' : ''}` +
        ` as k → ∞ and GD on the exact loss has ${formatNumber(s.flowExponent, 4)} over this range.` +
        (r.params.dim > 1 && e ? ` The network's own loss (evaluation set) has slope ${formatNumber(e.exponent, 4)}.` : '');
    } else {
      this.slopeText.textContent = r.done
        ? `No fitted slope: ${r.stopped ? `the run stopped after iteration ${r.completedIterations.toLocaleString('en-US')}, and ` : ''}the fit from iteration ${r.params.fitFrom.toLocaleString('en-US')} has fewer than 3 records with a positive loss.`
        : `Fitted slope: not yet — the fit starts at iteration ${r.params.fitFrom.toLocaleString('en-US')} and needs at least 3 records there.`;
    }
    this.lossNote.textContent = r.lossNote;
  }

  private drawW(r: IndicatorResult): void {
    const idx = this.logIndices(r);
    this.wPlot.render({
      title: 'Steepness w', xLabel: 'iteration k', yLabel: 'w', x: idx.map((i) => r.iterations[i]), logX: true, logY: true,
      series: [
        { label: 'w (trained)', values: idx.map((i) => r.w[i]) },
        { label: 'gradient flow (leading order)', values: idx.map((i) => r.theory.w[i]), dash: true },
        { label: 'GD on the exact loss', values: idx.map((i) => r.theory.gdW[i]), dash: true },
      ],
    });
  }

  private drawProbes(r: IndicatorResult): void {
    const idx = this.logIndices(r);
    this.probePlot.render({
      title: 'Pointwise error at the probes', xLabel: 'iteration k', yLabel: '|f_w(x) − f(x)|', x: idx.map((i) => r.iterations[i]), logX: true, logY: this.probeLogY,
      // the theme palette has 6 colours: later probes reuse them dashed, so no two curves look alike
      series: r.probes.map((p, j) => ({ label: probeLabel(p), values: idx.map((i) => p.error[i]), dash: j >= 6 })),
    });
    const zeros = r.probes.filter((p) => p.zeroFrom !== null).length;
    this.probeCaption.textContent = (this.probeLogY
      ? 'Log y cannot show an error of exactly 0: a curve that stops has reached 0 (see "exactly 0 from" in the table). '
      : '') + `${zeros} of ${r.probes.length} probes have error exactly 0 from some iteration on. Inside the ball the error is 0 from the start; outside it becomes exactly 0 once w ≥ 1/(φ(x) − a).`;
    this.probeTable.replaceChildren(table<IndicatorProbe>([
      { header: 'x', cell: (p) => p.x.map((c) => formatNumber(c)).join(', ') },
      { header: r.params.dim === 1 ? 'φ = |x|' : 'φ = r_N(x)', cell: (p) => formatNumber(p.feature, 6), numeric: true },
      { header: 'target', cell: (p) => String(p.target), numeric: true },
      { header: 'w* = 1/(φ − a)', cell: (p) => (p.threshold === null ? '— (φ ≤ a)' : formatNumber(p.threshold, 5)), numeric: true, title: 'the steepness beyond which the error is exactly 0' },
      { header: 'exactly 0 from', cell: (p) => (p.zeroFrom === null ? 'not yet' : p.zeroFrom === 0 ? 'start' : `k = ${p.zeroFrom.toLocaleString('en-US')}`), numeric: true },
      { header: 'final error', cell: (p) => formatNumber(last(p.error), 5), numeric: true },
      { header: 'limit', cell: (p) => formatNumber(p.limitError), numeric: true, title: 'error as w → ∞' },
    ], r.probes));
  }

  private drawFunction(r: IndicatorResult): void {
    const v = r.functionView;
    if (v.kind === 'curve') {
      this.functionCaption.textContent = r.params.dim === 1
        ? 'd = 1: the network on [−1, 1] after training, at the start, and the target 1{|x| ≤ 1/2}.'
        : `d = ${r.params.dim}: the slice along ${v.axis} (the result's 1-D view of the ${r.params.dim}-D function).`;
      this.curvePlot.render({
        title: 'Learned function', xLabel: v.axis, yLabel: 'f(x)', x: v.xs,
        series: [
          { label: 'learned f_w', values: v.learned },
          { label: 'initial f_w₀', values: v.initial, dash: true },
          { label: 'target', values: v.target, dash: true },
        ],
      });
      if (this.functionHost.firstChild !== this.curvePlot.element) this.functionHost.replaceChildren(this.curvePlot.element);
      return;
    }
    const G = v.xs.length;
    this.functionCaption.textContent = `d = 2 on [−1, 1]² (${G}×${G} grid; x₁ to the right, x₂ upwards). Colour from the background (0) to blue (1); hover for values.`;
    this.learnedMap.setData({ rows: G, cols: G, data: flipRows(v.learned, G) }, 'learned function on [−1,1]²');
    this.targetMap.setData({ rows: G, cols: G, data: flipRows(v.target, G) }, 'target 1{|x| ≤ 1/2} on [−1,1]²');
    if (this.functionHost.firstChild === this.curvePlot.element || !this.functionHost.firstChild) {
      this.functionHost.replaceChildren(el('div', { class: 'heatmaps' },
        el('figure', {}, this.learnedMap.element, el('figcaption', {}, 'learned f_w')),
        el('figure', {}, this.targetMap.element, el('figcaption', {}, 'target 1{|x| ≤ 1/2}')),
      ));
    }
  }

  redraw(): void {
    if (this.result) this.show(this.result);
  }

  figures(): ExportFigure[] {
    const r = this.result;
    const fig = (title: string, plot: LinePlot): ExportFigure => ({ title, canvas: plot.element.querySelector('canvas'), legend: plot.current?.series.map((s) => s.label) });
    const out = [
      fig(`Loss — ${this.slopeText.textContent ?? ''}`, this.lossPlot),
      fig('Steepness w', this.wPlot),
      fig('Probe errors', this.probePlot),
    ];
    if (r?.functionView.kind === 'heatmap') {
      out.push({ title: 'Learned f_w on [−1,1]² (x₂ up)', canvas: this.learnedMap.canvas }, { title: 'Target', canvas: this.targetMap.canvas });
    } else {
      out.push(fig('Learned function', this.curvePlot));
    }
    return out;
  }

  /** One row per record iteration: loss, w, theory and every probe's error. */
  csv(): string {
    const r = this.result;
    if (!r) return '';
    const header = ['iteration', 'loss', 'evalLoss', 'w', 'theory_w', 'theory_loss', 'gd_w', 'gd_loss', ...r.probes.map((p) => `error at x=(${p.x.join(' ')})`)];
    const rows = r.iterations.map((k, i) => [k, r.loss[i], r.evalLoss[i], r.w[i], r.theory.w[i], r.theory.loss[i], r.theory.gdW[i], r.theory.gdLoss[i], ...r.probes.map((p) => p.error[i])]);
    return csvRows(header, rows);
  }
}

function probeLabel(p: IndicatorProbe): string {
  return `x = ${p.x.length === 1 ? formatNumber(p.x[0]) : `(${p.x.map((c) => formatNumber(c)).join(', ')})`}`;
}

function last(xs: readonly number[]): number | undefined {
  return xs.length ? xs[xs.length - 1] : undefined;
}

/** Row-major [i₂][i₁] with row 0 at x₂ = −1 → row 0 at x₂ = +1, so x₂ points up on screen. */
function flipRows(values: readonly number[], G: number): Float64Array {
  const out = new Float64Array(G * G);
  for (let i = 0; i < G; i++) out.set(values.slice((G - 1 - i) * G, (G - i) * G), i * G);
  return out;
}
