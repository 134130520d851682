/**
 * Test networks for the convergence tests: lazily generated affine families (W_k = a·I + s_W(k)·M,
 * b_k = s_b(k)·v, s(k) = (k + offset)^power, k = 1..count) exposing their FamilyInfo, exactly as
 * the parser's families do, so the analysis can take its closed-form shortcuts.
 */
import type { DenseMatrix } from '../../src/core/linalg/dense';
import type { Activation, FamilyInfo, InputSpec, Layer, Network, ScaleLaw } from '../../src/core/network/model';

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
