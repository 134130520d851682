// Shared launcher for a real VS Code on machines without a desktop VS Code download:
// code-server (installed by scripts/setup-test-vscode.mjs into .vscode-test/) plus Debian Chromium
// driven by playwright-core. Used by `npm start`, the integration runner and the UI tests.
//
// Every run is isolated: HOME, XDG_* and TMPDIR point into a fresh temp folder, so nothing touches
// the user's real configuration and parallel runs never share state.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaled } from './slowness.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM_PATH = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling hosts this closed network refuses.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** User settings for test and demo workbenches: quiet, no trust prompt, no AI side bar. */
export const DEFAULT_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
};

/**
 * The installation written by scripts/setup-test-vscode.mjs.
 * @returns {{version: string, node: string, entry: string}}
 */
export function readInstall() {
  const manifestPath = path.join(repoRoot, '.vscode-test', 'code-server.json');
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch {
    throw new Error(`no test VS Code installed (${manifestPath} missing): run \`node scripts/setup-test-vscode.mjs\` first`);
  }
  for (const key of ['node', 'entry']) {
    if (!fs.existsSync(manifest[key])) throw new Error(`${manifestPath}: ${key} ${manifest[key]} does not exist; rerun setup with --force`);
  }
  return manifest;
}

const vscodeOptionSupport = new Map();
/**
 * Whether this code-server passes `--vscode-option` through to VS Code. 4.139 has it (and VS Code 1.139
 * needs enable-smoke-test-driver through it); 4.100 has neither the option nor the need.
 */
function supportsVscodeOption(install, scratchDir) {
  if (!vscodeOptionSupport.has(install.entry)) {
    const help = spawnSync(install.node, [install.entry, '--help'], {
      encoding: 'utf8',
      env: { ...process.env, HOME: scratchDir, XDG_CONFIG_HOME: scratchDir, XDG_DATA_HOME: scratchDir },
    });
    vscodeOptionSupport.set(install.entry, help.status === 0 && help.stdout.includes('--vscode-option'));
  }
  return vscodeOptionSupport.get(install.entry);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * The workbench URL that opens `folder` (or `file`, a .code-workspace) and loads the extension
 * from source via the payload, which code-server forwards to the workbench like the desktop's
 * --extensionDevelopmentPath / --extensionTestsPath command-line options.
 * @param {{host: string, port: number}} server
 * @param {{folder?: string, extensionDevelopmentPath?: string, extensionTestsPath?: string}} options
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
  const authority = `${server.host}:${server.port}`;
  const remote = (p) => `vscode-remote://${authority}${path.resolve(p)}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const query = new URLSearchParams();
  if (folder) query.set('folder', path.resolve(folder));
  if (payload.length > 0) query.set('payload', JSON.stringify(payload));
  const q = query.toString();
  return `http://${authority}/${q ? `?${q}` : ''}`;
}

/**
 * Starts an isolated code-server and resolves once it listens.
 * @param {object} options
 * @param {string} [options.workspace]         folder opened when no ?folder= is given
 * @param {number} [options.port]              default: a free port
 * @param {string} [options.host]              default 127.0.0.1
 * @param {boolean} [options.smokeTestDriver]  pass --vscode-option enable-smoke-test-driver: VS Code 1.139
 *                                             needs it for the payload's extensionDevelopmentPath and
 *                                             extensionTestsPath and for the codeAutomation* hooks
 * @param {Record<string, unknown>} [options.settings] extra user settings
 * @param {boolean} [options.workspaceTrust]   turn VS Code's workspace trust on (default off): with no
 *                                             startup prompt, a folder opened for the first time stays
 *                                             untrusted (Restricted Mode), as a downloaded repository would
 * @param {boolean} [options.echo]             print code-server's output as it comes (default: only on failure)
 * @param {number} [options.startTimeoutMs]    default 60 s × the slowness factor (scripts/slowness.mjs)
 * @param {Record<string, string>} [options.env] extra environment (reaches the extension host)
 * @param {boolean} [options.keepFiles]        keep the per-run folder (logs) after stop()
 * @param {string[]} [options.args]            extra code-server arguments (e.g. --reconnection-grace-time)
 */
export async function startCodeServer(options = {}) {
  const install = readInstall();
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-vscode-'));
  const dirs = {
    home: path.join(baseDir, 'home'),
    config: path.join(baseDir, 'xdg-config'),
    data: path.join(baseDir, 'xdg-data'),
    cache: path.join(baseDir, 'xdg-cache'),
    tmp: path.join(baseDir, 'tmp'),
    userData: path.join(baseDir, 'user-data'),
    extensions: path.join(baseDir, 'extensions'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  const writeUserSettings = (settings) => fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({
      ...DEFAULT_USER_SETTINGS,
      ...(options.workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' } : {}),
      ...settings,
    }, null, 2) + '\n',
  );
  writeUserSettings(options.settings);

  const argv = [
    install.entry,
    '--auth', 'none',
    '--bind-addr', `${host}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
  ];
  if (options.smokeTestDriver && supportsVscodeOption(install, dirs.tmp)) argv.push('--vscode-option', 'enable-smoke-test-driver');
  if (options.args) argv.push(...options.args);
  if (options.workspace) argv.push(path.resolve(options.workspace));

  const env = {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    TMPDIR: dirs.tmp,
    // no extension gallery on this network: point it at a closed local port so lookups fail at once
    // instead of waiting ~20 s for DNS, which delays the extension host's start of the tests
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/items' }),
    ...options.env,
  };
  // the parent may run under `npm test`; keep npm's settings out of the extension host
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];

  // detached: own process group, so stop() can take down code-server and every child it spawned
  const proc = spawn(install.node, argv, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // its process group, for a runner that must end it after killing the process that started it
  // (test/ui/run.mjs at its hard timeout)
  fs.writeFileSync(path.join(baseDir, 'code-server.pid'), String(proc.pid));
  let output = '';
  const onData = (chunk) => {
    const text = chunk.toString();
    output += text;
    if (options.echo) process.stderr.write(text);
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);

  let exited = false;
  const exitPromise = new Promise((resolve) => proc.on('exit', (code, signal) => { exited = true; resolve({ code, signal }); }));

  const stop = async () => {
    if (!exited) {
      try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ }
      const killTimer = setTimeout(() => { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
      await exitPromise;
      clearTimeout(killTimer);
    }
    // children may outlive the leader briefly; make sure the group is gone before deleting their files
    try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* group empty */ }
    if (!options.keepFiles) fs.rmSync(baseDir, { recursive: true, force: true, maxRetries: 3 });
  };

  const timeoutMs = options.startTimeoutMs ?? scaled(60_000);
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not report "HTTP server listening" within ${timeoutMs / 1000} s`)), timeoutMs);
      const check = () => {
        if (output.includes('HTTP server listening')) { clearTimeout(timer); resolve(); }
      };
      proc.stdout.on('data', check);
      proc.stderr.on('data', check);
      exitPromise.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`code-server exited early (code ${code}, signal ${signal})`)); });
      check();
    });
  } catch (err) {
    await stop();
    err.message += `\n--- code-server output ---\n${output}`;
    throw err;
  }

  const server = {
    host,
    port,
    version: install.version,
    baseDir,
    pid: proc.pid,
    process: proc,
    /** everything code-server printed so far */
    output: () => output,
    url: (urlOptions) => workbenchUrl({ host, port }, urlOptions),
    /**
     * Copies a folder (e.g. the fixture workspace) into this run's folder and returns the copy's path,
     * so tests that edit or save files can never change the checked-in fixtures.
     */
    copyIntoRun: (folder) => {
      const copy = path.join(baseDir, 'workspaces', path.basename(path.resolve(folder)));
      fs.cpSync(folder, copy, { recursive: true });
      return copy;
    },
    /**
     * Replaces the extra user settings (the defaults and the trust choice stay): a window opened
     * afterwards starts with them (a server shared by several UI suites, test/ui/harness.ts).
     */
    writeUserSettings: (settings) => writeUserSettings(settings),
    stop,
    exited: exitPromise,
  };
  return server;
}

/**
 * Debian Chromium through playwright-core (Playwright's own browser download cannot work here).
 * @param {{headless?: boolean}} [options]
 */
export async function launchChromium(options = {}) {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} missing: run \`node scripts/setup-test-vscode.mjs\` (installs Debian chromium)`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: options.headless ?? true });
}
