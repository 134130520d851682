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
import { WasmKernels } from '../kernels/wasm';
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

function simdMatrix(matrix: Float64Array, m: number): { kernels: WasmKernels; M: Float64Array; x: Float64Array; y: Float64Array } | undefined {
  const kernels = WasmKernels.acquire();
  const views = kernels?.arrays([m * m, m, m]);
  if (!kernels || !views) return undefined;
  views[0].set(matrix);
  return { kernels, M: views[0], x: views[1], y: views[2] };
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
   * M x by the SIMD kernel (kernels.wat `dots`) with M copied into its memory once: a family steps
   * 10⁵ times per probe, so the copy is paid once and the product runs ~3× the scalar loop at width
   * 64. The instance is this step's own (never handed back; dropped with the step).
   */
  private readonly simd: { kernels: WasmKernels; M: Float64Array; x: Float64Array; y: Float64Array } | undefined;

  constructor(family: Extract<FamilyInfo, { kind: 'affine' }>) {
    this.m = family.matrix.rows;
    this.identity = family.identity;
    this.matrix = family.matrix.data;
    this.matrixView = family.matrix;
    this.vector = family.vector;
    this.relu = family.activation === 'relu';
    this.zeroMatrix = this.matrix.every((v) => v === 0);
    this.zeroVector = this.vector.every((v) => v === 0);
    this.simd = this.m >= SIMD_MIN_WIDTH && !this.zeroMatrix ? simdMatrix(this.matrix, this.m) : undefined;
  }

  /** out = M x */
  private matVec(x: Float64Array, out: Float64Array): void {
    const k = this.simd;
    if (!k) return matVecRows4(this.matrix, x, this.m, out);
    k.x.set(x);
    k.kernels.dots(k.M, this.m, this.m, k.x, k.y);
    out.set(k.y);
  }

  /** pre = a·x + s·(M x) + t·v, out = σ(pre); returns the number of inactive ReLU units (pre ≤ 0). */
  forward(s: number, t: number, x: Float64Array, pre: Float64Array, out: Float64Array): number {
    const m = this.m, a = this.identity, v = this.vector;
    const useM = !this.zeroMatrix && s !== 0, useV = !this.zeroVector && t !== 0;
    if (useM) this.matVec(x, pre); // pre holds M x until overwritten row by row below
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
