/**
 * The webview's side of the panel protocol: typed requests to the host (which forwards them to the
 * worker with the panel's document), document announcements, and persisted state.
 */
import { RequestClient, RpcError, type CancellationLike, type RequestOptions } from '../../src/shared/rpc';
import type { AnalysisName, HostToWebview, PanelDocumentInfo, ParamsOf, ResultOf, WebviewToHost } from '../../src/shared/protocol';

interface VsCodeApi<S> {
  postMessage(message: WebviewToHost): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export { RpcError };

/** A cancellation token the webview can trigger (e.g. when the input changes). */
export class Cancellation implements CancellationLike {
  private listeners: Array<() => void> = [];
  isCancellationRequested = false;
  cancel(): void {
    if (this.isCancellationRequested) return;
    this.isCancellationRequested = true;
    for (const l of this.listeners) l();
    this.listeners = [];
  }
  onCancellationRequested(listener: () => void): { dispose(): void } {
    this.listeners.push(listener);
    return { dispose: () => { this.listeners = this.listeners.filter((l) => l !== listener); } };
  }
}

export interface PanelState {
  documentUri?: string;
}

export class HostConnection<S extends PanelState> {
  private readonly api = acquireVsCodeApi<S>();
  private readonly client = new RequestClient(
    (id, analysis, params) => this.api.postMessage({ type: 'request', id, analysis, params } as WebviewToHost),
    (id) => this.api.postMessage({ type: 'cancel', id }),
  );
  private documentListeners: Array<(doc: PanelDocumentInfo | undefined, initialState: S | undefined, changed: boolean) => void> = [];
  private closedListeners: Array<() => void> = [];
  document: PanelDocumentInfo | undefined;

  constructor() {
    window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
      const m = event.data;
      switch (m.type) {
        case 'document':
          this.document = m.document;
          if (m.document) this.patchState({ documentUri: m.document.uri } as Partial<S>);
          for (const l of this.documentListeners) l(m.document, (m.initialState as S | undefined) ?? this.api.getState(), false);
          return;
        case 'documentChanged':
          this.document = m.document;
          for (const l of this.documentListeners) l(m.document, undefined, true);
          return;
        case 'documentClosed':
          for (const l of this.closedListeners) l();
          return;
        default:
          this.client.handle(m);
      }
    });
  }

  /** Call once listeners are in place: the host answers with the document (and restored state). */
  ready(): void {
    this.api.postMessage({ type: 'ready' });
  }

  onDocument(listener: (doc: PanelDocumentInfo | undefined, initialState: S | undefined, changed: boolean) => void): void {
    this.documentListeners.push(listener);
  }

  onClosed(listener: () => void): void {
    this.closedListeners.push(listener);
  }

  request<K extends AnalysisName>(analysis: K, params: ParamsOf<K>, options?: RequestOptions): Promise<ResultOf<K>> {
    return this.client.request(analysis, params, options);
  }

  get state(): S | undefined {
    return this.api.getState();
  }

  patchState(patch: Partial<S>): void {
    this.api.setState({ ...(this.api.getState() ?? ({} as S)), ...patch });
  }

  export(fileName: string, mime: 'image/png' | 'text/csv' | 'application/json', data: string): void {
    this.api.postMessage({ type: 'export', fileName, mime, data });
  }

  revealLine(line: number): void {
    this.api.postMessage({ type: 'revealLine', line });
  }

  /** Opens the extension's README at the section with this anchor (GitHub-style heading slug). */
  openReadme(anchor: string): void {
    this.api.postMessage({ type: 'openReadme', anchor });
  }
}
