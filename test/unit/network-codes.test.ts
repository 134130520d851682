/**
 * Every diagnostic code is documented, and every documented code is real: the codes a corpus of bad
 * files actually produces (parser, CLI, and the host's own codes found in its source) must equal
 * DIAGNOSTIC_CODES, the README's Diagnostics table and the table in docs/network-format.md.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIAGNOSTIC_CODES, parseNetworkText } from '../../src/core/network/parse';
import { parseNetworkFile } from '../../src/cli/load';
import { CORPUS } from './network-corpus';
import { nodeIo, ProgressLine } from '../../src/cli/main';

const root = path.join(__dirname, '..', '..');

/** The codes in the markdown table under `## Diagnostics` of a file (`code` in the first column). */
function documented(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const start = text.indexOf('\n## Diagnostics');
  assert.ok(start >= 0, `${file} has a ## Diagnostics section`);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\| (?:<a id="diagnostic-([a-z-]+)"><\/a>)?`([a-z-]+)` \|/gm)].map((m) => {
    if (m[1] !== undefined) assert.equal(m[1], m[2], `${file}: anchor and code differ`);
    return m[2];
  });
}

/** Codes the host sets itself (`diag.code = '…'`), e.g. when the worker fails. */
function hostCodes(): string[] {
  const dir = path.join(root, 'src', 'host');
  const out: string[] = [];
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    if (!f.endsWith('.ts')) continue;
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/\bdiag\.code = '([a-z-]+)'/g)) out.push(m[1]);
  }
  return out;
}

test('each corpus entry produces the code it is there for', () => {
  for (const e of CORPUS) {
    const codes = parseNetworkText(e.text, e.options).diagnostics.map((d) => d.code);
    assert.ok(codes.includes(e.code), `${e.name}: expected ${e.code}, got ${codes.join(', ')}`);
  }
});

test('the codes actually emitted = DIAGNOSTIC_CODES = the README table = the docs table', () => {
  const emitted = new Set<string>();
  for (const e of CORPUS) for (const d of parseNetworkText(e.text, e.options).diagnostics) emitted.add(d.code);
  const io = { readFile: () => { throw new Error('ENOENT'); }, writeFile: () => undefined, progress: () => undefined };
  for (const d of parseNetworkFile('missing.network.json', io).diagnostics) emitted.add(d.code);
  // bytes that are not UTF-8 (src/core/network/encoding.ts, used by the CLI and the panels)
  const utf16 = { ...io, readFile: () => new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]) };
  for (const d of parseNetworkFile('utf16.network.json', utf16).diagnostics) emitted.add(d.code);
  // checkpoints opened as networks: an architecture Depth Lens cannot analyse, and bare weights read as a chain
  const disk = nodeIo(new ProgressLine({ isTTY: false, write: () => true }));
  for (const f of ['unsupported.onnx', 'mlp.safetensors']) {
    for (const d of parseNetworkFile(path.join(root, 'test', 'fixtures', 'models', f), disk).diagnostics) emitted.add(d.code);
  }
  const host = hostCodes();
  assert.deepEqual(host, ['analysis-failed']);
  for (const c of host) emitted.add(c);
  const sorted = (xs: Iterable<string>) => [...xs].sort();
  const known = sorted(Object.keys(DIAGNOSTIC_CODES));
  assert.deepEqual(sorted(emitted), known, 'emitted vs DIAGNOSTIC_CODES');
  assert.deepEqual(sorted(documented('README.md')), known, 'README Diagnostics table');
  assert.deepEqual(sorted(documented('docs/network-format.md')), known, 'docs/network-format.md Diagnostics table');
});
