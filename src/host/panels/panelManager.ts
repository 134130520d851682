/**
 * Opens, reveals and restores analysis panels: one panel per (kind, document). Registers for each
 * kind its command and its serializer, so panels come back after a window reload.
 */
import * as vscode from 'vscode';
import { isNetworkDocument } from '../networkDocuments';
import { isCheckpointUri } from '../checkpointEditor';
import { AnalysisPanel, type PanelKind, type PanelServices, type PersistedPanelState } from './analysisPanel';

export class PanelManager implements vscode.Disposable {
  private readonly panels = new Map<string, AnalysisPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: PanelServices) {}

  /** Register `command` to open `kind` for the active (or given) network document. */
  register(kind: PanelKind, command: string): void {
    this.disposables.push(
      vscode.commands.registerCommand(command, (arg?: vscode.Uri) => this.open(kind, arg)),
      vscode.window.registerWebviewPanelSerializer(kind.viewType, {
        deserializeWebviewPanel: async (panel, state: PersistedPanelState | undefined) => {
          const uri = state?.documentUri ? vscode.Uri.parse(state.documentUri) : undefined;
          if (!uri) {
            if (kind.needsDocument) panel.dispose();
            else this.adopt(kind, panel, undefined);
            return;
          }
          // a checkpoint has no text document: the panel follows the file itself
          if (isCheckpointUri(uri)) { this.adopt(kind, panel, undefined, uri); return; }
          try {
            // the webview gets its own saved state back through getState(); only the document is ours to restore
            const doc = await vscode.workspace.openTextDocument(uri);
            this.adopt(kind, panel, doc);
          } catch (e) {
            this.services.log.warn(`could not restore ${kind.title} for ${uri.toString()}: ${(e as Error).message}`);
            panel.dispose();
          }
        },
      }),
    );
  }

  /** Open (or reveal) the panel of `kind` for a document; returns it for tests and callers. */
  async open(kind: PanelKind, arg?: vscode.Uri): Promise<AnalysisPanel | undefined> {
    if (arg instanceof vscode.Uri && isCheckpointUri(arg)) return this.openCheckpoint(kind, arg);
    const candidate = arg instanceof vscode.Uri ? await vscode.workspace.openTextDocument(arg) : vscode.window.activeTextEditor?.document;
    const doc = candidate && isNetworkDocument(candidate) ? candidate : undefined;
    if (!doc && kind.needsDocument) {
      void vscode.window.showWarningMessage(`Depth Lens: open a *.network.json file (or a TF.js model.json) first to see the ${kind.title}.`);
      return undefined;
    }
    const key = `${kind.viewType}|${doc?.uri.toString() ?? ''}`;
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(kind.viewType, kind.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true, retainContextWhenHidden: false });
    return this.adopt(kind, panel, doc);
  }

  /** A panel on a checkpoint (safetensors, PyTorch, NumPy, ONNX): the worker reads the model from the file. */
  private openCheckpoint(kind: PanelKind, uri: vscode.Uri): AnalysisPanel {
    const existing = this.panels.get(`${kind.viewType}|${uri.toString()}`);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(kind.viewType, kind.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true, retainContextWhenHidden: false });
    return this.adopt(kind, panel, undefined, uri);
  }

  private adopt(kind: PanelKind, webviewPanel: vscode.WebviewPanel, doc: vscode.TextDocument | undefined, checkpoint?: vscode.Uri): AnalysisPanel {
    const panel = new AnalysisPanel(kind, webviewPanel, doc, this.services, checkpoint);
    const key = `${kind.viewType}|${doc?.uri.toString() ?? checkpoint?.toString() ?? ''}`;
    this.panels.set(key, panel);
    panel.onDidClose(() => this.panels.delete(key));
    return panel;
  }

  /** After a worker restart every open panel requests its data again. */
  reloadAll(): void {
    for (const p of this.panels.values()) p.reload();
  }

  /** Open panels (for tests). */
  get openPanels(): readonly AnalysisPanel[] {
    return [...this.panels.values()];
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
