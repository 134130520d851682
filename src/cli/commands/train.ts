/**
 * depth-lens train indicator | mean-field [FILE] — the training-dynamics checks of MATH.md §D and §E.
 *
 * Parameters are validated before the run (a bad value is a usage error, exit 2); anything thrown
 * during the run is a bug or an environment problem and is reported as such (exit 1), never as a
 * usage error.
 */
import { parseArgs } from 'node:util';
import { toJson, UsageError, type CliCommand, type CliIo, type CliResult } from '../command';
import { refuseConvModel } from '../convModel';
import { formatDiagnostics, loadNetworkFile } from '../load';
import { decimal } from '../numbers';
import { parseMaxSize } from './check';
import type { AnalysisContext } from '../../core/context';
import { resolveIndicatorParams, trainIndicator } from '../../core/training/indicator';
import { DEFAULT_RATE, meanFieldLimit, resolveMeanFieldParams } from '../../core/training/meanField';
import { TRAINING_WORK_BUDGET } from '../../core/training/params';
import { readTrainingSection } from '../../core/training/spec';
import type { IndicatorParams, MeanFieldParams, TrainingSpec } from '../../shared/analyses/training';

const HELP = `Usage:
  depth-lens train indicator [FILE] [options]    pointwise convergence of GD on 1{|x| ≤ 1/2} (MATH.md §D)
  depth-lens train mean-field [FILE] [options]   mean-field limit of a two-hidden-layer network (MATH.md §E)

FILE: a network file whose "training" section (docs/network-format.md) gives the parameters; options
override it. The section's experiment must match the sub-command.

indicator options:
  --dim d           input dimension (default 1). d = 1: the feature is |x| = σ(x) + σ(−x), exact, ramp at
                    a = 1/2 (L(w) = 1/((p+1)w) exactly for w ≥ 2); d > 1: r_N(x) ≈ |x|² by the level-N
                    sawtooth squaring, ramp at a = 1/4
  --level N         sawtooth level for d > 1, 1..26 (default 10; error ≤ d·4^(−N−1))
  --iterations K    gradient steps (default 10000)
  --batch B         mini-batch size (default 32)
  --lr η            step size (default 1)
  --seed S          data seed, integer in [0, 2^32 − 1] (default 1)
  --w0 w            initial steepness (default 2; d > 1 needs w ≥ 4/3)
  --p p             loss |f − y|^p, p ≥ 1 (default 2)
  --mode m          sgd (default) | expected (GD on the exact population loss)
  --train-size n    fixed training set of n points (sgd only; default: fresh samples each step;
                    --train-size n --batch n is full-batch GD, which stalls once no point is on the ramp)
  --records R       about R log-spaced record iterations (default 200)
  --fit-from k      first iteration of the slope fits (default ⌈K/10⌉)

mean-field options:
  --widths list     comma-separated widths N (default 25,50,100,200); N1 = N, N2 = round(N/ratio)
  --ratio c         N1/N2 ≥ 1 (default 1); every width must be at least about c
  --seeds n         runs per width, ≥ 2 (default 8)
  --T t             final time on the clock t = k/N1 (default 5; N1·T steps per run)
  --probes list     comma-separated probe inputs in [−1,1] (default -0.5,0.25,0.75)
  --lr c            O(1) multiplier of all three §E learning rates (default ${DEFAULT_RATE})
  --activation a    tanh (default) | sigmoid
  --records R       record intervals on [0, T] (default 20)
  --seed S          base seed, integer in [0, 2^32 − 1] (default 1)

common options:
  --max-work W      refuse runs estimated above W operations (default ${TRAINING_WORK_BUDGET.toExponential(0).replace('e+', 'e')}, a few
                    minutes; an operation is about 1–2 ns)
  --max-size-mb N   refuse network files larger than N MB
  --json            print one JSON document

JSON (indicator): loss, evalLoss, w and theory.w / theory.loss are lists of [iteration, value];
  slope (fit of loss) and evalSlope (fit of evalLoss, the actual network; differs for coarse levels) are
  {exponent, interval: [lo, hi] (95 %), standardError, fitFrom, fitTo, expected: −1/3 (as k → ∞),
  flowExponent: the slope of GD on the exact population loss over the same records — the fair
  comparison at finite k}; theory.gdW / theory.gdLoss: that GD's w and loss per record,
  e.g. jq '.slope.exponent'; probes[] {x, target, threshold, zeroFrom, error: [[iteration, |f − target|]]};
  stopped: null or {iteration, w, reason, message} when w left the construction's range (d > 1, coarse
  level and large η) — the run ends there; warnings: [text].
JSON (mean-field): widths[] {N, N1, N2, t, steps, mean[probe][record], sd[probe][record],
  loss: {mean, sd}, spread, diverged}; spreadExponent: {exponent, interval, standardError, points,
  expected: −0.5} fitted over the widths that did not diverge, e.g. jq '.spreadExponent.exponent';
  warnings: [text].

Warnings (pre-asymptotic slope, coarse level, stalled fixed set, divergence) go to stderr and into
the JSON. Exit codes: 0 ok, 1 file or internal error, 2 usage error (bad option or parameter).

The indicator construction is ours (the paper's exact architecture was not available); it is
consistent with the paper's published rate (loss ~ t^(−1/3), every point converges).
Defaults of mean-field take a few seconds on two cores.
`;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = decimal(v);
  if (Number.isNaN(x)) throw new UsageError(`--${name} expects a number, got '${v}'`);
  return x;
}

function list(name: string, v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((s) => num(name, s) as number);
}

function cliContext(io: CliIo): AnalysisContext {
  let last = -1;
  return {
    progress: (f, msg) => {
      const pct = Math.floor(f * 100);
      if (pct !== last) { last = pct; io.progress(`${pct}%${msg ? ' ' + msg : ''}`); }
    },
    isCancelled: () => false,
  };
}

/** Parameter problems (RangeError/TypeError from validation) → usage error (exit 2) with the core's precise message. */
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
}

/** Options given on the command line win over the file's section; undefined options do not erase it. */
function merge<T extends object>(base: T, overrides: T): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(overrides as Record<string, unknown>)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** The `training` section of FILE for `experiment` (without the experiment key), or {} without FILE. */
function fileSection(positionals: readonly string[], experiment: TrainingSpec['experiment'], maxSize: string | undefined, io: CliIo): Record<string, unknown> {
  if (positionals.length > 1) throw new UsageError(`expected at most one FILE, got ${positionals.length}: ${positionals.join(' ')}`);
  const file = positionals[0];
  if (file === undefined) return {};
  refuseConvModel('train', file, io, { maxSizeMB: parseMaxSize(maxSize) });
  const { text } = loadNetworkFile(file, io, { maxSizeMB: parseMaxSize(maxSize) });
  const { spec, diagnostics } = readTrainingSection(text);
  if (!spec) {
    // errors in the section already stopped loadNetworkFile; here it is missing
    if (diagnostics.some((d) => d.severity === 'error')) throw new Error(formatDiagnostics(file, text, diagnostics).join('\n'));
    throw new UsageError(`${file} has no "training" section; give the parameters as options instead`);
  }
  const sub = experiment === 'indicator' ? 'indicator' : 'mean-field';
  if (spec.experiment !== experiment) {
    throw new UsageError(`the "training" section of ${file} is for the "${spec.experiment}" experiment; run 'depth-lens train ${spec.experiment} ${file}' (this is 'train ${sub}')`);
  }
  const { experiment: _e, ...params } = spec;
  return params;
}

const pairs = (xs: readonly number[], ys: readonly number[]): [number, number][] => xs.map((x, i) => [x, ys[i]]);

function warningText(warnings: readonly string[]): string | undefined {
  return warnings.length ? warnings.map((w) => `depth-lens train: warning: ${w}`).join('\n') + '\n' : undefined;
}

function runIndicator(argv: readonly string[], io: CliIo): CliResult {
  const { values, positionals } = asUsage(() => parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      dim: { type: 'string' }, level: { type: 'string' }, iterations: { type: 'string' }, batch: { type: 'string' },
      lr: { type: 'string' }, seed: { type: 'string' }, w0: { type: 'string' }, p: { type: 'string' },
      mode: { type: 'string' }, 'train-size': { type: 'string' }, records: { type: 'string' }, 'fit-from': { type: 'string' },
      'max-work': { type: 'string' }, 'max-size-mb': { type: 'string' }, json: { type: 'boolean' },
    },
  }));
  const mode = values.mode;
  if (mode !== undefined && mode !== 'sgd' && mode !== 'expected') throw new UsageError(`--mode must be sgd or expected, got '${mode}'`);
  const options: IndicatorParams = {
    dim: num('dim', values.dim), level: num('level', values.level), iterations: num('iterations', values.iterations),
    batch: num('batch', values.batch), learningRate: num('lr', values.lr), seed: num('seed', values.seed),
    initialW: num('w0', values.w0), lossPower: num('p', values.p), mode,
    trainingSetSize: num('train-size', values['train-size']), records: num('records', values.records),
    fitFrom: num('fit-from', values['fit-from']), maxWork: num('max-work', values['max-work']),
  };
  const params = merge(fileSection(positionals, 'indicator', values['max-size-mb'], io) as IndicatorParams, options);
  asUsage(() => resolveIndicatorParams(params));
  const r = trainIndicator(params, cliContext(io));
  const stderr = warningText(r.warnings);
  if (values.json) {
    return {
      stdout: toJson({
        construction: r.construction,
        lossNote: r.lossNote,
        params: r.params,
        feature: r.feature,
        completedIterations: r.completedIterations,
        stopped: r.stopped,
        warnings: r.warnings,
        loss: pairs(r.iterations, r.loss),
        evalLoss: pairs(r.iterations, r.evalLoss),
        w: pairs(r.iterations, r.w),
        slope: r.slope && slopeJson(r.slope),
        evalSlope: r.evalSlope && slopeJson(r.evalSlope),
        theory: { kappa: r.theory.kappa, w: pairs(r.iterations, r.theory.w), loss: pairs(r.iterations, r.theory.loss) },
        probes: r.probes.map((p) => ({
          x: p.x, feature: p.feature, target: p.target, threshold: p.threshold, limitError: p.limitError, zeroFrom: p.zeroFrom,
          error: pairs(r.iterations, p.error),
        })),
        functionView: r.functionView,
      }) + '\n',
      stderr,
      exitCode: 0,
    };
  }
  const K = r.params.iterations;
  const last = r.w.length - 1;
  const fit = (name: string, s: typeof r.slope) => s
    ? `${name} over iterations ${s.fitFrom}..${s.fitTo}: ${s.exponent.toFixed(4)}  (95% ${s.interval[0].toFixed(4)}..${s.interval[1].toFixed(4)}; ` +
      `exact-loss GD over this range ${s.flowExponent === null ? 'flat' : s.flowExponent.toFixed(4)}, −1/3 as k → ∞)`
    : `${name}: not enough positive record points in the fit range`;
  const lines = [
    `indicator target 1{|x| ≤ 1/2}, d = ${r.params.dim}, ${r.params.mode === 'expected' ? 'GD on the exact population loss' : `mini-batch GD (B = ${r.params.batch})`}, η = ${r.params.learningRate}, K = ${K}`,
    r.construction,
    r.feature.description,
    '',
    ...(r.stopped ? [`STOPPED after ${r.completedIterations} of ${K} iterations: ${r.stopped.message}`, ''] : []),
    `w: ${r.w[0]} → ${r.w[last].toPrecision(6)}   (GD on the exact loss ${r.theory.gdW[last].toPrecision(6)}; leading-order gradient flow ${r.theory.w[last].toPrecision(6)})`,
    `loss: ${r.loss[0].toPrecision(4)} → ${r.loss[last].toPrecision(4)}   (eval set: ${r.evalLoss[last].toPrecision(4)})`,
    fit('loss-tail slope', r.slope),
    ...(r.params.dim > 1 ? [fit('eval-set slope (the network)', r.evalSlope)] : []),
    '',
    'probe                      target  error at end  exact 0 from   1/(φ − a)',
    ...r.probes.map((p) =>
      `${('(' + p.x.map((c) => c.toString()).join(', ') + ')').padEnd(26)} ${String(p.target).padStart(6)}  ${p.error[p.error.length - 1].toExponential(2).padStart(12)}  ${(p.zeroFrom === null ? '—' : String(p.zeroFrom)).padStart(12)}   ${p.threshold === null ? 'inside' : p.threshold.toPrecision(5)}`),
  ];
  return { stdout: lines.join('\n') + '\n', stderr, exitCode: 0 };
}

function slopeJson(s: NonNullable<ReturnType<typeof trainIndicator>['slope']>) {
  return {
    exponent: s.exponent, interval: s.interval, standardError: s.standardError,
    fitFrom: s.fitFrom, fitTo: s.fitTo, expected: s.expected, flowExponent: s.flowExponent,
  };
}

function runMeanField(argv: readonly string[], io: CliIo): CliResult {
  const { values, positionals } = asUsage(() => parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      widths: { type: 'string' }, ratio: { type: 'string' }, seeds: { type: 'string' }, T: { type: 'string' },
      probes: { type: 'string' }, lr: { type: 'string' }, activation: { type: 'string' }, records: { type: 'string' },
      seed: { type: 'string' }, 'max-work': { type: 'string' }, 'max-size-mb': { type: 'string' }, json: { type: 'boolean' },
    },
  }));
  const act = values.activation;
  if (act !== undefined && act !== 'tanh' && act !== 'sigmoid') throw new UsageError(`--activation must be tanh or sigmoid, got '${act}'`);
  const c = num('lr', values.lr);
  const options: MeanFieldParams = {
    widths: list('widths', values.widths), n1PerN2: num('ratio', values.ratio), seeds: num('seeds', values.seeds),
    T: num('T', values.T), probes: list('probes', values.probes), seed: num('seed', values.seed), activation: act,
    learningRates: c === undefined ? undefined : { C: c, W2: c, W1: c }, records: num('records', values.records),
    maxWork: num('max-work', values['max-work']),
  };
  const params = merge(fileSection(positionals, 'mean-field', values['max-size-mb'], io) as MeanFieldParams, options);
  asUsage(() => resolveMeanFieldParams(params));
  const r = meanFieldLimit(params, cliContext(io));
  const stderr = warningText(r.warnings);
  if (values.json) return { stdout: toJson(r) + '\n', stderr, exitCode: 0 };
  const fit = r.spreadExponent;
  const lines = [
    `mean-field limit: widths ${r.params.widths.join(', ')} (N1/N2 = ${r.params.n1PerN2}), ${r.params.seeds} seeds each, T = ${r.params.T}, σ = ${r.params.activation}`,
    '',
    'N      N1     N2     spread (t ≥ T/2)   loss at T (mean ± sd)   ' + r.probes.map((p) => `g_T(${p.x}) (target ${p.target.toFixed(3)})`).join('   '),
    ...r.widths.map((w) => {
      const m = w.t.length - 1;
      return `${String(w.N).padEnd(6)} ${String(w.N1).padEnd(6)} ${String(w.N2).padEnd(6)} ${(w.diverged ? 'diverged' : w.spread.toExponential(3)).padEnd(18)} ${(w.loss.mean[m].toPrecision(4) + ' ± ' + w.loss.sd[m].toPrecision(4)).padEnd(23)} ` +
        w.mean.map((mq, q) => `${mq[m].toFixed(4)} ± ${w.sd[q][m].toFixed(4)}`).join('   ');
    }),
    '',
    fit
      ? `spread ~ N^${fit.exponent.toFixed(3)} over N = ${fit.points.map(([n]) => n).join(', ')}  (95% ${Number.isFinite(fit.interval[0]) ? fit.interval[0].toFixed(3) + '..' + fit.interval[1].toFixed(3) : 'n/a with 2 widths'}; expected ≈ −1/2)`
      : 'spread exponent: needs at least two widths that did not diverge',
  ];
  return { stdout: lines.join('\n') + '\n', stderr, exitCode: 0 };
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'training dynamics: GD on an indicator target (§D) and the mean-field limit (§E)',
  help: HELP,
  run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'indicator') return runIndicator(rest, io);
    if (sub === 'mean-field') return runMeanField(rest, io);
    if (sub === undefined) throw new UsageError("expected a sub-command: 'indicator' or 'mean-field'");
    throw new UsageError(`unknown sub-command '${sub}'; expected 'indicator' or 'mean-field'`);
  },
};
