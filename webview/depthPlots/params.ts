/**
 * The Depth plots panel's controls as text, parsed into analysis params when a run starts. The width
 * syntax is the CLI's (`depth-lens degeneracy --widths`): '256x32', '784,100x10,10', plus a lone
 * width '256' that takes the depth from the depth field.
 */
import type { DegeneracyMode, DegeneracyParams, WidthConvention } from '../../src/shared/analyses/degeneracy';

export interface DepthForm {
  widths: string;
  depth: string;
  theta0: string;
  trials: string;
  seed: string;
  mode: DegeneracyMode;
  widthConvention: WidthConvention;
}

/** The paper's Figure 1 setting; 2000 chain trials take a few seconds. */
export const DEFAULT_FORM: DepthForm = {
  widths: '256', depth: '32', theta0: '0.1', trials: '2000', seed: '1', mode: 'chain', widthConvention: 'measured',
};

/** Accepts "1e4", "10_000", "10 000" and a Unicode minus. */
export function parseNumber(s: string): number {
  const t = s.replace(/[_\s]/g, '').replace(/\u2212/g, '-');
  return t === '' ? NaN : Number(t);
}

function parseInteger(text: string, label: string, min: number): number {
  const n = parseNumber(text);
  if (!Number.isInteger(n)) throw new RangeError(`${label}: expected an integer, got "${text}"`);
  if (n < min) throw new RangeError(`${label}: must be at least ${min}, got ${n}`);
  return n;
}

/** '256' (+ depth), '256x32' or a list whose items may be runs: '784,100x10,10' → [n₀, …, n_L]. */
export function parseWidthSpec(spec: string, depthText: string): number[] {
  const s = spec.trim().replace(/×/g, 'x');
  const width = (t: string): number => {
    const n = parseNumber(t);
    if (!Number.isInteger(n) || n < 2) throw new RangeError(`widths: "${t}" is not an integer width ≥ 2`);
    return n;
  };
  if (s === '') throw new RangeError('widths: write a width such as 256, a run such as 256x32, or a list such as 784, 100x10, 10');
  if (/^\d[\d_]*$/.test(s)) {
    const depth = parseInteger(depthText, 'depth', 1);
    return Array(depth + 1).fill(width(s));
  }
  const out: number[] = [];
  for (const item of s.split(/[,;\s]+/).filter((x) => x.length > 0)) {
    const run = /^(\d+)x(\d+)$/i.exec(item);
    if (run) {
      const count = Number(run[2]);
      if (count < 1) throw new RangeError(`widths: the run "${item}" needs a count ≥ 1`);
      const n = width(run[1]);
      // a lone run 'NxK' is the input width and K layers of that width (the CLI's meaning)
      const copies = out.length === 0 && s === item ? count + 1 : count;
      for (let i = 0; i < copies; i++) out.push(n);
    } else out.push(width(item));
  }
  if (out.length < 2) throw new RangeError(`widths: give the input width and at least one layer width (e.g. 256x32 or 784, 100, 100), not "${spec}"`);
  return out;
}

/** A number in radians, or 'pi', 'pi/4', '3pi/4', '3*pi/4' (also with π). */
export function parseAngle(text: string, label: string): number {
  const t = text.trim().toLowerCase();
  const m = /^(\d*\.?\d*)\s*\*?\s*(pi|π)\s*(?:\/\s*(\d+\.?\d*))?$/.exec(t);
  const v = m ? (m[1] ? Number(m[1]) : 1) * Math.PI / (m[3] ? Number(m[3]) : 1) : parseNumber(t);
  if (t === '' || !Number.isFinite(v)) throw new RangeError(`${label}: "${text}" is not an angle (radians, or like pi/4)`);
  return v;
}

/** Histogram bins for a number of samples: about √trials, between 10 and 60. */
export function binsFor(trials: number): number {
  return Math.max(10, Math.min(60, Math.round(Math.sqrt(trials))));
}

/** Params of a run, or every problem (one per field) when some field does not parse. */
export function degeneracyParams(form: DepthForm): { params?: DegeneracyParams; errors: string[] } {
  const errors: string[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try { return f(); } catch (e) { errors.push((e as Error).message); return undefined; }
  };
  const widths = attempt(() => parseWidthSpec(form.widths, form.depth));
  const theta0 = attempt(() => {
    const v = parseAngle(form.theta0, 'θ₀');
    if (!(v > 0 && v <= Math.PI)) throw new RangeError(`θ₀: must be an angle in (0, π], got ${v}`);
    return v;
  });
  const trials = attempt(() => parseInteger(form.trials, 'trials', 0));
  const seed = attempt(() => parseInteger(form.seed, 'seed', 0));
  if (errors.length || !widths || theta0 === undefined || trials === undefined || seed === undefined) return { errors };
  return {
    errors,
    params: { widths, theta0, trials, seed, mode: form.mode, widthConvention: form.widthConvention, histogramBins: binsFor(trials) },
  };
}

/** '256, 256, 256, 100' → '256×3, 100' (for captions). */
export function widthsText(widths: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < widths.length;) {
    let j = i;
    while (j + 1 < widths.length && widths[j + 1] === widths[i]) j++;
    parts.push(j > i ? `${widths[i]}×${j - i + 1}` : String(widths[i]));
    i = j + 1;
  }
  return parts.join(', ');
}
