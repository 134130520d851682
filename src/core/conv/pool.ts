/**
 * Pooling on [C, H, W] images, as PyTorch's CPU kernels compute it (output sizes, ceil mode, padding,
 * which element wins a max and how an average counts padding), in float64.
 *
 * Average pooling is linear. Max pooling is piecewise linear: on the region of inputs where the same
 * element wins every window it is the selection x ↦ (x[winner(o)])_o — a pattern, like ReLU's. The
 * pattern is the index of the winner inside its channel (row·W + column, PyTorch's max_pool2d
 * `indices`); `maxPoolOperator` turns a pattern into that linear map.
 *
 * Inside the core, images are channels-last ([n][h][w][c]); the NCHW methods transpose at the ends.
 */
import { nchwToNhwc, nhwcToNchw } from './conv2d';

type Pair = number | readonly [number, number];

export interface MaxPool2dOptions {
  readonly kernelSize: Pair;
  /** default: the kernel size (PyTorch's default) */
  readonly stride?: Pair;
  readonly padding?: Pair;
  readonly dilation?: Pair;
  readonly ceilMode?: boolean;
  readonly name?: string;
}

export interface AvgPool2dOptions {
  readonly kernelSize: Pair;
  readonly stride?: Pair;
  readonly padding?: Pair;
  readonly ceilMode?: boolean;
  /** count padded positions in the divisor (PyTorch's default: true) */
  readonly countIncludePad?: boolean;
  /** divide by this instead */
  readonly divisorOverride?: number;
  readonly name?: string;
}

function pair(v: Pair | undefined, dflt: readonly [number, number], what: string, min: number, name: string): [number, number] {
  const p: readonly number[] = v === undefined ? dflt : typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2) throw new RangeError(`${name}: ${what} must be a number or a pair`);
  for (const x of p) if (!Number.isInteger(x) || x < min) throw new RangeError(`${name}: ${what} must be an integer ≥ ${min}, got ${x}`);
  return [p[0], p[1]];
}

/** PyTorch's pooling_output_shape: floor or ceil, and in ceil mode the last window must start inside the input or its left padding. */
function pooledSize(size: number, kernel: number, pad: number, stride: number, dilation: number, ceil: boolean): number {
  let out = Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1 + (ceil ? stride - 1 : 0)) / stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

abstract class Window2d {
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly ceilMode: boolean;
  readonly name: string;

  constructor(o: MaxPool2dOptions, name: string) {
    this.name = o.name ?? name;
    [this.kernelH, this.kernelW] = pair(o.kernelSize, [1, 1], 'kernelSize', 1, this.name);
    [this.strideH, this.strideW] = pair(o.stride, [this.kernelH, this.kernelW], 'stride', 1, this.name);
    [this.padH, this.padW] = pair(o.padding, [0, 0], 'padding', 0, this.name);
    [this.dilationH, this.dilationW] = pair(o.dilation, [1, 1], 'dilation', 1, this.name);
    this.ceilMode = o.ceilMode ?? false;
    const effH = this.dilationH * (this.kernelH - 1) + 1, effW = this.dilationW * (this.kernelW - 1) + 1;
    if (2 * this.padH > effH || 2 * this.padW > effW) {
      throw new RangeError(`${this.name}: padding ${this.padH}×${this.padW} is more than half the ${effH}×${effW} window`);
    }
  }

  outputSize(h: number, w: number): [number, number] {
    const ho = pooledSize(h, this.kernelH, this.padH, this.strideH, this.dilationH, this.ceilMode);
    const wo = pooledSize(w, this.kernelW, this.padW, this.strideW, this.dilationW, this.ceilMode);
    if (ho < 1 || wo < 1) throw new RangeError(`${this.name}: a ${h}×${w} input is smaller than the ${this.kernelH}×${this.kernelW} window`);
    return [ho, wo];
  }

  protected check(x: ArrayLike<number>, n: number, c: number, h: number, w: number): void {
    if (x.length !== n * c * h * w) throw new RangeError(`${this.name}: takes ${n}×${c}×${h}×${w} = ${n * c * h * w} numbers, got ${x.length}`);
  }
}

export class MaxPool2d extends Window2d {
  constructor(o: MaxPool2dOptions) {
    super(o, 'maxpool2d');
  }

  /**
   * Every (output position o = oy·Wo + ox, input position at = iy·W + ix) of the windows on an H×W
   * input, in scan order (the constraints of a max pool's winners: exactRegions.ts, affineMap.ts).
   */
  forEachWindow(h: number, w: number, fn: (o: number, at: number, oy: number, ox: number) => void): void {
    const [ho, wo] = this.outputSize(h, w);
    for (let oy = 0; oy < ho; oy++) {
      let y0 = oy * this.strideH - this.padH;
      const y1 = Math.min(y0 + (this.kernelH - 1) * this.dilationH + 1, h);
      while (y0 < 0) y0 += this.dilationH;
      for (let ox = 0; ox < wo; ox++) {
        let x0 = ox * this.strideW - this.padW;
        const x1 = Math.min(x0 + (this.kernelW - 1) * this.dilationW + 1, w);
        while (x0 < 0) x0 += this.dilationW;
        for (let iy = y0; iy < y1; iy += this.dilationH) {
          for (let ix = x0; ix < x1; ix += this.dilationW) fn(oy * wo + ox, iy * w + ix, oy, ox);
        }
      }
    }
  }

  /**
   * Channels-last max pooling of [n][h][w][c]; `indices` (if given, length n·ho·wo·c) receives each
   * output's winner as row·w + column in its channel (PyTorch's convention: the first maximum in
   * scan order wins, NaN wins).
   */
  forwardNHWC(x: Float64Array, n: number, c: number, h: number, w: number, indices?: Int32Array): Float64Array {
    this.check(x, n, c, h, w);
    const [ho, wo] = this.outputSize(h, w);
    const y = new Float64Array(n * ho * wo * c);
    const best = new Float64Array(c);
    const arg = new Int32Array(c);
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < ho; oy++) {
        let y0 = oy * this.strideH - this.padH;
        const y1 = Math.min(y0 + (this.kernelH - 1) * this.dilationH + 1, h);
        while (y0 < 0) y0 += this.dilationH;
        for (let ox = 0; ox < wo; ox++) {
          let x0 = ox * this.strideW - this.padW;
          const x1 = Math.min(x0 + (this.kernelW - 1) * this.dilationW + 1, w);
          while (x0 < 0) x0 += this.dilationW;
          best.fill(-Infinity);
          arg.fill(y0 * w + x0);
          for (let iy = y0; iy < y1; iy += this.dilationH) {
            for (let ix = x0; ix < x1; ix += this.dilationW) {
              const at = ((b * h + iy) * w + ix) * c, idx = iy * w + ix;
              for (let ch = 0; ch < c; ch++) {
                const v = x[at + ch];
                if (v > best[ch] || Number.isNaN(v)) { best[ch] = v; arg[ch] = idx; }
              }
            }
          }
          const out = ((b * ho + oy) * wo + ox) * c;
          y.set(best, out);
          if (indices) indices.set(arg, out);
        }
      }
    }
    return y;
  }

  /** NCHW max pooling; indices in NCHW order, as torch's return_indices. */
  forward(x: Float64Array, n: number, c: number, h: number, w: number): { output: Float64Array; indices: Int32Array } {
    this.check(x, n, c, h, w);
    const [ho, wo] = this.outputSize(h, w);
    const idx = new Int32Array(n * ho * wo * c);
    const y = this.forwardNHWC(nchwToNhwc(x, n, c, h, w), n, c, h, w, idx);
    const indices = new Int32Array(idx.length);
    const hw = ho * wo;
    for (let b = 0; b < n; b++) for (let p = 0; p < hw; p++) for (let ch = 0; ch < c; ch++) indices[(b * c + ch) * hw + p] = idx[(b * hw + p) * c + ch];
    return { output: nhwcToNchw(y, n, c, ho, wo), indices };
  }
}

export class AvgPool2d extends Window2d {
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | undefined;

  constructor(o: AvgPool2dOptions) {
    super({ ...o, dilation: 1 }, 'avgpool2d');
    this.countIncludePad = o.countIncludePad ?? true;
    if (o.divisorOverride !== undefined && !(Number.isInteger(o.divisorOverride) && o.divisorOverride > 0)) {
      throw new RangeError(`${this.name}: divisorOverride must be a positive integer, got ${o.divisorOverride}`);
    }
    this.divisorOverride = o.divisorOverride;
  }

  /** The window of output (oy, ox): rows y0..y1−1, columns x0..x1−1 of the input, and its divisor (PyTorch's avg_pool2d). */
  private window(oy: number, ox: number, h: number, w: number): [number, number, number, number, number] {
    let y0 = oy * this.strideH - this.padH, x0 = ox * this.strideW - this.padW;
    let y1 = Math.min(y0 + this.kernelH, h + this.padH), x1 = Math.min(x0 + this.kernelW, w + this.padW);
    const poolSize = (y1 - y0) * (x1 - x0);
    y0 = Math.max(y0, 0); x0 = Math.max(x0, 0); y1 = Math.min(y1, h); x1 = Math.min(x1, w);
    const divisor = this.divisorOverride ?? (this.countIncludePad ? poolSize : (y1 - y0) * (x1 - x0));
    return [y0, y1, x0, x1, divisor];
  }

  forwardNHWC(x: Float64Array, n: number, c: number, h: number, w: number): Float64Array {
    this.check(x, n, c, h, w);
    const [ho, wo] = this.outputSize(h, w);
    const y = new Float64Array(n * ho * wo * c);
    const sum = new Float64Array(c);
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          const [y0, y1, x0, x1, divisor] = this.window(oy, ox, h, w);
          sum.fill(0);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const at = ((b * h + iy) * w + ix) * c;
              for (let ch = 0; ch < c; ch++) sum[ch] += x[at + ch];
            }
          }
          const out = ((b * ho + oy) * wo + ox) * c;
          for (let ch = 0; ch < c; ch++) y[out + ch] = sum[ch] / divisor;
        }
      }
    }
    return y;
  }

  /** The adjoint (the map is linear): each output spreads y/divisor over its window. */
  adjointNHWC(y: Float64Array, n: number, c: number, h: number, w: number): Float64Array {
    const [ho, wo] = this.outputSize(h, w);
    this.check(y, n, c, ho, wo);
    const x = new Float64Array(n * h * w * c);
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          const [y0, y1, x0, x1, divisor] = this.window(oy, ox, h, w);
          const src = ((b * ho + oy) * wo + ox) * c;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const at = ((b * h + iy) * w + ix) * c;
              for (let ch = 0; ch < c; ch++) x[at + ch] += y[src + ch] / divisor;
            }
          }
        }
      }
    }
    return x;
  }

  forward(x: Float64Array, n: number, c: number, h: number, w: number): Float64Array {
    this.check(x, n, c, h, w);
    const [ho, wo] = this.outputSize(h, w);
    return nhwcToNchw(this.forwardNHWC(nchwToNhwc(x, n, c, h, w), n, c, h, w), n, c, ho, wo);
  }
}

/**
 * PyTorch's AdaptiveAvgPool2d((oh, ow)): output (i, j) averages rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉ − 1 and the
 * columns alike. (1, 1) is the global average pool of ResNets (ONNX GlobalAveragePool).
 */
export class AdaptiveAvgPool2d {
  readonly outH: number;
  readonly outW: number;
  readonly name: string;

  constructor(outputSize: Pair, name = 'adaptiveavgpool2d') {
    this.name = name;
    [this.outH, this.outW] = pair(outputSize, [1, 1], 'outputSize', 1, name);
  }

  outputSize(): [number, number] {
    return [this.outH, this.outW];
  }

  forwardNHWC(x: Float64Array, n: number, c: number, h: number, w: number): Float64Array {
    if (x.length !== n * c * h * w) throw new RangeError(`${this.name}: takes ${n}×${c}×${h}×${w} = ${n * c * h * w} numbers, got ${x.length}`);
    const { outH: ho, outW: wo } = this;
    const y = new Float64Array(n * ho * wo * c);
    const sum = new Float64Array(c);
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < ho; oy++) {
        const y0 = Math.floor((oy * h) / ho), y1 = Math.ceil(((oy + 1) * h) / ho);
        for (let ox = 0; ox < wo; ox++) {
          const x0 = Math.floor((ox * w) / wo), x1 = Math.ceil(((ox + 1) * w) / wo);
          sum.fill(0);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const at = ((b * h + iy) * w + ix) * c;
              for (let ch = 0; ch < c; ch++) sum[ch] += x[at + ch];
            }
          }
          const out = ((b * ho + oy) * wo + ox) * c, count = (y1 - y0) * (x1 - x0);
          for (let ch = 0; ch < c; ch++) y[out + ch] = sum[ch] / count;
        }
      }
    }
    return y;
  }

  adjointNHWC(y: Float64Array, n: number, c: number, h: number, w: number): Float64Array {
    const { outH: ho, outW: wo } = this;
    if (y.length !== n * c * ho * wo) throw new RangeError(`${this.name}: adjoint takes ${n}×${c}×${ho}×${wo} numbers, got ${y.length}`);
    const x = new Float64Array(n * h * w * c);
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < ho; oy++) {
        const y0 = Math.floor((oy * h) / ho), y1 = Math.ceil(((oy + 1) * h) / ho);
        for (let ox = 0; ox < wo; ox++) {
          const x0 = Math.floor((ox * w) / wo), x1 = Math.ceil(((ox + 1) * w) / wo);
          const src = ((b * ho + oy) * wo + ox) * c, count = (y1 - y0) * (x1 - x0);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const at = ((b * h + iy) * w + ix) * c;
              for (let ch = 0; ch < c; ch++) x[at + ch] += y[src + ch] / count;
            }
          }
        }
      }
    }
    return x;
  }

  forward(x: Float64Array, n: number, c: number, h: number, w: number): Float64Array {
    return nhwcToNchw(this.forwardNHWC(nchwToNhwc(x, n, c, h, w), n, c, h, w), n, c, this.outH, this.outW);
  }
}
