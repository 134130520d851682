/**
 * Activations: batched forward + pattern extraction (ours vs numpy doing the same matrix products,
 * ReLU and bit packing on the same weights and inputs), and the exact 2-D slice partition of a
 * 2→32→32→32→1 network (no numpy counterpart; ours only, with the region count).
 * Ours runs the WebAssembly SIMD kernels, a large batch on every thread of the pool (each row says how
 * many); one row repeats a case on the scalar JavaScript fallback, on one thread.
 */
import { timeBest, timeStats, runNumpyThreads, type BenchRow, type BenchSuite } from '../harness';
import { Rng } from '../../src/core/rng';
import { explicitNetwork, type DenseLayer, type Network } from '../../src/core/network/model';
import { forwardBatch, forwardBatchThreads } from '../../src/core/activation/batch';
import { parallelRunner, setParallelRunner } from '../../src/core/parallel';
import { setWasmKernelsEnabled, wasmKernelsAvailable } from '../../src/core/kernels/wasm';
import { slicePartition } from '../../src/core/regions/partition';
import { f64x2PeakGflops, nativeVectorUnits } from '../peak';

const F64X2_PEAK_GFLOPS = f64x2PeakGflops;

function heLayer(rng: Rng, m: number, n: number, relu: boolean): DenseLayer {
  const w = new Float64Array(m * n);
  rng.fillGaussian(w, 0, Math.sqrt(2 / n));
  const b = new Float64Array(m);
  rng.fillGaussian(b, 0, 0.1);
  return { kind: 'dense', weights: { rows: m, cols: n, data: w }, bias: b, activation: relu ? 'relu' : 'linear' };
}

function mlp(seed: number, widths: number[], linearLast: boolean): Network {
  const rng = new Rng(seed);
  const layers: DenseLayer[] = [];
  for (let k = 1; k < widths.length; k++) layers.push(heLayer(rng, widths[k], widths[k - 1], !(linearLast && k === widths.length - 1)));
  return explicitNetwork({ dim: widths[0], probes: [] }, layers);
}

interface NumpyCase { ms: number; activeBits: number; outputSum: number }

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

export const suite: BenchSuite = {
  name: 'activations',
  run(): BenchRow[] {
    const batch = 4096;
    const cases: { name: string; net: Network; inputs: Float64Array }[] = [];
    for (const w of [16, 64, 256, 512, 1024]) {
      for (const shape of w > 256 ? [[w, w, w]] : [[2, w, w, w, 1], [w, w, w]]) {
        const net = mlp(1000 + w + shape.length, shape, shape.length === 5);
        const inputs = new Float64Array(batch * shape[0]);
        new Rng(7 + w).fillUniform(inputs, -1, 1);
        cases.push({ name: `forward+patterns ${batch}×(${shape.join('→')})`, net, inputs });
      }
    }
    // small cases take ~1 ms: many repeats so both sides reach their best (JIT tiers, caches, a busy machine)
    const repeatsFor = (width: number) => (width >= 512 ? 3 : width >= 256 ? 5 : 40);
    const numpyBoth = runNumpyThreads<Record<string, NumpyCase>>('activations.py', {
      cases: cases.map((c) => ({
        name: c.name, batch, repeats: repeatsFor(c.net.outWidth(0)),
        inputs: Array.from(c.inputs),
        layers: Array.from({ length: c.net.depth }, (_, k) => {
          const l = c.net.layer(k) as DenseLayer;
          return { W: Array.from(l.weights.data), b: Array.from(l.bias), relu: l.activation === 'relu' };
        }),
      })),
    });
    const numpy = numpyBoth.one, numpy2 = numpyBoth.two;
    const rows: BenchRow[] = [];
    const kernel = wasmKernelsAvailable() ? 'WebAssembly SIMD' : 'scalar JS (no WebAssembly SIMD here)';
    for (const c of cases) {
      // the first call of a shape: compiling the module (first case only), fresh memory, baseline-tier code
      const t0 = process.hrtime.bigint();
      let result = forwardBatch(c.net, c.inputs, batch, { hashes: false });
      const firstMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const t = timeStats(() => { result = forwardBatch(c.net, c.inputs, batch, { hashes: false }); }, repeatsFor(c.net.outWidth(0)));
      const ms = t.min;
      let active = 0;
      for (const p of result.patterns!) for (let i = 0; i < p.length; i++) active += popcount(p[i]);
      let sum = 0;
      for (let i = 0; i < result.output.length; i++) sum += result.output[i];
      let flops = 0;
      for (let k = 0; k < c.net.depth; k++) { const l = c.net.layer(k) as DenseLayer; flops += 2 * l.weights.rows * l.weights.cols * batch; }
      const np = numpy?.[c.name];
      const agree = np ? (np.activeBits === active && Math.abs(np.outputSum - sum) <= 1e-9 * Math.max(1, Math.abs(sum)) ? 'same patterns+outputs as numpy' : `MISMATCH numpy active ${np.activeBits} vs ${active}`) : '';
      const threads = forwardBatchThreads(c.net, batch);
      const gflops = flops / ms / 1e6, peak = F64X2_PEAK_GFLOPS();
      // numpy on one thread against our best per core: the most a WebAssembly f64x2 kernel could reach
      const npGflops = np ? flops / np.ms / 1e6 : NaN;
      const reach = Number.isFinite(npGflops) && npGflops > peak ? `; numpy 1 thread ${npGflops.toFixed(1)} GFLOP/s = ${(npGflops / peak).toFixed(2)} × our f64x2 peak per core (OpenBLAS uses ${nativeVectorUnits()} here; WebAssembly has 128-bit vectors and no fused multiply-add), so numpy/ours per thread stays below ${(peak / npGflops).toFixed(2)} even at 100 % of the peak` : '';
      rows.push({ name: c.name, oursMs: ms, oursMedianMs: t.median, numpyMs: np?.ms, numpy2Ms: numpy2?.[c.name]?.ms, note: `${gflops.toFixed(2)} GFLOP/s on ${threads} thread${threads > 1 ? 's' : ''} (${(100 * gflops / peak / threads).toFixed(0)} % of ${threads > 1 ? `${threads} × ` : ''}the f64x2 peak), ${kernel}; first call ${firstMs.toFixed(1)} ms; ${agree}${reach}` });
    }
    // the fallback where WebAssembly SIMD is unavailable (same numbers, scalar JavaScript)
    {
      const c = cases[2];
      // one thread: the switch is this thread's (a helper would run its own kernels)
      const pool = parallelRunner();
      setParallelRunner(undefined);
      setWasmKernelsEnabled(false);
      try {
        const ms = timeBest(() => { forwardBatch(c.net, c.inputs, batch, { hashes: false }); }, 20);
        rows.push({ name: `${c.name}, scalar JS fallback`, oursMs: ms, numpyMs: numpy?.[c.name]?.ms, note: 'WebAssembly switched off, 1 thread: what runs where it is unavailable' });
      } finally {
        setWasmKernelsEnabled(true);
        setParallelRunner(pool);
      }
    }
    // with the per-sample pattern hash (what the region map uses)
    {
      const c = cases[2];
      const ms = timeBest(() => { forwardBatch(c.net, c.inputs, batch); }, 40);
      rows.push({ name: `${c.name} + FNV hash per sample`, oursMs: ms, note: 'hashing included (numpy does no hashing)' });
    }
    // exact partition of the 2→32→32→32→1 slice over [−1,1]²
    const net = mlp(1, [2, 32, 32, 32, 1], true);
    const t0 = process.hrtime.bigint();
    const cold = slicePartition(net, { polygons: false });
    const coldMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const msCount = timeBest(() => { slicePartition(net, { polygons: false }); }, 10);
    rows.push({ name: 'exact partition 2→32→32→32→1 on [−1,1]² (counts only)', oursMs: msCount, note: `${cold.regions} regions, perDepth ${cold.perDepth.join('/')}; first (cold JIT) call ${coldMs.toFixed(0)} ms` });
    let full = cold;
    const msFull = timeBest(() => { full = slicePartition(net, { polygons: true, inputMaps: true }); }, 10);
    rows.push({ name: 'exact partition 2→32→32→32→1 with polygons + affine maps', oursMs: msFull, note: `${full.regions} regions, ${full.mergedZeroArea} zero-area cuts merged` });
    return rows;
  },
};
