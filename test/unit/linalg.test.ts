import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, identity, matMul, matVec, minusIdentity, norm2Vec, toRows, transpose } from '../../src/core/linalg/dense';
import { frobeniusNorm, infNorm, matrixNorm, oneNorm, spectralNorm, vectorNorm } from '../../src/core/linalg/norms';
import { Rng } from '../../src/core/rng';

const A = fromRows([[1, 2], [3, 4]]);

test('matVec computes W x + b', () => {
  assert.deepEqual(Array.from(matVec(A, [1, -1], [0.5, 0])), [-0.5, -1]);
});

test('matVec rejects a wrong-length vector with a precise message', () => {
  assert.throws(() => matVec(A, [1, 2, 3]), { name: 'RangeError', message: 'matVec: matrix is 2×2 but vector has length 3' });
});

test('matMul agrees with the textbook triple loop on random non-square matrices', () => {
  const rng = new Rng(7);
  const a = { rows: 5, cols: 3, data: rng.fillGaussian(new Float64Array(15)) };
  const b = { rows: 3, cols: 4, data: rng.fillGaussian(new Float64Array(12)) };
  const c = matMul(a, b);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) {
    let s = 0;
    for (let k = 0; k < 3; k++) s += a.data[i * 3 + k] * b.data[k * 4 + j];
    assert.ok(Math.abs(c.data[i * 4 + j] - s) < 1e-14);
  }
  assert.throws(() => matMul(b, b), { message: 'matMul: inner dimensions differ (3×4 times 3×4)' });
});

test('transpose, identity and minusIdentity', () => {
  assert.deepEqual(toRows(transpose(fromRows([[1, 2, 3]]))), [[1], [2], [3]]);
  assert.deepEqual(toRows(minusIdentity(A)), [[0, 2], [3, 3]]);
  assert.deepEqual(toRows(identity(2)), [[1, 0], [0, 1]]);
  assert.throws(() => fromRows([[1, 2], [3]]), { message: 'fromRows: row 1 has 1 entries, expected 2' });
});

test('spectral norm of [[1,2],[3,4]] equals sqrt((30 + sqrt(884))/2) (σ² are the eigenvalues of AᵀA = [[10,14],[14,20]]: trace 30, det 4)', () => {
  const expected = Math.sqrt((30 + Math.sqrt(30 * 30 - 4 * 4)) / 2);
  assert.ok(Math.abs(spectralNorm(A) - expected) < 1e-12, `${spectralNorm(A)} vs ${expected}`);
  assert.ok(Math.abs(matrixNorm(A, '2') - 5.464985704219043) < 1e-12);
});

test('1, ∞ and Frobenius norms', () => {
  assert.equal(oneNorm(A), 6); // max column sum |2|+|4|
  assert.equal(infNorm(A), 7); // max row sum 3+4
  assert.equal(frobeniusNorm(A), Math.sqrt(30));
  assert.equal(vectorNorm([3, -4], '2'), 5);
  assert.equal(vectorNorm([3, -4], '1'), 7);
  assert.equal(vectorNorm([3, -4], 'inf'), 4);
});

test('spectral norm is invariant under transpose and bounded by Frobenius on random shapes', () => {
  const rng = new Rng(11);
  for (const [r, c] of [[7, 3], [3, 7], [16, 16], [1, 9]]) {
    const m = { rows: r, cols: c, data: rng.fillGaussian(new Float64Array(r * c)) };
    const s = spectralNorm(m);
    assert.ok(Math.abs(s - spectralNorm(transpose(m))) < 1e-10 * s);
    assert.ok(s <= frobeniusNorm(m) * (1 + 1e-12));
    assert.ok(s * Math.sqrt(Math.min(r, c)) >= frobeniusNorm(m) * (1 - 1e-12));
  }
});

test('norm2Vec does not overflow for huge entries', () => {
  assert.ok(Math.abs(norm2Vec([3e200, 4e200]) / 5e200 - 1) < 1e-15);
  assert.equal(norm2Vec([0, 0]), 0);
});
