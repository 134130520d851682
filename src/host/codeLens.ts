/**
 * CodeLens in network files: at the top the network's shape (layers, widths, parameters — computed
 * in the worker) and a lens to open the overview; one lens per layer group with its shape. Each
 * analysis contribution (convergence, activations) gets a provider of its own, so VS Code shows the
 * shape lenses as soon as the document is parsed while the slower analyses are still running.
 */
import * as vscode from 'vscode';
import type { Config } from './config';
import type { DocumentContribution } from './contributions';
import type { DocumentState, NetworkDiagnostics } from './diagnostics';
import { isNetworkDocument } from './networkDocuments';
import { COMMANDS } from './commands';

export function formatCount(n: number): string {
  if (n < 1e4) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

/** What the providers share: the off switch, the document's parsed state, refresh on state changes. */
abstract class NetworkLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    protected readonly diagnostics: NetworkDiagnostics,
    private readonly config: Config,
  ) {
    this.subscriptions = [this.changed, diagnostics.onDidChangeState(() => this.changed.fire())];
  }

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!this.config.codeLensEnabled || !isNetworkDocument(doc)) return [];
    const state = await this.diagnostics.stateFor(doc);
    if (token.isCancellationRequested || state.version !== doc.version) return [];
    return this.lenses(doc, state, token);
  }

  protected abstract lenses(doc: vscode.TextDocument, state: DocumentState, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> | vscode.CodeLens[];

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}

/** The shape of the network at the top, "Open network overview", and each layer group's shape. */
export class NetworkCodeLensProvider extends NetworkLensProvider {
  protected lenses(doc: vscode.TextDocument, state: DocumentState): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    const s = state.summary;
    if (state.failure) {
      return [new vscode.CodeLens(top, { title: 'Depth Lens: could not analyse this file — see Problems', tooltip: state.failure, command: 'workbench.actions.view.problems' })];
    }
    if (!s && state.conv) {
      // a network on images: its shape at the top; the overview lists the layers (depth-lens info)
      const layers = state.convLayers ?? [];
      const params = layers.reduce((n, l) => n + l.parameters, 0);
      const lenses = [
        new vscode.CodeLens(top, {
          title: `convolutional network · input ${state.conv.inputShape.join('×')}${layers.length ? ` · ${layers.length} layer${layers.length === 1 ? '' : 's'} · ${formatCount(params)} parameters` : ''}`,
          tooltip: 'Layers, shapes and parameters (BatchNorm folded): Open network overview (depth-lens info FILE)',
          command: '',
        }),
        new vscode.CodeLens(top, { title: 'Open network overview', command: COMMANDS.openOverview, arguments: [doc.uri] }),
      ];
      if (layers.length > 200) return lenses;
      for (const l of layers) {
        const at = doc.positionAt(l.offset!);
        const range = new vscode.Range(at.line, 0, at.line, 0);
        const detail = l.detail ? ` (${l.detail})` : '';
        lenses.push(new vscode.CodeLens(range, { title: `layer ${l.layer} (${l.type}): ${l.input.join('×')} → ${l.output.join('×')}${l.activation === 'relu' ? ' · ReLU' : ''} · ${formatCount(l.parameters)} parameters`, tooltip: `${l.name}${detail}`, command: '' }));
      }
      return lenses;
    }
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
    return lenses;
  }
}

/** The lenses of one analysis contribution, for documents that parsed. */
export class ContributionCodeLensProvider extends NetworkLensProvider {
  constructor(
    private readonly contribution: DocumentContribution,
    diagnostics: NetworkDiagnostics,
    config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super(diagnostics, config);
  }

  protected async lenses(doc: vscode.TextDocument, state: DocumentState, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!state.summary || !this.contribution.lenses) return [];
    try {
      return await this.contribution.lenses(doc, state, token);
    } catch (e) {
      // a failing analysis shows no lenses; the others are not affected
      if (!token.isCancellationRequested) this.log.warn(`${this.contribution.name} code lenses failed: ${(e as Error).message}`);
      return [];
    }
  }
}
