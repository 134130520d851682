#!/usr/bin/env node
// `npm run pack:cli`: the `depth-lens` command-line tool as an npm tarball people can install outside a
// clone (issue 15): `npm install -g ./depth-lens-cli-<version>.tgz`, or run it once with `npx`.
//
// The package is the CLI alone — dist/cli.js (the small launcher, src/worker/launch.ts) and
// dist/cli-main.js (esbuild's bundle of src/cli with every library inside), README and LICENSE — under
// its own manifest with no dependencies, so installing it fetches nothing and works offline. The
// extension's package.json declares no bin: the .vsix ships no CLI (.vscodeignore).
//
// Usage: node scripts/pack-cli.mjs [--out DIR]   (after `npm run build`; `npm run pack:cli` builds first)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** the files of the package, from the repository root */
export const CLI_FILES = ['dist/cli.js', 'dist/cli-main.js', 'README.md', 'LICENSE'];

/** The manifest of the CLI package, from the extension's package.json. */
export function cliManifest(pkg) {
  return {
    name: 'depth-lens-cli',
    version: pkg.version,
    description: 'The depth-lens command line: activation regions, convergence as depth grows, weight spectra and checks of deep ReLU networks and ResNets defined in JSON files or checkpoints.',
    license: pkg.license,
    // a tarball to install, not a registry package: refuse an accidental `npm publish`
    private: true,
    bin: { 'depth-lens': 'dist/cli.js' },
    engines: { node: pkg.engines.node },
    keywords: pkg.keywords,
  };
}

/**
 * Stages the package in a temporary folder and runs `npm pack` there; returns the tarball's path
 * (in `outDir`). Needs the built dist/cli.js and dist/cli-main.js.
 */
export function packCli({ outDir = repoRoot, npm = process.platform === 'win32' ? 'npm.cmd' : 'npm' } = {}) {
  for (const f of CLI_FILES) {
    if (!fs.existsSync(path.join(repoRoot, f))) throw new Error(`${f} is missing${f.startsWith('dist/') ? ': run npm run build first' : ''}`);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-cli-stage-'));
  try {
    fs.mkdirSync(path.join(stage, 'dist'));
    for (const f of CLI_FILES) {
      let bytes = fs.readFileSync(path.join(repoRoot, f));
      // source maps stay out of the package (cli-main.js.map is larger than the bundle): drop the pointer to them
      if (f.endsWith('.js')) bytes = Buffer.from(bytes.toString('utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
      fs.writeFileSync(path.join(stage, f), bytes, { mode: f.endsWith('.js') ? 0o755 : 0o644 });
    }
    fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(cliManifest(pkg), null, 2)}\n`);
    fs.mkdirSync(outDir, { recursive: true });
    // --ignore-scripts: the staged manifest has none, and no user config may add any
    const r = spawnSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', path.resolve(outDir)], { cwd: stage, encoding: 'utf8', shell: process.platform === 'win32' });
    if (r.status !== 0) throw new Error(`npm pack failed (exit code ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
    return path.join(path.resolve(outDir), info.filename);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: repoRoot } } });
  try {
    const tarball = packCli({ outDir: values.out });
    const rel = path.relative(process.cwd(), tarball);
    const shown = rel.startsWith('..') || path.isAbsolute(rel) ? tarball : `./${rel}`;
    console.log(`wrote ${shown} (${(fs.statSync(tarball).size / 1024).toFixed(0)} KB)
install:  npm install -g ${shown}          (or with --prefix DIR: DIR/bin/depth-lens)
run once: npx --yes ${shown} info FILE`);
  } catch (e) {
    console.error(`[pack-cli] ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
