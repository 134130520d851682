/**
 * The in-memory network model every analysis consumes. Produced by the parser (parse.ts) from a
 * `*.network.json` document (or a TF.js model.json); pure data plus on-demand layer generation so a
 * depth family of 10⁵ layers never materialises all its matrices at once.
 */
import type { DenseMatrix } from '../linalg/dense';

export type Activation = 'relu' | 'linear';

/** y = activation(W x + b), W is out×in (row-major, [out][in] as in the file). */
export interface DenseLayer {
  readonly kind: 'dense';
  readonly weights: DenseMatrix;
  readonly bias: Float64Array;
  readonly activation: Activation;
}

/**
 * x ↦ activation(x + branch(x)) (MATH.md §B). The branch applies its layers in order with their own
 * activations; the parser guarantees ReLU inside the branch, none on its last layer, and that the
 * branch maps R^m → R^m (inner layers may be non-square bottlenecks m → m' → m).
 */
export interface ResidualBlock {
  readonly kind: 'residual';
  readonly branch: readonly DenseLayer[];
  readonly activation: Activation;
}

export type Layer = DenseLayer | ResidualBlock;

/** s(k) = (k + offset)^power for the family-local index k = 1..count. */
export interface ScaleLaw {
  readonly offset: number;
  readonly power: number;
}

/**
 * Closed-form description of a depth family, kept so analyses can take shortcuts
 * (e.g. ‖W_k − I‖ = |s(k)|·‖M‖ when identity = 1) instead of generating every layer.
 */
export type FamilyInfo =
  | {
      /** W_k = identity·I + s_W(k)·M, b_k = s_b(k)·v (dense layers) */
      readonly kind: 'affine';
      readonly identity: number;
      readonly matrix: DenseMatrix;
      readonly weightScale: ScaleLaw;
      readonly vector: Float64Array;
      readonly biasScale: ScaleLaw;
      readonly activation: Activation;
    }
  | {
      /** any other generated family (random layers, residual families): no closed form exposed */
      readonly kind: 'generated';
      readonly description: string;
    };

/** Byte range of a JSON node in the source text. */
export interface SourceRange {
  readonly offset: number;
  readonly length: number;
}

/** A run of consecutive layers that came from one JSON node: one explicit layer, or a whole family. */
export interface LayerGroup {
  /** 0-based index of the first layer of the group in the network */
  readonly start: number;
  readonly count: number;
  /** the JSON `type` the group came from */
  readonly type: 'dense' | 'residual' | 'family' | 'random' | 'residual-family' | 'tfjs-dense';
  /** the layer node in the source document (for CodeLens and diagnostics) */
  readonly source?: SourceRange;
  readonly family?: FamilyInfo;
  /**
   * generated residual groups: the output widths of one block's branch layers (the last is the block
   * width), so costs can be estimated from shapes without generating a block
   */
  readonly branchWidths?: readonly number[];
  /**
   * generated dense groups (family, random): every layer's activation (`last` for the group's last
   * layer), so unit lists come from shapes without generating a layer (10⁸ weights each at width 10⁴)
   */
  readonly denseActivations?: { readonly each: Activation; readonly last: Activation };
}

export interface Probe {
  readonly name: string;
  readonly x: Float64Array;
}

export interface InputSpec {
  readonly dim: number;
  /** optional box [min, max] per coordinate */
  readonly domain?: { readonly min: Float64Array; readonly max: Float64Array };
  readonly probes: readonly Probe[];
}

export interface Network {
  readonly name?: string;
  readonly input: InputSpec;
  /** number of layers; a residual block counts as one layer */
  readonly depth: number;
  /** layer k (0-based). Families generate it on demand (deterministic, cheap for small widths). */
  layer(k: number): Layer;
  /** output width of layer k (0-based); inWidth(0) = input.dim */
  outWidth(k: number): number;
  inWidth(k: number): number;
  readonly outputDim: number;
  readonly groups: readonly LayerGroup[];
  /** total number of weights and biases (a number; may exceed 2^32 for huge families) */
  readonly parameterCount: number;
}

/** Parameters of one layer (branch parameters included for residual blocks). */
export function layerParameterCount(layer: Layer): number {
  if (layer.kind === 'dense') return layer.weights.data.length + layer.bias.length;
  let n = 0;
  for (const l of layer.branch) n += l.weights.data.length + l.bias.length;
  return n;
}

/** Build a Network over an explicit list of layers (tests, TF.js import, small files). */
export function explicitNetwork(input: InputSpec, layers: readonly Layer[], groups?: readonly LayerGroup[], name?: string): Network {
  const outW = layers.map(layerOutWidth);
  let params = 0;
  for (const l of layers) params += layerParameterCount(l);
  return {
    name,
    input,
    depth: layers.length,
    layer: (k) => {
      const l = layers[k];
      if (!l) throw new RangeError(`layer index ${k} out of range 0..${layers.length - 1}`);
      return l;
    },
    outWidth: (k) => outW[k],
    inWidth: (k) => (k === 0 ? input.dim : outW[k - 1]),
    outputDim: layers.length === 0 ? input.dim : outW[layers.length - 1],
    groups: groups ?? layers.map((l, i) => ({ start: i, count: 1, type: l.kind })),
    parameterCount: params,
  };
}

export function layerOutWidth(layer: Layer): number {
  return layer.kind === 'dense' ? layer.weights.rows : layer.branch[layer.branch.length - 1].weights.rows;
}

export function layerInWidth(layer: Layer): number {
  return layer.kind === 'dense' ? layer.weights.cols : layer.branch[0].weights.cols;
}
