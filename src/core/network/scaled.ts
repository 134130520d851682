/**
 * Forward passes that cannot overflow: the state is carried as v·2^e (a per-layer log2 scale).
 *
 * A layer z = W u + b is positively homogeneous in (u, b): scaling the state and the bias by the same
 * 2^−s scales z by 2^−s, and ReLU commutes with positive scaling. So activation patterns, angles,
 * half-space normals over offsets and stability radii computed on the scaled state are the true ones,
 * whatever the magnitude of N(x) — W = 10·I for 1000 layers gives the right pattern, and only the
 * absolute values N(x) = v·2^e may lie outside float64 (they are then reported as an overflow, never as
 * ∞ or NaN). Ordinary networks never rescale (e stays 0), so their arithmetic is unchanged bit for bit.
 */
import type { DenseLayer, Layer, Network } from './model';

/** x·2^e for any integer e, without the intermediate overflow or underflow of x * 2 ** e. */
export function ldexp(x: number, e: number): number {
  let r = x;
  while (e > 1000) { r *= 2 ** 1000; e -= 1000; if (!Number.isFinite(r)) return r; }
  while (e < -1000) { r *= 2 ** -1000; e += 1000; if (r === 0) return r; }
  return r * 2 ** e;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) { const t = Math.abs(a[i]); if (t > m || t !== t) m = t; }
  return m;
}

/** log2(2^a + 2^b), exact enough for bounds; −∞ stands for 0. */
export function log2Add(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b), lo = Math.min(a, b);
  return hi + Math.log2(1 + 2 ** (lo - hi));
}

/** A non-finite weight or bias, or a value that leaves float64: a finding, never a result. */
export class NonFiniteError extends RangeError {
  constructor(readonly layer: number, message: string) {
    super(message);
    this.name = 'RangeError';
  }
}

interface LayerStats {
  /** log2 of max |W_ij|, of max |b_i|, of the fan-in */
  readonly w: number;
  readonly b: number;
  readonly n: number;
}
const statsCache = new WeakMap<DenseLayer, LayerStats>();

/**
 * Magnitudes of a dense layer (cached per layer object); a NaN or ±∞ weight or bias is located and
 * refused: nothing computed from it is a number. `where` names the layer for the message.
 */
export function denseStats(l: DenseLayer, where: string, layerNo: number): LayerStats {
  let s = statsCache.get(l);
  if (s) return s;
  const { rows, cols, data } = l.weights;
  let mw = 0, mb = 0;
  for (let i = 0; i < data.length; i++) {
    const t = Math.abs(data[i]);
    if (!(t <= Number.MAX_VALUE)) throw new NonFiniteError(layerNo, `${where}: weight (${Math.floor(i / cols) + 1}, ${(i % cols) + 1}) is ${data[i]}; nothing from this layer on is a number`);
    if (t > mw) mw = t;
  }
  for (let i = 0; i < rows; i++) {
    const t = Math.abs(l.bias[i]);
    if (!(t <= Number.MAX_VALUE)) throw new NonFiniteError(layerNo, `${where}: bias ${i + 1} is ${l.bias[i]}; nothing from this layer on is a number`);
    if (t > mb) mb = t;
  }
  s = { w: Math.log2(mw), b: Math.log2(mb), n: Math.log2(Math.max(1, cols)) };
  statsCache.set(l, s);
  return s;
}

/** Rescale when a bound leaves [2^−LIMIT, 2^LIMIT]: far from float64's ends, so no product or sum can overflow. */
const LIMIT = 600;

/**
 * The shift s (state ← state·2^−s, e ← e + s) that keeps one layer (or one residual block) in range,
 * given log2 of the largest state entry `inLog2` and the current exponent `e`; 0 when none is needed.
 */
export function layerShift(layer: Layer, inLog2: number, e: number, layerNo: number): number {
  let peak: number;
  if (layer.kind === 'dense') {
    const s = denseStats(layer, `layer ${layerNo}`, layerNo);
    peak = log2Add(s.n + s.w + inLog2, s.b - e);
  } else {
    let L = inLog2;
    peak = inLog2;
    layer.branch.forEach((bl, j) => {
      const s = denseStats(bl, `block ${layerNo} · branch ${j + 1}`, layerNo);
      L = log2Add(s.n + s.w + L, s.b - e);
      if (L > peak) peak = L;
    });
    peak = Math.max(peak, log2Add(inLog2, L));
  }
  if (peak === -Infinity || (peak <= LIMIT && peak >= -LIMIT)) return 0;
  // scaling up for a tiny layer (W = 0 with a bias of 5e−324) must not push the state itself past
  // float64 (it did: 0·∞ = NaN, reported as an overflow 'about NaNeNaN'); the state stays ≤ 2^LIMIT,
  // and what the layer adds below 2^−(LIMIT + 1074) of the state is lost, as in any rounding
  return Math.max(Math.ceil(peak), Math.ceil(inLog2) - LIMIT);
}

/** v·2^e as plain numbers (a new array); entries beyond float64 become ±∞ (callers report them). */
export function unscale(v: Float64Array, e: number): Float64Array {
  if (e === 0) return v.slice();
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = ldexp(v[i], e);
  return out;
}

/** Multiply in place by 2^−s. */
export function shiftDown(a: Float64Array, s: number): void {
  if (s === 0) return;
  for (let i = 0; i < a.length; i++) a[i] = ldexp(a[i], -s);
}

/** Bias scaled to the state's exponent: b·2^−e (the same array when e = 0). */
export function scaledBias(b: Float64Array, e: number): Float64Array {
  if (e === 0) return b;
  const out = new Float64Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = ldexp(b[i], -e);
  return out;
}

export interface ScaledVector {
  /** the mantissas; the value is v·2^e */
  v: Float64Array;
  e: number;
}

/**
 * One layer on a scaled state; `record` (optional) sees every unit's pre-activation mantissas (same
 * exponent as the result) and whether it is a ReLU unit. `layerNo` is 1-based, for messages.
 */
export function applyLayerScaled(layer: Layer, x: ScaledVector, layerNo: number, record?: (z: Float64Array, relu: boolean) => void): ScaledVector {
  let v = x.v, e = x.e;
  const s = layerShift(layer, Math.log2(maxAbs(v)), e, layerNo);
  if (s !== 0) { v = v.slice(); shiftDown(v, s); e += s; }
  if (layer.kind === 'dense') {
    const z = denseScaledPre(layer, v, e);
    record?.(z, layer.activation === 'relu');
    if (layer.activation === 'relu') for (let i = 0; i < z.length; i++) if (!(z[i] > 0)) z[i] = 0;
    return { v: z, e };
  }
  let u = v;
  for (const bl of layer.branch) {
    const z = denseScaledPre(bl, u, e);
    record?.(z, bl.activation === 'relu');
    if (bl.activation === 'relu') for (let i = 0; i < z.length; i++) if (!(z[i] > 0)) z[i] = 0;
    u = z;
  }
  const y = new Float64Array(v.length);
  for (let i = 0; i < y.length; i++) y[i] = v[i] + u[i];
  const relu = layer.activation === 'relu';
  record?.(y, relu);
  if (relu) for (let i = 0; i < y.length; i++) if (!(y[i] > 0)) y[i] = 0;
  return { v: y, e };
}

/** z = W u + b·2^−e, no activation. */
function denseScaledPre(l: DenseLayer, u: Float64Array, e: number): Float64Array {
  const { rows: m, cols: n, data: W } = l.weights;
  const b = scaledBias(l.bias, e);
  const z = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let acc = b[i];
    const off = i * n;
    for (let j = 0; j < n; j++) acc += W[off + j] * u[j];
    z[i] = acc;
  }
  return z;
}

/**
 * N(x) as v·2^e: the plain forward pass (bit for bit when e stays 0) with the rescaling above, so it
 * never produces ∞ or NaN from finite weights.
 */
export function forwardScaled(net: Network, x: ArrayLike<number>): ScaledVector {
  let s: ScaledVector = { v: Float64Array.from(x), e: 0 };
  for (let k = 0; k < net.depth; k++) s = applyLayerScaled(net.layer(k), s, k + 1);
  return s;
}

/** Check an input vector: every coordinate a finite number. */
export function checkFiniteInput(x: ArrayLike<number>, what: string): void {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new NonFiniteError(0, `${what}: input coordinate ${i + 1} is not a finite number (${x[i]})`);
}

/** "about 2.0e308" for a magnitude 2^log2 beyond float64. */
export function magnitude(log2: number): string {
  const l10 = log2 * Math.log10(2);
  const ex = Math.floor(l10);
  return `about ${(10 ** (l10 - ex)).toFixed(1)}e${ex}`;
}
