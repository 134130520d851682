/** The plain forward pass — the reference every explicit formula is verified against. */
import { matVec } from '../linalg/dense';
import type { Layer, Network } from './model';

export function relu(t: number): number {
  return t > 0 ? t : 0;
}

/** Apply one layer (dense or residual block) to x. */
export function applyLayer(layer: Layer, x: Float64Array): Float64Array {
  if (layer.kind === 'dense') {
    const y = matVec(layer.weights, x, layer.bias);
    if (layer.activation === 'relu') for (let i = 0; i < y.length; i++) y[i] = y[i] > 0 ? y[i] : 0;
    return y;
  }
  let u = x;
  for (const l of layer.branch) u = applyLayer(l, u);
  const y = new Float64Array(x.length);
  for (let i = 0; i < y.length; i++) {
    const t = x[i] + u[i];
    y[i] = layer.activation === 'relu' ? (t > 0 ? t : 0) : t;
  }
  return y;
}

/**
 * applyLayer for a dense layer into `out` (of the layer's output width, not aliasing x), so a walk
 * over 10⁵ layers allocates nothing per step; anything else falls back to applyLayer's new array.
 */
export function applyLayerInto(layer: Layer, x: Float64Array, out: Float64Array): Float64Array {
  if (layer.kind !== 'dense' || out.length !== layer.weights.rows || out === x) return applyLayer(layer, x);
  matVec(layer.weights, x, layer.bias, out);
  if (layer.activation === 'relu') for (let i = 0; i < out.length; i++) out[i] = out[i] > 0 ? out[i] : 0;
  return out;
}

/** N_n(x) for the whole network. */
export function forward(net: Network, x: ArrayLike<number>): Float64Array {
  if (x.length !== net.input.dim) throw new RangeError(`forward: input has length ${x.length}, network expects ${net.input.dim}`);
  let v: Float64Array = Float64Array.from(x);
  for (let k = 0; k < net.depth; k++) v = applyLayer(net.layer(k), v);
  return v;
}

/** N_0(x), N_1(x), …, N_n(x) (depth + 1 vectors). */
export function forwardTrace(net: Network, x: ArrayLike<number>): Float64Array[] {
  const out: Float64Array[] = [Float64Array.from(x)];
  for (let k = 0; k < net.depth; k++) out.push(applyLayer(net.layer(k), out[k]));
  return out;
}
