/**
 * Decoding network files (src/core/network/encoding.ts, shared by the CLI and the panels): UTF-8 with
 * or without a byte order mark is read; UTF-16/32 (by mark or by NUL pattern) is one "save it as
 * UTF-8" diagnostic; invalid UTF-8 is located at its first bad byte (line:col), and the validator
 * agrees with the engine's fatal TextDecoder on arbitrary bytes.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeNetworkBytes, firstInvalidByte } from '../../src/core/network/encoding';
import { parseNetworkFile, formatDiagnostics } from '../../src/cli/load';
import { parseNetworkText } from '../../src/core/network/parse';

const enc = (s: string) => new TextEncoder().encode(s);
const DOC = '{"format": "depth-lens/network@1", "input": {"dim": 1}, "layers": []}';

function utf16(s: string, littleEndian: boolean, bom: boolean): Uint8Array {
  const out = new Uint8Array((s.length + (bom ? 1 : 0)) * 2);
  const v = new DataView(out.buffer);
  let at = 0;
  if (bom) { v.setUint16(0, 0xfeff, littleEndian); at = 2; }
  for (let i = 0; i < s.length; i++) v.setUint16(at + 2 * i, s.charCodeAt(i), littleEndian);
  return out;
}

function utf32(s: string, littleEndian: boolean, bom: boolean): Uint8Array {
  const cps = [...(bom ? '\ufeff' : '') + s].map((c) => c.codePointAt(0)!);
  const out = new Uint8Array(cps.length * 4);
  const v = new DataView(out.buffer);
  cps.forEach((c, i) => v.setUint32(4 * i, c, littleEndian));
  return out;
}

test('UTF-8, with or without a byte order mark, decodes to the same text', () => {
  assert.deepEqual(decodeNetworkBytes(enc(DOC)), { text: DOC });
  assert.deepEqual(decodeNetworkBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...enc(DOC)])), { text: DOC });
  assert.deepEqual(decodeNetworkBytes(enc('{"name": "λ ∞ 😀"}')), { text: '{"name": "λ ∞ 😀"}' });
});

test('UTF-16 and UTF-32, by byte order mark or NUL pattern: one diagnostic naming the encoding', () => {
  const cases: [Uint8Array, string][] = [
    [utf16(DOC, true, true), 'UTF-16 (little-endian)'], [utf16(DOC, false, true), 'UTF-16 (big-endian)'],
    [utf16(DOC, true, false), 'UTF-16 (little-endian)'], [utf16(DOC, false, false), 'UTF-16 (big-endian)'],
    [utf32(DOC, true, true), 'UTF-32 (little-endian)'], [utf32(DOC, false, true), 'UTF-32 (big-endian)'],
    [utf32(DOC, true, false), 'UTF-32 (little-endian)'], [utf32(DOC, false, false), 'UTF-32 (big-endian)'],
  ];
  for (const [bytes, name] of cases) {
    const d = decodeNetworkBytes(bytes, 'n.network.json');
    assert.equal(d.text, '');
    assert.deepEqual(d.diagnostic, { code: 'file-encoding', severity: 'error', offset: 0, length: 1, message: `n.network.json is ${name}, not UTF-8; save it as UTF-8` });
  }
  // the same text read as UTF-8 by an editor (NULs between characters) gets the same one diagnostic
  const asRead = new TextDecoder().decode(utf16(DOC, true, false));
  assert.deepEqual(parseNetworkText(asRead, { fileName: 'n.network.json' }).diagnostics.map((x) => [x.code, x.message]),
    [['file-encoding', 'n.network.json is UTF-16 (little-endian), not UTF-8; save it as UTF-8']]);
});

test('invalid UTF-8 is located at the first bad byte (line:col in the text, byte offset in the file)', () => {
  const bytes = new Uint8Array([...enc('{\n  "name": "ab'), 0xff, 0xfe, ...enc('",\n}')]);
  const d = decodeNetworkBytes(bytes, 'n.network.json');
  assert.equal(d.diagnostic?.code, 'file-encoding');
  assert.equal(d.diagnostic?.offset, 15);
  assert.equal(d.diagnostic?.message, 'n.network.json is not valid UTF-8: bytes ff fe 22 2c at line 2, column 14 (byte 15); save it as UTF-8');
  assert.equal(d.text.slice(0, 15), '{\n  "name": "ab');
  // the CLI reports it as file:line:col, one line, exit 1 material
  const io = { readFile: () => bytes, writeFile: () => undefined, progress: () => undefined };
  const loaded = parseNetworkFile('n.network.json', io);
  assert.deepEqual(formatDiagnostics('n.network.json', loaded.text, loaded.diagnostics), [
    'n.network.json:2:14: error: n.network.json is not valid UTF-8: bytes ff fe 22 2c at line 2, column 14 (byte 15); save it as UTF-8 [file-encoding]',
  ]);
  // after a BOM the byte offset still counts the BOM; an overlong encoding and a lone surrogate are invalid
  assert.match(decodeNetworkBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0xc0, 0xaf])).diagnostic!.message, /bytes c0 af at line 1, column 2 \(byte 4\)/);
  assert.match(decodeNetworkBytes(new Uint8Array([0x7b, 0xed, 0xa0, 0x80, 0x7d])).diagnostic!.message, /bytes ed a0 80 7d at line 1, column 2 \(byte 1\)/);
});

test('firstInvalidByte agrees with the fatal TextDecoder on arbitrary bytes (fast-check, 5000 arrays)', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const bytes = fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 12 }).map((s) => enc(s)),
    fc.tuple(fc.string({ unit: 'binary', maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([s, at, b]) => { const e = enc(s); if (e.length) e[at % e.length] = b; return e; }));
  fc.assert(fc.property(bytes, (b) => {
    const bad = firstInvalidByte(b);
    let valid = true;
    try { fatal.decode(b); } catch { valid = false; }
    assert.equal(bad === b.length, valid);
    if (!valid) {
      // the prefix before it is valid, and decoding stops being possible there
      fatal.decode(b.subarray(0, bad));
    }
  }), { numRuns: 5000, seed: 1705 });
});
