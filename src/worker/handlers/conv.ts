/**
 * The `convergence` and `activations` handlers on a convolutional model (issue 14): the panel's file is
 * a checkpoint whose architecture is a conv ResNet (ONNX graph, torchvision .pt). The core does the
 * work (src/core/conv/convergence.ts, activations.ts) exactly as `depth-lens convergence|activations`
 * does; here the params are checked, the budget is checked from the shapes before any norm or forward
 * pass, progress is reported per conv and per layer of the forward pass (cancellation is honoured
 * between them), and the reply is shaped for the panels (kind: 'conv').
 */
import type { AnalysisContext } from '../../core/context';
import { analyzeConvActivations, type ConvActivationsResult } from '../../core/conv/activations';
import { analyzeConvConvergence, checkConvConvergenceBudget } from '../../core/conv/convergence';
import { convActivationsCost, convPlaneCost } from '../../core/conv/cost';
import { convProbeAngles } from '../../core/conv/degeneracy';
import { convPlanePatterns } from '../../core/conv/plane';
import { convExactRegions as coreExactRegions } from '../../core/conv/exactRegions';
import { convAffineMap } from '../../core/conv/affineMap';
import { polygonArea, polygonCentroid } from '../../core/regions/partition';
import { DEFAULT_IMAGE_SEED, seededImages } from '../../core/conv/images';
import type { ConvNetwork } from '../../core/conv/network';
import { identityRuns, NonFiniteActivationError } from '../../core/conv/resnet';
import { allocationFailure, BudgetError, checkBudget, DEFAULT_BUDGET, type AnalysisBudget } from '../../core/network/budget';
import type { ActivationsParams } from '../../shared/analyses/activations';
import type { ConvergenceParams } from '../../shared/analyses/convergence';
import {
  CONV_DEFAULT_PROBES, CONV_MAX_PROBES, CONV_PANEL_EXACT_MAX_REGIONS, CONV_PANEL_GRID, CONV_PANEL_MAX_GRID, CONV_PLANE_IMAGES,
  type ConvActivationsReply, type ConvAffineParams, type ConvAffineReply, type ConvAnglesParams, type ConvAnglesReply, type ConvConvergenceReply, type ConvExactRegionsParams,
  type ConvExactRegionsReply, type ConvImagesParams, type ConvRegionsParams, type ConvRegionsPartial, type ConvRegionsReply, type ConvSiteReply,
} from '../../shared/analyses/convPanels';
import type { AnalysisSettings } from '../../shared/protocol';
import type { ParsedDocument } from '../documents';
import { BadParamsError, InvalidDocumentError } from './common';

/**
 * The document's conv network when it is a conv checkpoint; undefined for network files and dense
 * checkpoints (the dense handlers take those). A conv model that cannot be built is an invalid document.
 */
export function convNetworkOf(doc: ParsedDocument | undefined): ConvNetwork | undefined {
  const conv = doc?.conv;
  if (!conv) return undefined;
  if (conv.network) return conv.network;
  const errors = conv.diagnostics.filter((d) => d.severity === 'error');
  throw new InvalidDocumentError(`The convolutional model cannot be read: ${errors.map((d) => d.message).join('; ') || 'no network was built'}`);
}

function seedOf(images: ConvImagesParams | undefined): number {
  const seed = images?.seed ?? DEFAULT_IMAGE_SEED;
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) throw new BadParamsError(`images.seed must be an integer in 0..4294967295, got ${String(seed)}`);
  return seed;
}

/** Dense-only params given for a conv model: a bad-params error naming the first. */
function refuseDense(params: object, names: ReadonlyArray<readonly [string, string]>): void {
  const given = new Map(Object.entries(params)); // names are data (test/unit/names-are-data.test.ts)
  for (const [name, why] of names) {
    if (given.get(name) !== undefined) throw new BadParamsError(`${name} does not apply to convolutional models (${why})`);
  }
}

/** The core's errors as the panel shows them: the budget, a failed allocation, a value beyond float64. */
function mapped(e: unknown, what: string): unknown {
  const m = allocationFailure(e, what);
  if (m instanceof BudgetError) return new BadParamsError(m.message, { cause: e });
  if (e instanceof NonFiniteActivationError) return new BadParamsError(`the forward pass leaves float64: ${e.message}; nothing is computed from it`, { cause: e });
  return m;
}

/** Progress of a forward pass (the core reports k/ops without words) rescaled into [from, 1] and named. */
function forwardContext(ctx: AnalysisContext, ops: number, from: number, what: string): AnalysisContext {
  return {
    isCancelled: () => ctx.isCancelled(),
    progress: (f, message) => {
      if (message !== undefined) ctx.progress(f, message);
      else ctx.progress(from + (1 - from) * f, `${what}: layer ${Math.min(ops, Math.round(f * ops) + 1)} of ${ops}`);
    },
  };
}

export function convConvergence(network: ConvNetwork, params: ConvergenceParams, settings: AnalysisSettings, ctx: AnalysisContext): ConvConvergenceReply {
  refuseDense(params, [
    ['probes', 'probes are images: images.seed and images.count'],
    ['run', 'every run of identity-shortcut blocks is reported'],
    ['tailFrom', 'no tail fit on a few blocks per stage'],
    ['minFitPoints', 'no tail fit on a few blocks per stage'],
    ['necessaryThreshold', 'no necessary condition for residual blocks'],
    ['recordedDepthCount', 'increments are reported per block'],
  ]);
  if (params.norm !== undefined && params.norm !== '2') throw new BadParamsError(`norm ${params.norm}: convolutional models use the operator 2-norm (Lanczos on the conv as an operator)`);
  const seed = seedOf(params.images);
  const count = params.images?.count ?? CONV_DEFAULT_PROBES;
  if (!(Number.isInteger(count) && count >= 1 && count <= CONV_MAX_PROBES)) throw new BadParamsError(`images.count must be an integer in 1..${CONV_MAX_PROBES}, got ${String(count)}`);
  const net = network.net;
  const budget = params.budget ?? settings.budget;
  // the norms are the convs' Lanczos runs and the forward pass comes after them: the core reports each
  // conv by name; the forward pass gets its own words in the last 1/(convs + 1) of the bar
  const convs = identityRuns(net).reduce((s, r) => s + r.blocks.reduce((t, b) => t + b.branch.length, 0), 0);
  const forwardFrom = convs / (convs + 1);
  let inForward = false;
  const staged: AnalysisContext = {
    isCancelled: () => ctx.isCancelled(),
    progress: (f, message) => {
      if (message?.startsWith('convergence: forward pass')) inForward = true;
      if (!inForward || message !== undefined) ctx.progress(f, message);
      else forwardContext(ctx, net.ops.length, forwardFrom, `convergence: forward pass of ${count} probe${count === 1 ? '' : 's'}`).progress(f);
    },
  };
  try {
    // before any image, norm or forward pass: the shapes say what it costs
    checkConvConvergenceBudget(net, count, budget);
    const images = seededImages(seed, count, net.inputShape);
    const r = analyzeConvConvergence(net, { images, budget }, staged);
    return { kind: 'conv', ...r, ...(network.name !== undefined ? { networkName: network.name } : {}), seed };
  } catch (e) {
    throw mapped(e, 'convergence');
  }
}

function siteReply(s: ConvActivationsResult['sites'][number]): ConvSiteReply {
  return {
    site: s.site, kind: s.kind, shape: s.shape, layer: s.op + 1, units: s.units, active: s.active[0], fraction: s.fraction[0],
    channelFraction: s.channelFraction[0], deadChannels: s.deadChannels[0], pattern: s.pattern ?? new Uint8Array(0),
  };
}

export function convActivations(network: ConvNetwork, params: ActivationsParams, settings: AnalysisSettings, ctx: AnalysisContext): ConvActivationsReply {
  refuseDense(params, [
    ['input', 'inputs are images: image.seed'],
    ['probe', 'inputs are images: image.seed'],
    ['halfSpaces', 'the domain of an image is bounded by 10⁵ half-spaces in 3072 dimensions'],
  ]);
  if (params.image?.count !== undefined && params.image.count !== 1) throw new BadParamsError(`image.count must be 1 (the panel shows one image), got ${String(params.image.count)}`);
  const seed = seedOf(params.image);
  const net = network.net;
  try {
    checkBudget('activations', convActivationsCost(net, 1), settings.budget);
    const images = seededImages(seed, 1, net.inputShape);
    const r = analyzeConvActivations(net, images, { patterns: true, budget: settings.budget }, forwardContext(ctx, net.ops.length, 0, 'activations: forward pass'));
    return {
      kind: 'conv', ...(network.name !== undefined ? { networkName: network.name } : {}),
      inputShape: net.inputShape, seed, image: images.names[0], input: images.data,
      output: r.output, outputShape: r.outputShape, sites: r.sites.map(siteReply),
    };
  } catch (e) {
    throw mapped(e, 'activations');
  }
}

/** A partial region map at most this often (ms): the first one after the first batch of points. */
const REGIONS_PARTIAL_MS = 250;

/** A 1-based image index of the seed besides image 1 (the panel's input image). */
function otherIndex(value: unknown, what: string): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 2 && value <= CONV_PLANE_IMAGES)) {
    throw new BadParamsError(`${what} must be an integer in 2..${CONV_PLANE_IMAGES} (image 1 is the panel's input image), got ${String(value)}`);
  }
  return value;
}

/** `count` images of the seed picked by 1-based index (image k is numbers (k − 1)·CHW … of the seed's stream). */
function pickImages(seed: number, indices: readonly number[], shape: readonly [number, number, number]) {
  const all = seededImages(seed, Math.max(...indices), shape);
  const per = shape[0] * shape[1] * shape[2];
  const data = new Float64Array(indices.length * per);
  indices.forEach((k, i) => data.set(all.data.subarray((k - 1) * per, k * per), i * per));
  return { count: indices.length, shape: all.shape, data, names: indices.map((k) => all.names[k - 1]) };
}

/** The largest grid side whose cost fits the budget (0 when not even one point does). */
export function largestPlaneGrid(net: ConvNetwork['net'], budget: AnalysisBudget, max = CONV_PANEL_MAX_GRID): number {
  let lo = 0, hi = max;
  const fits = (g: number) => { try { checkBudget('regions', convPlaneCost(net, g), budget); return true; } catch { return false; } };
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/** The plane both region analyses go through: the seed, images a and b (x₁, x₂) beside image 1, and the (s, t) box. */
function planeParams(params: { readonly image?: ConvImagesParams; readonly others?: readonly [number, number]; readonly box?: readonly [number, number, number, number] }) {
  const seed = seedOf(params.image);
  const others = params.others ?? [2, 3];
  if (!Array.isArray(others) || others.length !== 2) throw new BadParamsError('others must be two image indices [x₁, x₂]');
  const a = otherIndex(others[0], 'others[0] (x₁)'), b = otherIndex(others[1], 'others[1] (x₂)');
  if (a === b) throw new BadParamsError(`x₁ and x₂ are both image ${a}: the plane needs three different images; choose another image for x₂`);
  const box = params.box ?? [0, 1, 0, 1];
  if (!(Array.isArray(box) && box.length === 4 && box.every((x) => typeof x === 'number' && Number.isFinite(x)) && box[0] < box[1] && box[2] < box[3])) {
    throw new BadParamsError(`box must be [smin, smax, tmin, tmax] with finite smin < smax and tmin < tmax, got ${JSON.stringify(box)}`);
  }
  return { seed, a, b, box: box as readonly [number, number, number, number] };
}

/**
 * Distinct activation patterns on a grid of the plane through images 1, a, b of the seed — the core's
 * convPlanePatterns, as `depth-lens regions --seed N --grid G` computes them for images 1, 2, 3. The
 * points done so far are streamed (`partial`, a ConvRegionsPartial) so the panel draws the map as it
 * fills; cancellation is honoured between batches of 64 points.
 */
export function convRegions(network: ConvNetwork, params: ConvRegionsParams, settings: AnalysisSettings, ctx: AnalysisContext,
  partial: (value: ConvRegionsPartial, fraction: number, message?: string) => void, partialMs = REGIONS_PARTIAL_MS): ConvRegionsReply {
  const { seed, a, b, box } = planeParams(params);
  const grid = params.grid ?? CONV_PANEL_GRID;
  if (!(Number.isInteger(grid) && grid >= 2 && grid <= CONV_PANEL_MAX_GRID)) {
    throw new BadParamsError(`the grid must be an integer in 2..${CONV_PANEL_MAX_GRID} points per side, got ${String(grid)}; the CLI's \`depth-lens regions --grid N\` goes to 1024`);
  }
  const net = network.net;
  const budget = params.budget ?? settings.budget ?? DEFAULT_BUDGET;
  const points = grid * grid;
  let last = 0;
  try {
    checkBudget('regions', convPlaneCost(net, grid), budget);
  } catch (e) {
    if (!(e instanceof BudgetError)) throw e;
    const fits = largestPlaneGrid(net, budget);
    const hint = fits >= 2 ? `; or a grid of at most ${fits}×${fits} fits this budget` : '';
    throw new BudgetError(e.resource, e.needed, e.budget, `${e.message}${hint}`, e.limits);
  }
  try {
    const images = pickImages(seed, [1, a, b], net.inputShape);
    const r = convPlanePatterns(net, images, {
      grid, box, budget, prefixes: true,
      onChunk: (done, ids, hashes, prefix) => {
        const now = Date.now();
        if (done === points || now - last < partialMs) return;
        last = now;
        partial({
          grid, done, ids: ids.slice(0, done), hashes: Uint32Array.from(hashes),
          siteIds: (prefix?.ids ?? []).map((p) => p.slice(0, done)), siteHashes: (prefix?.hashes ?? []).map((h) => Uint32Array.from(h)),
        }, done / points, `regions: ${done} of ${points} points, ${hashes.length} pattern${hashes.length === 1 ? '' : 's'} so far`);
      },
    }, ctx);
    return {
      kind: 'conv', seed, inputShape: r.inputShape, images: r.images, indices: [1, a, b], box: r.box, grid: r.grid, done: points,
      patterns: r.patterns, sites: r.sites.map((s) => ({ site: s.site, kind: s.kind, shape: s.shape, units: s.units, distinct: s.distinct, prefix: s.prefix })),
      ids: r.ids, hashes: Uint32Array.from(r.hashes), counts: r.counts,
      siteIds: r.prefixIds ?? [], siteHashes: (r.prefixHashes ?? []).map((h) => Uint32Array.from(h)),
    };
  } catch (e) {
    if (e instanceof BudgetError) throw e; // carries its numbers: the panel offers a higher budget
    throw mapped(e, 'regions');
  }
}

/**
 * The exact partition of the plane through images 1, a, b of the seed into activation regions — the
 * core's convExactRegions, as `depth-lens regions --exact --seed N` computes it for images 1, 2, 3 —
 * up to `maxRegions` and the budget (then `complete: false`, with what covered how much).
 */
export function convExactRegions(network: ConvNetwork, params: ConvExactRegionsParams, settings: AnalysisSettings, ctx: AnalysisContext): ConvExactRegionsReply {
  const { seed, a, b, box } = planeParams(params);
  const maxRegions = params.maxRegions ?? CONV_PANEL_EXACT_MAX_REGIONS;
  if (!(Number.isInteger(maxRegions) && maxRegions >= 1 && maxRegions <= 100_000)) throw new BadParamsError(`maxRegions must be an integer in 1..100000, got ${String(maxRegions)}`);
  const net = network.net;
  const budget = params.budget ?? settings.budget ?? DEFAULT_BUDGET;
  try {
    const images = pickImages(seed, [1, a, b], net.inputShape);
    const r = coreExactRegions(net, images, { box, maxRegions, budget }, ctx);
    let area = 0;
    const polygons = r.regions.map((g) => {
      const vertices = Float64Array.from(g.vertices);
      const size = polygonArea(vertices);
      area += size;
      return { vertices, hash: g.hash, area: size, centroid: polygonCentroid(vertices) };
    });
    return {
      kind: 'conv', seed, inputShape: net.inputShape as [number, number, number], images: [images.names[0], images.names[1], images.names[2]], indices: [1, a, b],
      box: r.box, polygons, complete: r.complete, ...(r.stopped ? { stopped: r.stopped } : {}), coverage: area / ((box[1] - box[0]) * (box[3] - box[2])), passes: r.passes, work: r.work,
    };
  } catch (e) {
    throw mapped(e, 'regions');
  }
}

/**
 * The affine map on the region of image 1 of the seed, applied to the directions toward images
 * `toward` (the core's convAffineMap, as `depth-lens activations --affine --seed N` for images 2, 3).
 */
export function convAffine(network: ConvNetwork, params: ConvAffineParams, settings: AnalysisSettings): ConvAffineReply {
  const seed = seedOf(params.image);
  const toward = params.toward ?? [2, 3];
  if (!Array.isArray(toward) || toward.length < 1 || toward.length > CONV_PLANE_IMAGES - 1) throw new BadParamsError(`toward must list 1..${CONV_PLANE_IMAGES - 1} image indices`);
  const indices = toward.map((k, i) => otherIndex(k, `toward[${i}]`));
  const net = network.net;
  const budget = params.budget ?? settings.budget ?? DEFAULT_BUDGET;
  try {
    const images = pickImages(seed, [1, ...indices], net.inputShape);
    const per = images.data.length / images.count;
    const x = images.data.slice(0, per);
    const directions = indices.map((_, i) => ({ name: `toward ${images.names[i + 1]}`, vector: images.data.slice((i + 1) * per, (i + 2) * per).map((v, j) => v - x[j]) }));
    const a = convAffineMap(net, { count: 1, shape: images.shape, data: x, names: [images.names[0]] }, directions, budget);
    return {
      kind: 'conv', seed, image: a.image, output: a.output, offset: a.offset,
      directions: a.directions.map((d) => ({ ...d, tMin: Number.isFinite(d.tMin) ? d.tMin : null, tMax: Number.isFinite(d.tMax) ? d.tMax : null })),
    };
  } catch (e) {
    if (e instanceof BudgetError) throw e;
    throw mapped(e, 'the affine map');
  }
}

/** The angle between images 1 and `other` of the seed through the net beside the prediction (the core's convProbeAngles). */
export function convAngles(network: ConvNetwork, params: ConvAnglesParams, settings: AnalysisSettings, ctx: AnalysisContext): ConvAnglesReply {
  const seed = seedOf(params.image);
  const other = otherIndex(params.other ?? 2, 'other');
  const net = network.net;
  try {
    const images = pickImages(seed, [1, other], net.inputShape);
    const r = convProbeAngles(net, images, { budget: params.budget ?? settings.budget }, forwardContext(ctx, net.ops.length, 0, 'degeneracy: forward pass of 2 images'));
    return {
      kind: 'conv', seed, inputShape: r.inputShape, images: r.images, indices: [1, other], theta0: r.theta0,
      sites: r.sites.map((s) => ({ site: s.site, kind: s.kind, shape: s.shape, width: s.width, layer: s.layer, theta: s.theta, predicted: s.predicted })),
      notes: r.notes,
    };
  } catch (e) {
    if (e instanceof BudgetError) throw e;
    throw mapped(e, 'degeneracy');
  }
}
