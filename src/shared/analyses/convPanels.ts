/**
 * The Convergence and Activations panels on a convolutional ResNet (issue 14): what the worker's
 * `convergence` and `activations` handlers answer when the panel's file is a conv model (an ONNX graph
 * or a torchvision ResNet .pt opened as a checkpoint). Each reply carries `kind: 'conv'`, so the
 * webviews tell it from the dense result by that field alone (ConvergenceResult's `kind` is
 * 'dense' | 'residual' | 'mixed' | 'none'; ActivationsResult's is absent or 'dense').
 */
import type { ActivationsResult } from './activations';
import type { AnalysisBudget } from './budget';
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

/**
 * The plane through three images of the panel's seed (src/core/conv/plane.ts): x₀ is image 1 (the
 * panel's input image), x₁ and x₂ two more of the same seed — `depth-lens regions --seed N` uses
 * images 1, 2, 3.
 */
export interface ConvRegionsParams {
  readonly image?: ConvImagesParams;
  /** 1-based indices of the seed's images for x₁ and x₂: distinct, in 2..CONV_PLANE_IMAGES (default [2, 3]) */
  readonly others?: readonly [number, number];
  /** points per side of the grid on [0, 1]² (default CONV_PANEL_GRID, at most CONV_PANEL_MAX_GRID) */
  readonly grid?: number;
  /** [smin, smax, tmin, tmax] of (s, t) (default [0, 1, 0, 1]; the CLI's --box): a small box near (0, 0) zooms in on x₀ */
  readonly box?: readonly [number, number, number, number];
  readonly budget?: AnalysisBudget;
}

/** The images a plane or an angle may go through: 1..8 of the seed (the Convergence panel's probes are 1..4). */
export const CONV_PLANE_IMAGES = 8;
/** The panel's default grid: 24×24 = 576 forward passes (ResNet-18 at 3×32×32: about 3·10¹⁰ multiply-adds). */
export const CONV_PANEL_GRID = 24;
/** The largest grid the panel asks for (the CLI's --grid goes to 1024). */
export const CONV_PANEL_MAX_GRID = 256;

/** A site of the plane: its own distinct patterns and those of the sites up to it. */
export interface ConvRegionsSite {
  readonly site: string;
  readonly kind: 'relu' | 'maxpool';
  readonly shape: readonly number[];
  readonly units: number;
  readonly distinct: number;
  readonly prefix: number;
}

/** Streamed while the grid is computed (every ~250 ms): the points done so far, in id order. */
export interface ConvRegionsPartial {
  readonly grid: number;
  /** points with their final pattern id, ids[0, done) */
  readonly done: number;
  /** pattern id of point (s_i, t_j) at j·grid + i, for the first `done` points */
  readonly ids: Int32Array;
  /** per pattern id met so far: the FNV-1a hash of its packed pattern (the colour) */
  readonly hashes: Uint32Array;
  /**
   * per site k (forward order): the same for the patterns of sites 1..k only — the map at site-prefix
   * depth k (the last site's equal ids and hashes)
   */
  readonly siteIds: readonly Int32Array[];
  readonly siteHashes: readonly Uint32Array[];
}

/** The plane through three seeded images that a conv regions reply is about. */
export interface ConvPlaneHeader {
  readonly kind: 'conv';
  readonly seed: number;
  readonly inputShape: readonly [number, number, number];
  /** the three images' names (x₀, x₁, x₂) and their 1-based indices in the seed */
  readonly images: readonly [string, string, string];
  readonly indices: readonly [number, number, number];
  /** [smin, smax, tmin, tmax] */
  readonly box: readonly [number, number, number, number];
}

/** `convRegions`: distinct activation patterns on the grid (every ReLU site and max pool's winners). */
export interface ConvRegionsReply extends ConvRegionsPartial, ConvPlaneHeader {
  /** distinct full patterns: a lower bound on the regions the plane meets */
  readonly patterns: number;
  readonly sites: readonly ConvRegionsSite[];
  /** per pattern id: grid points with it */
  readonly counts: readonly number[];
}

/** `convExactRegions`: the exact partition of the plane's box into activation regions, where affordable. */
export interface ConvExactRegionsParams {
  readonly image?: ConvImagesParams;
  /** as ConvRegionsParams.others */
  readonly others?: readonly [number, number];
  /** [smin, smax, tmin, tmax] (default [0, 1, 0, 1]; the CLI's --box) */
  readonly box?: readonly [number, number, number, number];
  /** stop after this many regions (default CONV_PANEL_EXACT_MAX_REGIONS; the CLI's --max-regions) */
  readonly maxRegions?: number;
  readonly budget?: AnalysisBudget;
}

/** The panel's cap on exact regions (drawn as polygons; the CLI's default is 2000). */
export const CONV_PANEL_EXACT_MAX_REGIONS = 5000;

/** The core's ConvExactRegionsResult (src/core/conv/exactRegions.ts) for images 1, a, b of the seed. */
export interface ConvExactRegionsReply extends ConvPlaneHeader {
  /** the regions: polygons in (s, t), counter-clockwise, with their pattern's hash (the grid's colour) */
  readonly polygons: ReadonlyArray<{ readonly vertices: Float64Array; readonly hash: number; readonly area: number; readonly centroid: readonly [number, number] }>;
  /** false when the cap or the budget stopped the partition (`stopped` says which) */
  readonly complete: boolean;
  readonly stopped?: string;
  /** the share of the box the regions cover */
  readonly coverage: number;
  readonly passes: number;
  readonly work: number;
}

/** `convAffine`: the affine map on image 1's activation region, applied to the directions toward other images. */
export interface ConvAffineParams {
  readonly image?: ConvImagesParams;
  /** 1-based indices of the seed's images the directions go toward (x_k − x₁), in 2..CONV_PLANE_IMAGES (default [2, 3]) */
  readonly toward?: readonly number[];
  readonly budget?: AnalysisBudget;
}

/** The core's ConvAffineMap (src/core/conv/affineMap.ts): N(y) = J y + c on the region of image 1. */
export interface ConvAffineReply {
  readonly kind: 'conv';
  readonly seed: number;
  readonly image: string;
  readonly output: Float64Array;
  readonly offset: Float64Array;
  readonly directions: ReadonlyArray<{
    readonly name: string;
    readonly norm: number;
    readonly jvp: Float64Array;
    /** x₁ + t·v stays in the region for tMin ≤ t ≤ tMax (null: unbounded that way) */
    readonly tMin: number | null;
    readonly tMax: number | null;
    readonly boundMin?: string;
    readonly boundMax?: string;
  }>;
}

/** The angle between image 1 (the panel's input image) and another image of the seed, through the net. */
export interface ConvAnglesParams {
  readonly image?: ConvImagesParams;
  /** 1-based index of the second image in 2..CONV_PLANE_IMAGES (default 2: `depth-lens degeneracy --seed N`) */
  readonly other?: number;
  readonly budget?: AnalysisBudget;
}

/** `convAngles`: the core's ConvAnglesResult (src/core/conv/degeneracy.ts) for the two images. */
export interface ConvAnglesReply {
  readonly kind: 'conv';
  readonly seed: number;
  readonly inputShape: readonly [number, number, number];
  readonly images: readonly [string, string];
  readonly indices: readonly [number, number];
  readonly theta0: number;
  readonly sites: ReadonlyArray<{
    readonly site: string;
    readonly kind: 'input' | 'relu' | 'maxpool' | 'output';
    readonly shape: readonly number[];
    readonly width: number;
    /** ReLU sites traversed up to and including this one */
    readonly layer: number;
    /** measured (radians); null where an image's activations are all zero */
    readonly theta: number | null;
    /** the infinite-width map iterated `layer` times from θ⁰ */
    readonly predicted: number;
  }>;
  readonly notes: readonly string[];
}
