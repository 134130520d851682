/**
 * Depth Lens activation: wiring only. Everything is registered into context.subscriptions; the
 * analysis worker starts lazily on the first request and nothing numeric runs on this thread.
 */
import * as vscode from 'vscode';
import { ActivationsContribution } from './host/activationsContribution';
import { ContributionCodeLensProvider, NetworkCodeLensProvider } from './host/codeLens';
import { COMMANDS } from './host/commands';
import { Config } from './host/config';
import { ConvergenceContribution } from './host/convergenceContribution';
import type { DocumentContribution } from './host/contributions';
import { NetworkDiagnostics } from './host/diagnostics';
import { ExternalFileWatcher } from './host/externalFiles';
import { NETWORK_SELECTOR } from './host/networkDocuments';
import { ACTIVATIONS_PANEL, CONVERGENCE_PANEL, DEPTH_PLOTS_PANEL, OVERVIEW_PANEL, SPECTRUM_PANEL, TRAINING_PANEL } from './host/panels/kinds';
import { CompareContribution } from './host/compare/compareContribution';
import { PanelManager } from './host/panels/panelManager';
import { WorkerClient } from './host/workerClient';
import { CheckpointEditorProvider } from './host/checkpointEditor';
import { createNetworkFile, type CreateNetworkFileOptions } from './host/createNetworkFile';

/** What tests (and other extensions) can reach through `extension.exports`. */
export interface DepthLensApi {
  readonly worker: WorkerClient;
  readonly diagnostics: NetworkDiagnostics;
  readonly panels: PanelManager;
  readonly compare: CompareContribution;
  readonly checkpoints: CheckpointEditorProvider;
}

export function activate(context: vscode.ExtensionContext): DepthLensApi {
  const log = vscode.window.createOutputChannel('Depth Lens', { log: true });
  const config = new Config();
  const worker = new WorkerClient(context.extensionPath, log, { testHooks: context.extensionMode === vscode.ExtensionMode.Test });
  const readme = vscode.Uri.joinPath(context.extensionUri, 'README.md');
  const contributions: DocumentContribution[] = [];
  contributions.push(new ConvergenceContribution({ worker, config, log }, readme));
  contributions.push(new ActivationsContribution({ worker, config, log }));
  const diagnostics = new NetworkDiagnostics(worker, config, log, readme, contributions);
  // one provider per source, so the shape lenses never wait for an analysis. VS Code lists the lenses
  // of a later-registered provider first on a line: registering in reverse keeps the shape lenses
  // leftmost, then the contributions in the order above
  const lensProviders = [
    ...contributions.filter((c) => c.lenses).map((c) => new ContributionCodeLensProvider(c, diagnostics, config, log)).reverse(),
    new NetworkCodeLensProvider(diagnostics, config),
  ];
  const panels = new PanelManager({ extensionUri: context.extensionUri, worker, config, log });
  panels.register(OVERVIEW_PANEL, COMMANDS.openOverview);
  panels.register(ACTIVATIONS_PANEL, COMMANDS.openActivations);
  panels.register(CONVERGENCE_PANEL, COMMANDS.openConvergence);
  panels.register(DEPTH_PLOTS_PANEL, COMMANDS.openDepthPlots);
  panels.register(TRAINING_PANEL, COMMANDS.openTraining);
  panels.register(SPECTRUM_PANEL, COMMANDS.openSpectrum);
  const compare = new CompareContribution({ extensionUri: context.extensionUri, worker, config, log });
  const checkpoints = new CheckpointEditorProvider({ extensionUri: context.extensionUri, worker, config, log });

  context.subscriptions.push(
    log,
    ...contributions,
    worker,
    diagnostics,
    new ExternalFileWatcher(diagnostics),
    ...lensProviders,
    panels,
    compare,
    ...lensProviders.map((p) => vscode.languages.registerCodeLensProvider(NETWORK_SELECTOR, p)),
    vscode.commands.registerCommand(COMMANDS.restartWorker, () => worker.restart()),
    // after a restart everything asks again: diagnostics, lenses and every open panel
    worker.onDidRestart(() => {
      diagnostics.refreshAll();
      panels.reloadAll();
      compare.reloadAll();
      checkpoints.reloadAll();
    }),
    vscode.commands.registerCommand(COMMANDS.showLog, () => log.show()),
    checkpoints,
    checkpoints.register(),
    vscode.commands.registerCommand(COMMANDS.createNetworkFile, (uri?: vscode.Uri, options?: CreateNetworkFileOptions) =>
      createNetworkFile(worker, config, log, uri instanceof vscode.Uri ? uri : checkpoints.activeUri, options)),
    Config.onDidChange(() => {
      diagnostics.refreshAll();
      for (const p of lensProviders) p.refresh();
    }),
  );
  log.info('Depth Lens activated');
  return { worker, diagnostics, panels, compare, checkpoints };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
