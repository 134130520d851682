/**
 * External weight files live beside a network document, not in it: when one is created, changed or
 * deleted on disk, the document's diagnostics and lenses are stale although its text is not. Each
 * validation reports the files the document refers to (found or not); this watches exactly those
 * and asks for the referencing documents to be validated again. (The worker's parse cache checks
 * the files' size and modification time itself, so the new validation sees the new bytes.)
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { NetworkDiagnostics } from './diagnostics';

/** A glob matching exactly `name` (glob characters taken literally). */
function literalGlob(name: string): string {
  return name.replace(/[[\]{}*?!]/g, (c) => `[${c}]`);
}

export class ExternalFileWatcher implements vscode.Disposable {
  /** watched path → its watcher and the URIs of the documents that refer to it */
  private readonly watched = new Map<string, { watcher: vscode.FileSystemWatcher; documents: Set<string> }>();
  /** document URI → the paths it referred to at its last validation */
  private readonly byDocument = new Map<string, readonly string[]>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly diagnostics: NetworkDiagnostics) {
    this.subscriptions = [
      diagnostics.onDidChangeState((uri) => void this.update(uri)),
      vscode.workspace.onDidCloseTextDocument((d) => this.track(d.uri.toString(), [])),
    ];
  }

  private async update(uri: vscode.Uri): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!doc || doc.isClosed) return;
    // the state that was just stored: stateFor resolves at once for the current version
    const state = await this.diagnostics.stateFor(doc);
    this.track(uri.toString(), state.externalFiles ?? []);
  }

  private track(uri: string, files: readonly string[]): void {
    for (const f of this.byDocument.get(uri) ?? []) {
      if (files.includes(f)) continue;
      const w = this.watched.get(f);
      w?.documents.delete(uri);
      if (w && w.documents.size === 0) {
        w.watcher.dispose();
        this.watched.delete(f);
      }
    }
    for (const f of files) {
      let w = this.watched.get(f);
      if (!w) {
        const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(f)), literalGlob(path.basename(f))));
        const entry = { watcher, documents: new Set<string>() };
        const changed = () => this.changed(entry.documents);
        watcher.onDidCreate(changed);
        watcher.onDidChange(changed);
        watcher.onDidDelete(changed);
        w = entry;
        this.watched.set(f, w);
      }
      w.documents.add(uri);
    }
    if (files.length > 0) this.byDocument.set(uri, files); else this.byDocument.delete(uri);
  }

  private changed(documents: ReadonlySet<string>): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (documents.has(doc.uri.toString()) && !doc.isClosed) this.diagnostics.revalidate(doc);
    }
  }

  dispose(): void {
    for (const w of this.watched.values()) w.watcher.dispose();
    this.watched.clear();
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
