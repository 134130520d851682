/**
 * Batched forward pass with pattern extraction: many inputs at once (grids, datasets), row-major
 * [batch][dim] Float64Array in, network outputs and bit-packed activation patterns out.
 *
 * Samples go through the whole network in slabs of at most SLAB_NUMBERS / width rows, so the working
 * memory stays bounded for any batch. Each unit is one matrix × slab product, computed by the
 * WebAssembly SIMD kernel `dense` of ../kernels/kernels.wat: f64x2 lanes, a register tile of 4
 * samples × 4 neurons, weights packed once per unit and slab into 4-neuron panels so they stream;
 * its `reluBits` then applies ReLU and packs the pattern bits in one pass (a compare gives both).
 * On this 2-core EPYC that is ~29 GFLOP/s against ~5 for scalar JavaScript, and 3–10× numpy on the
 * reference BLAS for widths 16–256 (bench/suites/activations.ts). The scalar kernel `denseBatch`
 * and `packAndRelu` below are the fallback where WebAssembly SIMD is unavailable. Both paths start
 * every sum at the bias and add the products in order of j without fused multiply-add, so their
 * outputs agree bit for bit and the patterns are identical. The pattern hash is a JavaScript pass
 * over the packed words.
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import type { DenseLayer, Layer, Network } from '../network/model';
import { parallelThreads, registerTask, runChunks, sharedFloat64, sharedUint32 } from '../parallel';
import { packPanels, WasmKernels } from '../kernels/wasm';
import { activationUnits, patternLayout, type PatternLayout, type UnitInfo } from './units';

export interface BatchOptions {
  /** keep every unit's post-activation values (default false: only the network output) */
  readonly activations?: boolean;
  /** extract bit-packed patterns (default true) */
  readonly patterns?: boolean;
  /** compute one FNV-1a hash per sample over its whole pattern (default true when patterns) */
  readonly hashes?: boolean;
}

export interface BatchResult {
  readonly batch: number;
  /** [batch][outputDim] */
  readonly output: Float64Array;
  readonly outputDim: number;
  /** the ReLU units, in the order of `patterns` */
  readonly patternUnits: readonly UnitInfo[];
  /** per ReLU unit: [batch][⌈width/32⌉] words, bit i of a sample's words = neuron i active */
  readonly patterns?: Uint32Array[];
  /** per sample: FNV-1a over its packed pattern (same value as Region.hash for that pattern) */
  readonly hashes?: Uint32Array;
  /** per unit (all units, network order): [batch][width] post-activation values */
  readonly activations?: Float64Array[];
}

/**
 * Y[b][i] = bias[i] + Σ_j W[i][j] X[b][j] for b < batch. X is [batch][n], Y is [batch][m].
 * The scalar kernel, where WebAssembly SIMD is unavailable: a 4-sample × 3-neuron tile of dot
 * products (12 independent accumulators, 7 loads per 12 multiply-adds) keeps V8's scalar code busy
 * without dependency stalls (measured faster than 4×2 and than axpy forms that skip ReLU zeros).
 * Exported for the tests.
 */
export function denseBatch(W: Float64Array, bias: Float64Array, m: number, n: number, X: Float64Array, batch: number, Y: Float64Array): void {
  let b = 0;
  for (; b + 4 <= batch; b += 4) {
    const x0 = b * n, x1 = x0 + n, x2 = x1 + n, x3 = x2 + n;
    const y0 = b * m, y1 = y0 + m, y2 = y1 + m, y3 = y2 + m;
    let i = 0;
    // 4 samples × 3 neurons: 12 accumulators, 7 loads per 12 multiply-adds
    for (; i + 3 <= m; i += 3) {
      const w0 = i * n, w1 = w0 + n, w2 = w1 + n;
      let a00 = bias[i], a01 = a00, a02 = a00, a03 = a00;
      let a10 = bias[i + 1], a11 = a10, a12 = a10, a13 = a10;
      let a20 = bias[i + 2], a21 = a20, a22 = a20, a23 = a20;
      for (let j = 0; j < n; j++) {
        const p = W[w0 + j], r = W[w1 + j], s = W[w2 + j];
        const v0 = X[x0 + j], v1 = X[x1 + j], v2 = X[x2 + j], v3 = X[x3 + j];
        a00 += p * v0; a01 += p * v1; a02 += p * v2; a03 += p * v3;
        a10 += r * v0; a11 += r * v1; a12 += r * v2; a13 += r * v3;
        a20 += s * v0; a21 += s * v1; a22 += s * v2; a23 += s * v3;
      }
      Y[y0 + i] = a00; Y[y1 + i] = a01; Y[y2 + i] = a02; Y[y3 + i] = a03;
      Y[y0 + i + 1] = a10; Y[y1 + i + 1] = a11; Y[y2 + i + 1] = a12; Y[y3 + i + 1] = a13;
      Y[y0 + i + 2] = a20; Y[y1 + i + 2] = a21; Y[y2 + i + 2] = a22; Y[y3 + i + 2] = a23;
    }
    for (; i < m; i++) {
      const w0 = i * n;
      let a0 = bias[i], a1 = a0, a2 = a0, a3 = a0;
      for (let j = 0; j < n; j++) {
        const p = W[w0 + j];
        a0 += p * X[x0 + j]; a1 += p * X[x1 + j]; a2 += p * X[x2 + j]; a3 += p * X[x3 + j];
      }
      Y[y0 + i] = a0; Y[y1 + i] = a1; Y[y2 + i] = a2; Y[y3 + i] = a3;
    }
  }
  for (; b < batch; b++) {
    const x0 = b * n, y0 = b * m;
    for (let i = 0; i < m; i++) {
      const w0 = i * n;
      let a = bias[i];
      for (let j = 0; j < n; j++) a += W[w0 + j] * X[x0 + j];
      Y[y0 + i] = a;
    }
  }
}

/** Pack z > 0 into words ([batch][words]) and, when relu, apply it in place — one pass. */
function packAndRelu(Z: Float64Array, batch: number, m: number, relu: boolean, out: Uint32Array | undefined): void {
  if (!out) {
    if (relu) for (let t = 0, len = batch * m; t < len; t++) if (!(Z[t] > 0)) Z[t] = 0;
    return;
  }
  const words = (m + 31) >>> 5;
  let t = 0, wo = 0;
  for (let b = 0; b < batch; b++) {
    for (let w = 0; w < words; w++) {
      const count = w + 1 < words ? 32 : m - (w << 5);
      let bits = 0;
      if (relu) {
        for (let k = 0; k < count; k++, t++) {
          if (Z[t] > 0) bits |= 1 << k;
          else Z[t] = 0;
        }
      } else {
        for (let k = 0; k < count; k++, t++) if (Z[t] > 0) bits |= 1 << k;
      }
      out[wo++] = bits;
    }
  }
}

/** numbers in one slab buffer (8 MB): a slab is SLAB_NUMBERS / width samples, e.g. 4096 of width 256 */
const SLAB_NUMBERS = 1 << 20;

/** Where one slab's matrix products run: the WebAssembly kernel or the scalar JavaScript one. */
interface Engine {
  /** samples per slab, a multiple of 4 */
  readonly slabRows: number;
  /** three rotating buffers of slabRows × (widest unit) numbers */
  readonly buffers: readonly Float64Array[];
  /** samples [s0, s0 + rows) of the inputs, where the engine reads them (never written) */
  input(s0: number, rows: number): Float64Array;
  /** Y = X Wᵀ + b for the first `rows` samples of X */
  dense(layer: DenseLayer, X: Float64Array, rows: number, Y: Float64Array): void;
  /** pattern bits of Z ([rows][m]) into `bits` ([rows][⌈m/32⌉]) when given, and ReLU in place when relu */
  activate(Z: Float64Array, rows: number, m: number, relu: boolean, bits: Uint32Array | undefined): void;
}

function scalarEngine(inputs: Float64Array, d: number, slabRows: number, widest: number): Engine {
  return {
    slabRows,
    buffers: [0, 1, 2].map(() => new Float64Array(slabRows * widest)),
    // read in place
    input: (s0, rows) => inputs.subarray(s0 * d, (s0 + rows) * d),
    dense: (l, X, rows, Y) => denseBatch(l.weights.data, l.bias, l.weights.rows, l.weights.cols, X, rows, Y),
    activate: packAndRelu,
  };
}

/**
 * Everything in the kernels' memory: the slab's inputs, the rotating buffers, one unit's packed
 * weights and pattern bits (copied out to the caller's arrays).
 */
function wasmEngine(kernels: WasmKernels, inputs: Float64Array, d: number, slabRows: number, widest: number, panelNumbers: number, biasNumbers: number): Engine | undefined {
  const wordNumbers = Math.ceil((slabRows * ((widest + 31) >>> 5)) / 2);
  const views = kernels.arrays([slabRows * d, slabRows * widest, slabRows * widest, slabRows * widest, panelNumbers, biasNumbers, wordNumbers]);
  if (!views) return undefined;
  const [X0, b0, b1, b2, panels, bias, wordView] = views;
  const words = new Uint32Array(wordView.buffer, wordView.byteOffset, 2 * wordView.length);
  return {
    slabRows,
    buffers: [b0, b1, b2],
    input: (s0, rows) => {
      // a short last slab leaves stale rows up to the tile: computed, never read
      X0.set(inputs.subarray(s0 * d, (s0 + rows) * d));
      return X0;
    },
    dense: (l, X, rows, Y) => {
      const m = l.weights.rows, n = l.weights.cols;
      packPanels(l.weights.data, l.bias, m, n, panels, bias);
      kernels.dense(panels, bias, m, n, X, (rows + 3) & ~3, Y);
    },
    activate: (Z, rows, m, relu, bits) => {
      if (bits && relu) {
        kernels.reluBits(Z, rows, m, words);
        bits.set(words.subarray(0, bits.length));
      } else if (relu) {
        kernels.relu(Z, rows * m);
      } else if (bits) {
        packAndRelu(Z, rows, m, false, bits);
      }
    },
  };
}

/** What one slab needs besides its engine: the layers, and where its results go. */
interface SlabJob {
  readonly depth: number;
  layer(k: number): Layer;
  /** input width */
  readonly d: number;
  readonly batch: number;
  readonly output: Float64Array;
  readonly patterns?: readonly Uint32Array[];
  readonly activations?: readonly Float64Array[];
}

const wordsOf = (width: number) => (width + 31) >>> 5;

/** Samples [s0, s0 + rows) through the whole network: outputs, pattern bits and kept activations. */
function runSlab(job: SlabJob, engine: Engine, s0: number, rows: number, ctx: AnalysisContext): void {
  const { patterns, activations } = job;
  const free = (...busy: Float64Array[]) => engine.buffers.find((buf) => !busy.includes(buf))!;
  let unit = 0, patternUnit = 0;
  // ReLU in place, pattern bits and kept activations of the next unit, for this slab's rows
  const finish = (Z: Float64Array, m: number, relu: boolean) => {
    const words = wordsOf(m);
    const pat = relu && patterns ? patterns[patternUnit++].subarray(s0 * words, (s0 + rows) * words) : undefined;
    engine.activate(Z, rows, m, relu, pat);
    if (activations) activations[unit].set(Z.subarray(0, rows * m), s0 * m);
    unit++;
  };
  const dense = (l: DenseLayer, X: Float64Array, n: number, busy: Float64Array[]): Float64Array => {
    if (l.weights.cols !== n) throw new RangeError(`forwardBatch: layer expects width ${l.weights.cols}, got ${n}`);
    const Y = free(X, ...busy);
    engine.dense(l, X, rows, Y);
    finish(Y, l.weights.rows, l.activation === 'relu');
    return Y;
  };
  let cur = engine.input(s0, rows);
  let width = job.d;
  for (let k = 0; k < job.depth; k++) {
    if ((k & 15) === 0) checkpoint(ctx, (s0 + (rows * k) / job.depth) / job.batch, `layer ${k + 1}/${job.depth}`);
    const layer = job.layer(k);
    if (layer.kind === 'dense') { cur = dense(layer, cur, width, []); width = layer.weights.rows; continue; }
    const blockIn = cur;
    let u = cur, uw = width;
    for (const bl of layer.branch) { u = dense(bl, u, uw, [blockIn]); uw = bl.weights.rows; }
    if (uw !== width) throw new RangeError(`forwardBatch: residual block ${k + 1} maps width ${width} to ${uw}`);
    // outer unit: σ(x + r), written into the branch output buffer (not needed afterwards)
    const Z = u === blockIn ? free(blockIn) : u;
    for (let t = 0, len = rows * width; t < len; t++) Z[t] = blockIn[t] + u[t];
    finish(Z, width, layer.activation === 'relu');
    cur = Z;
  }
  job.output.set(cur.subarray(0, rows * width), s0 * width);
}

/** Room one engine needs: slab rows, the widest unit, the largest packed weights and bias. */
interface EngineSizes {
  readonly slabRows: number;
  readonly widest: number;
  readonly panelNumbers: number;
  readonly biasNumbers: number;
}

/** slabs s0, s0 + slabRows, … below `to` on one engine (the kernels when there are, else scalar) */
function runSlabs(job: SlabJob, inputs: Float64Array, sizes: EngineSizes, from: number, to: number, ctx: AnalysisContext): void {
  const kernels = WasmKernels.acquire();
  try {
    const engine = (kernels && wasmEngine(kernels, inputs, job.d, sizes.slabRows, sizes.widest, sizes.panelNumbers, sizes.biasNumbers)) ?? scalarEngine(inputs, job.d, sizes.slabRows, sizes.widest);
    for (let s0 = from; s0 < to; s0 += sizes.slabRows) runSlab(job, engine, s0, Math.min(sizes.slabRows, to - s0), ctx);
  } finally {
    kernels?.release();
  }
}

const FORWARD_TASK = 'activation.forward-batch';

/** One chunk of samples of a parallel forwardBatch (the layers and arrays shared between threads). */
interface ForwardChunkInput {
  readonly layers: readonly Layer[];
  readonly d: number;
  readonly batch: number;
  readonly inputs: Float64Array;
  readonly output: Float64Array;
  readonly patterns?: readonly Uint32Array[];
  readonly activations?: readonly Float64Array[];
  readonly sizes: EngineSizes;
}

function forwardChunk(input: ForwardChunkInput, chunk: number): void {
  const { layers, sizes } = input;
  const job: SlabJob = { depth: layers.length, layer: (k) => layers[k], d: input.d, batch: input.batch, output: input.output, patterns: input.patterns, activations: input.activations };
  const from = chunk * sizes.slabRows;
  runSlabs(job, input.inputs, sizes, from, Math.min(input.batch, from + sizes.slabRows), silentContext);
}

registerTask(FORWARD_TASK, forwardChunk as (input: never, chunk: number) => void);

/** the largest staged inputs kept between batches (64 MB) */
const STAGE_KEEP_NUMBERS = 1 << 23;
/** the shared copy of the inputs a parallel batch reads, kept for the next batch (see stageInputs) */
let idleStage: Float64Array | undefined;

/**
 * The inputs where the helpers read them without a copy: the caller's array when it is shared
 * memory, else a shared copy in a buffer kept from batch to batch. perf: a new 8 MB buffer costs
 * ~25 ms of page faults on a virtual machine (4096 samples of width 256: a third of the batch).
 */
function stageInputs(inputs: Float64Array): { readonly inputs: Float64Array; release(): void } {
  if (typeof SharedArrayBuffer !== 'function' || inputs.buffer instanceof SharedArrayBuffer) return { inputs, release: () => undefined };
  let stage = idleStage && idleStage.length >= inputs.length ? idleStage : undefined;
  // taken while in use (a batch started from a progress callback): the other batch gets its own copy
  idleStage = undefined;
  stage ??= sharedFloat64(inputs.length);
  stage.set(inputs);
  const kept = stage;
  return {
    inputs: kept.subarray(0, inputs.length),
    release: () => { if (kept.length <= STAGE_KEEP_NUMBERS && (!idleStage || idleStage.length < kept.length)) idleStage = kept; },
  };
}

/**
 * multiply-adds of a batch below which the helpers are not worth waking (≈ 4 ms of the kernel):
 * 4096×(64→64→64), 2^25, took 5.4 ms on two threads and 3.9 ms on one
 */
const PARALLEL_MIN_MADDS = 1 << 26;
/** a parallel batch is cut into at least this many chunks of samples (whatever the thread count) */
const PARALLEL_CHUNKS = 16;

/**
 * The threads forwardBatch runs `batch` samples of `net` on: the pool's for a large batch of an
 * explicit network, else 1. `madds` (multiply-adds per sample) is computed when not given.
 */
export function forwardBatchThreads(net: Network, batch: number, madds?: number): number {
  if (parallelThreads() <= 1 || batch < 8 || !net.groups.every((g) => g.count === 1)) return 1;
  let perSample = madds;
  if (perSample === undefined) {
    perSample = 0;
    for (let k = 0; k < net.depth; k++) {
      const l = net.layer(k);
      for (const d of l.kind === 'dense' ? [l] : l.branch) perSample += d.weights.rows * d.weights.cols;
    }
  }
  return perSample * batch >= PARALLEL_MIN_MADDS ? parallelThreads() : 1;
}

/**
 * Forward pass of `batch` inputs (row-major [batch][inputDim]) with pattern extraction.
 * Checks cancellation between slabs and every 16 layers.
 *
 * A large batch of an explicit network runs on every thread of the pool (../parallel.ts): the
 * samples in chunks of whole 4-row tiles, each through the whole network on its thread's kernels,
 * into shared outputs. Each sample's sums do not depend on which samples share its slab, so the
 * results are the same bits on any number of threads.
 */
export function forwardBatch(net: Network, inputs: Float64Array, batch: number, options: BatchOptions = {}, ctx: AnalysisContext = silentContext): BatchResult {
  const d = net.input.dim;
  if (!Number.isInteger(batch) || batch < 0) throw new RangeError(`forwardBatch: batch must be a non-negative integer, got ${batch}`);
  if (inputs.length !== batch * d) throw new RangeError(`forwardBatch: inputs has ${inputs.length} numbers, expected batch × inputDim = ${batch} × ${d} = ${batch * d}`);
  const units = activationUnits(net);
  const layout: PatternLayout = patternLayout(units);
  const outDim = net.outputDim;
  // sizes: the widest unit, and the largest weight matrix with its rows rounded up to whole panels
  let widest = 1, panelNumbers = 0, biasNumbers = 0, madds = 0;
  for (let u = 0, n = d; u < units.length; n = units[u].width, u++) {
    const m = units[u].width;
    widest = Math.max(widest, m);
    if (units[u].kind === 'outer') continue;
    const mp = Math.ceil(m / 4) * 4;
    panelNumbers = Math.max(panelNumbers, mp * n);
    biasNumbers = Math.max(biasNumbers, mp);
    madds += m * n;
  }
  const slabRows = Math.min(Math.ceil(batch / 4) * 4, Math.max(4, Math.floor(SLAB_NUMBERS / Math.max(widest, d) / 4) * 4));
  const parallel = forwardBatchThreads(net, batch, madds) > 1;
  const output = parallel ? sharedFloat64(batch * outDim) : new Float64Array(batch * outDim);
  const patterns = (options.patterns ?? true) ? layout.units.map((u) => parallel ? sharedUint32(batch * wordsOf(u.width)) : new Uint32Array(batch * wordsOf(u.width))) : undefined;
  const activations = options.activations ? units.map((u) => parallel ? sharedFloat64(batch * u.width) : new Float64Array(batch * u.width)) : undefined;

  if (parallel) {
    const chunkRows = Math.min(slabRows, Math.max(4, Math.ceil(batch / PARALLEL_CHUNKS / 4) * 4));
    const layers = Array.from({ length: net.depth }, (_, k) => net.layer(k));
    const staged = stageInputs(inputs);
    try {
      const input: ForwardChunkInput = {
        layers, d, batch, inputs: staged.inputs, output, patterns, activations,
        sizes: { slabRows: chunkRows, widest, panelNumbers, biasNumbers },
      };
      runChunks(FORWARD_TASK, input, Math.ceil(batch / chunkRows), ctx);
    } finally {
      staged.release();
    }
  } else if (batch > 0) {
    const job: SlabJob = { depth: net.depth, layer: (k) => net.layer(k), d, batch, output, patterns, activations };
    runSlabs(job, inputs, { slabRows, widest, panelNumbers, biasNumbers }, 0, batch, ctx);
  }
  let hashes: Uint32Array | undefined;
  if (patterns && (options.hashes ?? true)) {
    hashes = new Uint32Array(batch);
    const wordsPer = patterns.map((_, p) => layout.wordOffset[p + 1] - layout.wordOffset[p]);
    for (let b = 0; b < batch; b++) {
      let h = 0x811c9dc5;
      for (let p = 0; p < patterns.length; p++) {
        const wp = wordsPer[p], arr = patterns[p];
        for (let w = b * wp, end = w + wp; w < end; w++) {
          const x = arr[w];
          h = Math.imul(h ^ (x & 0xff), 0x01000193);
          h = Math.imul(h ^ ((x >>> 8) & 0xff), 0x01000193);
          h = Math.imul(h ^ ((x >>> 16) & 0xff), 0x01000193);
          h = Math.imul(h ^ (x >>> 24), 0x01000193);
        }
      }
      hashes[b] = h >>> 0;
    }
  }
  checkpoint(ctx, 1);
  return { batch, output, outputDim: outDim, patternUnits: layout.units, patterns, hashes, activations };
}
