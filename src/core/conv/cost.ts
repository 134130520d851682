/**
 * Budgets of the conv analyses (src/core/network/budget.ts's machinery: multiply-adds and bytes
 * estimated from the shapes before any work, refused above the budget with the same message).
 *
 * - A forward pass: every conv's Ho·Wo·C_out·(C_in/groups)·kh·kw multiply-adds and the dense head per
 *   image; memory: per image the largest op's input, output and im2col matrix (Ho·Wo·C_in·kh·kw).
 * - ‖W‖₂ of a conv by Lanczos: LANCZOS_STEPS steps of W and Wᵀ (2 conv products each) plus the full
 *   reorthogonalisation against the stored vectors (about steps²·(m + n)); the stored vectors take
 *   8·steps·(m + n) bytes, at most the 256 MB above which Lanczos stops storing them. A circular conv
 *   that tiles the torus goes by the FFT: per frequency the C_out × C_in matrix and its SVD.
 */
import type { Cost } from '../network/budget';
import type { Conv2d } from './conv2d';
import { isCircularOnTorus } from './norms';
import { convNetShapes, type ConvNet } from './resnet';

/** Lanczos steps assumed per conv norm: measured 40–230 at relative residual 1e-10 on the fixtures' ResNets. */
export const LANCZOS_STEPS = 250;
/** Operator Lanczos stores its vectors up to this many bytes (src/core/linalg/operator.ts). */
const LANCZOS_STORE_BYTES = 256 * 1024 * 1024;

/** Multiply-adds and bytes of ‖W‖₂ of `conv` on C×H×W. */
export function convNormCost(conv: Conv2d, h: number, w: number): { work: number; bytes: number } {
  const [ho, wo] = conv.outputSize(h, w);
  const n = conv.inChannels * h * w, m = conv.outChannels * ho * wo;
  if (isCircularOnTorus(conv, h, w)) {
    const freqs = (ho * wo) / 2 + 1;
    const rows = conv.outChannels, cols = conv.inChannels * conv.strideH * conv.strideW;
    const lo = Math.min(rows, cols), hi = Math.max(rows, cols);
    return { work: freqs * (rows * cols * conv.kernelH * conv.kernelW + 40 * lo * lo * hi), bytes: 8 * (freqs * 3 + 8 * rows * cols) };
  }
  const steps = Math.min(LANCZOS_STEPS, m, n);
  return { work: steps * (2 * conv.multiplyAdds(h, w) + steps * (m + n)), bytes: Math.min(8 * steps * (m + n), LANCZOS_STORE_BYTES) + 8 * 4 * (m + n) };
}

/** A forward pass of `images` images through the whole net. */
export function convForwardCost(net: ConvNet, images: number): { work: number; bytes: number } {
  const shapes = convNetShapes(net);
  let work = 0, peak = 0;
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const conv = (c: Conv2d, s: readonly number[]) => {
    const [ho, wo] = c.outputSize(s[1], s[2]);
    work += c.multiplyAdds(s[1], s[2]);
    peak = Math.max(peak, size(s) + c.outChannels * ho * wo + ho * wo * (c.inChannels / c.groups) * c.kernelH * c.kernelW);
    return [c.outChannels, ho, wo];
  };
  net.ops.forEach((op, k) => {
    const input = k === 0 ? net.inputShape : shapes[k - 1];
    if (op.kind === 'conv2d') conv(op.conv, input);
    else if (op.kind === 'dense') work += op.weights.rows * op.weights.cols;
    else if (op.kind === 'residual') {
      let s: readonly number[] = input;
      for (const step of op.branch) s = conv(step.conv, s);
      if (op.shortcut) conv(op.shortcut, input);
      peak = Math.max(peak, 3 * size(input));
    } else peak = Math.max(peak, size(input) + size(shapes[k]));
    work += size(shapes[k]); // ReLU, pooling, additions: a few operations per output
  });
  return { work: work * images, bytes: 8 * 2 * peak * images };
}

/** The activations analysis: one forward pass of the images, every pattern kept (1 byte a unit). */
export function convActivationsCost(net: ConvNet, images: number): Cost {
  const f = convForwardCost(net, images);
  let units = 0;
  for (const s of convNetShapes(net)) units += s.reduce((a, b) => a * b, 1);
  return { work: f.work, bytes: f.bytes + units * images * 9, detail: `a forward pass of ${images} image${images === 1 ? '' : 's'} of ${net.inputShape.join('×')} through ${net.ops.length} layers` };
}

/**
 * The convergence analysis: ‖W^(n,k)‖₂ of every branch conv of the identity-shortcut blocks (on its
 * input shape) and one forward pass of the probes.
 */
export function convConvergenceCost(net: ConvNet, probes: number): Cost {
  const shapes = convNetShapes(net);
  let work = 0, bytes = 0, convs = 0;
  net.ops.forEach((op, k) => {
    if (op.kind !== 'residual' || op.shortcut) return;
    let s = (k === 0 ? net.inputShape : shapes[k - 1]) as readonly [number, number, number];
    for (const step of op.branch) {
      const c = convNormCost(step.conv, s[1], s[2]);
      work += c.work;
      bytes = Math.max(bytes, c.bytes);
      convs++;
      const [ho, wo] = step.conv.outputSize(s[1], s[2]);
      s = [step.conv.outChannels, ho, wo];
    }
  });
  const f = convForwardCost(net, probes);
  return { work: work + f.work, bytes: bytes + f.bytes, detail: `‖W‖₂ of ${convs} convolution${convs === 1 ? '' : 's'} by Lanczos (about ${LANCZOS_STEPS} steps each) and a forward pass of ${probes} probe${probes === 1 ? '' : 's'} of ${net.inputShape.join('×')}` };
}

/** The degeneracy analysis: a forward pass of two images and an angle (three dot products) per site. */
export function convAnglesCost(net: ConvNet): Cost {
  const f = convForwardCost(net, 2);
  let units = 0;
  for (const s of convNetShapes(net)) units += s.reduce((a, b) => a * b, 1);
  return { work: f.work + 2 * 4 * units, bytes: f.bytes, detail: `a forward pass of 2 images of ${net.inputShape.join('×')} through ${net.ops.length} layers` };
}

/** Images per forward pass of the plane's grid: the batch dimension, bounded so a chunk stays small. */
export const PLANE_CHUNK = 64;

/**
 * The regions analysis on a conv net: forward passes of grid² images (PLANE_CHUNK at a time) keeping
 * every site's pattern (1 byte a unit and image), and the distinct patterns of each site stored packed
 * (at most one per grid point: units/8 bytes each).
 */
export function convPlaneCost(net: ConvNet, grid: number): Cost {
  const points = grid * grid, chunk = Math.min(points, PLANE_CHUNK);
  const f = convForwardCost(net, points);
  let units = 0;
  for (const s of convNetShapes(net)) units += s.reduce((a, b) => a * b, 1);
  const per = convForwardCost(net, chunk).bytes + units * chunk * 9;
  return {
    work: f.work + 4 * units * points,
    bytes: per + points * (units / 8 + 64) + 16 * points,
    detail: `forward passes of a ${grid}×${grid} grid of ${net.inputShape.join('×')} images through ${net.ops.length} layers, every pattern kept until counted`,
  };
}
