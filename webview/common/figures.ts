/**
 * PNG exports that put several drawn canvases into one image, in theme colours: plots stacked with
 * their titles and legends (the Convergence panel, dense and conv), and a grid of small tiles with
 * labels (the conv Activations panel's channel patterns beside the input image).
 */
import type { LinePlot } from './linePlot';
import { themeColors } from './theme';

export interface Figure {
  readonly title: string;
  readonly canvas: HTMLCanvasElement | null;
  readonly legend: readonly string[];
}

/** A line plot as a figure (its current title and series labels; `fallback` before it was drawn). */
export function plotFigure(plot: LinePlot, fallback: string): Figure {
  return { title: plot.current?.title ?? fallback, canvas: plot.element.querySelector('canvas'), legend: plot.current?.series.map((s) => s.label) ?? [] };
}

function png(out: HTMLCanvasElement): string {
  return out.toDataURL('image/png').split(',')[1];
}

/** The drawn figures stacked, each under its title and legend line; undefined when none is drawn. Base64 PNG. */
/**
 * A width × height canvas filled with the theme's background, the pen in its foreground colour and
 * text set from the top: the start of every exported PNG.
 */
export function themedCanvas(width: number, height: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } | undefined {
  const colors = themeColors();
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return undefined;
  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = colors.foreground;
  ctx.textBaseline = 'top';
  return { canvas, ctx };
}

export function stackedFiguresPng(figures: readonly Figure[]): string | undefined {
  const shown = figures.filter((f): f is Figure & { canvas: HTMLCanvasElement } => !!f.canvas && f.canvas.width > 0);
  if (shown.length === 0) return undefined;
  const colors = themeColors();
  const scale = window.devicePixelRatio || 1;
  const pad = Math.round(12 * scale), line = Math.round(18 * scale);
  const titleFont = `600 ${Math.round(13 * scale)}px sans-serif`, legendFont = `${Math.round(11 * scale)}px sans-serif`;
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  if (!ctx) return undefined;
  // wide enough for the plots and for every title and legend line
  const textWidth = (font: string, text: string) => { ctx.font = font; return Math.ceil(ctx.measureText(text).width); };
  const width = Math.max(...shown.map((f) => Math.max(f.canvas.width, textWidth(titleFont, f.title), textWidth(legendFont, f.legend.join('   ·   '))))) + 2 * pad;
  const height = shown.reduce((s, f) => s + 2 * line + f.canvas.height + pad, pad);
  out.width = width;
  out.height = height;
  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = colors.foreground;
  ctx.textBaseline = 'top';
  let y = pad;
  for (const f of shown) {
    ctx.font = titleFont;
    ctx.fillText(f.title, pad, y);
    ctx.font = legendFont;
    ctx.fillText(f.legend.join('   ·   '), pad, y + line);
    y += 2 * line;
    ctx.drawImage(f.canvas, pad, y);
    y += f.canvas.height + pad;
  }
  return png(out);
}

export interface Tile {
  readonly canvas: HTMLCanvasElement;
  readonly label: string;
}

/**
 * A title line, then `lead` (e.g. the input image) with its label, then the tiles in rows of at most
 * `columns`, each over its label, at the canvases' own pixel sizes. Base64 PNG; undefined with no tiles.
 */
export function tileGridPng(title: string, lead: Tile | undefined, tiles: readonly Tile[], columns = 16): string | undefined {
  const drawn = tiles.filter((t) => t.canvas.width > 0);
  if (drawn.length === 0 && !lead) return undefined;
  const colors = themeColors();
  const pad = 12, line = 16, gap = 6;
  const cellW = Math.max(1, ...drawn.map((t) => t.canvas.width)), cellH = Math.max(1, ...drawn.map((t) => t.canvas.height));
  const perRow = Math.max(1, Math.min(columns, drawn.length));
  const rowsOf = Math.ceil(drawn.length / perRow);
  const leadH = lead ? lead.canvas.height + line + pad : 0;
  const gridW = perRow * (cellW + gap) - gap;
  const width = 2 * pad + Math.max(gridW, lead?.canvas.width ?? 0, 480);
  const height = pad + line + pad + leadH + rowsOf * (cellH + line + gap) + pad;
  const made = themedCanvas(width, height);
  if (!made) return undefined;
  const { canvas: out, ctx } = made;
  ctx.font = '600 13px sans-serif';
  ctx.fillText(title, pad, pad);
  ctx.font = '11px sans-serif';
  let y = pad + line + pad;
  if (lead) {
    ctx.drawImage(lead.canvas, pad, y);
    ctx.fillText(lead.label, pad, y + lead.canvas.height + 2);
    y += leadH;
  }
  drawn.forEach((t, i) => {
    const x = pad + (i % perRow) * (cellW + gap);
    const top = y + Math.floor(i / perRow) * (cellH + line + gap);
    ctx.drawImage(t.canvas, x, top);
    // a frame, so a channel with no active unit still shows as a tile
    ctx.strokeStyle = colors.grid;
    ctx.strokeRect(x - 0.5, top - 0.5, t.canvas.width + 1, t.canvas.height + 1);
    ctx.fillText(t.label, x, top + cellH + 2, cellW);
  });
  return png(out);
}
