/** depth-lens convergence FILE: does N_k(x) converge as depth k → ∞? (MATH.md §A, §B) */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand, type CliIo } from '../command';
import { loadNetworkFile } from '../load';
import { parseMaxSize } from './check';
import { analyzeConvergence } from '../../core/convergence/analyze';
import { fmt } from '../../core/convergence/verdicts';
import type { AnalysisContext } from '../../core/context';
import type { ConvergenceNorm, ConvergenceResult, PowerLawFit, SeriesSummary, Verdict } from '../../shared/analyses/convergence';

/** Above this depth the JSON `layers` list is sampled at the recorded depths unless --all-layers. */
export const FULL_LAYER_LIST_MAX = 2000;

const HELP = `Usage: depth-lens convergence FILE [--norm 2|1|inf|fro] [--probe x1,x2,...]... [--tail-from K]
                             [--fail-on diverges|inconclusive] [--all-layers] [--json]

Convergence of the network as depth → ∞ (MATH.md §A; ResNets §B): per layer ‖W_k − I‖ and ‖b_k‖
(residual blocks: a_n = Π_k ‖W^(n,k)‖ and β_n = Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖), the partial sums,
a power-law fit of the tail (terms ≈ C·k^−p, 95% t-interval for p over the second half of the
layers) and three verdicts — sufficient, necessary, pointwise — each holds / fails / inconclusive
with the deciding numbers, the theorem and its assumptions. Sums over the layers present are exact;
anything about the infinite series is extrapolated from the fit and labelled so.

At every probe (the file's probes, --probe, or the input domain's centre and corners): N_k(x) at a
log-spaced set of about 200 depths including the last (all depths when there are fewer), the
increments ‖N_k − N_{k−1}‖ (max over the skipped layers between two listed depths), the limit
estimate and the tail bound ‖N_∞ − N_n‖ ≤ T_w·e^{T_w}·(‖N_n‖ + T_β) + T_β (rigorous over the layers
present; "extrapolated" with the fitted tails added).

Options:
  --norm N          matrix norm for ‖W − I‖: 2 (default, spectral), 1, inf, fro; vectors use ℓ2, ℓ1, ℓ∞, ℓ2
  --probe x1,x2,..  a probe input (repeatable); replaces the file's probes
  --tail-from K     first layer number of the tail fits (default: the second half of the layers)
  --fail-on WHAT    exit 1 when the sufficient or the pointwise verdict is 'fails' (diverges), or is
                    not 'holds' (inconclusive); default: always exit 0
  --all-layers      list every layer in --json even beyond ${FULL_LAYER_LIST_MAX} layers (default: the
                    listed depths only, "layersSampled": true)
  --json            one JSON document: {file, depth, layers, series, verdicts, probes, …}
  --max-size-mb N   refuse files larger than N MB
  --help            show this help

Exit codes: 0 ok, 1 file error or --fail-on triggered, 2 usage error.
`;

const NORMS: readonly ConvergenceNorm[] = ['2', '1', 'inf', 'fro'];

function parseProbe(text: string, index: number): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const out = parts.map((p) => Number(p));
  if (parts.some((p) => p === '') || out.some((v) => !Number.isFinite(v))) throw new UsageError(`--probe ${index + 1}: '${text}' is not a comma-separated list of numbers`);
  return out;
}

function exponentJson(fit: PowerLawFit) {
  return { p: fit.p, lo: fit.lo, hi: fit.hi, kind: fit.kind, from: fit.from, to: fit.to, points: fit.points, zeros: fit.zeros, logC: fit.logC, confidence: fit.confidence, method: fit.method };
}

function seriesJson(s: SeriesSummary) {
  return { label: s.label, sum: s.sum, tailExponent: exponentJson(s.fit), summable: s.summable, extrapolatedTail: s.extrapolatedTail };
}

function verdictJson(v: Verdict) {
  return { ...v };
}

/** The JSON document of `depth-lens convergence --json`. */
export function convergenceJson(file: string, r: ConvergenceResult, allLayers: boolean) {
  const sampled = !allLayers && r.sequence.last > FULL_LAYER_LIST_MAX;
  const indices: number[] = [];
  if (sampled) for (const k of r.recordedDepths) { if (k >= 1) indices.push(k - 1); }
  else for (let i = 0; i < r.sequence.last; i++) indices.push(i);
  const layers = indices.map((i) => {
    const residual = !Number.isNaN(r.layers.s1Term[i]);
    const nWI = r.layers.normWminusI[i], nB = r.layers.normB[i];
    return {
      index: i,
      layer: i + 1,
      kind: residual ? 'residual' : 'dense',
      normWminusI: Number.isNaN(nWI) ? null : nWI,
      normB: Number.isNaN(nB) ? null : nB,
      ...(residual ? { s1Term: r.layers.s1Term[i], s2Term: r.layers.s2Term[i] } : {}),
    };
  });
  const dense = r.kind === 'dense';
  const { weight, bias } = r.series;
  return {
    file,
    network: r.networkName ?? null,
    depth: r.depth,
    norm: r.norm,
    vectorNorm: r.vectorNorm,
    kind: r.kind,
    sequence: r.sequence,
    tail: r.tail,
    layersSampled: sampled,
    layersNote: sampled
      ? `${r.sequence.last} layers: only the layers at the listed depths (${layers.length}) are included; pass --all-layers for every layer. index is 0-based, layer 1-based.`
      : 'every analysed layer; index is 0-based (as network groups), layer is 1-based',
    layers,
    series: {
      sumWminusI: dense ? weight.sum : null,
      sumB: dense ? bias.sum : null,
      tailExponentW: exponentJson(weight.fit),
      tailExponentB: exponentJson(bias.fit),
      weight: seriesJson(weight),
      bias: seriesJson(bias),
      ...(r.kind === 'residual' ? { S1: seriesJson(weight), S2: seriesJson(bias) } : {}),
    },
    verdicts: {
      sufficient: verdictJson(r.verdicts.sufficient),
      necessary: verdictJson(r.verdicts.necessary),
      pointwise: verdictJson(r.verdicts.pointwise),
    },
    maxIncrement: { tailExponent: exponentJson(r.maxIncrement.fit) },
    tailLogAbsDet: r.tailLogAbsDet,
    depthsRule: r.recordedDepths.length === r.sequence.last + 1 ? 'every depth 0..last' : 'log-spaced depths from 0 to the last (about 200), plus the start of the sequence',
    probes: r.probes.map((p) => ({
      name: p.name,
      x: p.x,
      depths: r.recordedDepths,
      values: p.values,
      norms: p.norms,
      increments: p.increments,
      incrementsRule: 'at each listed depth k: max of ‖N_j − N_{j−1}‖ over j in (previous listed depth, k]; null at depth 0',
      incrementExponent: exponentJson(p.incrementFit),
      limitEstimate: p.limitEstimate,
      tailBound: p.tailBound,
      partialProducts: p.partialProducts && {
        residual: p.partialProducts.residual,
        diffNorms: p.partialProducts.diffNorms,
        norms: p.partialProducts.norms,
        finalP: { rows: p.partialProducts.final.rows, cols: p.partialProducts.final.cols, data: p.partialProducts.final.data },
        finalQ: p.partialProducts.finalOffset,
      },
      tailLayersWithInactiveNeurons: p.tailLayersWithInactiveNeurons,
    })),
    notes: r.notes,
  };
}

function fitLine(f: PowerLawFit): string {
  if (f.kind === 'zero') return `all terms on layers ${f.from}–${f.to} are exactly 0`;
  if (f.kind === 'insufficient') return `no tail fit (${f.points} positive terms on layers ${f.from}–${f.to})`;
  return `tail p = ${fmt(f.p)} [${fmt(f.lo)}, ${fmt(f.hi)}] on layers ${f.from}–${f.to}`;
}

function vec(x: ArrayLike<number>): string {
  const a = Array.from(x);
  const shown = a.slice(0, 6).map(fmt).join(', ');
  return `(${shown}${a.length > 6 ? `, … ${a.length - 6} more` : ''})`;
}

function textReport(file: string, r: ConvergenceResult): string {
  const lines: string[] = [];
  lines.push(`${file}: ${r.depth} layers; analysed ${r.kind} sequence of width ${r.sequence.width}, layers ${r.sequence.first}–${r.sequence.last}; norm ${r.norm}`);
  for (const s of [r.series.weight, r.series.bias]) {
    lines.push(`  ${s.label} = ${fmt(s.sum)} (layers present); ${fitLine(s.fit)} ⇒ ${s.summable === 'holds' ? 'summable' : s.summable === 'fails' ? 'not summable' : 'undecided'}`);
  }
  const v = r.verdicts;
  const card = (name: string, x: Verdict) => `${name}: ${x.status.toUpperCase()} (${x.basis}) — ${x.reason}`;
  lines.push(card('sufficient', v.sufficient), card('necessary', v.necessary), `  non-degeneracy assumption: ${v.necessary.assumption.status} — ${v.necessary.assumption.reason}`);
  for (const viol of v.necessary.violations) lines.push(`  ${viol.quantity === 'weight' ? '‖W_k − I‖' : '‖b_k‖'} ≥ ${fmt(viol.threshold)} on layers ${viol.start + 1}–${viol.end + 1} (min ${fmt(viol.min)})`);
  lines.push(card('pointwise', v.pointwise));
  const last = r.recordedDepths[r.recordedDepths.length - 1];
  for (const p of r.probes) {
    const lim = p.limitEstimate;
    lines.push(`  probe ${p.name} x = ${vec(p.x)}: N_${last}(x) = ${vec(lim.value)}; ` +
      (lim.radius !== null ? `‖N_∞ − N_${last}‖ ≤ ${fmt(lim.radius)} (extrapolated)` : 'no limit radius (series not judged summable)') +
      (p.partialProducts ? `; ‖P x + q − N(x)‖ = ${fmt(p.partialProducts.residual)}` : ''));
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
          'tail-from': { type: 'string' },
          'fail-on': { type: 'string' },
          'all-layers': { type: 'boolean' },
          json: { type: 'boolean' },
          'max-size-mb': { type: 'string' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE' : `expected one FILE, got ${positionals.length}`);
    const file = positionals[0];
    const norm = (values.norm ?? '2') as ConvergenceNorm;
    if (!NORMS.includes(norm)) throw new UsageError(`--norm must be one of 2, 1, inf, fro, not '${values.norm}'`);
    const failOn = values['fail-on'];
    if (failOn !== undefined && failOn !== 'diverges' && failOn !== 'inconclusive') throw new UsageError(`--fail-on must be 'diverges' or 'inconclusive', not '${failOn}'`);
    let tailFrom: number | undefined;
    if (values['tail-from'] !== undefined) {
      tailFrom = Number(values['tail-from']);
      if (!Number.isInteger(tailFrom) || tailFrom < 1) throw new UsageError(`--tail-from must be a positive integer layer number, not '${values['tail-from']}'`);
    }
    const probes = (values.probe ?? []).map(parseProbe);
    const { network } = loadNetworkFile(file, io, { maxSizeMB: parseMaxSize(values['max-size-mb']) });
    const ctx: AnalysisContext = { progress: (_f, m) => { if (m) io.progress(m); }, isCancelled: () => false };
    let result: ConvergenceResult;
    try {
      result = analyzeConvergence(network, { norm, probes: probes.length ? probes : undefined, tailFrom }, ctx);
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message.replace(/^analyzeConvergence: /, ''));
      throw e;
    }
    const statuses = [result.verdicts.sufficient.status, result.verdicts.pointwise.status];
    const failed = failOn === 'diverges' ? statuses.includes('fails') : failOn === 'inconclusive' ? statuses.some((s) => s !== 'holds') : false;
    const stdout = values.json ? toJson(convergenceJson(file, result, values['all-layers'] ?? false)) + '\n' : textReport(file, result);
    return {
      stdout,
      stderr: failed ? `depth-lens convergence: --fail-on ${failOn}: sufficient ${statuses[0]}, pointwise ${statuses[1]}\n` : undefined,
      exitCode: failed ? 1 : 0,
    };
  },
};
