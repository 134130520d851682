/**
 * npm run bench [-- suiteName...]: runs every suite in bench/suites, prints one side-by-side table
 * (ours vs numpy, same run) and writes bench/results/latest.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchRow, BenchSuite } from './harness';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const dir = path.join(__dirname, 'suites');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const lines: string[] = [
    `# Depth Lens benchmarks — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}. Times are best-of-N wall clock in ms.`,
    '',
    '| suite | case | ours (ms) | numpy (ms) | numpy/ours | note |',
    '|---|---|---:|---:|---:|---|',
  ];
  for (const f of files) {
    const mod = (await import(path.join(dir, f))) as { suite: BenchSuite };
    if (only.length && !only.includes(mod.suite.name)) continue;
    process.stderr.write(`running ${mod.suite.name}…\n`);
    const rows: BenchRow[] = await mod.suite.run();
    for (const r of rows) {
      const ratio = r.numpyMs !== undefined ? (r.numpyMs / r.oursMs).toFixed(2) : '—';
      const line = `| ${mod.suite.name} | ${r.name} | ${r.oursMs.toFixed(2)} | ${r.numpyMs !== undefined ? r.numpyMs.toFixed(2) : '—'} | ${ratio} | ${r.note ?? ''} |`;
      lines.push(line);
      process.stdout.write(line + '\n');
    }
  }
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'latest.md'), lines.join('\n') + '\n');
  process.stdout.write('\n(numpy/ours > 1 means Depth Lens is faster) — written to bench/results/latest.md\n');
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
