/**
 * Canvas heatmap for matrices (weights, activation patterns): one pixel per entry written into an
 * ImageData once, then the shown window drawn with nearest-neighbour scaling at the device pixel
 * ratio, so a 1000×1000 matrix costs one putImageData and a zoom one drawImage. The canvas takes
 * the width of its container (ResizeObserver) and keeps cells square up to a height cap; row and
 * column indices (1-based) sit beside it, a colour bar with the value range at its right.
 * Zoom: drag a rectangle, or the wheel about the pointer; double-click (or "Reset zoom") shows all.
 * Hover shows row, column and value. Colours: diverging (signed data), binary (0/1) or sequential.
 */
import { parseColor, themeColors } from './theme';
import { HoverCanvas } from './canvas';
import { formatNumber } from './format';
import {
  canvasSize, clampWindow, colorbarStops, fullWindow, indexTicks, panWindow, tickBudget, widthChanged, windowText, zoomAbout, zoomToFractions,
  type HeatmapScale, type IndexWindow,
} from './heatmapView';

export interface HeatmapData {
  rows: number;
  cols: number;
  /** row-major */
  data: ArrayLike<number>;
}

export interface HeatmapOptions {
  /** 'diverging' centres 0 (weights); 'binary' for 0/1 patterns; 'sequential' otherwise */
  scale: HeatmapScale;
  /** labels for the hover text and the axes */
  rowLabel?: string;
  colLabel?: string;
  format?: (v: number) => string;
  /** most CSS pixels of height (default: 70 % of the window's height, at least 240) */
  maxHeight?: number;
  /** at most this wide in CSS pixels (small side-by-side maps); default: the container's width */
  maxWidth?: number;
  /** no colour bar (e.g. when a caption already gives the legend) */
  noColorbar?: boolean;
}

/** Widths of the parts beside the canvas, in CSS pixels (the grid in webview.css uses them too). */
const Y_AXIS = 44, BAR = 84, GAP = 6;
/** Wheel notches: one zooms in by this factor. */
const WHEEL_IN = 0.8;

export class Heatmap {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly view: HoverCanvas;
  private readonly plotArea: HTMLDivElement;
  private readonly yTicks: HTMLDivElement;
  private readonly xTicks: HTMLDivElement;
  private readonly bar: HTMLDivElement;
  private readonly barLabels: HTMLDivElement;
  private readonly info: HTMLSpanElement;
  private readonly resetButton: HTMLButtonElement;
  private readonly selection: HTMLDivElement;
  private data: HeatmapData | undefined;
  /** the whole matrix as one pixel per entry, made on setData and on a theme change */
  private image: HTMLCanvasElement | undefined;
  private rowsShown: IndexWindow = { start: 0, end: 0 };
  private colsShown: IndexWindow = { start: 0, end: 0 };
  private maxAbs = 1;
  private min = 0;
  private max = 1;
  private lastWidth = -1;
  private dragFrom: { x: number; y: number } | undefined;

  constructor(private readonly options: HeatmapOptions) {
    this.view = new HoverCanvas('heatmap-canvas', 'heatmap-tooltip');
    this.canvas = this.view.canvas;
    this.selection = div('heatmap-selection');
    this.selection.hidden = true;
    this.view.element.append(this.selection);
    this.yTicks = div('heatmap-yticks');
    this.xTicks = div('heatmap-xticks');
    this.bar = div('heatmap-colorbar-ramp');
    this.barLabels = div('heatmap-colorbar-labels');
    const colorbar = div('heatmap-colorbar', this.bar, this.barLabels);
    colorbar.dataset.testid = 'heatmap-colorbar';
    colorbar.hidden = !!options.noColorbar;
    this.info = document.createElement('span');
    this.info.className = 'heatmap-range';
    this.info.dataset.testid = 'heatmap-range';
    this.resetButton = document.createElement('button');
    this.resetButton.className = 'heatmap-reset';
    this.resetButton.textContent = 'Reset zoom';
    this.resetButton.hidden = true;
    this.resetButton.addEventListener('click', () => this.resetZoom());
    this.plotArea = div('heatmap-plot', this.yTicks, this.view.element, colorbar, div('heatmap-corner'), this.xTicks);
    this.element = div('heatmap', div('heatmap-info', this.info, this.resetButton), this.plotArea);

    // pointer capture keeps a drag that leaves the canvas ours until the button is released
    this.canvas.addEventListener('pointermove', (e) => this.onMove(e));
    this.canvas.addEventListener('pointerdown', (e) => this.onDown(e));
    this.canvas.addEventListener('pointerup', (e) => this.onUp(e));
    this.canvas.addEventListener('dblclick', () => this.resetZoom());
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    // the keyboard does what the mouse does: + and − zoom about the centre, arrows pan, 0 shows all
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('aria-keyshortcuts', '+ - 0 ArrowLeft ArrowRight ArrowUp ArrowDown');
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    // redraw when the panel (or the section holding the map) changes width; height follows from it
    new ResizeObserver(() => {
      if (this.data && widthChanged(this.lastWidth, this.element.clientWidth)) this.draw();
    }).observe(this.element);
  }

  /** Largest |value| (diverging) or [min, max] used by the colour scale. */
  get range(): { min: number; max: number; maxAbs: number } {
    return { min: this.min, max: this.max, maxAbs: this.maxAbs };
  }

  /** The shown rows and columns (0-based, end exclusive). */
  get window(): { rows: IndexWindow; cols: IndexWindow } {
    return { rows: { ...this.rowsShown }, cols: { ...this.colsShown } };
  }

  setData(d: HeatmapData, label: string): void {
    const sameShape = this.data?.rows === d.rows && this.data?.cols === d.cols;
    this.data = d;
    let maxAbs = 0, min = Infinity, max = -Infinity;
    for (let i = 0; i < d.data.length; i++) {
      const v = d.data[i];
      if (!Number.isFinite(v)) continue;
      maxAbs = Math.max(maxAbs, Math.abs(v));
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    this.maxAbs = maxAbs || 1;
    this.min = Number.isFinite(min) ? min : 0;
    this.max = Number.isFinite(max) ? max : 1;
    this.canvas.setAttribute('aria-label', label);
    this.canvas.dataset.rows = String(d.rows);
    this.canvas.dataset.cols = String(d.cols);
    // new data of the same shape (another input, a redraw) keeps the zoom; another matrix starts whole
    if (!sameShape) { this.rowsShown = fullWindow(d.rows); this.colsShown = fullWindow(d.cols); }
    this.image = undefined;
    this.draw();
  }

  resetZoom(): void {
    if (!this.data) return;
    this.rowsShown = fullWindow(this.data.rows);
    this.colsShown = fullWindow(this.data.cols);
    this.draw();
  }

  /** Show rows [r0, r1) and columns [c0, c1) (0-based), clamped to the matrix. */
  zoomTo(rows: IndexWindow, cols: IndexWindow): void {
    if (!this.data) return;
    this.rowsShown = clampWindow(rows, this.data.rows);
    this.colsShown = clampWindow(cols, this.data.cols);
    this.draw();
  }

  /** Redraw (theme change, resize): colours are re-read from the theme. */
  draw(): void {
    const d = this.data;
    if (!d || d.rows === 0 || d.cols === 0) return;
    if (!this.image) this.image = this.paint(d);
    this.lastWidth = this.element.clientWidth;
    const colorbarW = this.options.noColorbar ? 0 : BAR + GAP;
    let available = (this.lastWidth || 600) - Y_AXIS - GAP - colorbarW - 2;
    if (this.options.maxWidth) available = Math.min(available, this.options.maxWidth);
    const maxH = this.options.maxHeight ?? Math.max(240, Math.round(window.innerHeight * 0.7));
    const rw = this.rowsShown, cw = this.colsShown;
    const nr = rw.end - rw.start, nc = cw.end - cw.start;
    const { width, height } = canvasSize(available, nr, nc, 120, maxH);
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.image, cw.start, rw.start, nc, nr, 0, 0, this.canvas.width, this.canvas.height);
    this.drawTicks(width, height);
    this.drawColorbar(height);
    const zoomed = nr !== d.rows || nc !== d.cols;
    this.resetButton.hidden = !zoomed;
    this.canvas.dataset.rowRange = `${rw.start + 1}-${rw.end}`;
    this.canvas.dataset.colRange = `${cw.start + 1}-${cw.end}`;
    this.info.textContent = `${windowText(this.options.rowLabel ?? 'rows', rw, d.rows)} × ${windowText(this.options.colLabel ?? 'columns', cw, d.cols)}`
      + (zoomed ? ' — double-click (or 0) to see all' : ' — drag a rectangle, turn the wheel or press + to zoom');
  }

  /** One pixel per entry in the theme's colours. */
  private paint(d: HeatmapData): HTMLCanvasElement {
    const colors = themeColors();
    const neg = parseColor(colors.series[4]);
    const pos = parseColor(colors.series[0]);
    const mid = parseColor(colors.background);
    const img = new ImageData(d.cols, d.rows);
    const px = img.data;
    for (let i = 0; i < d.rows * d.cols; i++) {
      const v = d.data[i];
      let c: [number, number, number];
      if (!Number.isFinite(v)) c = [255, 0, 255];
      else if (this.options.scale === 'binary') c = v > 0 ? pos : mid;
      else if (this.options.scale === 'diverging') c = mix(mid, v < 0 ? neg : pos, Math.min(1, Math.abs(v) / this.maxAbs));
      else c = mix(mid, pos, this.max > this.min ? (v - this.min) / (this.max - this.min) : 1);
      px[4 * i] = c[0]; px[4 * i + 1] = c[1]; px[4 * i + 2] = c[2]; px[4 * i + 3] = 255;
    }
    const off = document.createElement('canvas');
    off.width = d.cols; off.height = d.rows;
    off.getContext('2d')?.putImageData(img, 0, 0);
    return off;
  }

  private drawTicks(width: number, height: number): void {
    const tick = (cls: string, text: string) => { const s = document.createElement('span'); s.className = cls; s.textContent = text; return s; };
    this.yTicks.style.height = `${height}px`;
    this.yTicks.replaceChildren(...indexTicks(this.rowsShown, tickBudget(height, 18)).map((t) => {
      const s = tick('heatmap-tick', t.label);
      s.style.top = `${t.at * height}px`;
      return s;
    }));
    const labelWidth = 8 * String(this.colsShown.end).length + 14;
    this.xTicks.style.width = `${width}px`;
    this.xTicks.replaceChildren(...indexTicks(this.colsShown, tickBudget(width, labelWidth)).map((t) => {
      const s = tick('heatmap-tick', t.label);
      s.style.left = `${t.at * width}px`;
      return s;
    }));
    this.yTicks.title = this.options.rowLabel ?? 'row';
    this.xTicks.title = this.options.colLabel ?? 'column';
  }

  private drawColorbar(height: number): void {
    const colors = themeColors();
    const neg = opaque(colors.series[4]), pos = opaque(colors.series[0]), mid = colors.background;
    const scale = this.options.scale;
    this.bar.style.height = `${height}px`;
    this.barLabels.style.height = `${height}px`;
    this.bar.style.backgroundImage = scale === 'diverging' ? `linear-gradient(to top, ${neg}, ${mid}, ${pos})`
      : scale === 'binary' ? `linear-gradient(to top, ${mid} 50%, ${pos} 50%)`
        : `linear-gradient(to top, ${mid}, ${pos})`;
    this.barLabels.replaceChildren(...colorbarStops(scale, this.range, (v) => formatNumber(v)).map((s) => {
      const span = document.createElement('span');
      span.className = 'heatmap-tick';
      span.textContent = s.label;
      span.style.top = `${(1 - s.at) * height}px`;
      return span;
    }));
  }

  /** (fraction across, fraction down) of the canvas under the mouse, not clamped. */
  private fractions(e: MouseEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return { x: (e.clientX - rect.left) / rect.width, y: (e.clientY - rect.top) / rect.height };
  }

  private onDown(e: PointerEvent): void {
    if (e.button !== 0 || !this.data) return;
    this.dragFrom = this.fractions(e);
    this.canvas.setPointerCapture(e.pointerId);
    e.preventDefault();
  }

  private onUp(e: PointerEvent): void {
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    const from = this.dragFrom, d = this.data;
    this.dragFrom = undefined;
    this.selection.hidden = true;
    if (!from || !d) return;
    const to = this.fractions(e);
    const rect = this.canvas.getBoundingClientRect();
    // a click is not a zoom: the drag must cover a few pixels
    if (Math.abs(to.x - from.x) * rect.width < 4 && Math.abs(to.y - from.y) * rect.height < 4) return;
    this.rowsShown = zoomToFractions(this.rowsShown, from.y, to.y, d.rows);
    this.colsShown = zoomToFractions(this.colsShown, from.x, to.x, d.cols);
    this.view.hideTip();
    this.draw();
  }

  private onWheel(e: WheelEvent): void {
    const d = this.data;
    if (!d || e.deltaY === 0) return;
    e.preventDefault();
    const f = this.fractions(e);
    const factor = e.deltaY < 0 ? WHEEL_IN : 1 / WHEEL_IN;
    this.rowsShown = zoomAbout(this.rowsShown, f.y, factor, d.rows);
    this.colsShown = zoomAbout(this.colsShown, f.x, factor, d.cols);
    this.draw();
  }

  private onKey(e: KeyboardEvent): void {
    const d = this.data;
    if (!d) return;
    const rows = this.rowsShown, cols = this.colsShown;
    switch (e.key) {
      case '+': case '=': this.zoomTo(zoomAbout(rows, 0.5, WHEEL_IN, d.rows), zoomAbout(cols, 0.5, WHEEL_IN, d.cols)); break;
      case '-': case '_': this.zoomTo(zoomAbout(rows, 0.5, 1 / WHEEL_IN, d.rows), zoomAbout(cols, 0.5, 1 / WHEEL_IN, d.cols)); break;
      case '0': case 'Escape': this.resetZoom(); break;
      case 'ArrowLeft': this.zoomTo(rows, panWindow(cols, -1, d.cols)); break;
      case 'ArrowRight': this.zoomTo(rows, panWindow(cols, 1, d.cols)); break;
      case 'ArrowUp': this.zoomTo(panWindow(rows, -1, d.rows), cols); break;
      case 'ArrowDown': this.zoomTo(panWindow(rows, 1, d.rows), cols); break;
      default: return;
    }
    e.preventDefault();
  }

  private onMove(e: MouseEvent): void {
    const d = this.data;
    if (!d) return;
    const f = this.fractions(e);
    if (this.dragFrom) {
      const rect = this.canvas.getBoundingClientRect();
      const [x0, x1] = [Math.min(f.x, this.dragFrom.x), Math.max(f.x, this.dragFrom.x)].map((v) => Math.max(0, Math.min(1, v)) * rect.width);
      const [y0, y1] = [Math.min(f.y, this.dragFrom.y), Math.max(f.y, this.dragFrom.y)].map((v) => Math.max(0, Math.min(1, v)) * rect.height);
      Object.assign(this.selection.style, { left: `${x0}px`, top: `${y0}px`, width: `${x1 - x0}px`, height: `${y1 - y0}px` });
      this.selection.hidden = false;
    }
    const rw = this.rowsShown, cw = this.colsShown;
    const j = cw.start + Math.floor(f.x * (cw.end - cw.start));
    const i = rw.start + Math.floor(f.y * (rw.end - rw.start));
    if (f.x < 0 || f.y < 0 || i >= rw.end || j >= cw.end) { this.view.hideTip(); return; }
    const v = d.data[i * d.cols + j];
    const fmt = this.options.format ?? ((x: number) => x.toPrecision(6));
    this.view.showTip(e, `${this.options.rowLabel ?? 'row'} ${i + 1}, ${this.options.colLabel ?? 'col'} ${j + 1}: ${fmt(v)}`);
  }
}

function div(className: string, ...children: Node[]): HTMLDivElement {
  const d = document.createElement('div');
  d.className = className;
  d.append(...children);
  return d;
}

function opaque(c: string): string {
  const [r, g, b] = parseColor(c);
  return `rgb(${r}, ${g}, ${b})`;
}

function mix(a: [number, number, number], b: [number, number, number], t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}
