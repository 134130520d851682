/**
 * Webview messages checked at the host boundary (issue 17, item 8). A webview is a page: whatever it
 * posts arrives as data of any shape, so every message is checked against the protocol before the
 * host acts on it or forwards it to the worker. Unknown kinds, wrong shapes and out-of-range numbers
 * (a revealLine at −1, NaN or 10¹²) are dropped with a log line, never thrown into the host or the
 * worker. Names are looked up in Maps and Sets, never in plain objects ("constructor" is a name).
 */
import type { AnalysisName, CheckpointPanel, ShippedDocument, WebviewToHost } from '../../shared/protocol';

/** Every analysis a webview may request (a Record over AnalysisName, so a new analysis must be added here). */
const ANALYSIS_TABLE: Readonly<Record<AnalysisName, true>> = {
  validate: true, overview: true, layerMatrix: true, activations: true, regions: true, segment: true, regionGrid: true, convRegions: true, convExactRegions: true, convAffine: true, convAngles: true,
  degeneracy: true, moments: true, probeAngles: true, convergence: true, trainIndicator: true, trainMeanField: true,
  trainingPreset: true, spectrum: true, compare: true, compareSpectra: true, checkpoint: true, tensorNorms: true, networkFileText: true,
};
const ANALYSES: ReadonlySet<string> = new Set(Object.keys(ANALYSIS_TABLE));
const SHIPPED: ReadonlySet<string> = new Set<ShippedDocument>(['readme', 'math']);
const CHECKPOINT_PANELS: ReadonlySet<string> = new Set<CheckpointPanel>(['overview', 'activations', 'convergence', 'depthPlots']);
const MIMES: ReadonlySet<string> = new Set(['image/png', 'text/csv', 'application/json']);

/** Lines a document can have in VS Code (its limit is far below this; anything above is not a line). */
export const MAX_LINE = 100_000_000;
/** An export is a PNG/CSV/JSON the webview made: far below this (base64 of a 4k PNG is a few MB). */
export const MAX_EXPORT_CHARS = 256 * 1024 * 1024;
/** Params are small objects: bounded depth and entry count, so a hostile page cannot make the check itself slow. */
const MAX_PARAM_DEPTH = 16;
const MAX_PARAM_ENTRIES = 1_000_000;

export type Checked = { ok: true; message: WebviewToHost } | { ok: false; reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isShortString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

/**
 * Params of a request: a plain object whose numbers are all finite (structured clone carries NaN and
 * Infinity, JSON cannot, and no analysis takes them) and whose size is bounded; the worker checks
 * each analysis's own fields.
 */
function paramsProblem(params: unknown): string | undefined {
  if (!isRecord(params)) return 'params must be an object';
  let entries = 0;
  const stack: [unknown, number][] = [[params, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'number') { if (!Number.isFinite(v)) return `params hold the number ${v}`; continue; }
    if (typeof v !== 'object' || v === null) {
      if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return `params hold a ${typeof v}`;
      continue;
    }
    if (depth >= MAX_PARAM_DEPTH) return `params nest deeper than ${MAX_PARAM_DEPTH} levels`;
    if (ArrayBuffer.isView(v)) { entries += (v as ArrayBufferView).byteLength / 8; if (entries > MAX_PARAM_ENTRIES) return 'params are too large'; continue; }
    const values = Array.isArray(v) ? v : Object.values(v);
    entries += values.length;
    if (entries > MAX_PARAM_ENTRIES) return 'params are too large';
    for (const x of values) stack.push([x, depth + 1]);
  }
  return undefined;
}

/** Check one message from a webview against the protocol. */
export function checkWebviewMessage(m: unknown): Checked {
  if (!isRecord(m)) return { ok: false, reason: `not a message object (${m === null ? 'null' : Array.isArray(m) ? 'an array' : typeof m})` };
  const type = own(m, 'type');
  switch (type) {
    case 'ready':
    case 'createNetworkFile':
      return { ok: true, message: { type } };
    case 'request': {
      const id = own(m, 'id'), analysis = own(m, 'analysis'), params = own(m, 'params');
      if (!isId(id)) return { ok: false, reason: 'request without a valid id' };
      if (typeof analysis !== 'string' || !ANALYSES.has(analysis)) return { ok: false, reason: `request for unknown analysis ${JSON.stringify(String(analysis).slice(0, 40))}` };
      const problem = paramsProblem(params);
      if (problem) return { ok: false, reason: `${analysis} request: ${problem}` };
      return { ok: true, message: m as WebviewToHost };
    }
    case 'cancel': {
      const id = own(m, 'id');
      return isId(id) ? { ok: true, message: { type, id } } : { ok: false, reason: 'cancel without a valid id' };
    }
    case 'export': {
      const fileName = own(m, 'fileName'), mime = own(m, 'mime'), data = own(m, 'data');
      if (!isShortString(fileName, 255) || fileName.length === 0 || /[\\/]/.test(fileName)) return { ok: false, reason: 'export with an invalid file name' };
      if (typeof mime !== 'string' || !MIMES.has(mime)) return { ok: false, reason: 'export with an unknown type' };
      if (!isShortString(data, MAX_EXPORT_CHARS)) return { ok: false, reason: 'export without data, or too large' };
      return { ok: true, message: { type, fileName, mime: mime as 'image/png', data } };
    }
    case 'revealLine': {
      const line = own(m, 'line');
      if (typeof line !== 'number' || !Number.isSafeInteger(line) || line < 0 || line > MAX_LINE) return { ok: false, reason: `revealLine with line ${typeof line === 'number' ? line : typeof line}` };
      return { ok: true, message: { type, line } };
    }
    case 'openDoc': {
      const document = own(m, 'document'), anchor = own(m, 'anchor');
      if (typeof document !== 'string' || !SHIPPED.has(document)) return { ok: false, reason: 'openDoc for an unknown document' };
      if (!isShortString(anchor, 200)) return { ok: false, reason: 'openDoc with an invalid anchor' };
      return { ok: true, message: { type, document: document as ShippedDocument, anchor } };
    }
    case 'openPanel': {
      const panel = own(m, 'panel');
      if (typeof panel !== 'string' || !CHECKPOINT_PANELS.has(panel)) return { ok: false, reason: 'openPanel for an unknown panel' };
      return { ok: true, message: { type, panel: panel as CheckpointPanel } };
    }
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(String(type).slice(0, 40))}` };
  }
}

/** The shipped documents a panel can open: a Map, so the webview's string is a key, never a prototype member. */
export const SHIPPED_DOCUMENT_FILES: ReadonlyMap<ShippedDocument, string> = new Map([['readme', 'README.md'], ['math', 'docs/MATH.md']]);
