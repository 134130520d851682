/**
 * The Convergence panel on a convolutional ResNet (issue 14; MATH.md §B): one section per run of
 * identity-shortcut blocks (a stage): its verdict line with the deciding number ("cannot decide from
 * 8 blocks"), S1 and S2 over the blocks present, the observed increment bound, a table of the blocks
 * (‖W^(n,k)‖₂, a_n, β_n, S1, S2, the largest increment and increment/bound over the probes) and a plot
 * of a_n, β_n and the increments against the block number n. The probes are seeded images; the seed
 * and their count are the view's own controls. Numbers are printed as the CLI prints them (fmt).
 */
import { blockMaxima, convConvergenceCsv, convConvergenceJsonText } from '../common/convExport';
import { plotFigure, stackedFiguresPng } from '../common/figures';
import { LinePlot } from '../common/linePlot';
import { button, el, section, setDenseSectionsHidden, textField } from '../common/ui';
import { fmt } from '../../src/core/convergence/format';
import type { ConvBlockTerm, ConvRunResult } from '../../src/shared/analyses/convConvergence';
import { CONV_DEFAULT_PROBES, CONV_MAX_PROBES, type ConvConvergenceReply, type ConvImagesParams } from '../../src/shared/analyses/convPanels';
import './convView.css';

/** What the view keeps in the panel's state (seed and probe count of the images). */
export interface ConvViewState {
  readonly seed?: number;
  readonly count?: number;
}

export interface ConvViewStore {
  get(): ConvViewState | undefined;
  set(state: ConvViewState): void;
}

const STATUS_ICON = { holds: 'pass', fails: 'error', inconclusive: 'question' } as const;

/** Saves a file through the host's save dialog (HostConnection.export). */
export type Exporter = (fileName: string, mime: 'image/png' | 'text/csv' | 'application/json', data: string) => void;

export class ConvConvergenceView {
  readonly element = el('div', { class: 'conv-view', 'data-testid': 'conv-convergence' });
  private readonly summary = el('p', { class: 'summary', 'data-testid': 'conv-summary' });
  private readonly runsHost = el('div', { class: 'conv-runs' });
  private readonly notes = el('ul', { class: 'notes', 'data-testid': 'conv-notes' });
  private readonly normRule = el('p', { class: 'caption', 'data-testid': 'conv-norm-rule' });
  private plots: LinePlot[] = [];
  private result: ConvConvergenceReply | undefined;
  private active = false;
  private seed: string;
  private count: string;

  /**
   * `reload` runs the panel's request again (it asks `params()` for the images); `exporter` saves what
   * the panel's Export buttons ask for while this view is shown, `fileName` is the panel's file's name.
   */
  constructor(private readonly app: HTMLElement, private readonly store: ConvViewStore, private readonly reload: () => void,
    private readonly exporter: Exporter, private readonly fileName: () => string | undefined) {
    const s = store.get();
    this.seed = s?.seed !== undefined ? String(s.seed) : '';
    this.count = String(s?.count ?? CONV_DEFAULT_PROBES);
    const seedField = textField('Probe seed', this.seed, (v) => { this.seed = v; }, { placeholder: '109031 (default)', width: '140px' });
    seedField.dataset.testid = 'conv-seed';
    const countField = textField(`Probe images (1–${CONV_MAX_PROBES})`, this.count, (v) => { this.count = v; }, { width: '80px' });
    countField.dataset.testid = 'conv-count';
    const run = button('Run with these probes', () => this.apply(), { icon: 'play', title: 'seeded images uniform on [−1, 1), as `depth-lens convergence --seed N --count K`' });
    run.dataset.testid = 'conv-run-probes';
    this.element.append(
      this.summary,
      el('div', { class: 'conv-controls' }, seedField, countField, run),
      this.runsHost,
      section('Notes', this.normRule, this.notes),
    );
    this.element.hidden = true;
    app.append(this.element);
  }

  /** The images of the next request: only once the panel's file turned out to be a conv model. */
  params(): { images: ConvImagesParams } | undefined {
    if (!this.active) return undefined;
    const s = this.store.get();
    return { images: { ...(s?.seed !== undefined ? { seed: s.seed } : {}), count: s?.count ?? CONV_DEFAULT_PROBES } };
  }

  private apply(): void {
    const seed = this.seed.trim() === '' ? undefined : Number(this.seed);
    const count = Number(this.count);
    // the worker checks them too and says what is wrong; here only what is not a number at all
    this.store.set({ ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}), ...(Number.isFinite(count) ? { count } : {}) });
    this.reload();
  }

  /** Show the conv result; every other child of the panel except its header, progress and messages is hidden. */
  show(r: ConvConvergenceReply): void {
    this.active = true;
    this.result = r;
    this.setSiblingsHidden(true);
    this.element.hidden = false;
    for (const p of this.plots) p.destroy();
    this.plots = [];
    const name = r.networkName ? `${r.networkName} — ` : '';
    const n = r.probes.length;
    this.summary.textContent = `${name}convolutional network, input ${r.inputShape.join('×')}; ${r.runs.length} run${r.runs.length === 1 ? '' : 's'} of identity-shortcut blocks (a projection block ends a run); ${n} probe image${n === 1 ? '' : 's'} from seed ${r.seed}. Terms (MATH.md §B): aₙ = Πₖ ‖W⁽ⁿ·ᵏ⁾‖₂ (S1), βₙ = Σₖ ‖b⁽ⁿ·ᵏ⁾‖ Π_{j>k} ‖W⁽ⁿ·ʲ⁾‖₂ (S2).`;
    this.runsHost.replaceChildren(...r.runs.map((run) => this.runSection(run, n)));
    this.normRule.textContent = `Norms: ${r.normRule}.`;
    this.notes.replaceChildren(...r.notes.map((t) => el('li', {}, t)));
  }

  /** Back to the dense view (the file changed into a dense network). */
  hide(): void {
    if (!this.active) return;
    this.active = false;
    this.result = undefined;
    this.element.hidden = true;
    this.setSiblingsHidden(false);
  }

  private setSiblingsHidden(hidden: boolean): void {
    setDenseSectionsHidden(this.app, this.element, hidden);
    // the norm picker is the dense analysis' (conv models use the operator 2-norm)
    const norm = this.app.querySelector<HTMLElement>('[data-testid="norm-select"]');
    if (norm) norm.hidden = hidden;
    // the Export buttons stay: while this view is shown they export the conv result (exportPng, …)
  }

  /** True while the panel shows a conv model (the panel's Export buttons come here). */
  get isActive(): boolean {
    return this.active;
  }

  /** Every run's plot, stacked with titles and legends. */
  exportPng(): void {
    const data = stackedFiguresPng(this.plots.map((p) => plotFigure(p, 'Convergence')));
    if (data) this.exporter('convergence.png', 'image/png', data);
  }

  /** One row per block of every run, the table's columns at full precision. */
  exportCsv(): void {
    if (this.result) this.exporter('convergence.csv', 'text/csv', convConvergenceCsv(this.result));
  }

  /** The CLI's `depth-lens convergence FILE --json` document for the same probes. */
  exportJson(): void {
    if (this.result) this.exporter('convergence.json', 'application/json', convConvergenceJsonText(this.fileName() ?? '', this.result));
  }

  private runSection(run: ConvRunResult, probes: number): HTMLElement {
    const n = run.blocks.length;
    const v = run.sufficient;
    const verdict = el('p', { class: `conv-verdict conv-verdict-${v.status}`, 'data-testid': 'conv-verdict', 'data-status': v.status },
      el('span', { class: `codicon codicon-${STATUS_ICON[v.status]}`, 'aria-hidden': 'true' }), ' ',
      el('strong', {}, 'Sufficient (S1 < ∞ and S2 < ∞): '),
      el('span', { class: 'conv-verdict-status' }, v.status),
      ` — ${v.reason}`,
    );
    const sums = el('p', { class: 'summary', 'data-testid': 'conv-sums' },
      `S1 = ${fmt(run.S1)}, S2 = ${fmt(run.S2)} (exact over the ${n} block${n === 1 ? '' : 's'} present)${run.termTrend !== null ? `; a${sub(n)}/a₁ = ${fmt(run.termTrend)}` : ''}.`);
    const bound = el('p', { class: `check ${run.boundHolds ? 'check-ok' : 'check-bad'}`, 'data-testid': 'conv-bound' },
      `Bound ‖xₙ − xₙ₋₁‖ ≤ aₙ‖xₙ₋₁‖ + βₙ: ${run.boundHolds ? 'holds' : 'VIOLATED'} at ${probes} probe${probes === 1 ? '' : 's'} × ${n} block${n === 1 ? '' : 's'} (observed; largest increment/bound ${fmt(run.maxBoundRatio)}).`);
    const width = Math.max(...run.blocks.map((b) => b.branch.length));
    const rows = run.blocks.map((b) => ({ b, m: blockMaxima(b) }));
    const columns: Array<{ header: string; cell: (r: { b: ConvBlockTerm; m: { increment: number; ratio: number } }) => string; title?: string }> = [
      { header: 'block', cell: (r) => r.b.block },
      { header: 'n', cell: (r) => String(r.b.n) },
      ...Array.from({ length: width }, (_, k) => ({ header: `‖W${k + 1}‖₂`, cell: (r: { b: ConvBlockTerm }) => (r.b.branch[k] ? fmt(r.b.branch[k].norm) : ''), title: convTitle(run, k) })),
      { header: 'aₙ', cell: (r) => fmt(r.b.a), title: 'S1 term: Πₖ ‖W⁽ⁿ·ᵏ⁾‖₂' },
      { header: 'βₙ', cell: (r) => fmt(r.b.beta), title: 'S2 term: Σₖ ‖b⁽ⁿ·ᵏ⁾‖ Π_{j>k} ‖W⁽ⁿ·ʲ⁾‖₂' },
      { header: 'S1', cell: (r) => fmt(r.b.S1), title: 'Σ_{m ≤ n} a_m' },
      { header: 'S2', cell: (r) => fmt(r.b.S2), title: 'Σ_{m ≤ n} β_m' },
      { header: 'max ‖xₙ − xₙ₋₁‖', cell: (r) => fmt(r.m.increment), title: 'the largest increment over the probes' },
      { header: 'max incr/bound', cell: (r) => fmt(r.m.ratio), title: 'the largest ‖xₙ − xₙ₋₁‖ / (aₙ‖xₙ₋₁‖ + βₙ) over the probes (≤ 1 when the bound holds)' },
    ];
    // a plain table: its columns take the width of their numbers (no truncation in a narrow panel)
    const t = el('table', { class: 'conv-table' },
      el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', c.title ? { title: c.title } : {}, c.header)))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...columns.map((c, i) => el('td', i === 0 ? {} : { class: 'numeric' }, c.cell(r)))))),
    );
    t.dataset.testid = 'conv-blocks';
    const plot = new LinePlot(260);
    this.plots.push(plot);
    const host = el('div', { class: 'conv-plot', 'data-testid': 'conv-plot' }, plot.element);
    const s = el('section', { class: 'panel-section conv-run', 'data-testid': `conv-run-${run.index}`, 'data-stage': run.stage },
      el('h2', {}, `Run ${run.index} (${run.stage}): ${n} identity block${n === 1 ? '' : 's'} on ${run.shape.join('×')}`),
      verdict, sums, bound,
      el('div', { class: 'conv-table-host' }, t),
      host,
    );
    // uPlot measures its container: draw once the section is in the document
    requestAnimationFrame(() => plot.render({
      title: `${run.stage}: terms and increments against block n`,
      xLabel: 'block n', yLabel: 'value', logY: true,
      x: run.blocks.map((b) => b.n),
      series: [
        { label: 'aₙ (S1 term)', values: run.blocks.map((b) => b.a), points: true },
        { label: 'βₙ (S2 term)', values: run.blocks.map((b) => b.beta), points: true },
        { label: 'max ‖xₙ − xₙ₋₁‖ over the probes', values: rows.map((r) => r.m.increment), points: true },
        { label: 'its bound aₙ‖xₙ₋₁‖ + βₙ (same probe)', values: run.blocks.map((b) => b.probes.bound[argmax(b.probes.increment)]), dash: true },
      ],
    }));
    return s;
  }

  /** Redraw the plots (theme change). */
  redraw(): void {
    for (const p of this.plots) if (p.current) p.render(p.current);
  }
}

function argmax(a: readonly number[]): number {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[k]) k = i;
  return k;
}

/** The conv names of column k over the run (the tooltip of ‖Wk‖₂). */
function convTitle(run: ConvRunResult, k: number): string {
  const first = run.blocks[0]?.branch[k];
  return first ? `‖W⁽ⁿ·${k + 1}⁾‖₂: operator norm of the block's conv ${k + 1} (${first.name}, …) on its input, BatchNorm folded (${first.method})` : '';
}

function sub(n: number): string {
  return String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]);
}
