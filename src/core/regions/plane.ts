/** Choosing the 2-D slice x = o + s·u + t·v that region maps and partitions are computed on. */
import type { Network } from '../network/model';
import type { RegionsParams, SlicePlane } from '../../shared/analyses/activations';

export type { SlicePlane };
export type PlaneChoice = Pick<RegionsParams, 'plane' | 'probes' | 'box'>;

function finiteVector(v: ArrayLike<number>, d: number, what: string): Float64Array {
  if (v.length !== d) throw new RangeError(`${what} has length ${v.length}, the network input has dimension ${d}`);
  const out = Float64Array.from(v);
  for (let i = 0; i < d; i++) if (!Number.isFinite(out[i])) throw new RangeError(`${what}: entry ${i + 1} is not a finite number`);
  return out;
}

function checkBox(box: readonly number[]): [number, number, number, number] {
  if (box.length !== 4) throw new RangeError(`box needs 4 numbers smin,smax,tmin,tmax; got ${box.length}`);
  if (!box.every(Number.isFinite)) throw new RangeError('box entries must be finite numbers');
  const [a, b, c, e] = box;
  if (!(a < b)) throw new RangeError(`box: smin (${a}) must be less than smax (${b})`);
  if (!(c < e)) throw new RangeError(`box: tmin (${c}) must be less than tmax (${e})`);
  return [a, b, c, e];
}

const short = (x: number) => String(Number(x.toPrecision(6)));
const sub = (n: number) => String(n).replace(/\d/g, (c) => '₀₁₂₃₄₅₆₇₈₉'[Number(c)]);
const interval = (a: number, b: number) => `[${short(a)}, ${short(b)}]`;

/**
 * The plane for a network: explicit (o, u, v) if given, else three named probes (o = p1,
 * u = p2 − p1, v = p3 − p1), else for 2-D inputs the input plane itself over the input domain box
 * ([−1, 1]² without one), else the first three probes of the file, else (inputs of dimension ≥ 3
 * with fewer probes) the coordinate plane of x₁, x₂ through an anchor point: the domain centre, else
 * the first probe, else the origin; see `axesPlane`.
 */
export function resolvePlane(net: Network, choice: PlaneChoice = {}): SlicePlane {
  const d = net.input.dim;
  if (d < 2) throw new RangeError(`a 2-D slice needs an input of dimension ≥ 2; this network's input is ${d}-dimensional (its regions are pieces along a segment)`);
  if (choice.plane) {
    const origin = finiteVector(choice.plane.origin, d, 'plane origin');
    const u = finiteVector(choice.plane.u, d, 'plane u');
    const v = finiteVector(choice.plane.v, d, 'plane v');
    checkIndependent(u, v);
    const box = checkBox(choice.box ?? [-1, 1, -1, 1]);
    return { origin, u, v, box, source: 'explicit', description: `the given plane o + s·u + t·v, s ∈ ${interval(box[0], box[1])}, t ∈ ${interval(box[2], box[3])}` };
  }
  const fromProbes = (names: readonly string[]): SlicePlane => {
    const pts = names.map((name) => {
      const p = net.input.probes.find((q) => q.name === name);
      if (!p) throw new RangeError(`no probe named '${name}' (the file has: ${net.input.probes.map((q) => q.name).join(', ') || 'none'})`);
      return p.x;
    });
    const origin = Float64Array.from(pts[0]);
    const u = pts[1].map((x, i) => x - origin[i]);
    const v = pts[2].map((x, i) => x - origin[i]);
    checkIndependent(u, v);
    const box = checkBox(choice.box ?? [-0.25, 1.25, -0.25, 1.25]);
    const [a, b, c] = names;
    return {
      origin, u, v, box, source: 'probes',
      description: `the plane through probes ${a}, ${b}, ${c} (o = ${a}, u = ${b} − ${a}, v = ${c} − ${a}), s ∈ ${interval(box[0], box[1])}, t ∈ ${interval(box[2], box[3])}`,
    };
  };
  if (choice.probes) {
    if (choice.probes.length !== 3) throw new RangeError(`a probe plane needs exactly 3 probe names, got ${choice.probes.length}`);
    return fromProbes(choice.probes);
  }
  const dom = net.input.domain;
  if (d === 2) {
    const box = checkBox(choice.box ?? (dom ? [dom.min[0], dom.max[0], dom.min[1], dom.max[1]] : [-1, 1, -1, 1]));
    const why = choice.box ? 'the given box' : dom ? 'the input domain' : 'the default box: the file declares no input domain';
    return { origin: new Float64Array(2), u: Float64Array.of(1, 0), v: Float64Array.of(0, 1), box, source: 'input', description: `the input plane, x₁ ∈ ${interval(box[0], box[1])}, x₂ ∈ ${interval(box[2], box[3])} (${why})` };
  }
  if (net.input.probes.length >= 3) return fromProbes(net.input.probes.slice(0, 3).map((p) => p.name));
  return axesPlane(net, choice.box);
}

/**
 * The plane of the first two coordinates through an anchor point: x₁ = s and x₂ = t vary, the other
 * coordinates keep the anchor's values. Anchor: the input domain's centre, else the first probe,
 * else the origin. Box: the domain's ranges of x₁ and x₂, else the anchor's x₁, x₂ ± 1.
 */
export function axesPlane(net: Network, givenBox?: readonly number[]): SlicePlane {
  const d = net.input.dim;
  const dom = net.input.domain;
  const probe = net.input.probes[0];
  const anchor = new Float64Array(d);
  let anchorName: string;
  if (dom) { for (let i = 0; i < d; i++) anchor[i] = (dom.min[i] + dom.max[i]) / 2; anchorName = 'the domain centre'; }
  else if (probe) { anchor.set(probe.x); anchorName = `probe ${probe.name}`; }
  else anchorName = 'the origin';
  const box = checkBox(givenBox ?? (dom ? [dom.min[0], dom.max[0], dom.min[1], dom.max[1]] : [anchor[0] - 1, anchor[0] + 1, anchor[1] - 1, anchor[1] + 1]));
  const origin = anchor.slice();
  origin[0] = 0; origin[1] = 0;
  const u = new Float64Array(d), v = new Float64Array(d);
  u[0] = 1; v[1] = 1;
  const rest = Array.from(anchor.subarray(2));
  const names = d === 3 ? 'x₃' : d === 4 ? '(x₃, x₄)' : `(x₃, …, x${sub(d)})`;
  const fixed = `${names} = ${d === 3 ? short(rest[0]) : `(${rest.slice(0, 4).map(short).join(', ')}${rest.length > 4 ? ', …' : ''})`}`;
  const why = givenBox ? 'the given box' : dom ? 'the input domain' : `±1 around ${anchorName}`;
  return {
    origin, u, v, box, source: 'axes',
    description: `the plane of x₁ ∈ ${interval(box[0], box[1])} and x₂ ∈ ${interval(box[2], box[3])} (${why}) with ${fixed} fixed at ${anchorName}`,
  };
}

function checkIndependent(u: ArrayLike<number>, v: ArrayLike<number>): void {
  let uu = 0, vv = 0, uv = 0;
  for (let i = 0; i < u.length; i++) { uu += u[i] * u[i]; vv += v[i] * v[i]; uv += u[i] * v[i]; }
  if (uu === 0 || vv === 0 || uu * vv - uv * uv <= 1e-24 * uu * vv) throw new RangeError('plane directions u and v must be linearly independent');
}

/** x = o + s u + t v */
export function planePoint(plane: SlicePlane, s: number, t: number): Float64Array {
  const x = new Float64Array(plane.origin.length);
  for (let i = 0; i < x.length; i++) x[i] = plane.origin[i] + s * plane.u[i] + t * plane.v[i];
  return x;
}
