/**
 * The histogram of the simulated ln sin²θ at one layer (bars: simulation) with the predicted density
 * drawn over it (dashed line: theory), on one canvas so the PNG export carries axes and legend.
 * Both are densities (the histogram is count / (trials · bin width)), so they share the y axis.
 */
import { themeColors } from '../common/theme';
import { sizeCanvas } from '../common/canvas';

export interface HistogramSpec {
  readonly title: string;
  readonly xLabel: string;
  /** bins + 1 edges and per-bin densities */
  readonly edges: ArrayLike<number>;
  readonly density: ArrayLike<number>;
  readonly histogramLabel: string;
  /** the predicted density on its grid */
  readonly curveX: ArrayLike<number>;
  readonly curveY: ArrayLike<number>;
  readonly curveLabel: string;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Math.abs(v) < 1e-12 * step ? 0 : v);
  return out;
}

function tickText(v: number, step: number): string {
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(digits).replace('-', '−');
}

export class HistogramPlot {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private spec: HistogramSpec | undefined;
  private readonly resizeObserver: ResizeObserver;

  constructor(private readonly height = 280) {
    this.element = document.createElement('div');
    this.element.className = 'histogram-plot';
    this.canvas = document.createElement('canvas');
    this.canvas.dataset.testid = 'histogram-canvas';
    this.canvas.setAttribute('role', 'img');
    this.element.append(this.canvas);
    let lastWidth = 0;
    this.resizeObserver = new ResizeObserver(() => {
      const w = this.width();
      if (this.spec && w !== lastWidth) { lastWidth = w; this.draw(); }
    });
    this.resizeObserver.observe(this.element);
  }

  get current(): HistogramSpec | undefined {
    return this.spec;
  }

  private width(): number {
    return Math.max(320, Math.floor(this.element.clientWidth || 600));
  }

  render(spec: HistogramSpec): void {
    this.spec = spec;
    this.draw();
  }

  redraw(): void {
    if (this.spec) this.draw();
  }

  clear(): void {
    this.spec = undefined;
    const ctx = this.canvas.getContext('2d');
    ctx?.clearRect(0, 0, this.canvas.width, this.canvas.height);
    delete this.canvas.dataset.bins;
  }

  private draw(): void {
    const spec = this.spec;
    if (!spec) return;
    const colors = themeColors();
    const W = this.width(), H = this.height;
    const ctx = sizeCanvas(this.canvas, W, H);
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    const font = getComputedStyle(document.body).fontFamily || 'sans-serif';
    const left = 58, right = 14, top = 46, bottom = 42;
    const plotW = W - left - right, plotH = H - top - bottom;

    // x range: the histogram's support and where the predicted density is visible (≥ 0.1 % of its peak)
    const bins = spec.density.length;
    let xLo = bins > 0 ? spec.edges[0] : Infinity, xHi = bins > 0 ? spec.edges[bins] : -Infinity;
    let yHi = 0;
    for (let i = 0; i < bins; i++) yHi = Math.max(yHi, spec.density[i]);
    let peak = 0;
    for (let i = 0; i < spec.curveY.length; i++) peak = Math.max(peak, spec.curveY[i]);
    for (let i = 0; i < spec.curveX.length; i++) {
      if (spec.curveY[i] >= 1e-3 * peak && peak > 0) { xLo = Math.min(xLo, spec.curveX[i]); xHi = Math.max(xHi, spec.curveX[i]); }
    }
    yHi = Math.max(yHi, peak) * 1.08;
    if (!(xHi > xLo)) { xLo = -1; xHi = 0; }
    if (!(yHi > 0)) yHi = 1;
    const pad = 0.03 * (xHi - xLo);
    xLo -= pad; xHi += pad;
    const px = (x: number) => left + ((x - xLo) / (xHi - xLo)) * plotW;
    const py = (y: number) => top + plotH - (y / yHi) * plotH;

    // title and legend (inside the canvas, so the exported PNG explains itself)
    ctx.fillStyle = colors.foreground;
    ctx.textBaseline = 'top';
    ctx.font = `600 13px ${font}`;
    ctx.fillText(spec.title, left, 4);
    ctx.font = `12px ${font}`;
    const barColor = colors.series[0], curveColor = colors.series[1];
    let lx = left;
    const ly = 24;
    ctx.fillStyle = withAlpha(barColor, 0.45);
    ctx.fillRect(lx, ly + 1, 14, 10);
    ctx.strokeStyle = barColor;
    ctx.strokeRect(lx + 0.5, ly + 1.5, 13, 9);
    lx += 20;
    ctx.fillStyle = colors.foreground;
    ctx.fillText(spec.histogramLabel, lx, ly);
    lx += ctx.measureText(spec.histogramLabel).width + 24;
    ctx.strokeStyle = curveColor;
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath(); ctx.moveTo(lx, ly + 6); ctx.lineTo(lx + 24, ly + 6); ctx.stroke();
    ctx.setLineDash([]);
    lx += 30;
    ctx.fillText(spec.curveLabel, lx, ly);

    // grid and axes
    ctx.lineWidth = 1;
    ctx.strokeStyle = colors.grid;
    ctx.fillStyle = colors.foreground;
    ctx.font = `11px ${font}`;
    const xt = niceTicks(xLo, xHi, Math.max(3, Math.floor(plotW / 80)));
    const xStep = xt.length > 1 ? xt[1] - xt[0] : 1;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of xt) {
      const x = Math.round(px(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + plotH); ctx.stroke();
      ctx.fillText(tickText(t, xStep), x, top + plotH + 4);
    }
    const yt = niceTicks(0, yHi, 5);
    const yStep = yt.length > 1 ? yt[1] - yt[0] : 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of yt) {
      const y = Math.round(py(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + plotW, y); ctx.stroke();
      ctx.fillText(tickText(t, yStep), left - 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(spec.xLabel, left + plotW / 2, H - 2);
    ctx.save();
    ctx.translate(12, top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText('density', 0, 0);
    ctx.restore();

    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, plotW, plotH);
    ctx.clip();
    // bars: simulation
    ctx.fillStyle = withAlpha(barColor, 0.45);
    ctx.strokeStyle = barColor;
    for (let i = 0; i < bins; i++) {
      const d = spec.density[i];
      if (!(d > 0)) continue;
      const x0 = px(spec.edges[i]), x1 = px(spec.edges[i + 1]);
      const y = py(d);
      ctx.fillRect(x0, y, x1 - x0, top + plotH - y);
      ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(0, x1 - x0 - 1), top + plotH - y - 0.5);
    }
    // curve: theory
    ctx.strokeStyle = curveColor;
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < spec.curveX.length; i++) {
      const x = spec.curveX[i];
      if (x < xLo || x > xHi) continue;
      const X = px(x), Y = py(spec.curveY[i]);
      if (!started) { ctx.moveTo(X, Y); started = true; } else ctx.lineTo(X, Y);
    }
    ctx.stroke();
    ctx.restore();
    ctx.setLineDash([]);
    ctx.strokeStyle = colors.muted;
    ctx.strokeRect(left + 0.5, top + 0.5, plotW - 1, plotH - 1);
    this.canvas.dataset.bins = String(bins);
    this.canvas.setAttribute('aria-label', `${spec.title}: ${spec.histogramLabel}; ${spec.curveLabel}`);
  }

  csv(): string {
    const s = this.spec;
    if (!s) return '';
    const rows = ['bin_lower,bin_upper,simulated_density'];
    for (let i = 0; i < s.density.length; i++) rows.push(`${s.edges[i]},${s.edges[i + 1]},${s.density[i]}`);
    return rows.join('\n') + '\n';
  }

  destroy(): void {
    this.resizeObserver.disconnect();
  }
}

export function withAlpha(color: string, alpha: number): string {
  if (/^#[0-9a-f]{6}$/i.test(color)) return color + Math.round(alpha * 255).toString(16).padStart(2, '0');
  if (/^#[0-9a-f]{3}$/i.test(color)) return '#' + [1, 2, 3].map((i) => color[i] + color[i]).join('') + Math.round(alpha * 255).toString(16).padStart(2, '0');
  return color.replace(/^rgba?\(([^,]+),([^,]+),([^,)]+)(?:,[^)]*)?\)$/, `rgba($1,$2,$3, ${alpha})`);
}
