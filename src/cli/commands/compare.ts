/** depth-lens compare A B: how two networks (checkpoints) differ, layer by layer, in convergence and in their region maps. */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand, type CliIo } from '../command';
import { refuseConvModel } from '../convModel';
import { loadNetworkFile, DEFAULT_MAX_SIZE_MB } from '../load';
import { parseMaxSize } from './check';
import { decimal } from '../numbers';
import { fmt } from './spectrum';
import type { AnalysisContext } from '../../core/context';
import { compareNetworks, compareSpectra, CompareParamsError, DEFAULT_MAX_PAIRS, prepareMatching } from '../../core/compare/compare';
import { DEFAULT_COMPARE_MAX_REGIONS } from '../../core/compare/regions';
import type { CompareResult, ConvergenceDigest, RegionSide, UnmatchedRun } from '../../shared/analyses/compare';

const HELP = `Usage: depth-lens compare A B [--max-pairs N] [--norm 2|1|inf|fro] [--no-convergence] [--no-regions]
                         [--box smin,smax,tmin,tmax] [--spectra] [--json] [--max-size-mb N]

Compare two networks — two checkpoints of one model, initialisation against trained, before and after an
edit — in any format Depth Lens reads:
  matching     which weight matrices of B correspond to which of A: by name when both files name every
               matrix, else by position and shape (an inserted layer does not shift the rest); the ones
               without a counterpart are listed with the reason
  per layer    ‖W_A‖₂, ‖W_B‖₂, ‖W_A − W_B‖₂ and the relative change ‖W_A − W_B‖₂/‖W_A‖₂, ‖W_A − W_B‖_F,
               ‖b_A − b_B‖₂, and for square layers ‖W − I‖₂ on both sides and its change
  convergence  both convergence analyses (MATH.md §A, §B): the series Σ‖W_k − I‖ and Σ‖b_k‖ (ResNets S1,
               S2) with their change, and the three verdicts side by side
  regions      the exact region maps of one 2-D slice (A's default plane, or --box) for both, counting the
               regions whose activation pattern is the same, moved (the pattern exists in the other network
               on another polygon), or only in one network
  --spectra    also both spectra (σ_max, stable rank, power-law α) of every compared pair
A network compared with itself gives exactly 0 everywhere ("identical": true).

Options:
  --max-pairs N       compute norms for at most N matched pairs, log-spaced (default ${DEFAULT_MAX_PAIRS})
  --norm N            matrix norm of the convergence series (default 2)
  --no-convergence    skip the convergence comparison
  --no-regions        skip the region maps
  --box a,b,c,d       the slice's box (default: as the Activations panel chooses for A)
  --max-regions N     refuse a region map beyond N regions per network (default ${DEFAULT_COMPARE_MAX_REGIONS})
  --spectra           add both spectra of every compared pair
  --json              one JSON document {a, b, matching, layers, convergence, regions, identical, notes}
                      (regions without their polygons)
  --max-size-mb N     refuse files larger than N MB (default ${DEFAULT_MAX_SIZE_MB})
  --help              show this help
`;

const NORMS = ['2', '1', 'inf', 'fro'] as const;

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = decimal(text);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer, not '${text}'`);
  return v;
}

function parseBox(text: string | undefined): [number, number, number, number] | undefined {
  if (text === undefined) return undefined;
  const v = text.split(',').map(decimal);
  if (v.length !== 4 || v.some(Number.isNaN)) throw new UsageError(`--box must be four decimal numbers smin,smax,tmin,tmax, not '${text}'`);
  return [v[0], v[1], v[2], v[3]];
}

function verdictLine(name: string, a: ConvergenceDigest | null, b: ConvergenceDigest | null): string {
  const pick = (d: ConvergenceDigest | null) => (d ? d.verdicts[name as 'sufficient'].status : '—');
  return `  ${name.padEnd(10)}  A: ${pick(a).padEnd(12)}  B: ${pick(b)}`;
}

function regionLine(name: string, s: RegionSide | null): string {
  return s ? `  ${name}: ${s.count} regions — ${s.same} same, ${s.moved} moved, ${s.only} only in ${name}` : `  ${name}: —`;
}

function textReport(r: CompareResult, spectra: string[]): string {
  const out: string[] = [];
  out.push(`A: ${r.a.file} — ${r.a.summary.depth} layers, widths ${r.a.summary.widthsText}`);
  out.push(`B: ${r.b.file} — ${r.b.summary.depth} layers, widths ${r.b.summary.widthsText}`);
  if (r.identical) out.push('The two networks are identical in every compared number.');
  out.push('');
  out.push(r.matching.summary);
  const run = (u: UnmatchedRun) => (u.last ? `${u.ref.label} … ${u.last.label} (${u.count})` : u.ref.label);
  for (const u of r.matching.onlyA) out.push(`  only in A: ${run(u)} — ${u.reason}`);
  for (const u of r.matching.onlyB) out.push(`  only in B: ${run(u)} — ${u.reason}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push('');
  const header = ['matrix', 'shape', '‖W_A‖₂', '‖W_B‖₂', '‖W_A−W_B‖₂', 'relative', '‖b_A−b_B‖₂', '‖W_A−I‖₂', '‖W_B−I‖₂', 'Δ‖W−I‖₂'];
  const rows = r.layers.map((l) => [
    l.label, `${l.rows}×${l.cols}`, fmt(l.normA), fmt(l.normB), fmt(l.diffNorm), fmt(l.relativeChange), fmt(l.biasDiff),
    l.minusIdentity ? fmt(l.minusIdentity.a) : '—', l.minusIdentity ? fmt(l.minusIdentity.b) : '—', l.minusIdentity ? fmt(l.minusIdentity.change) : '—',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  out.push(line(header));
  for (const row of rows) out.push(line(row));
  const c = r.convergence;
  if (c) {
    out.push('');
    out.push('Convergence (MATH.md §A, §B):');
    if (c.errorA) out.push(`  A: ${c.errorA}`);
    if (c.errorB) out.push(`  B: ${c.errorB}`);
    if (c.a && c.b) {
      out.push(`  ${c.a.series.weight.label}: A ${fmt(c.a.series.weight.sum)}, B ${fmt(c.b.series.weight.sum)}, change ${fmt(c.weightSumChange ?? NaN)}`);
      out.push(`  ${c.a.series.bias.label}: A ${fmt(c.a.series.bias.sum)}, B ${fmt(c.b.series.bias.sum)}, change ${fmt(c.biasSumChange ?? NaN)}`);
    }
    for (const v of ['sufficient', 'necessary', 'pointwise']) out.push(verdictLine(v, c.a, c.b));
  }
  const g = r.regions;
  if (g) {
    out.push('');
    out.push(`Regions on ${g.plane.description}:`);
    if (g.note) out.push(`  note: ${g.note}`);
    out.push(regionLine('A', g.a));
    out.push(regionLine('B', g.b));
  }
  if (spectra.length) {
    out.push('');
    out.push(...spectra);
  }
  return out.join('\n') + '\n';
}

function cliContext(io: CliIo): AnalysisContext {
  return { progress: (_f, m) => { if (m) io.progress(m); }, isCancelled: () => false };
}

export const compareCommand: CliCommand = {
  name: 'compare',
  summary: 'compare two networks: matched layers, ‖W_A − W_B‖₂, convergence side by side, region maps',
  help: HELP,
  run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv], allowPositionals: true, strict: true,
        options: {
          json: { type: 'boolean' }, spectra: { type: 'boolean' }, 'no-convergence': { type: 'boolean' }, 'no-regions': { type: 'boolean' },
          'max-pairs': { type: 'string' }, norm: { type: 'string' }, box: { type: 'string' }, 'max-regions': { type: 'string' }, 'max-size-mb': { type: 'string' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.positionals.length !== 2) throw new UsageError('give exactly two files, A and B');
    const [fileA, fileB] = parsed.positionals;
    const v = parsed.values;
    const norm = v.norm ?? '2';
    if (!(NORMS as readonly string[]).includes(norm)) throw new UsageError(`--norm must be one of ${NORMS.join(', ')}, not '${norm}'`);
    const maxSizeMB = parseMaxSize(v['max-size-mb']);
    const params = {
      maxPairs: positiveInteger('max-pairs', v['max-pairs']),
      convergence: !v['no-convergence'],
      regions: !v['no-regions'],
      box: parseBox(v.box),
      maxRegions: positiveInteger('max-regions', v['max-regions']),
    };
    refuseConvModel('compare', fileA, io, { maxSizeMB });
    refuseConvModel('compare', fileB, io, { maxSizeMB });
    const a = loadNetworkFile(fileA, io, { maxSizeMB }).network;
    const b = loadNetworkFile(fileB, io, { maxSizeMB }).network;
    let result: CompareResult;
    const ctx = cliContext(io);
    try {
      result = compareNetworks({ network: a, file: fileA }, { network: b, file: fileB }, params, ctx, { norm: norm as (typeof NORMS)[number] });
    } catch (e) {
      if (e instanceof CompareParamsError) throw new UsageError(e.message);
      throw e;
    }
    const prepared = v.spectra ? prepareMatching(a, b) : undefined;
    const spectra = prepared ? result.layers.map((l) => {
      const s = compareSpectra(a, b, l.pair, {}, ctx, prepared);
      const one = (x: typeof s.a) => ({ spectralNorm: x.spectralNorm, stableRank: x.stableRank, method: x.method.description, powerLaw: x.powerLaw, marchenkoPastur: x.marchenkoPastur, singularValues: x.singularValues });
      return { pair: l.pair, label: l.label, a: one(s.a), b: one(s.b) };
    }) : [];
    if (v.json) {
      // polygons are for the panel; the CLI gives the counts
      const regions = result.regions && {
        ...result.regions,
        a: result.regions.a && { ...result.regions.a, regions: undefined },
        b: result.regions.b && { ...result.regions.b, regions: undefined },
      };
      return { stdout: toJson({ ...result, regions, ...(v.spectra ? { spectra } : {}) }) + '\n', exitCode: 0 };
    }
    const spectraText = spectra.map((s) => {
      const alpha = (p: (typeof s.a)['powerLaw']) => (p.status === 'fitted' ? `α ${fmt(p.alpha)} ± ${fmt(p.standardError)}` : `too few eigenvalues (${p.count})`);
      return `${s.label}: A ‖W‖₂ ${fmt(s.a.spectralNorm)}, stable rank ${fmt(s.a.stableRank)}, ${alpha(s.a.powerLaw)} | B ‖W‖₂ ${fmt(s.b.spectralNorm)}, stable rank ${fmt(s.b.stableRank)}, ${alpha(s.b.powerLaw)}`;
    });
    return { stdout: textReport(result, spectraText), exitCode: 0 };
  },
};
