/**
 * AffineStep (src/core/convergence/stepper.ts): the family step pre = a·x + s·(M x) + t·v, out = ReLU(pre),
 * against the textbook sum, with the SIMD product (width ≥ 16) and with the scalar loop.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { AffineStep, denseForward, denseForwardMany } from '../../src/core/convergence/stepper';
import type { DenseLayer } from '../../src/core/network/model';
import { setWasmKernelsEnabled } from '../../src/core/kernels/wasm';
import { Rng } from '../../src/core/rng';
import { parseNetworkText } from '../../src/core/network/parse';
import { scaleAt } from '../../src/core/convergence/terms';

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

test('AffineStep.forwardMany: every probe\'s output and inactive count are forward\'s, bit for bit, with and without SIMD (which now agree bit for bit), for 1 to 9 probes and widths off the 4-row tiles', () => {
  for (const m of [5, 16, 17, 64]) {
    const fam = family(m, 300 + m);
    const rng = new Rng(11);
    const xs = Array.from({ length: 9 }, () => rng.fillUniform(new Float64Array(m), -1, 1));
    const results: Float64Array[][] = [];
    for (const simd of [true, false]) {
      setWasmKernelsEnabled(simd);
      const step = new AffineStep(fam);
      const one = xs.map((x) => { const out = new Float64Array(m); step.forward(0.3, -0.2, x, new Float64Array(m), out); return out; });
      const oneInactive = xs.map((x) => step.forward(0.3, -0.2, x, new Float64Array(m), new Float64Array(m)));
      for (const count of [1, 2, 3, 5, 9, 4]) {
        const outs = Array.from({ length: count }, () => new Float64Array(m).fill(NaN));
        const inactive = new Int32Array(count).fill(-1);
        step.forwardMany(0.3, -0.2, count, xs, outs, inactive);
        for (let p = 0; p < count; p++) {
          assert.deepEqual(outs[p], one[p], `m=${m} ${simd ? 'SIMD' : 'scalar'} ${count} probes: probe ${p}`);
          assert.equal(inactive[p], oneInactive[p]);
        }
      }
      results.push(one);
    }
    results[0].forEach((out, p) => assert.deepEqual(out, results[1][p], `m=${m} probe ${p}: SIMD = scalar`));
  }
});

test('AffineStep.layerInto writes the family file\'s own layer k (network.layer) bit for bit, into the same buffer every time', () => {
  const m = 3;
  const rng = new Rng(41);
  const R = Array.from({ length: m }, () => Array.from({ length: m }, () => rng.uniformIn(-1, 1)));
  const v = Array.from({ length: m }, () => rng.uniformIn(-1, 1));
  const text = JSON.stringify({
    format: 'depth-lens/network@1', input: { dim: m },
    layers: [{ type: 'family', count: 50, weights: { identity: 1, matrix: R, scale: { offset: 2, power: -1.5 } }, bias: { vector: v, scale: { offset: 1, power: -2 } }, activation: 'relu' }],
  });
  const net = parseNetworkText(text).network!;
  const info = net.groups[0].family!;
  assert.equal(info.kind, 'affine');
  const step = new AffineStep(info as Extract<typeof info, { kind: 'affine' }>);
  const buffer = { kind: 'dense' as const, weights: { rows: m, cols: m, data: new Float64Array(m * m) }, bias: new Float64Array(m), activation: 'relu' as const };
  for (const k of [1, 2, 17, 50]) {
    const mine = step.layerInto(scaleAt({ offset: 2, power: -1.5 }, k), scaleAt({ offset: 1, power: -2 }, k), buffer);
    assert.equal(mine, buffer);
    const theirs = net.layer(k - 1);
    assert.ok(theirs.kind === 'dense');
    assert.deepEqual([...mine.weights.data], [...theirs.weights.data], `W_${k}`);
    assert.deepEqual([...mine.bias], [...theirs.bias], `b_${k}`);
  }
});

for (const simd of [true, false]) test(`denseForwardMany (${simd ? 'SIMD kernel from 64² weights' : 'scalar'}): every probe's output and inactive count are denseForward's, bit for bit, for 1 to 9 probes, ReLU and linear layers, non-square, with NaN, ±∞ and −0 among the inputs`, () => {
  setWasmKernelsEnabled(simd);
  const rng = new Rng(29);
  // 67×65 and 130×40 are over the kernel's 64² threshold with row counts off its 4-row blocks
  for (const [rows, cols] of [[7, 5], [16, 16], [3, 40], [64, 64], [67, 65], [130, 40]]) {
    for (const activation of ['relu', 'linear'] as const) {
      const layer: DenseLayer = { kind: 'dense', weights: { rows, cols, data: rng.fillGaussian(new Float64Array(rows * cols)) }, bias: rng.fillUniform(new Float64Array(rows), -1, 1), activation };
      const xs = Array.from({ length: 9 }, () => rng.fillUniform(new Float64Array(cols), -1, 1));
      xs[4][1] = NaN; xs[6][0] = Infinity; xs[7][2] = -Infinity; xs[8].fill(-0);
      const one = xs.map((x) => { const out = new Float64Array(rows); const inactive = denseForward(layer, x, new Float64Array(rows), out); return { out, inactive }; });
      for (const count of [1, 2, 3, 4, 5, 8, 9]) {
        const outs = Array.from({ length: count }, () => new Float64Array(rows).fill(7));
        const inactive = new Int32Array(count).fill(-1);
        denseForwardMany(layer, count, xs, outs, inactive);
        for (let p = 0; p < count; p++) {
          for (let i = 0; i < rows; i++) assert.ok(Object.is(outs[p][i], one[p].out[i]), `${rows}×${cols} ${activation}, ${count} probes: probe ${p} unit ${i}: ${outs[p][i]} vs ${one[p].out[i]}`);
          assert.equal(inactive[p], one[p].inactive, `${rows}×${cols} ${activation}, ${count} probes: probe ${p} inactive`);
        }
      }
    }
  }
});
