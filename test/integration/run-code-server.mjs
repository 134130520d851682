#!/usr/bin/env node
// Runs the integration suite (mocha inside the extension host) in a real VS Code served by code-server,
// for machines that cannot download desktop VS Code (the same suite runs on the desktop through
// run-electron.mjs). Chromium opens the workbench with extensionDevelopmentPath + extensionTestsPath
// in the payload; with `enable-smoke-test-driver` the workbench hands the extension host's output to
// window.codeAutomationLog and the result to window.codeAutomationExit(code), exposed here by Playwright.
//
// Usage: node test/integration/run-code-server.mjs [--extension DIR] [--workspace DIR] [--no-build] [--untrusted]
//   --untrusted: workspace trust on, test/fixtures-untrusted opened untrusted (Restricted Mode) with
//   low user limits, and only test/integration/untrusted.test.ts run.
//   The workspace (default test/fixtures-workspace) is copied into the run's temp folder first, so a
//   test that edits or saves a file never changes the checked-in fixtures.
//   exit code = mocha's (0 when every test passed); a hard timeout keeps CI from hanging (exit 124).
//   Timeouts scale with the slowness factor of scripts/slowness.mjs, measured here once (or taken from
//   DEPTH_LENS_SLOWNESS) and passed to the extension host, where the suites scale their waits by it.
//   Test events stream out as they happen; a run stopped at the hard timeout still prints mocha-style
//   "N passing" / "N failing" for the tests it finished and names the test it was in.
//   A test that fails is tried once more (mocha's retries; DEPTH_LENS_TEST_RETRIES=0 turns it off) and
//   named in a "retried:" line, which scripts/test-all.mjs repeats in its summary.
//   Env: DEPTH_LENS_TEST_GREP (mocha grep), DEPTH_LENS_TEST_TIMEOUT_S (before scaling, default 300),
//   DEPTH_LENS_SLOWNESS, DEPTH_LENS_VERBOSE=1.
import * as path from 'node:path';
import { format, parseArgs } from 'node:util';
import { buildIntegrationTests, outDir } from '../../scripts/build-tests.mjs';
import { launchChromium, repoRoot, startCodeServer } from '../../scripts/code-server.mjs';
import { slownessFactor } from '../../scripts/slowness.mjs';

const { values: options } = parseArgs({
  options: {
    extension: { type: 'string', default: repoRoot },
    workspace: { type: 'string', default: path.join(repoRoot, 'test', 'fixtures-workspace') },
    'no-build': { type: 'boolean', default: false },
    untrusted: { type: 'boolean', default: false },
  },
});
const untrusted = options.untrusted;
// the folder's own settings ask for the maxima; these user settings must be the ones that count
const UNTRUSTED_USER_SETTINGS = { 'depthLens.analysis.maxWork': 1e6, 'depthLens.maxFileSizeMB': 1 };
const workspace = untrusted && options.workspace === path.join(repoRoot, 'test', 'fixtures-workspace') ? path.join(repoRoot, 'test', 'fixtures-untrusted') : options.workspace;
const verbose = process.env.DEPTH_LENS_VERBOSE === '1';
const log = (msg) => console.log(`[integration] ${msg}`);
const factor = slownessFactor({ log });
const timeoutS = Math.round(Number(process.env.DEPTH_LENS_TEST_TIMEOUT_S ?? 300) * factor);
const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;

if (!options['no-build']) await buildIntegrationTests();

// test/integration/index.ts prefixes mocha's reporter lines with this; the rest is workbench chatter,
// printed only with DEPTH_LENS_VERBOSE=1 or when the run fails
const MOCHA_TAG = '\u2063mocha\u2063 ';
// test/integration/index.ts reports each test's start and end with this tag (JSON after it)
const EVENT_TAG = '\u2063event\u2063 ';
const events = { passed: 0, failed: 0, pending: 0, running: undefined, failures: [], retries: [] };
function onEvent(json) {
  let e;
  try { e = JSON.parse(json); } catch { return; }
  if (e.type === 'start') events.running = e.title;
  else if (e.type === 'pass') { events.passed++; events.running = undefined; }
  else if (e.type === 'fail') { events.failed++; events.failures.push(e.title); events.running = undefined; }
  else if (e.type === 'pending') events.pending++;
  else if (e.type === 'retry') { events.retries.push(e.title); log(`retried: ${e.title}`); }
}
const workbenchLog = [];
let server;
let browser;
let exitCode;
const hardTimeout = setTimeout(() => {
  console.error(`[integration] hard timeout: no result after ${timeoutS} s (${(timeoutS / factor).toFixed(0)} s × slowness ${factor}) while running: ${events.running ?? '(no test running)'}`);
  if (server) console.error(`--- code-server output (last 4000 characters) ---\n${server.output().slice(-4000)}`);
  for (const title of events.failures) console.log(`[integration] failed: ${title}`);
  // mocha's summary in its own words, so scripts/test-all.mjs counts the finished tests; the test
  // that was running counts as failing
  console.log(`\n  ${events.passed} passing (stopped at the hard timeout)`);
  if (events.pending > 0) console.log(`  ${events.pending} pending`);
  console.log(`  ${events.failed + (events.running ? 1 : 0)} failing`);
  cleanup().finally(() => process.exit(124));
}, timeoutS * 1000);

/** Closes the browser and stops code-server (which removes its folders), never waiting forever. */
async function cleanup() {
  const bounded = (promise, ms) => Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
  await bounded(browser?.close().catch(() => {}), 10_000);
  await server?.stop().catch(() => {});
}

try {
  server = await startCodeServer({
    smokeTestDriver: true,
    echo: verbose,
    workspaceTrust: untrusted,
    settings: untrusted ? UNTRUSTED_USER_SETTINGS : {},
    env: { DEPTH_LENS_TEST_LOG_TAG: MOCHA_TAG, DEPTH_LENS_TEST_EVENT_TAG: EVENT_TAG, DEPTH_LENS_SLOWNESS: String(factor), ...(untrusted ? { DEPTH_LENS_INTEGRATION_MODE: 'untrusted' } : {}) },
  });
  log(`code-server ${server.version} listening on ${server.host}:${server.port} after ${elapsed()}`);
  browser = await launchChromium();
  const page = await browser.newPage();
  const result = new Promise((resolve) => {
    // both hooks must exist before the workbench loads: it looks them up once
    page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = Array.isArray(args) ? format(...args) : String(args);
      if (text.startsWith(MOCHA_TAG)) console.log(text.slice(MOCHA_TAG.length));
      else if (text.startsWith(EVENT_TAG)) onEvent(text.slice(EVENT_TAG.length));
      else if (verbose) console.error(`[workbench ${type}] ${text}`);
      else workbenchLog.push(`[workbench ${type}] ${text}`);
    });
    page.exposeFunction('codeAutomationExit', (code) => resolve(Number(code)));
  });
  if (verbose) page.on('console', (msg) => console.error(`[browser ${msg.type()}] ${msg.text()}`));
  page.on('pageerror', (err) => console.error(`[browser pageerror] ${err.message}`));
  const url = server.url({
    folder: server.copyIntoRun(workspace),
    extensionDevelopmentPath: options.extension,
    extensionTestsPath: path.join(outDir, 'index.js'),
  });
  if (verbose) log(`opening ${url}`);
  await page.goto(url);
  exitCode = await result;
  log(`mocha finished with exit code ${exitCode} after ${elapsed()}`);
  // one line per failed test, which scripts/test-all.mjs repeats in its summary
  for (const title of events.failures) log(`failed: ${title}`);
  if (exitCode !== 0 && !verbose) console.error(`--- workbench log (last 40 lines) ---\n${workbenchLog.slice(-40).join('\n')}`);
} catch (err) {
  console.error(`[integration] ${err.stack ?? err}`);
  if (!verbose) console.error(`--- workbench log (last 40 lines) ---\n${workbenchLog.slice(-40).join('\n')}`);
  exitCode = 1;
} finally {
  clearTimeout(hardTimeout);
  await cleanup();
}
process.exit(exitCode);
