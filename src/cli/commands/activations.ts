/** depth-lens activations FILE --input x: activation patterns, the explicit affine map and the stability radius at one input. */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand } from '../command';
import { refuseConvModel } from '../convModel';
import { loadNetworkFile } from '../load';
import { parseMaxSize } from './check';
import { toRows } from '../../core/linalg/dense';
import type { Network } from '../../core/network/model';
import { analyzeActivations } from '../../core/activation/pointwise';
import { decimal } from '../numbers';
import type { UnitActivation } from '../../shared/analyses/activations';

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
  --help            show this help
`;

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
        options: { input: { type: 'string' }, probe: { type: 'string' }, json: { type: 'boolean' }, partials: { type: 'boolean' }, 'max-size-mb': { type: 'string' } },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = parsed.positionals[0];
    refuseConvModel('activations', file, io);
    const { network: net } = loadNetworkFile(file, io, { maxSizeMB: parseMaxSize(parsed.values['max-size-mb']) });
    const { x, probe } = chooseInput(net, parsed.values.input, parsed.values.probe);
    const partials = !!parsed.values.partials;
    const r = analyzeActivations(net, x, { partialProducts: partials }, {
      progress: (f) => io.progress(`activations: ${Math.round(100 * f)}%`),
      isCancelled: () => false,
    });
    if (parsed.values.json) {
      const doc = {
        file, probe, input: r.input, output: r.output,
        layers: r.layers.map((l) => ({ ...unitJson(l), output: l.output, branch: l.branch?.map(unitJson) })),
        affine: { A: toRows(r.affine.A), c: r.affine.c, residual: r.affine.residual, relativeResidual: r.affine.relativeResidual },
        radius: r.radius, bounded: Number.isFinite(r.radius), nearestFace: r.nearestFace?.label ?? null, constantNeurons: r.constantNeurons, onBoundary: r.onBoundary,
        partials: r.partials?.map((p) => ({ layer: p.layer, P: toRows(p.P), q: p.q })),
      };
      return { stdout: toJson(doc) + '\n', exitCode: 0 };
    }
    const out: string[] = [];
    out.push(`${file}${net.name ? ` — ${net.name}` : ''}`);
    out.push(`x = ${vec(r.input)}${probe ? ` (probe ${probe})` : ''}`);
    out.push(`N(x) = ${vec(r.output)}`);
    out.push('');
    const rows: string[][] = [];
    for (const l of r.layers) {
      rows.push([String(l.layer), l.kind === 'outer' ? 'residual out' : l.kind, l.relu ? `${l.active}/${l.width}` : `linear ${l.width}`, l.relu ? String(l.onBoundary) : '—', l.relu ? bits(l.pattern) : '']);
      for (const b of l.branch ?? []) rows.push(['', `  branch ${b.branchLayer}`, b.relu ? `${b.active}/${b.width}` : `linear ${b.width}`, b.relu ? String(b.onBoundary) : '—', b.relu ? bits(b.pattern) : '']);
    }
    const header = ['layer', 'unit', 'active', 'on boundary', 'pattern'];
    const w = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const line = (c: string[]) => c.map((s, i) => s.padEnd(w[i])).join('  ').trimEnd();
    out.push(line(header), ...rows.map(line), '');
    out.push(`explicit map on the activation domain: N(x) = A x + c, A is ${r.affine.A.rows}×${r.affine.A.cols}`);
    if (r.affine.A.rows * r.affine.A.cols <= 48) toRows(r.affine.A).forEach((row, i) => out.push(`  A[${i + 1}] = ${vec(row)}`));
    out.push(`  c = ${vec(r.affine.c)}`);
    out.push(`  check: ‖A x + c − N(x)‖ = ${num(r.affine.residual)} (relative ${num(r.affine.relativeResidual)})`);
    out.push(`stability radius ${Number.isFinite(r.radius) ? num(r.radius) : '∞ — unbounded: no neuron bounds the domain, the map holds on all of R^d'}${r.nearestFace ? ` — nearest face: ${r.nearestFace.label}` : ''}`);
    if (r.constantNeurons) out.push(`${r.constantNeurons} neuron${r.constantNeurons === 1 ? ' is' : 's are'} constant on the domain (zero normal) and bound nothing`);
    if (r.onBoundary) out.push(`warning: ${r.onBoundary} neuron${r.onBoundary === 1 ? ' sits' : 's sit'} on a boundary (|z| ≤ 1e-12·scale): x is on a face, its pattern is a tie`);
    for (const p of r.partials ?? []) out.push(`P_${p.layer} (${p.P.rows}×${p.P.cols}), q_${p.layer} = ${vec(p.q)}`);
    return { stdout: out.join('\n') + '\n', exitCode: 0 };
  },
};
