/**
 * Element types of stored tensors and their conversion to numbers. Every format maps its own type
 * names (safetensors "F32", NumPy "<f4", torch FloatStorage, ONNX data_type 1) onto these; all of
 * them read as float64 for analyses, and floats of 32 bits or fewer also as float32 (the tensor table
 * computes norms from float32 to keep memory at the tensor's own size).
 */
import { FormatError } from './source';

export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** bytes per element */
export const DTYPE_SIZE: ReadonlyMap<DType, number> = new Map<DType, number>([
  ['F64', 8], ['F32', 4], ['F16', 2], ['BF16', 2], ['I64', 8], ['I32', 4], ['I16', 2], ['I8', 1],
  ['U64', 8], ['U32', 4], ['U16', 2], ['U8', 1], ['BOOL', 1],
]);

export function dtypeSize(dtype: DType): number {
  return DTYPE_SIZE.get(dtype)!;
}

export function isDType(name: string): name is DType {
  return DTYPE_SIZE.has(name as DType);
}

/** Product of the dimensions, or a FormatError when it is not a safe integer (a header that lies). */
export function elementCount(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new FormatError('model-corrupt', `${what} has an invalid dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
    if (!Number.isSafeInteger(n)) throw new FormatError('model-corrupt', `${what} has shape [${shape.join(', ')}], more elements than can be counted`);
  }
  return n;
}

const F16_EXP = new Float64Array(32);
for (let e = 0; e < 32; e++) F16_EXP[e] = 2 ** (e - 15);

/** IEEE 754 binary16 → number (exact). */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * F16_EXP[exp] * (1 + frac / 1024);
}

/**
 * Decode `count` elements of `dtype` from `bytes` (little-endian unless `bigEndian`) into `out`
 * (Float64Array or Float32Array), starting at out[0].
 */
export function decodeInto(bytes: Uint8Array, dtype: DType, count: number, out: Float64Array | Float32Array, bigEndian = false): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !bigEndian;
  switch (dtype) {
    case 'F64':
      if (le && out instanceof Float64Array && bytes.byteOffset % 8 === 0) { out.set(new Float64Array(bytes.buffer, bytes.byteOffset, count)); return; }
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, le);
      return;
    case 'F32':
      if (le && bytes.byteOffset % 4 === 0) { out.set(new Float32Array(bytes.buffer, bytes.byteOffset, count)); return; }
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, le);
      return;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(2 * i, le));
      return;
    case 'BF16': {
      // the upper half of a float32
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      for (let i = 0; i < count; i++) { u[0] = view.getUint16(2 * i, le) << 16; out[i] = f[0]; }
      return;
    }
    case 'I64': for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(8 * i, le)); return;
    case 'U64': for (let i = 0; i < count; i++) out[i] = Number(view.getBigUint64(8 * i, le)); return;
    case 'I32': for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, le); return;
    case 'U32': for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, le); return;
    case 'I16': for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, le); return;
    case 'U16': for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, le); return;
    case 'I8': for (let i = 0; i < count; i++) out[i] = view.getInt8(i); return;
    case 'U8': for (let i = 0; i < count; i++) out[i] = bytes[i]; return;
    case 'BOOL': for (let i = 0; i < count; i++) out[i] = bytes[i] ? 1 : 0; return;
  }
}

/** True when float32 holds every value of `dtype` exactly (so norms can run on float32 copies). */
export function fitsFloat32(dtype: DType): boolean {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'I16' || dtype === 'I8' || dtype === 'U16' || dtype === 'U8' || dtype === 'BOOL';
}
