#!/usr/bin/env node
// Runs the UI tests (test/ui/**/*.ui.test.ts) with node:test, one file at a time: each file starts
// its own code-server + Chromium, and two workbenches at once would only slow a 2-core machine down.
// Screenshots land in test-output/ui/. Exit code = node:test's. Extra arguments go to node --test
// (e.g. --test-name-pattern=overview).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const uiDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(uiDir, '..', '..');

function findUiTests(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findUiTests(full);
    return entry.isFile() && entry.name.endsWith('.ui.test.ts') ? [full] : [];
  }).sort();
}

const files = findUiTests(uiDir).map((f) => path.relative(repoRoot, f));
if (files.length === 0) {
  console.error('[ui] no *.ui.test.ts files under test/ui');
  process.exit(1);
}
// a hard ceiling so CI never hangs on a stuck browser (per-test timeouts live in the test files)
const timeoutS = Number(process.env.DEPTH_LENS_UI_TIMEOUT_S ?? 900);
const child = spawn(process.execPath, [
  '--import', 'tsx',
  '--test', '--test-concurrency=1', '--test-reporter=spec',
  ...process.argv.slice(2),
  ...files,
], { cwd: repoRoot, stdio: 'inherit', detached: true });
const timer = setTimeout(() => {
  console.error(`[ui] hard timeout after ${timeoutS} s`);
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
}, timeoutS * 1000);
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  process.exit(code ?? (signal ? 1 : 0));
});
