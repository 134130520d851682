/**
 * End to end: the `depth-lens` CLI (dist/cli.js: process start, read, parse, analyse, JSON written to
 * a file) against a Python script doing the same work with numpy (bench/py/e2e_*.py: process start,
 * json.load / np.fromfile, the same numbers, JSON written), on files generated here (OS temp folder):
 *  - convergence of 10⁵-layer affine families at width 2 and 64 (numpy: the same structured step);
 *  - convergence of 200 dense 256×256 layers, weights inline (≈160 MB of JSON) and in an external .bin;
 *  - convergence of 50 dense 1024×1024 layers in an external .bin (numpy: LAPACK SVD per layer, and
 *    scipy's svds — ARPACK Lanczos — at the same 1e-10 tolerance);
 *  - the depth-degeneracy Monte Carlo of Figure 1 (20 000 chain trials × 32 layers, n = 256) and
 *    full random networks;
 *  - the exact activation regions of 2→32³→1 and 2→64⁴→1 ReLU networks (He-normal weights) on
 *    [−1,1]², counts per depth (numpy: the same polygon splitting, layer by layer, e2e_regions.py).
 * The sides run interleaved (ours, numpy 1 thread, numpy 2 threads, ours, …); each row gives min and
 * median wall time, CPU time (user + system of all threads) and peak RSS. Ours runs with its thread
 * pool (2 threads on this machine) unless the row says 1 thread.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { measureProcess, median, numpyEnv, numpySetup, PYTHON, type ProcessRun } from './harness';
import { Rng } from '../src/core/rng';

export interface SideStats {
  readonly wallMin: number;
  readonly wallMedian: number;
  readonly cpuMin: number;
  readonly cpuMedian: number;
  readonly rssMax: number;
}

export interface E2ERow {
  readonly name: string;
  readonly ours: SideStats;
  readonly numpy1?: SideStats;
  readonly numpy2?: SideStats;
  readonly note: string;
}

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const PY = path.join(__dirname, 'py');

function stats(runs: readonly ProcessRun[]): SideStats {
  return {
    wallMin: Math.min(...runs.map((r) => r.wallMs)), wallMedian: median(runs.map((r) => r.wallMs)),
    cpuMin: Math.min(...runs.map((r) => r.cpuMs)), cpuMedian: median(runs.map((r) => r.cpuMs)),
    rssMax: Math.max(...runs.map((r) => r.rssMB)),
  };
}

// ── fixtures ────────────────────────────────────────────────────────────────────────────────────

function familyFile(dir: string, m: number): string {
  const rng = new Rng(2024 + m);
  const R = Array.from({ length: m }, () => Array.from({ length: m }, () => rng.uniformIn(-1, 1) / Math.sqrt(m)));
  const v = Array.from({ length: m }, () => rng.uniformIn(-1, 1));
  const file = path.join(dir, `family-${m}.network.json`);
  fs.writeFileSync(file, JSON.stringify({
    format: 'depth-lens/network@1', input: { dim: m },
    layers: [{ type: 'family', count: 100000, weights: { identity: 1, matrix: R, scale: { offset: 1, power: -2 } }, bias: { vector: v, scale: { offset: 1, power: -2 } }, activation: 'relu' }],
  }));
  return file;
}

/** W_k = I + G·(0.5/√n)/k^1.5, b_k = U(−1, 1)/k²: a convergent deep network (‖W_k − I‖ ≈ k^−1.5) */
function* denseLayers(n: number, count: number, seed: number): Generator<{ W: Float64Array; b: Float64Array }> {
  const rng = new Rng(seed);
  for (let k = 1; k <= count; k++) {
    const W = rng.fillGaussian(new Float64Array(n * n), 0, 0.5 / Math.sqrt(n) / k ** 1.5);
    for (let i = 0; i < n; i++) W[i * n + i] += 1;
    const b = rng.fillUniform(new Float64Array(n), -1, 1).map((x) => x / (k * k));
    yield { W, b };
  }
}

/** inline weights, 8 significant digits (≈12 bytes a number: 200 layers of 256² ≈ 160 MB) */
function inlineFile(dir: string, n: number, count: number): string {
  const file = path.join(dir, `inline-${n}x${count}.network.json`);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, `{"format":"depth-lens/network@1","input":{"dim":${n}},"layers":[\n`);
  let k = 0;
  for (const { W, b } of denseLayers(n, count, 7)) {
    const rows: string[] = [];
    for (let i = 0; i < n; i++) rows.push(`[${Array.from(W.subarray(i * n, (i + 1) * n), (x) => x.toPrecision(8)).join(',')}]`);
    fs.writeSync(fd, `${k++ ? ',\n' : ''}{"type":"dense","weights":[\n${rows.join(',\n')}],"bias":[${Array.from(b, (x) => x.toPrecision(8)).join(',')}],"activation":"relu"}`);
  }
  fs.writeSync(fd, ']}\n');
  fs.closeSync(fd);
  return file;
}

function externalFile(dir: string, n: number, count: number): string {
  const base = `external-${n}x${count}`;
  const fd = fs.openSync(path.join(dir, `${base}.bin`), 'w');
  const layers: unknown[] = [];
  let offset = 0;
  for (const { W, b } of denseLayers(n, count, 11)) {
    fs.writeSync(fd, new Uint8Array(W.buffer));
    fs.writeSync(fd, new Uint8Array(b.buffer));
    layers.push({
      type: 'dense', activation: 'relu',
      weights: { file: `${base}.bin`, dtype: 'float64', shape: [n, n], offset },
      bias: { file: `${base}.bin`, dtype: 'float64', shape: [n], offset: offset + 8 * n * n },
    });
    offset += 8 * (n * n + n);
  }
  fs.closeSync(fd);
  const file = path.join(dir, `${base}.network.json`);
  fs.writeFileSync(file, JSON.stringify({ format: 'depth-lens/network@1', input: { dim: n }, layers }));
  return file;
}

/**
 * A dense ReLU network of the given widths (input first; linear output layer) with He-normal weights
 * N(0, 2/fan_in) and biases N(0, 0.1²), as bench/suites/activations.ts's `mlp`, written inline with
 * every digit (both sides read the same float64 numbers).
 */
function regionsFile(dir: string, widths: readonly number[], seed: number): string {
  const rng = new Rng(seed);
  const layers: unknown[] = [];
  for (let k = 1; k < widths.length; k++) {
    const m = widths[k], n = widths[k - 1];
    const W = rng.fillGaussian(new Float64Array(m * n), 0, Math.sqrt(2 / n));
    const b = rng.fillGaussian(new Float64Array(m), 0, 0.1);
    layers.push({
      type: 'dense', activation: k === widths.length - 1 ? 'linear' : 'relu',
      weights: Array.from({ length: m }, (_, i) => Array.from(W.subarray(i * n, (i + 1) * n))), bias: Array.from(b),
    });
  }
  const file = path.join(dir, `regions-${widths.join('-')}.network.json`);
  fs.writeFileSync(file, JSON.stringify({ format: 'depth-lens/network@1', input: { dim: widths[0] }, layers }));
  return file;
}

// ── cases ───────────────────────────────────────────────────────────────────────────────────────

interface Side { readonly args: string[]; readonly env?: NodeJS.ProcessEnv }
interface Case {
  readonly name: string;
  readonly ours: Side;
  /** the numpy command (run with 1 and with 2 BLAS threads) */
  readonly numpy?: string[];
  readonly repeats: number;
  readonly check: (ours: unknown, numpy: unknown) => string;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

function convergenceCheck(ours: unknown, numpy: unknown): string {
  const o = ours as { series?: { sumWminusI: number; sumB: number } } | undefined;
  const p = numpy as { sumW: number; sumB: number } | undefined;
  if (!o?.series) return 'ours: no JSON';
  if (!p) return `ΣW ${o.series.sumWminusI.toPrecision(10)}`;
  return `ΣW ours ${o.series.sumWminusI.toPrecision(12)} vs numpy ${p.sumW.toPrecision(12)} (rel diff ${rel(o.series.sumWminusI, p.sumW).toExponential(1)}), Σb rel diff ${rel(o.series.sumB, p.sumB).toExponential(1)}`;
}

function degeneracyCheck(ours: unknown, numpy: unknown): string {
  const o = ours as { layers?: { mc: { mean: number; se: number } | null }[] } | undefined;
  const p = numpy as { mean: number[] } | undefined;
  const at = o?.layers?.[30]?.mc;
  if (!at) return 'ours: no JSON';
  return `mean ln sin²θ at ℓ = 30: ours ${at.mean.toFixed(4)} ± ${at.se.toFixed(4)}${p ? `, numpy ${p.mean[30].toFixed(4)}` : ''}`;
}

function regionsCheck(ours: unknown, numpy: unknown): string {
  const o = ours as { regions: number; perDepth: number[]; mergedZeroArea: number } | undefined;
  const p = numpy as { regions: number; perDepth: number[]; mergedZeroArea: number } | undefined;
  if (!o?.perDepth) return 'ours: no JSON';
  if (!p) return `${o.regions} regions, perDepth ${o.perDepth.join('/')}`;
  return `regions ours ${o.regions} vs numpy ${p.regions}, perDepth ours ${o.perDepth.join('/')} vs numpy ${p.perDepth.join('/')}; zero-area cuts merged ${o.mergedZeroArea} vs ${p.mergedZeroArea}`;
}

function cases(dir: string): Case[] {
  const out: Case[] = [];
  for (const m of [2, 64]) {
    const f = familyFile(dir, m);
    out.push({
      name: `convergence, 10⁵-layer family, width ${m}`, repeats: 9,
      ours: { args: [CLI, 'convergence', f, '--json'] },
      numpy: [path.join(PY, 'e2e_family.py'), f],
      check: convergenceCheck,
    });
  }
  process.stderr.write('  generating the 200-layer 256×256 files…\n');
  const inline = inlineFile(dir, 256, 200);
  const inlineMB = fs.statSync(inline).size / 1e6;
  const ext256 = externalFile(dir, 256, 200);
  const ext1024 = externalFile(dir, 1024, 50);
  out.push({
    name: `convergence, 200 dense layers 256×256, weights inline (${inlineMB.toFixed(0)} MB JSON)`, repeats: 3,
    ours: { args: [CLI, 'convergence', inline, '--json', '--max-size-mb', '400'] },
    numpy: [path.join(PY, 'e2e_convergence.py'), inline],
    check: convergenceCheck,
  }, {
    name: `convergence, 200 dense layers 256×256, inline (${inlineMB.toFixed(0)} MB), ours on 1 thread`, repeats: 3,
    ours: { args: [CLI, 'convergence', inline, '--json', '--max-size-mb', '400'], env: { DEPTH_LENS_THREADS: '1' } },
    check: convergenceCheck,
  }, {
    name: 'convergence, 200 dense layers 256×256, weights in an external .bin', repeats: 3,
    ours: { args: [CLI, 'convergence', ext256, '--json'] },
    numpy: [path.join(PY, 'e2e_convergence.py'), ext256],
    check: convergenceCheck,
  }, {
    name: 'convergence, 50 dense layers 1024×1024, external .bin (numpy: LAPACK SVD per layer)', repeats: 3,
    ours: { args: [CLI, 'convergence', ext1024, '--json'] },
    numpy: [path.join(PY, 'e2e_convergence.py'), ext1024],
    check: convergenceCheck,
  }, {
    name: 'convergence, 50 dense layers 1024×1024, external .bin (numpy: scipy svds, ARPACK at 1e-10)', repeats: 3,
    ours: { args: [CLI, 'convergence', ext1024, '--json'] },
    numpy: [path.join(PY, 'e2e_convergence.py'), ext1024, '--svds'],
    check: convergenceCheck,
  }, {
    // the per-thread comparison: two layers' Lanczos passes at once (8 MB each, streamed per step)
    // share the memory bandwidth, so two threads take more CPU time than one for the same work
    name: 'convergence, 50 dense layers 1024×1024, external .bin, ours on 1 thread (numpy: scipy svds)', repeats: 3,
    ours: { args: [CLI, 'convergence', ext1024, '--json'], env: { DEPTH_LENS_THREADS: '1' } },
    numpy: [path.join(PY, 'e2e_convergence.py'), ext1024, '--svds'],
    check: convergenceCheck,
  }, {
    name: 'degeneracy chain 20 000 trials × 32 layers, n = 256 (Figure 1)', repeats: 3,
    ours: { args: [CLI, 'degeneracy', '--widths', '256x32', '--theta0', '0.1', '--trials', '20000', '--json'] },
    numpy: [path.join(PY, 'e2e_degeneracy.py'), '256', '32', '0.1', '20000', 'chain'],
    check: degeneracyCheck,
  }, {
    name: 'degeneracy chain 20 000 × 32 × 256, ours on 1 thread', repeats: 3,
    ours: { args: [CLI, 'degeneracy', '--widths', '256x32', '--theta0', '0.1', '--trials', '20000', '--json'], env: { DEPTH_LENS_THREADS: '1' } },
    check: degeneracyCheck,
  }, {
    name: 'degeneracy, 200 full random networks 32 layers 256×256', repeats: 3,
    ours: { args: [CLI, 'degeneracy', '--widths', '256x32', '--theta0', '0.1', '--trials', '200', '--mode', 'network', '--json'] },
    numpy: [path.join(PY, 'e2e_degeneracy.py'), '256', '32', '0.1', '200', 'network'],
    check: degeneracyCheck,
  });
  for (const [widths, label, seed] of [[[2, 32, 32, 32, 1], '2→32³→1', 3232], [[2, 64, 64, 64, 64, 1], '2→64⁴→1', 6464]] as const) {
    const f = regionsFile(dir, widths, seed);
    out.push({
      name: `exact regions ${label} on [−1,1]² (numpy: polygon splitting)`, repeats: 9,
      ours: { args: [CLI, 'regions', f, '--json'] },
      numpy: [path.join(PY, 'e2e_regions.py'), f],
      check: regionsCheck,
    });
  }
  return out;
}

/** Runs every end-to-end case, sides interleaved. */
export function runEndToEnd(): E2ERow[] {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-bench-e2e-'));
  const np = numpySetup();
  const rows: E2ERow[] = [];
  try {
    // DEPTH_LENS_BENCH_E2E=text runs only the cases whose name contains it (all by default)
    const filter = process.env.DEPTH_LENS_BENCH_E2E;
    for (const c of cases(dir).filter((x) => !filter || x.name.includes(filter))) {
      process.stderr.write(`  ${c.name}\n`);
      const oursOut = path.join(dir, 'ours.json'), npOut = path.join(dir, 'numpy.json');
      const runs: { ours: ProcessRun[]; np1: ProcessRun[]; np2: ProcessRun[] } = { ours: [], np1: [], np2: [] };
      const withNumpy = c.numpy && np.available;
      for (let r = 0; r < c.repeats; r++) {
        runs.ours.push(measureProcess(process.execPath, c.ours.args, { ...process.env, ...c.ours.env }, oursOut));
        if (withNumpy) {
          runs.np1.push(measureProcess(PYTHON, [c.numpy![0], ...insertOut(c.numpy!, npOut)], numpyEnv(1), path.join(dir, 'numpy.stdout')));
          runs.np2.push(measureProcess(PYTHON, [c.numpy![0], ...insertOut(c.numpy!, npOut)], numpyEnv(2), path.join(dir, 'numpy.stdout')));
        }
      }
      rows.push({
        name: c.name,
        ours: stats(runs.ours),
        numpy1: withNumpy ? stats(runs.np1) : undefined,
        numpy2: withNumpy ? stats(runs.np2) : undefined,
        note: c.check(readJson(oursOut), withNumpy ? readJson(npOut) : undefined),
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** The scripts take their input file first and the output file second (the degeneracy one: output first). */
function insertOut(cmd: readonly string[], out: string): string[] {
  const [script, ...rest] = cmd;
  return script.endsWith('e2e_degeneracy.py') ? [out, ...rest] : [rest[0], out, ...rest.slice(1)];
}
