/**
 * Params and results of the training-dynamics analyses (MATH.md §D and §E).
 *
 * Everything here is plain data (numbers, arrays, strings): it survives structured clone (worker →
 * host → webview) and JSON (CLI --json, panel export) unchanged. Series are columnar — one array of
 * x values and parallel arrays of y values — so a uPlot panel can plot them directly.
 * No imports from vscode, DOM or Node.
 */

// ─── §D: indicator target, pointwise convergence of (mini-batch) gradient descent ───────────────

/** How w is updated: mini-batch SGD on sampled data, or plain GD on the exact population loss. */
export type IndicatorMode = 'sgd' | 'expected';

export interface IndicatorParams {
  /** input dimension d ≥ 1; default 1 */
  readonly dim?: number;
  /** level N ≥ 1 of the sawtooth (Yarotsky) squaring used for d > 1; default 10 (ignored for d = 1) */
  readonly level?: number;
  /** number of gradient steps K; default 10000 */
  readonly iterations?: number;
  /** mini-batch size B; default 32. With trainingSetSize = B this is full-batch GD. */
  readonly batch?: number;
  /** step size η; default 1 */
  readonly learningRate?: number;
  /** seed of the sampled data (and of the fixed training set), an integer in [0, 2³² − 1]; default 1 */
  readonly seed?: number;
  /** initial steepness w₀ > 0 (d ≥ 2: w₀ ≥ 4/3 so the ramp stays inside the unit ball); default 2 */
  readonly initialW?: number;
  /** the loss is |f − y|^p averaged; p ≥ 1; default 2 (L²) */
  readonly lossPower?: number;
  /** 'sgd' (default) or 'expected' = GD on the closed-form population loss (deterministic) */
  readonly mode?: IndicatorMode;
  /**
   * draw a fixed training set of this size once and take mini-batches from it (mode 'sgd' only);
   * omitted = fresh uniform samples every step. On a fixed set w stalls once no point lies on the ramp.
   */
  readonly trainingSetSize?: number;
  /** probe points in [−1,1]^d; default: points t·e₁ for t ∈ {0, 0.3, 0.5, 0.55, 0.6, 0.75, 0.9} */
  readonly probes?: readonly (readonly number[])[];
  /** about this many log-spaced record iterations (0 and K always included); default 200 */
  readonly records?: number;
  /** size of the fixed evaluation set behind `evalLoss`; default 20000 */
  readonly evalPoints?: number;
  /** grid resolution of the learned-function view (d = 2: per side); default 201 (d = 2: 81) */
  readonly gridSize?: number;
  /** first iteration of the loss-tail slope fit; default ⌈K/10⌉ (the last decade) */
  readonly fitFrom?: number;
  /** refuse runs whose estimated work exceeds this many operations; default TRAINING_WORK_BUDGET (core/training/params.ts) */
  readonly maxWork?: number;
}

/** One probe's pointwise error |f_w(x) − f(x)| over the record iterations. */
export interface IndicatorProbe {
  readonly x: readonly number[];
  /** the network's feature at x: |x| for d = 1, r_N(x) ≈ |x|² for d > 1 */
  readonly feature: number;
  /** the true target f(x) = 1{|x| ≤ 1/2} */
  readonly target: 0 | 1;
  /** the steepness beyond which the error is exactly 0: 1/(feature − a); null when feature ≤ a (exact from the start) */
  readonly threshold: number | null;
  /** the limit of the error as w → ∞ (0 except for points the level-N squaring misplaces across the sphere) */
  readonly limitError: number;
  /** parallel to `iterations` of the result */
  readonly error: number[];
  /** first iteration k with error exactly 0 that stays 0 through the last completed iteration; null if not (yet) */
  readonly zeroFrom: number | null;
}

/** Least-squares fit of log y = intercept + exponent · log x. */
export interface PowerFit {
  readonly exponent: number;
  readonly intercept: number;
  readonly standardError: number;
  /** 95 % interval for the exponent (Student t with n − 2 degrees of freedom) */
  readonly interval: readonly [number, number];
  /** the fitted points [x, y] */
  readonly points: readonly (readonly [number, number])[];
}

export interface IndicatorSlope extends PowerFit {
  /** fit range in iterations (inclusive) */
  readonly fitFrom: number;
  readonly fitTo: number;
  /** the gradient-flow rate as k → ∞: −1/3 */
  readonly expected: number;
  /**
   * slope of the exact population loss along gradient descent on that loss (same η, w₀: the deterministic
   * path the run fluctuates around, E[w_{k+1} | w_k] is its step) over the same records: the fair
   * comparison at finite k. −1/3 only once w³ ≫ w₀³ and 1/w ≪ a. Null when that loss does not decrease
   * measurably (e.g. it underflows to 0 in high dimension).
   */
  readonly flowExponent: number | null;
}

/** Why a run ended before its last iteration. */
export interface IndicatorStop {
  /** the iteration whose step was refused (the run completed the ones before it) */
  readonly iteration: number;
  /** w after the last completed iteration */
  readonly w: number;
  /** 'left-range': w would leave w > 0 (d = 1) / w ≥ 4/3 (d > 1); 'overflow': w would not be finite */
  readonly reason: 'left-range' | 'overflow';
  /** what happened, the cause (level and learning rate) and what to change */
  readonly message: string;
}

/** The learned function against the target: a 1-D curve (d = 1, or the x₁-axis slice for d ≥ 3) or a 2-D heatmap (d = 2). */
export type IndicatorFunctionView =
  | {
      readonly kind: 'curve';
      /** 'x' for d = 1; 'x₁ (other coordinates 0)' for d ≥ 3 */
      readonly axis: string;
      readonly xs: number[];
      readonly learned: number[];
      readonly initial: number[];
      readonly target: number[];
    }
  | {
      readonly kind: 'heatmap';
      /** grid coordinates along each axis; values are row-major [i₂][i₁] (row = x₂) */
      readonly xs: number[];
      readonly learned: number[];
      readonly target: number[];
    };

export interface IndicatorResult {
  /** plain statement of what the construction is and where it comes from (show it in the UI) */
  readonly construction: string;
  /** what `loss` and `evalLoss` are */
  readonly lossNote: string;
  /** the parameters actually used (defaults filled in) */
  readonly params: Required<Omit<IndicatorParams, 'trainingSetSize' | 'probes'>> & {
    readonly trainingSetSize: number | null;
  };
  /** the feature sub-network */
  readonly feature: {
    readonly kind: 'abs' | 'sawtooth-square';
    /** a: the ramp sits on feature ∈ [a, a + 1/w] (1/2 for |x|, 1/4 for |x|²) */
    readonly threshold: number;
    /** sup |feature − exact feature| on [−1,1]^d: 0 for d = 1, d·4^(−N−1) for the level-N squaring */
    readonly maxError: number;
    /** exactly what the feature and the ramp are for this d (shown in the panel and the CLI) */
    readonly description: string;
  };
  /** record iterations (log-spaced integers, 0 first) */
  readonly iterations: number[];
  /** exact population loss at each record iteration (closed form d = 1; Gauss–Legendre for d > 1, ramp on the exact |x|²) */
  readonly loss: number[];
  /** mean |f − y|^p of the actual network on the fixed evaluation set */
  readonly evalLoss: number[];
  /** w at each record iteration */
  readonly w: number[];
  /** fitted log-log slope of `loss` (d > 1: the ideal model's) over the tail; null until the fit range has ≥ 3 positive points */
  readonly slope: IndicatorSlope | null;
  /** the same fit of `evalLoss` (the actual network, level-N squaring included); null without ≥ 3 positive points */
  readonly evalSlope: IndicatorSlope | null;
  /**
   * w: leading-order gradient flow, w(k)³ = w₀³ + 3κηk/(p+1), and loss: κ/((p+1)w(k)) (exact for d = 1, 2
   * once the ramp is inside the domain; for d ≥ 3 only once 1/w ≪ a). gdW / gdLoss: gradient descent on the
   * exact population loss, w_{k+1} = w_k − η L'(w_k), and its loss — what the run should track for any d.
   */
  readonly theory: {
    /** density of the exact feature at the threshold a */
    readonly kappa: number;
    readonly w: number[];
    readonly loss: number[];
    readonly gdW: number[];
    readonly gdLoss: number[];
  };
  readonly probes: IndicatorProbe[];
  readonly functionView: IndicatorFunctionView;
  /** iterations done so far (= params.iterations when done, unless stopped) */
  readonly completedIterations: number;
  /** the run is over (the final result, not a partial one) */
  readonly done: boolean;
  /** set when the run ended early (see IndicatorStop); null otherwise */
  readonly stopped: IndicatorStop | null;
  /** plain-language warnings when the numbers do not mean what they seem (final result only) */
  readonly warnings: string[];
}

// ─── §E: mean-field limit of a two-hidden-layer network under online SGD ───────────────────────

export type MeanFieldActivation = 'tanh' | 'sigmoid';

export interface MeanFieldParams {
  /** the widths N; N1 = N and N2 = round(N / n1PerN2) (so every N ≥ n1PerN2); default [25, 50, 100, 200] */
  readonly widths?: readonly number[];
  /** N1 = n1PerN2 · N2 (≥ 1); default 1 (N1 = N2 = N) */
  readonly n1PerN2?: number;
  /** independent runs per width (init and data both vary); default 8 */
  readonly seeds?: number;
  /** final time on the clock t = k/N1 (so N1·T SGD steps per run); default 5 */
  readonly T?: number;
  /** probe inputs x ∈ [−1,1] at which g_t(x) is recorded; default [−0.5, 0.25, 0.75] */
  readonly probes?: readonly number[];
  /** base seed, an integer in [0, 2³² − 1]; default 1 */
  readonly seed?: number;
  /** σ in both hidden layers (bounded, C²_b as the theorem assumes); default 'tanh' */
  readonly activation?: MeanFieldActivation;
  /** O(1) multipliers of the §E learning rates α_C = c_C·N2/N1, α_2 = c_2·N2, α_1 = c_1; default 4 each (see DEFAULT_RATE in core/training/meanField.ts) */
  readonly learningRates?: { readonly C?: number; readonly W2?: number; readonly W1?: number };
  /** initial parameters iid U[−initRange, initRange]; default 1 */
  readonly initRange?: number;
  /** number of record intervals on [0, T] (records at t = m·T/records); default 20 */
  readonly records?: number;
  /** points of the midpoint grid on [−1,1] behind the training loss; default 21 */
  readonly lossGrid?: number;
  /** refuse runs whose estimated work exceeds this many operations; default TRAINING_WORK_BUDGET (core/training/params.ts) */
  readonly maxWork?: number;
}

export interface MeanFieldWidthResult {
  readonly N: number;
  readonly N1: number;
  readonly N2: number;
  readonly seeds: number;
  /** record times t_m = m·T/records, the same for every width */
  readonly t: number[];
  /** the SGD step k_m = round(t_m·N1) at which each record is taken (so k_m/N1 is within 1/(2·N1) of t_m) */
  readonly steps: number[];
  /** across-seed mean of g_t(x) at each probe: mean[probe][time] */
  readonly mean: number[][];
  /** across-seed sample sd (n − 1) of g_t(x): sd[probe][time] */
  readonly sd: number[][];
  /** training loss ½·mean (y − g_t)² on the evaluation grid: across-seed mean and sd per time */
  readonly loss: { readonly mean: number[]; readonly sd: number[] };
  /** the spread that enters the exponent fit: RMS of sd over probes and record times with t ≥ T/2 */
  readonly spread: number;
  /** some run's loss became non-finite or exceeded 10× its initial value: the learning rate is too large; left out of the fit */
  readonly diverged: boolean;
}

export interface MeanFieldResult {
  /** how the scaling was chosen and what is measured (show it in the UI) */
  readonly construction: string;
  readonly params: Required<Omit<MeanFieldParams, 'learningRates'>> & {
    readonly learningRates: { readonly C: number; readonly W2: number; readonly W1: number };
  };
  readonly probes: { readonly x: number; readonly target: number }[];
  /** one entry per finished width, in the order of params.widths */
  readonly widths: MeanFieldWidthResult[];
  /** fit of spread ~ N^exponent over the finished widths that did not diverge (null with fewer than 2) */
  readonly spreadExponent: (PowerFit & { readonly expected: number }) | null;
  readonly done: boolean;
  /** plain-language warnings (divergence) */
  readonly warnings: string[];
}

// ─── the `training` section of a network file ──────────────────────────────────────────────────

/**
 * The optional `training` section of a `*.network.json` file: which experiment to run and its
 * settings (the same fields as the analysis params except maxWork, checked by the same rules:
 * core/training/spec.ts validates it when the file is parsed).
 *
 *   "training": { "experiment": "indicator", "dim": 2, "level": 10, "iterations": 20000,
 *                 "batch": 64, "learningRate": 1, "seed": 7 }
 *   "training": { "experiment": "mean-field", "widths": [32, 64, 128], "seeds": 8, "T": 5 }
 */
export type TrainingSpec =
  | ({ readonly experiment: 'indicator' } & IndicatorParams)
  | ({ readonly experiment: 'mean-field' } & MeanFieldParams);
