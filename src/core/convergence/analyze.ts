/**
 * Convergence of N_k(x) as depth k → ∞ (MATH.md §A, §B), in three steps that each read on their own:
 *
 *   walk (walk.ts)       one streaming pass over the layers: terms, trajectories, partial products,
 *                        block oscillations, σ_min at the block ends, the first overflow;
 *   series and fits      the series and their summability on dyadic block sums (series.ts,
 *                        summability.ts), the probes' decisions and limit estimates (probes.ts);
 *   verdicts             sufficient / necessary / pointwise with the non-degeneracy check
 *                        (verdicts.ts, nondegeneracy.ts) and the consistency check between them.
 *
 * A 10⁵-layer family costs O(depth) numbers of memory for the per-layer arrays only.
 */
import { checkBudget, convergenceCost, type AnalysisBudget } from '../network/budget';
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import type { MatrixNorm } from '../linalg/norms';
import type { Network } from '../network/model';
import type { ConvergenceNorm, ConvergenceParams, ConvergenceResult, OverflowFinding } from '../../shared/analyses/convergence';
import { recordedDepths as makeRecordedDepths } from './depths';
import { fitPowerLaw } from './fit';
import { checkNonDegeneracy } from './nondegeneracy';
import { buildProbeResult, ConvergenceParamsError, resolveProbes } from './probes';
import { defaultRun, mixedRunNote, runNotes, widthPreservingRuns } from './runs';
import { buildSeries } from './series';
import { decisionWindow, dyadicBlocks } from './summability';
import { buildVerdicts, consistencyProblems } from './verdicts';
import { walkLayers } from './walk';

export { ConvergenceParamsError, resolveProbes, tailBound } from './probes';

export const CONVERGENCE_DEFAULTS = {
  norm: '2' as ConvergenceNorm,
  minFitPoints: 8,
  confidence: 0.95,
  necessaryThreshold: 0.01,
  recordedDepthCount: 200,
  /** multiply-adds allowed for partial products in 'auto' mode */
  partialProductBudget: 4e8,
};

const NORMS: readonly ConvergenceNorm[] = ['2', '1', 'inf', 'fro'];

/**
 * The budget check callers make before precomputing the per-layer norms (most of the work on wide
 * layers), from the shapes alone: the given probes, else the file's, else one.
 */
export function checkConvergenceBudget(network: Network, probes: number, budget?: AnalysisBudget): void {
  checkBudget('convergence', convergenceCost(network, Math.max(1, probes || network.input.probes.length), false), budget);
}

/** Run the whole convergence analysis. Throws ConvergenceParamsError for bad params, CancelledError when cancelled. */
export function analyzeConvergence(network: Network, params: ConvergenceParams = {}, ctx: AnalysisContext = silentContext): ConvergenceResult {
  const norm = params.norm ?? CONVERGENCE_DEFAULTS.norm;
  if (!NORMS.includes(norm)) throw new ConvergenceParamsError(`analyzeConvergence: norm must be one of ${NORMS.join(', ')}, got '${String(norm)}'`);
  const minFitPoints = positiveInteger(params.minFitPoints ?? CONVERGENCE_DEFAULTS.minFitPoints, 'minFitPoints', 3);
  const confidence = params.confidence ?? CONVERGENCE_DEFAULTS.confidence;
  if (!(confidence > 0 && confidence < 1)) throw new ConvergenceParamsError(`analyzeConvergence: confidence must be in (0, 1), got ${confidence}`);
  const threshold = params.necessaryThreshold ?? CONVERGENCE_DEFAULTS.necessaryThreshold;
  if (!(threshold > 0 && Number.isFinite(threshold))) throw new ConvergenceParamsError(`analyzeConvergence: necessaryThreshold must be a positive number, got ${threshold}`);
  const recordCount = positiveInteger(params.recordedDepthCount ?? CONVERGENCE_DEFAULTS.recordedDepthCount, 'recordedDepthCount', 2);
  const mNorm = norm as MatrixNorm;
  const depth = network.depth;

  // ── the analysed sequence: one width-preserving run (default: the longest, ties to the last) ──
  const runs = widthPreservingRuns(network);
  let runIndex = defaultRun(runs);
  if (params.run !== undefined) {
    if (runs.length === 0) throw new ConvergenceParamsError(`analyzeConvergence: run ${params.run} was requested but no layer keeps its width, so there is no run`);
    if (!Number.isInteger(params.run) || params.run < 1 || params.run > runs.length) {
      throw new ConvergenceParamsError(`analyzeConvergence: run must be an integer in 1..${runs.length} (the network's width-preserving runs), got ${params.run}`);
    }
    runIndex = params.run - 1;
  }
  const run = runIndex >= 0 ? runs[runIndex] : undefined;
  const notes = runNotes(network, runs, runIndex, params.run !== undefined);
  const firstNumber = run ? run.first : 1, lastNumber = run ? run.last : 0;
  const steps = lastNumber - firstNumber + 1;
  const width = run ? run.width : network.input.dim;
  let tailFrom = firstNumber + Math.floor(steps / 2);
  if (params.tailFrom !== undefined) {
    if (!Number.isInteger(params.tailFrom) || params.tailFrom < firstNumber || params.tailFrom > lastNumber) {
      throw new ConvergenceParamsError(steps > 0
        ? `analyzeConvergence: tailFrom must be a layer number in ${firstNumber}..${lastNumber} (the analysed sequence), got ${params.tailFrom}`
        : `analyzeConvergence: tailFrom ${params.tailFrom} was given but there is no analysed sequence`);
    }
    tailFrom = params.tailFrom;
  }
  const tailTo = lastNumber;
  const probes = resolveProbes(network, params, notes);
  const d = network.input.dim;

  // ── partial products (and the plain forward check): out·in·(d+1) per layer and probe ──
  let ppCost = 0;
  for (let i = 0; i < lastNumber; i++) ppCost += network.outWidth(i) * network.inWidth(i);
  ppCost *= (d + 1) * probes.length;
  const ppMode = params.partialProducts ?? 'auto';
  const trackPP = ppMode === true || (ppMode === 'auto' && ppCost <= CONVERGENCE_DEFAULTS.partialProductBudget);
  if (!trackPP && ppMode === 'auto') notes.push(`partial products P_k, the stability radius and the check against the plain forward pass skipped: Σ_k (layer width × input width) × (input dim + 1) × probes = ${ppCost.toExponential(2)} multiply-adds exceeds the 'auto' budget of ${CONVERGENCE_DEFAULTS.partialProductBudget.toExponential(0)} (pass partialProducts: true to force)`);

  // ── budget, from the shapes, before anything is allocated ──
  checkBudget('convergence', convergenceCost(network, probes.length, trackPP), params.budget);

  // ── walk ──
  const blocks = dyadicBlocks(firstNumber, Math.max(lastNumber, firstNumber - 1));
  const sigmaDepths = steps > 0 ? decisionWindow(blocks).depths : [];
  const recorded = makeRecordedDepths(Math.max(lastNumber, 0), recordCount, steps > 0 ? [firstNumber - 1, Math.floor(lastNumber / 2)] : []);
  const walk = walkLayers({ network, norm: mNorm, firstNumber, lastNumber, width, tailFrom, probes, trackPP, recorded, blocks, sigmaDepths, notes }, ctx);
  checkpoint(ctx, 1, 'convergence: series and verdicts');
  if (walk.denseSteps > 0 && walk.residualSteps > 0) notes.push(mixedRunNote(walk.denseSteps, walk.residualSteps));

  // ── series and fits ──
  const kind: ConvergenceResult['kind'] = steps <= 0 ? 'none' : walk.residualSteps === 0 ? 'dense' : walk.denseSteps === 0 ? 'residual' : 'mixed';
  const sub = mNorm === '2' ? '₂' : mNorm === '1' ? '₁' : mNorm === 'inf' ? '∞' : 'F';
  const weightLabel = kind === 'residual' ? `S1 = Σ_n Π_k ‖W^(n,k)‖${sub}` : kind === 'mixed' ? `Σ w_k (‖W_k − I‖${sub} or a_n)` : `Σ‖W_k − I‖${sub}`;
  const biasLabel = kind === 'residual' ? `S2 = Σ_n Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖${sub}` : kind === 'mixed' ? 'Σ β_k (‖b_k‖ or β_n)' : 'Σ‖b_k‖';
  const termsOverflow = walk.overflow.find((o) => o.quantity === 'terms') ?? null;
  const seriesOptions = { firstNumber, tailFrom, tailTo, minPoints: minFitPoints, confidence, blocks };
  const weight = buildSeries(weightLabel, walk.weightTerms, seriesOptions, termsOverflow);
  const bias = buildSeries(biasLabel, walk.biasTerms, seriesOptions, termsOverflow);
  const parts = { denseLayers: walk.denseSteps, sumWminusI: 0, sumB: 0, residualBlocks: walk.residualSteps, S1: 0, S2: 0 };
  for (let i = firstNumber - 1; i < lastNumber; i++) {
    if (Number.isNaN(walk.s1Term[i])) { parts.sumWminusI += walk.normWminusI[i]; parts.sumB += walk.normB[i]; } else { parts.S1 += walk.s1Term[i]; parts.S2 += walk.s2Term[i]; }
  }
  const vectorNormName = (mNorm === '1' ? 'ℓ1' : mNorm === 'inf' ? 'ℓ∞' : 'ℓ2') as ConvergenceResult['vectorNorm'];
  const assembly = {
    norm: mNorm, vectorNorm: vectorNormName, firstNumber, lastNumber, tailFrom, tailTo, minPoints: minFitPoints, confidence, recorded, blocks,
    reluLayer: walk.reluLayer, weight, bias, inputDim: d, notes,
    // Π(1 + w) over suffixes as Σ log(1 + w), so long tails neither overflow nor lose digits
    suffixLogW: suffixSums(walk.weightTerms.map(Math.log1p)), suffixB: suffixSums(walk.biasTerms),
  };
  const overflowAt = (name: string): OverflowFinding | null => walk.overflow.find((o) => o.probe === name && o.quantity === 'trajectory') ?? null;
  const probeResults = probes.map((probe, p) => buildProbeResult(probe, walk.probes[p], assembly, overflowAt(probe.name)));
  const fitMax = fitPowerLaw(walk.maxInc, firstNumber, tailFrom, tailTo, minFitPoints, confidence);

  // ── verdicts ──
  const nonDegeneracy = checkNonDegeneracy({
    inputDim: d, width, tail: { from: tailFrom, to: tailTo }, blocks, sigmaDepths, runProduct: walk.runProduct, runProductSkipped: walk.runProductSkipped, trackPP, confidence,
    probes: probes.map((probe, p) => ({
      name: probe.name, x: probe.x, allActiveOnTail: walk.probes[p].tailInactive === 0,
      logStabilityRadius: walk.probes[p].faces ? walk.probes[p].faces!.minLogRadius : NaN,
      logSigma: walk.probes[p].logSigma, overflowLayer: overflowAt(probe.name)?.layer ?? null,
    })),
  });
  for (const o of walk.overflow) notes.push(`overflows float64 at layer ${o.layer}: ${o.detail}; every result drawn from it is withheld`);
  const base = {
    networkName: network.name, norm, vectorNorm: vectorNormName, depth, kind,
    sequence: { first: firstNumber, last: lastNumber, width }, runs, runIndex,
    layers: { normWminusI: walk.normWminusI, normB: walk.normB, s1Term: walk.s1Term, s2Term: walk.s2Term, methods: walk.methods },
    series: { weight, bias, parts },
    tail: { from: tailFrom, to: tailTo },
    recordedDepths: recorded,
    probes: probeResults,
    maxIncrement: { values: walk.maxInc, fit: fitMax },
    overflow: walk.overflow,
    notes,
  };
  const verdicts = buildVerdicts(base, { threshold, groups: network.groups, weightTerms: walk.weightTerms, biasTerms: walk.biasTerms, assumption: { ...nonDegeneracy.assumption, evidence: nonDegeneracy.evidence } });
  const consistency = [...consistencyProblems(verdicts), ...walk.boundViolations];
  notes.push(...consistency);
  return { ...base, verdicts, consistency };
}

/** suffix[j] = Σ_{i ≥ j} terms[i] (summed from the small end, so tiny tails keep their digits); suffix[n] = 0. */
function suffixSums(terms: Float64Array): Float64Array {
  const out = new Float64Array(terms.length + 1);
  for (let j = terms.length - 1; j >= 0; j--) out[j] = out[j + 1] + terms[j];
  return out;
}

function positiveInteger(v: number, name: string, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new ConvergenceParamsError(`analyzeConvergence: ${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}
