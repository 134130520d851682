/**
 * depth-lens train indicator | mean-field — the training-dynamics checks of MATH.md §D and §E.
 */
import { parseArgs } from 'node:util';
import { toJson, UsageError, type CliCommand, type CliIo } from '../command';
import type { AnalysisContext } from '../../core/context';
import { trainIndicator } from '../../core/training/indicator';
import { DEFAULT_RATE, meanFieldLimit } from '../../core/training/meanField';
import type { IndicatorParams, MeanFieldParams } from '../../shared/analyses/training';

const HELP = `Usage:
  depth-lens train indicator [options]    pointwise convergence of GD on 1{|x| ≤ 1/2} (MATH.md §D)
  depth-lens train mean-field [options]   mean-field limit of a two-hidden-layer network (MATH.md §E)

indicator options:
  --dim d           input dimension (default 1; d > 1 uses the level-N sawtooth squaring)
  --level N         sawtooth level for d > 1 (default 10)
  --iterations K    gradient steps (default 10000)
  --batch B         mini-batch size (default 32)
  --lr η            step size (default 1)
  --seed S          data seed (default 1)
  --w0 w            initial steepness (default 2)
  --p p             loss |f − y|^p (default 2)
  --mode m          sgd (default) | expected (GD on the exact population loss)
  --train-size n    fixed training set of n points (default: fresh samples each step;
                    --train-size n --batch n is full-batch GD)
  --records R       about R log-spaced record iterations (default 200)
  --json            print one JSON document

mean-field options:
  --widths list     comma-separated widths N (default 25,50,100,200); N1 = N, N2 = N/ratio
  --ratio c         N1/N2 (default 1)
  --seeds n         runs per width (default 8)
  --T t             final time on the clock t = k/N1 (default 5; N1·T steps per run)
  --probes list     comma-separated probe inputs in [−1,1] (default -0.5,0.25,0.75)
  --lr c            O(1) multiplier of all three §E learning rates (default ${DEFAULT_RATE})
  --activation a    tanh (default) | sigmoid
  --records R       record intervals on [0, T] (default 20)
  --seed S          base seed (default 1)
  --json            print one JSON document

The indicator construction is ours (the paper's exact architecture was not available); it is
consistent with the paper's published rate (loss ~ t^(−1/3), every point converges).
Defaults of mean-field take a few seconds on two cores.
`;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${name} expects a number, got '${v}'`);
  return x;
}

function list(name: string, v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((s) => num(name, s.trim()) as number);
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

/** Core RangeError/TypeError → usage error (exit 2) with the core's precise message. */
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
}

const pairs = (xs: readonly number[], ys: readonly number[]): [number, number][] => xs.map((x, i) => [x, ys[i]]);

function runIndicator(argv: readonly string[], io: CliIo): { stdout: string; exitCode: number } {
  const { values } = asUsage(() => parseArgs({
    args: [...argv],
    strict: true,
    options: {
      dim: { type: 'string' }, level: { type: 'string' }, iterations: { type: 'string' }, batch: { type: 'string' },
      lr: { type: 'string' }, seed: { type: 'string' }, w0: { type: 'string' }, p: { type: 'string' },
      mode: { type: 'string' }, 'train-size': { type: 'string' }, records: { type: 'string' }, json: { type: 'boolean' },
    },
  }));
  const mode = values.mode;
  if (mode !== undefined && mode !== 'sgd' && mode !== 'expected') throw new UsageError(`--mode must be sgd or expected, got '${mode}'`);
  const params: IndicatorParams = {
    dim: num('dim', values.dim), level: num('level', values.level), iterations: num('iterations', values.iterations),
    batch: num('batch', values.batch), learningRate: num('lr', values.lr), seed: num('seed', values.seed),
    initialW: num('w0', values.w0), lossPower: num('p', values.p), mode,
    trainingSetSize: num('train-size', values['train-size']), records: num('records', values.records),
  };
  const r = asUsage(() => trainIndicator(params, cliContext(io)));
  const slope = r.slope && {
    exponent: r.slope.exponent, interval: r.slope.interval, standardError: r.slope.standardError,
    fitFrom: r.slope.fitFrom, fitTo: r.slope.fitTo, expected: r.slope.expected,
  };
  if (values.json) {
    return {
      stdout: toJson({
        construction: r.construction,
        lossNote: r.lossNote,
        params: r.params,
        feature: r.feature,
        loss: pairs(r.iterations, r.loss),
        evalLoss: pairs(r.iterations, r.evalLoss),
        w: pairs(r.iterations, r.w),
        slope,
        theory: { kappa: r.theory.kappa, w: pairs(r.iterations, r.theory.w), loss: pairs(r.iterations, r.theory.loss) },
        probes: r.probes.map((p) => ({
          x: p.x, feature: p.feature, target: p.target, threshold: p.threshold, limitError: p.limitError, zeroFrom: p.zeroFrom,
          error: pairs(r.iterations, p.error),
        })),
        functionView: r.functionView,
      }) + '\n',
      exitCode: 0,
    };
  }
  const K = r.params.iterations;
  const lines = [
    `indicator target 1{|x| ≤ 1/2}, d = ${r.params.dim}, ${r.params.mode === 'expected' ? 'GD on the exact population loss' : `mini-batch GD (B = ${r.params.batch})`}, η = ${r.params.learningRate}, K = ${K}`,
    r.construction,
    '',
    `w: ${r.w[0]} → ${r.w[r.w.length - 1].toPrecision(6)}   (gradient-flow prediction ${r.theory.w[r.theory.w.length - 1].toPrecision(6)})`,
    `loss: ${r.loss[0].toPrecision(4)} → ${r.loss[r.loss.length - 1].toPrecision(4)}   (eval set: ${r.evalLoss[r.evalLoss.length - 1].toPrecision(4)})`,
    slope
      ? `loss-tail slope over iterations ${slope.fitFrom}..${slope.fitTo}: ${slope.exponent.toFixed(4)}  (95% ${slope.interval[0].toFixed(4)}..${slope.interval[1].toFixed(4)}; expected −1/3)`
      : 'loss-tail slope: not enough record points in the fit range',
    '',
    'probe                      target  error at K   exact 0 from   1/(φ − a)',
    ...r.probes.map((p) =>
      `${('(' + p.x.map((c) => c.toString()).join(', ') + ')').padEnd(26)} ${String(p.target).padStart(6)}  ${p.error[p.error.length - 1].toExponential(2).padStart(10)}   ${(p.zeroFrom === null ? '—' : String(p.zeroFrom)).padStart(12)}   ${p.threshold === null ? 'inside' : p.threshold.toPrecision(5)}`),
  ];
  return { stdout: lines.join('\n') + '\n', exitCode: 0 };
}

function runMeanField(argv: readonly string[], io: CliIo): { stdout: string; exitCode: number } {
  const { values } = asUsage(() => parseArgs({
    args: [...argv],
    strict: true,
    options: {
      widths: { type: 'string' }, ratio: { type: 'string' }, seeds: { type: 'string' }, T: { type: 'string' },
      probes: { type: 'string' }, lr: { type: 'string' }, activation: { type: 'string' }, records: { type: 'string' },
      seed: { type: 'string' }, json: { type: 'boolean' },
    },
  }));
  const act = values.activation;
  if (act !== undefined && act !== 'tanh' && act !== 'sigmoid') throw new UsageError(`--activation must be tanh or sigmoid, got '${act}'`);
  const c = num('lr', values.lr);
  const params: MeanFieldParams = {
    widths: list('widths', values.widths), n1PerN2: num('ratio', values.ratio), seeds: num('seeds', values.seeds),
    T: num('T', values.T), probes: list('probes', values.probes), seed: num('seed', values.seed), activation: act,
    learningRates: c === undefined ? undefined : { C: c, W2: c, W1: c }, records: num('records', values.records),
  };
  const r = asUsage(() => meanFieldLimit(params, cliContext(io)));
  if (values.json) return { stdout: toJson(r) + '\n', exitCode: 0 };
  const fit = r.spreadExponent;
  const lines = [
    `mean-field limit: widths ${r.params.widths.join(', ')} (N1/N2 = ${r.params.n1PerN2}), ${r.params.seeds} seeds each, T = ${r.params.T}, σ = ${r.params.activation}`,
    '',
    'N      N1     N2     spread (t ≥ T/2)   loss at T (mean ± sd)   ' + r.probes.map((p) => `g_T(${p.x}) (target ${p.target.toFixed(3)})`).join('   '),
    ...r.widths.map((w) => {
      const m = w.t.length - 1;
      return `${String(w.N).padEnd(6)} ${String(w.N1).padEnd(6)} ${String(w.N2).padEnd(6)} ${w.spread.toExponential(3).padEnd(18)} ${(w.loss.mean[m].toFixed(4) + ' ± ' + w.loss.sd[m].toFixed(4)).padEnd(23)} ` +
        w.mean.map((mq, q) => `${mq[m].toFixed(4)} ± ${w.sd[q][m].toFixed(4)}`).join('   ');
    }),
    '',
    fit
      ? `spread ~ N^${fit.exponent.toFixed(3)}  (95% ${Number.isFinite(fit.interval[0]) ? fit.interval[0].toFixed(3) + '..' + fit.interval[1].toFixed(3) : 'n/a with 2 widths'}; expected ≈ −1/2)`
      : 'spread exponent: needs at least two widths',
  ];
  return { stdout: lines.join('\n') + '\n', exitCode: 0 };
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
