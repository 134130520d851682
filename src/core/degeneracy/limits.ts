/**
 * Defaults and size budgets of the depth-degeneracy analyses. The budgets hold for every caller (the
 * worker and the CLI): each is a few hundred MB, or tens of minutes of work at the speeds measured on a
 * 2-core machine (5–10 M chain pairs/s, ~10 M network weights/s; `npm run bench -- degeneracy`). Above them a request is almost
 * surely a slip (a trials field with one zero too many), so it is refused before anything is
 * allocated, with a message that names the knob to turn. Shapes themselves are the analyses' to check.
 */
import type { DegeneracyParams } from '../../shared/analyses/degeneracy';
import { MAX_AUTO_GRID_POINTS } from './density';

export const DEGENERACY_DEFAULTS = {
  trials: 2000,
  seed: 1,
  mode: 'chain' as const,
  widthConvention: 'measured' as const,
  histogramBins: 40,
  plotPoints: 400,
};

export const DEGENERACY_LIMITS = {
  /** layers L */
  maxDepth: 100_000,
  /** trials × (L + 1) stored samples (8 bytes each: 200 MB) */
  maxSamples: 25_000_000,
  /** (L + 1) × grid points of the predicted density (8 bytes each: 200 MB) */
  maxDensityCells: 25_000_000,
  /** trials × Σ_{ℓ≥1} n_ℓ correlated Gaussian pairs of the chain */
  maxChainPairs: 10_000_000_000,
  /** trials × Σ_{ℓ≥1} n_{ℓ−1}·n_ℓ Gaussian weights of the full networks */
  maxNetworkWeights: 20_000_000_000,
} as const;

/** The smallest grid an automatic (unrequested) grid shrinks to for very deep networks. */
export const MIN_AUTO_GRID_POINTS = 201;

/** Bad parameters of a degeneracy analysis (a RangeError, so the worker replies 'bad-params'; the CLI exits 2). */
export class DegeneracyParamsError extends RangeError {}

/** A request over budget. `work`: over a work budget (time), which allowLongRuns lifts; else memory. */
export class DegeneracyBudgetError extends DegeneracyParamsError {
  constructor(message: string, readonly work = false) {
    super(message);
  }
}

/** 757,575 below 10⁹; 4.19e12 above. */
export function count(n: number): string {
  return n >= 1e9 ? n.toExponential(2).replace('e+', 'e') : n.toLocaleString('en-US');
}

/**
 * The most points an automatic grid may have for L layers: the refinement cap, shrunk so that the
 * density table stays within maxDensityCells (deep networks get a coarser grid instead of a refusal).
 */
export function autoGridCap(layers: number): number {
  return Math.max(MIN_AUTO_GRID_POINTS, Math.min(MAX_AUTO_GRID_POINTS, Math.floor(DEGENERACY_LIMITS.maxDensityCells / (layers + 1))));
}

/** Refuses a density table over budget: explicit grid points × (L + 1) layers, or an L no grid fits. */
export function checkDensityBudget(layers: number, points: number | undefined, what: string): void {
  if ((layers + 1) * MIN_AUTO_GRID_POINTS > DEGENERACY_LIMITS.maxDensityCells) {
    throw new DegeneracyBudgetError(`${what}: the predicted density for ${count(layers)} layers would need more than ${count(DEGENERACY_LIMITS.maxDensityCells)} values even on a ${MIN_AUTO_GRID_POINTS}-point grid; use fewer layers`);
  }
  if (points !== undefined && typeof points === 'number' && (layers + 1) * points > DEGENERACY_LIMITS.maxDensityCells) {
    throw new DegeneracyBudgetError(`${what}: the predicted density on ${count(points)} grid points × ${count(layers + 1)} layers needs ${count((layers + 1) * points)} values (limit ${count(DEGENERACY_LIMITS.maxDensityCells)}); use at most ${count(Math.floor(DEGENERACY_LIMITS.maxDensityCells / (layers + 1)))} grid points, or leave them to the default`);
  }
}

/**
 * Refuses a random-network run over budget (before anything is allocated). `allowLongRuns` lifts the
 * work budgets (chain pairs, network weights) for a caller who means it; the memory budgets stay.
 */
export function checkDegeneracyBudget(params: DegeneracyParams, options: { readonly allowLongRuns?: boolean } = {}): void {
  const widths = params.widths;
  if (!Array.isArray(widths) || widths.length < 2 || !widths.every((n) => typeof n === 'number' && Number.isFinite(n))) return; // the analysis explains
  const L = widths.length - 1;
  const trials = typeof params.trials === 'number' && Number.isFinite(params.trials) ? params.trials : DEGENERACY_DEFAULTS.trials;
  const mode = params.mode ?? DEGENERACY_DEFAULTS.mode;
  if (L > DEGENERACY_LIMITS.maxDepth) {
    throw new DegeneracyBudgetError(`degeneracy: ${count(L)} layers is more than the ${count(DEGENERACY_LIMITS.maxDepth)} this analysis runs; use fewer layers`);
  }
  if (trials * (L + 1) > DEGENERACY_LIMITS.maxSamples) {
    throw new DegeneracyBudgetError(`degeneracy: ${count(trials)} trials × ${count(L + 1)} layers would store ${count(trials * (L + 1))} samples (limit ${count(DEGENERACY_LIMITS.maxSamples)}); use at most ${count(Math.floor(DEGENERACY_LIMITS.maxSamples / (L + 1)))} trials for this depth`);
  }
  checkDensityBudget(L, params.grid?.points, 'degeneracy');
  if (trials === 0 || options.allowLongRuns) return;
  if (mode === 'network') {
    let weights = 0;
    for (let l = 1; l <= L; l++) weights += widths[l - 1] * widths[l];
    if (trials * weights > DEGENERACY_LIMITS.maxNetworkWeights) {
      throw new DegeneracyBudgetError(`degeneracy: ${count(trials)} full networks of ${count(weights)} weights each means ${count(trials * weights)} random weights (limit ${count(DEGENERACY_LIMITS.maxNetworkWeights)}, hours of work); use fewer trials, or mode 'chain', which simulates the same angles exactly without matrices`, true);
    }
  } else {
    let pairs = 0;
    for (let l = 1; l <= L; l++) pairs += widths[l];
    if (trials * pairs > DEGENERACY_LIMITS.maxChainPairs) {
      throw new DegeneracyBudgetError(`degeneracy: ${count(trials)} chain trials × ${count(pairs)} neurons (all layers) means ${count(trials * pairs)} Gaussian pairs (limit ${count(DEGENERACY_LIMITS.maxChainPairs)}, hours of work); use fewer trials, layers or narrower widths`, true);
    }
  }
}
