/**
 * Depth degeneracy (MATH.md §C): reference values, numerical stability near θ = 0, the Monte Carlo
 * (chain and full networks) against Theorem 1 and against each other, the paper's Figure 1 setting,
 * the density propagation + KS, the probe analysis and the `depth-lens degeneracy` command.
 * Everything random is seeded; heavy runs live in bench/suites/degeneracy.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  approx1StartsFromTheorem, approx2Variance, approxAlpha, deterministicCurves, infiniteWidthIterates, infiniteWidthStep, lnSin2, mu,
  muOfLnSin2, oneMinusFourJ11Sq, ratioA, ratioB, rho, sigma2, SERIES_CUTOFF, thetaFromLnSin2,
} from '../../src/core/degeneracy/theory';
import { j11, j22, j31 } from '../../src/core/degeneracy/moments';
import { layerSamples, sampleStats, simulateAngles } from '../../src/core/degeneracy/simulate';
import { cumulative, kolmogorovSurvival, ksTest, predictDensity } from '../../src/core/degeneracy/density';
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
  // References: the closed forms of MATH.md §C in mpmath at 200 digits, at the double θ given (18 digits).
  // The textbook forms reach σ² → 0 at π as a difference of O(1/n) terms: σ²(3.1, 256) came out
  // 1.39e-17 against the true 2.02e-20, and negative at 1292 of 20001 angles in [2.8, π] for n = 256.
  const refs: [number, number, number, number][] = [
    // θ, n, μ, σ²
    [2.0, 16, -0.0501509016294208031, 0.00151451464781458064],
    [2.0, 256, -0.0205407896631102244, 0.0000687497784885720711],
    [2.8, 16, -0.000111788702384820246, 6.9531489512905872e-9],
    [2.8, 256, -0.0000213463944836511637, 2.29093313522314046e-10],
    [3.1, 16, -2.31739425593317867e-9, 1.62113194695422856e-18],
    [3.1, 256, -1.46464546493557814e-10, 2.02142835640345324e-20],
    [3.140592653589793, 16, -1.77770512613102893e-17, 7.3630135239025646e-35],
    [3.140592653589793, 256, -6.9850386519361382e-19, 4.47707524468246949e-38],
    [3.141591653589793, 256, -6.86726018604783913e-34, 1.39902114980938237e-68],
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

/** Two-sample KS statistic and its asymptotic p-value. */
function twoSampleKs(x: Float64Array, y: Float64Array): { d: number; p: number } {
  const a = Float64Array.from(x).sort(), b = Float64Array.from(y).sort();
  let i = 0, j = 0, d = 0;
  while (i < a.length && j < b.length) {
    const t = Math.min(a[i], b[j]);
    while (i < a.length && a[i] <= t) i++;
    while (j < b.length && b[j] <= t) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  const ne = (a.length * b.length) / (a.length + b.length);
  return { d, p: kolmogorovSurvival(Math.sqrt(ne) * d) };
}

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
    // layer 30 at n = 256 (20 000 chain trials in the bench: MC −5.3930 ± 0.0060 vs −5.4106 at ℓ = 30)
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
  near(ksTest(s, x, cdf).statistic, 1 / (2 * m), 1e-12);
  // cumulative() of a constant density is linear
  near(cumulative(x, new Float64Array(101).fill(1))[50], 0.5, 1e-15);
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
  assert.deepEqual(sampleStats(layerSamples(s, 20)), { mean: null, sd: null, se: null, count: 0, collapsed: 1084, dead: 916 });
  const net = simulateAngles({ widths: Array(21).fill(2), theta0: 0.5, trials: 500, seed: 9, mode: 'network' });
  const sn = sampleStats(layerSamples(net, 20));
  assert.equal(sn.count + sn.collapsed + sn.dead, 500);
  assert.ok(sn.collapsed + sn.dead > 0);
  const r = runDegeneracy({ widths: Array(21).fill(2), theta0: 0.5, trials: 400, seed: 1 });
  assert.ok(r.notes.some((n) => /collapsed to angle exactly 0/.test(n)), r.notes.join('\n'));
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
  for (const k of ['infiniteWidth', 'theoremIterate', 'approx1', 'predicted', 'mc']) assert.ok(k in row, k);
  assert.deepEqual(Object.keys(row.infiniteWidth), ['theta', 'lnSin2']);
  assert.equal(row.mc.count + row.mc.collapsed + row.mc.dead, 200);
  assert.deepEqual(doc.ks.map((k: { layer: number }) => k.layer), [1, 4]);
  near(doc.theta0, Math.PI / 8, 1e-15);
  const text = await degeneracyCommand.run(['--widths', '64x2', '--theta0', '0.2', '--trials', '50'], io);
  assert.match(text.stdout, /layer {2}width {2}inf-width/);
  assert.throws(() => degeneracyCommand.run(['--widths', '64x2'], io), (e: unknown) => e instanceof UsageError && e.message === 'give --theta0 (the input angle in radians, e.g. 0.1)');
  assert.throws(() => degeneracyCommand.run(['--widths', '64x2', '--theta0', '0.1', '--mode', 'fast'], io), (e: unknown) => e instanceof UsageError && e.message === "--mode must be 'chain' or 'network', not 'fast'");
  assert.throws(() => degeneracyCommand.run(['--widths', '64x2', '--theta0', '0.1', '--ks-layers', '3'], io), (e: unknown) => e instanceof UsageError && e.message === "--ks-layers: '3' is not a layer in 1..2");
});
