/**
 * Rng.binomial (geometric waiting times) and Rng.fairCoins (a count of random bits), the counts the
 * Monte Carlo chain draws instead of the pairs where both inputs are inactive (simulate.ts, chainPath):
 * seeded samples against the binomial law's mean, variance and probabilities, computed here from the
 * closed form P(K = k) = C(n, k) pᵏ (1 − p)ⁿ⁻ᵏ, plus the edge cases and reproducibility.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng';

/** P(K = k) for K ~ Binomial(n, p), by the product form (n ≤ a few hundred here) */
function pmf(n: number, p: number, k: number): number {
  let lc = 0;
  for (let i = 1; i <= k; i++) lc += Math.log((n - k + i) / i);
  return Math.exp(lc + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** mean and variance of a sample within 4.5 standard errors of np and np(1 − p) */
function checkMoments(xs: number[], n: number, p: number, what: string): void {
  const m = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / m;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (m - 1);
  const v = n * p * (1 - p);
  assert.ok(Math.abs(mean - n * p) <= 4.5 * Math.sqrt(v / m), `${what}: mean ${mean} vs ${n * p}`);
  // Var of a sample variance ≈ (μ₄ − v²)/m; μ₄ of a binomial = v(1 + 3(n − 2)v/n)… bounded here by 3v² + v
  assert.ok(Math.abs(variance - v) <= 4.5 * Math.sqrt((2 * v * v + v) / m), `${what}: variance ${variance} vs ${v}`);
}

/** Pearson's χ² of a seeded sample against Binomial(n, p), cells merged until each expects ≥ 5, below the 0.1 % critical value. */
function chiSquareFits(draw: () => number, n: number, p: number, m: number, what: string): void {
  const counts = new Array<number>(n + 1).fill(0);
  for (let i = 0; i < m; i++) counts[draw()]++;
  const cells: [number, number][] = [];
  let obs = 0, exp = 0;
  for (let k = 0; k <= n; k++) {
    obs += counts[k]; exp += m * pmf(n, p, k);
    if (exp >= 5) { cells.push([obs, exp]); obs = 0; exp = 0; }
  }
  const last = cells[cells.length - 1];
  cells[cells.length - 1] = [last[0] + obs, last[1] + exp];
  const chi2 = cells.reduce((s, [o, e]) => s + (o - e) ** 2 / e, 0);
  const df = cells.length - 1;
  // Wilson–Hilferty: the 99.9 % point of χ²(df) ≈ df(1 − 2/(9df) + 3.0902·√(2/(9df)))³
  const crit = df * (1 - 2 / (9 * df) + 3.0902 * Math.sqrt(2 / (9 * df))) ** 3;
  assert.ok(df >= 5 && chi2 < crit, `${what}: χ² = ${chi2} with ${df} degrees of freedom (0.1 % critical value ${crit})`);
}

test('binomial(n, p) follows Binomial(n, p): moments and χ² fits by inversion (np < 16) and by waiting times (np ≥ 16), p above 1/2 by symmetry', () => {
  const rng = new Rng(16);
  for (const [n, p] of [[256, 0.03], [256, 0.5], [1000, 0.7], [7, 0.2], [40, 0.39], [42, 0.39]] as const) {
    const xs = Array.from({ length: 40_000 }, () => rng.binomial(n, p));
    for (const x of xs) assert.ok(Number.isInteger(x) && x >= 0 && x <= n, `${x} in 0..${n}`);
    checkMoments(xs, n, p, `n = ${n}, p = ${p}`);
  }
  chiSquareFits(() => rng.binomial(20, 0.3), 20, 0.3, 100_000, 'n = 20, p = 0.3 (inversion)');
  chiSquareFits(() => rng.binomial(256, 0.03), 256, 0.03, 100_000, 'n = 256, p = 0.03 (inversion)');
  chiSquareFits(() => rng.binomial(60, 0.45), 60, 0.45, 100_000, 'n = 60, p = 0.45 (waiting times)');
  chiSquareFits(() => rng.binomial(60, 0.8), 60, 0.8, 100_000, 'n = 60, p = 0.8 (12 failures by inversion)');
});

test('binomial resolves small probabilities: P(K ≥ 1) = 1 − (1 − p)ⁿ at p = 10⁻⁵, n = 256, and K = 0 for p = 10⁻³⁰⁰', () => {
  const rng = new Rng(5);
  const m = 400_000, n = 256, p = 1e-5;
  let hits = 0;
  for (let i = 0; i < m; i++) if (rng.binomial(n, p) > 0) hits++;
  const q = -Math.expm1(n * Math.log1p(-p)); // 2.5597e-3
  assert.ok(Math.abs(hits / m - q) <= 4.5 * Math.sqrt(q / m), `P(K ≥ 1) ${hits / m} vs ${q}`);
  for (let i = 0; i < 1000; i++) assert.equal(rng.binomial(n, 1e-300), 0);
});

test('binomial edge cases: p = 0, p = 1, n = 0 are exact; bad arguments are refused', () => {
  const rng = new Rng(1);
  assert.equal(rng.binomial(50, 0), 0);
  assert.equal(rng.binomial(50, 1), 50);
  assert.equal(rng.binomial(0, 0.4), 0);
  assert.throws(() => rng.binomial(-1, 0.5), /n must be a non-negative integer, got -1/);
  assert.throws(() => rng.binomial(2.5, 0.5), /n must be a non-negative integer, got 2.5/);
  assert.throws(() => rng.binomial(3, 1.5), /p must be in \[0, 1\], got 1.5/);
  assert.throws(() => rng.binomial(3, NaN), /p must be in \[0, 1\], got NaN/);
});

test('fairCoins(n) follows Binomial(n, 1/2) at n = 1, 31, 32, 33, 256 and is reproducible by seed', () => {
  const rng = new Rng(77);
  for (const n of [1, 31, 32, 33, 256]) {
    const xs = Array.from({ length: 40_000 }, () => rng.fairCoins(n));
    for (const x of xs) assert.ok(Number.isInteger(x) && x >= 0 && x <= n);
    checkMoments(xs, n, 0.5, `n = ${n}`);
  }
  // n = 3 exactly: P(K = k) = 1/8, 3/8, 3/8, 1/8
  const counts = [0, 0, 0, 0];
  const m = 80_000;
  for (let i = 0; i < m; i++) counts[rng.fairCoins(3)]++;
  [1, 3, 3, 1].forEach((w, k) => {
    const q = w / 8;
    assert.ok(Math.abs(counts[k] / m - q) <= 4.5 * Math.sqrt(q * (1 - q) / m), `P(K = ${k}) = ${counts[k] / m}, expected ${q}`);
  });
  assert.equal(rng.fairCoins(0), 0);
  const a = new Rng(9), b = new Rng(9);
  assert.deepEqual(Array.from({ length: 50 }, () => a.fairCoins(100)), Array.from({ length: 50 }, () => b.fairCoins(100)));
  assert.throws(() => rng.fairCoins(-2), /n must be a non-negative integer, got -2/);
});

test('fairCoins(n) counts the ones of the next ⌈n/32⌉ outputs of the stream (the last one cut to its low n mod 32 bits) and leaves it there', () => {
  const ones = (x: number): number => { let k = 0; for (; x; x >>>= 1) k += x & 1; return k; };
  for (const n of [1, 5, 31, 32, 33, 64, 100, 256]) {
    const rng = new Rng(1000 + n), twin = new Rng(1000 + n);
    for (let rep = 0; rep < 20; rep++) {
      let expected = 0;
      for (let left = n; left > 0; left -= 32) expected += ones(left < 32 ? twin.nextUint32() & ((1 << left) - 1) : twin.nextUint32());
      assert.equal(rng.fairCoins(n), expected, `n = ${n}, call ${rep}`);
    }
    assert.equal(rng.nextUint32(), twin.nextUint32(), `n = ${n}: the stream continues from the same state`);
  }
});
