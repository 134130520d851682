import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { decimal } from '../../src/cli/numbers';
import packageJson from '../../package.json';

const io: CliIo = { readFile: () => { throw new Error('no files in this test'); }, writeFile: () => assert.fail('must not write'), progress: () => undefined };

test('depth-lens without a command prints help and exits 2', async () => {
  const r = await main([], io);
  assert.equal(r.exitCode, 2);
  assert.match(r.stdout, /^depth-lens — analyse deep ReLU network/);
});

test('an unknown command says so and exits 2', async () => {
  const r = await main(['frobnicate'], io);
  assert.equal(r.exitCode, 2);
  assert.equal(r.stderr, "depth-lens: unknown command 'frobnicate'. Run 'depth-lens --help' for the list.\n");
});

test('--version prints the package version', async () => {
  const r = await main(['--version'], io);
  assert.equal(r.stdout, `${packageJson.version}\n`);
});

test('decimal: plain decimal literals only (no hex, no blanks, no overflow to Infinity)', () => {
  assert.deepEqual(['3', '-0.5', '+2', '1e-3', '.5', '7.', ' 4 ', '2E3'].map(decimal), [3, -0.5, 2, 0.001, 0.5, 7, 4, 2000]);
  for (const bad of ['', ' ', '0x10', '0b1', '1e999', '-1e999', 'NaN', 'Infinity', '1,2', '1e', '--1', 'pi']) assert.ok(Number.isNaN(decimal(bad)), `'${bad}' must be NaN`);
});
