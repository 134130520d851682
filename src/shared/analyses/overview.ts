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
  /** absent (or 'dense') for network files and dense checkpoints; ConvOverviewResult has 'conv' */
  readonly kind?: 'dense';
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

/** The model of a conv checkpoint as `depth-lens info` summarises it (src/core/conv/overview.ts). */
export interface ConvOverviewSummary {
  readonly name?: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** top-level layers (ops), residual blocks counted once */
  readonly ops: number;
  readonly residualBlocks: number;
  readonly identityBlocks: number;
  /** as the file counts them (BatchNorm separate), else the folded count */
  readonly parameterCount: number;
  /** with BatchNorm folded into the convs */
  readonly foldedParameterCount: number;
}

/** One row of `depth-lens info --no-norms`: a layer, a residual block, or a conv of a block's branch/shortcut. */
export interface ConvOverviewLayer {
  /** "3" for the third layer, "3.1" for the first conv of block 3's branch, "3.s" for its shortcut */
  readonly layer: string;
  readonly type: string;
  readonly name: string;
  readonly input: readonly number[];
  readonly output: readonly number[];
  /** kernel, stride, padding (blocks: their convs and shortcut) */
  readonly detail: string;
  readonly activation: 'relu' | 'linear';
  readonly parameters: number;
  /** a network file's top-level layers: where the layer's entry starts (UTF-16 offset), for code lenses */
  readonly offset?: number;
}

/** A stage: residual blocks sharing a name prefix ("layer2"), from its first block's input to its last's output. */
export interface ConvOverviewStage {
  readonly stage: string;
  readonly blocks: number;
  readonly identityBlocks: number;
  readonly input: readonly number[];
  readonly output: readonly number[];
  readonly parameters: number;
  /** the layers ("2–9") */
  readonly layers: string;
}

/** A run of identity-shortcut blocks (a projection block ends a run): a series of the Convergence panel. */
export interface ConvOverviewRun {
  /** 1-based, as the Convergence panel numbers them */
  readonly index: number;
  readonly stage: string;
  readonly blocks: readonly string[];
  readonly shape: readonly number[];
  /** the layers ("2–9") */
  readonly layers: string;
}

export interface ConvOverviewResult {
  readonly kind: 'conv';
  readonly summary: ConvOverviewSummary;
  readonly rows: readonly ConvOverviewLayer[];
  readonly stages: readonly ConvOverviewStage[];
  readonly runs: readonly ConvOverviewRun[];
  /** the reader's notes (BatchNorm folded, …) */
  readonly notes: readonly string[];
}

/** The dense overview of a request that can only be about a dense network; a conv one there is a bug, said so. */
export function denseOverview(r: OverviewResult | ConvOverviewResult): OverviewResult {
  if (r.kind === 'conv') throw new TypeError('expected the overview of a dense network, got a convolutional model\'s');
  return r;
}
