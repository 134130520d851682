/**
 * Issue 17, "numeric fuzzing … checked against a float64-free oracle": weights, biases and inputs drawn
 * across the whole float64 range (1e−320…1.8e308, −0, subnormals, and now and then NaN or ±∞), and
 * every answer of `analyzeActivations` checked against an exact forward pass in BigInt arithmetic.
 *
 * Every finite double is an integer times 2^−1074, so the exact pass carries layer k's values as
 * integers over 2^(1074·(k+1)): no rounding anywhere. Beside it runs a rigorous bound E on how far a
 * float64 pass may be from the exact one (the standard bound for a dot product, γ_{m+1}·Σ|terms|, plus
 * the absolute error of underflow, also in the rescaled coordinates of core/network/scaled.ts), and the
 * assertions are the issue's:
 *   - a finite N(x) is within E of the exact N(x) — never a finite answer the oracle contradicts;
 *   - a ReLU unit whose exact pre-activation is farther than E from 0 has its exact on/off state;
 *   - an exact value beyond float64 is reported as an overflow finding, never returned as a number,
 *     and an overflow is reported only where a value can leave float64;
 *   - a NaN or ±∞ weight or bias is refused with its layer, never propagated.
 * And the angle identities: θ(x, y) = θ(2^a x, 2^b y) at any magnitude, and cos θ agrees with the exact
 * ⟨x, y⟩ / (‖x‖‖y‖) to 1e−13.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DenseLayer, Network } from '../../src/core/network/model';
import { explicitNetwork } from '../../src/core/network/model';
import { analyzeActivations } from '../../src/core/activation/pointwise';
import { NonFiniteError } from '../../src/core/network/scaled';
import { probeAngles, vectorAngle } from '../../src/core/degeneracy/analysis';

const FRAC = 1074; // 2^−1074 is the smallest positive double
const view = new DataView(new ArrayBuffer(8));

/** x·2^1074 as an exact integer (x finite). */
function scaledInt(x: number): bigint {
  view.setFloat64(0, x);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const neg = hi >>> 31 === 1;
  const exp = (hi >>> 20) & 0x7ff;
  const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const v = exp === 0 ? mant : ((1n << 52n) | mant) << BigInt(exp - 1);
  return neg ? -v : v;
}
const abs = (v: bigint) => (v < 0n ? -v : v);
/** ⌈v / 2^s⌉ for v ≥ 0 */
const shiftUp = (v: bigint, s: number) => (v + (1n << BigInt(s)) - 1n) >> BigInt(s);
/** 2^1024 − 2^970 is where float64 ends (values from MAX_VALUE + half an ulp round to ∞) */
const FLOAT_END = (1n << 1024n) - (1n << 970n);

interface ExactLayer {
  /** exact pre-activations and post-activations, over 2^scale */
  z: bigint[];
  x: bigint[];
  /** bound on |float64 pre-activation − exact| over 2^scale */
  err: bigint[];
  scale: number;
}

/**
 * The exact forward pass and the error bound. Layer k (1-based) works over 2^(1074·(k+1)).
 * E_k,i = Σ_j |W_ij| E_{k−1,j} + γ_{m+1}·(Σ_j |W_ij|(|x_{k−1,j}| + E_{k−1,j}) + |b_i|) + δ_k, with γ_{m+1} ≤ 2(m+1)·2^−53
 * and δ_k covering underflow: (m+3)·2^−1074 in plain arithmetic, and in scaled.ts's rescaled state
 * (values v·2^e, e chosen so the layer's bound T stays within 2^±600) each lost bit is worth at most
 * 2^(e−1074) ≤ 2^(601−1074)·T, for the state, the bias and every product: (m·max|W| + m + 5)·2^−470·T;
 * a layer much smaller than its input state is scaled up only as far as the state allows (≤ 2^600), so
 * what it adds below 2^−1674 of the state is lost: (m + 3)·max|x̂|·2^−1600.
 */
function exactForward(layers: readonly DenseLayer[], input: readonly number[]): ExactLayer[] {
  let x = input.map(scaledInt);
  let err = input.map(() => 0n);
  let scale = FRAC;
  const out: ExactLayer[] = [];
  for (const l of layers) {
    const m = l.weights.cols;
    const W = Array.from(l.weights.data, scaledInt);
    const b = Array.from(l.bias, scaledInt);
    const next = scale + FRAC;
    const lift = BigInt(next - FRAC); // a bias over 2^1074 lifted to 2^next
    let maxW = 0n, maxB = 0n, maxX = 0n;
    for (const w of W) if (abs(w) > maxW) maxW = abs(w);
    for (const t of b) if (abs(t) > maxB) maxB = abs(t);
    for (let j = 0; j < m; j++) { const t = abs(x[j]) + err[j]; if (t > maxX) maxX = t; }
    // T = m·max|W|·max|x̂| + max|b|, over 2^next; δ as above (max|W| in units of 2^−1074: ⌈·⌉ plus 1)
    const T = BigInt(m) * maxW * maxX + (maxB << lift);
    const wFactor = BigInt(m) * (shiftUp(maxW, FRAC) + 1n) + BigInt(m + 5);
    const delta = shiftUp(wFactor * T, 470) + (BigInt(m + 3) << BigInt(next - FRAC)) + shiftUp(BigInt(m + 3) * (maxX << BigInt(FRAC)), 1600);
    const z: bigint[] = [], e: bigint[] = [];
    for (let i = 0; i < l.weights.rows; i++) {
      let acc = b[i] << lift, propagated = 0n, magnitude = abs(b[i]) << lift;
      for (let j = 0; j < m; j++) {
        const w = W[i * m + j];
        acc += w * x[j];
        propagated += abs(w) * err[j];
        magnitude += abs(w) * (abs(x[j]) + err[j]);
      }
      z.push(acc);
      e.push(propagated + shiftUp(2n * BigInt(m + 1) * magnitude, 53) + delta);
    }
    const relu = l.activation === 'relu';
    x = z.map((t) => (relu && t <= 0n ? 0n : t));
    err = e;
    scale = next;
    out.push({ z, x, err, scale });
  }
  return out;
}

/** A double from every part of float64's range: zeros, small integers, 10^e for e in −320…308, anything. */
const wideDouble = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 2, Number.MIN_VALUE, -Number.MAX_VALUE, Number.MAX_VALUE),
  fc.integer({ min: -4, max: 4 }),
  fc.tuple(fc.double({ min: 1, max: 9.99, noNaN: true }), fc.integer({ min: -320, max: 308 }), fc.boolean())
    .map(([m, e, neg]) => { const t = m * 10 ** e; return (neg ? -1 : 1) * (Number.isFinite(t) ? t : Number.MAX_VALUE); }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

interface Case { dims: number[]; weights: number[][]; biases: number[][]; activations: Array<'relu' | 'linear'>; x: number[] }

const caseArb: fc.Arbitrary<Case> = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 5 }).chain((dims) =>
  fc.record({
    dims: fc.constant(dims),
    weights: fc.tuple(...dims.slice(1).map((w, k) => fc.array(wideDouble, { minLength: w * dims[k], maxLength: w * dims[k] }))),
    biases: fc.tuple(...dims.slice(1).map((w) => fc.array(wideDouble, { minLength: w, maxLength: w }))),
    activations: fc.tuple(...dims.slice(1).map(() => fc.constantFrom<'relu' | 'linear'>('relu', 'relu', 'linear'))),
    x: fc.array(wideDouble, { minLength: dims[0], maxLength: dims[0] }),
  }));

function denseLayers(c: Case): DenseLayer[] {
  return c.dims.slice(1).map((rows, k) => ({
    kind: 'dense',
    weights: { rows, cols: c.dims[k], data: Float64Array.from(c.weights[k]) },
    bias: Float64Array.from(c.biases[k]),
    activation: c.activations[k],
  }));
}
const networkOf = (layers: DenseLayer[]): Network => explicitNetwork({ dim: layers[0].weights.cols, probes: [] }, layers);

test('activations across float64\'s range agree with an exact BigInt forward pass: values within the rounding bound, patterns exact, overflow found (fast-check, 3000 networks, seed 17)', () => {
  let finite = 0, overflowed = 0, decidedUnits = 0;
  fc.assert(fc.property(caseArb, (c) => {
    const layers = denseLayers(c);
    const r = analyzeActivations(networkOf(layers), c.x);
    const exact = exactForward(layers, c.x);
    const last = exact[exact.length - 1];
    // beyond float64: some exact post-activation value of a layer is certainly past the end
    const certainlyBeyond = exact.some((l) => l.x.some((t, i) => abs(t) > (FLOAT_END << BigInt(l.scale)) + l.err[i]));
    const possiblyBeyond = exact.some((l) => l.z.some((t, i) => abs(t) + l.err[i] >= (1n << 1023n) << BigInt(l.scale)));
    if (r.overflow) {
      overflowed++;
      assert.ok(possiblyBeyond, `overflow reported at layer ${r.overflow.layer} but every exact value is inside float64: ${JSON.stringify(c)}`);
      assert.ok(Array.from(r.output).every(Number.isNaN), 'a withheld N(x) is NaN, never a number');
    } else {
      finite++;
      assert.ok(!certainlyBeyond, `a value beyond float64 returned as a number: N(x) = ${Array.from(r.output)} for ${JSON.stringify(c)}`);
      r.output.forEach((y, i) => {
        assert.ok(Number.isFinite(y), `N(x)_${i + 1} = ${y} without an overflow finding`);
        const diff = abs((scaledInt(y) << BigInt(last.scale - FRAC)) - last.x[i]);
        assert.ok(diff <= last.err[i], `N(x)_${i + 1} = ${y} is farther from the exact value than the rounding bound allows: ${JSON.stringify(c)}`);
      });
    }
    // the on/off state of every ReLU unit whose exact pre-activation is clear of 0 by more than E
    r.layers.forEach((l, k) => {
      if (c.activations[k] !== 'relu') return;
      exact[k].z.forEach((t, i) => {
        if (abs(t) <= exact[k].err[i]) return;
        decidedUnits++;
        assert.equal(l.pattern[i], t > 0n ? 1 : 0, `layer ${k + 1}, neuron ${i + 1}: exact pre-activation ${t > 0n ? '> 0' : '< 0'}: ${JSON.stringify(c)}`);
      });
    });
  }), { seed: 17, numRuns: 3000 });
  // the draw reaches both sides of float64's end, and most units are decided
  console.log(`numeric oracle: ${finite} finite answers, ${overflowed} overflow findings, ${decidedUnits} ReLU states decided`);
  assert.ok(finite > 1000 && overflowed > 100, `finite ${finite}, overflowed ${overflowed}`);
  assert.ok(decidedUnits > 1000, `decided units ${decidedUnits}`);
});

test('a NaN or ±∞ weight, bias or input anywhere is refused with its layer, never propagated (fast-check, 500 networks, seed 17)', () => {
  fc.assert(fc.property(caseArb, fc.constantFrom(NaN, Infinity, -Infinity), fc.nat(), fc.constantFrom('weight', 'bias', 'input'), (c, bad, at, where) => {
    const layers = denseLayers(c);
    const k = at % layers.length;
    if (where === 'weight') layers[k].weights.data[at % layers[k].weights.data.length] = bad;
    else if (where === 'bias') layers[k].bias[at % layers[k].bias.length] = bad;
    const x = c.x.slice();
    if (where === 'input') x[at % x.length] = bad;
    assert.throws(() => analyzeActivations(networkOf(layers), x), (e: Error) => {
      if (where === 'input') return /input/.test(e.message) && /finite|NaN|Infinity/.test(e.message);
      return e instanceof NonFiniteError && e.layer === k + 1 && e.message.includes(`layer ${k + 1}`) && e.message.includes(String(bad));
    });
  }), { seed: 17, numRuns: 500 });
});

/** cos θ from exact ⟨x, y⟩² / (‖x‖²‖y‖²) with its sign, as a double (the integers cut to 64 bits first). */
function exactCos(x: readonly number[], y: readonly number[]): number {
  const X = x.map(scaledInt), Y = y.map(scaledInt);
  const dot = X.reduce((s, t, i) => s + t * Y[i], 0n);
  const xx = X.reduce((s, t) => s + t * t, 0n), yy = Y.reduce((s, t) => s + t * t, 0n);
  const den = xx * yy;
  const bits = den.toString(2).length;
  const cut = Math.max(0, bits - 120); // keep ~120 bits of the denominator, the same shift on dot²
  const c2 = Number((dot * dot) >> BigInt(cut)) / Number(den >> BigInt(cut));
  return Math.sign(Number(dot > 0n ? 1 : dot < 0n ? -1 : 0)) * Math.sqrt(c2);
}

test('angles are scale-free and exact: θ(x, y) = θ(2^a x, 2^b y) at any magnitude, cos θ to 1e−13 of the exact value (fast-check, 2000 pairs, seed 17)', () => {
  const vec = fc.integer({ min: 2, max: 4 }).chain((d) => fc.tuple(fc.array(wideDouble, { minLength: d, maxLength: d }), fc.array(wideDouble, { minLength: d, maxLength: d })));
  fc.assert(fc.property(vec, fc.integer({ min: -60, max: 60 }), fc.integer({ min: -60, max: 60 }), ([x, y], a, b) => {
    const r = vectorAngle(x, y);
    const zero = (v: number[]) => v.every((t) => t === 0);
    if (zero(x) || zero(y)) { assert.equal(r, null); return; }
    assert.ok(r, `θ(${x}, ${y}) undefined for non-zero vectors`);
    assert.ok(Math.abs(Math.cos(r.theta) - exactCos(x, y)) <= 1e-13, `cos θ = ${Math.cos(r.theta)}, exact ${exactCos(x, y)} for ${x} · ${y}`);
    // scaling by a power of two is exact where it stays normal: the angle must not move
    const scaled = (v: number[], e: number) => v.map((t) => t * 2 ** e);
    const xs = scaled(x, a), ys = scaled(y, b);
    const normal = (v: number[], w: number[]) => v.every((t, i) => (t === 0 && w[i] === 0) || (Number.isFinite(t) && Math.abs(t) >= 2 ** -1022 && Math.abs(w[i]) >= 2 ** -1022));
    if (!normal(xs, x) || !normal(ys, y)) return;
    const s = vectorAngle(xs, ys);
    assert.ok(s && Math.abs(s.theta - r.theta) <= 1e-12 * Math.max(1, r.theta), `θ moved from ${r.theta} to ${s?.theta} under 2^${a}, 2^${b}`);
  }), { seed: 17, numRuns: 2000 });
});

test('through a bias-free ReLU network the layer angles of (2^a x, 2^b y) are those of (x, y) (positive homogeneity), at magnitudes up to 2^±900 (fast-check, 150 networks, seed 17)', () => {
  const moderate = fc.tuple(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), fc.boolean()).map(([t, neg]) => (neg ? -t : t));
  const arb = fc.array(fc.integer({ min: 2, max: 3 }), { minLength: 2, maxLength: 5 }).chain((dims) => fc.record({
    dims: fc.constant(dims),
    weights: fc.tuple(...dims.slice(1).map((w, k) => fc.array(moderate, { minLength: w * dims[k], maxLength: w * dims[k] }))),
    x: fc.array(moderate, { minLength: dims[0], maxLength: dims[0] }),
    y: fc.array(moderate, { minLength: dims[0], maxLength: dims[0] }),
  }));
  fc.assert(fc.property(arb, fc.integer({ min: -900, max: 900 }), fc.integer({ min: -900, max: 900 }), (c, a, b) => {
    const layers: DenseLayer[] = c.dims.slice(1).map((rows, k) => ({
      kind: 'dense', weights: { rows, cols: c.dims[k], data: Float64Array.from(c.weights[k]) }, bias: new Float64Array(rows), activation: 'relu',
    }));
    const withProbes = (x: number[], y: number[]) => explicitNetwork({ dim: c.dims[0], probes: [{ name: 'x', x: Float64Array.from(x) }, { name: 'y', x: Float64Array.from(y) }] }, layers);
    const plain = probeAngles(withProbes(c.x, c.y), { probeA: 'x', probeB: 'y' });
    const scaled = probeAngles(withProbes(c.x.map((t) => t * 2 ** a), c.y.map((t) => t * 2 ** b)), { probeA: 'x', probeB: 'y' });
    assert.equal(scaled.layers.length, plain.layers.length);
    plain.layers.forEach((l, k) => {
      const t = scaled.layers[k].theta;
      if (l.theta === null || l.theta === undefined) { assert.ok(t === null || t === undefined, `layer ${k}: θ ${t} where the unscaled angle is undefined`); return; }
      assert.ok(t !== null && t !== undefined && Math.abs(t - l.theta) <= 1e-12, `layer ${k}: θ ${l.theta} became ${t} under 2^${a}, 2^${b}`);
    });
  }), { seed: 17, numRuns: 150 });
});

test('the oracle\'s first finds, kept: θ((1, 1e280, 1), (1e297, 0, 1)) is a right angle (the rescaling recursed until the stack overflowed); W = 0 with a bias of 5e−324 after a state of −8.9e−16 is N(x) = 5e−324 (the up-scaling took the state to −∞ and reported an overflow "about NaNeNaN")', () => {
  const a = vectorAngle([1, 1e280, 1], [1e297, 0, 1]);
  assert.deepEqual(a, { theta: Math.PI / 2, sin2: 1 });
  const layers: DenseLayer[] = [
    { kind: 'dense', weights: { rows: 1, cols: 3, data: new Float64Array(3) }, bias: Float64Array.of(-8.881784197001252e-16), activation: 'linear' },
    { kind: 'dense', weights: { rows: 1, cols: 1, data: new Float64Array(1) }, bias: Float64Array.of(5e-324), activation: 'relu' },
  ];
  const r = analyzeActivations(networkOf(layers), [0, 0, 0]);
  assert.equal(r.overflow, undefined);
  assert.deepEqual(Array.from(r.output), [5e-324]);
  assert.deepEqual(r.layers.map((l) => Array.from(l.pattern)), [[1], [1]]);
});
