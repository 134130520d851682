/**
 * The webview's side of the panel protocol: typed requests to the host (which forwards them to the
 * worker with the panel's document), document announcements, and persisted state.
 */
import { isCancelled, RequestClient, RpcError, type CancellationLike, type RequestOptions } from '../../src/shared/rpc';
import type { AnalysisName, CheckpointPanel, HostToWebview, PanelDocumentInfo, ParamsOf, ResultOf, ShippedDocument, WebviewToHost } from '../../src/shared/protocol';
import { banner, setDocumentOpener } from './ui';

interface VsCodeApi<S> {
  postMessage(message: WebviewToHost): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export { isCancelled, RpcError };

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

/**
 * `changed` is false for the first announcement (and after a reload of the window, when `state` is
 * what the webview saved with setState) and true when the panel should request its data again: the
 * document's text changed, or the analysis worker was restarted.
 */
export type DocumentListener<S> = (doc: PanelDocumentInfo | undefined, state: S | undefined, changed: boolean) => void;

export class HostConnection<S extends PanelState> {
  private readonly api = acquireVsCodeApi<S>();
  private readonly client = new RequestClient(
    (message) => this.api.postMessage(message),
    (id) => this.api.postMessage({ type: 'cancel', id }),
  );
  private documentListeners: Array<DocumentListener<S>> = [];
  private closedListeners: Array<() => void> = [];
  /** says that the panel's file is gone (shared by every panel; removed when the document is back) */
  private closedBanner: HTMLElement | undefined;
  document: PanelDocumentInfo | undefined;

  constructor() {
    setDocumentOpener((document, anchor) => this.openDocument(document, anchor));
    window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
      const m = event.data;
      switch (m.type) {
        case 'document':
          this.document = m.document;
          this.showClosed(undefined);
          if (m.document) this.patchState({ documentUri: m.document.uri } as Partial<S>);
          for (const l of this.documentListeners) l(m.document, this.api.getState(), false);
          return;
        case 'documentChanged':
          this.document = m.document;
          this.showClosed(undefined);
          for (const l of this.documentListeners) l(m.document, undefined, true);
          return;
        case 'reload':
          for (const l of this.documentListeners) l(this.document, undefined, true);
          return;
        case 'documentClosed':
          this.showClosed(m.message);
          for (const l of this.closedListeners) l();
          return;
        default:
          this.client.handle(m);
      }
    });
  }

  private showClosed(message: string | undefined): void {
    this.closedBanner?.remove();
    this.closedBanner = undefined;
    if (message === undefined) return;
    this.closedBanner = banner('info', message);
    this.closedBanner.dataset.testid = 'document-closed';
    document.getElementById('app')?.prepend(this.closedBanner);
  }

  /** Call once listeners are in place: the host answers with the document. */
  ready(): void {
    this.api.postMessage({ type: 'ready' });
  }

  onDocument(listener: DocumentListener<S>): void {
    this.documentListeners.push(listener);
  }

  /** The document went away (deleted, or an untitled document was closed); a banner already says so. */
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

  /** The checkpoint viewer: open an analysis panel on its model. */
  openPanel(panel: CheckpointPanel): void {
    this.api.postMessage({ type: 'openPanel', panel });
  }

  /** The checkpoint viewer: write a network file that references its tensors. */
  createNetworkFile(): void {
    this.api.postMessage({ type: 'createNetworkFile' });
  }

  /** Opens the extension's README at the section with this anchor (GitHub-style heading slug). */
  openReadme(anchor: string): void {
    this.openDocument('readme', anchor);
  }

  /** Opens docs/MATH.md (the mathematics reference) at a section letter, e.g. 'C'. */
  openMath(section: string): void {
    this.openDocument('math', section);
  }

  private openDocument(document: ShippedDocument, anchor: string): void {
    this.api.postMessage({ type: 'openDoc', document, anchor });
  }
}
