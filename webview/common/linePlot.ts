/**
 * uPlot line plots with theme colours, a log-scale toggle, resize-to-container and PNG/CSV export.
 * Series may carry a band (lower/upper arrays) drawn as a translucent fill; lines are drawn in the
 * palette's colours at full alpha. The legend shows each series' value at the cursor, or at the last
 * x when the cursor is elsewhere.
 */
import uPlot from 'uplot';
import { safeRange } from './range';
import 'uplot/dist/uPlot.min.css';
import './linePlot.css';
import { csvCell } from './csv';
import { legendValue } from './format';
import { opaqueColor, themeColors } from './theme';

export interface SeriesSpec {
  label: string;
  values: ArrayLike<number | null>;
  /** dashed for theory curves, solid for measured data; a pattern [on, off] to tell curves apart that lie on top of each other */
  dash?: boolean | number[];
  /** mark every data point (for short series); the line is drawn too */
  points?: boolean;
  band?: { lower: ArrayLike<number | null>; upper: ArrayLike<number | null> };
  color?: string;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  x: ArrayLike<number>;
  series: SeriesSpec[];
  logX?: boolean;
  logY?: boolean;
}

/** tick steps for an x axis of whole numbers: 1, 2, 5, 10, 20, 50, … */
const INTEGER_INCREMENTS = Array.from({ length: 30 }, (_, i) => [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3));

export class LinePlot {
  readonly element: HTMLDivElement;
  private plot: uPlot | undefined;
  private spec: PlotSpec | undefined;
  private readonly resizeObserver: ResizeObserver;
  private pick: ((x: number) => void) | undefined;

  constructor(private readonly height = 280) {
    this.element = document.createElement('div');
    this.element.className = 'line-plot';
    this.resizeObserver = new ResizeObserver(() => {
      if (this.plot) this.plot.setSize({ width: this.width(), height: this.height });
    });
    this.resizeObserver.observe(this.element);
    // a click (not a drag-zoom) on the plot area picks the x under the cursor
    this.element.addEventListener('click', (e) => {
      const u = this.plot, idx = u?.cursor.idx;
      if (!this.pick || !u || idx === null || idx === undefined || !(e.target as Element).closest('.u-over')) return;
      const x = u.data[0][idx];
      if (typeof x === 'number') this.pick(x);
    });
  }

  /** Calls `onPick` with the x value of the data point nearest the cursor when the plot area is clicked. */
  onPick(onPick: (x: number) => void): void {
    this.pick = onPick;
    this.element.classList.add('pickable');
  }

  private width(): number {
    return Math.max(320, Math.floor(this.element.clientWidth || 600));
  }

  setLog(axis: 'x' | 'y', on: boolean): void {
    if (!this.spec) return;
    this.render({ ...this.spec, [axis === 'x' ? 'logX' : 'logY']: on });
  }

  get current(): PlotSpec | undefined {
    return this.spec;
  }

  render(spec: PlotSpec): void {
    this.spec = spec;
    const colors = themeColors();
    const clean = (v: number | null, log: boolean | undefined) => (v === null || !Number.isFinite(v) || (log && v <= 0) ? null : v);
    const data: (number | null)[][] = [Array.from(spec.x, (v) => Number(v))];
    // the value under the cursor, or at the last x: never uPlot's "--" placeholder
    const value = (u: uPlot, _v: unknown, sidx: number, idx: number | null) => legendValue(u.data[sidx] as ArrayLike<number | null>, idx);
    const series: uPlot.Series[] = [{ label: spec.xLabel, value }];
    const bands: uPlot.Band[] = [];
    const bandEdges: number[] = []; // series indices of band edges: drawn as a fill, not listed in the legend
    spec.series.forEach((s, i) => {
      const color = opaqueColor(s.color ?? colors.series[i % colors.series.length]);
      data.push(Array.from(s.values, (v) => clean(v, spec.logY)));
      // 2 CSS px, not 1.5: more of each line is its own colour, less an antialiased blend (470 vs 290
      // pixels of exactly the series colour on the Convergence terms plot)
      series.push({ label: s.label, stroke: color, width: 2, dash: Array.isArray(s.dash) ? s.dash : s.dash ? [6, 4] : undefined, points: { show: !!s.points, size: 6 }, spanGaps: false, value });
      if (s.band) {
        const lowerIdx = data.length;
        bandEdges.push(lowerIdx, lowerIdx + 1);
        data.push(Array.from(s.band.lower, (v) => clean(v, spec.logY)));
        data.push(Array.from(s.band.upper, (v) => clean(v, spec.logY)));
        series.push({ label: `${s.label} −sd`, stroke: 'transparent', points: { show: false } });
        series.push({ label: `${s.label} +sd`, stroke: 'transparent', points: { show: false } });
        bands.push({ series: [lowerIdx + 1, lowerIdx], fill: withAlpha(color, 0.18) });
      }
    });
    const axis = (label: string, log?: boolean, integer?: boolean): uPlot.Axis => ({
      label, stroke: colors.foreground, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid },
      // uPlot's default tick labels round small powers of ten to "0" on log axes
      ...(log ? { values: (_u: uPlot, splits: number[]) => splits.map(logTick) } : {}),
      // layer numbers, widths, iterations: no ticks at layer 1.2
      ...(integer && !log ? { incrs: INTEGER_INCREMENTS } : {}),
    });
    const hugeY = data.slice(1).some((col) => col.some((v) => v !== null && Math.abs(v) > 1e300));
    const integerX = data[0].length > 0 && data[0].every((v) => v !== null && Number.isInteger(v));
    const opts: uPlot.Options = {
      title: spec.title,
      width: this.width(),
      height: this.height,
      series,
      bands,
      scales: {
        x: { time: false, distr: spec.logX ? 3 : 1 },
        // uPlot's own y range overflows to ∞ for values near 1e308 (and then draws nothing)
        y: { distr: spec.logY ? 3 : 1, ...(hugeY ? { range: (_u: uPlot, min: number | null, max: number | null) => safeRange(min, max, !!spec.logY) } : {}) },
      },
      axes: [axis(spec.xLabel, spec.logX, integerX), axis(spec.yLabel, spec.logY)],
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
    };
    this.plot?.destroy();
    this.plot = new uPlot(opts, data as uPlot.AlignedData, this.element);
    const legendRows = this.element.querySelectorAll<HTMLElement>('.u-legend .u-series');
    for (const i of bandEdges) if (legendRows[i]) legendRows[i].style.display = 'none';
    this.element.dataset.points = String(spec.x.length);
    this.element.dataset.logX = String(!!spec.logX);
    this.element.dataset.logY = String(!!spec.logY);
  }

  /** The plot's canvas as a PNG data URL (base64 part only). */
  pngBase64(): string | undefined {
    const canvas = this.element.querySelector('canvas');
    return canvas ? canvas.toDataURL('image/png').split(',')[1] : undefined;
  }

  csv(): string {
    const s = this.spec;
    if (!s) return '';
    const head = [s.xLabel, ...s.series.map((x) => x.label)].map(csvCell).join(',');
    const rows = Array.from(s.x, (x, i) => [x, ...s.series.map((ser) => ser.values[i])].map((v) => (v === null || v === undefined ? '' : String(v))).join(','));
    return [head, ...rows].join('\n') + '\n';
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
  }
}

/** Log-axis tick: plain for 0.001 ≤ |v| < 10⁴ ("0.01", "1,000" → "1000"), else "1e-6". */
function logTick(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) return String(Number(v.toPrecision(3)));
  return v.toExponential(0).replace('e+', 'e');
}


function withAlpha(color: string, alpha: number): string {
  if (color.startsWith('#') && color.length === 7) return color + Math.round(alpha * 255).toString(16).padStart(2, '0');
  return color.replace(/^rgb\((.*)\)$/, `rgba($1, ${alpha})`);
}
