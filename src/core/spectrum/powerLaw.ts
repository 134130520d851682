/**
 * Power-law fit of the tail of an empirical spectral density (Clauset, Shalizi & Newman, "Power-law
 * distributions in empirical data", SIAM Review 2009), with the conventions of WeightWatcher's own
 * fitter (`WW_powerlaw.WWFit`, its default since 0.7):
 * - continuous power law p(x) ∝ x^(−α) for x ≥ x_min;
 * - for a given x_min the maximum-likelihood exponent α = 1 + n / Σ_{x_i ≥ x_min} ln(x_i / x_min)
 *   and its standard error (α − 1)/√n (n = number of tail values);
 * - x_min is chosen among the data values themselves (sorted, ties kept, every value but the largest)
 *   as the one whose fit has the smallest Kolmogorov–Smirnov distance
 *   D = max_t |(1 − (x_t/x_min)^(1−α)) − t/n| over the tail values x_t sorted ascending, t = 0…n−1
 *   (the empirical CDF just below each point, as WeightWatcher and the `powerlaw` package compute it);
 *   a candidate with α ≤ 1 (no normalisable law) gets D = 1.
 * Where ours differs (all on purpose, and stated in the result's `method`):
 * - WeightWatcher drops eigenvalues ≤ 10⁻⁵ (an absolute threshold, so it depends on the weights'
 *   scale); we drop eigenvalues ≤ ZERO_RELATIVE·λ_max (numerically zero for float64 SVD);
 * - WeightWatcher skips layers with fewer than 10 eigenvalues silently; we report "too few
 *   eigenvalues to fit" with the count, and we only consider x_min candidates whose tail has at
 *   least MIN_TAIL values (WeightWatcher allows 2, where a tiny D is luck, not evidence).
 */

/** Eigenvalues at or below this fraction of the largest are treated as zero (rank deficiency). */
export const ZERO_RELATIVE = 1e-12;
/** Fewer positive eigenvalues than this: no fit (WeightWatcher's default min_evals). */
export const MIN_EIGENVALUES = 10;
/** The smallest tail a candidate x_min may leave. */
export const MIN_TAIL = 5;

export const POWER_LAW_METHOD =
  'continuous power-law MLE α = 1 + n/Σ ln(λ/λ_min) on the eigenvalues λ = σ² of WᵀW, λ_min chosen by the smallest KS distance ' +
  `(Clauset, Shalizi & Newman 2009, as WeightWatcher fits it); eigenvalues ≤ ${ZERO_RELATIVE}·λ_max are dropped; ` +
  `at least ${MIN_EIGENVALUES} positive eigenvalues and tails of at least ${MIN_TAIL}`;

export interface PowerLawFitResult {
  /** 'fitted'; or 'too-few': fewer than minEigenvalues positive values (alpha etc. are NaN) */
  readonly status: 'fitted' | 'too-few';
  /** exponent of p(λ) ∝ λ^(−α) over the tail */
  readonly alpha: number;
  /** standard error (α − 1)/√n */
  readonly standardError: number;
  readonly xmin: number;
  readonly xmax: number;
  /** Kolmogorov–Smirnov distance of the chosen fit */
  readonly ks: number;
  /** values in the tail (≥ xmin) */
  readonly tailCount: number;
  /** positive values the fit saw */
  readonly count: number;
  /** values dropped as numerically zero */
  readonly zeros: number;
  /** one sentence for the user: what was fitted, or why not */
  readonly message: string;
}

export interface PowerLawOptions {
  readonly minEigenvalues?: number;
  readonly minTail?: number;
}

/**
 * Fit the tail of `values` (any order; non-negative). O(n²) in the number of candidates, like the
 * reference implementation; fine for the ≤ a few thousand eigenvalues of one layer.
 */
export function fitPowerLaw(values: ArrayLike<number>, options: PowerLawOptions = {}): PowerLawFitResult {
  const minEigenvalues = options.minEigenvalues ?? MIN_EIGENVALUES;
  const minTail = Math.max(2, options.minTail ?? MIN_TAIL);
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`fitPowerLaw: value ${i + 1} is ${v}; eigenvalues of WᵀW are finite and non-negative`);
    if (v > max) max = v;
  }
  const cutoff = max * ZERO_RELATIVE;
  const positive: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] > cutoff) positive.push(values[i]);
  const zeros = values.length - positive.length;
  const data = Float64Array.from(positive).sort();
  const n = data.length;
  const none = (message: string): PowerLawFitResult => ({
    status: 'too-few', alpha: NaN, standardError: NaN, xmin: NaN, xmax: n ? data[n - 1] : NaN, ks: NaN, tailCount: 0, count: n, zeros, message,
  });
  if (n < minEigenvalues) {
    return none(`too few eigenvalues to fit a power law: ${n} positive${zeros ? ` (${zeros} numerically zero dropped)` : ''}, at least ${minEigenvalues} needed`);
  }
  const logs = new Float64Array(n);
  for (let i = 0; i < n; i++) logs[i] = Math.log(data[i]);
  // suffix sums of ln x, accumulated from the top so small tails are exact
  const suffix = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + logs[i];
  let best = -1, bestD = Infinity, bestAlpha = NaN;
  for (let i = 0; i + minTail <= n && i < n - 1; i++) {
    const m = n - i;
    const denom = suffix[i] - m * logs[i];
    if (!(denom > 0)) continue; // every tail value equals x_min: no exponent
    const alpha = 1 + m / denom;
    let d = 1;
    if (alpha > 1) {
      d = 0;
      const x0 = logs[i], e = 1 - alpha;
      for (let t = 0; t < m; t++) {
        const cdf = 1 - Math.exp(e * (logs[i + t] - x0));
        const dist = Math.abs(cdf - t / m);
        if (dist > d) d = dist;
      }
    }
    // strict: ties go to the smallest x_min (the first found), as numpy's argmin does
    if (d < bestD) {
      bestD = d;
      best = i;
      bestAlpha = alpha;
    }
  }
  if (best < 0) return none(`no power law fits: every candidate tail of at least ${minTail} eigenvalues is constant`);
  const tail = n - best;
  const se = (bestAlpha - 1) / Math.sqrt(tail);
  return {
    status: 'fitted',
    alpha: bestAlpha,
    standardError: se,
    xmin: data[best],
    xmax: data[n - 1],
    ks: bestD,
    tailCount: tail,
    count: n,
    zeros,
    message: `α = ${bestAlpha.toPrecision(4)} ± ${se.toPrecision(2)} on the top ${tail} of ${n} eigenvalues (λ ≥ ${data[best].toPrecision(4)}), KS distance ${bestD.toPrecision(3)}`,
  };
}
