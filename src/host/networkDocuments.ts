/** Which documents Depth Lens analyses: `*.network.json`, and TF.js `model.json` layers models. */
import * as vscode from 'vscode';
import type { DocumentSource } from '../shared/protocol';

export const NETWORK_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/*.network.json' },
  { scheme: 'file', pattern: '**/model.json' },
];

export function isNetworkDocument(doc: vscode.TextDocument): boolean {
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
