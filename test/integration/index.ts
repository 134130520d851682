// Mocha entry loaded by VS Code's extension host (`extensionTestsPath`): VS Code calls `run()` once the
// extension under development is loaded and reports failure when the promise rejects. The same entry
// serves the desktop runner (@vscode/test-electron) and code-server (run-code-server.mjs).
//
// This file is bundled to CommonJS (scripts/build-tests.mjs) with mocha left external: mocha 12 is
// ESM-only, so it is loaded with a dynamic import(), and the bundled *.test.js files are loaded through
// mocha.loadFilesAsync(), which defines describe/it before each file runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';

// a plain walk: the extension host of VS Code 1.90 runs Node 20.9, whose Dirent has no parentPath
function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(full);
      return entry.isFile() && entry.name.endsWith('.test.js') ? [full] : [];
    })
    .sort();
}

/** Same as helpers.ts's scaled(); kept here so this entry does not pull in the vscode-importing helpers. */
function scaled(ms: number): number {
  return Math.round(ms * Math.min(6, Math.max(1, Number(process.env.DEPTH_LENS_SLOWNESS) || 1)));
}

export async function run(): Promise<void> {
  const { default: Mocha } = await import('mocha');
  // One formatted string per reporter line, tagged when the code-server runner asks for it: there the
  // workbench's own console output travels the same channel, and the tag tells mocha's lines apart.
  const tag = process.env.DEPTH_LENS_TEST_LOG_TAG ?? '';
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(tag + format(...args));
  // supports-color turns colours on when CI=true whatever the `color` option says; keep logs plain
  Mocha.reporters.Base.useColors = false;
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false, // output travels as plain text through codeAutomationLog / the terminal
    // the first request may wait for the worker thread to start; scaled by the runner's measured
    // slowness factor (scripts/slowness.mjs) on a slow or loaded machine
    timeout: scaled(60_000),
    // one more try for a test that fails on a busy machine; every retry is reported by name (below,
    // and in scripts/test-all.mjs's summary) so a flaky test stays visible and gets fixed
    retries: Number(process.env.DEPTH_LENS_TEST_RETRIES ?? 1),
    // DEPTH_LENS_TEST_GREP narrows the run while working on one test
    ...(process.env.DEPTH_LENS_TEST_GREP ? { grep: process.env.DEPTH_LENS_TEST_GREP } : {}),
  });
  // the Restricted Mode suite needs its own launch (run-code-server.mjs --untrusted) and runs only there
  const untrusted = process.env.DEPTH_LENS_INTEGRATION_MODE === 'untrusted';
  const files = testFiles(__dirname).filter((f) => path.basename(f) === 'untrusted.test.js' ? untrusted : !untrusted);
  if (files.length === 0) throw new Error(`no *.test.js files under ${__dirname}: run scripts/build-tests.mjs`);
  for (const file of files) mocha.addFile(file);
  await mocha.loadFilesAsync();
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    // Events the code-server runner counts as they happen, so a run it has to stop at its hard
    // timeout still reports the passes and names the test it was in.
    const eventTag = process.env.DEPTH_LENS_TEST_EVENT_TAG;
    if (eventTag) {
      const emit = (type: string, title: string) => console.log(eventTag + JSON.stringify({ type, title }));
      runner.on('test', (test) => emit('start', test.fullTitle()));
      runner.on('pass', (test) => emit('pass', test.fullTitle()));
      // hooks too: a failed hook fails the run; the first line of the error goes with the name
      runner.on('fail', (test, err: unknown) => {
        const why = String(err instanceof Error ? err.message : err).split('\n')[0].slice(0, 240);
        emit('fail', `${test.fullTitle()} — ${why}`);
      });
      runner.on('pending', (test) => emit('pending', test.fullTitle()));
      runner.on('retry', (test, err: unknown) => {
        const why = String(err instanceof Error ? err.message : err).split('\n')[0].slice(0, 240);
        emit('retry', `${test.fullTitle()} — ${why}`);
      });
    }
  });
  if (failures > 0) throw new Error(`${failures} integration test${failures === 1 ? '' : 's'} failed`);
}
