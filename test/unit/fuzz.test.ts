/** The seeded slice of the hostile-input fuzz layer (test/fuzz/harness.ts); `npm run fuzz` runs ≥ 10⁵ cases. */
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzCase, runCase, SEEDS } from '../fuzz/harness';

test('hostile input: mutated JSON, TF.js and checkpoint files → parse → validate → one analysis; no crash, every failure located (fast-check, 500 cases; seed 17 at 3000 cases runs > 5 min, see the report)', async () => {
  await fc.assert(fc.asyncProperty(fuzzCase, async (c) => { await runCase(SEEDS[c.seed], c.m, c.analysis); }), { numRuns: 500, seed: 1 });
});
