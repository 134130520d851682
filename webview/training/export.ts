/**
 * Export helpers of the Training panel: all plots of an experiment composed into one PNG (a save
 * dialog per plot would be tedious), and CSV cells.
 */
import { themedCanvas } from '../common/figures';

export interface ExportFigure {
  readonly title: string;
  readonly canvas: HTMLCanvasElement | null;
  /** series names drawn under the title (uPlot's legend is HTML, not part of its canvas) */
  readonly legend?: readonly string[];
}

/** Stacks the figures' canvases vertically, each under its title and legend; base64 PNG without the data: prefix. */
export function composePng(figures: readonly ExportFigure[]): string | undefined {
  const shown = figures.filter((f): f is ExportFigure & { canvas: HTMLCanvasElement } => !!f.canvas && f.canvas.width > 0 && f.canvas.height > 0);
  if (shown.length === 0) return undefined;
  const scale = window.devicePixelRatio || 1;
  const pad = Math.round(12 * scale);
  const line = Math.round(18 * scale);
  const heads = shown.map((f) => line * (f.legend && f.legend.length ? 2 : 1));
  const width = Math.max(...shown.map((f) => f.canvas.width)) + 2 * pad;
  const height = shown.reduce((s, f, i) => s + heads[i] + f.canvas.height + pad, pad);
  const made = themedCanvas(width, height);
  if (!made) return undefined;
  const { canvas: out, ctx } = made;
  let y = pad;
  shown.forEach((f, i) => {
    ctx.font = `600 ${Math.round(13 * scale)}px sans-serif`;
    ctx.fillText(f.title, pad, y);
    if (f.legend && f.legend.length) {
      ctx.font = `${Math.round(11 * scale)}px sans-serif`;
      ctx.fillText(f.legend.join('   ·   '), pad, y + line);
    }
    y += heads[i];
    ctx.drawImage(f.canvas, pad, y);
    y += f.canvas.height + pad;
  });
  return out.toDataURL('image/png').split(',')[1];
}

/** Calls `draw` at most once per `intervalMs`, always with the latest value (live curves while a run streams). */
export class Throttle<T> {
  private latest: T | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = 0;

  constructor(private readonly draw: (value: T) => void, private readonly intervalMs = 250) {}

  push(value: T): void {
    this.latest = value;
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Drop a pending draw (the final result is about to be drawn). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.latest = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const v = this.latest;
    this.latest = undefined;
    if (v === undefined) return;
    this.last = Date.now();
    this.draw(v);
  }
}

