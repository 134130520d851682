/**
 * One network's exact region map of the shared slice, each region in its pattern colour. Regions
 * that differ from the other network are faded and outlined: dashed orange for 'moved' (the other
 * network has the pattern on another polygon), solid red for 'only' (the other network never has
 * it); regions that are the same in both keep their full colour, so what did not change stands out
 * even when thousands of small regions changed.
 */
import type { CompareRegion, RegionSide } from '../../src/shared/analyses/compare';
import type { SlicePlane } from '../../src/shared/analyses/activations';
import { sizeCanvas } from '../common/canvas';
import { themeColors } from '../common/theme';

const MARGIN = { left: 44, right: 10, top: 8, bottom: 30 };

export class RegionCompareMap {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private data: { plane: SlicePlane; side: RegionSide } | undefined;

  constructor(testId: string, private readonly side = 380) {
    this.element = document.createElement('div');
    this.element.className = 'region-compare-map';
    this.canvas = document.createElement('canvas');
    this.canvas.dataset.testid = testId;
    this.canvas.setAttribute('role', 'img');
    this.element.append(this.canvas);
  }

  set(plane: SlicePlane, side: RegionSide): void {
    this.data = { plane, side };
    this.draw();
  }

  clear(): void {
    this.data = undefined;
    const ctx = this.canvas.getContext('2d');
    ctx?.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  pngBase64(): string | undefined {
    return this.data ? this.canvas.toDataURL('image/png').split(',')[1] : undefined;
  }

  draw(): void {
    if (!this.data) return;
    const { plane, side } = this.data;
    const colors = themeColors();
    const [smin, smax, tmin, tmax] = plane.box;
    const aspect = (tmax - tmin) / (smax - smin);
    const plotW = this.side, plotH = Math.max(80, Math.min(this.side * 1.5, this.side * aspect));
    const W = plotW + MARGIN.left + MARGIN.right, H = plotH + MARGIN.top + MARGIN.bottom;
    const ctx = sizeCanvas(this.canvas, W, H);
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    const px = (s: number) => MARGIN.left + ((s - smin) / (smax - smin)) * plotW;
    const py = (t: number) => MARGIN.top + plotH - ((t - tmin) / (tmax - tmin)) * plotH;
    const path = (r: CompareRegion) => {
      ctx.beginPath();
      for (let j = 0; j < r.vertices.length; j += 2) {
        const X = px(r.vertices[j]), Y = py(r.vertices[j + 1]);
        if (j === 0) ctx.moveTo(X, Y); else ctx.lineTo(X, Y);
      }
      ctx.closePath();
    };
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top, plotW, plotH);
    ctx.clip();
    ctx.lineWidth = 0.5;
    ctx.strokeStyle = colors.background;
    for (const r of side.regions) {
      path(r);
      ctx.fillStyle = r.color;
      ctx.globalAlpha = r.status === 'same' ? 1 : 0.35;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.stroke();
    }
    // outlines last, so neighbours' fills do not cover them
    const moved = colors.series[1], only = colors.series[4];
    for (const r of side.regions) {
      if (r.status === 'same') continue;
      path(r);
      ctx.strokeStyle = r.status === 'only' ? only : moved;
      ctx.lineWidth = 1;
      ctx.setLineDash(r.status === 'only' ? [] : [3, 2]);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.restore();
    ctx.strokeStyle = colors.muted;
    ctx.lineWidth = 1;
    ctx.strokeRect(MARGIN.left + 0.5, MARGIN.top + 0.5, plotW - 1, plotH - 1);
    const font = getComputedStyle(document.body).fontFamily || 'sans-serif';
    ctx.fillStyle = colors.foreground;
    ctx.font = `11px ${font}`;
    const short = (v: number) => String(Number(v.toPrecision(3)));
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(short(smin), px(smin), MARGIN.top + plotH + 4);
    ctx.fillText(short(smax), px(smax), MARGIN.top + plotH + 4);
    ctx.fillText(plane.source === 'input' || plane.source === 'axes' ? 'x₁' : 's', MARGIN.left + plotW / 2, MARGIN.top + plotH + 14);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(short(tmin), MARGIN.left - 4, py(tmin) - 6);
    ctx.fillText(short(tmax), MARGIN.left - 4, py(tmax) + 6);
    ctx.fillText(plane.source === 'input' || plane.source === 'axes' ? 'x₂' : 't', MARGIN.left - 4, MARGIN.top + plotH / 2);
    this.canvas.dataset.regions = String(side.count);
    this.canvas.dataset.differing = String(side.moved + side.only);
    this.canvas.setAttribute('aria-label', `Region map: ${side.count} regions, ${side.same} same, ${side.moved} moved, ${side.only} only here`);
  }
}
