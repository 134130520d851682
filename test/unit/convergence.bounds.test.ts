/**
 * The tail bound sup_{k>n} ‖N_k − N_n‖ ≤ (Π_{k>n}(1 + w_k) − 1)(‖N_n‖ + T_β) + T_β (MATH.md §A) and
 * where it is valid. Every reference is computed here: plain loops with their own norms, a long
 * independent run standing in for N_∞, and a case where the bound is attained exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeConvergence } from '../../src/core/convergence';
import { fromRows, identity } from '../../src/core/linalg/dense';
import { explicitNetwork, type Layer } from '../../src/core/network/model';
import { affineFamilyNetwork, matNorm, vecNorm } from './convergence.helpers';

const NORMS = ['2', '1', 'inf', 'fro'] as const;

test('the bound is attained on W_k = 1 + (k+1)^−1.5, b = 0, x > 0: it is (Π(1 + w) − 1)·N_n, not T_w·e^{T_w}·N_n', () => {
  const n = 300;
  const net = affineFamilyNetwork({ identity: 1, matrix: fromRows([[1]]), weightScale: { offset: 1, power: -1.5 }, vector: Float64Array.of(0), biasScale: { offset: 0, power: 0 } }, n);
  const res = analyzeConvergence(net, { probes: [[2]] });
  // N_k = 2 Π_{j≤k} (1 + w_j) increases, so sup_{k>m} |N_k − N_m| = N_n − N_m = (Π_{j>m}(1 + w_j) − 1)·N_m exactly
  const N = [2];
  for (let k = 1; k <= n; k++) N.push(N[k - 1] * (1 + (k + 1) ** -1.5));
  const tb = res.probes[0].tailBound;
  assert.equal(tb.validFrom, 0);
  assert.equal(tb.vectorNorm, 'ℓ2');
  res.recordedDepths.forEach((m, q) => {
    const sup = N[n] - N[m];
    const bound = tb.withinFile[q];
    assert.ok(bound >= sup * (1 - 1e-12), `n = ${m}: bound ${bound} below the true sup ${sup}`);
    assert.ok(Math.abs(bound - sup) <= 1e-10 * Math.max(sup, 1e-300), `n = ${m}: bound ${bound} should equal the sup ${sup}`);
  });
  // T_w·e^{T_w} is strictly larger (the old, looser form): at n = 0 by a visible factor
  let tw = 0;
  for (let k = 1; k <= n; k++) tw += (k + 1) ** -1.5;
  assert.ok(tw * Math.exp(tw) * 2 > 1.3 * tb.withinFile[0], `${tw * Math.exp(tw) * 2} vs ${tb.withinFile[0]}`);
});

test('a negative probe: the inequality needs N_{k−1} ≥ 0 before a ReLU step, so the bound starts after the first layer', () => {
  const relu = (): Layer => ({ kind: 'dense', weights: identity(2), bias: new Float64Array(2), activation: 'relu' });
  const net = explicitNetwork({ dim: 2, probes: [] }, Array.from({ length: 12 }, relu));
  const res = analyzeConvergence(net, { probes: [[-5, 1], [3, 1]] });
  // W = I, b = 0: every w_k = β_k = 0, so a bound valid from n = 0 would say 0 — but N_1(−5, 1) = (0, 1)
  const [neg, pos] = res.probes.map((p) => p.tailBound);
  assert.equal(neg.validFrom, 1);
  assert.ok(Number.isNaN(neg.withinFile[0]));
  assert.equal(neg.observedToLast[0], 5);
  for (let q = 1; q < res.recordedDepths.length; q++) assert.equal(neg.withinFile[q], 0);
  assert.equal(pos.validFrom, 0);
  assert.equal(pos.withinFile[0], 0);
  // a linear first layer needs no sign: its step is (W − I)x + b whatever x is
  const linearFirst = explicitNetwork({ dim: 2, probes: [] }, [{ kind: 'dense', weights: identity(2), bias: new Float64Array(2), activation: 'linear' }, ...Array.from({ length: 11 }, relu)]);
  const lin = analyzeConvergence(linearFirst, { probes: [[-5, 1]] });
  // layer 2 is a ReLU step whose input N_1 = (−5, 1) has a negative entry: valid from n = 2
  assert.equal(lin.probes[0].tailBound.validFrom, 2);
});

/** A width-3 family with mixed signs: W_k = I + M/(k+1)², b_k = v/(k+1)². */
const M = [0.4, -0.3, 0.2, 0.1, 0.5, -0.2, -0.3, 0.2, 0.3];
const V = [0.5, -0.25, 0.75];
const familySpec = { identity: 1, matrix: { rows: 3, cols: 3, data: Float64Array.from(M) }, weightScale: { offset: 1, power: -2 }, vector: Float64Array.from(V), biasScale: { offset: 1, power: -2 } };

/** N_k(x) for k = 0..n by a plain loop (ReLU after every layer). */
function familyTrace(x: number[], n: number, keep: (k: number) => boolean = () => true): Map<number, number[]> {
  const out = new Map<number, number[]>();
  let v = x.slice();
  if (keep(0)) out.set(0, v);
  for (let k = 1; k <= n; k++) {
    const s = (k + 1) ** -2;
    const y = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      let t = v[i] + s * V[i];
      for (let j = 0; j < 3; j++) t += s * M[i * 3 + j] * v[j];
      y[i] = Math.max(0, t);
    }
    v = y;
    if (keep(k)) out.set(k, v);
  }
  return out;
}

const diff = (a: number[], b: ArrayLike<number>) => a.map((t, i) => t - b[i]);

for (const norm of NORMS) {
  test(`--norm ${norm}: the within-file bound has the documented value and covers every later layer; the extrapolated one covers a 2·10⁵-layer run`, () => {
    const n = 400;
    const probes = [[1, 0.5, 2], [0.2, 0, 0.1], [-1, 2, 0.5]];
    const res = analyzeConvergence(affineFamilyNetwork(familySpec, n), { norm, probes });
    assert.equal(res.verdicts.sufficient.status, 'holds');
    // w_k and β_k from this file's own norms: ‖M‖/(k+1)² and ‖v‖/(k+1)²
    const normM = matNorm(3, M, norm), normV = vecNorm(V, norm);
    const logOnePlusW = (k: number) => Math.log1p(normM * (k + 1) ** -2);
    res.probes.forEach((probe, p) => {
      const trace = familyTrace(probes[p], n);
      const far = familyTrace(probes[p], 200000, (k) => k === 100000 || k === 200000);
      const nInf = far.get(200000)!;
      const farTail = vecNorm(diff(nInf, far.get(100000)!), norm); // the size of what 2·10⁵ layers still miss
      const tb = probe.tailBound;
      // the probe with a negative coordinate meets a ReLU step at layer 1: valid from n = 1
      assert.equal(tb.validFrom, probes[p].some((t) => t < 0) ? 1 : 0, `${probe.name} validFrom`);
      res.recordedDepths.forEach((m, q) => {
        if (m < tb.validFrom) { assert.ok(Number.isNaN(tb.withinFile[q])); return; }
        let logProd = 0, tB = 0;
        for (let k = m + 1; k <= n; k++) { logProd += logOnePlusW(k); tB += normV * (k + 1) ** -2; }
        const normN = vecNorm(trace.get(m)!, norm);
        const expected = Math.expm1(logProd) * (normN + tB) + tB;
        assert.ok(Math.abs(tb.withinFile[q] - expected) <= 1e-10 * expected + 1e-15, `${norm} ${probe.name} n = ${m}: ${tb.withinFile[q]} vs ${expected}`);
        let sup = 0;
        for (let k = m + 1; k <= n; k++) sup = Math.max(sup, vecNorm(diff(trace.get(k)!, trace.get(m)!), norm));
        assert.ok(sup <= tb.withinFile[q] * (1 + 1e-12), `${norm} ${probe.name}: sup_{k>${m}} ‖N_k − N_${m}‖ = ${sup} > bound ${tb.withinFile[q]}`);
        assert.ok(tb.extrapolated !== null);
        const toLimit = vecNorm(diff(nInf, trace.get(m)!), norm) + 2 * farTail;
        assert.ok(toLimit <= tb.extrapolated[q], `${norm} ${probe.name}: ‖N_∞ − N_${m}‖ ≈ ${toLimit} > extrapolated bound ${tb.extrapolated[q]}`);
      });
      assert.ok(probe.limitEstimate.radius! >= vecNorm(diff(nInf, trace.get(n)!), norm) + 2 * farTail);
    });
  });
}

test('increments, norms and partial-product differences are labelled with their norms', () => {
  const res = analyzeConvergence(affineFamilyNetwork(familySpec, 20), { norm: 'inf', probes: [[1, 0.5, 2]] });
  assert.equal(res.vectorNorm, 'ℓ∞');
  assert.equal(res.probes[0].tailBound.vectorNorm, 'ℓ∞');
  assert.equal(res.probes[0].partialProducts!.matrixNorm, 'Frobenius');
  // the increment at depth 1 is the ℓ∞ distance of N_1 from x
  const t = familyTrace([1, 0.5, 2], 1);
  assert.equal(res.probes[0].increments[1], vecNorm(diff(t.get(1)!, t.get(0)!), 'inf'));
});
