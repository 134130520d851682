/**
 * The products Lanczos needs — w = Aᵀ(A v) in one pass over A, dot products with the rows of a
 * basis, and a linear combination of those rows — on the WebAssembly SIMD kernels of
 * ../kernels/kernels.wat, or on the scalar loops below where WebAssembly SIMD is unavailable.
 *
 * The scalar loops are the reference: they do exactly the kernels' floating-point operations (a dot
 * product sums even and odd j in two separate sums, adds them, then the last product of an odd
 * length; a combination adds the rows in order), so both paths give the same bits
 * (test/unit/lanczos-products.test.ts).
 */
import { WasmKernels } from '../kernels/wasm';

/** B_r · x for row r of B ([·][n] row-major): the kernels' two-lane order. */
export function dotScalar(B: Float64Array | Float32Array, r: number, n: number, x: Float64Array): number {
  const off = r * n;
  let s0 = 0, s1 = 0, j = 0;
  for (; j + 1 < n; j += 2) {
    s0 += B[off + j] * x[j];
    s1 += B[off + j + 1] * x[j + 1];
  }
  let t = s0 + s1;
  if (j < n) t += B[off + j] * x[j];
  return t;
}

/** w = Aᵀ(A v), A [m][n]: per row, its dot product with v, then the row scaled into w. */
export function gramScalar(A: Float64Array | Float32Array, m: number, n: number, v: Float64Array, w: Float64Array): void {
  w.fill(0, 0, n);
  for (let i = 0; i < m; i++) {
    const t = dotScalar(A, i, n, v);
    const off = i * n;
    for (let j = 0; j < n; j++) w[j] += t * A[off + j];
  }
}

/** c[r] = B_r · x for r < k. */
export function dotsScalar(B: Float64Array, k: number, n: number, x: Float64Array, c: Float64Array): void {
  for (let r = 0; r < k; r++) c[r] = dotScalar(B, r, n, x);
}

/** y ← y + Σ_r c[r]·B_r for r < k, in order of r. */
export function combineScalar(B: Float64Array, k: number, n: number, c: Float64Array, y: Float64Array): void {
  for (let r = 0; r < k; r++) {
    const t = c[r], off = r * n;
    for (let j = 0; j < n; j++) y[j] += t * B[off + j];
  }
}

function norm2(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/**
 * Working memory of one Lanczos run on A [m][n]: A, a basis V of up to `capacity` rows of length n,
 * a work vector w and coefficients c — in WebAssembly memory when the kernels are available. A may
 * be float32 (a checkpoint's tensor in its own precision: half the memory, the same results as its
 * float64 copy).
 */
export class LanczosSpace {
  A!: Float64Array | Float32Array;
  V!: Float64Array;
  w!: Float64Array;
  c!: Float64Array;
  private t!: Float64Array;

  private constructor(
    readonly m: number,
    readonly n: number,
    public capacity: number,
    private readonly kernels: WasmKernels | undefined,
    private readonly f32: boolean,
    /** whether release() hands the kernels back (false: the caller lent them for several runs) */
    private readonly ownsKernels: boolean,
  ) {}

  /** A copied in; undefined only if memory for it cannot be had. */
  static create(a: Float64Array | Float32Array, m: number, n: number, capacity: number): LanczosSpace {
    const space = LanczosSpace.allocate(m, n, capacity, a instanceof Float32Array);
    space.A.set(a);
    return space;
  }

  /**
   * Room for A (float32 or float64) for the caller to fill — a tensor decoded straight into it, with
   * no copy in between — on `kernels` when given (kept by the caller: release() does not hand them
   * back), else on an instance of its own.
   */
  static allocate(m: number, n: number, capacity: number, f32: boolean, kernels?: WasmKernels): LanczosSpace {
    const owns = kernels === undefined;
    const k = kernels ?? WasmKernels.acquire();
    const space = new LanczosSpace(m, n, capacity, k, f32, owns);
    if (space.layout(capacity)) return space;
    // no room in WebAssembly memory (4 GiB): plain arrays and the scalar loops
    if (owns) k?.release();
    const plain = new LanczosSpace(m, n, capacity, undefined, f32, true);
    plain.layout(capacity);
    return plain;
  }

  /**
   * A basis alone (no A): `capacity` rows of length n, with w and c, for a Lanczos run on an operator
   * that brings its own products (operator.ts), whose reorthogonalization is the hot loop.
   */
  static basis(n: number, capacity: number): LanczosSpace {
    return LanczosSpace.allocate(0, n, capacity, false);
  }

  /** Row r of the basis set to x, growing the basis (doubling, up to `limit` rows) when r is past its capacity. */
  setRow(r: number, x: Float64Array, limit: number): void {
    if (r >= this.capacity) this.grow(Math.min(limit, Math.max(r + 1, this.capacity * 2)));
    this.V.set(x, r * this.n);
  }

  /**
   * x made orthogonal to basis rows 0..k−1 in place: classical Gram–Schmidt on the kernels (c = V x,
   * x ← x − Vᵀc), repeated only when it removed most of x (the DGKS test, Daniel, Gragg, Kaufman &
   * Stewart 1976: ‖x_after‖ < ‖x_before‖/√2). In Lanczos the new vector is nearly orthogonal already,
   * so one pass usually suffices.
   */
  orthogonalize(x: Float64Array, k: number): void {
    if (k === 0) return;
    const w = this.w, c = this.c;
    w.set(x);
    let before = norm2(w);
    for (let pass = 0; pass < 2; pass++) {
      this.dots(k);
      for (let r = 0; r < k; r++) c[r] = -c[r];
      this.combine(k);
      const after = norm2(w);
      if (after >= Math.SQRT1_2 * before) break;
      before = after;
    }
    x.set(w);
  }

  /** max |a_ij| of A (+0 for an empty A), NaN when an entry is NaN: the SIMD kernel on a float64 A in its memory. */
  maxAbsA(): number {
    const A = this.A, count = this.m * this.n;
    if (this.kernels && A instanceof Float64Array) return this.kernels.maxAbs(A, count);
    let max = 0;
    for (let i = 0; i < count; i++) {
      const a = Math.abs(A[i]);
      if (!(a <= max)) { if (Number.isNaN(a)) return NaN; max = a; }
    }
    return max;
  }

  /** Whether the WebAssembly kernels do the products. */
  get simd(): boolean {
    return this.kernels !== undefined;
  }

  /** Room for `capacity` basis rows; A, the rows of V and w are kept. */
  grow(capacity: number): void {
    const w = this.w.slice();
    const keep = this.kernels ? undefined : this.V;
    if (!this.layout(capacity)) throw new RangeError(`Lanczos: no memory for ${capacity} basis vectors of length ${this.n}`);
    if (keep) this.V.set(keep);
    this.w.set(w);
    this.capacity = capacity;
  }

  /** w = Aᵀ(A V_row) */
  gram(row: number): void {
    const v = this.V.subarray(row * this.n, (row + 1) * this.n);
    if (!this.kernels) gramScalar(this.A, this.m, this.n, v, this.w);
    else if (this.A instanceof Float32Array) this.kernels.gram32(this.A, this.m, this.n, v, this.w, this.t);
    else this.kernels.gram(this.A, this.m, this.n, v, this.w, this.t);
  }

  /** c[r] = V_r · w for r < k */
  dots(k: number): void {
    if (this.kernels) this.kernels.dots(this.V, k, this.n, this.w, this.c);
    else dotsScalar(this.V, k, this.n, this.w, this.c);
  }

  /** w ← w + Σ_{r<k} c[r]·V_r */
  combine(k: number): void {
    if (this.kernels) this.kernels.combine(this.V, k, this.n, this.c, this.w);
    else combineScalar(this.V, k, this.n, this.c, this.w);
  }

  release(): void {
    if (this.ownsKernels) this.kernels?.release();
  }

  private layout(capacity: number): boolean {
    const { m, n } = this;
    if (!this.kernels) {
      this.A ??= this.f32 ? new Float32Array(m * n) : new Float64Array(m * n);
      this.V = new Float64Array(capacity * n);
      this.w = new Float64Array(n);
      this.c = new Float64Array(capacity);
      this.t = new Float64Array(4);
      return true;
    }
    // A first and V second: growing V keeps both in place (linear memory only grows)
    const views = this.kernels.arrays([this.f32 ? Math.ceil(m * n / 2) : m * n, capacity * n, n, capacity, 4]);
    if (!views) return false;
    const [a, V, w, c, t] = views;
    this.A = this.f32 ? new Float32Array(a.buffer, a.byteOffset, m * n) : a;
    [this.V, this.w, this.c, this.t] = [V, w, c, t];
    return true;
  }
}
