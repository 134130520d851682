/**
 * Typed messages between the extension host, the analysis worker and the webviews.
 *
 * One request/response shape is used on both links (host↔worker, webview↔host): a request names an
 * analysis from `AnalysisMap`, carries its params and a message id; the other side answers with
 * exactly one `response` or `error` carrying `replyTo`, and may stream `progress` before that.
 * No imports from vscode, DOM or Node here: all three runtimes compile this file.
 */
import type { AnalysisBudget } from './analyses/budget';
import type {
  ConvOverviewResult, LayerMatrixParams, LayerMatrixResult, OverviewParams, OverviewResult, ValidateResult,
} from './analyses/overview';
import type {
  ActivationsParams, ActivationsResult, RegionGridParams, RegionGridResult, RegionsParams, RegionsResult, SegmentParams, SegmentResult,
} from './analyses/activations';
import type { ConvergenceParams, ConvergenceResult } from './analyses/convergence';
import type {
  DegeneracyParams, DegeneracyResult, MomentsParams, MomentsResult, ProbeAngleParams, ProbeAngleResult,
} from './analyses/degeneracy';
import type { IndicatorParams, IndicatorResult, MeanFieldParams, MeanFieldResult, TrainingSpec } from './analyses/training';
import type { SpectrumParams, SpectrumResult } from './analyses/spectrum';
import type { CompareParams, CompareResult, CompareSpectraParams, CompareSpectraResult } from './analyses/compare';
import type { CheckpointResult, NetworkFileParams, TensorNormsResult } from './analyses/checkpoint';
import type { ConvActivationsReply, ConvAffineParams, ConvAffineReply, ConvAnglesParams, ConvAnglesReply, ConvConvergenceReply, ConvExactRegionsParams, ConvExactRegionsReply, ConvRegionsParams, ConvRegionsReply } from './analyses/convPanels';

/** A matrix crossing a thread boundary: row-major; the buffer is transferred, not copied. */
export interface WireMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** The network document an analysis runs on (the editor's current text, saved or not). */
export interface DocumentSource {
  /** the document's URI as a string; cache key together with version */
  readonly uri: string;
  /** file-system path when the document is a file (sibling external weight files resolve from it) */
  readonly fsPath?: string;
  readonly version: number;
  readonly text: string;
}

/** Every analysis the worker runs: its params and its result. */
export interface AnalysisMap {
  /** parse + diagnostics + the summary behind the top CodeLens */
  validate: { params: Record<string, never>; result: ValidateResult };
  /** the Network overview panel's table and plot data */
  overview: { params: OverviewParams; result: OverviewResult | ConvOverviewResult };
  /** one layer's weight matrix for the heatmap */
  layerMatrix: { params: LayerMatrixParams; result: LayerMatrixResult };
  /** §A: activation patterns, explicit affine map, domain and stability radius at one input */
  activations: { params: ActivationsParams; result: ActivationsResult | ConvActivationsReply };
  /** §A: exact partition of a 2-D slice into activation regions */
  regions: { params: RegionsParams; result: RegionsResult };
  /** §A: exact linear pieces along a segment */
  segment: { params: SegmentParams; result: SegmentResult };
  /** §A: region hash per pixel of a slice (batched forward + patterns) */
  regionGrid: { params: RegionGridParams; result: RegionGridResult };
  /** §A on a conv model: distinct activation patterns on a grid of the plane through three images (streams ConvRegionsPartial) */
  convRegions: { params: ConvRegionsParams; result: ConvRegionsReply };
  /** §A on a conv model: the exact partition of the plane through three images into regions, where affordable */
  convExactRegions: { params: ConvExactRegionsParams; result: ConvExactRegionsReply };
  /** §A on a conv model: the affine map on an image's activation region as Jacobian–vector products */
  convAffine: { params: ConvAffineParams; result: ConvAffineReply };
  /** §C on a conv model: the angle between two images through the network beside the infinite-width prediction */
  convAngles: { params: ConvAnglesParams; result: ConvAnglesReply };
  /** §C: angle between two inputs through random ReLU networks: theory vs Monte Carlo */
  degeneracy: { params: DegeneracyParams; result: DegeneracyResult };
  /** §C: mixed moments J_{a,b}, their P/Q forms and the Bessel triangle */
  moments: { params: MomentsParams; result: MomentsResult };
  /** §C: the angle between two probes of the panel's network file, layer by layer */
  probeAngles: { params: ProbeAngleParams; result: ProbeAngleResult };
  /** §A/§B: convergence as depth → ∞ (series, tail fits, verdicts, probe trajectories) */
  convergence: { params: ConvergenceParams; result: ConvergenceResult | ConvConvergenceReply };
  /** §D: mini-batch GD on the indicator target (streams partial results) */
  trainIndicator: { params: IndicatorParams; result: IndicatorResult };
  /** §E: mean-field limit over widths and seeds (streams partial results per width) */
  trainMeanField: { params: MeanFieldParams; result: MeanFieldResult };
  /** the `training` section of the panel's network file (null when absent) */
  trainingPreset: { params: Record<string, never>; result: { spec: TrainingSpec | null } };
  /** per-layer singular values, ESD against Marchenko–Pastur, stable rank, power-law tail */
  spectrum: { params: SpectrumParams; result: SpectrumResult };
  /** the panel's network (A) against params.other (B): matched layers, changes, convergence, regions */
  compare: { params: CompareParams; result: CompareResult };
  /** both spectra of one matched pair of A and params.other (the overlaid ESDs) */
  compareSpectra: { params: CompareSpectraParams; result: CompareSpectraResult };
  /** a checkpoint's tensor table and the layer chain Depth Lens reads from it */
  checkpoint: { params: Record<string, never>; result: CheckpointResult };
  /** every tensor's ‖·‖₂, streamed tensor by tensor (partials: TensorNormsResult with the new norms) */
  tensorNorms: { params: Record<string, never>; result: TensorNormsResult };
  /** the text of a *.network.json that references the checkpoint's tensors */
  networkFileText: { params: NetworkFileParams; result: { text: string } };
}

export type AnalysisName = keyof AnalysisMap;
export type ParamsOf<K extends AnalysisName> = AnalysisMap[K]['params'];
export type ResultOf<K extends AnalysisName> = AnalysisMap[K]['result'];

/** Settings the host passes along with every worker request. */
export interface AnalysisSettings {
  readonly maxFileSizeMB: number;
  readonly norm: '2' | '1' | 'inf' | 'fro';
  /** depthLens.analysis.maxWork / maxMemoryMB: the budget of every analysis whose params do not name one */
  readonly budget?: AnalysisBudget;
}

/** One analysis with its params: a union over AnalysisMap, so `analysis` and `params` always match. */
export type AnalysisRequest = {
  [K in AnalysisName]: { readonly analysis: K; readonly params: ParamsOf<K> };
}[AnalysisName];

/**
 * The typed way to build an AnalysisRequest from a generic analysis name: TypeScript cannot see that
 * `{ analysis: K, params: ParamsOf<K> }` is one member of the union for a generic K, so the one cast
 * lives here.
 */
export function requestOf<K extends AnalysisName>(analysis: K, params: ParamsOf<K>): AnalysisRequest {
  return { analysis, params } as AnalysisRequest;
}

export type RequestMessage = AnalysisRequest & {
  readonly type: 'request';
  readonly id: number;
};

/** A request as the worker receives it: with the document, settings and a cancellation flag. */
export type WorkerRequestMessage = RequestMessage & {
  /** absent for analyses that need no network file */
  readonly document?: DocumentSource;
  readonly settings: AnalysisSettings;
  /** Int32Array(1) over a SharedArrayBuffer; the host stores 1 to cancel (read with Atomics) */
  readonly cancelFlag: SharedArrayBuffer;
  /**
   * background runs only (the editor's lens runs): Int32Array(1) the host sets to 1 while a panel's
   * analyses run; the run then waits at its checkpoints (worker/yield.ts), leaving the CPU to the panel
   */
  readonly yieldFlag?: SharedArrayBuffer;
};

export interface ResponseMessage {
  readonly type: 'response';
  readonly replyTo: number;
  readonly result: unknown;
}

/**
 * `worker-exited`: the worker stopped while the request was pending (it restarts on the next request);
 * `worker-unavailable`: it cannot be started (missing, or it crashed several times in a row) until the
 * user runs "Depth Lens: Restart Analysis Worker".
 */
export type ErrorCode = 'cancelled' | 'invalid-document' | 'bad-params' | 'worker-exited' | 'worker-unavailable' | 'internal';

export interface ErrorMessage {
  readonly type: 'error';
  readonly replyTo: number;
  readonly code: ErrorCode;
  readonly message: string;
  /** set when the analysis budget refused the run: what it needs, so a panel can offer the budget as a control */
  readonly budget?: BudgetRefusal;
}

/** An analysis refused by its budget (core/network/budget.ts BudgetError), in numbers. */
export interface BudgetRefusal {
  readonly resource: 'work' | 'memory';
  /** multiply-adds (work) or bytes (memory) the run needs, estimated from the shapes */
  readonly needed: number;
  /** the budget it was checked against */
  readonly limits: AnalysisBudget;
}

export interface ProgressMessage {
  readonly type: 'progress';
  readonly replyTo: number;
  /** in [0, 1] */
  readonly fraction: number;
  readonly message?: string;
  /** a partial result so far (e.g. training curves while the run continues), when the analysis streams them */
  readonly partial?: unknown;
}

export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: number;
}

/**
 * Test builds only: the worker exits with `code` when the next request arrives, so the integration
 * suite can follow a real crash (exit → pending requests rejected → one warning → restart). The worker
 * ignores it unless the host started it with `workerData.testHooks` (extension test mode), so nothing
 * a user's file or panel sends can trigger it.
 */
export interface CrashOnNextRequestMessage {
  readonly type: 'test-crash-on-next-request';
  readonly exitCode: number;
}

/**
 * Test builds only (same guard as above): the next request first computes for `ms` without looking at
 * its cancellation flag — a stand-in for an analysis that is slow to notice a cancel, so the suite can
 * check that such work is abandoned and never delays the requests after it.
 */
export interface StallNextRequestMessage {
  readonly type: 'test-stall-next-request';
  readonly ms: number;
}

/** host → worker */
export type HostToWorker = WorkerRequestMessage | CrashOnNextRequestMessage | StallNextRequestMessage;
/** worker → host */
export type WorkerToHost = ResponseMessage | ErrorMessage | ProgressMessage;

/** What a panel shows about the document it follows. */
export interface PanelDocumentInfo {
  readonly uri: string;
  readonly fileName: string;
  readonly version: number;
}

/** Documents shipped with the extension that a panel can open (README.md, docs/MATH.md). */
export type ShippedDocument = 'readme' | 'math';

/** webview → host */
export type WebviewToHost =
  | { readonly type: 'ready' }
  | RequestMessage
  | CancelMessage
  | { readonly type: 'export'; readonly fileName: string; readonly mime: 'image/png' | 'text/csv' | 'application/json'; readonly data: string /* base64 for png */ }
  | { readonly type: 'revealLine'; readonly line: number }
  /**
   * open a shipped document beside the panel at a section: `anchor` is a heading's GitHub-style slug
   * or an explicit <a id> (README, e.g. 'convergence-verdicts'), or a section letter of MATH.md ('A'…'E')
   */
  | { readonly type: 'openDoc'; readonly document: ShippedDocument; readonly anchor: string }
  /** the checkpoint viewer's buttons: open an analysis panel on the checkpoint, or write a network file for it */
  | { readonly type: 'openPanel'; readonly panel: CheckpointPanel }
  | { readonly type: 'createNetworkFile' };

/** The panels the checkpoint viewer opens on its model. */
export type CheckpointPanel = 'overview' | 'activations' | 'convergence' | 'depthPlots';

/** host → webview */
export type HostToWebview =
  /**
   * the panel's document (undefined for a panel opened without a network file); sent in answer to
   * `ready`. State the webview saved with setState comes back through getState() after a reload.
   */
  | { readonly type: 'document'; readonly document: PanelDocumentInfo | undefined }
  /** the document's text changed (an edit in the editor, or the file on disk while no editor has it) */
  | { readonly type: 'documentChanged'; readonly document: PanelDocumentInfo }
  /** the document went away (deleted, or an untitled document was closed): the panel keeps its last results */
  | { readonly type: 'documentClosed'; readonly message: string }
  /** the analysis worker was restarted: request everything again */
  | { readonly type: 'reload' }
  | ResponseMessage
  | ErrorMessage
  | ProgressMessage;

export function isCancelled(flag: SharedArrayBuffer): boolean {
  return Atomics.load(new Int32Array(flag), 0) === 1;
}
