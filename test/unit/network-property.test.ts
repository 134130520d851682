/**
 * Property: parseNetworkText never throws and every diagnostic has a known code, a severity, a
 * message and a range inside the text — for random mutations and truncations of valid documents and
 * for arbitrary JSON values. A network is returned iff there is no error. Also: at most 1000 + 1
 * diagnostics, finite weights whatever the numbers, external references and nesting, and every
 * diagnostic formats as one `file:line:col: severity: message [code]` line.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseNetworkText, DIAGNOSTIC_CODES, memoryFiles } from '../../src/core/network/parse';
import { formatDiagnostics } from '../../src/cli/load';
import type { DenseLayer, Layer } from '../../src/core/network/model';
import { CORPUS } from './network-corpus';

const examplesDir = path.join(__dirname, '..', '..', 'examples');
const seeds = ['canonical.network.json', 'resnet-bottleneck.network.json', 'convergent-family.network.json', 'regions-2d.network.json', 'errors.network.json', 'resnet-family.network.json']
  .map((f) => fs.readFileSync(path.join(examplesDir, f), 'utf8'));
const tfjs = fs.readFileSync(path.join(examplesDir, 'tfjs', 'model.json'), 'utf8');
const tfjsBin = fs.readFileSync(path.join(examplesDir, 'tfjs', 'group1-shard1of1.bin'));

function checkResult(text: string): void {
  let r;
  try {
    r = parseNetworkText(text, { files: memoryFiles({ 'group1-shard1of1.bin': tfjsBin }), maxBytes: 1 << 20 });
  } catch (e) {
    assert.fail(`parseNetworkText threw ${(e as Error).stack} on ${JSON.stringify(text.slice(0, 300))}`);
  }
  const hasError = r.diagnostics.some((d) => d.severity === 'error');
  assert.equal(r.network !== undefined, !hasError);
  for (const d of r.diagnostics) {
    assert.ok(d.code in DIAGNOSTIC_CODES && d.code !== 'internal-error', `unexpected code ${d.code}: ${d.message}`);
    assert.ok(['error', 'warning', 'information'].includes(d.severity));
    assert.ok(d.message.length > 0);
    assert.ok(Number.isInteger(d.offset) && Number.isInteger(d.length) && d.offset >= 0 && d.length >= 0 && d.offset + d.length <= text.length,
      `range ${d.offset}+${d.length} outside text of length ${text.length}`);
  }
  // names and keys from the file (any string) never break the one-line output format
  for (const l of formatDiagnostics('net.json', text, r.diagnostics)) assert.match(l, LINE);
  // cheap smoke use of the network: layer shapes are consistent
  if (r.network) {
    const n = r.network;
    for (const k of [0, n.depth - 1]) if (k >= 0 && n.depth > 0) n.layer(k);
  }
}

const mutation = fc.oneof(
  // truncate
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  // delete a span
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  // insert JSON-ish junk
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), s: fc.constantFrom(',', '"NaN"', '1e999', '-', '[', ']', '{', '}', '"x":', 'null', '0', '-1', '[[1,2],[3]]', '"type":"family"', '"count":0', '"dense"', '\n') }),
  // replace a number with something else
  fc.record({ kind: fc.constant('number' as const), nth: fc.nat(), s: fc.constantFrom('"Infinity"', '1e400', '0', '-3', '2.5', '"a"', 'true', '[]', '{}', '100000000', '99999') }),
);

function apply(text: string, m: { kind: string; at?: number; len?: number; s?: string; nth?: number }): string {
  const at = (m.at ?? 0) % (text.length + 1);
  switch (m.kind) {
    case 'cut': return text.slice(0, at);
    case 'delete': return text.slice(0, at) + text.slice(at + (m.len ?? 1));
    case 'insert': return text.slice(0, at) + m.s + text.slice(at);
    default: {
      const nums = [...text.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/g)];
      if (!nums.length) return text;
      const hit = nums[(m.nth ?? 0) % nums.length];
      return text.slice(0, hit.index) + m.s + text.slice(hit.index! + hit[0].length);
    }
  }
}

test('random mutations of valid documents never throw and yield well-formed diagnostics', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: seeds.length }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, muts) => {
    let text = which === seeds.length ? tfjs : seeds[which];
    for (const m of muts) text = apply(text, m);
    checkResult(text);
  }), { numRuns: 400, seed: 20240601 });
});

test('arbitrary JSON values (also as "layers" and "input") never throw', () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }), (value, other) => {
    checkResult(JSON.stringify(value));
    checkResult(JSON.stringify({ format: 'depth-lens/network@1', input: other, layers: value }));
    checkResult(JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 2 }, layers: [value, other] }));
    checkResult(JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 2 }, layers: [{ type: 'family', count: 3, weights: value, bias: other, activation: 'relu' }] }));
    checkResult(JSON.stringify({ format: 'layers-model', modelTopology: value, weightsManifest: other }));
  }), { numRuns: 300, seed: 7 });
});

test('arbitrary strings never throw', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => checkResult(s)), { numRuns: 300, seed: 3 });
});

// ------------------------------------------------------------------------------------------------
// properties from the issue 3 audit: bounded diagnostics, big numbers, external references,
// nesting — and the CLI's formatting of whatever comes out


const LINE = /^net\.json:\d+:\d+: (error|warning|information): [^\n\r\u2028\u2029]+ \[[a-z-]+\]$/;

/** parse, check the general invariants, and run the CLI's formatting on the diagnostics */
function parseAndFormat(text: string, options: Parameters<typeof parseNetworkText>[1] = {}) {
  let r;
  try {
    r = parseNetworkText(text, options);
  } catch (e) {
    assert.fail(`parseNetworkText threw ${(e as Error).stack} on ${JSON.stringify(text.slice(0, 300))}`);
  }
  assert.ok(r.diagnostics.length <= 1001, `${r.diagnostics.length} diagnostics`);
  for (const d of r.diagnostics) {
    assert.ok(d.code in DIAGNOSTIC_CODES && d.code !== 'internal-error', `unexpected ${d.code}: ${d.message}`);
    assert.ok(d.offset >= 0 && d.length >= 0 && d.offset + d.length <= text.length);
  }
  // a network (on vectors or, input.shape, on images) iff no error
  assert.equal((r.network ?? r.conv) !== undefined, !r.diagnostics.some((d) => d.severity === 'error'));
  const lines = formatDiagnostics('net.json', text, r.diagnostics);
  assert.equal(lines.length, r.diagnostics.length);
  for (const l of lines) assert.match(l, LINE);
  return r;
}

function everyEntryFinite(layer: Layer): boolean {
  const dense: DenseLayer[] = layer.kind === 'dense' ? [layer] : [...layer.branch];
  return dense.every((l) => l.weights.data.every(Number.isFinite) && l.bias.every(Number.isFinite));
}

test('the number of diagnostics is bounded (1000 + 1) however many problems a file has', () => {
  const junk = fc.constantFrom('x', '"NaN"', 'NaN', '-Infinity', '{"type":"q"}', '[[1],[2,3]]', '1e999', ',', '{', ']', '"a":1');
  fc.assert(fc.property(junk, fc.integer({ min: 0, max: 3000 }), fc.boolean(), (token, n, inLayers) => {
    const body = Array(n).fill(token).join(',');
    const text = inLayers
      ? `{"format":"depth-lens/network@1","input":{"dim":2},"layers":[${body}]}`
      : `{"format":"depth-lens/network@1","input":{"dim":2,"probes":{${Array.from({ length: n }, (_, i) => `"p${i}":[${token}]`).join(',')}}},"layers":[]}`;
    parseAndFormat(text);
  }), { numRuns: 60, seed: 31 });
});

test('random big and tiny numbers anywhere in generated layers: never a throw, and a network that parses has finite weights', () => {
  const big = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(1e308, -1e308, 1.7976931348623157e308, 5e-324, -1e-300, 0, -0, 1e154, 3e153),
    fc.integer({ min: -2000, max: 2000 }),
  );
  const spec = fc.record({
    identity: big, m: big, offset: big, power: fc.oneof(big, fc.integer({ min: -5, max: 5 })), v: big, q: fc.oneof(big, fc.integer({ min: -5, max: 5 })),
    mean: big, std: fc.oneof(big, fc.double({ min: 0, max: 10, noNaN: true })), lo: big, hi: big, alpha: big, count: fc.integer({ min: 1, max: 50 }),
  });
  fc.assert(fc.property(spec, (s) => {
    const F = 'depth-lens/network@1';
    const docs = [
      { format: F, input: { dim: 2 }, layers: [{ type: 'family', count: s.count, weights: { identity: s.identity, matrix: [[s.m, 0], [0, s.m]], scale: { offset: s.offset, power: s.power } }, bias: { vector: [s.v, 1], scale: { offset: s.offset, power: s.q } }, activation: 'relu' }] },
      { format: F, input: { dim: 2 }, layers: [{ type: 'family', count: s.count, seed: 1, weights: { identity: s.identity, random: { distribution: 'normal', mean: s.mean, std: s.std }, scale: { offset: s.offset, power: s.power } }, bias: { random: { distribution: 'uniform', min: Math.min(s.lo, s.hi), max: Math.max(s.lo, s.hi) } }, activation: 'relu' }] },
      { format: F, input: { dim: 2 }, layers: [{ type: 'random', widths: [3, 2], seed: 2, weights: { distribution: 'uniform', min: Math.min(s.lo, s.hi), max: Math.max(s.lo, s.hi) }, bias: { distribution: 'normal', mean: s.mean, std: s.std }, activation: 'relu' }] },
      { format: F, input: { dim: 2 }, layers: [{ type: 'residual-family', count: s.count, alpha: s.alpha, seed: 3, activation: 'relu' }] },
    ];
    for (const doc of docs) {
      const r = parseAndFormat(JSON.stringify(doc));
      if (!r.network) continue;
      const n = r.network;
      for (const k of new Set([0, n.depth - 1, n.depth >> 1])) assert.ok(everyEntryFinite(n.layer(k)), `layer ${k + 1} of ${JSON.stringify(doc)} has non-finite entries`);
    }
  }), { numRuns: 300, seed: 11 });
});

test('random external references (paths, shapes, offsets, file sizes): never a throw, only the documented codes', () => {
  const segment = fc.constantFrom('w.bin', '..', '.', 'sub', '', '/', '\\', 'C:', 'a\u0000b', '%2e%2e', '~', 'w.bin ', 'ü.bin');
  const pathArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
  const ref = fc.record({
    file: fc.oneof(pathArb, fc.constantFrom('/etc/hostname', '../../../etc/hostname', '/dev/zero', 'w.bin', 'sub/w.bin')),
    dtype: fc.constantFrom('float32', 'float64', 'int8'),
    shape: fc.array(fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constantFrom(1e5, 1e6, 2 ** 31, 0.5)), { minLength: 0, maxLength: 3 }),
    offset: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constantFrom(-1, 2 ** 53, 1e300, 0.5)),
  });
  const size = fc.integer({ min: 0, max: 256 });
  fc.assert(fc.property(ref, size, fc.boolean(), (r, bytes, asBias) => {
    const files = memoryFiles({ 'w.bin': new Uint8Array(bytes).map((_, i) => (i * 37) & 0xff), 'sub/w.bin': new Uint8Array(bytes), sub: 'directory' });
    const layer = asBias ? { type: 'dense', weights: [[1, 0], [0, 1]], bias: r, activation: 'linear' } : { type: 'dense', weights: r, activation: 'linear' };
    const result = parseAndFormat(JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 2 }, layers: [layer] }), { files });
    // nothing outside the folder is ever looked at
    for (const p of result.externalFiles) assert.ok(!p.startsWith('/') && !p.split('/').includes('..'), p);
  }), { numRuns: 400, seed: 5 });
});

test('random nesting (up to 50 000 levels) in any place: never a throw and never internal-error', () => {
  const open = fc.constantFrom('[', '{"a":');
  fc.assert(fc.property(fc.array(open, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 50_000 }), fc.constantFrom('layers', 'input', 'training', 'weights'), (opens, depth, where) => {
    let o = '', c = '';
    for (let i = 0; i < depth; i++) {
      const t = opens[i % opens.length];
      o += t;
      c = (t === '[' ? ']' : '}') + c;
    }
    const nested = `${o}1${c}`;
    const text = where === 'layers' ? `{"format":"depth-lens/network@1","input":{"dim":1},"layers":[${nested}]}`
      : where === 'input' ? `{"format":"depth-lens/network@1","input":${nested},"layers":[]}`
        : where === 'training' ? `{"format":"depth-lens/network@1","input":{"dim":1},"layers":[],"training":${nested}}`
          : `{"format":"depth-lens/network@1","input":{"dim":1},"layers":[{"type":"dense","weights":${nested},"activation":"linear"}]}`;
    parseAndFormat(text);
  }), { numRuns: 60, seed: 17 });
});

test('mutations of every corpus document (one per diagnostic code) never throw and format as one line each', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: CORPUS.length - 1 }), fc.array(mutation, { minLength: 0, maxLength: 3 }), (which, muts) => {
    const entry = CORPUS[which];
    if (entry.code === 'internal-error') return; // its options throw on purpose
    let text = entry.text;
    for (const m of muts) text = apply(text, m);
    parseAndFormat(text, entry.options);
  }), { numRuns: 400, seed: 23 });
});
