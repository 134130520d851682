/**
 * The Convergence and Activations panels on a convolutional ResNet (issue 14): what the worker's
 * `convergence` and `activations` handlers answer when the panel's file is a conv model (an ONNX graph
 * or a torchvision ResNet .pt opened as a checkpoint). Each reply carries `kind: 'conv'`, so the
 * webviews tell it from the dense result by that field alone (ConvergenceResult's `kind` is
 * 'dense' | 'residual' | 'mixed' | 'none'; ActivationsResult's is absent or 'dense').
 */
import type { ActivationsResult } from './activations';
import type { ConvergenceResult } from './convergence';
import type { ConvConvergenceResult } from './convConvergence';

/** Seeded probe images, uniform on [−1, 1) (src/core/conv/images.ts; the CLI's --seed/--count). */
export interface ConvImagesParams {
  /** integer in 0..2³²−1 (default 0x1A9E7 = 109031, the fixtures' input seed) */
  readonly seed?: number;
  /** how many images (convergence: default 4, at most CONV_MAX_PROBES; activations: always 1) */
  readonly count?: number;
}

/** Probe images a panel request may ask for (a forward pass keeps every op's activations for each). */
export const CONV_MAX_PROBES = 32;
/** The default count of convergence probes (the CLI's CONV_PROBES). */
export const CONV_DEFAULT_PROBES = 4;

/** `convergence` on a conv model: the core's result as the CLI's --json prints it, and the images' seed. */
export interface ConvConvergenceReply extends ConvConvergenceResult {
  readonly kind: 'conv';
  /** the model's name in its file (ONNX graph name), if any */
  readonly networkName?: string;
  readonly seed: number;
}

/** One ReLU or max-pool site at the image (src/core/conv/activations.ts, one image). */
export interface ConvSiteReply {
  readonly site: string;
  readonly kind: 'relu' | 'maxpool';
  /** [C, H, W] (relu: the site's shape; maxpool: its input's), or [n] after flatten */
  readonly shape: readonly number[];
  /** 1-based layer (op) number, as `depth-lens info` numbers it */
  readonly layer: number;
  readonly units: number;
  readonly active: number;
  /** active / units */
  readonly fraction: number;
  /** per channel: active units / H·W */
  readonly channelFraction: readonly number[];
  readonly deadChannels: number;
  /** 1 where active, [C][H][W] row-major */
  readonly pattern: Uint8Array;
}

/** `activations` on a conv model: one seeded image through the net, every site's pattern. */
export interface ConvActivationsReply {
  readonly kind: 'conv';
  readonly networkName?: string;
  readonly inputShape: readonly [number, number, number];
  readonly seed: number;
  /** the image's name ("seed 109031 #1") */
  readonly image: string;
  /** the input image, [C][H][W] */
  readonly input: Float64Array;
  readonly output: Float64Array;
  readonly outputShape: readonly number[];
  /** ReLU and max-pool sites in the order the forward pass meets them */
  readonly sites: readonly ConvSiteReply[];
}

/**
 * The dense result of a request that can only be about a dense network (a *.network.json: CodeLens,
 * tests); a conv reply there is a bug, said so by name.
 */
export function denseConvergence(r: ConvergenceResult | ConvConvergenceReply): ConvergenceResult {
  if (r.kind === 'conv') throw new TypeError('expected the convergence result of a dense network, got a convolutional model\'s');
  return r;
}

export function denseActivations(r: ActivationsResult | ConvActivationsReply): ActivationsResult {
  if (r.kind === 'conv') throw new TypeError('expected the activations result of a dense network, got a convolutional model\'s');
  return r;
}
