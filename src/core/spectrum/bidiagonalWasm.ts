/**
 * The WebAssembly SIMD row pass of the bidiagonalization (bidiagonal.wat), instantiated per call
 * with the matrix and its three work vectors laid out in the instance's memory. Undefined where
 * WebAssembly or its SIMD is unavailable, or the matrix does not fit in 32-bit memory: the caller then
 * runs the same pass in JavaScript.
 */
import { wasmBase64 } from './bidiagonal.wasm';

export interface BidiagonalExports {
  readonly memory: WebAssembly.Memory;
  rowsPass(a: number, n: number, k: number, c1: number, rowStart: number, rowEnd: number, vTau: number, w: number, u: number, tauR: number, next: number, accumulate: number): number;
}

export interface WasmWorkspace {
  readonly exports: BidiagonalExports;
  /** views into the instance's memory */
  readonly a: Float64Array;
  readonly w: Float64Array;
  readonly u: Float64Array;
  readonly next: Float64Array;
  /** their byte offsets, for the kernel */
  readonly ptr: { readonly a: number; readonly w: number; readonly u: number; readonly next: number };
}

const PAGE = 65536;
/** leave headroom under wasm32's 4 GiB */
const MAX_BYTES = 2 ** 31;

let module: WebAssembly.Module | null | undefined;

function compiled(): WebAssembly.Module | null {
  if (module !== undefined) return module;
  module = null;
  try {
    if (typeof WebAssembly !== 'object') return module;
    const bytes = Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0));
    if (WebAssembly.validate(bytes)) module = new WebAssembly.Module(bytes);
  } catch {
    module = null;
  }
  return module;
}

export function spectrumWasmAvailable(): boolean {
  return compiled() !== null;
}

/** A fresh instance with room for an m×n matrix and three n-vectors, 16-byte aligned. */
export function wasmWorkspace(m: number, n: number): WasmWorkspace | undefined {
  const mod = compiled();
  if (!mod) return undefined;
  const vec = Math.ceil(n / 2) * 16;
  const bytes = Math.ceil((m * n) / 2) * 16 + 3 * vec;
  if (bytes > MAX_BYTES) return undefined;
  try {
    const exports = new WebAssembly.Instance(mod).exports as unknown as BidiagonalExports;
    const have = exports.memory.buffer.byteLength;
    if (bytes > have) exports.memory.grow(Math.ceil((bytes - have) / PAGE));
    const buffer = exports.memory.buffer;
    const ptr = { a: 0, w: Math.ceil((m * n) / 2) * 16, u: 0, next: 0 };
    ptr.u = ptr.w + vec;
    ptr.next = ptr.u + vec;
    return {
      exports,
      a: new Float64Array(buffer, ptr.a, m * n),
      w: new Float64Array(buffer, ptr.w, n),
      u: new Float64Array(buffer, ptr.u, n),
      next: new Float64Array(buffer, ptr.next, n),
      ptr,
    };
  } catch {
    return undefined;
  }
}
