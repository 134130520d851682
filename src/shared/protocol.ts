/**
 * Typed messages between the extension host, the analysis worker and the webviews.
 *
 * One request/response shape is used on both links (host↔worker, webview↔host): a request names an
 * analysis from `AnalysisMap`, carries its params and a message id; the other side answers with
 * exactly one `response` or `error` carrying `replyTo`, and may stream `progress` before that.
 * No imports from vscode, DOM or Node here: all three runtimes compile this file.
 */
import type {
  LayerMatrixParams, LayerMatrixResult, OverviewParams, OverviewResult, ValidateResult,
} from './analyses/overview';
import type {
  ActivationsParams, ActivationsResult, RegionGridParams, RegionGridResult, RegionsParams, RegionsResult, SegmentParams, SegmentResult,
} from './analyses/activations';
import type { ConvergenceParams, ConvergenceResult } from './analyses/convergence';
import type {
  DegeneracyParams, DegeneracyResult, MomentsParams, MomentsResult, ProbeAngleParams, ProbeAngleResult,
} from './analyses/degeneracy';
import type { IndicatorParams, IndicatorResult, MeanFieldParams, MeanFieldResult, TrainingSpec } from './analyses/training';

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
  overview: { params: OverviewParams; result: OverviewResult };
  /** one layer's weight matrix for the heatmap */
  layerMatrix: { params: LayerMatrixParams; result: LayerMatrixResult };
  /** §A: activation patterns, explicit affine map, domain and stability radius at one input */
  activations: { params: ActivationsParams; result: ActivationsResult };
  /** §A: exact partition of a 2-D slice into activation regions */
  regions: { params: RegionsParams; result: RegionsResult };
  /** §A: exact linear pieces along a segment */
  segment: { params: SegmentParams; result: SegmentResult };
  /** §A: region hash per pixel of a slice (batched forward + patterns) */
  regionGrid: { params: RegionGridParams; result: RegionGridResult };
  /** §C: angle between two inputs through random ReLU networks: theory vs Monte Carlo */
  degeneracy: { params: DegeneracyParams; result: DegeneracyResult };
  /** §C: mixed moments J_{a,b}, their P/Q forms and the Bessel triangle */
  moments: { params: MomentsParams; result: MomentsResult };
  /** §C: the angle between two probes of the panel's network file, layer by layer */
  probeAngles: { params: ProbeAngleParams; result: ProbeAngleResult };
  /** §A/§B: convergence as depth → ∞ (series, tail fits, verdicts, probe trajectories) */
  convergence: { params: ConvergenceParams; result: ConvergenceResult };
  /** §D: mini-batch GD on the indicator target (streams partial results) */
  trainIndicator: { params: IndicatorParams; result: IndicatorResult };
  /** §E: mean-field limit over widths and seeds (streams partial results per width) */
  trainMeanField: { params: MeanFieldParams; result: MeanFieldResult };
  /** the `training` section of the panel's network file (null when absent) */
  trainingPreset: { params: Record<string, never>; result: { spec: TrainingSpec | null } };
}

export type AnalysisName = keyof AnalysisMap;
export type ParamsOf<K extends AnalysisName> = AnalysisMap[K]['params'];
export type ResultOf<K extends AnalysisName> = AnalysisMap[K]['result'];

/** Settings the host passes along with every worker request. */
export interface AnalysisSettings {
  readonly maxFileSizeMB: number;
  readonly norm: '2' | '1' | 'inf' | 'fro';
}

export type RequestMessage = {
  [K in AnalysisName]: {
    readonly type: 'request';
    readonly id: number;
    readonly analysis: K;
    readonly params: ParamsOf<K>;
  };
}[AnalysisName];

/** A request as the worker receives it: with the document, settings and a cancellation flag. */
export type WorkerRequestMessage = RequestMessage & {
  /** absent for analyses that need no network file */
  readonly document?: DocumentSource;
  readonly settings: AnalysisSettings;
  /** Int32Array(1) over a SharedArrayBuffer; the host stores 1 to cancel (read with Atomics) */
  readonly cancelFlag: SharedArrayBuffer;
};

export interface ResponseMessage {
  readonly type: 'response';
  readonly replyTo: number;
  readonly result: unknown;
}

export type ErrorCode = 'cancelled' | 'invalid-document' | 'bad-params' | 'worker-exited' | 'internal';

export interface ErrorMessage {
  readonly type: 'error';
  readonly replyTo: number;
  readonly code: ErrorCode;
  readonly message: string;
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

/** host → worker */
export type HostToWorker = WorkerRequestMessage;
/** worker → host */
export type WorkerToHost = ResponseMessage | ErrorMessage | ProgressMessage;

/** What a panel shows about the document it follows. */
export interface PanelDocumentInfo {
  readonly uri: string;
  readonly fileName: string;
  readonly version: number;
}

/** webview → host */
export type WebviewToHost =
  | { readonly type: 'ready' }
  | RequestMessage
  | CancelMessage
  | { readonly type: 'saveState'; readonly state: unknown }
  | { readonly type: 'export'; readonly fileName: string; readonly mime: 'image/png' | 'text/csv' | 'application/json'; readonly data: string /* base64 for png */ }
  | { readonly type: 'revealLine'; readonly line: number }
  /** open the extension's README at a section (anchor = the heading's slug, e.g. 'convergence-verdicts') */
  | { readonly type: 'openReadme'; readonly anchor: string };

/** host → webview */
export type HostToWebview =
  /** the panel's document (undefined for a panel opened without a network file) */
  | { readonly type: 'document'; readonly document: PanelDocumentInfo | undefined; readonly initialState?: unknown }
  | { readonly type: 'documentChanged'; readonly document: PanelDocumentInfo }
  | { readonly type: 'documentClosed' }
  | ResponseMessage
  | ErrorMessage
  | ProgressMessage;

export function isCancelled(flag: SharedArrayBuffer): boolean {
  return Atomics.load(new Int32Array(flag), 0) === 1;
}
