import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, identity, matMul, matVec, minusIdentity, norm2Vec, toRows, transpose } from '../../src/core/linalg/dense';
import { lanczosSpectralNorm, topSingularValue } from '../../src/core/linalg/lanczos';
import { EXACT_SVD_MAX, frobeniusNorm, infNorm, matrixNorm, oneNorm, spectralNorm, svdSpectralNorm, vectorNorm } from '../../src/core/linalg/norms';
import { CancelledError } from '../../src/core/context';
import type { DenseMatrix } from '../../src/core/linalg/dense';
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

// ---- spectral norm of large matrices (Lanczos bidiagonalization) --------------------------------

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const gaussian = (rng: Rng, rows: number, cols: number): DenseMatrix => ({ rows, cols, data: rng.fillGaussian(new Float64Array(rows * cols)) });

/** A random orthogonal n×n matrix: a product of four Householder reflections I − 2wwᵀ. */
function orthogonal(rng: Rng, n: number): DenseMatrix {
  let q = identity(n);
  for (let r = 0; r < 4; r++) {
    const w = rng.fillGaussian(new Float64Array(n));
    const s = Math.sqrt(w.reduce((t, x) => t + x * x, 0));
    const h = identity(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h.data[i * n + j] -= (2 * w[i] * w[j]) / (s * s);
    q = matMul(q, h);
  }
  return q;
}

/** Q₁ diag(σ) Q₂ᵀ (rows×cols) with the given singular values: σ_max is known exactly. */
function withSingularValues(rng: Rng, rows: number, cols: number, sigma: readonly number[]): DenseMatrix {
  const d = { rows, cols, data: new Float64Array(rows * cols) };
  sigma.forEach((s, i) => { d.data[i * cols + i] = s; });
  return matMul(matMul(orthogonal(rng, rows), d), transpose(orthogonal(rng, cols)));
}

test('spectral norm above the SVD size: closed forms (diagonal, rank one, Hadamard, tridiag(1, 2, 1))', () => {
  const n = 200;
  // a diagonal matrix: σ_max = max |d_i| = 200 (entries ±1..±200, shuffled by a seeded permutation)
  const rng = new Rng(5);
  const order = Array.from({ length: n }, (_, i) => i + 1).sort(() => rng.uniform() - 0.5);
  const diag = zerosSquare(n);
  order.forEach((v, i) => { diag.data[i * n + i] = i % 2 ? -v : v; });
  assert.ok(relErr(spectralNorm(diag), 200) < 1e-13, String(spectralNorm(diag)));
  // rank one x yᵀ: ‖x‖‖y‖, found after one step (the Krylov space is invariant)
  const x = rng.fillGaussian(new Float64Array(150)), y = rng.fillGaussian(new Float64Array(90));
  const outer = { rows: 150, cols: 90, data: new Float64Array(150 * 90) };
  for (let i = 0; i < 150; i++) for (let j = 0; j < 90; j++) outer.data[i * 90 + j] = x[i] * y[j];
  const r1 = lanczosSpectralNorm(outer);
  assert.ok(relErr(r1.value, norm2Vec(x) * norm2Vec(y)) < 1e-13);
  assert.equal(r1.exact, true);
  assert.ok(r1.steps <= 2, `rank one took ${r1.steps} steps`);
  // Sylvester–Hadamard H_128: H Hᵀ = 128 I, so every singular value is √128
  let h = fromRows([[1]]);
  while (h.rows < 128) {
    const k = h.rows, next = zerosSquare(2 * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
      const v = h.data[i * k + j];
      next.data[i * 2 * k + j] = v; next.data[i * 2 * k + j + k] = v; next.data[(i + k) * 2 * k + j] = v; next.data[(i + k) * 2 * k + j + k] = -v;
    }
    h = next;
  }
  assert.ok(relErr(spectralNorm(h), Math.sqrt(128)) < 1e-13);
  // tridiag(1, 2, 1): eigenvalues 2 + 2cos(kπ/(n+1)) (symmetric PSD, so σ_max = λ_max); the top ones
  // are only ~3π²/(n+1)² apart — a dense cluster at the top of the spectrum
  const t = zerosSquare(n);
  for (let i = 0; i < n; i++) { t.data[i * n + i] = 2; if (i > 0) t.data[i * n + i - 1] = 1; if (i < n - 1) t.data[i * n + i + 1] = 1; }
  const expected = 2 + 2 * Math.cos(Math.PI / (n + 1));
  const rt = lanczosSpectralNorm(t);
  assert.ok(relErr(rt.value, expected) < 1e-13, `${rt.value} vs ${expected} after ${rt.steps} steps`);
});

test('spectral norm: Lanczos agrees with the full SVD on random shapes (12 digits), reproducibly', () => {
  const rng = new Rng(17);
  for (const [r, c] of [[60, 60], [200, 200], [300, 70], [70, 300], [49, 400]]) {
    const m = gaussian(rng, r, c);
    const l = lanczosSpectralNorm(m);
    const exact = svdSpectralNorm(m);
    assert.ok(relErr(l.value, exact) < 1e-12, `${r}×${c}: ${l.value} vs SVD ${exact}`);
    assert.ok(l.residual <= 1e-13 * l.value || l.exact, `${r}×${c}: stopped with residual ${l.residual}`);
    assert.ok(l.value <= exact * (1 + 1e-14), 'a Ritz value never exceeds σ_max');
    assert.equal(spectralNorm(m), l.value, 'above EXACT_SVD_MAX spectralNorm is the Lanczos value');
    assert.equal(lanczosSpectralNorm(m).value, l.value, 'same seed, same bits');
  }
});

test('spectral norm: adversarial spectra (clustered top singular values, near-identity W − I, rank deficient)', () => {
  const rng = new Rng(23);
  // σ₁ = 1 with the next three within 3e-10, the rest spread below 0.9
  const n = 120;
  const sigma = Array.from({ length: n }, (_, i) => (i < 4 ? 1 - i * 1e-10 : 0.9 * (1 - i / n)));
  const clustered = withSingularValues(rng, n, n, sigma);
  assert.ok(relErr(spectralNorm(clustered), 1) < 1e-12, String(spectralNorm(clustered)));
  assert.ok(relErr(spectralNorm(clustered), svdSpectralNorm(clustered)) < 1e-12);
  // a top singular value of multiplicity 5 in a wide 90×150 matrix
  const wide = withSingularValues(rng, 90, 150, Array.from({ length: 90 }, (_, i) => (i < 5 ? 3 : 2.999 - i / 90)));
  assert.ok(relErr(spectralNorm(wide), 3) < 1e-12, String(spectralNorm(wide)));
  // W − I of a near-identity layer (the convergence analysis asks exactly this)
  const w = gaussian(rng, 150, 150);
  for (let i = 0; i < w.data.length; i++) w.data[i] = (i % 151 === 0 ? 1 : 0) + 0.01 * w.data[i];
  const wmi = minusIdentity(w);
  assert.ok(relErr(spectralNorm(wmi), svdSpectralNorm(wmi)) < 1e-12);
  // rank 3: the Krylov space is invariant after 3 steps
  const low = matMul(gaussian(rng, 140, 3), gaussian(rng, 3, 100));
  const lr = lanczosSpectralNorm(low);
  assert.ok(relErr(lr.value, svdSpectralNorm(low)) < 1e-12);
  assert.ok(lr.steps <= 4 && lr.exact, `rank 3 took ${lr.steps} steps`);
});

test('spectral norm: vectors, zeros, non-finite entries and extreme magnitudes', () => {
  assert.equal(spectralNorm(fromRows([[3, 4]])), 5);
  assert.equal(spectralNorm({ rows: 400, cols: 1, data: new Float64Array(400).fill(1) }), 20);
  assert.equal(spectralNorm({ rows: 1, cols: 400, data: new Float64Array(400).fill(-0.5) }), 10);
  assert.equal(spectralNorm(zerosSquare(100)), 0);
  assert.equal(spectralNorm({ rows: 0, cols: 5, data: new Float64Array(0) }), 0);
  const nan = zerosSquare(100); nan.data[57] = NaN;
  assert.ok(Number.isNaN(spectralNorm(nan)));
  const inf = zerosSquare(100); inf.data[3] = -Infinity;
  assert.equal(spectralNorm(inf), Infinity);
  const rng = new Rng(29);
  const m = gaussian(rng, 80, 80);
  const base = spectralNorm(m);
  for (const f of [1e200, 1e-200]) {
    const scaled = { rows: 80, cols: 80, data: m.data.map((v) => v * f) };
    assert.ok(relErr(spectralNorm(scaled), base * f) < 1e-13, `scale ${f}`);
  }
  assert.ok(EXACT_SVD_MAX < 80, 'these matrices take the Lanczos path');
});

test('spectral norm is cancellable between Lanczos steps', () => {
  const m = gaussian(new Rng(31), 300, 300);
  let polls = 0;
  const ctx = { progress: () => undefined, isCancelled: () => ++polls > 3 };
  assert.throws(() => spectralNorm(m, ctx), CancelledError);
  assert.equal(polls, 4);
});

test('topSingularValue of a bidiagonal matches the SVD, with the last left singular vector component', () => {
  const alpha = [3, 1, 2, 0.5, 4], beta = [1, 2, 0.25, 3];
  const b = zerosSquare(5);
  for (let i = 0; i < 5; i++) { b.data[i * 5 + i] = alpha[i]; if (i < 4) b.data[i * 5 + i + 1] = beta[i]; }
  const top = topSingularValue(alpha, beta, 5);
  assert.ok(relErr(top.value, svdSpectralNorm(b)) < 1e-14);
  // the top left singular vector independently: p = B q / σ with q from power iteration on BᵀB
  const bt = transpose(b);
  const p = new Float64Array(5);
  let q = new Float64Array(5).fill(1);
  for (let it = 0; it < 500; it++) { const z = matVec(bt, matVec(b, q)); const s = norm2Vec(z); q = z.map((v) => v / s); }
  const bq = matVec(b, q);
  for (let i = 0; i < 5; i++) p[i] = bq[i] / top.value;
  assert.ok(Math.abs(Math.abs(top.lastLeft) - Math.abs(p[4])) < 1e-10, `${top.lastLeft} vs ${p[4]}`);
});

function zerosSquare(n: number): DenseMatrix {
  return { rows: n, cols: n, data: new Float64Array(n * n) };
}
