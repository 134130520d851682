// Bundles one entry per runtime: extension host (node/cjs, vscode external), worker (node),
// CLI (node), and one browser bundle per webview panel. `--watch` rebuilds on change,
// `--production` minifies (used by `vsce package`). First compiles the WebAssembly kernels
// (src/core/kernels/*.wat → *.wasm.ts, see scripts/build-wasm.mjs), which the bundles import.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import { buildWasm, kernelsDir } from './scripts/build-wasm.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  target: 'es2022',
  // prefer ESM builds: jsonc-parser's UMD build hides its requires from the bundler
  mainFields: ['module', 'main'],
};

// every folder under webview/ except common/ is a panel with a main.ts
const panels = fs.readdirSync('webview', { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'common' && fs.existsSync(`webview/${d.name}/main.ts`))
  .map((d) => d.name);

const builds = [
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', external: ['vscode'] },
  // worker, CLI and the pool's helper threads (src/worker/pool.ts): <name>-main.js is the bundle, <name>.js
  // the small launcher of src/worker/launch.ts that loads it through V8's code cache (a faster start)
  { ...common, entryPoints: { 'worker-main': 'src/worker/main.ts', 'cli-main': 'src/cli/main.ts', 'pool-main': 'src/worker/poolWorker.ts' }, outdir: 'dist', platform: 'node', format: 'cjs' },
  { ...common, entryPoints: { worker: 'src/worker/launch.ts', cli: 'src/worker/launch.ts', pool: 'src/worker/launch.ts' }, outdir: 'dist', platform: 'node', format: 'cjs' },
  {
    ...common,
    entryPoints: Object.fromEntries(panels.map((p) => [p, `webview/${p}/main.ts`])),
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'esm',
    loader: { '.ttf': 'file' },
  },
];

// codicons for @vscode-elements (loaded by the panel HTML via <link id="vscode-codicon-stylesheet">)
fs.mkdirSync('dist/codicons', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/codicons/${f}`);

// wabt's errors carry a stack into its one-line minified source: print the message alone
const kernels = () => buildWasm().then(
  (written) => { for (const f of written) console.log(`wrote ${f}`); return true; },
  (e) => { console.error(`✘ WebAssembly kernels: ${e instanceof Error ? e.message : e}`); return false; },
);
if (!(await kernels()) && !watch) process.exit(1);

if (watch) {
  // a changed .wat rewrites its .wasm.ts, which the bundles' own watch then picks up
  fs.watch(kernelsDir, (_event, name) => { if (name?.endsWith('.wat')) kernels(); });
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
