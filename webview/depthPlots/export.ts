/**
 * Export helpers of the Depth plots panel: the figures composed into one PNG (uPlot draws its title
 * and legend in HTML, so they are redrawn here above each canvas), CSV cells, and JSON with typed
 * arrays written as plain arrays.
 */
import { themedCanvas } from '../common/figures';
import { themeColors } from '../common/theme';

export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  /** dashed line = theory, solid = simulation / measurement; a pattern [on, off] in CSS px */
  readonly dashed: boolean | readonly number[];
}

export interface ExportFigure {
  readonly title: string;
  readonly canvas: HTMLCanvasElement | null;
  /** drawn under the title; omit for canvases that carry their own legend */
  readonly legend?: readonly LegendEntry[];
  /** one line under the canvas */
  readonly caption?: string;
}

/** Stacks the figures vertically, each under its title and legend; base64 PNG without the data: prefix. */
export function composePng(figures: readonly ExportFigure[]): string | undefined {
  const shown = figures.filter((f): f is ExportFigure & { canvas: HTMLCanvasElement } => !!f.canvas && f.canvas.width > 0 && f.canvas.height > 0);
  if (shown.length === 0) return undefined;
  const colors = themeColors();
  const scale = window.devicePixelRatio || 1;
  const pad = Math.round(12 * scale);
  const line = Math.round(18 * scale);
  const heads = shown.map((f) => line * (1 + (f.legend?.length ? 1 : 0)));
  const feet = shown.map((f) => (f.caption ? line : 0));
  const width = Math.max(...shown.map((f) => f.canvas.width)) + 2 * pad;
  const height = shown.reduce((s, f, i) => s + heads[i] + f.canvas.height + feet[i] + pad, pad);
  const made = themedCanvas(width, height);
  if (!made) return undefined;
  const { canvas: out, ctx } = made;
  let y = pad;
  shown.forEach((f, i) => {
    ctx.fillStyle = colors.foreground;
    ctx.font = `600 ${Math.round(13 * scale)}px sans-serif`;
    ctx.fillText(f.title, pad, y);
    if (f.legend?.length) {
      ctx.font = `${Math.round(11 * scale)}px sans-serif`;
      let x = pad;
      const ly = y + line;
      for (const entry of f.legend) {
        ctx.strokeStyle = entry.color;
        ctx.lineWidth = 2 * scale;
        ctx.setLineDash(Array.isArray(entry.dashed) ? entry.dashed.map((v: number) => v * scale) : entry.dashed ? [5 * scale, 3 * scale] : []);
        ctx.beginPath();
        ctx.moveTo(x, ly + 6 * scale);
        ctx.lineTo(x + 22 * scale, ly + 6 * scale);
        ctx.stroke();
        ctx.setLineDash([]);
        x += 28 * scale;
        ctx.fillStyle = colors.foreground;
        ctx.fillText(entry.label, x, ly);
        x += ctx.measureText(entry.label).width + 18 * scale;
      }
    }
    y += heads[i];
    ctx.drawImage(f.canvas, pad, y);
    y += f.canvas.height;
    if (f.caption) {
      ctx.fillStyle = colors.muted;
      ctx.font = `${Math.round(11 * scale)}px sans-serif`;
      ctx.fillText(f.caption, pad, y + 4 * scale);
    }
    y += feet[i] + pad;
  });
  return out.toDataURL('image/png').split(',')[1];
}

