/** depth-lens regions FILE: the exact activation-region partition of a 2-D slice (or pieces along a segment). */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand } from '../command';
import { loadNetworkFile } from '../load';
import { parseMaxSize } from './check';
import { glueNegativeValues, parseVector } from './activations';
import { toRows } from '../../core/linalg/dense';
import type { Network } from '../../core/network/model';
import { slicePartition } from '../../core/regions/partition';
import { segmentPieces } from '../../core/regions/segment';
import { regionsSvg } from '../../core/regions/svg';
import { unpackBits } from '../../core/activation/pattern';
import type { AnalysisContext } from '../../core/context';
import type { Region, RegionsParams, RegionsResult } from '../../shared/analyses/activations';

const HELP = `Usage: depth-lens regions FILE [--box smin,smax,tmin,tmax] [--plane "o;u;v" | --probes a,b,c]
                         [--polygons] [--svg out.svg] [--json] [--max-regions N]
       depth-lens regions FILE --segment "x0;x1" [--json]

Exact activation regions of the network on the plane x = o + s·u + t·v over the box
[smin, smax] × [tmin, tmax]: convex polygons split layer by layer by every neuron's line (half-plane
clipping). Prints the number of regions for the whole network and after each layer; --polygons adds
every region's polygon, pattern and affine maps. Colours come from a hash of the pattern (stable).
Default plane: for 2-D inputs the input plane over the file's input domain ([−1,1]² without one);
otherwise the plane through the file's first three probes (box [−0.25,1.25]²).

With --segment: the exact number of pieces of N along the segment from x0 to x1 instead.

Options:
  --box a,b,c,d      the (s, t) box; default as above
  --plane "o;u;v"    explicit plane: three comma-separated vectors separated by ';'
  --probes a,b,c     the plane through three named probes (o = a, u = b − a, v = c − a)
  --polygons         include the regions' polygons, patterns and affine maps
  --svg FILE         write the coloured partition as SVG to FILE
  --segment "x0;x1"  count pieces along a segment instead of a plane
  --max-regions N    give up beyond N regions (default 200000)
  --json             one JSON document: {file, plane, regions, perDepth, droppedSlivers, polygons?}
  --max-size-mb N    refuse files larger than N MB
  --help             show this help
`;

function parseBox(text: string): [number, number, number, number] {
  const b = parseVector(text, 4, '--box', 'expected smin,smax,tmin,tmax');
  return [b[0], b[1], b[2], b[3]];
}

function parseVectors(text: string, count: number, dim: number, option: string): Float64Array[] {
  const parts = text.split(';');
  if (parts.length !== count) throw new UsageError(`${option} needs ${count} vectors separated by ';', got ${parts.length}`);
  return parts.map((p, i) => parseVector(p, dim, `${option} vector ${i + 1}`));
}

function regionJson(r: Region, result: RegionsResult) {
  const units = result.patternUnits;
  let off = 0;
  const pattern = units.map((u) => {
    const b = unpackBits(r.pattern, off, u.width);
    off += (u.width + 31) >>> 5;
    return b.join('');
  }).join('|');
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

function segmentRun(file: string, net: Network, text: string, json: boolean, io: { progress(m: string): void }) {
  const [a, b] = parseVectors(text, 2, net.input.dim, '--segment');
  const r = segmentPieces(net, a, b, progressCtx(io, 'segment'));
  if (json) return { stdout: toJson({ file, from: a, to: b, pieces: r.pieces, linearPieces: r.linearPieces, perDepth: r.perDepth, breakpoints: r.breakpoints }) + '\n', exitCode: 0 };
  return {
    stdout: [
      `${file}: segment [${Array.from(a).join(', ')}] → [${Array.from(b).join(', ')}]`,
      `${r.pieces} activation pieces (${r.linearPieces} distinct linear pieces of the output)`,
      `pieces after each layer: ${r.perDepth.join(', ')}`,
    ].join('\n') + '\n',
    exitCode: 0,
  };
}

export const regionsCommand: CliCommand = {
  name: 'regions',
  summary: 'exact activation regions of a 2-D slice (region counts per depth, polygons, SVG)',
  help: HELP,
  run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: glueNegativeValues(argv, ['--box', '--plane', '--segment']), allowPositionals: true, strict: true,
        options: {
          box: { type: 'string' }, plane: { type: 'string' }, probes: { type: 'string' }, polygons: { type: 'boolean' },
          svg: { type: 'string' }, segment: { type: 'string' }, 'max-regions': { type: 'string' }, json: { type: 'boolean' },
          'max-size-mb': { type: 'string' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = parsed.positionals[0];
    const v = parsed.values;
    const { network: net } = loadNetworkFile(file, io, { maxSizeMB: parseMaxSize(v['max-size-mb']) });
    if (v.segment !== undefined) {
      if (v.plane || v.probes || v.box || v.svg || v.polygons) throw new UsageError('--segment cannot be combined with --plane, --probes, --box, --polygons or --svg');
      return segmentRun(file, net, v.segment, !!v.json, io);
    }
    if (v.plane && v.probes) throw new UsageError('give either --plane or --probes, not both');
    const params: { -readonly [K in keyof RegionsParams]: RegionsParams[K] } = {};
    if (v.box !== undefined) {
      params.box = parseBox(v.box);
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
    if (v['max-regions'] !== undefined) {
      const n = Number(v['max-regions']);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--max-regions must be a positive integer, not '${v['max-regions']}'`);
      params.maxRegions = n;
    }
    const wantPolygons = !!v.polygons || v.svg !== undefined;
    params.polygons = wantPolygons;
    params.inputMaps = !!v.polygons;
    let result: RegionsResult;
    try {
      result = slicePartition(net, params, progressCtx(io, 'regions'));
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
    const notes: string[] = [];
    if (v.svg !== undefined) {
      io.writeFile(v.svg, regionsSvg(result));
      notes.push(`wrote ${v.svg}`);
    }
    const p = result.plane;
    if (v.json) {
      const doc = {
        file,
        plane: { source: p.source, origin: p.origin, u: p.u, v: p.v, box: p.box },
        regions: result.regions, perDepth: result.perDepth, droppedSlivers: result.droppedSlivers,
        patternUnits: result.patternUnits.map((u) => u.label),
        polygons: v.polygons ? result.polygons!.map((r) => regionJson(r, result)) : undefined,
        svg: v.svg,
      };
      return { stdout: toJson(doc) + '\n', exitCode: 0 };
    }
    const out = [
      `${file}${net.name ? ` — ${net.name}` : ''}`,
      `plane (${p.source}): o = [${Array.from(p.origin).join(', ')}], u = [${Array.from(p.u).join(', ')}], v = [${Array.from(p.v).join(', ')}]; box s∈[${p.box[0]}, ${p.box[1]}], t∈[${p.box[2]}, ${p.box[3]}]`,
      `${result.regions} activation regions`,
      `regions after each layer: ${result.perDepth.join(', ')}`,
    ];
    if (result.droppedSlivers) out.push(`${result.droppedSlivers} zero-area sliver${result.droppedSlivers === 1 ? '' : 's'} from numerically coincident lines dropped`);
    if (v.polygons) {
      for (const r of result.polygons!) {
        const j = regionJson(r, result);
        out.push(`region ${r.id}  #${j.hash}  area ${r.area.toPrecision(4)}  centroid (${r.centroid.map((c) => c.toPrecision(4)).join(', ')})  ${j.vertices.length} vertices  pattern ${j.pattern}`);
      }
    }
    out.push(...notes);
    return { stdout: out.join('\n') + '\n', exitCode: 0 };
  },
};
