/**
 * A convolutional network at inference as a list of operations — stem convolution, pooling, residual
 * blocks (identity or projection shortcut), flatten, dense head — with BatchNorm folded into the
 * convolution before it. This is the standalone form the conv layers are tested in (against torch,
 * on torchvision's ResNet-18 and a CIFAR-style ResNet); the network model of src/core/network grows
 * the same kinds when the analyses take conv nets.
 *
 * Block n maps x ↦ σ(s(x) + r(x)) where r = W^(n,K) ∘ σ ∘ … ∘ σ ∘ W^(n,1) (each W an affine conv) and
 * s is the identity or a projection (1×1 stride-2 conv, BN folded). ReLU gives a pattern at every site
 * (which units are active); max pooling gives one too (which input wins each window).
 */
import { CancelledError, type AnalysisContext } from '../context';
import type { DenseMatrix } from '../linalg/dense';
import { batchNormAffine, foldBatchNorm, foldNote, type BatchNorm2dParams } from './batchnorm';
import { Conv2d, type PaddingMode } from './conv2d';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './pool';

export interface ConvStep {
  readonly kind: 'conv2d';
  readonly conv: Conv2d;
  readonly relu: boolean;
  /** name of the ReLU site when relu is true */
  readonly reluName?: string;
}

export type ConvNetOp =
  | ConvStep
  | { readonly kind: 'affine2d'; readonly name: string; readonly scale: Float64Array; readonly shift: Float64Array; readonly relu: boolean; readonly reluName?: string }
  | { readonly kind: 'maxpool2d'; readonly name: string; readonly pool: MaxPool2d }
  | { readonly kind: 'avgpool2d'; readonly name: string; readonly pool: AvgPool2d | AdaptiveAvgPool2d }
  | { readonly kind: 'flatten'; readonly name: string }
  | { readonly kind: 'dense'; readonly name: string; readonly weights: DenseMatrix; readonly bias: Float64Array; readonly relu: boolean; readonly reluName?: string }
  | ResidualConvBlock;

export interface ResidualConvBlock {
  readonly kind: 'residual';
  readonly name: string;
  /** ReLU after every step but the last */
  readonly branch: readonly ConvStep[];
  /** absent: identity shortcut */
  readonly shortcut?: Conv2d;
  readonly relu: boolean;
  readonly reluName?: string;
}

export interface ConvNet {
  /** [C, H, W] */
  readonly inputShape: readonly [number, number, number];
  readonly ops: readonly ConvNetOp[];
  /** what the builder did that a user should know (BatchNorm folds) */
  readonly notes: readonly string[];
}

/** [C, H, W] while the data are images, [n] after flatten. */
export type ActivationShape = readonly [number, number, number] | readonly [number];

/** The output shape of every op, in order; throws with the op's name when shapes do not fit. */
export function convNetShapes(net: ConvNet): ActivationShape[] {
  const shapes: ActivationShape[] = [];
  let s: ActivationShape = net.inputShape;
  const image = (op: { name: string }): readonly [number, number, number] => {
    if (s.length !== 3) throw new RangeError(`${op.name}: takes an image but gets a flat vector of ${s[0]}`);
    return s;
  };
  for (const op of net.ops) {
    switch (op.kind) {
      case 'conv2d': s = convShape(op.conv, image(op.conv)); break;
      case 'affine2d': if (image(op)[0] !== op.scale.length) throw new RangeError(`${op.name}: has ${op.scale.length} channels, its input ${s[0]}`); break;
      case 'maxpool2d': { const [c, h, w] = image(op); const [ho, wo] = op.pool.outputSize(h, w); s = [c, ho, wo]; break; }
      case 'avgpool2d': { const [c, h, w] = image(op); const [ho, wo] = op.pool instanceof AvgPool2d ? op.pool.outputSize(h, w) : op.pool.outputSize(); s = [c, ho, wo]; break; }
      case 'flatten': s = [s.reduce((a, b) => a * b, 1)]; break;
      case 'dense':
        if (s.length !== 1) throw new RangeError(`${op.name}: a dense layer needs a flat input (add a flatten); it gets ${s.join('×')}`);
        if (op.weights.cols !== s[0]) throw new RangeError(`${op.name}: takes ${op.weights.cols} inputs, gets ${s[0]}`);
        s = [op.weights.rows];
        break;
      case 'residual': {
        const x = image(op);
        let t: readonly [number, number, number] = x;
        for (const step of op.branch) t = convShape(step.conv, t);
        const sc = op.shortcut ? convShape(op.shortcut, x) : x;
        if (t.join() !== sc.join()) {
          throw new RangeError(`${op.name}: the branch gives ${t.join('×')} but the ${op.shortcut ? 'projection' : 'identity'} shortcut gives ${sc.join('×')}`);
        }
        s = t;
        break;
      }
    }
    shapes.push(s);
  }
  return shapes;
}

function convShape(conv: Conv2d, [c, h, w]: readonly [number, number, number]): [number, number, number] {
  if (c !== conv.inChannels) throw new RangeError(`${conv.name}: takes ${conv.inChannels} channels, gets ${c}`);
  const [ho, wo] = conv.outputSize(h, w);
  return [conv.outChannels, ho, wo];
}

export function convNetParameterCount(net: ConvNet): number {
  let n = 0;
  for (const op of net.ops) {
    if (op.kind === 'conv2d') n += op.conv.parameterCount;
    else if (op.kind === 'dense') n += op.weights.data.length + op.bias.length;
    else if (op.kind === 'affine2d') n += 2 * op.scale.length;
    else if (op.kind === 'residual') {
      for (const s of op.branch) n += s.conv.parameterCount;
      if (op.shortcut) n += op.shortcut.parameterCount;
    }
  }
  return n;
}

// ---------------------------------------------------------------- forward

export interface ReluSite {
  readonly name: string;
  /** [C, H, W] or [n] */
  readonly shape: readonly number[];
  /** active units (value > 0) per input */
  readonly active: Int32Array;
  /** per input and channel ([batch][C]); one channel for flat sites */
  readonly activePerChannel: Int32Array;
  /** 1 where active, [batch][C][H][W] (PyTorch's order), when asked for */
  readonly pattern?: Uint8Array;
}

export interface MaxPoolSite {
  readonly name: string;
  readonly shape: readonly [number, number, number];
  /** winner of each output (row·W + column in its channel), [batch][C][Ho][Wo] */
  readonly winners: Int32Array;
}

export interface ConvNetRun {
  /** [batch][...output shape], PyTorch's order */
  readonly output: Float64Array;
  readonly outputShape: ActivationShape;
  readonly reluSites: readonly ReluSite[];
  readonly maxPoolSites: readonly MaxPoolSite[];
}

export interface RunOptions {
  /** keep every ReLU pattern (1 byte per unit and input) */
  readonly patterns?: boolean;
  readonly ctx?: AnalysisContext;
  /**
   * called after every residual block (op index k) with its input x_{n−1} and output x_n, both
   * channels-last ([batch][H][W][C]: each sample's numbers contiguous); the arrays must not be changed
   */
  readonly onResidual?: (k: number, input: Float64Array, output: Float64Array) => void;
  /**
   * called after every ReLU site (its values after the ReLU) and every max pool (its output), in the
   * order of `reluSites` / `maxPoolSites` interleaved as the pass meets them; `data` holds each sample's
   * numbers contiguously (channels-last images, or flat vectors) and must not be changed
   */
  readonly onSite?: (site: { readonly kind: 'relu' | 'maxpool'; readonly name: string; readonly op: number; readonly shape: ActivationShape }, data: Float64Array) => void;
  /**
   * Every sample takes sample 0's ReLU pattern and max-pool winners: the network's affine map on sample
   * 0's activation region, applied to every sample (with samples x, x + u, x + v: that map's values at
   * x and its changes along u and v; exactRegions.ts). `reluSites` and `maxPoolSites` are then empty.
   */
  readonly followFirst?: boolean;
  /**
   * With followFirst: each ReLU site's input (its pre-activations) before the pattern is applied, and
   * each max pool's input with sample 0's winners (channels-last [H][W][C] indices iy·W + ix per output
   * [Ho][Wo][C]); `data` holds each sample's numbers contiguously and must not be changed.
   */
  readonly onPreActivation?: (site: { readonly kind: 'relu' | 'maxpool'; readonly name: string; readonly op: number; readonly shape: ActivationShape; readonly input?: readonly [number, number, number] }, data: Float64Array, winners?: Int32Array) => void;
}

/** The network on a batch of inputs in NCHW order ([batch][C][H][W]). */
export function runConvNet(net: ConvNet, input: Float64Array, batch: number, options: RunOptions = {}): ConvNetRun {
  const [c0, h0, w0] = net.inputShape;
  finite('the input', input, 'NCHW');
  if (input.length !== batch * c0 * h0 * w0) throw new RangeError(`runConvNet: the input has ${input.length} numbers, expected ${batch}×${c0}×${h0}×${w0}`);
  convNetShapes(net); // shape errors before any work
  const reluSites: ReluSite[] = [];
  const maxPoolSites: MaxPoolSite[] = [];
  let shape: ActivationShape = net.inputShape;
  // channels-last while images, [batch][n] after flatten
  let x = toNhwc(input, batch, c0, h0, w0);

  let k = 0;
  const relu = (name: string, data: Float64Array, s: ActivationShape): void => {
    if (options.followFirst) {
      options.onPreActivation?.({ kind: 'relu', name, op: k, shape: s }, data);
      followFirstRelu(data, batch);
      options.onSite?.({ kind: 'relu', name, op: k, shape: s }, data);
      return;
    }
    reluSites.push(reluInPlace(name, data, batch, s, options.patterns ?? false));
    options.onSite?.({ kind: 'relu', name, op: k, shape: s }, data);
  };
  const image = (): [number, number, number] => shape as [number, number, number];

  for (k = 0; k < net.ops.length; k++) {
    if (options.ctx?.isCancelled()) throw new CancelledError();
    options.ctx?.progress(k / net.ops.length);
    const op = net.ops[k];
    switch (op.kind) {
      case 'conv2d': {
        const [, h, w] = image();
        x = op.conv.forwardNHWC(x, batch, h, w);
        finite(op.conv.name, x);
        shape = convShape(op.conv, image());
        if (op.relu) relu(op.reluName ?? `${op.conv.name}.relu`, x, shape);
        break;
      }
      case 'affine2d': {
        const c = op.scale.length;
        for (let i = 0; i < x.length; i++) x[i] = x[i] * op.scale[i % c] + op.shift[i % c];
        finite(op.name, x);
        if (op.relu) relu(op.reluName ?? `${op.name}.relu`, x, shape);
        break;
      }
      case 'maxpool2d': {
        const [c, h, w] = image();
        const [ho, wo] = op.pool.outputSize(h, w);
        const idx = new Int32Array(batch * ho * wo * c);
        const input = x;
        x = op.pool.forwardNHWC(x, batch, c, h, w, idx);
        shape = [c, ho, wo];
        if (options.followFirst) {
          // every sample reads its input at sample 0's winner (idx: iy·W + ix per output and channel)
          const per = ho * wo * c;
          options.onPreActivation?.({ kind: 'maxpool', name: op.name, op: k, shape, input: [c, h, w] }, input, idx.subarray(0, per));
          for (let b = 1; b < batch; b++) {
            for (let o = 0; o < per; o++) x[b * per + o] = input[(b * h * w + idx[o]) * c + (o % c)];
          }
        } else {
          maxPoolSites.push({ name: op.name, shape: [c, ho, wo], winners: nhwcToNchwInt(idx, batch, c, ho, wo) });
        }
        options.onSite?.({ kind: 'maxpool', name: op.name, op: k, shape }, x);
        break;
      }
      case 'avgpool2d': {
        const [c, h, w] = image();
        const [ho, wo] = op.pool instanceof AvgPool2d ? op.pool.outputSize(h, w) : op.pool.outputSize();
        x = op.pool.forwardNHWC(x, batch, c, h, w);
        shape = [c, ho, wo];
        break;
      }
      case 'flatten': {
        if (shape.length === 3) {
          const [c, h, w]: readonly [number, number, number] = shape;
          x = toNchw(x, batch, c, h, w);
          shape = [c * h * w];
        }
        break;
      }
      case 'dense': {
        x = denseBatch(op.weights, op.bias, x, batch);
        finite(op.name, x, 'batch × features');
        shape = [op.weights.rows];
        if (op.relu) relu(op.reluName ?? `${op.name}.relu`, x, shape);
        break;
      }
      case 'residual': {
        const [, h, w] = image();
        let t = x, ts: [number, number, number] = image();
        for (let j = 0; j < op.branch.length; j++) {
          const step = op.branch[j];
          t = step.conv.forwardNHWC(t, batch, ts[1], ts[2]);
          finite(step.conv.name, t);
          ts = convShape(step.conv, ts);
          if (j < op.branch.length - 1 && step.relu) relu(step.reluName ?? `${op.name}.relu${j + 1}`, t, ts);
        }
        const s = op.shortcut ? op.shortcut.forwardNHWC(x, batch, h, w) : x;
        for (let i = 0; i < t.length; i++) t[i] += s[i];
        finite(`${op.name} (branch + shortcut)`, t);
        const before = x;
        x = t;
        shape = ts;
        if (op.relu) relu(op.reluName ?? `${op.name}.relu${op.branch.length}`, x, shape);
        options.onResidual?.(k, before, x);
        break;
      }
    }
  }
  const output = shape.length === 3 ? toNchw(x, batch, shape[0], shape[1], shape[2]) : x;
  return { output, outputShape: shape, reluSites, maxPoolSites };
}

/**
 * The first ∞ or NaN of a forward pass, located (DESIGN.md: numbers that overflow are findings; nothing
 * downstream is computed from them — and a ReLU would turn NaN into 0 and hide it).
 */
export class NonFiniteActivationError extends RangeError {
  constructor(readonly op: string, readonly index: number, readonly value: number, order: string) {
    super(`${op}: produced ${value} at entry ${index} (${order} order); the forward pass stops here`);
    this.name = 'NonFiniteActivationError';
  }
}

function finite(op: string, x: Float64Array, order = 'channels-last'): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) throw new NonFiniteActivationError(op, i, v, order);
  }
}

/** ReLU by sample 0's signs: unit i of every sample is kept where sample 0's is positive, else 0. */
function followFirstRelu(x: Float64Array, batch: number): void {
  const per = x.length / batch;
  for (let i = 0; i < per; i++) {
    if (x[i] > 0) continue;
    for (let b = 0; b < batch; b++) x[b * per + i] = 0;
  }
}

function reluInPlace(name: string, x: Float64Array, batch: number, shape: ActivationShape, keep: boolean): ReluSite {
  const c = shape.length === 3 ? shape[0] : 1;
  const per = x.length / batch;
  const active = new Int32Array(batch), perChannel = new Int32Array(batch * c);
  const pattern = keep ? new Uint8Array(x.length) : undefined;
  const hw = per / c;
  for (let b = 0; b < batch; b++) {
    let count = 0;
    for (let i = 0; i < per; i++) {
      const at = b * per + i;
      const v = x[at];
      if (v > 0) {
        count++;
        // channels-last: channel = i mod C; flat: one channel
        const ch = shape.length === 3 ? i % c : 0;
        perChannel[b * c + ch]++;
        if (pattern) pattern[shape.length === 3 ? b * per + ch * hw + Math.floor(i / c) : at] = 1;
      } else {
        x[at] = 0;
      }
    }
    active[b] = count;
  }
  return { name, shape: [...shape], active, activePerChannel: perChannel, pattern };
}

function denseBatch(W: DenseMatrix, bias: Float64Array, x: Float64Array, batch: number): Float64Array {
  const { rows, cols, data } = W;
  if (x.length !== batch * cols) throw new RangeError(`dense: takes ${cols} inputs per sample, got ${x.length / batch}`);
  const y = new Float64Array(batch * rows);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < rows; i++) {
      let s = bias[i];
      const off = i * cols, xo = b * cols;
      for (let j = 0; j < cols; j++) s += data[off + j] * x[xo + j];
      y[b * rows + i] = s;
    }
  }
  return y;
}

function toNhwc(x: Float64Array, n: number, c: number, h: number, w: number): Float64Array {
  const y = new Float64Array(x.length), hw = h * w;
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) y[(b * hw + p) * c + ch] = x[(b * c + ch) * hw + p];
  return y;
}

function toNchw(x: Float64Array, n: number, c: number, h: number, w: number): Float64Array {
  const y = new Float64Array(x.length), hw = h * w;
  for (let b = 0; b < n; b++) for (let p = 0; p < hw; p++) for (let ch = 0; ch < c; ch++) y[(b * c + ch) * hw + p] = x[(b * hw + p) * c + ch];
  return y;
}

function nhwcToNchwInt(x: Int32Array, n: number, c: number, h: number, w: number): Int32Array {
  const y = new Int32Array(x.length), hw = h * w;
  for (let b = 0; b < n; b++) for (let p = 0; p < hw; p++) for (let ch = 0; ch < c; ch++) y[(b * c + ch) * hw + p] = x[(b * hw + p) * c + ch];
  return y;
}

// ---------------------------------------------------------------- building from a layer graph

/**
 * A layer graph in PyTorch's terms (what scripts/make-conv-fixtures.py reads off torch modules; the
 * ONNX and PyTorch importers produce the same shape of list): conv2d, batchnorm2d, relu, maxpool2d,
 * avgpool2d, adaptiveavgpool2d, flatten, linear, and residual blocks holding a branch and an optional
 * shortcut of such ops. Tensors are named and looked up through `tensor`.
 */
export type GraphOp =
  | { readonly op: 'conv2d'; readonly name: string; readonly weight: string; readonly bias: string | null; readonly inChannels: number; readonly outChannels: number; readonly kernelSize: readonly [number, number]; readonly stride: readonly [number, number]; readonly padding: readonly [number, number]; readonly dilation: readonly [number, number]; readonly groups: number; readonly paddingMode: string }
  | { readonly op: 'batchnorm2d'; readonly name: string; readonly weight: string | null; readonly bias: string | null; readonly runningMean: string; readonly runningVar: string; readonly eps: number }
  | { readonly op: 'relu'; readonly name?: string }
  | { readonly op: 'maxpool2d'; readonly name?: string; readonly kernelSize: readonly [number, number]; readonly stride: readonly [number, number]; readonly padding: readonly [number, number]; readonly dilation: readonly [number, number]; readonly ceilMode: boolean }
  | { readonly op: 'avgpool2d'; readonly name?: string; readonly kernelSize: readonly [number, number]; readonly stride: readonly [number, number]; readonly padding: readonly [number, number]; readonly ceilMode: boolean; readonly countIncludePad: boolean }
  | { readonly op: 'adaptiveavgpool2d'; readonly name?: string; readonly outputSize: readonly [number, number] }
  | { readonly op: 'flatten'; readonly name?: string }
  | { readonly op: 'linear'; readonly name: string; readonly weight: string; readonly bias: string | null }
  | { readonly op: 'residual'; readonly name: string; readonly branch: readonly GraphOp[]; readonly shortcut: readonly GraphOp[] | null; readonly activation: 'relu' | 'linear' };

/** Looks a tensor up by name; returns its numbers and shape, or undefined. */
export type TensorLookup = (name: string) => { readonly data: Float64Array; readonly shape: readonly number[] } | undefined;

/** Builds a ConvNet: BatchNorm folded into the conv before it (noted), ReLU attached to the op before it. */
export function buildConvNet(graph: readonly GraphOp[], inputShape: readonly [number, number, number], tensor: TensorLookup): ConvNet {
  const notes: string[] = [];
  const get = (name: string, owner: string): Float64Array => {
    const t = tensor(name);
    if (!t) throw new RangeError(`${owner}: tensor "${name}" is missing`);
    return t.data;
  };
  const bnParams = (g: Extract<GraphOp, { op: 'batchnorm2d' }>): BatchNorm2dParams => ({
    name: g.name,
    weight: g.weight ? get(g.weight, g.name) : null,
    bias: g.bias ? get(g.bias, g.name) : null,
    runningMean: get(g.runningMean, g.name),
    runningVar: get(g.runningVar, g.name),
    eps: g.eps,
  });
  const conv = (g: Extract<GraphOp, { op: 'conv2d' }>): Conv2d => {
    if (g.paddingMode !== 'zeros' && g.paddingMode !== 'circular') throw new RangeError(`${g.name}: padding mode "${g.paddingMode}" is not supported (zeros or circular)`);
    return new Conv2d({
      name: g.name, inChannels: g.inChannels, outChannels: g.outChannels, kernelSize: g.kernelSize, stride: g.stride,
      padding: g.padding, dilation: g.dilation, groups: g.groups, paddingMode: g.paddingMode as PaddingMode,
      weight: get(g.weight, g.name), bias: g.bias ? get(g.bias, g.name) : null,
    });
  };

  /** conv2d / batchnorm2d / relu sequence → conv steps (used for branches and shortcuts). */
  const convSteps = (ops: readonly GraphOp[], owner: string): ConvStep[] => {
    const steps: ConvStep[] = [];
    for (const g of ops) {
      const last = steps[steps.length - 1];
      if (g.op === 'conv2d') steps.push({ kind: 'conv2d', conv: conv(g), relu: false });
      else if (g.op === 'batchnorm2d') {
        if (!last || last.relu) throw new RangeError(`${owner}: ${g.name} does not follow a convolution, so it cannot be folded`);
        const bn = bnParams(g);
        steps[steps.length - 1] = { ...last, conv: foldBatchNorm(last.conv, bn) };
        notes.push(foldNote(last.conv.name, g.name, g.eps));
      } else if (g.op === 'relu') {
        if (!last) throw new RangeError(`${owner}: a ReLU before any convolution`);
        steps[steps.length - 1] = { ...last, relu: true, reluName: g.name };
      } else throw new RangeError(`${owner}: ${g.op} inside a residual block is not supported (conv2d, batchnorm2d, relu)`);
    }
    return steps;
  };

  const ops: ConvNetOp[] = [];
  for (const g of graph) {
    const last = ops[ops.length - 1];
    switch (g.op) {
      case 'conv2d': ops.push({ kind: 'conv2d', conv: conv(g), relu: false }); break;
      case 'batchnorm2d': {
        const bn = bnParams(g);
        if (last && last.kind === 'conv2d' && !last.relu) {
          ops[ops.length - 1] = { ...last, conv: foldBatchNorm(last.conv, bn) };
          notes.push(foldNote(last.conv.name, g.name, g.eps));
        } else {
          const { scale, shift } = batchNormAffine(bn);
          ops.push({ kind: 'affine2d', name: g.name, scale, shift, relu: false });
        }
        break;
      }
      case 'relu': {
        if (!last || last.kind === 'maxpool2d' || last.kind === 'avgpool2d' || last.kind === 'flatten' || last.relu) {
          throw new RangeError(`relu${g.name ? ` ${g.name}` : ''}: follows ${last ? (last.kind === 'conv2d' ? last.conv.name : last.name) : 'the input'}, which is not an affine layer without activation`);
        }
        ops[ops.length - 1] = { ...last, relu: true, reluName: g.name ?? 'relu' } as ConvNetOp;
        break;
      }
      case 'maxpool2d': ops.push({ kind: 'maxpool2d', name: g.name ?? 'maxpool', pool: new MaxPool2d({ ...g, name: g.name ?? 'maxpool' }) }); break;
      case 'avgpool2d': ops.push({ kind: 'avgpool2d', name: g.name ?? 'avgpool', pool: new AvgPool2d({ ...g, name: g.name ?? 'avgpool' }) }); break;
      case 'adaptiveavgpool2d': ops.push({ kind: 'avgpool2d', name: g.name ?? 'avgpool', pool: new AdaptiveAvgPool2d(g.outputSize, g.name ?? 'avgpool') }); break;
      case 'flatten': ops.push({ kind: 'flatten', name: g.name ?? 'flatten' }); break;
      case 'linear': {
        const t = tensor(g.weight);
        if (!t) throw new RangeError(`${g.name}: tensor "${g.weight}" is missing`);
        if (t.shape.length !== 2) throw new RangeError(`${g.name}: weight must be 2-D, it is ${t.shape.join('×')}`);
        const [rows, cols] = t.shape;
        ops.push({ kind: 'dense', name: g.name, weights: { rows, cols, data: t.data }, bias: g.bias ? get(g.bias, g.name) : new Float64Array(rows), relu: false });
        break;
      }
      case 'residual': {
        const branch = convSteps(g.branch, g.name);
        if (branch.length === 0) throw new RangeError(`${g.name}: the branch is empty`);
        if (branch[branch.length - 1].relu) throw new RangeError(`${g.name}: the branch ends in a ReLU; the block applies its ReLU after the addition`);
        const branchNamed = branch.map((s, j) => (s.relu ? { ...s, reluName: s.reluName ?? `${g.name}.relu${j + 1}` } : s));
        let shortcut: Conv2d | undefined;
        if (g.shortcut && g.shortcut.length > 0) {
          const sc = convSteps(g.shortcut, `${g.name} shortcut`);
          if (sc.length !== 1 || sc[0].relu) throw new RangeError(`${g.name}: the shortcut must be one convolution (with its BatchNorm), got ${sc.length} steps`);
          shortcut = sc[0].conv;
        }
        ops.push({ kind: 'residual', name: g.name, branch: branchNamed, shortcut, relu: g.activation === 'relu', reluName: `${g.name}.relu${branch.length}` });
        break;
      }
    }
  }
  const net: ConvNet = { inputShape, ops, notes };
  convNetShapes(net);
  return net;
}

/** Maximal runs of consecutive identity-shortcut blocks (a projection block ends a run): the series of the convergence analysis. */
export function identityRuns(net: ConvNet): Array<{ readonly start: number; readonly blocks: readonly ResidualConvBlock[] }> {
  const runs: Array<{ start: number; blocks: ResidualConvBlock[] }> = [];
  let current: { start: number; blocks: ResidualConvBlock[] } | undefined;
  net.ops.forEach((op, k) => {
    if (op.kind === 'residual' && !op.shortcut) {
      if (!current) { current = { start: k, blocks: [] }; runs.push(current); }
      current.blocks.push(op);
    } else current = undefined;
  });
  return runs;
}
