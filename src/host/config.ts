/** Every Depth Lens setting, read in one place with types and defaults (package.json declares them). */
import * as vscode from 'vscode';
import type { AnalysisSettings } from '../shared/protocol';
import { DEFAULT_MAX_FILE_SIZE_MB } from '../core/network/limits';

export type NormChoice = AnalysisSettings['norm'];

export class Config {
  private get section(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('depthLens');
  }

  get codeLensEnabled(): boolean {
    return this.section.get<boolean>('codeLens.enabled', true);
  }

  get convergenceWarnings(): boolean {
    return this.section.get<boolean>('diagnostics.convergenceWarnings', true);
  }

  /** files larger than this are refused with a diagnostic that names this setting */
  get maxFileSizeMB(): number {
    const v = this.section.get<number>('maxFileSizeMB', DEFAULT_MAX_FILE_SIZE_MB);
    return Number.isFinite(v) && v > 0 ? v : DEFAULT_MAX_FILE_SIZE_MB;
  }

  get norm(): NormChoice {
    const v = this.section.get<string>('norm', '2');
    return v === '1' || v === 'inf' || v === 'fro' ? v : '2';
  }

  /** delay after the last edit before re-analysing */
  get debounceMs(): number {
    const v = this.section.get<number>('analysis.debounceMs', 400);
    return Number.isFinite(v) && v >= 0 ? v : 400;
  }

  get analysisSettings(): AnalysisSettings {
    return { maxFileSizeMB: this.maxFileSizeMB, norm: this.norm };
  }

  /** fires when any depthLens.* setting changes */
  static onDidChange(listener: () => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('depthLens')) listener();
    });
  }
}
