/** depth-lens convergence FILE: does N_k(x) converge as depth k → ∞? (MATH.md §A, §B) */
import { EXIT_OVERFLOW } from './exitCodes';
import { BUDGET_HELP, BUDGET_OPTIONS, parseBudget } from './budgetOptions';
import { allocationFailure, BudgetError } from '../../core/network/budget';
import { NonFiniteError } from '../../core/network/scaled';
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand, type CliIo } from '../command';
import { loadConvModel, parseInputShapeOption } from '../convModel';
import { decisionJson } from '../../core/convergence/decisionJson';
import { IMAGE_OPTIONS, imageOptionsHelp, readImages, refuseDenseOptions, runConvConvergence } from '../convAnalyses';
import { loadNetworkFile } from '../load';
import { parseMaxSize } from './check';
import { decimal } from '../numbers';
import { analyzeConvergence, checkConvergenceBudget, ConvergenceParamsError } from '../../core/convergence/analyze';
import { precomputeLayerNorms } from '../../core/linalg/layerNorms';
import { layerSpan } from '../../core/convergence/runs';
import { fmt, fmtExponent } from '../../core/convergence/format';
import type { AnalysisContext } from '../../core/context';
export { decisionJson };
import type { ConvergenceNorm, ConvergenceResult, PowerLawFit, SeriesSummary, Verdict } from '../../shared/analyses/convergence';

/** Above this depth the JSON `layers` list is sampled at the recorded depths unless --all-layers. */
export const FULL_LAYER_LIST_MAX = 2000;

/** Probe images of a conv model by default (seeded). */
export const CONV_PROBES = 4;

/** Exit code of --fail-on when a verdict it needs cannot be decided because a number overflowed float64. */
export const EXIT_CANNOT_DECIDE = EXIT_OVERFLOW;

const HELP = `Usage: depth-lens convergence FILE [--norm 2|1|inf|fro] [--probe x1,x2,...]... [--run N] [--tail-from K]
                             [--fail-on diverges|inconclusive] [--all-layers] [--json]

Convergence of the network as depth → ∞ (MATH.md §A; ResNets §B) over one run of width-preserving
layers (default: the longest; the others are listed): per layer ‖W_k − I‖ and ‖b_k‖ (residual blocks:
a_n = Π_k ‖W^(n,k)‖ and β_n = Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖; a run mixing both adds them up), the
partial sums, and whether each series is summable — decided on its dyadic block sums B_j over
(n/2, n], (n/4, n/2], … (zeros included) on the scale k^−p (ln k)^−q: summable iff p > 1, or p = 1 and
q > 1; within 0.02 of p = 1 the Bertrand exponent q decides and q within 0.15 of 1 stays undecided.
Three verdicts — sufficient, necessary, pointwise — each holds / fails / inconclusive with a one-line
headline, the deciding numbers, the theorem and its assumptions. Sums over the layers present are
exact; anything about the infinite series is extrapolated and labelled so. A power-law fit of the tail
(terms ≈ C·k^−p over the second half of the run) is shown for reference.

At every probe (the file's probes, --probe, or the input domain's centre and corners): N_k(x) at a
log-spaced set of about 200 depths including the last (all depths when there are fewer), the
increments ‖N_k − N_{k−1}‖ in the vector norm (max over the skipped layers between two listed depths),
whether N_k(x) is Cauchy (its oscillation over each dyadic block, decided like the series), the tail
bound ‖N_∞ − N_n‖ ≤ (Π_{k>n}(1 + w_k) − 1)·(‖N_n‖ + T_β) + T_β (rigorous over the layers present), the
limit estimate — the theorem's bound with the series tails extrapolated, beside an estimate from the
fitted oscillations, and whether the bound is informative (not ≥ 100× the observed movement) — and when
affordable the partial products P_k (‖P_k − P_{k−1}‖ in the Frobenius norm, ln ‖P_k‖ where it leaves
float64), the stability radius and σ_min(P_n) for the necessary condition's non-degeneracy assumption.
A number that overflows float64 is reported with its layer; nothing is computed from it.

Options:
  --norm N          matrix norm for ‖W − I‖: 2 (default, spectral), 1, inf, fro; vectors use ℓ2, ℓ1, ℓ∞, ℓ2
  --probe x1,x2,..  a probe input (repeatable); replaces the file's probes
  --run N           analyse the N-th width-preserving run of layers (1-based, as listed in the notes)
  --tail-from K     first layer number of the tail fits (default: the second half of the run)
  --fail-on WHAT    diverges: exit 1 when the pointwise verdict fails, or the necessary condition fails
                    (which it does only with its non-degeneracy assumption established); never when
                    the sufficient condition holds. Exit ${EXIT_CANNOT_DECIDE} when the answer cannot be decided because a
                    number overflowed float64 (the message names the layer).
                    inconclusive: also exit 1 unless the sufficient or the pointwise verdict holds.
                    A failing sufficient condition alone never counts as diverging (W_k = I/2 converges).
                    Default: always exit 0
  --all-layers      list every layer in --json even beyond ${FULL_LAYER_LIST_MAX} layers (default: the
                    listed depths only, "layersSampled": true)
  --json            one JSON document: {file, depth, layers, series, verdicts, probes, …}
  --max-size-mb N   refuse files larger than N MB
${BUDGET_HELP}
  --help            show this help

Convolutional models (.onnx graphs on an image input, torchvision ResNet state_dicts; MATH.md §B):
  depth-lens convergence MODEL.onnx|.pt [--input FILE]... [--seed N] [--count K] [--json]
every run of identity-shortcut blocks (a stage: a projection block ends it) is analysed. Per block n of
a run: ‖W^(n,k)‖₂ of each branch conv (BatchNorm folded) as an operator on its input [C, H, W] (Lanczos,
relative residual ≤ 1e-10; exact FFT spectrum for circular convs), ‖b^(n,k)‖ of its bias as a C×H×W
tensor, a_n = Π_k ‖W^(n,k)‖₂, β_n = Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖₂, the partial sums S1, S2, the
ratios a_n/a_{n−1}, and at every probe image ‖x_{n−1}‖, the increment ‖x_n − x_{n−1}‖ and the bound
a_n‖x_{n−1}‖ + β_n it must stay under when x_{n−1} ≥ 0 (checked, per probe). Summability is decided on
dyadic block sums as for dense runs; a stage of a few blocks cannot decide it and says so ("cannot
decide from 8 blocks"). Probes: ${CONV_PROBES} seeded images unless --input or --seed/--count.
${imageOptionsHelp(CONV_PROBES)}
--json on a conv model: {file, kind: "conv", network, inputShape, probes, normRule, termsRule, boundRule,
runs: [{index, stage, shape, blocks, S1, S2, sufficient {status, reason}, s1Decision, s2Decision,
boundHolds, maxBoundRatio, termTrend, terms: [{block, n, op, shape, branch: [{name, norm, residual,
method, steps, biasNorm}], a, beta, S1, S2, aRatio, betaRatio, probes: {inputNorm, increment, bound,
boundHolds, inputNonNegative} (one entry per probe)}]}], notes}. --probe, --run, --tail-from,
--all-layers, --fail-on and --norm other than 2 apply to dense networks only (usage error).
The budget (--max-work) is checked from the shapes before any norm: ‖W‖₂ of each branch conv at about
250 Lanczos steps plus the probes' forward pass.

Exit codes: 0 ok, 1 file error, internal error or --fail-on triggered, 2 usage error,
${EXIT_CANNOT_DECIDE} --fail-on cannot decide (a number overflowed float64); conv models: ${EXIT_CANNOT_DECIDE} when a probe's forward
pass leaves float64 (the message names the layer).
`;

const NORMS: readonly ConvergenceNorm[] = ['2', '1', 'inf', 'fro'];

function parseProbe(text: string, index: number): number[] {
  const out = text.split(',').map(decimal);
  if (out.some((v) => Number.isNaN(v))) throw new UsageError(`--probe ${index + 1}: '${text}' is not a comma-separated list of decimal numbers`);
  return out;
}

/** A positive integer option (layer numbers, run indices) through decimal(): no hex, blanks or overflow. */
function positiveIntegerOption(name: string, text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const v = decimal(text);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer ${what}, not '${text}'`);
  return v;
}

function exponentJson(fit: PowerLawFit) {
  return {
    p: fit.p, lo: fit.lo, hi: fit.hi, kind: fit.kind, from: fit.from, to: fit.to, points: fit.points, zeros: fit.zeros, minPoints: fit.minPoints,
    logC: fit.logC, confidence: fit.confidence, method: fit.method,
  };
}


function seriesJson(s: SeriesSummary) {
  return { label: s.label, sum: s.sum, summable: s.summable, decision: decisionJson(s.decision), extrapolatedTail: s.extrapolatedTail, overflow: s.overflow, tailExponent: exponentJson(s.fit) };
}

/** Why a per-layer value is null in --json: not defined for the layer, or not a finite float64. */
function missing(v: number, notApplicable: string): string | undefined {
  if (Number.isNaN(v)) return notApplicable;
  if (!Number.isFinite(v)) return `overflow (${v > 0 ? '+' : '−'}∞)`;
  return undefined;
}

/** How the two series are made of the run's steps (printed with the series). */
function termsRule(r: ConvergenceResult): string {
  const n = r.norm === 'fro' ? 'Frobenius' : `${r.norm}-`;
  const matrix = r.norm === 'fro' ? 'Frobenius norm' : `operator ${r.norm}-norm`;
  const dense = `w_k = ‖W_k − I‖ (${matrix}), β_k = ‖b_k‖ (${r.vectorNorm})`;
  const block = `w_n = a_n = Π_k ‖W^(n,k)‖ (S1 term), β_n = Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖ (S2 term), ${n === 'Frobenius' ? 'Frobenius' : n + 'norm'}`;
  if (r.kind === 'dense') return `dense layers: ${dense}`;
  if (r.kind === 'residual') return `residual blocks: ${block}`;
  if (r.kind === 'mixed') return `each dense layer contributes ${dense}; each residual block ${block}; weight = Σ w over the whole run, bias = Σ β (parts: the dense and the block sums separately)`;
  return 'no analysed run';
}

function verdictJson(v: Verdict) {
  return { ...v };
}

/** The JSON document of `depth-lens convergence --json`. */
export function convergenceJson(file: string, r: ConvergenceResult, allLayers: boolean) {
  const { first, last } = r.sequence;
  const count = Math.max(0, last - first + 1);
  const sampled = !allLayers && count > FULL_LAYER_LIST_MAX;
  const indices: number[] = [];
  if (sampled) { for (const k of r.recordedDepths) if (k >= first) indices.push(k - 1); }
  else for (let i = first - 1; i < last; i++) indices.push(i);
  const layers = indices.map((i) => {
    const residual = !Number.isNaN(r.layers.s1Term[i]);
    const nWI = r.layers.normWminusI[i], nB = r.layers.normB[i];
    const unavailable: Record<string, string> = Object.create(null);
    const why = (key: string, v: number, na: string) => { const m = missing(v, na); if (m) unavailable[key] = m; };
    if (residual) { why('s1Term', r.layers.s1Term[i], 'not applicable'); why('s2Term', r.layers.s2Term[i], 'not applicable'); } else {
      why('normWminusI', nWI, 'not applicable: W is not square'); why('normB', nB, 'not applicable');
    }
    return {
      index: i,
      layer: i + 1,
      kind: residual ? 'residual' : 'dense',
      normWminusI: Number.isFinite(nWI) ? nWI : null,
      normB: Number.isFinite(nB) ? nB : null,
      ...(residual ? { s1Term: r.layers.s1Term[i], s2Term: r.layers.s2Term[i] } : {}),
      ...(Object.keys(unavailable).length > 0 ? { unavailable: { ...unavailable } } : {}),
    };
  });
  const { weight, bias, parts } = r.series;
  return {
    file,
    network: r.networkName ?? null,
    depth: r.depth,
    norm: r.norm,
    vectorNorm: r.vectorNorm,
    kind: r.kind,
    sequence: r.sequence,
    runs: r.runs,
    run: r.runIndex + 1,
    tail: r.tail,
    layersSampled: sampled,
    layersNote: sampled
      ? `${count} layers in the analysed run: only the layers at the listed depths (${layers.length}) are included; pass --all-layers for every layer. index is 0-based, layer 1-based.`
      : 'every layer of the analysed run; index is 0-based (as network groups), layer is 1-based',
    layers,
    series: {
      termsRule: termsRule(r),
      // dense layers' sums (the whole series for a dense run, its dense part for a mixed run)
      sumWminusI: parts.denseLayers > 0 ? parts.sumWminusI : null,
      sumB: parts.denseLayers > 0 ? parts.sumB : null,
      parts,
      tailExponentW: exponentJson(weight.fit),
      tailExponentB: exponentJson(bias.fit),
      weight: seriesJson(weight),
      bias: seriesJson(bias),
      ...(r.kind === 'residual' ? { S1: seriesJson(weight), S2: seriesJson(bias) } : {}),
      ...(r.kind === 'mixed' ? { S1: { label: 'S1 terms of the residual blocks only', sum: parts.S1 }, S2: { label: 'S2 terms of the residual blocks only', sum: parts.S2 } } : {}),
    },
    verdicts: {
      sufficient: verdictJson(r.verdicts.sufficient),
      necessary: verdictJson(r.verdicts.necessary),
      pointwise: verdictJson(r.verdicts.pointwise),
    },
    maxIncrement: { tailExponent: exponentJson(r.maxIncrement.fit) },
    overflow: r.overflow,
    consistency: r.consistency,
    depthsRule: r.recordedDepths.length === r.sequence.last + 1 ? 'every depth 0..last' : 'log-spaced depths from 0 to the last (about 200), plus the start of the sequence',
    probes: r.probes.map((p) => ({
      name: p.name,
      x: p.x,
      depths: r.recordedDepths,
      values: p.values,
      norms: p.norms,
      vectorNorm: r.vectorNorm,
      increments: p.increments,
      incrementsRule: `at each listed depth k: max of ‖N_j − N_{j−1}‖ (${r.vectorNorm}) over j in (previous listed depth, k]; null at depth 0`,
      incrementExponent: exponentJson(p.incrementFit),
      oscillation: decisionJson(p.oscillation),
      windowPath: p.windowPath,
      limitEstimate: p.limitEstimate,
      tailBound: p.tailBound,
      tailPath: p.tailPath,
      partialProducts: p.partialProducts && {
        matrixNorm: p.partialProducts.matrixNorm,
        diffNormsRule: 'at each listed depth k: max of ‖P_j − P_{j−1}‖_F over j in (previous listed depth, k]',
        residual: p.partialProducts.residual,
        forwardResidual: p.partialProducts.forwardResidual,
        diffNorms: p.partialProducts.diffNorms,
        norms: p.partialProducts.norms,
        logNorms: p.partialProducts.logNorms,
        logScale: p.partialProducts.logScale,
        finalP: { rows: p.partialProducts.final.rows, cols: p.partialProducts.final.cols, data: p.partialProducts.final.data },
        finalQ: p.partialProducts.finalOffset,
      },
      tailLayersWithInactiveNeurons: p.tailLayersWithInactiveNeurons,
    })),
    notes: r.notes,
  };
}

function fitLine(f: PowerLawFit): string {
  const layers = layerSpan(f.from, f.to);
  if (f.kind === 'zero') return `all ${f.zeros} terms on ${layers} are exactly 0`;
  if (f.kind === 'insufficient') return `no tail fit (${f.points} positive and ${f.zeros} zero terms on ${layers}; at least ${f.minPoints} needed)`;
  return `power-law fit p = ${fmtExponent(f.p)} [${fmtExponent(f.lo)}, ${fmtExponent(f.hi)}] on ${layers}`;
}

function vec(x: ArrayLike<number>): string {
  const a = Array.from(x);
  const shown = a.slice(0, 6).map(fmt).join(', ');
  return `(${shown}${a.length > 6 ? `, … ${a.length - 6} more` : ''})`;
}

/** "‖N_∞ − N_n‖ ≤ 2.1 (theorem, extrapolated tails) · ≈ 0.3 (fitted) · moved 0.15 over the last half" */
export function limitText(lim: ConvergenceResult['probes'][number]['limitEstimate'], last: number): string {
  const parts: string[] = [];
  if (lim.bound !== null) parts.push(`‖N_∞ − N_${last}‖ ≤ ${fmt(lim.bound)} by the theorem with extrapolated series tails${lim.boundInformative === false ? ' (uninformative: ≥ 100× the observed movement)' : ''}`);
  if (lim.estimate !== null) parts.push(`≈ ${fmt(lim.estimate)} from the fitted oscillations (extrapolated)`);
  if (Number.isFinite(lim.observedMovement)) parts.push(`moved ${fmt(lim.observedMovement)} over the last half of the layers`);
  return parts.length > 0 ? parts.join('; ') : 'no limit estimate';
}

function textReport(file: string, r: ConvergenceResult): string {
  const lines: string[] = [];
  const layerCount = `${r.depth} layer${r.depth === 1 ? '' : 's'}`;
  if (r.kind === 'none') {
    lines.push(`${file}: ${layerCount}; nothing to analyse`);
    for (const n of r.notes) lines.push(`note: ${n}`);
    return lines.join('\n') + '\n';
  }
  const kind = r.kind === 'mixed' ? 'mixed (dense layers and residual blocks)' : r.kind;
  const run = r.runs.length > 1 ? `run ${r.runIndex + 1} of ${r.runs.length}: ` : '';
  lines.push(`${file}: ${layerCount}; analysed ${run}${layerSpan(r.sequence.first, r.sequence.last)}, ${kind}, width ${r.sequence.width}; norm ${r.norm} (vectors ${r.vectorNorm})`);
  lines.push(`  terms: ${termsRule(r)}`);
  for (const s of [r.series.weight, r.series.bias]) {
    lines.push(`  ${s.label} = ${fmt(s.sum)} (layers present); ${s.decision.reason} (${fitLine(s.fit)})`);
  }
  const v = r.verdicts;
  const card = (name: string, x: Verdict) => `${name}: ${x.status.toUpperCase()} (${x.basis}) — ${x.headline}\n  ${x.reason}`;
  lines.push(card('sufficient', v.sufficient), card('necessary', v.necessary), `  non-degeneracy assumption: ${v.necessary.assumption.status} — ${v.necessary.assumption.reason}`);
  for (const viol of v.necessary.violations) lines.push(`  ${viol.quantity === 'weight' ? '‖W_k − I‖' : '‖b_k‖'} ≥ ${fmt(viol.threshold)} on ${layerSpan(viol.start + 1, viol.end + 1)} (min ${fmt(viol.min)})`);
  lines.push(card('pointwise', v.pointwise));
  const last = r.recordedDepths[r.recordedDepths.length - 1];
  for (const p of r.probes) {
    lines.push(`  probe ${p.name} x = ${vec(p.x)}: N_${last}(x) = ${vec(p.limitEstimate.value)}; ${limitText(p.limitEstimate, last)}` +
      (p.partialProducts ? `; against the plain forward pass ‖P x + q − N(x)‖_∞ = ${fmt(p.partialProducts.residual)}` : ''));
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

export const convergenceCommand: CliCommand = {
  name: 'convergence',
  summary: 'convergence as depth → ∞: series, tail fits, verdicts and probe trajectories',
  help: HELP,
  run(argv: readonly string[], io: CliIo) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        allowPositionals: true,
        strict: true,
        options: {
          norm: { type: 'string' },
          probe: { type: 'string', multiple: true },
          run: { type: 'string' },
          'tail-from': { type: 'string' },
          'fail-on': { type: 'string' },
          'all-layers': { type: 'boolean' },
          json: { type: 'boolean' },
          'max-size-mb': { type: 'string' },
          ...IMAGE_OPTIONS,
          ...BUDGET_OPTIONS,
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE' : `expected one FILE, got ${positionals.length}`);
    const file = positionals[0];
    const conv = loadConvModel(file, io, parseInputShapeOption(values['input-shape']), { maxSizeMB: parseMaxSize(values['max-size-mb']) });
    if (conv) {
      refuseDenseOptions('convergence', values, [
        ['probe', 'probes are images: --input FILE or --seed N'],
        ['run', 'every run of identity-shortcut blocks is reported'],
        ['tail-from', 'no tail fit on a few blocks per stage'],
        ['all-layers', 'every block is listed'],
        ['fail-on', 'their verdicts are about each stage\'s sufficient condition only'],
      ]);
      if (values.norm !== undefined && values.norm !== '2') throw new UsageError(`--norm ${values.norm}: convolutional models use the operator 2-norm (Lanczos on the conv as an operator)`);
      const budget = parseBudget(values);
      const images = readImages(io, conv.network.net.inputShape, values, CONV_PROBES);
      return runConvConvergence(file, conv.network, images, io, { json: values.json ?? false, budget });
    }
    for (const o of ['input', 'seed', 'count'] as const) {
      if (values[o] !== undefined) throw new UsageError(`--${o} applies to convolutional models (probe images); dense networks take --probe x1,x2,...`);
    }
    const norm = (values.norm ?? '2') as ConvergenceNorm;
    if (!NORMS.includes(norm)) throw new UsageError(`--norm must be one of 2, 1, inf, fro, not '${values.norm}'`);
    const failOn = values['fail-on'];
    if (failOn !== undefined && failOn !== 'diverges' && failOn !== 'inconclusive') throw new UsageError(`--fail-on must be 'diverges' or 'inconclusive', not '${failOn}'`);
    const tailFrom = positiveIntegerOption('tail-from', values['tail-from'], 'layer number');
    const run = positiveIntegerOption('run', values.run, '(the run number from the notes)');
    const probes = (values.probe ?? []).map(parseProbe);
    const budget = parseBudget(values);
    const { network } = loadNetworkFile(file, io, { maxSizeMB: parseMaxSize(values['max-size-mb']) });
    const ctx: AnalysisContext = { progress: (_f, m) => { if (m) io.progress(m); }, isCancelled: () => false };
    let result: ConvergenceResult;
    try {
      // perf: every layer's ‖W − I‖₂ first, on all cores (the analysis then looks them up)
      // (after the budget: the norms of a huge layer are most of the work)
      checkConvergenceBudget(network, probes.length, budget);
      if (norm === '2') precomputeLayerNorms(network, ctx);
      result = analyzeConvergence(network, { norm, probes: probes.length ? probes : undefined, tailFrom, run, budget }, ctx);
    } catch (e) {
      // only the analysis' parameter errors are usage errors; a budget refusal, an allocation failure or
      // a non-finite weight is one line naming the file; anything else is an internal error (exit 1)
      if (e instanceof ConvergenceParamsError) throw new UsageError(e.message.replace(/^analyzeConvergence: /, ''), { cause: e });
      const mapped = allocationFailure(e, 'convergence');
      if (mapped instanceof BudgetError || mapped instanceof NonFiniteError) throw new Error(`${file}: ${mapped.message}`, { cause: e });
      throw new Error(`internal error in the convergence analysis: ${(e as Error).message}`, { cause: e });
    }
    const { sufficient, necessary, pointwise } = result.verdicts;
    const gate = failOn ? failOnExit(result, failOn) : { exitCode: 0, why: '' };
    const stdout = values.json ? toJson(convergenceJson(file, result, values['all-layers'] ?? false)) + '\n' : textReport(file, result);
    return {
      stdout,
      stderr: gate.exitCode !== 0 ? `depth-lens convergence: --fail-on ${failOn}: sufficient ${sufficient.status}, necessary ${necessary.status}, pointwise ${pointwise.status}${gate.why}\n` : undefined,
      exitCode: gate.exitCode,
    };
  },
};

/**
 * The exit code of --fail-on: 1 when the network visibly diverges (pointwise or necessary fails — never
 * with the sufficient condition holding, which proves convergence), EXIT_CANNOT_DECIDE when the verdict
 * the gate needs was withheld because a number overflowed float64, 0 otherwise; 'inconclusive' also
 * exits 1 unless convergence is shown (sufficient or pointwise holds).
 */
export function failOnExit(r: ConvergenceResult, failOn: 'diverges' | 'inconclusive'): { exitCode: number; why: string } {
  const { sufficient, necessary, pointwise } = r.verdicts;
  if (sufficient.status === 'holds') return { exitCode: 0, why: '' };
  if (pointwise.status === 'fails' || necessary.status === 'fails') return { exitCode: 1, why: '' };
  if (pointwise.status === 'holds') return { exitCode: 0, why: '' };
  const overflow = [sufficient, necessary, pointwise].some((v) => v.undecidable === 'overflow');
  if (overflow) {
    const o = r.overflow[0];
    return { exitCode: EXIT_CANNOT_DECIDE, why: ` — cannot decide: overflows float64 at layer ${o ? `${o.layer} (${o.detail})` : '?'}` };
  }
  return { exitCode: failOn === 'inconclusive' ? 1 : 0, why: '' };
}
