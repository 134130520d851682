/**
 * The Overview panel on a convolutional checkpoint (issue 14): what `depth-lens info` shows for a conv
 * model without its norms — the summary (input and output shapes, layers, residual blocks, parameter
 * count), the stages (residual blocks by name prefix), the runs of identity-shortcut blocks (the series
 * the Convergence panel analyses) and every layer with its shapes, kernel, stride, padding and
 * parameters. The dense sections (norm plot, weight heatmap) are hidden while it is shown.
 */
import { el, section, setDenseSectionsHidden } from '../common/ui';
import type { ConvOverviewLayer, ConvOverviewResult } from '../../src/shared/analyses/overview';
import './convView.css';

const shape = (s: readonly number[]) => s.join('×');
const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

interface Column<R> { readonly header: string; readonly cell: (r: R) => string; readonly numeric?: boolean; readonly title?: string }

/** A plain table (the columns take the width of their contents), rows optionally classed. */
function plainTable<R>(testid: string, columns: readonly Column<R>[], rows: readonly R[], rowClass?: (r: R) => string | undefined): HTMLElement {
  const t = el('table', { 'data-testid': testid },
    el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', c.title ? { title: c.title } : {}, c.header)))),
    el('tbody', {}, ...rows.map((r) => {
      const cls = rowClass?.(r);
      return el('tr', cls ? { class: cls } : {}, ...columns.map((c) => el('td', c.numeric ? { class: 'numeric' } : {}, c.cell(r))));
    })),
  );
  return t;
}

/** The summary line of `depth-lens info` on a conv model. */
export function convSummaryText(r: ConvOverviewResult): string {
  const s = r.summary;
  const folded = s.foldedParameterCount !== s.parameterCount ? ` (${count(s.foldedParameterCount)} with BatchNorm folded into the convs)` : '';
  return `${s.name ? `${s.name} — ` : ''}convolutional network: input ${shape(s.inputShape)}, output ${shape(s.outputShape)}, ${plural(s.ops, 'layer')} (${plural(s.residualBlocks, 'residual block')}, ${s.identityBlocks} with identity shortcut), ${count(s.parameterCount)} parameters${folded}`;
}

export class ConvOverviewView {
  readonly element = el('div', { class: 'conv-overview', 'data-testid': 'conv-overview' });
  private readonly summary = el('p', { class: 'summary', 'data-testid': 'conv-summary' });
  private readonly stagesHost = el('div', { class: 'table-scroll' });
  private readonly runsHost = el('div', { class: 'table-scroll' });
  private readonly layersHost = el('div', { class: 'table-scroll layers-scroll' });
  private readonly notes = el('ul', { class: 'notes', 'data-testid': 'conv-notes' });
  private active = false;

  constructor(private readonly app: HTMLElement) {
    this.element.append(
      this.summary,
      section('Stages', this.stagesHost),
      section('Runs of identity-shortcut blocks',
        el('p', { class: 'caption' }, 'A projection block (a 1×1 conv shortcut that changes the shape) ends a run; each run is one series of the Convergence panel (S1, S2 over its blocks, MATH.md §B).'),
        this.runsHost),
      section('Layers', el('p', { class: 'caption' }, 'As ', el('code', {}, 'depth-lens info --no-norms'), ' lists them: residual blocks with their convs below (n.1, n.2, …; n.s the shortcut). The operator norms ‖W‖₂ of every conv: ', el('code', {}, 'depth-lens info'), ', or per block the Convergence panel.'), this.layersHost),
      section('Notes', this.notes),
    );
    this.element.hidden = true;
    app.append(this.element);
  }

  get isActive(): boolean {
    return this.active;
  }

  show(r: ConvOverviewResult): void {
    this.active = true;
    setDenseSectionsHidden(this.app, this.element, true);
    this.element.hidden = false;
    this.summary.textContent = convSummaryText(r);
    this.stagesHost.replaceChildren(plainTable('conv-stages', [
      { header: 'stage', cell: (x) => x.stage },
      { header: 'layers', cell: (x) => x.layers },
      { header: 'blocks', cell: (x) => String(x.blocks), numeric: true },
      { header: 'identity', cell: (x) => String(x.identityBlocks), numeric: true, title: 'blocks with an identity shortcut' },
      { header: 'input', cell: (x) => shape(x.input) },
      { header: 'output', cell: (x) => shape(x.output) },
      { header: 'params', cell: (x) => count(x.parameters), numeric: true },
    ], r.stages));
    this.runsHost.replaceChildren(r.runs.length === 0
      ? el('p', { 'data-testid': 'conv-runs' }, 'No identity-shortcut blocks: the Convergence panel has no series to analyse.')
      : plainTable('conv-runs', [
        { header: 'run', cell: (x) => String(x.index), numeric: true },
        { header: 'stage', cell: (x) => x.stage },
        { header: 'layers', cell: (x) => x.layers },
        { header: 'blocks', cell: (x) => String(x.blocks.length), numeric: true },
        { header: 'on', cell: (x) => shape(x.shape), title: 'the shape every block of the run maps to itself' },
        { header: 'first – last block', cell: (x) => (x.blocks.length === 1 ? x.blocks[0] : `${x.blocks[0]} – ${x.blocks[x.blocks.length - 1]}`) },
      ], r.runs));
    this.layersHost.replaceChildren(plainTable<ConvOverviewLayer>('conv-layers', [
      { header: 'layer', cell: (x) => x.layer },
      { header: 'type', cell: (x) => x.type },
      { header: 'name', cell: (x) => x.name },
      { header: 'input', cell: (x) => shape(x.input) },
      { header: 'output', cell: (x) => shape(x.output) },
      { header: 'kernel, stride, padding', cell: (x) => x.detail },
      { header: 'act', cell: (x) => x.activation },
      { header: 'params', cell: (x) => count(x.parameters), numeric: true },
    ], r.rows, (x) => (x.layer.includes('.') ? 'sub' : undefined)));
    this.notes.replaceChildren(...(r.notes.length ? r.notes : ['none']).map((t) => el('li', {}, t)));
  }

  hide(): void {
    if (!this.active) return;
    this.active = false;
    this.element.hidden = true;
    setDenseSectionsHidden(this.app, this.element, false);
  }
}
