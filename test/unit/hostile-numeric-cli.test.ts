/**
 * Issue 17: the built CLI (dist/cli.js, after `npm run build`) on the numeric hostile files of
 * scripts/make-hostile-files.mjs, written to a temp folder: every command exits 0/1/2/3, a failure is
 * one line on stderr (naming the file unless it is a usage error), never a stack trace or "internal
 * error", and no output prints a number computed from ∞/NaN ("Infinity", "NaN").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// @ts-expect-error: a plain ES module script (no declarations)
import { writeHostileFiles } from '../../scripts/make-hostile-files.mjs';
import { scaledMs } from './slowness-helpers';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const dir: string = writeHostileFiles(fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-hostile-')));

/**
 * A hang guard, not a speed target: 120 s on an idle machine, scaled by the slowness factor `npm test`
 * measures (DEPTH_LENS_SLOWNESS) — under a load of 4 busy loops the 10-layer width-10⁴ family took 195 s
 * to generate its 10⁹ Gaussian weights before `regions` refused it.
 */
const SPAWN_TIMEOUT_MS = scaledMs(120_000);

function run(...argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...argv], { encoding: 'utf8', timeout: SPAWN_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const COMMANDS = ['check', 'info', 'activations', 'regions', 'convergence', 'degeneracy'] as const;
/** the slow ones are measured in the report, not run here: 2·10⁵ parsed layers (~5 s each), 10⁷ convergence steps */
const SKIP = new Set(['deep-explicit-2e5.network.json info', 'deep-explicit-2e5.network.json check', 'deep-explicit-2e5.network.json regions',
  'deep-explicit-2e5.network.json convergence', 'deep-explicit-2e5.network.json degeneracy', 'family-deep-1e7.network.json convergence']);

test('the CLI is built (npm run build) — the tests below spawn dist/cli.js', () => {
  assert.ok(fs.existsSync(cli), `${cli} is missing: run npm run build`);
});

test('the hang guard is whole milliseconds at any slowness factor (a CI-like run measured 2.16, and spawnSync refused 259200.00000000003)', () => {
  for (const factor of [1, 1.65, 2.16, 2.3, 4.24, 6]) {
    const ms = scaledMs(120_000, factor);
    assert.ok(Number.isInteger(ms), `${factor}: ${ms}`);
    assert.equal(spawnSync(process.execPath, ['-e', '0'], { timeout: ms }).status, 0);
  }
  assert.equal(120_000 * 2.16, 259200.00000000003, 'the float64 product the guard must round');
});

for (const name of fs.readdirSync(dir).sort()) {
  for (const command of COMMANDS) {
    if (SKIP.has(`${name} ${command}`)) continue;
    test(`depth-lens ${command} ${name}: exit 0–3, one located line on failure, no trace, no ∞/NaN printed`, () => {
      const file = path.join(dir, name);
      const r = run(command, file);
      assert.ok(r.status !== null && [0, 1, 2, 3].includes(r.status), `exit ${r.status}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at |Maximum call stack|Invalid typed array length|Cannot read properties/);
      assert.doesNotMatch(r.stdout, /Infinity|NaN/);
      if (r.status !== 0 && !(command === 'check' && r.status === 1)) {
        const lines = r.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
        if (r.status === 2) assert.match(lines[0], new RegExp(`^depth-lens ${command}: `));
        else assert.ok(lines[0].includes(file), `the line names the file: ${lines[0]}`);
      }
    });
  }
}

test('activations on W = 10·I (1000 layers): exit 3, the overflow named; the pattern of every layer printed', () => {
  const file = path.join(dir, 'overflow-10I.network.json');
  const r = run('activations', file);
  assert.equal(r.status, 3);
  assert.equal(r.stderr, `${file}: overflows float64 at layer 309 (a pre-activation is about 1.0e309): N(x), the affine map and every value from layer 309 on are withheld; the activation patterns and the stability radius are exact (computed with a per-layer scale)\n`);
  assert.match(r.stdout, /^N\(x\) withheld: overflows float64 at layer 309/m);
  assert.match(r.stdout, /^1000 +dense +1\/2 +0 +10$/m);
  assert.match(r.stdout, /^stability radius 0\.5 — nearest face: layer 1, neuron 2$/m);
  const json = JSON.parse(run('activations', file, '--json').stdout);
  // "overflow" markers where values are withheld; null keeps meaning "not applicable"
  assert.deepEqual(json.output, { overflow: { layer: 309, log2: 1026.5 } });
  assert.deepEqual(json.affine.A, { overflow: { layer: 309, log2: 1026.5 } });
  assert.equal(json.layers[307].output[0] > 9.99e307, true);
  assert.deepEqual(json.layers[308].output, { overflow: { layer: 309, log2: 1026.5 } });
  assert.equal(json.radius, 0.5);
});

test('activations on biases of 1e308 followed by ∞ − ∞: exit 3 and a finding, never NaN with exit 0', () => {
  const file = path.join(dir, 'bias-1e308-cancel.network.json');
  const r = run('activations', file);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /: overflows float64 at layer 1 \(a pre-activation is about 2\.0e308\)/);
});

test('regions on the slice [−1e308, 1e308]²: the true 4 regions', () => {
  const r = run('regions', path.join(dir, 'regions-1e308.network.json'));
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^4 activation regions$/m);
});

test('degeneracy on probes of size 1e200 and 1e−200: θ⁰ = π/4 (was π/2, and a crash)', () => {
  for (const name of ['probes-1e200.network.json', 'probes-1e-200.network.json']) {
    const r = run('degeneracy', path.join(dir, name));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\(θ⁰ = 0\.785398\)/);
  }
});

test('budgets: 10⁷-layer activations and width-10⁴ norms are refused or withheld at once, naming the cost and the control', () => {
  const deep = path.join(dir, 'family-deep-1e7.network.json');
  const a = run('activations', deep);
  assert.equal(a.status, 1);
  assert.equal(a.stderr, `depth-lens activations: ${deep}: activations needs about 7.93 GB of memory (10000000 layers, 10000000 units, input dimension 2), above the budget of 1024 MB; raise it with --max-memory-mb (editor: setting depthLens.analysis.maxMemoryMB), or analyse a smaller network\n`);
  const wide = path.join(dir, 'family-wide-1e4.network.json');
  const info = run('info', wide);
  assert.equal(info.status, 0);
  assert.match(info.stdout, /^norms withheld: the norms needs about 1\.49 GB of memory \(norms of 10 layers\), above the budget of 1024 MB; raise it with --max-memory-mb/m);
  assert.match(info.stdout, /^1 +family +10000×10000 +· +withheld +withheld +withheld$/m);
  const c = run('convergence', wide);
  assert.equal(c.status, 1);
  assert.match(c.stderr, /convergence needs about .* multiply-adds \(10 layers of width up to 10000, 1 probe\), above the budget of 1\.0e11; raise it with --max-work/);
  // a usage error for a budget beyond the maximum
  const big = run('activations', deep, '--max-work', '1e20');
  assert.equal(big.status, 2);
  assert.equal(big.stderr, 'depth-lens activations: --max-work is 1e20, above its maximum of 100000000000000\n');
});

test('convergence --fail-on diverges on W = 10·I: exit 3 (cannot decide), the overflow named', () => {
  const r = run('convergence', path.join(dir, 'overflow-10I.network.json'), '--fail-on', 'diverges');
  assert.equal(r.status, 3);
  assert.match(r.stderr, /cannot decide: overflows float64 at layer 308/);
});

test('activations on 2·10⁵ explicit layers: no "Maximum call stack size exceeded"; rows bounded', () => {
  const r = run('activations', path.join(dir, 'deep-explicit-2e5.network.json'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^…\s+199000 layers not listed \(--json lists all\)$/m);
  assert.match(r.stdout, /^200000 +dense +1\/1 +0 +1$/m);
});
