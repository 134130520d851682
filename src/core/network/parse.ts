/**
 * The network definition parser: `*.network.json` (format "depth-lens/network@1") and TensorFlow.js
 * layers models → the Network model, with precise diagnostics (exact JSON node ranges, stable codes).
 *
 * Never throws: malformed input becomes diagnostics, and an internal bug becomes 'internal-error'.
 * Pure (no Node APIs): external weight files are read through `options.readExternal`.
 * The format is documented in docs/network-format.md and schemas/network.schema.json.
 */
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { DiagnosticSink, type NetworkDiagnostic } from './diagnostics';
import { JsonReader, listOf } from './json';
import { LIMITS } from './limits';
import type { DenseMatrix } from '../linalg/dense';
import type { Activation, DenseLayer, InputSpec, Network, Probe } from './model';
import { segmentedNetwork, singleLayerSegment, type Segment } from './segments';
import { parseFamilyEntry, parseRandomEntry, parseResidualFamilyEntry } from './families';
import { readExternalArray } from './external';
import { ACTIVATIONS, range, type EntryContext, type EntryResult } from './entry';
import { parseTfjsModel } from './tfjs';
import { validateTrainingSection } from '../training/spec';

export type { NetworkDiagnostic, DiagnosticSeverity } from './diagnostics';
export { DIAGNOSTIC_CODES } from './diagnostics';
export { offsetToPosition, positionMapper, type TextPosition } from './position';
export { LIMITS } from './limits';
export { ACTIVATIONS } from './entry';

export const NETWORK_FORMAT = 'depth-lens/network@1';
export const TFJS_FORMAT = 'layers-model';

export interface ParseOptions {
  /**
   * Read a file named in the document (external weights, TF.js weight shards), relative to the
   * document's folder. Return undefined when it does not exist. Without it, external files are an error.
   */
  readExternal?: (relativePath: string) => Uint8Array | undefined;
  /** refuse texts longer than this many bytes (UTF-8) with 'file-too-large' */
  maxBytes?: number;
  /** the document's name, used in messages only */
  fileName?: string;
}

export interface ParseResult {
  /** present iff no diagnostic has severity 'error' */
  network?: Network;
  diagnostics: NetworkDiagnostic[];
}

/** Parse a network document. Never throws. */
export function parseNetworkText(text: string, options: ParseOptions = {}): ParseResult {
  const sink = new DiagnosticSink();
  let network: Network | undefined;
  try {
    network = parseInto(String(text), options, sink);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    sink.error('internal-error', { offset: 0, length: 0 }, `internal error while reading the network (please report it): ${msg}`);
  }
  // jsonc-parser can place an end-of-input error one character past the text; keep every range inside it
  for (const d of sink.list) {
    d.offset = Math.max(0, Math.min(d.offset, text.length));
    d.length = Math.max(0, Math.min(d.length, text.length - d.offset));
  }
  if (sink.errorCount > 0) return { diagnostics: sink.list };
  if (!network) {
    // every path that yields no network reports an error; keep the invariant even if one is missed
    sink.error('internal-error', { offset: 0, length: 0 }, 'internal error: the network could not be built but no error was reported (please report it)');
    return { diagnostics: sink.list };
  }
  return { network, diagnostics: sink.list };
}

/** UTF-8 byte length without allocating an encoded copy (50 MB files). */
export function utf8Length(text: string): number {
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

function formatMB(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

function parseInto(text: string, options: ParseOptions, sink: DiagnosticSink): Network | undefined {
  // utf8Length ≤ 3·text.length, so short texts skip the byte count
  if (options.maxBytes !== undefined && text.length * 3 > options.maxBytes && utf8Length(text) > options.maxBytes) {
    sink.error('file-too-large', { offset: 0, length: Math.min(1, text.length) },
      `${options.fileName ?? 'the file'} is ${formatMB(utf8Length(text))} MB, above the limit of ${formatMB(options.maxBytes!)} MB; ` +
      'raise the setting depthLens.maxFileSizeMB (CLI: --max-size-mb), or store the weights in an external binary file');
    return undefined;
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0) {
    let lastOffset = -1;
    for (const e of errors) {
      // jsonc-parser often reports two errors at one spot ("property name expected", "value expected"); keep the first
      if (e.offset === lastOffset) continue;
      lastOffset = e.offset;
      sink.error('json-syntax', { offset: e.offset, length: e.length }, `invalid JSON: ${syntaxMessage(printParseErrorCode(e.error), afterComma(text, e.offset))}`);
    }
    return undefined;
  }
  if (!root) {
    sink.error('json-syntax', { offset: 0, length: 0 }, 'invalid JSON: the document is empty');
    return undefined;
  }
  const reader = new JsonReader(text, sink);
  if (!reader.isObject(root, 'the document')) return undefined;
  const formatNode = root.children?.find((p) => p.children?.[0]?.value === 'format')?.children?.[1];
  if (formatNode?.type === 'string' && formatNode.value === TFJS_FORMAT) return parseTfjsModel(root, reader, options);
  if (!formatNode) {
    if (root.children?.some((p) => p.children?.[0]?.value === 'modelTopology')) return parseTfjsModel(root, reader, options);
    sink.error('unknown-format', root, `the document has no "format"; a network file starts with "format": "${NETWORK_FORMAT}"`);
    return undefined;
  }
  if (formatNode.type !== 'string' || formatNode.value !== NETWORK_FORMAT) {
    sink.error('unknown-format', formatNode, `unknown format ${formatNode.type === 'string' ? `"${formatNode.value}"` : 'value'}; expected "${NETWORK_FORMAT}" (or "${TFJS_FORMAT}" for a TensorFlow.js model.json)`);
    return undefined;
  }
  return parseNetworkDocument(root, reader, options);
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

function parseNetworkDocument(root: Node, reader: JsonReader, options: ParseOptions): Network | undefined {
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
  const input = inputNode ? parseInput(inputNode, reader) : undefined;

  const layersNode = reader.require(f, 'layers', root, 'the document');
  if (!layersNode || !reader.isArray(layersNode, '"layers"')) return undefined;
  const entries = layersNode.children ?? [];
  if (entries.length === 0) sink.warning('empty-network', layersNode, 'the network has no layers; every analysis will see the identity map');

  const segments: Segment[] = [];
  const budget = { explicit: 0 };
  let incoming: number | undefined = input?.dim;
  let depth = 0;
  let ok = input !== undefined;
  for (let i = 0; i < entries.length; i++) {
    const node = entries[i];
    const ctx: EntryContext = { reader, options, entry: i + 1, incoming, budget };
    const before = sink.errorCount;
    const result = parseEntry(node, ctx);
    if (!result) {
      ok = false;
      // keep checking the next layer's shape when this one's output width is still evident
      incoming = evidentOutWidth(node);
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
    if (sink.errorCount > before) ok = false;
    segments.push(seg);
    incoming = seg.outWidth(seg.count - 1);
  }
  if (!ok || !input) return undefined;
  const net = segmentedNetwork(input, segments, name);
  warnLastLayerRelu(net, entries, reader);
  return net;
}

/** The output width of a dense entry that failed to parse, when its "weights" still show it. */
function evidentOutWidth(node: Node): number | undefined {
  if (node.type !== 'object') return undefined;
  const prop = (n: Node, key: string) => n.children?.find((p) => p.children?.[0]?.value === key)?.children?.[1];
  const type = prop(node, 'type');
  const weights = prop(node, 'weights');
  if (type?.value !== 'dense' || !weights) return undefined;
  if (weights.type === 'array' && (weights.children?.length ?? 0) > 0) return weights.children!.length;
  const shape = weights.type === 'object' ? prop(weights, 'shape') : undefined;
  const rows = shape?.children?.[0]?.value;
  return typeof rows === 'number' && Number.isInteger(rows) && rows > 0 ? rows : undefined;
}

function warnLastLayerRelu(net: Network, entries: readonly Node[], reader: JsonReader): void {
  if (net.depth === 0 || net.outputDim !== 1) return;
  const last = net.layer(net.depth - 1);
  if (last.activation === 'relu') {
    reader.sink.information('last-layer-relu', entries[entries.length - 1],
      'the last layer applies ReLU, so the scalar output is clamped at 0; use "linear" for an output layer unless this is intended');
  }
}

function parseInput(node: Node, reader: JsonReader): InputSpec | undefined {
  if (!reader.isObject(node, '"input"')) return undefined;
  const f = reader.fields(node, '"input"', INPUT_FIELDS);
  const dimNode = reader.require(f, 'dim', node, '"input"');
  const dim = dimNode ? reader.integer(dimNode, 'input.dim', 1, LIMITS.maxWidth, 'size-limit') : undefined;
  if (dim === undefined) return undefined;
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
    for (const prop of probesNode.children ?? []) {
      const [k, v] = prop.children ?? [];
      if (!k || !v) continue;
      const probeName = String(k.value);
      if (probes.some((p) => p.name === probeName)) {
        reader.sink.error('duplicate-key', k, `input.probes has "${probeName}" twice; remove one of them`);
        ok = false;
        continue;
      }
      const x = lengthChecked(reader, v, `probe "${probeName}"`, dim);
      if (x) probes.push({ name: probeName, x }); else ok = false;
    }
  } else if (probesNode) ok = false;
  return ok ? { dim, domain, probes } : undefined;
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
  const layersNode = reader.require(f, 'layers', node, what);
  if (!layersNode || !reader.isArray(layersNode, `${what} "layers"`)) return undefined;
  const items = layersNode.children ?? [];
  if (items.length === 0) {
    sink.error('residual-branch', layersNode, `${what} (residual) has an empty branch; it needs at least one dense layer`);
    return undefined;
  }
  if (items.length > LIMITS.maxBranchLayers) {
    sink.error('size-limit', layersNode, `${what} (residual) has ${items.length} branch layers, above the limit of ${LIMITS.maxBranchLayers}`);
    return undefined;
  }
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
