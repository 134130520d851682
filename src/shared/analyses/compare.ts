/**
 * Params/results of comparing two networks (two checkpoints, initialisation against trained, before
 * and after a change): which layers match, how much each weight matrix moved, the convergence series
 * and verdicts side by side, both ESDs of a layer, and the region maps of a shared 2-D slice with the
 * regions whose activation pattern differs marked. Structured-clone friendly.
 */
import type { DocumentSource } from '../protocol';
import type { NetworkSummary } from './overview';
import type { SlicePlane } from './activations';
import type { LayerSpectrum, SpectrumItemRef } from './spectrum';
import type { Basis, VerdictStatus } from './convergence';

/** One weight matrix of one side (see SpectrumItemRef; `item` indexes the side's list of matrices). */
export interface CompareItemRef extends SpectrumItemRef {
  /** 0-based index into the side's matrices (dense layers and branch layers, in network order) */
  readonly item: number;
}

/** A run of consecutive matrices of one side without a counterpart, for one reason. */
export interface UnmatchedRun {
  /** the first matrix of the run */
  readonly ref: CompareItemRef;
  /** the last one, when the run has more than one */
  readonly last?: CompareItemRef;
  readonly count: number;
  /** e.g. "shape 16×8 here; B has layer 3, a dense layer 16×4, at this position" or "B has no matrix named fc3" */
  readonly reason: string;
}

/** Consecutive matched pairs: A's matrices aStart … aStart + count − 1 with B's bStart … */
export interface PairRun {
  readonly aStart: number;
  readonly bStart: number;
  readonly count: number;
}

export interface LayerMatching {
  /** 'name': both files name every layer (uniquely) and names decided; 'position': aligned in order by shape */
  readonly by: 'name' | 'position';
  /** matched pairs in network order, as runs (pair p is the p-th pair counted through the runs) */
  readonly pairRuns: readonly PairRun[];
  readonly pairCount: number;
  readonly onlyA: readonly UnmatchedRun[];
  readonly onlyB: readonly UnmatchedRun[];
  /** one sentence: how the layers were matched and how many did */
  readonly summary: string;
}

/** How one matched pair of weight matrices differs. */
export interface LayerChange {
  /** index of the pair (0-based, counted through matching.pairRuns) */
  readonly pair: number;
  readonly a: CompareItemRef;
  readonly b: CompareItemRef;
  readonly label: string;
  readonly rows: number;
  readonly cols: number;
  readonly normA: number;
  readonly normB: number;
  /** ‖W_A − W_B‖₂ */
  readonly diffNorm: number;
  /** ‖W_A − W_B‖₂ / ‖W_A‖₂ (0 when both are 0) */
  readonly relativeChange: number;
  /** ‖W_A − W_B‖_F */
  readonly diffFrobenius: number;
  /** ‖b_A − b_B‖₂ */
  readonly biasDiff: number;
  /** square dense layers: ‖W − I‖₂ on each side and B − A */
  readonly minusIdentity: { readonly a: number; readonly b: number; readonly change: number } | null;
}

/** The part of a convergence run the comparison shows (src/core/convergence's result, digested). */
export interface ConvergenceDigest {
  readonly kind: string;
  readonly norm: string;
  readonly sequence: { readonly first: number; readonly last: number; readonly width: number };
  readonly series: {
    readonly weight: SeriesDigest;
    readonly bias: SeriesDigest;
  };
  readonly verdicts: {
    readonly sufficient: VerdictDigest;
    readonly necessary: VerdictDigest;
    readonly pointwise: VerdictDigest;
  };
  /** ‖W_k − I‖ (or the block's S1 term) at `layerNumbers` (all layers, or a log-spaced sample) */
  readonly layerNumbers: Float64Array;
  readonly weightTerms: Float64Array;
  readonly notes: readonly string[];
}

export interface SeriesDigest {
  readonly label: string;
  readonly sum: number;
  readonly summable: VerdictStatus;
  /** tail exponent p of the power-law fit and its interval (NaN when not fitted) */
  readonly p: number;
  readonly lo: number;
  readonly hi: number;
}

export interface VerdictDigest {
  readonly status: VerdictStatus;
  readonly reason: string;
  readonly basis: Basis;
}

export interface ConvergenceComparison {
  /** null with `error` when that side's analysis could not run (e.g. no width-preserving layers) */
  readonly a: ConvergenceDigest | null;
  readonly b: ConvergenceDigest | null;
  readonly errorA?: string;
  readonly errorB?: string;
  /** B − A of the two series sums (null unless both sides ran) */
  readonly weightSumChange: number | null;
  readonly biasSumChange: number | null;
}

/** A region of one side's slice partition, marked against the other side's. */
export interface CompareRegion {
  /** (s, t) polygon, counter-clockwise */
  readonly vertices: Float64Array;
  readonly color: string;
  readonly hash: number;
  readonly area: number;
  /**
   * 'same': the other network has a region with this pattern and this polygon; 'moved': it has the
   * pattern, but on a different polygon; 'only': no region of the other network has this pattern
   */
  readonly status: 'same' | 'moved' | 'only';
}

export interface RegionSide {
  readonly regions: readonly CompareRegion[];
  readonly count: number;
  readonly same: number;
  readonly moved: number;
  readonly only: number;
}

export interface RegionComparison {
  readonly plane: SlicePlane;
  /** false when the two networks' ReLU units differ in number or width: patterns cannot be compared */
  readonly comparable: boolean;
  readonly a: RegionSide | null;
  readonly b: RegionSide | null;
  readonly note?: string;
}

export interface CompareSide {
  /** the file's name as the user sees it (escaped) */
  readonly file: string;
  readonly uri?: string;
  readonly summary: NetworkSummary;
  readonly items: number;
}

export interface CompareParams {
  /** the second network (the host fills it in: the panel follows both files) */
  readonly other?: DocumentSource;
  /** at most this many pairs get their norms computed (log-spaced sample beyond; default 400) */
  readonly maxPairs?: number;
  /** compare the convergence analyses (default true) */
  readonly convergence?: boolean;
  /** compare the region maps of a shared 2-D slice (default true) */
  readonly regions?: boolean;
  /** the slice: as for the Activations panel (default: network A's default plane) */
  readonly plane?: { readonly origin: readonly number[]; readonly u: readonly number[]; readonly v: readonly number[] };
  readonly probes?: readonly [string, string, string];
  readonly box?: readonly [number, number, number, number];
  /** refuse region maps beyond this many regions per side (default 20000) */
  readonly maxRegions?: number;
}

export interface CompareResult {
  readonly a: CompareSide;
  readonly b: CompareSide;
  readonly matching: LayerMatching;
  readonly layers: readonly LayerChange[];
  /** true when `layers` covers a log-spaced sample of the pairs */
  readonly sampled: boolean;
  readonly convergence: ConvergenceComparison | null;
  readonly regions: RegionComparison | null;
  /** true when every compared number is exactly 0 (a network compared with itself) */
  readonly identical: boolean;
  readonly notes: readonly string[];
}

export interface CompareSpectraParams {
  readonly other?: DocumentSource;
  /** index of the pair (as LayerChange.pair) */
  readonly pair: number;
  readonly fullSvdMaxFlops?: number;
  readonly topK?: number;
}

export interface CompareSpectraResult {
  readonly pair: number;
  readonly a: LayerSpectrum;
  readonly b: LayerSpectrum;
}
