/**
 * The network definition parser: `*.network.json` (format "depth-lens/network@1") and TensorFlow.js
 * layers models → the Network model, with precise diagnostics (exact JSON node ranges, stable codes).
 *
 * Never throws: malformed input becomes diagnostics, and an internal bug becomes 'internal-error'.
 * Pure (no Node APIs): external weight files are read through `options.files` (external.ts).
 * The format is documented in docs/network-format.md and schemas/network.schema.json.
 */
import { createScanner, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { DiagnosticSink, type NetworkDiagnostic } from './diagnostics';
import { JsonReader, listOf } from './json';
import { parseJsonTree } from './jsonTree';
import { compactWhitespace } from './compact';
import { wideEncoding } from './encoding';
import { LIMITS, sizeAboveLimit } from './limits';
import type { DenseMatrix } from '../linalg/dense';
import type { Activation, DenseLayer, InputSpec, Network, Probe } from './model';
import { segmentedNetwork, singleLayerSegment, type Segment } from './segments';
import { parseFamilyEntry, parseRandomEntry, parseResidualFamilyEntry } from './families';
import { ExternalFiles, readExternalArray, type ExternalFileAccess } from './external';
import { ACTIVATIONS, branchItems, range, type EntryContext, type EntryResult } from './entry';
import { parseTfjsModel } from './tfjs';
import { validateTrainingSection } from '../training/spec';
import type { ConvNetwork } from '../conv/network';
import { CONV_LAYER_TYPES, parseConvLayers, parseInputShape as parseConvInputShape } from './convParse';

export type { NetworkDiagnostic, DiagnosticSeverity } from './diagnostics';
export { DIAGNOSTIC_CODES } from './diagnostics';
export { offsetToPosition, positionMapper, type TextPosition } from './position';
export { LIMITS, DEFAULT_MAX_FILE_SIZE_MB } from './limits';
export { ACTIVATIONS } from './entry';
export { FolderFiles, memoryFiles, type ExternalFileAccess, type FileSystemLike, type FileInfo } from './external';

export const NETWORK_FORMAT = 'depth-lens/network@1';
export const TFJS_FORMAT = 'layers-model';

export interface ParseOptions {
  /**
   * The files beside the document (external weights, TF.js weight shards), by path relative to its
   * folder. Without it, a reference to an external file is 'external-unavailable'.
   */
  files?: ExternalFileAccess;
  /** refuse texts longer than this many bytes (UTF-8) with 'file-too-large' */
  maxBytes?: number;
  /** the document's name, used in messages only */
  fileName?: string;
}

export interface ParseResult {
  /** present iff no diagnostic has severity 'error' and the network takes vectors (input.dim) */
  network?: Network;
  /** present iff no diagnostic has severity 'error' and the network takes images (input.shape) */
  conv?: ConvNetwork;
  /** at most LIMITS.maxDiagnostics, plus one 'too-many-problems' counting the rest */
  diagnostics: NetworkDiagnostic[];
  /** external files the document refers to ('/'-separated, relative to its folder), found or not */
  externalFiles: string[];
}

/** Parse a network document. Never throws. */
export function parseNetworkText(text: string, options: ParseOptions = {}): ParseResult {
  const sink = new DiagnosticSink();
  let files: ExternalFiles | undefined;
  let network: Network | ConvNetwork | undefined;
  try {
    files = new ExternalFiles(options.files);
    network = parseInto(String(text), options, files, sink);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    sink.error('internal-error', { offset: 0, length: 0 }, `internal error while reading the network (please report it): ${msg}`);
  }
  files?.close();
  if (sink.errorCount === 0 && !network) {
    // every path that yields no network reports an error; keep the invariant even if one is missed
    sink.error('internal-error', { offset: 0, length: 0 }, 'internal error: the network could not be built but no error was reported (please report it)');
  }
  const diagnostics = sink.finish();
  // jsonc-parser can place an end-of-input error one character past the text; keep every range inside it
  for (const d of diagnostics) {
    d.offset = Math.max(0, Math.min(d.offset, text.length));
    d.length = Math.max(0, Math.min(d.length, text.length - d.offset));
  }
  const externalFiles = files?.referenced ?? [];
  if (sink.errorCount > 0) return { diagnostics, externalFiles };
  if (network && 'kind' in network && network.kind === 'conv') return { conv: network, diagnostics, externalFiles };
  return { network: network as Network, diagnostics, externalFiles };
}

const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 byte length without allocating an encoded copy (50 MB files). */
export function utf8Length(text: string): number {
  // the engine's regex scan is ~3× faster than the loop below: ASCII text is one byte per character
  if (!NON_ASCII.test(text)) return text.length;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

// jsonc-parser's const enums (not usable with isolatedModules): ParseErrorCode.InvalidSymbol, SyntaxKind.Unknown/EOF
const INVALID_SYMBOL = 1;
const TOKEN_UNKNOWN = 16;
const TOKEN_EOF = 17;

const JSON_OPTIONS = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

function parseInto(text: string, options: ParseOptions, files: ExternalFiles, sink: DiagnosticSink): Network | ConvNetwork | undefined {
  // utf8Length ≤ 3·text.length, so short texts skip the byte count
  if (options.maxBytes !== undefined && text.length * 3 > options.maxBytes && utf8Length(text) > options.maxBytes) {
    sink.error('file-too-large', { offset: 0, length: Math.min(1, text.length) },
      `${options.fileName ?? 'the file'} is ${sizeAboveLimit(utf8Length(text), options.maxBytes)}; ` +
      'raise the setting depthLens.maxFileSizeMB (CLI: --max-size-mb), or store the weights in an external binary file');
    return undefined;
  }
  // UTF-16/32 read as UTF-8 (an editor that did not recognise it): NULs between the first characters
  const head = [text.charCodeAt(0), text.charCodeAt(1), text.charCodeAt(2), text.charCodeAt(3)].slice(0, Math.min(4, text.length));
  const wide = head.includes(0) ? wideEncoding(head) : undefined;
  if (wide) {
    sink.error('file-encoding', { offset: 0, length: 1 }, `${options.fileName ?? 'the file'} is ${wide}, not UTF-8; save it as UTF-8`);
    return undefined;
  }
  const parsed = parseJson(text);
  if (parsed.nesting !== undefined) {
    sink.error('size-limit', { offset: parsed.nesting, length: 1 }, `the JSON nests arrays and objects more than ${LIMITS.maxNesting} levels deep here; a network file needs fewer than 10`);
    return undefined;
  }
  if (parsed.errors.count > 0) {
    reportSyntaxErrors(text, parsed.errors, sink);
    return undefined;
  }
  const root = parsed.root;
  if (!root) {
    sink.error('json-syntax', { offset: 0, length: 0 }, 'invalid JSON: the document is empty');
    return undefined;
  }
  const reader = new JsonReader(text, sink);
  if (!reader.isObject(root, 'the document')) return undefined;
  const formatNode = root.children?.find((p) => p.children?.[0]?.value === 'format')?.children?.[1];
  if (formatNode?.type === 'string' && formatNode.value === TFJS_FORMAT) return parseTfjsModel(root, reader, files);
  if (!formatNode) {
    if (root.children?.some((p) => p.children?.[0]?.value === 'modelTopology')) return parseTfjsModel(root, reader, files);
    sink.error('unknown-format', root, `the document has no "format"; a network file starts with "format": "${NETWORK_FORMAT}"`);
    return undefined;
  }
  if (formatNode.type !== 'string' || formatNode.value !== NETWORK_FORMAT) {
    sink.error('unknown-format', formatNode, `unknown format ${formatNode.type === 'string' ? `"${formatNode.value}"` : 'value'}; expected "${NETWORK_FORMAT}" (or "${TFJS_FORMAT}" for a TensorFlow.js model.json)`);
    return undefined;
  }
  return parseNetworkDocument(root, reader, files);
}

/**
 * jsonc-parser's error list, kept short: a file of 2·10⁶ junk tokens has 4·10⁶ syntax errors, and
 * only the first few hundred are worth listing. The two errors jsonc-parser often reports at one
 * spot ("property name expected", "value expected") count as one.
 */
class SyntaxErrors {
  readonly list: ParseError[] = [];
  count = 0;
  private lastOffset = -1;

  push(e: ParseError): number {
    if (e.offset === this.lastOffset) return this.list.length;
    this.lastOffset = e.offset;
    this.count++;
    if (this.list.length < LIMITS.maxDiagnostics) this.list.push(e);
    return this.list.length;
  }
}

/**
 * The document's tree: strict JSON through the fast builder of jsonTree.ts (numbers of big arrays
 * packed, nesting checked), anything else through jsonc-parser's parseTree with a capped error list,
 * which locates the errors; `nesting` is where the document nests deeper than the limit.
 */
function parseJson(text: string): { root?: Node; errors: SyntaxErrors; nesting?: number } {
  const errors = new SyntaxErrors();
  const fast = parseJsonTree(text, LIMITS.maxNesting);
  if (fast) return { root: fast.root, errors, nesting: fast.nesting };
  // the documented nesting limit, checked before jsonc-parser (which recurses) ever sees the text
  const deep = deepNesting(text, LIMITS.maxNesting);
  if (deep !== undefined) return { errors, nesting: deep };
  const compact = compactWhitespace(text);
  if (!compact) {
    // parseTree only ever calls errors.push
    return { root: parseTree(text, errors as unknown as ParseError[], JSON_OPTIONS), errors };
  }
  const map = compact.original;
  const mapped = {
    push: (e: ParseError) => {
      const offset = map(e.offset);
      return errors.push({ error: e.error, offset, length: map(e.offset + e.length) - offset });
    },
  };
  const root = parseTree(compact.text, mapped as unknown as ParseError[], JSON_OPTIONS);
  if (root) remapTree(root, map);
  return { root, errors };
}

/** Node offsets of a tree parsed from a compacted text → offsets in the original text. */
function remapTree(root: Node, map: (offset: number) => number): void {
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()! as { -readonly [K in keyof Node]: Node[K] };
    const end = map(n.offset + n.length);
    n.offset = map(n.offset);
    n.length = end - n.offset;
    if (n.colonOffset !== undefined) n.colonOffset = map(n.colonOffset);
    if (n.children) for (const c of n.children) stack.push(c);
  }
}

/**
 * Offset of the bracket where arrays/objects first nest deeper than `limit`, if they do. Strings and
 * comments are skipped exactly as jsonc-parser's scanner skips them (a string ends at its closing
 * quote or at a line break; `//` to the line's end, `/* *\/` to its close): a bracket it would read
 * must be counted here, or an unterminated string hides a deep nest from this check and jsonc-parser
 * recurses past the stack (fuzz seed 17, case 810).
 */
export function deepNesting(text: string, limit: number): number | undefined {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
        else if (d === 10 || d === 13) { i--; break; }
      }
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      while (i + 1 < n && text.charCodeAt(i + 1) !== 10 && text.charCodeAt(i + 1) !== 13) i++;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return i;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return undefined;
}

function reportSyntaxErrors(text: string, errors: SyntaxErrors, sink: DiagnosticSink): void {
  let list = errors.list;
  let count = errors.count;
  const bare = errors.list.some((e) => e.error === INVALID_SYMBOL && /^-?(NaN|Infinity)\b/.test(text.substr(e.offset, 10)))
    ? bareNonFinite(text) : [];
  if (bare.length > 0) {
    // Python's json.dump writes NaN, Infinity and -Infinity by default: one clear error per token,
    // and the document re-read with those tokens as numbers for the syntax errors that remain
    for (const t of bare) {
      const word = text.substr(t.offset, t.length);
      sink.error('non-finite-number', t, `${word} is not a JSON number (Python's json.dump writes it unless allow_nan=False); Depth Lens needs finite numbers`);
    }
    const rest = parseJson(patchTokens(text, bare));
    list = rest.errors.list;
    count = rest.errors.count;
    if (rest.nesting !== undefined) {
      sink.error('size-limit', { offset: rest.nesting, length: 1 }, `the JSON nests arrays and objects more than ${LIMITS.maxNesting} levels deep here; a network file needs fewer than 10`);
      return;
    }
  }
  for (const e of list) {
    sink.error('json-syntax', { offset: e.offset, length: e.length }, `invalid JSON: ${syntaxMessage(printParseErrorCode(e.error), afterComma(text, e.offset))}`);
  }
  const last = list[list.length - 1];
  if (last) sink.unlisted(count - list.length, 'error', { offset: last.offset, length: last.length });
}

/** Bare NaN, Infinity and -Infinity tokens (outside strings), found with jsonc-parser's scanner. */
function bareNonFinite(text: string): { offset: number; length: number }[] {
  const out: { offset: number; length: number }[] = [];
  const scanner = createScanner(text, true);
  let minusAt = -2;
  for (let kind = scanner.scan(); kind !== TOKEN_EOF; kind = scanner.scan()) {
    if (kind !== TOKEN_UNKNOWN) continue;
    const offset = scanner.getTokenOffset();
    const value = scanner.getTokenValue();
    if (value === '-') { minusAt = offset; continue; }
    if (value !== 'NaN' && value !== 'Infinity') continue;
    if (minusAt === offset - 1) out.push({ offset: minusAt, length: value.length + 1 });
    else out.push({ offset, length: value.length });
  }
  return out;
}

/** The text with each token replaced by a number of the same length ("0e0", "-0e000000"), so offsets stay valid. */
function patchTokens(text: string, tokens: readonly { offset: number; length: number }[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const t of tokens) {
    parts.push(text.slice(at, t.offset));
    const minus = text[t.offset] === '-';
    parts.push((minus ? '-0e' : '0e') + '0'.repeat(t.length - (minus ? 3 : 2)));
    at = t.offset + t.length;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** jsonc-parser's codes (e.g. "CommaExpected") → words. */
function syntaxMessage(code: string, trailingComma: boolean): string {
  const words = code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  if (code === 'InvalidCommentToken') return 'comments are not allowed in network files';
  if (trailingComma && (code === 'PropertyNameExpected' || code === 'ValueExpected')) return `${words}: trailing commas are not allowed in JSON`;
  return words;
}

/** Is the last non-blank character before `offset` a comma? */
function afterComma(text: string, offset: number): boolean {
  for (let i = Math.min(offset, text.length) - 1; i >= 0; i--) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    return c === ',';
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// depth-lens/network@1

// `training` presets the Training panel (src/shared/analyses/training.ts TrainingSpec), checked by core/training/spec.ts
const ROOT_FIELDS = ['$schema', 'format', 'name', 'description', 'input', 'layers', 'training'] as const;
const INPUT_FIELDS = ['dim', 'domain', 'probes', 'description'] as const;
export const LAYER_TYPES = ['dense', 'residual', 'family', 'random', 'residual-family'] as const;

function parseNetworkDocument(root: Node, reader: JsonReader, files: ExternalFiles): Network | ConvNetwork | undefined {
  const sink = reader.sink;
  const f = reader.fields(root, 'the document', ROOT_FIELDS);
  let name: string | undefined;
  const nameNode = f.get('name');
  if (nameNode) name = reader.string(nameNode, '"name"');
  const descNode = f.get('description');
  if (descNode) reader.string(descNode, '"description"');
  const trainingNode = f.get('training');
  if (trainingNode) validateTrainingSection(trainingNode, reader);

  const inputNode = reader.require(f, 'input', root, 'the document');
  // input.shape [C, H, W]: a network on images (convParse.ts)
  if (inputNode && prop(inputNode, 'shape')) return parseImageDocument(root, f, inputNode, name, reader, files);
  const input = inputNode ? parseInput(inputNode, reader) : {};

  const layersNode = reader.require(f, 'layers', root, 'the document');
  if (!layersNode || !reader.isArray(layersNode, '"layers"')) return undefined;
  const entries = layersNode.children ?? [];
  if (entries.length === 0) sink.warning('empty-network', layersNode, 'the network has no layers; every analysis will see the identity map');

  const segments: Segment[] = [];
  const budget = { explicit: 0, total: 0 };
  // input.dim alone is enough to check the first layer's shape, even when probes or the domain are wrong
  let incoming: number | undefined = input.dim;
  let depth = 0;
  let ok = input.spec !== undefined;
  for (let i = 0; i < entries.length; i++) {
    const node = entries[i];
    const ctx: EntryContext = { reader, files, entry: i + 1, incoming, budget };
    const before = sink.errorCount;
    const result = parseEntry(node, ctx);
    if (!result) {
      ok = false;
      // keep checking the next layer's shape when this one's output width is still evident
      incoming = evidentOutWidth(node, incoming);
      continue;
    }
    const seg = result.segment;
    if (incoming !== undefined && seg.inWidth !== incoming) {
      const from = i === 0 ? `input.dim is ${incoming}` : `layer ${i} produces ${incoming}`;
      sink.error('shape-mismatch', result.inputNode, `layer ${i + 1} expects ${seg.inWidth} input${seg.inWidth === 1 ? '' : 's'} but ${from}`);
      ok = false;
    }
    depth += seg.count;
    if (depth > LIMITS.maxDepth) {
      sink.error('size-limit', node, `the network reaches ${depth} layers at layer ${i + 1}, above the limit of ${LIMITS.maxDepth}`);
      return undefined;
    }
    budget.total += seg.parameterCount;
    if (budget.total > LIMITS.maxTotalParameters) {
      sink.error('size-limit', node, `the layers up to layer ${i + 1} have ${formatCount(budget.total)} weights and biases in total (this entry: ${formatCount(seg.count)} layer${seg.count === 1 ? '' : 's'} × ${formatCount(seg.parameterCount / seg.count)}), above the limit of ${formatCount(LIMITS.maxTotalParameters)}: every analysis walks through all of them; use fewer or narrower layers`);
      return undefined;
    }
    if (sink.errorCount > before) ok = false;
    segments.push(seg);
    incoming = seg.outWidth(seg.count - 1);
  }
  if (!ok || !input.spec) return undefined;
  const net = segmentedNetwork(input.spec, segments, name);
  warnLastLayerRelu(net, entries, reader);
  return net;
}

const IMAGE_INPUT_FIELDS = ['shape', 'description', 'dim', 'domain', 'probes'] as const;

/** A document whose input has a shape [C, H, W]: its layers as a conv network (convParse.ts). */
function parseImageDocument(root: Node, f: Map<string, Node>, inputNode: Node, name: string | undefined, reader: JsonReader, files: ExternalFiles): ConvNetwork | undefined {
  const sink = reader.sink;
  let input: readonly [number, number, number] | undefined;
  if (reader.isObject(inputNode, '"input"')) {
    const inf = reader.fields(inputNode, '"input"', IMAGE_INPUT_FIELDS);
    for (const key of ['dim', 'domain', 'probes']) {
      const n = inf.get(key);
      if (n) sink.error('invalid-value', n.parent?.children?.[0] ?? n, `input.${key} does not apply to a network on images: input.shape [C, H, W] gives its input (analyses draw seeded images)`);
    }
    const shapeNode = inf.get('shape')!;
    input = parseConvInputShape(shapeNode, reader);
  }
  const layersNode = reader.require(f, 'layers', root, 'the document');
  if (!layersNode || !reader.isArray(layersNode, '"layers"')) return undefined;
  const entries = layersNode.children ?? [];
  if (entries.length === 0) {
    sink.error('invalid-value', layersNode, 'a network on images needs at least one layer (the conv analyses read layers, not the image itself)');
    return undefined;
  }
  const net = parseConvLayers(entries, input, name, reader, files, layersNode);
  return sink.errorCount > 0 ? undefined : net;
}

/** 12345678 → "12 345 678"; 1e15 → "1.0e15" (numbers in size messages). */
function formatCount(n: number): string {
  if (n >= 1e12) return n.toExponential(1).replace('e+', 'e');
  return Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');
}

/** A width written in the file that is usable as one: a positive integer within the width limit. */
function widthValue(node: Node | undefined): number | undefined {
  const v = node?.value;
  return node?.type === 'number' && typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= LIMITS.maxWidth ? v : undefined;
}

function prop(n: Node | undefined, key: string): Node | undefined {
  if (n?.type !== 'object') return undefined;
  return n.children?.find((p) => p.children?.[0]?.value === key)?.children?.[1];
}

/** Rows of a weights node that failed to parse, when they are still evident (inline rows or external shape[0]). */
function evidentRows(weights: Node | undefined): number | undefined {
  if (weights?.type === 'array' && (weights.children?.length ?? 0) > 0) return weights.children!.length <= LIMITS.maxWidth ? weights.children!.length : undefined;
  return widthValue(prop(weights, 'shape')?.children?.[0]);
}

/**
 * The output width of an entry that failed to parse, when the file still shows it, so the next
 * layer's shape is checked too. `incoming` is the failed entry's input width (the default width of
 * families, and what a residual block returns).
 */
function evidentOutWidth(node: Node, incoming: number | undefined): number | undefined {
  switch (prop(node, 'type')?.value) {
    case 'dense': return evidentRows(prop(node, 'weights'));
    case 'family': {
      const matrix = prop(prop(node, 'weights'), 'matrix');
      if (matrix) return evidentRows(matrix);
      const width = prop(node, 'width');
      return width ? widthValue(width) : incoming;
    }
    case 'residual-family': {
      const width = prop(node, 'width');
      return width ? widthValue(width) : incoming;
    }
    case 'residual': {
      // a block returns as many values as it takes: its first branch layer's inputs
      const first = prop(node, 'layers')?.children?.[0];
      const w = prop(first, 'weights');
      const cols = w?.type === 'array' ? w.children?.[0]?.children?.length : widthValue(prop(w, 'shape')?.children?.[1]);
      return cols !== undefined && cols >= 1 && cols <= LIMITS.maxWidth ? cols : incoming;
    }
    case 'random': {
      const widths = prop(node, 'widths')?.children;
      return widths && widths.length > 0 ? widthValue(widths[widths.length - 1]) : undefined;
    }
    default: return undefined;
  }
}

function warnLastLayerRelu(net: Network, entries: readonly Node[], reader: JsonReader): void {
  if (net.depth === 0 || net.outputDim !== 1) return;
  const last = net.layer(net.depth - 1);
  if (last.activation === 'relu') {
    reader.sink.information('last-layer-relu', entries[entries.length - 1],
      'the last layer applies ReLU, so the scalar output is clamped at 0; use "linear" for an output layer unless this is intended');
  }
}

/** `dim` when it is valid; `spec` when the whole input (domain, probes) is. */
function parseInput(node: Node, reader: JsonReader): { dim?: number; spec?: InputSpec } {
  if (!reader.isObject(node, '"input"')) return {};
  const f = reader.fields(node, '"input"', INPUT_FIELDS);
  const dimNode = reader.require(f, 'dim', node, '"input"');
  const dim = dimNode ? reader.integer(dimNode, 'input.dim', 1, LIMITS.maxWidth, 'size-limit') : undefined;
  if (dim === undefined) return {};
  let ok = true;
  let domain: InputSpec['domain'];
  const domainNode = f.get('domain');
  if (domainNode && reader.isObject(domainNode, 'input.domain')) {
    const df = reader.fields(domainNode, 'input.domain', ['min', 'max']);
    const minNode = reader.require(df, 'min', domainNode, 'input.domain');
    const maxNode = reader.require(df, 'max', domainNode, 'input.domain');
    const min = minNode && lengthChecked(reader, minNode, 'input.domain.min', dim);
    const max = maxNode && lengthChecked(reader, maxNode, 'input.domain.max', dim);
    if (min && max) {
      for (let i = 0; i < dim; i++) {
        if (min[i] > max[i]) {
          reader.sink.error('empty-domain', domainNode, `input.domain is empty: min[${i + 1}] = ${min[i]} > max[${i + 1}] = ${max[i]}`);
          ok = false;
          break;
        }
      }
      domain = { min, max };
    } else ok = false;
  } else if (domainNode) ok = false;
  const probes: Probe[] = [];
  const probesNode = f.get('probes');
  if (probesNode && reader.isObject(probesNode, 'input.probes')) {
    const seen = new Set<string>();
    for (const p of probesNode.children ?? []) {
      const [k, v] = p.children ?? [];
      if (!k || !v) continue;
      const probeName = String(k.value);
      if (seen.has(probeName)) {
        reader.sink.error('duplicate-key', k, `input.probes has "${probeName}" twice; remove one of them`);
        ok = false;
        continue;
      }
      seen.add(probeName);
      const x = lengthChecked(reader, v, `probe "${probeName}"`, dim);
      if (x) probes.push({ name: probeName, x }); else ok = false;
    }
  } else if (probesNode) ok = false;
  return { dim, spec: ok ? { dim, domain, probes } : undefined };
}

function lengthChecked(reader: JsonReader, node: Node, what: string, dim: number): Float64Array | undefined {
  const v = reader.vector(node, what);
  if (!v) return undefined;
  if (v.length !== dim) {
    reader.sink.error('dimension-mismatch', node, `${what} has ${v.length} entr${v.length === 1 ? 'y' : 'ies'} but input.dim is ${dim}`);
    return undefined;
  }
  return v;
}

function parseEntry(node: Node, ctx: EntryContext): EntryResult | undefined {
  const { reader } = ctx;
  const what = `layer ${ctx.entry}`;
  if (!reader.isObject(node, what)) return undefined;
  const typeNode = node.children?.find((p) => p.children?.[0]?.value === 'type')?.children?.[1];
  if (!typeNode) {
    reader.sink.error('missing-field', node, `${what} is missing "type" (one of ${listOf(LAYER_TYPES)})`);
    return undefined;
  }
  if (typeNode.type === 'string' && (CONV_LAYER_TYPES as readonly string[]).includes(typeNode.value as string)) {
    reader.sink.error('unknown-layer-type', typeNode, `${what} is ${typeNode.value}, a layer on images: give the input as "shape": [C, H, W] instead of "dim" (see "Networks on images" in docs/network-format.md)`);
    return undefined;
  }
  const type = reader.oneOf(typeNode, `${what} "type"`, LAYER_TYPES, 'unknown-layer-type');
  switch (type) {
    case 'dense': {
      const parsed = parseDenseLayer(node, ctx, what, DENSE_FIELDS);
      if (!parsed) return undefined;
      return { segment: singleLayerSegment(parsed.layer, { count: 1, type: 'dense', source: range(node) }), inputNode: parsed.weightsNode };
    }
    case 'residual': return parseResidualBlock(node, ctx, what);
    case 'family': return parseFamilyEntry(node, ctx, what);
    case 'random': return parseRandomEntry(node, ctx, what);
    case 'residual-family': return parseResidualFamilyEntry(node, ctx, what);
    default: return undefined;
  }
}

const DENSE_FIELDS = ['type', 'name', 'description', 'weights', 'bias', 'activation'] as const;
const BRANCH_FIELDS = ['type', 'name', 'description', 'weights', 'bias', 'activation'] as const;

/**
 * A dense layer: inline or external weights ([out][in]), bias (default zeros), activation.
 * `defaultActivation` is used when the field is absent (residual branches); otherwise it is required.
 */
export function parseDenseLayer(node: Node, ctx: EntryContext, what: string, known: readonly string[], defaultActivation?: Activation):
  { layer: DenseLayer; weightsNode: Node; activationNode?: Node } | undefined {
  const { reader } = ctx;
  const sink = reader.sink;
  const f = reader.fields(node, what, known);
  const weightsNode = reader.require(f, 'weights', node, what);
  const activationNode = defaultActivation ? f.get('activation') : reader.require(f, 'activation', node, what);
  const activation = activationNode ? reader.oneOf(activationNode, `${what} activation`, ACTIVATIONS, 'unknown-activation') : defaultActivation;
  let weights: DenseMatrix | undefined;
  if (weightsNode) {
    weights = weightsNode.type === 'object' ? readExternalArray(weightsNode, ctx, `${what} weights`, 2) : reader.matrix(weightsNode, `${what} weights`);
  }
  // read the bias even when the weights failed, so all of the layer's errors show at once
  const biasNode = f.get('bias');
  const bias = biasNode
    ? biasNode.type === 'object' ? readExternalArray(biasNode, ctx, `${what} bias`, 1)?.data : reader.vector(biasNode, `${what} bias`)
    : weights && new Float64Array(weights.rows);
  const rows = weights?.rows ?? (weightsNode?.type === 'array' ? weightsNode.children?.length : undefined);
  if (bias && rows !== undefined && bias.length !== rows) {
    sink.error('bias-length', biasNode!, `${what} bias has ${bias.length} entr${bias.length === 1 ? 'y' : 'ies'} but its weights have ${rows} row${rows === 1 ? '' : 's'}`);
    return undefined;
  }
  if (!weights || !weightsNode || !bias) return undefined;
  if (weights.rows > LIMITS.maxWidth || weights.cols > LIMITS.maxWidth) {
    sink.error('size-limit', weightsNode, `${what} weights are ${weights.rows}×${weights.cols}, above the width limit of ${LIMITS.maxWidth}`);
    return undefined;
  }
  ctx.budget.explicit += weights.data.length + bias.length;
  if (ctx.budget.explicit > LIMITS.maxExplicitParameters) {
    sink.error('size-limit', node, `the layers up to ${what} hold ${ctx.budget.explicit} parameters in memory, above the limit of ${LIMITS.maxExplicitParameters}; use a family or random layers`);
    return undefined;
  }
  if (!activation) return undefined;
  return { layer: { kind: 'dense', weights, bias, activation }, weightsNode, activationNode };
}

const RESIDUAL_FIELDS = ['type', 'name', 'description', 'layers', 'activation'] as const;

/**
 * x ↦ σ(x + branch(x)). Branch layers are dense; ReLU inside, linear on the last (MATH.md §B).
 * Their "activation" may be omitted (that default is applied) or written, but then must agree.
 */
function parseResidualBlock(node: Node, ctx: EntryContext, what: string): EntryResult | undefined {
  const { reader } = ctx;
  const sink = reader.sink;
  const f = reader.fields(node, what, RESIDUAL_FIELDS);
  const actNode = reader.require(f, 'activation', node, what);
  const activation = actNode ? reader.oneOf(actNode, `${what} activation`, ACTIVATIONS, 'unknown-activation') : undefined;
  const branchList = branchItems(reader.require(f, 'layers', node, what), reader, what, 'dense layer');
  if (!branchList) return undefined;
  const { node: layersNode, items } = branchList;
  const branch: DenseLayer[] = [];
  let ok = true;
  let prev: number | undefined;
  let firstWeights: Node | undefined;
  for (let j = 0; j < items.length; j++) {
    const item = items[j];
    const bw = `${what} branch layer ${j + 1}`;
    if (!reader.isObject(item, bw)) { ok = false; prev = undefined; continue; }
    const typeNode = item.children?.find((p) => p.children?.[0]?.value === 'type')?.children?.[1];
    if (typeNode && !(typeNode.type === 'string' && typeNode.value === 'dense')) {
      sink.error('residual-branch', typeNode, `${bw} must have "type": "dense" (a residual branch holds dense layers only)`);
      ok = false; prev = undefined; continue;
    }
    const last = j === items.length - 1;
    const required: Activation = last ? 'linear' : 'relu';
    const parsed = parseDenseLayer(item, ctx, bw, BRANCH_FIELDS, required);
    if (!parsed) { ok = false; prev = undefined; continue; }
    if (parsed.activationNode && parsed.layer.activation !== required) {
      sink.error('residual-branch', parsed.activationNode, last
        ? `${bw} is the last of the branch and must be "linear" (the block applies its activation after adding the shortcut)`
        : `${bw} is inside the branch and must be "relu"`);
      ok = false;
    }
    if (j === 0) firstWeights = parsed.weightsNode;
    if (prev !== undefined && parsed.layer.weights.cols !== prev) {
      sink.error('shape-mismatch', parsed.weightsNode, `${bw} expects ${parsed.layer.weights.cols} inputs but branch layer ${j} produces ${prev}`);
      ok = false;
    }
    prev = parsed.layer.weights.rows;
    branch.push(parsed.layer);
  }
  if (!ok || !activation) return undefined;
  const m = branch[0].weights.cols;
  const out = branch[branch.length - 1].weights.rows;
  if (out !== m) {
    sink.error('residual-shape', layersNode, `${what} (residual) branch maps ${m} inputs to ${out} outputs; it must return ${m} values to add to the shortcut`);
    return undefined;
  }
  return { segment: singleLayerSegment({ kind: 'residual', branch, activation }, { count: 1, type: 'residual', source: range(node) }), inputNode: firstWeights ?? layersNode };
}
