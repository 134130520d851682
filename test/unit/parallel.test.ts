/**
 * The thread pool (src/worker/pool.ts over src/core/parallel.ts): Monte Carlo samples and per-layer
 * norms (dense layers and convolutions) are the same bits on 1, 2 and 4 threads (chunks depend on the inputs only, each writes its
 * own entries), the helpers really take chunks, a failing chunk's error reaches the caller, and a
 * cancelled run stops.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { NodeThreadPool } from '../../src/worker/pool';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { FolderFiles, parseNetworkText } from '../../src/core/network/parse';
import { nodeFileSystem } from '../../src/worker/nodeFiles';
import { forwardBatch } from '../../src/core/activation/batch';
import { forward } from '../../src/core/network/forward';
import { registerTask, runChunks, setParallelRunner } from '../../src/core/parallel';
import { CancelledError, silentContext } from '../../src/core/context';
import { simulateAngles, startSimulation } from '../../src/core/degeneracy/simulate';
import { predictDensity } from '../../src/core/degeneracy/density';
import { runDegeneracy } from '../../src/core/degeneracy/analysis';
import { spectralNorms, precomputeLayerNorms, cachedNormWminusI, warmChunkSize, WARM_CHUNK } from '../../src/core/linalg/layerNorms';
import { lanczosSpectralNorm } from '../../src/core/linalg/lanczos';
import { Rng } from '../../src/core/rng';
import { setWasmKernelsEnabled } from '../../src/core/kernels/wasm';
import type { DenseMatrix } from '../../src/core/linalg/dense';
import { explicitNetwork, type DenseLayer, type Network } from '../../src/core/network/model';
import { Conv2d } from '../../src/core/conv/conv2d';
import { layerNorms, parallelLayerNorms } from '../../src/core/conv/layerNorms';
import { slicePartition } from '../../src/core/regions/partition';
import { newWork } from '../../src/core/regions/limits';
import type { RegionsParams, RegionsResult } from '../../src/shared/analyses/activations';
import { randomNetwork } from './random-networks';

const script = path.join(__dirname, '..', '..', 'src', 'worker', 'poolWorker.ts');
const pools = [1, 3].map((helpers) => new NodeThreadPool({ helpers, script, typescript: true }));
// every chunk on the helper: proves the helpers' side of the protocol without a race against the
// calling thread, which on a busy machine can finish all chunks before a helper is scheduled
const helperOnly = new NodeThreadPool({ helpers: 1, script, typescript: true, callerTakesChunks: false });
pools.push(helperOnly);
after(async () => {
  setParallelRunner(undefined);
  await Promise.all(pools.map((p) => p.close()));
});

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}: index ${i}: ${a[i]} vs ${b[i]}`);
}

/** the same computation with no pool, then with each pool; returns the results in that order */
function onEveryPool<T>(run: () => T): { result: T; helped: number; chunks: number }[] {
  setParallelRunner(undefined);
  const out = [{ result: run(), helped: 0, chunks: 0 }];
  for (const p of pools) {
    setParallelRunner(p);
    try {
      out.push({ result: run(), helped: p.lastRunHelped, chunks: p.lastRunChunks });
    } finally {
      setParallelRunner(undefined);
    }
  }
  return out;
}

test('Monte Carlo samples: the same bits on 1, 2 and 4 threads and on helpers alone (chain and full networks), the helpers taking chunks', () => {
  const chain = onEveryPool(() => simulateAngles({ widths: Array(9).fill(256), theta0: 0.1, trials: 6000, seed: 7, mode: 'chain' }));
  for (const r of chain.slice(1)) sameBits(r.result.lnSin2, chain[0].result.lnSin2, 'chain');
  const alone = chain[pools.indexOf(helperOnly) + 1];
  assert.ok(alone.chunks > 1, `the run is split into chunks (${alone.chunks})`);
  assert.equal(alone.helped, alone.chunks, 'the helper-only pool ran every chunk on its helper');
  // a large angle at a small width: most draws go through the binomial counts and the wedge samples
  const wide = onEveryPool(() => simulateAngles({ widths: Array(6).fill(16), theta0: 2.5, trials: 3000, seed: 8, mode: 'chain' }));
  for (const r of wide.slice(1)) sameBits(r.result.lnSin2, wide[0].result.lnSin2, 'chain at θ⁰ = 2.5');
  const nets = onEveryPool(() => simulateAngles({ widths: [4, 32, 32, 32], theta0: 0.5, trials: 200, seed: 3, mode: 'network' }));
  for (const r of nets.slice(1)) sameBits(r.result.lnSin2, nets[0].result.lnSin2, 'networks');
});

test('per-layer spectral norms: the same bits on any number of threads, each within the 1e-10 certificate of a cold 1e-13 run', () => {
  const rng = new Rng(61);
  const n = 64;
  const mats: DenseMatrix[] = [];
  let w = rng.fillGaussian(new Float64Array(n * n), 0, 0.1);
  // 50 layers: chunks of warmChunkSize(50) = 2, so every other layer starts warm
  assert.equal(warmChunkSize(50), 2);
  for (let k = 0; k < 50; k++) {
    // consecutive layers close to each other, as in a deep network
    w = w.map((x) => x + 0.01 * rng.gaussian());
    const d = w.slice();
    for (let i = 0; i < n; i++) d[i * n + i] += 1;
    mats.push({ rows: n, cols: n, data: d });
  }
  const runs = onEveryPool(() => spectralNorms(mats, { minusIdentity: true }));
  for (const r of runs.slice(1)) sameBits(r.result, runs[0].result, 'norms');
  mats.forEach((m, k) => {
    const d = m.data.slice();
    for (let i = 0; i < n; i++) d[i * n + i] -= 1;
    const exact = lanczosSpectralNorm({ rows: n, cols: n, data: d }).value;
    assert.ok(Math.abs(runs[0].result[k] - exact) <= 1e-10 * exact, `layer ${k}: ${runs[0].result[k]} vs ${exact}`);
  });
});

test('spectralNorms of matrices past the Lanczos range (entries 2^450, 2^-450, an ∞, a NaN; 64×64 > the exact-SVD size): the rescaling path, σ scaled exactly, ∞ and NaN reported, on every pool', () => {
  const n = 64;
  const base = new Rng(77).fillGaussian(new Float64Array(n * n));
  const scaled = (f: number) => base.map((x) => x * f);
  const withAt = (v: number) => { const d = base.slice(); d[5 * n + 7] = v; return d; };
  const mats = [base, scaled(2 ** 450), scaled(2 ** -450), withAt(Infinity), withAt(NaN)].map((data) => ({ rows: n, cols: n, data }));
  const runs = onEveryPool(() => spectralNorms(mats));
  for (const r of runs.slice(1)) sameBits(r.result, runs[0].result, 'norms');
  const [s, big, small, inf, nan] = runs[0].result;
  // a power of two scales every entry and σ exactly: the same Lanczos run up to that power
  assert.ok(Math.abs(big / 2 ** 450 - s) <= 1e-10 * s, `2^450: ${big / 2 ** 450} vs ${s}`);
  assert.ok(Math.abs(small / 2 ** -450 - s) <= 1e-10 * s, `2^-450: ${small / 2 ** -450} vs ${s}`);
  assert.equal(inf, Infinity);
  assert.ok(Number.isNaN(nan), `NaN entry: ${nan}`);
});

test('warm chunks: WARM_CHUNK layers each, fewer when that would leave under 24 chunks to share between threads', () => {
  assert.deepEqual([1, 23, 24, 47, 48, 71, 72, 95, 96, 10000].map(warmChunkSize), [1, 1, 1, 1, 2, 2, 3, 3, 4, WARM_CHUNK]);
});

test('precomputeLayerNorms caches ‖W − I‖₂ of the explicit square layers (the convergence terms look them up)', () => {
  const rng = new Rng(67);
  const layer = (m: number, k: number): DenseLayer => ({ kind: 'dense', weights: { rows: m, cols: k, data: rng.fillGaussian(new Float64Array(m * k)) }, bias: new Float64Array(m), activation: 'relu' });
  const layers = [layer(60, 60), layer(60, 60), layer(30, 60), layer(2, 30)];
  const net = explicitNetwork({ dim: 60, probes: [] }, layers);
  assert.equal(precomputeLayerNorms(net, silentContext), 2);
  assert.equal(precomputeLayerNorms(net, silentContext), 0, 'already cached');
  const d = layers[0].weights.data.slice();
  for (let i = 0; i < 60; i++) d[i * 60 + i] -= 1;
  const exact = lanczosSpectralNorm({ rows: 60, cols: 60, data: d }).value;
  assert.ok(Math.abs(cachedNormWminusI(layers[0].weights)! - exact) <= 1e-10 * exact);
  assert.equal(cachedNormWminusI(layers[2].weights), undefined, 'not square');
});

test('a chunk that throws on a helper fails the run with its message; a cancelled run throws CancelledError', () => {
  const p = pools[0];
  setParallelRunner(p);
  try {
    // a task input no chunk can use (null matrices): whichever thread takes a chunk first fails, and the run reports it
    const input = { data: Array(40).fill(null), rows: Array(40).fill(60), cols: Array(40).fill(60), minusIdentity: true, tolerance: 1e-10, chunkSize: 4, out: new Float64Array(40) };
    // (several times, with few and many chunks: the failing chunk is sometimes the caller's, sometimes a helper's)
    for (const chunks of [2, 2, 3, 10, 10]) assert.throws(() => runChunks('linalg.layer-norms', input, chunks, silentContext), /Cannot convert undefined or null to object/);
    // cancelled once a chunk is done: a fixed count of polls was flaky (CI, slowness 1.6: the helper took
    // the chunks while the caller polled fewer times than that, and the run finished uncancelled)
    const cancelAfterProgress = () => {
      let progressed = false;
      return { progress: () => { progressed = true; }, isCancelled: () => progressed };
    };
    const long = { widths: Array(9).fill(64), theta0: 0.3, trials: 200_000, seed: 1, mode: 'chain' as const };
    assert.throws(() => simulateAngles(long, cancelAfterProgress()), CancelledError);
    // on the helper-only pool the failing chunk is certainly a helper's, and a waiting caller still cancels
    setParallelRunner(helperOnly);
    assert.throws(() => runChunks('linalg.layer-norms', input, 4, silentContext), /^Error: a helper thread failed: .*Cannot convert undefined or null to object/);
    assert.throws(() => simulateAngles(long, cancelAfterProgress()), CancelledError);
  } finally {
    setParallelRunner(undefined);
  }
});

test('a started Monte Carlo (startSimulation) gives the same bits when finished after other work; an aborted one leaves the pool usable', () => {
  const opts = { widths: Array(9).fill(128), theta0: 0.2, trials: 4000, seed: 12, mode: 'chain' } as const;
  setParallelRunner(undefined);
  const reference = simulateAngles(opts).lnSin2;
  for (const p of pools) {
    setParallelRunner(p);
    try {
      const run = startSimulation(opts);
      // this thread is busy elsewhere while the helpers take trials
      predictDensity(0.2, Array(8).fill(128), { xMin: -15, xMax: 0, points: 3001 });
      sameBits(run.finish().lnSin2, reference, 'started, then finished');
      startSimulation(opts).abort();
      sameBits(simulateAngles(opts).lnSin2, reference, 'after an aborted run');
      const twice = startSimulation(opts);
      twice.finish();
      assert.throws(() => twice.finish(), /finished or aborted twice/);
    } finally {
      setParallelRunner(undefined);
    }
  }
  // and without a runner, start-then-finish is the plain run
  sameBits(startSimulation(opts).finish().lnSin2, reference, 'no runner');
});

test('runDegeneracy cancelled while computing the density (the Monte Carlo already started on the helpers) throws CancelledError and stops the helpers', () => {
  setParallelRunner(pools[0]);
  try {
    let polls = 0;
    assert.throws(() => runDegeneracy({ widths: Array(33).fill(256), theta0: 0.1, trials: 20000, seed: 1 }, {
      progress: () => undefined,
      isCancelled: () => ++polls > 3,
    }), CancelledError);
    // the pool is free again: a fresh run gives the single-thread bits
    const opts = { widths: Array(5).fill(64), theta0: 0.5, trials: 2000, seed: 4, mode: 'chain' } as const;
    const pooled = simulateAngles(opts).lnSin2;
    setParallelRunner(undefined);
    sameBits(pooled, simulateAngles(opts).lnSin2, 'after a cancelled analysis');
  } finally {
    setParallelRunner(undefined);
  }
});

test('conv operator norms (parallelLayerNorms): the same bits as layerNorms one by one on any number of threads, in order as they come; a wrong input shape is the caller\'s error; cancelled on helpers alone', () => {
  const rng = new Rng(14);
  const conv = (o: ConstructorParameters<typeof Conv2d>[0]) => new Conv2d(o);
  const weights = (n: number) => Array.from({ length: n }, () => rng.gaussian() * 0.2);
  const jobs = [
    { conv: conv({ inChannels: 6, outChannels: 6, kernelSize: 3, padding: 1, weight: weights(6 * 6 * 9), bias: weights(6), name: 'same' }), inShape: [6, 12, 12] as const },
    { conv: conv({ inChannels: 6, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, weight: weights(8 * 6 * 9), name: 'down' }), inShape: [6, 12, 12] as const },
    { conv: conv({ inChannels: 3, outChannels: 8, kernelSize: 7, stride: 2, padding: 3, weight: weights(8 * 3 * 49), name: 'stem' }), inShape: [3, 20, 20] as const },
    { conv: conv({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, paddingMode: 'circular', weight: weights(4 * 4 * 9), name: 'torus' }), inShape: [4, 8, 8] as const },
    { conv: conv({ inChannels: 8, outChannels: 8, kernelSize: 3, padding: 1, groups: 4, weight: weights(8 * 2 * 9), name: 'grouped' }), inShape: [8, 6, 6] as const },
    { conv: conv({ inChannels: 6, outChannels: 6, kernelSize: 1, weight: weights(36), name: 'pointwise' }), inShape: [6, 5, 5] as const },
  ];
  const one = jobs.map((j) => layerNorms(j.conv, j.inShape, { tolerance: 1e-12 }));
  assert.deepEqual(one.map((n) => n.minusIdentity !== undefined), [true, false, false, true, true, true]);
  assert.equal(one[3].spectral.method, 'fft');
  const runs = onEveryPool(() => {
    const seen: number[] = [];
    const norms = parallelLayerNorms(jobs, { tolerance: 1e-12 }, (i) => seen.push(i));
    return { norms, seen };
  });
  for (const r of runs) {
    assert.deepEqual(r.result.seen, [0, 1, 2, 3, 4, 5], 'onDone in job order');
    r.result.norms.forEach((n, i) => {
      assert.equal(n.name, one[i].name);
      assert.deepEqual(n.outShape, one[i].outShape);
      assert.ok(Object.is(n.biasNorm, one[i].biasNorm), `${n.name}: ‖b‖`);
      for (const key of ['value', 'residual', 'steps', 'converged', 'method'] as const) {
        assert.ok(Object.is(n.spectral[key], one[i].spectral[key]), `${n.name}: ‖W‖₂ ${key}: ${n.spectral[key]} vs ${one[i].spectral[key]}`);
        assert.ok(Object.is(n.minusIdentity?.[key], one[i].minusIdentity?.[key]), `${n.name}: ‖W − I‖₂ ${key}`);
      }
    });
  }
  const alone = runs[pools.indexOf(helperOnly) + 1];
  assert.equal(alone.helped, jobs.length, 'the helper-only pool measured every conv on its helper');
  assert.throws(() => parallelLayerNorms([{ conv: jobs[1].conv, inShape: [5, 12, 12] }]), /^RangeError: down: takes 6 channels, gets 5$/);
  setParallelRunner(helperOnly);
  try {
    let polls = 0;
    const big = conv({ inChannels: 16, outChannels: 16, kernelSize: 3, padding: 1, weight: weights(16 * 16 * 9), name: 'big' });
    assert.throws(() => parallelLayerNorms(Array(4).fill({ conv: big, inShape: [16, 48, 48] }), { tolerance: 1e-14, maxSteps: 400, ctx: { progress: () => undefined, isCancelled: () => ++polls > 3 } }), CancelledError);
  } finally {
    setParallelRunner(undefined);
  }
});

test('a large external float64 matrix comes in through the reused buffer, its pages faulted in by the pool first: the file\'s bits on any number of threads; a NaN past the first megabyte is named by value and byte', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-staged-'));
  try {
    // 1100×1000 float64 = 8.8 MB: above the 4 MiB threshold, not a whole number of 1 MiB buffers
    const rows = 1100, cols = 1000;
    const w = new Rng(71).fillGaussian(new Float64Array(rows * cols));
    const offset = 24;
    const file = new Uint8Array(offset + w.byteLength + 8 * rows);
    file.set(new Uint8Array(w.buffer), offset);
    fs.writeFileSync(path.join(dir, 'w.bin'), file);
    const doc = (weightsOffset: number) => JSON.stringify({ format: 'depth-lens/network@1', input: { dim: cols }, layers: [{ type: 'dense', weights: { file: 'w.bin', dtype: 'float64', shape: [rows, cols], offset: weightsOffset }, activation: 'relu' }] });
    const runs = onEveryPool(() => {
      const r = parseNetworkText(doc(offset), { files: new FolderFiles(dir, nodeFileSystem) });
      assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
      return (r.network!.layer(0) as DenseLayer).weights.data;
    });
    for (const r of runs) sameBits(r.result, w, 'weights');
    assert.equal(runs[3].chunks, 16, 'the last pool run was the page touching, in 16 chunks');
    assert.equal(runs[3].helped, 16, 'all of them on the helper');
    // a NaN at value 300 001 (byte 24 + 2 400 000, in the third 1 MiB piece)
    new DataView(file.buffer).setFloat64(offset + 8 * 300000, NaN, true);
    fs.writeFileSync(path.join(dir, 'w.bin'), file);
    // and −∞ later, in the last (short) piece: the first one is named
    new DataView(file.buffer).setFloat64(offset + 8 * 1099999, -Infinity, true);
    fs.writeFileSync(path.join(dir, 'w.bin'), file);
    // each piece is checked by the SIMD kernel in WebAssembly memory, or by the loop without it
    for (const simd of [true, false]) {
      for (const pool of [undefined, pools[0]]) {
        setParallelRunner(pool);
        setWasmKernelsEnabled(simd);
        try {
          const r = parseNetworkText(doc(offset), { files: new FolderFiles(dir, nodeFileSystem) });
          assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [`layer 1 weights: "w.bin" holds NaN at value 300001 (byte ${offset + 8 * 300000}); weights must be finite`]);
        } finally {
          setParallelRunner(undefined);
          setWasmKernelsEnabled(true);
        }
      }
    }
    new DataView(file.buffer).setFloat64(offset + 8 * 300000, 0.5, true);
    fs.writeFileSync(path.join(dir, 'w.bin'), file);
    for (const simd of [true, false]) {
      setWasmKernelsEnabled(simd);
      try {
        const r = parseNetworkText(doc(offset), { files: new FolderFiles(dir, nodeFileSystem) });
        assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [`layer 1 weights: "w.bin" holds -Infinity at value 1100000 (byte ${offset + 8 * 1099999}); weights must be finite`]);
      } finally {
        setWasmKernelsEnabled(true);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('forwardBatch of a large batch: the same outputs, pattern bits, activations and hashes on any number of threads (residual blocks, widths off the tiles, a batch off the 4-row tiles), the helpers taking chunks', () => {
  const rng = new Rng(73);
  const dense = (m: number, n: number, activation: 'relu' | 'linear'): DenseLayer => ({ kind: 'dense', weights: { rows: m, cols: n, data: rng.fillGaussian(new Float64Array(m * n), 0, Math.sqrt(2 / n)) }, bias: rng.fillUniform(new Float64Array(m), -0.1, 0.1), activation });
  const net = explicitNetwork({ dim: 8, probes: [] }, [
    dense(97, 8, 'relu'),
    { kind: 'residual', branch: [dense(41, 97, 'relu'), dense(97, 41, 'linear')], activation: 'relu' },
    dense(96, 97, 'relu'),
    dense(3, 96, 'linear'),
  ]);
  // 4003 samples × 18 k multiply-adds: above the 2^26 at which the helpers are woken
  const batch = 4003;
  const inputs = rng.fillUniform(new Float64Array(batch * 8), -1, 1);
  const runs = onEveryPool(() => forwardBatch(net, inputs, batch, { activations: true }));
  for (const r of runs.slice(1)) {
    sameBits(r.result.output, runs[0].result.output, 'outputs');
    r.result.patterns!.forEach((p, u) => assert.deepEqual(Array.from(p), Array.from(runs[0].result.patterns![u]), `pattern bits of unit ${u}`));
    r.result.activations!.forEach((a, u) => sameBits(a, runs[0].result.activations![u], `activations of unit ${u}`));
    assert.deepEqual(r.result.hashes, runs[0].result.hashes);
    assert.equal(r.chunks, 16, 'chunks of 252 samples (the last 223)');
  }
  assert.equal(runs[3].helped, 16, 'the helper-only pool ran every chunk');
  // a smaller batch of other inputs reuses the staged copy of the first: none of the first's numbers leak in
  const batch2 = 3800;
  const inputs2 = rng.fillUniform(new Float64Array(batch2 * 8), -2, 2);
  const second = onEveryPool(() => forwardBatch(net, inputs2, batch2));
  for (const r of second.slice(1)) sameBits(r.result.output, second[0].result.output, 'second batch outputs');
  assert.deepEqual(Array.from(second[0].result.output.subarray(0, 3)), Array.from(forward(net, inputs2.subarray(0, 8))));
  // and the one-thread result is the plain per-sample forward pass
  const x = inputs.subarray(5 * 8, 6 * 8);
  const out = Array.from(forward(net, x));
  assert.deepEqual(Array.from(runs[0].result.output.subarray(5 * 3, 6 * 3)), out);
});

test('a task the helpers do not know (its module missing from core/parallelTasks.ts) fails the run with its name; it used to leave a helper-only pool waiting forever', () => {
  registerTask('test.main-thread-only', () => undefined);
  setParallelRunner(helperOnly);
  try {
    assert.throws(() => runChunks('test.main-thread-only', {}, 4, silentContext), /^Error: a helper thread failed: parallel: no task named 'test\.main-thread-only' is registered$/);
    // the pool still serves the next run
    assert.equal(warmChunkSize(50), 2);
    const norms = spectralNorms([{ rows: 60, cols: 60, data: new Rng(5).fillGaussian(new Float64Array(3600)) }, { rows: 60, cols: 60, data: new Rng(6).fillGaussian(new Float64Array(3600)) }]);
    assert.ok(norms.every((x) => x > 10));
  } finally {
    setParallelRunner(undefined);
  }
});

/** Regions compared bit for bit: counts, polygons, hashes, patterns, plane and input maps, work. */
function sameRegions(a: RegionsResult, b: RegionsResult, what: string): void {
  assert.equal(a.regions, b.regions, `${what}: regions`);
  assert.deepEqual(a.perDepth, b.perDepth, `${what}: perDepth`);
  assert.equal(a.mergedZeroArea, b.mergedZeroArea, `${what}: merged`);
  assert.equal(a.polygons?.length, b.polygons?.length);
  a.polygons?.forEach((p, i) => {
    const q = b.polygons![i];
    assert.equal(p.hash, q.hash, `${what}: region ${i} hash`);
    sameBits(p.vertices, q.vertices, `${what}: region ${i} vertices`);
    sameBits(p.plane.A.data, q.plane.A.data, `${what}: region ${i} plane map`);
    sameBits(p.plane.c, q.plane.c, `${what}: region ${i} plane offset`);
    if (p.pattern || q.pattern) assert.deepEqual(Array.from(p.pattern!), Array.from(q.pattern!));
    if (p.input || q.input) { sameBits(p.input!.A.data, q.input!.A.data, `${what}: region ${i} input map`); sameBits(p.input!.c, q.input!.c, `${what}: region ${i} input offset`); }
  });
}

test('exact regions: the same partition bit for bit on any number of threads (dense and residual, counts only and polygons), the helpers carrying whole subtrees', () => {
  const cases: { name: string; net: Network; params: RegionsParams }[] = [
    { name: '2→48³→1 counts', net: randomNetwork(41, 2, [48, 48, 48], 1), params: { box: [-2, 2, -2, 2], polygons: false } },
    { name: '2→48³→1 polygons', net: randomNetwork(41, 2, [48, 48, 48], 1), params: { box: [-2, 2, -2, 2] } },
    { name: '3-D residual', net: randomNetwork(42, 3, [40, { res: [24, 40] }, { res: [40] }], 2), params: { plane: { origin: [0.1, -0.2, 0.3], u: [1, 0.5, 0], v: [0, 1, -1] }, box: [-2, 2, -2, 2] } },
  ];
  for (const c of cases) {
    const runs = onEveryPool(() => { const work = newWork(); return { r: slicePartition(c.net, c.params, silentContext, work), work }; });
    assert.ok(runs[0].result.r.regions > 2000, `${c.name}: ${runs[0].result.r.regions} regions`);
    for (const run of runs.slice(1)) {
      sameRegions(run.result.r, runs[0].result.r, c.name);
      assert.deepEqual(run.result.work, runs[0].result.work, `${c.name}: work counts`);
      assert.equal(run.chunks, 64, `${c.name}: the subtrees went to the pool`);
    }
    assert.equal(runs[3].helped, 64, `${c.name}: the helper-only pool carried every subtree`);
  }
});

test('exact regions on the pool: a limit crossed, a stop at a prefix and a rescale of the state come out as on one thread', () => {
  const net = randomNetwork(41, 2, [48, 48, 48], 1);
  const one = onEveryPool(() => { try { slicePartition(net, { box: [-2, 2, -2, 2], polygons: false, maxRegions: 6000 }); return 'no error'; } catch (e) { return (e as Error).message; } });
  assert.match(one[0].result, /^the slice has more than 6000 regions \(at layer 3\)/);
  // (the subtrees ran on the pool, their sums crossed the cap, and this thread redid the rest)
  for (const r of one.slice(1)) { assert.equal(r.result, one[0].result); assert.equal(r.chunks, 64); }
  const prefix = onEveryPool(() => slicePartition(net, { box: [-2, 2, -2, 2], polygons: false, maxRegions: 6000, prefix: true }));
  assert.equal(prefix[0].result.depth, 2);
  for (const r of prefix.slice(1)) { assert.equal(r.result.stopped, prefix[0].result.stopped); assert.deepEqual(r.result.perDepth, prefix[0].result.perDepth); }
  // outputs of 2^800 after layer 2 need a common rescale, which only the whole partition can choose
  const scales = [2 ** 400, 2 ** 400, 2 ** -790, 1];
  const layers = Array.from({ length: net.depth }, (_, k) => {
    const l = net.layer(k) as DenseLayer;
    return { ...l, weights: { ...l.weights, data: l.weights.data.map((w) => w * scales[k]) }, bias: l.bias.map((b) => b * scales[k]) };
  });
  const scaled = explicitNetwork({ dim: 2, probes: [] }, layers);
  const rescaled = onEveryPool(() => slicePartition(scaled, { box: [-2, 2, -2, 2] }));
  assert.ok(rescaled[0].result.regions > 2000);
  for (const r of rescaled.slice(1)) { sameRegions(r.result, rescaled[0].result, 'rescaled'); assert.equal(r.chunks, 64); }
});
