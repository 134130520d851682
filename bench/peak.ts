/**
 * The best f64x2 throughput this CPU gives WebAssembly: a loop of independent multiply-adds on
 * registers (8 f64x2 accumulators fed by 4 loop-invariant vectors and one load per iteration — no
 * fused multiply-add, as in our kernels), the ceiling for any 128-bit SIMD kernel here. Measured
 * once per bench run; the forward-pass rows report their fraction of it.
 */
import * as fs from 'node:fs';
import wabtInit from 'wabt';

let peak: number | undefined;

function peakWat(accumulators: number, sources: number): string {
  const locals = [...Array(accumulators).keys()].map((i) => `(local $a${i} v128)`).concat([...Array(sources).keys()].map((i) => `(local $b${i} v128)`)).join(' ');
  const init = [...Array(accumulators).keys()].map((i) => `(local.set $a${i} (f64x2.splat (f64.const ${i}.5)))`)
    .concat([...Array(sources).keys()].map((i) => `(local.set $b${i} (f64x2.splat (f64.const 0.${i}5)))`)).join(' ');
  const body = [...Array(accumulators).keys()].map((i) => `(local.set $a${i} (f64x2.add (local.get $a${i}) (f64x2.mul (local.get $b${i % sources}) (local.get $m))))`).join(' ');
  let sum = '(local.get $a0)';
  for (let i = 1; i < accumulators; i++) sum = `(f64x2.add ${sum} (local.get $a${i}))`;
  return `(module (memory 1) (func (export "peak") (param $n i32) (result f64) (local $p i32) (local $m v128) ${locals} ${init}
    (loop $l (local.set $m (v128.load (local.get $p))) (local.set $p (i32.and (i32.add (local.get $p) (i32.const 16)) (i32.const 1023)))
      ${body} (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n)))
    (f64x2.extract_lane 0 ${sum})))`;
}

/** Measures the peak (GFLOP/s, best of several register shapes and runs). */
export async function measureF64x2Peak(): Promise<number> {
  const wabt = await wabtInit();
  let best = 0;
  for (const [acc, src] of [[6, 4], [8, 4], [8, 2]]) {
    const mod = wabt.parseWat('peak.wat', peakWat(acc, src), { simd: true });
    const bytes = new Uint8Array(mod.toBinary({}).buffer);
    mod.destroy();
    const run = (new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { peak(n: number): number }).peak;
    const n = 20_000_000;
    run(100_000);
    for (let r = 0; r < 5; r++) {
      const t0 = process.hrtime.bigint();
      run(n);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      best = Math.max(best, (n * acc * 4) / s / 1e9);
    }
  }
  peak = best;
  return best;
}

/** The peak measured by measureF64x2Peak (NaN before). */
export function f64x2PeakGflops(): number {
  return peak ?? NaN;
}

/**
 * The widest vectors a native BLAS can use on this CPU, from the kernel's CPU flags (Linux), for the
 * reports' sentence on what bounds us against numpy. What the bench measured decides the ratios; this
 * only names the reason. AMD's Zen 3 (the EPYC machines here) has AVX2 and FMA but no AVX-512.
 */
export function nativeVectorUnits(cpuinfo = readCpuinfo()): string {
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1].trim().split(/\s+/) ?? []);
  if (flags.has('avx512f')) return `512-bit AVX-512 vectors${flags.has('fma') ? ' with fused multiply-add' : ''}`;
  if (flags.has('avx2') || flags.has('avx')) return `256-bit ${flags.has('avx2') ? 'AVX2' : 'AVX'} vectors${flags.has('fma') ? ' with fused multiply-add' : ''}`;
  return flags.size > 0 ? '128-bit SSE vectors' : 'its native vector units (CPU flags unavailable)';
}

function readCpuinfo(): string {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}
