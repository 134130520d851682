/**
 * Params/results of the activation analyses (MATH.md §A, §B): activation patterns and the explicit
 * affine map at a point, activation-domain half-spaces, exact 2-D slice partitions, 1-D piece
 * counts and batched pattern grids. Everything here is structured-clone friendly (plain objects,
 * numbers, strings, typed arrays; no functions, no class instances) so it crosses the worker and
 * webview boundaries unchanged. Matrices are `DenseMatrix` ({rows, cols, data} row-major).
 *
 * Layer numbers are 1-based, as users count (a residual block counts as one layer).
 */
import type { WireMatrix } from '../protocol';
import type { AnalysisBudget } from './budget';
import type { ConvImagesParams } from './convPanels';

/** {rows, cols, data} row-major — structurally the core's DenseMatrix. */
type DenseMatrix = WireMatrix;

/**
 * One "unit" of the network: a set of neurons that share one pre-activation computation.
 * A dense layer is one unit; a residual block x ↦ σ(x + branch(x)) contributes one unit per branch
 * layer ('branch') and one for σ(x + r) ('outer').
 */
export interface UnitInfo {
  /** 1-based network layer */
  readonly layer: number;
  readonly kind: 'dense' | 'branch' | 'outer';
  /** 1-based index of the layer inside the residual branch (kind 'branch' only) */
  readonly branchLayer?: number;
  readonly width: number;
  /** false for linear units (an affine output layer, the last branch layer): no pattern bits */
  readonly relu: boolean;
  /** e.g. "layer 3", "block 4 · branch 1", "block 4 · out" */
  readonly label: string;
}

/** The state of one unit at one input x. */
export interface UnitActivation extends UnitInfo {
  /** J(x) as 0/1 (1 = pre-activation > 0). Linear units: all 1 (J = I). */
  readonly pattern: Uint8Array;
  /** the pre-activation z = W u + b (outer units: x_{n-1} + r_n) */
  readonly preactivation: Float64Array;
  /** number of 1s in `pattern` */
  readonly active: number;
  /**
   * ReLU neurons with |z_i| ≤ 1e-12·scale_i, where scale_i = max(1, Σ_j |W_ij u_j| + |b_i|)
   * (outer units: max(1, |x_i| + scale of r_i)) — the size of the terms whose rounding decides the
   * sign — and a non-zero normal: a neuron constant on the domain (zero normal) is no face, even at 0.
   */
  readonly onBoundary: number;
}

/** One network layer at x; residual blocks carry their branch units. */
export interface LayerActivation extends UnitActivation {
  /** N_k(x), the layer's output */
  readonly output: Float64Array;
  /** residual blocks: the branch layers, in order */
  readonly branch?: readonly UnitActivation[];
}

/** N(x) = A x + c on an activation domain, checked against the plain forward pass. */
export interface AffineMapResult {
  /** outputDim × inputDim */
  readonly A: DenseMatrix;
  readonly c: Float64Array;
  /** ‖A x + c − forward(x)‖₂ */
  readonly residual: number;
  /**
   * residual / max(‖forward(x)‖₂, ‖A‖_F ‖x‖₂ + ‖c‖₂): relative to the size of the terms whose
   * rounding it measures, so a zero output does not blow it up (0 when the scale vanishes)
   */
  readonly relativeResidual: number;
}

/** N_k(x) = P_k x + q_k on the domain, after layer k (1-based). */
export interface PartialProduct {
  readonly layer: number;
  readonly P: DenseMatrix;
  readonly q: Float64Array;
}

/**
 * The activation domain as half-spaces in input coordinates, one per ReLU neuron of every unit
 * (branch-inner neurons of residual blocks included): sign_h · (normals_h · x + offsets_h) ≥ 0,
 * sign +1 for active neurons, −1 for inactive ones.
 */
export interface HalfSpaces {
  /** count × inputDim */
  readonly normals: DenseMatrix;
  readonly offsets: Float64Array;
  readonly signs: Int8Array;
  /** index into the `units` list of the result */
  readonly unit: Int32Array;
  /** 0-based neuron index inside its unit */
  readonly neuron: Int32Array;
}

export interface ActivationsParams {
  /** the input x (length = input dim); or give `probe` */
  readonly input?: readonly number[] | Float64Array;
  /** name of a probe from the network file */
  readonly probe?: string;
  /** include P_k, q_k after every layer (default true) */
  readonly partialProducts?: boolean;
  /** include the domain's half-spaces (default false; count × inputDim numbers) */
  readonly halfSpaces?: boolean;
  /**
   * deeper networks keep only this many layers in `layers`, `units` and `partials` (evenly spaced, the
   * first and the last included) and describe every layer in `summary`; the panel's pattern view is a
   * sample anyway, and 10⁵ full layers would cost seconds to send and draw (default: every layer)
   */
  readonly maxLayers?: number;
  /** the analysis budget for this run (default: the settings'), e.g. raised from a panel's control */
  readonly budget?: AnalysisBudget;
  /** conv models only: the seed of the input image (the other params are for dense networks) */
  readonly image?: ConvImagesParams;
}

/**
 * Every layer's activity at x in a few numbers (length = layers described): the compact pattern view
 * of a deep network. Streamed while the sweep runs (partial results carry the next slice, `from` on).
 */
export interface ActivationSummary {
  /** layers of the network */
  readonly depth: number;
  /** 1-based layer of the first entry */
  readonly from: number;
  /** active neurons of each layer's own unit (residual blocks: the outer σ(x + r); the branch units are not counted) */
  readonly active: Int32Array;
  /** neurons of each layer's own unit when it is ReLU (0: a linear layer) */
  readonly relu: Int32Array;
}

export interface NearestFace {
  /** index into `units` */
  readonly unit: number;
  readonly neuron: number;
  readonly label: string;
}

/**
 * A value that leaves float64 at x (MATH.md: numbers that overflow are findings, never results). The
 * patterns, the radius and the half-spaces are scale-free and stay exact (the sweep carries a per-layer
 * scale 2^e); the values named here, and every later one, are withheld: NaN in the arrays, never ∞ or
 * a finite number computed from one.
 */
export interface ActivationOverflow {
  /** 1-based layer where a value first leaves float64 */
  readonly layer: number;
  /** which value: the layer's output N_k(x) (or pre-activation), or its affine map (P_k, q_k) */
  readonly quantity: 'output' | 'preactivation' | 'affine map';
  /** log2 of the largest magnitude there (e.g. 3321.9 for 10^1000) */
  readonly log2: number;
  /** one sentence: "N_308(x) overflows float64 at layer 308 (about 10^308): …" */
  readonly message: string;
}

export interface ActivationsResult {
  /** a dense network's result; a conv model's reply has kind 'conv' (ConvActivationsReply) */
  readonly kind?: 'dense';
  readonly input: Float64Array;
  /** N(x); NaN entries when it overflows float64 (see `overflow`) */
  readonly output: Float64Array;
  /** every unit in network order (dense layers, branch layers, outer units) */
  readonly units: readonly UnitInfo[];
  readonly layers: readonly LayerActivation[];
  readonly affine: AffineMapResult;
  readonly partials?: readonly PartialProduct[];
  /**
   * Stability radius: min over ReLU neurons with a non-zero normal of |z_i| / ‖normal_i‖₂. Neurons
   * whose normal is exactly zero have a pre-activation constant on the domain and bound nothing;
   * they are counted in `constantNeurons`. Infinity when no neuron bounds the domain.
   */
  readonly radius: number;
  readonly nearestFace?: NearestFace;
  readonly constantNeurons: number;
  /** total onBoundary over all ReLU units (constant neurons excluded) */
  readonly onBoundary: number;
  readonly halfSpaces?: HalfSpaces;
  /** the first value beyond float64 (absent when every value is a float64 number) */
  readonly overflow?: ActivationOverflow;
  /** every layer's activity (from 1), with `maxLayers` */
  readonly summary?: ActivationSummary;
  /**
   * set when `layers`, `units` and `partials` are a sample of the network's `depth` layers
   * (`maxLayers`); `nearestFace.unit` then indexes the sampled `units`, −1 when its unit is not kept
   */
  readonly sampled?: { readonly depth: number };
}

/** The plane x = origin + s·u + t·v, (s, t) ∈ [smin, smax] × [tmin, tmax]. */
export interface SlicePlane {
  readonly origin: Float64Array;
  readonly u: Float64Array;
  readonly v: Float64Array;
  /** [smin, smax, tmin, tmax] */
  readonly box: readonly [number, number, number, number];
  /**
   * 'input': the 2-D input plane itself; 'probes': through three probes; 'explicit': given o, u, v;
   * 'axes': inputs of dimension ≥ 3 without three probes — x₁ and x₂ vary (s = x₁, t = x₂), the other
   * coordinates stay at the domain centre (else the first probe, else 0)
   */
  readonly source: 'input' | 'probes' | 'explicit' | 'axes';
  /** one sentence saying which plane this is, for the CLI and the panel */
  readonly description: string;
}

export interface RegionsParams {
  /** explicit plane; default: the input plane for 2-D inputs, else the first three probes */
  readonly plane?: { readonly origin: readonly number[]; readonly u: readonly number[]; readonly v: readonly number[] };
  /** names of three probes spanning the plane (origin = first, u = second − first, v = third − first) */
  readonly probes?: readonly [string, string, string];
  /** [smin, smax, tmin, tmax]; default: the input domain box (2-D inputs), [−1,1]² otherwise — for probe planes [−0.25, 1.25]² */
  readonly box?: readonly [number, number, number, number];
  /** include each region's polygon, pattern and affine maps (default true) */
  readonly polygons?: boolean;
  /**
   * keep each region's packed pattern (default: with polygons). Costs `patternWords` 32-bit words
   * per region — the whole network's pattern — so deep networks ask without it; colours and hashes
   * need no patterns.
   */
  readonly patterns?: boolean;
  /** with polygons: also the affine map in input coordinates (default true) */
  readonly inputMaps?: boolean;
  /** stop with a RangeError beyond this many regions (default 200000) */
  readonly maxRegions?: number;
  /** stop with a RangeError when the regions would keep more than this many MB (default 512) */
  readonly memoryBudgetMB?: number;
  /**
   * stop with a RangeError as soon as carrying the regions through the remaining layers is certain
   * to take more steps than this (default 10¹⁰, about two minutes; a step is a multiply-add or a
   * vertex tested against a line, about 10 ns)
   */
  readonly maxSteps?: number;
  /** the analysis budget (default: depthLens.analysis.maxWork / maxMemoryMB defaults), checked before any work */
  readonly budget?: AnalysisBudget;
  /**
   * instead of refusing when maxSteps, maxRegions or the memory budget would be crossed, return the
   * exact partition of the layers before (RegionsResult.depth says how many): a deep network's map
   * of its first layers, in the time the caller allows
   */
  readonly prefix?: boolean;
}

export interface Region {
  readonly id: number;
  /** FNV-1a hash of `pattern` (see core/activation/pattern.ts) */
  readonly hash: number;
  /** stable colour from the hash, CSS "hsl(h s% l%)" */
  readonly color: string;
  /**
   * bit-packed pattern of the ReLU units, each unit starting a new 32-bit word (unit order of
   * `patternUnits`); absent when the partition was asked without patterns
   */
  readonly pattern?: Uint32Array;
  /** polygon in (s, t) coordinates: s0, t0, s1, t1, … counter-clockwise */
  readonly vertices: Float64Array;
  readonly area: number;
  readonly centroid: readonly [number, number];
  /** N(o + s u + t v) = plane.A (s, t)ᵀ + plane.c on this region; A is outputDim × 2 */
  readonly plane: { readonly A: DenseMatrix; readonly c: Float64Array };
  /**
   * N(x) = input.A x + input.c on the region's activation domain (outputDim × inputDim); for inputs
   * of dimension ≠ 2 it is rebuilt from the pattern, so it is absent without patterns
   */
  readonly input?: { readonly A: DenseMatrix; readonly c: Float64Array };
}

export interface RegionsResult {
  readonly plane: SlicePlane;
  /** regions of the whole network in the slice */
  readonly regions: number;
  /** region count after each network layer (length = depth) */
  readonly perDepth: readonly number[];
  /** the ReLU units whose bits make up a region pattern, in order */
  readonly patternUnits: readonly UnitInfo[];
  /** 32-bit words per pattern */
  readonly patternWords: number;
  /**
   * cuts whose smaller piece had no positive computed area (its cut points rounded onto existing
   * vertices: numerically coincident lines) and was merged into the other; 0 in general position.
   * Every piece with a vertex strictly on each side of a line is kept, however small.
   */
  readonly mergedZeroArea: number;
  readonly polygons?: readonly Region[];
  /**
   * the regions' affine maps leave float64 (the partition, computed on a rescaled slice with a
   * per-layer scale, and the count stay exact): the maps are NaN and the input maps absent
   */
  readonly overflow?: { readonly layer: number; readonly message: string };
  /**
   * with `prefix`, when a limit stopped the partition: it is the exact partition of the first `depth`
   * layers (`perDepth` has that many entries; the maps are those of N_depth; no patterns)
   */
  readonly depth?: number;
  /** why it stopped there (the limit and the numbers) */
  readonly stopped?: string;
}

/** Exact count of linear pieces of t ↦ N(from + t (to − from)), t ∈ [0, 1]. */
export interface SegmentParams {
  /** endpoints; for 1-D inputs both may be omitted: the input domain [min, max], else [−1, 1] */
  readonly from?: readonly number[] | Float64Array;
  readonly to?: readonly number[] | Float64Array;
  /** include every piece's interval, pattern hash and affine map (default false) */
  readonly details?: boolean;
  /** stop with a RangeError beyond this many pieces (default 200000) */
  readonly maxPieces?: number;
  /** stop with a RangeError when the pieces would keep more than this many MB (default 512) */
  readonly memoryBudgetMB?: number;
  /** stop with a RangeError as soon as the pieces certainly need more steps (default 10¹⁰, see RegionsParams) */
  readonly maxSteps?: number;
  /** the analysis budget, checked before any work */
  readonly budget?: AnalysisBudget;
}

/** Every piece of a segment: parallel arrays over the pieces, in order along the segment. */
export interface SegmentPieceDetails {
  /** piece k covers t ∈ [t0[k], t1[k]] */
  readonly t0: Float64Array;
  readonly t1: Float64Array;
  /** FNV-1a of the piece's packed pattern (the same hash as a region's or a pixel's) */
  readonly hashes: Uint32Array;
  readonly outputDim: number;
  /** N(from + t (to − from)) = slope·t + offset on piece k: [pieces][outputDim] each */
  readonly slope: Float64Array;
  readonly offset: Float64Array;
}

export interface SegmentResult {
  readonly from: Float64Array;
  readonly to: Float64Array;
  /** 'given' endpoints, or for 1-D inputs the input 'domain' or the 'default' [−1, 1] */
  readonly source: 'given' | 'domain' | 'default';
  /** activation pieces: one per activation pattern met along the segment */
  readonly pieces: number;
  /** linear pieces of the output: adjacent activation pieces with the same affine map (to 1e-9 relative) merged */
  readonly linearPieces: number;
  /** the t ∈ (0, 1) where the activation pattern changes, sorted */
  readonly breakpoints: Float64Array;
  /** pieces after each network layer */
  readonly perDepth: readonly number[];
  readonly details?: SegmentPieceDetails;
}

/** A pixel grid over a slice plane: pattern hashes per pixel (for region-map rendering and checks). */
export interface RegionGridParams {
  readonly plane?: RegionsParams['plane'];
  readonly probes?: RegionsParams['probes'];
  readonly box?: RegionsParams['box'];
  readonly width: number;
  readonly height: number;
}

export interface RegionGridResult {
  readonly plane: SlicePlane;
  readonly width: number;
  readonly height: number;
  /** row-major [height][width], row 0 = tmax (top of the picture); pixel centres sampled */
  readonly hashes: Uint32Array;
  /** number of distinct patterns among the pixels, compared exactly (not by hash) */
  readonly distinct: number;
}
