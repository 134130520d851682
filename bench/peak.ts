/**
 * The best f64x2 throughput this CPU gives WebAssembly: a loop of independent multiply-adds on
 * registers (8 f64x2 accumulators fed by 4 loop-invariant vectors and one load per iteration — no
 * fused multiply-add, as in our kernels), the ceiling for any 128-bit SIMD kernel here. Measured
 * once per bench run; the forward-pass rows report their fraction of it.
 */
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
