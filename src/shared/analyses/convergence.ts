/**
 * Params and result of the convergence analysis as depth → ∞ (MATH.md §A for plain deep ReLU
 * networks, §B for ResNets). Produced by `analyzeConvergence` in src/core/convergence; consumed by
 * the CLI (`depth-lens convergence`), the Convergence panel, the CodeLens and the diagnostics.
 *
 * Everything is structured-clone friendly: plain objects, numbers, strings, booleans, null and
 * Float64Array. Non-finite numbers are meaningful (Infinity = "exponent of an all-zero tail",
 * NaN = "not defined for this layer") — the CLI's toJson turns them into strings/null.
 *
 * Indexing conventions (used throughout):
 * - `layer index` i is 0-based (as `network.layer(i)` and `network.groups[g].start`);
 * - `layer number` k = i + 1 is 1-based: N_k(x) is the output after k layers, W_k is layer k.
 *   Power-law fits use k as the abscissa. Depth 0 means the input, N_0(x) = x.
 */
import type { AnalysisBudget } from './budget';
import type { ConvImagesParams } from './convPanels';

export type ConvergenceNorm = '2' | '1' | 'inf' | 'fro';
export type VerdictStatus = 'holds' | 'fails' | 'inconclusive';

/**
 * How much a number may be trusted:
 * - 'rigorous': computed exactly (up to float64 rounding) from the layers present in the file;
 * - 'observed': measured at finitely many probes/layers, no claim beyond them;
 * - 'extrapolated': uses the fitted power law beyond the layers present.
 */
export type Basis = 'rigorous' | 'observed' | 'extrapolated';

export interface ConvergenceParams {
  /** matrix norm for ‖W − I‖ and ‖W‖ (default '2'); vectors use the dual ℓp norm ('fro' → ℓ2) */
  readonly norm?: ConvergenceNorm;
  /** probe inputs; replaces the file's probes (default: file probes, else the domain's corners/centre) */
  readonly probes?: readonly (readonly number[] | Float64Array)[];
  /**
   * which width-preserving run of layers to analyse: 1-based index into `result.runs` (default: the
   * longest run; ties go to the last one)
   */
  readonly run?: number;
  /** first layer number of the tail used for the power-law fits (default: second half of the sequence) */
  readonly tailFrom?: number;
  /** fewest positive points a fit needs before it may decide anything (default 8) */
  readonly minFitPoints?: number;
  /** confidence level of the exponent interval (default 0.95) */
  readonly confidence?: number;
  /** τ: a necessary-condition term counts as "not going to 0" while it stays ≥ τ (default 0.01) */
  readonly necessaryThreshold?: number;
  /** how many depths get their N_k(x) stored (log-spaced, always incl. 0 and the last; default 200) */
  readonly recordedDepthCount?: number;
  /**
   * Track the partial products P_k (width × inputDim) at every probe, and check N_k(x) and P_n x + q_n
   * against an independent plain forward pass. 'auto' (default) does it when
   * Σ_k out_k·in_k·(inputDim+1)·probes ≤ 4·10⁸ multiply-adds (layers up to the end of the analysed run).
   */
  readonly partialProducts?: boolean | 'auto';
  /**
   * For display only (the worker handler applies it, the core ignores it): when the network has more
   * layers than this, per-layer arrays and series arrays are thinned to about this many log-spaced
   * layers (see ConvergenceResult.sampled). Sums, fits and verdicts are always from every layer.
   */
  readonly maxPoints?: number;
  /** the analysis budget (multiply-adds, memory), checked from the shapes before any work */
  readonly budget?: AnalysisBudget;
  /** conv models only: the seeded probe images (probes, run, tailFrom … are for dense networks) */
  readonly images?: ConvImagesParams;
}

/**
 * Least-squares fit log v_k ≈ log C − p log k over the layers from..to (1-based layer numbers). A
 * display (the dashed line in the plots) and the necessary condition's "tends to 0" rule; summability
 * is decided by SummabilityDecision on dyadic block sums.
 */
export interface PowerLawFit {
  /**
   * 'power': a fit was made; 'zero': every term in the range is exactly 0 and there are at least
   * minPoints of them (p = Infinity); 'insufficient': fewer than minPoints positive terms, an
   * all-zero range shorter than minPoints, or a non-finite term (p, lo, hi are NaN).
   */
  readonly kind: 'power' | 'zero' | 'insufficient';
  readonly from: number;
  readonly to: number;
  /** positive terms used in the fit; exactly-zero terms are skipped */
  readonly points: number;
  readonly zeros: number;
  /** the fewest points (zeros included for an all-zero tail) a fit needs */
  readonly minPoints: number;
  /** decay exponent: v_k ≈ C·k^(−p) */
  readonly p: number;
  /** confidence interval for p (t-interval on the OLS slope, df = points − 2) */
  readonly lo: number;
  readonly hi: number;
  readonly logC: number;
  readonly confidence: number;
  /** standard error of the slope and residual standard deviation in log space */
  readonly standardError: number;
  readonly residualSd: number;
  readonly method: string;
}

/** The model of the block values ln(B/H) ≈ c − (p − 1)u − q ln u (+ d/k) that decided (summability.ts). */
export type SummabilityModel = 'power' | 'power×log' | 'power×log+shift';

/**
 * Is Σ v_k < ∞? Decided on the dyadic block sums B over (n/2, n], (n/4, n/2], … (zeros included) on
 * the scale v_k = k^(−p)(ln k)^(−q): summable iff p > 1, or p = 1 and q > 1 (MATH.md §A). Bands:
 * |p − 1| ≤ bands.boundary is the boundary, where q decides; |q − 1| ≤ bands.bertrand stays undecided.
 */
export interface SummabilityDecision {
  readonly status: VerdictStatus;
  /**
   * what decided: 'zero-tail' (every term 0 at the end), 'geometric' (p clear of 1), 'bertrand'
   * (p ≈ 1 and q decided, or q ≈ 1 left undecided), 'bounded-below' (the blocks do not shrink),
   * 'boundary' (p within the band without a log factor), 'wide' (intervals straddle), 'too-few',
   * 'overflow' (a term is not a finite float64)
   */
  readonly kind: 'zero-tail' | 'too-few' | 'geometric' | 'bertrand' | 'bounded-below' | 'boundary' | 'wide' | 'overflow';
  /** one sentence, starting with "summable", "not summable" or "undecided" (or "cannot decide") */
  readonly reason: string;
  /** every block (increasing layer numbers): its first and last layer and B = Σ v_k */
  readonly blocks: { readonly from: Float64Array; readonly to: Float64Array; readonly sums: Float64Array };
  /** the blocks the decision looked at (the last ones, from layer 3 on) */
  readonly window: { readonly from: number; readonly to: number; readonly blocks: number };
  readonly model: SummabilityModel | null;
  /** power exponent p (terms ≈ k^(−p)) with its interval; NaN when no model was fitted */
  readonly p: number;
  readonly pLo: number;
  readonly pHi: number;
  /** Bertrand exponent q (the factor (ln k)^(−q)); 0 with a zero-width interval for the 'power' model */
  readonly q: number;
  readonly qLo: number;
  readonly qHi: number;
  /** Σ_{k > n} v_k extrapolated from the model at the conservative ends of its intervals (holds only; 0 for a zero tail) */
  readonly tailEstimate: number | null;
  readonly bands: { readonly boundary: number; readonly bertrand: number };
}

/**
 * The first number that is not a finite float64, located. Everything downstream of it is withheld
 * ("overflows float64 at layer k"), never computed from it.
 */
export interface OverflowFinding {
  /** 1-based layer number */
  readonly layer: number;
  /** what overflowed: 'terms' (‖W_k − I‖, ‖b_k‖, S1/S2 terms), 'trajectory' (N_k(x)), 'offset' (q_k of the affine map) */
  readonly quantity: 'terms' | 'trajectory' | 'offset';
  /** e.g. "‖W_k − I‖₂ overflows float64 (|value| above 1.8e308)" or "N_k(x) at probe a, coordinate 2 overflows float64 (…)" */
  readonly detail: string;
  /** the probe, for trajectory and offset */
  readonly probe?: string;
}

/** One series Σ_k v_k over the analysed sequence (Σ‖W_k − I‖, Σ‖b_k‖, S1, S2). */
export interface SeriesSummary {
  /** e.g. "Σ‖W_k − I‖₂" */
  readonly label: string;
  /** v_k for each step of the sequence: index j ↔ layer number sequence.first + j */
  readonly terms: Float64Array;
  /** partial sums S(k) = Σ_{first ≤ j ≤ k} v_j, same indexing as terms */
  readonly partialSums: Float64Array;
  /** the sum over the layers present (rigorous) */
  readonly sum: number;
  /** the power-law fit of the tail (second half of the run): display only */
  readonly fit: PowerLawFit;
  /** summable? = decision.status */
  readonly summable: VerdictStatus;
  /** the decision on the dyadic block sums, with its reason and numbers */
  readonly decision: SummabilityDecision;
  /** = decision.tailEstimate: Σ_{k > last} v_k extrapolated (null unless summable; 0 for an all-zero tail) */
  readonly extrapolatedTail: number | null;
  /** the first term that is not a finite float64 (the decision is then withheld), or null */
  readonly overflow: OverflowFinding | null;
}

/** A run of consecutive layers (0-based layer indices, inclusive) and the groups it touches. */
export interface LayerRangeReport {
  readonly quantity: 'weight' | 'bias';
  readonly start: number;
  readonly end: number;
  /** indices into network.groups that overlap the range (map these to JSON ranges) */
  readonly groups: number[];
  readonly min: number;
  readonly max: number;
  readonly threshold: number;
}

export interface Verdict {
  readonly status: VerdictStatus;
  /** one paragraph with the deciding numbers */
  readonly reason: string;
  /** the statement the verdict rests on */
  readonly theorem: string;
  /** its hypotheses, and how this run treats them */
  readonly assumptions: string;
  /** how far the deciding numbers can be trusted */
  readonly basis: Basis;
  /** the deciding numbers by name (for cards and CodeLens text) */
  readonly numbers: Record<string, number>;
  /** the verdict in one line a person reads at a glance, with its deciding number ("Holds: … p = 2.00") */
  readonly headline: string;
  /** set when the verdict could not be decided because a number overflowed float64 (see result.overflow) */
  readonly undecidable?: 'overflow';
}

export interface NecessaryVerdict extends Verdict {
  /** the non-degeneracy assumption: without it the necessary condition is not necessary */
  readonly assumption: { readonly status: 'satisfied' | 'violated' | 'unknown'; readonly reason: string };
  /** what the assumption was checked on */
  readonly evidence: NonDegeneracyEvidence;
  /** tail layers where ‖W_k − I‖ (or ‖b_k‖) stays ≥ threshold (for warnings in the editor) */
  readonly violations: LayerRangeReport[];
}

/**
 * The non-degeneracy assumption of the necessary condition, checked for what it says (MATH.md §A): on
 * an open set U every neuron is eventually active, and the network's linear part P_n on U (width ×
 * input dim) tends to a matrix of rank m = width. Checked at the probes — all neurons active on the
 * tail and a positive stability radius give U — by the smallest singular value σ_m(P_n) at the dyadic
 * block ends of the tail, and on the run's weights by σ_min(Π W_k); both in log form. σ shrinking
 * without bound (its per-block shrinkage not summable) violates the assumption.
 */
export interface NonDegeneracyEvidence {
  readonly inputDim: number;
  readonly width: number;
  /** σ_min of W_k···W_first (the run's weights alone) at depths; null when not computed (see skipped) */
  readonly runProduct: {
    readonly method: string;
    readonly depths: Float64Array;
    /** ln σ_min at each depth (−Infinity: singular) */
    readonly logSigmaMin: Float64Array;
    /** summability of the per-block shrinkage max(0, ln σ(start) − ln σ(end)): holds ⇔ σ_min stays away from 0 */
    readonly shrinkage: SummabilityDecision;
  } | null;
  /** why runProduct is null (cost, residual blocks…), or null */
  readonly runProductSkipped: string | null;
  readonly probes: ReadonlyArray<{
    readonly name: string;
    /** every ReLU neuron active at every tail layer */
    readonly allActiveOnTail: boolean;
    /** ln of the distance from the probe to the nearest face of its activation domain (+Infinity: no face; NaN: not computed) */
    readonly logStabilityRadius: number;
    /** σ_m(P_k) (ln) at the block ends of the tail; empty when the partial products were not tracked */
    readonly depths: Float64Array;
    readonly logSigma: Float64Array;
    readonly shrinkage: SummabilityDecision | null;
  }>;
}

export interface PartialProductTrace {
  /** P_k is width × inputDim */
  readonly inputDim: number;
  /** the matrix norm of diffNorms and norms: always 'Frobenius' (whatever the analysis norm) */
  readonly matrixNorm: 'Frobenius';
  /** at recordedDepths: max of ‖P_j − P_{j−1}‖_F over the window (previous recorded depth, k]; NaN at 0 */
  readonly diffNorms: Float64Array;
  /** ‖P_k‖_F at recordedDepths (may be ±Infinity/0 beyond float64: see logNorms) */
  readonly norms: Float64Array;
  /** ln ‖P_k‖_F at recordedDepths: right where ‖P_k‖_F itself over- or underflows (P is carried as e^L·P̂) */
  readonly logNorms: Float64Array;
  /** P_n = e^logScale·final and q_n at the last depth (N_n(x) = P_n x + q_n on x's activation domain) */
  readonly final: { readonly rows: number; readonly cols: number; readonly data: Float64Array };
  readonly finalOffset: Float64Array;
  /** P_n = e^logScale · final.data (0 unless P_n left [1e-100, 1e100] on the way) */
  readonly logScale: number;
  /**
   * ‖P_n x + q_n − N_n(x)‖_∞ with N_n(x) from the plain forward pass (network/forward.ts, on the
   * layers as the network generates them — independent of the analysis' own stepping; MATH.md §A)
   */
  readonly residual: number;
  /**
   * max over every depth k of ‖N_k(x) − plain N_k(x)‖_∞ / max(1, ‖plain N_k(x)‖_∞): the analysis' own
   * stepped values against the plain pass (the structured family step rounds differently, by ulps)
   */
  readonly forwardResidual: number;
}

export interface ProbeResult {
  readonly name: string;
  readonly x: Float64Array;
  /** N_k(x) at each of result.recordedDepths (widths may differ before the sequence starts) */
  readonly values: Float64Array[];
  /** ‖N_k(x)‖ at recordedDepths (the vector norm result.vectorNorm) */
  readonly norms: Float64Array;
  /**
   * at recordedDepths: max of ‖N_j(x) − N_{j−1}(x)‖ over the window (previous recorded depth, k]
   * (so no spike between recorded depths is hidden); NaN at depth 0 and where widths differ
   */
  readonly increments: Float64Array;
  /** the fit of the per-step increments over the tail range */
  readonly incrementFit: PowerLawFit;
  /**
   * over the tail: Σ_k ‖N_k − N_{k−1}‖ and the net displacement ‖N_to − N_{from−1}‖ (equal when the
   * increments all point the same way; a small ratio means they cancel)
   */
  readonly tailPath: { readonly length: number; readonly displacement: number };
  /** number of tail layers at which some ReLU neuron is inactive at this probe */
  readonly tailLayersWithInactiveNeurons: number;
  readonly partialProducts: PartialProductTrace | null;
  /**
   * O_j = max_{k in block j} ‖N_k − N_{start_j − 1}‖ over the dyadic blocks of the run, and its
   * summability: Σ O_j < ∞ ⇒ N_k(x) is Cauchy (converges, even when the increments cancel); O_j
   * bounded below ⇒ it is not.
   */
  readonly oscillation: SummabilityDecision;
  /** over the decision window's blocks: Σ ‖N_end − N_{start−1}‖ and the net displacement (equal when they add up) */
  readonly windowPath: { readonly length: number; readonly displacement: number };
  /**
   * N_∞(x) ≈ N_n(x). `bound`: the theorem's bound (MATH.md §A) with the series tails extrapolated
   * (null unless the sufficient condition holds); `estimate`: Σ of the fitted block oscillations
   * beyond n (extrapolated; null unless they are summable); `observedMovement` = ‖N_n − N_⌊n/2⌋‖;
   * `boundInformative` false when the bound is ≥ 100× the larger of the estimate and the observed
   * movement. `radius` = bound (kept for older readers).
   */
  readonly limitEstimate: {
    readonly value: Float64Array;
    readonly radius: number | null;
    readonly bound: number | null;
    readonly estimate: number | null;
    readonly observedMovement: number;
    readonly boundInformative: boolean | null;
    readonly basis: 'extrapolated';
  };
  readonly tailBound: TailBound;
}

/**
 * From ‖N_k − N_{k−1}‖ ≤ w_k‖N_{k−1}‖ + β_k and ‖N_k‖ ≤ (1 + w_k)‖N_{k−1}‖ + β_k (MATH.md §A; §B
 * with w = a_k, β = β_k): ‖N_{j−1}‖ ≤ Π_{n<i<j}(1 + w_i)(‖N_n‖ + T_β), and Σ_j w_j Π_{n<i<j}(1 + w_i)
 * telescopes to Π_{j>n}(1 + w_j) − 1, so with Π_w(n) = Π_{k>n}(1 + w_k), T_β(n) = Σ_{k>n} β_k:
 *   sup_{k>n} ‖N_k − N_n‖ ≤ (Π_w − 1)·(‖N_n‖ + T_β) + T_β   (≤ T_w·e^{T_w}·(‖N_n‖ + T_β) + T_β).
 * Past the file only the fitted sum of the w tail is known: Π(1 + w) ≤ e^{Σ w} covers it.
 */
export interface TailBound {
  /** the depths n (= result.recordedDepths) */
  readonly formula: string;
  /** bound on max_{n<k≤last} ‖N_k − N_n‖ with tails over the layers present: rigorous. NaN before validFrom */
  readonly withinFile: Float64Array;
  /** the actual max_{n<k≤last} ‖N_k − N_n‖ is not tracked; this is ‖N_last − N_n‖, observed */
  readonly observedToLast: Float64Array;
  /** bound on ‖N_∞ − N_n‖ with the fitted tails added: extrapolated; null when not summable */
  readonly extrapolated: Float64Array | null;
  /** the bound is valid for n ≥ validFrom (needs N_{k−1} ≥ 0 before every ReLU step) */
  readonly validFrom: number;
  /** the vector norm of every bound and distance here (the matrix norm is result.norm) */
  readonly vectorNorm: 'ℓ2' | 'ℓ1' | 'ℓ∞';
}

/** A maximal run of consecutive width-preserving layers (1-based layer numbers, inclusive). */
export interface LayerRun {
  readonly first: number;
  readonly last: number;
  readonly width: number;
}

export interface ConvergenceResult {
  readonly networkName?: string;
  readonly norm: ConvergenceNorm;
  /** the vector norm paired with `norm` */
  readonly vectorNorm: 'ℓ2' | 'ℓ1' | 'ℓ∞';
  /** number of layers in the network (a residual block counts as one) */
  readonly depth: number;
  /** 'dense' (§A), 'residual' (§B) or 'mixed' steps in the analysed sequence */
  readonly kind: 'dense' | 'residual' | 'mixed' | 'none';
  /**
   * The analysed sequence: one run of width-preserving layers (first..last, 1-based layer numbers);
   * width m. By default the longest run (ties: the last); params.run picks another. Layers before it
   * are a fixed input map, layers after it are left out; `notes` says which. With no run at all,
   * first = 1, last = 0 and width = the input dimension.
   */
  readonly sequence: { readonly first: number; readonly last: number; readonly width: number };
  /** every width-preserving run of the network, in order */
  readonly runs: LayerRun[];
  /** index into runs of the analysed one (−1 when there is none) */
  readonly runIndex: number;
  /** per layer (index i = layer number − 1, length = depth); NaN where a quantity is undefined */
  readonly layers: {
    readonly normWminusI: Float64Array;
    readonly normB: Float64Array;
    /** residual blocks: a_n = Π_k ‖W^(n,k)‖ */
    readonly s1Term: Float64Array;
    /** residual blocks: β_n = Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖ */
    readonly s2Term: Float64Array;
    /** how each group's norms were computed (closed form for affine families, etc.) */
    readonly methods: { readonly group: number; readonly method: string }[];
  };
  /**
   * weight: Σ w_k with w_k = ‖W_k − I‖ (dense) or a_k (residual); bias: Σ β_k with β_k = ‖b_k‖ or
   * the S2 term. For a purely dense sequence these are Σ‖W−I‖ and Σ‖b‖, for a ResNet S1 and S2.
   */
  readonly series: {
    readonly weight: SeriesSummary;
    readonly bias: SeriesSummary;
    /**
     * The two kinds of step in the run and what each contributes (exact sums over the layers present):
     * dense layers w = ‖W_k − I‖, β = ‖b_k‖; residual blocks w = a_n (S1 term), β = β_n (S2 term).
     */
    readonly parts: {
      readonly denseLayers: number;
      readonly sumWminusI: number;
      readonly sumB: number;
      readonly residualBlocks: number;
      readonly S1: number;
      readonly S2: number;
    };
  };
  /** the tail range used by all fits (1-based layer numbers) */
  readonly tail: { readonly from: number; readonly to: number };
  /** depths k (0 … depth) at which probe values are stored: all when depth+1 ≤ recordedDepthCount, else log-spaced */
  readonly recordedDepths: Float64Array;
  readonly probes: ProbeResult[];
  /** max over probes of ‖N_k − N_{k−1}‖ per step of the sequence (index as series terms) and its fit (display) */
  readonly maxIncrement: { readonly values: Float64Array; readonly fit: PowerLawFit };
  /** the first non-finite number of each kind (terms, a trajectory, an offset); empty when none */
  readonly overflow: OverflowFinding[];
  /**
   * Conflicts between the verdicts that the mathematics rules out (sufficient holds with necessary or
   * pointwise failing, an increment above the theorem's bound): each one is a bug in Depth Lens and
   * is also in `notes`. Empty in a correct run.
   */
  readonly consistency: string[];
  readonly verdicts: {
    readonly sufficient: Verdict;
    readonly necessary: NecessaryVerdict;
    readonly pointwise: Verdict;
  };
  /** anything the reader should know (excluded layers, skipped partial products, default probes…) */
  readonly notes: string[];
  /**
   * Present only when params.maxPoints thinned the arrays: `layers.*` then hold values at the layer
   * numbers `layerNumbers`, and series terms, partial sums and maxIncrement.values at
   * `sequenceNumbers` (the kept numbers within sequence.first..last). A kept term is the maximum over
   * its window (previous kept number, k], so no spike is hidden; a partial sum is its exact value at k.
   */
  readonly sampled?: { readonly layerNumbers: Float64Array; readonly sequenceNumbers: Float64Array };
}
