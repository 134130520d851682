/**
 * Matrices cross the thread boundary with their buffers transferred. Only buffers created by
 * `wireMatrix`/`wireVector` (fresh copies) are transferred, so a cached network's own arrays can
 * never be detached by a reply.
 */
import type { DenseMatrix } from '../core/linalg/dense';
import type { WireMatrix } from '../shared/protocol';

const transferable = new WeakSet<ArrayBuffer>();

export function wireMatrix(m: DenseMatrix): WireMatrix {
  const data = m.data.slice();
  transferable.add(data.buffer as ArrayBuffer);
  return { rows: m.rows, cols: m.cols, data };
}

export function wireVector(v: Float64Array): Float64Array {
  const copy = v.slice();
  transferable.add(copy.buffer as ArrayBuffer);
  return copy;
}

/** Mark arrays a handler created itself (and will not touch again) for transfer. */
export function markTransferable(...arrays: ArrayBufferView[]): void {
  for (const a of arrays) if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) transferable.add(a.buffer as ArrayBuffer);
}

/** Every marked buffer reachable from `value` (depth-limited walk). */
export function collectTransferables(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || depth > 12 || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (transferable.has(v.buffer as ArrayBuffer)) out.add(v.buffer as ArrayBuffer);
      return;
    }
    if (Array.isArray(v)) {
      // long arrays of numbers hold no buffers; skip them quickly
      if (v.length > 0 && typeof v[0] !== 'object') return;
      for (const x of v) walk(x, depth + 1);
      return;
    }
    for (const x of Object.values(v as Record<string, unknown>)) walk(x, depth + 1);
  };
  walk(value, 0);
  return [...out];
}
