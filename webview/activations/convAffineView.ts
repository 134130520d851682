/**
 * The Activations panel on a conv model: the affine map N(y) = J y + c the network computes on the input
 * image's activation region, shown as a user can look at it — N(x), c and J applied to the directions
 * toward two other images of the seed, each with how far the region reaches along it and the unit that
 * ends it (the worker's `convAffine`; J itself is never formed). Computed on request: on a large net it
 * is one more forward pass of four images.
 */
import { Cancellation, isCancelled } from '../common/host';
import type { RequestOptions } from '../../src/shared/rpc';
import { banner, button, cancelledNotice, el, Progress, section, table, type Column } from '../common/ui';
import { formatNumber } from '../common/format';
import type { ConvAffineParams, ConvAffineReply } from '../../src/shared/analyses/convPanels';

export type ConvAffineRequest = (params: ConvAffineParams, options: RequestOptions) => Promise<ConvAffineReply>;

/** Output entries shown per row (a 1000-class head shows its first ones and its largest). */
const SHOWN = 10;

export class ConvAffineSection {
  readonly element: HTMLElement;
  private readonly progress = new Progress();
  private readonly notices = el('div', { class: 'messages' });
  private readonly table = el('div', { class: 'table-host', 'data-testid': 'conv-affine-table' });
  private readonly reach = el('ul', { class: 'caption', 'data-testid': 'conv-affine-reach' });
  private seed: number | undefined;
  private running: Cancellation | undefined;

  constructor(private readonly request: ConvAffineRequest) {
    const run = button('Compute the affine map', () => void this.run(), { icon: 'play', secondary: true, testid: 'conv-affine-run', title: 'N(x), c and J·(x_k − x₁) on the input image\'s region, in the analysis worker (depth-lens activations --affine)' });
    this.element = section('Affine map on the image\'s activation region',
      el('p', { class: 'caption' }, 'On the set of images with the input image\'s activation pattern the network is affine, N(y) = J y + c. J (outputs × C·H·W) is never formed: shown are N(x₁), c and J v for v toward images 2 and 3 of the seed, and how far x₁ + t·v stays in the region.'),
      el('div', { class: 'conv-controls' }, run), this.progress.element, this.notices, this.table, this.reach);
    this.element.dataset.testid = 'conv-affine';
  }

  /** A new input image: the map shown belonged to the old one. */
  load(seed: number | undefined): void {
    this.running?.cancel();
    this.seed = seed;
    this.table.replaceChildren();
    this.reach.replaceChildren();
    this.notices.replaceChildren();
  }

  cancel(): void {
    this.running?.cancel();
  }

  private async run(): Promise<void> {
    this.running?.cancel();
    this.notices.replaceChildren();
    const token = new Cancellation();
    this.running = token;
    this.progress.start('The affine map in the analysis worker…', () => {
      token.cancel();
      this.notices.replaceChildren(cancelledNotice(() => { this.notices.replaceChildren(); void this.run(); }));
    });
    try {
      const r = await this.request({ ...(this.seed !== undefined ? { image: { seed: this.seed } } : {}), toward: [2, 3] }, { token });
      if (!token.isCancellationRequested) this.render(r);
    } catch (e) {
      if (isCancelled(e) || token.isCancellationRequested) return;
      const b = banner('error', `No affine map: ${(e as Error).message}`);
      b.dataset.testid = 'conv-affine-refused';
      this.notices.append(b);
    } finally {
      if (this.running === token) this.progress.done();
    }
  }

  private render(r: ConvAffineReply): void {
    const n = r.output.length;
    let arg = 0;
    for (let j = 1; j < n; j++) if (r.output[j] > r.output[arg]) arg = j;
    // the first SHOWN outputs, and the largest when it is further on
    const cols = Array.from({ length: Math.min(n, SHOWN) }, (_, j) => j);
    if (arg >= SHOWN) cols.push(arg);
    const rows: Array<[string, Float64Array]> = [[`N(x₁), ${r.image}`, r.output], ['c = N(x₁) − J x₁', r.offset], ...r.directions.map((d): [string, Float64Array] => [`J v, v ${d.name}`, d.jvp])];
    // the row labels get a quarter of the width, the outputs share the rest
    const each = `${(75 / cols.length).toFixed(2)}%`;
    const columns: Column<[string, Float64Array]>[] = [
      { header: '', cell: ([label]) => label, width: '25%' },
      ...cols.map((j): Column<[string, Float64Array]> => ({ header: j === arg ? `out ${j}, largest` : `out ${j}`, cell: ([, v]) => formatNumber(v[j]), numeric: true, width: each })),
    ];
    this.table.replaceChildren(table(columns, rows));
    this.table.dataset.outputs = String(n);
    this.reach.replaceChildren(...r.directions.map((d) => {
      const lo = d.tMin === null ? '−∞' : formatNumber(d.tMin), hi = d.tMax === null ? '∞' : formatNumber(d.tMax);
      const li = el('li', {}, `${d.name} (‖v‖ = ${formatNumber(d.norm)}): x₁ + t·v stays in the region for ${lo} ≤ t ≤ ${hi}${d.boundMax ? `; at t = ${hi} ${d.boundMax} changes` : ''}.`);
      li.dataset.tMax = d.tMax === null ? '' : String(d.tMax);
      return li;
    }), el('li', {}, `The same numbers: depth-lens activations FILE --affine --seed ${r.seed}.`));
  }
}
