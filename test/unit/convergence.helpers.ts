/**
 * Test networks for the convergence tests: lazily generated affine families (W_k = a·I + s_W(k)·M,
 * b_k = s_b(k)·v, s(k) = (k + offset)^power, k = 1..count) exposing their FamilyInfo, exactly as
 * the parser's families do, so the analysis can take its closed-form shortcuts.
 */
import type { DenseMatrix } from '../../src/core/linalg/dense';
import type { Activation, FamilyInfo, InputSpec, Layer, Network, ScaleLaw } from '../../src/core/network/model';
import type { CliIo } from '../../src/cli/command';

export interface AffineSpec {
  identity: number;
  matrix: DenseMatrix;
  weightScale: ScaleLaw;
  vector: Float64Array;
  biasScale: ScaleLaw;
  activation?: Activation;
}

/** A network made of one affine family of `count` layers; `withFamilyInfo: false` hides the closed form. */
export function affineFamilyNetwork(spec: AffineSpec, count: number, input: Partial<InputSpec> = {}, withFamilyInfo = true): Network {
  const m = spec.matrix.rows;
  const activation = spec.activation ?? 'relu';
  const family: FamilyInfo = { kind: 'affine', identity: spec.identity, matrix: spec.matrix, weightScale: spec.weightScale, vector: spec.vector, biasScale: spec.biasScale, activation };
  const layer = (i: number): Layer => {
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`layer index ${i} out of range 0..${count - 1}`);
    const k = i + 1;
    const s = Math.pow(k + spec.weightScale.offset, spec.weightScale.power);
    const sb = Math.pow(k + spec.biasScale.offset, spec.biasScale.power);
    const data = new Float64Array(m * m);
    for (let t = 0; t < m * m; t++) data[t] = s * spec.matrix.data[t];
    for (let j = 0; j < m; j++) data[j * m + j] += spec.identity;
    return { kind: 'dense', weights: { rows: m, cols: m, data }, bias: spec.vector.map((v) => sb * v), activation };
  };
  return {
    input: { dim: m, probes: [], ...input },
    depth: count,
    layer,
    outWidth: () => m,
    inWidth: () => m,
    outputDim: m,
    groups: [{ start: 0, count, type: 'family', ...(withFamilyInfo ? { family } : {}) }],
    parameterCount: count * (m * m + m),
  };
}

/** A network whose layers come from a generator (no closed form), e.g. random ResNet blocks. */
export function generatedNetwork(dim: number, count: number, make: (i: number) => Layer, probes: InputSpec['probes'] = []): Network {
  const first = make(0);
  const width = first.kind === 'dense' ? first.weights.rows : first.branch[first.branch.length - 1].weights.rows;
  return {
    input: { dim, probes },
    depth: count,
    layer: (i) => {
      if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`layer index ${i} out of range 0..${count - 1}`);
      return make(i);
    },
    outWidth: () => width,
    inWidth: (i) => (i === 0 ? dim : width),
    outputDim: width,
    groups: [{ start: 0, count, type: 'random', family: { kind: 'generated', description: 'test generator' } }],
    parameterCount: 0,
  };
}

/**
 * ‖A‖₂ without the project's spectralNorm (ml-matrix SVD): the largest eigenvalue of the Gram
 * matrix AᵀA by repeated squaring (G ← G²/max|G|, 12 times: any eigenvalue ratio below 1 is raised
 * to the 4096th power), then the Rayleigh quotient of AᵀA on the dominant column.
 */
export function spectralNormRef(rows: number, cols: number, a: ArrayLike<number>): number {
  const n = cols;
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let r = 0; r < rows; r++) s += a[r * cols + i] * a[r * cols + j]; gram[i * n + j] = s; }
  let g = gram.slice();
  for (let it = 0; it < 12; it++) {
    const sq = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) { const gik = g[i * n + k]; if (gik === 0) continue; for (let j = 0; j < n; j++) sq[i * n + j] += gik * g[k * n + j]; }
    let max = 0;
    for (const v of sq) max = Math.max(max, Math.abs(v));
    if (max === 0) return 0;
    g = sq.map((v) => v / max);
  }
  // the column of largest norm spans the dominant eigenvector
  let best = 0, bestNorm = -1;
  for (let j = 0; j < n; j++) { let s = 0; for (let i = 0; i < n; i++) s += g[i * n + j] ** 2; if (s > bestNorm) { bestNorm = s; best = j; } }
  const v = Float64Array.from({ length: n }, (_, i) => g[i * n + best]);
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) { let gv = 0; for (let j = 0; j < n; j++) gv += gram[i * n + j] * v[j]; num += v[i] * gv; den += v[i] * v[i]; }
  return Math.sqrt(num / den);
}

/** ℓ1, ℓ∞ and ℓ2 norms of a vector, written out here (the paired vector norm of '1', 'inf', '2'/'fro'). */
export function vecNorm(x: ArrayLike<number>, norm: '2' | '1' | 'inf' | 'fro'): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (norm === '1') s += a; else if (norm === 'inf') s = Math.max(s, a); else s += a * a;
  }
  return norm === '2' || norm === 'fro' ? Math.sqrt(s) : s;
}

/** ‖A‖ of a square matrix in the given norm, written out here (the 2-norm by spectralNormRef). */
export function matNorm(m: number, a: ArrayLike<number>, norm: '2' | '1' | 'inf' | 'fro'): number {
  if (norm === '2') return spectralNormRef(m, m, a);
  if (norm === 'fro') { let s = 0; for (let t = 0; t < m * m; t++) s += a[t] * a[t]; return Math.sqrt(s); }
  let best = 0;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += Math.abs(norm === '1' ? a[j * m + i] : a[i * m + j]);
    best = Math.max(best, s);
  }
  return best;
}

/** CLI I/O over in-memory files (name → text); writing is a test failure. */
export function memoryIo(files: Record<string, string>): CliIo {
  return {
    readFile: (p) => {
      if (!(p in files)) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return new TextEncoder().encode(files[p]);
    },
    writeFile: () => { throw new Error('not expected'); },
    progress: () => undefined,
  };
}
