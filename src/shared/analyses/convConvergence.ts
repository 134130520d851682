/**
 * Convergence on a convolutional ResNet (MATH.md §B; issue 14): per run of identity-shortcut blocks
 * (a stage; a projection block ends a run) the Huang–Zhang terms of every block, their partial sums
 * S1, S2, and the increments ‖x_n − x_{n−1}‖ at probe images against the bound a_n‖x_{n−1}‖ + β_n.
 * Produced by src/core/conv/convergence.ts; the CLI's `convergence --json` prints it.
 */
import type { SummabilityDecision, VerdictStatus } from './convergence';

export interface ConvBranchNorm {
  /** the conv's name (BatchNorm folded into it) */
  readonly name: string;
  /** ‖W^(n,k)‖₂ of the conv's linear part on its input [C, H, W] */
  readonly norm: number;
  /** a singular value of W lies within this of `norm` (0 for the FFT) */
  readonly residual: number;
  readonly method: 'lanczos' | 'power' | 'fft';
  readonly steps: number;
  /** ‖b^(n,k)‖₂ of the bias as a C×Ho×Wo tensor */
  readonly biasNorm: number;
}

export interface ConvBlockProbes {
  /** ‖x_{n−1}‖₂ per probe */
  readonly inputNorm: readonly number[];
  /** ‖x_n − x_{n−1}‖₂ per probe */
  readonly increment: readonly number[];
  /** a_n‖x_{n−1}‖ + β_n per probe */
  readonly bound: readonly number[];
  /** increment ≤ bound (up to 1e-9 relative: the norms are Lanczos estimates) per probe */
  readonly boundHolds: readonly boolean[];
  /** x_{n−1} ≥ 0 entrywise per probe (the bound's hypothesis: then ‖σ(x + r) − x‖ ≤ ‖r‖) */
  readonly inputNonNegative: readonly boolean[];
}

export interface ConvBlockTerm {
  /** the block's name ("layer1.0") */
  readonly block: string;
  /** index of the block among the net's ops (0-based) */
  readonly op: number;
  /** 1-based position in its run: n */
  readonly n: number;
  /** [C, H, W] of x_{n−1} and x_n */
  readonly shape: readonly [number, number, number];
  readonly branch: readonly ConvBranchNorm[];
  /** a_n = Π_k ‖W^(n,k)‖₂ (S1's term) */
  readonly a: number;
  /** β_n = Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖₂ (S2's term) */
  readonly beta: number;
  /** Σ_{m ≤ n} a_m and Σ_{m ≤ n} β_m over the run */
  readonly S1: number;
  readonly S2: number;
  /** a_n / a_{n−1} and β_n / β_{n−1}; null for the first block of the run */
  readonly aRatio: number | null;
  readonly betaRatio: number | null;
  readonly probes: ConvBlockProbes;
}

export interface ConvSeriesVerdict {
  readonly status: VerdictStatus;
  /** one line: what decided, or why nothing could be ("cannot decide from 8 blocks: …") */
  readonly reason: string;
}

export interface ConvRunResult {
  /** 1-based */
  readonly index: number;
  /** the stage the run belongs to (the blocks' common name prefix, "layer1"), or "run N" */
  readonly stage: string;
  readonly blocks: readonly ConvBlockTerm[];
  readonly shape: readonly [number, number, number];
  /** Σ a_n and Σ β_n over the run's blocks (exact over the blocks present) */
  readonly S1: number;
  readonly S2: number;
  /** the summability decision of each series (dyadic block sums over the run's block numbers, src/core/convergence/summability.ts) */
  readonly s1Decision: SummabilityDecision;
  readonly s2Decision: SummabilityDecision;
  /** the sufficient condition (S1) + (S2) of MATH.md §B on this run */
  readonly sufficient: ConvSeriesVerdict;
  /** every probe, every block: ‖x_n − x_{n−1}‖ ≤ a_n‖x_{n−1}‖ + β_n (observed) */
  readonly boundHolds: boolean;
  /** max over blocks and probes of increment / bound (≤ 1 when the bound holds) */
  readonly maxBoundRatio: number;
  /** a_n of the last block over a_n of the first (the terms' trend over the run) */
  readonly termTrend: number | null;
}

export interface ConvConvergenceResult {
  readonly inputShape: readonly [number, number, number];
  readonly probes: readonly string[];
  readonly runs: readonly ConvRunResult[];
  /** how the norms were computed */
  readonly normRule: string;
  readonly notes: readonly string[];
}
