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
import { Rng } from '../../src/core/rng';

/** composite Simpson on [lo, hi] with n (even) panels */
function simpson(f: (x: number) => number, lo: number, hi: number, n = 20000): number {
  const h = (hi - lo) / n;
  let s = f(lo) + f(hi);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3;
}

const close = (a: number, b: number, rel: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${msg ?? ''} ${a} vs ${b} (rel ${rel})`);

/** Least-squares slope of ln y on ln x (written out here, independently of fitPowerLaw). */
function olsSlope(xs: readonly number[], ys: readonly number[]): number {
  const lx = xs.map(Math.log), ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length, my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let sxy = 0, sxx = 0;
  lx.forEach((x, i) => { sxy += (x - mx) * (ly[i] - my); sxx += (x - mx) ** 2; });
  return sxy / sxx;
}

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

test('mini-batch GD d = 1: loss tail decays like exact GD over the same range, and every probe error goes to 0 exactly as predicted', () => {
  const K = 10000;
  const r = trainIndicator({ iterations: K, batch: 32, learningRate: 1, seed: 3, records: K + 1, evalPoints: 500 });
  assert.ok(r.slope);
  assert.equal(r.slope.fitFrom, 1000);
  assert.equal(r.slope.fitTo, K);
  // the fit uses exactly the records in [fitFrom, K] (all 9001 of them here)
  assert.equal(r.slope.points.length, K - 1000 + 1);
  assert.ok(r.slope.points.every(([k]) => k >= 1000 && k <= K), 'every fitted point lies in the fit range');
  // Reference: GD on the exact loss, d = 1, p = 2, w ≥ 2: L(w) = 1/(3w), so w_{k+1} = w_k + η/(3w_k²) and its
  // loss-slope over k ∈ [1000, 10⁴] is ≈ −0.3322 (−1/3 only as k → ∞: local slope ≈ −(1/3)·k/(8 + k)).
  const gd = [2];
  for (let k = 1; k <= K; k++) gd.push(gd[k - 1] + 1 / (3 * gd[k - 1] ** 2));
  const ks = Array.from({ length: K - 999 }, (_, i) => 1000 + i);
  const ref = olsSlope(ks, ks.map((k) => 1 / (3 * gd[k])));
  assert.ok(ref > -0.3325 && ref < -0.3318, `reference ${ref}`);
  close(r.slope.flowExponent as number, ref, 1e-9, 'flowExponent');
  for (const k of [0, 10, 1000, K]) close(r.theory.gdW[k], gd[k], 1e-12, `gdW at ${k}`);
  // SGD fluctuates around GD: w³ gains ≈ η per step with variance 6η²w/(5B) (per-sample gradient
  // 2(1−z)z/w on the ramp, hit with probability 1/w), so Var(w_k³) ≈ 0.9·k^(4/3)/B and the fitted slope
  // over one decade has sd ≈ 0.003 (measured over 30 seeds: 0.0027). ±0.015 is 5 sd.
  assert.ok(Math.abs(r.slope.exponent - ref) <= 0.015, `slope ${r.slope.exponent} vs exact-GD slope ${ref}`);
  assert.equal(r.slope.expected, -1 / 3);
  // the exact feature makes every gradient push w up
  for (let k = 1; k <= K; k++) assert.ok(r.w[k] >= r.w[k - 1]);
  // w³ tracks w₀³ + ηk (κ = 1): sd of w_K³ ≈ √(0.9·K^(4/3)/32) ≈ 78, i.e. 0.8 %; 4 % is 5 sd
  close(r.w[K] ** 3, 8 + K, 0.04);
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
  assert.equal(r.stopped, null);
});

/**
 * Replays a run step by step from the same random stream (the documented derivation: data stream
 * Rng.derive(seed, 0x1d), d uniforms on [−1, 1) per sample), with the per-sample gradient taken by
 * central differences of |f_w(x) − y|^p through the public ramp: independent of the core's formula.
 */
function replay(params: { dim: number; level: number; batch: number; learningRate: number; lossPower: number; initialW: number; seed: number }, K: number): number[] {
  const { dim, level, batch: B, learningRate: eta, lossPower: p, initialW } = params;
  const a = dim === 1 ? 0.5 : 0.25;
  const rng = Rng.derive(params.seed, 0x1d);
  const ws = [initialW];
  let w = initialW;
  const x = new Float64Array(dim);
  for (let k = 1; k <= K; k++) {
    let g = 0;
    for (let b = 0; b < B; b++) {
      let n2 = 0;
      for (let i = 0; i < dim; i++) { x[i] = rng.uniformIn(-1, 1); n2 += x[i] * x[i]; }
      const phi = indicatorFeature(x, 0, dim, level);
      const y = n2 <= 0.25 ? 1 : 0;
      const loss = (v: number) => Math.abs(rampOutput(v, phi, a) - y) ** p;
      const h = 1e-6 * w;
      g -= (loss(w + h) - loss(w - h)) / (2 * h);
    }
    w += (eta * g) / B;
    ws.push(w);
  }
  return ws;
}

test('mini-batch steps are w += (η/B)·Σ −dℓ/dw for p = 2 and p ≠ 2, any batch size (replayed from the same stream)', () => {
  for (const params of [
    { dim: 1, level: 10, batch: 8, learningRate: 1, lossPower: 3, initialW: 2, seed: 21 },
    { dim: 1, level: 10, batch: 5, learningRate: 0.7, lossPower: 1.5, initialW: 2.5, seed: 22 },
    { dim: 2, level: 3, batch: 16, learningRate: 2, lossPower: 2, initialW: 2, seed: 23 },
  ]) {
    const K = 300;
    const r = trainIndicator({ ...params, iterations: K, records: K + 1, evalPoints: 10 });
    const ref = replay(params, K);
    assert.ok(ref[K] > ref[0] + 0.05, 'the replay moves w');
    for (let k = 0; k <= K; k++) close(r.w[k], ref[k], 1e-8, `${JSON.stringify(params)} iteration ${k}`);
  }
});

test('p = 3, B = 8: w³ grows like w₀³ + 3ηk/4 (gradient flow of L = 1/(4w)), not like the p = 2 rate', () => {
  // d = 1, ramp samples have z = w(|x| − ½) ~ U(0,1) with probability 1/w and −dℓ/dw = 3(1 − z)²·z/w, so
  // E[step] = η·(3/12)/w² = η/(4w²) and w³ gains 3η/4 per step; with the p = 2 factor 2(1 − z) it would gain η.
  // Over 20 seeds w_K³/(8 + 0.75K) − 1 has mean 0.005 and sd 0.012; ±0.06 is 5 sd and far from +0.33.
  const K = 10000;
  const r = trainIndicator({ iterations: K, batch: 8, lossPower: 3, seed: 4, records: 20, evalPoints: 100 });
  close(r.w[r.w.length - 1] ** 3, 8 + 0.75 * K, 0.06);
});

test('theory: the leading-order gradient flow w(k) = ∛(w₀³ + 3κηk/(p+1)) and loss κ/((p+1)w) in closed form', () => {
  const cases = [
    // d = 1, p = 2: κ = 1 ⇒ w³ = w₀³ + ηk
    { params: { iterations: 400, learningRate: 0.5 }, w: (k: number) => Math.cbrt(8 + 0.5 * k), loss: (w: number) => 1 / (3 * w) },
    // d = 1, p = 3: w³ = w₀³ + 3ηk/4, L = 1/(4w)
    { params: { iterations: 400, lossPower: 3, initialW: 3 }, w: (k: number) => Math.cbrt(27 + 0.75 * k), loss: (w: number) => 1 / (4 * w) },
    // d = 2, p = 2: κ = π/4 ⇒ w³ = w₀³ + (π/4)ηk, L = π/(12w)
    { params: { dim: 2, iterations: 400, learningRate: 2 }, w: (k: number) => Math.cbrt(8 + (Math.PI / 4) * 2 * k), loss: (w: number) => Math.PI / (12 * w) },
  ];
  for (const c of cases) {
    const r = trainIndicator({ ...c.params, records: 50, evalPoints: 10 });
    r.iterations.forEach((k, i) => {
      close(r.theory.w[i], c.w(k), 1e-14, `theory.w at ${k}`);
      close(r.theory.loss[i], c.loss(c.w(k)), 1e-13, `theory.loss at ${k}`);
    });
  }
});

test('mini-batch GD d = 2 with the level-10 squaring: slope near exact GD\'s, probes converge', () => {
  const r = trainIndicator({ dim: 2, iterations: 8000, batch: 16, seed: 5 });
  // d = 2: L(w) = π/(12w) exactly (w ≥ 4/3), so exact GD is w_{k+1} = w_k + (π/12)/w_k² and its slope over
  // [800, 8000] ≈ −0.332; B = 16 and κ = π/4 give a slope sd of ≈ 0.005 (scaling the d = 1 estimate): ±0.025
  assert.ok(r.slope && r.slope.flowExponent !== null);
  let w = 2;
  const gd = [w];
  for (let k = 1; k <= 8000; k++) { w += Math.PI / 12 / (w * w); gd.push(w); }
  const ks = r.iterations.filter((k) => k >= 800);
  const ref = olsSlope(ks, ks.map((k) => Math.PI / (12 * gd[k])));
  close(r.slope.flowExponent, ref, 1e-9, 'flowExponent');
  assert.ok(Math.abs(r.slope.exponent - ref) <= 0.025, `slope ${r.slope.exponent} vs ${ref}`);
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
  // Stop is checked every ~2^16 estimated operations, not only at the 1 % checkpoints: d = 1, B = 32 is
  // 32·14 samples + 10 for the exact-GD reference = 458 operations per iteration, a check every 143
  // iterations: 139 checks in 20 000 iterations besides the 100 at the 1 % checkpoints
  calls = 0;
  trainIndicator({ iterations: 20000, evalPoints: 10 }, { progress: () => undefined, isCancelled: () => { calls++; return false; } });
  assert.equal(calls, 239);
});

test('bad parameters get precise errors', () => {
  assert.throws(() => trainIndicator({ dim: 0 }), { name: 'RangeError', message: 'dim must be an integer ≥ 1, got 0' });
  assert.throws(() => trainIndicator({ dim: 2, level: 0 }), { name: 'RangeError', message: 'level must be an integer ≥ 1, got 0' });
  assert.throws(() => trainIndicator({ seed: 2 ** 32 }), { name: 'RangeError', message: 'seed must be an integer in [0, 4294967295], got 4294967296' });
  assert.throws(() => trainIndicator({ seed: -1 }), { name: 'RangeError', message: 'seed must be an integer in [0, 4294967295], got -1' });
  assert.throws(() => trainIndicator({ mode: 'expected', trainingSetSize: 100 }),
    { name: 'RangeError', message: "trainingSetSize applies to mode 'sgd' only: mode 'expected' descends the exact population loss and uses no samples" });
  assert.throws(() => trainIndicator({ mode: 'gd' as never }), { name: 'RangeError', message: "mode must be 'sgd' or 'expected', got 'gd'" });
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

test('d > 1 with a coarse level and a large step: the run stops where w would leave w ≥ 4/3, and says why', () => {
  // the audit's case: the CLI exited 2 with "w must be > 0" (an internal error reported as a usage error)
  const r = trainIndicator({ dim: 2, level: 1, iterations: 5000, learningRate: 60, batch: 1, initialW: 1.34, seed: 4 });
  assert.ok(r.stopped);
  assert.equal(r.stopped.reason, 'left-range');
  assert.equal(r.done, true);
  assert.equal(r.completedIterations, r.stopped.iteration - 1);
  assert.ok(r.completedIterations < 5000);
  assert.equal(r.iterations[r.iterations.length - 1], r.completedIterations, 'the curves end where the run ended');
  assert.equal(r.w[r.w.length - 1], r.stopped.w);
  assert.ok(r.w.every((w) => w >= 4 / 3), 'w never leaves the range');
  assert.ok(r.loss.every(Number.isFinite) && r.evalLoss.every(Number.isFinite), 'no NaN loss');
  assert.match(r.stopped.message, new RegExp(`^stopped at iteration ${r.stopped.iteration}: the step would take w from [\\d.]+ to -?[\\d.]+, outside the construction's range w ≥ 4/3`));
  assert.match(r.stopped.message, /Cause: the level 1 squaring overestimates \|x\|² by up to d·4\^\(−N−1\) = 0\.125, .* learning rate η = 60 and batch 1 /);
  assert.equal(r.warnings[0], r.stopped.message);
  // the same run with a fine squaring never puts inside points on the ramp, so w only grows
  const fine = trainIndicator({ dim: 2, level: 12, iterations: 5000, learningRate: 60, batch: 1, initialW: 1.34, seed: 4, records: 5001, evalPoints: 10 });
  assert.equal(fine.stopped, null);
  for (let k = 1; k < fine.w.length; k++) assert.ok(fine.w[k] >= fine.w[k - 1]);
});

test('huge runs are refused up front with the numbers, and maxWork moves the budget', () => {
  assert.throws(() => trainIndicator({ iterations: 1e12 }), {
    name: 'RangeError',
    message: 'the run needs about 4.7e14 operations (1000000000000 iterations × batch 32 × 14 per sample for d = 1), above the budget of 1.0e11 (a few minutes); ' +
      'lower iterations, batch, dim or level, or raise the budget (maxWork; CLI: --max-work)',
  });
  assert.throws(() => trainIndicator({ batch: 1e12, iterations: 1 }), /^RangeError: the run needs about 1\.4e13 operations \(1 iterations × batch 1000000000000/);
  assert.throws(() => trainIndicator({ iterations: 1e9, records: 1e9 }), { message: 'records is 1000000000, above the limit of 100000' });
  assert.throws(() => trainIndicator({ dim: 1000000 }), { message: 'dim is 1000000, above the limit of 100000' });
  assert.throws(() => trainIndicator({ dim: 2, gridSize: 5000 }), { message: 'gridSize is 5000, above the limit of 1001' });
  // 10¹² iterations × (32 samples × 14 + 21 per iteration) ≈ 4.7e14 above. The default run (d = 1) is ≈ 1.7e7
  // operations, mostly the 200 records × 20 000 evaluation points: a budget of 1e6 refuses it; 100 iterations fit in 1e7
  assert.throws(() => trainIndicator({ maxWork: 1e6 }), /above the budget of 1\.0e6/);
  assert.equal(trainIndicator({ maxWork: 1e7, iterations: 100 }).done, true);
  assert.throws(() => trainIndicator({ maxWork: 0 }), { message: 'maxWork must be a finite number > 0, got 0' });
});

test('warnings: pre-asymptotic fit range (high d), coarse level, a stalled fixed training set', () => {
  // d = 12: κ = ρ(1/4) ≈ 1.9e-6, so w barely moves in 3000 iterations; exact GD's own slope is ≈ −0.014, not −1/3
  const high = trainIndicator({ dim: 12, iterations: 3000, evalPoints: 200, seed: 2 });
  assert.ok(high.slope && high.slope.flowExponent !== null && high.slope.flowExponent > -0.1, `flow ${high.slope?.flowExponent}`);
  assert.ok(high.warnings.some((w) => w.startsWith('Pre-asymptotic: gradient descent on the exact population loss (the deterministic path this run fluctuates around) has slope')), high.warnings.join('\n'));
  // d = 1, K = 10⁴: the fit range is asymptotic (exact GD slope −0.332) and nothing is said about it
  const d1 = trainIndicator({ iterations: 10000, seed: 2 });
  assert.deepEqual(d1.warnings, []);
  // level 2 moves |x|² by up to 2·4^(−3) = 0.031, a large part of the final ramp width 1/w ≈ 0.08
  const coarse = trainIndicator({ dim: 2, level: 2, iterations: 3000, evalPoints: 2000, seed: 1 });
  assert.ok(coarse.warnings.some((w) => /^Level 2 is coarse for w = [\d.]+: the squaring moves the feature by up to 0\.0313/.test(w)), coarse.warnings.join('\n'));
  assert.ok(coarse.evalSlope && coarse.slope && Math.abs(coarse.evalSlope.exponent - coarse.slope.exponent) > 0.05,
    'the network\'s loss (evalSlope) visibly departs from the ideal model\'s (slope)');
  // full-batch GD on 10 fixed points: the set's loss is 0 once w ≥ w* = 1/(φ − a) of its outside point nearest
  // ½; that point's gradient vanishes as w → w*, so w stays below w* and probes beyond it keep a positive error
  const fixed = trainIndicator({ trainingSetSize: 10, batch: 10, iterations: 20000, records: 400, evalPoints: 100, seed: 1 });
  const note = fixed.warnings.find((w) => w.startsWith('Fixed training set of 10 points: its loss is 0 once w ≥ w* = '));
  assert.ok(note, fixed.warnings.join('\n'));
  const wStar = Number(/w\* = ([\d.]+)/.exec(note)![1]);
  assert.ok(fixed.w.every((w) => w <= wStar * (1 + 1e-3)), `w stays below w* = ${wStar}`);
  const beyond = fixed.probes.filter((p) => p.threshold !== null && p.threshold > wStar * (1 + 1e-3));
  assert.ok(beyond.length > 0 && beyond.every((p) => p.error[p.error.length - 1] > 0 && p.zeroFrom === null));
  assert.match(note, new RegExp(`; ${beyond.length} probes? beyond w\\* never reach error 0\\.`));
});
