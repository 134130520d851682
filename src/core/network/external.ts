/**
 * External weights: a matrix or vector stored as raw little-endian float32/float64 in a file beside
 * the network document, so big networks do not need 100 MB of JSON.
 *   {"file": "w.bin", "dtype": "float32", "shape": [out, in], "offset": 0, "order": "row-major"}
 */
import type { Node } from 'jsonc-parser';
import type { DenseMatrix } from '../linalg/dense';
import { LIMITS } from './limits';
import type { EntryContext } from './entry';

const EXTERNAL_FIELDS = ['file', 'dtype', 'shape', 'offset', 'order'] as const;
const DTYPES = ['float32', 'float64'] as const;
const ORDERS = ['row-major', 'column-major'] as const;

/**
 * Read the external array described by `node` (rank 2: a matrix [out, in]; rank 1: a vector
 * returned as an n×1 matrix). Reports every problem on the exact node and returns undefined.
 */
export function readExternalArray(node: Node, ctx: EntryContext, what: string, rank: 1 | 2): DenseMatrix | undefined {
  const { reader } = ctx;
  const sink = reader.sink;
  const f = reader.fields(node, `${what} (external)`, EXTERNAL_FIELDS);
  const fileNode = reader.require(f, 'file', node, `${what} (external)`);
  const dtypeNode = reader.require(f, 'dtype', node, `${what} (external)`);
  const shapeNode = reader.require(f, 'shape', node, `${what} (external)`);
  const file = fileNode && reader.string(fileNode, `${what} file`);
  const dtype = dtypeNode && reader.oneOf(dtypeNode, `${what} dtype`, DTYPES);
  const offsetNode = f.get('offset');
  const offset = offsetNode ? reader.integer(offsetNode, `${what} offset`, 0, Number.MAX_SAFE_INTEGER) : 0;
  const orderNode = f.get('order');
  const order = orderNode ? reader.oneOf(orderNode, `${what} order`, ORDERS) : 'row-major';
  let shape: number[] | undefined;
  if (shapeNode && reader.isArray(shapeNode, `${what} shape`)) {
    const dims = shapeNode.children ?? [];
    if (dims.length !== rank) {
      sink.error('invalid-value', shapeNode, `${what} shape must have ${rank} entr${rank === 1 ? 'y ([length])' : 'ies ([out, in])'}, not ${dims.length}`);
    } else {
      const parsed = dims.map((d, i) => reader.integer(d, `${what} shape[${i}]`, 1, LIMITS.maxWidth, 'size-limit'));
      if (parsed.every((d) => d !== undefined)) shape = parsed as number[];
    }
  }
  if (file === undefined || dtype === undefined || shape === undefined || offset === undefined || order === undefined) return undefined;
  if (!fileNode) return undefined;
  const rows = shape[0];
  const cols = rank === 2 ? shape[1] : 1;
  const count = rows * cols;
  if (count > LIMITS.maxLayerParameters) {
    sink.error('size-limit', shapeNode!, `${what} has ${count} entries, above the per-layer limit of ${LIMITS.maxLayerParameters}`);
    return undefined;
  }
  if (!ctx.options.readExternal) {
    sink.error('external-unavailable', fileNode, `${what} refers to external file "${file}", but external files cannot be read here (open the file from disk)`);
    return undefined;
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = ctx.options.readExternal(file);
  } catch {
    bytes = undefined;
  }
  if (!bytes) {
    sink.error('external-missing', fileNode, `${what}: external file "${file}" not found (paths are relative to the network file)`);
    return undefined;
  }
  const size = dtype === 'float32' ? 4 : 8;
  const needed = offset + count * size;
  if (bytes.byteLength < needed) {
    sink.error('external-short', fileNode, `${what}: "${file}" has ${bytes.byteLength} bytes but ${shape.join('×')} ${dtype} values from offset ${offset} need ${needed}`);
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float64Array(count);
  let firstBad = -1;
  for (let i = 0; i < count; i++) {
    const v = size === 4 ? view.getFloat32(offset + 4 * i, true) : view.getFloat64(offset + 8 * i, true);
    if (!Number.isFinite(v) && firstBad < 0) firstBad = i;
    // file index i → row-major position
    if (order === 'row-major') data[i] = v;
    else data[(i % rows) * cols + Math.floor(i / rows)] = v;
  }
  if (firstBad >= 0) {
    const v = size === 4 ? view.getFloat32(offset + 4 * firstBad, true) : view.getFloat64(offset + 8 * firstBad, true);
    sink.error('non-finite-number', fileNode, `${what}: "${file}" holds ${v} at value ${firstBad + 1} (byte ${offset + firstBad * size}); weights must be finite`);
    return undefined;
  }
  return { rows, cols, data };
}
