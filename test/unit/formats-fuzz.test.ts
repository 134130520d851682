/**
 * Property test over every reader: real fixtures (scripts/make-model-fixtures.py) mutated by
 * truncation, flipped bytes and 32/64-bit fields overwritten with lying sizes and offsets. Whatever the
 * bytes, reading the index, building the network and reading every tensor either works or stops with
 * a FormatError that names the file — never another exception, never a hang (every loop is bounded by
 * the file's size). Seeded, so a failure replays; small enough for the unit layer.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { fixture, outcome } from './formats-helpers';

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number[]; xor: number[] }
  | { kind: 'lie'; at: number; value: number; wide: boolean };

/** The lies a header tells: zero, one, all ones, just past the end, the size, a random number. */
const lies = (size: number) => fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, size, size + 1, size * 2), fc.nat());

function mutation(size: number): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: size - 1 }) }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat({ max: size - 1 }), { minLength: 1, maxLength: 8 }), xor: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 8, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('lie' as const), at: fc.nat({ max: size - 8 }), value: lies(size), wide: fc.boolean() }),
  );
}

function apply(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'truncate') return bytes.slice(0, m.at);
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  if (m.kind === 'flip') m.at.forEach((at, i) => { out[at] ^= m.xor[i]; });
  else if (m.wide) { view.setUint32(m.at, m.value >>> 0, true); view.setUint32(m.at + 4, 0, true); }
  else view.setUint32(m.at, m.value >>> 0, true);
  return out;
}

const FILES = ['mlp.safetensors', 'mlp.state_dict.pt', 'trained.module.pt', 'mlp.npz', 'mlp.compressed.npz', 'mlp.0.weight.npy', 'resnet.onnx', 'mlp.gemm-attributes.onnx'];

for (const [i, name] of FILES.entries()) {
  test(`${name}: mutated bytes are read or refused with a located error, never a crash`, () => {
    const bytes = fixture(name);
    const codes = new Map<string, number>();
    fc.assert(fc.property(mutation(bytes.length), (m) => {
      const o = outcome(name, apply(bytes, m));
      codes.set(o, (codes.get(o) ?? 0) + 1);
    }), { seed: 1300 + i, numRuns: 300 });
    // the mutations reach past the first check: more than one outcome
    assert.ok(codes.size >= 2, `${name}: only ${[...codes.keys()]}`);
  });
}
