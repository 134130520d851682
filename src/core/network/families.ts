/**
 * Generated layer groups: depth families (W_k = a·I + s_W(k)·M_k, b_k = s_b(k)·v_k with fixed or
 * seeded random M_k, v_k), random initialisation by widths, and residual families with the ResNet
 * paper's scaling (MATH.md §B). Layers are generated on demand from (seed, layer index) alone, so
 * layer k never requires generating layers 1..k−1 and a 10⁵-layer family costs no memory.
 */
import type { Node } from 'jsonc-parser';
import type { DenseMatrix } from '../linalg/dense';
import { Rng } from '../rng';
import { LIMITS } from './limits';
import type { Activation, DenseLayer, FamilyInfo, Layer, ScaleLaw } from './model';
import { ACTIVATIONS, range, type EntryContext, type EntryResult } from './entry';
import { LayerCache, type Segment } from './segments';
import type { JsonReader } from './json';

// ------------------------------------------------------------------------------------------------
// scale laws s(k) = (k + offset)^power

const SCALE_FIELDS = ['offset', 'power'] as const;

export function scaleAt(law: ScaleLaw, k: number): number {
  return law.power === 0 ? 1 : Math.pow(k + law.offset, law.power);
}

/** A parsed scale law and max_k |s(k)| over k = 1..count (s is monotone in k, so an end attains it). */
interface ParsedScale {
  readonly law: ScaleLaw;
  readonly max: number;
}

function parseScale(node: Node | undefined, reader: JsonReader, what: string, count: number): ParsedScale | undefined {
  if (!node) return { law: { offset: 0, power: 0 }, max: 1 };
  if (!reader.isObject(node, what)) return undefined;
  const f = reader.fields(node, what, SCALE_FIELDS);
  const oNode = f.get('offset'), pNode = f.get('power');
  const offset = oNode ? reader.number(oNode, `${what} offset`) : 0;
  const power = pNode ? reader.number(pNode, `${what} power`) : 0;
  if (offset === undefined || power === undefined) return undefined;
  const law = { offset, power };
  if (power !== 0 && 1 + offset <= 0) {
    reader.sink.error('invalid-value', oNode ?? node, `${what} offset is ${offset}; k + offset must be positive for k = 1..${count}, so offset must be greater than −1`);
    return undefined;
  }
  // k + offset > 0, so s(k) is monotone in k: checking both ends covers every layer
  let max = 0;
  for (const k of [1, count]) {
    const s = scaleAt(law, k);
    if (!Number.isFinite(s)) {
      reader.sink.error('non-finite-number', node, `${what} (k + ${offset})^${power} overflows float64 at k = ${k}`);
      return undefined;
    }
    max = Math.max(max, Math.abs(s));
  }
  return { law, max };
}

// ------------------------------------------------------------------------------------------------
// random initialisation specs

export const DISTRIBUTIONS = ['he-normal', 'he-uniform', 'glorot-normal', 'glorot-uniform', 'lecun-normal', 'normal', 'uniform', 'zeros'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export interface InitSpec {
  readonly distribution: Distribution;
  /** normal: standard deviation (default 1); mean (default 0) */
  readonly std: number;
  readonly mean: number;
  /** uniform: U[min, max) (default [−1, 1)) */
  readonly min: number;
  readonly max: number;
  /** no draw exceeds this in absolute value (for overflow checks of generated layers) */
  readonly bound: number;
}

/**
 * Largest |g| the Gaussian sampler can return: Box–Muller r = √(−2 ln u) with u ≥ 2⁻⁵³ (rng.ts)
 * gives r ≤ √(106 ln 2) = 8.5716…
 */
export const GAUSSIAN_MAX = 8.58;

const INIT_FIELDS = ['distribution', 'std', 'mean', 'min', 'max'] as const;

export function parseInit(node: Node, reader: JsonReader, what: string, allowed: readonly Distribution[] = DISTRIBUTIONS): InitSpec | undefined {
  if (!reader.isObject(node, what)) return undefined;
  const f = reader.fields(node, what, INIT_FIELDS);
  const dNode = reader.require(f, 'distribution', node, what);
  const distribution = dNode && reader.oneOf(dNode, `${what} distribution`, allowed);
  const num = (key: string, dflt: number) => {
    const n = f.get(key);
    return n ? reader.number(n, `${what} ${key}`) : dflt;
  };
  const std = num('std', 1), mean = num('mean', 0), min = num('min', -1), max = num('max', 1);
  if (!distribution || std === undefined || mean === undefined || min === undefined || max === undefined) return undefined;
  if (std < 0) {
    reader.sink.error('invalid-value', f.get('std')!, `${what} std must be non-negative, not ${std}`);
    return undefined;
  }
  if (min > max) {
    reader.sink.error('invalid-value', f.get('min') ?? node, `${what} min (${min}) is greater than max (${max})`);
    return undefined;
  }
  for (const key of ['std', 'mean'] as const) {
    if (f.has(key) && distribution !== 'normal') reader.sink.warning('unknown-field', f.get(key)!, `${what} "${key}" only applies to "normal"; it is ignored for "${distribution}"`);
  }
  for (const key of ['min', 'max'] as const) {
    if (f.has(key) && distribution !== 'uniform') reader.sink.warning('unknown-field', f.get(key)!, `${what} "${key}" only applies to "uniform"; it is ignored for "${distribution}"`);
  }
  // draws are mean + std·g and min + (max − min)·u: every intermediate must stay finite
  let bound = 0;
  if (distribution === 'normal') {
    bound = Math.abs(mean) + GAUSSIAN_MAX * std;
    if (!Number.isFinite(bound)) {
      reader.sink.error('non-finite-number', node, `${what}: draws N(${mean}, ${std}²) reach |mean| + ${GAUSSIAN_MAX}·std, which overflows float64; use a smaller mean or std`);
      return undefined;
    }
  } else if (distribution === 'uniform') {
    bound = Math.max(Math.abs(min), Math.abs(max));
    if (!Number.isFinite(max - min)) {
      reader.sink.error('non-finite-number', node, `${what}: U[${min}, ${max}) has max − min = ${max - min} in float64, so its draws overflow; use a narrower range`);
      return undefined;
    }
  } else if (distribution !== 'zeros') {
    // fan-based: std ≤ √2 and |bound| ≤ √6 (fan_in ≥ 1)
    bound = GAUSSIAN_MAX * Math.SQRT2;
  }
  return { distribution, std, mean, min, max, bound };
}

/** Fill `out` with draws from `spec` for a layer with the given fan-in/fan-out (Keras conventions). */
export function sampleInit(rng: Rng, out: Float64Array, spec: InitSpec, fanIn: number, fanOut: number): void {
  switch (spec.distribution) {
    case 'zeros': out.fill(0); return;
    case 'normal': rng.fillGaussian(out, spec.mean, spec.std); return;
    case 'uniform': rng.fillUniform(out, spec.min, spec.max); return;
    case 'he-normal': rng.fillGaussian(out, 0, Math.sqrt(2 / fanIn)); return;
    case 'lecun-normal': rng.fillGaussian(out, 0, Math.sqrt(1 / fanIn)); return;
    case 'glorot-normal': rng.fillGaussian(out, 0, Math.sqrt(2 / (fanIn + fanOut))); return;
    case 'he-uniform': { const a = Math.sqrt(6 / fanIn); rng.fillUniform(out, -a, a); return; }
    case 'glorot-uniform': { const a = Math.sqrt(6 / (fanIn + fanOut)); rng.fillUniform(out, -a, a); return; }
  }
}

function parseSeed(f: Map<string, Node>, owner: Node, reader: JsonReader, what: string): number | undefined {
  const n = reader.require(f, 'seed', owner, what);
  return n ? reader.integer(n, `${what} seed`, 0, 4294967295) : undefined;
}

function parseActivation(f: Map<string, Node>, key: string, owner: Node, reader: JsonReader, what: string, required = true): Activation | undefined {
  const n = required ? reader.require(f, key, owner, what) : f.get(key);
  return n ? reader.oneOf(n, `${what} ${key}`, ACTIVATIONS, 'unknown-activation') : undefined;
}

function widthOf(f: Map<string, Node>, key: string, reader: JsonReader, what: string): number | undefined | null {
  const n = f.get(key);
  if (!n) return null;
  return reader.integer(n, `${what} ${key}`, 1, LIMITS.maxWidth, 'size-limit');
}

function checkLayerSize(rows: number, cols: number, node: Node, reader: JsonReader, what: string): boolean {
  if (rows * cols <= LIMITS.maxLayerParameters) return true;
  reader.sink.error('size-limit', node, `${what} would generate ${rows}×${cols} weight matrices, above the per-layer limit of ${LIMITS.maxLayerParameters} entries`);
  return false;
}

/**
 * Generated entries are a + s·r with |r| ≤ rMax and |s| ≤ sMax: refuse a family whose bound
 * |a| + rMax·sMax overflows, on the node responsible, before any layer is generated.
 */
function overflows(bound: number, node: Node, reader: JsonReader, message: string): boolean {
  if (Number.isFinite(bound) && bound <= Number.MAX_VALUE) return false;
  reader.sink.error('non-finite-number', node, message);
  return true;
}

function maxAbs(data: Float64Array): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) { const a = Math.abs(data[i]); if (a > m) m = a; }
  return m;
}

// ------------------------------------------------------------------------------------------------
// "family": W_k = a·I + s_W(k)·M_k, b_k = s_b(k)·v_k, k = 1..count

const FAMILY_FIELDS = ['type', 'name', 'description', 'count', 'width', 'weights', 'bias', 'activation', 'seed'] as const;
const FAMILY_WEIGHT_FIELDS = ['identity', 'matrix', 'random', 'scale'] as const;
const FAMILY_BIAS_FIELDS = ['vector', 'random', 'scale'] as const;

export function parseFamilyEntry(node: Node, ctx: EntryContext, what: string): EntryResult | undefined {
  const { reader } = ctx;
  const sink = reader.sink;
  const f = reader.fields(node, what, FAMILY_FIELDS);
  const countNode = reader.require(f, 'count', node, what);
  const count = countNode && reader.integer(countNode, `${what} count`, 1, LIMITS.maxDepth, 'family-count', ' layers');
  const activation = parseActivation(f, 'activation', node, reader, what);
  const declaredWidth = widthOf(f, 'width', reader, what);
  const weightsNode = reader.require(f, 'weights', node, what);
  if (!weightsNode || !reader.isObject(weightsNode, `${what} weights`) || count === undefined || !countNode) return undefined;

  const wf = reader.fields(weightsNode, `${what} weights`, FAMILY_WEIGHT_FIELDS);
  const idNode = wf.get('identity');
  const identity = idNode ? reader.number(idNode, `${what} weights identity`) : 0;
  const weightScale = parseScale(wf.get('scale'), reader, `${what} weights scale`, count);
  const matrixNode = wf.get('matrix'), wRandomNode = wf.get('random');
  if (matrixNode && wRandomNode) sink.error('invalid-value', wRandomNode, `${what} weights has both "matrix" and "random"; give one of them`);
  let matrix: DenseMatrix | undefined;
  if (matrixNode) {
    matrix = reader.matrix(matrixNode, `${what} weights matrix`);
    if (matrix && matrix.rows !== matrix.cols) {
      sink.error('not-square', matrixNode, `${what} weights matrix is ${matrix.rows}×${matrix.cols}; a family repeats one layer shape, so it must be square`);
      return undefined;
    }
  }
  const wRandom = wRandomNode ? parseInit(wRandomNode, reader, `${what} weights random`) : undefined;

  let vector: Float64Array | undefined;
  let bRandom: InitSpec | undefined;
  let biasScale: ParsedScale | undefined = { law: { offset: 0, power: 0 }, max: 1 };
  const biasNode = f.get('bias');
  let vectorNode: Node | undefined;
  if (biasNode && reader.isObject(biasNode, `${what} bias`)) {
    const bf = reader.fields(biasNode, `${what} bias`, FAMILY_BIAS_FIELDS);
    biasScale = parseScale(bf.get('scale'), reader, `${what} bias scale`, count);
    vectorNode = bf.get('vector');
    const bRandomNode = bf.get('random');
    if (vectorNode && bRandomNode) sink.error('invalid-value', bRandomNode, `${what} bias has both "vector" and "random"; give one of them`);
    if (!vectorNode && !bRandomNode) sink.error('missing-field', biasNode, `${what} bias needs "vector" or "random" (omit "bias" for zero biases)`);
    if (vectorNode) vector = reader.vector(vectorNode, `${what} bias vector`);
    if (bRandomNode) bRandom = parseInit(bRandomNode, reader, `${what} bias random`, ['normal', 'uniform', 'zeros']);
  }
  const needsSeed = !!(wRandomNode || (biasNode && !vectorNode));
  const seed = needsSeed ? parseSeed(f, node, reader, what) : 0;

  // width: from the matrix, else "width", else the previous layer's output
  const width = matrix ? matrix.rows : declaredWidth ?? ctx.incoming;
  if (declaredWidth === undefined) return undefined;
  if (matrix && declaredWidth !== null && declaredWidth !== matrix.rows) {
    sink.error('not-square', f.get('width')!, `${what} width is ${declaredWidth} but its weights matrix is ${matrix.rows}×${matrix.cols}`);
    return undefined;
  }
  if (width === undefined) return undefined; // the previous entry failed and was reported
  if (vector && vector.length !== width) {
    sink.error('bias-length', vectorNode!, `${what} bias vector has ${vector.length} entr${vector.length === 1 ? 'y' : 'ies'} but the family's layers have width ${width}`);
    return undefined;
  }
  if (identity === undefined || !weightScale || !biasScale || !activation || seed === undefined) return undefined;
  if ((matrixNode && !matrix) || (wRandomNode && !wRandom) || (biasNode && !vector && !bRandom)) return undefined;
  if (!checkLayerSize(width, width, node, reader, what)) return undefined;
  const rMax = matrix ? maxAbs(matrix.data) : wRandom ? wRandom.bound : 0;
  if (overflows(Math.abs(identity) + rMax * weightScale.max, weightsNode, reader,
    `${what} weights reach |identity| + max|M|·max s(k) = ${Math.abs(identity)} + ${rMax}·${weightScale.max}, which overflows float64; use smaller values or a smaller scale`)) return undefined;
  const bMax = vector ? maxAbs(vector) : bRandom ? bRandom.bound : 0;
  if (biasNode && overflows(bMax * biasScale.max, biasNode, reader,
    `${what} bias reaches max|v|·max s(k) = ${bMax}·${biasScale.max}, which overflows float64; use smaller values or a smaller scale`)) return undefined;

  const m = width;
  const wLaw = weightScale.law, bLaw = biasScale.law;
  const gen = (j: number): DenseLayer => {
    const k = j + 1;
    const sw = scaleAt(wLaw, k), sb = scaleAt(bLaw, k);
    const rng = wRandom || bRandom ? Rng.derive(seed, k) : undefined;
    const w = new Float64Array(m * m);
    if (matrix) {
      const md = matrix.data;
      for (let i = 0; i < w.length; i++) w[i] = sw * md[i];
    } else if (wRandom) {
      sampleInit(rng!, w, wRandom, m, m);
      for (let i = 0; i < w.length; i++) w[i] *= sw;
    }
    if (identity !== 0) for (let i = 0; i < m; i++) w[i * m + i] += identity;
    const b = new Float64Array(m);
    if (vector) for (let i = 0; i < m; i++) b[i] = sb * vector[i];
    else if (bRandom) {
      sampleInit(rng!, b, bRandom, m, m);
      for (let i = 0; i < m; i++) b[i] *= sb;
    }
    return { kind: 'dense', weights: { rows: m, cols: m, data: w }, bias: b, activation };
  };
  const family: FamilyInfo = !wRandom && !bRandom
    ? { kind: 'affine', identity, matrix: matrix ?? { rows: m, cols: m, data: new Float64Array(m * m) }, weightScale: wLaw, vector: vector ?? new Float64Array(m), biasScale: bLaw, activation }
    : { kind: 'generated', description: `${count} layers W_k = ${identity}·I + (k+${wLaw.offset})^${wLaw.power}·R_k (R_k ${wRandom?.distribution ?? 'fixed'}, seed ${seed})` };
  const cache = new LayerCache();
  const segment: Segment = {
    count,
    inWidth: m,
    outWidth: () => m,
    parameterCount: count * (m * m + m),
    layer: (j) => cache.get(j, () => gen(j)),
    group: { count, type: 'family', source: range(node), family, denseActivations: { each: activation, last: activation } },
  };
  return { segment, inputNode: matrixNode ?? f.get('width') ?? node };
}

// ------------------------------------------------------------------------------------------------
// "random": layers of given widths, each initialised independently from Rng.derive(seed, j)

const RANDOM_FIELDS = ['type', 'name', 'description', 'widths', 'weights', 'bias', 'activation', 'outputActivation', 'seed'] as const;

export function parseRandomEntry(node: Node, ctx: EntryContext, what: string): EntryResult | undefined {
  const { reader } = ctx;
  const f = reader.fields(node, what, RANDOM_FIELDS);
  const widthsNode = reader.require(f, 'widths', node, what);
  const activation = parseActivation(f, 'activation', node, reader, what);
  const outputActivation = parseActivation(f, 'outputActivation', node, reader, what, false);
  const weightsNode = reader.require(f, 'weights', node, what);
  const weights = weightsNode && parseInit(weightsNode, reader, `${what} weights`);
  const biasNode = f.get('bias');
  const bias = biasNode ? parseInit(biasNode, reader, `${what} bias`, ['normal', 'uniform', 'zeros']) : undefined;
  const seed = parseSeed(f, node, reader, what);
  let widths: number[] | undefined;
  if (widthsNode && reader.isArray(widthsNode, `${what} widths`)) {
    const items = widthsNode.children ?? [];
    if (items.length === 0) reader.sink.error('empty-matrix', widthsNode, `${what} widths is empty; list the output width of every layer`);
    else if (items.length > LIMITS.maxDepth) reader.sink.error('size-limit', widthsNode, `${what} has ${items.length} widths, above the depth limit of ${LIMITS.maxDepth}`);
    else {
      const parsed = items.map((n, i) => reader.integer(n, `${what} widths entry ${i + 1}`, 1, LIMITS.maxWidth, 'size-limit'));
      if (parsed.every((w) => w !== undefined)) widths = parsed as number[];
    }
  }
  if (!widths || !activation || !weights || seed === undefined || (biasNode && !bias) || ctx.incoming === undefined) return undefined;
  const inW = ctx.incoming;
  const ws = widths;
  for (let j = 0; j < ws.length; j++) {
    if (!checkLayerSize(ws[j], j === 0 ? inW : ws[j - 1], widthsNode!.children![j], reader, `${what} layer ${j + 1} of the group`)) return undefined;
  }
  let params = 0;
  for (let j = 0; j < ws.length; j++) params += ws[j] * ((j === 0 ? inW : ws[j - 1]) + 1);
  const gen = (j: number): DenseLayer => {
    const rows = ws[j], cols = j === 0 ? inW : ws[j - 1];
    const rng = Rng.derive(seed, j + 1);
    const w = new Float64Array(rows * cols);
    sampleInit(rng, w, weights, cols, rows);
    const b = new Float64Array(rows);
    if (bias) sampleInit(rng, b, bias, cols, rows);
    const act = j === ws.length - 1 && outputActivation ? outputActivation : activation;
    return { kind: 'dense', weights: { rows, cols, data: w }, bias: b, activation: act };
  };
  const cache = new LayerCache();
  const segment: Segment = {
    count: ws.length,
    inWidth: inW,
    outWidth: (j) => ws[j],
    parameterCount: params,
    layer: (j) => cache.get(j, () => gen(j)),
    group: { count: ws.length, type: 'random', source: range(node), family: { kind: 'generated', description: `random ${weights.distribution} layers of widths ${ws.length > 8 ? ws.slice(0, 8).join(', ') + ', …' : ws.join(', ')} (seed ${seed})` }, denseActivations: { each: activation, last: outputActivation ?? activation } },
  };
  return { segment, inputNode: node };
}

// ------------------------------------------------------------------------------------------------
// "residual-family": ResNet blocks with the paper's convergence scaling (MATH.md §B)

const RESFAM_FIELDS = ['type', 'name', 'description', 'count', 'width', 'hidden', 'branchLayers', 'alpha', 'clip', 'seed', 'activation'] as const;
export const CLIP_MODES = ['rows', 'matrix', 'none'] as const;
export type ClipMode = (typeof CLIP_MODES)[number];

/**
 * Block n (1-based) draws from Rng.derive(seed, n): for each branch layer in order, weights U[−1,1]
 * row-major then clipped (each row to ℓ2 norm ≤ 1, or the whole matrix to Frobenius norm ≤ 1) and
 * divided by n^{(1+α)/K}; then its bias U[−1,1] divided by n^{1+α}.
 */
export function residualFamilyBlock(n: number, m: number, hidden: number, K: number, alpha: number, clip: ClipMode, seed: number, activation: Activation): Layer {
  const rng = Rng.derive(seed, n);
  const wScale = Math.pow(n, -(1 + alpha) / K);
  const bScale = Math.pow(n, -(1 + alpha));
  const branch: DenseLayer[] = [];
  for (let l = 0; l < K; l++) {
    const cols = l === 0 ? m : hidden;
    const rows = l === K - 1 ? m : hidden;
    const w = new Float64Array(rows * cols);
    rng.fillUniform(w, -1, 1);
    clipMatrix(w, rows, cols, clip);
    for (let i = 0; i < w.length; i++) w[i] *= wScale;
    const b = new Float64Array(rows);
    rng.fillUniform(b, -1, 1);
    for (let i = 0; i < rows; i++) b[i] *= bScale;
    branch.push({ kind: 'dense', weights: { rows, cols, data: w }, bias: b, activation: l === K - 1 ? 'linear' : 'relu' });
  }
  return { kind: 'residual', branch, activation };
}

function clipMatrix(w: Float64Array, rows: number, cols: number, clip: ClipMode): void {
  if (clip === 'none') return;
  if (clip === 'matrix') {
    let s = 0;
    for (let i = 0; i < w.length; i++) s += w[i] * w[i];
    const norm = Math.sqrt(s);
    if (norm > 1) for (let i = 0; i < w.length; i++) w[i] /= norm;
    return;
  }
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += w[i * cols + j] ** 2;
    const norm = Math.sqrt(s);
    if (norm > 1) for (let j = 0; j < cols; j++) w[i * cols + j] /= norm;
  }
}

export function parseResidualFamilyEntry(node: Node, ctx: EntryContext, what: string): EntryResult | undefined {
  const { reader } = ctx;
  const f = reader.fields(node, what, RESFAM_FIELDS);
  const countNode = reader.require(f, 'count', node, what);
  const count = countNode && reader.integer(countNode, `${what} count`, 1, LIMITS.maxDepth, 'family-count', ' blocks');
  const activation = parseActivation(f, 'activation', node, reader, what);
  const declaredWidth = widthOf(f, 'width', reader, what);
  const hiddenW = widthOf(f, 'hidden', reader, what);
  const kNode = f.get('branchLayers');
  const K = kNode ? reader.integer(kNode, `${what} branchLayers`, 1, LIMITS.maxBranchLayers, 'size-limit') : 2;
  const aNode = f.get('alpha');
  const alpha = aNode ? reader.number(aNode, `${what} alpha`) : 0.2;
  const clipNode = f.get('clip');
  const clip = clipNode ? reader.oneOf(clipNode, `${what} clip`, CLIP_MODES) : 'rows';
  const seed = parseSeed(f, node, reader, what);
  if (count === undefined || !activation || declaredWidth === undefined || hiddenW === undefined || K === undefined || alpha === undefined || !clip || seed === undefined) return undefined;
  const m = declaredWidth ?? ctx.incoming;
  if (m === undefined) return undefined;
  const hidden = hiddenW ?? m;
  // all branch matrices of a block are generated together: width → hidden → … → hidden → width
  const perBlockWeights = K === 1 ? m * m : 2 * m * hidden + (K - 2) * hidden * hidden;
  if (perBlockWeights > LIMITS.maxLayerParameters) {
    const shape = K === 1 ? `${m}→${m}` : K <= 4 ? [m, ...Array(K - 1).fill(hidden), m].join('→') : `${m}→${hidden}→…→${hidden}→${m}`;
    reader.sink.error('size-limit', node, `${what} blocks would each generate ${K} branch matrices (${shape}) with ${perBlockWeights} entries in total, above the per-block limit of ${LIMITS.maxLayerParameters}`);
    return undefined;
  }
  // weights of block n are at most n^{-(1+α)/K} in size, biases n^{-(1+α)} (clipped U[−1,1] draws)
  const wMax = Math.max(1, Math.pow(count, -(1 + alpha) / K));
  const bMax = Math.max(1, Math.pow(count, -(1 + alpha)));
  if (overflows(Math.max(wMax, bMax), aNode ?? node, reader,
    `${what} alpha ${alpha} scales block n's weights by n^${-(1 + alpha) / K} and its biases by n^${-(1 + alpha)}, which overflows float64 by n = ${count}; use alpha > −1 (the paper uses 0.2)`)) return undefined;
  const perBlock = K === 1 ? m * m + m : m * hidden + hidden + (K - 2) * (hidden * hidden + hidden) + hidden * m + m;
  const cache = new LayerCache();
  const segment: Segment = {
    count,
    inWidth: m,
    outWidth: () => m,
    parameterCount: count * perBlock,
    layer: (j) => cache.get(j, () => residualFamilyBlock(j + 1, m, hidden, K, alpha, clip, seed, activation)),
    group: {
      count, type: 'residual-family', source: range(node),
      branchWidths: K === 1 ? [m] : [...Array<number>(K - 1).fill(hidden), m],
      family: { kind: 'generated', description: `${count} residual blocks ${m}→${hidden}→${m} (K = ${K}), weights U[−1,1] clipped (${clip}) ÷ n^${((1 + alpha) / K).toPrecision(3)}, biases ÷ n^${(1 + alpha).toPrecision(3)} (seed ${seed})` },
    },
  };
  return { segment, inputNode: f.get('width') ?? node };
}
