/**
 * Spectral norm ‖W‖₂ of dense Gaussian matrices at 64, 256 and 800 (and ‖W − I‖₂ of a near-identity
 * layer at 800, what the convergence analysis asks for): Depth Lens's Lanczos bidiagonalization (the
 * ml-matrix SVD below EXACT_SVD_MAX) against numpy.linalg.norm(W, 2) (LAPACK SVD) on the same
 * matrices in the same run; the note gives the agreement, the Lanczos steps and the full ml-matrix
 * SVD time that Depth Lens used before. Matrices go to numpy as raw float64 files in the OS temp folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNumpyThreads, timeStats, type BenchRow, type BenchSuite } from '../harness';
import type { DenseMatrix } from '../../src/core/linalg/dense';
import { lanczosSpectralNorm } from '../../src/core/linalg/lanczos';
import { EXACT_SVD_MAX, spectralNorm, svdSpectralNorm } from '../../src/core/linalg/norms';
import { Rng } from '../../src/core/rng';

interface NumpyOut { ms: number; norm: number }

function cases(): Array<{ name: string; m: DenseMatrix }> {
  const out: Array<{ name: string; m: DenseMatrix }> = [];
  for (const n of [64, 256, 800, 1024]) {
    const rng = new Rng(100 + n);
    out.push({ name: `‖W‖₂ ${n}×${n} Gaussian`, m: { rows: n, cols: n, data: rng.fillGaussian(new Float64Array(n * n)) } });
  }
  const n = 800, rng = new Rng(7);
  const d = rng.fillGaussian(new Float64Array(n * n));
  for (let i = 0; i < d.length; i++) d[i] *= 0.05 / Math.sqrt(n); // W = I + 0.05 G/√n, so W − I = 0.05 G/√n
  out.push({ name: `‖W − I‖₂ ${n}×${n}, W = I + 0.05·G/√n`, m: { rows: n, cols: n, data: d } });
  return out;
}

export const suite: BenchSuite = {
  name: 'linalg',
  run(): BenchRow[] {
    const rows: BenchRow[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-bench-linalg-'));
    try {
      for (const { name, m } of cases()) {
        let ours = 0;
        // sub-millisecond cases need more repeats to reach optimised code (numpy has no JIT to warm)
        const repeats = m.rows >= 800 ? 3 : m.rows >= 256 ? 5 : 40;
        const t = timeStats(() => { ours = spectralNorm(m); }, repeats);
        const file = path.join(dir, `${m.rows}x${m.cols}.f64`);
        fs.writeFileSync(file, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
        const { one: py, two: py2 } = runNumpyThreads<NumpyOut>('linalg.py', { file, rows: m.rows, cols: m.cols, repeats });
        const exactPath = Math.min(m.rows, m.cols) <= EXACT_SVD_MAX;
        const steps = exactPath ? undefined : lanczosSpectralNorm(m).steps;
        // the full ml-matrix SVD, as before (once: 800² takes seconds)
        const t0 = process.hrtime.bigint();
        svdSpectralNorm(m);
        const svdMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const agree = py ? `|ours − numpy|/numpy = ${(Math.abs(ours - py.norm) / py.norm).toExponential(1)}` : 'numpy unavailable';
        rows.push({
          name,
          oursMs: t.min,
          oursMedianMs: t.median,
          numpyMs: py?.ms,
          numpy2Ms: py2?.ms,
          note: `‖·‖₂ = ${ours.toPrecision(15)}; ${agree}; ${exactPath ? 'exact SVD path' : `${steps} Lanczos steps`}; full ml-matrix SVD ${svdMs.toFixed(0)} ms`,
        });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
