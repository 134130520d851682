/**
 * MATH.md §E: the two-hidden-layer mean-field network, its SGD step and the width sweep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanFieldLimit, MeanFieldNet } from '../../src/core/training/meanField';
import { Rng } from '../../src/core/rng';
import { CancelledError } from '../../src/core/context';
import { tQuantile975 } from '../../src/core/training/fit';
import { setWasmKernelsEnabled, wasmKernelsAvailable } from '../../src/core/kernels/wasm';

function fdGradient(net: MeanFieldNet, arr: Float64Array, x: ArrayLike<number>, y: number): Float64Array {
  const g = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    const h = 1e-5;
    arr[i] = v + h; const lp = net.loss(x, y);
    arr[i] = v - h; const lm = net.loss(x, y);
    arr[i] = v;
    g[i] = (lp - lm) / (2 * h);
  }
  return g;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

for (const activation of ['tanh', 'sigmoid'] as const) {
  test(`gradient of ½(y − g)² matches central differences (${activation})`, () => {
    const net = new MeanFieldNet(5, 4, 2, new Rng(3), { activation, initRange: 1.5 });
    const x = [0.37, 1], y = Math.sin(Math.PI * 0.37);
    const g = net.gradient(x, y);
    assertClose(g.c, fdGradient(net, net.c, x, y), 1e-7, 'dC');
    assertClose(g.w2, fdGradient(net, net.w2, x, y), 1e-7, 'dW2');
    assertClose(g.w1, fdGradient(net, net.w1, x, y), 1e-7, 'dW1');
  });
}

test('one SGD step moves each parameter by −α·gradient with α_C = c·N2/N1, α_2 = c·N2, α_1 = c', () => {
  const n1 = 6, n2 = 3;
  const net = new MeanFieldNet(n1, n2, 2, new Rng(8), { learningRates: { C: 0.5, W2: 2, W1: 3 } });
  assert.equal(net.alphaC, 0.5 * n2 / n1);
  assert.equal(net.alpha2, 2 * n2);
  assert.equal(net.alpha1, 3);
  const x = [-0.6, 1], y = Math.sin(-0.6 * Math.PI);
  const g = net.gradient(x, y);
  const c0 = net.c.slice(), w20 = net.w2.slice(), w10 = net.w1.slice();
  const e = net.step(x, y);
  assert.equal(e, y - (() => { const n = new MeanFieldNet(n1, n2, 2, new Rng(8)); return n.output(x); })());
  assertClose(net.c.map((v, i) => v - c0[i]), g.c.map((v) => -net.alphaC * v), 1e-12, 'ΔC');
  assertClose(net.w2.map((v, i) => v - w20[i]), g.w2.map((v) => -net.alpha2 * v), 1e-12, 'ΔW2');
  assertClose(net.w1.map((v, i) => v - w10[i]), g.w1.map((v) => -net.alpha1 * v), 1e-12, 'ΔW1');
});

test('the fused train() loop is bit-for-bit the same as repeated step(), for N1 with and without a partial row block', () => {
  for (const [n1, n2] of [[7, 5], [8, 3], [13, 6]]) {
    const a = new MeanFieldNet(n1, n2, 2, new Rng(21)), b = new MeanFieldNet(n1, n2, 2, new Rng(21));
    const ra = new Rng(4), rb = new Rng(4);
    const xa = new Float64Array([0, 1]);
    for (let k = 0; k < 50; k++) { xa[0] = ra.uniformIn(-1, 1); a.step(xa, Math.sin(Math.PI * xa[0])); }
    b.train(50, new Float64Array(2), (buf) => { buf[0] = rb.uniformIn(-1, 1); buf[1] = 1; return Math.sin(Math.PI * buf[0]); });
    assert.deepEqual(b.c, a.c);
    assert.deepEqual(b.w2, a.w2);
    assert.deepEqual(b.w1, a.w1);
  }
});

test('the SGD step on the WebAssembly kernels and on the scalar loops give the same bits (odd and even N2, N1 with and without a partial row block, both activations)', () => {
  assert.ok(wasmKernelsAvailable(), 'WebAssembly SIMD kernels are available in Node 20');
  const trained = (n1: number, n2: number, activation: 'tanh' | 'sigmoid', wasm: boolean): MeanFieldNet => {
    setWasmKernelsEnabled(wasm);
    try {
      const net = new MeanFieldNet(n1, n2, 2, new Rng(31), { activation, learningRates: { C: 3, W2: 5, W1: 2 } });
      const rng = new Rng(32);
      net.train(60, new Float64Array(2), (buf) => { buf[0] = rng.uniformIn(-1, 1); buf[1] = 1; return Math.sin(Math.PI * buf[0]); });
      return net;
    } finally {
      setWasmKernelsEnabled(true);
    }
  };
  for (const [n1, n2] of [[8, 5], [13, 6], [4, 1], [21, 33]]) {
    for (const activation of ['tanh', 'sigmoid'] as const) {
      const a = trained(n1, n2, activation, true), b = trained(n1, n2, activation, false);
      const what = `N1 = ${n1}, N2 = ${n2}, ${activation}`;
      assert.ok(a.onKernels && !b.onKernels, `${what}: one net on each path`);
      assert.deepEqual(Array.from(a.w2), Array.from(b.w2), `${what}: W2`);
      assert.deepEqual(Array.from(a.w1), Array.from(b.w1), `${what}: W1`);
      assert.deepEqual(Array.from(a.c), Array.from(b.c), `${what}: C`);
      assert.ok(Object.is(a.output([0.3, 1]), b.output([0.3, 1])), `${what}: g(0.3)`);
      a.dispose();
    }
  }
});

test('train() = plain SGD with the central-difference-checked gradient, over many steps (N1 = 10: two row blocks and a tail)', () => {
  const n1 = 10, n2 = 6;
  const net = new MeanFieldNet(n1, n2, 2, new Rng(17), { learningRates: { C: 3, W2: 2, W1: 5 } });
  const plain = { c: net.c.slice(), w2: net.w2.slice(), w1: net.w1.slice() };
  // the reference: θ ← θ − α·∇θ ½(y − g)² with gradient() (itself checked against central differences above)
  const ref = new MeanFieldNet(n1, n2, 2, new Rng(17), { learningRates: { C: 3, W2: 2, W1: 5 } });
  const rs = new Rng(6), rt = new Rng(6);
  const x = new Float64Array([0, 1]);
  for (let k = 0; k < 40; k++) {
    x[0] = rs.uniformIn(-1, 1);
    const g = ref.gradient(x, Math.sin(Math.PI * x[0]));
    ref.c.forEach((_, i) => { ref.c[i] -= ref.alphaC * g.c[i]; });
    ref.w2.forEach((_, i) => { ref.w2[i] -= ref.alpha2 * g.w2[i]; });
    ref.w1.forEach((_, i) => { ref.w1[i] -= ref.alpha1 * g.w1[i]; });
  }
  net.train(40, new Float64Array(2), (buf) => { buf[0] = rt.uniformIn(-1, 1); buf[1] = 1; return Math.sin(Math.PI * buf[0]); });
  assertClose(net.c, ref.c, 1e-12, 'C');
  assertClose(net.w2, ref.w2, 1e-12, 'W2');
  assertClose(net.w1, ref.w1, 1e-12, 'W1');
  assert.ok(Math.abs(net.c[0] - plain.c[0]) > 1e-3, 'the parameters moved');
});

test('the §E scaling gives O(1) parameter movement per unit of t = k/N1 (not N^±1/2)', () => {
  const rms = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);
  const moved = (N: number) => {
    const net = new MeanFieldNet(N, N, 2, new Rng(5), { learningRates: { C: 4, W2: 4, W1: 4 } });
    const c0 = net.c.slice(), w20 = net.w2.slice(), w10 = net.w1.slice();
    const rng = new Rng(9), x = new Float64Array([0, 1]);
    for (let k = 0; k < N; k++) { x[0] = rng.uniformIn(-1, 1); net.step(x, Math.sin(Math.PI * x[0])); } // t = 1
    return [rms(net.c, c0), rms(net.w2, w20), rms(net.w1, w10)];
  };
  const small = moved(32), large = moved(256);
  // an N^(±1/2) law would change these by a factor 2.8 between N = 32 and 256
  for (let i = 0; i < 3; i++) {
    const ratio = large[i] / small[i];
    assert.ok(ratio > 1 / 2.2 && ratio < 2.2, `group ${i}: ${small[i]} → ${large[i]}`);
    assert.ok(large[i] > 0.01 && large[i] < 2, `group ${i} moves O(1): ${large[i]}`);
  }
});

test('across-seed spread shrinks with N, fitted exponent within ±0.2 of −1/2', () => {
  const r = meanFieldLimit({ widths: [16, 32, 64, 128], seeds: 32, T: 2, records: 10, seed: 1 });
  const spreads = r.widths.map((w) => w.spread);
  // Robust by design, not by the seed: each spread is an RMS of across-seed sds over 32 runs, so its log has
  // sd ≈ 0.1 and the fitted slope over four log2-spaced widths sd ≈ 0.054 (measured over base seeds 1..40:
  // mean −0.498, sd 0.054, range [−0.63, −0.37]); ±0.20 is 3.7 sd. Widths 4× apart differ by ≈ ln 2 = 0.69
  // in log spread, 5 sd of the difference, so those pairs are ordered (neighbours, 2× apart, are not asserted).
  assert.ok(spreads[2] < spreads[0] && spreads[3] < spreads[1], `spread ${spreads}`);
  assert.ok(r.spreadExponent);
  const { exponent, interval, standardError, points } = r.spreadExponent;
  assert.ok(Math.abs(exponent - -0.5) <= 0.2, `exponent ${exponent}`);
  // the interval is exponent ± t(0.975, n − 2)·se with se from the residuals (recomputed here)
  assert.deepEqual(points.map(([n]) => n), [16, 32, 64, 128]);
  const lx = points.map(([n]) => Math.log(n)), ly = points.map(([, v]) => Math.log(v));
  const mx = lx.reduce((a, b) => a + b) / 4, my = ly.reduce((a, b) => a + b) / 4;
  const sxx = lx.reduce((a, x) => a + (x - mx) ** 2, 0);
  const b = lx.reduce((a, x, i) => a + (x - mx) * (ly[i] - my), 0) / sxx;
  const rss = lx.reduce((a, x, i) => a + (ly[i] - my - b * (x - mx)) ** 2, 0);
  const se = Math.sqrt(rss / 2 / sxx);
  assert.ok(Math.abs(b - exponent) < 1e-12 && Math.abs(se - standardError) < 1e-12);
  assert.equal(tQuantile975(2), 4.303);
  assert.ok(Math.abs(interval[0] - (exponent - 4.303 * se)) < 1e-12 && Math.abs(interval[1] - (exponent + 4.303 * se)) < 1e-12);
  // shapes: record times 0, 0.2, …, 2 on the clock t = k/N1
  for (const w of r.widths) {
    assert.equal(w.t.length, 11);
    assert.equal(w.t[0], 0);
    assert.equal(w.t[10], 2);
    assert.equal(w.mean.length, 3);
    assert.equal(w.sd[0].length, 11);
    assert.equal(w.diverged, false);
    // training makes progress: the mean grid loss falls from its initial ≈ ½·E[sin²(πx)] = 0.25
    assert.ok(w.loss.mean[10] < w.loss.mean[0] - 0.02, `N=${w.N}: loss ${w.loss.mean[0]} → ${w.loss.mean[10]}`);
    assert.ok(Math.abs(w.loss.mean[0] - 0.25) < 0.02);
  }
  assert.deepEqual(r.warnings, []);
});

test('record times are the same for every width: t_m = m·T/records, taken at step round(t_m·N1)', () => {
  const r = meanFieldLimit({ widths: [12, 25], seeds: 2, T: 1, records: 4 });
  for (const w of r.widths) assert.deepEqual(w.t, [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(r.widths[0].steps, [0, 3, 6, 9, 12]);
  assert.deepEqual(r.widths[1].steps, [0, 6, 13, 19, 25]); // 6.25, 12.5, 18.75 rounded
});

test('divergence is flagged, the diverged widths leave the fit, and the warning names the learning rates', () => {
  // learning-rate multiplier 40: N = 8 and 16 blow up (loss → 1e10, 1e4), N = 32 and 64 still learn
  const r = meanFieldLimit({ widths: [8, 16, 32, 64], seeds: 3, T: 2, records: 4, learningRates: { C: 40, W2: 40, W1: 40 } });
  assert.deepEqual(r.widths.map((w) => w.diverged), [true, true, false, false]);
  assert.ok(r.widths[0].loss.mean[4] > 10 * r.widths[0].loss.mean[0]);
  assert.ok(r.spreadExponent);
  assert.deepEqual(r.spreadExponent.points.map(([n]) => n), [32, 64]);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /^Training diverged for N = 8, 16 \(the loss grew past 10× its initial value, up to [\d.e+]+, [\d.e+]+\): the learning-rate multipliers \(C 40, W2 40, W1 40\) are too large/);
  // all widths diverged: no exponent at all (not the +69 the audit saw)
  const all = meanFieldLimit({ widths: [8, 16, 32], seeds: 2, T: 2, records: 2, learningRates: { C: 400, W2: 400, W1: 400 } });
  assert.ok(all.widths.every((w) => w.diverged));
  assert.equal(all.spreadExponent, null);
});

test('cancellation is checked every few thousand weight updates, not once per record', () => {
  // N1 = N2 = 100: 10⁴ weights per step, so a check after every step; T = 1 is 100 steps and one record
  let checks = 0;
  meanFieldLimit({ widths: [100], seeds: 2, T: 1, records: 1 }, { progress: () => undefined, isCancelled: () => { checks++; return false; } });
  assert.ok(checks >= 2 * 100, `${checks} checks for 200 steps`);
  // N = 25: 625 weights per step, a check every ⌊8192/625⌋ = 13 steps
  checks = 0;
  meanFieldLimit({ widths: [25], seeds: 2, T: 4, records: 1 }, { progress: () => undefined, isCancelled: () => { checks++; return false; } });
  assert.ok(checks >= (2 * 100) / 13 && checks < 2 * 100, `${checks} checks for 200 steps`);
  // and a cancel is honoured at the next check, mid-record
  let calls = 0;
  assert.throws(() => meanFieldLimit({ widths: [200], seeds: 2, T: 5, records: 1 }, { progress: () => undefined, isCancelled: () => ++calls > 5 }), CancelledError);
  assert.equal(calls, 6);
});

test('same seed ⇒ bit-for-bit identical; different seed ⇒ different; N1 = c·N2', () => {
  const p = { widths: [12, 24], seeds: 3, T: 1, records: 4 };
  const a = meanFieldLimit({ ...p, seed: 4 });
  assert.deepEqual(a, meanFieldLimit({ ...p, seed: 4 }));
  assert.notDeepEqual(a.widths[0].mean, meanFieldLimit({ ...p, seed: 5 }).widths[0].mean);
  const b = meanFieldLimit({ ...p, n1PerN2: 4 });
  assert.deepEqual(b.widths.map((w) => [w.N1, w.N2]), [[12, 3], [24, 6]]);
  const partial: number[] = [];
  meanFieldLimit(p, undefined, { onPartial: (r) => partial.push(r.widths.length) });
  assert.deepEqual(partial, [1]);
});

test('bad parameters get precise errors; huge runs are refused up front with the numbers', () => {
  assert.throws(() => meanFieldLimit({ seeds: 1 }), { name: 'RangeError', message: 'seeds must be an integer ≥ 2 (the spread needs two runs), got 1' });
  assert.throws(() => meanFieldLimit({ widths: [10, 0] }), { name: 'RangeError', message: 'every width must be an integer ≥ 1, got 0' });
  assert.throws(() => meanFieldLimit({ probes: [1.5] }), { name: 'RangeError', message: 'probe 1.5 is outside [−1, 1]' });
  assert.throws(() => meanFieldLimit({ seed: 2 ** 32 }), { name: 'RangeError', message: 'seed must be an integer in [0, 4294967295], got 4294967296' });
  assert.throws(() => meanFieldLimit({ n1PerN2: 1000 }),
    { name: 'RangeError', message: 'n1PerN2 = 1000 leaves N2 = round(25/1000) = 0 for width 25; every width must be at least about n1PerN2' });
  assert.throws(() => meanFieldLimit({ activation: 'relu' as never }), { message: "activation must be 'tanh' or 'sigmoid', got 'relu'" });
  assert.throws(() => meanFieldLimit({ learningRates: { W2: -1 } }), { message: 'learningRates.W2 must be a finite number ≥ 0, got -1' });
  // the audit's hangs and crashes
  assert.throws(() => meanFieldLimit({ widths: [100000] }), { message: 'width 100000 needs N1·N2 = 10000000000 weights in W2, above the limit of 100000000' });
  assert.throws(() => meanFieldLimit({ seeds: 1e9 }), { message: 'seeds is 1000000000, above the limit of 100000' });
  assert.throws(() => meanFieldLimit({ records: 1e9 }), { message: 'records is 1000000000, above the limit of 100000' });
  // 8 seeds × 3000²·(10 + 3000·5 + 21·24) weight updates ≈ 1.1e12
  assert.throws(() => meanFieldLimit({ widths: [3000] }), {
    name: 'RangeError',
    message: 'the run needs about 1.1e12 operations (8 seeds × Σ over widths of N1·T steps × N1·N2 weights, plus the records; widest N = 3000), ' +
      'above the budget of 1.0e11 (a few minutes); lower the widths, seeds, T or records, or raise the budget (maxWork; CLI: --max-work)',
  });
  assert.throws(() => meanFieldLimit({ T: 1e9 }), /^RangeError: the run needs about 7\.3e16 operations/);
  assert.throws(() => meanFieldLimit({ widths: [8, 16], seeds: 2, T: 1, maxWork: 1000 }), /above the budget of 1\.0e3/);
});
