/**
 * Full spectra (every singular value) of dense Gaussian matrices at 256×256 and 1024×1024: Depth
 * Lens's Householder bidiagonalization (its row pass in WebAssembly SIMD, bidiagonal.wat) + implicit
 * QR — the Spectrum panel's path above 32 —, the same with the JavaScript row pass, and at 256 also
 * its one-sided Jacobi and ml-matrix's SVD, against numpy.linalg.svd(W, compute_uv=False) (LAPACK
 * gesdd on the BLAS numpy loads, named in the note) on the same matrices in the same run. numpy runs
 * with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, at its default thread count and with one thread.
 * The note says where our time goes (the reduction to bidiagonal form vs the QR iteration on it) and
 * how far our values are from numpy's.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { runNumpy, timeBest, type BenchRow, type BenchSuite } from '../harness';
import type { DenseMatrix } from '../../src/core/linalg/dense';
import { Rng } from '../../src/core/rng';
import { bidiagonalize, bidiagonalSingularValues, singularValues } from '../../src/core/spectrum/svd';

interface NumpyOut { ms: number; values: number[]; blas: string[]; threads: string | null }

/** numpy in a child with the OpenBLAS tuning variables unset (and optionally one thread). */
function numpy(file: string, m: DenseMatrix, repeats: number, threads?: number): NumpyOut | undefined {
  const saved = { ...process.env };
  delete process.env.OPENBLAS_CORETYPE;
  delete process.env.OPENBLAS_L2_SIZE;
  if (threads) process.env.OPENBLAS_NUM_THREADS = String(threads);
  else delete process.env.OPENBLAS_NUM_THREADS;
  try {
    return runNumpy<NumpyOut>('spectrum.py', { file, rows: m.rows, cols: m.cols, repeats });
  } finally {
    for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS']) {
      if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
    }
  }
}

function maxDeviation(ours: ArrayLike<number>, ref: readonly number[]): string {
  let d = 0;
  for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(ours[i] - ref[i]));
  return `max|σ − σ_numpy|/σ_max = ${(d / ref[0]).toExponential(1)}`;
}

function mlMatrixValues(m: DenseMatrix): Float64Array {
  const mat = new Matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mat.set(i, j, m.data[i * m.cols + j]);
  const svd = new SingularValueDecomposition(mat, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return Float64Array.from(svd.diagonal).sort().reverse();
}

export const suite: BenchSuite = {
  name: 'spectrum',
  run(): BenchRow[] {
    const rows: BenchRow[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-bench-spectrum-'));
    try {
      for (const n of [256, 1024]) {
        const m: DenseMatrix = { rows: n, cols: n, data: new Rng(500 + n).fillGaussian(new Float64Array(n * n)) };
        const file = path.join(dir, `${n}.f64`);
        fs.writeFileSync(file, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
        const repeats = n >= 1024 ? 3 : 5;
        const py = numpy(file, m, repeats);
        const py1 = numpy(file, m, repeats, 1);
        const blas = py ? `numpy ${py.blas.map((b) => path.relative('/usr/lib/x86_64-linux-gnu', b)).join(', ') || 'BLAS unknown'}` : 'numpy unavailable';

        let ours: Float64Array = new Float64Array(0);
        const oursMs = timeBest(() => { ours = singularValues(m, { algorithm: 'householder' }); }, repeats);
        // where the time goes: the reduction vs the QR iteration on the bidiagonal
        let reduceMs = Infinity, qrMs = Infinity;
        for (let r = 0; r < Math.min(3, repeats); r++) {
          const a = m.data.slice();
          const t0 = process.hrtime.bigint();
          const { d, e } = bidiagonalize(a, n, n); // the WebAssembly SIMD row pass
          const t1 = process.hrtime.bigint();
          bidiagonalSingularValues(d, e);
          const t2 = process.hrtime.bigint();
          reduceMs = Math.min(reduceMs, Number(t1 - t0) / 1e6);
          qrMs = Math.min(qrMs, Number(t2 - t1) / 1e6);
        }
        const flops = (8 / 3) * n * n * n;
        rows.push({
          name: `all σ of ${n}×${n}: Householder bidiagonalization + implicit QR`,
          oursMs,
          numpyMs: py?.ms,
          note: `${py ? maxDeviation(ours, py.values) + '; ' : ''}reduction ${reduceMs.toFixed(1)} ms (${(flops / reduceMs / 1e6).toFixed(2)} GFLOP/s of its 8n³/3 flops), bidiagonal QR ${qrMs.toFixed(1)} ms${py1 ? `; numpy with 1 thread ${py1.ms.toFixed(1)} ms (numpy/ours ${(py1.ms / oursMs).toFixed(2)})` : ''}; ${blas}`,
        });
        let js: Float64Array = new Float64Array(0);
        const jsMs = timeBest(() => { js = singularValues(m, { algorithm: 'householder', useWasm: false }); }, n >= 1024 ? 1 : 3);
        rows.push({ name: `all σ of ${n}×${n}: the same in plain JavaScript (fallback without WebAssembly SIMD)`, oursMs: jsMs, numpyMs: py?.ms, note: py ? maxDeviation(js, py.values) : '' });
        if (n <= 256) {
          let jac: Float64Array = new Float64Array(0);
          const jacMs = timeBest(() => { jac = singularValues(m, { algorithm: 'jacobi' }); }, 2);
          rows.push({ name: `all σ of ${n}×${n}: one-sided Jacobi`, oursMs: jacMs, numpyMs: py?.ms, note: py ? maxDeviation(jac, py.values) : '' });
          let ml: Float64Array = new Float64Array(0);
          const mlMs = timeBest(() => { ml = mlMatrixValues(m); }, 2);
          rows.push({ name: `all σ of ${n}×${n}: ml-matrix SVD (no vectors)`, oursMs: mlMs, numpyMs: py?.ms, note: py ? maxDeviation(ml, py.values) : '' });
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
