/**
 * Independent pieces of one analysis (Monte Carlo trials, per-layer norms) run on every core.
 *
 * The core stays runtime-free and synchronous: a computation splits its work into a fixed number of
 * chunks that depend only on its inputs (never on how many threads there are), names a task
 * registered here, and calls `runChunks`. Without a runner installed (tests, a browser worker, the
 * scalar default) the chunks run in order on this thread; with one (src/worker/pool.ts, installed by
 * the CLI and the analysis worker) this thread and the runner's helper threads take chunks from a
 * shared counter until none is left, and `runChunks` returns when all are done. Each chunk writes its
 * own part of the output (a typed array over a SharedArrayBuffer from `sharedArray`), so results are
 * the same bits whatever the number of threads or the order the chunks ran in.
 *
 * A task is registered by the module that owns it, at import (so the helper threads, which import
 * the same modules, know it): `registerTask(name, (input, chunk) => { … })`.
 */
import { CancelledError, silentContext, type AnalysisContext } from './context';

/**
 * One chunk of a task; writes its results into arrays of `input` (shared between threads), or
 * returns them (`collectChunks`).
 */
export type ChunkTask = (input: never, chunk: number) => unknown;

export interface ParallelRunner {
  /** helper threads besides the calling one */
  readonly helpers: number;
  /**
   * Runs registered `task` on chunks 0..chunks−1 across this thread and the helpers and returns when
   * every chunk is done; throws the first chunk's error. `input` is structured-cloned to the helpers
   * (its SharedArrayBuffers are shared, not copied). Polls `ctx` between chunks.
   */
  run(task: string, input: unknown, chunks: number, ctx: AnalysisContext): void;
  /**
   * Like `run`, but returns once the helpers have the task, so this thread can do other work first;
   * the returned run's `finish` then takes chunks here too and waits for all of them.
   */
  start(task: string, input: unknown, chunks: number, ctx: AnalysisContext): ChunkRun;
  /**
   * Like `run`, for a task whose chunks return their results (of a size not known in advance):
   * returns them in chunk order. A helper's results are structured-cloned back to this thread.
   */
  collect(task: string, input: unknown, chunks: number, ctx: AnalysisContext): unknown[];
}

/** A started parallel run (startChunks): `finish` or `abort` it, exactly once. */
export interface ChunkRun {
  /** takes the chunks left on this thread, waits for the helpers' and throws the first chunk's error */
  finish(): void;
  /** no further chunk starts; waits for the ones running (after this thread failed elsewhere) */
  abort(): void;
}

const tasks = new Map<string, ChunkTask>();
let runner: ParallelRunner | undefined;

export function registerTask(name: string, task: ChunkTask): void {
  tasks.set(name, task);
}

/** The registered task (helper threads look tasks up by name). */
export function taskNamed(name: string): ChunkTask {
  const task = tasks.get(name);
  if (!task) throw new Error(`parallel: no task named '${name}' is registered`);
  return task;
}

/** Installs (or with undefined removes) the runner that spreads chunks over threads. */
export function setParallelRunner(r: ParallelRunner | undefined): void {
  runner = r;
}

/** The installed runner (benchmarks set it aside for a one-thread row and put it back). */
export function parallelRunner(): ParallelRunner | undefined {
  return runner;
}

/** Threads a parallel computation will use (1 without a runner). */
export function parallelThreads(): number {
  return 1 + (runner?.helpers ?? 0);
}

/**
 * Runs `task` on chunks 0..chunks−1: on the runner's threads when one is installed and there is
 * more than one chunk, otherwise here in order. Same results either way (see the module comment).
 */
export function runChunks(task: string, input: unknown, chunks: number, ctx: AnalysisContext): void {
  if (runner && runner.helpers > 0 && chunks > 1) runner.run(task, input, chunks, ctx);
  else runHere(task, input, chunks, ctx);
}

/**
 * `runChunks` for a task whose chunks return their results: the values in chunk order, whichever
 * thread ran each chunk (same results either way).
 */
export function collectChunks<T>(task: string, input: unknown, chunks: number, ctx: AnalysisContext): T[] {
  if (runner && runner.helpers > 0 && chunks > 1) return runner.collect(task, input, chunks, ctx) as T[];
  return runHere(task, input, chunks, ctx) as T[];
}

/** Every chunk in order on this thread (no runner, or one chunk); their results. */
function runHere(task: string, input: unknown, chunks: number, ctx: AnalysisContext): unknown[] {
  const fn = taskNamed(task) as (input: unknown, chunk: number) => unknown;
  const out: unknown[] = [];
  for (let c = 0; c < chunks; c++) {
    if (ctx.isCancelled()) throw new CancelledError();
    out.push(fn(input, c));
    ctx.progress((c + 1) / chunks);
  }
  return out;
}

/**
 * Starts `task` on the helper threads (when a runner is installed and there is more than one chunk)
 * and returns at once, so this thread can compute something else meanwhile; `finish` takes the chunks
 * left here and returns when all are done. Without helpers every chunk runs in `finish`, in order.
 * Same results either way.
 */
export function startChunks(task: string, input: unknown, chunks: number, ctx: AnalysisContext): ChunkRun {
  if (runner && runner.helpers > 0 && chunks > 1) return runner.start(task, input, chunks, ctx);
  return { finish: () => runChunks(task, input, chunks, ctx), abort: () => undefined };
}

/**
 * A Float64Array the helper threads can write into: over a SharedArrayBuffer while a runner is
 * installed (and the engine has them), a plain one otherwise.
 */
export function sharedFloat64(length: number): Float64Array {
  if (runner && runner.helpers > 0 && typeof SharedArrayBuffer === 'function') return new Float64Array(new SharedArrayBuffer(length * 8));
  return new Float64Array(length);
}

/** A Uint32Array the helper threads can write into (see sharedFloat64). */
export function sharedUint32(length: number): Uint32Array {
  if (runner && runner.helpers > 0 && typeof SharedArrayBuffer === 'function') return new Uint32Array(new SharedArrayBuffer(length * 4));
  return new Uint32Array(length);
}

/**
 * A Float64Array the helpers can read without a copy: `a` itself when it is shared memory already, or
 * when no pool runs (nothing crosses a thread); else a shared copy.
 */
export function shareable(a: Float64Array): Float64Array {
  if (typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer) return a;
  const s = sharedFloat64(a.length);
  if (!(typeof SharedArrayBuffer === 'function' && s.buffer instanceof SharedArrayBuffer)) return a;
  s.set(a);
  return s;
}

const TOUCH_TASK = 'memory.touch-pages';
/** float64s per 4 KiB page */
const PAGE_FLOATS = 512;
/** below this a new array's page faults cost less than waking the helpers */
const TOUCH_MIN_BYTES = 4 << 20;
const TOUCH_CHUNKS = 16;

function touchChunk(input: { readonly array: Float64Array }, chunk: number): void {
  const a = input.array, per = Math.ceil(a.length / TOUCH_CHUNKS / PAGE_FLOATS) * PAGE_FLOATS;
  const to = Math.min(a.length, (chunk + 1) * per);
  for (let i = chunk * per; i < to; i += PAGE_FLOATS) a[i] = 0;
}

registerTask(TOUCH_TASK, touchChunk as ChunkTask);

/**
 * `sharedFloat64(length)` with its memory already mapped: every thread of the pool writes a zero into
 * its share of the pages first. The first write to a new page faults, and on a virtual machine a
 * fault costs 10–15 µs (measured here: 420 MB took 1.05 s on one thread, 0.64 s on two), which for
 * a large weights file read straight into the array was most of the read. Small arrays, and arrays
 * without helper threads, are plain sharedFloat64 (their faults happen in the read, as before).
 */
export function sharedFloat64Touched(length: number): Float64Array {
  const array = sharedFloat64(length);
  if (array.byteLength >= TOUCH_MIN_BYTES && runner && runner.helpers > 0 && typeof SharedArrayBuffer === 'function' && array.buffer instanceof SharedArrayBuffer) {
    runChunks(TOUCH_TASK, { array }, TOUCH_CHUNKS, silentContext);
  }
  return array;
}
