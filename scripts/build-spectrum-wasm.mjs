// Compiles src/core/spectrum/*.wat (the bidiagonalization pass of the full SVD) into sibling
// *.wasm.ts modules with the same compiler and settings as the kernels (compileWat of
// scripts/build-wasm.mjs). The generated module is committed; test/unit/spectrum.test.ts fails when
// it is stale.   node scripts/build-spectrum-wasm.mjs
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileWat, generatedModule } from './build-wasm.mjs';

export const spectrumDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'core', 'spectrum');

/** The module text for one .wat: the kernels' generated module, naming this script as its maker. */
export async function spectrumModule(watName, text) {
  return generatedModule(watName, await compileWat(watName, text))
    .replace(/^\/\/ Generated from .*$/m, `// Generated from ${watName} by scripts/build-spectrum-wasm.mjs (wabt). Do not edit: change the .wat and run \`node scripts/build-spectrum-wasm.mjs\`.`);
}

export async function buildSpectrumWasm() {
  const written = [];
  for (const f of fs.readdirSync(spectrumDir).filter((n) => n.endsWith('.wat')).sort()) {
    const out = path.join(spectrumDir, f.replace(/\.wat$/, '.wasm.ts'));
    const text = await spectrumModule(f, fs.readFileSync(path.join(spectrumDir, f), 'utf8'));
    if (fs.existsSync(out) && fs.readFileSync(out, 'utf8') === text) continue;
    fs.writeFileSync(out, text);
    written.push(out);
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildSpectrumWasm().then((written) => { for (const f of written) console.log(`wrote ${path.relative(process.cwd(), f)}`); });
}
