/**
 * Activation patterns, the explicit affine map and the activation domain at one input (MATH.md §A,
 * residual blocks per §B).
 *
 * One forward sweep carries, next to the plain values N_k(x), the affine map N_k = P_k x + q_k that
 * holds on x's activation domain, by the recursion P_k = J_k W_k P_{k-1}, q_k = J_k (W_k q_{k-1} + b_k).
 * A residual block's branch is run unit by unit the same way and its outer unit uses
 * Z = P_{n-1} + P_branch, z0 = q_{n-1} + q_branch, i.e. x_n = D_n[(I + A_n) x_{n-1} + c_n].
 * The rows of Z (pre-activations in input coordinates) are the half-space normals of the domain.
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { matMul, norm2Vec, zeros, type DenseMatrix } from '../linalg/dense';
import type { DenseLayer, Network } from '../network/model';
import { forward } from '../network/forward';
import type {
  ActivationsResult, HalfSpaces, LayerActivation, PartialProduct, UnitActivation, UnitInfo,
} from '../../shared/analyses/activations';
import { activationUnits, patternLayout, type PatternLayout } from './units';

/** Relative tolerance for "on a boundary": |z_i| ≤ BOUNDARY_TOL · scale_i. */
export const BOUNDARY_TOL = 1e-12;

export interface ActivationOptions {
  /** keep P_k, q_k after every layer (default true) */
  readonly partialProducts?: boolean;
  /** keep the domain's half-spaces (default false) */
  readonly halfSpaces?: boolean;
}

/** The current representation: values v = N(x) and the affine map v = P x + q (P is width × d). */
interface State {
  v: Float64Array;
  P: DenseMatrix;
  q: Float64Array;
}

interface Collector {
  readonly d: number;
  readonly keepHalfSpaces: boolean;
  normals: number[];
  offsets: number[];
  signs: number[];
  unit: number[];
  neuron: number[];
  radius: number;
  nearest?: { unit: number; neuron: number };
  constantNeurons: number;
  onBoundary: number;
  unitCounter: number;
}

function checkInput(net: Network, x: ArrayLike<number>, what: string): Float64Array {
  if (x.length !== net.input.dim) throw new RangeError(`${what}: input has length ${x.length}, network expects ${net.input.dim}`);
  const v = Float64Array.from(x);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new RangeError(`${what}: input coordinate ${i + 1} is not a finite number (${x[i]})`);
  return v;
}

/**
 * One unit: pre-activation z (plain arithmetic), its affine form Z x + z0, scale for tolerances.
 * Records the unit's activation, half-spaces and radius contributions; returns the unit's output state.
 */
function finishUnit(
  info: UnitInfo, z: Float64Array, scale: Float64Array, Z: DenseMatrix, z0: Float64Array, col: Collector,
): { act: UnitActivation; out: State } {
  const m = z.length, d = Z.cols;
  const pattern = new Uint8Array(m);
  const v = new Float64Array(m);
  let active = 0, onBoundary = 0;
  const unitIdx = col.unitCounter++;
  if (!info.relu) {
    pattern.fill(1);
    v.set(z);
    return { act: { ...info, pattern, preactivation: z, active: m, onBoundary: 0 }, out: { v, P: Z, q: z0 } };
  }
  const Zd = Z.data;
  for (let i = 0; i < m; i++) {
    const zi = z[i];
    const on = zi > 0;
    if (on) { pattern[i] = 1; active++; v[i] = zi; }
    const row = Zd.subarray(i * d, (i + 1) * d);
    const norm = norm2Vec(row);
    // a zero normal: z is constant on the domain, so even z = 0 is no face (x is on no boundary)
    if (norm === 0) col.constantNeurons++;
    else {
      if (Math.abs(zi) <= BOUNDARY_TOL * scale[i]) onBoundary++;
      const r = Math.abs(zi) / norm;
      if (r < col.radius) { col.radius = r; col.nearest = { unit: unitIdx, neuron: i }; }
    }
    if (col.keepHalfSpaces) {
      for (let j = 0; j < d; j++) col.normals.push(row[j]);
      col.offsets.push(z0[i]);
      col.signs.push(on ? 1 : -1);
      col.unit.push(unitIdx);
      col.neuron.push(i);
    }
  }
  col.onBoundary += onBoundary;
  // J Z, J z0: zero the rows of inactive neurons (in place: Z and z0 are ours)
  for (let i = 0; i < m; i++) if (!pattern[i]) { Zd.fill(0, i * d, (i + 1) * d); z0[i] = 0; }
  return { act: { ...info, pattern, preactivation: z, active, onBoundary }, out: { v, P: Z, q: z0 } };
}

/** z = W u + b with per-row scale max(1, Σ|W_ij u_j| + |b_i|); Z = W P, z0 = W q + b. */
function denseUnit(layer: DenseLayer, s: State): { z: Float64Array; scale: Float64Array; Z: DenseMatrix; z0: Float64Array } {
  const { rows: m, cols: n, data: W } = layer.weights;
  if (n !== s.v.length) throw new RangeError(`layer expects input width ${n}, got ${s.v.length}`);
  const z = new Float64Array(m), scale = new Float64Array(m), z0 = new Float64Array(m);
  const u = s.v, q = s.q, b = layer.bias;
  for (let i = 0; i < m; i++) {
    let acc = b[i], mag = Math.abs(b[i]), accq = b[i];
    const off = i * n;
    for (let j = 0; j < n; j++) {
      const w = W[off + j];
      const t = w * u[j];
      acc += t; mag += Math.abs(t); accq += w * q[j];
    }
    z[i] = acc; scale[i] = Math.max(1, mag); z0[i] = accq;
  }
  return { z, scale, Z: matMul(layer.weights, s.P), z0 };
}

interface SweepResult {
  readonly units: UnitInfo[];
  readonly layers: LayerActivation[];
  readonly final: State;
  readonly partials?: PartialProduct[];
  readonly collector: Collector;
}

/** The forward sweep behind analyzeActivations. */
function activationSweep(net: Network, x: Float64Array, options: ActivationOptions, ctx: AnalysisContext): SweepResult {
  const d = net.input.dim;
  const units = activationUnits(net);
  const col: Collector = {
    d, keepHalfSpaces: options.halfSpaces ?? false, normals: [], offsets: [], signs: [], unit: [], neuron: [],
    radius: Infinity, constantNeurons: 0, onBoundary: 0, unitCounter: 0,
  };
  const P0 = zeros(d, d);
  for (let i = 0; i < d; i++) P0.data[i * d + i] = 1;
  let s: State = { v: x.slice(), P: P0, q: new Float64Array(d) };
  const layers: LayerActivation[] = [];
  const partials: PartialProduct[] | undefined = options.partialProducts ?? true ? [] : undefined;
  let unitPos = 0;
  for (let k = 0; k < net.depth; k++) {
    if ((k & 63) === 0) checkpoint(ctx, k / net.depth, `layer ${k + 1}/${net.depth}`);
    const layer = net.layer(k);
    if (layer.kind === 'dense') {
      const { z, scale, Z, z0 } = denseUnit(layer, s);
      const { act, out } = finishUnit(units[unitPos++], z, scale, Z, z0, col);
      layers.push({ ...act, output: out.v });
      s = out;
    } else {
      const input = s;
      const branch: UnitActivation[] = [];
      let bs = s, lastScale: Float64Array | undefined;
      for (const bl of layer.branch) {
        const { z, scale, Z, z0 } = denseUnit(bl, bs);
        const { act, out } = finishUnit(units[unitPos++], z, scale, Z, z0, col);
        branch.push(act);
        bs = out;
        lastScale = scale;
      }
      const m = input.v.length;
      if (bs.v.length !== m) throw new RangeError(`residual block ${k + 1}: branch maps width ${m} to ${bs.v.length}`);
      const z = new Float64Array(m), scale = new Float64Array(m), z0 = new Float64Array(m);
      const Z = zeros(m, d);
      for (let i = 0; i < m; i++) {
        z[i] = input.v[i] + bs.v[i];
        scale[i] = Math.max(1, Math.abs(input.v[i]) + (lastScale ? lastScale[i] : Math.abs(bs.v[i])));
        z0[i] = input.q[i] + bs.q[i];
      }
      for (let t = 0; t < Z.data.length; t++) Z.data[t] = input.P.data[t] + bs.P.data[t];
      const { act, out } = finishUnit(units[unitPos++], z, scale, Z, z0, col);
      layers.push({ ...act, output: out.v, branch });
      s = out;
    }
    if (partials) partials.push({ layer: k + 1, P: { rows: s.P.rows, cols: s.P.cols, data: s.P.data.slice() }, q: s.q.slice() });
  }
  return { units, layers, final: s, partials, collector: col };
}

/**
 * Everything about the activation domain of x: patterns and pre-activations of every unit, the
 * explicit affine map N = A x + c verified against the plain forward pass, the partial products,
 * the stability radius and (on request) the half-spaces.
 */
export function analyzeActivations(net: Network, input: ArrayLike<number>, options: ActivationOptions = {}, ctx: AnalysisContext = silentContext): ActivationsResult {
  const x = checkInput(net, input, 'analyzeActivations');
  const { units, layers, final, partials, collector: col } = activationSweep(net, x, options, ctx);
  const output = final.v;
  const A = final.P, c = final.q;
  const reference = forward(net, x);
  const diff = new Float64Array(reference.length);
  for (let i = 0; i < A.rows; i++) {
    let acc = c[i];
    for (let j = 0; j < A.cols; j++) acc += A.data[i * A.cols + j] * x[j];
    diff[i] = acc - reference[i];
  }
  const residual = norm2Vec(diff);
  // relative to the terms whose rounding the residual measures: a zero output (dead network,
  // cancelling terms) must not divide by ~0
  const scale = Math.max(norm2Vec(reference), norm2Vec(A.data) * norm2Vec(x) + norm2Vec(c));
  const relativeResidual = residual === 0 ? 0 : residual / scale;
  let halfSpaces: HalfSpaces | undefined;
  if (col.keepHalfSpaces) {
    const count = col.offsets.length;
    halfSpaces = {
      normals: { rows: count, cols: col.d, data: Float64Array.from(col.normals) },
      offsets: Float64Array.from(col.offsets),
      signs: Int8Array.from(col.signs),
      unit: Int32Array.from(col.unit),
      neuron: Int32Array.from(col.neuron),
    };
  }
  const nearestFace = col.nearest
    ? { unit: col.nearest.unit, neuron: col.nearest.neuron, label: `${units[col.nearest.unit].label}, neuron ${col.nearest.neuron + 1}` }
    : undefined;
  checkpoint(ctx, 1);
  return {
    input: x, output, units, layers,
    affine: { A, c, residual, relativeResidual },
    partials, radius: col.radius, nearestFace, constantNeurons: col.constantNeurons, onBoundary: col.onBoundary,
    halfSpaces,
  };
}

/**
 * The packed activation pattern of x (layout: core/activation/pattern.ts). Cheap: plain forward
 * values only, no affine maps.
 */
export function packedPattern(net: Network, input: ArrayLike<number>, layout: PatternLayout = patternLayout(activationUnits(net))): Uint32Array {
  const x = checkInput(net, input, 'packedPattern');
  const out = new Uint32Array(layout.words);
  let unit = 0, p = 0;
  const record = (z: Float64Array, relu: boolean) => {
    if (relu) {
      const off = layout.wordOffset[p++];
      for (let i = 0; i < z.length; i++) if (z[i] > 0) out[off + (i >>> 5)] |= 1 << (i & 31);
    }
    unit++;
  };
  const dense = (l: DenseLayer, u: Float64Array): Float64Array => {
    const z = new Float64Array(l.weights.rows);
    const { cols: n, data: W } = l.weights;
    for (let i = 0; i < z.length; i++) {
      let acc = l.bias[i];
      for (let j = 0; j < n; j++) acc += W[i * n + j] * u[j];
      z[i] = acc;
    }
    record(z, l.activation === 'relu');
    if (l.activation === 'relu') for (let i = 0; i < z.length; i++) if (!(z[i] > 0)) z[i] = 0;
    return z;
  };
  let v = x;
  for (let k = 0; k < net.depth; k++) {
    const layer = net.layer(k);
    if (layer.kind === 'dense') { v = dense(layer, v); continue; }
    let u = v;
    for (const bl of layer.branch) u = dense(bl, u);
    const z = new Float64Array(v.length);
    for (let i = 0; i < z.length; i++) z[i] = v[i] + u[i];
    const relu = layer.activation === 'relu';
    record(z, relu);
    if (relu) for (let i = 0; i < z.length; i++) if (!(z[i] > 0)) z[i] = 0;
    v = z;
  }
  void unit;
  return out;
}

/** True when x and y have the same activation pattern in every unit (the same activation domain). */
export function sameDomain(net: Network, x: ArrayLike<number>, y: ArrayLike<number>): boolean {
  const layout = patternLayout(activationUnits(net));
  const a = packedPattern(net, x, layout), b = packedPattern(net, y, layout);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether y satisfies the half-spaces of a domain: sign·(n·y + o) ≥ −tol·scale for every face,
 * scale = max(1, Σ|n_j y_j| + |o|). A geometric check that needs no forward pass.
 */
export function domainContains(h: HalfSpaces, y: ArrayLike<number>, tol = BOUNDARY_TOL): boolean {
  const d = h.normals.cols;
  if (y.length !== d) throw new RangeError(`domainContains: point has length ${y.length}, half-spaces live in dimension ${d}`);
  const N = h.normals.data;
  for (let r = 0; r < h.offsets.length; r++) {
    let acc = h.offsets[r], mag = Math.abs(h.offsets[r]);
    for (let j = 0; j < d; j++) { const t = N[r * d + j] * y[j]; acc += t; mag += Math.abs(t); }
    if (h.signs[r] * acc < -tol * Math.max(1, mag)) return false;
  }
  return true;
}

/** Stability radius of x alone (see ActivationsResult.radius). */
export function stabilityRadius(net: Network, x: ArrayLike<number>, ctx: AnalysisContext = silentContext): number {
  return analyzeActivations(net, x, { partialProducts: false }, ctx).radius;
}

/**
 * The affine map N(x) = A x + c on the activation domain with a given packed pattern (no point
 * needed): the same recursion with J_k read from the pattern. Used for region maps.
 */
export function affineMapForPattern(net: Network, pattern: Uint32Array, layout: PatternLayout = patternLayout(activationUnits(net))): { A: DenseMatrix; c: Float64Array } {
  if (pattern.length !== layout.words) throw new RangeError(`affineMapForPattern: pattern has ${pattern.length} words, layout needs ${layout.words}`);
  const d = net.input.dim;
  let P = zeros(d, d);
  for (let i = 0; i < d; i++) P.data[i * d + i] = 1;
  let q = new Float64Array(d);
  let p = 0;
  const mask = (Z: DenseMatrix, z0: Float64Array, relu: boolean) => {
    if (!relu) return;
    const off = layout.wordOffset[p++];
    for (let i = 0; i < Z.rows; i++) {
      if ((pattern[off + (i >>> 5)] >>> (i & 31)) & 1) continue;
      Z.data.fill(0, i * Z.cols, (i + 1) * Z.cols);
      z0[i] = 0;
    }
  };
  const dense = (l: DenseLayer, Pin: DenseMatrix, qin: Float64Array) => {
    const Z = matMul(l.weights, Pin);
    const z0 = new Float64Array(l.weights.rows);
    const n = l.weights.cols;
    for (let i = 0; i < z0.length; i++) {
      let acc = l.bias[i];
      for (let j = 0; j < n; j++) acc += l.weights.data[i * n + j] * qin[j];
      z0[i] = acc;
    }
    mask(Z, z0, l.activation === 'relu');
    return { Z, z0 };
  };
  for (let k = 0; k < net.depth; k++) {
    const layer = net.layer(k);
    if (layer.kind === 'dense') { const r = dense(layer, P, q); P = r.Z; q = r.z0; continue; }
    let bP = P, bq = q;
    for (const bl of layer.branch) { const r = dense(bl, bP, bq); bP = r.Z; bq = r.z0; }
    const Z = zeros(P.rows, d), z0 = new Float64Array(P.rows);
    for (let t = 0; t < Z.data.length; t++) Z.data[t] = P.data[t] + bP.data[t];
    for (let i = 0; i < z0.length; i++) z0[i] = q[i] + bq[i];
    mask(Z, z0, layer.activation === 'relu');
    P = Z; q = z0;
  }
  return { A: P, c: q };
}
