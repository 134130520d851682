/**
 * Operator norms of one convolution (`layerNorms`) and of many at once (`parallelLayerNorms`: every
 * conv of a ResNet for `info`, the checkpoint viewer, the convergence runs and `networkNorms`), one
 * conv per chunk on the threads of ../parallel.ts.
 *
 * A conv's ‖W‖₂ (and ‖W − I‖₂ where it maps a space to itself) is computed whole on one thread by
 * `layerNorms`, so the numbers are the same bits on any number of threads. Chunks go in job order
 * (a ResNet's convs cost about the same each), so results stream in order as they come.
 * A helper rebuilds each conv from its description (the weights shared, not copied, while a pool
 * runs); the calling thread uses the caller's Conv2d, with its packed weights. Cancellation and a
 * background run's yielding to a panel reach the helpers through shared flags that every product on
 * every thread checks.
 */
import { CancelledError, silentContext, type AnalysisContext } from '../context';
import { registerTask, runChunks, shareable, sharedFloat64 } from '../parallel';
import { Conv2d, type PaddingMode } from './conv2d';
import { biasVectorNorm, convSpectralNorm, type ConvNormResult, type ConvSpectralOptions, type SpectralMethod } from './norms';

const TASK = 'conv.layer-norms';

export interface ConvLayerNorms {
  readonly name: string;
  readonly inShape: readonly [number, number, number];
  readonly outShape: readonly [number, number, number];
  readonly spectral: ConvNormResult;
  /** ‖W − I‖₂ when the conv maps C×H×W to itself */
  readonly minusIdentity?: ConvNormResult;
  /** ‖b‖₂ of the bias on the C×Ho×Wo output */
  readonly biasNorm: number;
}

/**
 * ‖W‖₂ of one conv on C×H×W, ‖W − I‖₂ where it maps that space to itself (unless `minusIdentity` is
 * false), and ‖b‖₂ on its output.
 */
export function layerNorms(conv: Conv2d, inShape: readonly [number, number, number], options: ConvSpectralOptions, minusIdentity = true): ConvLayerNorms {
  const [c, h, w] = inShape;
  if (c !== conv.inChannels) throw new RangeError(`${conv.name}: takes ${conv.inChannels} channels, gets ${c}`);
  const [ho, wo] = conv.outputSize(h, w);
  const outShape: [number, number, number] = [conv.outChannels, ho, wo];
  const spectral = convSpectralNorm(conv, h, w, options);
  const square = conv.inChannels === conv.outChannels && ho === h && wo === w;
  const shifted = square && minusIdentity ? convSpectralNorm(conv, h, w, options, 1) : undefined;
  return { name: conv.name, inShape: [c, h, w], outShape, spectral, minusIdentity: shifted, biasNorm: biasVectorNorm(conv.bias, ho, wo) };
}

/** One conv and the C×H×W input it is measured on. */
export interface ConvNormJob {
  readonly conv: Conv2d;
  readonly inShape: readonly [number, number, number];
  /** power iteration: its start vector in PyTorch's C×H×W order (ConvSpectralOptions.start) */
  readonly start?: Float64Array;
}

/** What a helper needs to rebuild a Conv2d (structured-cloned; the weights over shared memory). */
interface ConvSpec {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  readonly weight: Float64Array;
  readonly name: string;
}

interface NormsInput {
  readonly specs: ConvSpec[];
  readonly shapes: [number, number, number][];
  readonly starts: (Float64Array | null)[];
  readonly method?: SpectralMethod;
  readonly tolerance?: number;
  readonly iterations?: number;
  readonly maxSteps?: number;
  readonly seed?: number;
  readonly minusIdentity: boolean;
  /** per job OUT numbers (see `write`) */
  readonly out: Float64Array;
  /** [CANCELLED], [PAUSED], [DONE + j]: job j is done */
  readonly flags: Int32Array;
}

const CANCELLED = 0, PAUSED = 1, DONE = 2;

/**
 * The caller's context asked whether it is cancelled. The analysis worker's context may block right
 * there while a panel's run goes first (a background run yields, src/worker/yield.ts): PAUSED is
 * raised meanwhile, so the helpers wait at their next product too instead of going on with the
 * background run's chunks. A cancellation is raised for the helpers: they stop at their next product.
 */
function askCaller(ctx: AnalysisContext, flags: Int32Array): boolean {
  if (Atomics.load(flags, CANCELLED) !== 0) return true;
  Atomics.store(flags, PAUSED, 1);
  let cancelled: boolean;
  try {
    cancelled = ctx.isCancelled();
  } finally {
    Atomics.store(flags, PAUSED, 0);
    Atomics.notify(flags, PAUSED);
  }
  if (cancelled) Atomics.store(flags, CANCELLED, 1);
  return cancelled;
}

/** A helper's view of the caller's context: waits while the caller is paused, then says whether it cancelled. */
function helperCancelled(flags: Int32Array): boolean {
  while (Atomics.load(flags, PAUSED) !== 0 && Atomics.load(flags, CANCELLED) === 0) Atomics.wait(flags, PAUSED, 1, 50);
  return Atomics.load(flags, CANCELLED) !== 0;
}

const METHODS: readonly Exclude<SpectralMethod, 'auto'>[] = ['lanczos', 'power', 'fft'];
/** per result: value, residual, steps, converged, method; per job: ‖W‖₂, then ‖W − I‖₂ and whether it exists */
const RESULT = 5, OUT = 2 * RESULT + 1;

/** The calling thread's own run: its convs (packed weights and all) and its context. */
let local: { input: NormsInput; jobs: readonly ConvNormJob[]; ctx: AnalysisContext } | undefined;

function normsChunk(input: NormsInput, chunk: number): void {
  const j = chunk;
  const here = local && local.input === input ? local : undefined;
  const flags = input.flags;
  const ctx: AnalysisContext = {
    progress: () => undefined,
    isCancelled: here ? () => askCaller(here.ctx, flags) : () => helperCancelled(flags),
  };
  if (ctx.isCancelled()) throw new CancelledError();
  const conv = here ? here.jobs[j].conv : new Conv2d(input.specs[j]);
  const start = input.starts[j] ?? undefined;
  const n = layerNorms(conv, input.shapes[j], {
    method: input.method, tolerance: input.tolerance, iterations: input.iterations, maxSteps: input.maxSteps, seed: input.seed, start, ctx,
  }, input.minusIdentity);
  write(input.out, j * OUT, n.spectral);
  if (n.minusIdentity) {
    write(input.out, j * OUT + RESULT, n.minusIdentity);
    input.out[j * OUT + 2 * RESULT] = 1;
  }
  Atomics.store(flags, DONE + j, 1);
}

registerTask(TASK, normsChunk as (input: never, chunk: number) => void);

function write(out: Float64Array, at: number, r: ConvNormResult): void {
  out[at] = r.value;
  out[at + 1] = r.residual;
  out[at + 2] = r.steps;
  out[at + 3] = r.converged ? 1 : 0;
  out[at + 4] = METHODS.indexOf(r.method);
}

function read(out: Float64Array, at: number): ConvNormResult {
  return { value: out[at], residual: out[at + 1], steps: out[at + 2], converged: out[at + 3] === 1, method: METHODS[out[at + 4]] };
}

function sharedInt32(length: number, like: Float64Array): Int32Array {
  return like.buffer instanceof ArrayBuffer ? new Int32Array(length) : new Int32Array(new SharedArrayBuffer(length * 4));
}

/**
 * `layerNorms` of every job, in job order, on every thread of the pool. `onDone(i, norms)` is called
 * on this thread for each job in order, as soon as it and every job before it are done (between this
 * thread's own chunks, and for the rest at the end), so a caller can stream them and report
 * progress (without onDone, `options.ctx` gets the fraction of convs done). Options as
 * layerNorms' (`start` per job instead; `minusIdentity: false` skips ‖W − I‖₂); `options.ctx` is
 * polled by every product.
 */
export function parallelLayerNorms(
  jobs: readonly ConvNormJob[],
  options: Omit<ConvSpectralOptions, 'start'> & { readonly minusIdentity?: boolean } = {},
  onDone?: (index: number, norms: ConvLayerNorms) => void,
): ConvLayerNorms[] {
  const ctx = options.ctx ?? silentContext;
  // shapes checked here, so a mismatch is the caller's error with its message, not a helper's
  for (const { conv, inShape } of jobs) {
    if (inShape[0] !== conv.inChannels) throw new RangeError(`${conv.name}: takes ${conv.inChannels} channels, gets ${inShape[0]}`);
    conv.outputSize(inShape[1], inShape[2]);
  }
  const out = sharedFloat64(jobs.length * OUT);
  const flags = sharedInt32(DONE + jobs.length, out);
  const input: NormsInput = {
    specs: jobs.map(({ conv }) => ({
      inChannels: conv.inChannels, outChannels: conv.outChannels, kernelSize: [conv.kernelH, conv.kernelW],
      stride: [conv.strideH, conv.strideW], padding: [conv.padH, conv.padW], dilation: [conv.dilationH, conv.dilationW],
      groups: conv.groups, paddingMode: conv.paddingMode, weight: shareable(conv.weight), name: conv.name,
    })),
    shapes: jobs.map((job) => [job.inShape[0], job.inShape[1], job.inShape[2]]),
    starts: jobs.map((job) => (job.start ? shareable(job.start) : null)),
    method: options.method, tolerance: options.tolerance, iterations: options.iterations, maxSteps: options.maxSteps, seed: options.seed,
    minusIdentity: options.minusIdentity ?? true,
    out,
    flags,
  };
  const results: ConvLayerNorms[] = [];
  const emit = (): void => {
    while (results.length < jobs.length && Atomics.load(flags, DONE + results.length) === 1) {
      const i = results.length, job = jobs[i];
      const [c, h, w] = job.inShape;
      const [ho, wo] = job.conv.outputSize(h, w);
      const at = i * OUT;
      const norms: ConvLayerNorms = {
        name: job.conv.name,
        inShape: [c, h, w],
        outShape: [job.conv.outChannels, ho, wo],
        spectral: read(out, at),
        minusIdentity: out[at + 2 * RESULT] === 1 ? read(out, at + RESULT) : undefined,
        biasNorm: biasVectorNorm(job.conv.bias, ho, wo),
      };
      results.push(norms);
      onDone?.(i, norms);
    }
  };
  local = { input, jobs, ctx };
  try {
    runChunks(TASK, input, jobs.length, {
      // between this thread's chunks: a pause or cancellation reaches the helpers too
      isCancelled: () => askCaller(ctx, flags),
      // with onDone the caller reports each conv by name as it comes; a nameless report in between
      // would take its place (progress is throttled on the way to the host)
      progress: (fraction) => {
        if (!onDone) ctx.progress(fraction);
        emit();
      },
    });
  } finally {
    local = undefined;
  }
  emit();
  return results;
}
