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
import type { DenseLayer, Layer, Network } from '../network/model';
import { activationsCost, checkBudget, withAllocationCheck, type AnalysisBudget } from '../network/budget';
import { applyLayerScaled, forwardScaled, layerShift, type ScaledVector, ldexp, magnitude, maxAbs, scaledBias, shiftDown, unscale } from '../network/scaled';
import type {
  ActivationOverflow, ActivationsResult, HalfSpaces, LayerActivation, PartialProduct, UnitActivation, UnitInfo,
} from '../../shared/analyses/activations';
import { activationUnits, patternLayout, type PatternLayout } from './units';

/** Relative tolerance for "on a boundary": |z_i| ≤ BOUNDARY_TOL · scale_i. */
export const BOUNDARY_TOL = 1e-12;

export interface ActivationOptions {
  /** keep P_k, q_k after every layer (default true) */
  readonly partialProducts?: boolean;
  /** keep the domain's half-spaces (default false) */
  readonly halfSpaces?: boolean;
  /** refuse before any work when the cost estimated from the shapes is above it (default DEFAULT_BUDGET) */
  readonly budget?: AnalysisBudget;
  /**
   * which layers (1-based) the result keeps in `layers` and `partials` (default: every layer); deep
   * networks keep a sample and read every layer through `onLayer`
   */
  readonly keepLayer?: (layer: number) => boolean;
  /** called after every layer (1-based) with its state, kept or not (e.g. per-layer summaries, streamed) */
  readonly onLayer?: (layer: number, state: LayerActivation) => void;
}

/**
 * The current representation: values v = N(x) and the affine map v = P x + q (P is width × d), all
 * three carried as mantissas of v·2^e, P·2^e, q·2^e (core/network/scaled.ts): patterns, normals over
 * offsets and radii are scale-free, so they stay right where N(x) itself leaves float64.
 */
interface State {
  v: Float64Array;
  P: DenseMatrix;
  q: Float64Array;
  e: number;
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
  info: UnitInfo, z: Float64Array, scale: Float64Array, Z: DenseMatrix, z0: Float64Array, col: Collector, e: number,
): { act: UnitActivation; out: State } {
  const m = z.length, d = Z.cols;
  const pattern = new Uint8Array(m);
  const v = new Float64Array(m);
  let active = 0, onBoundary = 0;
  const unitIdx = col.unitCounter++;
  if (!info.relu) {
    pattern.fill(1);
    v.set(z);
    return { act: { ...info, pattern, preactivation: z, active: m, onBoundary: 0 }, out: { v, P: Z, q: z0, e } };
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
  return { act: { ...info, pattern, preactivation: z, active, onBoundary }, out: { v, P: Z, q: z0, e } };
}

/**
 * z = W u + b with per-row scale max(1, Σ|W_ij u_j| + |b_i|); Z = W P, z0 = W q + b — in the state's
 * scale: b·2^−e, and the floor 1 of the scale is 2^−e.
 */
function denseUnit(layer: DenseLayer, s: State): { z: Float64Array; scale: Float64Array; Z: DenseMatrix; z0: Float64Array } {
  const { rows: m, cols: n, data: W } = layer.weights;
  if (n !== s.v.length) throw new RangeError(`layer expects input width ${n}, got ${s.v.length}`);
  const z = new Float64Array(m), scale = new Float64Array(m), z0 = new Float64Array(m);
  const u = s.v, q = s.q, b = scaledBias(layer.bias, s.e);
  const floor = s.e === 0 ? 1 : ldexp(1, -s.e);
  for (let i = 0; i < m; i++) {
    let acc = b[i], mag = Math.abs(b[i]), accq = b[i];
    const off = i * n;
    for (let j = 0; j < n; j++) {
      const w = W[off + j];
      const t = w * u[j];
      acc += t; mag += Math.abs(t); accq += w * q[j];
    }
    z[i] = acc; scale[i] = Math.max(floor, mag); z0[i] = accq;
  }
  return { z, scale, Z: matMul(layer.weights, s.P), z0 };
}

interface SweepResult {
  readonly units: UnitInfo[];
  readonly layers: LayerActivation[];
  readonly final: State;
  readonly partials?: PartialProduct[];
  readonly collector: Collector;
  readonly watch: OverflowWatch;
}

/** The first overflow seen by a sweep, and the conversion of mantissas back to plain numbers. */
class OverflowWatch {
  finding?: ActivationOverflow;
  /** v·2^e as numbers; NaN everywhere once anything overflowed (never ∞, never a finite value from one) */
  plain(v: Float64Array, e: number, layer: number, quantity: ActivationOverflow['quantity']): Float64Array {
    if (this.finding) return new Float64Array(v.length).fill(NaN);
    if (e === 0) return v;
    const out = unscale(v, e);
    for (let i = 0; i < out.length; i++) {
      if (Number.isFinite(out[i])) continue;
      const log2 = Math.log2(maxAbs(v)) + e;
      const what = quantity === 'affine map' ? `the affine map P_${layer}, q_${layer}` : quantity === 'output' ? `N_${layer}(x)` : 'a pre-activation';
      this.finding = {
        layer, quantity, log2,
        message: `overflows float64 at layer ${layer} (${what} is ${magnitude(log2)}): N(x), the affine map and every value from layer ${layer} on are withheld; the activation patterns and the stability radius are exact (computed with a per-layer scale)`,
      };
      return out.fill(NaN);
    }
    return out;
  }
}

/** Bring the state into range before a layer (new arrays: the old ones may be referenced by results). */
function rescale(s: State, layer: Layer, layerNo: number): State {
  const inLog2 = Math.log2(Math.max(maxAbs(s.v), maxAbs(s.P.data), maxAbs(s.q)));
  const shift = layerShift(layer, inLog2, s.e, layerNo);
  if (shift === 0) return s;
  const v = s.v.slice(), P = { rows: s.P.rows, cols: s.P.cols, data: s.P.data.slice() }, q = s.q.slice();
  shiftDown(v, shift); shiftDown(P.data, shift); shiftDown(q, shift);
  return { v, P, q, e: s.e + shift };
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
  let s: State = { v: x.slice(), P: P0, q: new Float64Array(d), e: 0 };
  const layers: LayerActivation[] = [];
  const partials: PartialProduct[] | undefined = options.partialProducts ?? true ? [] : undefined;
  const watch = new OverflowWatch();
  const keep = options.keepLayer ?? (() => true);
  let unitPos = 0;
  for (let k = 0; k < net.depth; k++) {
    if ((k & 63) === 0) checkpoint(ctx, k / net.depth, `layer ${k + 1}/${net.depth}`);
    const layer = net.layer(k);
    s = rescale(s, layer, k + 1);
    const e = s.e;
    if (layer.kind === 'dense') {
      const { z, scale, Z, z0 } = denseUnit(layer, s);
      const { act, out } = finishUnit(units[unitPos++], z, scale, Z, z0, col, e);
      const preactivation = watch.plain(act.preactivation, e, k + 1, 'preactivation');
      const state: LayerActivation = { ...act, preactivation, output: watch.plain(out.v, e, k + 1, 'output') };
      if (keep(k + 1)) layers.push(state);
      options.onLayer?.(k + 1, state);
      s = out;
    } else {
      const input = s;
      const branch: UnitActivation[] = [];
      let bs = s, lastScale: Float64Array | undefined;
      for (const bl of layer.branch) {
        const { z, scale, Z, z0 } = denseUnit(bl, bs);
        const { act, out } = finishUnit(units[unitPos++], z, scale, Z, z0, col, e);
        branch.push({ ...act, preactivation: watch.plain(act.preactivation, e, k + 1, 'preactivation') });
        bs = out;
        lastScale = scale;
      }
      const m = input.v.length;
      if (bs.v.length !== m) throw new RangeError(`residual block ${k + 1}: branch maps width ${m} to ${bs.v.length}`);
      const z = new Float64Array(m), scale = new Float64Array(m), z0 = new Float64Array(m);
      const Z = zeros(m, d);
      const floor = e === 0 ? 1 : ldexp(1, -e);
      for (let i = 0; i < m; i++) {
        z[i] = input.v[i] + bs.v[i];
        scale[i] = Math.max(floor, Math.abs(input.v[i]) + (lastScale ? lastScale[i] : Math.abs(bs.v[i])));
        z0[i] = input.q[i] + bs.q[i];
      }
      for (let t = 0; t < Z.data.length; t++) Z.data[t] = input.P.data[t] + bs.P.data[t];
      const { act, out } = finishUnit(units[unitPos++], z, scale, Z, z0, col, e);
      const preactivation = watch.plain(act.preactivation, e, k + 1, 'preactivation');
      const state: LayerActivation = { ...act, preactivation, output: watch.plain(out.v, e, k + 1, 'output'), branch };
      if (keep(k + 1)) layers.push(state);
      options.onLayer?.(k + 1, state);
      s = out;
    }
    if (partials) {
      // every layer goes through the overflow watch (the first overflow is located even between kept layers)
      const P = watch.plain(s.P.data === P0.data ? s.P.data.slice() : s.P.data, s.e, k + 1, 'affine map');
      const q = watch.plain(s.q, s.e, k + 1, 'affine map');
      if (keep(k + 1)) partials.push({ layer: k + 1, P: { rows: s.P.rows, cols: s.P.cols, data: P === s.P.data ? P.slice() : P }, q: q === s.q ? q.slice() : q });
    }
  }
  return { units, layers, final: s, partials, collector: col, watch };
}

/**
 * Everything about the activation domain of x: patterns and pre-activations of every unit, the
 * explicit affine map N = A x + c verified against the plain forward pass, the partial products,
 * the stability radius and (on request) the half-spaces. Values beyond float64 are withheld and
 * named in `overflow`; the patterns and the radius are exact whatever the magnitudes.
 */
export function analyzeActivations(net: Network, input: ArrayLike<number>, options: ActivationOptions = {}, ctx: AnalysisContext = silentContext): ActivationsResult {
  const x = checkInput(net, input, 'analyzeActivations');
  checkBudget('activations', activationsCost(net, options), options.budget);
  const { units, layers, final, partials, collector: col, watch } = withAllocationCheck('activations', () => activationSweep(net, x, options, ctx));
  // the check in the final state's scale: the reference is the same forward pass, rescaled on its own
  const e = final.e;
  const reference = forwardScaled(net, x);
  const ref = reference.e === e ? reference.v : unscale(reference.v, reference.e - e);
  const A = final.P, c = final.q;
  const diff = new Float64Array(ref.length);
  for (let i = 0; i < A.rows; i++) {
    let acc = c[i];
    for (let j = 0; j < A.cols; j++) acc += A.data[i * A.cols + j] * x[j];
    diff[i] = acc - ref[i];
  }
  const residualScaled = norm2Vec(diff);
  // relative to the terms whose rounding the residual measures: a zero output (dead network,
  // cancelling terms) must not divide by ~0
  const scale = Math.max(norm2Vec(ref), norm2Vec(A.data) * norm2Vec(x) + norm2Vec(c));
  const relativeResidual = residualScaled === 0 ? 0 : residualScaled / scale;
  const depth = net.depth;
  const output = watch.plain(final.v, e, depth, 'output');
  const Aplain = watch.plain(A.data, e, depth, 'affine map');
  const cplain = watch.plain(c, e, depth, 'affine map');
  const residual = watch.finding ? NaN : e === 0 ? residualScaled : ldexp(residualScaled, e);
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
    affine: { A: { rows: A.rows, cols: A.cols, data: Aplain }, c: cplain, residual, relativeResidual },
    partials, radius: col.radius, nearestFace, constantNeurons: col.constantNeurons, onBoundary: col.onBoundary,
    halfSpaces,
    ...(watch.finding ? { overflow: watch.finding } : {}),
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
  // scaled: signs are invariant under the per-layer rescaling, so patterns are right where N(x) overflows
  let v: ScaledVector = { v: x, e: 0 };
  for (let k = 0; k < net.depth; k++) v = applyLayerScaled(net.layer(k), v, k + 1, record);
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
