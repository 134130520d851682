/**
 * The empirical spectral density of WᵀW (eigenvalues λ = σ²) as a histogram, with the
 * Marchenko–Pastur density of a random matrix of the same shape and entry variance over it, the
 * fitted power-law tail and its λ_min. One or two sets (the Compare panel overlays A and B). On a
 * log axis the bins are uniform in log₁₀ λ and every density is per unit of log₁₀ λ
 * (p(λ)·λ·ln 10), so the curves and the bars stay comparable. One canvas, so the PNG export carries
 * axes and legend.
 */
import { density as mpDensity, marchenkoPastur } from '../../src/core/spectrum/marchenkoPastur';
import { sizeCanvas } from '../common/canvas';
import { themeColors } from '../common/theme';

export interface EsdSet {
  readonly label: string;
  /** the eigenvalues of WᵀW (any order) */
  readonly eigenvalues: ArrayLike<number>;
  /** min(rows, cols) when only the top ones are known (the histogram is then of those, and says so) */
  readonly total: number;
  readonly color?: string;
  readonly mp?: { readonly rows: number; readonly cols: number; readonly variance: number } | null;
  readonly powerLaw?: { readonly alpha: number; readonly xmin: number; readonly tailCount: number; readonly count: number } | null;
}

export interface EsdSpec {
  readonly title: string;
  readonly sets: readonly EsdSet[];
  readonly logX: boolean;
  readonly bins?: number;
}

const LN10 = Math.LN10;

function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
}

function withAlpha(color: string, alpha: number): string {
  if (color.startsWith('#') && color.length === 7) return color + Math.round(alpha * 255).toString(16).padStart(2, '0');
  return color.replace(/^rgb\((.*)\)$/, `rgba($1, ${alpha})`);
}

function tickText(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(0).replace('e+', 'e');
}

export class EsdPlot {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private spec: EsdSpec | undefined;
  private readonly resizeObserver: ResizeObserver;

  constructor(private readonly height = 300, testId = 'esd-canvas') {
    this.element = document.createElement('div');
    this.element.className = 'esd-plot';
    this.canvas = document.createElement('canvas');
    this.canvas.dataset.testid = testId;
    this.canvas.setAttribute('role', 'img');
    this.element.append(this.canvas);
    let lastWidth = 0;
    this.resizeObserver = new ResizeObserver(() => {
      const w = this.width();
      if (this.spec && w !== lastWidth) { lastWidth = w; this.draw(); }
    });
    this.resizeObserver.observe(this.element);
  }

  get current(): EsdSpec | undefined {
    return this.spec;
  }

  private width(): number {
    return Math.max(320, Math.floor(this.element.clientWidth || 600));
  }

  render(spec: EsdSpec): void {
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
    delete this.canvas.dataset.sets;
  }

  pngBase64(): string | undefined {
    return this.spec ? this.canvas.toDataURL('image/png').split(',')[1] : undefined;
  }

  /** The histogram counts per set: bin edges (in λ) and densities, one row per bin. */
  csv(): string {
    const spec = this.spec;
    if (!spec) return '';
    const { edges, sets } = this.histograms(spec);
    const head = ['lambda_lower', 'lambda_upper', ...spec.sets.map((s) => `density_${s.label.replace(/[^\w]+/g, '_')}`)].join(',');
    const rows: string[] = [head];
    for (let i = 0; i + 1 < edges.length; i++) rows.push([this.fromAxis(edges[i], spec), this.fromAxis(edges[i + 1], spec), ...sets.map((d) => d[i])].join(','));
    return rows.join('\n') + '\n';
  }

  private toAxis(l: number, spec: EsdSpec): number {
    return spec.logX ? Math.log10(l) : l;
  }

  private fromAxis(x: number, spec: EsdSpec): number {
    return spec.logX ? 10 ** x : x;
  }

  /** Shared bin edges on the axis (log₁₀ λ or λ) and each set's densities per axis unit. */
  private histograms(spec: EsdSpec): { edges: Float64Array; sets: Float64Array[]; lo: number; hi: number } {
    let lo = Infinity, hi = -Infinity;
    for (const s of spec.sets) {
      for (let i = 0; i < s.eigenvalues.length; i++) {
        const l = s.eigenvalues[i];
        if (spec.logX && !(l > 0)) continue;
        const x = this.toAxis(l, spec);
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      if (s.mp) {
        const law = marchenkoPastur(s.mp.rows, s.mp.cols, s.mp.variance);
        if (law.lambdaPlus > 0) hi = Math.max(hi, this.toAxis(law.lambdaPlus, spec));
        if (!spec.logX) lo = Math.min(lo, law.lambdaMinus);
        else if (law.lambdaMinus > 0) lo = Math.min(lo, this.toAxis(law.lambdaMinus, spec));
      }
    }
    if (!(hi >= lo)) { lo = 0; hi = 1; }
    if (hi === lo) { lo -= 0.5; hi += 0.5; }
    const pad = 0.02 * (hi - lo);
    lo -= pad; hi += pad;
    if (!spec.logX) lo = Math.max(lo, 0);
    const total = spec.sets.reduce((n, s) => Math.max(n, s.eigenvalues.length), 0);
    const bins = spec.bins ?? Math.max(8, Math.min(80, Math.round(2 * Math.sqrt(total))));
    const width = (hi - lo) / bins;
    const edges = Float64Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
    const sets = spec.sets.map((s) => {
      const d = new Float64Array(bins);
      let n = 0;
      for (let i = 0; i < s.eigenvalues.length; i++) {
        const l = s.eigenvalues[i];
        if (spec.logX && !(l > 0)) continue;
        const b = Math.min(bins - 1, Math.max(0, Math.floor((this.toAxis(l, spec) - lo) / width)));
        d[b]++;
        n++;
      }
      // densities of the whole spectrum: a top-k histogram is scaled by k/total so it sits on the MP curve
      const norm = n > 0 ? (n / Math.max(1, s.total)) / (n * width) : 0;
      for (let b = 0; b < bins; b++) d[b] *= norm;
      return d;
    });
    return { edges, sets, lo, hi };
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
    const left = 58, right = 14, top = 46 + 16 * Math.max(0, spec.sets.length - 1), bottom = 42;
    const plotW = W - left - right, plotH = H - top - bottom;
    const { edges, sets, lo, hi } = this.histograms(spec);

    // curves on a fine grid of the axis, as densities per axis unit
    const grid = 400;
    const curves = spec.sets.map((s) => {
      const mp = new Float64Array(grid + 1), pl = new Float64Array(grid + 1);
      const law = s.mp ? marchenkoPastur(s.mp.rows, s.mp.cols, s.mp.variance) : undefined;
      for (let i = 0; i <= grid; i++) {
        const x = lo + ((hi - lo) * i) / grid;
        const l = this.fromAxis(x, spec);
        const jac = spec.logX ? l * LN10 : 1;
        mp[i] = law ? mpDensity(law, l) * jac : NaN;
        const p = s.powerLaw;
        // the tail holds tailCount of the total eigenvalues: p(λ) = (tail/total)·(α−1)/λ_min·(λ/λ_min)^−α
        pl[i] = p && l >= p.xmin ? (p.tailCount / Math.max(1, s.total)) * ((p.alpha - 1) / p.xmin) * Math.pow(l / p.xmin, -p.alpha) * jac : NaN;
      }
      return { mp, pl };
    });
    let yHi = 0;
    for (const d of sets) for (const v of d) yHi = Math.max(yHi, v);
    let curvePeak = 0;
    for (const c of curves) for (const v of c.mp) if (v > curvePeak) curvePeak = v;
    // the MP curve of a square layer is unbounded at 0: cap the axis at twice the bars
    yHi = Math.max(yHi, Math.min(curvePeak, yHi > 0 ? 2 * yHi : curvePeak)) * 1.08;
    if (!(yHi > 0)) yHi = 1;
    const px = (x: number) => left + ((x - lo) / (hi - lo)) * plotW;
    const py = (y: number) => top + plotH - (Math.min(y, yHi) / yHi) * plotH;

    // title and legend
    ctx.fillStyle = colors.foreground;
    ctx.textBaseline = 'top';
    ctx.font = `600 13px ${font}`;
    ctx.fillText(spec.title, left, 4);
    ctx.font = `12px ${font}`;
    spec.sets.forEach((s, k) => {
      const color = s.color ?? colors.series[k % colors.series.length];
      let lx = left;
      const ly = 24 + 16 * k;
      ctx.fillStyle = withAlpha(color, 0.35);
      ctx.fillRect(lx, ly + 1, 14, 10);
      ctx.strokeStyle = color;
      ctx.strokeRect(lx + 0.5, ly + 1.5, 13, 9);
      lx += 20;
      ctx.fillStyle = colors.foreground;
      const shown = s.eigenvalues.length < s.total ? `${s.label} (top ${s.eigenvalues.length} of ${s.total})` : s.label;
      ctx.fillText(shown, lx, ly);
      lx += ctx.measureText(shown).width + 18;
      if (s.mp) {
        ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
        ctx.beginPath(); ctx.moveTo(lx, ly + 6); ctx.lineTo(lx + 22, ly + 6); ctx.stroke(); ctx.setLineDash([]);
        lx += 28;
        ctx.fillText('Marchenko–Pastur', lx, ly);
        lx += ctx.measureText('Marchenko–Pastur').width + 18;
      }
      if (s.powerLaw) {
        ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.setLineDash([2, 3]);
        ctx.beginPath(); ctx.moveTo(lx, ly + 6); ctx.lineTo(lx + 22, ly + 6); ctx.stroke(); ctx.setLineDash([]);
        lx += 28;
        const t = `power law α = ${s.powerLaw.alpha.toPrecision(3)} above λ_min`;
        ctx.fillText(t, lx, ly);
      }
    });

    // grid and axes
    ctx.lineWidth = 1;
    ctx.strokeStyle = colors.grid;
    ctx.fillStyle = colors.foreground;
    ctx.font = `11px ${font}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const xTicks: number[] = [];
    if (spec.logX) {
      const step = Math.max(1, Math.ceil((hi - lo) / Math.max(3, Math.floor(plotW / 70))));
      for (let e = Math.ceil(lo); e <= hi; e += step) xTicks.push(e);
    } else {
      const step = niceStep(hi - lo, Math.max(3, Math.floor(plotW / 80)));
      for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) xTicks.push(v);
    }
    for (const t of xTicks) {
      const x = Math.round(px(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + plotH); ctx.stroke();
      ctx.fillText(spec.logX ? tickText(10 ** t) : tickText(t), x, top + plotH + 4);
    }
    const yStep = niceStep(yHi, 5);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let v = 0; v <= yHi; v += yStep) {
      const y = Math.round(py(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + plotW, y); ctx.stroke();
      ctx.fillText(tickText(Number(v.toPrecision(6))), left - 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(spec.logX ? 'eigenvalue λ of WᵀW (log scale)' : 'eigenvalue λ of WᵀW', left + plotW / 2, H - 2);
    ctx.save();
    ctx.translate(12, top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(spec.logX ? 'density per log₁₀ λ' : 'density', 0, 0);
    ctx.restore();

    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, plotW, plotH);
    ctx.clip();
    spec.sets.forEach((s, k) => {
      const color = s.color ?? colors.series[k % colors.series.length];
      const d = sets[k];
      ctx.fillStyle = withAlpha(color, spec.sets.length > 1 ? 0.28 : 0.4);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      for (let i = 0; i < d.length; i++) {
        if (!(d[i] > 0)) continue;
        const x0 = px(edges[i]), x1 = px(edges[i + 1]), y = py(d[i]);
        ctx.fillRect(x0, y, x1 - x0, top + plotH - y);
        ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(0, x1 - x0 - 1), top + plotH - y - 0.5);
      }
    });
    spec.sets.forEach((s, k) => {
      const color = s.color ?? colors.series[k % colors.series.length];
      const line = (values: Float64Array, dash: number[]) => {
        ctx.strokeStyle = color;
        ctx.lineWidth = 2;
        ctx.setLineDash(dash);
        ctx.beginPath();
        let started = false;
        for (let i = 0; i <= grid; i++) {
          const v = values[i];
          if (!Number.isFinite(v)) { started = false; continue; }
          const X = px(lo + ((hi - lo) * i) / grid), Y = py(v);
          if (!started) { ctx.moveTo(X, Y); started = true; } else ctx.lineTo(X, Y);
        }
        ctx.stroke();
        ctx.setLineDash([]);
      };
      line(curves[k].mp, [6, 4]);
      line(curves[k].pl, [2, 3]);
      if (s.powerLaw) {
        const x = Math.round(px(this.toAxis(s.powerLaw.xmin, spec))) + 0.5;
        ctx.strokeStyle = color;
        ctx.setLineDash([1, 3]);
        ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + plotH); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = color;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText('λ_min', x + 3, top + 2 + 12 * k);
      }
    });
    ctx.restore();
    ctx.strokeStyle = colors.muted;
    ctx.strokeRect(left + 0.5, top + 0.5, plotW - 1, plotH - 1);
    this.canvas.dataset.sets = String(spec.sets.length);
    this.canvas.dataset.bins = String(edges.length - 1);
    this.canvas.setAttribute('aria-label', `${spec.title}: ${spec.sets.map((s) => `${s.label}, ${s.eigenvalues.length} eigenvalues`).join('; ')}`);
  }

  destroy(): void {
    this.resizeObserver.disconnect();
  }
}
