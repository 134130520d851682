/**
 * Convolutions side by side with PyTorch on the CPU (bench/py/conv.py, Debian's python3-torch, one
 * thread on both sides: torch.set_num_threads(1) and OMP/OpenBLAS limited to one thread):
 *
 * - the forward pass of torchvision's ResNet-18 (1000-class head, eval mode, BatchNorm folded on our
 *   side) on a batch of 16 images of 3×224×224, float64 on both sides (torch's float32 time in the note);
 * - ‖W‖₂ of every convolution of that ResNet-18 (BN folded) on its input shape for a 224×224 image,
 *   by the power iteration with the same start vectors and the same iteration count on both sides
 *   (conv2d / conv_transpose2d in torch; our conv and its adjoint);
 * - the same norms by our Lanczos bidiagonalisation with as many products with W and Wᵀ, against
 *   torch's power iteration (the accuracy each reaches is in the note);
 * - for where the time goes, our forward pass with Winograd switched off (im2col + GEMM only).
 *
 * The weights are the hash initialisation of scripts/make-conv-fixtures.py, rebuilt on each side.
 * When python3-torch or python3-torchvision is missing the suite installs them with apt-get (as root),
 * and otherwise runs our side alone.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PYTHON, runNumpy, timeBest, type BenchRow, type BenchSuite } from '../harness';
import { hashUniform, tensorSeed } from '../../src/core/conv/hashInit';
import { convSpectralNorm } from '../../src/core/conv/norms';
import { parallelLayerNorms } from '../../src/core/conv/layerNorms';
import { parallelThreads } from '../../src/core/parallel';
import { buildConvNet, convNetShapes, runConvNet, type ConvNet, type GraphOp } from '../../src/core/conv/resnet';
import { setConvAlgorithm, type Conv2d } from '../../src/core/conv/conv2d';

const FIXTURE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'conv', 'resnet18', 'records.json');
const INPUT_SEED = 0x1a9e7;
const BATCH = 16, SIZE = 224, ITERATIONS = 20;

interface Records {
  seed: number;
  tensors: Array<{ name: string; shape: number[]; index: number; center: number; halfWidth: number }>;
  graph: GraphOp[];
}

function resnet18(size: number): ConvNet {
  const rec = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Records;
  const tensors = new Map<string, { data: Float64Array; shape: readonly number[] }>();
  for (const t of rec.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    tensors.set(t.name, { data: hashUniform(tensorSeed(rec.seed, t.index), n, t.center, t.halfWidth), shape: t.shape });
  }
  return buildConvNet(rec.graph, [3, size, size], (name) => tensors.get(name));
}

/** Every conv with its input shape, in torch's named_modules order (conv1, then per block conv1, conv2, downsample). */
function convsWithShapes(net: ConvNet): Array<{ conv: Conv2d; shape: readonly [number, number, number] }> {
  const shapes = convNetShapes(net);
  const out: Array<{ conv: Conv2d; shape: readonly [number, number, number] }> = [];
  net.ops.forEach((op, k) => {
    const input = (k === 0 ? net.inputShape : shapes[k - 1]) as readonly [number, number, number];
    if (op.kind === 'conv2d') out.push({ conv: op.conv, shape: input });
    if (op.kind !== 'residual') return;
    let s = input;
    for (const step of op.branch) {
      out.push({ conv: step.conv, shape: s });
      const [ho, wo] = step.conv.outputSize(s[1], s[2]);
      s = [step.conv.outChannels, ho, wo];
    }
    if (op.shortcut) out.push({ conv: op.shortcut, shape: input });
  });
  return out;
}

/** python3-torch and python3-torchvision, installed with apt-get when missing and we are root. */
function ensureTorch(): boolean {
  const has = (): boolean => {
    try {
      execFileSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (has()) return true;
  if (process.getuid?.() !== 0) {
    process.stderr.write('conv bench: python3-torch / python3-torchvision missing and not root: running our side only\n');
    return false;
  }
  process.stderr.write('conv bench: installing python3-torch and python3-torchvision with apt-get…\n');
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-torch', 'python3-torchvision'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e) {
    process.stderr.write(`conv bench: apt-get failed: ${(e as Error).message.split('\n')[0]}\n`);
  }
  return has();
}

/**
 * torch on `threads` threads (default one, as ours): torch's own, OpenMP's and OpenBLAS's (which
 * torch's float64 convolutions call, and which would otherwise start one per core).
 */
function torch<T>(args: { threads?: number } & Record<string, unknown>): T | undefined {
  const threads = args.threads ?? 1;
  const saved = { omp: process.env.OMP_NUM_THREADS, blas: process.env.OPENBLAS_NUM_THREADS };
  process.env.OMP_NUM_THREADS = String(threads);
  process.env.OPENBLAS_NUM_THREADS = String(threads);
  try {
    return runNumpy<T>('conv.py', { ...args, threads });
  } finally {
    for (const [k, v] of [['OMP_NUM_THREADS', saved.omp], ['OPENBLAS_NUM_THREADS', saved.blas]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, s = 0;
  for (let i = 0; i < b.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return d / s;
}

export const suite: BenchSuite = {
  name: 'conv',
  run(): BenchRow[] {
    const haveTorch = ensureTorch();
    const rows: BenchRow[] = [];
    const net = resnet18(SIZE);

    // forward pass, batch 16
    const input = hashUniform(tensorSeed(INPUT_SEED, 0), BATCH * 3 * SIZE * SIZE, 0, 1);
    let output: Float64Array = new Float64Array(0);
    const oursForward = timeBest(() => { output = runConvNet(net, input, BATCH).output; }, 2);
    const pyF = haveTorch ? torch<{ ms: number; ms32: number; output: number[][]; threads: number }>({ mode: 'forward', batch: BATCH, size: SIZE, repeats: 2 }) : undefined;
    const macs = convsWithShapes(net).reduce((s, c) => s + c.conv.multiplyAdds(c.shape[1], c.shape[2]), 0);
    rows.push({
      name: `ResNet-18 forward, batch ${BATCH} × 3×${SIZE}×${SIZE}, float64`,
      oursMs: oursForward,
      numpyMs: pyF?.ms,
      note: `torch (1 thread) float64; torch float32 ${pyF ? pyF.ms32.toFixed(0) : '—'} ms; ${(macs * BATCH / 1e9).toFixed(1)} G multiply-adds in convs, ours ${((2 * macs * BATCH) / (oursForward * 1e6)).toFixed(1)} GFLOP/s` +
        (pyF ? `; logits |ours − torch|/max = ${maxRelative(output.subarray(0, 2000), pyF.output.flat()).toExponential(1)}` : ''),
    });

    // where the time goes: the same forward pass with Winograd off
    setConvAlgorithm('im2col');
    let plainMs: number;
    try {
      const plain = resnet18(SIZE);
      plainMs = timeBest(() => { runConvNet(plain, input, BATCH); }, 1);
    } finally {
      setConvAlgorithm('auto');
    }
    rows.push({
      name: `ResNet-18 forward, batch ${BATCH}, im2col only (Winograd off)`,
      oursMs: plainMs,
      numpyMs: pyF?.ms,
      note: `Winograd F(4×4, 3×3) saves ${(100 * (1 - oursForward / plainMs)).toFixed(0)}% of the forward pass`,
    });

    // ‖W‖₂ of every conv: power iteration, same start and iteration count
    const convs = convsWithShapes(net);
    const starts = convs.map((c, k) => hashUniform(tensorSeed(3000 + k, 0), c.shape[0] * c.shape[1] * c.shape[2], 0, 1));
    let ours: number[] = [];
    const oursPower = timeBest(() => {
      ours = convs.map((c, k) => convSpectralNorm(c.conv, c.shape[1], c.shape[2], { method: 'power', iterations: ITERATIONS, start: starts[k] }).value);
    }, 1);
    const pyN = haveTorch ? torch<{ ms: number; values: number[] }>({ mode: 'norms', size: SIZE, iterations: ITERATIONS, repeats: 1 }) : undefined;
    rows.push({
      name: `ResNet-18 ‖W‖₂ of all ${convs.length} convs at ${SIZE}×${SIZE}, power iteration ×${ITERATIONS}`,
      oursMs: oursPower,
      numpyMs: pyN?.ms,
      note: `torch conv2d/conv_transpose2d float64, same start vectors; σ |ours − torch|/torch ≤ ${pyN ? maxRelative(ours, pyN.values).toExponential(1) : '—'}`,
    });

    // the same on both cores, as `depth-lens info` runs it: one conv per thread on our side (the pool
    // of src/core/parallel.ts), torch's intra-op threads and a 2-thread OpenBLAS on its side
    const threads = parallelThreads();
    if (threads > 1) {
      let both: number[] = [];
      const jobs = convs.map((c, k) => ({ conv: c.conv, inShape: c.shape, start: starts[k] }));
      const oursBoth = timeBest(() => {
        both = parallelLayerNorms(jobs, { method: 'power', iterations: ITERATIONS, minusIdentity: false }).map((n) => n.spectral.value);
      }, 2);
      const pyBoth = haveTorch ? torch<{ ms: number; values: number[]; threads: number }>({ mode: 'norms', size: SIZE, iterations: ITERATIONS, repeats: 2, threads }) : undefined;
      rows.push({
        name: `ResNet-18 ‖W‖₂ of all ${convs.length} convs at ${SIZE}×${SIZE}, power iteration ×${ITERATIONS}, ${threads} threads on both sides`,
        oursMs: oursBoth,
        numpyMs: pyBoth?.ms,
        note: `ours: one conv per chunk (parallelLayerNorms; σ the same bits as on 1 thread: ${both.every((v, k) => Object.is(v, ours[k])) ? 'yes' : 'NO'}; 1 thread: ${oursPower.toFixed(0)} ms); torch: set_num_threads(${pyBoth?.threads ?? threads}), OMP and OpenBLAS on ${threads} threads (1 thread: ${pyN ? pyN.ms.toFixed(0) : '—'} ms); best of 2 each; σ |ours − torch|/torch ≤ ${pyBoth ? maxRelative(both, pyBoth.values).toExponential(1) : '—'}`,
      });
    }

    // Lanczos with the same number of products with W and Wᵀ
    let lanczos: number[] = [], worstResidual = 0;
    const oursLanczos = timeBest(() => {
      worstResidual = 0;
      lanczos = convs.map((c) => {
        const r = convSpectralNorm(c.conv, c.shape[1], c.shape[2], { method: 'lanczos', tolerance: 0, maxSteps: ITERATIONS });
        worstResidual = Math.max(worstResidual, r.residual / r.value);
        return r.value;
      });
    }, 1);
    let above = 0;
    for (let k = 0; k < convs.length; k++) above = Math.max(above, (lanczos[k] - ours[k]) / lanczos[k]);
    rows.push({
      name: `ResNet-18 ‖W‖₂ of all ${convs.length} convs at ${SIZE}×${SIZE}, Lanczos ×${ITERATIONS} (vs torch's power ×${ITERATIONS})`,
      oursMs: oursLanczos,
      numpyMs: pyN?.ms,
      note: `same products with W and Wᵀ as the power iteration; its σ is up to ${(above * 100).toFixed(2)}% above the power iteration's, within ${(worstResidual * 100).toFixed(2)}% of a singular value`,
    });
    return rows;
  },
};
