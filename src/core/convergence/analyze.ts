/**
 * Convergence of N_k(x) as depth k → ∞ (MATH.md §A, §B): per-layer norms, the series and their
 * power-law tails, the forward recursion at probes (increments, partial products, tail bounds)
 * and three verdicts that never claim more than the finite data shows.
 *
 * Streams over the layers: `network.layer(i)` is requested once per layer and dropped (affine
 * families are not even generated: a step is a·x + s_k·(M x) + t_k·v, see stepper.ts, and their norms
 * come from closed forms, see terms.ts), so a 10⁵-layer family costs O(depth) memory only for the
 * per-layer number arrays.
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import type { DenseMatrix } from '../linalg/dense';
import { vectorNorm, type MatrixNorm } from '../linalg/norms';
import { applyLayer } from '../network/forward';
import type { DenseLayer, Layer, Network, ResidualBlock } from '../network/model';
import type {
  ConvergenceNorm, ConvergenceParams, ConvergenceResult, PartialProductTrace, PowerLawFit, ProbeResult, SeriesSummary,
} from '../../shared/analyses/convergence';
import { recordedDepths as makeRecordedDepths } from './depths';
import { extrapolatedTailSum, fitPowerLaw, summability } from './fit';
import { defaultRun, layerSpan, mixedRunNote, runNotes, widthPreservingRuns } from './runs';
import { affineFamilyTerms, type AffineFamilyTerms, denseTerms, residualTerms, scaleAt } from './terms';
import { AffineStep, denseForward, linearPartDiffFro, linearPartFro, pushAffineDense, pushAffineResidual, residualForward } from './stepper';
import { buildVerdicts } from './verdicts';
import { fmt } from './format';

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
/** layers between progress/cancellation checks, and the multiply-adds (≈ width² per layer) that force one sooner */
const CHECKPOINT_EVERY = 512;
const CHECKPOINT_WORK = 2e7;

interface ResolvedProbe { name: string; x: Float64Array }

/** A bad parameter (reported to the user as such); every other error is an internal failure. */
export class ConvergenceParamsError extends RangeError {}

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
  const first = firstNumber - 1, last = lastNumber - 1; // 0-based layer indices
  const steps = lastNumber - firstNumber + 1;
  const width = run ? run.width : network.input.dim;

  // ── tail range for every fit ──
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
  const P = probes.length;

  // ── partial products (and the plain forward check that goes with them): out·in·(d+1) per layer and probe ──
  let ppCost = 0;
  for (let i = 0; i <= last; i++) ppCost += network.outWidth(i) * network.inWidth(i);
  ppCost *= (d + 1) * P;
  const ppMode = params.partialProducts ?? 'auto';
  const trackPP = ppMode === true || (ppMode === 'auto' && ppCost <= CONVERGENCE_DEFAULTS.partialProductBudget);
  if (!trackPP && ppMode === 'auto') notes.push(`partial products P_k and the check against the plain forward pass skipped: Σ_k (layer width × input width) × (input dim + 1) × probes = ${ppCost.toExponential(2)} multiply-adds exceeds the 'auto' budget of ${CONVERGENCE_DEFAULTS.partialProductBudget.toExponential(0)} (pass partialProducts: true to force)`);

  const recorded = makeRecordedDepths(Math.max(lastNumber, 0), recordCount, steps > 0 ? [firstNumber - 1] : []);

  // ── per-layer arrays (over the whole network; NaN outside the analysed run or where undefined) ──
  const normWminusI = new Float64Array(depth).fill(NaN);
  const normB = new Float64Array(depth).fill(NaN);
  const s1Term = new Float64Array(depth).fill(NaN);
  const s2Term = new Float64Array(depth).fill(NaN);
  const weightTerms = new Float64Array(steps);
  const biasTerms = new Float64Array(steps);
  const reluLayer = new Uint8Array(Math.max(lastNumber, 0));
  let denseSteps = 0, residualSteps = 0;
  let tailLogAbsDet = 0, tailDenseLayers = 0;

  // ── affine families step without forming W_k; their norms come from closed forms (verified against the generated layers) ──
  const groups = network.groups;
  const affine: ({ terms: AffineFamilyTerms; step: AffineStep } | null)[] = groups.map(() => null);
  const methods: { group: number; method: string }[] = [];
  groups.forEach((g, gi) => {
    if (g.start > last) return;
    const inRun = g.start + g.count - 1 >= first;
    if (g.family?.kind === 'affine') {
      try {
        const t = affineFamilyTerms(g.family, mNorm);
        if (familyMatchesLayers(t, network, g.start, g.count)) {
          affine[gi] = { terms: t, step: new AffineStep(g.family) };
          if (inRun) methods.push({ group: gi, method: t.method });
          return;
        }
        notes.push(`group ${gi + 1} (${layerSpan(g.start + 1, g.start + g.count)}): its family description does not reproduce its layers; norms computed from the generated layers instead`);
      } catch (e) {
        notes.push(`group ${gi + 1}: family description unusable (${(e as Error).message}); norms computed from the generated layers`);
      }
    }
    if (inRun) methods.push({ group: gi, method: mNorm === '2' ? 'per layer: spectral norm (SVD; closed form for 2×2)' : `per layer: ${mNorm}-norm` });
  });

  // ── probe state ──
  const R = recorded.length;
  const cur: Float64Array[] = probes.map((p) => Float64Array.from(p.x));
  const nxt: Float64Array[] = probes.map((p) => new Float64Array(p.x.length));
  const values: Float64Array[][] = probes.map(() => []);
  const recNorms = probes.map(() => new Float64Array(R));
  const recInc = probes.map(() => new Float64Array(R).fill(NaN));
  const windowInc = new Float64Array(P).fill(NaN);
  const stepInc = probes.map(() => new Float64Array(steps));
  const tailInactive = new Float64Array(P);
  const tailLength = new Float64Array(P);
  const tailStart: Float64Array[] = probes.map((p) => Float64Array.from(p.x));
  const maxInc = new Float64Array(steps);
  // partial products as G = [P | q] with a spare buffer per probe; the plain forward pass beside them
  const G: DenseMatrix[] = trackPP ? probes.map((p) => augmentedIdentity(p.x.length)) : [];
  const spare: (DenseMatrix | null)[] = probes.map(() => null);
  const plain: Float64Array[] = trackPP ? probes.map((p) => Float64Array.from(p.x)) : [];
  const forwardResidual = new Float64Array(P);
  const ppRecDiff = probes.map(() => new Float64Array(R).fill(NaN));
  const ppRecNorm = probes.map(() => new Float64Array(R).fill(NaN));
  const ppWindow = new Float64Array(P).fill(NaN);
  let r = 0;
  const record = (k: number) => {
    while (r < R && recorded[r] === k) {
      for (let p = 0; p < P; p++) {
        values[p].push(cur[p].slice());
        recNorms[p][r] = vectorNorm(cur[p], mNorm);
        recInc[p][r] = windowInc[p];
        windowInc[p] = NaN;
        if (trackPP) { ppRecNorm[p][r] = linearPartFro(G[p]); ppRecDiff[p][r] = ppWindow[p]; ppWindow[p] = NaN; }
      }
      r++;
    }
    if (k === tailFrom - 1) for (let p = 0; p < P; p++) tailStart[p] = cur[p].slice();
  };
  record(0);

  // scratch: pre-activations sized to each layer's output (widths change before the run), W − I for the run's norms
  let pre = new Float64Array(d);
  const work = new Float64Array(width * width);

  let gi = 0;
  let workSinceCheck = 0;
  for (let i = 0; i <= last; i++) {
    // wide layers cost ~width² (norms, forward, partial products) or more: check by work, not only by count
    workSinceCheck += network.inWidth(i) * network.outWidth(i) * (1 + P);
    if (i % CHECKPOINT_EVERY === 0 || workSinceCheck > CHECKPOINT_WORK) {
      checkpoint(ctx, i / (last + 1), `convergence: layer ${i + 1} of ${last + 1}`);
      workSinceCheck = 0;
    }
    while (gi < groups.length - 1 && groups[gi].start + groups[gi].count <= i) gi++;
    const fam = groups[gi] && groups[gi].start <= i ? affine[gi] : null;
    const k = i + 1;
    const inRun = i >= first;
    const inTail = inRun && k >= tailFrom;
    // a family step needs only its scales; any other layer is generated (and dropped after this step)
    let layer: Layer | null = null, s = 0, t = 0;
    if (fam) {
      const j = i - groups[gi].start + 1;
      s = scaleAt(fam.terms.family.weightScale, j);
      t = scaleAt(fam.terms.family.biasScale, j);
      if (inRun) {
        // piece by piece: no per-layer object for 10⁵ layers
        normWminusI[i] = fam.terms.normWminusI(s, work); normB[i] = fam.terms.normB(t);
        if (inTail) { tailLogAbsDet += fam.terms.logAbsDetAt(s); tailDenseLayers++; }
      }
    } else {
      layer = network.layer(i);
      if (inRun && layer.kind === 'dense') {
        const terms = denseTerms(layer, mNorm, work, inTail, ctx);
        normWminusI[i] = terms.normWminusI; normB[i] = terms.normB;
        if (inTail) { tailLogAbsDet += terms.logAbsDet; tailDenseLayers++; }
      } else if (inRun && layer.kind === 'residual') {
        const terms = residualTerms(layer, mNorm, ctx);
        s1Term[i] = terms.s1; s2Term[i] = terms.s2;
      }
    }
    const isBlock = layer?.kind === 'residual';
    reluLayer[i] = (fam ? fam.step.relu : layer!.activation === 'relu') ? 1 : 0;
    if (inRun) {
      const j = i - first;
      if (!isBlock) { weightTerms[j] = normWminusI[i]; biasTerms[j] = normB[i]; denseSteps++; }
      else { weightTerms[j] = s1Term[i]; biasTerms[j] = s2Term[i]; residualSteps++; }
    }
    // the independent reference: the layer exactly as the network generates it, through forward.ts
    const plainLayer = trackPP ? layer ?? network.layer(i) : null;

    // forward every probe one step
    const outW = network.outWidth(i);
    const sameWidth = network.inWidth(i) === outW;
    if (pre.length !== outW) pre = new Float64Array(outW);
    for (let p = 0; p < P; p++) {
      const x = cur[p];
      const y = nxt[p].length === outW ? nxt[p] : new Float64Array(outW);
      let inactive: number;
      const before = trackPP ? G[p] : null;
      if (fam) {
        inactive = fam.step.forward(s, t, x, pre, y);
        if (before) {
          const out = spare[p] && spare[p]!.data.length === before.data.length ? spare[p]! : { rows: before.rows, cols: before.cols, data: new Float64Array(before.data.length) };
          fam.step.push(s, t, before, pre, out);
          G[p] = out;
          spare[p] = before;
        }
      } else if (layer!.kind === 'dense') {
        inactive = denseForward(layer as DenseLayer, x, pre, y);
        if (before) G[p] = pushAffineDense(layer as DenseLayer, before, pre);
      } else {
        const res = residualForward(layer as ResidualBlock, x, y);
        inactive = res.inactive;
        if (before) G[p] = pushAffineResidual(layer as ResidualBlock, before, res.pattern);
      }
      if (before && sameWidth) {
        const diff = linearPartDiffFro(G[p], before);
        if (!(ppWindow[p] >= diff)) ppWindow[p] = diff;
      }
      if (plainLayer) {
        plain[p] = applyLayer(plainLayer, plain[p]);
        const dev = maxAbsDiff(y, plain[p]) / Math.max(1, vectorNorm(plain[p], 'inf'));
        if (!(forwardResidual[p] >= dev)) forwardResidual[p] = dev; // NaN sticks
      }
      if (inTail && inactive > 0) tailInactive[p]++;
      let inc = NaN;
      if (sameWidth) {
        inc = vectorNormOfDiff(y, x, mNorm);
        if (!(windowInc[p] >= inc)) windowInc[p] = inc;
      }
      if (inRun) {
        const j = i - first;
        stepInc[p][j] = inc;
        if (!(maxInc[j] >= inc)) maxInc[j] = inc;
        if (inTail) tailLength[p] += inc;
      }
      // swap buffers (a width change allocates once)
      nxt[p] = x.length === outW ? x : new Float64Array(outW);
      cur[p] = y;
    }
    record(k);
  }
  checkpoint(ctx, 1, 'convergence: series and verdicts');
  if (denseSteps > 0 && residualSteps > 0) notes.push(mixedRunNote(denseSteps, residualSteps));

  // ── series ──
  const kind: ConvergenceResult['kind'] = steps === 0 ? 'none' : residualSteps === 0 ? 'dense' : denseSteps === 0 ? 'residual' : 'mixed';
  const sub = mNorm === '2' ? '₂' : mNorm === '1' ? '₁' : mNorm === 'inf' ? '∞' : 'F';
  const weightLabel = kind === 'residual' ? `S1 = Σ_n Π_k ‖W^(n,k)‖${sub}` : kind === 'mixed' ? `Σ w_k (‖W_k − I‖${sub} or a_n)` : `Σ‖W_k − I‖${sub}`;
  const biasLabel = kind === 'residual' ? `S2 = Σ_n Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖${sub}` : kind === 'mixed' ? `Σ β_k (‖b_k‖ or β_n)` : `Σ‖b_k‖`;
  const weightSeries = series(weightLabel, weightTerms, firstNumber, tailFrom, tailTo, minFitPoints, confidence);
  const biasSeries = series(biasLabel, biasTerms, firstNumber, tailFrom, tailTo, minFitPoints, confidence);
  const parts = { denseLayers: denseSteps, sumWminusI: 0, sumB: 0, residualBlocks: residualSteps, S1: 0, S2: 0 };
  for (let i = first; i <= last; i++) {
    if (Number.isNaN(s1Term[i])) { parts.sumWminusI += normWminusI[i]; parts.sumB += normB[i]; } else { parts.S1 += s1Term[i]; parts.S2 += s2Term[i]; }
  }
  // Π(1 + w) over suffixes, as Σ log(1 + w) so long tails neither overflow nor lose digits
  const suffixLogW = suffixSums(weightTerms.map(Math.log1p)), suffixB = suffixSums(biasTerms);
  const bothSummable = weightSeries.extrapolatedTail !== null && biasSeries.extrapolatedTail !== null;
  const vectorNormName = (mNorm === '1' ? 'ℓ1' : mNorm === 'inf' ? 'ℓ∞' : 'ℓ2') as ConvergenceResult['vectorNorm'];

  // ── probes: fits, bounds, limits ──
  const probeResults: ProbeResult[] = probes.map((probe, p) => {
    const incrementFit = fitPowerLaw(stepInc[p], firstNumber, tailFrom, tailTo, minFitPoints, confidence);
    const validFrom = boundValidFrom(reluLayer, firstNumber, lastNumber, probe.x);
    const withinFile = new Float64Array(R).fill(NaN);
    const extrapolated = bothSummable ? new Float64Array(R).fill(NaN) : null;
    const observedToLast = new Float64Array(R).fill(NaN);
    const lastValue = cur[p];
    for (let q = 0; q < R; q++) {
      const n = recorded[q];
      if (steps === 0 || n < firstNumber - 1) continue;
      const idx = n - firstNumber + 1; // suffix index: Σ over layer numbers > n
      const v = values[p][q];
      if (v.length === lastValue.length) observedToLast[q] = vectorNormOfDiff(lastValue, v, mNorm);
      if (n < validFrom) continue;
      withinFile[q] = tailBound(suffixLogW[idx], suffixB[idx], recNorms[p][q]);
      if (extrapolated) extrapolated[q] = tailBound(suffixLogW[idx] + weightSeries.extrapolatedTail!, suffixB[idx] + biasSeries.extrapolatedTail!, recNorms[p][q]);
    }
    const radius = extrapolated && steps > 0 && lastNumber >= validFrom ? tailBound(weightSeries.extrapolatedTail!, biasSeries.extrapolatedTail!, vectorNorm(lastValue, mNorm)) : null;
    let partialProducts: PartialProductTrace | null = null;
    if (trackPP) {
      const g = G[p];
      const Pn = new Float64Array(g.rows * d), qn = new Float64Array(g.rows);
      const reference = plain[p];
      let residual = 0;
      for (let i = 0; i < g.rows; i++) {
        let s = g.data[i * (d + 1) + d];
        qn[i] = s;
        for (let j = 0; j < d; j++) { Pn[i * d + j] = g.data[i * (d + 1) + j]; s += Pn[i * d + j] * probe.x[j]; }
        const dev = Math.abs(s - reference[i]);
        if (!(residual >= dev)) residual = dev;
      }
      if (!(residual <= 1e-9 * Math.max(1, vectorNorm(reference, 'inf')) && forwardResidual[p] <= 1e-9)) {
        notes.push(`internal check failed at ${probe.name}: against the plain forward pass, ‖P_n x + q_n − N_n(x)‖_∞ = ${fmt(residual)} and the stepped N_k(x) deviate by up to ${fmt(forwardResidual[p])} (relative) — these results are not reliable`);
      }
      partialProducts = { inputDim: d, matrixNorm: 'Frobenius', diffNorms: ppRecDiff[p], norms: ppRecNorm[p], final: { rows: g.rows, cols: d, data: Pn }, finalOffset: qn, residual, forwardResidual: forwardResidual[p] };
    }
    return {
      name: probe.name,
      x: probe.x,
      values: values[p],
      norms: recNorms[p],
      increments: recInc[p],
      incrementFit,
      tailPath: { length: tailLength[p], displacement: steps > 0 ? vectorNormOfDiff(lastValue, tailStart[p], mNorm) : NaN },
      tailLayersWithInactiveNeurons: tailInactive[p],
      partialProducts,
      limitEstimate: { value: lastValue.slice(), radius, basis: 'extrapolated' as const },
      tailBound: {
        formula: 'sup_{k>n} ‖N_k − N_n‖ ≤ (Π_{k>n}(1 + w_k) − 1)·(‖N_n‖ + T_β) + T_β, T_β = Σ_{k>n} β_k (past the file: Π(1 + w) ≤ e^{Σ w} with the fitted tail sums)',
        withinFile, observedToLast, extrapolated, validFrom, vectorNorm: vectorNormName,
      },
    };
  });
  const maxIncFit = fitPowerLaw(maxInc, firstNumber, tailFrom, tailTo, minFitPoints, confidence);

  const base = {
    networkName: network.name,
    norm,
    vectorNorm: vectorNormName,
    depth,
    kind,
    sequence: { first: firstNumber, last: lastNumber, width },
    runs,
    runIndex,
    layers: { normWminusI, normB, s1Term, s2Term, methods },
    series: { weight: weightSeries, bias: biasSeries, parts },
    tail: { from: tailFrom, to: tailTo },
    recordedDepths: recorded,
    probes: probeResults,
    maxIncrement: { values: maxInc, fit: maxIncFit },
    tailLogAbsDet: tailDenseLayers > 0 ? tailLogAbsDet : NaN,
    tailDenseLayers,
    notes,
  };
  const tailMinIncrement = Float64Array.from(stepInc, (inc) => {
    let min = Infinity;
    for (let k = tailFrom; k <= tailTo; k++) min = Math.min(min, inc[k - firstNumber]);
    return min;
  });
  const verdicts = buildVerdicts(base, { threshold, groups, weightTerms, biasTerms, tailMinIncrement });
  return { ...base, verdicts };
}

function series(label: string, terms: Float64Array, firstNumber: number, from: number, to: number, minPoints: number, confidence: number): SeriesSummary {
  const partialSums = new Float64Array(terms.length);
  let s = 0;
  for (let j = 0; j < terms.length; j++) { s += terms[j]; partialSums[j] = s; }
  const fit: PowerLawFit = fitPowerLaw(terms, firstNumber, from, to, minPoints, confidence);
  const lastNumber = firstNumber + terms.length - 1;
  return {
    label, terms, partialSums, sum: s, fit,
    summable: summability(fit),
    extrapolatedTail: terms.length === 0 ? null : extrapolatedTailSum(fit, lastNumber, terms[terms.length - 1]),
  };
}

/** suffix[j] = Σ_{i ≥ j} terms[i] (summed from the small end, so tiny tails keep their digits); suffix[n] = 0. */
function suffixSums(terms: Float64Array): Float64Array {
  const out = new Float64Array(terms.length + 1);
  for (let j = terms.length - 1; j >= 0; j--) out[j] = out[j + 1] + terms[j];
  return out;
}

/**
 * (Π(1 + w) − 1)(‖N_n‖ + T_β) + T_β with Π(1 + w) = e^{logProduct} (MATH.md §A: ‖N_k‖ ≤ (1 + w_k)‖N_{k−1}‖ + β_k
 * bounds every ‖N_{j−1}‖ on the way, and Σ_j w_j Π_{i<j}(1 + w_i) telescopes to Π(1 + w) − 1).
 */
export function tailBound(logProduct: number, tb: number, normN: number): number {
  if (logProduct === 0) return tb;
  return Math.expm1(logProduct) * (normN + tb) + tb;
}

/**
 * Smallest n such that every step k > n satisfies the inequality's hypothesis: the step is linear,
 * or its input N_{k−1} ≥ 0 (the previous layer is a ReLU layer, or k = 1 and the probe is ≥ 0).
 */
function boundValidFrom(reluLayer: Uint8Array, firstNumber: number, lastNumber: number, x: Float64Array): number {
  const nonNegativeInput = x.every((v) => v >= 0);
  let k = lastNumber;
  for (; k >= firstNumber; k--) {
    const linear = reluLayer[k - 1] === 0;
    const inputNonNeg = k >= 2 ? reluLayer[k - 2] === 1 : nonNegativeInput;
    if (!linear && !inputNonNeg) break;
  }
  return k >= firstNumber ? k : firstNumber - 1;
}

/** ‖a − b‖ in the vector norm paired with `norm`, without allocating. */
function vectorNormOfDiff(a: Float64Array, b: Float64Array, norm: MatrixNorm): number {
  let s = 0;
  if (norm === '1') { for (let t = 0; t < a.length; t++) s += Math.abs(a[t] - b[t]); return s; }
  if (norm === 'inf') { for (let t = 0; t < a.length; t++) s = Math.max(s, Math.abs(a[t] - b[t])); return s; }
  for (let t = 0; t < a.length; t++) { const e = a[t] - b[t]; s += e * e; }
  return Math.sqrt(s);
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let t = 0; t < a.length; t++) { const e = Math.abs(a[t] - b[t]); if (!(m >= e)) m = e; }
  return m;
}

function augmentedIdentity(d: number): DenseMatrix {
  const data = new Float64Array(d * (d + 1));
  for (let i = 0; i < d; i++) data[i * (d + 1) + i] = 1;
  return { rows: d, cols: d + 1, data };
}

function positiveInteger(v: number, name: string, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new ConvergenceParamsError(`analyzeConvergence: ${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/**
 * Probes: params.probes, else the file's probes, else the input domain's corners and centre
 * (all 2^d corners when d ≤ 3, otherwise the centre and the two diagonal corners min and max);
 * without a domain the box [0, 1]^d is used.
 */
export function resolveProbes(network: Network, params: ConvergenceParams, notes: string[]): ResolvedProbe[] {
  const d = network.input.dim;
  if (params.probes && params.probes.length > 0) {
    return params.probes.map((x, i) => {
      if (x.length !== d) throw new ConvergenceParamsError(`analyzeConvergence: probe ${i + 1} has ${x.length} coordinate${x.length === 1 ? '' : 's'}, the network's input dimension is ${d}`);
      for (let j = 0; j < x.length; j++) if (!Number.isFinite(x[j])) throw new ConvergenceParamsError(`analyzeConvergence: probe ${i + 1} coordinate ${j + 1} is not a finite number`);
      return { name: `probe ${i + 1}`, x: Float64Array.from(x) };
    });
  }
  if (network.input.probes.length > 0) return network.input.probes.map((p) => ({ name: p.name, x: Float64Array.from(p.x) }));
  const dom = network.input.domain;
  const min = dom ? dom.min : new Float64Array(d);
  const max = dom ? dom.max : new Float64Array(d).fill(1);
  const box = dom ? 'the input domain' : 'the default box [0, 1]^d (the file has no domain)';
  const out: ResolvedProbe[] = [];
  out.push({ name: 'centre', x: Float64Array.from({ length: d }, (_, j) => (min[j] + max[j]) / 2) });
  if (d <= 3) {
    for (let mask = 0; mask < 1 << d; mask++) {
      const x = Float64Array.from({ length: d }, (_, j) => ((mask >> j) & 1 ? max[j] : min[j]));
      out.push({ name: `corner (${Array.from(x).join(', ')})`, x });
    }
    notes.push(`no probes in the file: using the centre and the ${1 << d} corners of ${box}`);
  } else {
    out.push({ name: 'corner min', x: Float64Array.from(min) }, { name: 'corner max', x: Float64Array.from(max) });
    notes.push(`no probes in the file: using the centre and the two diagonal corners (all-min, all-max) of ${box}`);
  }
  return out;
}

/** The family description must reproduce the generated layers (checked at its first and last layer). */
function familyMatchesLayers(t: AffineFamilyTerms, network: Network, start: number, count: number): boolean {
  const m = t.family.matrix.rows;
  const W = new Float64Array(m * m), b = new Float64Array(m);
  for (const j of count > 1 ? [1, count] : [1]) {
    const layer = network.layer(start + j - 1);
    if (layer.kind !== 'dense' || layer.weights.rows !== m || layer.weights.cols !== m || layer.activation !== t.activation) return false;
    t.materialize(j, W, b);
    for (let q = 0; q < m * m; q++) if (!close(W[q], layer.weights.data[q])) return false;
    for (let q = 0; q < m; q++) if (!close(b[q], layer.bias[q])) return false;
  }
  return true;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
}
