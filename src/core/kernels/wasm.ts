/**
 * The WebAssembly SIMD kernels of kernels.wat, for the hot loops of the core.
 *
 * One module is compiled per thread (synchronously: it is about a kilobyte) and one instance is
 * lent to one computation at a time. The caller asks for Float64Array views laid out in the
 * instance's linear memory (`arrays`), fills them, and passes views to the kernels, which work in
 * place; memory grows as needed and an instance left holding more than KEEP_BYTES is dropped after
 * use. Where WebAssembly or its SIMD is unavailable (or switched off for tests), `WasmKernels.acquire`
 * returns undefined and callers use their scalar JavaScript loops, which compute the same numbers.
 * A new kernel is a function exported by kernels.wat, declared in KernelExports and wrapped in a
 * method that checks its views.
 */
import { wasmBase64 } from './kernels.wasm';

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  dense(panels: number, bias: number, m: number, n: number, x: number, rows: number, y: number): void;
  denseRows4(w: number, bias: number, m: number, n: number, x: number, y: number): void;
  firstNonFinite(a: number, count: number): number;
  maxAbs(a: number, count: number): number;
  relu(z: number, count: number): void;
  reluBits(z: number, rows: number, m: number, bits: number): void;
  gram(a: number, m: number, n: number, v: number, w: number, t: number): void;
  gram32(a: number, m: number, n: number, v: number, w: number, t: number): void;
  dots(b: number, k: number, n: number, x: number, c: number): void;
  combine(b: number, k: number, n: number, c: number, y: number): void;
  affineMixRows(X: number, MX: number, v: number, PRE: number, OUT: number, m: number, rows: number, a: number, s: number, t: number, flags: number, counts: number): void;
  sgdRows4(w: number, n: number, d: number, coef: number, z: number): void;
  fillNormal(st: number, out: number, from: number, count: number): number;
  chainPairs(g: number, want: number, s: number, c1: number, nP: number, nW: number, acc: number, a: number): void;
  chainResidual(a: number, e: number, m: number, inv: number, k: number, acc: number): void;
  chainWedges(st: number, count: number, theta: number, acc: number, a: number, e: number): void;
}

const PAGE = 65536;
/**
 * `dense` runs over blocks of rows whose inputs take about this many bytes, so a block stays in the
 * core's L2 cache while every weight panel passes over it (instead of all inputs streaming from L3
 * or memory once per panel).
 */
const BLOCK_BYTES = 256 * 1024;
/** an instance whose memory grew past this is dropped after use, so a huge batch does not pin it */
const KEEP_BYTES = 64 * 1024 * 1024;
/**
 * Arrays kept in an instance's memory from one call to the next (`arraysKeeping`) take at most this
 * many bytes (ResNet-18's widest conv, W and Wᵀ as Winograd kernels: 151 MB); an instance holding kept
 * arrays may grow to this plus KEEP_BYTES before it is dropped.
 */
const KEPT_BYTES = 192 * 1024 * 1024;
/** wasm32 addresses: linear memory is at most 4 GiB */
const MAX_BYTES = 65536 * PAGE;

/** What kernels.wat imports: Math's own functions, so the ziggurat's and the chain's draws give JavaScript's bits. */
const KERNEL_IMPORTS = { env: { exp: Math.exp, log: Math.log, sin: Math.sin } };

let module: WebAssembly.Module | null | undefined;
let enabled = true;
let idle: KernelExports | undefined;

/**
 * A source `arraysKeeping` fills in place instead of copying: `length` numbers that `fill` writes into
 * a view of linear memory (every number, padding included: the memory may hold anything). Large
 * operands made for the kernels (Winograd's transformed weights) go straight into memory this way:
 * a fresh JavaScript array of tens of MB costs more in first-touch page faults than making its numbers.
 */
export interface KeptSource {
  readonly length: number;
  fill(view: Float64Array): void;
}

/** What an instance holds at the start of its memory from earlier `arraysKeeping` calls: sources by identity, at byte offsets. */
interface Kept { readonly entries: ReadonlyArray<{ readonly source: Float64Array | KeptSource; readonly offset: number }>; readonly end: number }
const kept = new WeakMap<KernelExports, Kept>();

function compiled(): WebAssembly.Module | null {
  if (module !== undefined) return module;
  module = null;
  try {
    if (typeof WebAssembly !== 'object') return module;
    const bytes = Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0));
    // validate() is false where the engine lacks SIMD
    if (WebAssembly.validate(bytes)) module = new WebAssembly.Module(bytes);
  } catch {
    module = null;
  }
  return module;
}

/** The kernels of one instance, lent to one computation until `release()`. */
export class WasmKernels {
  private constructor(private readonly exports: KernelExports) {}

  /**
   * The kernels, or undefined where WebAssembly SIMD is unavailable or switched off. A computation
   * started while another holds the idle instance (from a progress callback) gets a fresh one.
   */
  static acquire(): WasmKernels | undefined {
    if (!enabled) return undefined;
    const mod = compiled();
    if (!mod) return undefined;
    if (idle) {
      const k = new WasmKernels(idle);
      idle = undefined;
      return k;
    }
    try {
      return new WasmKernels(new WebAssembly.Instance(mod, KERNEL_IMPORTS).exports as unknown as KernelExports);
    } catch {
      return undefined;
    }
  }

  /**
   * Float64Array views over consecutive regions of linear memory, counts[i] numbers each, every one
   * 16-byte aligned; grows the memory to fit. Views from earlier calls are invalid afterwards.
   * Returns undefined when the memory cannot hold them (over 4 GiB, or the engine refuses).
   */
  arrays(counts: readonly number[]): Float64Array[] | undefined {
    // the views start at 0, over whatever arraysKeeping kept
    kept.delete(this.exports);
    return this.layOut(0, counts);
  }

  /**
   * Views over copies of `sources`, then views of `counts` numbers as `arrays` gives them. A source
   * that this instance holds from an earlier call (the same Float64Array object) is not copied again:
   * a GEMM's packed weights, used call after call (a power iteration alternating W and Wᵀ), cross
   * into linear memory once. The caller must not change a source, nor write into its view, after
   * passing it here. A call to `arrays` forgets what was kept. A `KeptSource` is filled in place
   * (its `fill` called with the view) instead of copied.
   */
  arraysKeeping(sources: ReadonlyArray<Float64Array | KeptSource>, counts: readonly number[]): Float64Array[] | undefined {
    const size = (c: number) => Math.ceil(c / 2) * 16;
    let held = kept.get(this.exports);
    let missing = sources.filter((src, i) => sources.indexOf(src) === i && !held?.entries.some((e) => e.source === src));
    let need = 0;
    for (const src of missing) need += size(src.length);
    if (!held || held.end + need > KEPT_BYTES) {
      // start over: what this call needs, from offset 0
      held = { entries: [], end: 0 };
      missing = sources.filter((src, i) => sources.indexOf(src) === i);
    }
    const entries = [...held.entries];
    let end = held.end;
    for (const src of missing) {
      entries.push({ source: src, offset: end });
      end += size(src.length);
    }
    const scratch = this.layOut(end, counts);
    if (!scratch) {
      kept.delete(this.exports);
      return undefined;
    }
    const buffer = this.exports.memory.buffer;
    const views = sources.map((src) => {
      const at = entries.find((e) => e.source === src)?.offset ?? 0;
      return new Float64Array(buffer, at, src.length);
    });
    for (let i = 0; i < sources.length; i++) {
      const src = sources[i];
      if (!missing.includes(src) || sources.indexOf(src) !== i) continue;
      if (src instanceof Float64Array) views[i].set(src);
      else src.fill(views[i]);
    }
    kept.set(this.exports, { entries, end });
    return [...views, ...scratch];
  }

  private layOut(start: number, counts: readonly number[]): Float64Array[] | undefined {
    const offsets: number[] = [];
    let bytes = start;
    for (const c of counts) {
      offsets.push(bytes);
      bytes += Math.ceil(c / 2) * 16;
    }
    if (bytes > MAX_BYTES) return undefined;
    const memory = this.exports.memory;
    const pages = Math.ceil(bytes / PAGE) - memory.buffer.byteLength / PAGE;
    if (pages > 0) {
      try {
        memory.grow(pages);
      } catch {
        return undefined;
      }
    }
    return counts.map((c, i) => new Float64Array(memory.buffer, offsets[i], c));
  }

  /**
   * Y[b][i] = bias[i] + Σ_j W[i][j] X[b][j] for b < rows, i < m (kernels.wat `dense`): X is
   * [rows][n], Y is [rows][m], W packed by `packPanels`; rows a multiple of 4. Every argument is a
   * view from `arrays`.
   */
  dense(panels: Float64Array, bias: Float64Array, m: number, n: number, X: Float64Array, rows: number, Y: Float64Array): void {
    if ((rows & 3) !== 0) throw new RangeError(`WasmKernels.dense: rows must be a multiple of 4, got ${rows}`);
    this.inMemory(panels, Math.ceil(m / 4) * 4 * n);
    this.inMemory(bias, Math.ceil(m / 4) * 4);
    this.inMemory(X, rows * n);
    this.inMemory(Y, rows * m);
    const block = Math.max(4, Math.floor(BLOCK_BYTES / (8 * Math.max(n, 1)) / 4) * 4);
    for (let r = 0; r < rows; r += block) {
      this.exports.dense(panels.byteOffset, bias.byteOffset, m, n, X.byteOffset + 8 * r * n, Math.min(block, rows - r), Y.byteOffset + 8 * r * m);
    }
  }

  /**
   * Y4[i][p] = bias[i] + Σ_j W[i][j] X4[j][p] for i < m and four inputs p (kernels.wat `denseRows4`):
   * W row-major [m][n] as it is, X4 [n][4] and Y4 [m][4] interleaved. Each sum starts from the bias
   * and adds in order of j, as `dense` does. Every argument is a view from `arrays`.
   */
  denseRows4(W: Float64Array, bias: Float64Array, m: number, n: number, X4: Float64Array, Y4: Float64Array): void {
    this.inMemory(W, m * n);
    this.inMemory(bias, m);
    this.inMemory(X4, 4 * n);
    this.inMemory(Y4, 4 * m);
    this.exports.denseRows4(W.byteOffset, bias.byteOffset, m, n, X4.byteOffset, Y4.byteOffset);
  }

  /** The index of the first NaN or ±∞ among the first `count` numbers of A, or −1 (kernels.wat `firstNonFinite`). */
  firstNonFinite(A: Float64Array, count: number): number {
    this.inMemory(A, count);
    return this.exports.firstNonFinite(A.byteOffset, count);
  }

  /** max |A_i| over the first `count` numbers (+0 for none), NaN when one is NaN (kernels.wat `maxAbs`). */
  maxAbs(A: Float64Array, count: number): number {
    this.inMemory(A, count);
    return this.exports.maxAbs(A.byteOffset, count);
  }

  /** Z[t] = max(Z[t], 0) for t < count, with NaN → 0 (kernels.wat `relu`). */
  relu(Z: Float64Array, count: number): void {
    this.inMemory(Z, count);
    this.exports.relu(Z.byteOffset, count);
  }

  /**
   * ReLU in place over Z ([rows][m]) and its activation pattern into `bits` ([rows][⌈m/32⌉] words,
   * bit i = Z[row][i] > 0) (kernels.wat `reluBits`). `bits` may be a Uint32Array over a view from `arrays`.
   */
  reluBits(Z: Float64Array, rows: number, m: number, bits: Uint32Array): void {
    this.inMemory(Z, rows * m);
    this.inMemory(bits, rows * ((m + 31) >>> 5));
    this.exports.reluBits(Z.byteOffset, rows, m, bits.byteOffset);
  }

  /**
   * w = Aᵀ(A v) for A [m][n] in one pass over A (kernels.wat `gram`); `t` is scratch of 4 numbers.
   * The same numbers as gramScalar in src/core/linalg/products.ts.
   */
  gram(A: Float64Array, m: number, n: number, v: Float64Array, w: Float64Array, t: Float64Array): void {
    this.inMemory(A, m * n);
    this.inMemory(v, n);
    this.inMemory(w, n);
    this.inMemory(t, 4);
    this.exports.gram(A.byteOffset, m, n, v.byteOffset, w.byteOffset, t.byteOffset);
  }

  /**
   * The same product with A stored as float32 (kernels.wat `gram32`): each value widened exactly, so
   * the result is gram's on A converted to float64, bit for bit. A is a Float32Array over a view from `arrays`.
   */
  gram32(A: Float32Array, m: number, n: number, v: Float64Array, w: Float64Array, t: Float64Array): void {
    this.inMemory(A, m * n);
    this.inMemory(v, n);
    this.inMemory(w, n);
    this.inMemory(t, 4);
    this.exports.gram32(A.byteOffset, m, n, v.byteOffset, w.byteOffset, t.byteOffset);
  }

  /** c[r] = B_r · x for the first k rows of B [k][n] (kernels.wat `dots`; = dotsScalar). */
  dots(B: Float64Array, k: number, n: number, x: Float64Array, c: Float64Array): void {
    this.inMemory(B, k * n);
    this.inMemory(x, n);
    this.inMemory(c, k);
    this.exports.dots(B.byteOffset, k, n, x.byteOffset, c.byteOffset);
  }

  /**
   * The rest of one affine-family layer at `rows` inputs once MX = M X is known (kernels.wat
   * `affineMixRows`; = AffineStep's scalar loop per row): PRE = a·X + s·MX [when useM] + t·v [when
   * useV], OUT = relu(PRE) when relu, else PRE, all [rows][m]; row r's count of units with pre ≤ 0
   * into counts[r] (an Int32Array over a view from `arrays`). One call per layer for all probes.
   */
  affineMixRows(X: Float64Array, MX: Float64Array, v: Float64Array, PRE: Float64Array, OUT: Float64Array, m: number, rows: number, a: number, s: number, t: number, useM: boolean, useV: boolean, relu: boolean, counts: Int32Array): void {
    this.inMemory(X, rows * m);
    this.inMemory(MX, rows * m);
    this.inMemory(v, m);
    this.inMemory(PRE, rows * m);
    this.inMemory(OUT, rows * m);
    this.inMemory(counts, rows);
    this.exports.affineMixRows(X.byteOffset, MX.byteOffset, v.byteOffset, PRE.byteOffset, OUT.byteOffset, m, rows, a, s, t, (useM ? 1 : 0) | (useV ? 2 : 0) | (relu ? 4 : 0), counts.byteOffset);
  }

  /**
   * The mean-field SGD step's two passes over a block of four rows of W2 ([n1][n2] row-major), bound
   * to its arrays (views from `arrays`, checked here once: the step calls these per block, and the
   * per-call checks of the other methods took ~15 % of it in a profile). `dots4(row)` puts rows row..row+3 dotted with δ into back[0..3]
   * (kernels.wat `dots`; dotScalar's order); `rows4(row)` then, with coef = [c_a..c_d, n_a..n_d], stores
   * v_r = W2[row + r][i] + c_r·δ_i and adds (v_a·n_a + v_b·n_b) + (v_c·n_c + v_d·n_d) into z_i
   * (kernels.wat `sgdRows4`). The arrays must stay where they are (no `arrays` call on this instance).
   */
  sgdPasses(W2: Float64Array, n1: number, n2: number, delta: Float64Array, z: Float64Array, coef: Float64Array, back: Float64Array): { dots4(row: number): void; rows4(row: number): void } {
    this.inMemory(W2, n1 * n2);
    this.inMemory(delta, n2);
    this.inMemory(z, n2);
    this.inMemory(coef, 8);
    this.inMemory(back, 4);
    const { dots, sgdRows4 } = this.exports;
    const w = W2.byteOffset, rowBytes = 8 * n2, d = delta.byteOffset, zAt = z.byteOffset, c = coef.byteOffset, b = back.byteOffset;
    return {
      dots4: (row) => { if (row + 4 > n1) throw new RangeError(`sgdPasses: rows ${row}..${row + 3} of ${n1}`); dots(w + rowBytes * row, 4, n2, d, b); },
      rows4: (row) => { if (row + 4 > n1) throw new RangeError(`sgdPasses: rows ${row}..${row + 3} of ${n1}`); sgdRows4(w + rowBytes * row, n2, d, c, zAt); },
    };
  }

  /** y ← y + Σ_r c[r]·B_r over the first k rows of B, in order (kernels.wat `combine`; = combineScalar). */
  combine(B: Float64Array, k: number, n: number, c: Float64Array, y: Float64Array): void {
    this.inMemory(B, k * n);
    this.inMemory(c, k);
    this.inMemory(y, n);
    this.exports.combine(B.byteOffset, k, n, c.byteOffset, y.byteOffset);
  }

  /** Hands the instance back (dropped instead when its memory grew large). */
  release(): void {
    if (this.exports.memory.buffer.byteLength <= KEEP_BYTES + (kept.has(this.exports) ? KEPT_BYTES : 0)) idle = this.exports;
  }

  /** the kernels write in place: a view must lie in this memory and hold what they touch */
  private inMemory(view: Float64Array | Float32Array | Uint32Array | Int32Array, count: number): void {
    if (view.buffer !== this.exports.memory.buffer) throw new Error('WasmKernels: array is not a view from arrays() (or memory grew since)');
    if (view.length < count) throw new RangeError(`WasmKernels: array of ${view.length} numbers, the kernel touches ${count}`);
  }
}

/**
 * W ([m][n], row-major) → the 4-neuron panels `dense` reads: panel p = for each j, W[4p..4p+3][j],
 * zero past row m; bias → `biasOut`, zero-padded to a multiple of 4.
 */
export function packPanels(W: Float64Array, bias: Float64Array, m: number, n: number, panels: Float64Array, biasOut: Float64Array): void {
  const mp = Math.ceil(m / 4) * 4;
  for (let i = 0; i < mp; i++) {
    const at = (i >>> 2) * 4 * n + (i & 3);
    if (i < m) {
      for (let j = 0, w = i * n; j < n; j++) panels[at + 4 * j] = W[w + j];
      biasOut[i] = bias[i];
    } else {
      for (let j = 0; j < n; j++) panels[at + 4 * j] = 0;
      biasOut[i] = 0;
    }
  }
}

/**
 * Where `normalSource`'s instance keeps its state, the ziggurat's two tables and the draws (bytes);
 * kernels.wat `fillNormal` finds the tables at these offsets from the state.
 */
const NORMAL_STATE = 0, NORMAL_XS = NORMAL_STATE + 64, NORMAL_RATIOS = NORMAL_STATE + 1104, NORMAL_OUT = 4096;
/** Draws one call of `NormalSource.fill` can hold: the rest of the instance's one page. */
export const NORMAL_BLOCK = (PAGE - NORMAL_OUT) / 8;

/**
 * Rng.fillNormal's fast path on this thread's own instance of the kernels (kernels.wat `fillNormal`):
 * views of its state — s0..s3, the block-index word and how many indices it has left, and the block
 * j of a draw for the base block's tail — and of that draw's u, and of the draws `fill` writes.
 * Views taken from it are valid until the next `chain` call (which may grow the memory).
 */
export interface NormalSource {
  /** [s0, s1, s2, s3, bits, left, j] */
  readonly state: Int32Array;
  /** u of the draw that stopped `fill` */
  readonly edgeU: Float64Array;
  /** NORMAL_BLOCK numbers */
  readonly out: Float64Array;
  /** draws into out[from..count), count ≤ NORMAL_BLOCK; returns count, or the index of a draw for the base block's tail */
  fill(from: number, count: number): number;
  /**
   * The depth-degeneracy chain's layer kernels on this instance, which read the pairs where `fill`
   * wrote them; a and e hold up to maxPairs entries. Undefined when 2·maxPairs draws do not fit in
   * one block or the memory cannot grow.
   */
  chain(maxPairs: number): ChainKernels | undefined;
}

/** kernels.wat `chainPairs` and `chainResidual` over NormalSource.out (simulate.ts chainPath). */
export interface ChainKernels {
  /** [aa, bb, ae, r, ee] */
  readonly sums: Float64Array;
  /** [m, gotP, gotW] */
  readonly counts: Int32Array;
  readonly a: Float64Array;
  readonly e: Float64Array;
  /** the pairs (out[2i], out[2i+1]), i < want, into a, e, sums and counts (kernels.wat `chainPairs`) */
  pairs(want: number, s: number, oneMinusC: number, nP: number, nW: number): void;
  /** r and ee over a[0..m), e[0..m) into sums[3], sums[4] (kernels.wat `chainResidual`) */
  residual(m: number, inv: number, k: number): void;
  /**
   * `count` wedge pairs of a layer at angle θ by the polar form, appended to a, e, sums and counts
   * (kernels.wat `chainWedges`), drawing from the generator state in NormalSource.state: call it
   * inside Rng.drawIn.
   */
  wedges(count: number, theta: number): void;
}

/**
 * The chain's sums and counts (chainPairs' acc: 5 f64, then 3 i32 at +40), then a and e: past the
 * first page, e at a fixed distance after a (room for the most pairs one block of draws holds), which
 * kernels.wat chainPairs writes as a constant offset.
 */
const CHAIN_ACC = PAGE, CHAIN_ARRAYS = PAGE + 64, CHAIN_E = (NORMAL_BLOCK / 2) * 8;

class WasmNormalSource implements NormalSource {
  state!: Int32Array;
  edgeU!: Float64Array;
  out!: Float64Array;
  private chainKernels: ChainKernels | undefined;
  private chainPairsMax = 0;

  constructor(private readonly ex: KernelExports, tables: (xs: Float64Array, ratios: Float64Array) => void) {
    this.views();
    tables(new Float64Array(ex.memory.buffer, NORMAL_XS, 129), new Float64Array(ex.memory.buffer, NORMAL_RATIOS, 128));
  }

  fill(from: number, count: number): number {
    return this.ex.fillNormal(NORMAL_STATE, NORMAL_OUT, from, count);
  }

  chain(maxPairs: number): ChainKernels | undefined {
    if (!(Number.isInteger(maxPairs) && maxPairs >= 0)) throw new RangeError(`NormalSource.chain: maxPairs must be a non-negative integer, got ${maxPairs}`);
    if (2 * maxPairs > NORMAL_BLOCK) return undefined;
    if (this.chainKernels && maxPairs <= this.chainPairsMax) return this.chainKernels;
    const memory = this.ex.memory;
    const pages = Math.ceil((CHAIN_ARRAYS + 2 * CHAIN_E) / PAGE) - memory.buffer.byteLength / PAGE;
    if (pages > 0) {
      try {
        memory.grow(pages);
      } catch {
        return undefined;
      }
      this.views(); // growing detached the old buffer
    }
    const ex = this.ex, buffer = memory.buffer, eAt = CHAIN_ARRAYS + CHAIN_E;
    this.chainPairsMax = maxPairs;
    const counts = new Int32Array(buffer, CHAIN_ACC + 40, 3);
    this.chainKernels = {
      sums: new Float64Array(buffer, CHAIN_ACC, 5),
      counts,
      a: new Float64Array(buffer, CHAIN_ARRAYS, maxPairs),
      e: new Float64Array(buffer, eAt, maxPairs),
      pairs: (want, s, oneMinusC, nP, nW) => {
        if (!(want >= 0 && want <= maxPairs)) throw new RangeError(`ChainKernels.pairs: want must be in [0, ${maxPairs}], got ${want}`);
        ex.chainPairs(NORMAL_OUT, want, s, oneMinusC, nP, nW, CHAIN_ACC, CHAIN_ARRAYS);
      },
      residual: (m, inv, k) => {
        if (!(m >= 0 && m <= maxPairs)) throw new RangeError(`ChainKernels.residual: m must be in [0, ${maxPairs}], got ${m}`);
        ex.chainResidual(CHAIN_ARRAYS, eAt, m, inv, k, CHAIN_ACC);
      },
      wedges: (count, theta) => {
        const m = counts[0];
        if (!(Number.isInteger(count) && count >= 0 && m + count <= maxPairs)) throw new RangeError(`ChainKernels.wedges: ${count} pairs after ${m} do not fit in ${maxPairs}`);
        ex.chainWedges(NORMAL_STATE, count, theta, CHAIN_ACC, CHAIN_ARRAYS, eAt);
      },
    };
    return this.chainKernels;
  }

  private views(): void {
    const buffer = this.ex.memory.buffer;
    this.state = new Int32Array(buffer, NORMAL_STATE, 7);
    this.edgeU = new Float64Array(buffer, NORMAL_STATE + 32, 1);
    this.out = new Float64Array(buffer, NORMAL_OUT, NORMAL_BLOCK);
  }
}

let normals: WasmNormalSource | null | undefined;

/**
 * This thread's NormalSource (one instance for every Rng here: each call brings its state in and
 * takes it out), its tables written once by `tables`; undefined where the kernels are unavailable or
 * switched off for tests.
 */
export function normalSource(tables: (xs: Float64Array, ratios: Float64Array) => void): NormalSource | undefined {
  if (!enabled) return undefined;
  if (normals === undefined) {
    normals = null;
    const mod = compiled();
    if (mod) {
      try {
        normals = new WasmNormalSource(new WebAssembly.Instance(mod, KERNEL_IMPORTS).exports as unknown as KernelExports, tables);
      } catch {
        normals = null;
      }
    }
  }
  return normals ?? undefined;
}

/** Tests and benchmarks: false makes `acquire` return undefined (the scalar paths run). */
export function setWasmKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Whether this engine runs the SIMD kernels (WebAssembly with 128-bit SIMD). */
export function wasmKernelsAvailable(): boolean {
  return compiled() !== null;
}
