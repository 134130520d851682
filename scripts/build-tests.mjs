// Bundles the integration suite for the extension host, which loads plain JavaScript:
// test/integration/**/*.test.ts + index.ts → out/test/integration/**/*.js (node, cjs).
// `vscode` is provided by the extension host; mocha stays external because it is ESM-only and is
// loaded at run time from node_modules (see test/integration/index.ts).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = path.join(repoRoot, 'test', 'integration');
export const outDir = path.join(repoRoot, 'out', 'test', 'integration');

function findTests(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.isFile() && entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

export async function buildIntegrationTests() {
  const entryPoints = [path.join(sourceDir, 'index.ts'), ...findTests(sourceDir)];
  fs.rmSync(outDir, { recursive: true, force: true }); // no stale suites from deleted test files
  await esbuild.build({
    entryPoints,
    outbase: sourceDir,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    sourcemap: 'inline', // stack traces in mocha failures point at the .ts lines
    external: ['vscode', 'mocha'],
    // prefer ESM builds: jsonc-parser's UMD build hides its requires from the bundler
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  return entryPoints.length - 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const count = await buildIntegrationTests();
  console.log(`[build-tests] ${count} integration test file(s) → ${path.relative(repoRoot, outDir)}`);
}
