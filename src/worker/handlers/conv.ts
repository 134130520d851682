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
import { convActivationsCost } from '../../core/conv/cost';
import { DEFAULT_IMAGE_SEED, seededImages } from '../../core/conv/images';
import type { ConvNetwork } from '../../core/conv/network';
import { identityRuns, NonFiniteActivationError } from '../../core/conv/resnet';
import { allocationFailure, BudgetError, checkBudget } from '../../core/network/budget';
import type { ActivationsParams } from '../../shared/analyses/activations';
import type { ConvergenceParams } from '../../shared/analyses/convergence';
import { CONV_DEFAULT_PROBES, CONV_MAX_PROBES, type ConvActivationsReply, type ConvConvergenceReply, type ConvImagesParams, type ConvSiteReply } from '../../shared/analyses/convPanels';
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
