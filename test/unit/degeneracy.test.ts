/**
 * Depth degeneracy (MATH.md §C): reference values, numerical stability near θ = 0, the Monte Carlo
 * (chain and full networks) against Theorem 1 and against each other, the paper's Figure 1 setting,
 * the density propagation + KS, the probe analysis and the `depth-lens degeneracy` command.
 * Everything random is seeded; heavy runs live in bench/suites/degeneracy.ts.
 */
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  approx1StartsFromTheorem, approx2Variance, approxAlpha, deterministicCurves, infiniteWidthIterates, infiniteWidthStep, lnSin2, mu,
  muOfLnSin2, oneMinusFourJ11Sq, ratioA, ratioB, rho, sigma2, SERIES_CUTOFF, thetaFromLnSin2,
} from '../../src/core/degeneracy/theory';
import { j11, j22, j31 } from '../../src/core/degeneracy/moments';
import { layerSamples, sampleStats, simulateAngles } from '../../src/core/degeneracy/simulate';
import { cumulative, defaultGrid, kolmogorovSurvival, KsScratch, ksTest, predictDensity } from '../../src/core/degeneracy/density';
import { twoSampleKs } from './ks-helpers';
import { checkDegeneracyBudget, DegeneracyBudgetError } from '../../src/core/degeneracy/limits';
import { probeAngles, runDegeneracy, stepWidths, vectorAngle } from '../../src/core/degeneracy/analysis';
import { degeneracyCommand, parseWidths } from '../../src/cli/commands/degeneracy';
import { UsageError } from '../../src/cli/command';
import { explicitNetwork, type DenseLayer } from '../../src/core/network/model';
import { forwardTrace } from '../../src/core/network/forward';
import { Rng } from '../../src/core/rng';
import { CancelledError } from '../../src/core/context';

const io = { readFile: () => new Uint8Array(), writeFile: () => undefined, progress: () => undefined };
const near = (x: number, y: number, tol: number, msg?: string) => assert.ok(Math.abs(x - y) <= tol, `${msg ?? ''} ${x} vs ${y} (tol ${tol})`);

test('infinite width: iterates from π/2 and the 3π/ℓ tail (MATH.md §C)', () => {
  const th = infiniteWidthIterates(Math.PI / 2, 5);
  // MATH.md §C: 1.24685, 1.05442, 0.92125, 0.82173, 0.74373
  [1.24685, 1.05442, 0.92125, 0.82173, 0.74373].forEach((v, i) => near(th[i + 1], v, 5e-6, `θ^${i + 1}`));
  // θ^ℓ ≈ 3π/ℓ for large ℓ (the ratio tends to 1 slowly, with log corrections)
  const deep = infiniteWidthIterates(Math.PI / 2, 20000);
  const ratio = (deep[20000] * 20000) / (3 * Math.PI);
  assert.ok(ratio > 0.97 && ratio < 1.03, `ℓθ^ℓ/(3π) = ${ratio}`);
  // tiny angles keep their relative precision: θ' = θ − θ²/(3π)·… ≈ θ (1 − θ/(3π)) for θ → 0
  near(infiniteWidthStep(1e-10) / 1e-10, 1 - 1e-10 / (3 * Math.PI), 1e-15);
  assert.equal(infiniteWidthStep(0), 0);
});

test('Theorem 1 μ(π/2, n), ρ(n) and Approximation 2 reference values (MATH.md §C)', () => {
  // MATH.md §C: μ(π/2, n) = −0.2081, −0.12364, −0.11055, −0.10773 for n = 16, 64, 256, 1024
  near(mu(Math.PI / 2, 16), -0.2081, 5e-5);
  near(mu(Math.PI / 2, 64), -0.12364, 5e-6);
  near(mu(Math.PI / 2, 256), -0.11055, 5e-6);
  near(mu(Math.PI / 2, 1024), -0.10773, 5e-6);
  // infinite width: ln(1 − 1/π²) = −0.10683
  near(mu(Math.PI / 2, 1e9), Math.log(1 - 1 / Math.PI ** 2), 1e-8);
  // ρ(16) = 0.400327, ρ(64) = 0.053296, ρ(256) = 0.009298, ρ(1024) = 0.002048
  near(rho(16), 0.400327, 5e-7);
  near(rho(64), 0.053296, 5e-7);
  near(rho(256), 0.009298, 5e-7);
  near(rho(1024), 0.002048, 5e-7);
  near(approx2Variance(256), 0.030064, 5e-7);
  // Approximation 2 is the θ → 0 limit of σ²: σ²(0, n) → 8n(5/2)/(n+5)² + 8n(3/2)/(n−1)² − 16n(3/2)/((n+5)(n−1))
  const n = 256;
  near(sigma2(1e-12, n), 20 * n / (n + 5) ** 2 + 12 * n / (n - 1) ** 2 - 24 * n / ((n + 5) * (n - 1)), 1e-14);
  assert.throws(() => mu(0.5, 1), { name: 'RangeError', message: 'mu: width must be a number ≥ 2, got 1' });
  assert.throws(() => sigma2(-0.1, 16), { name: 'RangeError', message: 'sigma2: angle must be a number in [0, π], got -0.1' });
});

test('μ and σ² are stable as θ → 0 (series near 0) — against 120-digit references', () => {
  // References: the closed forms of MATH.md §C evaluated in Python's `decimal` at 120 significant
  // digits (π by the decimal-module recipe, sin/cos by their Taylor series), printed to 18 digits.
  const refs: [number, number, number, number][] = [
    // θ, n, μ, σ²
    [1e-8, 16, -3.72416886020521787e+01, 3.59909296431298320e-01],
    [1e-8, 256, -3.68506598479709169e+01, 3.00891172723243595e-02],
    [1e-4, 16, -1.88210302853497033e+01, 3.59903085632757636e-01],
    [1e-4, 256, -1.84300003929225298e+01, 3.00885976855796225e-02],
    [1e-2, 16, -9.61292633510242922e+00, 3.59259925492901810e-01],
    [1e-2, 256, -9.22180280488944071e+00, 3.00340178708454926e-02],
    [0.1, 256, -4.63924043050834278e+00, 2.92623234322459853e-02],
    [0.25, 256, -2.85640163842492889e+00, 2.69859145700395882e-02],
    [0.3, 16, -2.88853415626496046e+00, 3.18239124531975281e-01],
    [1, 256, -5.25947983476558800e-01, 8.42771430022529015e-03],
  ];
  for (const [t, n, m, s2] of refs) {
    near(mu(t, n), m, 1e-13 * Math.abs(m), `μ(${t}, ${n})`);
    near(sigma2(t, n), s2, 1e-12 * s2, `σ²(${t}, ${n})`);
  }
  // the ratios K/L² and N/L both tend to 3/2 (same decimal references: 1.50000000042441317 at 1e-8)
  near(ratioA(1e-8), 1.50000000042441317, 1e-15);
  near(ratioB(1e-8), 1.50000000106103304, 1e-15);
  // series and closed form agree across the switch-over at 0.6 (decimal reference A(0.6), B(0.6)),
  // and the series is used where the closed form still loses digits (3e-13 relative at 0.25)
  assert.equal(SERIES_CUTOFF, 0.6);
  for (const t of [0.6 - 1e-15, 0.6]) {
    near(ratioA(t), 1.49412385724145924115, 2e-14, `A(${t})`);
    near(ratioB(t), 1.53017532136743605875, 2e-14, `B(${t})`);
  }
  near(ratioA(0.25), 1.50693267842752121055, 2e-15);
  // L = 1 − 4J11² ≈ θ²(1 − 2θ/(3π)); the naive 1 − 4J11² would return 0 or noise at 1e-8
  near(oneMinusFourJ11Sq(1e-8) / 1e-16, 1, 1e-8);
  for (const t of [1e-300, 1e-20, 1e-8, 1e-4]) {
    assert.ok(Number.isFinite(mu(t, 64)) && Number.isFinite(sigma2(t, 64)), `finite at ${t}`);
  }
  assert.equal(mu(0, 64), -Infinity);
  assert.ok(Number.isFinite(sigma2(0, 64)));
  // the naive closed forms are what the series replace: show they really are noise at 1e-4
  const t = 1e-4, a = j11(t), b = j22(t), c = j31(t), L = 1 - 4 * a * a;
  const naiveA = (8 * a * a * b - 8 * a ** 4 + 4 * a * a - 8 * a * c + b + 1) / (L * L);
  assert.ok(Math.abs(naiveA - 1.5) > 1e-3, `naive K/L² at 1e-4 = ${naiveA}`);
});

test('σ² and μ near θ = π: no cancellation, never negative — against 200-digit references', () => {
  // References: the closed forms of MATH.md §C in mpmath at 200 digits, at the double θ given, rounded
  // to the nearest double.
  // The textbook forms reach σ² → 0 at π as a difference of O(1/n) terms: σ²(3.1, 256) came out
  // 1.39e-17 against the true 2.02e-20, and negative at 1292 of 20001 angles in [2.8, π] for n = 256.
  const refs: [number, number, number, number][] = [
    // θ, n, μ, σ²
    [2.0, 16, -0.050150901629420805, 0.0015145146478145806],
    [2.0, 256, -0.020540789663110223, 6.874977848857207e-05],
    [2.8, 16, -0.00011178870238482025, 6.953148951290587e-09],
    [2.8, 256, -2.1346394483651164e-05, 2.2909331352231405e-10],
    [3.1, 16, -2.317394255933179e-09, 1.6211319469542286e-18],
    [3.1, 256, -1.4646454649355782e-10, 2.0214283564034533e-20],
    [3.140592653589793, 16, -1.777705126131029e-17, 7.363013523902565e-35],
    [3.140592653589793, 256, -6.985038651936139e-19, 4.477075244682469e-38],
    [3.141591653589793, 256, -6.867260186047839e-34, 1.3990211498093825e-68],
  ];
  for (const [t, n, m, s2] of refs) {
    near(mu(t, n), m, 1e-13 * Math.abs(m), `μ(${t}, ${n})`);
    near(sigma2(t, n), s2, 1e-13 * s2, `σ²(${t}, ${n})`);
  }
  let negative = 0;
  for (let i = 0; i <= 20000; i++) {
    const t = 2.8 + ((Math.PI - 2.8) * i) / 20000;
    if (!(sigma2(t, 256) >= 0)) negative++;
  }
  assert.equal(negative, 0);
  // continuous across the switch to the near-π form at π/2 (same 200-digit recipe: σ²(π/2, 256))
  near(sigma2(Math.PI / 2, 256), sigma2(Math.PI / 2 + 1e-15, 256), 1e-15);
  near(mu(Math.PI / 2, 256), mu(Math.PI / 2 + 1e-15, 256), 1e-15);
});

test('narrow and deep networks: every theory curve is defined down to θ = 0 (X = −∞ absorbing)', () => {
  // μ(θ, n) − ln θ² → −ρ(n) as θ → 0 (J22(0) = 3/2 and K/L² → 3/2 turn μ's last two terms into
  // ρ's), so deep in the tail the theorem iterate must step by −ρ(n) (ρ(2) = 13.5: X ≈ −1420 after
  // ~100 layers of width 2, where θ = arcsin(e^{X/2}) is subnormal; 1/θ overflowed there before).
  for (const n of [2, 3, 16, 256]) {
    near(mu(1e-150, n) - 2 * Math.log(1e-150), -rho(n), 1e-12, `μ − ln θ² at 1e-150, n = ${n}`);
    near(mu(5e-310, n) - 2 * Math.log(5e-310), -rho(n), 1e-12, `μ − ln θ² at a subnormal θ, n = ${n}`);
    for (const x of [-1400, -1420, -1500, -5000, -1e6]) near(muOfLnSin2(x, n), x - rho(n), 1e-9 * Math.abs(x), `muOfLnSin2(${x}, ${n})`);
    // the X form agrees with μ(θ) wherever θ is an ordinary number
    for (const x of [-0.5, -3, -50, -700]) near(muOfLnSin2(x, n), mu(thetaFromLnSin2(x), n), 1e-12 * Math.abs(x), `muOfLnSin2(${x}, ${n})`);
  }
  assert.equal(muOfLnSin2(-Infinity, 16), -Infinity);
  for (const [n, L] of [[2, 120], [2, 2000], [3, 300], [4, 500], [8, 1500]]) {
    const c = deterministicCurves(0.1, Array(L).fill(n));
    for (let l = 1; l <= L; l++) {
      assert.ok(Number.isFinite(c.theoremX[l]) && Number.isFinite(c.approx1X[l]), `n = ${n}, layer ${l}: theorem ${c.theoremX[l]}, approx1 ${c.approx1X[l]}`);
      assert.ok(c.theoremX[l] < c.theoremX[l - 1] && c.approx1X[l] < c.approx1X[l - 1]);
    }
    // far down both curves step by −ρ(n) (approx1's −(2/3π)θ term has vanished too)
    near(c.theoremX[L] - c.theoremX[L - 1], -rho(n), 1e-9);
    near(c.approx1X[L] - c.approx1X[L - 1], -rho(n), 1e-9);
  }
});

test('Approximation 1 from θ⁰ > π/2 starts at layer 1 from μ(θ⁰, n₁); below π/2 it is the paper\'s law', () => {
  // ln sin²θ is not monotone above π/2: from θ⁰ = 3.1 the law gave −7.07 at layer 1, where Theorem 1,
  // infinite width and the simulation give 0.0000 (post-ReLU angles are ≤ π/2, here ≈ π/2)
  for (const theta0 of [3.1, Math.PI, 2, Math.PI / 2 + 1e-9]) {
    const c = deterministicCurves(theta0, [64, 64, 64]);
    assert.equal(approx1StartsFromTheorem(theta0), true);
    assert.equal(c.approx1X[1], mu(theta0, 64));
    near(c.approx1X[2], approxAlpha(c.approx1X[1], 64), 0);
  }
  near(deterministicCurves(3.1, [64]).approx1X[1], 0, 1e-8);
  for (const theta0 of [0.1, 1, Math.PI / 2]) {
    const c = deterministicCurves(theta0, [64, 64]);
    assert.equal(approx1StartsFromTheorem(theta0), false);
    assert.equal(c.approx1X[1], lnSin2(theta0) - (2 / (3 * Math.PI)) * theta0 - rho(64));
  }
});

/**
 * Theorem 1 holds up to O(n⁻²). The remainder is not small in absolute terms at small θ: with 40 000
 * seeded chain trials we measured (Var_MC − σ²)·n² ≈ 128 at θ = 0.1 for both n = 256 and n = 1024
 * (so it is the n⁻² term, not a bug), and |E_MC − μ|·n² ≲ 70. The tolerances below add that remainder
 * (C/n² with C = 100 for the mean, 160 for the variance) to 4 standard errors.
 */
test('Monte Carlo one step at n = 256 matches μ and σ² within a few standard errors (+ O(n⁻²))', () => {
  const n = 256, trials = 12000;
  for (const theta of [0.1, 1, Math.PI / 2]) {
    const s = simulateAngles({ widths: [n, n], theta0: theta, trials, seed: 11, mode: 'chain' });
    const st = sampleStats(layerSamples(s, 1));
    assert.equal(st.count, trials);
    const m = mu(theta, n), v = sigma2(theta, n);
    near(st.mean!, m, 4 * st.se! + 100 / n ** 2, `mean at θ = ${theta}`);
    // SE of a sample variance ≈ v·√(2/(m−1)) (X_1 is close to Gaussian at this width)
    near(st.sd! ** 2, v, 4 * v * Math.sqrt(2 / (trials - 1)) + 160 / n ** 2, `variance at θ = ${theta}`);
  }
});


test('the exact chain and full random networks agree statistically (widths 24…40, 6 layers)', () => {
  const widths = [24, 32, 40, 24, 32, 40, 32];
  const trials = 1500;
  const chain = simulateAngles({ widths, theta0: 0.6, trials, seed: 3, mode: 'chain' });
  const net = simulateAngles({ widths, theta0: 0.6, trials, seed: 4, mode: 'network' });
  for (const l of [1, 3, 6]) {
    const a = sampleStats(layerSamples(chain, l)), b = sampleStats(layerSamples(net, l));
    near(a.mean!, b.mean!, 4 * Math.hypot(a.se!, b.se!), `means at layer ${l}`);
    const ks = twoSampleKs(layerSamples(chain, l), layerSamples(net, l));
    assert.ok(ks.p > 0.001, `two-sample KS at layer ${l}: D = ${ks.d}, p = ${ks.p}`);
  }
  // and both differ clearly from a wrong model: the chain at a different width
  const wrong = simulateAngles({ widths: widths.map(() => 8), theta0: 0.6, trials, seed: 5, mode: 'chain' });
  assert.ok(twoSampleKs(layerSamples(wrong, 6), layerSamples(net, 6)).p < 1e-6);
});

test('Figure 1 setting (n = 256, θ⁰ = 0.1, 32 layers): MC follows Approximation 1, departs from infinite width', (t) => {
  const r = runDegeneracy({ widths: Array(33).fill(256), theta0: 0.1, trials: 3000, seed: 2024, ksLayers: [1, 10, 20, 30] });
  for (const l of [10, 20, 30]) {
    const row = r.layers[l];
    const mc = row.mc!;
    t.diagnostic(`layer ${l}: MC mean ${mc.mean!.toFixed(4)} ± ${mc.se!.toFixed(4)} (sd ${mc.sd!.toFixed(4)}), approx1 ${row.approx1.toFixed(4)}, theorem ${row.theoremIterate.toFixed(4)}, predicted ${row.predicted.mean.toFixed(4)} ± ${row.predicted.sd.toFixed(4)}, infinite width ${row.infiniteWidth.lnSin2.toFixed(4)}`);
    // follows Approximation 1: within 4 SE plus the model error it carries — Theorem 1's O(n⁻²) mean
    // remainder, measured at ≈ +40…70/n² per step (see the one-step test), accumulates to ≈ +0.03 by
    // layer 30 at n = 256 (20 000 chain trials in the bench: MC −5.3997 ± 0.0060 vs −5.4106 at ℓ = 30;
    // −5.3930 and −5.3943 with earlier random streams)
    near(mc.mean!, row.approx1, 4 * mc.se! + 0.001 * l, `MC vs approx1 at ${l}`);
    near(mc.sd!, row.predicted.sd, 0.06 * row.predicted.sd, `MC sd vs predicted sd at ${l}`);
    assert.equal(mc.collapsed + mc.dead, 0);
  }
  // departs from the infinite-width curve: below it by many standard errors at layers 20 and 30
  for (const [l, gap] of [[20, 0.12], [30, 0.2]] as const) {
    const row = r.layers[l];
    assert.ok(row.infiniteWidth.lnSin2 - row.mc!.mean! > gap, `gap at ${l}: ${row.infiniteWidth.lnSin2 - row.mc!.mean!}`);
    assert.ok(row.infiniteWidth.lnSin2 - row.mc!.mean! > 8 * row.mc!.se!);
  }
  // the predicted density passes KS at every tested layer (3000 samples)
  for (const k of r.ks) assert.ok(k.pValue! > 0.001, `KS at layer ${k.layer}: D = ${k.statistic}, p = ${k.pValue}`);
});

test('density propagation: layer 1 is N(μ, σ²), mass stays on the grid, caller grid honoured', () => {
  const steps = Array(10).fill(256);
  const p = predictDensity(0.1, steps, { xMin: -15, xMax: 0, points: 3001 });
  near(p.mean[1], mu(0.1, 256), 1e-10);
  near(p.sd[1], Math.sqrt(sigma2(0.1, 256)), 1e-9);
  for (let l = 1; l <= 10; l++) near(p.mass[l], 1, 1e-9, `mass at layer ${l}`);
  // Approximation-2 variance accumulates through the linearised chain var_{ℓ+1} = α'(m_ℓ)² var_ℓ + β²
  // (α' = 1 − θ/(3π)·… < 1 contracts it slightly: 8 % below the plain sum σ²_1 + 9β² at layer 10)
  let m = p.mean[1], v = sigma2(0.1, 256);
  const beta2 = approx2Variance(256), h = 1e-5;
  for (let l = 1; l < 10; l++) {
    const slope = (approxAlpha(m + h, 256) - approxAlpha(m - h, 256)) / (2 * h);
    v = slope * slope * v + beta2;
    m = approxAlpha(m, 256);
  }
  near(p.sd[10] ** 2, v, 0.01 * v);
  near(p.mean[10], m, 0.01);
  // a coarser grid gives the same moments (the recurrence kernel is exact up to rounding)
  const coarse = predictDensity(0.1, steps, { xMin: -15, xMax: 0, points: 1001 });
  near(coarse.mean[10], p.mean[10], 1e-6);
  near(coarse.sd[10], p.sd[10], 1e-6);
  // a grid too small loses mass and says so through `mass`
  const tight = predictDensity(0.1, steps, { xMin: -5, xMax: 0, points: 501 });
  assert.ok(tight.mass[10] < 0.95);
  assert.throws(() => predictDensity(0.1, steps, { xMin: 0, xMax: -1, points: 10 }), { name: 'RangeError', message: 'predictDensity: grid needs finite xMin < xMax, got [0, -1]' });
});

test('KS: Kolmogorov survival function and the one-sample statistic', () => {
  // P(K > 1.3581) = 0.05 and P(K > 1) = 0.26999967 (Kolmogorov distribution tables)
  near(kolmogorovSurvival(1.3581), 0.05, 1e-4);
  near(kolmogorovSurvival(1), 0.26999967, 1e-7);
  near(kolmogorovSurvival(1.18 - 1e-12), kolmogorovSurvival(1.18 + 1e-12), 1e-10);
  assert.equal(kolmogorovSurvival(0), 1);
  // samples exactly at the quantiles of a uniform CDF on [0, 1] → D = 1/(2m)
  const x = Float64Array.from({ length: 101 }, (_, i) => i / 100);
  const cdf = x.slice();
  const m = 50;
  const s = Float64Array.from({ length: m }, (_, i) => (i + 0.5) / m);
  near(ksTest(s, x, cdf).statistic!, 1 / (2 * m), 1e-12);
  // cumulative() of a constant density is linear
  near(cumulative(x, new Float64Array(101).fill(1))[50], 0.5, 1e-15);
  // unsorted samples with −∞ (collapsed, CDF 0) and NaN (dead, left out): the statistic by hand.
  // Sorted finite-or-−∞ values −∞, 0.1, 0.3, 0.9 (m = 4) against F(t) = t: D = max over i of
  // (i+1)/m − F, F − i/m = max(1/4 − 0, 2/4 − 0.1, 3/4 − 0.3, 1 − 0.9, 0.1 − 1/4, …) = 0.45
  const r = ksTest([0.9, NaN, 0.1, -Infinity, 0.3, NaN], x, cdf);
  near(r.statistic!, 0.45, 1e-12);
  assert.equal(r.samples, 4);
});

test('density: a point mass at layer 1 (θ⁰ near π), conserved mass when the kernel is narrower than the grid step', () => {
  // θ⁰ near π: σ(θ⁰, n) ≈ 4e-9, far below the grid step; layer 1 is a point mass at μ (mean exact)
  for (const theta0 of [3.0651954566144357, Math.PI]) {
    const p = predictDensity(theta0, [256, 256, 256]);
    assert.equal(p.pointMass[1], 1);
    near(p.mass[1], 1, 1e-12, `mass at layer 1 from θ⁰ = ${theta0}`);
    near(p.mean[1], mu(theta0, 256), 1e-15);
    assert.ok(p.density.every(Number.isFinite));
    for (let l = 1; l <= 3; l++) near(p.mass[l] + p.lostBelow[l] + p.lostAbove[l], 1, 1e-12, `mass accounted at layer ${l}`);
    // what is lost goes above ln sin² = 0 (the model's Gaussian noise near X = 0), none below
    assert.ok(p.lostAbove[3] > 0.01 && p.lostBelow[3] === 0, `${p.lostAbove[3]}, ${p.lostBelow[3]}`);
  }
  // β = √(8n)/(n+5) = 0.00276 at n = 2²⁰ is below the step 0.005 of 3001 points on [−15, 0]: the sampled
  // kernel over-counted (mass 1.03–1.04); normalised on the lattice it cannot. β = 0.55h there (a
  // Poisson-normalised Gaussian); with 2001 points β < h/2 and each source is a point mass.
  const wide = Array(10).fill(1048576);
  const coarse = predictDensity(0.5, wide, { xMin: -15, xMax: 0, points: 2001 });
  const mid = predictDensity(0.5, wide, { xMin: -15, xMax: 0, points: 3001 });
  for (let l = 1; l <= 10; l++) {
    near(coarse.mass[l], 1, 1e-12, `coarse mass at ${l}`);
    near(mid.mass[l], 1, 1e-12, `mid mass at ${l}`);
  }
  assert.equal(coarse.pointMass[2], 1);
  assert.equal(mid.pointMass[2], 0);
  // the automatic grid refines the step to at most β (here about 5 400 points) and agrees with the mid grid
  const auto = defaultGrid(0.5, wide);
  assert.ok((auto.xMax - auto.xMin) / (auto.points - 1) <= Math.sqrt(approx2Variance(1048576)), JSON.stringify(auto));
  const fine = predictDensity(0.5, wide);
  for (let l = 1; l <= 10; l++) near(fine.mass[l], 1, 1e-12);
  // to a fraction of the coarse step h = 0.005 (a kernel of width 0.55h sampled on the lattice is a few %
  // off in mean and spread; the refined automatic grid is what the analyses use)
  near(mid.mean[10], fine.mean[10], 1e-4);
  near(mid.sd[10], fine.sd[10], 0.05 * fine.sd[10]);
  // a grid too short below loses mass there, and the split says where it went
  const tight = predictDensity(0.1, Array(10).fill(256), { xMin: -5, xMax: 0, points: 501 });
  assert.ok(tight.lostBelow[10] > 0.05 && tight.lostAbove[10] < 1e-9);
  near(tight.mass[10] + tight.lostBelow[10] + tight.lostAbove[10], 1, 1e-12);
});

/** ksTest as it was before its bucket sort: every sample with a defined angle, fully sorted, against F. */
function ksStatisticBySorting(samples: ArrayLike<number>, x: Float64Array, cdf: Float64Array): number {
  const v = Float64Array.from(Array.from(samples).filter((t) => !Number.isNaN(t))).sort();
  const P = x.length, x0 = x[0], h = (x[P - 1] - x0) / (P - 1);
  const F = (t: number): number => {
    if (!(t > x0)) return t === x0 ? cdf[0] : 0;
    if (t >= x[P - 1]) return 1;
    const u = (t - x0) / h;
    const i = Math.min(P - 2, Math.floor(u));
    return cdf[i] * (1 - (u - i)) + cdf[i + 1] * (u - i);
  };
  let d = 0;
  for (let i = 0; i < v.length; i++) d = Math.max(d, (i + 1) / v.length - F(v[i]), F(v[i]) - i / v.length);
  return d;
}

test('KS: the bucket sort gives the statistic of a full sort, bit for bit (ties, clusters, −∞, NaN, samples on and off the grid)', () => {
  const x = Float64Array.from({ length: 41 }, (_, i) => -8 + 0.2 * i);
  // a CDF with flat stretches (zero density) and a steep one
  const p = Float64Array.from(x, (t) => (t < -6 || (t > -3 && t < -2) ? 0 : t > -1.2 && t < -0.8 ? 40 : 1));
  const cdf = cumulative(x, p);
  const special = fc.constantFrom(-Infinity, NaN, -8, 0, 8, -2.5, -1, -1 + 1e-15, Number.MIN_VALUE, -1e-300);
  const value = fc.oneof(fc.double({ min: -10, max: 2, noNaN: true }), special, fc.double({ min: -1.0001, max: -0.9999, noNaN: true }));
  // one scratch for every call, as runDegeneracy uses it: buffers left from a larger call are reused
  const scratch = new KsScratch();
  fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), (samples) => {
    const r = ksTest(samples, x, cdf, scratch);
    if (!Object.is(r.statistic, ksTest(samples, x, cdf).statistic)) return false;
    const defined = samples.filter((t) => !Number.isNaN(t)).length;
    if (defined === 0) return r.statistic === null;
    return Object.is(r.statistic, ksStatisticBySorting(samples, x, cdf)) && r.samples === defined;
  }), { seed: 20261207, numRuns: 400 });
  // 200 samples in one bucket (a cluster 0.01 wide among buckets 0.03 wide), shuffled: sorted natively
  const rng = new Rng(5);
  const cluster = [-7, -1, ...Array.from({ length: 200 }, () => -4 + 0.01 * rng.uniform())];
  const linear = cumulative(x, new Float64Array(41).fill(1));
  assert.equal(ksTest(cluster, x, linear).statistic, ksStatisticBySorting(cluster, x, linear));
  // 20 000 samples of a layer of Figure 1's chain against its predicted CDF: the same bits as the full sort
  const sim = simulateAngles({ widths: Array(9).fill(256), theta0: 0.1, trials: 20_000, seed: 7, mode: 'chain' });
  const pred = predictDensity(0.1, Array(8).fill(256));
  for (const l of [1, 8]) {
    const c = cumulative(pred.x, pred.density.subarray(l * pred.grid.points, (l + 1) * pred.grid.points));
    assert.equal(ksTest(layerSamples(sim, l), pred.x, c).statistic, ksStatisticBySorting(layerSamples(sim, l), pred.x, c));
  }
});

test('KS: no finite predicted CDF gives no test (null, with the reason), not a perfect fit', () => {
  const x = Float64Array.from({ length: 11 }, (_, i) => -10 + i);
  const samples = Float64Array.from([-5, -4, -3]);
  // a NaN density used to give { statistic 0, pValue 1 }: every comparison with NaN is false
  const nan = ksTest(samples, x, cumulative(x, new Float64Array(11).fill(NaN)));
  assert.deepEqual(nan, { statistic: null, pValue: null, samples: 3, reason: 'the predicted CDF is not a number at node 1 (x = -9)' });
  const empty = ksTest(samples, x, cumulative(x, new Float64Array(11)));
  assert.deepEqual(empty, { statistic: null, pValue: null, samples: 3, reason: 'the predicted density has no mass on the grid' });
  assert.deepEqual(ksTest([NaN], x, cumulative(x, new Float64Array(11).fill(1))), { statistic: null, pValue: null, samples: 0, reason: 'no sample has a defined angle' });
  // θ⁰ near π: layer 1 is a point mass, so no KS there (it reported p = 1 on a NaN density before)
  const r = runDegeneracy({ widths: [256, 256, 256, 256], theta0: 3.0651954566144357, trials: 50, seed: 1 });
  assert.deepEqual(r.ks[0], { layer: 1, statistic: null, pValue: null, samples: 50, reason: 'the predicted distribution is narrower than the grid step 0.00500, so its CDF is not resolved (a point mass)' });
  assert.ok(r.ks[1].statistic !== null && r.ks[1].reason === null);
  for (const row of r.layers) assert.ok(Number.isFinite(row.predicted.mean) && Number.isFinite(row.predicted.sd), `layer ${row.layer}`);
  // a single layer from there used to throw "grid needs finite xMin"
  const one = runDegeneracy({ widths: [256, 256], theta0: 3.0651954566144357, trials: 20, seed: 1 });
  near(one.layers[1].predicted.mass, 1, 1e-12);
  assert.equal(one.ks[0].statistic, null);
});

test('θ⁰ > π/2 and large angles: layer 1 follows μ(θ⁰, n), and the notes say which laws are small-angle', () => {
  const r = runDegeneracy({ widths: [64, 64, 64, 64], theta0: 3.1, trials: 2000, seed: 3 });
  const l1 = r.layers[1];
  // Theorem 1, Approximation 1 and the simulation agree at layer 1 (≈ 0: nearly opposite inputs give
  // nearly orthogonal post-activations); the law from θ⁰ itself gave −7.07
  assert.equal(l1.approx1, l1.theoremIterate);
  near(l1.mc!.mean!, l1.approx1, 4 * l1.mc!.se! + 1e-6);
  assert.ok(r.notes.some((n) => n.startsWith('θ⁰ = 3.10 > π/2: Approximation 1 is the authors\' small-angle law')), r.notes.join('\n'));
  // from θ⁰ = π/2 layer 1's angle is arcsin(e^{μ(π/2, 256)/2}) = 1.24 rad (μ = −0.11055, MATH.md), where σ²
  // is 14 % of its θ → 0 value that Approximation 2 uses
  const half = runDegeneracy({ widths: [256, 256, 256], theta0: Math.PI / 2, trials: 0 });
  assert.ok(half.notes.some((n) => /^Approximations 1 and 2 are small-angle laws .* at layer 1 the angle is still θ ≈ 1\.24 rad, where Theorem 1's variance is 0\.00414 \(13\.8% of its θ → 0 value\)/.test(n)), half.notes.join('\n'));
  assert.ok(!half.notes.some((n) => /widen the grid/.test(n)));
  // mass above X = 0 is the model's, not the grid's: the note says so
  const narrowHalf = runDegeneracy({ widths: [16, 16, 16], theta0: Math.PI / 2, trials: 0 });
  assert.ok(narrowHalf.notes.some((n) => /of the mass was pushed above ln sin²θ = 0 .* a limit of the small-angle model, not of the grid$/.test(n)), narrowHalf.notes.join('\n'));
  // a caller's grid that ends below 0 is the grid's fault, and a short one below too
  const capped = runDegeneracy({ widths: [256, 256, 256], theta0: 0.1, trials: 0, grid: { xMin: -4.8, xMax: -4.5 } });
  assert.ok(capped.notes.some((n) => /^predicted density: .* of the mass rose above the grid's upper end -4.5 .*; raise the grid maximum \(up to 0\)$/.test(n)), capped.notes.join('\n'));
  assert.ok(capped.notes.some((n) => /^predicted density: .* of the mass fell below the grid's lower end -4.8 .*; lower the grid minimum$/.test(n)), capped.notes.join('\n'));
  // the paper's setting has none of these caveats
  assert.deepEqual(runDegeneracy({ widths: Array(33).fill(256), theta0: 0.1, trials: 0 }).notes, []);
  // widths ≤ 32: Theorem 1's O(1/n²) remainder is visible, and the result says so
  assert.ok(runDegeneracy({ widths: [16, 16, 16], theta0: 0.1, trials: 0 }).notes.some((n) => n.startsWith('width 16 ≤ 32: Theorem 1 (and the approximations built on it) holds up to O(1/n²) per layer')));
});

test('narrow and deep random networks run (width 2 over 120 and 2000 layers, 3x300, 8x1500)', () => {
  const r = runDegeneracy({ widths: Array(121).fill(2), theta0: 0.1, trials: 200, seed: 1 });
  for (const row of r.layers) {
    assert.ok(Number.isFinite(row.theoremIterate) && Number.isFinite(row.approx1), `layer ${row.layer}`);
    near(row.predicted.mass + 0, row.predicted.mass, 0); // finite or the row would not compare
  }
  assert.ok(r.layers[120].theoremIterate < -1417, `${r.layers[120].theoremIterate}`); // below where θ is subnormal
  for (const [n, L] of [[2, 2000], [3, 300], [8, 1500]]) {
    const t = runDegeneracy({ widths: Array(L + 1).fill(n), theta0: 0.1, trials: 0 });
    assert.ok(t.layers.every((row) => Number.isFinite(row.theoremIterate) && Number.isFinite(row.predicted.mean)), `${n}x${L}`);
  }
});

test('Monte Carlo at tiny angles: the chain resolves them (no false collapse, no bias); networks say float64 resolution', () => {
  // v = cos θ·u + sin θ·z lost sin θ·z once sin θ < 1e-16: every trial "collapsed" at θ⁰ = 3e-16, and at
  // 1e-15 the mean was −69.01 against μ = −69.09. Carrying v − u explicitly fixes both.
  for (const theta0 of [3e-16, 1e-15, 1e-100]) {
    const s = simulateAngles({ widths: [256, 256, 256], theta0, trials: 3000, seed: 4, mode: 'chain' });
    const st = sampleStats(layerSamples(s, 1));
    assert.equal(st.collapsed, 0);
    near(st.mean!, mu(theta0, 256), 4 * st.se! + 100 / 256 ** 2, `chain mean at θ⁰ = ${theta0}`);
    const st2 = sampleStats(layerSamples(s, 2));
    assert.equal(st2.collapsed, 0);
  }
  // full networks multiply the two inputs separately: below sin²θ = 2⁻¹⁰⁰ they cannot tell the angle from 0
  // (at θ⁰ = 1e-18, well below it: at 3e-16, sin²θ ≈ 2⁻¹⁰³ is within rounding noise of the threshold)
  const r = runDegeneracy({ widths: [16, 16, 16], theta0: 1e-18, trials: 20, seed: 4, mode: 'network' });
  assert.equal(r.layers[1].mc!.collapsed, 20);
  assert.ok(r.notes.includes('20 of 20 networks brought the angle below float64 resolution by layer 2 (sin²θ ≤ 2⁻¹⁰⁰ between separately computed vectors, counted as ln sin² = −∞); means and sds are over the finite samples — the chain mode resolves far smaller angles'), r.notes.join('\n'));
});

test('seeds are 32-bit; budgets refuse absurd runs before allocating (every caller, not only the worker)', () => {
  assert.throws(() => runDegeneracy({ widths: [8, 8], theta0: 1, trials: 1, seed: 2 ** 32 }), { name: 'RangeError', message: 'degeneracy: seed must be an integer in 0..4294967295, got 4294967296' });
  assert.equal(runDegeneracy({ widths: [8, 8], theta0: 1, trials: 1, seed: 2 ** 32 - 1 }).seed, 2 ** 32 - 1);
  const chain = { widths: Array(11).fill(1_000_000), theta0: 0.1, trials: 1_000_000 };
  assert.throws(() => runDegeneracy(chain), (e: unknown) => e instanceof DegeneracyBudgetError && e.work && e.message === 'degeneracy: 1,000,000 chain trials × 10,000,000 neurons (all layers) means 1.00e13 Gaussian pairs (limit 1.00e10, hours of work); use fewer trials, layers or narrower widths');
  const net = { widths: Array(4).fill(100_000), theta0: 0.1, trials: 1000, mode: 'network' as const };
  assert.throws(() => runDegeneracy(net), /^RangeError: degeneracy: 1,000 full networks of 3\.00e10 weights each means 3\.00e13 random weights/);
  // allowLongRuns lifts the work budgets only; memory stays refused
  assert.doesNotThrow(() => checkDegeneracyBudget(chain, { allowLongRuns: true }));
  assert.throws(() => checkDegeneracyBudget({ widths: Array(33).fill(256), theta0: 0.1, trials: 10_000_000 }, { allowLongRuns: true }),
    (e: unknown) => e instanceof DegeneracyBudgetError && !e.work && e.message === 'degeneracy: 10,000,000 trials × 33 layers would store 330,000,000 samples (limit 25,000,000); use at most 757,575 trials for this depth');
  assert.throws(() => runDegeneracy({ widths: Array(1001).fill(64), theta0: 0.1, trials: 0, grid: { points: 100_000 } }),
    { message: 'degeneracy: the predicted density on 100,000 grid points × 1,001 layers needs 100,100,000 values (limit 25,000,000); use at most 24,975 grid points, or leave them to the default' });
  assert.throws(() => runDegeneracy({ widths: [8, 8], theta0: 1, trials: 0, grid: { xMin: 1, xMax: 0 } }), { name: 'RangeError', message: 'degeneracy: the density grid needs finite xMin < xMax, got [1, 0]' });
});

test('collapse and dead vectors at tiny widths are counted, never NaN means', () => {
  const s = simulateAngles({ widths: Array(21).fill(2), theta0: 0.5, trials: 2000, seed: 9, mode: 'chain' });
  // width 2: a layer leaves both inputs with the same single positive coordinate (θ = 0) or an
  // all-zero vector with probability bounded below, so trials die out fast
  const st = sampleStats(layerSamples(s, 2));
  assert.equal(st.count + st.collapsed + st.dead, 2000);
  assert.ok(st.collapsed > 100 && st.dead > 100 && st.count > 100, JSON.stringify(st));
  assert.ok(Number.isFinite(st.mean!) && Number.isFinite(st.sd!));
  // by layer 20 nothing finite is left: the statistics say so with null, not NaN
  const last = sampleStats(layerSamples(s, 20));
  assert.deepEqual({ ...last, collapsed: 0, dead: 0 }, { mean: null, sd: null, se: null, count: 0, collapsed: 0, dead: 0 });
  assert.equal(last.collapsed + last.dead, 2000);
  // each trial ends collapsed or dead; both happen often (≈ 1 : 1 at width 2)
  assert.ok(last.collapsed > 800 && last.dead > 800, JSON.stringify(last));
  const net = simulateAngles({ widths: Array(21).fill(2), theta0: 0.5, trials: 500, seed: 9, mode: 'network' });
  const sn = sampleStats(layerSamples(net, 20));
  assert.equal(sn.count + sn.collapsed + sn.dead, 500);
  assert.ok(sn.collapsed + sn.dead > 0);
  const r = runDegeneracy({ widths: Array(21).fill(2), theta0: 0.5, trials: 400, seed: 1 });
  assert.ok(r.notes.some((n) => /^\d+ of 400 chain trials reached angle 0 by layer 20 \(ln sin² = −∞, absorbing\): both inputs on the same single active neuron/.test(n)), r.notes.join('\n'));
});

test('width convention: the step into layer ℓ uses n_ℓ (measured) or n_{ℓ−1} (input)', () => {
  assert.deepEqual(stepWidths([64, 16, 256], 'measured'), [16, 256]);
  assert.deepEqual(stepWidths([64, 16, 256], 'input'), [64, 16]);
  // a real network shows which is right: layer 1 of [16, 256] follows μ(θ, 256), not μ(θ, 16)
  const s = simulateAngles({ widths: [16, 256], theta0: 0.8, trials: 3000, seed: 21, mode: 'network' });
  const st = sampleStats(layerSamples(s, 1));
  near(st.mean!, mu(0.8, 256), 4 * st.se! + 100 / 256 ** 2);
  assert.ok(Math.abs(st.mean! - mu(0.8, 16)) > 30 * st.se!);
  const measured = runDegeneracy({ widths: [64, 16], theta0: 0.8, trials: 0 });
  const input = runDegeneracy({ widths: [64, 16], theta0: 0.8, trials: 0, widthConvention: 'input' });
  near(measured.layers[1].theoremIterate, mu(0.8, 16), 1e-15);
  near(input.layers[1].theoremIterate, mu(0.8, 64), 1e-15);
  assert.equal(measured.layers[1].mc, null);
});

test('reproducible: same seed → identical samples; trial t independent of the number of trials', () => {
  const a = simulateAngles({ widths: [16, 16, 16], theta0: 1, trials: 10, seed: 5, mode: 'chain' });
  const b = simulateAngles({ widths: [16, 16, 16], theta0: 1, trials: 20, seed: 5, mode: 'chain' });
  assert.deepEqual(Array.from(layerSamples(a, 2)), Array.from(layerSamples(b, 2).subarray(0, 10)));
  const c = simulateAngles({ widths: [16, 16, 16], theta0: 1, trials: 10, seed: 6, mode: 'chain' });
  assert.notDeepEqual(Array.from(layerSamples(a, 2)), Array.from(layerSamples(c, 2)));
});

test('runDegeneracy: result shape, cancellation and parameter errors', () => {
  const r = runDegeneracy({ widths: [32, 32, 32, 32], theta0: 0.3, trials: 100, seed: 1, histogramBins: 10, plotPoints: 50 });
  assert.equal(r.layers.length, 4);
  assert.equal(r.histograms.length, 3);
  assert.equal(r.histograms[0].edges.length, 11);
  assert.equal(r.histograms[0].counts.reduce((s, v) => s + v, 0), 100);
  assert.equal(r.density.x.length, 50);
  assert.equal(r.density.values.length, 4 * 50);
  assert.equal(r.ks.length, 3);
  near(r.layers[0].infiniteWidth.lnSin2, lnSin2(0.3), 1e-15);
  assert.deepEqual(structuredClone(r), r);
  let calls = 0;
  const cancelling = { progress: () => { calls++; }, isCancelled: () => calls > 3 };
  assert.throws(() => runDegeneracy({ widths: Array(40).fill(64), theta0: 0.3, trials: 1000 }, cancelling), CancelledError);
  assert.throws(() => runDegeneracy({ widths: [32, 1], theta0: 0.3 }), { name: 'RangeError', message: 'degeneracy: width 1 must be an integer in 2..1048576, got 1' });
  assert.throws(() => runDegeneracy({ widths: [32, 32], theta0: 0 }), { name: 'RangeError', message: 'degeneracy: theta0 must be an angle in (0, π], got 0' });
  assert.throws(() => runDegeneracy({ widths: [32, 32], theta0: 1, ksLayers: [2] }), { name: 'RangeError', message: 'degeneracy: each ksLayers entry must be an integer in 1..1, got 2' });
});

test('probe angles through an explicit network, beside the prediction', () => {
  const rng = new Rng(77);
  const widths = [12, 20, 20, 20];
  const layers: DenseLayer[] = [];
  for (let l = 1; l < widths.length; l++) {
    const w = new Float64Array(widths[l] * widths[l - 1]);
    rng.fillGaussian(w, 0, Math.sqrt(2 / widths[l - 1]));
    layers.push({ kind: 'dense', weights: { rows: widths[l], cols: widths[l - 1], data: w }, bias: new Float64Array(widths[l]), activation: 'relu' });
  }
  const xa = new Float64Array(12); xa[0] = 1;
  const xb = new Float64Array(12); xb[0] = Math.cos(0.4); xb[1] = Math.sin(0.4);
  const net = explicitNetwork({ dim: 12, probes: [{ name: 'a', x: xa }, { name: 'b', x: xb }, { name: 'zero', x: new Float64Array(12) }] }, layers);
  const r = probeAngles(net, { probeA: 'a', probeB: 1 });
  assert.deepEqual(r.probes, ['a', 'b']);
  near(r.theta0, 0.4, 1e-15);
  assert.deepEqual(r.widths, widths);
  const ta = forwardTrace(net, xa), tb = forwardTrace(net, xb);
  for (let l = 1; l <= 3; l++) {
    const u = ta[l], v = tb[l];
    let uv = 0, uu = 0, vv = 0;
    for (let i = 0; i < u.length; i++) { uv += u[i] * v[i]; uu += u[i] ** 2; vv += v[i] ** 2; }
    near(r.layers[l].theta!, Math.acos(uv / Math.sqrt(uu * vv)), 1e-7);
    assert.ok(r.layers[l].prediction !== null);
  }
  near(r.layers[1].prediction!.theoremIterate, mu(0.4, 20), 1e-15);
  near(vectorAngle([1, 0], [1, 1e-9])!.sin2, 1e-18, 1e-30);
  assert.throws(() => probeAngles(net, { probeA: 'zero' }), { name: 'RangeError', message: "probe angles: probe 'zero' is the zero vector, so the input angle is undefined" });
  assert.throws(() => probeAngles(net, { probeA: 'c' }), { name: 'RangeError', message: "probe angles: no probe named 'c' (probes: a, b, zero)" });
  // default probes skip the zero vector (files often list the origin first): the first two non-zero ones
  const originFirst = explicitNetwork({ dim: 12, probes: [{ name: 'origin', x: new Float64Array(12) }, { name: 'a', x: xa }, { name: 'b', x: xb }] }, layers);
  assert.deepEqual(probeAngles(originFirst).probes, ['a', 'b']);
  assert.deepEqual(probeAngles(originFirst, { probeB: 'a' }).probes, ['b', 'a']);
  const lonely = explicitNetwork({ dim: 12, probes: [{ name: 'origin', x: new Float64Array(12) }, { name: 'a', x: xa }] }, layers);
  assert.throws(() => probeAngles(lonely), { name: 'RangeError', message: 'probe angles: the network defines 2 probe(s), 1 of them the zero vector; two non-zero probes are needed' });
});

test('depth-lens degeneracy: widths syntax, --json fields, errors', async () => {
  assert.deepEqual(parseWidths('256x32'), Array(33).fill(256));
  assert.deepEqual(parseWidths('784,100x3,10'), [784, 100, 100, 100, 10]);
  assert.throws(() => parseWidths('256'), (e: unknown) => e instanceof UsageError && e.message === "--widths: give the input width and at least one layer width (e.g. '256x32' or '784,100,100'), not '256'");
  assert.throws(() => parseWidths('16,1'), (e: unknown) => e instanceof UsageError && e.message === "--widths: '1' is not an integer width ≥ 2");
  const out = await degeneracyCommand.run(['--widths', '64x4', '--theta0', 'pi/8', '--trials', '200', '--seed', '3', '--ks-layers', '1,4', '--json'], io);
  assert.equal(out.exitCode, 0);
  const doc = JSON.parse(out.stdout);
  assert.equal(doc.layers.length, 5);
  const row = doc.layers[4];
  assert.deepEqual(Object.keys(doc), ['widths', 'theta0', 'trials', 'seed', 'mode', 'widthConvention', 'layers', 'ks', 'notes']);
  assert.deepEqual(Object.keys(row), ['layer', 'width', 'stepWidth', 'infiniteWidth', 'theoremIterate', 'approx1', 'predicted', 'mc']);
  assert.deepEqual(Object.keys(row.infiniteWidth), ['theta', 'lnSin2']);
  assert.deepEqual(Object.keys(row.predicted), ['mean', 'sd', 'mass']);
  assert.deepEqual(Object.keys(row.mc), ['mean', 'sd', 'se', 'count', 'collapsed', 'dead']);
  for (const v of [row.predicted.mean, row.predicted.sd, row.predicted.mass, row.mc.mean, row.mc.sd, row.mc.se]) assert.equal(typeof v, 'number');
  // the sub-keys carry the numbers the library computes for the same run
  const lib = runDegeneracy({ widths: Array(5).fill(64), theta0: Math.PI / 8, trials: 200, seed: 3, ksLayers: [1, 4] });
  assert.deepEqual({ predicted: row.predicted, mc: row.mc }, { predicted: lib.layers[4].predicted, mc: lib.layers[4].mc });
  assert.equal(row.mc.count + row.mc.collapsed + row.mc.dead, 200);
  assert.deepEqual(doc.ks.map((k: { layer: number }) => k.layer), [1, 4]);
  assert.deepEqual(Object.keys(doc.ks[0]), ['layer', 'statistic', 'pValue', 'samples', 'reason']);
  assert.equal(doc.ks[0].reason, null);
  near(doc.theta0, Math.PI / 8, 1e-15);
  const text = await degeneracyCommand.run(['--widths', '64x2', '--theta0', '0.2', '--trials', '50'], io);
  assert.match(text.stdout, /layer {2}width {2}inf-width/);
  assert.throws(() => degeneracyCommand.run(['--widths', '64x2'], io), (e: unknown) => e instanceof UsageError && e.message === 'give --theta0 (the input angle in radians, e.g. 0.1)');
  assert.throws(() => degeneracyCommand.run(['--widths', '64x2', '--theta0', '0.1', '--mode', 'fast'], io), (e: unknown) => e instanceof UsageError && e.message === "--mode must be 'chain' or 'network', not 'fast'");
  assert.throws(() => degeneracyCommand.run(['--widths', '64x2', '--theta0', '0.1', '--ks-layers', '3'], io), (e: unknown) => e instanceof UsageError && e.message === "--ks-layers: '3' is not a layer in 1..2");
});

test('depth-lens degeneracy: the budgets, usage errors (exit 2) and strict numbers', async () => {
  const usage = (argv: string[], message: string) => assert.throws(() => degeneracyCommand.run(argv, io), (e: unknown) => e instanceof UsageError && e.message === message, message);
  // these hung before (the CLI called the analysis without the worker's budget)
  usage(['--widths', '1000000x10', '--trials', '1000000', '--theta0', '0.1'],
    '1,000,000 chain trials × 10,000,000 neurons (all layers) means 1.00e13 Gaussian pairs (limit 1.00e10, hours of work); use fewer trials, layers or narrower widths; or pass --allow-long-runs to run it anyway');
  usage(['--widths', '100000x3', '--trials', '1000', '--mode', 'network', '--theta0', '0.1'],
    "1,000 full networks of 3.00e10 weights each means 3.00e13 random weights (limit 2.00e10, hours of work); use fewer trials, or mode 'chain', which simulates the same angles exactly without matrices; or pass --allow-long-runs to run it anyway");
  usage(['--widths', '64x32', '--trials', '1000000', '--theta0', '0.1', '--allow-long-runs'],
    '1,000,000 trials × 33 layers would store 33,000,000 samples (limit 25,000,000); use at most 757,575 trials for this depth');
  usage(['--widths', '2x1000000000', '--theta0', '1'], "--widths: '2x1000000000' has 1,000,000,000 layers; at most 100,000");
  // the grid: against each other and against the automatic ends
  usage(['--widths', '64x3', '--theta0', '0.1', '--grid-min', '1', '--grid-max', '0'], '--grid-min (1) must be below --grid-max (0)');
  usage(['--widths', '64x3', '--theta0', '0.1', '--grid-min', '0.5'], "--grid-min (0.5) must be below the grid's maximum, 0 unless --grid-max says otherwise");
  usage(['--widths', '64x3', '--theta0', '0.1', '--grid-max=-20'], 'the density grid needs finite xMin < xMax, got [-15, -20] (the minimum is the automatic one)');
  usage(['--widths', '64x3', '--theta0', '0.1', '--grid-points', '2'], "--grid-points must be an integer in 3..200001, not '2'");
  // numbers through decimal(): no hex, blanks or overflow
  usage(['--widths', '64x3', '--theta0', '0x1'], "--theta0: '0x1' is not an angle (radians, or like pi/4)");
  usage(['--widths', '64x3', '--theta0', '0.1', '--trials', ' '], "--trials must be an integer ≥ 0, not ' '");
  usage(['--widths', '64x3', '--theta0', '0.1', '--grid-min=-1e999'], "--grid-min must be a number, not '-1e999'");
  usage(['--widths', '64x3', '--theta0', '0.1', '--seed', '4294967296'], "--seed must be an integer in 0..4294967295, not '4294967296'");
  usage(['--widths', '64,0x10', '--theta0', '0.1'], "--widths: '0' is not an integer width ≥ 2");
  // narrow and deep: ran into NaN before; now a run, with the notes that say what to trust
  const narrow = await degeneracyCommand.run(['--widths', '2x120', '--theta0', '0.1', '--trials', '50', '--json'], io);
  const doc = JSON.parse(narrow.stdout);
  assert.equal(narrow.exitCode, 0);
  assert.ok(doc.layers.every((r: { theoremIterate: number | null }) => typeof r.theoremIterate === 'number'));
  assert.ok(doc.notes.some((n: string) => n.startsWith('width 2 ≤ 32')));
});

test('depth-lens degeneracy FILE: narrow deep families, the origin as first probe', async () => {
  // the audit's failing command, on the example itself (100 000 layers of width 2): "mu: angle must be
  // a number in [0, π], got NaN" before
  const fileIo = { readFile: (p: string) => fs.readFileSync(p), writeFile: () => undefined, progress: () => undefined };
  const example = path.join(__dirname, '../../examples/convergent-family.network.json');
  const text = await degeneracyCommand.run([example, '--probes', '1,2'], fileIo);
  assert.equal(text.exitCode, 0);
  assert.match(text.stdout, /angle between probes 'a' and 'b'/);
  assert.match(text.stdout, /note: the predicted density's grid has 249 points instead of 3,001, to keep 100,000 layers of it within memory/);
  // the same family, 2 000 layers (θ subnormal from about layer 105 on), in memory
  const family = JSON.parse(fs.readFileSync(example, 'utf8'));
  family.layers[0].count = 2000;
  const memIo = { ...fileIo, readFile: () => new TextEncoder().encode(JSON.stringify(family)) };
  const doc = JSON.parse((await degeneracyCommand.run(['family.network.json', '--json'], memIo)).stdout);
  // default probes: 'origin' is the zero vector, so the first two non-zero ones
  assert.deepEqual(doc.probes, ['a', 'b']);
  assert.equal(doc.layers.length, 2001);
  assert.ok(doc.layers.every((r: { prediction: { theoremIterate: number } | null }) => r.prediction !== null && typeof r.prediction.theoremIterate === 'number'));
  assert.ok(doc.layers[2000].prediction.theoremIterate < -20000);
  assert.throws(() => degeneracyCommand.run(['family.network.json', '--probes', 'origin,a'], memIo), (e: unknown) => e instanceof UsageError && e.message === "probe 'origin' is the zero vector, so the input angle is undefined");
  assert.throws(() => degeneracyCommand.run(['family.network.json', '--grid-points', '20000'], memIo), (e: unknown) => e instanceof UsageError
    && e.message === 'the predicted density on 20,000 grid points × 2,001 layers needs 40,020,000 values (limit 25,000,000); use at most 12,493 grid points, or leave them to the default');
});
