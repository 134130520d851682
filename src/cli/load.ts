/**
 * Reading a network file from disk for the CLI commands: size limit, external weight files
 * resolved beside the file, and errors formatted as `file:line:col: error: message [code]`.
 */
import * as path from 'node:path';
import type { CliIo } from './command';
import type { Network } from '../core/network/model';
import { parseNetworkText, positionMapper, type NetworkDiagnostic } from '../core/network/parse';

/** Default size limit of the CLI (MB); `--max-size-mb` raises it. */
export const DEFAULT_MAX_SIZE_MB = 100;

export interface LoadOptions {
  /** refuse files larger than this (default DEFAULT_MAX_SIZE_MB) */
  maxSizeMB?: number;
}

export interface LoadedFile {
  text: string;
  diagnostics: NetworkDiagnostic[];
  network?: Network;
}

/** Parse a file and everything it refers to; never throws for problems in the file itself. */
export function parseNetworkFile(file: string, io: CliIo, options: LoadOptions = {}): LoadedFile {
  const maxBytes = (options.maxSizeMB ?? DEFAULT_MAX_SIZE_MB) * 1024 * 1024;
  const bytes = io.readFile(file);
  if (bytes.byteLength > maxBytes) {
    return {
      text: '',
      diagnostics: [{
        code: 'file-too-large', severity: 'error', offset: 0, length: 0,
        message: `${file} is ${(bytes.byteLength / 1048576).toFixed(1)} MB, above the limit of ${(maxBytes / 1048576).toFixed(1)} MB; raise it with --max-size-mb (editor: setting depthLens.maxFileSizeMB), or store the weights in an external binary file`,
      }],
    };
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  const dir = path.dirname(file);
  const result = parseNetworkText(text, {
    fileName: file,
    maxBytes,
    readExternal: (rel) => {
      try {
        return io.readFile(path.resolve(dir, rel));
      } catch {
        return undefined;
      }
    },
  });
  return { text, diagnostics: result.diagnostics, network: result.network };
}

/** `file:line:col: severity: message [code]` with 1-based line and column. */
export function formatDiagnostics(file: string, text: string, diagnostics: readonly NetworkDiagnostic[]): string[] {
  const at = positionMapper(text);
  return diagnostics.map((d) => {
    const p = at(d.offset);
    return `${file}:${p.line + 1}:${p.character + 1}: ${d.severity}: ${d.message} [${d.code}]`;
  });
}

/**
 * Load a network for a command. Throws an Error listing the error diagnostics
 * (`file:line:col: error: message [code]`, one per line) when the file has errors;
 * a file that cannot be read throws the usual ENOENT-style error with the path.
 */
export function loadNetworkFile(file: string, io: CliIo, options: LoadOptions = {}): { network: Network; text: string; diagnostics: NetworkDiagnostic[] } {
  let loaded: LoadedFile;
  try {
    loaded = parseNetworkFile(file, io, options);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!loaded.network) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(`${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${formatDiagnostics(file, loaded.text, errors).join('\n')}`);
  }
  return { network: loaded.network, text: loaded.text, diagnostics: loaded.diagnostics };
}
