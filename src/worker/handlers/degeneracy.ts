/**
 * Handlers of the depth-degeneracy analyses (MATH.md §C): the random-network angle through depth
 * (theory vs Monte Carlo), the mixed-moment table, and the measured angle between two probes of the
 * panel's network file. The core does the work; this layer refuses requests that would run for hours
 * or exhaust memory (a panel field with one zero too many) before any of it is allocated, and marks
 * the result's fresh arrays for transfer.
 */
import { DEGENERACY_DEFAULTS, probeAngles, runDegeneracy, runMoments } from '../../core/degeneracy/analysis';
import { DEFAULT_GRID_POINTS } from '../../core/degeneracy/density';
import type { DegeneracyParams, ProbeAngleResult } from '../../shared/analyses/degeneracy';
import { BadParamsError, networkOf, type HandlerTable } from './common';

/**
 * Budgets: each is a few hundred MB, or tens of minutes of work at the speeds measured on this 2-core
 * machine (5–10 M chain pairs/s, ~10 M network weights/s; `npm run bench` degeneracy suite).
 * Stop cancels anything below them; above them a run is almost surely a typing slip (a trials field
 * with one zero too many), so it is refused before anything is allocated.
 */
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

/** The smallest grid the probe-angle prediction falls back to for very deep networks. */
const MIN_AUTO_GRID_POINTS = 201;

/** 757,575 below 10⁹; 4.19e12 above. */
function count(n: number): string {
  return n >= 1e9 ? n.toExponential(2).replace('e+', 'e') : n.toLocaleString('en-US');
}

/** Refuses absurd requests with a message that names the knob to turn. Shapes themselves are the core's to check. */
export function checkDegeneracyBudget(params: DegeneracyParams): void {
  const widths = params.widths;
  if (!Array.isArray(widths) || widths.length < 2 || !widths.every((n) => typeof n === 'number' && Number.isFinite(n))) return; // the core explains
  const L = widths.length - 1;
  const trials = typeof params.trials === 'number' && Number.isFinite(params.trials) ? params.trials : DEGENERACY_DEFAULTS.trials;
  const mode = params.mode ?? DEGENERACY_DEFAULTS.mode;
  const points = params.grid?.points ?? DEFAULT_GRID_POINTS;
  if (L > DEGENERACY_LIMITS.maxDepth) {
    throw new BadParamsError(`degeneracy: ${count(L)} layers is more than the ${count(DEGENERACY_LIMITS.maxDepth)} this analysis runs; use fewer layers`);
  }
  if (trials * (L + 1) > DEGENERACY_LIMITS.maxSamples) {
    throw new BadParamsError(`degeneracy: ${count(trials)} trials × ${count(L + 1)} layers would store ${count(trials * (L + 1))} samples (limit ${count(DEGENERACY_LIMITS.maxSamples)}); use at most ${count(Math.floor(DEGENERACY_LIMITS.maxSamples / (L + 1)))} trials for this depth`);
  }
  if ((L + 1) * points > DEGENERACY_LIMITS.maxDensityCells) {
    throw new BadParamsError(`degeneracy: the predicted density on ${count(points)} grid points × ${count(L + 1)} layers needs ${count((L + 1) * points)} values (limit ${count(DEGENERACY_LIMITS.maxDensityCells)}); use fewer layers or grid points`);
  }
  if (trials === 0) return;
  if (mode === 'network') {
    let weights = 0;
    for (let l = 1; l <= L; l++) weights += widths[l - 1] * widths[l];
    if (trials * weights > DEGENERACY_LIMITS.maxNetworkWeights) {
      throw new BadParamsError(`degeneracy: ${count(trials)} full networks of ${count(weights)} weights each means ${count(trials * weights)} random weights (limit ${count(DEGENERACY_LIMITS.maxNetworkWeights)}, hours of work); use fewer trials, or mode 'chain', which simulates the same angles exactly without matrices`);
    }
  } else {
    let pairs = 0;
    for (let l = 1; l <= L; l++) pairs += widths[l];
    if (trials * pairs > DEGENERACY_LIMITS.maxChainPairs) {
      throw new BadParamsError(`degeneracy: ${count(trials)} chain trials × ${count(pairs)} neurons (all layers) means ${count(trials * pairs)} Gaussian pairs (limit ${count(DEGENERACY_LIMITS.maxChainPairs)}, hours of work); use fewer trials, layers or narrower widths`);
    }
  }
}


export const degeneracyHandlers: HandlerTable<'degeneracy' | 'moments' | 'probeAngles'> = {
  degeneracy: ({ params, ctx }) => {
    checkDegeneracyBudget(params);
    return runDegeneracy(params, ctx);
  },

  moments: ({ params }) => runMoments(params),

  probeAngles: ({ doc, params, ctx }) => {
    const network = networkOf(doc);
    const layers = network.depth;
    if (layers + 1 > DEGENERACY_LIMITS.maxDensityCells / MIN_AUTO_GRID_POINTS) {
      throw new BadParamsError(`probe angles: the random-network prediction for ${count(layers)} layers would need more than ${count(DEGENERACY_LIMITS.maxDensityCells)} density values even on a ${MIN_AUTO_GRID_POINTS}-point grid`);
    }
    // deep files: a coarser default grid keeps the density table within the memory budget
    const requested = params.grid?.points;
    const cap = Math.floor(DEGENERACY_LIMITS.maxDensityCells / (layers + 1));
    if (requested !== undefined && requested > cap) {
      throw new BadParamsError(`probe angles: ${count(requested)} grid points × ${count(layers + 1)} layers exceeds ${count(DEGENERACY_LIMITS.maxDensityCells)} density values; use at most ${count(cap)} points`);
    }
    const coarse = requested === undefined && DEFAULT_GRID_POINTS > cap;
    const result: ProbeAngleResult = probeAngles(network, coarse ? { ...params, grid: { ...params.grid, points: cap } } : params, ctx);
    if (!coarse) return result;
    return { ...result, notes: [...result.notes, `the prediction's density grid has ${count(cap)} points instead of ${count(DEFAULT_GRID_POINTS)} (the network has ${count(layers)} layers)`] };
  },
};
