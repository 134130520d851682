/**
 * Reading a network file from disk for the CLI commands: the file is opened once and examined on that
 * handle before it is read (size limit, regular file), external weight files resolve in its folder
 * (src/core/network/external.ts), and diagnostics are formatted as `file:line:col: severity: message [code]`.
 * Checkpoints (.safetensors, .pt/.pth, .npz/.npy, .onnx) are read by src/core/formats wherever a
 * network file is taken: their index is read, then each tensor the network needs, one at a time.
 */
import * as path from 'node:path';
import { UsageError, type CliIo } from './command';
import { firstConvLayer } from '../core/conv/network';
import type { Network } from '../core/network/model';
import { FolderFiles, type FileInfo, type FileSystemLike, type OpenedFile } from '../core/network/external';
import { DEFAULT_MAX_FILE_SIZE_MB, sizeAboveLimit } from '../core/network/limits';
import { parseNetworkText, positionMapper, type NetworkDiagnostic } from '../core/network/parse';
import { modelFormatOf } from '../core/formats/open';
import { decodeNetworkBytes, type DecodedText } from '../core/network/encoding';
import { modelNetwork } from '../core/formats/network';
import { openCheckpoint } from '../core/formats/checkpoint';
import type { ModelIndex } from '../core/formats/model';
import type { ConvNetwork } from '../core/conv/network';

/** Default size limit of the CLI (MB), the same as the editor's; `--max-size-mb` raises it. */
export const DEFAULT_MAX_SIZE_MB = DEFAULT_MAX_FILE_SIZE_MB;

export interface LoadOptions {
  /** refuse files larger than this (default DEFAULT_MAX_SIZE_MB); checkpoints are not limited by it */
  maxSizeMB?: number;
}

export interface LoadedFile {
  text: string;
  diagnostics: NetworkDiagnostic[];
  network?: Network;
  /** a network file whose input is an image (input.shape): its conv network */
  conv?: ConvNetwork;
  /** the checkpoint's index, when the file is one */
  model?: ModelIndex;
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

/**
 * Open `file` once: what is there (from the open handle), and reads from that same handle. File
 * systems without open() (in-memory test ios) are examined by path and read whole.
 */
function openOnce(file: string, fsys: FileSystemLike, io: CliIo): { info: FileInfo; read: (offset: number, length: number) => Uint8Array; close: () => void } | undefined {
  if (fsys.open) {
    const opened: OpenedFile | undefined = fsys.open(file);
    return opened && { info: opened.info, read: (o, l) => opened.read(o, l), close: () => opened.close() };
  }
  const info = fsys.stat(file);
  if (!info) return undefined;
  let whole: Uint8Array | undefined;
  return {
    info,
    read: (o, l) => {
      whole ??= io.readFile(file);
      if (whole.byteLength < o + l) throw new Error(`the file ended at byte ${whole.byteLength}, before the ${l} bytes needed from byte ${o}`);
      return whole.subarray(o, o + l);
    },
    close: () => undefined,
  };
}

/**
 * A network file parsed by `loadConvModel` (to see whether it takes images) that turned out dense: the
 * command's next `parseNetworkFile` of the same file, io and size limit takes it instead of parsing again.
 */
const parsedBefore: Array<{ file: string; io: CliIo; maxBytes: number; loaded: LoadedFile }> = [];

/** (two files: `compare` checks both before it loads them) */
export function keepParsed(file: string, io: CliIo, options: LoadOptions, loaded: LoadedFile): void {
  parsedBefore.push({ file, io, maxBytes: maxBytesOf(options), loaded });
  if (parsedBefore.length > 2) parsedBefore.shift();
}

/** Drops what keepParsed kept (each CLI command starts without it). */
export function forgetParsed(): void {
  parsedBefore.length = 0;
}

const maxBytesOf = (options: LoadOptions): number => Math.floor((options.maxSizeMB ?? DEFAULT_MAX_SIZE_MB) * 1024 * 1024);

/** Parse a file and everything it refers to; never throws: an unreadable file is a 'file-unreadable' diagnostic. */
export function parseNetworkFile(file: string, io: CliIo, options: LoadOptions = {}): LoadedFile {
  const maxBytes = maxBytesOf(options);
  const k = parsedBefore.findIndex((p) => p.file === file && p.io === io && p.maxBytes === maxBytes);
  if (k >= 0) return parsedBefore.splice(k, 1)[0].loaded;
  const fsys = io.files ?? readFileSystem(io);
  if (modelFormatOf(file)) return parseCheckpoint(file, fsys);
  // examine before reading: a 3 GB file or a FIFO must be refused, not read
  let handle;
  try {
    handle = openOnce(file, fsys, io);
  } catch (e) {
    return unreadable(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (!handle) return unreadable(`cannot read ${file}: no such file`);
  try {
    const { info } = handle;
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
      // the bytes are only referenced inside readText, so they can be freed while the text is parsed
      const decoded = readText(handle, info.size, file);
      if (decoded.diagnostic) return { text: decoded.text, diagnostics: [decoded.diagnostic] };
      text = decoded.text;
    } catch (e) {
      return unreadable(`cannot read ${file}: ${(e as Error).message}`);
    }
    const result = parseNetworkText(text, { fileName: file, maxBytes, files: new FolderFiles(path.dirname(file), fsys) });
    return { text, diagnostics: result.diagnostics, network: result.network, conv: result.conv };
  } finally {
    handle.close();
  }
}

/** A checkpoint opened as a network: its architecture (or its weights read as a dense chain). */
function parseCheckpoint(file: string, fsys: FileSystemLike): LoadedFile {
  const opened = openCheckpoint(file, fsys);
  if (!opened.ok) return { text: '', diagnostics: [{ code: opened.code, severity: 'error', offset: 0, length: 0, message: opened.message }] };
  try {
    const result = modelNetwork(opened.index);
    return { text: '', diagnostics: result.diagnostics, network: result.network, model: opened.index };
  } finally {
    opened.close();
  }
}

/** The file decoded as UTF-8 the way the extension's panels decode it (its bytes unreachable once this returns). */
function readText(handle: { read: (offset: number, length: number) => Uint8Array }, size: number, file: string): DecodedText {
  return decodeNetworkBytes(handle.read(0, size), file);
}

/**
 * `file:line:col: severity: message [code]` with 1-based line and column (file-level problems such as
 * an unreadable file, and every problem of a checkpoint, are at 1:1, so problem matchers parse every line).
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
  if (loaded.conv) {
    // commands that read conv networks ask loadConvModel first; the others refuse them by name (refuseConvModel)
    throw new UsageError(`convolutional layers are not supported by this command yet: ${firstConvLayer(loaded.conv.net)}`);
  }
  if (!loaded.network) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(`${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${formatDiagnostics(file, loaded.text, errors).join('\n')}`);
  }
  return { network: loaded.network, text: loaded.text, diagnostics: loaded.diagnostics };
}
