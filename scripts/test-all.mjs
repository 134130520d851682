#!/usr/bin/env node
// `npm test`: every check, in order — build, typecheck, lint, unit tests, setup of the test VS Code,
// integration tests (mocha in the extension host; again in an untrusted workspace), UI tests (Playwright on the workbench).
// Prints one summary line per layer and, as the very last line, `N passed, N failed` over all layers
// (tests counted one by one; a failed build/typecheck/lint/setup step counts as one failure).
// Exit code 0 only when everything passed.
//
// The slowness factor (scripts/slowness.mjs) is measured once here and passed on in
// DEPTH_LENS_SLOWNESS: the integration and UI layers scale every timeout and wait by it. A layer
// stopped at its hard timeout still counts the tests it finished (its runner prints them) and the
// summary names the test it was in.
//
// Env: DEPTH_LENS_SKIP=lint,ui (comma list of layer names to skip, for local iteration only),
//      DEPTH_LENS_SLOWNESS=<factor> (skip the measurement).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { slownessFactor } from './slowness.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const skip = new Set((process.env.DEPTH_LENS_SKIP ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const startedAt = Date.now();
// measured before anything else runs, so the suite's own load does not count; children inherit it
const factor = slownessFactor({ log: (m) => console.log(`[test-all] ${m}`) });

/**
 * Runs a command, streaming its output while keeping a copy of stdout for counting. `buffered`: the
 * output is only kept (a step running beside others prints it in one piece when it ends).
 */
function run(cmd, args, { buffered = false } = {}) {
  return new Promise((resolve) => {
    const t = Date.now();
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; if (!buffered) process.stdout.write(chunk); });
    child.stderr.on('data', (chunk) => { output += chunk; if (!buffered) process.stderr.write(chunk); });
    child.on('error', (err) => { output += String(err); });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output, seconds: (Date.now() - t) / 1000 }));
  });
}

/** The number after the last line matching `pattern` (the summary comes last), or NaN. */
function lastNumber(output, pattern) {
  const matches = [...output.matchAll(new RegExp(pattern, 'gm'))];
  return matches.length > 0 ? Number(matches.at(-1)[1]) : NaN;
}

// node:test's spec reporter ends with "ℹ pass N" / "ℹ fail N" / "ℹ cancelled N"
function nodeTestCounts(output) {
  const count = (label) => lastNumber(output, `^\\S* ?${label} (\\d+)\\s*$`);
  const passed = count('pass');
  const failed = count('fail') + (count('cancelled') || 0);
  return Number.isNaN(passed) || Number.isNaN(failed) ? undefined : { passed, failed, skipped: count('skipped') || 0 };
}

// mocha's spec reporter ends with "N passing (…)", "N pending", "N failing"
function mochaCounts(output) {
  const passing = lastNumber(output, '^\\s*(\\d+) passing');
  if (Number.isNaN(passing)) return undefined;
  const failing = lastNumber(output, '^\\s*(\\d+) failing') || 0;
  const pending = lastNumber(output, '^\\s*(\\d+) pending') || 0;
  return { passed: passing, failed: failing, skipped: pending };
}

/**
 * The names of the tests that failed, so the summary (the part of a long log people and CI excerpts
 * see) says which: node:test marks them "✖ name (N ms)", the integration runner "[integration] failed: name".
 */
function failedTestNames(output) {
  const names = new Set();
  for (const m of output.matchAll(/^\s*\u2716 (.+?) \(\d+(?:\.\d+)?ms\)\s*$/gm)) names.add(m[1]);
  for (const m of output.matchAll(/^\[integration\] failed: (.+)$/gm)) names.add(m[1]);
  return [...names];
}

const layers = [];
/**
 * @param {string} name
 * @param {() => Promise<{code:number, output:string, seconds:number}>} runStep
 * @param {(output: string) => ({passed:number, failed:number, skipped:number} | undefined)} [counter]
 *   test layers count their tests; plain steps (build, typecheck…) only pass or fail
 */
async function layer(name, runStep, counter, { buffered = false } = {}) {
  if (skip.has(name)) {
    layers.push({ name, status: 'skipped (DEPTH_LENS_SKIP)', passed: 0, failed: 0 });
    return true;
  }
  // the summary lists layers in the order they started, also when some run side by side
  const slot = layers.push(undefined) - 1;
  if (!buffered) console.log(`\n=== ${name} ===`);
  const { code, output, seconds } = await runStep();
  if (buffered) process.stdout.write(`\n=== ${name} ===\n${output}`);
  const counts = counter?.(output);
  let passed;
  let failed;
  let status;
  if (counter) {
    passed = counts?.passed ?? 0;
    failed = counts?.failed ?? 0;
    // a runner that crashed before reporting (or exited non-zero with all tests green) still fails
    if (code !== 0 && failed === 0) failed = 1;
    if (code === 0 && !counts) { failed = 1; status = 'FAILED (no test counts found in the output)'; }
    if (code === 0 && counts && counts.passed === 0) { failed = 1; status = 'FAILED (ran no test)'; }
    status ??= `${code === 0 ? 'ok' : 'FAILED'}: ${passed} passed, ${failed} failed${counts?.skipped ? `, ${counts.skipped} skipped` : ''}`;
  } else {
    passed = 0;
    failed = code === 0 ? 0 : 1;
    status = code === 0 ? 'ok' : `FAILED (exit code ${code})`;
  }
  // the runners name the test a hard timeout stopped them in
  const stoppedIn = /hard timeout.*while running: (.*)$/m.exec(output)?.[1];
  if (stoppedIn) status += ` (hard timeout in: ${stoppedIn})`;
  const retried = [...output.matchAll(/^\[integration\] retried: (.+)$/gm)].map((m) => m[1]);
  layers[slot] = { name, status: `${status} in ${seconds.toFixed(1)} s`, passed, failed, failures: failedTestNames(output), retried };
  return code === 0 && failed === 0;
}

const notRun = (name, reason) => layers.push({ name, status: `not run: ${reason}`, passed: 0, failed: 0 });

// the build first (it may regenerate src/core/kernels/*.wasm.ts, which the checks read); then typecheck
// and lint side by side (single-threaded, writing nothing; each printed in one piece when it ends)
const built = await layer('build', () => run(npm, ['run', 'build']));
const hasEslintConfig = ['eslint.config.mjs', 'eslint.config.js', 'eslint.config.cjs', 'eslint.config.ts']
  .some((f) => fs.existsSync(path.join(repoRoot, f)));
await Promise.all([
  layer('typecheck', () => run(npm, ['run', 'typecheck'], { buffered: true }), undefined, { buffered: true }),
  hasEslintConfig ? layer('lint', () => run(npm, ['run', 'lint'], { buffered: true }), undefined, { buffered: true }) : notRun('lint', 'no eslint.config.* yet'),
]);
await layer('unit', () => run(npm, ['run', 'test:unit']), nodeTestCounts);
const setUp = await layer('setup', () => run(process.execPath, ['scripts/setup-test-vscode.mjs']));
if (built && setUp) {
  await layer('integration', () => run(process.execPath, ['test/integration/run-code-server.mjs']), mochaCounts);
  // a second launch: workspace trust on, a folder opened untrusted (Restricted Mode)
  await layer('untrusted', () => run(process.execPath, ['test/integration/run-code-server.mjs', '--untrusted', '--no-build']), mochaCounts);
  await layer('ui', () => run(process.execPath, ['test/ui/run.mjs']), nodeTestCounts);
} else {
  const reason = built ? 'setup of the test VS Code failed' : 'build failed';
  notRun('integration', reason);
  notRun('untrusted', reason);
  notRun('ui', reason);
  // the missing layers must show as failures, not as a smaller green total
  layers.at(-1).failed = 1;
}

const passed = layers.reduce((sum, l) => sum + l.passed, 0);
const failed = layers.reduce((sum, l) => sum + l.failed, 0);
console.log(`\n=== summary (${((Date.now() - startedAt) / 1000).toFixed(1)} s, slowness factor ${factor}) ===`);
for (const l of layers) {
  console.log(`${l.name.padEnd(12)} ${l.status}`);
  const names = l.failures ?? [];
  for (const n of names.slice(0, 12)) console.log(`${''.padEnd(12)}   \u2716 ${n}`);
  if (names.length > 12) console.log(`${''.padEnd(12)}   … and ${names.length - 12} more`);
  // passed on the second try: not a failure, but named so the flaky test gets fixed
  for (const n of l.retried ?? []) console.log(`${''.padEnd(12)}   \u21bb retried: ${n}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
