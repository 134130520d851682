/**
 * Two sections of the Activations panel on a convolutional ResNet (issue 14 item 3):
 *
 * - the activation regions on the plane through three images x(s, t) = (1 − s − t)·x₀ + s·x₁ + t·x₂ —
 *   x₀ the panel's input image, x₁ and x₂ two more images of its seed (chosen here) — drawn as the
 *   grid of points coloured by pattern (the dense panel's RegionMap in its pixel-grid mode), at a
 *   chosen site-prefix depth (the patterns of sites 1..k), with the count of distinct patterns. The
 *   grid size is the budget control; the map fills in as the worker streams the points, and the run
 *   can be cancelled. `depth-lens regions --seed N --grid G` counts the same patterns.
 * - the angle between the input image and another image of the seed measured through the network
 *   (after every ReLU site and max pool, and at the output) beside the infinite-width prediction
 *   iterated once per ReLU site (`depth-lens degeneracy --seed N`), as a line plot with both series.
 */
import { Cancellation, isCancelled, RpcError } from '../common/host';
import type { RequestOptions } from '../../src/shared/rpc';
import { LinePlot } from '../common/linePlot';
import { banner, budgetButton, button, cancelledNotice, el, Progress, section, select, textField } from '../common/ui';
import { formatNumber } from '../common/format';
import type { AnalysisBudget } from '../../src/shared/analyses/budget';
import type { Region, RegionGridResult, SlicePlane } from '../../src/shared/analyses/activations';
import {
  CONV_PANEL_GRID, CONV_PANEL_MAX_GRID, CONV_PLANE_IMAGES,
  type ConvAnglesParams, type ConvAnglesReply, type ConvExactRegionsParams, type ConvExactRegionsReply, type ConvRegionsParams, type ConvRegionsPartial, type ConvRegionsReply,
} from '../../src/shared/analyses/convPanels';
import { hashColor } from '../../src/core/activation/pattern';
import { RegionMap } from './regionMap';

export type ConvRegionsRequest = (params: ConvRegionsParams, options: RequestOptions) => Promise<ConvRegionsReply>;
export type ConvExactRegionsRequest = (params: ConvExactRegionsParams, options: RequestOptions) => Promise<ConvExactRegionsReply>;
export type ConvAnglesRequest = (params: ConvAnglesParams, options: RequestOptions) => Promise<ConvAnglesReply>;

/** What the two sections keep across hide/restore. */
export interface ConvPlaneState {
  /** grid points per side */
  readonly planeGrid?: number;
  /** 1-based image indices of x₁, x₂ in the seed */
  readonly planeImages?: readonly [number, number];
  /** the side w of the square (s, t) ∈ [0, w]² (default 1) */
  readonly planeSide?: number;
  /** 1-based site-prefix depth shown (absent: every site) */
  readonly planeDepth?: number;
  /** 1-based index of the image whose angle to image 1 is plotted */
  readonly angleImage?: number;
}

/**
 * The map's pixels of a (partial) grid at site-prefix depth `depth` (0-based site; −1: the full
 * pattern): row-major [grid][grid] hashes with row 0 = t's largest value (the top of the picture), and
 * 1 in `drawn` for the points computed. Point (s_i, t_j) is id index j·grid + i.
 */
export function convPlanePixels(r: ConvRegionsPartial, depth: number): { hashes: Uint32Array; drawn: Uint8Array; distinct: number } {
  const ids = depth >= 0 && depth < r.siteIds.length ? r.siteIds[depth] : r.ids;
  const byId = depth >= 0 && depth < r.siteHashes.length ? r.siteHashes[depth] : r.hashes;
  const g = r.grid;
  const hashes = new Uint32Array(g * g), drawn = new Uint8Array(g * g);
  let distinct = 0;
  for (let p = 0; p < Math.min(r.done, ids.length); p++) {
    const i = p % g, j = Math.floor(p / g);
    const q = (g - 1 - j) * g + i;
    hashes[q] = byId[ids[p]];
    drawn[q] = 1;
    if (ids[p] + 1 > distinct) distinct = ids[p] + 1;
  }
  return { hashes, drawn, distinct };
}

/** A streamed value is a ConvRegionsPartial (the worker's; checked before it is drawn). */
function isPartial(v: unknown): v is ConvRegionsPartial {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<ConvRegionsPartial>;
  return typeof p.grid === 'number' && typeof p.done === 'number' && p.ids instanceof Int32Array && p.hashes instanceof Uint32Array
    && Array.isArray(p.siteIds) && Array.isArray(p.siteHashes);
}

export class ConvPlaneSection {
  readonly element: HTMLElement;
  private readonly progress = new Progress();
  private readonly notices = el('div', { class: 'messages' });
  private readonly count = el('p', { class: 'summary', 'data-testid': 'conv-plane-count' });
  private readonly caption = el('p', { class: 'caption', 'data-testid': 'conv-plane-caption' });
  private readonly depthHost = el('div', { class: 'conv-depth' });
  private readonly mapRow = el('div', { class: 'conv-plane-row' });
  private mapInstance: RegionMap | undefined;
  private gridText: string;
  private sideText: string;
  /** the box of the run shown (partials do not carry it) */
  private box: readonly [number, number, number, number] = [0, 1, 0, 1];
  private reply: ConvRegionsReply | undefined;
  private shown: ConvRegionsPartial | undefined;
  /** the exact partition shown (Exact partition), instead of a grid */
  private exactShown: ConvExactRegionsReply | undefined;
  /** the last run asked for the exact partition */
  private exact = false;
  private running: Cancellation | undefined;
  private budget: AnalysisBudget | undefined;
  private seed: number | undefined;

  constructor(private readonly store: { get(): ConvPlaneState; set(s: ConvPlaneState): void }, private readonly request: ConvRegionsRequest,
    private readonly requestExact: ConvExactRegionsRequest) {
    const s = store.get();
    this.gridText = String(s.planeGrid ?? CONV_PANEL_GRID);
    this.sideText = String(s.planeSide ?? 1);
    const gridField = textField('Grid (points per side)', this.gridText, (v) => { this.gridText = v; }, { width: '120px' });
    gridField.dataset.testid = 'conv-plane-grid';
    const sideField = textField('Zoom: (s, t) ∈ [0, w]², w =', this.sideText, (v) => { this.sideText = v; }, { width: '120px' });
    sideField.dataset.testid = 'conv-plane-side';
    const [a, b] = s.planeImages ?? [2, 3];
    const images = (label: string, value: number, which: 0 | 1) => {
      const f = select(label, Array.from({ length: CONV_PLANE_IMAGES - 1 }, (_, k) => ({ value: String(k + 2), label: `image ${k + 2} of the seed` })), String(value), (v) => {
        const cur = this.store.get().planeImages ?? [2, 3];
        const next: [number, number] = which === 0 ? [Number(v), cur[1]] : [cur[0], Number(v)];
        this.store.set({ ...this.store.get(), planeImages: next });
      });
      f.dataset.testid = which === 0 ? 'conv-plane-x1' : 'conv-plane-x2';
      return f;
    };
    const run = button('Draw the map', () => { this.budget = undefined; this.exact = false; void this.load(); }, { icon: 'play', title: 'the patterns of every grid point, computed in the analysis worker', testid: 'conv-plane-run' });
    const exact = button('Exact partition', () => { this.budget = undefined; this.exact = true; void this.load(); }, {
      icon: 'symbol-misc', secondary: true, testid: 'conv-plane-exact',
      title: 'the regions themselves as polygons (depth-lens regions --exact), grown across region edges: where affordable — zoom in (a small w) on deep nets',
    });
    this.element = section('Activation regions on the plane through three images',
      el('p', { class: 'caption' }, 'x(s, t) = (1 − s − t)·x₀ + s·x₁ + t·x₂: x₀ is the input image above (at (0, 0)), x₁ at (1, 0), x₂ at (0, 1). Each grid point is coloured by its activation pattern (every ReLU site and every max pool\'s winners); the count of distinct patterns is a lower bound on the regions the plane meets.'),
      el('div', { class: 'conv-controls' }, images('x₁', a, 0), images('x₂', b, 1), gridField, sideField, run, exact),
      this.progress.element, this.notices, this.count, this.depthHost, this.mapRow, this.caption);
    this.element.dataset.testid = 'conv-plane';
  }

  /**
   * The map, made when first drawn: a dense network's panel never has this one (its own RegionMap's
   * canvas and tooltip are the only ones there).
   */
  private get map(): RegionMap {
    if (!this.mapInstance) {
      this.mapInstance = new RegionMap((r) => this.describeRegion(r), () => {}, (ps, pt) => this.describePoint(ps, pt));
      this.mapInstance.canvas.dataset.testid = 'conv-plane-map';
      this.mapRow.append(this.mapInstance.element);
    }
    return this.mapInstance;
  }

  /** A new input image (seed): the plane moves with it. */
  load(seed: number | undefined = this.seed): Promise<void> {
    this.seed = seed;
    return this.run();
  }

  cancel(): void {
    this.running?.cancel();
  }

  redraw(): void {
    if (this.exactShown) this.drawExact(this.exactShown);
    else if (this.shown) this.draw(this.shown);
  }

  private async run(): Promise<void> {
    this.running?.cancel();
    this.notices.replaceChildren();
    if (this.exact) return this.runExact();
    const grid = Number(this.gridText.trim());
    if (!(Number.isInteger(grid) && grid >= 2 && grid <= CONV_PANEL_MAX_GRID)) {
      this.notices.append(banner('error', `The grid must be a whole number of points per side in 2..${CONV_PANEL_MAX_GRID}, not '${this.gridText}'. Enter one and press Draw the map (the CLI's depth-lens regions --grid N goes to 1024).`));
      return;
    }
    const side = this.side('Draw the map');
    if (side === undefined) return;
    this.store.set({ ...this.store.get(), planeGrid: grid, planeSide: side });
    this.box = [0, side, 0, side];
    await this.inWorker(`Patterns of ${grid}×${grid} points in the analysis worker…`, 'No region map', (token) => this.request({ ...this.planeParams(), grid }, {
      token,
      onProgress: (f, m, partial) => {
        if (token.isCancellationRequested) return;
        this.progress.update(f, m);
        if (isPartial(partial)) this.draw(partial);
      },
    }), (r) => {
      this.reply = r;
      this.renderDepth(r);
      this.draw(r);
    });
  }

  /** The zoom w from its field, or undefined after saying what is wrong. */
  private side(action: string): number | undefined {
    const side = Number(this.sideText.trim());
    if (!(Number.isFinite(side) && side > 0 && side <= 1e6)) {
      this.notices.append(banner('error', `The zoom w must be a positive number (the square (s, t) ∈ [0, w]² next to the input image; 1 spans the three images), not '${this.sideText}'. Enter one and press ${action}.`));
      return undefined;
    }
    return side;
  }

  /** The exact partition of [0, w]²: polygons, drawn when the worker has them all (or stopped at its cap or budget). */
  private async runExact(): Promise<void> {
    const side = this.side('Exact partition');
    if (side === undefined) return;
    this.store.set({ ...this.store.get(), planeSide: side });
    this.box = [0, side, 0, side];
    this.depthHost.replaceChildren();
    await this.inWorker(`Exact regions of (s, t) ∈ [0, ${side}]² in the analysis worker…`, 'No exact partition', (token) => this.requestExact(this.planeParams(), {
      token,
      onProgress: (f, m) => { if (!token.isCancellationRequested) this.progress.update(f, m); },
    }), (r) => {
      this.reply = undefined;
      this.shown = undefined;
      this.exactShown = r;
      this.drawExact(r);
    });
  }

  /** The plane's images and box as both requests take them. */
  private planeParams(): { image?: { seed: number }; others: [number, number]; box: [number, number, number, number]; budget?: AnalysisBudget } {
    const others = this.store.get().planeImages ?? [2, 3];
    return { ...(this.seed !== undefined ? { image: { seed: this.seed } } : {}), others: [others[0], others[1]], box: [...this.box], ...(this.budget ? { budget: this.budget } : {}) };
  }

  /**
   * One request of the map in the worker: the progress bar with Cancel (which offers to run again),
   * `show` with the reply, or a banner saying `failure` and why, with "Run with a higher budget" when a
   * budget refused it.
   */
  private async inWorker<T>(message: string, failure: string, ask: (token: Cancellation) => Promise<T>, show: (r: T) => void): Promise<void> {
    const token = new Cancellation();
    this.running = token;
    this.progress.start(message, () => {
      token.cancel();
      this.notices.replaceChildren(cancelledNotice(() => { this.notices.replaceChildren(); void this.run(); }));
    });
    this.count.textContent = '';
    this.caption.textContent = '';
    try {
      const r = await ask(token);
      if (!token.isCancellationRequested) show(r);
    } catch (e) {
      if (isCancelled(e) || token.isCancellationRequested) return;
      this.mapInstance?.clear();
      this.shown = undefined;
      this.exactShown = undefined;
      const b = banner('error', `${failure}: ${(e as Error).message}`);
      b.dataset.testid = 'conv-plane-refused';
      const raise = e instanceof RpcError && e.budget ? budgetButton(e.budget, (budget) => { this.budget = budget; void this.run(); }) : undefined;
      if (raise) b.append(' ', raise);
      this.notices.append(b);
    } finally {
      if (this.running === token) this.progress.done();
    }
  }

  private drawExact(r: ConvExactRegionsReply): void {
    const [s0, s1, t0, t1] = r.box;
    const plane: SlicePlane = {
      origin: Float64Array.of(0, 0), u: Float64Array.of(1, 0), v: Float64Array.of(0, 1), box: [s0, s1, t0, t1], source: 'probes',
      description: 'x(s, t) = (1 − s − t)·x₀ + s·x₁ + t·x₂',
    };
    // conv regions come without the output's affine map here (the worker sends the polygons only)
    const none = { A: { rows: 0, cols: 2, data: new Float64Array(0) }, c: new Float64Array(0) };
    const regions: Region[] = r.polygons.map((p, id) => ({ id, hash: p.hash, color: hashColor(p.hash), vertices: p.vertices, area: p.area, centroid: p.centroid, plane: none }));
    this.map.setRegions(plane, regions);
    this.map.setInput(Float64Array.of(0, 0));
    const n = r.polygons.length;
    this.count.dataset.exact = '1';
    this.count.dataset.regions = String(n);
    this.count.dataset.complete = String(r.complete);
    delete this.count.dataset.patterns;
    this.count.textContent = r.complete
      ? `${n.toLocaleString('en-US')} activation region${n === 1 ? '' : 's'}: the exact partition of (s, t) ∈ [${s0}, ${s1}] × [${t0}, ${t1}] (${r.passes.toLocaleString('en-US')} forward passes).`
      : `At least ${n.toLocaleString('en-US')} activation regions: the partition stopped (${r.stopped}) with ${(100 * r.coverage).toFixed(1)}% of the box covered — zoom in (a smaller w).`;
    const boxFlag = s0 === 0 && s1 === 1 && t0 === 0 && t1 === 1 ? '' : ` --box ${r.box.join(',')}`;
    this.caption.textContent = `Plane through x₀ = ${r.images[0]}, x₁ = ${r.images[1]}, x₂ = ${r.images[2]} (${r.inputShape.join('×')}). Each region is the set of points with one full pattern (every ReLU unit's sign, every max pool's winner), a convex polygon; hover one for its pattern. The same partition: depth-lens regions FILE --exact --seed ${r.seed}${r.indices[1] === 2 && r.indices[2] === 3 ? '' : ' (with these three images as --input)'}${boxFlag}.`;
  }

  private describeRegion(region: Region): string {
    const n = this.exactShown?.polygons.length ?? 0;
    return `region ${region.id + 1} of ${n} · pattern ${region.hash.toString(16).padStart(8, '0')} · area ${formatNumber(region.area)}`;
  }

  /** The site-prefix depth chooser: sites 1..k, with each prefix's count. */
  private renderDepth(r: ConvRegionsReply): void {
    const n = r.sites.length;
    if (n === 0) { this.depthHost.replaceChildren(); return; }
    const chosen = this.depth(r);
    const f = select('Site-prefix depth (patterns of sites 1..k)', r.sites.map((s, k) => ({ value: String(k + 1), label: `k = ${k + 1}: up to ${s.site} (${s.prefix} pattern${s.prefix === 1 ? '' : 's'})${k === n - 1 ? ' — every site' : ''}` })), String(chosen + 1), (v) => {
      this.store.set({ ...this.store.get(), planeDepth: Number(v) });
      if (this.reply) this.draw(this.reply);
    });
    f.dataset.testid = 'conv-plane-depth';
    this.depthHost.replaceChildren(f);
  }

  /** The chosen 0-based depth within the reply's sites (default: the last, every site). */
  private depth(r: ConvRegionsPartial): number {
    const n = r.siteIds.length;
    const d = this.store.get().planeDepth;
    return d !== undefined && Number.isInteger(d) && d >= 1 && d <= n ? d - 1 : n - 1;
  }

  private draw(r: ConvRegionsPartial): void {
    this.shown = r;
    this.exactShown = undefined;
    delete this.count.dataset.exact;
    delete this.count.dataset.regions;
    delete this.count.dataset.complete;
    const g = r.grid, k = this.depth(r);
    const px = convPlanePixels(r, k);
    // grid points are the pixels' centres, ends included: the picture spans half a step beyond [0, 1]
    const [s0, s1, t0, t1] = this.box;
    const hs = (s1 - s0) * (g > 1 ? 0.5 / (g - 1) : 0.5), ht = (t1 - t0) * (g > 1 ? 0.5 / (g - 1) : 0.5);
    const plane: RegionGridResult['plane'] = {
      origin: Float64Array.of(0, 0), u: Float64Array.of(1, 0), v: Float64Array.of(0, 1), box: [s0 - hs, s1 + hs, t0 - ht, t1 + ht], source: 'probes',
      description: 'x(s, t) = (1 − s − t)·x₀ + s·x₁ + t·x₂',
    };
    this.map.setGrid({ plane, width: g, height: g, hashes: px.hashes, distinct: px.distinct }, r.done < g * g ? px.drawn : undefined);
    // x₀, the input image, at (0, 0)
    this.map.setInput(Float64Array.of(0, 0));
    const full = 'kind' in r ? (r as ConvRegionsReply) : undefined;
    const sites = full?.sites;
    const depthWords = sites ? (k === sites.length - 1 ? `all ${sites.length} sites (site-prefix depth ${k + 1}, up to ${sites[k].site})` : `sites 1–${k + 1} of ${sites.length} (site-prefix depth ${k + 1}, up to ${sites[k].site})`) : `site-prefix depth ${k + 1}`;
    const points = g * g;
    const counted = full ? (k === (sites?.length ?? 0) - 1 ? full.patterns : sites![k].prefix) : px.distinct;
    this.count.dataset.patterns = String(counted);
    this.count.dataset.grid = String(g);
    this.count.dataset.depth = String(k + 1);
    this.count.dataset.done = String(r.done);
    this.count.textContent = full
      ? `${counted.toLocaleString('en-US')} distinct activation pattern${counted === 1 ? '' : 's'} on the ${g}×${g} grid (${points.toLocaleString('en-US')} points), ${depthWords}.`
      : `${counted.toLocaleString('en-US')} pattern${counted === 1 ? '' : 's'} so far: ${r.done.toLocaleString('en-US')} of ${points.toLocaleString('en-US')} points of the ${g}×${g} grid computed.`;
    if (full) {
      const [a0, a1, b0, b1] = full.box;
      const notes = [`Plane through x₀ = ${full.images[0]}, x₁ = ${full.images[1]}, x₂ = ${full.images[2]} (${full.inputShape.join('×')}); (s, t) ∈ [${a0}, ${a1}] × [${b0}, ${b1}], ends included.`];
      if (counted === points && points > 1) notes.push('Every point has a pattern of its own: the grid does not resolve the regions, the count says only that there are at least this many — zoom in (a smaller w) or choose a smaller site-prefix depth to see the regions.');
      const boxFlag = a0 === 0 && a1 === 1 && b0 === 0 && b1 === 1 ? '' : ` --box ${full.box.join(',')}`;
      notes.push(`The same count: depth-lens regions FILE --seed ${full.seed}${full.indices[1] === 2 && full.indices[2] === 3 ? '' : ' (with these three images as --input)'} --grid ${g}${boxFlag}.`);
      this.caption.textContent = notes.join(' ');
    }
  }

  private describePoint(s: number, t: number): string | undefined {
    const r = this.shown;
    if (!r) return undefined;
    const g = r.grid;
    const [s0, s1, t0, t1] = this.box;
    const i = Math.round(((s - s0) / (s1 - s0)) * (g - 1)), j = Math.round(((t - t0) / (t1 - t0)) * (g - 1));
    if (i < 0 || j < 0 || i >= g || j >= g) return undefined;
    const p = j * g + i;
    if (p >= r.done) return 'not computed yet';
    const k = this.depth(r);
    const ids = k >= 0 && k < r.siteIds.length ? r.siteIds[k] : r.ids;
    const full = 'kind' in r ? (r as ConvRegionsReply) : undefined;
    const id = ids[p];
    const same = full && k === full.sites.length - 1 ? ` (${full.counts[id]} grid point${full.counts[id] === 1 ? '' : 's'} share it)` : '';
    return `grid point (${i}, ${j}): pattern ${id + 1}${same}`;
  }
}

/** Radians to the 4 significant digits the plot's legend shows. */
export const angleText = (x: number | null): string => formatNumber(x);

export class ConvAnglesSection {
  readonly element: HTMLElement;
  private readonly plot = new LinePlot(260);
  private readonly notices = el('div', { class: 'messages' });
  private readonly summary = el('p', { class: 'summary', 'data-testid': 'conv-angle-summary' });
  private readonly notes = el('ul', { class: 'caption', 'data-testid': 'conv-angle-notes' });
  private readonly progress = new Progress();
  private running: Cancellation | undefined;
  private seed: number | undefined;
  private reply: ConvAnglesReply | undefined;

  constructor(private readonly store: { get(): ConvPlaneState; set(s: ConvPlaneState): void }, private readonly request: ConvAnglesRequest) {
    const other = store.get().angleImage ?? 2;
    const pick = select('Second image', Array.from({ length: CONV_PLANE_IMAGES - 1 }, (_, k) => ({ value: String(k + 2), label: `image ${k + 2} of the seed` })), String(other), (v) => {
      this.store.set({ ...this.store.get(), angleImage: Number(v) });
      void this.run();
    });
    pick.dataset.testid = 'conv-angle-image';
    const plotHost = el('div', { 'data-testid': 'conv-angle-plot' }, this.plot.element);
    this.element = section('Angle between two images through the network: measured vs predicted',
      el('p', { class: 'caption' }, 'θ between the input image and another image of its seed, measured on the flattened activations after every ReLU site and max pool and at the output, beside the infinite-width prediction cos θ′ = [sin θ + (π − θ) cos θ]/π iterated once per ReLU site from the input angle θ⁰ (MATH.md §C). The legend shows the values at the cursor, or at the output.'),
      el('div', { class: 'conv-controls' }, pick), this.progress.element, this.notices, this.summary, plotHost, this.notes);
    this.element.dataset.testid = 'conv-angles';
  }

  load(seed: number | undefined = this.seed): Promise<void> {
    this.seed = seed;
    return this.run();
  }

  cancel(): void {
    this.running?.cancel();
  }

  redraw(): void {
    if (this.reply) this.render(this.reply);
  }

  private async run(): Promise<void> {
    this.running?.cancel();
    const token = new Cancellation();
    this.running = token;
    this.notices.replaceChildren();
    this.progress.start('Angles through the network in the analysis worker…', () => token.cancel());
    try {
      const other = this.store.get().angleImage ?? 2;
      const r = await this.request({ ...(this.seed !== undefined ? { image: { seed: this.seed } } : {}), other }, { token, onProgress: (f, m) => this.progress.update(f, m) });
      if (token.isCancellationRequested) return;
      this.reply = r;
      this.render(r);
    } catch (e) {
      if (isCancelled(e) || token.isCancellationRequested) return;
      this.notices.append(banner('error', `No angle plot: ${(e as Error).message}`));
    } finally {
      if (this.running === token) this.progress.done();
    }
  }

  private render(r: ConvAnglesReply): void {
    const out = r.sites[r.sites.length - 1];
    this.summary.dataset.measured = out.theta === null ? '' : String(out.theta);
    this.summary.dataset.predicted = String(out.predicted);
    this.summary.textContent = `${r.images[0]} vs ${r.images[1]}: θ⁰ = ${angleText(r.theta0)} rad at the input; at the output after ${out.layer} ReLU sites, measured θ = ${angleText(out.theta)} rad, predicted ${angleText(out.predicted)} rad.`;
    this.plot.render({
      title: 'Angle between the two images per site', xLabel: 'site (forward order: 0 = input, last = output)', yLabel: 'θ (radians)',
      x: r.sites.map((_, i) => i),
      series: [
        { label: 'measured θ', values: r.sites.map((s) => s.theta), points: true },
        { label: 'predicted θ (infinite width)', values: r.sites.map((s) => s.predicted), dash: true },
      ],
    });
    this.notes.replaceChildren(...r.notes.map((n) => el('li', {}, n)));
  }
}
