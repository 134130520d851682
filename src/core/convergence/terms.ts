/**
 * Per-layer terms of the convergence series: ‖W_k − I‖ and ‖b_k‖ for dense layers and
 * a_n, β_n (MATH.md §B) for residual blocks — with exact closed-form shortcuts for affine families
 * W_k = a·I + s_W(k)·M, b_k = s_b(k)·v, so a 10⁵-layer family costs O(m) per layer, not an SVD.
 *
 * Shortcuts (c = a − 1, s = s_W(k)); all exact up to float64 rounding:
 * - a = 1: ‖W_k − I‖ = |s|·‖M‖ in every norm.
 * - 'fro': ‖cI + sM‖_F² = Σ_i (c + s·M_ii)² + s²·Σ_{i≠j} M_ij²  (O(m) per layer).
 * - '1' / 'inf': max over columns / rows of |c + s·M_jj| + |s|·(off-diagonal absolute sum)  (O(m)).
 * - '2' with M normal (MᵀM = MMᵀ, e.g. symmetric): the singular values of cI + sM are |c + s·λ_i(M)|,
 *   so ‖cI + sM‖₂ = max_i |c + s·λ_i|, with M's eigenvalues computed once.
 * - '2' with M not normal and a ≠ 1: no shortcut — W_k − I is materialised and its SVD taken
 *   (honest but O(m³) per layer).
 * - ‖b_k‖ = |s_b(k)|·‖v‖.
 * - M normal: the W_k commute and share M's orthonormal eigenvectors, so the singular values of the
 *   run's product Π_k W_k are Π_k |a + s_k·λ_i| — σ_min of the product in O(m) per layer (log form).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { DenseMatrix } from '../linalg/dense';
import { frobeniusNorm, infNorm, oneNorm, spectralNorm, vectorNorm, type MatrixNorm } from '../linalg/norms';
import { cachedNormWminusI } from '../linalg/layerNorms';
import type { AnalysisContext } from '../context';
import type { Activation, DenseLayer, FamilyInfo, ResidualBlock, ScaleLaw } from '../network/model';

export type AffineFamilyInfo = Extract<FamilyInfo, { kind: 'affine' }>;

/**
 * Any matrix norm; '2' uses a closed form for 2×2 (the common toy width) and linalg's spectralNorm
 * otherwise (which checks `ctx` for cancellation while it iterates on wide matrices).
 */
export function matrixNormOf(m: DenseMatrix, norm: MatrixNorm, ctx?: AnalysisContext): number {
  switch (norm) {
    case '1': return oneNorm(m);
    case 'inf': return infNorm(m);
    case 'fro': return frobeniusNorm(m);
    case '2':
      if (m.rows === 2 && m.cols === 2) return spectralNorm2x2(m.data[0], m.data[1], m.data[2], m.data[3]);
      return spectralNorm(m, ctx);
  }
}

/** σ_max of [[a, b], [c, d]]: σ² = (F ± √(F² − 4 det²))/2 with F = ‖·‖_F²; the + root has no cancellation. */
export function spectralNorm2x2(a: number, b: number, c: number, d: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(c), Math.abs(d));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  a /= scale; b /= scale; c /= scale; d /= scale;
  const f = a * a + b * b + c * c + d * d;
  const det = a * d - b * c;
  const disc = Math.sqrt(Math.max(0, (f - 2 * Math.abs(det)) * (f + 2 * Math.abs(det))));
  return scale * Math.sqrt((f + disc) / 2);
}

export function scaleAt(law: ScaleLaw, k: number): number {
  return Math.pow(k + law.offset, law.power);
}

export interface DenseTerms {
  /** NaN when W is not square (not applicable) */
  normWminusI: number;
  normB: number;
}

/** Generic dense layer: W − I materialised in `work` (length ≥ m², reused across layers). */
export function denseTerms(layer: DenseLayer, norm: MatrixNorm, work: Float64Array, ctx?: AnalysisContext): DenseTerms {
  const { rows, cols, data } = layer.weights;
  if (rows !== cols) return { normWminusI: NaN, normB: vectorNorm(layer.bias, norm) };
  // perf: ‖W − I‖₂ computed beforehand for the whole network, in parallel (linalg/layerNorms.ts), when the caller did
  const cached = norm === '2' ? cachedNormWminusI(layer.weights) : undefined;
  if (cached !== undefined) return { normWminusI: cached, normB: vectorNorm(layer.bias, norm) };
  const n = rows;
  const w = work.subarray(0, n * n);
  w.set(data);
  for (let i = 0; i < n; i++) w[i * n + i] -= 1;
  const normWminusI = matrixNormOf({ rows: n, cols: n, data: w }, norm, ctx);
  return { normWminusI, normB: vectorNorm(layer.bias, norm) };
}

export interface ResidualTerms {
  /** a_n = Π_k ‖W^(n,k)‖ */
  s1: number;
  /** β_n = Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖ */
  s2: number;
}

export function residualTerms(block: ResidualBlock, norm: MatrixNorm, ctx?: AnalysisContext): ResidualTerms {
  const K = block.branch.length;
  const wNorms = block.branch.map((l) => matrixNormOf(l.weights, norm, ctx));
  let s1 = 1;
  for (const v of wNorms) s1 *= v;
  let s2 = 0;
  for (let k = 0; k < K; k++) {
    let term = vectorNorm(block.branch[k].bias, norm);
    if (term === 0) continue;
    for (let j = k + 1; j < K; j++) term *= wNorms[j];
    s2 += term;
  }
  return { s1, s2 };
}

/**
 * Precomputed data of one affine family for O(m) per-layer terms. `method` says which shortcut is
 * used (shown to the user next to the numbers).
 */
export class AffineFamilyTerms {
  readonly method: string;
  private readonly m: number;
  private readonly c: number;
  private readonly normM: number;
  private readonly normV: number;
  private readonly diag: Float64Array;
  private readonly offAbsCol: Float64Array;
  private readonly offAbsRow: Float64Array;
  private readonly offFro2: number;
  /** M's eigenvalues, made on first use: a = 1 families whose terms vanish never need them (~70 ms at width 64) */
  private eig: { re: Float64Array; im: Float64Array } | undefined;
  private readonly normal: boolean;
  /** '2'-norm shortcut available (a = 1, or M normal) */
  private readonly spectralShortcut: boolean;

  constructor(readonly family: AffineFamilyInfo, private readonly norm: MatrixNorm) {
    const M = family.matrix;
    if (M.rows !== M.cols) throw new RangeError(`affine family: matrix M is ${M.rows}×${M.cols}, not square`);
    const m = (this.m = M.rows);
    if (family.vector.length !== m) throw new RangeError(`affine family: vector v has length ${family.vector.length}, matrix M is ${m}×${m}`);
    this.c = family.identity - 1;
    this.normM = matrixNormOf(M, norm);
    this.normV = vectorNorm(family.vector, norm);
    this.diag = new Float64Array(m);
    this.offAbsCol = new Float64Array(m);
    this.offAbsRow = new Float64Array(m);
    let offFro2 = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const v = M.data[i * m + j];
        if (i === j) { this.diag[i] = v; continue; }
        this.offAbsRow[i] += Math.abs(v);
        this.offAbsCol[j] += Math.abs(v);
        offFro2 += v * v;
      }
    }
    this.offFro2 = offFro2;
    const normal = (this.normal = isNormal(M));
    this.spectralShortcut = this.c === 0 || normal;
    if (this.c === 0) this.method = `closed form: ‖W_k − I‖ = |s_W(k)|·‖M‖ (a = 1), ‖b_k‖ = |s_b(k)|·‖v‖`;
    else if (norm !== '2') this.method = `closed form in O(m) per layer from the diagonal and off-diagonal sums of M`;
    else if (normal) this.method = `closed form: M is normal, ‖(a−1)I + s·M‖₂ = max_i |a − 1 + s·λ_i(M)|`;
    else this.method = `SVD per layer (M is not normal and a ≠ 1: no closed form for the 2-norm)`;
  }

  private eigenvalues(): { re: Float64Array; im: Float64Array } {
    return (this.eig ??= eigenvalues(this.family.matrix));
  }

  /** Whether the per-layer terms are O(m) (true) or need a materialised W_k (false). */
  get closedForm(): boolean {
    return this.norm !== '2' || this.spectralShortcut;
  }

  /** Terms of family-local layer j (1..count). `work` is used only without a closed form. */
  termsAt(j: number, work: Float64Array): DenseTerms {
    return { normWminusI: this.normWminusI(scaleAt(this.family.weightScale, j), work), normB: this.normB(scaleAt(this.family.biasScale, j)) };
  }

  /** M is normal: σ_min of the run's product has the closed form of accumulateLogModuli. */
  get productClosedForm(): boolean {
    return this.normal;
  }

  /** acc[i] += ln|a + s·λ_i| for the weight scale s (the product's singular values for normal M). */
  accumulateLogModuli(s: number, acc: Float64Array): void {
    const a = this.family.identity, { re, im } = this.eigenvalues();
    for (let i = 0; i < this.m; i++) {
      const x = a + s * re[i], y = s * im[i];
      acc[i] += 0.5 * Math.log(x * x + y * y);
    }
  }

  /** ‖b_k‖ = |t|·‖v‖ for the bias scale t = s_b(k). */
  normB(t: number): number {
    return this.normV === 0 ? 0 : Math.abs(t) * this.normV;
  }

  /** ‖W_k − I‖ = ‖(a − 1)I + s·M‖ for the weight scale s = s_W(k); `work` (m²) only without a closed form. */
  normWminusI(s: number, work: Float64Array): number {
    const m = this.m, c = this.c;
    if (c === 0) return Math.abs(s) * this.normM;
    switch (this.norm) {
      case 'fro': {
        let sum = 0;
        for (let i = 0; i < m; i++) { const d = c + s * this.diag[i]; sum += d * d; }
        return Math.sqrt(sum + s * s * this.offFro2);
      }
      case '1': case 'inf': {
        const off = this.norm === '1' ? this.offAbsCol : this.offAbsRow;
        let best = 0;
        for (let i = 0; i < m; i++) best = Math.max(best, Math.abs(c + s * this.diag[i]) + Math.abs(s) * off[i]);
        return best;
      }
      case '2': {
        if (this.spectralShortcut) {
          const { re, im } = this.eigenvalues();
          let best = 0;
          for (let i = 0; i < m; i++) { const x = c + s * re[i], y = s * im[i]; best = Math.max(best, x * x + y * y); }
          if (Number.isFinite(best)) return Math.sqrt(best);
          // squares overflowed: the same maximum without them
          best = 0;
          for (let i = 0; i < m; i++) best = Math.max(best, Math.hypot(c + s * re[i], s * im[i]));
          return best;
        }
        const w = work.subarray(0, m * m);
        const M = this.family.matrix.data;
        for (let t = 0; t < m * m; t++) w[t] = s * M[t];
        for (let i = 0; i < m; i++) w[i * m + i] += c;
        return matrixNormOf({ rows: m, cols: m, data: w }, '2');
      }
    }
  }

  /** W_k and b_k of family-local layer j written into the given buffers (m² and m). */
  materialize(j: number, weights: Float64Array, bias: Float64Array): void {
    const f = this.family, m = this.m;
    const s = scaleAt(f.weightScale, j);
    const sb = scaleAt(f.biasScale, j);
    const M = f.matrix.data;
    for (let t = 0; t < m * m; t++) weights[t] = s * M[t];
    for (let i = 0; i < m; i++) weights[i * m + i] += f.identity;
    for (let i = 0; i < m; i++) bias[i] = sb * f.vector[i];
  }

  get activation(): Activation {
    return this.family.activation;
  }
}

/**
 * The precomputed terms of a family for a norm, made once per parsed family: the eigenvalues of M
 * (tens of ms at width 64) do not change while the document does not, and the lenses, the
 * diagnostics and the panel all analyse the same parsed network.
 */
const familyTermsCache = new WeakMap<AffineFamilyInfo, Map<MatrixNorm, AffineFamilyTerms>>();

export function affineFamilyTerms(family: AffineFamilyInfo, norm: MatrixNorm): AffineFamilyTerms {
  let byNorm = familyTermsCache.get(family);
  if (!byNorm) familyTermsCache.set(family, (byNorm = new Map()));
  let terms = byNorm.get(norm);
  if (!terms) byNorm.set(norm, (terms = new AffineFamilyTerms(family, norm)));
  return terms;
}

/** Eigenvalues of a square matrix (real and imaginary parts), via ml-matrix. */
function eigenvalues(M: DenseMatrix): { re: Float64Array; im: Float64Array } {
  const m = M.rows;
  let zero = true;
  for (let t = 0; t < M.data.length; t++) if (M.data[t] !== 0) { zero = false; break; }
  if (zero) return { re: new Float64Array(m), im: new Float64Array(m) };
  const mat = new Matrix(m, m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) mat.set(i, j, M.data[i * m + j]);
  const e = new EigenvalueDecomposition(mat, { assumeSymmetric: isSymmetric(M) });
  return { re: Float64Array.from(e.realEigenvalues), im: Float64Array.from(e.imaginaryEigenvalues) };
}

function isSymmetric(M: DenseMatrix): boolean {
  const m = M.rows;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) if (M.data[i * m + j] !== M.data[j * m + i]) return false;
  return true;
}

/** MᵀM = MMᵀ up to 1e-13·‖M‖_F² (entrywise). */
function isNormal(M: DenseMatrix): boolean {
  if (isSymmetric(M)) return true;
  const m = M.rows, a = M.data;
  const tol = 1e-13 * Math.max(Number.MIN_VALUE, frobeniusNorm(M) ** 2);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let mtm = 0, mmt = 0;
      for (let k = 0; k < m; k++) { mtm += a[k * m + i] * a[k * m + j]; mmt += a[i * m + k] * a[j * m + k]; }
      if (Math.abs(mtm - mmt) > tol) return false;
    }
  }
  return true;
}
