/**
 * Params/results of the depth-degeneracy analyses (MATH.md §C): the angle between two inputs through
 * random ReLU networks, the mixed moments J_{a,b}, and the measured angle between two probes of an
 * explicit network. Plain objects, number arrays and Float64Arrays only (structured-clone friendly;
 * `toJson` turns the typed arrays into arrays). Unavailable numbers are `null`, never NaN.
 * Layer ℓ = 0 is the input; X = ln sin²θ is the plotted quantity.
 */
import type { AnalysisBudget } from './budget';

export type DegeneracyMode = 'chain' | 'network';

/**
 * Which width the theory uses for the step from layer ℓ−1 into layer ℓ:
 * - 'measured' (default): n_ℓ, the width of the layer where the new angle is measured — the number of
 *   iid pairs that actually decide θ^ℓ (exact for the Markov chain);
 * - 'input': n_{ℓ−1}, the input width of the step (the authors' labelling μ(θ^ℓ, n_ℓ)).
 * Identical when all widths are equal. The simulations always use the true widths.
 */
export type WidthConvention = 'measured' | 'input';

export interface DensityGridParams {
  /** default: min(−15, Approximation 1 at the last layer − 10 sd of the accumulated noise) */
  readonly xMin?: number;
  /** default 0 */
  readonly xMax?: number;
  /**
   * grid nodes (the authors use 10 000 on [−15, 0]); default 3001, more for very wide layers (up to
   * 20 001, so the step is at most the per-layer noise β), fewer for very deep networks (memory)
   */
  readonly points?: number;
}

export interface DegeneracyParams {
  /** [n₀, n₁, …, n_L]: input width then the width of every layer; all ≥ 2 */
  readonly widths: readonly number[];
  /** input angle θ⁰ in radians, in (0, π] */
  readonly theta0: number;
  /** Monte Carlo trials; 0 skips the simulation (default 2000) */
  readonly trials?: number;
  /** integer in 0..2³² − 1 (the generator's seed is 32-bit); default 1 */
  readonly seed?: number;
  /** default 'chain' */
  readonly mode?: DegeneracyMode;
  /** default 'measured' */
  readonly widthConvention?: WidthConvention;
  readonly grid?: DensityGridParams;
  /** layers to KS-test against the predicted density (default: every layer 1..L) */
  readonly ksLayers?: readonly number[];
  /** histogram bins per layer (default 40) */
  readonly histogramBins?: number;
  /** nodes of the down-sampled predicted density sent for plotting (default 400) */
  readonly plotPoints?: number;
}

export interface MonteCarloStats {
  /** mean and sd (n − 1) of the finite samples; null when none is finite */
  readonly mean: number | null;
  readonly sd: number | null;
  /** standard error of the mean */
  readonly se: number | null;
  /** finite samples */
  readonly count: number;
  /**
   * trials whose angle reached 0 (ln sin² = −∞; absorbing): both inputs on one active neuron, or an
   * angle below what the mode resolves (the chain: sin θ < 2⁻¹⁰⁰⁰; full networks: sin²θ ≤ 2⁻¹⁰⁰)
   */
  readonly collapsed: number;
  /** trials where a post-activation vector became all zero (angle undefined) */
  readonly dead: number;
}

export interface DegeneracyLayerRow {
  readonly layer: number;
  /** n_ℓ (layer 0: the input width) */
  readonly width: number;
  /** width the theory used for the step into this layer (null at layer 0) */
  readonly stepWidth: number | null;
  /** deterministic infinite-width recursion cos θ^{ℓ+1} = 2J11(θ^ℓ) */
  readonly infiniteWidth: { readonly theta: number; readonly lnSin2: number };
  /** Theorem 1 iterated deterministically: X_{ℓ+1} = μ(θ(X_ℓ), n) */
  readonly theoremIterate: number;
  /** Approximation 1: X_{ℓ+1} = X_ℓ − (2/(3π))θ^ℓ − ρ(n) */
  readonly approx1: number;
  /** mean and sd of the propagated density (Approximation 2); mass = its integral on the grid */
  readonly predicted: { readonly mean: number; readonly sd: number; readonly mass: number };
  /** Monte Carlo over the trials (null when trials = 0) */
  readonly mc: MonteCarloStats | null;
}

export interface DegeneracyKsRow {
  readonly layer: number;
  readonly statistic: number | null;
  /** asymptotic Kolmogorov p-value */
  readonly pValue: number | null;
  readonly samples: number;
  /** why statistic and pValue are null (no finite predicted CDF, a point mass, no samples); else null */
  readonly reason: string | null;
}

/** Histogram of the finite samples of one layer, normalised as a density (integrates to count/trials). */
export interface DegeneracyHistogram {
  readonly layer: number;
  /** bins + 1 edges */
  readonly edges: Float64Array;
  /** per bin: count / (trials · bin width), directly comparable with the predicted density */
  readonly density: Float64Array;
  readonly counts: Float64Array;
}

export interface DegeneracyResult {
  readonly widths: readonly number[];
  readonly theta0: number;
  readonly trials: number;
  readonly seed: number;
  readonly mode: DegeneracyMode;
  readonly widthConvention: WidthConvention;
  /** layers 0..L */
  readonly layers: readonly DegeneracyLayerRow[];
  readonly ks: readonly DegeneracyKsRow[];
  /** layers 1..L (empty when trials = 0) */
  readonly histograms: readonly DegeneracyHistogram[];
  /** predicted density, down-sampled for plotting: values[ℓ·x.length + i] at x[i] (row 0 is zero) */
  readonly density: {
    readonly grid: { readonly xMin: number; readonly xMax: number; readonly points: number };
    readonly x: Float64Array;
    readonly values: Float64Array;
  };
  /** human-readable caveats (grid mass lost, collapsed trials, …) */
  readonly notes: readonly string[];
}

export interface MomentsParams {
  /** largest a and b (1..40; default 8) */
  readonly max?: number;
  /** angle at which J is evaluated, in [0, π] (default π/2) */
  readonly theta?: number;
}

export interface MomentEntry {
  readonly a: number;
  readonly b: number;
  /**
   * J_{a,b}(θ) = E[σ(G)^a σ(Ĝ)^b] to full relative precision: from the exact form for θ ≤ π/2, above
   * it from the (positive) wedge integral, since the forms cancel catastrophically near π
   */
  readonly J: number;
  /** 'even' (a + b even): 2πJ = (π − θ)P(cos θ) + sin θ·Q(cos θ); 'odd': √(2π)J = R(cos θ) */
  readonly parity: 'even' | 'odd';
  /** coefficient lists, lowest degree in cos θ first (empty = zero polynomial) */
  readonly P: readonly number[];
  readonly Q: readonly number[];
  readonly R: readonly number[];
}

export interface MomentsResult {
  readonly max: number;
  readonly theta: number;
  /** a, b = 1..max, row by row */
  readonly entries: readonly MomentEntry[];
  /** rows n = 0..max of T(n, k) = C(n, 2k)(2k − 1)!! */
  readonly bessel: readonly (readonly number[])[];
  /**
   * true when every P, Q, R coefficient and Bessel number is exactly a double (up to max 16); from 17 on
   * some are past 2⁵³ and are the nearest doubles to the exact integers (computed exactly, then rounded)
   */
  readonly coefficientsExact: boolean;
}

export interface ProbeAngleParams {
  /** probe names or 0-based indices into input.probes (default: the first two) */
  readonly probeA?: string | number;
  readonly probeB?: string | number;
  readonly widthConvention?: WidthConvention;
  readonly grid?: DensityGridParams;
  /** refuse before any work when the cost estimated from the shapes is above it (default: DEFAULT_BUDGET) */
  readonly budget?: AnalysisBudget;
}

/** What a random He-initialised bias-free ReLU network of the same widths predicts at one layer. */
export interface DegeneracyPrediction {
  readonly infiniteWidth: { readonly theta: number; readonly lnSin2: number };
  readonly theoremIterate: number;
  readonly approx1: number;
  readonly predicted: { readonly mean: number; readonly sd: number; readonly mass: number };
}

export interface ProbeAngleLayerRow {
  readonly layer: number;
  readonly width: number;
  /** measured angle between the two probes' post-activations (null when a vector is zero) */
  readonly theta: number | null;
  /**
   * ln sin²θ; −∞ when the vectors are parallel to float64 resolution — JSON has no −∞, so there it is
   * null with theta 0 beside it (a zero vector has theta null as well)
   */
  readonly lnSin2: number | null;
  /** the random-network prediction for the same widths (null from the first layer narrower than 2 on) */
  readonly prediction: DegeneracyPrediction | null;
}

export interface ProbeAngleResult {
  readonly probes: readonly [string, string];
  readonly theta0: number;
  readonly widths: readonly number[];
  readonly layers: readonly ProbeAngleLayerRow[];
  readonly notes: readonly string[];
}
