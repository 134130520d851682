/**
 * AffineStep (src/core/convergence/stepper.ts): the family step pre = a·x + s·(M x) + t·v, out = ReLU(pre),
 * against the textbook sum, with the SIMD product (width ≥ 16) and with the scalar loop.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { AffineStep } from '../../src/core/convergence/stepper';
import { setWasmKernelsEnabled } from '../../src/core/kernels/wasm';
import { Rng } from '../../src/core/rng';

afterEach(() => setWasmKernelsEnabled(true));

function family(m: number, seed: number) {
  const rng = new Rng(seed);
  const matrix = { rows: m, cols: m, data: rng.fillGaussian(new Float64Array(m * m), 0, 1 / Math.sqrt(m)) };
  const vector = rng.fillUniform(new Float64Array(m), -1, 1);
  return {
    kind: 'affine' as const, identity: 1, matrix, vector, activation: 'relu' as const,
    weightScale: { offset: 1, power: -2 }, biasScale: { offset: 1, power: -2 },
  };
}

for (const m of [5, 16, 37, 64]) {
  for (const simd of [true, false]) {
    test(`AffineStep.forward at width ${m} (${simd ? 'SIMD' : 'scalar'}) = a·x + s·Mx + t·v to 1e-15 relative, with the inactive count of ReLU`, () => {
      setWasmKernelsEnabled(simd);
      const fam = family(m, 100 + m);
      const step = new AffineStep(fam);
      const x = new Rng(7).fillUniform(new Float64Array(m), -1, 1);
      const pre = new Float64Array(m), out = new Float64Array(m);
      const s = 0.3, t = -0.2;
      const inactive = step.forward(s, t, x, pre, out);
      let expectedInactive = 0;
      for (let i = 0; i < m; i++) {
        let mx = 0, scale = 0;
        for (let j = 0; j < m; j++) { mx += fam.matrix.data[i * m + j] * x[j]; scale += Math.abs(fam.matrix.data[i * m + j] * x[j]); }
        const want = x[i] + s * mx + t * fam.vector[i];
        assert.ok(Math.abs(pre[i] - want) <= 1e-15 * (Math.abs(x[i]) + s * scale + Math.abs(t * fam.vector[i])), `row ${i}: ${pre[i]} vs ${want}`);
        assert.equal(out[i], pre[i] > 0 ? pre[i] : 0);
        if (!(pre[i] > 0)) expectedInactive++;
      }
      assert.equal(inactive, expectedInactive);
      assert.ok(expectedInactive > 0 && expectedInactive < m, 'the sample has active and inactive units');
      // the step keeps no state between calls: the same input gives the same numbers
      const again = new Float64Array(m);
      step.forward(s, t, x, new Float64Array(m), again);
      assert.deepEqual(again, out);
    });
  }
}
