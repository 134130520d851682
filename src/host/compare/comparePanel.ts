/**
 * "Depth Lens: Compare With…": a panel that follows two network files, A and B. The webview sends
 * ordinary analysis requests (`compare`, `compareSpectra`); this panel forwards them to the worker
 * with A as the request's document and B's current text as `params.other`. Each file's text is the
 * open editor's (saved or not) when one is open, else the file on disk; an edit or a change on disk
 * of either file is announced (debounced) and the webview asks again. The webview keeps both URIs in
 * its state, so the serializer restores the panel after a window reload.
 */
import { checkpointSource, isCheckpointUri } from '../checkpointEditor';
import * as vscode from 'vscode';
import { RpcError } from '../../shared/rpc';
import type { DocumentSource, HostToWebview, PanelDocumentInfo, RequestMessage, ShippedDocument, WebviewToHost } from '../../shared/protocol';
import type { PanelServices } from '../panels/analysisPanel';
import { baseName } from '../panels/analysisPanel';
import { checkWebviewMessage, SHIPPED_DOCUMENT_FILES } from '../panels/messages';
import { readNetworkSnapshot } from '../snapshot';
import { anchorLine } from '../panels/anchors';
import { renderWebviewHtml } from '../panels/html';
import { COMPARE_PANEL } from '../panels/kinds';

/** What the compare webview persists (the serializer reads the two URIs back). */
export interface CompareState {
  readonly documentUri?: string;
  readonly otherUri?: string;
}

export class ComparePanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly inFlight = new Map<number, vscode.CancellationTokenSource>();
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;
  private changeTimer: ReturnType<typeof setTimeout> | undefined;
  /** the last text read from disk per file, with the version it was given (kept while the text is the same) */
  private readonly disk = new Map<string, { text: string; version: number }>();
  private diskReads = 0;
  private changes = 0;
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly a: vscode.Uri,
    readonly b: vscode.Uri,
    private readonly services: PanelServices,
  ) {
    const { extensionUri } = services;
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    panel.title = `Compare: ${baseName(a)} ↔ ${baseName(b)}`;
    panel.webview.html = renderWebviewHtml(panel.webview, extensionUri, COMPARE_PANEL.entry, COMPARE_PANEL.title);
    const follows = (uri: vscode.Uri) => uri.toString() === a.toString() || uri.toString() === b.toString();
    this.disposables.push(
      this.closed,
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => {
        const checked = checkWebviewMessage(m);
        if (checked.ok) this.onMessage(checked.message);
        else services.log.warn(`Compare: dropped a message from the webview: ${checked.reason}`);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => { if (follows(e.document.uri)) this.announceChange(); }),
      vscode.workspace.onDidCloseTextDocument((d) => { if (follows(d.uri)) this.announceChange(); }),
    );
    for (const uri of new Map([[a.toString(), a], [b.toString(), b]]).values()) {
      if (uri.scheme !== 'file') continue;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), baseName(uri)));
      const onDisk = () => this.announceChange();
      this.disposables.push(watcher, watcher.onDidChange(onDisk), watcher.onDidCreate(onDisk), watcher.onDidDelete(onDisk));
    }
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** The analysis worker was restarted: the webview requests everything again. */
  reload(): void {
    this.post({ type: 'reload' });
  }

  private post(message: HostToWebview): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message);
  }

  private info(): PanelDocumentInfo {
    return { uri: this.a.toString(), fileName: `${baseName(this.a)} ↔ ${baseName(this.b)}`, version: this.changes };
  }

  private announceChange(): void {
    clearTimeout(this.changeTimer);
    this.changeTimer = setTimeout(() => {
      this.changes++;
      this.post({ type: 'documentChanged', document: this.info() });
    }, this.services.config.debounceMs);
  }

  /** The file's current text: an open editor's, else the file on disk (refused above the size limit before reading). */
  private async source(uri: vscode.Uri): Promise<DocumentSource> {
    // a checkpoint is read by the worker from its path, tensor by tensor; its version follows the file on disk
    if (isCheckpointUri(uri)) return checkpointSource(uri);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && !d.isClosed);
    const fsPath = uri.scheme === 'file' ? uri.fsPath : undefined;
    if (open) return { uri: uri.toString(), fsPath, version: open.version, text: open.getText() };
    // one snapshot: the size checked on the opened file before reading, decoded as the CLI decodes (snapshot.ts)
    const snapshot = await readNetworkSnapshot(uri, this.services.config.maxFileSizeMB, baseName(uri));
    if (!snapshot.ok) throw new RpcError('invalid-document', snapshot.message);
    const text = snapshot.text;
    const key = uri.toString();
    const last = this.disk.get(key);
    // snapshots from disk get negative versions (never an editor's); the same text keeps its version, so the worker's parse cache hits
    const version = last && last.text === text ? last.version : -(++this.diskReads);
    this.disk.set(key, { text, version });
    return { uri: key, fsPath, version, text };
  }

  private onMessage(m: WebviewToHost): void {
    switch (m.type) {
      case 'ready':
        this.post({ type: 'document', document: this.info() });
        return;
      case 'request':
        void this.forward(m);
        return;
      case 'cancel':
        this.inFlight.get(m.id)?.cancel();
        return;
      case 'export':
        void this.exportFile(m.fileName, m.mime, m.data);
        return;
      case 'revealLine':
        return; // the comparison has no single document to reveal a line in
      case 'openDoc':
        void this.openShippedDocument(m.document, m.anchor);
        return;
    }
  }

  private async forward(m: RequestMessage): Promise<void> {
    const cts = new vscode.CancellationTokenSource();
    this.inFlight.set(m.id, cts);
    try {
      const [sa, sb] = await Promise.all([this.source(this.a), this.source(this.b)]);
      // only the comparison analyses take the second file; anything else runs on A alone
      const request: RequestMessage = m.analysis === 'compare' || m.analysis === 'compareSpectra' ? { ...m, params: { ...m.params, other: sb } } as RequestMessage : m;
      const result = await this.services.worker.forward(request, sa, this.services.config.analysisSettings, {
        token: cts.token,
        onProgress: (fraction, message, partial) => this.post({ type: 'progress', replyTo: m.id, fraction, message, partial }),
      });
      this.post({ type: 'response', replyTo: m.id, result });
    } catch (e) {
      const code = e instanceof RpcError ? e.code : e instanceof vscode.FileSystemError ? 'invalid-document' : 'internal';
      const message = e instanceof Error ? e.message : String(e);
      if (code === 'internal') this.services.log.error(`${m.analysis} failed: ${message}`);
      this.post({ type: 'error', replyTo: m.id, code, message });
    } finally {
      this.inFlight.delete(m.id);
      cts.dispose();
    }
  }

  private async openShippedDocument(which: ShippedDocument, anchor: string): Promise<void> {
    const file = SHIPPED_DOCUMENT_FILES.get(which);
    if (!file) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(this.services.extensionUri, ...file.split('/')));
    const lines = Array.from({ length: doc.lineCount }, (_, i) => doc.lineAt(i).text);
    const line = anchorLine(lines, anchor);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, selection: new vscode.Range(line, 0, line, 0) });
    editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.AtTop);
  }

  /** Only on the user's request, through a save dialog. */
  private async exportFile(fileName: string, mime: string, data: string): Promise<void> {
    const folder = vscode.workspace.getWorkspaceFolder(this.a)?.uri ?? vscode.Uri.joinPath(this.a, '..');
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, fileName), title: 'Export from Depth Lens' });
    if (!target) return;
    const bytes = mime === 'image/png' ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`Depth Lens: exported ${baseName(target)}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.changeTimer);
    for (const c of this.inFlight.values()) c.cancel();
    this.inFlight.clear();
    this.closed.fire();
    vscode.Disposable.from(...this.disposables).dispose();
    this.panel.dispose();
  }
}
