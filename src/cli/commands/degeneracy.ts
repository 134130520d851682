/**
 * depth-lens degeneracy: the angle between two inputs through random ReLU networks (MATH.md §C) —
 * infinite width, Theorem 1, Approximations 1 and 2, Monte Carlo and KS; or, for a network FILE, the
 * measured angle between two of its probes beside the random-network prediction for its widths.
 */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand, type CliIo } from '../command';
import { loadConvModel, parseInputShapeOption } from '../convModel';
import { IMAGE_OPTIONS, imageOptionsHelp, readImages, refuseDenseOptions, runConvDegeneracy } from '../convAnalyses';
import { loadNetworkFile } from '../load';
import { decimal } from '../numbers';
import { parseMaxSize } from './check';
import { analysing, BUDGET_OPTIONS, parseBudget } from './budgetOptions';
import { DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_WORK, sci } from '../../core/network/budget';
import type { AnalysisContext } from '../../core/context';
import { DEGENERACY_DEFAULTS, MAX_SEED, probeAngles, runDegeneracy } from '../../core/degeneracy/analysis';
import { DEFAULT_GRID_POINTS, MAX_GRID_POINTS } from '../../core/degeneracy/density';
import { DEGENERACY_LIMITS, DegeneracyBudgetError, DegeneracyParamsError } from '../../core/degeneracy/limits';
import type {
  DegeneracyParams, DegeneracyResult, DensityGridParams, ProbeAngleResult, WidthConvention,
} from '../../shared/analyses/degeneracy';

const HELP = `Usage: depth-lens degeneracy --widths SPEC --theta0 ANGLE [options] [--json]
       depth-lens degeneracy FILE [--probes A,B] [--json]
       depth-lens degeneracy MODEL.onnx|.pt [--input FILE]... [--seed N] [--json]

The angle θ between two inputs through random bias-free ReLU networks with iid Gaussian (He) weights,
reported as X = ln sin²θ at every layer ℓ = 0 (input) … L:
  inf-width  the deterministic infinite-width recursion cos θ' = [sin θ + (π − θ) cos θ]/π
  theorem    Theorem 1 iterated deterministically, X_{ℓ+1} = μ(θ(X_ℓ), n)
  approx1    Approximation 1, X_{ℓ+1} = X_ℓ − (2/(3π))θ_ℓ − ρ(n) (a small-angle law: from θ⁰ > π/2 it
             starts at layer 1 from μ(θ⁰, n₁))
  predicted  mean ± sd of the density propagated by Approximation 2 (grid convolution; a small-angle
             model too: its per-layer noise is σ²'s θ → 0 limit)
  mc         Monte Carlo mean ± sd over the trials (theory vs simulation)
plus a Kolmogorov–Smirnov test of the simulated samples against the predicted density.
Finite width adds a drift ≈ −2/n and a variance ≈ 8/n per layer: the angle collapses exponentially
in depth, not like 1/ℓ as the infinite-width curve says.

Options:
  --widths SPEC          '256x32' = input width 256 and 32 layers of width 256; or a list
                         n0,n1,…,nL whose items may be runs: '784,100x10,10'. All widths ≥ 2, at most
                         ${DEGENERACY_LIMITS.maxDepth.toLocaleString('en-US')} layers.
  --theta0 ANGLE         input angle in radians, in (0, π]; 'pi/4' style also accepted
  --trials N             Monte Carlo trials (default ${DEGENERACY_DEFAULTS.trials}; 0 = theory only)
  --seed S               seed in 0..${MAX_SEED} (default ${DEGENERACY_DEFAULTS.seed}); runs are reproducible bit-for-bit
  --mode chain|network   chain: the exact one-step Markov chain (n_ℓ iid correlated Gaussian pairs per
                         layer, no matrices; default); network: full random weight matrices
  --width-convention measured|input
                         width the theory uses for the step into layer ℓ: n_ℓ, where the new angle is
                         measured (default, exact for the chain), or n_{ℓ−1}, the step's input width
                         (the paper's labelling). Same thing when all widths are equal.
  --ks-layers LIST       layers to KS-test, e.g. 1,10,32 (default: every layer)
  --grid-min X, --grid-max X, --grid-points N
                         density grid (default [min(−15, …), 0] with ${DEFAULT_GRID_POINTS} points, more for
                         very wide layers, fewer for very deep networks)
  --allow-long-runs      run even beyond the work budget (${DEGENERACY_LIMITS.maxChainPairs.toExponential(0).replace('e+', 'e')} chain pairs or
                         ${DEGENERACY_LIMITS.maxNetworkWeights.toExponential(0).replace('e+', 'e')} network weights: tens of minutes and more); the memory
                         budgets still apply
  --probes A,B           with FILE: probe names or 0-based indices (default: the first two non-zero)
  --max-size-mb N        with FILE: refuse larger files
  --max-work W, --max-memory-mb N
                         with FILE: the analysis budget (default ${sci(DEFAULT_MAX_WORK)} multiply-adds,
                         ${DEFAULT_MAX_MEMORY_MB} MB); refused before it starts when the shapes say more
  --json                 print one JSON document
  --help                 show this help

Convolutional models (.onnx graphs on an image input, torchvision ResNet state_dicts):
the angle between two images measured through the actual network — the flattened activations after
every ReLU site (the stem, each block's inner ReLU and its ReLU after the addition, …), every max pool
and at the output — beside the infinite-width map iterated once per ReLU layer traversed from the
measured input angle θ⁰. Layer ℓ of a site: the ReLU sites met up to it in forward order; width: its
channel count (the infinite-width map does not depend on it). The prediction assumes iid Gaussian
bias-free layers without skip connections: a trained or BatchNorm-folded ResNet need not follow it.
Default: two seeded images.
${imageOptionsHelp(2)}
--json on a conv model: {file, kind: "conv", network, inputShape, images, theta0, prediction, sites:
[{site, kind (input|relu|maxpool|output), op, shape, width, layer, theta (null where an image's
activations are all zero), predicted}], notes}. Exit code 3 when a forward pass leaves float64 (one
line on stderr names the file and the layer).
`;

/** '256x32' → [256 ×33]; '784,100x3,10' → [784,100,100,100,10]. At most maxDepth layers. */
export function parseWidths(spec: string): number[] {
  const s = spec.trim();
  const lone = /^(\d+)x(\d+)$/.exec(s);
  const num = (t: string): number => {
    const n = decimal(t);
    if (!Number.isInteger(n) || n < 2) throw new UsageError(`--widths: '${t}' is not an integer width ≥ 2`);
    return n;
  };
  const maxLayers = DEGENERACY_LIMITS.maxDepth;
  const tooDeep = (layers: number) => new UsageError(`--widths: '${spec}' has ${layers.toLocaleString('en-US')} layers; at most ${maxLayers.toLocaleString('en-US')}`);
  if (lone) {
    const n = num(lone[1]), k = Number(lone[2]);
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`--widths: '${s}' needs at least 1 layer`);
    if (k > maxLayers) throw tooDeep(k);
    return Array(k + 1).fill(n);
  }
  const out: number[] = [];
  for (const item of s.split(',')) {
    const run = /^(\d+)x(\d+)$/.exec(item.trim());
    if (run) {
      const k = Number(run[2]);
      if (k < 1) throw new UsageError(`--widths: run '${item}' needs a count ≥ 1`);
      if (out.length + k - 1 > maxLayers) throw tooDeep(out.length + k - 1);
      const n = num(run[1]);
      for (let i = 0; i < k; i++) out.push(n);
    } else out.push(num(item.trim()));
    if (out.length - 1 > maxLayers) throw tooDeep(out.length - 1);
  }
  if (out.length < 2) throw new UsageError(`--widths: give the input width and at least one layer width (e.g. '256x32' or '784,100,100'), not '${spec}'`);
  return out;
}

/** A number, or 'pi', 'pi/4', '3pi/4', '3*pi/4'. */
export function parseAngle(text: string, option: string): number {
  const t = text.trim().toLowerCase();
  const m = /^(\d*\.?\d*)\s*\*?\s*(pi|π)\s*(?:\/\s*(\d+\.?\d*))?$/.exec(t);
  const v = m ? (m[1] ? decimal(m[1]) : 1) * Math.PI / (m[3] ? decimal(m[3]) : 1) : decimal(t);
  if (t === '' || !Number.isFinite(v)) throw new UsageError(`${option}: '${text}' is not an angle (radians, or like pi/4)`);
  return v;
}

function parseIntOption(text: string | undefined, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === undefined) return undefined;
  const n = decimal(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${option} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`}, not '${text}'`);
  }
  return n;
}

function parseNumberOption(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const n = decimal(text);
  if (Number.isNaN(n)) throw new UsageError(`${option} must be a number, not '${text}'`);
  return n;
}

/** The grid options, checked against each other and the automatic ends (max 0, min ≤ −15). */
function parseGrid(v: { readonly 'grid-min'?: string; readonly 'grid-max'?: string; readonly 'grid-points'?: string }): DensityGridParams {
  const grid: DensityGridParams = {
    xMin: parseNumberOption(v['grid-min'], '--grid-min'),
    xMax: parseNumberOption(v['grid-max'], '--grid-max'),
    points: parseIntOption(v['grid-points'], '--grid-points', 3, MAX_GRID_POINTS),
  };
  if (grid.xMin !== undefined && grid.xMax !== undefined && !(grid.xMin < grid.xMax)) throw new UsageError(`--grid-min (${grid.xMin}) must be below --grid-max (${grid.xMax})`);
  if (grid.xMin !== undefined && grid.xMax === undefined && !(grid.xMin < 0)) throw new UsageError(`--grid-min (${grid.xMin}) must be below the grid's maximum, 0 unless --grid-max says otherwise`);
  return grid;
}

/**
 * Runs an analysis, turning its parameter errors (a budget, an option the core refuses) into usage
 * errors (exit 2); a work budget says how to lift it.
 */
function asUsage<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof DegeneracyParamsError)) throw e;
    const message = e.message.replace(/^(degeneracy|probe angles): /, '');
    throw new UsageError(e instanceof DegeneracyBudgetError && e.work ? `${message}; or pass --allow-long-runs to run it anyway` : message);
  }
}

export function cliContext(io: CliIo, label: string): AnalysisContext {
  let last = -1;
  return {
    progress: (f, m) => {
      const pct = Math.floor(f * 100);
      if (pct !== last) { last = pct; io.progress(`${label}: ${pct}%${m ? ` ${m}` : ''}`); }
    },
    isCancelled: () => false,
  };
}

function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '+inf' : '-inf';
  return x.toFixed(digits);
}

function table(header: string[], rows: string[][]): string[] {
  const w = header.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < w.length; i++) if (r[i].length > w[i]) w[i] = r[i].length;
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(w[i])).join('  ');
  const out = [line(header)];
  for (const r of rows) out.push(line(r));
  return out;
}

function formatResult(r: DegeneracyResult): string {
  const out: string[] = [];
  const L = r.layers.length - 1;
  out.push(`depth degeneracy: θ⁰ = ${r.theta0}, ${L} layers, widths ${compressWidths(r.widths)}, ${r.trials} ${r.mode} trials, seed ${r.seed}, width convention '${r.widthConvention}'`);
  out.push('X = ln sin²θ; theory: inf-width, theorem, approx1, predicted; simulation: mc');
  out.push('');
  const rows = r.layers.map((row) => [
    String(row.layer), String(row.width), fmt(row.infiniteWidth.lnSin2), fmt(row.theoremIterate), fmt(row.approx1),
    `${fmt(row.predicted.mean)} ± ${fmt(row.predicted.sd)}`,
    row.mc ? `${fmt(row.mc.mean)} ± ${fmt(row.mc.sd)}` : '—',
    row.mc ? String(row.mc.collapsed + row.mc.dead) : '—',
  ]);
  // loops, not push(...): a row per layer, and networks have up to 10⁷ layers (spread arguments overflow the stack)
  for (const line of table(['layer', 'width', 'inf-width', 'theorem', 'approx1', 'predicted mean ± sd', 'mc mean ± sd', 'collapsed'], rows)) out.push(line);
  if (r.ks.length) {
    out.push('', 'KS test of the simulated samples against the predicted density:');
    for (const line of table(['layer', 'D', 'p-value', 'samples'], r.ks.map((k) => [String(k.layer), fmt(k.statistic), k.pValue === null ? '—' : k.pValue.toPrecision(3), String(k.samples)]))) out.push(line);
    const refused = r.ks.filter((k) => k.reason !== null);
    for (const reason of new Set(refused.map((k) => k.reason))) {
      const at = refused.filter((k) => k.reason === reason).map((k) => k.layer);
      out.push(`no KS test at layer${at.length > 1 ? 's' : ''} ${at.join(', ')}: ${reason}`);
    }
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

function formatProbe(file: string, r: ProbeAngleResult): string {
  const out: string[] = [];
  out.push(`${file}: angle between probes '${r.probes[0]}' and '${r.probes[1]}' (θ⁰ = ${fmt(r.theta0, 6)}), widths ${compressWidths(r.widths)}`);
  out.push('X = ln sin²θ measured through the network, beside what a random He-initialised ReLU network of the same widths predicts');
  out.push('');
  const rows = r.layers.map((row) => [
    String(row.layer), String(row.width), fmt(row.theta, 6), fmt(row.lnSin2),
    fmt(row.prediction?.infiniteWidth.lnSin2), fmt(row.prediction?.approx1),
    row.prediction ? `${fmt(row.prediction.predicted.mean)} ± ${fmt(row.prediction.predicted.sd)}` : '—',
  ]);
  for (const line of table(['layer', 'width', 'θ', 'X', 'inf-width', 'approx1', 'predicted mean ± sd'], rows)) out.push(line);
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

/** "256, 256×32" style. */
function compressWidths(widths: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < widths.length;) {
    let j = i;
    while (j + 1 < widths.length && widths[j + 1] === widths[i]) j++;
    parts.push(j > i ? `${widths[i]}×${j - i + 1}` : String(widths[i]));
    i = j + 1;
  }
  return parts.join(', ');
}

export const degeneracyCommand: CliCommand = {
  name: 'degeneracy',
  summary: 'angle between two inputs through random ReLU networks: theory vs Monte Carlo (or through a network file)',
  help: HELP,
  run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv], allowPositionals: true, strict: true,
        options: {
          widths: { type: 'string' }, theta0: { type: 'string' }, trials: { type: 'string' }, seed: { type: 'string' },
          mode: { type: 'string' }, 'width-convention': { type: 'string' }, 'ks-layers': { type: 'string' },
          'grid-min': { type: 'string' }, 'grid-max': { type: 'string' }, 'grid-points': { type: 'string' },
          'allow-long-runs': { type: 'boolean' },
          probes: { type: 'string' }, 'max-size-mb': { type: 'string' }, json: { type: 'boolean' }, ...BUDGET_OPTIONS,
          input: IMAGE_OPTIONS.input, count: IMAGE_OPTIONS.count, 'input-shape': IMAGE_OPTIONS['input-shape'],
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const v = parsed.values;
    const convention = v['width-convention'];
    if (convention !== undefined && convention !== 'measured' && convention !== 'input') throw new UsageError(`--width-convention must be 'measured' or 'input', not '${convention}'`);
    const grid = parseGrid(v);

    if (parsed.positionals.length > 1) throw new UsageError('give at most one FILE');
    if (parsed.positionals.length === 1) {
      const file = parsed.positionals[0];
      for (const opt of ['widths', 'theta0', 'trials', 'mode', 'ks-layers', 'allow-long-runs'] as const) {
        if (v[opt] !== undefined) throw new UsageError(`--${opt} does not apply to a network FILE (its widths and probes decide)`);
      }
      const conv = loadConvModel(file, io, parseInputShapeOption(v['input-shape']), { maxSizeMB: parseMaxSize(v['max-size-mb']) });
      if (conv) {
        refuseDenseOptions('degeneracy', v, [
          ['probes', 'inputs are images: --input FILE or --seed N'],
          ['width-convention', 'the prediction is the infinite-width map, which no width enters'],
          ['grid-min', 'the prediction is the infinite-width map: no density'], ['grid-max', 'the prediction is the infinite-width map: no density'],
          ['grid-points', 'the prediction is the infinite-width map: no density'],
        ]);
        const budget = parseBudget(v);
        const images = readImages(io, conv.network.net.inputShape, v, 2);
        if (images.count !== 2) throw new UsageError(`degeneracy takes two images, got ${images.count}`);
        return runConvDegeneracy(file, conv.network, images, { json: !!v.json, budget });
      }
      for (const o of ['seed', 'input', 'count'] as const) {
        if (v[o] !== undefined) throw new UsageError(o === 'seed' ? '--seed does not apply to a network FILE (its widths and probes decide)' : `--${o} applies to convolutional models (input images)`);
      }
      const { network } = loadNetworkFile(file, io, { maxSizeMB: parseMaxSize(v['max-size-mb']) });
      const probes = v.probes?.split(',').map((p) => p.trim());
      if (probes && probes.length !== 2) throw new UsageError(`--probes takes two probe names or indices separated by a comma, not '${v.probes}'`);
      const key = (p: string | undefined): string | number | undefined => (p === undefined ? undefined : /^\d+$/.test(p) ? decimal(p) : p);
      const budget = parseBudget(v);
      const r = analysing(file, 'probe angles', () => asUsage(() => probeAngles(network, {
        probeA: key(probes?.[0]), probeB: key(probes?.[1]),
        widthConvention: convention as WidthConvention | undefined, grid, budget,
      }, cliContext(io, 'degeneracy'))));
      return { stdout: v.json ? toJson({ file, ...r }) + '\n' : formatProbe(file, r), exitCode: 0 };
    }

    if (v.probes !== undefined) throw new UsageError('--probes needs a network FILE');
    for (const o of ['input', 'count', 'input-shape'] as const) if (v[o] !== undefined) throw new UsageError(`--${o} needs a convolutional model FILE`);
    if (v.widths === undefined) throw new UsageError('give --widths (e.g. 256x32) or a network FILE');
    if (v.theta0 === undefined) throw new UsageError('give --theta0 (the input angle in radians, e.g. 0.1)');
    const mode = v.mode;
    if (mode !== undefined && mode !== 'chain' && mode !== 'network') throw new UsageError(`--mode must be 'chain' or 'network', not '${mode}'`);
    const widths = parseWidths(v.widths);
    const theta0 = parseAngle(v.theta0, '--theta0');
    if (!(theta0 > 0 && theta0 <= Math.PI)) throw new UsageError(`--theta0 must be in (0, π], not ${v.theta0}`);
    const L = widths.length - 1;
    let ksLayers: number[] | undefined;
    if (v['ks-layers'] !== undefined) {
      ksLayers = v['ks-layers'].split(',').map((t) => {
        const n = decimal(t);
        if (!Number.isInteger(n) || n < 1 || n > L) throw new UsageError(`--ks-layers: '${t}' is not a layer in 1..${L}`);
        return n;
      });
    }
    const params: DegeneracyParams = {
      widths, theta0,
      trials: parseIntOption(v.trials, '--trials', 0),
      seed: parseIntOption(v.seed, '--seed', 0, MAX_SEED),
      mode: mode as DegeneracyParams['mode'],
      widthConvention: convention as WidthConvention | undefined,
      ksLayers, grid,
    };
    const r = asUsage(() => runDegeneracy(params, cliContext(io, 'degeneracy'), { allowLongRuns: v['allow-long-runs'] === true }));
    if (v.json) {
      // the plotting payload (histograms, down-sampled density) stays out of the CLI's JSON
      const { histograms: _h, density: _d, ...rest } = r;
      return { stdout: toJson(rest) + '\n', exitCode: 0 };
    }
    return { stdout: formatResult(r), exitCode: 0 };
  },
};
