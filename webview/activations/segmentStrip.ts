/**
 * The exact pieces of a 1-D input's domain on one canvas: a strip of intervals, each filled in the
 * stable colour of its pattern hash (the same colours as the 2-D region map), with the breakpoints
 * as ticks and the selected input marked. Hover names the piece and its affine map, click picks x.
 */
import { hashColor } from '../../src/core/activation/pattern';
import type { SegmentResult } from '../../src/shared/analyses/activations';
import { themeColors } from '../common/theme';
import { niceTicks, tickLabel } from './regionMap';
import { HoverCanvas, sizeCanvas } from '../common/canvas';

const MARGIN = { left: 48, right: 12, top: 8, bottom: 34 };
const STRIP_HEIGHT = 36;
const MAX_WIDTH = 720;

export class SegmentStrip {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly view: HoverCanvas;
  private result: SegmentResult | undefined;
  private marker: number | undefined;
  private plotW = 0;

  constructor(
    private readonly describe: (piece: number) => string,
    private readonly onPick: (x: number) => void,
  ) {
    this.view = new HoverCanvas('segment-strip', 'segment-tooltip', 'segment-strip');
    this.element = this.view.element;
    this.canvas = this.view.canvas;
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('click', (e) => {
      const x = this.toX(e);
      if (x !== undefined) this.onPick(x);
    });
  }

  /** x at the start and end of the segment (1-D inputs: the from and to coordinates). */
  get range(): [number, number] | undefined {
    return this.result ? [this.result.from[0], this.result.to[0]] : undefined;
  }

  set(result: SegmentResult): void {
    this.result = result;
    this.canvas.dataset.pieces = String(result.pieces);
    this.canvas.setAttribute('aria-label', `Pieces along x: ${result.pieces} activation pieces`);
    this.draw();
  }

  clear(): void {
    this.result = undefined;
    this.canvas.width = 0;
    this.canvas.height = 0;
  }

  setMarker(x: number | undefined): void {
    this.marker = x;
    this.draw();
  }

  /** The piece containing x (index into the details), if any. */
  pieceAt(x: number): number | undefined {
    const r = this.result, det = r?.details, range = this.range;
    if (!r || !det || !range) return undefined;
    const t = (x - range[0]) / (range[1] - range[0]);
    // binary search on the piece ends
    let lo = 0, hi = det.t1.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (det.t1[mid] < t) lo = mid + 1; else hi = mid;
    }
    return t >= det.t0[lo] && t <= det.t1[lo] ? lo : undefined;
  }

  draw(): void {
    const r = this.result, det = r?.details, range = this.range;
    if (!r || !det || !range) return;
    const available = Math.max(240, Math.min(MAX_WIDTH, (this.element.parentElement?.clientWidth ?? MAX_WIDTH) - MARGIN.left - MARGIN.right));
    this.plotW = available;
    const cssW = available + MARGIN.left + MARGIN.right, cssH = STRIP_HEIGHT + MARGIN.top + MARGIN.bottom;
    const ctx = sizeCanvas(this.canvas, cssW, cssH);
    if (!ctx) return;
    const colors = themeColors();
    ctx.fillStyle = colors.background;
    ctx.fillRect(0, 0, cssW, cssH);
    const X = (t: number) => MARGIN.left + t * this.plotW;
    for (let k = 0; k < det.t0.length; k++) {
      // at least a pixel per piece so every piece stays visible
      const x0 = X(det.t0[k]), x1 = Math.max(X(det.t1[k]), x0 + 1);
      ctx.fillStyle = hashColor(det.hashes[k]);
      ctx.fillRect(x0, MARGIN.top, x1 - x0, STRIP_HEIGHT);
    }
    ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
    for (const t of r.breakpoints) ctx.fillRect(Math.round(X(t)) - 0.5, MARGIN.top, 1, STRIP_HEIGHT);
    ctx.strokeStyle = colors.grid;
    ctx.strokeRect(MARGIN.left - 0.5, MARGIN.top - 0.5, this.plotW + 1, STRIP_HEIGHT + 1);
    // x ticks
    ctx.fillStyle = colors.foreground;
    ctx.font = `11px ${getComputedStyle(document.body).fontFamily || 'sans-serif'}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const [a, b] = range;
    for (const v of niceTicks(a, b)) {
      const px = X((v - a) / (b - a));
      ctx.fillText(tickLabel(v), px, MARGIN.top + STRIP_HEIGHT + 4);
      ctx.fillRect(px - 0.5, MARGIN.top + STRIP_HEIGHT, 1, 3);
    }
    ctx.fillText('x', MARGIN.left + this.plotW / 2, MARGIN.top + STRIP_HEIGHT + 19);
    if (this.marker !== undefined && this.marker >= a && this.marker <= b) {
      const px = X((this.marker - a) / (b - a));
      ctx.lineWidth = 3;
      ctx.strokeStyle = '#000';
      ctx.beginPath(); ctx.moveTo(px, MARGIN.top - 4); ctx.lineTo(px, MARGIN.top + STRIP_HEIGHT + 4); ctx.stroke();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = '#fff';
      ctx.beginPath(); ctx.moveTo(px, MARGIN.top - 4); ctx.lineTo(px, MARGIN.top + STRIP_HEIGHT + 4); ctx.stroke();
    }
  }

  private toX(e: MouseEvent): number | undefined {
    const range = this.range;
    if (!range) return undefined;
    const rect = this.canvas.getBoundingClientRect();
    const px = e.clientX - rect.left - MARGIN.left;
    if (px < 0 || px > this.plotW) return undefined;
    return range[0] + (px / this.plotW) * (range[1] - range[0]);
  }

  private hover(e: MouseEvent): void {
    const x = this.toX(e);
    const k = x !== undefined ? this.pieceAt(x) : undefined;
    if (x === undefined || k === undefined) { this.view.hideTip(); return; }
    this.view.showTip(e, `x = ${tickLabel(x, 4)}\n${this.describe(k)}`);
  }
}
