/**
 * MATH.md §D: the indicator construction, its closed-form population loss, and (mini-batch) GD.
 * Reference values are closed forms derived in the comments and recomputed here independently
 * (radial integrals by Simpson's rule, not the core's Gauss–Legendre in the feature variable).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  indicatorFeature, indicatorKappa, indicatorPopulationDescent, indicatorPopulationLoss, rampOutput,
  sawtoothSquare, trainIndicator,
} from '../../src/core/training/indicator';
import { fitPowerLaw, gaussLegendre01, logSpacedIterations } from '../../src/core/training/fit';
import { CancelledError } from '../../src/core/context';

/** composite Simpson on [lo, hi] with n (even) panels */
function simpson(f: (x: number) => number, lo: number, hi: number, n = 20000): number {
  const h = (hi - lo) / n;
  let s = f(lo) + f(hi);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3;
}

const close = (a: number, b: number, rel: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${msg ?? ''} ${a} vs ${b} (rel ${rel})`);

test('ramp: σ(1 − σ(w(φ − a))) is 1 up to a, linear on [a, a + 1/w], 0 beyond', () => {
  assert.equal(rampOutput(4, 0.2, 0.25), 1);
  assert.equal(rampOutput(4, 0.25, 0.25), 1);
  assert.equal(rampOutput(4, 0.375, 0.25), 0.5);
  assert.equal(rampOutput(4, 0.5, 0.25), 0);
  assert.equal(rampOutput(4, 0.9, 0.25), 0);
});

test('feature: |x| exactly for d = 1; Yarotsky squaring interpolates t² on k/2^N with error ≤ 4^(−N−1)', () => {
  assert.equal(indicatorFeature([-0.37], 0, 1, 0), 0.37);
  assert.equal(indicatorFeature([0.8], 0, 1, 0), 0.8);
  for (const N of [1, 3, 6]) {
    let maxErr = 0;
    for (let i = 0; i <= 4096; i++) {
      const t = i / 4096;
      const e = sawtoothSquare(t, N) - t * t;
      assert.ok(e >= -1e-15, `s_N(t) ≥ t² at t = ${t}`);
      maxErr = Math.max(maxErr, e);
    }
    // the interpolant's max error is at the midpoints of the grid: (h/2)² with h = 2^−N
    close(maxErr, 4 ** (-N - 1), 1e-9, `level ${N}`);
    for (let k = 0; k <= 2 ** N; k++) assert.ok(Math.abs(sawtoothSquare(k / 2 ** N, N) - (k / 2 ** N) ** 2) < 1e-15);
  }
  // d > 1: r_N(x) = Σ s_N(|x_i|)
  assert.equal(indicatorFeature([0.5, -0.25], 0, 2, 4), 0.25 + 0.0625);
});

test('population loss d = 1: 1/((p+1)w) for w ≥ 2, and Simpson in x below that', () => {
  // |x| is uniform on [0,1]; the error is (1 − w(s − ½))^p on the ramp ⇒ ∫₀^{1/w}(1 − wu)^p du = 1/((p+1)w)
  close(indicatorPopulationLoss(2, 1), 1 / 6, 1e-15);
  close(indicatorPopulationLoss(10, 1), 1 / 30, 1e-15);
  close(indicatorPopulationLoss(7, 1, 3), 1 / 28, 1e-15);
  for (const w of [0.5, 1, 1.5]) {
    // the error is 0 on s ≤ ½ and (1 − w(s − ½))² on [½, 1] (the ramp reaches past s = 1 for w < 2)
    const ref = simpson((s) => Math.max(0, 1 - w * (s - 0.5)) ** 2, 0.5, 1);
    close(indicatorPopulationLoss(w, 1), ref, 1e-9, `w = ${w}`);
  }
});

test('population loss d = 2 is π/(12w) exactly; d = 3 matches the radial integral', () => {
  // d = 2: |x|² has density π/4 on [0,1] ⇒ L = (π/4)/(3w)
  for (const w of [4 / 3, 2, 17]) close(indicatorPopulationLoss(w, 2), Math.PI / (12 * w), 1e-13, `w = ${w}`);
  // radial: ball of radius ρ in [−1,1]^d (ρ ≤ 1) ⇒ density of ρ is surface(ρ)/2^d
  for (const w of [2, 9]) {
    const r2 = simpson((rho) => (1 - w * (rho * rho - 0.25)) ** 2 * (2 * Math.PI * rho) / 4, 0.5, Math.sqrt(0.25 + 1 / w));
    close(indicatorPopulationLoss(w, 2), r2, 1e-10, `d = 2 radial, w = ${w}`);
    const r3 = simpson((rho) => (1 - w * (rho * rho - 0.25)) ** 2 * (4 * Math.PI * rho * rho) / 8, 0.5, Math.sqrt(0.25 + 1 / w));
    close(indicatorPopulationLoss(w, 3), r3, 1e-10, `d = 3 radial, w = ${w}`);
  }
  // κ = density of the feature at the threshold: 1, π/4, π/8
  close(indicatorKappa(1), 1, 1e-15);
  close(indicatorKappa(2), Math.PI / 4, 1e-15);
  close(indicatorKappa(3), Math.PI / 8, 1e-15);
  assert.ok(Number.isNaN(indicatorPopulationLoss(1.2, 2)), 'below w = 4/3 the ramp leaves r ≤ 1: NaN');
});

test('population descent = −dL/dw (central differences), and 1/(3w²) for d = 1', () => {
  close(indicatorPopulationDescent(5, 1), 1 / 75, 1e-14);
  for (const [w, d, p] of [[1.5, 1, 2], [3, 1, 2.5], [2, 2, 2], [6, 3, 2], [4, 4, 1.5]] as const) {
    const h = 1e-5 * w;
    const fd = -(indicatorPopulationLoss(w + h, d, p) - indicatorPopulationLoss(w - h, d, p)) / (2 * h);
    close(indicatorPopulationDescent(w, d, p), fd, 1e-7, `w=${w} d=${d} p=${p}`);
  }
});

test('expected mode is GD on the closed form: w_{k+1} = w_k + η/(3w_k²), so w_k³ ≥ w₀³ + ηk', () => {
  const r = trainIndicator({ mode: 'expected', iterations: 500, learningRate: 0.7, records: 501 });
  let w = 2;
  for (let k = 0; k <= 500; k++) {
    close(r.w[k], w, 1e-14, `iteration ${k}`);
    assert.ok(w ** 3 >= 8 + 0.7 * k - 1e-9);
    w += 0.7 / (3 * w * w);
  }
});

test('mini-batch GD d = 1: loss tail decays like k^(−1/3) and every probe error goes to 0 exactly as predicted', () => {
  const K = 10000;
  const r = trainIndicator({ iterations: K, batch: 32, learningRate: 1, seed: 3, records: K + 1, evalPoints: 500 });
  assert.ok(r.slope);
  // band around the gradient-flow exponent −1/3 (local slope −(1/3)·k/(8 + k) over the last decade)
  assert.ok(r.slope.exponent >= -0.40 && r.slope.exponent <= -0.27, `slope ${r.slope.exponent}`);
  assert.equal(r.slope.fitFrom, 1000);
  // the exact feature makes every gradient push w up
  for (let k = 1; k <= K; k++) assert.ok(r.w[k] >= r.w[k - 1]);
  // w³ tracks w₀³ + ηk (κ = 1) within a few percent
  close(r.w[K] ** 3, 8 + K, 0.05);
  for (const p of r.probes) {
    if (p.target === 1) {
      assert.equal(p.threshold, null);
      assert.ok(p.error.every((e) => e === 0), `inside probe ${p.x} is exact from the start`);
      assert.equal(p.zeroFrom, 0);
      continue;
    }
    const th = 1 / (p.feature - 0.5);
    close(p.threshold as number, th, 1e-15);
    // the error is max(0, 1 − w(φ − a)) at every iteration
    for (let k = 0; k <= K; k++) close(p.error[k] + 1, Math.max(0, 1 - r.w[k] * (p.feature - 0.5)) + 1, 1e-14);
    if (r.w[K] > th * (1 + 1e-12)) {
      // exactly 0 from the first iteration at which w passes 1/(φ − a)
      const k0 = r.w.findIndex((w) => w * (p.feature - 0.5) >= 1);
      assert.equal(p.zeroFrom, k0, `probe ${p.x}`);
      assert.ok(r.w[k0] >= th * (1 - 1e-12) && (k0 === 0 || r.w[k0 - 1] < th * (1 + 1e-12)));
      assert.equal(p.error[K], 0);
    }
  }
  // with K = 10⁴, w ≈ 21.6 passes every default outside threshold (2.5 … 20)
  assert.ok(r.probes.every((p) => p.error[K] === 0));
  assert.deepEqual(r.probes.filter((p) => p.target === 0).map((p) => p.zeroFrom !== null), [true, true, true, true]);
});

test('mini-batch GD d = 2 with the level-10 squaring: slope near −1/3, probes converge', () => {
  const r = trainIndicator({ dim: 2, iterations: 8000, batch: 16, seed: 5 });
  assert.ok(r.slope && r.slope.exponent >= -0.40 && r.slope.exponent <= -0.27, `slope ${r.slope?.exponent}`);
  assert.equal(r.feature.kind, 'sawtooth-square');
  close(r.feature.maxError, 2 * 4 ** -11, 1e-15);
  assert.equal(r.functionView.kind, 'heatmap');
  assert.equal(r.functionView.learned.length, 81 * 81);
  for (const p of r.probes) if (p.threshold !== null && p.threshold < r.w[r.w.length - 1]) assert.equal(p.error[p.error.length - 1], 0);
  // the eval-set loss of the actual network agrees with the closed form to Monte Carlo accuracy
  const last = r.loss.length - 1;
  close(r.evalLoss[last], r.loss[last], 0.2);
});

test('same seed ⇒ bit-for-bit identical; different seed ⇒ different', () => {
  const a = trainIndicator({ iterations: 2000, seed: 11 });
  const b = trainIndicator({ iterations: 2000, seed: 11 });
  const c = trainIndicator({ iterations: 2000, seed: 12 });
  assert.deepEqual(a, b);
  assert.notEqual(a.w[a.w.length - 1], c.w[c.w.length - 1]);
  // a fixed training set with mini-batches drawn without replacement is seeded too
  const s1 = trainIndicator({ iterations: 500, trainingSetSize: 200, batch: 50, seed: 2 });
  const s2 = trainIndicator({ iterations: 500, trainingSetSize: 200, batch: 50, seed: 2 });
  assert.deepEqual(s1.w, s2.w);
});

test('progress, partial results and cancellation', () => {
  const partials: number[] = [];
  let last = 0;
  const r = trainIndicator({ iterations: 1000 }, { progress: (f) => { assert.ok(f >= last); last = f; }, isCancelled: () => false },
    { onPartial: (p) => { assert.equal(p.done, false); assert.equal(p.iterations.length, p.loss.length); partials.push(p.completedIterations); } });
  assert.equal(last, 1);
  assert.equal(r.done, true);
  assert.deepEqual(partials, Array.from({ length: 99 }, (_, i) => 10 * (i + 1)));
  let calls = 0;
  assert.throws(() => trainIndicator({ iterations: 1000 }, { progress: () => undefined, isCancelled: () => ++calls > 3 }), CancelledError);
});

test('bad parameters get precise errors', () => {
  assert.throws(() => trainIndicator({ dim: 0 }), { name: 'RangeError', message: 'dim must be an integer ≥ 1, got 0' });
  assert.throws(() => trainIndicator({ dim: 2, initialW: 1 }), { name: 'RangeError', message: 'initialW must be ≥ 4/3 for dim > 1 (the ramp must stay inside |x|² ≤ 1), got 1' });
  assert.throws(() => trainIndicator({ batch: 10, trainingSetSize: 5 }), { name: 'RangeError', message: 'batch (10) must be ≤ trainingSetSize (5)' });
  assert.throws(() => trainIndicator({ probes: [[0.2, 0.1]] }), { name: 'RangeError', message: 'probe 0 has 2 coordinates, expected dim = 1' });
  assert.throws(() => trainIndicator({ lossPower: 0.5 }), { name: 'RangeError', message: 'lossPower must be a finite number ≥ 1, got 0.5' });
});

test('helpers: log-spaced records, Gauss–Legendre, power-law fit', () => {
  const it = logSpacedIterations(10000, 50);
  assert.equal(it[0], 0);
  assert.equal(it[it.length - 1], 10000);
  for (let i = 1; i < it.length; i++) assert.ok(it[i] > it[i - 1]);
  assert.deepEqual(logSpacedIterations(5, 10), [0, 1, 2, 3, 4, 5]);
  const { nodes, weights } = gaussLegendre01(64);
  let s = 0, m = 0;
  for (let i = 0; i < 64; i++) { s += weights[i]; m += weights[i] * nodes[i] ** 7; }
  close(s, 1, 1e-14);
  close(m, 1 / 8, 1e-14);
  const fit = fitPowerLaw([1, 2, 4, 8], [3, 3 / Math.SQRT2, 1.5, 1.5 / Math.SQRT2]);
  assert.ok(fit);
  close(fit.exponent, -0.5, 1e-12);
  close(Math.exp(fit.intercept), 3, 1e-12);
});
