/**
 * The Marchenko–Pastur law (Marchenko & Pastur 1967): the limiting spectral density of WᵀW for an
 * N×M matrix W with i.i.d. entries of variance σ², as N, M → ∞ with M/N → y.
 *
 * In its usual normalisation, with N ≥ M and y = M/N ≤ 1, the eigenvalues μ of (1/N)·WᵀW have density
 *   p(μ) = √((μ₊ − μ)(μ − μ₋)) / (2π σ² y μ)   on [μ₋, μ₊],   μ± = σ²(1 ± √y)².
 * Depth Lens shows the eigenvalues λ = σ_i(W)² of WᵀW itself, the min(N, M) non-zero ones (the same
 * set for WᵀW and WWᵀ), i.e. λ = N·μ with N = max(rows, cols): density p(λ/N)/N, edges
 *   λ± = N σ²(1 ± √y)² = σ²(√N ± √M)².
 * WeightWatcher's marchenko_pastur_pdf uses the normalised form with Q = N/M = 1/y.
 */

export interface MarchenkoPasturLaw {
  readonly rows: number;
  readonly cols: number;
  /** σ²: the variance of a random matrix's entries (we use the empirical variance of W's entries) */
  readonly variance: number;
  /** y = min(rows, cols) / max(rows, cols) ∈ (0, 1] */
  readonly ratio: number;
  /** edges of the normalised law for (1/N)WᵀW: σ²(1 ± √y)² */
  readonly normalizedEdges: readonly [number, number];
  /** edges for the eigenvalues of WᵀW: σ²(√N ± √M)² */
  readonly lambdaMinus: number;
  readonly lambdaPlus: number;
}

export function marchenkoPastur(rows: number, cols: number, variance: number): MarchenkoPasturLaw {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0)) throw new RangeError(`marchenkoPastur: shape must be positive integers, got ${rows}×${cols}`);
  if (!(variance >= 0 && Number.isFinite(variance))) throw new RangeError(`marchenkoPastur: variance must be finite and non-negative, got ${variance}`);
  const big = Math.max(rows, cols), small = Math.min(rows, cols);
  const ratio = small / big;
  const r = Math.sqrt(ratio);
  const lo = variance * (1 - r) * (1 - r), hi = variance * (1 + r) * (1 + r);
  return {
    rows, cols, variance, ratio,
    normalizedEdges: [lo, hi],
    lambdaMinus: big * lo,
    lambdaPlus: big * hi,
  };
}

/** Density of the normalised law at μ (eigenvalues of (1/N)WᵀW); 0 outside [μ₋, μ₊]. */
export function normalizedDensity(law: MarchenkoPasturLaw, mu: number): number {
  const [lo, hi] = law.normalizedEdges;
  if (!(mu > lo && mu < hi) || law.variance === 0) return 0;
  return Math.sqrt((hi - mu) * (mu - lo)) / (2 * Math.PI * law.variance * law.ratio * mu);
}

/** Density of the min(rows, cols) eigenvalues λ of WᵀW at λ (integrates to 1 over [λ₋, λ₊]). */
export function density(law: MarchenkoPasturLaw, lambda: number): number {
  const big = Math.max(law.rows, law.cols);
  return normalizedDensity(law, lambda / big) / big;
}

/**
 * The law's CDF at λ: the fraction of eigenvalues of WᵀW expected below λ. Midpoint rule after the
 * substitution μ = μ₋ + (μ₊ − μ₋)(1 − cos θ)/2, which turns the square-root edges into a smooth
 * integrand ((μ₊ − μ₋)/2)² sin²θ / (2πσ²yμ); 4096 points give about 1e-8.
 */
export function cdf(law: MarchenkoPasturLaw, lambda: number, steps = 4096): number {
  const big = Math.max(law.rows, law.cols);
  const [lo, hi] = law.normalizedEdges;
  const x = lambda / big;
  if (x <= lo || law.variance === 0) return x <= lo ? 0 : 1;
  if (x >= hi) return 1;
  const half = (hi - lo) / 2;
  const thetaMax = Math.acos(1 - (x - lo) / half);
  const h = thetaMax / steps;
  let s = 0;
  for (let i = 0; i < steps; i++) {
    const th = (i + 0.5) * h;
    const sin = Math.sin(th);
    const mu = lo + half * (1 - Math.cos(th));
    s += (half * half * sin * sin) / (2 * Math.PI * law.variance * law.ratio * mu);
  }
  return Math.min(1, s * h);
}
