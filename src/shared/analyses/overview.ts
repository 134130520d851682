/** Params/results of the foundation analyses: the network summary (CodeLens) and the overview panel. */
import type { WireMatrix } from '../protocol';

export interface WireDiagnostic {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'information';
  readonly message: string;
  /** 0-based position of the offending JSON node */
  readonly range: { readonly start: { line: number; character: number }; readonly end: { line: number; character: number } };
}

/** One run of layers for CodeLens anchoring (an explicit layer or a whole family). */
export interface GroupSummary {
  readonly start: number;
  readonly count: number;
  readonly type: string;
  /** 0-based line of the group's JSON node, when known */
  readonly line?: number;
  /** the group's JSON node as offset/length in the document text (editor ranges for diagnostics) */
  readonly source?: { readonly offset: number; readonly length: number };
  /** widths "in→out" of the group's first layer (families: all layers share them) */
  readonly shape: string;
}

export interface NetworkSummary {
  readonly name?: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly depth: number;
  /** widths n_0..n_L, compressed as runs ("2, 16×3, 1") for display */
  readonly widthsText: string;
  readonly parameterCount: number;
  readonly groups: readonly GroupSummary[];
  readonly probeNames: readonly string[];
}

export interface ValidateResult {
  readonly diagnostics: readonly WireDiagnostic[];
  readonly summary?: NetworkSummary;
  /** absolute paths of the external weight files the document refers to (found or not): the host watches them */
  readonly externalFiles?: readonly string[];
  /**
   * set when the file is a convolutional model (a checkpoint): the Convergence and Activations panels
   * show their conv views; `summary` is absent (the dense reader refuses it)
   */
  readonly conv?: { readonly inputShape: readonly [number, number, number]; readonly name?: string };
}

export interface OverviewLayerRow {
  /** 1-based layer number as users count */
  readonly layer: number;
  readonly type: 'dense' | 'residual';
  /** e.g. "16×2" (out×in); residual: "16→4→16" */
  readonly shape: string;
  readonly activation: string;
  readonly normW: number;
  /** ‖W − I‖₂ for square W (residual blocks: not defined → null) */
  readonly normWminusI: number | null;
  readonly normB: number;
}

export interface OverviewParams {
  /** at most this many rows (families are sampled log-uniformly beyond it) */
  readonly maxRows?: number;
}

export interface OverviewResult {
  readonly summary: NetworkSummary;
  readonly rows: readonly OverviewLayerRow[];
  /** true when rows are a log-spaced sample of a deeper network */
  readonly sampled: boolean;
}

export interface LayerMatrixParams {
  /** 1-based layer number */
  readonly layer: number;
  /** for residual blocks: which branch layer (1-based); default 1 */
  readonly branchLayer?: number;
}

export interface LayerMatrixResult {
  readonly layer: number;
  readonly label: string;
  readonly weights: WireMatrix;
}
