/** The seeded slice of the hostile-input fuzz layer (test/fuzz/harness.ts); `npm run fuzz` runs ≥ 10⁵ cases. */
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzCase, runCase, SEEDS } from '../fuzz/harness';

// seed 17 found the bugs kept in fuzz-regressions.test.ts (by case index); its first 5000 cases take about 20 s
test('hostile input: mutated JSON, TF.js and checkpoint files → parse → validate → one analysis; no crash, every failure located (fast-check, 5000 cases, seed 17)', async () => {
  await fc.assert(fc.asyncProperty(fuzzCase, async (c) => { await runCase(SEEDS[c.seed], c.m, c.analysis); }), { numRuns: 5000, seed: 17 });
});
