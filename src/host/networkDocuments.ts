/** Which documents Depth Lens analyses: `*.network.json`, and TF.js `model.json` layers models. */
import * as vscode from 'vscode';
import type { DocumentSource } from '../shared/protocol';

/**
 * Files on disk and unsaved documents only: other schemes show copies of a file (`git:` in diff views,
 * `vscode-vfs:` …) whose diagnostics and lenses would duplicate or contradict the real file's. Remote
 * setups (code-server, SSH, WSL) show the extension host `file:` URIs too.
 */
const SCHEMES: ReadonlySet<string> = new Set(['file', 'untitled']);

export const NETWORK_SELECTOR: vscode.DocumentSelector = [...SCHEMES].flatMap((scheme) => [
  { scheme, pattern: '**/*.network.json' },
  { scheme, pattern: '**/model.json' },
]);

export function isNetworkDocument(doc: vscode.TextDocument): boolean {
  if (!SCHEMES.has(doc.uri.scheme)) return false;
  const name = doc.uri.path;
  if (name.endsWith('.network.json')) return true;
  // a model.json is ours only when it is a TF.js layers model
  if (name.endsWith('/model.json')) return /"format"\s*:\s*"layers-model"/.test(doc.getText(new vscode.Range(0, 0, 200, 0)));
  return false;
}

export function documentSource(doc: vscode.TextDocument): DocumentSource {
  return {
    uri: doc.uri.toString(),
    fsPath: doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined,
    version: doc.version,
    text: doc.getText(),
  };
}
