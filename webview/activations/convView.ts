/**
 * The Activations panel on a convolutional ResNet (issue 14; MATH.md §A on conv layers): a seeded
 * input image (uniform on [−1, 1), as `depth-lens activations --seed N`) shown as an RGB thumbnail
 * (normalised to its own range), the active fraction of every ReLU and max-pool site along the forward
 * pass, a table of the sites, and for the chosen site its activation pattern per channel: a grid of C
 * small canvases of H×W pixels, filled where the unit is active. Drawn with ImageData in theme colours.
 */
import { Cancellation, isCancelled } from '../common/host';
import type { RequestOptions } from '../../src/shared/rpc';
import { convActivationsCsv, convActivationsJsonText } from '../common/convExport';
import { tileGridPng } from '../common/figures';
import { LinePlot } from '../common/linePlot';
import { opaqueColor, parseColor, themeColors } from '../common/theme';
import { banner, button, el, Progress, section, setDenseSectionsHidden, table, textField } from '../common/ui';
import { fmt } from '../../src/core/convergence/format';
import type { ActivationsParams, ActivationsResult } from '../../src/shared/analyses/activations';
import type { ConvActivationsReply, ConvSiteReply } from '../../src/shared/analyses/convPanels';
import { ConvAffineSection, type ConvAffineRequest } from './convAffineView';
import { ConvAnglesSection, ConvPlaneSection, type ConvAnglesRequest, type ConvExactRegionsRequest, type ConvPlaneState, type ConvRegionsRequest } from './convPlaneView';
import './convView.css';

export interface ConvViewState extends ConvPlaneState {
  readonly seed?: number;
  /** index of the chosen site */
  readonly site?: number;
}

export interface ConvViewStore {
  get(): ConvViewState | undefined;
  set(state: ConvViewState): void;
}

/** Saves a file through the host's save dialog (HostConnection.export). */
export type Exporter = (fileName: string, mime: 'image/png' | 'text/csv' | 'application/json', data: string) => void;

export type ActivationsRequest = (params: ActivationsParams, options: RequestOptions) => Promise<ActivationsResult | ConvActivationsReply>;

/** Thumbnails are scaled up by whole pixels to about this many CSS pixels on their long side. */
const IMAGE_SIDE = 128;
const TILE_SIDE = 96;
/** At most this many channel tiles are drawn (ResNet-18's widest site has 512 channels). */
const MAX_TILES = 512;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * RGBA pixels of a [C, H, W] image scaled by `scale`: channels 0, 1, 2 as red, green, blue (one
 * channel: grey), each normalised by the image's own minimum and maximum over all channels.
 */
export function imagePixels(data: ArrayLike<number>, shape: readonly [number, number, number], scale: number): Uint8ClampedArray {
  const [c, h, w] = shape;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < c * h * w; i++) { lo = Math.min(lo, data[i]); hi = Math.max(hi, data[i]); }
  const span = hi > lo ? hi - lo : 1;
  const out = new Uint8ClampedArray(w * scale * h * scale * 4);
  const rowBytes = w * scale * 4;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = [0, 1, 2].map((k) => Math.round((255 * (data[(c >= 3 ? k : 0) * h * w + y * w + x] - lo)) / span));
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const o = (y * scale + dy) * rowBytes + (x * scale + dx) * 4;
          out[o] = v[0]; out[o + 1] = v[1]; out[o + 2] = v[2]; out[o + 3] = 255;
        }
      }
    }
  }
  return out;
}

/** RGBA pixels of one channel's 0/1 pattern (H×W from `offset`) scaled by `scale`. */
export function patternPixels(pattern: Uint8Array, offset: number, h: number, w: number, scale: number, on: readonly number[], off: readonly number[]): Uint8ClampedArray {
  const out = new Uint8ClampedArray(w * scale * h * scale * 4);
  const rowBytes = w * scale * 4;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = pattern[offset + y * w + x] ? on : off;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const o = (y * scale + dy) * rowBytes + (x * scale + dx) * 4;
          out[o] = c[0]; out[o + 1] = c[1]; out[o + 2] = c[2]; out[o + 3] = 255;
        }
      }
    }
  }
  return out;
}

function drawPixels(canvas: HTMLCanvasElement, width: number, height: number, pixels: Uint8ClampedArray): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(width, height);
  img.data.set(pixels);
  ctx.putImageData(img, 0, 0);
}

/** [C, H, W] of a site's pattern; a flat site ([n]) is one channel of 1×n. */
function planeShape(s: ConvSiteReply): [number, number, number] {
  return s.shape.length === 3 ? [s.shape[0], s.shape[1], s.shape[2]] : [1, 1, s.units];
}

export class ConvActivationsView {
  readonly element = el('div', { class: 'conv-view', 'data-testid': 'conv-activations' });
  private readonly progress = new Progress();
  private readonly messages = el('div', { class: 'messages' });
  private readonly summary = el('p', { class: 'summary', 'data-testid': 'conv-summary' });
  private readonly imageCanvas = el('canvas', { class: 'conv-image', 'data-testid': 'conv-input-image' });
  private readonly imageCaption = el('p', { class: 'caption', 'data-testid': 'conv-image-caption' });
  private readonly fractionPlot = new LinePlot(220);
  private readonly sitesHost = el('div', { class: 'table-host' });
  private readonly siteTitle = el('h3', { 'data-testid': 'conv-site-title' });
  private readonly siteCaption = el('p', { class: 'caption', 'data-testid': 'conv-site-caption' });
  private readonly grid = el('div', { class: 'channel-grid', 'data-testid': 'channel-grid' });
  private result: ConvActivationsReply | undefined;
  private running: Cancellation | undefined;
  private active = false;
  private seedText: string;
  private readonly plane: ConvPlaneSection;
  private readonly angles: ConvAnglesSection;
  private readonly affine: ConvAffineSection;

  /** `exporter` saves what the panel's Export buttons ask for while this view is shown; `fileName` is the panel's file's name. */
  constructor(private readonly app: HTMLElement, private readonly store: ConvViewStore, private readonly request: ActivationsRequest,
    private readonly exporter: Exporter, private readonly fileName: () => string | undefined,
    requests: { readonly regions: ConvRegionsRequest; readonly exactRegions: ConvExactRegionsRequest; readonly affine: ConvAffineRequest; readonly angles: ConvAnglesRequest }) {
    const s = store.get();
    const sub = { get: () => this.store.get() ?? {}, set: (v: ConvPlaneState) => this.store.set({ ...this.store.get(), ...v }) };
    this.plane = new ConvPlaneSection(sub, requests.regions, requests.exactRegions);
    this.angles = new ConvAnglesSection(sub, requests.angles);
    this.affine = new ConvAffineSection(requests.affine);
    this.seedText = s?.seed !== undefined ? String(s.seed) : '';
    const seedField = textField('Image seed', this.seedText, (v) => { this.seedText = v; }, { placeholder: '109031 (default)', width: '140px' });
    seedField.dataset.testid = 'conv-seed';
    const run = button('Show this image', () => this.applySeed(), { icon: 'play', title: 'an image uniform on [−1, 1) from the seed, as `depth-lens activations --seed N`' });
    run.dataset.testid = 'conv-run-image';
    this.element.append(
      this.progress.element,
      this.messages,
      this.summary,
      // the image beside the chosen site's channel patterns; the sites (plot and table) below
      el('div', { class: 'conv-top-row' },
        section('Input image', el('div', { class: 'conv-controls' }, seedField, run), this.imageCanvas, this.imageCaption),
        section('Activation pattern per channel', this.siteTitle, this.siteCaption, this.grid),
      ),
      section('Active fraction per site (forward order)', el('div', { 'data-testid': 'conv-fraction-plot' }, this.fractionPlot.element), this.sitesHost),
      this.affine.element,
      this.plane.element,
      this.angles.element,
    );
    this.element.hidden = true;
    app.append(this.element);
  }

  /** The panel's file is a conv model: hide the dense sections and load the image's activations. */
  show(): void {
    this.active = true;
    this.setSiblingsHidden(true);
    this.element.hidden = false;
    void this.load();
  }

  hide(): void {
    if (!this.active) return;
    this.active = false;
    this.running?.cancel();
    this.plane.cancel();
    this.angles.cancel();
    this.affine.cancel();
    this.element.hidden = true;
    this.setSiblingsHidden(false);
  }

  private setSiblingsHidden(hidden: boolean): void {
    setDenseSectionsHidden(this.app, this.element, hidden);
    // the Export buttons stay: while this view is shown they export the conv result, once it is in
    this.setExportEnabled(!hidden || this.result !== undefined);
  }

  private setExportEnabled(enabled: boolean): void {
    for (const b of Array.from(this.app.querySelectorAll<HTMLElement>('header .toolbar [data-testid^="export-"]'))) b.toggleAttribute('disabled', !enabled);
  }

  /** True while the panel shows a conv model (the panel's Export buttons come here). */
  get isActive(): boolean {
    return this.active;
  }

  /** The input image and the chosen site's channel patterns, as drawn, in one image. */
  exportPng(): void {
    if (!this.result) return;
    const tiles = Array.from(this.grid.querySelectorAll<HTMLCanvasElement>('canvas.channel-pattern'), (canvas, k) => ({ canvas, label: String(k + 1) }));
    const data = tileGridPng(`${this.siteTitle.textContent ?? ''} — ${this.result.image}`, { canvas: this.imageCanvas, label: `input ${this.result.image}` }, tiles);
    if (data) this.exporter('activations-channels.png', 'image/png', data);
  }

  /** One row per site and channel: active count and fraction of the channel and of its site. */
  exportCsv(): void {
    if (this.result) this.exporter('activations.csv', 'text/csv', convActivationsCsv(this.result));
  }

  /** The CLI's `depth-lens activations FILE --json --patterns --seed N` document for the same image. */
  exportJson(): void {
    if (this.result) this.exporter('activations.json', 'application/json', convActivationsJsonText(this.fileName() ?? '', this.result));
  }

  private applySeed(): void {
    const t = this.seedText.trim();
    const seed = t === '' ? undefined : Number(t);
    const site = this.store.get()?.site;
    // the chosen site (and the plane's and angle's choices) stay for the new image
    const { seed: _old, site: _site, ...rest } = this.store.get() ?? {};
    this.store.set({ ...rest, ...(seed !== undefined ? { seed } : {}), ...(site !== undefined ? { site } : {}) });
    void this.load();
  }

  private async load(): Promise<void> {
    this.running?.cancel();
    const token = new Cancellation();
    this.running = token;
    this.progress.start('Forward pass of the image in the analysis worker…');
    try {
      const seed = this.store.get()?.seed;
      const r = await this.request({ image: seed !== undefined ? { seed } : {} }, { token, onProgress: (f, m) => this.progress.update(f, m) });
      if (token.isCancellationRequested) return;
      if (r.kind !== 'conv') throw new Error('the file is no longer a convolutional model; reopen the panel');
      this.messages.replaceChildren();
      this.result = r;
      this.render(r);
      this.setExportEnabled(true);
      this.affine.load(seed);
      // the plane and the angle go through this image: after it, so the image shows first
      void this.angles.load(seed).then(() => (token.isCancellationRequested ? undefined : this.plane.load(seed)));
    } catch (e) {
      if (isCancelled(e)) return;
      this.messages.replaceChildren(banner('error', (e as Error).message));
    } finally {
      if (this.running === token) this.progress.done();
    }
  }

  private render(r: ConvActivationsReply): void {
    const out = r.output;
    let arg = 0;
    for (let j = 1; j < out.length; j++) if (out[j] > out[arg]) arg = j;
    const name = r.networkName ? `${r.networkName} — ` : '';
    this.summary.textContent = `${name}convolutional network, input ${r.inputShape.join('×')}, output ${r.outputShape.join('×')}; ${r.sites.length} ReLU and max-pool sites. Image ${r.image}: largest output at index ${arg} (${fmt(out[arg])}).`;
    // the input image
    const [c, h, w] = r.inputShape;
    const scale = Math.max(1, Math.floor(IMAGE_SIDE / Math.max(h, w)));
    drawPixels(this.imageCanvas, w * scale, h * scale, imagePixels(r.input, r.inputShape, scale));
    let lo = Infinity, hi = -Infinity;
    for (const v of r.input) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    this.imageCaption.textContent = `${r.image}: ${c}×${h}×${w}, values in [${fmt(lo)}, ${fmt(hi)}] drawn ${c >= 3 ? 'as RGB (channels 1–3)' : 'in grey'}, normalised to that range; ${scale}× scale.`;
    // fraction per site
    this.fractionPlot.render({
      title: 'Active fraction per site', xLabel: 'site (forward order)', yLabel: 'active %',
      x: r.sites.map((_, i) => i + 1),
      series: [{ label: 'active units %', values: r.sites.map((s) => 100 * s.fraction), points: true }],
    });
    const rows = r.sites.map((s, i) => ({ s, i }));
    const t = table([
      { header: '#', cell: (x) => String(x.i + 1), numeric: true },
      { header: 'layer', cell: (x) => String(x.s.layer), numeric: true },
      { header: 'site', cell: (x) => x.s.site },
      { header: 'kind', cell: (x) => x.s.kind },
      { header: 'shape', cell: (x) => x.s.shape.join('×') },
      { header: 'active', cell: (x) => `${x.s.active}/${x.s.units} (${pct(x.s.fraction)})`, numeric: true },
      { header: 'channels active (min–max)', cell: (x) => `${pct(Math.min(...x.s.channelFraction))}–${pct(Math.max(...x.s.channelFraction))}`, numeric: true },
      { header: 'dead channels', cell: (x) => String(x.s.deadChannels), numeric: true },
    ], rows, (x) => { this.store.set({ ...this.store.get(), site: x.i }); this.renderSite(r, x.i); });
    t.dataset.testid = 'conv-sites';
    this.sitesHost.replaceChildren(t);
    const chosen = this.store.get()?.site;
    const site = chosen !== undefined && chosen >= 0 && chosen < r.sites.length ? chosen : 0;
    t.querySelector(`vscode-table-row[data-index="${site}"]`)?.setAttribute('aria-selected', 'true');
    this.renderSite(r, site);
  }

  private renderSite(r: ConvActivationsReply, index: number): void {
    const s = r.sites[index];
    if (!s) { this.grid.replaceChildren(); return; }
    const [c, h, w] = planeShape(s);
    const scale = Math.max(1, Math.floor(TILE_SIDE / Math.max(h, w)));
    const colors = themeColors();
    const on = parseColor(opaqueColor(colors.series[0]));
    const off = parseColor(opaqueColor(colors.background));
    const shown = Math.min(c, MAX_TILES);
    this.siteTitle.textContent = `Site ${index + 1}: ${s.site} (${s.kind}, layer ${s.layer})`;
    this.siteCaption.textContent = `${c} channel${c === 1 ? '' : 's'} of ${h}×${w} (${scale}× scale); filled = active (${s.kind === 'relu' ? 'value > 0' : 'the unit wins at least one pooling window'}); ${s.active}/${s.units} units active (${pct(s.fraction)}), ${s.deadChannels} dead channel${s.deadChannels === 1 ? '' : 's'}${shown < c ? `; the first ${shown} channels are drawn` : ''}. Choose another site in the table below (click, or Enter on a row).`;
    const plane = h * w;
    const tiles: HTMLElement[] = [];
    for (let k = 0; k < shown; k++) {
      const canvas = el('canvas', { class: 'channel-pattern', 'data-testid': 'channel-pattern', 'data-channel': String(k) });
      drawPixels(canvas, w * scale, h * scale, patternPixels(s.pattern, k * plane, h, w, scale, on, off));
      canvas.title = `channel ${k + 1}: ${pct(s.channelFraction[k])} active`;
      tiles.push(el('figure', { class: 'channel-tile' }, canvas, el('figcaption', {}, `${k + 1}: ${pct(s.channelFraction[k])}`)));
    }
    this.grid.replaceChildren(...tiles);
  }

  /** Redraw in the new theme's colours. */
  redraw(): void {
    if (!this.active || !this.result) return;
    const site = this.store.get()?.site ?? 0;
    this.renderSite(this.result, Math.min(site, this.result.sites.length - 1));
    const spec = this.fractionPlot.current;
    if (spec) this.fractionPlot.render(spec);
    this.plane.redraw();
    this.angles.redraw();
  }
}
