// Compiles every src/core/kernels/*.wat (WebAssembly text) with wabt into a sibling <name>.wasm.ts
// that holds the binary as base64, so the esbuild bundles and tsx (tests, bench, CLI from source)
// load it the same way, with no file read at run time. Run by esbuild.mjs before bundling; a file is
// rewritten only when its bytes change. test/unit/kernels.test.ts compiles again and fails when a
// committed .wasm.ts is stale.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

export const kernelsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'core', 'kernels');

/** The binary of one .wat source (SIMD on; no names section, so the bytes depend on the code only). */
export async function compileWat(fileName, text) {
  const wabt = await wabtInit();
  const mod = wabt.parseWat(fileName, text, { simd: true });
  try {
    mod.validate();
    return mod.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}

/** The TypeScript module committed beside `<name>.wat`. */
export function generatedModule(watName, bytes) {
  const base64 = Buffer.from(bytes).toString('base64');
  const lines = base64.match(/.{1,100}/g) ?? [];
  return [
    `// Generated from ${watName} by scripts/build-wasm.mjs (wabt). Do not edit: change the .wat and run \`npm run build\`.`,
    '',
    `/** The WebAssembly binary of ${watName} (${bytes.length} bytes), base64. */`,
    'export const wasmBase64 = [',
    ...lines.map((l) => `  '${l}',`),
    "].join('');",
    '',
  ].join('\n');
}

/** Regenerates every stale .wasm.ts; returns the paths written. */
export async function buildWasm(dir = kernelsDir) {
  const written = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.wat')).sort()) {
    const bytes = await compileWat(f, fs.readFileSync(path.join(dir, f), 'utf8'));
    const out = path.join(dir, f.replace(/\.wat$/, '.wasm.ts'));
    const text = generatedModule(f, bytes);
    if (fs.existsSync(out) && fs.readFileSync(out, 'utf8') === text) continue;
    fs.writeFileSync(out, text);
    written.push(out);
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWasm().then((written) => { for (const f of written) console.log(`wrote ${path.relative(process.cwd(), f)}`); });
}
