/**
 * Params/results of the weight-spectrum analysis (the Spectrum panel and `depth-lens spectrum`):
 * per layer the singular values of W and of W − I, the empirical spectral density (ESD) of WᵀW
 * against the Marchenko–Pastur law, the stable rank and a power-law fit of the ESD's tail.
 * Structured-clone friendly (plain objects, numbers, strings, Float64Array).
 *
 * Layer numbers are 1-based; a residual block is one layer and its branch layers are numbered
 * 1..K inside it (`branchLayer`).
 */
import type { NetworkSummary } from './overview';

/** Which matrix of the network an entry describes. */
export interface SpectrumItemRef {
  /** 1-based layer number (a residual block counts as one layer) */
  readonly layer: number;
  /** residual blocks: the 1-based branch layer inside the block */
  readonly branchLayer?: number;
  /** "layer 3" or "block 4 · branch 2" (with the file's own name in parentheses when it has one) */
  readonly label: string;
  /** the name the file gives this layer, when it gives one */
  readonly name?: string;
  readonly rows: number;
  readonly cols: number;
}

/** How the singular values were obtained. */
export interface SpectrumMethod {
  /** 'full': every singular value; 'top-k': only the k largest (the matrix was above the budget) */
  readonly kind: 'full' | 'top-k';
  readonly algorithm: 'householder' | 'jacobi' | 'lanczos';
  /** how many singular values were computed, of how many there are (min(rows, cols)) */
  readonly computed: number;
  readonly total: number;
  /** e.g. "full SVD (Householder bidiagonalization + implicit QR)" or "top 100 of 4096 by Lanczos (above the full-SVD budget of …)" */
  readonly description: string;
}

/** The Marchenko–Pastur law for a random matrix of the layer's shape and entry variance. */
export interface MarchenkoPasturSummary {
  readonly rows: number;
  readonly cols: number;
  /** σ² = the empirical variance of W's entries (about their mean) */
  readonly variance: number;
  /** min/max of the shape */
  readonly ratio: number;
  /** edges of the law for the eigenvalues of WᵀW: σ²(√N ± √M)² */
  readonly lambdaMinus: number;
  readonly lambdaPlus: number;
  /** eigenvalues above λ₊ (outliers, "spikes") and below λ₋ (counting exact zeros of a non-square W's WᵀW only once per min(N, M)) */
  readonly above: number;
  readonly below: number;
}

export interface PowerLawSummary {
  readonly status: 'fitted' | 'too-few';
  readonly alpha: number;
  readonly standardError: number;
  readonly xmin: number;
  readonly xmax: number;
  /** Kolmogorov–Smirnov distance of the fit */
  readonly ks: number;
  readonly tailCount: number;
  /** positive eigenvalues the fit saw */
  readonly count: number;
  readonly zeros: number;
  /** true when only the top-k eigenvalues were known: the tail below them was not seen */
  readonly partial: boolean;
  readonly message: string;
}

export interface LayerSpectrum extends SpectrumItemRef {
  /** 'dense' today; 'per-frequency' for operators given as blocks (convolutions with circular padding) */
  readonly operator: 'dense' | 'per-frequency';
  readonly method: SpectrumMethod;
  /** σ_i(W), descending (all of them, or the top k) */
  readonly singularValues: Float64Array;
  readonly spectralNorm: number;
  /** ‖W‖_F² (exact, from the entries) */
  readonly frobeniusSquared: number;
  /** ‖W‖_F² / ‖W‖₂² */
  readonly stableRank: number;
  /** square W: σ_i(W − I), descending, with how they were obtained; null otherwise */
  readonly minusIdentity: { readonly singularValues: Float64Array; readonly method: SpectrumMethod; readonly spectralNorm: number } | null;
  /** why W − I is absent (non-square, or a branch layer whose block adds the identity itself) */
  readonly minusIdentityNote?: string;
  /** mean of W's entries */
  readonly mean: number;
  readonly marchenkoPastur: MarchenkoPasturSummary | null;
  readonly powerLaw: PowerLawSummary;
}

export interface SpectrumParams {
  /** at most this many network layers (log-spaced sample beyond; default 64) */
  readonly maxLayers?: number;
  /** only these 1-based layer numbers (each once; a residual block brings all its branch layers) */
  readonly layers?: readonly number[];
  /**
   * a full SVD is done when its flops (4mn² − 4n³/3, m ≥ n) are at most this (default 3·10⁹,
   * a 1024×1024 layer); above it the top-k singular values by Lanczos
   */
  readonly fullSvdMaxFlops?: number;
  /** k of the top-k path (default 100) */
  readonly topK?: number;
  /** skip the singular values of W − I (default false) */
  readonly skipMinusIdentity?: boolean;
}

export interface SpectrumResult {
  readonly summary: NetworkSummary;
  readonly items: readonly LayerSpectrum[];
  /** matrices in the whole network (dense layers + branch layers) */
  readonly totalItems: number;
  /** true when `items` cover a log-spaced sample of the layers */
  readonly sampled: boolean;
  readonly budget: { readonly fullSvdMaxFlops: number; readonly topK: number; readonly maxLayers: number };
  readonly powerLawMethod: string;
  readonly notes: readonly string[];
}
