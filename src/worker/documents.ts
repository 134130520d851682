/**
 * Parsed-network cache of the worker: one parse per (uri, version, size limit) — and per state of
 * the external weight files the document refers to, so a weight file created, replaced or edited
 * on disk is seen on the next request although the document itself did not change.
 */
import * as path from 'node:path';
import { currentSignature, FolderFiles } from '../core/network/external';
import { parseNetworkText, positionMapper, type NetworkDiagnostic, type TextPosition } from '../core/network/parse';
import type { Network } from '../core/network/model';
import type { AnalysisSettings, DocumentSource } from '../shared/protocol';
import type { WireDiagnostic } from '../shared/analyses/overview';
import { nodeFileSystem } from './nodeFiles';
import { modelFormatOf } from '../core/formats/open';
import { openCheckpoint } from '../core/formats/checkpoint';
import { modelNetwork } from '../core/formats/network';
import { modelConvNetwork } from '../core/formats/convNetwork';
import type { ConvNetwork } from '../core/conv/network';

export interface ParsedDocument {
  readonly source: DocumentSource;
  readonly network?: Network;
  readonly diagnostics: readonly WireDiagnostic[];
  /** absolute paths of the external files the document refers to (found or not), for file watchers */
  readonly externalFiles: readonly string[];
  /**
   * a checkpoint whose architecture is convolutional (built on first use, then kept with the entry), or
   * a network file on images: the conv network, or the errors that stopped it; undefined for dense ones
   */
  readonly conv?: ConvBuild;
  lineOf(offset: number): number;
}

export interface ConvBuild {
  readonly network?: ConvNetwork;
  readonly diagnostics: readonly WireDiagnostic[];
}

interface CacheEntry {
  readonly parsed: ParsedDocument;
  /** absolute path → signature of every external file as the parse saw it */
  readonly signatures: ReadonlyMap<string, string>;
}

const MAX_CACHED = 8;
const cache = new Map<string, CacheEntry>();

/** `at` maps offsets of the document's text (positionMapper: one scan of the text for all diagnostics). */
export function toWireDiagnostic(at: (offset: number) => TextPosition, d: NetworkDiagnostic): WireDiagnostic {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    range: { start: at(d.offset), end: at(d.offset + d.length) },
  };
}

/** Still valid when every external file looks as it did (one stat per file: cheap on each request). */
function fresh(entry: CacheEntry): boolean {
  for (const [file, sig] of entry.signatures) if (currentSignature(nodeFileSystem, file) !== sig) return false;
  return true;
}

export function parsedDocument(source: DocumentSource, settings: AnalysisSettings): ParsedDocument {
  const key = `${source.uri}\u0000${source.version}\u0000${settings.maxFileSizeMB}`;
  const hit = cache.get(key);
  if (hit && hit.parsed.source.text === source.text && fresh(hit)) {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    return hit.parsed;
  }
  if (source.fsPath && modelFormatOf(source.fsPath)) return remember(key, source, parseCheckpointDocument(source, source.fsPath));
  // external weight files resolve in the network file's folder (and only there: see external.ts)
  const files = source.fsPath ? new FolderFiles(path.dirname(source.fsPath), nodeFileSystem) : undefined;
  const result = parseNetworkText(source.text, {
    fileName: source.fsPath ? path.basename(source.fsPath) : source.uri,
    maxBytes: Math.floor(settings.maxFileSizeMB * 1024 * 1024),
    files,
  });
  const at = positionMapper(source.text);
  const folder = source.fsPath ? path.dirname(source.fsPath) : undefined;
  const diagnostics = result.diagnostics.map((d) => toWireDiagnostic(at, d));
  const parsed: ParsedDocument = {
    source,
    network: result.network,
    // a network file on images (input.shape) is a conv network, as a conv checkpoint is
    ...(result.conv ? { conv: { network: result.conv, diagnostics } } : {}),
    diagnostics,
    externalFiles: folder ? result.externalFiles.map((rel) => path.join(folder, rel)) : [],
    lineOf: (offset) => at(offset).line,
  };
  return remember(key, source, { parsed, signatures: files?.examined ?? new Map() });
}

function remember(key: string, source: DocumentSource, entry: CacheEntry): ParsedDocument {
  for (const k of cache.keys()) if (k.startsWith(source.uri + '\u0000')) cache.delete(k);
  cache.set(key, entry);
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return entry.parsed;
}

/**
 * A checkpoint (safetensors, PyTorch, NumPy, ONNX) as a network document: no text, so every
 * diagnostic sits at 0:0 and says where in the file it is. Its files are watched like external weights.
 * The network is built (every tensor it uses read) only when an analysis asks for it: the tensor
 * table's requests never do, so they read one tensor at a time.
 */
function parseCheckpointDocument(source: DocumentSource, fsPath: string): CacheEntry {
  const at0 = { line: 0, character: 0 };
  const wire = (d: { code: string; severity: NetworkDiagnostic['severity']; message: string }): WireDiagnostic => ({ code: d.code, severity: d.severity, message: d.message, range: { start: at0, end: at0 } });
  const signatures = new Map<string, string>();
  let built: { network?: Network; diagnostics: WireDiagnostic[] } | undefined;
  const build = () => {
    if (built) return built;
    const opened = openCheckpoint(fsPath, nodeFileSystem);
    for (const [k, v] of opened.signatures) signatures.set(k, v);
    if (!opened.ok) return (built = { diagnostics: [wire({ code: opened.code, severity: 'error', message: opened.message })] });
    try {
      const result = modelNetwork(opened.index);
      return (built = { network: result.network, diagnostics: result.diagnostics.map(wire) });
    } finally {
      opened.close();
    }
  };
  // a conv model is built by its own reader (the dense one above refuses it by name)
  let convBuilt: ConvBuild | null | undefined;
  const buildConv = (): ConvBuild | undefined => {
    if (convBuilt !== undefined) return convBuilt ?? undefined;
    const opened = openCheckpoint(fsPath, nodeFileSystem);
    if (!opened.ok) {
      convBuilt = null; // the dense build reports why the file cannot be opened
      return undefined;
    }
    try {
      const conv = modelConvNetwork(opened.index);
      convBuilt = conv ? { network: conv.network, diagnostics: conv.diagnostics.map(wire) } : null;
      return convBuilt ?? undefined;
    } finally {
      opened.close();
    }
  };
  // what the file looks like now, so a change on disk is seen even before the network is built
  signatures.set(fsPath, currentSignature(nodeFileSystem, fsPath));
  const parsed: ParsedDocument = {
    source,
    get network() { return build().network; },
    get diagnostics() { return build().diagnostics; },
    get externalFiles() { build(); return [...signatures.keys()].filter((f) => f !== fsPath); },
    get conv() { return buildConv(); },
    lineOf: () => 0,
  };
  return { parsed, signatures };
}
