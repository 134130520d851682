/** depth-lens check / info over the examples: exact output lines, exit codes, --json, size limit. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkCommand } from '../../src/cli/commands/check';
import { infoCommand } from '../../src/cli/commands/info';
import { loadNetworkFile } from '../../src/cli/load';
import type { CliIo } from '../../src/cli/command';

const root = path.join(__dirname, '..', '..');
const io: CliIo = {
  readFile: (p) => fs.readFileSync(path.resolve(root, p)),
  writeFile: () => { throw new Error('not used'); },
  progress: () => {},
};

test('check: errors as file:line:col: severity: message [code], exit 1', async () => {
  const r = await checkCommand.run(['examples/errors.network.json'], io);
  assert.equal(r.exitCode, 1);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'examples/errors.network.json:11:9: error: layer 1 weights is ragged: row 2 has 3 entries but row 1 has 2 [ragged-matrix]');
  assert.equal(lines[1], 'examples/errors.network.json:18:18: error: layer 2 expects 3 inputs but layer 1 produces 2 [shape-mismatch]');
  assert.equal(lines[6], 'examples/errors.network.json:47:17: error: layer 6 (residual) branch maps 2 inputs to 3 outputs; it must return 2 values to add to the shortcut [residual-shape]');
  assert.equal(lines[7], '1 file checked: 7 errors, 0 warnings');
});

test('check: valid files print a summary and exit 0; external and TF.js files resolve beside the file', async () => {
  const r = await checkCommand.run(['examples/canonical.network.json', 'examples/external-weights.network.json', 'examples/tfjs/model.json'], io);
  assert.equal(r.exitCode, 0);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'examples/canonical.network.json: ok — 2 layers, widths 2, 3, 1, 13 parameters');
  assert.equal(lines[1], 'examples/external-weights.network.json: ok — 2 layers, widths 2, 3, 1, 13 parameters');
  assert.equal(lines[lines.length - 1], '3 files checked: 0 errors, 0 warnings');
});

test('check --json: one document with 1-based positions; unreadable file; --max-size-mb', async () => {
  const r = await checkCommand.run(['--json', 'examples/errors.network.json', 'examples/nope.network.json'], io);
  assert.equal(r.exitCode, 1);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.errors, 8);
  assert.equal(doc.files[0].diagnostics[0].line, 11);
  assert.equal(doc.files[0].diagnostics[0].column, 9);
  assert.equal(doc.files[0].diagnostics[0].code, 'ragged-matrix');
  assert.equal(doc.files[1].diagnostics[0].code, 'file-unreadable');
  const small = await checkCommand.run(['--max-size-mb', '0.0001', 'examples/canonical.network.json'], io);
  assert.equal(small.exitCode, 1);
  assert.match(small.stdout, /examples\/canonical\.network\.json:1:1: error: examples\/canonical\.network\.json is 747 bytes, above the limit of 104 bytes; raise it with --max-size-mb \(editor: setting depthLens\.maxFileSizeMB\)/);
  await assert.rejects(async () => checkCommand.run([], io), /give at least one FILE/);
});

test('info: norms per layer equal the closed forms', async () => {
  const r = await infoCommand.run(['--json', 'examples/canonical.network.json'], io);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.summary.depth, 2);
  assert.equal(doc.summary.parameterCount, 13);
  // W1 = [[1,−1],[0.5,2],[−1,0.25]]: ‖W1‖₂² is the larger eigenvalue of the 2×2 Gram matrix
  // W1ᵀW1 = [[2.25, −0.25], [−0.25, 5.0625]] (trace 7.3125, det 11.328125): (t + √(t² − 4d))/2
  const t = 7.3125, d = 11.328125;
  assert.equal(doc.rows[0].shape, '3×2');
  assert.ok(Math.abs(doc.rows[0].normW - Math.sqrt((t + Math.sqrt(t * t - 4 * d)) / 2)) < 1e-12);
  assert.equal(doc.rows[0].normWminusI, null);
  assert.ok(Math.abs(doc.rows[0].normB - Math.hypot(0, -0.5, 0.1)) < 1e-15);
  assert.ok(Math.abs(doc.rows[1].normW - Math.hypot(1, -2, 0.5)) < 1e-12);
});

test('info: a 10⁵ family is summarised by its first and last layers unless --all', async () => {
  const r = await infoCommand.run(['examples/convergent-family.network.json'], io);
  assert.equal(r.exitCode, 0);
  assert.match(r.stdout, /depth 100000, output dim 2, widths 2 \(×100001\), 600000 parameters/);
  assert.match(r.stdout, /… 99994 more layers \(--all lists them\)/);
  const rows = r.stdout.split('\n').filter((l) => /^\d+\s+family/.test(l));
  assert.deepEqual(rows.map((l) => Number(l.split(/\s+/)[0])), [1, 2, 3, 99998, 99999, 100000]);
  const all = JSON.parse((await infoCommand.run(['--json', '--all', 'examples/divergent-family.network.json'], io)).stdout);
  assert.equal(all.rows.length, 1000);
  // ‖W_k − I‖₂ = 1/k for W_k = (1 + 1/k) I
  assert.ok(Math.abs(all.rows[9].normWminusI - 0.1) < 1e-15);
});

test('loadNetworkFile throws with every error formatted as file:line:col', () => {
  assert.throws(() => loadNetworkFile('examples/errors.network.json', io), (e: Error) => {
    const lines = e.message.split('\n');
    assert.equal(lines[0], 'examples/errors.network.json has 7 errors:');
    assert.equal(lines[1], 'examples/errors.network.json:11:9: error: layer 1 weights is ragged: row 2 has 3 entries but row 1 has 2 [ragged-matrix]');
    return true;
  });
  const ok = loadNetworkFile('examples/resnet-family.network.json', io);
  assert.equal(ok.network.depth, 500);
});
