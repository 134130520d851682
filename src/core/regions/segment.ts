/**
 * Exact linear pieces of N along a segment x(t) = from + t (to − from), t ∈ [0, 1]: the 1-D
 * version of the slice partition. Intervals are split unit by unit at the roots of each neuron's
 * pre-activation (an affine function of t on the interval).
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import type { DenseLayer, Network } from '../network/model';
import type { SegmentResult } from '../../shared/analyses/activations';
import { activationUnits } from '../activation/units';

/** Roots closer than this (in t) to an interval end or to each other are the same point. */
const T_TOL = 1e-12;

interface Interval {
  t0: number;
  t1: number;
  /** output of the last unit = P t + q (P, q: width) */
  P: Float64Array;
  q: Float64Array;
  blockP?: Float64Array;
  blockQ?: Float64Array;
}

function denseAffine1(l: DenseLayer, P: Float64Array, q: Float64Array): { Z: Float64Array; z0: Float64Array } {
  const { rows: m, cols: n, data: W } = l.weights;
  const Z = new Float64Array(m), z0 = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let a = 0, c = l.bias[i];
    for (let j = 0; j < n; j++) { const w = W[i * n + j]; a += w * P[j]; c += w * q[j]; }
    Z[i] = a; z0[i] = c;
  }
  return { Z, z0 };
}

/**
 * Count activation pieces along the segment (`pieces`, one per activation pattern met) and linear
 * pieces of the output (`linearPieces`: adjacent activation pieces whose output maps coincide to
 * 1e-9 relative are merged, since different patterns can give the same affine function).
 */
export function segmentPieces(net: Network, from: ArrayLike<number>, to: ArrayLike<number>, ctx: AnalysisContext = silentContext): SegmentResult {
  const d = net.input.dim;
  if (from.length !== d || to.length !== d) throw new RangeError(`segmentPieces: endpoints have lengths ${from.length} and ${to.length}, network expects ${d}`);
  const units = activationUnits(net);
  const P0 = new Float64Array(d), q0 = Float64Array.from(from);
  for (let j = 0; j < d; j++) P0[j] = to[j] - from[j];
  let cells: Interval[] = [{ t0: 0, t1: 1, P: P0, q: q0 }];
  const perDepth: number[] = [];
  let unitIndex = 0;
  const applyUnit = (relu: boolean, width: number, affine: (c: Interval) => { Z: Float64Array; z0: Float64Array }, inheritBlock: boolean) => {
    checkpoint(ctx, unitIndex++ / units.length);
    const next: Interval[] = [];
    for (const c of cells) {
      const { Z, z0 } = affine(c);
      const cuts: number[] = [c.t0];
      if (relu) {
        for (let i = 0; i < width; i++) {
          if (Z[i] === 0) continue;
          const r = -z0[i] / Z[i];
          if (r > c.t0 + T_TOL && r < c.t1 - T_TOL) cuts.push(r);
        }
        cuts.sort((a, b) => a - b);
      }
      cuts.push(c.t1);
      for (let k = 0; k + 1 < cuts.length; k++) {
        const t0 = cuts[k], t1 = cuts[k + 1];
        if (t1 - t0 <= T_TOL) continue;
        const tm = (t0 + t1) / 2;
        const P = Z.slice(), q = z0.slice();
        if (relu) for (let i = 0; i < width; i++) if (!(Z[i] * tm + z0[i] > 0)) { P[i] = 0; q[i] = 0; }
        next.push({ t0, t1, P, q, blockP: inheritBlock ? c.blockP : undefined, blockQ: inheritBlock ? c.blockQ : undefined });
      }
    }
    cells = next;
  };
  for (let k = 0; k < net.depth; k++) {
    const layer = net.layer(k);
    if (layer.kind === 'dense') {
      applyUnit(layer.activation === 'relu', layer.weights.rows, (c) => denseAffine1(layer, c.P, c.q), false);
    } else {
      for (const c of cells) { c.blockP = c.P; c.blockQ = c.q; }
      for (const bl of layer.branch) applyUnit(bl.activation === 'relu', bl.weights.rows, (c) => denseAffine1(bl, c.P, c.q), true);
      const width = net.outWidth(k);
      applyUnit(layer.activation === 'relu', width, (c) => {
        const Z = new Float64Array(width), z0 = new Float64Array(width);
        for (let i = 0; i < width; i++) { Z[i] = c.blockP![i] + c.P[i]; z0[i] = c.blockQ![i] + c.q[i]; }
        return { Z, z0 };
      }, false);
    }
    perDepth.push(cells.length);
  }
  let linearPieces = cells.length === 0 ? 0 : 1;
  for (let k = 1; k < cells.length; k++) {
    const a = cells[k - 1], b = cells[k];
    let same = true;
    for (let i = 0; i < a.P.length && same; i++) {
      const scale = Math.max(1e-300, Math.abs(a.P[i]) + Math.abs(b.P[i]) + Math.abs(a.q[i]) + Math.abs(b.q[i]));
      if (Math.abs(a.P[i] - b.P[i]) > 1e-9 * scale || Math.abs(a.q[i] - b.q[i]) > 1e-9 * scale) same = false;
    }
    if (!same) linearPieces++;
  }
  const breakpoints = Float64Array.from(cells.slice(1).map((c) => c.t0));
  checkpoint(ctx, 1);
  return { pieces: cells.length, breakpoints, perDepth, linearPieces };
}
