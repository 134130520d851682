/**
 * The tensor table's Lanczos path (src/core/formats/norms.ts): matrices above the exact-SVD size are
 * decoded straight into the Lanczos space — float32 kept as float32 in WebAssembly memory, float64
 * as float64 — and give the same bits as Lanczos on the tensor's float64 copy, with and without
 * WebAssembly; NaN, ∞ and all-zero matrices are answered without Lanczos.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng';
import { silentContext } from '../../src/core/context';
import { tensorNorms, TABLE_NORM_TOLERANCE } from '../../src/core/formats/norms';
import { lanczosSpectralNorm } from '../../src/core/linalg/lanczos';
import { svdSpectralNorm } from '../../src/core/linalg/norms';
import { setWasmKernelsEnabled } from '../../src/core/kernels/wasm';
import { safetensorsBytes } from './network-corpus';
import { indexOf } from './formats-helpers';

afterEach(() => setWasmKernelsEnabled(true));

interface Spec { name: string; dtype: 'F32' | 'F64'; shape: number[]; values: Float32Array | Float64Array }

function checkpoint(specs: Spec[]): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const s of specs) {
    const bytes = new Uint8Array(s.values.buffer, s.values.byteOffset, s.values.byteLength);
    header[s.name] = { dtype: s.dtype, shape: s.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) { data.set(p, at); at += p.length; }
  return safetensorsBytes(header, data);
}

const rng = new Rng(61);
const gaussian = (n: number) => rng.fillGaussian(new Float64Array(n));
const specs: Spec[] = [
  { name: 'w32', dtype: 'F32', shape: [60, 75], values: Float32Array.from(gaussian(60 * 75)) },
  { name: 'w64', dtype: 'F64', shape: [81, 50], values: gaussian(81 * 50) },
  { name: 'conv', dtype: 'F32', shape: [64, 8, 3, 3], values: Float32Array.from(gaussian(64 * 72)) },
  { name: 'bias', dtype: 'F32', shape: [75], values: Float32Array.from(gaussian(75)) },
  { name: 'nan', dtype: 'F32', shape: [50, 50], values: new Float32Array(2500).fill(0.5).fill(NaN, 1234, 1235) },
  { name: 'inf', dtype: 'F64', shape: [50, 50], values: new Float64Array(2500).fill(1, 0, 10).fill(-Infinity, 7, 8) },
  { name: 'zero', dtype: 'F32', shape: [50, 60], values: new Float32Array(3000) },
];
const file = checkpoint(specs);

/** What the table must show: Lanczos on the float64 copy at the table's tolerance. */
function expected(s: Spec): number {
  const [rows, ...rest] = s.shape;
  const cols = rest.reduce((a, b) => a * b, 1);
  return lanczosSpectralNorm({ rows, cols, data: Float64Array.from(s.values) }, { tolerance: TABLE_NORM_TOLERANCE }).value;
}

for (const wasm of [true, false]) {
  test(`matrices read straight into the Lanczos space give the bits of Lanczos on their float64 copy (${wasm ? 'WebAssembly' : 'scalar'})`, () => {
    setWasmKernelsEnabled(wasm);
    const norms = new Map(tensorNorms(indexOf('m.safetensors', file), silentContext, () => undefined).map((n) => [n.name, n]));
    for (const s of specs.slice(0, 3)) {
      const got = norms.get(s.name)!;
      assert.equal(got.error, undefined, s.name);
      assert.ok(Object.is(got.norm, expected(s)), `${s.name}: ${got.norm} vs ${expected(s)}`);
      const [rows, ...rest] = s.shape;
      const exact = svdSpectralNorm({ rows, cols: rest.reduce((a, b) => a * b, 1), data: Float64Array.from(s.values) });
      assert.ok(Math.abs(got.norm! - exact) <= 1e-8 * exact, `${s.name}: ${got.norm} vs SVD ${exact}`);
    }
    const b = specs[3].values;
    assert.ok(Math.abs(norms.get('bias')!.norm! - Math.hypot(...b)) <= 1e-14 * Math.hypot(...b));
    assert.ok(Number.isNaN(norms.get('nan')!.norm));
    assert.equal(norms.get('inf')!.norm, Infinity);
    assert.equal(norms.get('zero')!.norm, 0);
  });
}
