/** depth-lens regions FILE: the exact activation-region partition of a 2-D slice (or pieces along a segment). */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand } from '../command';
import { loadConvModel, parseInputShapeOption } from '../convModel';
import { IMAGE_OPTIONS, imageOptionsHelp, readImages, refuseDenseOptions, runConvExactRegions, runConvRegions } from '../convAnalyses';
import { DEFAULT_EXACT_MAX_REGIONS } from '../../core/conv/exactRegions';
import { DEFAULT_PLANE_GRID, MAX_PLANE_GRID } from '../../core/conv/plane';
import { loadNetworkFile } from '../load';
import { decimal } from '../numbers';
import { parseMaxSize } from './check';
import { analysing, BUDGET_HELP, BUDGET_OPTIONS, parseBudget } from './budgetOptions';
import { EXIT_OVERFLOW } from './exitCodes';
import { glueNegativeValues, parseVector } from './activations';
import { toRows } from '../../core/linalg/dense';
import type { Network } from '../../core/network/model';
import { slicePartition } from '../../core/regions/partition';
import { defaultSegment, segmentPieces } from '../../core/regions/segment';
import { DEFAULT_MAX_REGIONS, DEFAULT_MAX_STEPS, DEFAULT_MEMORY_BUDGET_MB, RegionLimitError } from '../../core/regions/limits';
import { regionsSvg } from '../../core/regions/svg';
import { unpackBits } from '../../core/activation/pattern';
import type { AnalysisContext } from '../../core/context';
import type { Region, RegionsParams, RegionsResult, SegmentResult } from '../../shared/analyses/activations';

const HELP = `Usage: depth-lens regions FILE [--box smin,smax,tmin,tmax] [--plane "o;u;v" | --probes a,b,c]
                         [--polygons] [--svg out.svg] [--json] [--max-regions N] [--memory-mb N]
                         [--max-steps N]
       depth-lens regions FILE --segment "x0;x1" [--json]
       depth-lens regions MODEL.onnx|.pt [--input FILE]... [--seed N] [--grid N] [--box a,b,c,d]
                         [--svg out.svg] [--json]
       depth-lens regions MODEL.onnx|.pt --exact [--input FILE]... [--seed N] [--box a,b,c,d]
                         [--max-regions N] [--svg out.svg] [--json]

Exact activation regions of the network on the plane x = o + s·u + t·v over the box
[smin, smax] × [tmin, tmax]: convex polygons split layer by layer by every neuron's line (half-plane
clipping). Prints the number of regions for the whole network and after each layer (runs of equal
counts compressed); --polygons adds every region's polygon, pattern and affine maps. Every piece a
line cuts off is kept, however small; only pieces of zero computed area (numerically coincident
lines) are merged, and counted. Colours come from a hash of the pattern (stable).

Default plane (the output says which one was used): for 2-D inputs the input plane over the file's
input domain ([−1,1]² without one); otherwise the plane through the file's first three probes (box
[−0.25,1.25]²); with fewer probes the plane of x₁ and x₂ over the domain box, the other coordinates
fixed at the domain centre (without a domain: at the first probe, else 0, with x₁, x₂ ± 1 around it).

1-D inputs have no plane: their regions are the exact pieces along the input domain [min, max]
([−1, 1] without one; --box xmin,xmax to choose).
With --segment: the exact number of pieces of N along the segment from x0 to x1 instead.

Options:
  --box a,b,c,d      the (s, t) box; default as above (1-D inputs: --box xmin,xmax)
  --plane "o;u;v"    explicit plane: three comma-separated vectors separated by ';'
  --probes a,b,c     the plane through three named probes (o = a, u = b − a, v = c − a)
  --polygons         include the regions' polygons, patterns and affine maps
  --svg FILE         write the coloured partition as SVG to FILE
  --segment "x0;x1"  count pieces along a segment instead of a plane
  --max-regions N    give up beyond N regions or pieces (default ${DEFAULT_MAX_REGIONS})
  --memory-mb N      give up when the regions would keep more than N MB (default ${DEFAULT_MEMORY_BUDGET_MB});
                     with --polygons every region keeps the whole network's pattern
  --max-steps N      give up as soon as carrying the regions through the remaining layers is
                     certain to take more than N steps (a multiply-add or a vertex test, ~10 ns;
                     default ${DEFAULT_MAX_STEPS.toExponential().replace('e+', 'e')}, about two minutes): deep networks refuse early
  --json             one JSON document: {file, plane {source, description, origin, u, v, box},
                     regions, perDepth, mergedZeroArea, patternUnits, polygons?};
                     --segment: {file, segment {source, from, to}, pieces, linearPieces, perDepth,
                     breakpoints (t ∈ (0, 1) along the segment)}; 1-D inputs the same with
                     regions (the pieces) for pieces, and breakpointsX (the breakpoints as x)
  --max-size-mb N    refuse files larger than N MB
${BUDGET_HELP}
  --help             show this help

Convolutional models (.onnx graphs on an image input, torchvision ResNet state_dicts): the plane
x(s, t) = (1 − s − t)·x₀ + s·x₁ + t·x₂ through three images (x₀ at (0, 0), x₁ at (1, 0), x₂ at (0, 1);
box [0, 1]² unless --box) sampled on an N×N grid, ends included; at every point the full activation
pattern (every ReLU site and every max pool's winners, as \`depth-lens activations --patterns\` gives
them). Prints the number of distinct patterns — a lower bound on the regions the plane meets (a region
between grid points is missed; --exact below computes the polygons) — and per site
the distinct patterns of the site and of the sites up to it. Default: three seeded images.
With --exact, where affordable: the exact partition of the box into activation regions (convex
polygons: all points with one full pattern), grown from the box's centre across region edges, one
forward pass with the pattern held fixed per region; it stops at --max-regions (default
${DEFAULT_EXACT_MAX_REGIONS}) or the work budget and then says how much of the box it covered.
${imageOptionsHelp(3)}
  --grid N           grid points per side (default ${DEFAULT_PLANE_GRID}, at most ${MAX_PLANE_GRID}; the budget bounds N² forward passes)
  --exact            the exact polygon partition instead of the grid
  --max-regions N    with --exact: stop after N regions
  --svg FILE         the grid as SVG, one cell per point coloured by its pattern's hash (--exact: the polygons)
--json on a conv model: {file, kind: "conv", network, inputShape, images, plane {description, box,
grid}, rule, patterns, sites: [{site, kind, op, shape, units, distinct, prefix}], hashes (per pattern
id), counts (grid points per pattern id), ids (grid rows from t = tmin up, each from s = smin: the
pattern id of every point), svg}; with --exact {file, kind: "conv", network, inputShape, images, plane
{description, box}, exact: true, regions, complete, stopped?, coverage, passes, work, polygons: [{id,
hash, seed, vertices}], svg}. Exit code 3 when a point's forward pass leaves float64.
`;

function parseVectors(text: string, count: number, dim: number, option: string): Float64Array[] {
  const parts = text.split(';');
  if (parts.length !== count) throw new UsageError(`${option} needs ${count} vectors separated by ';', got ${parts.length}`);
  return parts.map((p, i) => parseVector(p, dim, `${option} vector ${i + 1}`));
}

function positiveInteger(text: string, option: string): number {
  const n = decimal(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} must be a positive integer, not '${text}'`);
  return n;
}

function positiveNumber(text: string, option: string): number {
  const n = decimal(text);
  if (!(n > 0)) throw new UsageError(`${option} must be a positive number, not '${text}'`);
  return n;
}

/**
 * Per-layer counts with runs of equal counts compressed: "layer 1: 5 · layers 2–999: 9 · layer 1000: 12".
 * Very long lists keep their first and last runs (the JSON output has every count).
 */
export function countsByLayer(counts: readonly number[], maxRuns = 24): string {
  const runs: string[] = [];
  for (let k = 0; k < counts.length;) {
    let e = k;
    while (e + 1 < counts.length && counts[e + 1] === counts[k]) e++;
    runs.push(e === k ? `layer ${k + 1}: ${counts[k]}` : `layers ${k + 1}–${e + 1}: ${counts[k]}`);
    k = e + 1;
  }
  if (runs.length <= maxRuns) return runs.join(' · ');
  const head = runs.slice(0, maxRuns - 4), tail = runs.slice(-4);
  return `${head.join(' · ')} · … ${runs.length - head.length - tail.length} more runs (--json lists every layer) … · ${tail.join(' · ')}`;
}

function regionJson(r: Region, result: RegionsResult) {
  const units = result.patternUnits;
  let off = 0;
  const pattern = r.pattern
    ? units.map((u) => {
      const b = unpackBits(r.pattern!, off, u.width);
      off += (u.width + 31) >>> 5;
      return b.join('');
    }).join('|')
    : undefined;
  const verts: number[][] = [];
  for (let k = 0; k < r.vertices.length; k += 2) verts.push([r.vertices[k], r.vertices[k + 1]]);
  return {
    id: r.id, hash: r.hash.toString(16).padStart(8, '0'), color: r.color, pattern, vertices: verts, area: r.area, centroid: r.centroid,
    plane: { A: toRows(r.plane.A), c: r.plane.c },
    input: r.input ? { A: toRows(r.input.A), c: r.input.c } : undefined,
  };
}

function progressCtx(io: { progress(m: string): void }, what: string): AnalysisContext {
  return { progress: (f, m) => io.progress(`${what}: ${Math.round(100 * f)}%${m ? ` ${m}` : ''}`), isCancelled: () => false };
}

/** The CLI spelling of the limits the core's refusals name. */
const LIMIT_OPTIONS = { count: '--max-regions', memory: '--memory-mb', work: '--max-steps' } as const;

/** Core refusals (bad plane, too many regions, memory, work) are the user's to fix: usage errors. */
function asUsage<T>(run: () => T, patterns = false): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof RegionLimitError) {
      const note = e.reason === 'memory' && patterns ? '; patterns come with --polygons, --svg alone needs none' : '';
      throw new UsageError(`${e.message} (${LIMIT_OPTIONS[e.reason]}${note})`);
    }
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

/** A vector for text output: every entry up to 8, then the first 6 and the length. */
const coords = (v: ArrayLike<number>) => {
  const a = Array.from(v);
  return a.length <= 8 ? `[${a.join(', ')}]` : `[${a.slice(0, 6).join(', ')}, … (${a.length} entries)]`;
};

/** --segment output; `asRegions`: a 1-D input's regions (its pieces along the domain, counted as `regions`). */
function segmentOutput(file: string, net: Network, r: SegmentResult, json: boolean, where: string, asRegions: boolean) {
  if (json) {
    const count = asRegions ? { regions: r.pieces } : { pieces: r.pieces };
    // 1-D inputs: the breakpoints also as x values
    const breakpointsX = net.input.dim === 1 ? r.breakpoints.map((t) => r.from[0] + t * (r.to[0] - r.from[0])) : undefined;
    return {
      stdout: toJson({
        file, segment: { source: r.source, from: r.from, to: r.to },
        ...count, linearPieces: r.linearPieces, perDepth: r.perDepth, breakpoints: r.breakpoints, breakpointsX,
      }) + '\n',
      exitCode: 0,
    };
  }
  return {
    stdout: [
      `${file}${net.name ? ` — ${net.name}` : ''}`,
      where,
      `${r.pieces} activation pieces (${r.linearPieces} distinct linear pieces of the output)`,
      `pieces after each layer: ${countsByLayer(r.perDepth)}`,
    ].join('\n') + '\n',
    exitCode: 0,
  };
}

export const regionsCommand: CliCommand = {
  name: 'regions',
  summary: 'exact activation regions of a 2-D slice (region counts per depth, polygons, SVG); conv nets: patterns on a grid',
  help: HELP,
  run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: glueNegativeValues(argv, ['--box', '--plane', '--segment']), allowPositionals: true, strict: true,
        options: {
          box: { type: 'string' }, plane: { type: 'string' }, probes: { type: 'string' }, polygons: { type: 'boolean' },
          svg: { type: 'string' }, segment: { type: 'string' }, 'max-regions': { type: 'string' }, 'memory-mb': { type: 'string' },
          'max-steps': { type: 'string' },
          json: { type: 'boolean' }, 'max-size-mb': { type: 'string' }, ...BUDGET_OPTIONS, ...IMAGE_OPTIONS, grid: { type: 'string' },
          exact: { type: 'boolean' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = parsed.positionals[0];
    const v = parsed.values;
    const maxRegions = v['max-regions'] !== undefined ? positiveInteger(v['max-regions'], '--max-regions') : undefined;
    const memoryBudgetMB = v['memory-mb'] !== undefined ? positiveNumber(v['memory-mb'], '--memory-mb') : undefined;
    const maxSteps = v['max-steps'] !== undefined ? positiveInteger(v['max-steps'], '--max-steps') : undefined;
    const conv = loadConvModel(file, io, parseInputShapeOption(v['input-shape']), { maxSizeMB: parseMaxSize(v['max-size-mb']) });
    if (conv) {
      const notPlane = 'the plane goes through three images: --input FILE or --seed N';
      refuseDenseOptions('regions', v, [
        ['plane', notPlane], ['probes', notPlane], ['segment', notPlane],
        ['polygons', v.exact ? '--json lists the polygons' : 'the grid samples patterns, --exact computes the polygons'],
        ...(v.exact ? [] : [['max-regions', 'the grid bounds the patterns (--exact takes it)'] as const]),
        ['memory-mb', 'the budget is --max-memory-mb'], ['max-steps', 'the budget is --max-work'],
      ]);
      if (v.exact && v.grid !== undefined) throw new UsageError('--grid samples patterns; --exact computes the polygons: give one of them');
      const grid = v.grid === undefined ? undefined : positiveInteger(v.grid, '--grid');
      if (grid !== undefined && grid > MAX_PLANE_GRID) throw new UsageError(`--grid must be at most ${MAX_PLANE_GRID}, not '${v.grid}'`);
      let box: [number, number, number, number] | undefined;
      if (v.box !== undefined) {
        const b = parseVector(v.box, 4, '--box', 'expected smin,smax,tmin,tmax');
        if (!(b[0] < b[1] && b[2] < b[3])) throw new UsageError(`--box: need smin < smax and tmin < tmax, not '${v.box}'`);
        box = [b[0], b[1], b[2], b[3]];
      }
      const budget = parseBudget(v);
      const images = readImages(io, conv.network.net.inputShape, v, 3);
      if (images.count !== 3) throw new UsageError(`the plane goes through three images, got ${images.count}`);
      if (v.exact) return runConvExactRegions(file, conv.network, images, io, { json: !!v.json, box, svg: v.svg, maxRegions, budget });
      return runConvRegions(file, conv.network, images, io, { json: !!v.json, grid, box, svg: v.svg, budget });
    }
    if (v.exact) throw new UsageError('--exact applies to convolutional models (dense networks always get the exact partition)');
    for (const o of ['grid', 'input', 'seed', 'count'] as const) if (v[o] !== undefined) throw new UsageError(`--${o} applies to convolutional models (input images)`);
    const { network: net } = loadNetworkFile(file, io, { maxSizeMB: parseMaxSize(v['max-size-mb']) });
    const limits = { maxPieces: maxRegions, memoryBudgetMB, maxSteps, budget: parseBudget(v) };
    if (v.segment !== undefined) {
      if (v.plane || v.probes || v.box || v.svg || v.polygons) throw new UsageError('--segment cannot be combined with --plane, --probes, --box, --polygons or --svg');
      const [a, b] = parseVectors(v.segment, 2, net.input.dim, '--segment');
      const r = asUsage(() => analysing(file, 'regions', () => segmentPieces(net, a, b, progressCtx(io, 'segment'), limits)));
      return segmentOutput(file, net, r, !!v.json, `segment ${coords(a)} → ${coords(b)}`, false);
    }
    if (net.input.dim === 1) {
      // no plane in a 1-D input space: its regions are the pieces along the domain
      if (v.plane || v.probes || v.svg || v.polygons) throw new UsageError('the input is 1-dimensional: its regions are pieces along a segment, so --plane, --probes, --polygons and --svg do not apply (use --box xmin,xmax)');
      const seg = defaultSegment(net);
      let why = seg.source === 'domain' ? 'the input domain' : 'the default: the file declares no input domain';
      if (v.box !== undefined) {
        const [lo, hi] = parseVector(v.box, 2, '--box', 'expected xmin,xmax for a 1-D input');
        if (!(lo < hi)) throw new UsageError(`--box: xmin (${lo}) must be less than xmax (${hi})`);
        seg.from[0] = lo; seg.to[0] = hi;
        why = 'the given box';
      }
      const r = asUsage(() => analysing(file, 'regions', () => segmentPieces(net, seg.from, seg.to, progressCtx(io, 'regions'), limits)));
      return segmentOutput(file, net, { ...r, source: v.box !== undefined ? 'given' : seg.source }, !!v.json, `1-D input: pieces along x ∈ [${seg.from[0]}, ${seg.to[0]}] (${why})`, true);
    }
    if (v.plane && v.probes) throw new UsageError('give either --plane or --probes, not both');
    const params: { -readonly [K in keyof RegionsParams]: RegionsParams[K] } = {};
    if (v.box !== undefined) {
      const b = parseVector(v.box, 4, '--box', 'expected smin,smax,tmin,tmax');
      params.box = [b[0], b[1], b[2], b[3]];
    }
    if (v.plane !== undefined) {
      const [o, u, w] = parseVectors(v.plane, 3, net.input.dim, '--plane');
      params.plane = { origin: Array.from(o), u: Array.from(u), v: Array.from(w) };
    }
    if (v.probes !== undefined) {
      const names = v.probes.split(',').map((s) => s.trim());
      if (names.length !== 3) throw new UsageError(`--probes needs 3 probe names, got ${names.length}`);
      params.probes = [names[0], names[1], names[2]];
    }
    params.maxRegions = maxRegions;
    params.memoryBudgetMB = memoryBudgetMB;
    params.maxSteps = maxSteps;
    // the SVG needs polygons but no patterns: only --polygons pays for them
    params.polygons = !!v.polygons || v.svg !== undefined;
    params.patterns = !!v.polygons;
    params.inputMaps = !!v.polygons;
    params.budget = limits.budget;
    const result = asUsage(() => analysing(file, 'regions', () => slicePartition(net, params, progressCtx(io, 'regions'))), params.patterns);
    // a withheld map is an overflow marker in JSON and one line on stderr, with exit 3
    const o = result.overflow;
    const stderr = o && v.polygons ? `${file}: ${o.message}\n` : undefined;
    const exitCode = o && v.polygons ? EXIT_OVERFLOW : 0;
    const notes: string[] = [];
    if (v.svg !== undefined) {
      io.writeFile(v.svg, regionsSvg(result));
      notes.push(`wrote ${v.svg}`);
    }
    const p = result.plane;
    if (v.json) {
      const doc = {
        file,
        plane: { source: p.source, description: p.description, origin: p.origin, u: p.u, v: p.v, box: p.box },
        regions: result.regions, perDepth: result.perDepth, mergedZeroArea: result.mergedZeroArea,
        patternUnits: result.patternUnits.map((u) => u.label),
        polygons: v.polygons ? result.polygons!.map((r) => { const j = regionJson(r, result); return o ? { ...j, plane: { overflow: { layer: o.layer } } } : j; }) : undefined,
        svg: v.svg,
        ...(o ? { overflow: o } : {}),
      };
      return { stdout: toJson(doc) + '\n', stderr, exitCode };
    }
    const out = [
      `${file}${net.name ? ` — ${net.name}` : ''}`,
      `plane: ${p.description}`,
      `  x = o + s·u + t·v, o = ${coords(p.origin)}, u = ${coords(p.u)}, v = ${coords(p.v)}`,
      `${result.regions} activation regions`,
      `regions after each layer: ${countsByLayer(result.perDepth)}`,
    ];
    if (result.mergedZeroArea) out.push(`${result.mergedZeroArea} cut${result.mergedZeroArea === 1 ? '' : 's'} of zero computed area (numerically coincident lines) merged into the neighbouring region`);
    if (v.polygons) {
      for (const r of result.polygons!) {
        const j = regionJson(r, result);
        out.push(`region ${r.id}  #${j.hash}  area ${r.area.toPrecision(4)}  centroid (${r.centroid.map((c) => c.toPrecision(4)).join(', ')})  ${j.vertices.length} vertices  pattern ${j.pattern}`);
      }
    }
    if (o && v.polygons) out.push(`affine maps withheld: ${o.message}`);
    for (const n of notes) out.push(n);
    return { stdout: out.join('\n') + '\n', stderr, exitCode };
  },
};
