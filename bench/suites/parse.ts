/**
 * Parser benchmark: a generated ~50 MB explicit network (written to the OS temp folder, never the
 * repo) — parse time and memory against Python json.load + numpy.array on the same file — and a
 * 10⁵-layer depth family: load time, then every layer generated in turn (‖W_k − I‖_F, ‖b_k‖)
 * with the heap staying flat.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNumpy, timeBest, type BenchRow, type BenchSuite } from '../harness';
import { parseNetworkText } from '../../src/core/network/parse';
import { Rng } from '../../src/core/rng';
import type { DenseLayer } from '../../src/core/network/model';

const MB = 1024 * 1024;

/** JS heap plus ArrayBuffer backing stores (Float64Array data lives outside heapUsed). */
function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** ~50 MB: input 700, five dense 700×700 layers of full-precision random doubles. */
function writeBigFile(file: string): { bytes: number; params: number } {
  const rng = new Rng(123);
  const width = 700, layers = 5;
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, `{"format":"depth-lens/network@1","input":{"dim":${width}},"layers":[\n`);
  for (let l = 0; l < layers; l++) {
    const rows: string[] = [];
    for (let i = 0; i < width; i++) {
      const row = new Array<string>(width);
      for (let j = 0; j < width; j++) row[j] = String(rng.gaussian() / Math.sqrt(width));
      rows.push(`[${row.join(',')}]`);
    }
    const bias = Array.from({ length: width }, () => String(rng.uniformIn(-0.1, 0.1)));
    fs.writeSync(fd, `${l ? ',\n' : ''}{"type":"dense","weights":[\n${rows.join(',\n')}],\n"bias":[${bias.join(',')}],"activation":"${l === layers - 1 ? 'linear' : 'relu'}"}`);
  }
  fs.writeSync(fd, ']}\n');
  fs.closeSync(fd);
  return { bytes: fs.statSync(file).size, params: layers * (width * width + width) };
}

const FAMILY = JSON.stringify({
  format: 'depth-lens/network@1', input: { dim: 2 },
  layers: [{ type: 'family', count: 100000, weights: { identity: 1, matrix: [[0.5, -0.3], [0.2, 0.4]], scale: { offset: 1, power: -2 } }, bias: { vector: [1, -1], scale: { offset: 1, power: -2 } }, activation: 'relu' }],
});

export const suite: BenchSuite = {
  name: 'parse',
  run(): BenchRow[] {
    const rows: BenchRow[] = [];
    const file = path.join(os.tmpdir(), `depth-lens-bench-${process.pid}.network.json`);
    try {
      const { bytes, params } = writeBigFile(file);
      const text = fs.readFileSync(file, 'utf8');
      // memory of one parse, measured on its own (retained network + peak garbage up to that point)
      gc();
      const heap0 = heapBytes(), rss0 = process.memoryUsage().rss;
      let kept = parseNetworkText(text);
      const heap1 = heapBytes(), rss1 = process.memoryUsage().rss;
      if (!kept.network) throw new Error(`bench file did not parse: ${kept.diagnostics[0]?.message}`);
      const network = kept.network;
      gc();
      const heapRetained = heapBytes() - heap0;
      const ms = timeBest(() => { kept = parseNetworkText(text); }, 2);
      void network;
      const py = runNumpy<{ ms: number; rss_mb: number }>('parse.py', { mode: 'file', file });
      rows.push({
        name: `explicit ${(bytes / MB).toFixed(1)} MB (5 dense 700×700, ${params} params)`,
        oursMs: ms,
        numpyMs: py?.ms,
        note: `heap +${((heap1 - heap0) / MB).toFixed(0)} MB during parse, +${(heapRetained / MB).toFixed(0)} MB retained (the ${(params * 8 / MB).toFixed(0)} MB of float64 weights), rss +${((rss1 - rss0) / MB).toFixed(0)} MB; ${(bytes / MB / (ms / 1000)).toFixed(0)} MB/s${py ? `; python rss ${py.rss_mb.toFixed(0)} MB` : ''}`,
      });
    } finally {
      fs.rmSync(file, { force: true });
    }

    // 10⁵ family: load, then generate every layer once
    const loadMs = timeBest(() => { parseNetworkText(FAMILY); }, 5);
    const net = parseNetworkText(FAMILY).network!;
    gc();
    const heapStart = heapBytes();
    let heapPeak = heapStart;
    let sumB = 0, sumW = 0;
    const iterate = () => {
      sumB = 0; sumW = 0;
      for (let k = 0; k < net.depth; k++) {
        const l = net.layer(k) as DenseLayer;
        const w = l.weights.data;
        sumW += Math.hypot(w[0] - 1, w[1], w[2], w[3] - 1);
        sumB += Math.hypot(l.bias[0], l.bias[1]);
        if ((k & 8191) === 0) heapPeak = Math.max(heapPeak, heapBytes());
      }
    };
    const iterMs = timeBest(iterate, 3);
    gc();
    const heapAfter = heapBytes();
    const py = runNumpy<{ load_ms: number; iterate_ms: number; sum_b: number }>('parse.py', { mode: 'family', count: 100000 });
    rows.push({ name: '10⁵-layer family: load', oursMs: loadMs, numpyMs: py?.load_ms, note: 'lazy: no layer generated' });
    rows.push({
      name: '10⁵-layer family: generate every layer, Σ‖W_k−I‖_F and Σ‖b_k‖',
      oursMs: iterMs,
      numpyMs: py?.iterate_ms,
      note: `heap +${((heapAfter - heapStart) / MB).toFixed(1)} MB after 4 walks and a GC (flat; short-lived garbage peaked at +${((heapPeak - heapStart) / MB).toFixed(0)} MB); Σ‖b_k‖ = ${sumB.toPrecision(12)}${py ? ` (numpy ${py.sum_b.toPrecision(12)})` : ''}, Σ‖W_k−I‖_F = ${sumW.toPrecision(8)}`,
    });
    return rows;
  },
};
