/**
 * npm run bench [-- name...]: runs every suite in bench/suites (in-process kernels) and the
 * end-to-end CLI cases (bench/e2e.ts, name `e2e`), prints side-by-side tables (ours vs numpy on
 * OpenBLAS with 1 and 2 threads, same run) and writes bench/results/latest.md.
 * `npm run build` must have run (the end-to-end cases time dist/cli.js).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { numpySetup, type BenchRow, type BenchSuite } from './harness';
import { runEndToEnd, type E2ERow, type SideStats } from './e2e';
import { installThreadPool } from '../src/worker/pool';
import { measureF64x2Peak, nativeVectorUnits } from './peak';

const fmt = (ms: number | undefined, digits = 2) => (ms === undefined ? '—' : ms.toFixed(digits));
const ratio = (num: number | undefined, den: number) => (num === undefined ? '—' : (num / den).toFixed(2));

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  // our in-process analyses use the thread pool, as the CLI and the extension's workers do
  const pool = installThreadPool({ script: path.join(__dirname, '..', 'src', 'worker', 'poolWorker.ts'), typescript: true });
  const np = numpySetup();
  const peak = await measureF64x2Peak();
  const cpu = os.cpus()[0]?.model ?? 'cpu';
  const lines: string[] = [
    `# Depth Lens benchmarks — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${cpu} ×${os.cpus().length} (${(os.totalmem() / 2 ** 30).toFixed(0)} GiB), load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}.`,
    `Depth Lens: WebAssembly SIMD (f64x2) kernels, ${1 + (pool?.helpers ?? 0)} threads (the CLI's and workers' pool). Best f64x2 throughput of this CPU from WebAssembly (bench/peak.ts, multiply + add on registers): ${peak.toFixed(1)} GFLOP/s per core. The CPU offers native code ${nativeVectorUnits()}.`,
    `numpy side: ${np.description}.`,
    '',
  ];
  const dir = path.join(__dirname, 'suites');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const inProcess: string[] = [
    '## In process',
    '',
    'Wall time in ms: ours min and median of the repeats (after a warm-up); numpy best of its repeats with 1 and with 2 OpenBLAS threads. numpy/ours uses the faster numpy setting.',
    '',
    '| suite | case | ours min | ours median | numpy 1T | numpy 2T | numpy/ours | note |',
    '|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const f of files) {
    const mod = (await import(path.join(dir, f))) as { suite: BenchSuite };
    if (!want(mod.suite.name)) continue;
    process.stderr.write(`running ${mod.suite.name}…\n`);
    const rows: BenchRow[] = await mod.suite.run();
    for (const r of rows) {
      const best = r.numpyMs === undefined ? r.numpy2Ms : r.numpy2Ms === undefined ? r.numpyMs : Math.min(r.numpyMs, r.numpy2Ms);
      const line = `| ${mod.suite.name} | ${r.name} | ${fmt(r.oursMs)} | ${fmt(r.oursMedianMs)} | ${fmt(r.numpyMs)} | ${fmt(r.numpy2Ms)} | ${ratio(best, r.oursMs)} | ${r.note ?? ''} |`;
      inProcess.push(line);
      process.stdout.write(line + '\n');
    }
  }
  if (inProcess.length > 6) lines.push(...inProcess, '');
  if (want('e2e')) {
    process.stderr.write('running e2e (CLI end to end)…\n');
    const rows = runEndToEnd();
    lines.push(
      '## End to end (process start to JSON written)',
      '',
      '`node dist/cli.js …` against a Python script doing the same work with numpy (bench/py/e2e_*.py), the three interleaved (ours, numpy 1 thread, numpy 2 threads, ours, …). Wall and CPU (user + system, all threads) in seconds, min / median; peak RSS in MB. Ratios are numpy/ours of the minima: wall against the faster numpy setting, CPU against numpy on 1 thread.',
      '',
      '| case | ours wall | ours CPU | ours RSS | numpy 1T wall | numpy 1T CPU | numpy 2T wall | numpy RSS | numpy/ours wall | numpy/ours CPU | check |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const r of rows) {
      const line = e2eLine(r);
      lines.push(line);
      process.stdout.write(line + '\n');
    }
    lines.push('');
  }
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'latest.md'), lines.join('\n'));
  process.stdout.write('\n(numpy/ours > 1 means Depth Lens is faster) — written to bench/results/latest.md\n');
  await pool?.close();
}

function sec(s: SideStats | undefined, key: 'wall' | 'cpu'): string {
  if (!s) return '—';
  const min = key === 'wall' ? s.wallMin : s.cpuMin, med = key === 'wall' ? s.wallMedian : s.cpuMedian;
  return `${(min / 1000).toFixed(2)} / ${(med / 1000).toFixed(2)}`;
}

function e2eLine(r: E2ERow): string {
  const bestWall = r.numpy1 && r.numpy2 ? Math.min(r.numpy1.wallMin, r.numpy2.wallMin) : r.numpy1?.wallMin;
  const npRss = r.numpy1 && r.numpy2 ? Math.max(r.numpy1.rssMax, r.numpy2.rssMax) : undefined;
  return `| ${r.name} | ${sec(r.ours, 'wall')} | ${sec(r.ours, 'cpu')} | ${r.ours.rssMax.toFixed(0)} | ${sec(r.numpy1, 'wall')} | ${sec(r.numpy1, 'cpu')} | ${sec(r.numpy2, 'wall')} | ${npRss === undefined ? '—' : npRss.toFixed(0)} | ${ratio(bestWall, r.ours.wallMin)} | ${ratio(r.numpy1?.cpuMin, r.ours.cpuMin)} | ${r.note} |`;
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
