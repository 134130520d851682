/**
 * Checkpoints: a ~512 MB safetensors file (four float32 matrices of 8192×4096 and 4096×8192 and their
 * biases, seeded Gaussian values, written to the OS temp folder at bench time) opened and every
 * tensor's ‖·‖₂ computed — spectral norms by Lanczos, one tensor at a time into one reused buffer —
 * in a process of its own (the worker's code, bundled with esbuild, started with plain node), against
 * numpy doing the same on the same file in the same run (np.memmap of the data + scipy's ARPACK svds,
 * Lanczos too). Reports time and peak RSS of both, the largest tensor's size, and the agreement of the
 * norms; the requirement is our peak RSS ≤ 2 × the largest tensor.
 * DEPTH_LENS_BENCH_LARGE=1 adds a 2 GB sharded model (model.safetensors.index.json + 4 shards).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { runNumpy, type BenchRow, type BenchSuite } from '../harness';
import { Rng } from '../../src/core/rng';

const MB = 1024 * 1024;

interface Tensor { name: string; rows: number; cols?: number }

/** Write a safetensors file of float32 Gaussian tensors, one tensor at a time (never the whole file in memory). */
function writeSafetensors(file: string, tensors: readonly Tensor[], seed: number): void {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    const n = t.rows * (t.cols ?? 1);
    header[t.name] = { dtype: 'F32', shape: t.cols ? [t.rows, t.cols] : [t.rows], data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = fs.openSync(file, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeUInt32LE(json.length, 0);
    fs.writeSync(fd, len);
    fs.writeSync(fd, json);
    const rng = new Rng(seed);
    for (const t of tensors) {
      const n = t.rows * (t.cols ?? 1);
      const scale = 1 / Math.sqrt(t.cols ?? t.rows);
      // in 16 MB pieces
      for (let at = 0; at < n; at += 4 * MB) {
        const piece = new Float32Array(Math.min(4 * MB, n - at));
        for (let i = 0; i < piece.length; i++) piece[i] = rng.gaussian() * scale;
        fs.writeSync(fd, new Uint8Array(piece.buffer));
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

function writeSharded(folder: string, tensors: readonly Tensor[], shards: number, seed: number): string {
  fs.mkdirSync(folder, { recursive: true });
  const per = Math.ceil(tensors.length / shards);
  const weightMap: Record<string, string> = {};
  for (let k = 0; k < shards; k++) {
    const name = `model-${String(k + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = tensors.slice(k * per, (k + 1) * per);
    writeSafetensors(path.join(folder, name), part, seed + k);
    for (const t of part) weightMap[t.name] = name;
  }
  const index = path.join(folder, 'model.safetensors.index.json');
  fs.writeFileSync(index, JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return index;
}

function mlpTensors(layers: number, wide: number, narrow: number): Tensor[] {
  const out: Tensor[] = [];
  for (let i = 0; i < layers; i++) {
    const [rows, cols] = i % 2 === 0 ? [wide, narrow] : [narrow, wide];
    out.push({ name: `layers.${i}.weight`, rows, cols }, { name: `layers.${i}.bias`, rows });
  }
  return out;
}

interface Side { ms: number; openMs: number; maxRssMB: number; norms: Record<string, number | null> }

function ours(child: string, file: string): Side {
  return JSON.parse(execFileSync(process.execPath, [child, file], { encoding: 'utf8', maxBuffer: 1 << 24 })) as Side;
}

function row(label: string, file: string, tensors: readonly Tensor[], child: string): BenchRow {
  const bytes = fs.statSync(file).size + (file.endsWith('.json') ? fs.readdirSync(path.dirname(file)).reduce((s, f) => s + fs.statSync(path.join(path.dirname(file), f)).size, 0) : 0);
  const largest = Math.max(...tensors.map((t) => 4 * t.rows * (t.cols ?? 1)));
  const mine = ours(child, file);
  const py = runNumpy<Side & { blas: string }>('formats.py', { file });
  let agree = 0;
  if (py) for (const [k, v] of Object.entries(mine.norms)) if (v !== null && py.norms[k] !== null) agree = Math.max(agree, Math.abs(v - py.norms[k]!) / py.norms[k]!);
  const bound = 2 * largest / MB;
  return {
    name: `${label}: open + ‖·‖₂ of ${tensors.length} tensors (${(bytes / MB).toFixed(0)} MB, largest tensor ${(largest / MB).toFixed(0)} MB)`,
    oursMs: mine.ms,
    numpyMs: py?.ms,
    note: `peak RSS ours ${mine.maxRssMB.toFixed(0)} MB (bound 2 × largest tensor = ${bound.toFixed(0)} MB: ${mine.maxRssMB <= bound ? 'within' : 'ABOVE'}), numpy ${py ? py.maxRssMB.toFixed(0) : '—'} MB (memmap pages count); header read in ${mine.openMs.toFixed(1)} ms (numpy ${py ? py.openMs.toFixed(1) : '—'} ms); norms agree to ${agree.toExponential(1)} relative (numpy/ARPACK in float32)${py ? `; numpy BLAS: ${py.blas}` : ''}`,
  };
}

export const suite: BenchSuite = {
  name: 'formats',
  run(): BenchRow[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-bench-formats-'));
    try {
      // the worker's code as one bundle, run by plain node: what the extension's worker runs
      const child = path.join(dir, 'child.js');
      buildSync({ entryPoints: [path.join(__dirname, '..', 'formatsChild.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'es2022', outfile: child, logLevel: 'error', mainFields: ['module', 'main'] });
      const rows: BenchRow[] = [];
      const tensors = mlpTensors(4, 8192, 4096);
      const file = path.join(dir, 'model.safetensors');
      writeSafetensors(file, tensors, 2026);
      rows.push(row('safetensors', file, tensors, child));
      fs.rmSync(file);
      if (process.env.DEPTH_LENS_BENCH_LARGE === '1') {
        const big = mlpTensors(16, 8192, 4096);
        const index = writeSharded(path.join(dir, 'sharded'), big, 4, 2027);
        rows.push(row('sharded safetensors', index, big, child));
      }
      return rows;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
