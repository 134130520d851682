/**
 * Operator norms of a convolution as the linear map it is on [C, H, W] images — not of its kernel
 * reshaped into a C_out × (C_in·k·k) matrix, which is a different (and, for ‖·‖₂, wrong) number.
 *
 * ‖W‖₂ and ‖W − I‖₂:
 * - any padding: Golub–Kahan–Lanczos with W and Wᵀ applied as convolutions (operators.ts), never a
 *   dense matrix; or the power iteration on WᵀW (the reference algorithm, and the benchmark's);
 * - circular padding ("a convolution on the torus"), exactly: the discrete Fourier transform
 *   block-diagonalises the operator, and its singular values are those of the C_out × C_in matrices
 *   M(f) = Σ_taps W_tap e^{2πi⟨f, offset_tap⟩/N} over the frequencies f (Sedghi, Gupta & Long, "The
 *   Singular Values of Convolutional Layers", ICLR 2019, Theorem 6). With stride s the input splits
 *   into its s_h·s_w polyphase components, each a C_in-channel image on the coarse (H/s_h)×(W/s_w)
 *   torus, so M(f) is C_out × (C_in·s_h·s_w) — the strided generalisation used here. ‖W − I‖₂ (stride 1,
 *   C_in = C_out) is max_f σ_max(M(f) − I). Frequencies whose ‖M(f)‖_F is below the best σ found so
 *   far are skipped (σ_max ≤ ‖·‖_F), and f and −f share singular values (M(−f) is the conjugate).
 *
 * ‖W‖₁ (largest column sum), ‖W‖_∞ (largest row sum) and ‖W‖_F in closed form, exactly, for any
 * padding on the finite image: a row of the operator's matrix is an output (c_o, y, x); its entries
 * are the kernel taps that land inside the image (zero padding drops the rest; circular padding wraps
 * them, and taps that wrap onto the same pixel add up). Along each axis the set of valid taps and
 * their coincidences depend only on how close the output is to the border, so the rows fall into a
 * few classes (per axis: the interior plus a few border positions) and each class is summed once:
 *   ‖W‖_∞ = max over classes and c_o of Σ_{c_i} Σ_{input pixels q} |Σ_{taps → q} w[c_o][c_i][tap]|,
 *   ‖W‖₁  = max over input classes and c_i of Σ_{c_o} Σ_{outputs p reaching q} |Σ_{taps: p → q} w|,
 *   ‖W‖²_F = Σ over row classes (times their multiplicity) of the squared entries.
 * In the interior of a zero-padded stride-1 conv these reduce to the familiar max_o Σ_{i,tap} |w| and
 * max_i Σ_{o,tap} |w| and ‖W‖²_F = H·W·‖w‖² minus what the border loses. The same classes give
 * ‖W − I‖ with the −1 placed on the diagonal entry of each row.
 */
import { CancelledError, type AnalysisContext } from '../context';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { spectralNorm } from '../linalg/norms';
import { operatorPowerIteration, operatorSpectralNorm, shiftedOperator, type OperatorNormResult } from '../linalg/operator';
import { Conv2d, nchwToNhwc } from './conv2d';
import { conv2dOperator } from './operators';

export type SpectralMethod = 'auto' | 'lanczos' | 'power' | 'fft';

export interface ConvSpectralOptions {
  /** auto: the FFT where the conv is circular on the torus, Lanczos otherwise */
  readonly method?: SpectralMethod;
  /** Lanczos: stop at residual ≤ tolerance·σ (default 1e-13) */
  readonly tolerance?: number;
  /** power: exactly this many iterations */
  readonly iterations?: number;
  readonly maxSteps?: number;
  readonly seed?: number;
  /** power: the start vector, in PyTorch's C×H×W order */
  readonly start?: Float64Array;
  readonly ctx?: AnalysisContext;
}

export interface ConvNormResult extends OperatorNormResult {
  readonly method: Exclude<SpectralMethod, 'auto'>;
}

/** Whether the FFT gives this conv's exact spectrum on H×W: circular padding and an output that tiles the torus. */
export function isCircularOnTorus(conv: Conv2d, h: number, w: number): boolean {
  if (conv.paddingMode !== 'circular') return false;
  const [ho, wo] = conv.outputSize(h, w);
  return ho * conv.strideH === h && wo * conv.strideW === w;
}

/** ‖W‖₂ (shift 0) or ‖W − shift·I‖₂ of the conv's linear part on C×H×W. */
export function convSpectralNorm(conv: Conv2d, h: number, w: number, options: ConvSpectralOptions = {}, shift = 0): ConvNormResult {
  // Weights near the top of float64 (a blown-up or hostile file): the products would overflow to ∞/NaN.
  // σ(A − tI) = s·σ(A/s − (t/s)I) for s = 2^k, and dividing by a power of two is exact (weights far
  // below the largest may lose bits as subnormals, below any tolerance here); a σ beyond float64 is ∞.
  const k = largeWeightExponent(conv.weight);
  if (k > 0) {
    const s = 2 ** k;
    const scaled = new Conv2d({
      inChannels: conv.inChannels, outChannels: conv.outChannels, kernelSize: [conv.kernelH, conv.kernelW],
      stride: [conv.strideH, conv.strideW], padding: [conv.padH, conv.padW], dilation: [conv.dilationH, conv.dilationW],
      groups: conv.groups, paddingMode: conv.paddingMode, weight: conv.weight.map((x) => x / s), name: conv.name,
    });
    const r = convSpectralNorm(scaled, h, w, options, shift / s);
    return { ...r, value: r.value * s, residual: r.residual * s };
  }
  let method = options.method ?? 'auto';
  if (method === 'auto') method = isCircularOnTorus(conv, h, w) ? 'fft' : 'lanczos';
  if (method === 'fft') {
    return { value: circularSpectralNorm(conv, h, w, shift, options.ctx), residual: 0, steps: 0, converged: true, method };
  }
  let op = conv2dOperator(conv, h, w, 'hwc');
  if (shift !== 0) op = shiftedOperator(op, shift);
  if (method === 'power') {
    const start = options.start && nchwToNhwc(options.start, 1, conv.inChannels, h, w);
    return { ...operatorPowerIteration(op, { iterations: options.iterations, seed: options.seed, start, ctx: options.ctx }), method };
  }
  return { ...operatorSpectralNorm(op, { tolerance: options.tolerance, maxSteps: options.maxSteps, seed: options.seed, ctx: options.ctx }), method };
}

/** k > 0 with 2^k ≥ max|w| when max|w| > 2^400 (products of such weights can leave float64), else 0. */
function largeWeightExponent(weight: Float64Array): number {
  let m = 0;
  for (let i = 0; i < weight.length; i++) { const a = Math.abs(weight[i]); if (a > m) m = a; }
  return m > 2 ** 400 ? Math.ceil(Math.log2(m)) : 0;
}

/** ‖W − I‖₂: needs C_in = C_out and an output the size of the input (stride 1, "same" padding). */
export function convMinusIdentityNorm(conv: Conv2d, h: number, w: number, options: ConvSpectralOptions = {}): ConvNormResult {
  requireSquare(conv, h, w);
  return convSpectralNorm(conv, h, w, options, 1);
}

function requireSquare(conv: Conv2d, h: number, w: number): void {
  const [ho, wo] = conv.outputSize(h, w);
  if (conv.inChannels !== conv.outChannels || ho !== h || wo !== w) {
    throw new RangeError(`${conv.name}: W − I needs the output shape to equal the input shape; it maps ${conv.inChannels}×${h}×${w} to ${conv.outChannels}×${ho}×${wo}`);
  }
}

// ---------------------------------------------------------------- Fourier domain (circular padding)

/** Taps split into coarse shift δ and polyphase r along each axis: offset = s·δ + r. */
interface Taps {
  readonly count: number;
  readonly dy: Int32Array;
  readonly dx: Int32Array;
  /** polyphase column block r_y·s_w + r_x */
  readonly phase: Int32Array;
}

function taps(conv: Conv2d): Taps {
  const kk = conv.kernelH * conv.kernelW;
  const dy = new Int32Array(kk), dx = new Int32Array(kk), phase = new Int32Array(kk);
  for (let ky = 0; ky < conv.kernelH; ky++) {
    for (let kx = 0; kx < conv.kernelW; kx++) {
      const t = ky * conv.kernelW + kx;
      const oy = -conv.padH + ky * conv.dilationH, ox = -conv.padW + kx * conv.dilationW;
      dy[t] = Math.floor(oy / conv.strideH);
      dx[t] = Math.floor(ox / conv.strideW);
      phase[t] = (oy - conv.strideH * dy[t]) * conv.strideW + (ox - conv.strideW * dx[t]);
    }
  }
  return { count: kk, dy, dx, phase };
}

/**
 * M(f) − shift·I as real and imaginary parts [C_out][C_in·s_h·s_w] (column (c_i, r) = c_i·s_h·s_w + r),
 * for the frequency (fy, fx) of the coarse ny × nx torus.
 */
function frequencyMatrix(conv: Conv2d, t: Taps, fy: number, fx: number, ny: number, nx: number, shift: number, re: Float64Array, im: Float64Array): void {
  const phases = conv.strideH * conv.strideW;
  const cols = conv.inChannels * phases;
  const cinG = conv.inChannels / conv.groups, coutG = conv.outChannels / conv.groups;
  re.fill(0);
  im.fill(0);
  for (let k = 0; k < t.count; k++) {
    const theta = 2 * Math.PI * (((fy * t.dy[k]) % ny) / ny + ((fx * t.dx[k]) % nx) / nx);
    const c = Math.cos(theta), s = Math.sin(theta);
    const r = t.phase[k];
    for (let o = 0; o < conv.outChannels; o++) {
      const g = Math.floor(o / coutG);
      const wBase = o * cinG * t.count + k, row = o * cols;
      for (let i = 0; i < cinG; i++) {
        const wv = conv.weight[wBase + i * t.count];
        const col = row + (g * cinG + i) * phases + r;
        re[col] += wv * c;
        im[col] += wv * s;
      }
    }
  }
  if (shift !== 0) for (let o = 0; o < conv.outChannels; o++) re[o * cols + o] -= shift;
}

/** [[A, −B], [B, A]]: a real matrix with the singular values of A + iB, each twice. */
function realEmbedding(re: Float64Array, im: Float64Array, rows: number, cols: number): { rows: number; cols: number; data: Float64Array } {
  const data = new Float64Array(4 * rows * cols);
  const w = 2 * cols;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const a = re[i * cols + j], b = im[i * cols + j];
      data[i * w + j] = a;
      data[i * w + cols + j] = -b;
      data[(rows + i) * w + j] = b;
      data[(rows + i) * w + cols + j] = a;
    }
  }
  return { rows: 2 * rows, cols: w, data };
}

interface Torus { readonly ny: number; readonly nx: number; readonly rows: number; readonly cols: number }

function torus(conv: Conv2d, h: number, w: number, shift: number): Torus {
  if (!isCircularOnTorus(conv, h, w)) {
    const [ho, wo] = conv.outputSize(h, w);
    throw new RangeError(conv.paddingMode !== 'circular'
      ? `${conv.name}: the FFT spectrum needs circular padding (this conv pads with ${conv.paddingMode})`
      : `${conv.name}: not a convolution on the ${h}×${w} torus: the output is ${ho}×${wo}, not ${h}/${conv.strideH} × ${w}/${conv.strideW} (circular padding must be "same": 2·padding = dilation·(kernel − 1), and the stride must divide the size)`);
  }
  if (shift !== 0) requireSquare(conv, h, w);
  return { ny: h / conv.strideH, nx: w / conv.strideW, rows: conv.outChannels, cols: conv.inChannels * conv.strideH * conv.strideW };
}

/** Frequencies up to conjugation: f, and whether −f is a different frequency (same singular values). */
function* halfSpectrum(ny: number, nx: number): Generator<[number, number, number]> {
  for (let fy = 0; fy < ny; fy++) {
    for (let fx = 0; fx < nx; fx++) {
      const cy = (ny - fy) % ny, cx = (nx - fx) % nx;
      const f = fy * nx + fx, conj = cy * nx + cx;
      if (conj < f) continue;
      yield [fy, fx, conj === f ? 1 : 2];
    }
  }
}

/** max_f σ_max(M(f) − shift·I): the exact ‖W − shift·I‖₂ of a circular conv (see the file comment). */
export function circularSpectralNorm(conv: Conv2d, h: number, w: number, shift = 0, ctx?: AnalysisContext): number {
  const { ny, nx, rows, cols } = torus(conv, h, w, shift);
  const t = taps(conv);
  const re = new Float64Array(rows * cols), im = new Float64Array(rows * cols);
  const freqs: Array<{ fy: number; fx: number; fro: number }> = [];
  for (const [fy, fx] of halfSpectrum(ny, nx)) {
    frequencyMatrix(conv, t, fy, fx, ny, nx, shift, re, im);
    let s = 0;
    for (let k = 0; k < re.length; k++) s += re[k] * re[k] + im[k] * im[k];
    freqs.push({ fy, fx, fro: Math.sqrt(s) });
  }
  freqs.sort((a, b) => b.fro - a.fro);
  let best = 0;
  for (let k = 0; k < freqs.length; k++) {
    const f = freqs[k];
    if (f.fro <= best) break;
    if ((k & 15) === 0 && ctx?.isCancelled()) throw new CancelledError();
    frequencyMatrix(conv, t, f.fy, f.fx, ny, nx, shift, re, im);
    best = Math.max(best, spectralNorm(realEmbedding(re, im, rows, cols)));
  }
  return best;
}

/**
 * Every singular value of the circular conv (minus shift·I) on C×H×W, largest first: the union over
 * frequencies of the singular values of M(f) (ml-matrix SVD of each real embedding). For tests and
 * small layers: it costs (H/s_h)(W/s_w)/2 SVDs of 2C_out × 2C_in·s_h·s_w matrices.
 */
export function circularSingularValues(conv: Conv2d, h: number, w: number, shift = 0): Float64Array {
  const { ny, nx, rows, cols } = torus(conv, h, w, shift);
  const t = taps(conv);
  const re = new Float64Array(rows * cols), im = new Float64Array(rows * cols);
  const out: number[] = [];
  const r = Math.min(rows, cols);
  for (const [fy, fx, multiplicity] of halfSpectrum(ny, nx)) {
    frequencyMatrix(conv, t, fy, fx, ny, nx, shift, re, im);
    const e = realEmbedding(re, im, rows, cols);
    const svd = new SingularValueDecomposition(new Matrix(Array.from({ length: e.rows }, (_, i) => Array.from(e.data.subarray(i * e.cols, (i + 1) * e.cols)))), {
      computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true,
    });
    const sv = [...svd.diagonal].sort((a, b) => b - a);
    // each singular value of M(f) appears twice in the embedding
    for (let k = 0; k < r; k++) for (let m = 0; m < multiplicity; m++) out.push(sv[2 * k]);
  }
  return Float64Array.from(out.sort((a, b) => b - a));
}

// ---------------------------------------------------------------- 1, ∞ and Frobenius norms in closed form

/** Along one axis: the input coordinate of output o through tap t, or −1 where zero padding supplies it. */
function axisMap(size: number, outSize: number, kernel: number, stride: number, pad: number, dilation: number, circular: boolean): Int32Array {
  const map = new Int32Array(outSize * kernel);
  for (let o = 0; o < outSize; o++) {
    for (let t = 0; t < kernel; t++) {
      let q = o * stride - pad + t * dilation;
      if (q < 0 || q >= size) q = circular ? ((q % size) + size) % size : -1;
      map[o * kernel + t] = q;
    }
  }
  return map;
}

/**
 * Row classes of one axis: for output o, the taps grouped by the input coordinate they reach (taps
 * reaching the same coordinate add up) and which group holds the diagonal coordinate q = o (−1: none,
 * or no diagonal). Rows with the same grouping have the same entries up to a shift of the input.
 */
interface RowClass { readonly groups: readonly (readonly number[])[]; readonly diagonal: number; count: number }

function rowClasses(map: Int32Array, outSize: number, kernel: number, withDiagonal: boolean): RowClass[] {
  const byKey = new Map<string, RowClass>();
  for (let o = 0; o < outSize; o++) {
    const groups: number[][] = [];
    const coords: number[] = [];
    for (let t = 0; t < kernel; t++) {
      const q = map[o * kernel + t];
      if (q < 0) continue;
      const at = coords.indexOf(q);
      if (at < 0) { coords.push(q); groups.push([t]); } else groups[at].push(t);
    }
    let diagonal = withDiagonal ? coords.indexOf(o) : -1;
    if (withDiagonal && diagonal < 0) { groups.push([]); diagonal = groups.length - 1; }
    const key = JSON.stringify([groups, diagonal]);
    const c = byKey.get(key);
    if (c) c.count++;
    else byKey.set(key, { groups, diagonal, count: 1 });
  }
  return [...byKey.values()];
}

/**
 * Column classes of one axis: for input coordinate q, one entry per output o that reaches it — the
 * taps that take o to q, and whether (o, q) is the diagonal.
 */
interface ColumnClass { readonly entries: readonly { readonly taps: readonly number[]; readonly diagonal: boolean }[] }

function columnClasses(map: Int32Array, size: number, outSize: number, kernel: number, withDiagonal: boolean): ColumnClass[] {
  const byKey = new Map<string, ColumnClass>();
  for (let q = 0; q < size; q++) {
    const entries: Array<{ taps: number[]; diagonal: boolean }> = [];
    for (let o = 0; o < outSize; o++) {
      const tapsHere: number[] = [];
      for (let t = 0; t < kernel; t++) if (map[o * kernel + t] === q) tapsHere.push(t);
      const diagonal = withDiagonal && o === q;
      if (tapsHere.length > 0 || diagonal) entries.push({ taps: tapsHere, diagonal });
    }
    const key = JSON.stringify(entries.map((e) => [e.taps, e.diagonal]).sort());
    if (!byKey.has(key)) byKey.set(key, { entries });
  }
  return [...byKey.values()];
}

export interface ConvClosedFormNorms {
  /** ‖·‖₁: the largest absolute column sum */
  readonly one: number;
  /** ‖·‖_∞: the largest absolute row sum */
  readonly inf: number;
  /** ‖·‖_F */
  readonly fro: number;
}

/** ‖W‖₁, ‖W‖_∞, ‖W‖_F (shift 0) or those of W − shift·I, exactly, for the conv's linear part on C×H×W. */
export function convClosedFormNorms(conv: Conv2d, h: number, w: number, shift = 0): ConvClosedFormNorms {
  const [ho, wo] = conv.outputSize(h, w);
  if (shift !== 0) requireSquare(conv, h, w);
  const circular = conv.paddingMode === 'circular';
  const kh = conv.kernelH, kw = conv.kernelW, kk = kh * kw;
  const mapY = axisMap(h, ho, kh, conv.strideH, conv.padH, conv.dilationH, circular);
  const mapX = axisMap(w, wo, kw, conv.strideW, conv.padW, conv.dilationW, circular);
  const diag = shift !== 0;
  const cinG = conv.inChannels / conv.groups, coutG = conv.outChannels / conv.groups;
  const W = conv.weight;
  const entry = (o: number, i: number, ty: readonly number[], tx: readonly number[], isDiagonal: boolean): number => {
    // i is the input channel within o's group
    let s = 0;
    const base = (o * cinG + i) * kk;
    for (const a of ty) for (const b of tx) s += W[base + a * kw + b];
    if (isDiagonal && Math.floor(o / coutG) * cinG + i === o) s -= shift;
    return s;
  };

  let inf = 0, fro2 = 0;
  const rowsY = rowClasses(mapY, ho, kh, diag), rowsX = rowClasses(mapX, wo, kw, diag);
  for (const ry of rowsY) {
    for (const rx of rowsX) {
      for (let o = 0; o < conv.outChannels; o++) {
        let rowSum = 0, rowSq = 0;
        for (let i = 0; i < cinG; i++) {
          for (let a = 0; a < ry.groups.length; a++) {
            for (let b = 0; b < rx.groups.length; b++) {
              const v = entry(o, i, ry.groups[a], rx.groups[b], a === ry.diagonal && b === rx.diagonal);
              rowSum += Math.abs(v);
              rowSq += v * v;
            }
          }
        }
        inf = Math.max(inf, rowSum);
        fro2 += ry.count * rx.count * rowSq;
      }
    }
  }

  let one = 0;
  const colsY = columnClasses(mapY, h, ho, kh, diag), colsX = columnClasses(mapX, w, wo, kw, diag);
  for (const cy of colsY) {
    for (const cx of colsX) {
      for (let g = 0; g < conv.groups; g++) {
        for (let i = 0; i < cinG; i++) {
          let colSum = 0;
          for (let o = g * coutG; o < (g + 1) * coutG; o++) {
            for (const ey of cy.entries) for (const ex of cx.entries) colSum += Math.abs(entry(o, i, ey.taps, ex.taps, ey.diagonal && ex.diagonal));
          }
          one = Math.max(one, colSum);
        }
      }
    }
  }
  return { one, inf, fro: Math.sqrt(fro2) };
}

/** ‖b‖₂ of a per-channel bias as a vector on the C×Ho×Wo output (it is added at every position). */
export function biasVectorNorm(bias: Float64Array | undefined, ho: number, wo: number): number {
  if (!bias) return 0;
  let s = 0;
  for (const b of bias) s += b * b;
  return Math.sqrt(s * ho * wo);
}
