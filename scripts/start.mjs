#!/usr/bin/env node
// `npm start`: builds Depth Lens, installs the test VS Code when missing, and serves a real VS Code
// (code-server) on http://127.0.0.1:$PORT (default 8080) with the extension loaded from this checkout
// on a fresh copy of examples/ in the OS temp directory (scripts/playground.mjs): the workbench saves
// on its own, and exploring must never edit the repository. Open the printed URL in a browser;
// Ctrl-C stops everything.
//
// Usage: npm start [-- --port 8081] [-- --folder path/to/folder]   (PORT in the environment works too;
// --folder opens that folder itself, no copy)
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startCodeServer } from './code-server.mjs';
import { preparePlayground } from './playground.mjs';

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    folder: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});
const port = Number(options.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`[start] --port must be an integer in 1..65535, got ${JSON.stringify(options.port)}`);
  process.exit(2);
}

function step(what, cmd, args) {
  const t = Date.now();
  console.log(`[start] ${what}…`);
  const res = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`[start] ${what} failed (exit code ${res.status ?? res.signal})`);
    process.exit(1);
  }
  console.log(`[start] ${what} took ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

if (!options['no-build']) step('building', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build']);
step('checking the test VS Code', process.execPath, [path.join(repoRoot, 'scripts', 'setup-test-vscode.mjs')]);

let folder;
if (options.folder !== undefined) {
  folder = path.resolve(options.folder);
  console.log(`[start] opening ${folder} itself (--folder): edits there are saved there`);
} else {
  try {
    folder = preparePlayground();
  } catch (e) {
    console.error(`[start] cannot prepare the playground: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
  console.log(`[start] playground: a fresh copy of examples/ at ${folder}\n[start] (edits there never touch the repository; the next \`npm start\` copies examples/ afresh)`);
}
// VS Code 1.139 honours the payload's extensionDevelopmentPath only with the smoke-test driver on
const server = await startCodeServer({ port, smokeTestDriver: true, echo: process.env.DEPTH_LENS_VERBOSE === '1' });
const url = server.url({ folder, extensionDevelopmentPath: repoRoot });
console.log(`
[start] code-server ${server.version} (a real VS Code) with Depth Lens from ${repoRoot}
[start] open this URL in a browser (the payload loads the extension from this checkout):

  ${url}

[start] after changing the code: \`npm run build\` (or \`npm run watch\`), then reload the browser tab.
[start] the workspace is ${folder}
[start] Ctrl-C stops the server.`);

let stopping = false;
const shutdown = async (signal) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n[start] ${signal}: stopping code-server`);
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
server.exited.then(({ code, signal }) => {
  if (stopping) return;
  console.error(`[start] code-server exited unexpectedly (code ${code}, signal ${signal})\n${server.output().slice(-4000)}`);
  process.exit(1);
});
