/**
 * The spectrum of one layer's linear operator: singular values (full, or the top k above a size
 * budget), W − I for square layers, the Marchenko–Pastur comparison, stable rank and the power-law
 * fit of the ESD's tail.
 *
 * The input is a `SpectralOperator`, not a matrix: a dense layer is one matrix; an operator that is
 * block diagonal in some basis — a convolution with circular padding is, in the Fourier basis, one
 * C_out × C_in matrix per frequency (Sedghi, Gupta & Long, ICLR 2019) — gives its blocks, and its
 * singular values are the union of theirs. Convolutional layers (a later issue) plug in there.
 */
import type { AnalysisContext } from '../context';
import { minusIdentity as subtractIdentity, type DenseMatrix } from '../linalg/dense';
import type { LayerSpectrum, MarchenkoPasturSummary, SpectrumItemRef, SpectrumMethod } from '../../shared/analyses/spectrum';
import { marchenkoPastur } from './marchenkoPastur';
import { fitPowerLaw } from './powerLaw';
import { chosenAlgorithm, householderFlops, singularValues } from './svd';
import { topSingularValues } from './topK';

export type SpectralOperator =
  | { readonly kind: 'dense'; readonly matrix: DenseMatrix }
  /** real blocks of a block-diagonal operator (e.g. per-frequency matrices of a circular convolution) */
  | { readonly kind: 'per-frequency'; readonly blocks: readonly DenseMatrix[] };

/** Default budget: a full SVD up to the flops of a 1024×1024 one (4n³ − 4n³/3 ≈ 2.9·10⁹). */
export const DEFAULT_FULL_SVD_MAX_FLOPS = 3e9;
export const DEFAULT_TOP_K = 100;

export interface LayerSpectrumOptions {
  readonly fullSvdMaxFlops?: number;
  readonly topK?: number;
  /** compute σ(W − I) for square operators (default true) */
  readonly minusIdentity?: boolean;
  /** said instead of computing W − I (e.g. for branch layers) */
  readonly minusIdentityNote?: string;
  readonly ctx?: AnalysisContext;
  readonly onProgress?: (fraction: number) => void;
}

const fmtFlops = (f: number) => f.toExponential(1).replace('e+', '·10^');

function shapeOf(op: SpectralOperator): { rows: number; cols: number } {
  if (op.kind === 'dense') return { rows: op.matrix.rows, cols: op.matrix.cols };
  let rows = 0, cols = 0;
  for (const b of op.blocks) { rows += b.rows; cols += b.cols; }
  return { rows, cols };
}

/** Flops of a full SVD of the operator (per block for per-frequency operators). */
export function fullSvdFlops(op: SpectralOperator): number {
  if (op.kind === 'dense') return householderFlops(op.matrix.rows, op.matrix.cols);
  let f = 0;
  for (const b of op.blocks) f += householderFlops(b.rows, b.cols);
  return f;
}

/**
 * `m` / scale with scale a power of two near its largest entry when that is beyond 1e±120, entries
 * below 2^-966 then zeroed (as singularValues does before a full SVD): Lanczos's products of a 1e308
 * matrix would overflow (fuzz: a 64×64 layer with a 1e308 weight threw from the Marchenko–Pastur law).
 */
function withinRange(m: DenseMatrix): { matrix: DenseMatrix; scale: number } {
  let maxAbs = 0;
  for (let i = 0; i < m.data.length; i++) { const a = Math.abs(m.data[i]); if (a > maxAbs) maxAbs = a; }
  if (maxAbs === 0 || !(maxAbs <= Number.MAX_VALUE) || (maxAbs >= 1e-120 && maxAbs <= 1e120)) return { matrix: m, scale: 1 };
  const scale = 2 ** Math.floor(Math.log2(maxAbs));
  const data = m.data.map((v) => { const w = v / scale; return Math.abs(w) < 2 ** -966 ? 0 : w; });
  return { matrix: { rows: m.rows, cols: m.cols, data }, scale };
}

/** Singular values of one matrix within the budget, and how they were obtained. */
function matrixValues(m: DenseMatrix, options: LayerSpectrumOptions, onProgress?: (f: number) => void): { values: Float64Array; method: SpectrumMethod } {
  const total = Math.min(m.rows, m.cols);
  const budget = options.fullSvdMaxFlops ?? DEFAULT_FULL_SVD_MAX_FLOPS;
  const flops = householderFlops(m.rows, m.cols);
  if (flops <= budget || total <= (options.topK ?? DEFAULT_TOP_K)) {
    const algorithm = chosenAlgorithm(m.rows, m.cols);
    const values = singularValues(m, { algorithm, ctx: options.ctx, onProgress });
    return {
      values,
      method: {
        kind: 'full', algorithm, computed: total, total,
        description: algorithm === 'jacobi' ? 'full SVD (one-sided Jacobi)' : 'full SVD (Householder bidiagonalization + implicit QR)',
      },
    };
  }
  const k = Math.min(total, options.topK ?? DEFAULT_TOP_K);
  const { matrix, scale } = withinRange(m);
  const r = topSingularValues(matrix, k, { ctx: options.ctx, onProgress });
  return {
    values: scale === 1 ? r.values : r.values.map((v) => v * scale),
    method: {
      kind: 'top-k', algorithm: 'lanczos', computed: r.values.length, total,
      description: `top ${r.values.length} of ${total} singular values by Lanczos bidiagonalization (a full SVD of ${m.rows}×${m.cols} needs ${fmtFlops(flops)} flops, above the budget of ${fmtFlops(budget)})`,
    },
  };
}

/** Singular values of the operator, descending. */
export function operatorValues(op: SpectralOperator, options: LayerSpectrumOptions = {}, onProgress?: (f: number) => void): { values: Float64Array; method: SpectrumMethod } {
  if (op.kind === 'dense') return matrixValues(op.matrix, options, onProgress);
  const all: number[] = [];
  let topK = false;
  let computed = 0, total = 0;
  op.blocks.forEach((b, i) => {
    const r = matrixValues(b, options, (f) => onProgress?.((i + f) / op.blocks.length));
    for (const v of r.values) all.push(v);
    if (r.method.kind === 'top-k') topK = true;
    computed += r.method.computed;
    total += r.method.total;
  });
  const kind: SpectrumMethod['kind'] = topK ? 'top-k' : 'full';
  const values = Float64Array.from(all).sort().reverse();
  return {
    values,
    method: {
      kind, algorithm: kind === 'full' ? 'householder' : 'lanczos', computed, total,
      description: `union of the singular values of ${op.blocks.length} per-frequency blocks${kind === 'top-k' ? ' (some blocks: top k only)' : ''}`,
    },
  };
}

/** Mean, variance and Σw² of the entries of W/scale. */
function entryMoments(op: SpectralOperator, scale = 1): { mean: number; variance: number; frobeniusSquared: number } {
  const mats = op.kind === 'dense' ? [op.matrix] : op.blocks;
  let count = 0, sum = 0, sq = 0;
  for (const m of mats) for (let i = 0; i < m.data.length; i++) { const w = m.data[i] / scale; sum += w; sq += w * w; count++; }
  const mean = count ? sum / count : 0;
  let dev = 0;
  for (const m of mats) for (let i = 0; i < m.data.length; i++) { const d = m.data[i] / scale - mean; dev += d * d; }
  return { mean, variance: count ? dev / count : 0, frobeniusSquared: sq };
}

function minusIdentityOf(op: SpectralOperator): SpectralOperator | undefined {
  if (op.kind === 'dense') return op.matrix.rows === op.matrix.cols ? { kind: 'dense', matrix: subtractIdentity(op.matrix) } : undefined;
  if (!op.blocks.every((b) => b.rows === b.cols)) return undefined;
  return { kind: 'per-frequency', blocks: op.blocks.map(subtractIdentity) };
}

/** Everything the Spectrum panel shows for one layer. */
export function layerSpectrum(ref: SpectrumItemRef, op: SpectralOperator, options: LayerSpectrumOptions = {}): LayerSpectrum {
  const shape = shapeOf(op);
  const wantMinus = options.minusIdentity !== false && !options.minusIdentityNote;
  const minusOp = wantMinus ? minusIdentityOf(op) : undefined;
  const split = minusOp ? 0.5 : 1;
  const { values, method } = operatorValues(op, options, (f) => options.onProgress?.(f * split));
  const spectralNorm = values.length ? values[0] : 0;
  // σ² and Σw² overflow float64 from σ₁ ≈ 1.3e154 on (and underflow below ~1e-154): the stable rank
  // and the power-law fit are scale-free, so they are computed on W/c (c a power of two, exact); the
  // Marchenko–Pastur law, whose edges are σ²-sized, is withheld there (fuzz seed 17: a 1e200 weight
  // threw a RangeError)
  const outOfRange = spectralNorm > 0 && spectralNorm <= Number.MAX_VALUE && (spectralNorm >= 1e150 || spectralNorm < 1e-140);
  const exponent = outOfRange ? Math.floor(Math.log2(spectralNorm)) : 0;
  const c = 2 ** exponent;
  const moments = entryMoments(op, c);
  const stableRank = spectralNorm > 0 ? moments.frobeniusSquared / ((spectralNorm / c) * (spectralNorm / c)) : 0;
  const eigen = Float64Array.from(values, (s) => (s / c) * (s / c));

  let marchenkoPastur_: MarchenkoPasturSummary | null = null;
  if (op.kind === 'dense' && shape.rows > 0 && shape.cols > 0 && !outOfRange) {
    const law = marchenkoPastur(shape.rows, shape.cols, moments.variance);
    let above = 0, below = 0;
    for (const l of eigen) {
      if (l > law.lambdaPlus) above++;
      else if (l < law.lambdaMinus) below++;
    }
    marchenkoPastur_ = { rows: law.rows, cols: law.cols, variance: law.variance, ratio: law.ratio, lambdaMinus: law.lambdaMinus, lambdaPlus: law.lambdaPlus, above, below };
  }

  const scaledFit = fitPowerLaw(eigen);
  const fit = outOfRange
    ? { ...scaledFit, xmin: scaledFit.xmin * c * c, xmax: scaledFit.xmax * c * c, message: `${scaledFit.message.replace(/λ ≥ ([^)]+)\)/, (_, x: string) => `λ ≥ ${x}·2^${2 * exponent})`)}; fitted on the eigenvalues of (W/2^${exponent})ᵀ(W/2^${exponent}) because σ² ${spectralNorm >= 1 ? 'overflows' : 'underflows'} float64 (σ₁ = ${spectralNorm.toPrecision(4)})` }
    : scaledFit;
  const partial = method.kind === 'top-k';
  const powerLaw = {
    ...fit,
    partial,
    message: partial && fit.status === 'fitted' ? `${fit.message}; only the top ${values.length} of ${method.total} eigenvalues are known, so the tail below them was not seen` : fit.message,
  };

  let minusIdentity: LayerSpectrum['minusIdentity'] = null;
  let minusIdentityNote = options.minusIdentityNote;
  if (minusOp) {
    const r = operatorValues(minusOp, options, (f) => options.onProgress?.(0.5 + f / 2));
    minusIdentity = { singularValues: r.values, method: r.method, spectralNorm: r.values.length ? r.values[0] : 0 };
  } else if (!minusIdentityNote && options.minusIdentity !== false) {
    minusIdentityNote = `W is ${shape.rows}×${shape.cols}: W − I is defined for square layers only`;
  }
  options.onProgress?.(1);
  return {
    ...ref,
    rows: shape.rows,
    cols: shape.cols,
    operator: op.kind,
    method,
    singularValues: values,
    spectralNorm,
    frobeniusSquared: moments.frobeniusSquared * c * c,
    stableRank,
    minusIdentity,
    ...(minusIdentityNote ? { minusIdentityNote } : {}),
    mean: moments.mean * c,
    marchenkoPastur: marchenkoPastur_,
    powerLaw,
  };
}
