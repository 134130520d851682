#!/usr/bin/env node
// Runs the integration suite in desktop VS Code through @vscode/test-electron, for contributors whose
// machine can download VS Code (CI here cannot: it uses run-code-server.mjs with the same suite).
// Usage: node test/integration/run-electron.mjs [--vscode-version 1.90.0|stable]
//   1.90.0 is engines.vscode's minimum: testing against it catches use of newer API.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { buildIntegrationTests, outDir } from '../../scripts/build-tests.mjs';
import { repoRoot } from '../../scripts/code-server.mjs';

const { values: options } = parseArgs({
  options: { 'vscode-version': { type: 'string', default: 'stable' } },
});

await buildIntegrationTests();
// a copy of the fixtures, so a test that edits or saves files leaves the checked-in ones alone
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-electron-'));
const workspace = path.join(runDir, 'fixtures-workspace');
fs.cpSync(path.join(repoRoot, 'test', 'fixtures-workspace'), workspace, { recursive: true });
try {
  await runTests({
    version: options['vscode-version'],
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(outDir, 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(runDir, 'user-data')],
  });
  process.exitCode = 0;
} catch (err) {
  console.error(`[integration:electron] ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(runDir, { recursive: true, force: true });
}
