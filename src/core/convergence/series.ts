/**
 * A series of the analysis (Σ‖W_k − I‖, Σ‖b_k‖, S1, S2) from its per-layer terms: partial sums, the
 * display fit of the tail, and the summability decision on its dyadic block sums — or, when a term
 * is not a finite float64, the decision withheld with the layer that overflowed.
 */
import type { OverflowFinding, SeriesSummary, SummabilityDecision } from '../../shared/analyses/convergence';
import { fitPowerLaw } from './fit';
import { BERTRAND_BAND, BOUNDARY_BAND, blockSums, type BlockGeometry, decideSummability, trailingZeros } from './summability';

export interface SeriesOptions {
  readonly firstNumber: number;
  readonly tailFrom: number;
  readonly tailTo: number;
  readonly minPoints: number;
  readonly confidence: number;
  readonly blocks: BlockGeometry;
}

export function buildSeries(label: string, terms: Float64Array, o: SeriesOptions, overflow: OverflowFinding | null): SeriesSummary {
  const partialSums = new Float64Array(terms.length);
  let s = 0;
  for (let j = 0; j < terms.length; j++) { s += terms[j]; partialSums[j] = s; }
  const fit = fitPowerLaw(terms, o.firstNumber, o.tailFrom, o.tailTo, o.minPoints, o.confidence);
  const decision = overflow
    ? overflowDecision(o.blocks, overflow)
    : decideSummability(blockSums(terms, o.firstNumber, o.blocks), o.blocks, { confidence: o.confidence, trailingZeroLayers: trailingZeros(terms) });
  return { label, terms, partialSums, sum: s, fit, summable: decision.status, decision, extrapolatedTail: decision.tailEstimate, overflow };
}

/** The decision withheld: a number on the way is not a finite float64. */
export function overflowDecision(g: BlockGeometry, finding: OverflowFinding): SummabilityDecision {
  return fixedDecision(g, 'inconclusive', 'overflow', `cannot decide: overflows float64 at layer ${finding.layer} (${finding.detail})`);
}

/** A decision made without fitting (overflow, a singular matrix), with the given block sums for display. */
export function fixedDecision(g: BlockGeometry, status: SummabilityDecision['status'], kind: SummabilityDecision['kind'], reason: string, sums?: Float64Array): SummabilityDecision {
  return {
    status, kind, reason,
    blocks: { from: g.from, to: g.to, sums: sums ?? new Float64Array(g.from.length).fill(NaN) },
    window: { from: NaN, to: g.last, blocks: 0 }, model: null,
    p: NaN, pLo: NaN, pHi: NaN, q: NaN, qLo: NaN, qHi: NaN, tailEstimate: null,
    bands: { boundary: BOUNDARY_BAND, bertrand: BERTRAND_BAND },
  };
}
