/**
 * Spectral norms of many layers at once — ‖W_k − I‖₂ for the convergence series — on every core,
 * with warm starts, at the accuracy the verdicts need.
 *
 * Layers go in chunks of up to WARM_CHUNK consecutive layers (`warmChunkSize`: smaller when there
 * are few layers, so the threads finish together). In a chunk, the first layer's Lanczos run
 * starts from the seeded random vector and each next one from the previous layer's top right
 * singular vector (lanczos.ts: consecutive layers of a deep network are close, so the answer is near
 * the start). Chunk boundaries depend only on the layer's position in the list, and chunks run on the
 * threads of ../parallel.ts, so the norms are the same bits on any number of threads.
 *
 * `precomputeLayerNorms(network)` fills a cache keyed by each explicit layer's weight array; the
 * convergence terms (../convergence/terms.ts `denseTerms`) take a cached value when there is one
 * (`cachedNormWminusI`), so the CLI and the analysis worker compute all norms of a file in parallel
 * first and the layer-by-layer analysis then only looks them up.
 */
import { silentContext, type AnalysisContext } from '../context';
import type { Network } from '../network/model';
import { registerTask, runChunks, shareable, sharedFloat64 } from '../parallel';
import { minusIdentity, type DenseMatrix } from './dense';
import { lanczosCapacity, lanczosOnSpace } from './lanczos';
import { LanczosSpace } from './products';
import { EXACT_SVD_MAX, spectralNorm } from './norms';

/**
 * Relative accuracy of ‖W_k − I‖₂ in the convergence analysis: every verdict compares sums and
 * fitted exponents of these norms with thresholds far coarser than 1e-10, so Lanczos stops once a
 * singular value is certified within 1e-10·‖W_k − I‖₂ of its estimate (never above the true norm).
 */
export const CONVERGENCE_NORM_TOLERANCE = 1e-10;

/** most consecutive layers per warm-started chain (and per unit of work shared between threads) */
export const WARM_CHUNK = 4;

/**
 * Layers per chunk for `count` layers: WARM_CHUNK, or fewer so that there are at least 24 chunks.
 * Threads take chunks as they finish; with 50 layers in chunks of 4 one thread ran 4 layers
 * (~160 ms at 1024²) after the other had none left. Depends on the count only, never on threads.
 */
export function warmChunkSize(count: number): number {
  return Math.max(1, Math.min(WARM_CHUNK, Math.floor(count / 24)));
}

const TASK = 'linalg.layer-norms';

interface LayerNormsInput {
  /** the matrices' entries, each row-major (shared between threads when a pool runs) */
  readonly data: Float64Array[];
  readonly rows: number[];
  readonly cols: number[];
  /** subtract the identity first (square matrices) */
  readonly minusIdentity: boolean;
  readonly tolerance: number;
  /** layers per chunk (warmChunkSize) */
  readonly chunkSize: number;
  readonly out: Float64Array;
}

function normsChunk(input: LayerNormsInput, chunk: number): void {
  const from = chunk * input.chunkSize, to = Math.min(input.data.length, from + input.chunkSize);
  let start: Float64Array | undefined;
  for (let k = from; k < to; k++) {
    const rows = input.rows[k], cols = input.cols[k], data = input.data[k];
    if (Math.min(rows, cols) <= EXACT_SVD_MAX) {
      const m: DenseMatrix = { rows, cols, data };
      input.out[k] = spectralNorm(input.minusIdentity ? minusIdentity(m) : m);
      start = undefined;
      continue;
    }
    // perf: A (− I) is written once, straight into the Lanczos space, and checked there
    const space = LanczosSpace.allocate(rows, cols, lanczosCapacity(rows, cols), false);
    try {
      const A = space.A;
      A.set(data);
      if (input.minusIdentity) for (let i = 0; i < rows; i++) A[i * cols + i] -= 1;
      if (!moderate(space.maxAbsA())) {
        // extreme entries: spectralNorm rescales them (and reports NaN/∞)
        input.out[k] = spectralNorm({ rows, cols, data: Float64Array.from(A) });
        start = undefined;
        continue;
      }
      const r = lanczosOnSpace(space, { tolerance: input.tolerance, start: start && start.length === cols ? start : undefined });
      input.out[k] = r.value;
      start = r.vector;
    } finally {
      space.release();
    }
  }
}

registerTask(TASK, normsChunk as (input: never, chunk: number) => void);

/** a largest |entry| that is finite and within the range where Lanczos needs no rescaling (norms.ts SAFE_MAX/SAFE_MIN) */
function moderate(maxAbs: number): boolean {
  return maxAbs <= 1e120 && (maxAbs === 0 || maxAbs >= 1e-120);
}

/**
 * ‖A_k‖₂ (or ‖A_k − I‖₂) of every matrix, in warm-started chunks across the threads of the pool;
 * values certified to `tolerance` relative (default CONVERGENCE_NORM_TOLERANCE).
 */
export function spectralNorms(matrices: readonly DenseMatrix[], options: { minusIdentity?: boolean; tolerance?: number } = {}, ctx: AnalysisContext = silentContext): Float64Array {
  const out = sharedFloat64(matrices.length);
  const input: LayerNormsInput = {
    data: matrices.map((m) => shareable(m.data)),
    rows: matrices.map((m) => m.rows),
    cols: matrices.map((m) => m.cols),
    minusIdentity: options.minusIdentity ?? false,
    tolerance: options.tolerance ?? CONVERGENCE_NORM_TOLERANCE,
    chunkSize: warmChunkSize(matrices.length),
    out,
  };
  runChunks(TASK, input, Math.ceil(matrices.length / input.chunkSize), ctx);
  return Float64Array.from(out);
}

/** ‖W − I‖₂ at CONVERGENCE_NORM_TOLERANCE of explicit layers, by their weight array */
const normWminusICache = new WeakMap<Float64Array, number>();

/**
 * ‖W_k − I‖₂ of every explicit square dense layer of the network (generated layers are made on
 * demand and not cached), computed in parallel and cached for `cachedNormWminusI`.
 * Returns how many layers were computed.
 */
export function precomputeLayerNorms(network: Network, ctx: AnalysisContext = silentContext): number {
  const todo: DenseMatrix[] = [];
  for (const g of network.groups) {
    if (g.count !== 1) continue;
    const layer = network.layer(g.start);
    if (layer.kind !== 'dense' || layer.weights.rows !== layer.weights.cols || layer.weights.rows <= 2) continue;
    if (normWminusICache.has(layer.weights.data)) continue;
    todo.push(layer.weights);
  }
  if (todo.length === 0) return 0;
  const norms = spectralNorms(todo, { minusIdentity: true }, {
    isCancelled: () => ctx.isCancelled(),
    progress: (f) => ctx.progress(f, `‖W − I‖₂ of ${todo.length} layers: ${Math.round(f * 100)}%`),
  });
  todo.forEach((m, k) => normWminusICache.set(m.data, norms[k]));
  return todo.length;
}

/** The cached ‖W − I‖₂ of a layer's weights (see precomputeLayerNorms), if there is one. */
export function cachedNormWminusI(weights: DenseMatrix): number | undefined {
  return normWminusICache.get(weights.data);
}
