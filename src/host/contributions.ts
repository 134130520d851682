/**
 * Per-analysis additions to the editor: extra code lenses and extra diagnostics for a network
 * document, computed in the worker from the document's current version. Each analysis area provides
 * one `DocumentContribution`; the code lens provider and the diagnostics manager ask all of them.
 */
import type * as vscode from 'vscode';
import type { Config } from './config';
import type { DocumentState } from './diagnostics';
import type { WorkerClient } from './workerClient';

export interface ContributionServices {
  readonly worker: WorkerClient;
  readonly config: Config;
  readonly log: vscode.LogOutputChannel;
}

export interface DocumentContribution extends vscode.Disposable {
  /** a short name for the log */
  readonly name: string;
  /** extra lenses for a document that parsed (state.summary is set) */
  lenses?(doc: vscode.TextDocument, state: DocumentState, token: vscode.CancellationToken): Promise<vscode.CodeLens[]>;
  /** extra diagnostics (e.g. convergence warnings) for a document that parsed */
  diagnostics?(doc: vscode.TextDocument, state: DocumentState, token: vscode.CancellationToken): Promise<vscode.Diagnostic[]>;
  /** the document's inputs changed although its text did not (an external weight file): drop cached runs */
  invalidate?(uri: vscode.Uri): void;
}
