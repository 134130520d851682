/**
 * The "Depth Lens: Compare With…" command and the compare panels it opens:
 * - from the explorer's context menu on two selected network files: compares them (the first
 *   selected is A);
 * - on one file (explorer, or the active editor from the command palette): asks for the second in a
 *   quick pick of the workspace's network files and checkpoints (with "Browse…" for any other file).
 * Either side may be a checkpoint (safetensors, PyTorch, NumPy, ONNX): the worker reads it in place.
 * One panel per ordered pair; panels come back after a window reload (serializer).
 */
import * as vscode from 'vscode';
import { COMMANDS } from '../commands';
import { isCheckpointUri } from '../checkpointEditor';
import { isNetworkDocument } from '../networkDocuments';
import type { PanelServices } from '../panels/analysisPanel';
import { baseName } from '../panels/analysisPanel';
import { COMPARE_PANEL } from '../panels/kinds';
import { ComparePanel, type CompareState } from './comparePanel';

/** The files the quick pick offers (the formats Depth Lens reads as network files, checkpoints included). */
export const NETWORK_FILE_GLOB = '**/{*.network.json,model.json,*.safetensors,*.safetensors.index.json,*.pt,*.pth,*.npz,*.npy,*.onnx}';
const MAX_PICK_FILES = 500;

function isNetworkPath(uri: vscode.Uri): boolean {
  return uri.path.endsWith('.network.json') || uri.path.endsWith('/model.json') || isCheckpointUri(uri);
}

export class CompareContribution implements vscode.Disposable {
  private readonly panels = new Map<string, ComparePanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: PanelServices) {
    this.disposables.push(
      vscode.commands.registerCommand(COMMANDS.compareWith, (clicked?: unknown, selected?: unknown) => this.compareWith(clicked, selected)),
      vscode.window.registerWebviewPanelSerializer(COMPARE_PANEL.viewType, {
        deserializeWebviewPanel: async (panel, state: CompareState | undefined) => {
          if (!state?.documentUri || !state.otherUri) {
            panel.dispose();
            return;
          }
          this.adopt(panel, vscode.Uri.parse(state.documentUri), vscode.Uri.parse(state.otherUri));
        },
      }),
    );
  }

  /** The command: (clicked, selected) from the explorer, nothing from the palette. Returns the panel (for tests). */
  async compareWith(clicked?: unknown, selected?: unknown): Promise<ComparePanel | undefined> {
    const uris = Array.isArray(selected) ? selected.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : [];
    if (uris.length >= 2) {
      if (uris.length > 2) void vscode.window.showInformationMessage(`Depth Lens: comparing the first two of the ${uris.length} selected files.`);
      return this.open(uris[0], uris[1]);
    }
    let a = clicked instanceof vscode.Uri ? clicked : undefined;
    if (!a) {
      const doc = vscode.window.activeTextEditor?.document;
      a = doc && isNetworkDocument(doc) ? doc.uri : await this.pick('Compare which network file (A)?');
    }
    if (!a) return undefined;
    const b = await this.pick(`Compare ${baseName(a)} with…`, a);
    return b ? this.open(a, b) : undefined;
  }

  /** A quick pick of the workspace's network files (without `exclude`), plus "Browse…". */
  private async pick(title: string, exclude?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const files = (await vscode.workspace.findFiles(NETWORK_FILE_GLOB, '**/node_modules/**', MAX_PICK_FILES))
      .filter((u) => !exclude || u.toString() !== exclude.toString())
      .sort((x, y) => x.path.localeCompare(y.path));
    type Item = vscode.QuickPickItem & { uri?: vscode.Uri };
    const items: Item[] = files.map((uri) => ({ label: baseName(uri), description: vscode.workspace.asRelativePath(vscode.Uri.joinPath(uri, '..')), uri }));
    items.push({ label: '$(folder-opened) Browse…', description: 'any file on disk' });
    const chosen = await vscode.window.showQuickPick(items, { title, placeHolder: 'a *.network.json file, a TF.js model.json, or a checkpoint (.safetensors, .pt, .npz, .onnx …)', matchOnDescription: true });
    if (!chosen) return undefined;
    if (chosen.uri) return chosen.uri;
    const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, openLabel: 'Compare', filters: { 'Network files and checkpoints': ['json', 'safetensors', 'pt', 'pth', 'npz', 'npy', 'onnx'] } });
    return picked?.[0];
  }

  /** Open (or reveal) the panel comparing a with b. */
  open(a: vscode.Uri, b: vscode.Uri): ComparePanel {
    const key = `${a.toString()}|${b.toString()}`;
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal();
      return existing;
    }
    if (!isNetworkPath(a) || !isNetworkPath(b)) {
      const other = !isNetworkPath(a) ? a : b;
      void vscode.window.showWarningMessage(`Depth Lens: ${baseName(other)} is not a *.network.json, model.json or checkpoint file; comparing it anyway (it must be a network file Depth Lens can read).`);
    }
    const panel = vscode.window.createWebviewPanel(COMPARE_PANEL.viewType, COMPARE_PANEL.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true, retainContextWhenHidden: false });
    return this.adopt(panel, a, b);
  }

  private adopt(webviewPanel: vscode.WebviewPanel, a: vscode.Uri, b: vscode.Uri): ComparePanel {
    const key = `${a.toString()}|${b.toString()}`;
    const panel = new ComparePanel(webviewPanel, a, b, this.services);
    this.panels.set(key, panel);
    panel.onDidClose(() => this.panels.delete(key));
    return panel;
  }

  reloadAll(): void {
    for (const p of this.panels.values()) p.reload();
  }

  get openPanels(): readonly ComparePanel[] {
    return [...this.panels.values()];
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
