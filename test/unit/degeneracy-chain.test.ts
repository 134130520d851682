/**
 * The Monte Carlo chain draws only the pairs where at least one input is active (simulate.ts,
 * chainPath: binomial counts, reflected Gaussians, wedge samples). Its angles must have the same law as
 * the direct chain that draws all n pre-activation pairs — written out below exactly as simulate.ts had
 * it before (2n Gaussians a layer). Compared by seeded samples at small, large and tiny angles and at
 * widths 3…256: two-sample Kolmogorov–Smirnov, means and standard deviations within their standard
 * errors, and the fractions of collapsed (θ = 0) and dead trials.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHAIN_MIN_LN_SIN2, COLLAPSE_SIN2, layerSamples, sampleStats, simulateAngles } from '../../src/core/degeneracy/simulate';
import { twoSampleKs } from './ks-helpers';
import { Rng } from '../../src/core/rng';
import { setWasmKernelsEnabled } from '../../src/core/kernels/wasm';

/** The direct chain: all n pairs (u, v − u) from 2n Gaussians per layer; X_ℓ of trial t at [ℓ·trials + t]. */
function directChain(widths: number[], theta0: number, trials: number, seed: number): Float64Array {
  const L = widths.length - 1;
  const out = new Float64Array((L + 1) * trials);
  const maxW = Math.max(...widths);
  const a = new Float64Array(maxW), e = new Float64Array(maxW), g = new Float64Array(2 * maxW);
  for (let t = 0; t < trials; t++) {
    const rng = Rng.derive(seed, t);
    out[t] = 2 * Math.log(Math.sin(theta0));
    let c = Math.cos(theta0), s = Math.sin(theta0);
    for (let l = 1; l <= L; l++) {
      const idx = l * trials + t;
      if (s === 0 || Number.isNaN(s)) { out[idx] = Number.isNaN(s) ? NaN : -Infinity; continue; }
      const n = widths[l];
      rng.fillNormal(g, 2 * n);
      const oneMinusC = c > 0 ? (s * s) / (1 + c) : 1 - c;
      let aa = 0, bb = 0, ae = 0;
      for (let i = 0; i < n; i++) {
        const u = g[2 * i];
        const d = s * g[2 * i + 1] - oneMinusC * u;
        const v = u + d;
        const ai = u > 0 ? u : 0, bi = v > 0 ? v : 0;
        const ei = u > 0 && v > 0 ? d : bi - ai;
        a[i] = ai; e[i] = ei;
        aa += ai * ai; bb += bi * bi; ae += ai * ei;
      }
      if (aa === 0 || bb === 0) { s = NaN; out[idx] = NaN; continue; }
      const unit = s + oneMinusC, inv = 1 / unit, k = (ae / aa) * inv;
      let r = 0, ee = 0;
      for (let i = 0; i < n; i++) {
        const ei = e[i] * inv, di = ei - k * a[i];
        r += di * di; ee += ei * ei;
      }
      const x = r <= COLLAPSE_SIN2 * ee ? -Infinity : Math.min(0, Math.log(r) + 2 * Math.log(unit) - Math.log(bb));
      if (!(x >= CHAIN_MIN_LN_SIN2)) { s = 0; out[idx] = -Infinity; continue; }
      out[idx] = x;
      s = Math.exp(x / 2);
      c = Math.sqrt(aa / bb) + ae / Math.sqrt(aa * bb);
    }
  }
  return out;
}


/**
 * Standard error of a sample sd from the sample's fourth central moment: Var(s²) ≈ (μ₄ − σ⁴)/m and
 * SE(s) ≈ SE(s²)/(2s). X is far from normal near θ = π/2 … π (kurtosis 60–700 at n = 16, θ⁰ = 2.5:
 * rare steps down to small angles), where the normal-law sd/√(2m) would be several times too small.
 */
function sdStandardError(values: ArrayLike<number>): number {
  const x = Array.from(values).filter(Number.isFinite);
  const m = x.length;
  const mean = x.reduce((s, v) => s + v, 0) / m;
  const m2 = x.reduce((s, v) => s + (v - mean) ** 2, 0) / m, m4 = x.reduce((s, v) => s + (v - mean) ** 4, 0) / m;
  return Math.sqrt(Math.max(0, m4 - m2 * m2) / m) / (2 * Math.sqrt(m2));
}

/** The two laws agree at layer l: KS, mean, sd (within their standard errors), collapsed and dead fractions. */
function sameLaw(fast: Float64Array, direct: Float64Array, trials: number, l: number, what: string): void {
  const x = fast.subarray(l * trials, (l + 1) * trials), y = direct.subarray(l * trials, (l + 1) * trials);
  const a = sampleStats(x), b = sampleStats(y);
  const ks = twoSampleKs(x, y, { finiteOnly: true });
  assert.ok(ks.p > 0.001, `${what}, layer ${l}: two-sample KS D = ${ks.d}, p = ${ks.p}`);
  if (a.count > 1 && b.count > 1) {
    assert.ok(Math.abs(a.mean! - b.mean!) <= 4.5 * Math.hypot(a.se!, b.se!), `${what}, layer ${l}: means ${a.mean} vs ${b.mean} (se ${a.se}, ${b.se})`);
    const sdSe = Math.hypot(sdStandardError(x), sdStandardError(y));
    assert.ok(Math.abs(a.sd! - b.sd!) <= 4.5 * sdSe, `${what}, layer ${l}: sds ${a.sd} vs ${b.sd}`);
  }
  for (const key of ['collapsed', 'dead'] as const) {
    const p = (a[key] + b[key]) / (2 * trials);
    const tol = 4.5 * Math.sqrt((p * (1 - p) * 2) / trials) + 1 / trials;
    assert.ok(Math.abs(a[key] - b[key]) / trials <= tol, `${what}, layer ${l}: ${key} ${a[key]} vs ${b[key]} of ${trials}`);
  }
}

test('the chain drawing only active pairs has the law of the direct chain (n = 256 at θ⁰ = 0.1, n = 16 at θ⁰ = 2.5, n = 64 at θ⁰ = 10⁻²⁰⁰, n = 3 at θ⁰ = 1.2)', () => {
  const cases: { widths: number[]; theta0: number; trials: number; layers: number[] }[] = [
    { widths: Array(5).fill(256), theta0: 0.1, trials: 3000, layers: [1, 4] },
    { widths: Array(4).fill(16), theta0: 2.5, trials: 6000, layers: [1, 3] },
    { widths: Array(3).fill(64), theta0: 1e-200, trials: 4000, layers: [1, 2] },
    { widths: Array(6).fill(3), theta0: 1.2, trials: 6000, layers: [1, 5] },
  ];
  for (const c of cases) {
    const fast = simulateAngles({ widths: c.widths, theta0: c.theta0, trials: c.trials, seed: 31, mode: 'chain' }).lnSin2;
    const direct = directChain(c.widths, c.theta0, c.trials, 32);
    for (const l of c.layers) sameLaw(fast, direct, c.trials, l, `n = ${c.widths[1]}, θ⁰ = ${c.theta0}`);
  }
  // width 3 really exercises the absorbing states
  const tiny = sampleStats(layerSamples(simulateAngles({ widths: Array(6).fill(3), theta0: 1.2, trials: 6000, seed: 31, mode: 'chain' }), 5));
  assert.ok(tiny.collapsed > 100 && tiny.dead > 100, `collapsed ${tiny.collapsed}, dead ${tiny.dead}`);
});

test('the comparison has power: the direct chain at width 12 is told apart from the chain at width 16', () => {
  const trials = 6000;
  const fast = simulateAngles({ widths: Array(4).fill(16), theta0: 2.5, trials, seed: 31, mode: 'chain' }).lnSin2;
  const other = directChain(Array(4).fill(12), 2.5, trials, 32);
  assert.ok(twoSampleKs(fast.subarray(3 * trials), other.subarray(3 * trials), { finiteOnly: true }).p < 1e-4);
});

test('the chain on WebAssembly (kernels.wat chainPairs, chainWedges, chainResidual) gives the JavaScript loops\' samples bit for bit: wide and narrow layers, small, large and tiny angles, absorbing states, a width past one block of draws', () => {
  assert.ok(Rng.normalKernels()?.chain(256), 'the chain kernels run in Node 20');
  const cases: { widths: number[]; theta0: number; trials: number }[] = [
    { widths: Array(6).fill(256), theta0: 0.1, trials: 200 },
    { widths: Array(5).fill(16), theta0: 2.5, trials: 1500 },
    { widths: Array(4).fill(64), theta0: 1e-200, trials: 400 },
    { widths: Array(7).fill(3), theta0: 1.2, trials: 3000 },
    { widths: [2, 5, 300, 1, 40, 7], theta0: 3.1, trials: 600 },
    // 2·4000 draws do not fit in one block: the JavaScript loops run, and say so by agreeing too
    { widths: [2, 4000, 4000], theta0: 0.3, trials: 3 },
  ];
  let finite = 0, collapsed = 0, dead = 0;
  for (const c of cases) {
    const opts = { widths: c.widths, theta0: c.theta0, trials: c.trials, seed: 20261207, mode: 'chain' as const };
    const wasm = simulateAngles(opts).lnSin2;
    setWasmKernelsEnabled(false);
    let js: Float64Array;
    try {
      js = simulateAngles(opts).lnSin2;
    } finally {
      setWasmKernelsEnabled(true);
    }
    assert.equal(wasm.length, js.length);
    for (let i = 0; i < wasm.length; i++) {
      assert.ok(Object.is(wasm[i], js[i]), `widths ${c.widths.join('x')}, θ⁰ = ${c.theta0}: sample ${i} (layer ${Math.floor(i / c.trials)}) is ${wasm[i]} on WebAssembly, ${js[i]} in JavaScript`);
      if (Number.isFinite(wasm[i])) finite++;
      else if (wasm[i] === -Infinity) collapsed++;
      else dead++;
    }
  }
  assert.ok(finite > 10_000 && collapsed > 100 && dead > 100, `finite ${finite}, collapsed ${collapsed}, dead ${dead}`);
});
