/** depth-lens activations FILE --input x: activation patterns, the explicit affine map and the stability radius at one input. */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand } from '../command';
import { loadConvModel, parseInputShapeOption } from '../convModel';
import { IMAGE_OPTIONS, imageOptionsHelp, readImages, refuseDenseOptions, runConvActivations } from '../convAnalyses';
import { loadNetworkFile } from '../load';
import { parseMaxSize } from './check';
import { toRows } from '../../core/linalg/dense';
import type { Network } from '../../core/network/model';
import { analyzeActivations } from '../../core/activation/pointwise';
import { decimal } from '../numbers';
import type { LayerActivation, UnitActivation } from '../../shared/analyses/activations';
import { analysing, BUDGET_HELP, BUDGET_OPTIONS, parseBudget } from './budgetOptions';
import { EXIT_OVERFLOW } from './exitCodes';

/** Text output lists at most this many layer rows (half at each end). */
const MAX_TEXT_LAYERS = 1000;

const HELP = `Usage: depth-lens activations FILE (--input "x1,x2,..." | --probe NAME) [--json] [--partials]

At one input x: the activation pattern J_k(x) of every layer (residual blocks: every branch layer and
the outer σ(x + r)), the pre-activations, how many neurons are active and how many sit on a boundary
(|z| ≤ 1e-12·scale), the explicit affine map N(x) = A x + c that holds on x's activation domain
(verified against the plain forward pass: the residual ‖A x + c − N(x)‖ is always printed, and
relative to max(‖N(x)‖, ‖A‖_F‖x‖ + ‖c‖)), and the stability radius (distance from x to the nearest
face of the domain). A neuron whose pre-activation is constant on the domain (zero normal, e.g.
behind a dead layer) bounds nothing and is never "on a boundary". When no neuron bounds the domain
(linear or dead networks) the domain is all of R^d: the radius is infinite, printed as ∞ and in
JSON as "radius": null with "bounded": false. MATH.md §A, §B.

Without --input or --probe the first probe of the file is used.

Options:
  --input "x1,..."  the input, comma-separated numbers (length = input dimension)
  --probe NAME      use the probe NAME from the file
  --partials        also print P_k, q_k (N_k = P_k x + q_k) after every layer
  --json            print one JSON document: {file, input, output, layers, affine {A, c, residual,
                    relativeResidual}, radius, bounded, nearestFace, constantNeurons, onBoundary,
                    partials?}; bounded is false (and radius null) when no neuron bounds the domain
  --max-size-mb N   refuse files larger than N MB
${BUDGET_HELP}
  --help            show this help

Values beyond float64 are findings, never results: the patterns and the radius are computed with a
per-layer scale (they are scale-free) and stay exact; N(x), the affine map and every value from the
first layer whose values leave float64 are withheld — in --json as {"overflow": {layer, log2}} in
place of the number or array (null keeps meaning "not applicable", e.g. an unbounded radius).
Networks deeper than ${MAX_TEXT_LAYERS} layers list their first and last ${MAX_TEXT_LAYERS / 2} layers
(--json lists all).

Convolutional models (.onnx graphs on an image input, torchvision ResNet state_dicts):
  depth-lens activations MODEL.onnx|.pt [--input FILE | --seed N [--count K]] [--patterns] [--affine] [--json]
one forward pass of the images; at every ReLU site (the stem, each block's inner ReLU and its ReLU
after the addition, …) the active units (value > 0, ties at 0 inactive — torch's (out > 0)) per
image, in total and per channel, and the channels with no active unit; at every max-pool site the
input units that win at least one window (the pooling's pattern: the others are switched off); the
network's output per image. Default: one seeded image.
${imageOptionsHelp(1)}
  --patterns        also the 0/1 pattern of every site (--json: per image and channel a string of H·W
                    digits, row by row)
  --affine          the affine map on image 1's activation region, N(y) = J y + c: c, and J applied to
                    the direction toward each other image (x_k − x₁; default --count 3), with how far
                    x₁ + t(x_k − x₁) stays in the region (the region's inequalities on that line) and
                    the unit that bounds it (J itself, outputs × C·H·W, is never formed)
--json on a conv model: {file, kind: "conv", network, inputShape, images, outputShape, output (per
image), sitesRule, sites: [{site, kind, op, shape, units, active, fraction, channelFraction (per image
and channel), deadChannels, pattern?}], affine? {image, output, offset, directions: [{name, norm, jvp,
tMin, tMax, boundMin?, boundMax?}]}}. --probe and --partials apply to dense networks only.

Exit codes: 0 ok, 1 file error or a budget refused the analysis, 2 usage error, 3 a value overflows
float64 (one line on stderr names the file and the layer; the values from there on are withheld).
`;

/** The JSON marker that replaces a value withheld because it overflows float64. */
export function overflowMarker(o: { layer: number; log2: number }): { overflow: { layer: number; log2: number } } {
  return { overflow: { layer: o.layer, log2: Math.round(o.log2 * 10) / 10 } };
}

/**
 * "1, 2.5,-3" → numbers; precise errors for the wrong count or a non-number. `expected` completes
 * the count error, e.g. "the network input has dimension 2".
 */
export function parseVector(text: string, dim: number, option: string, expected = `the network input has dimension ${dim}`): Float64Array {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 1 && parts[0] === '') throw new UsageError(`${option} is empty; give ${dim} comma-separated numbers`);
  const out = new Float64Array(parts.length);
  parts.forEach((p, i) => {
    const x = decimal(p);
    if (!Number.isFinite(x)) throw new UsageError(`${option}: entry ${i + 1} ('${p}') is not a finite number`);
    out[i] = x;
  });
  if (out.length !== dim) throw new UsageError(`${option} has ${out.length} number${out.length === 1 ? '' : 's'}, ${expected}`);
  return out;
}

/**
 * parseArgs reads "--input -1,2" as two options; number lists that start with a minus sign are
 * glued to their option ("--input=-1,2") so the natural spelling works.
 */
export function glueNegativeValues(argv: readonly string[], options: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], next = argv[i + 1];
    if (options.includes(a) && next !== undefined && /^-[\d.]/.test(next)) { out.push(`${a}=${next}`); i++; }
    else out.push(a);
  }
  return out;
}

function chooseInput(net: Network, input: string | undefined, probe: string | undefined): { x: Float64Array; probe?: string } {
  if (input !== undefined && probe !== undefined) throw new UsageError('give either --input or --probe, not both');
  if (input !== undefined) return { x: parseVector(input, net.input.dim, '--input') };
  const probes = net.input.probes;
  if (probe !== undefined) {
    const p = probes.find((q) => q.name === probe);
    if (!p) throw new UsageError(`no probe named '${probe}' (the file has: ${probes.map((q) => q.name).join(', ') || 'none'})`);
    return { x: p.x, probe: p.name };
  }
  if (probes.length === 0) throw new UsageError('the file has no probes; give --input "x1,x2,..."');
  return { x: probes[0].x, probe: probes[0].name };
}

const num = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? x.toPrecision(6).replace(/\.?0+$/, '').replace(/\.?0+e/, 'e') : x.toExponential(3));
const vec = (v: ArrayLike<number>, max = 12) => {
  const a = Array.from(v).slice(0, max).map(num);
  return `[${a.join(', ')}${v.length > max ? `, … (${v.length})` : ''}]`;
};
const bits = (p: Uint8Array, max = 64) => Array.from(p.subarray(0, max)).join('') + (p.length > max ? `…(${p.length})` : '');

function unitJson(u: UnitActivation) {
  return {
    layer: u.layer, kind: u.kind, branchLayer: u.branchLayer, label: u.label, width: u.width,
    activation: u.relu ? 'relu' : 'linear',
    pattern: Array.from(u.pattern), preactivation: u.preactivation, active: u.active, onBoundary: u.onBoundary,
  };
}

export const activationsCommand: CliCommand = {
  name: 'activations',
  summary: 'activation patterns, explicit affine map and stability radius at an input',
  help: HELP,
  run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: glueNegativeValues(argv, ['--input']), allowPositionals: true, strict: true,
        options: { ...IMAGE_OPTIONS, probe: { type: 'string' }, json: { type: 'boolean' }, partials: { type: 'boolean' }, patterns: { type: 'boolean' }, affine: { type: 'boolean' }, 'max-size-mb': { type: 'string' }, ...BUDGET_OPTIONS },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = parsed.positionals[0];
    const v = parsed.values;
    const conv = loadConvModel(file, io, parseInputShapeOption(v['input-shape']), { maxSizeMB: parseMaxSize(v['max-size-mb']) });
    if (conv) {
      refuseDenseOptions('activations', v, [['probe', 'inputs are images: --input FILE or --seed N'], ['partials', 'the affine map of an image is 10⁵ columns wide']]);
      const budget = parseBudget(v);
      const images = readImages(io, conv.network.net.inputShape, v, v.affine ? 3 : 1);
      if (v.affine && images.count < 2) throw new UsageError('--affine needs at least two images: the directions go from image 1 toward the others');
      return runConvActivations(file, conv.network, images, { json: !!v.json, patterns: !!v.patterns, affine: !!v.affine, budget });
    }
    if ((v.input?.length ?? 0) > 1) throw new UsageError('--input is given more than once; a dense network takes one input "x1,x2,..."');
    for (const o of ['seed', 'count', 'patterns', 'affine'] as const) if (v[o] !== undefined) throw new UsageError(`--${o} applies to convolutional models (input images)${o === 'affine' ? '; a dense network\'s activations always print the explicit affine map' : ''}`);
    const { network: net } = loadNetworkFile(file, io, { maxSizeMB: parseMaxSize(parsed.values['max-size-mb']) });
    const { x, probe } = chooseInput(net, v.input?.[0], v.probe);
    const partials = !!parsed.values.partials;
    const budget = parseBudget(parsed.values);
    const r = analysing(file, 'activations', () => analyzeActivations(net, x, { partialProducts: partials, budget }, {
      progress: (f) => io.progress(`activations: ${Math.round(100 * f)}%`),
      isCancelled: () => false,
    }));
    const o = r.overflow;
    const exitCode = o ? EXIT_OVERFLOW : 0;
    const stderr = o ? `${file}: ${o.message}\n` : undefined;
    // withheld values (NaN: from the overflow on) become the marker, not null
    const val = <T,>(v: T, withheld: boolean) => (withheld && o ? overflowMarker(o) : v);
    const gone = (a: ArrayLike<number>) => a.length > 0 && Number.isNaN(a[0]);
    if (parsed.values.json) {
      const layerJson = (l: LayerActivation) => {
        const u = unitJson(l);
        return { ...u, preactivation: val(u.preactivation, gone(l.preactivation)), output: val(l.output, gone(l.output)), branch: l.branch?.map((b) => { const bu = unitJson(b); return { ...bu, preactivation: val(bu.preactivation, gone(b.preactivation)) }; }) };
      };
      const doc = {
        file, probe, input: r.input, output: val(r.output, !!o),
        layers: r.layers.map(layerJson),
        affine: o
          ? { A: overflowMarker(o), c: overflowMarker(o), residual: overflowMarker(o), relativeResidual: r.affine.relativeResidual }
          : { A: toRows(r.affine.A), c: r.affine.c, residual: r.affine.residual, relativeResidual: r.affine.relativeResidual },
        radius: r.radius, bounded: Number.isFinite(r.radius), nearestFace: r.nearestFace?.label ?? null, constantNeurons: r.constantNeurons, onBoundary: r.onBoundary,
        partials: r.partials?.map((p) => ({ layer: p.layer, P: val(toRows(p.P), gone(p.P.data)), q: val(p.q, gone(p.q)) })),
        // present only when something overflowed (ordinary documents keep their keys)
        ...(o ? { overflow: { layer: o.layer, quantity: o.quantity, log2: o.log2, message: o.message } } : {}),
      };
      return { stdout: toJson(doc) + '\n', stderr, exitCode };
    }
    const out: string[] = [];
    out.push(`${file}${net.name ? ` — ${net.name}` : ''}`);
    out.push(`x = ${vec(r.input)}${probe ? ` (probe ${probe})` : ''}`);
    out.push(o ? `N(x) withheld: ${o.message}` : `N(x) = ${vec(r.output)}`);
    out.push('');
    const rows: string[][] = [];
    const nLayers = r.layers.length, half = MAX_TEXT_LAYERS / 2;
    for (let li = 0; li < nLayers; li++) {
      if (nLayers > MAX_TEXT_LAYERS && li === half) {
        rows.push(['…', `${nLayers - MAX_TEXT_LAYERS} layers not listed (--json lists all)`, '', '', '']);
        li = nLayers - half;
      }
      const l = r.layers[li];
      rows.push([String(l.layer), l.kind === 'outer' ? 'residual out' : l.kind, l.relu ? `${l.active}/${l.width}` : `linear ${l.width}`, l.relu ? String(l.onBoundary) : '—', l.relu ? bits(l.pattern) : '']);
      for (const b of l.branch ?? []) rows.push(['', `  branch ${b.branchLayer}`, b.relu ? `${b.active}/${b.width}` : `linear ${b.width}`, b.relu ? String(b.onBoundary) : '—', b.relu ? bits(b.pattern) : '']);
    }
    const header = ['layer', 'unit', 'active', 'on boundary', 'pattern'];
    // loops, not Math.max(...)/push(...): a 2·10⁵-layer network has too many rows for spread arguments
    const w = header.map((h) => h.length);
    for (const row of rows) for (let i = 0; i < row.length; i++) if (i < 4 && row[i].length > w[i]) w[i] = row[i].length;
    const line = (c: string[]) => c.map((s, i) => s.padEnd(w[i])).join('  ').trimEnd();
    out.push(line(header));
    for (const row of rows) out.push(line(row));
    out.push('');
    if (o) {
      out.push(`explicit map on the activation domain: withheld — ${o.message}`);
      out.push(`  check (relative, scale-free): ‖A x + c − N(x)‖ / scale = ${num(r.affine.relativeResidual)}`);
    } else {
      out.push(`explicit map on the activation domain: N(x) = A x + c, A is ${r.affine.A.rows}×${r.affine.A.cols}`);
      if (r.affine.A.rows * r.affine.A.cols <= 48) toRows(r.affine.A).forEach((row, i) => out.push(`  A[${i + 1}] = ${vec(row)}`));
      out.push(`  c = ${vec(r.affine.c)}`);
      out.push(`  check: ‖A x + c − N(x)‖ = ${num(r.affine.residual)} (relative ${num(r.affine.relativeResidual)})`);
    }
    out.push(`stability radius ${Number.isFinite(r.radius) ? num(r.radius) : '∞ — unbounded: no neuron bounds the domain, the map holds on all of R^d'}${r.nearestFace ? ` — nearest face: ${r.nearestFace.label}` : ''}`);
    if (r.constantNeurons) out.push(`${r.constantNeurons} neuron${r.constantNeurons === 1 ? ' is' : 's are'} constant on the domain (zero normal) and bound nothing`);
    if (r.onBoundary) out.push(`warning: ${r.onBoundary} neuron${r.onBoundary === 1 ? ' sits' : 's sit'} on a boundary (|z| ≤ 1e-12·scale): x is on a face, its pattern is a tie`);
    for (const p of r.partials ?? []) out.push(gone(p.q) ? `P_${p.layer}, q_${p.layer}: withheld (overflow)` : `P_${p.layer} (${p.P.rows}×${p.P.cols}), q_${p.layer} = ${vec(p.q)}`);
    return { stdout: out.join('\n') + '\n', stderr, exitCode };
  },
};
