/**
 * Property: parseNetworkText never throws and every diagnostic has a known code, a severity, a
 * message and a range inside the text — for random mutations and truncations of valid documents and
 * for arbitrary JSON values. A network is returned iff there is no error.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseNetworkText, DIAGNOSTIC_CODES, memoryFiles } from '../../src/core/network/parse';

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
