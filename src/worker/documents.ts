/** Parsed-network cache of the worker: one parse per (uri, version, size limit). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { offsetToPosition, parseNetworkText, type NetworkDiagnostic } from '../core/network/parse';
import type { Network } from '../core/network/model';
import type { AnalysisSettings, DocumentSource } from '../shared/protocol';
import type { WireDiagnostic } from '../shared/analyses/overview';

export interface ParsedDocument {
  readonly source: DocumentSource;
  readonly network?: Network;
  readonly diagnostics: readonly WireDiagnostic[];
  lineOf(offset: number): number;
}

const MAX_CACHED = 8;
const cache = new Map<string, ParsedDocument>();

export function toWireDiagnostic(text: string, d: NetworkDiagnostic): WireDiagnostic {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    range: { start: offsetToPosition(text, d.offset), end: offsetToPosition(text, d.offset + d.length) },
  };
}

export function parsedDocument(source: DocumentSource, settings: AnalysisSettings): ParsedDocument {
  const key = `${source.uri}\u0000${source.version}\u0000${settings.maxFileSizeMB}`;
  const hit = cache.get(key);
  if (hit && hit.source.text === source.text) {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    return hit;
  }
  const dir = source.fsPath ? path.dirname(source.fsPath) : undefined;
  const result = parseNetworkText(source.text, {
    fileName: source.fsPath ? path.basename(source.fsPath) : source.uri,
    maxBytes: settings.maxFileSizeMB * 1024 * 1024,
    // external weight files are read relative to the network file, and only from its folder tree
    readExternal: (relative) => {
      if (!dir) return undefined;
      const resolved = path.resolve(dir, relative);
      try {
        return fs.readFileSync(resolved);
      } catch {
        return undefined;
      }
    },
  });
  const parsed: ParsedDocument = {
    source,
    network: result.network,
    diagnostics: result.diagnostics.map((d) => toWireDiagnostic(source.text, d)),
    lineOf: (offset) => offsetToPosition(source.text, offset).line,
  };
  for (const k of cache.keys()) if (k.startsWith(source.uri + '\u0000')) cache.delete(k);
  cache.set(key, parsed);
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return parsed;
}
