/**
 * The batched forward kernel: the WebAssembly SIMD kernels (src/core/kernels) and the scalar
 * JavaScript fallback (denseBatch) against textbook loops written here, and forwardBatch on both.
 * Both kernels add the products to the bias in order of j with one rounding per multiply and per
 * add, like the textbook loop, so every comparison below is exact (Object.is), not a tolerance.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/core/rng';
import { type DenseLayer, type Network } from '../../src/core/network/model';
import { denseBatch, forwardBatch, type BatchResult } from '../../src/core/activation/batch';
import { dotScalar, dotsScalar } from '../../src/core/linalg/products';
import { packPanels, setWasmKernelsEnabled, wasmKernelsAvailable, WasmKernels } from '../../src/core/kernels/wasm';
import type { AnalysisContext } from '../../src/core/context';
import { randomNetwork as randomNetworkOf } from './random-networks';

afterEach(() => setWasmKernelsEnabled(true));

/** Y[b][i] = bias[i] + Σ_j W[i][j] X[b][j], one sum at a time */
function textbookDense(W: Float64Array, bias: Float64Array, m: number, n: number, X: Float64Array, batch: number): Float64Array {
  const Y = new Float64Array(batch * m);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < m; i++) {
      let a = bias[i];
      for (let j = 0; j < n; j++) a += W[i * n + j] * X[b * n + j];
      Y[b * m + i] = a;
    }
  }
  return Y;
}

/** first index where the arrays differ (Object.is: NaN equals NaN, −0 differs from +0), or −1 */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  const i = firstDifference(got, want);
  assert.equal(i, -1, `${what}: differs at ${i}: got ${got[i]}, want ${want[i]} (lengths ${got.length}, ${want.length})`);
}

function gaussian(rng: Rng, count: number, sd = 1): Float64Array {
  const a = new Float64Array(count);
  rng.fillGaussian(a, 0, sd);
  return a;
}

/** the WebAssembly dense kernel on copies of the arrays in its memory, rows padded to the tile */
function wasmDense(W: Float64Array, bias: Float64Array, m: number, n: number, X: Float64Array, batch: number): Float64Array {
  const k = WasmKernels.acquire();
  assert.ok(k, 'WebAssembly SIMD kernels are available in Node 20');
  try {
    const rows = Math.ceil(batch / 4) * 4, mp = Math.ceil(m / 4) * 4;
    const [P, B, Xw, Yw] = k.arrays([mp * n, mp, rows * n, rows * m])!;
    packPanels(W, bias, m, n, P, B);
    Xw.set(X);
    Yw.fill(NaN);
    k.dense(P, B, m, n, Xw, rows, Yw);
    return Yw.slice(0, batch * m);
  } finally {
    k.release();
  }
}

test('the committed kernels.wasm.ts is what wabt makes of kernels.wat (run `npm run build` when this fails)', async () => {
  // an ES module (esbuild.mjs runs it): imported as one
  const { compileWat, generatedModule, kernelsDir } = await import('../../scripts/build-wasm.mjs');
  const wats = fs.readdirSync(kernelsDir).filter((f) => f.endsWith('.wat'));
  assert.ok(wats.includes('kernels.wat'));
  for (const f of wats) {
    const bytes = await compileWat(f, fs.readFileSync(path.join(kernelsDir, f), 'utf8'));
    const committed = fs.readFileSync(path.join(kernelsDir, f.replace(/\.wat$/, '.wasm.ts')), 'utf8');
    assert.equal(committed, generatedModule(f, bytes), `${f}: the generated module is stale`);
  }
});

test('WebAssembly SIMD runs here, and the switch for tests turns it off', () => {
  // if this fails, forwardBatch silently runs the scalar fallback and the benchmark measures that
  assert.equal(wasmKernelsAvailable(), true);
  assert.ok(WasmKernels.acquire());
  setWasmKernelsEnabled(false);
  assert.equal(WasmKernels.acquire(), undefined);
});

test('dense kernels (WebAssembly and scalar) equal the textbook triple loop bit for bit, on shapes off the tiles', () => {
  const rng = new Rng(20261125);
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 1, 0], [3, 2, 1], [1, 7, 5], [4, 4, 4], [5, 3, 7], [2, 9, 6], [3, 1, 3], [7, 13, 9],
    [16, 16, 8], [17, 5, 33], [31, 33, 10], [64, 2, 37], [6, 0, 5], [1, 64, 4], [33, 17, 1], [0, 3, 4],
  ];
  for (let t = 0; t < 40; t++) shapes.push([1 + rng.int(40), rng.int(40), rng.int(23)]);
  for (const [m, n, batch] of shapes) {
    const W = gaussian(rng, m * n), bias = gaussian(rng, m), X = gaussian(rng, batch * n, 3);
    const want = textbookDense(W, bias, m, n, X, batch);
    const Y = new Float64Array(batch * m).fill(NaN);
    denseBatch(W, bias, m, n, X, batch, Y);
    assertSame(Y, want, `scalar ${m}×${n}, batch ${batch}`);
    assertSame(wasmDense(W, bias, m, n, X, batch), want, `wasm ${m}×${n}, batch ${batch}`);
  }
});

test('dense kernels keep IEEE special values like the textbook loop (NaN, ±Infinity, −0, subnormals)', () => {
  const m = 6, n = 5, batch = 6;
  const W = Float64Array.from({ length: m * n }, (_, i) => [1, -0, 2.5, 5e-324, -1e308, 0.25][i % 6]);
  const bias = Float64Array.of(-0, 0, 1, -1e308, 5e-324, -2);
  const X = Float64Array.from({ length: batch * n }, (_, i) => [0, -0, 3, Infinity, 1e308, -5e-324, NaN, 2][i % 8]);
  const want = textbookDense(W, bias, m, n, X, batch);
  assert.ok(want.some(Number.isNaN) && want.some((v) => v === Infinity || v === -Infinity), 'the case exercises NaN and infinities');
  const Y = new Float64Array(batch * m);
  denseBatch(W, bias, m, n, X, batch, Y);
  assertSame(Y, want, 'scalar');
  assertSame(wasmDense(W, bias, m, n, X, batch), want, 'wasm');
  // all-negative-zero products onto a −0 bias stay −0
  assertSame(wasmDense(Float64Array.of(-0, 0), Float64Array.of(-0), 1, 2, Float64Array.of(1, -1), 1), [-0], 'sign of zero');
});

test('relu and reluBits (WebAssembly) equal `if (!(z > 0)) z = 0` and the pattern bits, across word boundaries', () => {
  const rng = new Rng(7);
  const specials = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1, -1];
  const k = WasmKernels.acquire()!;
  try {
    for (const m of [1, 2, 3, 5, 31, 32, 33, 63, 64, 65, 70, 96, 129]) {
      for (const rows of [0, 1, 2, 5]) {
        const words = (m + 31) >>> 5;
        const Z = Float64Array.from({ length: rows * m }, () => (rng.uniform() < 0.3 ? specials[rng.int(specials.length)] : rng.gaussian()));
        const wantZ = Z.map((z) => (z > 0 ? z : 0));
        const wantBits = new Uint32Array(rows * words);
        for (let b = 0; b < rows; b++) for (let i = 0; i < m; i++) if (Z[b * m + i] > 0) wantBits[b * words + (i >>> 5)] |= 1 << (i & 31);
        const [Zw, Bw, Zr] = k.arrays([rows * m, Math.ceil((rows * words) / 2) + 1, rows * m])!;
        const bits = new Uint32Array(Bw.buffer, Bw.byteOffset, 2 * Bw.length).fill(0xdeadbeef);
        Zw.set(Z);
        Zr.set(Z);
        k.reluBits(Zw, rows, m, bits);
        k.relu(Zr, rows * m);
        assertSame(Zw, wantZ, `reluBits values m=${m} rows=${rows}`);
        assertSame(Zr, wantZ, `relu m=${m} rows=${rows}`);
        assertSame(bits.subarray(0, rows * words), wantBits, `bits m=${m} rows=${rows}`);
        assert.equal(bits[rows * words], 0xdeadbeef, 'nothing written past the last word');
      }
    }
  } finally {
    k.release();
  }
});

/** AffineStep's scalar loop: pre = ((a·x) + s·mx) + t·v per entry, out = `if (!(pre > 0)) 0`, and the count of those */
function mixReference(x: Float64Array, mx: Float64Array, v: Float64Array, a: number, s: number, t: number, useM: boolean, useV: boolean, relu: boolean) {
  const m = x.length, pre = new Float64Array(m), out = new Float64Array(m);
  let inactive = 0;
  for (let i = 0; i < m; i++) {
    let y = a * x[i];
    if (useM) y += s * mx[i];
    if (useV) y += t * v[i];
    pre[i] = y;
    if (!relu || y > 0) out[i] = y;
    else { out[i] = 0; inactive++; }
  }
  return { pre, out, inactive };
}

test('affineMixRows (WebAssembly) equals ((a·x) + s·Mx) + t·v and `if (!(y > 0)) y = 0` per entry of every row, with each row\'s inactive count', () => {
  const rng = new Rng(9);
  const specials = [0, -0, NaN, Infinity, -Infinity, 5e-324, 1, -1];
  const k = WasmKernels.acquire()!;
  try {
    for (const m of [1, 2, 3, 16, 17, 64, 65]) {
      for (const [useM, useV, relu] of [[true, true, true], [true, false, true], [false, true, true], [true, true, false], [false, false, true]] as const) {
        const rows = 3;
        const M = rng.fillGaussian(new Float64Array(m * m));
        const v = rng.fillGaussian(new Float64Array(m));
        const [a, s, t] = [1, rng.gaussian(), rng.gaussian()];
        const [X, MX, vw, PRE, OUT, words] = k.arrays([rows * m, rows * m, m, rows * m, rows * m, 2])!;
        const counts = new Int32Array(words.buffer, words.byteOffset, rows);
        vw.set(v);
        PRE.fill(7); OUT.fill(7);
        const want = Array.from({ length: rows }, (_, r) => {
          const x = Float64Array.from({ length: m }, () => (rng.uniform() < 0.2 ? specials[rng.int(specials.length)] : rng.gaussian()));
          const mx = new Float64Array(m);
          dotsScalar(M, m, m, x, mx);
          X.set(x, r * m);
          MX.set(mx, r * m);
          return mixReference(x, mx, v, a, s, t, useM, useV, relu);
        });
        k.affineMixRows(X, MX, vw, PRE, OUT, m, rows, a, s, t, useM, useV, relu, counts);
        want.forEach((w, r) => {
          const what = `m=${m} useM=${useM} useV=${useV} relu=${relu} row ${r}`;
          assertSame(PRE.subarray(r * m, (r + 1) * m), w.pre, `pre ${what}`);
          assertSame(OUT.subarray(r * m, (r + 1) * m), w.out, `out ${what}`);
          assert.equal(counts[r], w.inactive, `inactive ${what}`);
        });
      }
    }
  } finally {
    k.release();
  }
});

test('WebAssembly kernels refuse views from elsewhere, short views, and memory past 4 GiB', () => {
  const k = WasmKernels.acquire()!;
  try {
    const [P, B, X, Y] = k.arrays([8, 4, 8, 8])!;
    assert.throws(() => k.dense(P, B, 1, 2, new Float64Array(8), 4, Y), { message: 'WasmKernels: array is not a view from arrays() (or memory grew since)' });
    assert.throws(() => k.dense(P, B, 1, 2, X, 8, Y), { name: 'RangeError', message: 'WasmKernels: array of 8 numbers, the kernel touches 16' });
    assert.throws(() => k.dense(P, B, 1, 2, X, 3, Y), { name: 'RangeError', message: 'WasmKernels.dense: rows must be a multiple of 4, got 3' });
    // a request past wasm32's address space is refused before any allocation
    assert.equal(k.arrays([2 ** 29, 2]), undefined);
  } finally {
    k.release();
  }
});

test('arraysKeeping copies a source once and keeps it across calls until arrays() or the budget starts over', () => {
  const k = WasmKernels.acquire()!;
  try {
    const a = Float64Array.from([1, 2, 3]), b = Float64Array.from([4, 5]);
    const [A, B, S] = k.arraysKeeping([a, b], [4])!;
    assert.deepEqual([...A], [1, 2, 3]);
    assert.deepEqual([...B], [4, 5]);
    assert.equal(S.length, 4);
    S.fill(7);
    // kept: the same places, not copied again (a change to the source is not seen: the caller promises none)
    a[0] = 100;
    const [B2, A2, S2] = k.arraysKeeping([b, a], [2])!;
    assert.equal(A2.byteOffset, A.byteOffset);
    assert.equal(B2.byteOffset, B.byteOffset);
    assert.equal(A2[0], 1);
    assert.ok(S2.byteOffset >= B.byteOffset + 16, 'scratch after the kept arrays');
    // arrays() lays out from 0 and forgets: the next keeping call copies again
    k.arrays([8])![0].fill(0);
    const [A3] = k.arraysKeeping([a], [])!;
    assert.equal(A3[0], 100);
    a[0] = 1;
  } finally {
    k.release();
  }
});

test('arraysKeeping fills a KeptSource in place once, and again only after arrays() forgot it', () => {
  const k = WasmKernels.acquire()!;
  try {
    let fills = 0;
    const source = { length: 5, fill(view: Float64Array) { fills++; for (let i = 0; i < view.length; i++) view[i] = 10 + i; } };
    const [A, S] = k.arraysKeeping([source], [3])!;
    assert.deepEqual([...A], [10, 11, 12, 13, 14]);
    assert.equal(S.length, 3);
    const [A2] = k.arraysKeeping([source], [])!;
    assert.equal(A2.byteOffset, A.byteOffset);
    assert.equal(fills, 1, 'kept: not filled again');
    k.arrays([8]);
    k.arraysKeeping([source], []);
    assert.equal(fills, 2);
  } finally {
    k.release();
  }
});

// ---- forwardBatch on both engines against a textbook forward pass ----

/** the kernels' networks: biases N(0, 0.1²) */
const randomNetwork = (seed: number, dim: number, plan: readonly (number | { res: number[] })[], outDim: number) => randomNetworkOf(seed, dim, plan, outDim, 0.1);

/** One sample through the network, sums in order of j: every unit's post-activation values. */
function textbookUnits(net: Network, x: Float64Array): Float64Array[] {
  const out: Float64Array[] = [];
  const dense = (l: DenseLayer, v: Float64Array) => {
    const z = textbookDense(l.weights.data, l.bias, l.weights.rows, l.weights.cols, v, 1);
    const y = l.activation === 'relu' ? z.map((a) => (a > 0 ? a : 0)) : z;
    out.push(y);
    return y;
  };
  let v = x;
  for (let k = 0; k < net.depth; k++) {
    const layer = net.layer(k);
    if (layer.kind === 'dense') { v = dense(layer, v); continue; }
    let r = v;
    for (const bl of layer.branch) r = dense(bl, r);
    const s = v.map((a, i) => a + r[i]);
    v = layer.activation === 'relu' ? s.map((a) => (a > 0 ? a : 0)) : s;
    out.push(v);
  }
  return out;
}

function checkAgainstTextbook(net: Network, X: Float64Array, batch: number, res: BatchResult, what: string): void {
  const d = net.input.dim;
  const relu = reluUnits(net);
  for (let b = 0; b < batch; b++) {
    const units = textbookUnits(net, X.subarray(b * d, (b + 1) * d));
    const last = units.length ? units[units.length - 1] : X.subarray(b * d, (b + 1) * d);
    assertSame(res.output.subarray(b * res.outputDim, (b + 1) * res.outputDim), last, `${what}: output of sample ${b}`);
    assert.equal(res.activations!.length, units.length);
    let p = 0;
    units.forEach((u, i) => {
      assertSame(res.activations![i].subarray(b * u.length, (b + 1) * u.length), u, `${what}: unit ${i} of sample ${b}`);
      if (!relu[i]) return;
      const words = (u.length + 31) >>> 5;
      const want = new Uint32Array(words);
      for (let j = 0; j < u.length; j++) if (u[j] > 0) want[j >>> 5] |= 1 << (j & 31);
      assertSame(res.patterns![p].subarray(b * words, (b + 1) * words), want, `${what}: pattern of unit ${i}, sample ${b}`);
      p++;
    });
    assert.equal(res.patterns!.length, p);
  }
}

/** per unit in network order (branch layers, then the outer unit of a block): is it a ReLU unit */
function reluUnits(net: Network): boolean[] {
  const flags: boolean[] = [];
  for (let k = 0; k < net.depth; k++) {
    const l = net.layer(k);
    if (l.kind === 'dense') flags.push(l.activation === 'relu');
    else { for (const bl of l.branch) flags.push(bl.activation === 'relu'); flags.push(l.activation === 'relu'); }
  }
  return flags;
}

function bothEngines(net: Network, X: Float64Array, batch: number, options = {}): [BatchResult, BatchResult] {
  const wasm = forwardBatch(net, X, batch, { activations: true, ...options });
  setWasmKernelsEnabled(false);
  try {
    return [wasm, forwardBatch(net, X, batch, { activations: true, ...options })];
  } finally {
    setWasmKernelsEnabled(true);
  }
}

test('forwardBatch: both engines give the textbook outputs, activations and patterns exactly (dense and residual, odd shapes)', () => {
  const plans: [number, number, (number | { res: number[] })[], number][] = [
    [1, 1, [1], 1],
    [2, 2, [16, 16, 16], 1],
    [3, 6, [5, { res: [2] }, 33, { res: [40, 7] }], 2],
    [4, 1, [{ res: [1] }, 3, { res: [] }], 1],
    [5, 64, [64, 64], 0],
    [6, 3, [], 0],
    [7, 9, [{ res: [13, 2, 5] }, { res: [4] }], 3],
    [8, 70, [65, 31, 32], 1],
  ];
  for (const [seed, dim, plan, outDim] of plans) {
    const net = randomNetwork(seed, dim, plan, outDim);
    for (const batch of [0, 1, 2, 3, 4, 5, 37]) {
      const X = gaussian(new Rng(seed * 100 + batch), batch * dim, 2);
      const before = X.slice();
      const [wasm, scalar] = bothEngines(net, X, batch);
      assertSame(X, before, 'inputs are read, never written');
      const what = `seed ${seed}, batch ${batch}`;
      checkAgainstTextbook(net, X, batch, wasm, `${what} (wasm)`);
      checkAgainstTextbook(net, X, batch, scalar, `${what} (scalar)`);
      assert.equal(wasm.patterns!.length, scalar.patterns!.length);
      wasm.patterns!.forEach((p, i) => assertSame(p, scalar.patterns![i], `${what}: patterns of unit ${i}`));
      assertSame(wasm.hashes!, scalar.hashes!, `${what}: hashes`);
      // the lean call (no activations kept, buffers reused) gives the same
      const lean = forwardBatch(net, X, batch);
      assertSame(lean.output, wasm.output, `${what}: lean output`);
      assertSame(lean.hashes!, wasm.hashes!, `${what}: lean hashes`);
      assert.equal(lean.activations, undefined);
    }
  }
});

test('forwardBatch: a batch of several slabs (a unit of width 16384 leaves 64 samples per slab) matches the textbook pass', () => {
  // 2 → 16384 → 3: slabs of 2^20 numbers / 16384 = 64 samples; 150 samples = 64 + 64 + 22
  const net = randomNetwork(11, 2, [16384], 3);
  const batch = 150;
  const X = gaussian(new Rng(12), batch * 2);
  const [wasm, scalar] = bothEngines(net, X, batch);
  checkAgainstTextbook(net, X, batch, wasm, 'wasm');
  checkAgainstTextbook(net, X, batch, scalar, 'scalar');
});

test('forwardBatch: progress runs across slabs, cancellation stops it, and a nested call from a progress callback is independent', () => {
  const net = randomNetwork(13, 2, [16384], 1);
  const inner = randomNetwork(14, 3, [5, { res: [4] }], 2);
  const Xi = gaussian(new Rng(15), 3 * 9);
  const wantInner = forwardBatch(inner, Xi, 9);
  const batch = 200;
  const X = gaussian(new Rng(16), batch * 2);
  const want = forwardBatch(net, X, batch);
  const fractions: number[] = [];
  let nested: BatchResult | undefined;
  const ctx: AnalysisContext = {
    progress: (f) => {
      fractions.push(f);
      // a computation started from a progress callback must not disturb the running one
      if (!nested) nested = forwardBatch(inner, Xi, 9);
    },
    isCancelled: () => false,
  };
  const got = forwardBatch(net, X, batch, {}, ctx);
  assertSame(got.output, want.output, 'outer output');
  assertSame(got.hashes!, want.hashes!, 'outer hashes');
  assertSame(nested!.output, wantInner.output, 'nested output');
  // 4 slabs of 64, 64, 64, 8 samples (one checkpoint each at layer 1), then done
  assert.deepEqual(fractions, [0, 64 / 200, 128 / 200, 192 / 200, 1]);
  let calls = 0;
  const cancelling: AnalysisContext = { progress: () => undefined, isCancelled: () => ++calls > 2 };
  assert.throws(() => forwardBatch(net, X, batch, {}, cancelling), { name: 'CancelledError' });
  assert.equal(calls, 3, 'stopped at the third slab');
});

test('firstNonFinite: the index of the first NaN, +∞ or −∞ (or −1), for every length 0–40 and every position, inside or after the 8-number blocks; huge finite numbers and −0 are finite', () => {
  const k = WasmKernels.acquire();
  assert.ok(k, 'WebAssembly SIMD kernels are available in Node 20');
  try {
    const [A] = k.arrays([48])!;
    const rng = new Rng(5);
    for (let count = 0; count <= 40; count++) {
      rng.fillUniform(A, -1, 1);
      A[0] = Number.MAX_VALUE; A[1] = -0; A[2] = -Number.MAX_VALUE; A[3] = Number.MIN_VALUE;
      // numbers past `count` are never looked at
      A[count] = NaN;
      assert.equal(k.firstNonFinite(A, count), -1, `${count} finite numbers`);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (let at = 0; at < count; at++) {
          const keep = A[at];
          A[at] = bad;
          if (at + 2 < count) A[at + 2] = NaN; // a later one does not count
          assert.equal(k.firstNonFinite(A, count), at, `${bad} at ${at} of ${count}`);
          A[at] = keep;
          if (at + 2 < count) A[at + 2] = 0.25;
        }
      }
    }
  } finally {
    k.release();
  }
});

test('maxAbs: the largest |a_i| (−0 and +0 give +0), NaN when any entry is NaN, +∞ when any is ±∞, for every length 0–20 and every position of the largest, inside or after the 4-number blocks', () => {
  const k = WasmKernels.acquire();
  assert.ok(k, 'WebAssembly SIMD kernels are available in Node 20');
  try {
    const [A] = k.arrays([24])!;
    const rng = new Rng(6);
    for (let count = 0; count <= 20; count++) {
      rng.fillUniform(A, -1, 1);
      A[count] = 1e300; // past `count`: never looked at
      let want = 0;
      for (let i = 0; i < count; i++) want = Math.max(want, Math.abs(A[i]));
      assert.equal(k.maxAbs(A, count), want, `${count} numbers`);
      for (let at = 0; at < count; at++) {
        const keep = A[at];
        for (const [v, expected] of [[-7.5, 7.5], [Infinity, Infinity], [-Infinity, Infinity], [NaN, NaN]] as const) {
          A[at] = v;
          assert.ok(Object.is(k.maxAbs(A, count), expected), `${v} at ${at} of ${count}: got ${k.maxAbs(A, count)}`);
        }
        A[at] = keep;
      }
    }
    A.fill(-0);
    assert.ok(Object.is(k.maxAbs(A, 9), 0), 'all −0: +0');
  } finally {
    k.release();
  }
});

test('sgdPasses (the mean-field SGD step on WebAssembly): dots4 = dotScalar on each of four rows, rows4 = v_r = w_r + c_r·δ stored and z += (v_a·n_a + v_b·n_b) + (v_c·n_c + v_d·n_d), bit for bit with special values, odd and even widths; blocks past the last row are refused', () => {
  const k = WasmKernels.acquire();
  assert.ok(k, 'WebAssembly SIMD kernels are available in Node 20');
  try {
    const rng = new Rng(12);
    const specials = [NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, -Number.MAX_VALUE];
    for (const n2 of [1, 2, 3, 7, 8, 33]) {
      const n1 = 9;
      const [W2, delta, z, coef, back]: Float64Array[] = k.arrays([n1 * n2, n2, n2, 8, 4])!;
      rng.fillUniform(W2, -2, 2); rng.fillUniform(delta, -1, 1); rng.fillUniform(z, -1, 1); rng.fillUniform(coef, -1, 1);
      // a few IEEE special values in the weights, δ, z and the coefficients
      for (const a of [W2, delta, z]) for (let s = 0; s < 3; s++) a[rng.int(a.length)] = specials[rng.int(specials.length)];
      coef[rng.int(8)] = -0;
      const passes = k.sgdPasses(W2, n1, n2, delta, z, coef, back);
      for (const row of [0, 4, 5]) {
        const W = W2.slice(), Z = z.slice();
        const wantBack = [0, 1, 2, 3].map((r) => dotScalar(W, row + r, n2, delta));
        passes.dots4(row);
        for (let r = 0; r < 4; r++) assert.ok(Object.is(back[r], wantBack[r]), `n2 = ${n2}, row ${row + r}: back ${back[r]} ≠ ${wantBack[r]}`);
        const o = [0, 1, 2, 3].map((r) => (row + r) * n2);
        for (let i = 0; i < n2; i++) {
          const v = [0, 1, 2, 3].map((r) => W[o[r] + i] + coef[r] * delta[i]);
          for (let r = 0; r < 4; r++) W[o[r] + i] = v[r];
          Z[i] += (v[0] * coef[4] + v[1] * coef[5]) + (v[2] * coef[6] + v[3] * coef[7]);
        }
        passes.rows4(row);
        assert.equal(firstDifference(W2, W), -1, `n2 = ${n2}, rows ${row}..${row + 3}: W2 at ${firstDifference(W2, W)}`);
        assert.equal(firstDifference(z, Z), -1, `n2 = ${n2}, rows ${row}..${row + 3}: z at ${firstDifference(z, Z)}`);
      }
      assert.throws(() => passes.dots4(6), { name: 'RangeError', message: 'sgdPasses: rows 6..9 of 9' });
      assert.throws(() => passes.rows4(6), { name: 'RangeError', message: 'sgdPasses: rows 6..9 of 9' });
    }
    assert.throws(() => k.sgdPasses(new Float64Array(8), 2, 4, ...k.arrays([4, 4, 8, 4])! as [Float64Array, Float64Array, Float64Array, Float64Array]),
      { message: 'WasmKernels: array is not a view from arrays() (or memory grew since)' });
  } finally {
    k.release();
  }
});
