/**
 * Issue 15, "a CLI people can install": `npm run pack:cli` (scripts/pack-cli.mjs) makes an npm tarball of
 * the built CLI (dist/cli.js and dist/cli-main.js, after `npm run build`); installed into a scratch
 * prefix with an empty npm cache and --offline — so it can fetch nothing — it puts a working
 * `depth-lens` on <prefix>/bin, and `npx` runs it from the tarball the same way. The extension's
 * package.json (the .vsix manifest) declares no bin, since the .vsix ships no CLI.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI_FILES, packCli } from '../../scripts/pack-cli.mjs';
import { scaledMs } from './slowness-helpers';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const canonical = path.join(root, 'examples', 'canonical.network.json');

// npm from the npm running these tests when there is one, else the one on PATH; the child gets none of
// the parent's npm_* settings (a `npm run` exports its own config, e.g. a prefix or a cache)
const npmCli = process.env.npm_execpath?.endsWith('.js') ? process.env.npm_execpath : undefined;
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
// two minutes on an idle machine, scaled by the measured slowness (scripts/slowness.mjs)
const NPM_TIMEOUT_MS = scaledMs(120_000);
function npm(args: string[], cwd: string) {
  const r = npmCli
    ? spawnSync(process.execPath, [npmCli, ...args], { cwd, env, encoding: 'utf8', timeout: NPM_TIMEOUT_MS })
    : spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, env, encoding: 'utf8', timeout: NPM_TIMEOUT_MS, shell: process.platform === 'win32' });
  assert.equal(r.status, 0, `npm ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let tmp = '';
let tarball = '';
before(() => {
  for (const f of ['dist/cli.js', 'dist/cli-main.js']) assert.ok(fs.existsSync(path.join(root, f)), `${f} is missing: run npm run build`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-cli-package-'));
  tarball = packCli({ outDir: path.join(tmp, 'out') });
});
after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

test('the extension manifest claims no bin (the .vsix ships no CLI); the tarball holds the CLI alone, with no dependencies', () => {
  assert.equal(pkg.bin, undefined);
  assert.equal(path.basename(tarball), `depth-lens-cli-${pkg.version}.tgz`);
  const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(list.stdout.trim().split('\n').sort(), ['package/package.json', ...CLI_FILES.map((f) => `package/${f}`)].sort());
  const manifest = JSON.parse(spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout);
  assert.deepEqual(manifest.bin, { 'depth-lens': 'dist/cli.js' });
  assert.equal(manifest.version, pkg.version);
  assert.equal(manifest.private, true);
  for (const k of ['dependencies', 'optionalDependencies', 'peerDependencies', 'scripts']) assert.equal(manifest[k], undefined, k);
  // no pointer to a source map that is not shipped
  const bundle = spawnSync('tar', ['-xzOf', tarball, 'package/dist/cli-main.js'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout;
  assert.ok(bundle.length > 100_000 && !bundle.includes('sourceMappingURL='), `${bundle.length} characters`);
});

test('npm install -g --prefix (offline, empty cache) gives a depth-lens that works: info, --version, check', () => {
  const prefix = path.join(tmp, 'prefix');
  npm(['install', '-g', '--prefix', prefix, '--cache', path.join(tmp, 'cache'), '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], tmp);
  const bin = path.join(prefix, process.platform === 'win32' ? 'depth-lens.cmd' : path.join('bin', 'depth-lens'));
  assert.ok(fs.existsSync(bin), `${bin} installed`);
  // run it as a user would: the file itself (its #! line), from another folder
  const info = spawnSync(bin, ['info', canonical], { cwd: tmp, encoding: 'utf8', shell: process.platform === 'win32' });
  assert.equal(info.status, 0, info.stderr);
  assert.equal(info.stderr, '');
  // the same text as the CLI of this checkout
  const here = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'info', canonical], { encoding: 'utf8' });
  assert.equal(info.stdout, here.stdout);
  assert.match(info.stdout, /^depth 2, output dim 1, widths 2, 3, 1, 13 parameters$/m);
  // ‖W₁‖₂ of the 3×2 first layer, independently: √(largest eigenvalue of the 2×2 WᵀW) = 2.25489 (6 digits, as printed)
  const W = [[1, -1], [0.5, 2], [-1, 0.25]];
  const [a, b, c] = [W.reduce((s, r) => s + r[0] * r[0], 0), W.reduce((s, r) => s + r[0] * r[1], 0), W.reduce((s, r) => s + r[1] * r[1], 0)];
  const sigma = Math.sqrt((a + c) / 2 + Math.sqrt(((a - c) / 2) ** 2 + b * b));
  assert.equal(sigma.toPrecision(6), '2.25489');
  assert.match(info.stdout, new RegExp(`^1\\s+dense\\s+3×2\\s+relu\\s+${sigma.toPrecision(6).replace('.', '\\.')}\\s`, 'm'));

  const version = spawnSync(bin, ['--version'], { encoding: 'utf8', shell: process.platform === 'win32' });
  assert.equal(version.stdout.trim(), pkg.version);
  const check = spawnSync(bin, ['check', path.join(root, 'examples', 'errors.network.json')], { encoding: 'utf8', shell: process.platform === 'win32' });
  assert.equal(check.status, 1, 'errors found: exit 1');
  assert.equal(check.stdout.split('\n').filter((l) => /: error: .* \[[a-z-]+\]$/.test(l)).length, 7, check.stdout);
});

test('npx runs the CLI straight from the tarball (offline, empty cache)', () => {
  const out = npm(['exec', '--yes', '--offline', '--cache', path.join(tmp, 'npx-cache'), `--package=${tarball}`, '--', 'depth-lens', 'info', canonical], tmp);
  assert.match(out, /^depth 2, output dim 1, widths 2, 3, 1, 13 parameters$/m);
});
