/**
 * Property (issue 12): whatever the tail — power laws on either side of 1, shifted, with a Bertrand
 * factor, oscillating, sparse, with alternating signs, on W or on b — the three verdicts never
 * contradict the mathematics: the sufficient condition holding rules out a failing pointwise or
 * necessary verdict, `--fail-on diverges` never exits 1 then, and the core reports no internal
 * inconsistency (which includes the check of every increment against the theorem's bound).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeConvergence } from '../../src/core/convergence';
import { failOnExit } from '../../src/cli/commands/convergence';
import { explicitNetwork, type Layer } from '../../src/core/network/model';

/** A random non-negative tail shape k ↦ v_k, scaled by `scale`. */
const tailArb = fc.record({
  p: fc.double({ min: 0.3, max: 3, noNaN: true }),
  q: fc.double({ min: -1, max: 3, noNaN: true }),
  shift: fc.integer({ min: 0, max: 20 }),
  wobble: fc.double({ min: 0, max: 0.99, noNaN: true }),
  every: fc.integer({ min: 1, max: 5 }),
  alternate: fc.boolean(),
  scale: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
});
type Tail = typeof tailArb extends fc.Arbitrary<infer T> ? T : never;

function term(t: Tail, k: number): number {
  if (k % t.every !== 0) return 0;
  const x = k + t.shift + 1;
  const v = t.scale * (1 + t.wobble * Math.sin(k)) * x ** -t.p * Math.log(x + 1) ** -t.q;
  return t.alternate && k % 2 ? -v : v;
}

test('no tail gives "sufficient holds" with pointwise or necessary failing, nor exit 1 from --fail-on diverges', () => {
  fc.assert(
    fc.property(
      tailArb, tailArb,
      fc.integer({ min: 16, max: 700 }),
      fc.constantFrom<'relu' | 'linear'>('relu', 'linear'),
      fc.double({ min: -1, max: 2, noNaN: true }),
      (wt, bt, n, activation, x0) => {
        const layers = Array.from({ length: n }, (_, i): Layer => ({
          kind: 'dense', weights: { rows: 1, cols: 1, data: Float64Array.of(1 + term(wt, i + 1)) }, bias: Float64Array.of(term(bt, i + 1)), activation,
        }));
        const res = analyzeConvergence(explicitNetwork({ dim: 1, probes: [{ name: 'x', x: Float64Array.of(x0) }] }, layers));
        const { sufficient, necessary, pointwise } = res.verdicts;
        assert.deepEqual(res.consistency, [], `n = ${n}, W tail ${JSON.stringify(wt)}, b tail ${JSON.stringify(bt)}`);
        if (sufficient.status === 'holds') {
          assert.notEqual(pointwise.status, 'fails');
          assert.notEqual(necessary.status, 'fails');
          assert.equal(failOnExit(res, 'diverges').exitCode, 0);
        }
      },
    ),
    { numRuns: 150, seed: 20240612 },
  );
});

test('the consistency check itself reports an impossible combination as a bug', async () => {
  const { consistencyProblems } = await import('../../src/core/convergence');
  const v = (status: 'holds' | 'fails' | 'inconclusive') => ({ status, headline: '', reason: '', theorem: '', assumptions: '', basis: 'observed' as const, numbers: {} });
  const problems = consistencyProblems({
    sufficient: v('holds'), pointwise: v('fails'),
    necessary: { ...v('fails'), assumption: { status: 'satisfied', reason: '' }, evidence: { inputDim: 1, width: 1, runProduct: null, runProductSkipped: null, probes: [] }, violations: [] },
  });
  assert.deepEqual(problems, [
    'internal inconsistency (a bug in Depth Lens): the sufficient condition holds but the pointwise verdict fails',
    'internal inconsistency (a bug in Depth Lens): the sufficient condition holds (so w_k → 0) but the necessary condition fails',
  ]);
});
