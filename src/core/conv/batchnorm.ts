/**
 * BatchNorm2d at inference (eval mode: the running statistics, never batch statistics) is the
 * per-channel affine map y_c = γ_c (x_c − μ_c)/√(σ²_c + ε) + β_c. After a convolution it folds into
 * the convolution's weights and bias — the form every analysis sees, since W is then one operator:
 *
 *   W'[o] = s_o · W[o],   b'_o = s_o (b_o − μ_o) + β_o,   s_o = γ_o / √(σ²_o + ε)
 *
 * (what torch.nn.utils.fusion.fuse_conv_bn_eval computes). Training-mode BatchNorm is not a fixed
 * map of the input and is not modelled.
 */
import { Conv2d } from './conv2d';

export interface BatchNorm2dParams {
  /** γ (absent: ones, affine=False) */
  readonly weight?: ArrayLike<number> | null;
  /** β (absent: zeros) */
  readonly bias?: ArrayLike<number> | null;
  readonly runningMean: ArrayLike<number>;
  readonly runningVar: ArrayLike<number>;
  /** default 1e-5 (PyTorch's) */
  readonly eps?: number;
  readonly name?: string;
}

/** The per-channel scale s and shift t of y = s x + t. */
export function batchNormAffine(bn: BatchNorm2dParams): { scale: Float64Array; shift: Float64Array } {
  const name = bn.name ?? 'batchnorm2d';
  const c = bn.runningMean.length;
  const eps = bn.eps ?? 1e-5;
  if (!(eps >= 0)) throw new RangeError(`${name}: eps must be ≥ 0, got ${eps}`);
  for (const [what, v] of [['runningVar', bn.runningVar], ['weight', bn.weight], ['bias', bn.bias]] as const) {
    if (v != null && v.length !== c) throw new RangeError(`${name}: ${what} has ${v.length} numbers, running_mean has ${c}`);
  }
  const scale = new Float64Array(c), shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    const v = bn.runningVar[i] + eps;
    if (!(v > 0)) throw new RangeError(`${name}: running_var + eps of channel ${i} is ${v}; it must be positive`);
    const s = (bn.weight ? bn.weight[i] : 1) / Math.sqrt(v);
    scale[i] = s;
    shift[i] = (bn.bias ? bn.bias[i] : 0) - s * bn.runningMean[i];
  }
  return { scale, shift };
}

/** conv followed by eval-mode BatchNorm2d, as one convolution (see the file comment). */
export function foldBatchNorm(conv: Conv2d, bn: BatchNorm2dParams): Conv2d {
  const name = bn.name ?? 'batchnorm2d';
  if (bn.runningMean.length !== conv.outChannels) {
    throw new RangeError(`${name}: has ${bn.runningMean.length} channels but ${conv.name} outputs ${conv.outChannels}`);
  }
  const { scale } = batchNormAffine(bn);
  const eps = bn.eps ?? 1e-5;
  const per = conv.weight.length / conv.outChannels;
  const weight = new Float64Array(conv.weight.length);
  const bias = new Float64Array(conv.outChannels);
  for (let o = 0; o < conv.outChannels; o++) {
    const s = scale[o];
    for (let k = 0; k < per; k++) weight[o * per + k] = conv.weight[o * per + k] * s;
    // same order of operations as fuse_conv_bn_weights: (b − μ)·rsqrt(σ² + ε)·γ + β
    bias[o] = ((conv.bias ? conv.bias[o] : 0) - bn.runningMean[o]) * (1 / Math.sqrt(bn.runningVar[o] + eps)) * (bn.weight ? bn.weight[o] : 1) + (bn.bias ? bn.bias[o] : 0);
  }
  return new Conv2d({
    inChannels: conv.inChannels, outChannels: conv.outChannels, kernelSize: [conv.kernelH, conv.kernelW],
    stride: [conv.strideH, conv.strideW], padding: [conv.padH, conv.padW], dilation: [conv.dilationH, conv.dilationW],
    groups: conv.groups, paddingMode: conv.paddingMode, weight, bias, name: conv.name,
  });
}

/** The note an importer attaches where it folded a BatchNorm into a convolution. */
export function foldNote(convName: string, bnName: string, eps: number): string {
  return `${bnName} (BatchNorm2d, eval mode: running mean and variance, eps ${eps}) is folded into ${convName}: W' = γ/√(σ² + ε)·W, b' = γ(b − μ)/√(σ² + ε) + β`;
}
