/** `npm run fuzz [cases] [seed]`: the hostile-input fuzz layer (test/fuzz/harness.ts); prints cases, time and peak RSS. */
import fc from 'fast-check';
import { fuzzCase, runCase, SEEDS } from '../test/fuzz/harness';

async function main(): Promise<void> {
  const cases = Number(process.argv[2] ?? 100_000), seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
  const t = Date.now();
  const r = await fc.check(fc.asyncProperty(fuzzCase, async (c) => { await runCase(SEEDS[c.seed], c.m, c.analysis); }), { numRuns: cases, seed, endOnFailure: true });
  const secs = ((Date.now() - t) / 1000).toFixed(1);
  console.log(`fuzz: ${r.numRuns} cases, seed ${seed}, ${secs} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  if (r.failed) { console.log(fc.defaultReportMessage(r)); process.exitCode = 1; }
}
void main();
