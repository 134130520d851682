/**
 * CodeLens in network files: at the top the network's shape (layers, widths, parameters — computed
 * in the worker) and a lens to open the overview; one lens per layer group with its shape.
 */
import * as vscode from 'vscode';
import type { Config } from './config';
import type { DocumentContribution } from './contributions';
import type { NetworkDiagnostics } from './diagnostics';
import { isNetworkDocument } from './networkDocuments';
import { COMMANDS } from './commands';

export function formatCount(n: number): string {
  if (n < 1e4) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

export class NetworkCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly diagnostics: NetworkDiagnostics,
    private readonly config: Config,
    private readonly contributions: readonly DocumentContribution[] = [],
    private readonly log?: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [this.changed, diagnostics.onDidChangeState(() => this.changed.fire())];
  }

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!this.config.codeLensEnabled || !isNetworkDocument(doc)) return [];
    const state = await this.diagnostics.stateFor(doc);
    if (token.isCancellationRequested) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const s = state.summary;
    if (!s) {
      const errors = state.diagnostics.filter((d) => d.severity === 'error').length;
      return [new vscode.CodeLens(top, { title: `Depth Lens: ${errors} error${errors === 1 ? '' : 's'} — see Problems`, command: 'workbench.actions.view.problems' })];
    }
    const lenses = [
      new vscode.CodeLens(top, {
        title: `${s.depth} layer${s.depth === 1 ? '' : 's'} · widths ${s.widthsText} · ${formatCount(s.parameterCount)} parameters`,
        tooltip: `Input dimension ${s.inputDim}, output dimension ${s.outputDim}; ${s.parameterCount} weights and biases`,
        command: '',
      }),
      new vscode.CodeLens(top, { title: 'Open network overview', command: COMMANDS.openOverview, arguments: [doc.uri] }),
    ];
    for (const g of s.groups) {
      if (g.line === undefined || s.groups.length > 200) continue;
      const range = new vscode.Range(g.line, 0, g.line, 0);
      const what = g.count > 1 ? `layers ${g.start + 1}–${g.start + g.count} (${g.type}, ${g.count} layers)` : `layer ${g.start + 1} (${g.type})`;
      lenses.push(new vscode.CodeLens(range, { title: `${what}: ${g.shape}`, command: '' }));
    }
    for (const c of this.contributions) {
      if (!c.lenses || token.isCancellationRequested) continue;
      try {
        lenses.push(...(await c.lenses(doc, state, token)));
      } catch (e) {
        // a failing analysis must not take the basic lenses down with it
        this.log?.warn(`${c.name} code lenses failed: ${(e as Error).message}`);
      }
    }
    return lenses;
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
