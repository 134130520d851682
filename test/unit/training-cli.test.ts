/**
 * depth-lens train indicator | mean-field: JSON fields, options over a network file's `training`
 * section, usage errors (bad options and parameters, exit 2) against runs that stop or warn (exit 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainCommand } from '../../src/cli/commands/train';
import { main } from '../../src/cli/main';
import { UsageError, type CliIo } from '../../src/cli/command';

const io = { readFile: () => new Uint8Array(), writeFile: () => undefined, progress: () => undefined };

/** An io whose files are the given texts (paths as written). */
function files(map: Record<string, string>): CliIo {
  return {
    readFile: (p) => {
      if (!(p in map)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
      return new TextEncoder().encode(map[p]);
    },
    writeFile: () => undefined,
    progress: () => undefined,
  };
}

const network = (training: unknown) => JSON.stringify({
  format: 'depth-lens/network@1', input: { dim: 1 },
  layers: [{ type: 'dense', weights: [[1]], bias: [0], activation: 'linear' }],
  training,
});

test('CLI: train indicator --json has loss pairs, slope with range and the exact-GD slope, probe errors, w', async () => {
  const r = await trainCommand.run(['indicator', '--iterations', '3000', '--seed', '2', '--json'], io);
  assert.equal(r.exitCode, 0);
  assert.equal(r.stderr, undefined);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.loss[0], [0, 1 / 6]); // L(w₀ = 2) = 1/(3·2)
  assert.equal(j.loss[j.loss.length - 1][0], 3000);
  assert.equal(j.slope.fitFrom, 300);
  assert.equal(j.slope.fitTo, 3000);
  assert.deepEqual(Object.keys(j.slope), ['exponent', 'interval', 'standardError', 'fitFrom', 'fitTo', 'expected', 'flowExponent']);
  assert.ok(Math.abs(j.slope.exponent - j.slope.flowExponent) < 0.03, `${j.slope.exponent} vs ${j.slope.flowExponent}`);
  assert.equal(j.probes.length, 7);
  assert.deepEqual(j.probes[0].error[0], [0, 0]);
  assert.equal(j.w[0][1], 2);
  assert.equal(j.stopped, null);
  assert.deepEqual(j.warnings, []);
  assert.match(j.construction, /^Our construction/);
  assert.match(j.feature.description, /^d = 1: φ\(x\) = \|x\| = σ\(x\) \+ σ\(−x\), exact; ramp at a = 1\/2/);
});

test('CLI: train mean-field --json has widths with t/steps/mean/sd/loss/diverged and spreadExponent', async () => {
  const r = await trainCommand.run(['mean-field', '--widths', '8,16', '--seeds', '3', '--T', '1', '--probes', '0,0.5', '--json'], io);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.widths.map((w: { N: number }) => w.N), [8, 16]);
  assert.equal(j.widths[0].mean.length, 2);
  assert.equal(j.widths[0].t.length, 21);
  assert.deepEqual(j.widths[0].t, j.widths[1].t);
  assert.equal(j.widths[1].steps[20], 16);
  assert.equal(j.widths[0].diverged, false);
  assert.equal(typeof j.spreadExponent.exponent, 'number');
  assert.deepEqual(j.probes, [{ x: 0, target: 0 }, { x: 0.5, target: 1 }]);
});

test('CLI: a coarse level with a large step stops the run: exit 0, the reason on stderr and in the JSON, no null loss', async () => {
  // the audit's case: it used to exit 2 with "w must be > 0" (an internal error reported as a usage error)
  const args = ['indicator', '--dim', '2', '--level', '1', '--iterations', '5000', '--lr', '60', '--batch', '1', '--w0', '1.34', '--seed', '4'];
  const r = await trainCommand.run([...args, '--json'], io);
  assert.equal(r.exitCode, 0);
  const j = JSON.parse(r.stdout);
  assert.equal(j.stopped.reason, 'left-range');
  assert.equal(j.completedIterations, j.stopped.iteration - 1);
  assert.ok(j.loss.every(([, v]: [number, number]) => typeof v === 'number'), 'every loss is a number');
  assert.match(r.stderr ?? '', /^depth-lens train: warning: stopped at iteration \d+: the step would take w from/);
  const text = await trainCommand.run(args, io);
  assert.match(text.stdout, /\nSTOPPED after \d+ of 5000 iterations: stopped at iteration \d+: /);
});

test('CLI: numbers go through decimal(); bad options and parameters are usage errors (exit 2) with the core\'s message', async () => {
  assert.throws(() => trainCommand.run([], io), new UsageError("expected a sub-command: 'indicator' or 'mean-field'"));
  assert.throws(() => trainCommand.run(['indicator', '--lr', 'fast'], io), new UsageError("--lr expects a number, got 'fast'"));
  assert.throws(() => trainCommand.run(['indicator', '--iterations', '0x10'], io), new UsageError("--iterations expects a number, got '0x10'"));
  assert.throws(() => trainCommand.run(['indicator', '--seed', ' '], io), new UsageError("--seed expects a number, got ' '"));
  assert.throws(() => trainCommand.run(['mean-field', '--widths', '8,,16'], io), new UsageError("--widths expects a number, got ''"));
  assert.throws(() => trainCommand.run(['mean-field', '--seeds', '1'], io), new UsageError('seeds must be an integer ≥ 2 (the spread needs two runs), got 1'));
  assert.throws(() => trainCommand.run(['indicator', '--dim', '2', '--level', '0'], io), new UsageError('level must be an integer ≥ 1, got 0'));
  assert.throws(() => trainCommand.run(['indicator', '--seed', '4294967296'], io), new UsageError('seed must be an integer in [0, 4294967295], got 4294967296'));
  assert.throws(() => trainCommand.run(['mean-field', '--ratio', '1000'], io), /n1PerN2 = 1000 leaves N2 = round\(25\/1000\) = 0 for width 25/);
  // through main: exit code 2 and the message on stderr
  const m = await main(['train', 'indicator', '--iterations', '1e12'], io);
  assert.equal(m.exitCode, 2);
  assert.equal(m.stderr, 'depth-lens train: the run needs about 4.7e14 operations (1000000000000 iterations × batch 32 × 14 per sample for d = 1), ' +
    'above the budget of 1.0e11 (a few minutes); lower iterations, batch, dim or level, or raise the budget (maxWork; CLI: --max-work)\n');
  for (const argv of [['--batch', '1e12', '--iterations', '1'], ['--iterations', '1e9', '--records', '1e9'], ['--dim', '1000000']]) {
    assert.equal((await main(['train', 'indicator', ...argv], io)).exitCode, 2, argv.join(' '));
  }
  for (const argv of [['--widths', '3000'], ['--seeds', '1e9'], ['--T', '1e9'], ['--records', '1e9'], ['--widths', '100000']]) {
    assert.equal((await main(['train', 'mean-field', ...argv], io)).exitCode, 2, argv.join(' '));
  }
});

test('CLI: --max-work raises or lowers the budget', async () => {
  assert.throws(() => trainCommand.run(['mean-field', '--widths', '8,16', '--seeds', '2', '--T', '1', '--max-work', '1000'], io), /above the budget of 1\.0e3/);
  const r = await trainCommand.run(['mean-field', '--widths', '8,16', '--seeds', '2', '--T', '1', '--max-work', '1e12', '--json'], io);
  assert.equal(JSON.parse(r.stdout).params.maxWork, 1e12);
});

test('CLI: train indicator FILE reads the training section; options override it; the experiment must match', async () => {
  const fs = files({
    'ind.network.json': network({ experiment: 'indicator', iterations: 400, batch: 8, seed: 9, learningRate: 0.5, fitFrom: 50 }),
    'mf.network.json': network({ experiment: 'mean-field', widths: [8, 16], seeds: 2, T: 0.5, records: 2 }),
    'none.network.json': network(undefined),
    'bad.network.json': network({ experiment: 'indicator', batch: 0 }),
  });
  const a = JSON.parse((await trainCommand.run(['indicator', 'ind.network.json', '--json'], fs)).stdout);
  assert.deepEqual([a.params.iterations, a.params.batch, a.params.seed, a.params.learningRate, a.params.fitFrom], [400, 8, 9, 0.5, 50]);
  const b = JSON.parse((await trainCommand.run(['indicator', '--seed', '3', 'ind.network.json', '--json'], fs)).stdout);
  assert.deepEqual([b.params.iterations, b.params.seed], [400, 3]);
  const m = JSON.parse((await trainCommand.run(['mean-field', 'mf.network.json', '--json'], fs)).stdout);
  assert.deepEqual(m.widths.map((w: { N: number }) => w.N), [8, 16]);
  assert.throws(() => trainCommand.run(['mean-field', 'ind.network.json'], fs),
    new UsageError('the "training" section of ind.network.json is for the "indicator" experiment; run \'depth-lens train indicator ind.network.json\' (this is \'train mean-field\')'));
  assert.throws(() => trainCommand.run(['indicator', 'none.network.json'], fs),
    new UsageError('none.network.json has no "training" section; give the parameters as options instead'));
  assert.throws(() => trainCommand.run(['indicator', 'a.network.json', 'b.network.json'], fs), new UsageError('expected at most one FILE, got 2: a.network.json b.network.json'));
  // a section with errors is a file error (exit 1) with file:line:col diagnostics
  const bad = await main(['train', 'indicator', 'bad.network.json'], fs);
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /bad\.network\.json:1:\d+: error: training: batch must be an integer ≥ 1, got 0 \[invalid-value\]/);
});

test('CLI: --help documents the JSON fields of the fits', async () => {
  const r = await main(['train', '--help'], io);
  assert.equal(r.exitCode, 0);
  for (const s of ["jq '.slope.exponent'", 'flowExponent', 'evalSlope', "jq '.spreadExponent.exponent'", 'diverged', '--max-work', 'train indicator [FILE]']) {
    assert.ok(r.stdout.includes(s), s);
  }
});
