/**
 * Rng.fillNormal, the ziggurat (Marsaglia & Tsang 2000; Doornik's ZIGNOR, 2005) the Monte Carlo draws
 * its Gaussians from: the table's geometry, then the distribution of a seeded sample against the
 * normal law (moments, tail frequencies, Kolmogorov–Smirnov), then reproducibility by seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, ZIG_R, ZIG_X } from '../../src/core/rng';
import { NORMAL_BLOCK, setWasmKernelsEnabled, wasmKernelsAvailable } from '../../src/core/kernels/wasm';

const f = (x: number) => Math.exp(-0.5 * x * x);

test('the ziggurat table: X[1] = R, X[128] = 0, decreasing, every block of the same area V = 9.91256303526217e-3 (Doornik 2005)', () => {
  assert.equal(ZIG_X[1], ZIG_R);
  assert.equal(ZIG_X[128], 0);
  for (let j = 1; j < 128; j++) assert.ok(ZIG_X[j + 1] < ZIG_X[j], `X[${j + 1}] < X[${j}]`);
  const V = 9.91256303526217e-3;
  // block j ≥ 1 is the rectangle [0, X[j]] × [f(X[j]), f(X[j+1])]
  for (let j = 1; j < 128; j++) {
    const area = ZIG_X[j] * (f(ZIG_X[j + 1]) - f(ZIG_X[j]));
    assert.ok(Math.abs(area - V) < 1e-10, `block ${j}: area ${area}`);
  }
  // the base block: the rectangle [0, R] × [0, f(R)] plus the tail ∫_R^∞ f = √(π/2)·erfc(R/√2) is V too
  const tail = 7.22044943208245e-4; // Python: math.sqrt(math.pi/2) * math.erfc(3.442619855899 / math.sqrt(2))
  assert.ok(Math.abs(ZIG_R * f(ZIG_R) + tail - V) < 1e-12);
  assert.ok(Math.abs(ZIG_X[0] * f(ZIG_R) - V) < 1e-15, 'X[0] = V/f(R)');
});

/** Φ(x) by the Abramowitz–Stegun 7.1.26 erf (|error| ≤ 1.5e-7, far below the KS bound used) */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

test('2·10⁶ seeded draws follow N(0, 1): mean, variance, kurtosis, the frequencies beyond 1, 2 and R, and the KS distance', () => {
  const n = 2_000_000;
  const z = new Float64Array(n);
  const rng = new Rng(20261205);
  // in chunks of the Monte Carlo's sizes (2n = 512 for the chain), odd counts included
  for (let at = 0; at < n;) {
    const c = Math.min(at % 3 === 0 ? 512 : 257, n - at);
    rng.fillNormal(z.subarray(at, at + c), c);
    at += c;
  }
  let s1 = 0, s2 = 0, s4 = 0, beyond1 = 0, beyond2 = 0, beyondR = 0;
  for (const v of z) {
    assert.ok(Number.isFinite(v));
    s1 += v; s2 += v * v; s4 += v ** 4;
    const a = Math.abs(v);
    if (a > 1) beyond1++;
    if (a > 2) beyond2++;
    if (a > ZIG_R) beyondR++;
  }
  const mean = s1 / n, variance = s2 / n - mean * mean, kurtosis = s4 / n;
  // standard errors: mean 1/√n, E z² 2/√n·(1/√2)… (Var z² = 2), E z⁴ (Var z⁴ = 96)
  assert.ok(Math.abs(mean) < 4 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 4 * Math.sqrt(2 / n), `variance ${variance}`);
  assert.ok(Math.abs(kurtosis - 3) < 4 * Math.sqrt(96 / n), `E z⁴ ${kurtosis}`);
  // two-sided tail probabilities 2(1 − Φ(t)): 0.31731, 0.045500, and beyond R (the tail sampler) erfc(R/√2) = 5.7611e-4
  for (const [count, p, what] of [[beyond1, 0.3173105078629141, '1'], [beyond2, 0.04550026389635842, '2'], [beyondR, 5.761085123916405e-4, 'R']] as const) {
    const se = Math.sqrt(p * (1 - p) / n);
    assert.ok(Math.abs(count / n - p) < 4.5 * se, `P(|z| > ${what}) = ${count / n}, expected ${p} ± ${se}`);
  }
  // Kolmogorov–Smirnov on a 200 000-draw subsample: D < 1.95/√m (the 0.1 % critical value)
  const m = 200_000;
  const sorted = Float64Array.from(z.subarray(0, m)).sort();
  let D = 0;
  for (let i = 0; i < m; i++) {
    const F = normalCdf(sorted[i]);
    D = Math.max(D, (i + 1) / m - F, F - i / m);
  }
  assert.ok(D < 1.95 / Math.sqrt(m), `KS distance ${D}`);
});

test('fillNormal is reproducible by seed and fills exactly count entries; another seed gives another sample', () => {
  const a = new Float64Array(1000), b = new Float64Array(1000), c = new Float64Array(1000).fill(7);
  new Rng(3).fillNormal(a, 1000);
  new Rng(3).fillNormal(b, 1000);
  assert.deepEqual(a, b);
  new Rng(4).fillNormal(c, 999);
  assert.equal(c[999], 7, 'the entry past count is untouched');
  assert.notDeepEqual(Array.from(c.subarray(0, 10)), Array.from(a.subarray(0, 10)));
});

/** rng.fillNormal with WebAssembly switched off: the JavaScript loop the kernel must match */
function fillNormalInJavaScript(rng: Rng, out: Float64Array, count = out.length): void {
  setWasmKernelsEnabled(false);
  try {
    rng.fillNormal(out, count);
  } finally {
    setWasmKernelsEnabled(true);
  }
}

test('fillNormal on WebAssembly gives the JavaScript loop\'s draws bit for bit, the state after them too: counts 0–600, past one block, wedge and tail draws included', () => {
  assert.ok(wasmKernelsAvailable(), 'WebAssembly SIMD kernels are available in Node 20');
  let tails = 0, edges = 0;
  for (const seed of [1, 2, 20261207]) {
    const a = new Rng(seed), b = new Rng(seed);
    const counts = [0, 1, 2, 3, 4, 5, 7, 255, 256, 257, 512, 600, NORMAL_BLOCK - 1, NORMAL_BLOCK, NORMAL_BLOCK + 1, 3 * NORMAL_BLOCK + 17];
    for (const count of counts) {
      const x = new Float64Array(count + 1).fill(7), y = new Float64Array(count + 1).fill(7);
      a.fillNormal(x, count);
      fillNormalInJavaScript(b, y, count);
      for (let i = 0; i <= count; i++) assert.ok(Object.is(x[i], y[i]), `seed ${seed}, count ${count}: draw ${i} is ${x[i]}, the loop's ${y[i]}`);
      for (let i = 0; i < count; i++) {
        if (Math.abs(x[i]) > ZIG_R) tails++;
        // a draw beyond its block's inner rectangle came through zigguratEdge (the wedge test)
        if (Math.abs(x[i]) > ZIG_X[2] && Math.abs(x[i]) <= ZIG_R) edges++;
      }
      // the state moved on identically: the next draws agree too
      assert.equal(a.nextUint32(), b.nextUint32(), `seed ${seed}, after ${count} draws`);
    }
  }
  assert.ok(tails > 10 && edges > 100, `tail draws ${tails}, draws between X[2] and R ${edges}`);
});

test('the WebAssembly wedge test\'s squeeze decides as the two exps would: 4 000 000 draws bit for bit with the JavaScript loop', () => {
  // the bounds leave about 1 wedge draw in 300 to the exps, and 1 in 50 of those is accepted: a few
  // million draws put dozens of both through the exact test (a wrong exact test or a bound off by a
  // rounding's worth of margin makes the streams part)
  const a = new Rng(4242), b = new Rng(4242);
  const x = new Float64Array(1 << 16), y = new Float64Array(1 << 16);
  for (let block = 0; block < 61; block++) {
    a.fillNormal(x);
    fillNormalInJavaScript(b, y);
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) assert.fail(`block ${block}, draw ${i}: ${x[i]}, the loop's ${y[i]}`);
  }
});

test('the chain kernels share the ziggurat\'s instance: growing its memory for them keeps fillNormal\'s draws; sizes past one block of draws get none; bad sizes are refused (wedges too, and the stream keeps its state)', () => {
  const src = Rng.normalKernels();
  assert.ok(src, 'WebAssembly SIMD kernels are available in Node 20');
  assert.equal(src.chain(NORMAL_BLOCK / 2 + 1), undefined);
  const big = src.chain(NORMAL_BLOCK / 2);
  assert.ok(big && big.a.length === NORMAL_BLOCK / 2 && big.e.length === NORMAL_BLOCK / 2);
  assert.equal(src.chain(10), big, 'a smaller request reuses the arrays');
  assert.ok(big.e.byteOffset >= big.a.byteOffset + 8 * big.a.length, 'a and e do not overlap');
  const a = new Rng(99), b = new Rng(99);
  const x = new Float64Array(3000), y = new Float64Array(3000);
  a.fillNormal(x);
  fillNormalInJavaScript(b, y);
  for (let i = 0; i < x.length; i++) assert.ok(Object.is(x[i], y[i]), `draw ${i}: ${x[i]} vs ${y[i]}`);
  // fillNormalIn leaves the same draws in the instance's block
  const c = new Rng(99);
  const block = c.fillNormalIn(src, 3000);
  assert.equal(block.buffer, src.out.buffer);
  for (let i = 0; i < 3000; i++) assert.ok(Object.is(block[i], y[i]), `fillNormalIn draw ${i}`);
  assert.throws(() => c.fillNormalIn(src, NORMAL_BLOCK + 1), { name: 'RangeError', message: `Rng.fillNormalIn: count must be an integer in [0, ${NORMAL_BLOCK}], got ${NORMAL_BLOCK + 1}` });
  assert.throws(() => big.pairs(NORMAL_BLOCK / 2 + 1, 0.1, 0.005, 10, 0), { name: 'RangeError', message: `ChainKernels.pairs: want must be in [0, ${NORMAL_BLOCK / 2}], got ${NORMAL_BLOCK / 2 + 1}` });
  assert.throws(() => big.residual(-1, 1, 0), { name: 'RangeError', message: `ChainKernels.residual: m must be in [0, ${NORMAL_BLOCK / 2}], got -1` });
  big.counts[0] = 0;
  assert.throws(() => c.drawIn(src, () => big.wedges(NORMAL_BLOCK / 2 + 1, 0.1)), { name: 'RangeError', message: `ChainKernels.wedges: ${NORMAL_BLOCK / 2 + 1} pairs after 0 do not fit in ${NORMAL_BLOCK / 2}` });
  big.counts[0] = NORMAL_BLOCK / 2 - 2;
  assert.throws(() => big.wedges(3, 0.1), { name: 'RangeError', message: `ChainKernels.wedges: 3 pairs after ${NORMAL_BLOCK / 2 - 2} do not fit in ${NORMAL_BLOCK / 2}` });
  assert.throws(() => big.wedges(1.5, 0.1), { name: 'RangeError', message: `ChainKernels.wedges: 1.5 pairs after ${NORMAL_BLOCK / 2 - 2} do not fit in ${NORMAL_BLOCK / 2}` });
  // wedges draw from the stream drawIn brings in (two uniforms and a coin each: five outputs) and
  // leave it advanced by exactly that; the points are the polar form's, sums and counts updated
  big.counts[0] = 0; big.counts[2] = 0; big.sums.fill(0);
  const w = new Rng(7), ref = new Rng(7), theta = 0.5;
  w.drawIn(src, () => big.wedges(4, theta));
  let aa = 0, bb = 0, ae = 0;
  for (let k = 0; k < 4; k++) {
    const r = Math.sqrt(-2 * Math.log(1 - ref.uniform()));
    const t = theta * ref.uniform();
    const [a, e] = ref.nextUint32() & 1 ? [r * Math.sin(t), -r * Math.sin(t)] : [0, r * Math.sin(theta - t)];
    assert.ok(Object.is(big.a[k], a) && Object.is(big.e[k], e), `wedge ${k}: (${big.a[k]}, ${big.e[k]}) vs (${a}, ${e})`);
    aa += a * a; bb += (a + e) * (a + e); ae += a * e;
  }
  assert.deepEqual([big.counts[0], big.counts[2]], [4, 4]);
  for (const [got, want] of [[big.sums[0], aa], [big.sums[1], bb], [big.sums[2], ae]]) assert.ok(Math.abs(got - want) <= 1e-15 * Math.abs(want), `${got} vs ${want}`);
  assert.equal(w.nextUint32(), ref.nextUint32(), 'the stream goes on where the wedges left it');
  assert.throws(() => src.chain(2.5), { name: 'RangeError', message: 'NormalSource.chain: maxPairs must be a non-negative integer, got 2.5' });
});
