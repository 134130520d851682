/**
 * One webview panel that follows one network document. The webview pulls everything by message:
 * it says `ready`, gets the document info (and its saved state), then sends typed analysis requests
 * that this class forwards to the worker with the document's current text. Edits to the document
 * are announced (debounced) so the webview re-requests; the panel survives reloads through a
 * serializer keyed by its view type.
 */
import * as vscode from 'vscode';
import type { Config } from '../config';
import { documentSource } from '../networkDocuments';
import type { WorkerClient } from '../workerClient';
import { RpcError } from '../../shared/rpc';
import type { HostToWebview, PanelDocumentInfo, WebviewToHost } from '../../shared/protocol';
import { renderWebviewHtml } from './html';

export interface PanelKind {
  /** e.g. 'depthLens.overview' */
  readonly viewType: string;
  /** title prefix, e.g. 'Network overview' */
  readonly title: string;
  /** webview bundle name under dist/webview/ */
  readonly entry: string;
  /** false for panels that also work without a network file (random-network depth plots, training) */
  readonly needsDocument: boolean;
}

export interface PanelServices {
  readonly extensionUri: vscode.Uri;
  readonly worker: WorkerClient;
  readonly config: Config;
  readonly log: vscode.LogOutputChannel;
}

/** What the webview persists with vscode.setState and the serializer hands back. */
export interface PersistedPanelState {
  readonly documentUri?: string;
  readonly [key: string]: unknown;
}

export class AnalysisPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly inFlight = new Map<number, vscode.CancellationTokenSource>();
  private changeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;

  constructor(
    readonly kind: PanelKind,
    readonly panel: vscode.WebviewPanel,
    private document: vscode.TextDocument | undefined,
    private readonly services: PanelServices,
    private readonly restoredState?: unknown,
  ) {
    const { extensionUri } = services;
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    panel.title = document ? `${kind.title}: ${baseName(document.uri)}` : kind.title;
    panel.webview.html = renderWebviewHtml(panel.webview, extensionUri, kind.entry, kind.title);
    this.disposables.push(
      this.closed,
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: WebviewToHost) => this.onMessage(m)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!this.document || e.document.uri.toString() !== this.document.uri.toString()) return;
        this.document = e.document;
        clearTimeout(this.changeTimer);
        this.changeTimer = setTimeout(() => { const info = this.info(); if (info) this.post({ type: 'documentChanged', document: info }); }, services.config.debounceMs);
      }),
    );
  }

  get documentUri(): vscode.Uri | undefined {
    return this.document?.uri;
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  private info(): PanelDocumentInfo | undefined {
    const d = this.document;
    return d ? { uri: d.uri.toString(), fileName: baseName(d.uri), version: d.version } : undefined;
  }

  private post(message: HostToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private onMessage(m: WebviewToHost): void {
    switch (m.type) {
      case 'ready':
        this.post({ type: 'document', document: this.info(), initialState: this.restoredState });
        return;
      case 'request':
        void this.forward(m);
        return;
      case 'cancel':
        this.inFlight.get(m.id)?.cancel();
        return;
      case 'saveState':
        return; // the webview persists its own state with setState; nothing to keep here
      case 'export':
        void this.exportFile(m.fileName, m.mime, m.data);
        return;
      case 'revealLine':
        if (this.document) void vscode.window.showTextDocument(this.document, { selection: new vscode.Range(m.line, 0, m.line, 0), viewColumn: vscode.ViewColumn.One });
        return;
      case 'openReadme':
        void this.openReadme(m.anchor);
        return;
    }
  }

  private async forward(m: Extract<WebviewToHost, { type: 'request' }>): Promise<void> {
    const cts = new vscode.CancellationTokenSource();
    this.inFlight.set(m.id, cts);
    try {
      const result = await this.services.worker.request(m.analysis, this.document ? documentSource(this.document) : undefined, m.params as never, this.services.config.analysisSettings, {
        token: cts.token,
        onProgress: (fraction, message, partial) => this.post({ type: 'progress', replyTo: m.id, fraction, message, partial }),
      });
      this.post({ type: 'response', replyTo: m.id, result });
    } catch (e) {
      const code = e instanceof RpcError ? e.code : 'internal';
      const message = e instanceof Error ? e.message : String(e);
      if (code === 'internal') this.services.log.error(`${m.analysis} failed: ${message}`);
      this.post({ type: 'error', replyTo: m.id, code, message });
    } finally {
      this.inFlight.delete(m.id);
      cts.dispose();
    }
  }

  /** The README in the editor beside the panel, at the heading whose GitHub-style slug is `anchor`. */
  private async openReadme(anchor: string): Promise<void> {
    const readme = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(this.services.extensionUri, 'README.md'));
    const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');
    let line = 0;
    for (let i = 0; i < readme.lineCount; i++) {
      const text = readme.lineAt(i).text;
      const h = text.match(/^#{1,6}\s+(.*)$/);
      // a heading's slug, or an explicit <a id="…"></a> anchor
      if ((h && slug(h[1]) === anchor) || text.includes(`id="${anchor}"`)) { line = i; break; }
    }
    const editor = await vscode.window.showTextDocument(readme, { viewColumn: vscode.ViewColumn.Beside, preview: true, selection: new vscode.Range(line, 0, line, 0) });
    editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.AtTop);
  }

  /** Only on the user's request, through a save dialog: nothing is written unasked. */
  private async exportFile(fileName: string, mime: string, data: string): Promise<void> {
    const folder = this.document ? vscode.workspace.getWorkspaceFolder(this.document.uri)?.uri ?? vscode.Uri.joinPath(this.document.uri, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined, title: 'Export from Depth Lens' });
    if (!target) return;
    const bytes = mime === 'image/png' ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`Depth Lens: exported ${baseName(target)}`);
  }

  dispose(): void {
    clearTimeout(this.changeTimer);
    for (const c of this.inFlight.values()) c.cancel();
    this.inFlight.clear();
    this.closed.fire();
    vscode.Disposable.from(...this.disposables).dispose();
    this.panel.dispose();
  }
}

export function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}
