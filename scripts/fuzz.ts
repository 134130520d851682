/**
 * `npm run fuzz [cases] [seed]`: the hostile-input fuzz layer (test/fuzz/harness.ts); prints cases, time,
 * peak RSS and the slowest cases (index, milliseconds, what they were). With FUZZ_TRACE=<file> each
 * case is written to that file before it runs, so a case that never returns can be read from it.
 */
import * as fs from 'node:fs';
import fc from 'fast-check';
import { fuzzCase, runCase, SEEDS } from '../test/fuzz/harness';

const SLOWEST = 5;

async function main(): Promise<void> {
  const cases = Number(process.argv[2] ?? 100_000), seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
  const trace = process.env.FUZZ_TRACE ? fs.openSync(process.env.FUZZ_TRACE, 'w') : undefined;
  const slowest: { ms: number; what: string }[] = [];
  let index = 0;
  const t = Date.now();
  const r = await fc.check(fc.asyncProperty(fuzzCase, async (c) => {
    const what = `case ${index++}: ${SEEDS[c.seed].name}, ${JSON.stringify(c.m)}, analysis ${c.analysis}`;
    if (trace !== undefined) { fs.ftruncateSync(trace, 0); fs.writeSync(trace, `${what}\n`, 0); }
    const start = performance.now();
    try {
      await runCase(SEEDS[c.seed], c.m, c.analysis);
    } finally {
      const ms = performance.now() - start;
      if (slowest.length < SLOWEST || ms > slowest[slowest.length - 1].ms) {
        slowest.push({ ms, what });
        slowest.sort((a, b) => b.ms - a.ms);
        slowest.length = Math.min(slowest.length, SLOWEST);
      }
    }
  }), { numRuns: cases, seed, endOnFailure: true });
  const secs = ((Date.now() - t) / 1000).toFixed(1);
  console.log(`fuzz: ${r.numRuns} cases, seed ${seed}, ${secs} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  console.log(`slowest: ${slowest.map((s) => `\n  ${s.ms.toFixed(0)} ms  ${s.what}`).join('')}`);
  if (r.failed) { console.log(fc.defaultReportMessage(r)); process.exitCode = 1; }
}
void main();
