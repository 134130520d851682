#!/usr/bin/env node
// Runs the integration suite (mocha inside the extension host) in a real VS Code served by code-server,
// for machines that cannot download desktop VS Code (the same suite runs on the desktop through
// run-electron.mjs). Chromium opens the workbench with extensionDevelopmentPath + extensionTestsPath
// in the payload; with `enable-smoke-test-driver` the workbench hands the extension host's output to
// window.codeAutomationLog and the result to window.codeAutomationExit(code), exposed here by Playwright.
//
// Usage: node test/integration/run-code-server.mjs [--extension DIR] [--workspace DIR] [--no-build]
//   The workspace (default test/fixtures-workspace) is copied into the run's temp folder first, so a
//   test that edits or saves a file never changes the checked-in fixtures.
//   exit code = mocha's (0 when every test passed); a hard timeout keeps CI from hanging.
//   Env: DEPTH_LENS_TEST_GREP (mocha grep), DEPTH_LENS_TEST_TIMEOUT_S (default 300), DEPTH_LENS_VERBOSE=1.
import * as path from 'node:path';
import { format, parseArgs } from 'node:util';
import { buildIntegrationTests, outDir } from '../../scripts/build-tests.mjs';
import { launchChromium, repoRoot, startCodeServer } from '../../scripts/code-server.mjs';

const { values: options } = parseArgs({
  options: {
    extension: { type: 'string', default: repoRoot },
    workspace: { type: 'string', default: path.join(repoRoot, 'test', 'fixtures-workspace') },
    'no-build': { type: 'boolean', default: false },
  },
});
const verbose = process.env.DEPTH_LENS_VERBOSE === '1';
const timeoutS = Number(process.env.DEPTH_LENS_TEST_TIMEOUT_S ?? 300);
const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
const log = (msg) => console.log(`[integration] ${msg}`);

if (!options['no-build']) await buildIntegrationTests();

// test/integration/index.ts prefixes mocha's reporter lines with this; the rest is workbench chatter,
// printed only with DEPTH_LENS_VERBOSE=1 or when the run fails
const MOCHA_TAG = '\u2063mocha\u2063 ';
const workbenchLog = [];
let server;
let browser;
let exitCode;
const hardTimeout = setTimeout(() => {
  console.error(`[integration] hard timeout: no result after ${timeoutS} s`);
  if (server) console.error(`--- code-server output ---\n${server.output()}`);
  cleanup().finally(() => process.exit(124));
}, timeoutS * 1000);

async function cleanup() {
  await browser?.close().catch(() => {});
  await server?.stop().catch(() => {});
}

try {
  server = await startCodeServer({ smokeTestDriver: true, echo: verbose, env: { DEPTH_LENS_TEST_LOG_TAG: MOCHA_TAG } });
  log(`code-server ${server.version} listening on ${server.host}:${server.port} after ${elapsed()}`);
  browser = await launchChromium();
  const page = await browser.newPage();
  const result = new Promise((resolve) => {
    // both hooks must exist before the workbench loads: it looks them up once
    page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = Array.isArray(args) ? format(...args) : String(args);
      if (text.startsWith(MOCHA_TAG)) console.log(text.slice(MOCHA_TAG.length));
      else if (verbose) console.error(`[workbench ${type}] ${text}`);
      else workbenchLog.push(`[workbench ${type}] ${text}`);
    });
    page.exposeFunction('codeAutomationExit', (code) => resolve(Number(code)));
  });
  if (verbose) page.on('console', (msg) => console.error(`[browser ${msg.type()}] ${msg.text()}`));
  page.on('pageerror', (err) => console.error(`[browser pageerror] ${err.message}`));
  const url = server.url({
    folder: server.copyIntoRun(options.workspace),
    extensionDevelopmentPath: options.extension,
    extensionTestsPath: path.join(outDir, 'index.js'),
  });
  if (verbose) log(`opening ${url}`);
  await page.goto(url);
  exitCode = await result;
  log(`mocha finished with exit code ${exitCode} after ${elapsed()}`);
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
