/**
 * The Lanczos products in WebAssembly SIMD (kernels.wat gram, dots, combine) against their scalar
 * reference (src/core/linalg/products.ts), which does the same floating-point operations in the
 * same order: the comparisons are exact (Object.is), on odd and even lengths and row counts that
 * are and are not multiples of the kernels' 4-row blocks. And the Lanczos method built on them:
 * the same bits with and without WebAssembly, warm starts, and the 1e-10 stopping rule.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng';
import { setWasmKernelsEnabled, wasmKernelsAvailable, WasmKernels } from '../../src/core/kernels/wasm';
import { combineScalar, dotsScalar, gramScalar } from '../../src/core/linalg/products';
import { lanczosSpectralNorm } from '../../src/core/linalg/lanczos';
import { svdSpectralNorm } from '../../src/core/linalg/norms';
import { denseOperator, operatorSpectralNorm } from '../../src/core/linalg/operator';

afterEach(() => setWasmKernelsEnabled(true));

function sameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < got.length; i++) assert.ok(Object.is(got[i], want[i]), `${what}: index ${i}: ${got[i]} vs ${want[i]}`);
}

const SHAPES: [number, number][] = [[1, 1], [1, 7], [3, 2], [4, 4], [5, 9], [8, 16], [13, 31], [64, 63], [37, 100], [100, 37]];

test('gram, dots and combine: WebAssembly = scalar reference bit for bit (odd/even lengths, partial 4-row blocks)', () => {
  assert.ok(wasmKernelsAvailable(), 'Node 20 runs WebAssembly SIMD');
  const rng = new Rng(41);
  for (const [m, n] of SHAPES) {
    const k = WasmKernels.acquire()!;
    try {
      const [A, v, w, t, c, y] = k.arrays([m * n, n, n, 4, m, n])!;
      rng.fillGaussian(A); rng.fillGaussian(v); rng.fillGaussian(y);
      A[0] = 1e300; A[A.length - 1] = -1e-300; // magnitudes where a fused multiply-add would round differently
      const ws = new Float64Array(n), cs = new Float64Array(m), ys = y.slice();
      k.gram(A, m, n, v, w, t);
      gramScalar(A, m, n, v, ws);
      sameBits(w, ws, `gram ${m}×${n}`);
      k.dots(A, m, n, v, c);
      dotsScalar(A, m, n, v, cs);
      sameBits(c, cs, `dots ${m}×${n}`);
      k.combine(A, m, n, c, y);
      combineScalar(A, m, n, cs, ys);
      sameBits(y, ys, `combine ${m}×${n}`);
    } finally {
      k.release();
    }
  }
});

test('gram is Aᵀ(A v): against the plain two products (to rounding)', () => {
  const rng = new Rng(43);
  const m = 30, n = 17;
  const A = rng.fillGaussian(new Float64Array(m * n)), v = rng.fillGaussian(new Float64Array(n));
  const Av = new Float64Array(m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) Av[i] += A[i * n + j] * v[j];
  const want = new Float64Array(n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want[j] += A[i * n + j] * Av[i];
  const got = new Float64Array(n);
  gramScalar(A, m, n, v, got);
  for (let j = 0; j < n; j++) assert.ok(Math.abs(got[j] - want[j]) <= 1e-12 * Math.abs(want[j]) + 1e-12, `${j}: ${got[j]} vs ${want[j]}`);
});

test('Lanczos: the same bits with and without WebAssembly, and the same steps', () => {
  const rng = new Rng(47);
  for (const [m, n] of [[120, 120], [90, 151], [151, 90]]) {
    const a = { rows: m, cols: n, data: rng.fillGaussian(new Float64Array(m * n)) };
    const simd = lanczosSpectralNorm(a);
    setWasmKernelsEnabled(false);
    const scalar = lanczosSpectralNorm(a);
    setWasmKernelsEnabled(true);
    assert.ok(Object.is(simd.value, scalar.value), `${m}×${n}: ${simd.value} vs ${scalar.value}`);
    assert.equal(simd.steps, scalar.steps);
    sameBits(simd.vector, scalar.vector, `${m}×${n} top singular vector`);
  }
});

test('operator Lanczos (W and Wᵀ as products, the bases reorthogonalized on the kernels): the same bits with and without WebAssembly, past the first 64 basis rows', () => {
  const rng = new Rng(53);
  for (const [m, n] of [[300, 300], [220, 301], [301, 220], [600, 600]]) {
    const a = { rows: m, cols: n, data: rng.fillGaussian(new Float64Array(m * n)) };
    const op = denseOperator(a);
    const simd = operatorSpectralNorm(op);
    setWasmKernelsEnabled(false);
    const scalar = operatorSpectralNorm(op);
    setWasmKernelsEnabled(true);
    // a square Gaussian matrix's top singular values are close: more steps than the bases' first capacity
    if (m === n) assert.ok(simd.steps > 64, `${m}×${n}: ${simd.steps} steps`);
    assert.ok(Object.is(simd.value, scalar.value), `${m}×${n}: ${simd.value} vs ${scalar.value}`);
    assert.equal(simd.steps, scalar.steps);
    assert.ok(simd.converged);
    const exact = svdSpectralNorm(a);
    assert.ok(Math.abs(simd.value - exact) <= 1e-12 * exact, `${m}×${n}: ${simd.value} vs the SVD's ${exact}`);
    // without stored bases (over the memory budget) the recurrence alone still finds σ_max
    const bare = operatorSpectralNorm(op, { reorthogonalizeBytes: 0, tolerance: 1e-10 });
    assert.ok(Math.abs(bare.value - exact) <= 1e-9 * exact, `${m}×${n} without reorthogonalization: ${bare.value} vs ${exact}`);
  }
});

test('Lanczos at the convergence tolerance 1e-10: the certified bound holds, and a warm start from a nearby matrix takes fewer steps', () => {
  const rng = new Rng(53);
  const n = 200;
  const a = { rows: n, cols: n, data: rng.fillGaussian(new Float64Array(n * n)) };
  const exact = svdSpectralNorm(a);
  const cold = lanczosSpectralNorm(a, { tolerance: 1e-10 });
  assert.ok(cold.residual <= 1e-10 * cold.value, `residual ${cold.residual}`);
  assert.ok(Math.abs(cold.value - exact) <= cold.residual, `|${cold.value} − ${exact}| within the certified ${cold.residual}`);
  // the next "layer": a small change of the same matrix
  const b = { rows: n, cols: n, data: a.data.map((x) => x + 0.01 * rng.gaussian()) };
  const bExact = svdSpectralNorm(b);
  const bCold = lanczosSpectralNorm(b, { tolerance: 1e-10 });
  const bWarm = lanczosSpectralNorm(b, { tolerance: 1e-10, start: cold.vector });
  for (const r of [bCold, bWarm]) assert.ok(Math.abs(r.value - bExact) <= r.residual && r.residual <= 1e-10 * r.value);
  assert.ok(bWarm.steps < bCold.steps, `warm ${bWarm.steps} steps, cold ${bCold.steps}`);
  // the returned vector is the top right singular vector: ‖A y‖ = σ_max
  const y = cold.vector;
  let s = 0;
  for (let i = 0; i < n; i++) { let t = 0; for (let j = 0; j < n; j++) t += a.data[i * n + j] * y[j]; s += t * t; }
  assert.ok(Math.abs(Math.sqrt(s) - exact) <= 1e-9 * exact, `‖A y‖ = ${Math.sqrt(s)} vs σ_max ${exact}`);
});

test('gram32 on float32 A = gram on A widened to float64, bit for bit (odd/even lengths, partial blocks); Lanczos gives the same bits either way', () => {
  const rng = new Rng(47);
  for (const [m, n] of SHAPES) {
    const k = WasmKernels.acquire()!;
    try {
      const [a, v, w, t] = k.arrays([Math.ceil(m * n / 2), n, n, 4])!;
      const A32 = new Float32Array(a.buffer, a.byteOffset, m * n);
      const g = rng.fillGaussian(new Float64Array(m * n));
      for (let i = 0; i < g.length; i++) A32[i] = g[i];
      A32[0] = 3e38; A32[A32.length - 1] = -1e-38; // float32's extremes widen exactly
      rng.fillGaussian(v);
      k.gram32(A32, m, n, v, w, t);
      const ws = new Float64Array(n);
      gramScalar(Float64Array.from(A32), m, n, v, ws);
      sameBits(w, ws, `gram32 ${m}×${n}`);
      // the scalar loop reads float32 storage by index: the same numbers again
      const ws32 = new Float64Array(n);
      gramScalar(A32, m, n, v, ws32);
      sameBits(ws32, ws, `gramScalar on float32 ${m}×${n}`);
    } finally {
      k.release();
    }
  }
  const m = 70, n = 90;
  const A32 = new Float32Array(m * n);
  const g = new Rng(53).fillGaussian(new Float64Array(m * n));
  for (let i = 0; i < g.length; i++) A32[i] = g[i];
  const wide = lanczosSpectralNorm({ rows: m, cols: n, data: Float64Array.from(A32) });
  const narrow = lanczosSpectralNorm({ rows: m, cols: n, data: A32 as unknown as Float64Array });
  assert.ok(Object.is(narrow.value, wide.value), `${narrow.value} vs ${wide.value}`);
  assert.equal(narrow.steps, wide.steps);
  assert.ok(Math.abs(wide.value - svdSpectralNorm({ rows: m, cols: n, data: Float64Array.from(A32) })) <= 1e-10 * wide.value);
});
