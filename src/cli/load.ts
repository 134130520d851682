/**
 * Reading a network file from disk for the CLI commands: the file is examined before it is read
 * (size limit, regular file), external weight files resolve in its folder (src/core/network/external.ts),
 * and diagnostics are formatted as `file:line:col: severity: message [code]`.
 */
import * as path from 'node:path';
import type { CliIo } from './command';
import type { Network } from '../core/network/model';
import { FolderFiles, type FileSystemLike } from '../core/network/external';
import { DEFAULT_MAX_FILE_SIZE_MB, sizeAboveLimit } from '../core/network/limits';
import { parseNetworkText, positionMapper, type NetworkDiagnostic } from '../core/network/parse';

/** Default size limit of the CLI (MB), the same as the editor's; `--max-size-mb` raises it. */
export const DEFAULT_MAX_SIZE_MB = DEFAULT_MAX_FILE_SIZE_MB;

export interface LoadOptions {
  /** refuse files larger than this (default DEFAULT_MAX_SIZE_MB) */
  maxSizeMB?: number;
}

export interface LoadedFile {
  text: string;
  diagnostics: NetworkDiagnostic[];
  network?: Network;
}

/**
 * The file system of an io without one (in-memory test ios): every call reads the whole file, which
 * is fine for the small files of tests.
 */
function readFileSystem(io: CliIo): FileSystemLike {
  const bytes = (p: string): Uint8Array | undefined => {
    try {
      return io.readFile(p);
    } catch {
      return undefined;
    }
  };
  return {
    stat: (p) => {
      const b = bytes(p);
      return b && { kind: 'file', size: b.byteLength, mtimeMs: 0 };
    },
    read: (p, offset, length) => {
      const b = bytes(p);
      if (!b || b.byteLength < offset + length) throw new Error(`cannot read ${length} bytes at ${offset}`);
      return b.subarray(offset, offset + length);
    },
    realpath: (p) => path.resolve(p),
  };
}

function unreadable(message: string): LoadedFile {
  return { text: '', diagnostics: [{ code: 'file-unreadable', severity: 'error', offset: 0, length: 0, message }] };
}

/** Parse a file and everything it refers to; never throws: an unreadable file is a 'file-unreadable' diagnostic. */
export function parseNetworkFile(file: string, io: CliIo, options: LoadOptions = {}): LoadedFile {
  const maxBytes = Math.floor((options.maxSizeMB ?? DEFAULT_MAX_SIZE_MB) * 1024 * 1024);
  const fsys = io.files ?? readFileSystem(io);
  // examine before reading: a 3 GB file or a FIFO must be refused, not read
  let info;
  try {
    info = fsys.stat(file);
  } catch (e) {
    return unreadable(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (!info) return unreadable(`cannot read ${file}: no such file`);
  if (info.kind !== 'file') return unreadable(`cannot read ${file}: it is a ${info.kind}, not a regular file`);
  if (info.size > maxBytes) {
    return {
      text: '',
      diagnostics: [{
        code: 'file-too-large', severity: 'error', offset: 0, length: 0,
        message: `${file} is ${sizeAboveLimit(info.size, maxBytes)}; raise it with --max-size-mb (editor: setting depthLens.maxFileSizeMB), or store the weights in an external binary file`,
      }],
    };
  }
  let text: string;
  try {
    // perf: the bytes are only referenced inside this call, so they can be freed while the text is parsed
    text = readText(io, file);
  } catch (e) {
    return unreadable(`cannot read ${file}: ${(e as Error).message}`);
  }
  const result = parseNetworkText(text, { fileName: file, maxBytes, files: new FolderFiles(path.dirname(file), fsys) });
  return { text, diagnostics: result.diagnostics, network: result.network };
}

/** The file decoded as UTF-8 (its bytes unreachable once this returns). */
function readText(io: CliIo, file: string): string {
  return new TextDecoder('utf-8').decode(io.readFile(file));
}

/**
 * `file:line:col: severity: message [code]` with 1-based line and column (file-level problems such as
 * an unreadable file are at 1:1, so problem matchers parse every line).
 */
export function formatDiagnostics(file: string, text: string, diagnostics: readonly NetworkDiagnostic[]): string[] {
  const at = positionMapper(text);
  return diagnostics.map((d) => {
    const p = at(d.offset);
    return `${file}:${p.line + 1}:${p.character + 1}: ${d.severity}: ${d.message} [${d.code}]`;
  });
}

/**
 * Load a network for a command. Throws an Error listing the error diagnostics
 * (`file:line:col: error: message [code]`, one per line) when the file has errors or cannot be read.
 */
export function loadNetworkFile(file: string, io: CliIo, options: LoadOptions = {}): { network: Network; text: string; diagnostics: NetworkDiagnostic[] } {
  const loaded = parseNetworkFile(file, io, options);
  if (!loaded.network) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(`${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${formatDiagnostics(file, loaded.text, errors).join('\n')}`);
  }
  return { network: loaded.network, text: loaded.text, diagnostics: loaded.diagnostics };
}
