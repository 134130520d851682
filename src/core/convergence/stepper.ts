/**
 * One step of the forward recursion at a probe, with what the convergence analysis needs besides
 * N_k(x): the activation pattern (to count inactive neurons and to push the partial products
 * P_k = J_k W_k P_{k−1}, q_k = J_k (W_k q_{k−1} + b_k) along, MATH.md §A) — for dense layers and for
 * residual blocks (x_n = D_n[(I + A_n) x_{n−1} + c_n], MATH.md §B).
 *
 * The affine map (P, q) is carried as one augmented matrix G = [P | q] of shape width × (d + 1):
 * every step maps G ↦ mask ∘ (W G + b e_{d+1}ᵀ), so P and q never need separate code.
 *
 * Affine families W_k = a·I + s_k·M, b_k = t_k·v step without forming W_k (AffineStep): the
 * pre-activation is a·x + s_k·(M x) + t_k·v, and G moves the same way — one product with the fixed
 * M per step and nothing allocated.
 */
import { packPanels, WasmKernels } from '../kernels/wasm';
import { matMul, matVec, type DenseMatrix } from '../linalg/dense';
import type { Activation, DenseLayer, FamilyInfo, ResidualBlock } from '../network/model';

/** Pre-activations of one step at one probe (kept to push G through the same pattern). */
export interface StepPattern {
  /** dense: [pre]; residual: one per branch layer, then the outer pre-activation x + r */
  readonly pres: Float64Array[];
  readonly activations: Activation[];
}

/** y = σ(W x + b) into `out`; returns the number of inactive ReLU units (pre ≤ 0). */
export function denseForward(layer: DenseLayer, x: Float64Array, pre: Float64Array, out: Float64Array): number {
  matVec(layer.weights, x, layer.bias, pre);
  if (layer.activation !== 'relu') { out.set(pre); return 0; }
  let inactive = 0;
  for (let i = 0; i < pre.length; i++) {
    const t = pre[i];
    if (t > 0) out[i] = t; else { out[i] = 0; inactive++; }
  }
  return inactive;
}

/**
 * denseForward at `count` inputs xs[p] into outs[p] (inactive counts into inactive[p]), W read once
 * for up to four inputs: a wide layer's weights come from memory, not cache (1024² is 8 MB), so three
 * probes cost one pass instead of three. Each sum runs from b_i in order of j as in matVec: the same
 * bits as denseForward. The pre-activations are not kept.
 */
export function denseForwardMany(layer: DenseLayer, count: number, xs: readonly Float64Array[], outs: readonly Float64Array[], inactive: Int32Array): void {
  const { rows, cols, data } = layer.weights, b = layer.bias, relu = layer.activation === 'relu';
  if (rows * cols >= DENSE_SIMD_MIN_WEIGHTS && denseForwardManySimd(layer, count, xs, outs, inactive)) return;
  for (let p0 = 0; p0 < count; p0 += 4) {
    const q = Math.min(4, count - p0);
    // unused slots read the first input again: their sums are never stored
    const x0 = xs[p0], x1 = xs[p0 + (q > 1 ? 1 : 0)], x2 = xs[p0 + (q > 2 ? 2 : 0)], x3 = xs[p0 + (q > 3 ? 3 : 0)];
    const y0 = outs[p0], y1 = outs[p0 + (q > 1 ? 1 : 0)], y2 = outs[p0 + (q > 2 ? 2 : 0)], y3 = outs[p0 + (q > 3 ? 3 : 0)];
    let i0 = 0, i1 = 0, i2 = 0, i3 = 0;
    for (let i = 0; i < rows; i++) {
      let s0 = b[i], s1 = s0, s2 = s0, s3 = s0;
      const off = i * cols;
      for (let j = 0; j < cols; j++) {
        const w = data[off + j];
        s0 += w * x0[j]; s1 += w * x1[j]; s2 += w * x2[j]; s3 += w * x3[j];
      }
      if (relu) {
        if (!(s0 > 0)) { s0 = 0; i0++; }
        if (!(s1 > 0)) { s1 = 0; i1++; }
        if (!(s2 > 0)) { s2 = 0; i2++; }
        if (!(s3 > 0)) { s3 = 0; i3++; }
      }
      // slots past q alias y0: written first, so y0's own value lands last
      y3[i] = s3; y2[i] = s2; y1[i] = s1; y0[i] = s0;
    }
    inactive[p0] = i0;
    if (q > 1) inactive[p0 + 1] = i1;
    if (q > 2) inactive[p0 + 2] = i2;
    if (q > 3) inactive[p0 + 3] = i3;
  }
}

/**
 * From this many weights a layer's probes go through the SIMD kernel (copying W into its memory is
 * one pass over W, which a small layer's scalar loop does not need).
 */
const DENSE_SIMD_MIN_WEIGHTS = 64 * 64;

/**
 * denseForwardMany on the kernels: W copied into WebAssembly memory as it is (row-major), four inputs
 * at a time interleaved, `denseRows4` (each sum from b_i in order of j, no fused multiply-add: the
 * scalar loop's bits). Measured on 50 layers of 1024² with three probes: the scalar loop 340 ms, this
 * 70–80 ms. False when WebAssembly SIMD is unavailable or its memory cannot hold the layer (the caller
 * runs the loop).
 */
function denseForwardManySimd(layer: DenseLayer, count: number, xs: readonly Float64Array[], outs: readonly Float64Array[], inactive: Int32Array): boolean {
  const kernels = WasmKernels.acquire();
  if (!kernels) return false;
  try {
    const { rows: m, cols: n, data } = layer.weights;
    const views = kernels.arrays([m * n, m, 4 * n, 4 * m]);
    if (!views) return false;
    const [W, bias, X4, Y4] = views;
    W.set(data);
    bias.set(layer.bias);
    const relu = layer.activation === 'relu';
    for (let p0 = 0; p0 < count; p0 += 4) {
      const q = Math.min(4, count - p0);
      // slots past q hold zeros: computed, never read
      if (q < 4) X4.fill(0);
      for (let p = 0; p < q; p++) {
        const x = xs[p0 + p];
        for (let j = 0; j < n; j++) X4[4 * j + p] = x[j];
      }
      kernels.denseRows4(W, bias, m, n, X4, Y4);
      for (let p = 0; p < q; p++) {
        const y = outs[p0 + p];
        let off = 0;
        for (let i = 0; i < m; i++) {
          const t = Y4[4 * i + p];
          if (!relu || t > 0) y[i] = t;
          else { y[i] = 0; off++; }
        }
        inactive[p0 + p] = off;
      }
    }
    return true;
  } finally {
    kernels.release();
  }
}

/**
 * x_n = σ(x_{n−1} + branch(x_{n−1})) into `out`; returns the inactive outer units and the pattern.
 * Inner buffers are allocated per call (branch widths may change from block to block).
 */
export function residualForward(block: ResidualBlock, x: Float64Array, out: Float64Array): { inactive: number; pattern: StepPattern } {
  const pres: Float64Array[] = [];
  const activations: Activation[] = [];
  let u = x;
  for (const l of block.branch) {
    const pre = new Float64Array(l.weights.rows);
    const v = new Float64Array(l.weights.rows);
    denseForward(l, u, pre, v);
    pres.push(pre); activations.push(l.activation);
    u = v;
  }
  const outer = new Float64Array(x.length);
  let inactive = 0;
  for (let i = 0; i < x.length; i++) {
    const t = x[i] + u[i];
    outer[i] = t;
    if (block.activation !== 'relu') out[i] = t;
    else if (t > 0) out[i] = t;
    else { out[i] = 0; inactive++; }
  }
  pres.push(outer); activations.push(block.activation);
  return { inactive, pattern: { pres, activations } };
}

/**
 * The faces of a probe's activation domain met so far (MATH.md §A, stability radius): for every ReLU
 * neuron, |pre-activation| / ‖its gradient in x‖₂, the gradient being the row of W_k P_{k−1}. P is
 * carried as e^logScale·P̂, so the radius is kept as a logarithm and never over- or underflows.
 */
export interface FaceTracker {
  /** input dimension: the first d columns of G are P̂ */
  readonly d: number;
  /** ln of the scale of P̂ (P = e^logScale·P̂) before this step */
  logScale: number;
  /** ln of the smallest radius so far (+Infinity: no face yet; −Infinity: on a face) */
  minLogRadius: number;
}

/** Record the faces of one layer: row i of `rows` (first d columns) is the gradient of pre[i] in x, up to e^logScale. */
function trackFaces(rows: Float64Array, c: number, i: number, pre: number, faces: FaceTracker): void {
  let s = 0;
  const o = i * c;
  for (let j = 0; j < faces.d; j++) { const v = rows[o + j]; s += v * v; }
  if (s === 0) return; // constant on the domain: not a face
  if (!Number.isFinite(s)) { // the row overflowed its own scale: rescale before squaring
    let m = 0;
    for (let j = 0; j < faces.d; j++) m = Math.max(m, Math.abs(rows[o + j]));
    s = 0;
    for (let j = 0; j < faces.d; j++) { const v = rows[o + j] / m; s += v * v; }
    s = Math.log(m) * 2 + Math.log(s);
  } else s = Math.log(s);
  const r = Math.log(Math.abs(pre)) - 0.5 * s - faces.logScale;
  if (r < faces.minLogRadius || Number.isNaN(r)) faces.minLogRadius = r;
}

/** G ↦ mask ∘ (W G + b e_lastᵀ): the step of the augmented affine map through one dense layer. */
function pushDense(W: DenseMatrix, b: Float64Array, G: DenseMatrix, pre: Float64Array, activation: Activation, faces?: FaceTracker): DenseMatrix {
  const out = matMul(W, G);
  const c = out.cols, last = c - 1;
  if (faces && activation === 'relu') for (let i = 0; i < out.rows; i++) trackFaces(out.data, c, i, pre[i], faces);
  for (let i = 0; i < out.rows; i++) {
    if (activation === 'relu' && !(pre[i] > 0)) out.data.fill(0, i * c, (i + 1) * c);
    else out.data[i * c + last] += b[i];
  }
  return out;
}

/** Push the augmented affine map G = [P | q] through a dense layer on the pattern `pre`. */
export function pushAffineDense(layer: DenseLayer, G: DenseMatrix, pre: Float64Array, faces?: FaceTracker): DenseMatrix {
  return pushDense(layer.weights, layer.bias, G, pre, layer.activation, faces);
}

/**
 * Keep P̂ (the first d columns of G) within [1e-100, 1e100] by moving its scale into the returned
 * log: P = e^L·P̂ never overflows or underflows however long the run (the offset column q is real-scaled).
 * Returns the ln of the factor taken out (0 when none).
 */
export function renormalizeLinearPart(G: DenseMatrix): number {
  const c = G.cols, d = c - 1;
  let m = 0;
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < d; j++) { const v = Math.abs(G.data[i * c + j]); if (v > m) m = v; }
  if (m === 0 || (m >= 1e-100 && m <= 1e100) || !Number.isFinite(m)) return 0;
  const f = 1 / m;
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < d; j++) G.data[i * c + j] *= f;
  return Math.log(m);
}

/** Through a residual block: G ↦ D_n (G + R), R = the branch applied on its pattern (no shortcut in the affine column beyond b). */
export function pushAffineResidual(block: ResidualBlock, G: DenseMatrix, pattern: StepPattern): DenseMatrix {
  let U = G;
  block.branch.forEach((l, idx) => { U = pushDense(l.weights, l.bias, U, pattern.pres[idx], l.activation); });
  const outerPre = pattern.pres[pattern.pres.length - 1];
  const c = G.cols;
  const data = new Float64Array(G.rows * c);
  for (let i = 0; i < G.rows; i++) {
    const active = block.activation !== 'relu' || outerPre[i] > 0;
    if (!active) continue;
    for (let j = 0; j < c; j++) data[i * c + j] = G.data[i * c + j] + U.data[i * c + j];
  }
  return { rows: G.rows, cols: c, data };
}

/** ‖P_k − P_{k−1}‖_F over the first d columns of two augmented maps of equal shape. */
export function linearPartDiffFro(a: DenseMatrix, b: DenseMatrix): number {
  const d = a.cols - 1;
  let s = 0;
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < d; j++) { const t = a.data[i * a.cols + j] - b.data[i * b.cols + j]; s += t * t; }
  return Math.sqrt(s);
}

export function linearPartFro(a: DenseMatrix): number {
  const d = a.cols - 1;
  let s = 0;
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < d; j++) { const t = a.data[i * a.cols + j]; s += t * t; }
  return Math.sqrt(s);
}

/**
 * out = M x for a square m×m M, four rows at a time: each x[j] is loaded once for four independent
 * sums (about 1.5× a row-by-row loop in V8); every row still sums in j order.
 */
function matVecRows4(M: Float64Array, x: Float64Array, m: number, out: Float64Array): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const o0 = i * m, o1 = o0 + m, o2 = o1 + m, o3 = o2 + m;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let j = 0; j < m; j++) {
      const xj = x[j];
      a0 += M[o0 + j] * xj; a1 += M[o1 + j] * xj; a2 += M[o2 + j] * xj; a3 += M[o3 + j] * xj;
    }
    out[i] = a0; out[i + 1] = a1; out[i + 2] = a2; out[i + 3] = a3;
  }
  for (; i < m; i++) {
    let a = 0;
    const o = i * m;
    for (let j = 0; j < m; j++) a += M[o + j] * x[j];
    out[i] = a;
  }
}

/** below this width the copies in and out of WebAssembly memory cost more than the SIMD product saves */
const SIMD_MIN_WIDTH = 16;

/**
 * An affine family in one WebAssembly instance: M packed into the `dense` kernel's 4-neuron panels,
 * v, and room for `rows` inputs X with their M X, pre-activations and outputs (rows a multiple of 4,
 * as `dense` takes them).
 */
interface SimdFamily {
  readonly kernels: WasmKernels;
  readonly rows: number;
  readonly panels: Float64Array;
  readonly zeros: Float64Array;
  readonly v: Float64Array;
  readonly X: Float64Array;
  readonly MX: Float64Array;
  readonly PRE: Float64Array;
  readonly OUT: Float64Array;
  /** the inactive count of each row */
  readonly counts: Int32Array;
  /** row views of X, PRE and OUT (made once: a family steps 10⁵ times) */
  readonly rowViews: { x: Float64Array; pre: Float64Array; out: Float64Array }[];
}

function simdFamily(matrix: Float64Array, vector: Float64Array, m: number, rows: number, kernels = WasmKernels.acquire()): SimdFamily | undefined {
  const mp = Math.ceil(m / 4) * 4;
  const views = kernels?.arrays([mp * m, mp, m, rows * m, rows * m, rows * m, rows * m, Math.ceil(rows / 2)]);
  if (!kernels || !views) return undefined;
  const [panels, zeros, v, X, MX, PRE, OUT, countWords] = views;
  const counts = new Int32Array(countWords.buffer, countWords.byteOffset, rows);
  packPanels(matrix, new Float64Array(m), m, m, panels, zeros);
  v.set(vector);
  // padding rows of X are inputs too: zeros, so their (unused) products stay finite
  X.fill(0);
  const row = (a: Float64Array, p: number) => a.subarray(p * m, (p + 1) * m);
  const rowViews = Array.from({ length: rows }, (_, p) => ({ x: row(X, p), pre: row(PRE, p), out: row(OUT, p) }));
  return { kernels, rows, panels, zeros, v, X, MX, PRE, OUT, counts, rowViews };
}

/** The fixed parts of an affine family W_k = a·I + s_k·M, b_k = t_k·v, for stepping without W_k. */
export class AffineStep {
  readonly m: number;
  readonly identity: number;
  readonly matrix: Float64Array;
  /** M as a DenseMatrix (made once, not per layer) */
  readonly matrixView: DenseMatrix;
  readonly vector: Float64Array;
  readonly relu: boolean;
  /** M = 0 or v = 0: skip the product / the bias (W = c·I families, bias-free families) */
  private readonly zeroMatrix: boolean;
  private readonly zeroVector: boolean;
  /**
   * The step on the SIMD kernels: M X for all probes at once by `dense` (M read once for four inputs,
   * each sum in order of j from 0, so the same bits as matVecRows4), then `affineMixRows`. M is
   * packed into its memory once: a family steps 10⁵ times per probe. The instance is this step's own
   * (never handed back; dropped with the step).
   */
  private simd: SimdFamily | undefined;

  constructor(family: Extract<FamilyInfo, { kind: 'affine' }>) {
    this.m = family.matrix.rows;
    this.identity = family.identity;
    this.matrix = family.matrix.data;
    this.matrixView = family.matrix;
    this.vector = family.vector;
    this.relu = family.activation === 'relu';
    this.zeroMatrix = this.matrix.every((v) => v === 0);
    this.zeroVector = this.vector.every((v) => v === 0);
    this.simd = this.m >= SIMD_MIN_WIDTH && !this.zeroMatrix ? simdFamily(this.matrix, this.vector, this.m, 4) : undefined;
  }

  /** pre = a·x + s·(M x) + t·v, out = σ(pre); returns the number of inactive ReLU units (pre ≤ 0). */
  forward(s: number, t: number, x: Float64Array, pre: Float64Array, out: Float64Array): number {
    if (this.simd) {
      this.simdForward(s, t, 1, [x], [out], [pre], this.oneCount);
      return this.oneCount[0];
    }
    const m = this.m, a = this.identity, v = this.vector;
    const useM = !this.zeroMatrix && s !== 0, useV = !this.zeroVector && t !== 0;
    if (useM) matVecRows4(this.matrix, x, m, pre); // pre holds M x until overwritten row by row below
    let inactive = 0;
    for (let i = 0; i < m; i++) {
      let y = a * x[i];
      if (useM) y += s * pre[i];
      if (useV) y += t * v[i];
      pre[i] = y;
      if (!this.relu || y > 0) out[i] = y;
      else { out[i] = 0; inactive++; }
    }
    return inactive;
  }

  /**
   * `forward` at `count` inputs xs[p] into outs[p], the inactive counts into inactive[p]: the same
   * numbers, with M read once for several inputs where the SIMD kernels run. The pre-activations are
   * not kept (pushing P_k needs them: use `forward`).
   */
  forwardMany(s: number, t: number, count: number, xs: readonly Float64Array[], outs: readonly Float64Array[], inactive: Int32Array): void {
    if (this.simd) return this.simdForward(s, t, count, xs, outs, undefined, inactive);
    const pre = this.scratchPre ??= new Float64Array(this.m);
    for (let p = 0; p < count; p++) inactive[p] = this.forward(s, t, xs[p], pre, outs[p]);
  }

  private readonly oneCount = new Int32Array(1);
  private scratchPre: Float64Array | undefined;

  private simdForward(s: number, t: number, count: number, xs: readonly Float64Array[], outs: readonly Float64Array[], pres: readonly Float64Array[] | undefined, inactive: Int32Array): void {
    const m = this.m;
    let k = this.simd!;
    const rows = Math.ceil(count / 4) * 4;
    if (rows > k.rows) {
      const grown = simdFamily(this.matrix, this.vector, m, rows, k.kernels);
      if (!grown) {
        // no room in WebAssembly memory: the scalar loop from now on
        this.simd = undefined;
        for (let p = 0; p < count; p++) inactive[p] = this.forward(s, t, xs[p], pres?.[p] ?? (this.scratchPre ??= new Float64Array(m)), outs[p]);
        return;
      }
      k = this.simd = grown;
    }
    const useM = !this.zeroMatrix && s !== 0, useV = !this.zeroVector && t !== 0;
    for (let p = 0; p < count; p++) k.rowViews[p].x.set(xs[p]);
    if (useM) k.kernels.dense(k.panels, k.zeros, m, m, k.X, rows, k.MX);
    k.kernels.affineMixRows(k.X, k.MX, k.v, k.PRE, k.OUT, m, count, this.identity, s, t, useM, useV, this.relu, k.counts);
    for (let p = 0; p < count; p++) {
      const r = k.rowViews[p];
      inactive[p] = k.counts[p];
      outs[p].set(r.out);
      pres?.[p].set(r.pre);
    }
  }

  /**
   * W_k = a·I + s·M, b_k = t·v written into `layer` (m×m, reused from step to step): the plain layer
   * for the check against network/forward.ts, without generating (and allocating) the family's
   * layer k — the walk has already checked that this description reproduces the generated layers.
   */
  layerInto(s: number, t: number, layer: DenseLayer): DenseLayer {
    const m = this.m, w = layer.weights.data, M = this.matrix, v = this.vector;
    for (let i = 0; i < w.length; i++) w[i] = s * M[i];
    for (let i = 0; i < m; i++) { w[i * m + i] += this.identity; layer.bias[i] = t * v[i]; }
    return layer;
  }

  /**
   * out = mask ∘ (a·G + s·(M G) + t·v e_lastᵀ) for the augmented map G = [P | q] (m × c), on the
   * pattern of `pre` (from forward at the same probe). `out` must not alias G.
   */
  push(s: number, t: number, G: DenseMatrix, pre: Float64Array, out: DenseMatrix, faces?: FaceTracker): void {
    const m = this.m, c = G.cols, a = this.identity, M = this.matrix, v = this.vector;
    const g = G.data, o = out.data;
    const useM = !this.zeroMatrix && s !== 0;
    for (let i = 0; i < m; i++) {
      const row = i * c;
      const masked = this.relu && !(pre[i] > 0);
      // a masked row is still a face of the domain: its gradient is needed when faces are tracked
      if (masked && !faces) { o.fill(0, row, row + c); continue; }
      for (let col = 0; col < c; col++) o[row + col] = a * g[row + col];
      if (useM) {
        const off = i * m;
        for (let j = 0; j < m; j++) {
          const mij = s * M[off + j];
          if (mij === 0) continue;
          const gj = j * c;
          for (let col = 0; col < c; col++) o[row + col] += mij * g[gj + col];
        }
      }
      if (faces && this.relu) trackFaces(o, c, i, pre[i], faces);
      if (masked) { o.fill(0, row, row + c); continue; }
      o[row + c - 1] += t * v[i];
    }
  }
}
