/**
 * "Open With → Depth Lens" on a checkpoint (.safetensors, .safetensors.index.json, .pt/.pth,
 * .npz/.npy, .onnx): a read-only custom editor whose webview (webview/checkpoint) shows the tensor
 * table — name, shape, dtype, size, ‖·‖₂ filled in by the worker tensor by tensor — the layer chain
 * Depth Lens reads from the file, and buttons that open the analysis panels on the model or write a
 * network file that references its tensors. Nothing is computed here: requests go to the worker
 * with the file's path (no text); a change of the file on disk makes the webview ask again.
 */
import * as vscode from 'vscode';
import { modelFormatOf } from '../core/formats/open';
import { RpcError } from '../shared/rpc';
import type { CheckpointPanel, DocumentSource, HostToWebview, PanelDocumentInfo, RequestMessage, WebviewToHost } from '../shared/protocol';
import { COMMANDS } from './commands';
import type { Config } from './config';
import { renderWebviewHtml } from './panels/html';
import { checkWebviewMessage } from './panels/messages';
import { LastResults } from './panels/lastResults';
import type { WorkerClient } from './workerClient';

export const CHECKPOINT_VIEW_TYPE = 'depthLens.checkpoint';

/** A file on disk whose name says it is a checkpoint Depth Lens reads. */
export function isCheckpointUri(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && modelFormatOf(uri.path) !== undefined;
}

/**
 * A checkpoint as a document for the worker: no text (the worker opens the file by its path and reads
 * tensors by offset); the version is the file's modification time and size, so an overwritten
 * checkpoint is parsed again and an unchanged one hits the worker's cache.
 */
export async function checkpointSource(uri: vscode.Uri): Promise<DocumentSource> {
  const stat = await vscode.workspace.fs.stat(uri);
  return { uri: uri.toString(), fsPath: uri.fsPath, version: -(Math.floor(stat.mtime) * 1024 + (stat.size % 1024)), text: '' };
}

export interface CheckpointServices {
  readonly extensionUri: vscode.Uri;
  readonly worker: WorkerClient;
  readonly config: Config;
  readonly log: vscode.LogOutputChannel;
}

const PANEL_COMMANDS: ReadonlyMap<CheckpointPanel, string> = new Map<CheckpointPanel, string>([
  ['overview', COMMANDS.openOverview],
  ['activations', COMMANDS.openActivations],
  ['convergence', COMMANDS.openConvergence],
  ['depthPlots', COMMANDS.openDepthPlots],
]);

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

class CheckpointDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {
    // nothing is held: every request opens the file in the worker
  }
}

/** One open viewer: its webview, the file's version (bumped on every change on disk) and requests in flight. */
export class CheckpointView implements vscode.Disposable {
  private version = 1;
  private readonly inFlight = new Map<number, vscode.CancellationTokenSource>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** set while the file is deleted */
  private deletedNotice: string | undefined;
  private readonly lastResults = new LastResults();

  constructor(readonly uri: vscode.Uri, readonly panel: vscode.WebviewPanel, private readonly services: CheckpointServices, onFocus: (view: CheckpointView) => void) {
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(services.extensionUri, 'dist'), vscode.Uri.joinPath(services.extensionUri, 'media')],
    };
    panel.webview.html = renderWebviewHtml(panel.webview, services.extensionUri, 'checkpoint', 'Depth Lens checkpoint');
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), baseName(uri)));
    const changed = () => {
      this.version++;
      this.deletedNotice = undefined;
      this.lastResults.clear();
      this.post({ type: 'documentChanged', document: this.info() });
    };
    // kept for a webview that starts again: a hidden view's webview is discarded and misses messages
    const deleted = () => {
      this.deletedNotice = `${baseName(uri)} was deleted; the view shows its last contents.`;
      this.post({ type: 'documentClosed', message: this.deletedNotice });
    };
    this.disposables.push(
      watcher,
      watcher.onDidChange(changed),
      watcher.onDidCreate(changed),
      watcher.onDidDelete(deleted),
      panel.webview.onDidReceiveMessage((m: unknown) => {
        const checked = checkWebviewMessage(m);
        if (checked.ok) this.onMessage(checked.message);
        else services.log.warn(`checkpoint view: dropped a message from the webview: ${checked.reason}`);
      }),
      panel.onDidChangeViewState((e) => { if (e.webviewPanel.active) onFocus(this); }),
      panel.onDidDispose(() => this.dispose()),
    );
    onFocus(this);
  }

  reload(): void {
    this.post({ type: 'reload' });
  }

  private info(): PanelDocumentInfo {
    return { uri: this.uri.toString(), fileName: baseName(this.uri), version: this.version };
  }

  private source(): DocumentSource {
    return { uri: this.uri.toString(), fsPath: this.uri.fsPath, version: this.version, text: '' };
  }

  private post(message: HostToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private onMessage(m: WebviewToHost): void {
    switch (m.type) {
      case 'ready':
        this.post({ type: 'document', document: this.info() });
        if (this.deletedNotice !== undefined) this.post({ type: 'documentClosed', message: this.deletedNotice });
        return;
      case 'request':
        void this.forward(m);
        return;
      case 'cancel':
        this.inFlight.get(m.id)?.cancel();
        return;
      case 'openPanel': {
        const command = PANEL_COMMANDS.get(m.panel);
        if (command) void vscode.commands.executeCommand(command, this.uri);
        return;
      }
      case 'createNetworkFile':
        void vscode.commands.executeCommand(COMMANDS.createNetworkFile, this.uri);
        return;
      default:
        return;
    }
  }

  private async forward(m: RequestMessage): Promise<void> {
    const last = this.deletedNotice !== undefined ? this.lastResults.lookup(m) : undefined;
    if (last) {
      this.post({ type: 'response', replyTo: m.id, result: last.result });
      return;
    }
    const cts = new vscode.CancellationTokenSource();
    this.inFlight.set(m.id, cts);
    const version = this.version;
    try {
      const result = await this.services.worker.forward(m, this.source(), this.services.config.analysisSettings, {
        token: cts.token,
        onProgress: (fraction, message, partial) => this.post({ type: 'progress', replyTo: m.id, fraction, message, partial }),
      });
      if (version === this.version) this.lastResults.remember(m, result);
      this.post({ type: 'response', replyTo: m.id, result });
    } catch (e) {
      const code = e instanceof RpcError ? e.code : 'internal';
      const message = e instanceof Error ? e.message : String(e);
      if (code === 'internal') this.services.log.error(`${m.analysis} failed on ${this.uri.fsPath}: ${message}`);
      this.post({ type: 'error', replyTo: m.id, code, message });
    } finally {
      this.inFlight.delete(m.id);
      cts.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.inFlight.values()) c.cancel();
    this.inFlight.clear();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}

export class CheckpointEditorProvider implements vscode.CustomReadonlyEditorProvider<CheckpointDocument>, vscode.Disposable {
  private readonly views = new Set<CheckpointView>();
  private active: CheckpointView | undefined;

  constructor(private readonly services: CheckpointServices) {}

  register(): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(CHECKPOINT_VIEW_TYPE, this, { supportsMultipleEditorsPerDocument: true, webviewOptions: { retainContextWhenHidden: false } });
  }

  openCustomDocument(uri: vscode.Uri): CheckpointDocument {
    return new CheckpointDocument(uri);
  }

  resolveCustomEditor(document: CheckpointDocument, panel: vscode.WebviewPanel): void {
    const view = new CheckpointView(document.uri, panel, this.services, (v) => { this.active = v; });
    this.views.add(view);
    panel.onDidDispose(() => { this.views.delete(view); if (this.active === view) this.active = undefined; });
  }

  /** The checkpoint of the viewer the user looked at last (the command palette's default). */
  get activeUri(): vscode.Uri | undefined {
    return this.active?.uri;
  }

  /** After a worker restart every viewer asks again. */
  reloadAll(): void {
    for (const v of this.views) v.reload();
  }

  /** Open viewers (for tests). */
  get openViews(): readonly CheckpointView[] {
    return [...this.views];
  }

  dispose(): void {
    for (const v of this.views) v.dispose();
    this.views.clear();
  }
}
