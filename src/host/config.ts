/** Every Depth Lens setting, read in one place with types and defaults (package.json declares them). */
import * as vscode from 'vscode';
import type { AnalysisSettings } from '../shared/protocol';
import { effectiveLimit, LIMIT_SETTINGS } from './trustedSettings';

export { effectiveLimit, LIMIT_SETTINGS } from './trustedSettings';

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

  /**
   * A size or work limit: clamped to its range, and in an untrusted workspace taken from the user's
   * settings only (the workspace's own settings cannot raise it; trustedSettings.ts).
   */
  limit(key: keyof typeof LIMIT_SETTINGS): number {
    return effectiveLimit(this.section.inspect(key), vscode.workspace.isTrusted, LIMIT_SETTINGS[key]);
  }

  /** files larger than this are refused with a diagnostic that names this setting */
  get maxFileSizeMB(): number {
    return this.limit('maxFileSizeMB');
  }

  get norm(): NormChoice {
    const v = this.section.get<string>('norm', '2');
    return v === '1' || v === 'inf' || v === 'fro' ? v : '2';
  }

  /** delay after the last edit before re-analysing */
  get debounceMs(): number {
    const v = this.section.get<number>('analysis.debounceMs', 400);
    return Number.isFinite(v) && v >= 0 ? Math.min(v, 10_000) : 400;
  }

  get analysisSettings(): AnalysisSettings {
    return {
      maxFileSizeMB: this.maxFileSizeMB,
      norm: this.norm,
      budget: { maxWork: this.limit('analysis.maxWork'), maxMemoryMB: this.limit('analysis.maxMemoryMB') },
    };
  }

  /** fires when any depthLens.* setting changes */
  static onDidChange(listener: () => void): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('depthLens')) listener();
      }),
      // trusting the workspace lets its own limit settings count
      vscode.workspace.onDidGrantWorkspaceTrust(listener),
    );
  }
}
