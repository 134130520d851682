/**
 * A checkpoint as a network: its architecture (the file's graph or module tree, or the dense chain
 * read from bare weights) built into the one network model of src/core/network by reading the tensors
 * it uses, one at a time. Nothing downstream knows which file a network came from.
 */
import type { DenseMatrix } from '../linalg/dense';
import type { NetworkDiagnostic } from '../network/diagnostics';
import { LIMITS } from '../network/limits';
import { explicitNetwork, type DenseLayer, type Layer, type LayerGroup, type Network } from '../network/model';
import { inferChain } from './chain';
import { convArchitectureOf } from './convNetwork';
import { readTensor, type ArchitectureOp, type ModelIndex } from './model';
import { FormatError, printableName, type FormatErrorCode } from './source';

export interface ModelArchitecture {
  readonly ops: readonly ArchitectureOp[];
  /** the input width the file states (ONNX graph input), when it does */
  readonly inputDim?: number;
  /** how the architecture was found, when that is worth saying (bare weights read as a chain) */
  readonly note?: string;
}

/** The file's architecture, the chain inferred from bare weights, or why there is none. */
export function architectureOf(index: ModelIndex): ModelArchitecture | { readonly error: { readonly code: FormatErrorCode; readonly message: string } } {
  const a = index.architecture;
  if (a.kind === 'graph') return { ops: a.ops, inputDim: a.inputDim };
  if (a.kind === 'unsupported') return { error: { code: 'model-architecture', message: a.message } };
  if (convArchitectureOf(index)) {
    return { error: { code: 'model-architecture', message: `${index.file} is a convolutional network: \`depth-lens info\`, \`depth-lens spectrum\` and the checkpoint viewer read it; the other analyses take dense networks only so far` } };
  }
  const chain = inferChain(index);
  return chain.ok ? { ops: chain.ops, note: chain.note } : { error: { code: 'model-architecture', message: chain.message } };
}

/** A stored tensor as a matrix: transposed and scaled as the op says (vectors become n×1). */
export function tensorMatrix(index: ModelIndex, name: string, rank: 1 | 2, transpose: boolean, scale: number, what: string): DenseMatrix {
  const t = index.byName.get(name);
  if (!t) {
    const why = index.unreadable?.get(name);
    if (why) throw new FormatError('tensor-dtype', `${what}: tensor "${printableName(name)}" of ${index.file} cannot be read: ${why}`);
    throw new FormatError('tensor-missing', `${what}: ${index.file} has no tensor "${printableName(name)}"`);
  }
  const shape = t.shape;
  let rows: number, cols: number;
  if (rank === 2) {
    if (shape.length !== 2) throw new FormatError('tensor-shape', `${what}: tensor "${printableName(name)}" of ${index.file} has shape [${shape.join(', ')}]; weights need a matrix [out, in]`);
    [rows, cols] = transpose ? [shape[1], shape[0]] : [shape[0], shape[1]];
  } else {
    const vector = shape.length === 1 || (shape.length === 2 && (shape[0] === 1 || shape[1] === 1));
    if (!vector) throw new FormatError('tensor-shape', `${what}: tensor "${printableName(name)}" of ${index.file} has shape [${shape.join(', ')}]; a bias is a vector`);
    rows = t.count;
    cols = 1;
  }
  if (rows > LIMITS.maxWidth || cols > LIMITS.maxWidth) {
    throw new FormatError('model-too-large', `${what}: tensor "${printableName(name)}" of ${index.file} is ${rows}×${cols}, above the width limit of ${LIMITS.maxWidth}`);
  }
  if (t.count > LIMITS.maxLayerParameters) {
    throw new FormatError('model-too-large', `${what}: tensor "${printableName(name)}" of ${index.file} has ${t.count} values, above the per-layer limit of ${LIMITS.maxLayerParameters}`);
  }
  const raw = readTensor(index, t);
  let data = raw;
  if (transpose && rank === 2) {
    data = new Float64Array(raw.length);
    // stored [cols][rows] → ours [rows][cols]
    for (let i = 0; i < cols; i++) for (let j = 0; j < rows; j++) data[j * cols + i] = raw[i * rows + j];
  }
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= scale;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new FormatError('model-corrupt', `${what}: tensor "${printableName(name)}" of ${index.file} holds ${data[i]} at value ${i + 1}; weights must be finite`);
    }
  }
  return { rows, cols, data };
}

/** An affine op as a dense layer with `activation`. */
function denseOf(index: ModelIndex, op: Extract<ArchitectureOp, { kind: 'affine' }>, activation: 'relu' | 'linear'): DenseLayer {
  const what = `${printableName(op.node)}`;
  const weights = tensorMatrix(index, op.weight, 2, op.transpose, op.scale, `${what} weights`);
  let bias: Float64Array;
  if (op.bias === undefined) bias = new Float64Array(weights.rows);
  else {
    const b = tensorMatrix(index, op.bias, 1, false, op.biasScale, `${what} bias`).data;
    if (b.length === weights.rows) bias = b;
    else if (b.length === 1) bias = new Float64Array(weights.rows).fill(b[0]);
    else throw new FormatError('tensor-shape', `${what}: bias "${printableName(op.bias)}" has ${b.length} values but the weights have ${weights.rows} rows`);
  }
  return { kind: 'dense', weights, bias, activation };
}

/** The layers `ops` describe: an affine op followed by ReLU is one ReLU layer; a residual op followed by ReLU a ReLU block. */
export function layersOf(index: ModelIndex, ops: readonly ArchitectureOp[]): { layers: Layer[]; notes: string[] } {
  const layers: Layer[] = [];
  const notes: string[] = [];
  let explicit = 0;
  const count = (l: Layer) => {
    explicit += l.kind === 'dense' ? l.weights.data.length + l.bias.length : l.branch.reduce((s, b) => s + b.weights.data.length + b.bias.length, 0);
    if (explicit > LIMITS.maxExplicitParameters) throw new FormatError('model-too-large', `${index.file}: the layers up to this one hold ${explicit} parameters, above the limit of ${LIMITS.maxExplicitParameters} held in memory`);
  };
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const reluNext = ops[i + 1]?.kind === 'relu';
    if (op.kind === 'affine') {
      const l = denseOf(index, op, reluNext ? 'relu' : 'linear');
      count(l);
      layers.push(l);
      if (reluNext) i++;
    } else if (op.kind === 'residual') {
      const branch: DenseLayer[] = [];
      const b = op.branch;
      for (let j = 0; j < b.length; j++) {
        const inner = b[j];
        if (inner.kind !== 'affine') {
          throw new FormatError('model-architecture', `${index.file}: residual block ${printableName(op.node)} has ${inner.kind === 'relu' ? 'a ReLU where a linear layer should be' : 'a residual block inside its branch'} (${printableName(inner.node)}); Depth Lens analyses blocks x ↦ σ(x + branch(x)) whose branch is dense layers with ReLU between them and none after the last`);
        }
        const relu = b[j + 1]?.kind === 'relu';
        const last = j + (relu ? 1 : 0) === b.length - 1;
        if (last && relu) throw new FormatError('model-architecture', `${index.file}: residual block ${printableName(op.node)} applies ReLU to its branch's output before the sum; Depth Lens analyses x ↦ σ(x + branch(x)) with a linear last branch layer`);
        if (!last && !relu) throw new FormatError('model-architecture', `${index.file}: residual block ${printableName(op.node)} has two linear layers in a row in its branch (${printableName(inner.node)}); Depth Lens analyses branches with ReLU between their layers`);
        branch.push(denseOf(index, inner, relu ? 'relu' : 'linear'));
        if (relu) j++;
      }
      if (branch.length === 0) throw new FormatError('model-architecture', `${index.file}: residual block ${printableName(op.node)} has an empty branch`);
      const m = branch[0].weights.cols, out = branch[branch.length - 1].weights.rows;
      if (out !== m) throw new FormatError('model-architecture', `${index.file}: residual block ${printableName(op.node)} maps ${m} inputs to ${out} outputs; it must return ${m} to add to the shortcut`);
      const block: Layer = { kind: 'residual', branch, activation: reluNext ? 'relu' : 'linear' };
      count(block);
      layers.push(block);
      if (reluNext) i++;
    } else {
      // a ReLU with no layer of its own before it: after a ReLU layer it changes nothing; elsewhere it is an identity layer with ReLU
      const prev = layers[layers.length - 1];
      if (prev?.activation === 'relu') continue;
      if (prev) {
        layers[layers.length - 1] = { ...prev, activation: 'relu' } as Layer;
        continue;
      }
      notes.push(`${printableName(op.node)}: a ReLU on the input itself, read as an identity layer with ReLU`);
      layers.push({ kind: 'dense', weights: { rows: 0, cols: 0, data: new Float64Array(0) }, bias: new Float64Array(0), activation: 'relu' });
    }
  }
  return { layers, notes };
}

export interface ModelNetwork {
  readonly network?: Network;
  readonly architecture?: ModelArchitecture;
  /** errors, and notes (severity information) about how the file was read */
  readonly diagnostics: NetworkDiagnostic[];
}

function diagnostic(code: string, severity: NetworkDiagnostic['severity'], message: string): NetworkDiagnostic {
  return { code, severity, message, offset: 0, length: 0 };
}

/** The checkpoint as a network, or diagnostics that say why not. Never throws for bad files. */
export function modelNetwork(index: ModelIndex): ModelNetwork {
  const arch = architectureOf(index);
  if ('error' in arch) return { diagnostics: [diagnostic(arch.error.code, 'error', arch.error.message)] };
  const diagnostics: NetworkDiagnostic[] = [];
  if (arch.note) diagnostics.push(diagnostic('model-chain', 'information', arch.note));
  let built: { layers: Layer[]; notes: string[] };
  try {
    built = layersOf(index, arch.ops);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return { architecture: arch, diagnostics: [...diagnostics, diagnostic(e.code, 'error', e.message)] };
  }
  // an identity layer stands for a leading ReLU: its width is the next layer's input
  const layers = built.layers.map((l, i, all) => {
    if (l.kind !== 'dense' || l.weights.rows > 0) return l;
    const next = all[i + 1];
    const n = next ? (next.kind === 'dense' ? next.weights.cols : next.branch[0].weights.cols) : arch.inputDim ?? 0;
    const data = new Float64Array(n * n);
    for (let k = 0; k < n; k++) data[k * n + k] = 1;
    return { ...l, weights: { rows: n, cols: n, data }, bias: new Float64Array(n) };
  });
  for (const n of built.notes) diagnostics.push(diagnostic('model-chain', 'information', n));
  if (layers.length === 0) return { architecture: arch, diagnostics: [...diagnostics, diagnostic('model-architecture', 'error', `${index.file}: the model computes no layer Depth Lens can analyse (its graph is the identity)`)] };
  const inWidth = (l: Layer) => (l.kind === 'dense' ? l.weights.cols : l.branch[0].weights.cols);
  const outWidth = (l: Layer) => (l.kind === 'dense' ? l.weights.rows : l.branch[l.branch.length - 1].weights.rows);
  const dim = inWidth(layers[0]);
  if (arch.inputDim !== undefined && arch.inputDim !== dim) {
    return { architecture: arch, diagnostics: [...diagnostics, diagnostic('model-architecture', 'error', `${index.file}: the graph input has ${arch.inputDim} values but its first layer takes ${dim}`)] };
  }
  for (let i = 1; i < layers.length; i++) {
    if (inWidth(layers[i]) !== outWidth(layers[i - 1])) {
      return { architecture: arch, diagnostics: [...diagnostics, diagnostic('model-architecture', 'error', `${index.file}: layer ${i + 1} takes ${inWidth(layers[i])} inputs but layer ${i} gives ${outWidth(layers[i - 1])}`)] };
    }
  }
  const groups: LayerGroup[] = layers.map((l, i) => ({ start: i, count: 1, type: l.kind }));
  // the name the file gives the model, if any (an ONNX graph's, a pickled module's class)
  const name = index.metadata.get('graph') ?? index.metadata.get('module');
  return { network: explicitNetwork({ dim, probes: [] }, layers, groups, name), architecture: arch, diagnostics };
}
