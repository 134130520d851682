/**
 * The exact region map of a 2-D slice on one canvas: every activation region's polygon filled in
 * its stable colour (from the pattern hash) with thin borders, the selected input marked, axes with
 * the box bounds. The map takes the width its row gives it (ResizeObserver, redrawn at the device
 * pixel ratio) up to 85 % of the window's height. Thousands of polygons cost one path each. When the partition was capped the map
 * falls back to a pixel grid of pattern hashes (same colours). Hover finds the region under the
 * mouse (bounding boxes first, then a convex point test); click reports the (s, t) point.
 */
import { hashRgb } from '../../src/core/activation/pattern';
import type { Region, RegionGridResult, SlicePlane } from '../../src/shared/analyses/activations';
import { themeColors } from '../common/theme';
import { HoverCanvas, sizeCanvas } from '../common/canvas';
import { widthChanged } from '../common/heatmapView';

/** Room for tick labels around the plot area, in CSS pixels. */
const MARGIN = { left: 48, right: 12, top: 10, bottom: 34 };
/** Smallest side of the plot area, in CSS pixels. */
const MIN_SIDE = 240;
/** Radius of the ring around the selected input, in CSS pixels. */
const RING = 9;

interface Box { smin: number; smax: number; tmin: number; tmax: number }

export class RegionMap {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly view: HoverCanvas;
  private plane: SlicePlane | undefined;
  private regions: readonly Region[] = [];
  /** per region: smin, smax, tmin, tmax of its polygon */
  private bounds = new Float64Array(0);
  private grid: RegionGridResult | undefined;
  /** with a grid: 1 for the pixels computed so far (a streamed map); absent when all are */
  private drawn: Uint8Array | undefined;
  private marker: [number, number] | undefined;
  /** the selected input in input coordinates; the marker is where it falls on the plane */
  private input: ArrayLike<number> | undefined;
  private lastWidth = -1;
  private hovered: Region | undefined;
  private plotW = 0;
  private plotH = 0;

  /**
   * `describeGrid`: the tooltip of a pixel-grid map at (s, t) (default: "click to analyse this point");
   * undefined there means no tooltip (a pixel not computed yet).
   */
  constructor(
    private readonly describe: (region: Region) => string,
    private readonly onPick: (s: number, t: number) => void,
    private readonly describeGrid?: (s: number, t: number) => string | undefined,
  ) {
    this.view = new HoverCanvas('region-map', 'region-tooltip', 'region-map');
    this.element = this.view.element;
    this.canvas = this.view.canvas;
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => this.setHovered(undefined));
    this.canvas.addEventListener('click', (e) => {
      const p = this.toPlane(e);
      if (p) this.onPick(p[0], p[1]);
    });
    new ResizeObserver(() => {
      if (this.plane && widthChanged(this.lastWidth, this.element.clientWidth)) this.draw();
    }).observe(this.element);
  }

  get box(): Box | undefined {
    if (!this.plane) return undefined;
    const [smin, smax, tmin, tmax] = this.plane.box;
    return { smin, smax, tmin, tmax };
  }

  setRegions(plane: SlicePlane, regions: readonly Region[]): void {
    this.plane = plane;
    this.marker = this.input ? planeCoordinates(plane, this.input) : undefined;
    this.regions = regions;
    this.grid = undefined;
    this.bounds = new Float64Array(4 * regions.length);
    regions.forEach((r, i) => {
      let a = Infinity, b = -Infinity, c = Infinity, d = -Infinity;
      for (let j = 0; j < r.vertices.length; j += 2) {
        const s = r.vertices[j], t = r.vertices[j + 1];
        if (s < a) a = s; if (s > b) b = s; if (t < c) c = t; if (t > d) d = t;
      }
      this.bounds.set([a, b, c, d], 4 * i);
    });
    this.canvas.dataset.regions = String(regions.length);
    this.canvas.setAttribute('aria-label', `Region map: ${regions.length} activation regions`);
    this.draw();
  }

  /** A pixel grid of pattern hashes; `drawn` (1 a computed pixel, same order as the hashes) for a map still filling. */
  setGrid(grid: RegionGridResult, drawn?: Uint8Array): void {
    this.drawn = drawn;
    this.plane = grid.plane;
    this.marker = this.input ? planeCoordinates(grid.plane, this.input) : undefined;
    this.regions = [];
    this.bounds = new Float64Array(0);
    this.grid = grid;
    this.canvas.dataset.regions = '';
    this.canvas.setAttribute('aria-label', `Region map sampled on a ${grid.width}×${grid.height} grid: ${grid.distinct} distinct patterns`);
    this.draw();
  }

  clear(): void {
    this.plane = undefined;
    this.regions = [];
    this.grid = undefined;
    this.canvas.width = 0;
    this.canvas.height = 0;
  }

  /**
   * The selected input: marked with a ring where it lies on the plane (now, or when the map arrives
   * after the input's analysis), not marked when it is off the plane.
   */
  setInput(x: ArrayLike<number> | undefined): void {
    this.input = x;
    this.marker = x && this.plane ? planeCoordinates(this.plane, x) : undefined;
    this.draw();
  }

  /** The region containing (s, t), if the exact partition is shown. */
  regionAt(s: number, t: number): Region | undefined {
    const B = this.bounds;
    for (let i = 0; i < this.regions.length; i++) {
      if (s < B[4 * i] || s > B[4 * i + 1] || t < B[4 * i + 2] || t > B[4 * i + 3]) continue;
      if (insideConvex(this.regions[i].vertices, s, t)) return this.regions[i];
    }
    return undefined;
  }

  draw(): void {
    const box = this.box;
    if (!box) return;
    const spanS = box.smax - box.smin, spanT = box.tmax - box.tmin;
    this.lastWidth = this.element.clientWidth;
    // up to most of the window's height, so a maximised panel shows the whole map without scrolling
    const maxH = Math.max(MIN_SIDE, Math.round(window.innerHeight * 0.85) - MARGIN.top - MARGIN.bottom);
    const available = Math.max(MIN_SIDE, (this.lastWidth || 520) - MARGIN.left - MARGIN.right);
    // keep the box's aspect ratio (equal scales on both axes) within the width and the height cap
    const scale = Math.min(available / spanS, maxH / spanT);
    this.plotW = Math.max(1, Math.round(spanS * scale));
    this.plotH = Math.max(1, Math.round(spanT * scale));
    const cssW = this.plotW + MARGIN.left + MARGIN.right, cssH = this.plotH + MARGIN.top + MARGIN.bottom;
    const ctx = sizeCanvas(this.canvas, cssW, cssH);
    if (!ctx) return;
    const colors = themeColors();
    ctx.fillStyle = colors.background;
    ctx.fillRect(0, 0, cssW, cssH);
    const X = (s: number) => MARGIN.left + ((s - box.smin) / spanS) * this.plotW;
    const Y = (t: number) => MARGIN.top + ((box.tmax - t) / spanT) * this.plotH;

    if (this.grid) this.drawGrid(ctx, this.grid);
    else {
      ctx.lineWidth = 0.6;
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.45)';
      ctx.lineJoin = 'round';
      for (const r of this.regions) {
        const v = r.vertices;
        if (v.length < 6) continue;
        ctx.beginPath();
        ctx.moveTo(X(v[0]), Y(v[1]));
        for (let j = 2; j < v.length; j += 2) ctx.lineTo(X(v[j]), Y(v[j + 1]));
        ctx.closePath();
        ctx.fillStyle = r.color;
        ctx.fill();
        ctx.stroke();
      }
      if (this.hovered) {
        const v = this.hovered.vertices;
        ctx.beginPath();
        ctx.moveTo(X(v[0]), Y(v[1]));
        for (let j = 2; j < v.length; j += 2) ctx.lineTo(X(v[j]), Y(v[j + 1]));
        ctx.closePath();
        ctx.lineWidth = 2;
        ctx.strokeStyle = colors.foreground;
        ctx.stroke();
      }
    }
    this.drawAxes(ctx, box, X, Y, colors.foreground, colors.grid);
    this.canvas.dataset.marker = this.marker ? this.marker.map((v) => tickLabel(v, 4)).join(',') : '';
    if (this.marker) {
      // a white ring on a black halo reads on every region colour and both themes
      const [mx, my] = [X(this.marker[0]), Y(this.marker[1])];
      ctx.lineWidth = 5;
      ctx.strokeStyle = '#000';
      ctx.beginPath(); ctx.arc(mx, my, RING, 0, 2 * Math.PI); ctx.stroke();
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = '#fff';
      ctx.beginPath(); ctx.arc(mx, my, RING, 0, 2 * Math.PI); ctx.stroke();
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(mx - RING - 5, my); ctx.lineTo(mx - 3, my); ctx.moveTo(mx + 3, my); ctx.lineTo(mx + RING + 5, my);
      ctx.moveTo(mx, my - RING - 5); ctx.lineTo(mx, my - 3); ctx.moveTo(mx, my + 3); ctx.lineTo(mx, my + RING + 5);
      ctx.stroke();
    }
  }

  private drawGrid(ctx: CanvasRenderingContext2D, g: RegionGridResult): void {
    const img = new ImageData(g.width, g.height);
    const cache = new Map<number, [number, number, number]>();
    for (let i = 0; i < g.hashes.length; i++) {
      const h = g.hashes[i];
      let c = cache.get(h);
      if (!c) { c = hashRgb(h); cache.set(h, c); }
      // a pixel not computed yet stays transparent: the background shows through
      img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2]; img.data[4 * i + 3] = this.drawn && !this.drawn[i] ? 0 : 255;
    }
    const off = document.createElement('canvas');
    off.width = g.width; off.height = g.height;
    off.getContext('2d')!.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, MARGIN.left, MARGIN.top, this.plotW, this.plotH);
  }

  private drawAxes(ctx: CanvasRenderingContext2D, box: Box, X: (s: number) => number, Y: (t: number) => number, fg: string, grid: string): void {
    ctx.strokeStyle = grid;
    ctx.lineWidth = 1;
    ctx.strokeRect(MARGIN.left - 0.5, MARGIN.top - 0.5, this.plotW + 1, this.plotH + 1);
    ctx.fillStyle = fg;
    ctx.font = `11px ${getComputedStyle(document.body).fontFamily || 'sans-serif'}`;
    // the input and axes planes have s = x₁ and t = x₂
    const names = this.plane?.source === 'input' || this.plane?.source === 'axes' ? ['x₁', 'x₂'] : ['s', 't'];
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const s of niceTicks(box.smin, box.smax)) {
      ctx.fillText(tickLabel(s), X(s), MARGIN.top + this.plotH + 4);
      ctx.fillRect(X(s) - 0.5, MARGIN.top + this.plotH, 1, 3);
    }
    ctx.fillText(names[0], MARGIN.left + this.plotW / 2, MARGIN.top + this.plotH + 19);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of niceTicks(box.tmin, box.tmax)) {
      ctx.fillText(tickLabel(t), MARGIN.left - 6, Y(t));
      ctx.fillRect(MARGIN.left - 4, Y(t) - 0.5, 3, 1);
    }
    ctx.save();
    ctx.translate(12, MARGIN.top + this.plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(names[1], 0, 0);
    ctx.restore();
  }

  /** (s, t) under the mouse, or undefined outside the plot area. */
  private toPlane(e: MouseEvent): [number, number] | undefined {
    const box = this.box;
    if (!box) return undefined;
    const rect = this.canvas.getBoundingClientRect();
    const px = e.clientX - rect.left - MARGIN.left, py = e.clientY - rect.top - MARGIN.top;
    if (px < 0 || py < 0 || px > this.plotW || py > this.plotH) return undefined;
    return [box.smin + (px / this.plotW) * (box.smax - box.smin), box.tmax - (py / this.plotH) * (box.tmax - box.tmin)];
  }

  private setHovered(r: Region | undefined): void {
    if (r === this.hovered) return;
    this.hovered = r;
    this.draw();
  }

  private hover(e: MouseEvent): void {
    const p = this.toPlane(e);
    const r = p ? this.regionAt(p[0], p[1]) : undefined;
    this.setHovered(r);
    if (!p || (!r && !this.grid)) { this.view.hideTip(); return; }
    const where = `(${tickLabel(p[0], 4)}, ${tickLabel(p[1], 4)})`;
    if (!r && this.describeGrid) {
      const text = this.describeGrid(p[0], p[1]);
      if (text === undefined) this.view.hideTip(); else this.view.showTip(e, `${where}\n${text}`);
      return;
    }
    this.view.showTip(e, r ? `${where}\n${this.describe(r)}` : `${where}\nclick to analyse this point`);
  }
}

/** (s, t) of x on the plane when x lies on it (least squares; undefined when it is off the plane). */
export function planeCoordinates(plane: { origin: ArrayLike<number>; u: ArrayLike<number>; v: ArrayLike<number> }, x: ArrayLike<number>): [number, number] | undefined {
  let uu = 0, uv = 0, vv = 0, ur = 0, vr = 0, rr = 0;
  for (let i = 0; i < x.length; i++) {
    const r = x[i] - plane.origin[i];
    uu += plane.u[i] ** 2; vv += plane.v[i] ** 2; uv += plane.u[i] * plane.v[i];
    ur += plane.u[i] * r; vr += plane.v[i] * r; rr += r * r;
  }
  const det = uu * vv - uv * uv;
  if (det === 0) return undefined;
  const s = (ur * vv - vr * uv) / det, t = (vr * uu - ur * uv) / det;
  let off = 0;
  for (let i = 0; i < x.length; i++) off += (x[i] - plane.origin[i] - s * plane.u[i] - t * plane.v[i]) ** 2;
  return off <= 1e-18 * Math.max(1, rr) ? [s, t] : undefined;
}

/** Point in a counter-clockwise convex polygon (boundary included, with a small tolerance). */
export function insideConvex(v: ArrayLike<number>, s: number, t: number): boolean {
  const n = v.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const ax = v[2 * i], ay = v[2 * i + 1], bx = v[2 * j], by = v[2 * j + 1];
    const cross = (bx - ax) * (t - ay) - (by - ay) * (s - ax);
    if (cross < -1e-12 * (Math.abs(bx - ax) + Math.abs(by - ay) + 1)) return false;
  }
  return true;
}

/** About five round tick values in [a, b]. */
export function niceTicks(a: number, b: number): number[] {
  const raw = (b - a) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export function tickLabel(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(digits))) : v.toExponential(1);
}
