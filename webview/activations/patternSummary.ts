/**
 * Deep activation patterns at a glance: with more ReLU units than a heatmap can give a readable row
 * each, the panel plots the active fraction of every unit against depth, and a click on the plot (or
 * a typed unit number) drills down to that unit's pattern, one cell per neuron.
 */
import type { UnitActivation } from '../../src/shared/analyses/activations';
import { Heatmap } from '../common/heatmap';
import { LinePlot } from '../common/linePlot';
import { el, textField } from '../common/ui';

/** uPlot stays quick up to a few thousand points; deeper networks are plotted every k-th unit. */
const MAX_POINTS = 4000;

export class PatternSummary {
  readonly element: HTMLElement;
  private readonly plot = new LinePlot(220);
  private readonly caption = el('p', { class: 'caption', 'data-testid': 'pattern-drill-caption' });
  private readonly unitField: HTMLElement;
  private readonly drill = new Heatmap({ scale: 'binary', rowLabel: 'unit', colLabel: 'neuron', maxHeight: 120, format: (v) => (v > 0 ? 'active' : 'inactive') });
  private units: UnitActivation[] = [];
  private selected = 0;

  constructor() {
    this.drill.canvas.setAttribute('data-testid', 'pattern-drill');
    this.plot.onPick((x) => this.select(x - 1));
    this.unitField = textField('Unit number', '1', (v) => {
      const n = Number(v);
      if (Number.isInteger(n) && n >= 1 && n <= this.units.length) this.select(n - 1);
    }, { width: '100px' });
    this.unitField.dataset.testid = 'pattern-unit-field';
    this.element = el('div', { class: 'pattern-summary', 'data-testid': 'pattern-summary' },
      el('div', { 'data-testid': 'pattern-fraction-plot' }, this.plot.element),
      el('div', { class: 'input-row' }, this.unitField),
      this.caption, this.drill.element);
    // shown by the panel once a deep pattern has arrived
    this.element.hidden = true;
  }

  /** The units in network order; keeps the selected unit when the count is unchanged. */
  show(units: UnitActivation[]): void {
    if (units.length !== this.units.length) this.selected = 0;
    this.units = units;
    this.select(this.selected);
  }

  /** The plot with the selected unit marked (a second series that is one point). */
  private renderPlot(): void {
    const units = this.units;
    const step = Math.max(1, Math.ceil(units.length / MAX_POINTS));
    // every k-th unit of a very deep network, the last, and the selected one
    const shown = units.map((_, i) => i).filter((i) => i % step === 0 || i === units.length - 1 || i === this.selected);
    const fraction = (i: number) => units[i].active / Math.max(1, units[i].width);
    this.plot.render({
      title: `Active fraction per ReLU unit (${units.length.toLocaleString('en-US')} units${step > 1 ? `, every ${step}th plotted` : ''}) — click a point to see that unit's pattern`,
      xLabel: 'ReLU unit (network order)',
      yLabel: 'active fraction',
      x: shown.map((i) => i + 1),
      logX: units.length > 2000,
      series: [
        { label: 'active / width', values: shown.map(fraction), points: shown.length <= 200 },
        { label: `unit ${this.selected + 1}`, values: shown.map((i) => (i === this.selected ? fraction(i) : null)), points: true },
      ],
    });
  }

  select(index: number): void {
    const u = this.units[Math.max(0, Math.min(this.units.length - 1, Math.round(index)))];
    if (!u) return;
    this.selected = this.units.indexOf(u);
    const t = this.unitField.querySelector('vscode-textfield') as (HTMLElement & { value: string }) | null;
    if (t) t.value = String(this.selected + 1);
    this.caption.textContent = `Unit ${this.selected + 1} of ${this.units.length} (${u.label}): ${u.active}/${u.width} neurons active${u.onBoundary > 0 ? `, ${u.onBoundary} on a boundary` : ''}. Filled = active.`;
    this.drill.setData({ rows: 1, cols: u.width, data: Float64Array.from(u.pattern) }, `activation pattern of ${u.label}`);
    this.renderPlot();
  }

  draw(): void {
    this.drill.draw();
    if (this.units.length > 0) this.show(this.units);
  }
}
