#!/usr/bin/env node
// Runs the UI tests (test/ui/**/*.ui.test.ts) with node:test, one file at a time (two workbenches at
// once would only slow a 2-core machine down). Most files run together in one process through
// test/ui/group.ts, where their suites share one code-server and one Chromium (each suite still gets
// its own browser context, workspace copy, settings and extension host; see test/ui/harness.ts);
// files in OWN_PROCESS keep a process and workbenches of their own, after the group: latency.ui.test.ts
// times panels against the CLI and must run alone, vsix.ui.test.ts installs a packaged extension into
// its own code-server. DEPTH_LENS_UI_SHARE=0 runs every file in its own process as before.
// Screenshots land in test-output/ui/. Exit code = node:test's (124 on the hard timeout). Arguments
// naming *.ui.test.ts files run only those; other arguments go to node --test
// (e.g. --test-name-pattern=overview).
//
// Timeouts scale with the machine: the slowness factor (scripts/slowness.mjs) is measured once, or
// taken from DEPTH_LENS_SLOWNESS, and passed on to the tests, whose harness scales every wait by it.
// A second reporter streams test events into a file as they happen, so a run stopped by the hard
// timeout still reports the tests that passed and names the one it was in. Every temporary folder of
// the run (code-server's, Chromium's profiles, the tests' own) lives under one folder, TMPDIR of the
// tests, removed at the end even after a timeout.
//   Env: DEPTH_LENS_UI_TIMEOUT_S (hard ceiling before scaling, default 900), DEPTH_LENS_SLOWNESS.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { slownessFactor } from '../../scripts/slowness.mjs';

const uiDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(uiDir, '..', '..');

function findUiTests(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findUiTests(full);
    return entry.isFile() && entry.name.endsWith('.ui.test.ts') ? [full] : [];
  }).sort();
}

const chosen = process.argv.slice(2).filter((a) => a.endsWith('.ui.test.ts'));
const nodeArgs = process.argv.slice(2).filter((a) => !a.endsWith('.ui.test.ts'));
const files = chosen.length > 0
  ? chosen.map((f) => path.relative(repoRoot, path.resolve(f)))
  : findUiTests(uiDir).map((f) => path.relative(repoRoot, f));
if (files.length === 0) {
  console.error('[ui] no *.ui.test.ts files under test/ui');
  process.exit(1);
}
const OWN_PROCESS = new Set(['latency.ui.test.ts', 'vsix.ui.test.ts']);
const grouped = process.env.DEPTH_LENS_UI_SHARE === '0' ? [] : files.filter((f) => !OWN_PROCESS.has(path.basename(f)));
const groupFile = path.relative(repoRoot, path.join(uiDir, 'group.ts'));
const testFiles = grouped.length > 1 ? [groupFile, ...files.filter((f) => !grouped.includes(f))] : files;
const factor = slownessFactor({ log: (m) => console.log(`[ui] ${m}`) });
// a hard ceiling so CI never hangs on a stuck browser (per-test timeouts live in the test files)
const timeoutS = Math.round(Number(process.env.DEPTH_LENS_UI_TIMEOUT_S ?? 900) * factor);

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-ui-run-'));
const eventsFile = path.join(runDir, 'events.jsonl');
const testTmp = path.join(runDir, 'tmp');
fs.mkdirSync(testTmp);

const child = spawn(process.execPath, [
  '--import', 'tsx',
  '--test', '--test-concurrency=1',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${path.join(uiDir, 'events-reporter.mjs')}`, `--test-reporter-destination=${eventsFile}`,
  ...nodeArgs,
  ...testFiles,
], {
  cwd: repoRoot,
  stdio: 'inherit',
  detached: true,
  env: { ...process.env, DEPTH_LENS_SLOWNESS: String(factor), TMPDIR: testTmp, DEPTH_LENS_UI_GROUP: grouped.length > 1 ? grouped.join(',') : '' },
});

/** Counts and the running test from the streamed events (see events-reporter.mjs). */
function progress() {
  let text = '';
  try { text = fs.readFileSync(eventsFile, 'utf8'); } catch { /* no event yet */ }
  let passed = 0, failed = 0, skipped = 0;
  const failures = [];
  const stack = []; // names of the dequeued (running) suite/test per nesting level
  let runningFile;
  const reached = new Set();
  for (const line of text.split('\n')) {
    let e;
    try { e = JSON.parse(line); } catch { continue; } // a line cut short by the kill
    if (e.file) reached.add(path.relative(repoRoot, e.file));
    // the group's files run in its process: reached with it (the running suite names the file)
    if (e.file && path.relative(repoRoot, e.file) === groupFile) for (const f of grouped) reached.add(f);
    if (e.name === e.file) { if (e.type === 'dequeue') runningFile = e.file; } // the file's own entry
    else if (e.type === 'dequeue') { stack.length = e.nesting; stack[e.nesting] = e.name; runningFile = e.file; }
    else if (e.type === 'pass' || e.type === 'fail') {
      stack.length = Math.min(stack.length, e.nesting);
      if (e.suite) continue;
      if (e.skip) skipped++;
      else if (e.type === 'pass') passed++;
      else { failed++; failures.push(e.name); }
    }
  }
  const running = runningFile ? [path.relative(repoRoot, runningFile), ...stack].join(' › ') : undefined;
  return { passed, failed, skipped, failures, running, unreached: files.filter((f) => !reached.has(f)) };
}

/** Ends code-server instances the killed tests left behind (each records its process group). */
function killLeftovers() {
  const walk = (dir, depth) => {
    let entries;
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isFile() && entry.name === 'code-server.pid') {
        const pid = Number(fs.readFileSync(full, 'utf8'));
        if (pid > 0) try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
      } else if (entry.isDirectory() && depth < 2) walk(full, depth + 1);
    }
  };
  walk(testTmp, 0);
}

function removeRunDir() {
  try { fs.rmSync(runDir, { recursive: true, force: true, maxRetries: 3 }); } catch (err) { console.error(`[ui] could not remove ${runDir}: ${err.message}`); }
}

let timedOut = false;
const timer = setTimeout(() => {
  timedOut = true;
  const p = progress();
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  killLeftovers();
  // the summary in node:test's own words, so scripts/test-all.mjs counts it like a finished run;
  // the test that was running counts as failed
  const failed = p.failed + (p.running ? 1 : 0);
  console.error(`\n[ui] hard timeout after ${timeoutS} s (${(timeoutS / factor).toFixed(0)} s × slowness ${factor}) while running: ${p.running ?? '(no test started)'}`);
  if (p.failures.length > 0) console.error(`[ui] failed before the timeout: ${p.failures.join('; ')}`);
  if (p.unreached.length > 0) console.error(`[ui] files not reached: ${p.unreached.join(', ')}`);
  console.log(`ℹ tests ${p.passed + failed + p.skipped}`);
  console.log(`ℹ pass ${p.passed}`);
  console.log(`ℹ fail ${failed}`);
  console.log(`ℹ skipped ${p.skipped}`);
}, timeoutS * 1000);

child.on('exit', (code, signal) => {
  clearTimeout(timer);
  if (!timedOut) killLeftovers(); // a test file that crashed before its after() hook
  removeRunDir();
  process.exit(timedOut ? 124 : code ?? (signal ? 1 : 0));
});
// Ctrl-C: the tests' process group goes too, and the folders with it
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    killLeftovers();
    removeRunDir();
    process.exit(130);
  });
}
