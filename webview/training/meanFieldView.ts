/**
 * §E in the Training panel: g_t(x) at a chosen probe against t for every width (across-seed mean ± sd),
 * the training loss against t per width, and the across-seed spread against N on log-log axes with
 * the fitted exponent and its interval.
 */
import { LinePlot, type SeriesSpec } from '../common/linePlot';
import { banner, checkbox, el, formatNumber, section, select, table } from '../common/ui';
import type { MeanFieldResult, MeanFieldWidthResult } from '../../src/shared/analyses/training';
import { csvRows } from '../common/csv';
import type { ExportFigure } from './export';

export interface MeanFieldViewOptions {
  probeIndex: number;
  onProbeIndex: (index: number) => void;
  lossLogY: boolean;
  onLossLogY: (on: boolean) => void;
}

export class MeanFieldView {
  readonly element: HTMLElement;
  private readonly construction = el('div', { 'data-testid': 'mf-construction' });
  private readonly status = el('p', { class: 'caption', 'data-testid': 'mf-status' });
  private readonly warnings = el('div', { 'data-testid': 'mf-warnings' });
  private readonly probeHost = el('div', { class: 'probe-select', 'data-testid': 'mf-probe' });
  private readonly gPlot = new LinePlot(300);
  private readonly lossPlot = new LinePlot(260);
  private readonly spreadPlot = new LinePlot(260);
  private readonly spreadText = el('p', { class: 'fit-text', 'data-testid': 'mf-spread-exponent' }, 'Run the experiment to see the spread against the width.');
  private readonly widthTable = el('div', { class: 'table-host', 'data-testid': 'mf-widths' });
  private result: MeanFieldResult | undefined;
  private probeIndex: number;
  private lossLogY: boolean;
  /** the probe list the selector was built for (rebuilt only when it changes) */
  private probeKey = '';

  constructor(private readonly options: MeanFieldViewOptions) {
    this.probeIndex = options.probeIndex;
    this.lossLogY = options.lossLogY;
    const lossToggle = checkbox('log y', this.lossLogY, (on) => {
      this.lossLogY = on;
      options.onLossLogY(on);
      if (this.result) this.drawLoss(this.result);
    });
    this.element = el('div', { class: 'experiment', 'data-testid': 'mf-view' },
      this.construction,
      this.status,
      this.warnings,
      el('div', { class: 'plots' },
        section('g_t(x) against t, per width (mean ± across-seed sd)', this.probeHost, el('div', { 'data-testid': 'mf-g-plot' }, this.gPlot.element),
          el('p', { class: 'caption' }, 'Clock t = k/N1 (k SGD steps). Dashed: the target y(x) = sin(πx). The bands narrow as N grows: the trajectories approach a deterministic limit h_t(x).')),
        section('Training loss against t, per width', lossToggle, el('div', { 'data-testid': 'mf-loss-plot' }, this.lossPlot.element),
          el('p', { class: 'caption' }, '½·mean (y − g_t)² on an evaluation grid; across-seed mean ± sd.')),
        section('Spread against width (log-log)', this.spreadText, el('div', { 'data-testid': 'mf-spread-plot' }, this.spreadPlot.element),
          el('p', { class: 'caption' }, 'Spread: RMS over probes and record times t ≥ T/2 of the across-seed sd of g_t(x). Dashed: the least-squares fit, and the N^(−1/2) reference drawn through the fit at the middle width.')),
      ),
      section('Widths', this.widthTable),
    );
  }

  get current(): MeanFieldResult | undefined {
    return this.result;
  }

  show(r: MeanFieldResult): void {
    this.result = r;
    this.construction.replaceChildren(banner('info', r.construction));
    const p = r.params;
    const steps = r.widths.reduce((s, w) => s + Math.round(p.T * w.N1) * w.seeds, 0);
    this.status.textContent = r.done
      ? `Done: widths ${p.widths.join(', ')} × ${p.seeds} seeds, T = ${p.T}, σ = ${p.activation}, N1 = ${p.n1PerN2}·N2, base seed ${p.seed} (${steps.toLocaleString('en-US')} SGD steps).`
      : `Running: ${r.widths.length} of ${p.widths.length} widths finished…`;
    this.warnings.replaceChildren(...r.warnings.map((w) => el('div', { class: 'banner banner-warning', role: 'note' }, w)));
    if (this.probeIndex >= r.probes.length) this.probeIndex = 0;
    const key = r.probes.map((q) => q.x).join(',');
    if (key !== this.probeKey) {
      this.probeKey = key;
      this.probeHost.replaceChildren(select('probe x', r.probes.map((q, i) => ({ value: String(i), label: `x = ${formatNumber(q.x)} (y = ${formatNumber(q.target, 3)})` })), String(this.probeIndex), (v) => {
        this.probeIndex = Number(v);
        this.options.onProbeIndex(this.probeIndex);
        if (this.result) this.drawG(this.result);
      }));
    }
    this.drawG(r);
    this.drawLoss(r);
    this.drawSpread(r);
    this.widthTable.replaceChildren(table<MeanFieldWidthResult>([
      { header: 'N', cell: (w) => String(w.N), numeric: true },
      { header: 'N1', cell: (w) => String(w.N1), numeric: true },
      { header: 'N2', cell: (w) => String(w.N2), numeric: true },
      { header: 'seeds', cell: (w) => String(w.seeds), numeric: true },
      { header: 'spread', cell: (w) => (w.diverged ? 'diverged' : formatNumber(w.spread, 4)), numeric: true, title: 'a width whose training diverged is left out of the fit' },
      { header: 'final loss (mean ± sd)', cell: (w) => `${formatNumber(lastOf(w.loss.mean), 4)} ± ${formatNumber(lastOf(w.loss.sd), 2)}`, numeric: true },
    ], r.widths));
  }

  /** The common time axis: every width records at t = m·T/records (at step round(t·N1), within 1/(2·N1) of t). */
  private times(r: MeanFieldResult): number[] {
    return Array.from({ length: r.params.records + 1 }, (_, m) => (m * r.params.T) / r.params.records);
  }

  private drawG(r: MeanFieldResult): void {
    const q = this.probeIndex;
    const probe = r.probes[q];
    const t = this.times(r);
    const series: SeriesSpec[] = r.widths.map((w) => ({
      label: `N = ${w.N}`,
      values: w.mean[q],
      band: { lower: w.mean[q].map((m, i) => m - w.sd[q][i]), upper: w.mean[q].map((m, i) => m + w.sd[q][i]) },
    }));
    if (probe) series.push({ label: `target y = ${formatNumber(probe.target, 4)}`, values: t.map(() => probe.target), dash: true });
    this.gPlot.render({ title: probe ? `g_t(x) at x = ${formatNumber(probe.x)}` : 'g_t(x)', xLabel: 't = k/N1', yLabel: 'g_t(x)', x: t, series });
  }

  private drawLoss(r: MeanFieldResult): void {
    const t = this.times(r);
    this.lossPlot.render({
      title: 'Training loss', xLabel: 't = k/N1', yLabel: 'loss', x: t, logY: this.lossLogY,
      series: r.widths.map((w) => ({
        label: `N = ${w.N}`,
        values: w.loss.mean,
        band: { lower: w.loss.mean.map((m, i) => m - w.loss.sd[i]), upper: w.loss.mean.map((m, i) => m + w.loss.sd[i]) },
      })),
    });
  }

  private drawSpread(r: MeanFieldResult): void {
    const N = r.widths.map((w) => w.N);
    const fit = r.spreadExponent;
    // a diverged width has no meaningful spread (and none finite): leave a gap
    const series: SeriesSpec[] = [{ label: 'spread (measured)', values: r.widths.map((w) => (w.diverged || !Number.isFinite(w.spread) ? null : w.spread)), points: true }];
    if (fit) {
      series.push({ label: `fit ∝ N^${formatNumber(fit.exponent, 3)}`, values: N.map((n) => Math.exp(fit.intercept) * n ** fit.exponent), dash: true });
      // N^(−1/2) through the fit at the geometric mean of the widths, so only the slopes differ
      const logMid = N.reduce((s, n) => s + Math.log(n), 0) / N.length;
      const atMid = fit.intercept + fit.exponent * logMid;
      series.push({ label: 'N^(−1/2) reference', values: N.map((n) => Math.exp(atMid + fit.expected * (Math.log(n) - logMid))), dash: true });
    }
    this.spreadPlot.render({ title: 'Across-seed spread', xLabel: 'width N', yLabel: 'spread', x: N, series, logX: true, logY: true });
    if (fit) {
      const [lo, hi] = fit.interval;
      const interval = Number.isFinite(lo) && Number.isFinite(hi)
        ? `95 % interval [${formatNumber(lo, 3)}, ${formatNumber(hi, 3)}]`
        : 'no interval with 2 widths';
      this.spreadText.textContent = `Fitted exponent ${formatNumber(fit.exponent, 4)} (${interval}) over N = ${N.join(', ')}; the central-limit heuristic gives ${formatNumber(fit.expected)} = −1/2.`;
    } else {
      this.spreadText.textContent = r.widths.length < 2 ? 'Fitted exponent: needs at least 2 finished widths.' : 'Fitted exponent: the fit failed (non-positive spreads).';
    }
  }

  redraw(): void {
    if (this.result) this.show(this.result);
  }

  figures(): ExportFigure[] {
    const fig = (title: string, plot: LinePlot): ExportFigure => ({ title, canvas: plot.element.querySelector('canvas'), legend: plot.current?.series.map((s) => s.label) });
    return [
      fig(this.gPlot.current?.title ?? 'g_t(x)', this.gPlot),
      fig('Training loss', this.lossPlot),
      fig(`Spread — ${this.spreadText.textContent ?? ''}`, this.spreadPlot),
    ];
  }

  /** Tidy rows: one per (width, probe or loss, record time). */
  csv(): string {
    const r = this.result;
    if (!r) return '';
    const rows: Array<Array<string | number>> = [];
    for (const w of r.widths) {
      r.probes.forEach((p, q) => w.t.forEach((t, m) => rows.push([w.N, w.N1, w.N2, w.seeds, 'g', p.x, t, w.mean[q][m], w.sd[q][m]])));
      w.t.forEach((t, m) => rows.push([w.N, w.N1, w.N2, w.seeds, 'loss', '', t, w.loss.mean[m], w.loss.sd[m]]));
    }
    return csvRows(['N', 'N1', 'N2', 'seeds', 'quantity', 'probe_x', 't', 'mean', 'sd'], rows);
  }
}

function lastOf(xs: readonly number[]): number | undefined {
  return xs.length ? xs[xs.length - 1] : undefined;
}
