/**
 * Exponents as the Convergence panel prints them (src/core/convergence/format.ts): fits made by the
 * core's own fitPowerLaw on terms whose answer is known — constant terms (the least-squares slope is
 * ~1e-30, not 0), an all-zero tail, an exact power law, noisy terms — and the edge values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitPowerLaw } from '../../src/core/convergence';
import { exponentText, exponentWithInterval } from '../../src/core/convergence/format';
import { Rng } from '../../src/core/rng';

const fitText = (f: { p: number; lo: number; hi: number }) => exponentWithInterval(f.p, f.lo, f.hi);

test('an exactly fitted zero slope reads "0 (constant tail)", whatever round-off made of it', () => {
  // the value reported in issue 15: the bias exponent of a constant tail
  assert.equal(exponentWithInterval(-6.453e-30, -6.778e-16, 6.778e-16), '0 (constant tail)');
  assert.equal(exponentWithInterval(0, 0, 0), '0 (constant tail)');
  assert.equal(exponentWithInterval(-0, -0, 0), '0 (constant tail)');
  // constant terms √2 on layers 101–200, fitted by the core: a slope of round-off size
  const constant = fitPowerLaw(new Float64Array(200).fill(Math.SQRT2), 1, 101, 200);
  assert.equal(constant.kind, 'power');
  assert.ok(Math.abs(constant.p) < 1e-12 && constant.hi - constant.lo < 1e-12, `p = ${constant.p} [${constant.lo}, ${constant.hi}]`);
  assert.equal(fitText(constant), '0 (constant tail)');
});

test('an all-zero tail reads "— (all terms 0)"; no fit reads "not fitted"', () => {
  const zero = fitPowerLaw(new Float64Array(100), 1, 50, 100);
  assert.equal(zero.kind, 'zero');
  assert.equal(zero.p, Infinity);
  assert.equal(fitText(zero), '— (all terms 0)');
  const none = fitPowerLaw(new Float64Array(7).fill(1), 1, 1, 7);
  assert.equal(none.kind, 'insufficient');
  assert.equal(fitText(none), 'not fitted');
  assert.equal(exponentWithInterval(NaN, NaN, NaN), 'not fitted');
  assert.equal(exponentWithInterval(2, NaN, 3), 'not fitted');
});

test('an exact power law prints its exponent once, not a zero-width interval "[2.000, 2.000]"', () => {
  const terms = Float64Array.from({ length: 400 }, (_, j) => 3 * (j + 1) ** -2);
  const exact = fitPowerLaw(terms, 1, 201, 400);
  assert.ok(Math.abs(exact.p - 2) < 1e-9, `p = ${exact.p}`);
  assert.equal(fitText(exact), '2.000 ± < 0.001');
  // an interval that rounds to one value but is not zero wide
  assert.equal(exponentWithInterval(2.0137, 2.0134, 2.0141), '2.014 ± < 0.001');
});

test('a noisy fit keeps its interval, also when p is near 0 (not called constant)', () => {
  // k^(−1.5) times a log-normal factor with σ = 0.3, seed 7: a real interval around p
  const rng = new Rng(7);
  const noisy = Float64Array.from({ length: 400 }, (_, j) => (j + 1) ** -1.5 * Math.exp(0.3 * rng.gaussian()));
  const fit = fitPowerLaw(noisy, 1, 201, 400);
  assert.ok(fit.lo < 1.5 && fit.hi > 1.5 && fit.hi - fit.lo > 0.01, `p = ${fit.p} [${fit.lo}, ${fit.hi}]`);
  assert.equal(fitText(fit), `${fit.p.toFixed(3)} [${fit.lo.toFixed(3)}, ${fit.hi.toFixed(3)}]`);
  // random-he.network.json's ‖W − I‖ tail: p ≈ 0 with a wide interval is a number, not "constant"
  assert.equal(exponentWithInterval(-0.0171, -0.0662, 0.0320), '-0.017 [-0.066, 0.032]');
  assert.equal(exponentWithInterval(0.0002, -0.05, 0.05), '0.000 [-0.050, 0.050]');
});

test('a single exponent: three decimals, ∞ of an all-zero tail and NaN in words', () => {
  assert.deepEqual([2.06413, -1.25e-30, 0.9996, Infinity, -Infinity, NaN].map(exponentText),
    ['2.064', '0.000', '1.000', '∞ (all terms 0)', '−∞', 'not fitted']);
});
