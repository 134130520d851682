/**
 * Readers for test/fixtures/conv (written by scripts/make-conv-fixtures.py with torch): the JSON
 * records, the CIFAR-style ResNet's raw float32 weights, and the hash-generated tensors that both
 * sides rebuild from a seed (src/core/conv/hashInit.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { hashUniform, tensorSeed } from '../../src/core/conv/hashInit';
import type { GraphOp, TensorLookup } from '../../src/core/conv/resnet';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'conv');

export function readJson<T>(...parts: string[]): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, ...parts), 'utf8')) as T;
}

export interface TensorRecord {
  readonly name: string;
  readonly shape: readonly number[];
  readonly index: number;
  readonly center: number;
  readonly halfWidth: number;
  readonly offset?: number;
  readonly bytes?: number;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The tensors of `records` rebuilt from the seed, by name. */
export function hashTensors(seed: number, records: readonly TensorRecord[]): Map<string, { data: Float64Array; shape: readonly number[] }> {
  const out = new Map<string, { data: Float64Array; shape: readonly number[] }>();
  for (const r of records) out.set(r.name, { data: hashUniform(tensorSeed(seed, r.index), size(r.shape), r.center, r.halfWidth), shape: r.shape });
  return out;
}

/** The tensors of a weights.bin (little-endian float32 at the records' offsets), by name. */
export function binTensors(file: string, records: readonly TensorRecord[]): Map<string, { data: Float64Array; shape: readonly number[] }> {
  const bytes = fs.readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, { data: Float64Array; shape: readonly number[] }>();
  for (const r of records) {
    const n = size(r.shape);
    assert.equal(r.bytes, 4 * n, `${r.name}: ${r.bytes} bytes for ${n} numbers`);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(r.offset! + 4 * i, true);
    out.set(r.name, { data, shape: r.shape });
  }
  return out;
}

export function lookup(map: Map<string, { data: Float64Array; shape: readonly number[] }>): TensorLookup {
  return (name) => map.get(name);
}

/** Inputs as the script makes them: uniform on [−1, 1) from the input seed (tensor 0). */
export function fixtureInputs(inputSeed: number, shape: readonly number[]): Float64Array {
  return hashUniform(tensorSeed(inputSeed, 0), size(shape), 0, 1);
}

/** max |a − b| / max |b| */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

export function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number, what: string): void {
  const e = relativeError(a, b);
  assert.ok(e <= tolerance, `${what}: relative error ${e.toExponential(2)} > ${tolerance}`);
}

export function assertNear(a: number, b: number, tolerance: number, what: string): void {
  const e = Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);
  assert.ok(e <= tolerance, `${what}: ${a} vs ${b} (relative ${e.toExponential(2)} > ${tolerance})`);
}

export interface PowerRecord {
  readonly value: number;
  readonly iterations: number;
  readonly residual: number;
  readonly startSeed: number;
  readonly relativeError?: number;
  readonly gapTop2?: number;
}

export interface DenseRecord {
  readonly two: number;
  readonly twoSecond: number;
  readonly one: number;
  readonly inf: number;
  readonly fro: number;
  readonly singularValues?: readonly number[];
}

export interface NormRecord {
  readonly inShape: readonly [number, number, number];
  readonly outShape: readonly [number, number, number];
  readonly power: PowerRecord;
  readonly dense?: DenseRecord;
  readonly minusIdentity?: { readonly power: PowerRecord; readonly dense?: DenseRecord };
}

export interface NetworkRecords {
  readonly output: number[][];
  readonly reluSites: Array<{ site: string; shape: number[]; active: number[]; activePerChannel: number[][]; /** torch's angle between the two inputs after this ReLU (records refreshed since the degeneracy analysis) */ angle?: number | null }>;
  readonly blocks: Array<{ block: string; shape: number[]; l2: number[]; sum: number[]; /** ‖x_n − x_{n−1}‖ (identity-shortcut blocks), null otherwise */ increment: number[] | null }>;
  readonly maxpool: { shape: number[]; indices: number[] } | null;
  readonly convs: Array<NormRecord & { name: string; bn: string; biasNorm: number }>;
  readonly blockNorms: Array<{ block: string; stage: number; identityShortcut: boolean; branchNorms: number[]; product: number; biasTerm: number }>;
  readonly inputSeed: number;
  readonly inputShape: readonly number[];
}

export interface NetworkIndex {
  readonly seed: number;
  readonly inputShape: readonly [number, number, number];
  readonly tensors: readonly TensorRecord[];
  readonly graph: readonly GraphOp[];
}

/** A NumPy .npy file of float32 or float64 values (version 1.0 header). */
export function npyBytes(values: ArrayLike<number>, shape: readonly number[], dtype: '<f4' | '<f8' = '<f8'): Uint8Array {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const size = dtype === '<f4' ? 4 : 8;
  const out = new Uint8Array(10 + header.length + size * values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < values.length; i++) {
    if (size === 4) view.setFloat32(4 * i, values[i], true); else view.setFloat64(8 * i, values[i], true);
  }
  return out;
}

/**
 * torchvision's ResNet-18 (test/fixtures/conv/resnet18/records.json, weights rebuilt from the hash) as a
 * safetensors file with torchvision's state_dict keys: an 8-byte little-endian header length, the JSON
 * header, then every tensor as little-endian float32 (the fixture's values are float32-exact, so the
 * file holds them bit for bit). `inputShape` ("3,32,32") goes into __metadata__ as input_shape; without
 * it the viewer takes torchvision's 224×224 for the 7×7 stem. 46.8 MB.
 */
export function resnet18Safetensors(inputShape?: string): Uint8Array {
  const r18 = readJson<NetworkIndex>('resnet18', 'records.json');
  const tensors = hashTensors(r18.seed, r18.tensors);
  const header: Record<string, unknown> = {};
  if (inputShape !== undefined) header.__metadata__ = { input_shape: inputShape };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.data.length] };
    offset += 4 * t.data.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let o = 8 + head.length;
  for (const t of tensors.values()) {
    for (let i = 0; i < t.data.length; i++, o += 4) view.setFloat32(o, t.data[i], true);
  }
  return out;
}
