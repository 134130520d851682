/**
 * The Node side of src/core/parallel.ts: a small pool of helper threads (worker_threads) that take
 * chunks of a registered task beside the calling thread.
 *
 * `run` is synchronous, as the core's analyses are: the caller posts the task to every helper,
 * then takes chunks itself from a shared counter (Atomics), and finally blocks in Atomics.wait until
 * the helpers' chunks are done. The helpers (poolWorker.ts) take chunks from the same counter, so
 * fast and slow threads share the work; which thread ran a chunk never changes a result. A chunk
 * that throws in a helper is reported through the shared state and rethrown here; cancellation is a
 * shared flag the helpers check before each chunk.
 *
 * Helpers start on first use and are unref'd, so they never keep a process alive.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { CancelledError, type AnalysisContext } from '../core/context';
import { setParallelRunner, taskNamed, type ChunkRun, type ParallelRunner } from '../core/parallel';

/** Shared state of one run (Int32 slots). */
export const STATE = { next: 0, done: 1, failed: 2, stop: 3, helped: 4, length: 5 } as const;

export interface PoolRequest {
  readonly task: string;
  readonly input: unknown;
  readonly chunks: number;
  readonly state: SharedArrayBuffer;
  /** where a failing helper writes its message (UTF-8, zero-padded) */
  readonly error: SharedArrayBuffer;
  /** collect runs: where the helper posts each chunk's result ({ chunk, value }), before counting it done */
  readonly results?: MessagePort;
}

const ERROR_BYTES = 4096;

export interface PoolOptions {
  /** helper threads (default: available cores − 1, at least 1) */
  readonly helpers?: number;
  /** the helper script (default: pool.js beside this bundle) */
  readonly script?: string;
  /** the script is TypeScript (tests and benchmarks run from sources): load it through tsx */
  readonly typescript?: boolean;
  /**
   * the calling thread takes chunks too (default). false: it only waits, so every chunk runs on a
   * helper — how the tests check the helpers' side deterministically, whatever the machine's load
   */
  readonly callerTakesChunks?: boolean;
}

export class NodeThreadPool implements ParallelRunner {
  readonly helpers: number;
  /** chunks of the last run that helper threads did (the rest ran on the calling thread) */
  lastRunHelped = 0;
  /** chunks of the last run in all */
  lastRunChunks = 0;
  private workers: Worker[] = [];
  private readonly script: string;
  private readonly typescript: boolean;
  private readonly callerTakesChunks: boolean;

  constructor(options: PoolOptions = {}) {
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    this.helpers = Math.max(0, options.helpers ?? Math.max(1, cores - 1));
    this.script = options.script ?? path.join(__dirname, 'pool.js');
    this.typescript = options.typescript ?? false;
    this.callerTakesChunks = options.callerTakesChunks ?? true;
    if (!this.callerTakesChunks && this.helpers === 0) throw new RangeError('a pool whose caller takes no chunks needs at least one helper');
  }

  run(task: string, input: unknown, chunks: number, ctx: AnalysisContext): void {
    this.start(task, input, chunks, ctx).finish();
  }

  collect(task: string, input: unknown, chunks: number, ctx: AnalysisContext): unknown[] {
    const values: unknown[] = new Array(chunks);
    const ports: MessagePort[] = [];
    try {
      this.begin(task, input, chunks, ctx, values, ports).finish();
      // every helper posted a chunk's result before counting it done, so all of them are queued now
      for (const port of ports) {
        for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
          const { chunk, value } = m.message as { chunk: number; value: unknown };
          values[chunk] = value;
        }
      }
    } finally {
      for (const port of ports) port.close();
    }
    return values;
  }

  start(task: string, input: unknown, chunks: number, ctx: AnalysisContext): ChunkRun {
    return this.begin(task, input, chunks, ctx);
  }

  /** A run; with `values` (collect) this thread's results go there and each helper gets a port for its own. */
  private begin(task: string, input: unknown, chunks: number, ctx: AnalysisContext, values?: unknown[], ports?: MessagePort[]): ChunkRun {
    const taskFn = taskNamed(task) as (input: unknown, chunk: number) => unknown;
    const fn = values ? (inp: unknown, c: number) => { values[c] = taskFn(inp, c); } : taskFn;
    const stateBuffer = new SharedArrayBuffer(STATE.length * 4);
    const state = new Int32Array(stateBuffer);
    const error = new SharedArrayBuffer(ERROR_BYTES);
    for (const w of this.started()) {
      if (!values || !ports) { w.postMessage({ task, input, chunks, state: stateBuffer, error } satisfies PoolRequest); continue; }
      // a port can be handed to one thread only: a channel per helper
      const channel = new MessageChannel();
      ports.push(channel.port1);
      w.postMessage({ task, input, chunks, state: stateBuffer, error, results: channel.port2 } satisfies PoolRequest, [channel.port2]);
    }
    let ended = false;
    const end = (): void => {
      if (ended) throw new Error('NodeThreadPool: a started run was finished or aborted twice');
      ended = true;
    };
    return {
      finish: () => {
        end();
        let failure: unknown;
        try {
          this.takeChunks(fn, input, chunks, state, ctx);
        } catch (e) {
          failure = e;
        }
        this.stopAndWait(state, chunks);
        if (failure !== undefined) throw failure;
        if (Atomics.load(state, STATE.failed) !== 0) {
          const bytes = new Uint8Array(error);
          const zero = bytes.indexOf(0);
          throw new Error(`a helper thread failed: ${new TextDecoder().decode(bytes.slice(0, zero < 0 ? bytes.length : zero))}`);
        }
      },
      abort: () => {
        end();
        this.stopAndWait(state, chunks);
      },
    };
  }

  /** This thread's part of a run: chunks from the shared counter, or (callerTakesChunks false) waiting for the helpers. */
  private takeChunks(fn: (input: unknown, chunk: number) => unknown, input: unknown, chunks: number, state: Int32Array, ctx: AnalysisContext): void {
    while (!this.callerTakesChunks) {
      if (ctx.isCancelled()) throw new CancelledError();
      const done = Atomics.load(state, STATE.done);
      if (done >= chunks || Atomics.load(state, STATE.failed) !== 0) break;
      Atomics.wait(state, STATE.done, done, 50);
      ctx.progress(Atomics.load(state, STATE.done) / chunks);
    }
    while (this.callerTakesChunks) {
      if (ctx.isCancelled()) throw new CancelledError();
      if (Atomics.load(state, STATE.failed) !== 0) break;
      const c = Atomics.add(state, STATE.next, 1);
      if (c >= chunks) break;
      try {
        fn(input, c);
      } finally {
        // counted even when it threw: the wait below waits for every chunk taken
        Atomics.add(state, STATE.done, 1);
      }
      ctx.progress(Atomics.load(state, STATE.done) / chunks);
    }
  }

  /** Stops the helpers from taking more (after a failure or cancellation), then waits for the chunks they hold. */
  private stopAndWait(state: Int32Array, chunks: number): void {
    Atomics.store(state, STATE.stop, 1);
    for (;;) {
      const done = Atomics.load(state, STATE.done);
      const taken = Math.min(chunks, Atomics.load(state, STATE.next));
      if (done >= taken || done >= chunks) break;
      Atomics.wait(state, STATE.done, done, 50);
    }
    this.lastRunHelped = Atomics.load(state, STATE.helped);
    this.lastRunChunks = chunks;
  }

  /**
   * Starts the helper threads now, so that they load their bundle (~100 ms here) while this thread
   * reads and parses instead of when the first run needs them.
   */
  warm(): void {
    this.started();
  }

  /** Ends the helper threads (they also end with the process). */
  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private started(): Worker[] {
    while (this.workers.length < this.helpers) {
      // a worker's entry file is loaded before `--import tsx` hooks apply, so TypeScript goes through tsx's require hook
      const w = this.typescript
        ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(this.script)});`, { eval: true })
        : new Worker(this.script);
      w.unref();
      // a helper that exits is replaced on the next run (tasks catch their errors, so only a crash of
      // the thread itself, e.g. out of memory, ends one)
      w.on('error', () => this.forget(w));
      w.on('exit', () => this.forget(w));
      this.workers.push(w);
    }
    return this.workers;
  }

  private forget(w: Worker): void {
    this.workers = this.workers.filter((x) => x !== w);
  }
}

/** The message loop of a helper thread (poolWorker.ts): take chunks until none is left. */
export function serveChunks(request: PoolRequest): void {
  const state = new Int32Array(request.state);
  const fail = (e: unknown) => {
    if (Atomics.compareExchange(state, STATE.failed, 0, 1) === 0) {
      const msg = new TextEncoder().encode(e instanceof Error ? e.message : String(e)).subarray(0, ERROR_BYTES - 1);
      new Uint8Array(request.error).set(msg);
    }
    Atomics.notify(state, STATE.done);
  };
  let fn: (input: unknown, chunk: number) => unknown;
  try {
    fn = taskNamed(request.task) as (input: unknown, chunk: number) => unknown;
  } catch (e) {
    // a task this thread does not know (its module missing from core/parallelTasks.ts): the run fails
    // with that message instead of waiting for chunks no helper will take
    fail(e);
    return;
  }
  for (;;) {
    if (Atomics.load(state, STATE.stop) !== 0 || Atomics.load(state, STATE.failed) !== 0) return;
    const c = Atomics.add(state, STATE.next, 1);
    if (c >= request.chunks) return;
    try {
      const value = fn(request.input, c);
      request.results?.postMessage({ chunk: c, value });
    } catch (e) {
      fail(e);
    }
    Atomics.add(state, STATE.helped, 1);
    Atomics.add(state, STATE.done, 1);
    Atomics.notify(state, STATE.done);
  }
}

/**
 * Installs a pool for this process's analyses (the CLI, each analysis worker): DEPTH_LENS_THREADS
 * threads in all when set (1 = no helpers), else one per available core. Returns the pool.
 */
export function installThreadPool(options: PoolOptions = {}): NodeThreadPool | undefined {
  const fromEnv = Number(process.env.DEPTH_LENS_THREADS);
  const helpers = Number.isInteger(fromEnv) && fromEnv >= 1 ? fromEnv - 1 : options.helpers;
  const pool = new NodeThreadPool({ ...options, helpers });
  if (pool.helpers === 0) return undefined;
  setParallelRunner(pool);
  return pool;
}
