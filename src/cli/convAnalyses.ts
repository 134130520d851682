/**
 * `depth-lens convergence`, `activations`, `degeneracy` and `regions` on a convolutional model (issue
 * 14): the options they take for input images (--input FILE, --seed N, --count K), the conv reports in
 * text and JSON, and the refusal of the dense-only options by name.
 */
import { toJson, UsageError, type CliIo, type CliResult } from './command';
import { decimal } from './numbers';
import { analysing } from './commands/budgetOptions';
import { EXIT_OVERFLOW } from './commands/exitCodes';
import type { AnalysisBudget } from '../core/network/budget';
import type { ConvNetwork } from '../core/conv/network';
import { NonFiniteActivationError } from '../core/conv/resnet';
import { concatImages, DEFAULT_IMAGE_SEED, ImageInputError, imagesFromFile, seededImages, type ImageBatch } from '../core/conv/images';
import { analyzeConvConvergence } from '../core/conv/convergence';
import { convActivationsJson as activationsJson, convConvergenceJson as convergenceJson } from '../core/conv/reportJson';
import { analyzeConvActivations, type ConvActivationsResult } from '../core/conv/activations';
import type { ConvConvergenceResult, ConvRunResult } from '../shared/analyses/convConvergence';
import { fmt } from '../core/convergence/format';
import { convProbeAngles, type ConvAnglesResult } from '../core/conv/degeneracy';
import { convPlanePatterns, type ConvPlaneResult } from '../core/conv/plane';
import { exactPlaneSvg, patternGridSvg } from '../core/regions/svg';
import { convExactRegions, type ConvExactRegionsResult } from '../core/conv/exactRegions';
import { convAffineMap, type ConvAffineMap } from '../core/conv/affineMap';
import { polygonArea } from '../core/regions/partition';
import { escapeName } from './escape';

/** Images at most per run (a forward pass keeps each op's activations for every image). */
export const MAX_IMAGES = 256;

/** Help lines of the image options. */
export function imageOptionsHelp(defaultCount: number): string {
  return `  --input FILE      input images (repeatable): a NumPy .npy array or JSON numbers (nested lists or flat),
                    C×H×W or N×C×H×W, read in row-major (PyTorch NCHW) order; each image is one input
  --seed N          images uniform on [−1, 1) from seed N (the counter-based hash the fixtures share with
                    torch; default seed ${DEFAULT_IMAGE_SEED}, whose first two images are the fixtures' inputs)
  --count K         how many seeded images (default ${defaultCount}, at most ${MAX_IMAGES})
  --input-shape C,H,W  the input shape when the model's file does not fix it`;
}

export const IMAGE_OPTIONS = {
  input: { type: 'string', multiple: true },
  seed: { type: 'string' },
  count: { type: 'string' },
  'input-shape': { type: 'string' },
} as const;

function integerOption(name: string, text: string, lo: number, hi: number): number {
  const v = decimal(text);
  if (!Number.isInteger(v) || v < lo || v > hi) throw new UsageError(`--${name} must be an integer in ${lo}..${hi}, not '${text}'`);
  return v;
}

/** The images of --input FILE… or --seed/--count (the default: `defaultCount` seeded images). */
export function readImages(io: CliIo, shape: readonly [number, number, number], values: { input?: string[]; seed?: string; count?: string }, defaultCount: number): ImageBatch {
  const files = values.input ?? [];
  if (files.length > 0 && (values.seed !== undefined || values.count !== undefined)) throw new UsageError('give either --input FILE or --seed N (with --count K), not both');
  if (files.length === 0) {
    const seed = values.seed === undefined ? DEFAULT_IMAGE_SEED : integerOption('seed', values.seed, 0, 0xffffffff);
    const count = values.count === undefined ? defaultCount : integerOption('count', values.count, 1, MAX_IMAGES);
    return seededImages(seed, count, shape);
  }
  const batches = files.map((f) => {
    let bytes: Uint8Array;
    try {
      bytes = io.readFile(f);
    } catch (e) {
      throw new Error(`--input: cannot read ${f}: ${(e as Error).message}`, { cause: e });
    }
    try {
      return imagesFromFile(f, bytes, shape);
    } catch (e) {
      if (e instanceof ImageInputError) throw new Error(`--input ${e.message}`, { cause: e });
      throw new Error(`--input ${f}: ${(e as Error).message}`, { cause: e });
    }
  });
  const all = concatImages(batches);
  if (all.count > MAX_IMAGES) throw new UsageError(`--input: ${all.count} images, at most ${MAX_IMAGES} per run`);
  return all;
}

/** Dense-only options given for a conv model: a usage error naming them. */
export function refuseDenseOptions(command: string, given: Record<string, unknown>, options: ReadonlyArray<readonly [string, string]>): void {
  const values = new Map(Object.entries(given)); // names are data (test/unit/names-are-data.test.ts)
  for (const [name, why] of options) {
    if (values.get(name) !== undefined) throw new UsageError(`--${name} does not apply to convolutional models (${why}); \`depth-lens ${command} --help\` lists their options`);
  }
}

/** A forward pass that left float64: exit 3 with the message on stderr (nothing computed from it). */
function overflowResult(file: string, e: NonFiniteActivationError): CliResult {
  return { stdout: '', stderr: `${file}: ${e.message}\n`, exitCode: EXIT_OVERFLOW };
}

// ---------------------------------------------------------------- convergence

const shape = (s: readonly number[]) => s.join('×');
const ratio = (x: number | null) => (x === null ? '—' : fmt(x));

/** The JSON document of `depth-lens convergence --json` on a conv model (src/core/conv/reportJson.ts; the panels export it too). */
export function convConvergenceJson(file: string, network: ConvNetwork, r: ConvConvergenceResult) {
  return convergenceJson(file, network.name, r);
}

function runText(run: ConvRunResult, probes: number): string[] {
  const lines: string[] = [];
  const n = run.blocks.length;
  lines.push(`run ${run.index} (${run.stage}): ${n} identity block${n === 1 ? '' : 's'} on ${shape(run.shape)}`);
  const width = Math.max(...run.blocks.map((b) => b.branch.length));
  const header = ['block', ...Array.from({ length: width }, (_, k) => `‖W${k + 1}‖₂`), 'a_n', 'β_n', 'S1', 'S2', 'a_n/a_n−1', 'max ‖x_n−x_n−1‖', 'max incr/bound'];
  const rows = run.blocks.map((b) => {
    let inc = 0, rat = 0;
    b.probes.increment.forEach((d, p) => { inc = Math.max(inc, d); if (b.probes.bound[p] > 0) rat = Math.max(rat, d / b.probes.bound[p]); });
    return [b.block, ...Array.from({ length: width }, (_, k) => (b.branch[k] ? fmt(b.branch[k].norm) : '')), fmt(b.a), fmt(b.beta), fmt(b.S1), fmt(b.S2), ratio(b.aRatio), fmt(inc), fmt(rat)];
  });
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]) => '  ' + c.map((s, i) => (i === 0 ? s.padEnd(w[i]) : s.padStart(w[i]))).join('  ');
  lines.push(line(header));
  for (const r of rows) lines.push(line(r));
  lines.push(`  S1 = ${fmt(run.S1)}, S2 = ${fmt(run.S2)} (exact over the ${n} block${n === 1 ? '' : 's'} present)${run.termTrend !== null ? `; a_${n}/a_1 = ${fmt(run.termTrend)}` : ''}`);
  lines.push(`  sufficient (S1 < ∞ and S2 < ∞): ${run.sufficient.status.toUpperCase()} — ${run.sufficient.reason}`);
  lines.push(`  bound ‖x_n − x_{n−1}‖ ≤ a_n‖x_{n−1}‖ + β_n: ${run.boundHolds ? 'holds' : 'VIOLATED'} at ${probes} probe${probes === 1 ? '' : 's'} × ${n} block${n === 1 ? '' : 's'} (observed; largest increment/bound ${fmt(run.maxBoundRatio)})`);
  return lines;
}

export function convConvergenceText(file: string, network: ConvNetwork, r: ConvConvergenceResult): string {
  const out: string[] = [];
  out.push(`${file}${network.name ? ` — ${network.name}` : ''}: convolutional network, input ${shape(r.inputShape)}; ${r.runs.length} run${r.runs.length === 1 ? '' : 's'} of identity-shortcut blocks; ${r.probes.length} probe${r.probes.length === 1 ? '' : 's'} (${r.probes.length <= 3 ? r.probes.join(', ') : `${r.probes[0]} … ${r.probes[r.probes.length - 1]}`})`);
  out.push('  terms: a_n = Π_k ‖W^(n,k)‖₂ (S1 term), β_n = Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖₂ (S2 term), MATH.md §B');
  for (const run of r.runs) { out.push(''); out.push(...runText(run, r.probes.length)); }
  out.push('');
  out.push(`norms: ${r.normRule}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

export function runConvConvergence(file: string, network: ConvNetwork, images: ImageBatch, io: CliIo, options: { json: boolean; budget: AnalysisBudget }): CliResult {
  let r: ConvConvergenceResult;
  try {
    r = analysing(file, 'convergence', () => analyzeConvConvergence(network.net, { images, budget: options.budget }, {
      progress: (_f, m) => { if (m) io.progress(m); },
      isCancelled: () => false,
    }));
  } catch (e) {
    if (e instanceof NonFiniteActivationError) return overflowResult(file, e);
    throw e;
  }
  return { stdout: options.json ? toJson(convConvergenceJson(file, network, r)) + '\n' : convConvergenceText(file, network, r), exitCode: 0 };
}

// ---------------------------------------------------------------- activations

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The JSON document of `depth-lens activations --json` on a conv model (src/core/conv/reportJson.ts; the panels export it too). */
export function convActivationsJson(file: string, network: ConvNetwork, r: ConvActivationsResult) {
  return activationsJson(file, network.name, r);
}

export function convActivationsText(file: string, network: ConvNetwork, r: ConvActivationsResult): string {
  const out: string[] = [];
  const n = r.images.length;
  out.push(`${file}${network.name ? ` — ${network.name}` : ''}: convolutional network, input ${shape(r.inputShape)}, output ${shape(r.outputShape)}; ${n} image${n === 1 ? '' : 's'}`);
  const per = r.output.length / n;
  r.images.forEach((name, i) => {
    const y = r.output.subarray(i * per, (i + 1) * per);
    let arg = 0;
    for (let j = 1; j < y.length; j++) if (y[j] > y[arg]) arg = j;
    const shown = Array.from(y.subarray(0, 8), (v) => fmt(v)).join(', ');
    out.push(`  ${name}: output [${shown}${y.length > 8 ? `, … (${y.length})` : ''}]${y.length > 1 ? `; largest at index ${arg} (${fmt(y[arg])})` : ''}`);
  });
  out.push('');
  const shownImages = Math.min(n, 4);
  const header = ['layer', 'site', 'kind', 'shape', ...Array.from({ length: shownImages }, (_, i) => (n === 1 ? 'active' : `active #${i + 1}`)), 'channels active (min–max)', 'dead channels'];
  const rows = r.sites.map((s) => {
    let lo = Infinity, hi = -Infinity, dead = 0;
    for (const row of s.channelFraction) for (const f of row) { lo = Math.min(lo, f); hi = Math.max(hi, f); }
    for (const d of s.deadChannels) dead = Math.max(dead, d);
    return [String(s.op + 1), s.site, s.kind, shape(s.shape), ...s.active.slice(0, shownImages).map((a, i) => `${a}/${s.units} (${pct(s.fraction[i])})`), `${pct(lo)}–${pct(hi)}`, String(dead)];
  });
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (c: string[]) => c.map((s, i) => (i >= 4 ? s.padStart(w[i]) : s.padEnd(w[i]))).join('  ').trimEnd();
  out.push(line(header));
  for (const row of rows) out.push(line(row));
  out.push('');
  out.push(`relu: units > 0 (ties at 0 count as inactive); maxpool: input units that win at least one window. "channels active": the range over channels${n > 1 ? ' and images' : ''} of a channel's active fraction; "dead channels": channels with no active unit (most over the images).${n > shownImages ? ` The table shows the first ${shownImages} images; --json has all ${n}.` : ''}`);
  return out.join('\n') + '\n';
}

/** The affine map on image 1's region, applied to the directions toward the other images. */
function affineOfFirst(network: ConvNetwork, images: ImageBatch, budget: AnalysisBudget): ConvAffineMap {
  const per = images.data.length / images.count;
  const x = images.data.subarray(0, per);
  const directions = images.names.slice(1).map((name, i) => {
    const v = new Float64Array(per);
    for (let j = 0; j < per; j++) v[j] = images.data[(i + 1) * per + j] - x[j];
    return { name: `toward ${name}`, vector: v };
  });
  return convAffineMap(network.net, { count: 1, shape: images.shape, data: Float64Array.from(x), names: [images.names[0]] }, directions, budget);
}

const vectorText = (y: ArrayLike<number>) => `[${Array.from({ length: Math.min(y.length, 8) }, (_, j) => fmt(y[j])).join(', ')}${y.length > 8 ? `, … (${y.length})` : ''}]`;

export function convAffineText(a: ConvAffineMap): string {
  const out = [`affine map on the activation region of ${a.image}: N(y) = J y + c there (J is never formed; J v below)`, `  N(x₁) = ${vectorText(a.output)}`, `  c     = ${vectorText(a.offset)}`];
  for (const d of a.directions) {
    const range = `${Number.isFinite(d.tMin) ? fmt(d.tMin) : '−∞'} ≤ t ≤ ${Number.isFinite(d.tMax) ? fmt(d.tMax) : '∞'}`;
    out.push(`  ${d.name} (v = x_k − x₁, ‖v‖ = ${fmt(d.norm)}): J v = ${vectorText(d.jvp)}; x₁ + t·v stays in the region for ${range}${d.boundMax ? ` (up to ${d.boundMax})` : ''}`);
  }
  return out.join('\n') + '\n';
}

export function runConvActivations(file: string, network: ConvNetwork, images: ImageBatch, options: { json: boolean; patterns: boolean; affine?: boolean; budget: AnalysisBudget }): CliResult {
  let r: ConvActivationsResult;
  let affine: ConvAffineMap | undefined;
  try {
    r = analysing(file, 'activations', () => analyzeConvActivations(network.net, images, { patterns: options.patterns, budget: options.budget }));
    if (options.affine) affine = analysing(file, 'activations', () => affineOfFirst(network, images, options.budget));
  } catch (e) {
    if (e instanceof NonFiniteActivationError) return overflowResult(file, e);
    throw e;
  }
  if (options.json) {
    const doc = convActivationsJson(file, network, r);
    return { stdout: toJson(affine ? { ...doc, affine } : doc) + '\n', exitCode: 0 };
  }
  return { stdout: convActivationsText(file, network, r) + (affine ? '\n' + convAffineText(affine) : ''), exitCode: 0 };
}

// ---------------------------------------------------------------- degeneracy

const angle = (x: number | null) => (x === null ? '—' : x.toFixed(6));

/** The JSON document of `depth-lens degeneracy --json` on a conv model. */
export function convDegeneracyJson(file: string, network: ConvNetwork, r: ConvAnglesResult) {
  return { file, kind: 'conv', network: network.name, inputShape: r.inputShape, images: r.images, theta0: r.theta0, prediction: 'infinite-width: cos θ^ℓ = 2 J11(θ^{ℓ−1}) iterated once per ReLU layer from θ⁰ (MATH.md §C)', sites: r.sites, notes: r.notes };
}

export function convDegeneracyText(file: string, network: ConvNetwork, r: ConvAnglesResult): string {
  const out: string[] = [];
  out.push(`${file}${network.name ? ` — ${escapeName(network.name)}` : ''}: convolutional network, input ${shape(r.inputShape)}; angle between ${escapeName(r.images[0])} and ${escapeName(r.images[1])} (θ⁰ = ${r.theta0.toFixed(6)})`);
  out.push('measured θ: the flattened activations through the network; predicted θ: the infinite-width map cos θ\' = [sin θ + (π − θ) cos θ]/π iterated once per ReLU layer from θ⁰');
  out.push('');
  const header = ['site', 'kind', 'shape', 'width', 'layer', 'measured θ', 'predicted θ'];
  const rows = r.sites.map((s) => [escapeName(s.site), s.kind, shape(s.shape), String(s.width), String(s.layer), angle(s.theta), s.predicted.toFixed(6)]);
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i >= 3 ? x.padStart(w[i]) : x.padEnd(w[i]))).join('  ').trimEnd();
  out.push(line(header));
  for (const row of rows) out.push(line(row));
  out.push('');
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

export function runConvDegeneracy(file: string, network: ConvNetwork, images: ImageBatch, options: { json: boolean; budget: AnalysisBudget }): CliResult {
  let r: ConvAnglesResult;
  try {
    r = analysing(file, 'degeneracy', () => convProbeAngles(network.net, images, { budget: options.budget }));
  } catch (e) {
    if (e instanceof NonFiniteActivationError) return overflowResult(file, e);
    throw e;
  }
  return { stdout: options.json ? toJson(convDegeneracyJson(file, network, r)) + '\n' : convDegeneracyText(file, network, r), exitCode: 0 };
}

// ---------------------------------------------------------------- regions

/** What the grid count is, for every report of it. */
export const PLANE_RULE = 'distinct activation patterns (every ReLU site and every max pool\'s winners) at the points of a pixel grid on the plane: a lower bound on the activation regions the plane meets (a region between grid points is missed), not the exact polygon partition, which `depth-lens regions --exact` computes where affordable';

const hex = (h: number) => h.toString(16).padStart(8, '0');

/** The JSON document of `depth-lens regions --json` on a conv model. */
export function convRegionsJson(file: string, network: ConvNetwork, r: ConvPlaneResult) {
  const rows: number[][] = [];
  for (let j = 0; j < r.grid; j++) rows.push(Array.from(r.ids.subarray(j * r.grid, (j + 1) * r.grid)));
  return {
    file, kind: 'conv', network: network.name, inputShape: r.inputShape, images: r.images,
    plane: { description: 'x(s, t) = (1 − s − t)·x0 + s·x1 + t·x2 (x0 at (0, 0), x1 at (1, 0), x2 at (0, 1))', box: r.box, grid: r.grid },
    rule: PLANE_RULE, patterns: r.patterns, sites: r.sites,
    hashes: r.hashes.map(hex), counts: r.counts,
    ids: rows,
  };
}

export function convRegionsText(file: string, network: ConvNetwork, r: ConvPlaneResult, notes: readonly string[]): string {
  const out: string[] = [];
  const [s0, s1, t0, t1] = r.box;
  out.push(`${file}${network.name ? ` — ${escapeName(network.name)}` : ''}: convolutional network, input ${shape(r.inputShape)}`);
  out.push(`plane through ${r.images.map(escapeName).join(', ')}: x(s, t) = (1 − s − t)·x₀ + s·x₁ + t·x₂ (x₀ at (0, 0), x₁ at (1, 0), x₂ at (0, 1)), (s, t) ∈ [${s0}, ${s1}] × [${t0}, ${t1}]`);
  out.push(`${r.patterns} distinct activation pattern${r.patterns === 1 ? '' : 's'} on a ${r.grid}×${r.grid} grid (${r.grid * r.grid} points): a lower bound on the regions the plane meets`);
  out.push('');
  const header = ['site', 'kind', 'shape', 'patterns of the site', 'patterns up to it'];
  const rows = r.sites.map((s) => [escapeName(s.site), s.kind, shape(s.shape), String(s.distinct), String(s.prefix)]);
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i >= 3 ? x.padStart(w[i]) : x.padEnd(w[i]))).join('  ').trimEnd();
  out.push(line(header));
  for (const row of rows) out.push(line(row));
  out.push('');
  out.push(`note: ${PLANE_RULE}`);
  const points = r.grid * r.grid;
  if (points > 1 && r.patterns === points) out.push('note: every grid point has a pattern of its own: the grid does not resolve the regions, so the count says only that there are at least this many (a smaller --box zooms in)');
  for (const n of notes) out.push(n);
  return out.join('\n') + '\n';
}

/**
 * A plane analysis for the CLI: a forward pass that leaves float64 is exit 3; the SVG is written when
 * asked (and said so); then JSON or text.
 */
function planeReport<R>(file: string, io: CliIo, options: { json: boolean; svg?: string }, compute: () => R,
  render: { readonly svg: (r: R) => string; readonly json: (r: R) => object; readonly text: (r: R, notes: readonly string[]) => string }): CliResult {
  let r: R;
  try {
    r = analysing(file, 'regions', compute);
  } catch (e) {
    if (e instanceof NonFiniteActivationError) return overflowResult(file, e);
    throw e;
  }
  const notes: string[] = [];
  if (options.svg !== undefined) {
    io.writeFile(options.svg, render.svg(r));
    notes.push(`wrote ${options.svg}`);
  }
  return { stdout: options.json ? toJson({ ...render.json(r), svg: options.svg }) + '\n' : render.text(r, notes), exitCode: 0 };
}

export function runConvRegions(file: string, network: ConvNetwork, images: ImageBatch, io: CliIo, options: { json: boolean; grid?: number; box?: readonly [number, number, number, number]; svg?: string; budget: AnalysisBudget }): CliResult {
  return planeReport(file, io, options, () => convPlanePatterns(network.net, images, { grid: options.grid, box: options.box, budget: options.budget }, {
    progress: (f, m) => io.progress(`regions: ${Math.round(100 * f)}%${m ? ` ${m}` : ''}`),
    isCancelled: () => false,
  }), { svg: (r) => patternGridSvg(r), json: (r) => convRegionsJson(file, network, r), text: (r, notes) => convRegionsText(file, network, r, notes) });
}

/** the share of the box the regions cover (1 for a complete partition, up to rounding) */
function coverage(r: ConvExactRegionsResult): number {
  const [s0, s1, t0, t1] = r.box;
  let a = 0;
  for (const g of r.regions) a += polygonArea(g.vertices);
  return a / ((s1 - s0) * (t1 - t0));
}

export function convExactRegionsJson(file: string, network: ConvNetwork, images: ImageBatch, r: ConvExactRegionsResult) {
  return {
    file, kind: 'conv' as const, network: network.name ?? null, inputShape: network.net.inputShape, images: images.names,
    plane: { description: 'x(s, t) = (1 − s − t)·x₀ + s·x₁ + t·x₂', box: r.box }, exact: true,
    regions: r.regions.length, complete: r.complete, ...(r.stopped ? { stopped: r.stopped } : {}), coverage: coverage(r),
    passes: r.passes, work: r.work,
    polygons: r.regions.map((g, id) => ({ id, hash: g.hash.toString(16).padStart(8, '0'), seed: g.seed, vertices: g.vertices })),
  };
}

export function convExactRegionsText(file: string, network: ConvNetwork, images: ImageBatch, r: ConvExactRegionsResult, notes: readonly string[]): string {
  const [s0, s1, t0, t1] = r.box;
  const out = [
    `${file}${network.name ? ` — ${escapeName(network.name)}` : ''}: convolutional network, input ${network.net.inputShape.join('×')}`,
    `plane through ${images.names.map(escapeName).join(', ')}: x(s, t) = (1 − s − t)·x₀ + s·x₁ + t·x₂ (x₀ at (0, 0), x₁ at (1, 0), x₂ at (0, 1)), (s, t) ∈ [${s0}, ${s1}] × [${t0}, ${t1}]`,
    r.complete
      ? `${r.regions.length} activation region${r.regions.length === 1 ? '' : 's'}: the exact partition of the box (polygons; ${r.passes} forward passes, ${r.work.toExponential(2)} multiply-adds)`
      : `at least ${r.regions.length} activation regions: the partition stopped (${r.stopped}) with ${(100 * coverage(r)).toFixed(1)}% of the box covered; a smaller --box, a higher --max-regions or budget finishes it`,
    '',
    'note: a region is the set of points with one full pattern (every ReLU unit\'s sign, every max pool\'s winner); each is a convex polygon, found from a point inside by one forward pass with the pattern held fixed, and the partition grows across region edges until the box is covered (regions thinner than 1e-9 of the box can be passed over)',
  ];
  for (const n of notes) out.push(n);
  return out.join('\n') + '\n';
}

export function runConvExactRegions(file: string, network: ConvNetwork, images: ImageBatch, io: CliIo, options: { json: boolean; box?: readonly [number, number, number, number]; svg?: string; maxRegions?: number; budget: AnalysisBudget }): CliResult {
  return planeReport(file, io, options, () => convExactRegions(network.net, images, { box: options.box, maxRegions: options.maxRegions, budget: options.budget }, {
    progress: (_f, m) => { if (m) io.progress(`regions: ${m}`); },
    isCancelled: () => false,
  }), { svg: (r) => exactPlaneSvg(r), json: (r) => convExactRegionsJson(file, network, images, r), text: (r, notes) => convExactRegionsText(file, network, images, r, notes) });
}
