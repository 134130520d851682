/**
 * 2-D convolution as PyTorch's `nn.Conv2d` defines it (cross-correlation; kernel [out][in/groups][kh][kw];
 * stride, padding, dilation, groups, bias; padding mode "zeros" or "circular"), its adjoint (what
 * `conv_transpose2d` computes, needed for Wᵀ), in float64.
 *
 * How it runs: activations are kept channels-last ([N][H][W][C], "NHWC") inside the core, so the
 * patch of one output position is kh·kw contiguous runs of C numbers (im2col is a few copies) and
 * the GEMM writes the next layer's input directly. The patches of a chunk of output positions form a
 * matrix X [rows][kh·kw·C/groups]; the SIMD GEMM of src/core/kernels (`WasmKernels.dense`) computes
 * Y = X Wᵀ + b for all output channels at once. The adjoint runs the same GEMM with Wᵀ and scatters
 * the columns back (col2im). The public `forward`/`adjoint` take PyTorch's NCHW order and transpose
 * at the ends. Where WebAssembly SIMD is unavailable a scalar loop computes the same numbers (same
 * order of additions, bias first), bit for bit.
 */
import { WasmKernels, packPanels } from '../kernels/wasm';
import { WINOGRAD_MAX_CHANNEL_PRODUCT, WINOGRAD_REPEATED_MAX_CHANNEL_PRODUCT, WinogradKernel, winogradConv } from './winograd';

export type ConvAlgorithm = 'auto' | 'im2col';
/**
 * Winograd runs when a call has at least this many 4×4 output tiles: below it the 36 small GEMMs
 * cost more than im2col's one (measured: ResNet-18's 512-channel 7×7 layers, 4 tiles, 2× slower).
 */
const WINOGRAD_MIN_TILES = 16;
/**
 * The same for many products with one conv (Conv2d.products), where the transformed kernels are made
 * once and stay in the kernels' memory (measured: ResNet-18's 512-channel 7×7 layers, 4 tiles, 2×
 * faster than im2col over a power iteration).
 */
const WINOGRAD_REPEATED_MIN_TILES = 4;
const winogradTiles = (n: number, ho: number, wo: number): number => n * Math.ceil(ho / 4) * Math.ceil(wo / 4);
let algorithm: ConvAlgorithm = 'auto';
/**
 * Tests and benchmarks: 'im2col' turns Winograd off (every conv takes im2col + GEMM). 'auto' (the
 * default) runs 3×3 stride-1 convs with enough output by Winograd F(4×4, 3×3) (winograd.ts), the
 * rest by im2col; the adjoint of a 3×3 stride-1 conv is the flipped conv (either way).
 */
export function setConvAlgorithm(a: ConvAlgorithm): void {
  algorithm = a;
}

export type PaddingMode = 'zeros' | 'circular';

/** W x and Wᵀ y (no bias) of one conv on one channels-last input size, for many products: Conv2d.products. */
export interface ConvProducts {
  /** x [h][w][in] → [ho][wo][out] */
  forward(x: Float64Array, out?: Float64Array): Float64Array;
  /** y [ho][wo][out] → [h][w][in] */
  adjoint(y: Float64Array, out?: Float64Array): Float64Array;
}

/** What a Conv2d is made from; pairs may be given as one number (as in PyTorch). */
export interface Conv2dOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number | readonly [number, number];
  readonly stride?: number | readonly [number, number];
  readonly padding?: number | readonly [number, number];
  readonly dilation?: number | readonly [number, number];
  readonly groups?: number;
  readonly paddingMode?: PaddingMode;
  /** [outChannels][inChannels/groups][kh][kw], row-major (PyTorch's `weight`) */
  readonly weight: ArrayLike<number>;
  /** [outChannels], or absent for no bias */
  readonly bias?: ArrayLike<number> | null;
  /** where the layer came from (a module path such as "layer1.0.conv1"), for messages */
  readonly name?: string;
}

/** A validated convolution. Immutable; packed GEMM weights are cached on first use. */
export class Conv2d {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  readonly weight: Float64Array;
  readonly bias: Float64Array | undefined;
  readonly name: string;
  private packed: PackedGemm[] | undefined;
  private packedT: PackedGemm[] | undefined;
  private winograd: WinogradKernel | undefined;
  private adjointConv: Conv2d | undefined;

  constructor(o: Conv2dOptions) {
    const name = o.name ?? 'conv2d';
    this.name = name;
    const int = (v: number, what: string, min: number): number => {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`${name}: ${what} must be an integer ≥ ${min}, got ${v}`);
      return v;
    };
    const pair = (v: number | readonly [number, number] | undefined, dflt: number, what: string, min: number): [number, number] => {
      if (v === undefined) return [dflt, dflt];
      if (typeof v === 'number') return [int(v, what, min), int(v, what, min)];
      if (v.length !== 2) throw new RangeError(`${name}: ${what} must be a number or a pair, got ${v.length} numbers`);
      return [int(v[0], `${what}[0]`, min), int(v[1], `${what}[1]`, min)];
    };
    this.inChannels = int(o.inChannels, 'inChannels', 1);
    this.outChannels = int(o.outChannels, 'outChannels', 1);
    [this.kernelH, this.kernelW] = pair(o.kernelSize, 1, 'kernelSize', 1);
    [this.strideH, this.strideW] = pair(o.stride, 1, 'stride', 1);
    [this.padH, this.padW] = pair(o.padding, 0, 'padding', 0);
    [this.dilationH, this.dilationW] = pair(o.dilation, 1, 'dilation', 1);
    this.groups = int(o.groups ?? 1, 'groups', 1);
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new RangeError(`${name}: groups = ${this.groups} must divide inChannels = ${this.inChannels} and outChannels = ${this.outChannels}`);
    }
    const mode = o.paddingMode ?? 'zeros';
    if (mode !== 'zeros' && mode !== 'circular') throw new RangeError(`${name}: padding mode "${String(mode)}" is not supported (zeros or circular)`);
    this.paddingMode = mode;
    const expected = this.outChannels * (this.inChannels / this.groups) * this.kernelH * this.kernelW;
    if (o.weight.length !== expected) {
      throw new RangeError(`${name}: weight has ${o.weight.length} numbers, expected ${this.outChannels}×${this.inChannels / this.groups}×${this.kernelH}×${this.kernelW} = ${expected}`);
    }
    this.weight = Float64Array.from(o.weight);
    if (o.bias != null) {
      if (o.bias.length !== this.outChannels) throw new RangeError(`${name}: bias has ${o.bias.length} numbers, expected ${this.outChannels}`);
      this.bias = Float64Array.from(o.bias);
    }
  }

  /** Output height and width on an H×W input (PyTorch's formula); throws when the input is too small. */
  outputSize(h: number, w: number): [number, number] {
    const ho = Math.floor((h + 2 * this.padH - this.dilationH * (this.kernelH - 1) - 1) / this.strideH) + 1;
    const wo = Math.floor((w + 2 * this.padW - this.dilationW * (this.kernelW - 1) - 1) / this.strideW) + 1;
    if (ho < 1 || wo < 1) {
      throw new RangeError(`${this.name}: a ${h}×${w} input is smaller than the ${this.kernelH}×${this.kernelW} kernel (dilation ${this.dilationH}×${this.dilationW}, padding ${this.padH}×${this.padW})`);
    }
    if (this.paddingMode === 'circular' && (this.padH > h || this.padW > w)) {
      throw new RangeError(`${this.name}: circular padding ${this.padH}×${this.padW} is larger than the ${h}×${w} input`);
    }
    return [ho, wo];
  }

  /** Multiply-adds of one forward pass on one H×W image. */
  multiplyAdds(h: number, w: number): number {
    const [ho, wo] = this.outputSize(h, w);
    return ho * wo * this.outChannels * (this.inChannels / this.groups) * this.kernelH * this.kernelW;
  }

  get parameterCount(): number {
    return this.weight.length + (this.bias?.length ?? 0);
  }

  /** y = conv(x) + b on a batch in PyTorch's NCHW layout ([n][inChannels][h][w]); returns [n][out][ho][wo]. */
  forward(x: Float64Array, n: number, h: number, w: number): Float64Array {
    this.checkInput(x, n, this.inChannels, h, w, 'forward');
    const [ho, wo] = this.outputSize(h, w);
    const y = this.forwardNHWC(nchwToNhwc(x, n, this.inChannels, h, w), n, h, w);
    return nhwcToNchw(y, n, this.outChannels, ho, wo);
  }

  /**
   * The adjoint of the linear part (no bias) on NCHW: x = Wᵀ y for y of shape [n][out][ho][wo], where
   * (ho, wo) = outputSize(h, w); returns [n][in][h][w]. This is PyTorch's conv_transpose2d with the
   * output_padding that restores h × w (and, for circular padding, the adjoint of the wrap-around).
   */
  adjoint(y: Float64Array, n: number, h: number, w: number): Float64Array {
    const [ho, wo] = this.outputSize(h, w);
    this.checkInput(y, n, this.outChannels, ho, wo, 'adjoint');
    const x = this.adjointNHWC(nchwToNhwc(y, n, this.outChannels, ho, wo), n, h, w);
    return nhwcToNchw(x, n, this.inChannels, h, w);
  }

  /** forward on channels-last data: x is [n][h][w][in], the result [n][ho][wo][out]. */
  forwardNHWC(x: Float64Array, n: number, h: number, w: number, out?: Float64Array, withBias = true): Float64Array {
    this.checkInput(x, n, this.inChannels, h, w, 'forward');
    const [ho, wo] = this.outputSize(h, w);
    const y = out ?? new Float64Array(n * ho * wo * this.outChannels);
    if (this.winogradShape() && winogradTiles(n, ho, wo) >= WINOGRAD_MIN_TILES) {
      this.winograd ??= new WinogradKernel(this.weight, this.outChannels, this.inChannels);
      winogradConv(this.winograd, { inChannels: this.inChannels, outChannels: this.outChannels, pad: [this.padH, this.padW], circular: this.paddingMode === 'circular' },
        withBias ? this.bias : undefined, x, n, h, w, y);
      return y;
    }
    const packed = (this.packed ??= this.pack(false));
    const rows = n * ho * wo;
    const cin = this.inChannels, cout = this.outChannels, cinG = cin / this.groups, coutG = cout / this.groups;
    const depth = this.kernelH * this.kernelW * cinG;
    const direct = this.kernelH === 1 && this.kernelW === 1 && this.strideH === 1 && this.strideW === 1 && this.padH === 0 && this.padW === 0 && this.groups === 1;
    runGemm(packed, rows, depth, coutG, withBias, (g, r0, count, X) => {
      if (direct) X.set(x.subarray(r0 * cin, (r0 + count) * cin));
      else this.im2col(x, h, w, ho, wo, g, r0, count, X);
    }, (g, r0, count, Y) => {
      if (this.groups === 1) { y.set(Y.subarray(0, count * cout), r0 * cout); return; }
      for (let r = 0; r < count; r++) {
        const src = r * coutG, dst = (r0 + r) * cout + g * coutG;
        for (let i = 0; i < coutG; i++) y[dst + i] = Y[src + i];
      }
    });
    return y;
  }

  /** adjoint on channels-last data: y is [n][ho][wo][out], the result [n][h][w][in]. */
  adjointNHWC(y: Float64Array, n: number, h: number, w: number, out?: Float64Array): Float64Array {
    const [ho, wo] = this.outputSize(h, w);
    this.checkInput(y, n, this.outChannels, ho, wo, 'adjoint');
    if (this.adjointIsConv()) {
      this.adjointConv ??= this.flipped();
      return this.adjointConv.forwardNHWC(y, n, ho, wo, out, false);
    }
    const x = out ?? new Float64Array(n * h * w * this.inChannels);
    x.fill(0);
    const packedT = (this.packedT ??= this.pack(true));
    const rows = n * ho * wo;
    const cout = this.outChannels, coutG = cout / this.groups, cinG = this.inChannels / this.groups;
    const depth = this.kernelH * this.kernelW * cinG;
    runGemm(packedT, rows, coutG, depth, false, (g, r0, count, X) => {
      if (this.groups === 1) { X.set(y.subarray(r0 * cout, (r0 + count) * cout)); return; }
      for (let r = 0; r < count; r++) {
        const src = (r0 + r) * cout + g * coutG, dst = r * coutG;
        for (let i = 0; i < coutG; i++) X[dst + i] = y[src + i];
      }
    }, (g, r0, count, cols) => this.col2im(cols, x, h, w, ho, wo, g, r0, count));
    return x;
  }

  /**
   * W x and Wᵀ y on one h×w image (channels-last, no bias), for many products with this conv (an
   * operator's power iteration or Lanczos). Where one call would take im2col because Winograd's
   * transform does not pay once — fewer than 16 tiles, or C_in·C_out over 65 536 — but pays over many
   * (at least 4 tiles, C_in·C_out ≤ 262 144), they run Winograd with the transformed kernels of W and
   * of the flipped conv that is Wᵀ, made on first use and kept as long as the returned products are
   * (36·C_in·C_out numbers each: 75 MB for 512 × 512); otherwise they are forwardNHWC and adjointNHWC.
   */
  products(h: number, w: number): ConvProducts {
    const [ho, wo] = this.outputSize(h, w);
    const plain: ConvProducts = {
      forward: (x, out) => this.forwardNHWC(x, 1, h, w, out, false),
      adjoint: (y, out) => this.adjointNHWC(y, 1, h, w, out),
    };
    const cin = this.inChannels, cout = this.outChannels;
    const alone = this.winogradShape() && winogradTiles(1, ho, wo) >= WINOGRAD_MIN_TILES;
    if (alone || !this.winogradShape(WINOGRAD_REPEATED_MAX_CHANNEL_PRODUCT) || winogradTiles(1, ho, wo) < WINOGRAD_REPEATED_MIN_TILES) return plain;
    const circular = this.paddingMode === 'circular';
    // held by this pair of products only, not by the conv: a loaded ResNet-18 kept ~600 MB of them in
    // the worker after its norms were done; made again per operator, which costs one transform per
    // power iteration or Lanczos run, next to its tens of products
    const kernels: { forward?: WinogradKernel; adjoint?: WinogradKernel } = {};
    return {
      forward: (x, out) => {
        this.checkInput(x, 1, cin, h, w, 'forward');
        const y = out ?? new Float64Array(ho * wo * cout);
        kernels.forward ??= new WinogradKernel(this.weight, cout, cin);
        winogradConv(kernels.forward, { inChannels: cin, outChannels: cout, pad: [this.padH, this.padW], circular }, undefined, x, 1, h, w, y);
        return y;
      },
      adjoint: !this.adjointIsConv(WINOGRAD_REPEATED_MAX_CHANNEL_PRODUCT) ? plain.adjoint : (y, out) => {
        this.checkInput(y, 1, cout, ho, wo, 'adjoint');
        const x = out ?? new Float64Array(h * w * cin);
        kernels.adjoint ??= new WinogradKernel(this.weight, cin, cout, true);
        winogradConv(kernels.adjoint, { inChannels: cout, outChannels: cin, pad: [2 - this.padH, 2 - this.padW], circular }, undefined, y, 1, ho, wo, x);
        return x;
      },
    };
  }

  /** Whether Winograd F(4×4, 3×3) (winograd.ts) can run this conv: 3×3, stride 1, dilation 1, one group, small enough. */
  private winogradShape(maxChannelProduct = WINOGRAD_MAX_CHANNEL_PRODUCT): boolean {
    return algorithm === 'auto' && this.kernelH === 3 && this.kernelW === 3 && this.strideH === 1 && this.strideW === 1 &&
      this.dilationH === 1 && this.dilationW === 1 && this.groups === 1 && this.inChannels * this.outChannels <= maxChannelProduct;
  }

  /**
   * Whether the adjoint is itself such a convolution: for stride 1 and zero padding p ≤ 2 it is the
   * conv with the kernel flipped and its channels swapped, padding 2 − p; for circular padding the
   * same when the conv maps the torus to itself (p = 1).
   */
  private adjointIsConv(maxChannelProduct = WINOGRAD_MAX_CHANNEL_PRODUCT): boolean {
    if (!this.winogradShape(maxChannelProduct)) return false;
    return this.paddingMode === 'zeros' ? this.padH <= 2 && this.padW <= 2 : this.padH === 1 && this.padW === 1;
  }

  private flipped(): Conv2d {
    const weight = flippedWeight(this.weight, this.outChannels, this.inChannels);
    return new Conv2d({ inChannels: this.outChannels, outChannels: this.inChannels, kernelSize: 3, padding: [2 - this.padH, 2 - this.padW], paddingMode: this.paddingMode, weight, name: `${this.name}ᵀ` });
  }

  /** Patches of output rows r0..r0+count−1 (rows run over [n][ho][wo]) of group g into X [count][kh][kw][in/groups]. */
  private im2col(x: Float64Array, h: number, w: number, ho: number, wo: number, g: number, r0: number, count: number, X: Float64Array): void {
    const cin = this.inChannels, cinG = cin / this.groups, c0 = g * cinG;
    const { kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padH: ph, padW: pw, dilationH: dh, dilationW: dw } = this;
    const circular = this.paddingMode === 'circular';
    const rowLen = kh * kw * cinG;
    let b = Math.floor(r0 / (ho * wo));
    const rem = r0 - b * ho * wo;
    let oy = Math.floor(rem / wo), ox = rem - oy * wo;
    for (let r = 0; r < count; r++) {
      let at = r * rowLen;
      const imageBase = b * h * w;
      for (let ky = 0; ky < kh; ky++) {
        let iy = oy * sh - ph + ky * dh;
        if (iy < 0 || iy >= h) {
          if (!circular) { X.fill(0, at, at + kw * cinG); at += kw * cinG; continue; }
          iy = ((iy % h) + h) % h;
        }
        const rowBase = (imageBase + iy * w) * cin + c0;
        for (let kx = 0; kx < kw; kx++) {
          let ix = ox * sw - pw + kx * dw;
          if (ix < 0 || ix >= w) {
            if (!circular) { X.fill(0, at, at + cinG); at += cinG; continue; }
            ix = ((ix % w) + w) % w;
          }
          const src = rowBase + ix * cin;
          // a view per copy costs more than a short loop
          if (cinG < 32) for (let c = 0; c < cinG; c++) X[at + c] = x[src + c];
          else X.set(x.subarray(src, src + cinG), at);
          at += cinG;
        }
      }
      if (++ox === wo) { ox = 0; if (++oy === ho) { oy = 0; b++; } }
    }
  }

  /** Adds cols [count][kh][kw][in/groups] of output rows r0.. back onto the input positions they came from. */
  private col2im(cols: Float64Array, x: Float64Array, h: number, w: number, ho: number, wo: number, g: number, r0: number, count: number): void {
    const cin = this.inChannels, cinG = cin / this.groups, c0 = g * cinG;
    const { kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padH: ph, padW: pw, dilationH: dh, dilationW: dw } = this;
    const circular = this.paddingMode === 'circular';
    const rowLen = kh * kw * cinG;
    let b = Math.floor(r0 / (ho * wo));
    const rem = r0 - b * ho * wo;
    let oy = Math.floor(rem / wo), ox = rem - oy * wo;
    for (let r = 0; r < count; r++) {
      let at = r * rowLen;
      const imageBase = b * h * w;
      for (let ky = 0; ky < kh; ky++) {
        let iy = oy * sh - ph + ky * dh;
        if (iy < 0 || iy >= h) {
          if (!circular) { at += kw * cinG; continue; }
          iy = ((iy % h) + h) % h;
        }
        const rowBase = (imageBase + iy * w) * cin + c0;
        for (let kx = 0; kx < kw; kx++) {
          let ix = ox * sw - pw + kx * dw;
          if (ix < 0 || ix >= w) {
            if (!circular) { at += cinG; continue; }
            ix = ((ix % w) + w) % w;
          }
          const dst = rowBase + ix * cin;
          for (let c = 0; c < cinG; c++) x[dst + c] += cols[at + c];
          at += cinG;
        }
      }
      if (++ox === wo) { ox = 0; if (++oy === ho) { oy = 0; b++; } }
    }
  }

  /**
   * Per group, the GEMM matrix in kernels/wasm.ts's 4-row panels: forward W_g [out/groups][kh·kw·in/groups]
   * with columns in (ky, kx, c) order; transposed (adjoint) its transpose [kh·kw·in/groups][out/groups].
   */
  private pack(transposed: boolean): PackedGemm[] {
    const cinG = this.inChannels / this.groups, coutG = this.outChannels / this.groups;
    const kk = this.kernelH * this.kernelW, depth = kk * cinG;
    const out: PackedGemm[] = [];
    for (let g = 0; g < this.groups; g++) {
      // W_g[i][(t, c)] = weight[g·coutG + i][c][t]
      const Wg = new Float64Array(coutG * depth);
      for (let i = 0; i < coutG; i++) {
        const src = (g * coutG + i) * cinG * kk;
        for (let c = 0; c < cinG; c++) for (let t = 0; t < kk; t++) Wg[i * depth + t * cinG + c] = this.weight[src + c * kk + t];
      }
      const bias = new Float64Array(transposed ? depth : coutG);
      if (!transposed && this.bias) bias.set(this.bias.subarray(g * coutG, (g + 1) * coutG));
      out.push(transposed ? packed(transposeMatrix(Wg, coutG, depth), bias, depth, coutG) : packed(Wg, bias, coutG, depth));
    }
    return out;
  }

  private checkInput(x: Float64Array, n: number, c: number, h: number, w: number, what: string): void {
    if (!Number.isInteger(n) || n < 1 || !Number.isInteger(h) || h < 1 || !Number.isInteger(w) || w < 1) {
      throw new RangeError(`${this.name}: ${what} needs a positive batch, height and width, got ${n}, ${h}, ${w}`);
    }
    if (x.length !== n * c * h * w) throw new RangeError(`${this.name}: ${what} takes ${n}×${c}×${h}×${w} = ${n * c * h * w} numbers, got ${x.length}`);
  }
}

/** The 3×3 kernel [C_out][C_in][3][3] of the conv whose forward pass is this one's adjoint: [C_in][C_out][3][3], taps reversed. */
function flippedWeight(weight: Float64Array, cout: number, cin: number): Float64Array {
  const flipped = new Float64Array(weight.length);
  for (let o = 0; o < cout; o++) {
    for (let c = 0; c < cin; c++) {
      for (let t = 0; t < 9; t++) flipped[(c * cout + o) * 9 + (8 - t)] = weight[(o * cin + c) * 9 + t];
    }
  }
  return flipped;
}

/** A GEMM operand: M ([m][n], row-major), its bias (zeros for the adjoint), and M in 4-row panels. */
interface PackedGemm {
  readonly m: number;
  readonly n: number;
  readonly matrix: Float64Array;
  readonly bias: Float64Array;
  readonly panels: Float64Array;
  readonly biasPadded: Float64Array;
}

function packed(matrix: Float64Array, bias: Float64Array, m: number, n: number): PackedGemm {
  const mp = Math.ceil(m / 4) * 4;
  const panels = new Float64Array(mp * n), biasPadded = new Float64Array(mp);
  packPanels(matrix, bias, m, n, panels, biasPadded);
  return { m, n, matrix, bias, panels, biasPadded };
}

function transposeMatrix(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

/** Bytes of GEMM input per chunk: large enough to amortise the calls, small enough to keep the wasm memory modest. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/**
 * Weight panels per GEMM call at most this many bytes: the kernel streams all panels once per block
 * of rows it keeps in cache, so a 512×4608 weight matrix (18 MB, ResNet-18's last stage) would come
 * from memory for every 4 rows; slabs of output channels that fit in L2 beside the rows come from
 * cache instead (measured: ResNet-18's 512-channel convs 2× faster).
 */
const SLAB_BYTES = 512 * 1024;

/**
 * For each group g and chunk of rows: fill(g, r0, count, X) writes X [count][n]; the GEMM computes
 * Y[r][i] = bias[i] (if withBias) + Σ_j M_g[i][j] X[r][j]; take(g, r0, count, Y) consumes Y [count][m].
 */
function runGemm(
  ops: readonly PackedGemm[], rows: number, n: number, m: number, withBias: boolean,
  fill: (g: number, r0: number, count: number, X: Float64Array) => void,
  take: (g: number, r0: number, count: number, Y: Float64Array) => void,
): void {
  const chunk = Math.max(4, Math.min(Math.ceil(rows / 4) * 4, Math.floor(CHUNK_BYTES / (8 * Math.max(n, m, 1)) / 4) * 4));
  const mp = Math.ceil(m / 4) * 4;
  const slab = Math.min(mp, Math.max(4, Math.floor(SLAB_BYTES / (8 * Math.max(n, 1)) / 4) * 4));
  const kernels = WasmKernels.acquire();
  try {
    // the packed weights stay in the kernels' memory from call to call (a power iteration's W and Wᵀ)
    const views = kernels?.arraysKeeping(ops.map((o) => o.panels), [ops[0].biasPadded.length, chunk * n, chunk * m, slab < mp ? chunk * slab : 0]);
    if (kernels && views) {
      const [bias, X, Y, Ys] = views.slice(ops.length);
      for (let g = 0; g < ops.length; g++) {
        const panels = views[g];
        if (withBias) bias.set(ops[g].biasPadded);
        else bias.fill(0);
        for (let r0 = 0; r0 < rows; r0 += chunk) {
          const count = Math.min(chunk, rows - r0);
          const padded = Math.ceil(count / 4) * 4;
          fill(g, r0, count, X);
          if (padded > count) X.fill(0, count * n, padded * n);
          if (slab >= mp) kernels.dense(panels, bias, m, n, X, padded, Y);
          else {
            for (let i0 = 0; i0 < m; i0 += slab) {
              const ms = Math.min(slab, m - i0);
              kernels.dense(panels.subarray(i0 * n, (i0 + Math.ceil(ms / 4) * 4) * n), bias.subarray(i0, i0 + Math.ceil(ms / 4) * 4), ms, n, X, padded, Ys);
              for (let r = 0; r < count; r++) {
                const src = r * ms, dst = r * m + i0;
                for (let i = 0; i < ms; i++) Y[dst + i] = Ys[src + i];
              }
            }
          }
          take(g, r0, count, Y);
        }
      }
      return;
    }
  } finally {
    kernels?.release();
  }
  // scalar path: the same sums in the same order as the kernel (bias first, then j ascending)
  const X = new Float64Array(chunk * n), Y = new Float64Array(chunk * m);
  for (let g = 0; g < ops.length; g++) {
    const M = ops[g].matrix, bias = ops[g].bias;
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const count = Math.min(chunk, rows - r0);
      fill(g, r0, count, X);
      for (let r = 0; r < count; r++) {
        const xo = r * n;
        for (let i = 0; i < m; i++) {
          let s = withBias ? bias[i] : 0;
          const mo = i * n;
          for (let j = 0; j < n; j++) s += M[mo + j] * X[xo + j];
          Y[r * m + i] = s;
        }
      }
      take(g, r0, count, Y);
    }
  }
}

/** [n][c][h][w] → [n][h][w][c] */
export function nchwToNhwc(x: Float64Array, n: number, c: number, h: number, w: number, out?: Float64Array): Float64Array {
  if (c === 1 || h * w === 1) return out ? (out.set(x), out) : x.slice();
  const y = out ?? new Float64Array(x.length);
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * c * hw;
    for (let ch = 0; ch < c; ch++) {
      const src = base + ch * hw;
      for (let p = 0; p < hw; p++) y[base + p * c + ch] = x[src + p];
    }
  }
  return y;
}

/** [n][h][w][c] → [n][c][h][w] */
export function nhwcToNchw(x: Float64Array, n: number, c: number, h: number, w: number, out?: Float64Array): Float64Array {
  if (c === 1 || h * w === 1) return out ? (out.set(x), out) : x.slice();
  const y = out ?? new Float64Array(x.length);
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * c * hw;
    for (let p = 0; p < hw; p++) {
      const src = base + p * c;
      for (let ch = 0; ch < c; ch++) y[base + ch * hw + p] = x[src + ch];
    }
  }
  return y;
}
