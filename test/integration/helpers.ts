// Shared helpers for the integration suites (run inside the real extension host).
import * as vscode from 'vscode';
import type { DepthLensApi } from '../../src/extension';

export const EXTENSION_ID = 'depth-lens.depth-lens';

/**
 * The slowness factor of this machine (DEPTH_LENS_SLOWNESS, measured by the runner with
 * scripts/slowness.mjs and passed to the extension host; 1 when run without it), in [1, 6].
 */
export const SLOWNESS = Math.min(6, Math.max(1, Number(process.env.DEPTH_LENS_SLOWNESS) || 1));

/** A timeout or latency bound tuned on an idle 2-core machine, scaled to this one. */
export function scaled(ms: number): number {
  return Math.round(ms * SLOWNESS);
}

/** Polls `condition` until it holds; no fixed sleeps. `timeoutMs` is for the reference machine: it is scaled here. */
export async function waitFor<T>(what: string, condition: () => T | undefined | null | false | Promise<T | undefined | null | false>, nominalTimeoutMs = 20_000): Promise<T> {
  const timeoutMs = scaled(nominalTimeoutMs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function api(): Promise<DepthLensApi> {
  const ext = vscode.extensions.getExtension<DepthLensApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} not found`);
  return ext.isActive ? ext.exports : ext.activate();
}

export function fixture(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder open');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Code lens titles for a document, waiting until the provider has produced some. */
export async function codeLensTitles(uri: vscode.Uri, atLeast = 1): Promise<string[]> {
  return waitFor(`code lenses in ${uri.path}`, async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
    const titles = (lenses ?? []).map((l) => l.command?.title ?? '').filter((t) => t.length > 0);
    return titles.length >= atLeast ? titles : undefined;
  });
}

/** Depth Lens diagnostics for a document once there are some. */
export async function depthLensDiagnostics(uri: vscode.Uri, predicate: (d: vscode.Diagnostic[]) => boolean = (d) => d.length > 0): Promise<vscode.Diagnostic[]> {
  return waitFor(`diagnostics for ${uri.path}`, () => {
    const ds = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'depth-lens');
    return predicate(ds) ? ds : undefined;
  });
}

export function codeOf(d: vscode.Diagnostic): string | undefined {
  return typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code);
}
