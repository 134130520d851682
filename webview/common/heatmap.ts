/**
 * Canvas heatmap for matrices (weights, activation patterns): one pixel per entry written into an
 * ImageData and scaled up with nearest-neighbour, so a 1000×1000 matrix costs one putImageData.
 * Hover shows the entry; colours come from a diverging (signed data) or sequential scale.
 */
import { parseColor, themeColors } from './theme';
import { HoverCanvas } from './canvas';

export interface HeatmapData {
  rows: number;
  cols: number;
  /** row-major */
  data: ArrayLike<number>;
}

export interface HeatmapOptions {
  /** 'diverging' centres 0 (weights); 'binary' for 0/1 patterns; 'sequential' otherwise */
  scale: 'diverging' | 'binary' | 'sequential';
  /** labels for the hover text */
  rowLabel?: string;
  colLabel?: string;
  format?: (v: number) => string;
  /** max canvas size in CSS pixels */
  maxWidth?: number;
  maxHeight?: number;
}

export class Heatmap {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly view: HoverCanvas;
  private data: HeatmapData | undefined;
  private maxAbs = 1;
  private min = 0;
  private max = 1;

  constructor(private readonly options: HeatmapOptions) {
    this.view = new HoverCanvas('heatmap', 'heatmap-tooltip');
    this.element = this.view.element;
    this.canvas = this.view.canvas;
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
  }

  /** Largest |value| (diverging) or [min, max] used by the colour scale. */
  get range(): { min: number; max: number; maxAbs: number } {
    return { min: this.min, max: this.max, maxAbs: this.maxAbs };
  }

  setData(d: HeatmapData, label: string): void {
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
    this.draw();
  }

  draw(): void {
    const d = this.data;
    if (!d || d.rows === 0 || d.cols === 0) return;
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
    // scale each entry to an integer number of CSS pixels that fits the box
    const maxW = this.options.maxWidth ?? 560, maxH = this.options.maxHeight ?? 400;
    const cell = Math.max(1, Math.min(Math.floor(maxW / d.cols), Math.floor(maxH / d.rows), 48));
    const off = document.createElement('canvas');
    off.width = d.cols; off.height = d.rows;
    off.getContext('2d')!.putImageData(img, 0, 0);
    this.canvas.width = d.cols * cell;
    this.canvas.height = d.rows * cell;
    const ctx = this.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, this.canvas.width, this.canvas.height);
  }

  private hover(e: MouseEvent): void {
    const d = this.data;
    if (!d) return;
    const rect = this.canvas.getBoundingClientRect();
    const j = Math.floor(((e.clientX - rect.left) / rect.width) * d.cols);
    const i = Math.floor(((e.clientY - rect.top) / rect.height) * d.rows);
    if (i < 0 || j < 0 || i >= d.rows || j >= d.cols) { this.view.hideTip(); return; }
    const v = d.data[i * d.cols + j];
    const fmt = this.options.format ?? ((x: number) => x.toPrecision(6));
    this.view.showTip(e, `${this.options.rowLabel ?? 'row'} ${i + 1}, ${this.options.colLabel ?? 'col'} ${j + 1}: ${fmt(v)}`);
  }
}

function mix(a: [number, number, number], b: [number, number, number], t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}
