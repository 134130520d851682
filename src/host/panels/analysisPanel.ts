/**
 * One webview panel that follows one network document. The webview pulls everything by message:
 * it says `ready`, gets the document info, then sends typed analysis requests that this class
 * forwards to the worker with the document's current text. Changes are announced (debounced) so
 * the webview re-requests: edits in the editor, and — while no editor has the file open — changes
 * of the file on disk (a file watcher). A deleted file or a closed untitled document is announced
 * too; the webview keeps its last results under a banner. Its own state (setState) comes back after
 * a window reload through getState; the serializer only says which document the panel follows.
 */
import * as vscode from 'vscode';
import type { Config } from '../config';
import { documentSource } from '../networkDocuments';
import type { WorkerClient } from '../workerClient';
import { RpcError } from '../../shared/rpc';
import type { AnalysisName, DocumentSource, HostToWebview, PanelDocumentInfo, RequestMessage, ShippedDocument, WebviewToHost } from '../../shared/protocol';
import { anchorLine } from './anchors';
import { renderWebviewHtml } from './html';
import { LastResults } from './lastResults';
import { CHECKPOINT_VIEW_TYPE } from '../checkpointEditor';
import { checkWebviewMessage, SHIPPED_DOCUMENT_FILES } from './messages';
import { readNetworkSnapshot } from '../snapshot';

/**
 * Analyses of the panel's document that every panel requests again after `documentChanged`: a change
 * of the file cancels them at once. Training runs, random-network plots and the like keep running, and
 * so do the quick interactive ones (validate, layerMatrix).
 */
const RERUN_ON_CHANGE: ReadonlySet<AnalysisName> = new Set<AnalysisName>([
  'overview', 'activations', 'regions', 'segment', 'regionGrid', 'convRegions', 'convExactRegions', 'convAffine', 'convAngles', 'convergence',
  'probeAngles', 'spectrum', 'compare', 'compareSpectra', 'checkpoint', 'tensorNorms',
]);

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
  private readonly inFlight = new Map<number, { readonly cts: vscode.CancellationTokenSource; readonly analysis: AnalysisName }>();
  private changeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;
  /** the file (or untitled document) the panel follows */
  private readonly uri: vscode.Uri | undefined;
  /** the file's text as read from disk, used while no editor has the document open */
  private disk: { readonly text: string; readonly version: number } | undefined;
  private diskReads = 0;
  /** why the document is gone (deleted, unreadable, closed unsaved), until a change brings it back */
  private closedNotice: string | undefined;
  /** for a checkpoint, which the worker reads itself: its last answers (see LastResults) */
  private readonly lastResults: LastResults | undefined;
  private disposed = false;

  constructor(
    readonly kind: PanelKind,
    readonly panel: vscode.WebviewPanel,
    /** the editor's document while one is open (VS Code closes it when no editor shows it any more) */
    private document: vscode.TextDocument | undefined,
    private readonly services: PanelServices,
    /** a checkpoint file the panel follows instead of a text document (no text: the worker reads the file) */
    private readonly checkpoint?: vscode.Uri,
  ) {
    const { extensionUri } = services;
    this.uri = document?.uri ?? checkpoint;
    if (checkpoint) {
      this.disk = { text: '', version: 0 };
      this.lastResults = new LastResults();
    }
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    panel.title = this.uri ? `${kind.title}: ${baseName(this.uri)}` : kind.title;
    panel.webview.html = renderWebviewHtml(panel.webview, extensionUri, kind.entry, kind.title);
    this.disposables.push(
      this.closed,
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => {
        const checked = checkWebviewMessage(m);
        if (checked.ok) this.onMessage(checked.message);
        else services.log.warn(`${kind.title}: dropped a message from the webview: ${checked.reason}`);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!this.follows(e.document.uri)) return;
        // only the dirty state changed (a save, a revert): the text analysed is the same
        if (e.contentChanges.length === 0 && e.document === this.document && this.disk === undefined) return;
        this.document = e.document;
        this.disk = undefined;
        this.announceChange();
      }),
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (!this.follows(d.uri) || (this.document && !this.document.isClosed)) return;
        const before = this.text();
        this.document = d;
        this.disk = undefined;
        if (d.getText() !== before) this.announceChange();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (!this.follows(d.uri) || d !== this.document) return;
        if (d.uri.scheme === 'untitled') this.postClosed(`${baseName(d.uri)} was closed without being saved; the panel shows its last results.`);
        else void this.readDisk(d.getText());
      }),
    );
    if (this.uri?.scheme === 'file') {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(this.uri, '..'), baseName(this.uri)));
      const onDisk = () => { if (!this.editorOpen()) void this.readDisk(this.text()); };
      this.disposables.push(
        watcher,
        watcher.onDidChange(onDisk),
        watcher.onDidCreate(onDisk),
        watcher.onDidDelete(() => {
          // an editor showing the file keeps its text (VS Code marks the tab deleted) and the panel follows it
          if (this.editorOpen() && (this.document!.isDirty || this.shownInEditor())) return;
          this.diskReads++; // a read still under way from an earlier change event must not post over this
          this.postDeleted();
        }),
      );
    }
  }

  get documentUri(): vscode.Uri | undefined {
    return this.uri;
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** The analysis worker was restarted: the webview requests everything again. */
  reload(): void {
    this.post({ type: 'reload' });
  }

  private follows(uri: vscode.Uri): boolean {
    return this.uri !== undefined && uri.toString() === this.uri.toString();
  }

  /** An editor tab shows the file (VS Code may keep a document open for a while after its tab closed). */
  private shownInEditor(): boolean {
    return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && this.follows(t.input.uri)));
  }

  private editorOpen(): boolean {
    return this.document !== undefined && !this.document.isClosed;
  }

  /** The text analyses run on: the editor's, else the last read from disk, else the closed document's last text. */
  private text(): string | undefined {
    if (this.editorOpen() || !this.disk) return this.document?.getText();
    return this.disk.text;
  }

  private source(): DocumentSource | undefined {
    if (!this.uri) return undefined;
    if (this.editorOpen() || !this.disk) return this.document ? documentSource(this.document) : undefined;
    // snapshots from disk get negative versions: they never collide with an editor's version
    return { uri: this.uri.toString(), fsPath: this.uri.fsPath, version: this.disk.version, text: this.disk.text };
  }

  /** The file is gone (its delete event, or a read that no longer finds it): the panel keeps its last results. */
  private postDeleted(): void {
    this.postClosed(`${baseName(this.uri!)} was deleted; the panel shows its last results.`);
  }

  /** No editor has the file: read it from disk and announce it when it differs from `previous`. */
  private async readDisk(previous: string | undefined): Promise<void> {
    if (!this.uri) return;
    const read = ++this.diskReads;
    if (this.checkpoint) {
      // nothing to read here: a new version tells the worker to look at the file again
      this.disk = { text: '', version: -read };
      this.lastResults?.clear();
      this.announceChange();
      return;
    }
    let text: string;
    try {
      // size checked before any byte is read, decoded as the CLI decodes (snapshot.ts)
      const snapshot = await readNetworkSnapshot(this.uri, this.services.config.maxFileSizeMB, baseName(this.uri));
      if (!snapshot.ok) {
        if (read === this.diskReads && !this.editorOpen()) this.postClosed(`${snapshot.message}; the panel shows its last results.`);
        return;
      }
      text = snapshot.text;
    } catch (e) {
      if (read !== this.diskReads || this.editorOpen()) return;
      // a change event can be handled after the file is already gone: say what the delete event says
      if (isFileNotFound(e)) this.postDeleted();
      else this.postClosed(`${baseName(this.uri)} can no longer be read; the panel shows its last results.`);
      return;
    }
    if (read !== this.diskReads || this.editorOpen()) return; // a newer read, or an editor, took over
    this.disk = { text, version: -read };
    if (text !== previous) this.announceChange();
  }

  /**
   * Tell the webview (debounced like the diagnostics) that the text changed. Requests on the old
   * text are cancelled at once: the panel asks again once the change is announced, and their lane
   * is free for it (a cancelled run that does not stop costs its worker, see workerClient.ts).
   */
  private announceChange(): void {
    for (const [id, { cts, analysis }] of this.inFlight) {
      if (!RERUN_ON_CHANGE.has(analysis)) continue;
      cts.cancel();
      this.inFlight.delete(id);
    }
    this.closedNotice = undefined; // the text is there again
    clearTimeout(this.changeTimer);
    this.changeTimer = setTimeout(() => {
      const info = this.info();
      if (!info) return;
      this.post({ type: 'documentChanged', document: info });
      // gone again since the change (its documentChanged would hide the notice): say so after it
      if (this.closedNotice !== undefined) this.post({ type: 'documentClosed', message: this.closedNotice });
    }, this.services.config.debounceMs);
  }

  /**
   * Says that the document went away. The notice is kept: a hidden panel's webview is discarded
   * (retainContextWhenHidden is off) and misses messages, so a webview that starts again gets it
   * after its document.
   */
  private postClosed(message: string): void {
    this.closedNotice = message;
    this.post({ type: 'documentClosed', message });
  }

  private info(): PanelDocumentInfo | undefined {
    const s = this.source();
    return s && this.uri ? { uri: s.uri, fileName: baseName(this.uri), version: s.version } : undefined;
  }

  private post(message: HostToWebview): void {
    if (this.disposed) return; // e.g. a file read that finished after the panel closed
    void this.panel.webview.postMessage(message);
  }

  private onMessage(m: WebviewToHost): void {
    switch (m.type) {
      case 'ready':
        this.post({ type: 'document', document: this.info() });
        if (this.closedNotice !== undefined) this.post({ type: 'documentClosed', message: this.closedNotice });
        return;
      case 'request':
        void this.forward(m);
        return;
      case 'cancel':
        this.inFlight.get(m.id)?.cts.cancel();
        return;
      case 'export':
        void this.exportFile(m.fileName, m.mime, m.data);
        return;
      case 'revealLine':
        void this.revealLine(m.line);
        return;
      case 'openDoc':
        void this.openShippedDocument(m.document, m.anchor);
        return;
    }
  }

  private async forward(m: RequestMessage): Promise<void> {
    // a checkpoint the worker can no longer read: the last answers, for a webview that started again
    const last = this.lastResults && this.closedNotice !== undefined ? this.lastResults.lookup(m) : undefined;
    if (last) {
      this.post({ type: 'response', replyTo: m.id, result: last.result });
      return;
    }
    const cts = new vscode.CancellationTokenSource();
    this.inFlight.set(m.id, { cts, analysis: m.analysis });
    const version = this.disk?.version;
    try {
      const result = await this.services.worker.forward(m, this.source(), this.services.config.analysisSettings, {
        token: cts.token,
        onProgress: (fraction, message, partial) => this.post({ type: 'progress', replyTo: m.id, fraction, message, partial }),
      });
      if (this.disk?.version === version) this.lastResults?.remember(m, result);
      this.post({ type: 'response', replyTo: m.id, result });
    } catch (e) {
      const code = e instanceof RpcError ? e.code : 'internal';
      const message = e instanceof Error ? e.message : String(e);
      if (code === 'internal') this.services.log.error(`${m.analysis} failed: ${message}`);
      const budget = e instanceof RpcError ? e.budget : undefined;
      this.post({ type: 'error', replyTo: m.id, code, message, ...(budget ? { budget } : {}) });
    } finally {
      if (this.inFlight.get(m.id)?.cts === cts) this.inFlight.delete(m.id);
      cts.dispose();
    }
  }

  private async revealLine(line: number): Promise<void> {
    if (!this.uri) return;
    if (this.checkpoint) {
      await vscode.commands.executeCommand('vscode.openWith', this.checkpoint, CHECKPOINT_VIEW_TYPE);
      return;
    }
    const doc = this.editorOpen() ? this.document! : await vscode.workspace.openTextDocument(this.uri);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, 0), viewColumn: vscode.ViewColumn.One });
  }

  /** README.md or docs/MATH.md in the editor beside the panel, at the section `anchor`. */
  private async openShippedDocument(which: ShippedDocument, anchor: string): Promise<void> {
    const file = SHIPPED_DOCUMENT_FILES.get(which);
    if (!file) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(this.services.extensionUri, ...file.split('/')));
    const lines = Array.from({ length: doc.lineCount }, (_, i) => doc.lineAt(i).text);
    const line = anchorLine(lines, anchor);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, selection: new vscode.Range(line, 0, line, 0) });
    editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.AtTop);
  }

  /** Only on the user's request, through a save dialog: nothing is written unasked. */
  private async exportFile(fileName: string, mime: string, data: string): Promise<void> {
    const folder = this.uri ? vscode.workspace.getWorkspaceFolder(this.uri)?.uri ?? vscode.Uri.joinPath(this.uri, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined, title: 'Export from Depth Lens' });
    if (!target) return;
    const bytes = mime === 'image/png' ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`Depth Lens: exported ${baseName(target)}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.changeTimer);
    for (const { cts } of this.inFlight.values()) cts.cancel();
    this.inFlight.clear();
    this.closed.fire();
    vscode.Disposable.from(...this.disposables).dispose();
    this.panel.dispose();
  }
}

/** The documents a panel can open, relative to the extension folder (both ship in the .vsix). */
export { SHIPPED_DOCUMENT_FILES } from './messages';

export function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

function isFileNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' || (e instanceof vscode.FileSystemError && e.code === 'FileNotFound');
}
