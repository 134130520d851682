/**
 * "Depth Lens: Create Network File from Checkpoint": writes NAME.network.json beside the checkpoint,
 * its layers referencing the checkpoint's tensors (the worker builds the text from the file's
 * architecture, or from its matrices when it has none). The user asked for the file, so it is written
 * — but an existing file is never replaced without asking, and a file elsewhere must be in the
 * checkpoint's folder or above it (tensor references may not leave the network file's folder).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { modelStem } from '../core/formats/open';
import { isCheckpointUri } from './checkpointEditor';
import type { Config } from './config';
import type { WorkerClient } from './workerClient';

export interface CreateNetworkFileOptions {
  /** where to write (default: NAME.network.json beside the checkpoint) */
  readonly target?: vscode.Uri;
  /** when the target exists: 'ask' (default) shows a modal question; 'never' leaves it and says so */
  readonly existing?: 'ask' | 'never';
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

export async function createNetworkFile(worker: WorkerClient, config: Config, log: vscode.LogOutputChannel, checkpoint: vscode.Uri | undefined, options: CreateNetworkFileOptions = {}): Promise<vscode.Uri | undefined> {
  let uri = checkpoint;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Create network file from checkpoint', canSelectMany: false, openLabel: 'Create network file',
      filters: { Checkpoints: ['safetensors', 'pt', 'pth', 'npz', 'npy', 'onnx', 'json'] },
    });
    uri = picked?.[0];
    if (!uri) return undefined;
  }
  if (!isCheckpointUri(uri)) {
    void vscode.window.showWarningMessage(`Depth Lens: ${path.basename(uri.fsPath)} is not a checkpoint (.safetensors, .safetensors.index.json, .pt, .pth, .npz, .npy or .onnx).`);
    return undefined;
  }
  let target = options.target ?? vscode.Uri.joinPath(uri, '..', `${modelStem(path.basename(uri.fsPath))}.network.json`);
  if (await exists(target)) {
    if (options.existing === 'never') {
      void vscode.window.showWarningMessage(`Depth Lens: ${path.basename(target.fsPath)} already exists; it was left as it is.`);
      return undefined;
    }
    const choice = await vscode.window.showWarningMessage(`${path.basename(target.fsPath)} already exists. Replace it?`,
      { modal: true, detail: 'Depth Lens writes a network file whose layers reference the checkpoint\'s tensors.' }, 'Replace', 'Save As…');
    if (choice === 'Save As…') {
      const other = await vscode.window.showSaveDialog({ defaultUri: target, filters: { 'Network files': ['network.json'] }, title: 'Save network file' });
      if (!other) return undefined;
      target = other;
    } else if (choice !== 'Replace') return undefined;
  }
  const relative = path.relative(path.dirname(target.fsPath), uri.fsPath);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    void vscode.window.showErrorMessage(`Depth Lens: the network file must be in the checkpoint's folder or a folder above it (tensor references may not leave the network file's folder).`);
    return undefined;
  }
  let text: string;
  try {
    text = (await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Depth Lens: reading ${path.basename(uri.fsPath)}`, cancellable: true }, (_p, token) =>
      worker.request('networkFileText', { uri: uri.toString(), fsPath: uri.fsPath, version: Date.now(), text: '' }, { file: relative.split(path.sep).join('/') }, config.analysisSettings, { token }))).text;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    log.warn(`create network file from ${uri.fsPath}: ${message}`);
    void vscode.window.showErrorMessage(`Depth Lens: cannot create a network file from ${path.basename(uri.fsPath)}: ${message}`);
    return undefined;
  }
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  log.info(`wrote ${target.fsPath} (tensors referenced from ${uri.fsPath})`);
  await vscode.window.showTextDocument(target, { preview: false });
  return target;
}
