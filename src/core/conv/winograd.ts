/**
 * 3×3 stride-1 convolutions by Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms
 * for Convolutional Neural Networks", CVPR 2016): each 4×4 block of outputs is
 *
 *   Y = Aᵀ [ U ⊙ V ] A,   U = G g Gᵀ (per output/input channel pair),   V = Bᵀ d B (per 6×6 input tile),
 *
 * so the products Σ_c U[ξ][o][c] V[ξ][tile][c] for the 36 positions ξ of the 6×6 transform domain are
 * 36 matrix products (the SIMD GEMM of src/core/kernels, tiles × C_in times C_in × C_out) with 36
 * multiplications per 16 outputs instead of 144 — a quarter of im2col's. The transforms run in
 * JavaScript over all channels of a tile at once (channels-last). In float64 the result differs from
 * the direct sum by rounding only (the transform matrices are exact in binary except G's sixths and
 * twenty-fourths): about 1e-15 relative, far below what any analysis resolves.
 *
 * Used for 3×3, stride 1, dilation 1, one group, padding of zeros (any width) or circular, when the
 * 36 transformed kernels fit (C_in·C_out ≤ 65 536: 19 MB); conv2d.ts falls back to im2col otherwise.
 * For many products with one conv (an operator's power iteration or Lanczos, Conv2d.products) the
 * transform is made once and kept in the kernels' memory, so wider layers (C_in·C_out ≤ 262 144:
 * 75 MB, ResNet-18's 512-channel convs) and fewer tiles pay too.
 */
import { WasmKernels, type KeptSource } from '../kernels/wasm';

/** Bytes of transformed inputs and products per chunk of tiles. */
const CHUNK_BYTES = 16 * 1024 * 1024;
export const WINOGRAD_MAX_CHANNEL_PRODUCT = 65536;
/** The same for many products with one conv (Conv2d.products). */
export const WINOGRAD_REPEATED_MAX_CHANNEL_PRODUCT = 262144;

export interface WinogradGeometry {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly pad: readonly [number, number];
  readonly circular: boolean;
}

/**
 * The 36 transformed kernels U_ξ = (G g Gᵀ)_ξ, [36][C_out][C_in] packed for the GEMM. Made on demand:
 * straight into the kernels' memory (`fill`, as a KeptSource of WasmKernels.arraysKeeping), or into
 * `panels` for the scalar path. Transforming 512 × 512 kernels takes ~20 ms; a fresh 75 MB array to
 * hold them took 300–800 ms of first-touch page faults on the benchmark machine, so none is made
 * where the kernels run.
 */
export class WinogradKernel implements KeptSource {
  readonly cin: number;
  readonly cout: number;
  /** per ξ, U_ξ in the GEMM's 4-row panels, consecutive: U_ξ[o][c] at ξ·panelStride + ⌊o/4⌋·4·C_in + 4c + o mod 4 */
  readonly panelStride: number;
  readonly length: number;
  private made: Float64Array | undefined;

  /**
   * weight [C_out][C_in][3][3] (PyTorch's layout); `flipped`: the kernel is that of the conv whose
   * forward pass is the adjoint of `weight`'s, which is [C_in][C_out][3][3] with the taps reversed —
   * then `weight` is the original [C_in'][C_out'][3][3] = [cin][cout][3][3] of this kernel's channels,
   * read in place (no flipped copy).
   */
  constructor(private readonly weight: Float64Array, cout: number, cin: number, private readonly flipped = false) {
    this.cin = cin;
    this.cout = cout;
    this.panelStride = Math.ceil(cout / 4) * 4 * cin;
    this.length = 36 * this.panelStride;
  }

  /** The panels as a JavaScript array (the scalar path; made once). */
  get panels(): Float64Array {
    if (!this.made) {
      this.made = new Float64Array(this.length);
      this.fill(this.made);
    }
    return this.made;
  }

  /** Writes the panels (all `length` numbers, zero rows past C_out) into `panels`. */
  fill(panels: Float64Array): void {
    const { cin, cout, weight, flipped } = this;
    const mp = Math.ceil(cout / 4) * 4;
    const gg = new Float64Array(18), t = new Float64Array(36), tap = new Float64Array(9);
    const stride = this.panelStride;
    // a panel of 4 output channels and BLOCK input channels at a time into `block` [36][4·BLOCK], then
    // copied out ξ by ξ in runs of 4·BLOCK contiguous numbers (writing each number straight to its ξ,
    // 36 places far apart, ran at ~8 ns a number: 70 ms for 512 × 512)
    const BLOCK = 64;
    const block = new Float64Array(36 * 4 * BLOCK);
    for (let o0 = 0; o0 < mp; o0 += 4) {
      const base = o0 * cin;
      for (let c0 = 0; c0 < cin; c0 += BLOCK) {
        const c1 = Math.min(cin, c0 + BLOCK), run = 4 * (c1 - c0);
        for (let c = c0; c < c1; c++) for (let q = 0; q < 4; q++) {
          const o = o0 + q, at = 4 * (c - c0) + q;
          if (o >= cout) {
            for (let xi = 0; xi < 36; xi++) block[xi * run + at] = 0;
            continue;
          }
          if (flipped) {
            const g = (c * cout + o) * 9;
            for (let k = 0; k < 9; k++) tap[k] = weight[g + 8 - k];
          } else {
            const g = (o * cin + c) * 9;
            for (let k = 0; k < 9; k++) tap[k] = weight[g + k];
          }
          // G g: 6×3, rows of G = [1/4, 0, 0], [−1/6, −1/6, −1/6], [−1/6, 1/6, −1/6], [1/24, 1/12, 1/6], [1/24, −1/12, 1/6], [0, 0, 1]
          for (let j = 0; j < 3; j++) {
            const g0 = tap[j], g1 = tap[3 + j], g2 = tap[6 + j];
            gg[j] = g0 / 4;
            gg[3 + j] = -(g0 + g1 + g2) / 6;
            gg[6 + j] = -(g0 - g1 + g2) / 6;
            gg[9 + j] = g0 / 24 + g1 / 12 + g2 / 6;
            gg[12 + j] = g0 / 24 - g1 / 12 + g2 / 6;
            gg[15 + j] = g2;
          }
          // (G g) Gᵀ: 6×6
          for (let i = 0; i < 6; i++) {
            const a0 = gg[i * 3], a1 = gg[i * 3 + 1], a2 = gg[i * 3 + 2];
            t[i * 6] = a0 / 4;
            t[i * 6 + 1] = -(a0 + a1 + a2) / 6;
            t[i * 6 + 2] = -(a0 - a1 + a2) / 6;
            t[i * 6 + 3] = a0 / 24 + a1 / 12 + a2 / 6;
            t[i * 6 + 4] = a0 / 24 - a1 / 12 + a2 / 6;
            t[i * 6 + 5] = a2;
          }
          for (let xi = 0; xi < 36; xi++) block[xi * run + at] = t[xi];
        }
        const at = base + 4 * c0;
        for (let xi = 0; xi < 36; xi++) panels.set(block.subarray(xi * run, (xi + 1) * run), xi * stride + at);
      }
    }
  }
}

/**
 * y = conv(x) (+ bias) for channels-last x [n][h][w][C_in] into y [n][ho][wo][C_out], ho = h + 2p_h − 2.
 */
export function winogradConv(kernel: WinogradKernel, geometry: WinogradGeometry, bias: Float64Array | undefined,
  x: Float64Array, n: number, h: number, w: number, y: Float64Array): void {
  const { cin, cout } = kernel;
  const [ph, pw] = geometry.pad;
  const ho = h + 2 * ph - 2, wo = w + 2 * pw - 2;
  const tilesY = Math.ceil(ho / 4), tilesX = Math.ceil(wo / 4), perImage = tilesY * tilesX, tiles = n * perImage;
  const chunk = Math.max(4, Math.min(Math.ceil(tiles / 4) * 4, Math.floor(CHUNK_BYTES / (36 * 8 * (cin + cout)) / 4) * 4));
  const d = new Float64Array(36 * cin), t = new Float64Array(36 * cin), r = new Float64Array(24 * cout);
  const offsets = new Int32Array(36);
  const mp = Math.ceil(cout / 4) * 4;

  const kernels = WasmKernels.acquire();
  try {
    // the transformed kernels stay in the kernels' memory from call to call (a power iteration's W and Wᵀ)
    const views = kernels?.arraysKeeping([kernel], [mp, 36 * chunk * cin, 36 * chunk * cout]);
    let V: Float64Array, M: Float64Array, panels: Float64Array | undefined, zero: Float64Array | undefined;
    if (kernels && views) {
      [panels, zero, V, M] = views;
      zero.fill(0);
    } else {
      V = new Float64Array(36 * chunk * cin);
      M = new Float64Array(36 * chunk * cout);
    }
    for (let t0 = 0; t0 < tiles; t0 += chunk) {
      const count = Math.min(chunk, tiles - t0), padded = Math.ceil(count / 4) * 4;
      // input transform: V[ξ][tile][c] = (Bᵀ d B)_ξ, reading interior tiles straight from x
      for (let k = 0; k < count; k++) {
        const tile = t0 + k, b = Math.floor(tile / perImage), rem = tile - b * perImage;
        const ty = Math.floor(rem / tilesX), tx = rem - ty * tilesX;
        const y0 = 4 * ty - ph, x0 = 4 * tx - pw;
        let src: Float64Array;
        if (y0 >= 0 && x0 >= 0 && y0 + 6 <= h && x0 + 6 <= w) {
          src = x;
          for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) offsets[i * 6 + j] = ((b * h + y0 + i) * w + x0 + j) * cin;
        } else {
          src = d;
          gatherTile(x, b, h, w, cin, y0, x0, geometry.circular, d);
          for (let e = 0; e < 36; e++) offsets[e] = e * cin;
        }
        inputTransform(src, offsets, t, cin, V, k * cin, chunk * cin);
      }
      if (padded > count) for (let xi = 0; xi < 36; xi++) V.fill(0, (xi * chunk + count) * cin, (xi * chunk + padded) * cin);
      // 36 GEMMs: M_ξ[tile][o] = Σ_c U_ξ[o][c] V_ξ[tile][c]
      for (let xi = 0; xi < 36; xi++) {
        const Vx = V.subarray(xi * chunk * cin, (xi * chunk + padded) * cin), Mx = M.subarray(xi * chunk * cout, (xi * chunk + padded) * cout);
        if (kernels && panels && zero) kernels.dense(panels.subarray(xi * kernel.panelStride, (xi + 1) * kernel.panelStride), zero, cout, cin, Vx, padded, Mx);
        else scalarGemm(kernel.panels.subarray(xi * kernel.panelStride, (xi + 1) * kernel.panelStride), cout, cin, Vx, count, Mx);
      }
      // output transform: Y = Aᵀ M A (+ bias), written where inside ho × wo
      for (let k = 0; k < count; k++) {
        const tile = t0 + k, b = Math.floor(tile / perImage), rem = tile - b * perImage;
        const ty = Math.floor(rem / tilesX), tx = rem - ty * tilesX;
        outputTransform(M, k * cout, chunk * cout, r, cout, y, b, ho, wo, 4 * ty, 4 * tx, bias);
      }
    }
  } finally {
    kernels?.release();
  }
}

/** The 6×6×C input patch at (y0, x0) (may reach outside: zeros, or wrapped when circular) into d [36][C]. */
function gatherTile(x: Float64Array, b: number, h: number, w: number, c: number, y0: number, x0: number, circular: boolean, d: Float64Array): void {
  for (let i = 0; i < 6; i++) {
    let iy = y0 + i;
    const rowOut = iy < 0 || iy >= h;
    if (rowOut && circular) iy = ((iy % h) + h) % h;
    for (let j = 0; j < 6; j++) {
      const at = (i * 6 + j) * c;
      let ix = x0 + j;
      const colOut = ix < 0 || ix >= w;
      if ((rowOut || colOut) && !circular) { d.fill(0, at, at + c); continue; }
      if (colOut) ix = ((ix % w) + w) % w;
      const src = ((b * h + iy) * w + ix) * c;
      for (let k = 0; k < c; k++) d[at + k] = x[src + k];
    }
  }
}

/**
 * V[ξ·stride + base + channel] = (Bᵀ d B)_ξ for the tile whose pixel (i, j) starts at src[off[6i + j]];
 * t is scratch [36][C]. Bᵀ rows:
 * [4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0], [0, −2, −1, 2, 1, 0], [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1].
 */
function inputTransform(src: Float64Array, off: Int32Array, t: Float64Array, c: number, V: Float64Array, base: number, stride: number): void {
  // columns: t[i][j] = Σ_k Bᵀ[i][k] d[k][j]
  for (let j = 0; j < 6; j++) {
    const s0 = off[j], s1 = off[6 + j], s2 = off[12 + j], s3 = off[18 + j], s4 = off[24 + j], s5 = off[30 + j];
    const o0 = j * c, o1 = (6 + j) * c, o2 = (12 + j) * c, o3 = (18 + j) * c, o4 = (24 + j) * c, o5 = (30 + j) * c;
    for (let k = 0; k < c; k++) {
      const d0 = src[s0 + k], d1 = src[s1 + k], d2 = src[s2 + k], d3 = src[s3 + k], d4 = src[s4 + k], d5 = src[s5 + k];
      t[o0 + k] = 4 * d0 - 5 * d2 + d4;
      t[o1 + k] = -4 * (d1 + d2) + d3 + d4;
      t[o2 + k] = 4 * (d1 - d2) - d3 + d4;
      t[o3 + k] = -2 * (d1 - d3) - d2 + d4;
      t[o4 + k] = 2 * (d1 - d3) - d2 + d4;
      t[o5 + k] = 4 * d1 - 5 * d3 + d5;
    }
  }
  // rows: V_ξ with ξ = 6i + j, = Σ_k t[i][k] Bᵀ[j][k]
  for (let i = 0; i < 6; i++) {
    const q = i * 6 * c;
    const v0 = (6 * i) * stride + base, v1 = v0 + stride, v2 = v1 + stride, v3 = v2 + stride, v4 = v3 + stride, v5 = v4 + stride;
    for (let k = 0; k < c; k++) {
      const d0 = t[q + k], d1 = t[q + c + k], d2 = t[q + 2 * c + k], d3 = t[q + 3 * c + k], d4 = t[q + 4 * c + k], d5 = t[q + 5 * c + k];
      V[v0 + k] = 4 * d0 - 5 * d2 + d4;
      V[v1 + k] = -4 * (d1 + d2) + d3 + d4;
      V[v2 + k] = 4 * (d1 - d2) - d3 + d4;
      V[v3 + k] = -2 * (d1 - d3) - d2 + d4;
      V[v4 + k] = 2 * (d1 - d3) - d2 + d4;
      V[v5 + k] = 4 * d1 - 5 * d3 + d5;
    }
  }
}

/**
 * Aᵀ m A (+ bias) for one tile, m_ξ[o] = M[ξ·stride + base + o], into y at rows y0.., columns x0..
 * inside ho × wo; r is scratch [4][6][C]. Aᵀ rows: [1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0], [0, 1, −1, 8, −8, 1].
 */
function outputTransform(M: Float64Array, base: number, stride: number, r: Float64Array, c: number, y: Float64Array, b: number, ho: number, wo: number, y0: number, x0: number, bias: Float64Array | undefined): void {
  // columns: r[i][j] (4×6) = Σ_k Aᵀ[i][k] m[k][j], m[k][j] = m_{6k+j}
  for (let j = 0; j < 6; j++) {
    const m0 = j * stride + base, m1 = (6 + j) * stride + base, m2 = (12 + j) * stride + base;
    const m3 = (18 + j) * stride + base, m4 = (24 + j) * stride + base, m5 = (30 + j) * stride + base;
    const r0 = j * c, r1 = (6 + j) * c, r2 = (12 + j) * c, r3 = (18 + j) * c;
    for (let k = 0; k < c; k++) {
      const a1 = M[m1 + k] + M[m2 + k], s1 = M[m1 + k] - M[m2 + k];
      const a3 = M[m3 + k] + M[m4 + k], s3 = M[m3 + k] - M[m4 + k];
      r[r0 + k] = M[m0 + k] + a1 + a3;
      r[r1 + k] = s1 + 2 * s3;
      r[r2 + k] = a1 + 4 * a3;
      r[r3 + k] = s1 + 8 * s3 + M[m5 + k];
    }
  }
  // rows: Y[i][j] (4×4) = Σ_k r[i][k] A[k][j]
  for (let i = 0; i < 4; i++) {
    const oy = y0 + i;
    if (oy >= ho) break;
    const q = i * 6 * c;
    const row = (b * ho + oy) * wo;
    const full = x0 + 4 <= wo;
    if (full) {
      const d0 = (row + x0) * c, d1 = d0 + c, d2 = d1 + c, d3 = d2 + c;
      for (let k = 0; k < c; k++) {
        const v0 = r[q + k], v1 = r[q + c + k], v2 = r[q + 2 * c + k], v3 = r[q + 3 * c + k], v4 = r[q + 4 * c + k], v5 = r[q + 5 * c + k];
        const a = v1 + v2, s = v1 - v2, a2 = v3 + v4, s2 = v3 - v4;
        const bk = bias ? bias[k] : 0;
        y[d0 + k] = v0 + a + a2 + bk;
        y[d1 + k] = s + 2 * s2 + bk;
        y[d2 + k] = a + 4 * a2 + bk;
        y[d3 + k] = s + 8 * s2 + v5 + bk;
      }
      continue;
    }
    for (let j = 0; j < 4 && x0 + j < wo; j++) {
      const dst = (row + x0 + j) * c;
      for (let k = 0; k < c; k++) {
        const v0 = r[q + k], v1 = r[q + c + k], v2 = r[q + 2 * c + k], v3 = r[q + 3 * c + k], v4 = r[q + 4 * c + k], v5 = r[q + 5 * c + k];
        const a = v1 + v2, s = v1 - v2, a2 = v3 + v4, s2 = v3 - v4;
        const v = j === 0 ? v0 + a + a2 : j === 1 ? s + 2 * s2 : j === 2 ? a + 4 * a2 : s + 8 * s2 + v5;
        y[dst + k] = v + (bias ? bias[k] : 0);
      }
    }
  }
}

/** M[r][i] = Σ_j U[i][j] V[r][j], the kernel's order (j ascending from 0); U in 4-row panels. */
function scalarGemm(panels: Float64Array, m: number, n: number, V: Float64Array, rows: number, M: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      const at = (i >>> 2) * 4 * n + (i & 3);
      for (let j = 0; j < n; j++) s += panels[at + 4 * j] * V[r * n + j];
      M[r * m + i] = s;
    }
  }
}
