/**
 * The convergence analysis of MATH.md §B on a convolutional ResNet: for every run of identity-shortcut
 * blocks (identityRuns: a stage, which a projection block ends) the per-block terms
 *   a_n = Π_k ‖W^(n,k)‖₂  and  β_n = Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖₂
 * (operator norms of the BatchNorm-folded convs on their actual input shape, biases as C×H×W tensors),
 * their partial sums S1, S2, their ratios, and at probe images the increments ‖x_n − x_{n−1}‖ beside
 * the bound a_n‖x_{n−1}‖ + β_n that holds whenever x_{n−1} ≥ 0 (‖σ(x + r) − x‖ ≤ ‖r‖ ≤ a_n‖x‖ + β_n).
 *
 * Summability is decided as for dense networks (dyadic block sums, src/core/convergence/summability.ts)
 * over the block numbers 1..N of the run; a stage of a real ResNet has a handful of blocks, far too few
 * for any decision, and the verdict then says so: "cannot decide from N blocks".
 */
import { silentContext, type AnalysisContext } from '../context';
import { checkBudget, type AnalysisBudget } from '../network/budget';
import { blockSums, decideSummability, dyadicBlocks, MIN_BLOCKS } from '../convergence/summability';
import type { ConvBlockTerm, ConvBranchNorm, ConvConvergenceResult, ConvRunResult, ConvSeriesVerdict } from '../../shared/analyses/convConvergence';
import type { SummabilityDecision } from '../../shared/analyses/convergence';
import { convConvergenceCost } from './cost';
import type { ImageBatch } from './images';
import { parallelLayerNorms, type ConvNormJob } from './layerNorms';
import { convNetShapes, identityRuns, runConvNet, type ConvNet } from './resnet';

export interface ConvConvergenceParams {
  /** the probe images ([C, H, W] = the net's input shape) */
  readonly images: ImageBatch;
  /** Lanczos stops at residual ≤ tolerance·σ (default 1e-10) */
  readonly tolerance?: number;
  /** confidence of the summability intervals (default 0.95) */
  readonly confidence?: number;
  readonly budget?: AnalysisBudget;
}

export const CONV_CONVERGENCE_TOLERANCE = 1e-10;
/** the increment bound is checked up to this relative slack (the norms are Lanczos estimates, ~1e-10) */
export const BOUND_SLACK = 1e-9;

/** The budget check before any norm or forward pass (the CLI calls it before reading the probes' files too). */
export function checkConvConvergenceBudget(net: ConvNet, probes: number, budget?: AnalysisBudget): void {
  checkBudget('convergence', convConvergenceCost(net, Math.max(1, probes)), budget);
}

/** The stage a run belongs to: the blocks' common name prefix before the last '.', else "run N". */
export function stageName(names: readonly string[], index: number): string {
  const prefix = (s: string) => (s.includes('.') ? s.slice(0, s.lastIndexOf('.')) : '');
  const p = prefix(names[0]);
  return p && names.every((n) => prefix(n) === p) ? p : `run ${index}`;
}

function seriesVerdict(n: number, s1: SummabilityDecision, s2: SummabilityDecision): ConvSeriesVerdict {
  if (s1.kind === 'too-few' || s2.kind === 'too-few') {
    return {
      status: 'inconclusive',
      reason: `cannot decide from ${n} block${n === 1 ? '' : 's'}: whether S1 and S2 stay finite as the run grows is a statement about infinitely many blocks; deciding it on dyadic block sums needs ${MIN_BLOCKS} non-zero sums from block 3 on (at least 16 blocks). S1 and S2 above are exact over the blocks present`,
    };
  }
  if (s1.status === 'holds' && s2.status === 'holds') {
    return { status: 'holds', reason: `S1 and S2 summable (extrapolated from ${n} blocks): S1 — ${s1.reason}; S2 — ${s2.reason}` };
  }
  if (s1.status === 'fails' || s2.status === 'fails') {
    const which = [s1.status === 'fails' ? `S1 — ${s1.reason}` : '', s2.status === 'fails' ? `S2 — ${s2.reason}` : ''].filter(Boolean).join('; ');
    return { status: 'fails', reason: `the sufficient condition fails (extrapolated from ${n} blocks; this alone does not mean divergence): ${which}` };
  }
  return { status: 'inconclusive', reason: `undecided from ${n} blocks: S1 — ${s1.reason}; S2 — ${s2.reason}` };
}

/** Per-sample ℓ2 norms of x and of x − y, and whether y ≥ 0 (each sample's numbers contiguous). */
function sampleNorms(before: Float64Array, after: Float64Array, batch: number): { input: number[]; increment: number[]; nonNegative: boolean[] } {
  const per = before.length / batch;
  const input: number[] = [], increment: number[] = [], nonNegative: boolean[] = [];
  for (let b = 0; b < batch; b++) {
    let sx = 0, sd = 0, nn = true;
    for (let i = b * per; i < (b + 1) * per; i++) {
      const x = before[i], d = after[i] - x;
      sx += x * x; sd += d * d;
      if (x < 0) nn = false;
    }
    input.push(Math.sqrt(sx)); increment.push(Math.sqrt(sd)); nonNegative.push(nn);
  }
  return { input, increment, nonNegative };
}

/**
 * The analysis. Throws BudgetError (from the shapes, before any work), NonFiniteActivationError (a
 * probe's forward pass leaves float64), CancelledError.
 */
export function analyzeConvConvergence(net: ConvNet, params: ConvConvergenceParams, ctx: AnalysisContext = silentContext): ConvConvergenceResult {
  const { images } = params;
  if (images.shape.join() !== net.inputShape.join()) throw new RangeError(`analyzeConvConvergence: the probes are ${images.shape.join('×')} images, the network takes ${net.inputShape.join('×')}`);
  const tolerance = params.tolerance ?? CONV_CONVERGENCE_TOLERANCE;
  checkConvConvergenceBudget(net, images.count, params.budget);
  const shapes = convNetShapes(net);
  const runs = identityRuns(net);
  const notes: string[] = [];
  const total = runs.reduce((s, r) => s + r.blocks.reduce((t, b) => t + b.branch.length, 0), 0);

  // ── norms of every branch conv of the runs, on every thread of the pool ──
  const jobs: ConvNormJob[] = [];
  /** the block (op index) of each job */
  const blockOf: number[] = [];
  for (const run of runs) {
    run.blocks.forEach((block, j) => {
      const k = run.start + j;
      let s = (k === 0 ? net.inputShape : shapes[k - 1]) as readonly [number, number, number];
      block.branch.forEach((step) => {
        jobs.push({ conv: step.conv, inShape: s });
        blockOf.push(k);
        const [ho, wo] = step.conv.outputSize(s[1], s[2]);
        s = [step.conv.outChannels, ho, wo];
      });
    });
  }
  const norms = new Map<number, ConvBranchNorm[]>();
  const measured = parallelLayerNorms(jobs, { tolerance, ctx }, (i) => {
    ctx.progress((i + 1) / (total + 1), `convergence: ‖W‖₂ of ${jobs[i].conv.name} (${i + 1} of ${total})`);
  });
  measured.forEach((n, i) => {
    const r = n.spectral, conv = jobs[i].conv;
    const branch = norms.get(blockOf[i]) ?? [];
    branch.push({ name: conv.name, norm: r.value, residual: r.residual, method: r.method, steps: r.steps, biasNorm: n.biasNorm });
    norms.set(blockOf[i], branch);
    if (!r.converged) notes.push(`${conv.name}: Lanczos stopped after ${r.steps} steps at residual ${r.residual.toExponential(2)} (asked ${tolerance}·σ)`);
  });

  // ── increments at the probes: one forward pass of all of them ──
  ctx.progress(total / (total + 1), `convergence: forward pass of ${images.count} probe${images.count === 1 ? '' : 's'}`);
  const steps = new Map<number, ReturnType<typeof sampleNorms>>();
  runConvNet(net, images.data, images.count, {
    ctx,
    onResidual: (k, before, after) => { if (norms.has(k)) steps.set(k, sampleNorms(before, after, images.count)); },
  });

  // ── terms, sums, ratios, decisions per run ──
  const confidence = params.confidence ?? 0.95;
  const out: ConvRunResult[] = runs.map((run, r) => {
    let S1 = 0, S2 = 0, boundHolds = true, maxBoundRatio = 0;
    const blocks: ConvBlockTerm[] = [];
    run.blocks.forEach((block, j) => {
      const k = run.start + j;
      const branch = norms.get(k)!;
      let a = 1, beta = 0;
      for (let i = 0; i < branch.length; i++) {
        a *= branch[i].norm;
        let tail = 1;
        for (let l = i + 1; l < branch.length; l++) tail *= branch[l].norm;
        beta += branch[i].biasNorm * tail;
      }
      S1 += a; S2 += beta;
      const st = steps.get(k)!;
      const bound = st.input.map((x) => a * x + beta);
      const holds = st.increment.map((d, p) => d <= bound[p] * (1 + BOUND_SLACK));
      st.increment.forEach((d, p) => {
        if (!st.nonNegative[p]) return;
        if (!holds[p]) boundHolds = false;
        if (bound[p] > 0) maxBoundRatio = Math.max(maxBoundRatio, d / bound[p]);
      });
      const prev = blocks[j - 1];
      blocks.push({
        block: block.name, op: k, n: j + 1, shape: shapes[k] as readonly [number, number, number], branch, a, beta, S1, S2,
        aRatio: prev ? a / prev.a : null, betaRatio: prev ? beta / prev.beta : null,
        probes: { inputNorm: st.input, increment: st.increment, bound, boundHolds: holds, inputNonNegative: st.nonNegative },
      });
    });
    const n = blocks.length;
    const g = dyadicBlocks(1, n);
    const decide = (terms: Float64Array): SummabilityDecision => decideSummability(blockSums(terms, 1, g), g, { confidence });
    const s1Decision = decide(Float64Array.from(blocks, (b) => b.a));
    const s2Decision = decide(Float64Array.from(blocks, (b) => b.beta));
    const negative = blocks.filter((b) => b.probes.inputNonNegative.some((x) => !x)).map((b) => b.block);
    if (negative.length > 0) notes.push(`run ${r + 1}: x_{n−1} has negative entries before ${negative.join(', ')} at some probe (the block's input does not follow a ReLU), so the bound ‖x_n − x_{n−1}‖ ≤ a_n‖x_{n−1}‖ + β_n is not checked there`);
    return {
      index: r + 1, stage: stageName(blocks.map((b) => b.block), r + 1), blocks, shape: blocks[0].shape, S1, S2, s1Decision, s2Decision,
      sufficient: seriesVerdict(n, s1Decision, s2Decision), boundHolds, maxBoundRatio,
      termTrend: n > 1 ? blocks[n - 1].a / blocks[0].a : null,
    };
  });
  if (runs.length === 0) notes.push('no residual block with an identity shortcut: nothing to analyse (a projection block ends a run)');
  ctx.progress(1);
  return {
    inputShape: net.inputShape, probes: images.names, runs: out, notes,
    normRule: `‖W‖₂ of each conv's linear part (BatchNorm folded) on its input [C, H, W]: Lanczos with W and Wᵀ as convolutions, relative residual ≤ ${tolerance} (exact per-frequency SVD for circular convs that tile the torus); ‖b‖₂ of the bias as a C×H×W tensor`,
  };
}
