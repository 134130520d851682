/**
 * Benchmark harness: each suite times our TypeScript kernel and the same work in numpy
 * (Debian's python3-numpy via /usr/bin/python3) in the same run, on the same machine.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export interface BenchRow {
  /** what was measured, e.g. "forward+patterns 4096×(2→64→64→1)" */
  readonly name: string;
  /** best-of-repeats wall time in ms of our implementation */
  readonly oursMs: number;
  /** same work in numpy (ms), or undefined when numpy is unavailable */
  readonly numpyMs?: number;
  /** free-form: sizes, memory, throughput */
  readonly note?: string;
}

export interface BenchSuite {
  readonly name: string;
  run(): Promise<BenchRow[]> | BenchRow[];
}

/** Best of `repeats` runs after one warm-up, in ms. */
export function timeBest(fn: () => void, repeats = 5): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    const t = Number(process.hrtime.bigint() - t0) / 1e6;
    if (t < best) best = t;
  }
  return best;
}

export const PYTHON = '/usr/bin/python3';

/**
 * Run bench/py/<script> with JSON args on stdin; the script prints one JSON object to stdout.
 * Returns undefined (and says why on stderr) when numpy is missing.
 */
export function runNumpy<T = Record<string, number>>(script: string, args: unknown): T | undefined {
  try {
    const out = execFileSync(PYTHON, [path.join(__dirname, 'py', script)], { input: JSON.stringify(args), encoding: 'utf8', maxBuffer: 1 << 26 });
    return JSON.parse(out) as T;
  } catch (e) {
    process.stderr.write(`numpy reference ${script} unavailable: ${(e as Error).message.split('\n')[0]}\n`);
    return undefined;
  }
}
