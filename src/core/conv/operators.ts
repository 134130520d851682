/**
 * The conv layers as LinearOperators (src/core/linalg/operator.ts): a convolution's linear part on
 * [C, H, W], average pooling, a max-pooling pattern's selection map and a ReLU pattern's diagonal.
 *
 * Layout: "chw" vectors are PyTorch's order; "hwc" (channels-last) is the core's internal order and
 * skips two transposes per product. The two are the same operator up to a fixed permutation P of
 * coordinates on each side (A_hwc = P A_chw Pᵀ), so every unitarily invariant quantity — singular
 * values, ‖·‖₂, ‖·‖_F, and ‖A − I‖₂ when the input and output spaces coincide — is the same; norms
 * use "hwc". The 1 and ∞ norms are permutation invariant too.
 */
import type { LinearOperator } from '../linalg/operator';
import { AdaptiveAvgPool2d, AvgPool2d } from './pool';
import { Conv2d, nchwToNhwc, nhwcToNchw } from './conv2d';

export type Layout = 'chw' | 'hwc';

/** The linear part (no bias) of `conv` on C×H×W inputs. */
export function conv2dOperator(conv: Conv2d, h: number, w: number, layout: Layout = 'chw'): LinearOperator {
  const [ho, wo] = conv.outputSize(h, w);
  const cin = conv.inChannels, cout = conv.outChannels;
  const label = `${conv.name} (${cin}→${cout}, ${conv.kernelH}×${conv.kernelW}) on ${cin}×${h}×${w}`;
  const inSize = cin * h * w, outSize = cout * ho * wo;
  // operators serve many products: Winograd's transforms made once pay more often (Conv2d.products)
  const products = conv.products(h, w);
  return {
    inShape: [cin, h, w],
    outShape: [cout, ho, wo],
    inSize,
    outSize,
    label,
    apply(x, out) {
      if (layout === 'hwc') return products.forward(x, out);
      const y = products.forward(nchwToNhwc(x, 1, cin, h, w));
      return nhwcToNchw(y, 1, cout, ho, wo, out);
    },
    applyTranspose(y, out) {
      if (layout === 'hwc') return products.adjoint(y, out);
      const x = products.adjoint(nchwToNhwc(y, 1, cout, ho, wo));
      return nhwcToNchw(x, 1, cin, h, w, out);
    },
  };
}

/** Average pooling (fixed window or adaptive) on C×H×W, channels-last. */
export function avgPoolOperator(pool: AvgPool2d | AdaptiveAvgPool2d, c: number, h: number, w: number): LinearOperator {
  const [ho, wo] = pool instanceof AvgPool2d ? pool.outputSize(h, w) : pool.outputSize();
  return {
    inShape: [c, h, w],
    outShape: [c, ho, wo],
    inSize: c * h * w,
    outSize: c * ho * wo,
    label: `${pool.name} on ${c}×${h}×${w} (channels-last)`,
    apply(x, out) {
      const y = pool.forwardNHWC(x, 1, c, h, w);
      if (out) { out.set(y); return out; }
      return y;
    },
    applyTranspose(y, out) {
      const x = pool.adjointNHWC(y, 1, c, h, w);
      if (out) { out.set(x); return out; }
      return x;
    },
  };
}

/**
 * The selection map of a max-pooling pattern: output k (channels-last [ho][wo][c]) takes input
 * winner[k]·c + channel (winner = row·W + column, as MaxPool2d.forwardNHWC's indices).
 */
export function maxPoolPatternOperator(winners: Int32Array, c: number, h: number, w: number, ho: number, wo: number): LinearOperator {
  if (winners.length !== ho * wo * c) throw new RangeError(`maxPoolPatternOperator: ${winners.length} winners for ${c}×${ho}×${wo} outputs`);
  return {
    inShape: [c, h, w],
    outShape: [c, ho, wo],
    inSize: c * h * w,
    outSize: c * ho * wo,
    label: `max-pool pattern on ${c}×${h}×${w} (channels-last)`,
    apply(x, out) {
      const y = out ?? new Float64Array(winners.length);
      for (let k = 0; k < winners.length; k++) y[k] = x[winners[k] * c + (k % c)];
      return y;
    },
    applyTranspose(y, out) {
      const x = out ?? new Float64Array(c * h * w);
      x.fill(0);
      for (let k = 0; k < winners.length; k++) x[winners[k] * c + (k % c)] += y[k];
      return x;
    },
  };
}

/** D = diag(pattern): a ReLU's activation pattern (1 active, 0 not) as an operator. */
export function patternOperator(pattern: Uint8Array, shape: readonly number[]): LinearOperator {
  const n = pattern.length;
  const apply = (x: Float64Array, out?: Float64Array): Float64Array => {
    const y = out ?? new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = pattern[i] ? x[i] : 0;
    return y;
  };
  return { inShape: shape, outShape: shape, inSize: n, outSize: n, label: `ReLU pattern on ${shape.join('×')}`, apply, applyTranspose: apply };
}
