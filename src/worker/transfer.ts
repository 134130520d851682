/**
 * Replies cross two boundaries: worker → host (postMessage with transfer) and host → webview (VS Code's
 * webview channel, which counts a message's buffers in one byte and silently drops those beyond ~250).
 * So every reply is packed: its typed arrays are copied into one buffer per array type and replaced by
 * views into it, on a copy of the reply's plain objects (never mutating what a handler returned, which
 * may reference a cached network), and those few fresh buffers are transferred.
 */
import type { DenseMatrix } from '../core/linalg/dense';
import type { WireMatrix } from '../shared/protocol';

type Typed = Float64Array | Float32Array | Uint32Array | Int32Array | Uint16Array | Int16Array | Uint8Array | Int8Array;
type TypedCtor = { new (length: number): Typed };

/** A matrix as it crosses threads (the reply packing copies its data). */
export function wireMatrix(m: DenseMatrix): WireMatrix {
  return { rows: m.rows, cols: m.cols, data: m.data };
}

const MAX_DEPTH = 32;

export function packForTransfer<T>(value: T): { value: T; transfer: ArrayBuffer[] } {
  const arrays: Typed[] = [];
  const index = new Map<Typed, number>();
  // pass 1: find every typed array (identity preserved: the same array twice stays one view)
  const find = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return;
    if (ArrayBuffer.isView(v)) {
      if (!(v instanceof DataView) && !index.has(v as Typed)) { index.set(v as Typed, arrays.length); arrays.push(v as Typed); }
      return;
    }
    if (Array.isArray(v)) {
      if (v.length > 0 && typeof v[0] !== 'object') return; // plain number/string lists
      for (const x of v) find(x, depth + 1);
      return;
    }
    for (const x of Object.values(v as Record<string, unknown>)) find(x, depth + 1);
  };
  find(value, 0);
  if (arrays.length === 0) return { value, transfer: [] };

  // one packed buffer per array type
  const byType = new Map<TypedCtor, Typed[]>();
  for (const a of arrays) {
    const ctor = a.constructor as TypedCtor;
    const list = byType.get(ctor) ?? [];
    list.push(a);
    byType.set(ctor, list);
  }
  const views = new Map<Typed, Typed>();
  const transfer: ArrayBuffer[] = [];
  for (const [ctor, list] of byType) {
    let total = 0;
    for (const a of list) total += a.length;
    const packed = new ctor(total);
    let offset = 0;
    for (const a of list) {
      packed.set(a, offset);
      views.set(a, packed.subarray(offset, offset + a.length));
      offset += a.length;
    }
    transfer.push(packed.buffer as ArrayBuffer);
  }

  // pass 2: a copy of the plain structure with the views in place
  const seen = new Map<object, unknown>();
  const copy = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
    if (ArrayBuffer.isView(v)) return views.get(v as Typed) ?? v;
    const done = seen.get(v);
    if (done) return done;
    if (Array.isArray(v)) {
      if (v.length > 0 && typeof v[0] !== 'object') return v;
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(copy(x, depth + 1));
      return out;
    }
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      // an own "__proto__" key (JSON.parse makes them) stays a key instead of replacing the prototype
      if (k === '__proto__') Object.defineProperty(out, k, { value: copy(x, depth + 1), enumerable: true, writable: true, configurable: true });
      else out[k] = copy(x, depth + 1);
    }
    return out;
  };
  return { value: copy(value, 0) as T, transfer };
}
