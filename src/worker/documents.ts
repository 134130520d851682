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

export interface ParsedDocument {
  readonly source: DocumentSource;
  readonly network?: Network;
  readonly diagnostics: readonly WireDiagnostic[];
  /** absolute paths of the external files the document refers to (found or not), for file watchers */
  readonly externalFiles: readonly string[];
  lineOf(offset: number): number;
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
  // external weight files resolve in the network file's folder (and only there: see external.ts)
  const files = source.fsPath ? new FolderFiles(path.dirname(source.fsPath), nodeFileSystem) : undefined;
  const result = parseNetworkText(source.text, {
    fileName: source.fsPath ? path.basename(source.fsPath) : source.uri,
    maxBytes: Math.floor(settings.maxFileSizeMB * 1024 * 1024),
    files,
  });
  const at = positionMapper(source.text);
  const folder = source.fsPath ? path.dirname(source.fsPath) : undefined;
  const parsed: ParsedDocument = {
    source,
    network: result.network,
    diagnostics: result.diagnostics.map((d) => toWireDiagnostic(at, d)),
    externalFiles: folder ? result.externalFiles.map((rel) => path.join(folder, rel)) : [],
    lineOf: (offset) => at(offset).line,
  };
  for (const k of cache.keys()) if (k.startsWith(source.uri + '\u0000')) cache.delete(k);
  cache.set(key, { parsed, signatures: files?.examined ?? new Map() });
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return parsed;
}
