/**
 * Convergence of N_k(x) as depth k → ∞ (MATH.md §A, §B): per-layer norms, the series and their
 * power-law tails, the forward recursion at probes (increments, partial products, tail bounds)
 * and three verdicts that never claim more than the finite data shows.
 *
 * Streams over the layers: `network.layer(i)` is requested once per layer and dropped (affine
 * families are not even generated: their W_k is written into a reused buffer and their norms come
 * from closed forms, see terms.ts), so a 10⁵-layer family costs O(depth) memory only for the
 * per-layer number arrays.
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import type { DenseMatrix } from '../linalg/dense';
import { vectorNorm, type MatrixNorm } from '../linalg/norms';
import type { DenseLayer, Layer, Network } from '../network/model';
import type {
  ConvergenceNorm, ConvergenceParams, ConvergenceResult, PartialProductTrace, PowerLawFit, ProbeResult, SeriesSummary,
} from '../../shared/analyses/convergence';
import { recordedDepths as makeRecordedDepths } from './depths';
import { extrapolatedTailSum, fitPowerLaw, summability } from './fit';
import { AffineFamilyTerms, denseTerms, residualTerms } from './terms';
import { denseForward, linearPartDiffFro, linearPartFro, pushAffineDense, pushAffineResidual, residualForward } from './stepper';
import { buildVerdicts } from './verdicts';

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
const CHECKPOINT_EVERY = 512;

interface ResolvedProbe { name: string; x: Float64Array }

/** Run the whole convergence analysis. Throws RangeError/TypeError for bad params, CancelledError when cancelled. */
export function analyzeConvergence(network: Network, params: ConvergenceParams = {}, ctx: AnalysisContext = silentContext): ConvergenceResult {
  const norm = params.norm ?? CONVERGENCE_DEFAULTS.norm;
  if (!NORMS.includes(norm)) throw new RangeError(`analyzeConvergence: norm must be one of ${NORMS.join(', ')}, got '${String(norm)}'`);
  const minFitPoints = positiveInteger(params.minFitPoints ?? CONVERGENCE_DEFAULTS.minFitPoints, 'minFitPoints', 3);
  const confidence = params.confidence ?? CONVERGENCE_DEFAULTS.confidence;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`analyzeConvergence: confidence must be in (0, 1), got ${confidence}`);
  const threshold = params.necessaryThreshold ?? CONVERGENCE_DEFAULTS.necessaryThreshold;
  if (!(threshold > 0 && Number.isFinite(threshold))) throw new RangeError(`analyzeConvergence: necessaryThreshold must be a positive number, got ${threshold}`);
  const recordCount = positiveInteger(params.recordedDepthCount ?? CONVERGENCE_DEFAULTS.recordedDepthCount, 'recordedDepthCount', 2);
  const mNorm = norm as MatrixNorm;
  const notes: string[] = [];
  const depth = network.depth;

  // ── the analysed sequence: the last run of width-preserving layers ──
  let last = depth - 1;
  while (last >= 0 && network.inWidth(last) !== network.outWidth(last)) last--;
  let first = Math.max(last, 0);
  while (first > 0 && network.inWidth(first - 1) === network.outWidth(first - 1)) first--;
  const steps = last < 0 ? 0 : last - first + 1;
  const firstNumber = first + 1, lastNumber = last + 1;
  const width = steps > 0 ? network.outWidth(last) : network.input.dim;
  if (last < depth - 1) notes.push(`layers ${last + 2}–${depth} change the width (e.g. an affine output layer) and are left out: convergence concerns the width-${width} sequence before them`);
  if (steps > 0 && first > 0) notes.push(`layers 1–${first} change the width and are treated as a fixed input map; the series start at layer ${firstNumber}`);
  if (steps === 0) notes.push('no layer preserves the width, so there is no depth sequence to analyse');

  // ── tail range for every fit ──
  let tailFrom = firstNumber + Math.floor(steps / 2);
  if (params.tailFrom !== undefined) {
    if (!Number.isInteger(params.tailFrom) || params.tailFrom < firstNumber || params.tailFrom > lastNumber) {
      throw new RangeError(`analyzeConvergence: tailFrom must be a layer number in ${firstNumber}..${lastNumber} (the analysed sequence), got ${params.tailFrom}`);
    }
    tailFrom = params.tailFrom;
  }
  const tailTo = lastNumber;

  const probes = resolveProbes(network, params, notes);
  const d = network.input.dim;
  const P = probes.length;

  // ── partial products: cost m²(d+1) per step and probe ──
  const ppCost = width * width * (d + 1) * Math.max(lastNumber, 0) * P;
  const ppMode = params.partialProducts ?? 'auto';
  const trackPP = ppMode === true || (ppMode === 'auto' && ppCost <= CONVERGENCE_DEFAULTS.partialProductBudget);
  if (!trackPP && ppMode === 'auto') notes.push(`partial products P_k skipped: width² × (input dim + 1) × depth × probes = ${ppCost.toExponential(2)} multiply-adds exceeds the 'auto' budget of ${CONVERGENCE_DEFAULTS.partialProductBudget.toExponential(0)} (pass partialProducts: true to force)`);

  const recorded = makeRecordedDepths(Math.max(lastNumber, 0), recordCount, steps > 0 ? [firstNumber - 1] : []);

  // ── per-layer arrays (over the whole network; NaN where undefined or not analysed) ──
  const normWminusI = new Float64Array(depth).fill(NaN);
  const normB = new Float64Array(depth).fill(NaN);
  const s1Term = new Float64Array(depth).fill(NaN);
  const s2Term = new Float64Array(depth).fill(NaN);
  const weightTerms = new Float64Array(steps);
  const biasTerms = new Float64Array(steps);
  const reluLayer = new Uint8Array(Math.max(lastNumber, 0));
  let denseSteps = 0, residualSteps = 0;
  let tailLogAbsDet = 0, tailDenseLayers = 0;

  // ── per-group norm methods, affine-family shortcuts (verified against the generated layers) ──
  const groups = network.groups;
  const affine: (AffineFamilyTerms | null)[] = groups.map(() => null);
  const methods: { group: number; method: string }[] = [];
  groups.forEach((g, gi) => {
    if (g.start > last) return;
    if (g.family?.kind === 'affine') {
      try {
        const t = new AffineFamilyTerms(g.family, mNorm);
        if (familyMatchesLayers(t, network, g.start, g.count)) {
          affine[gi] = t;
          methods.push({ group: gi, method: t.method });
          return;
        }
        notes.push(`group ${gi + 1} (layers ${g.start + 1}–${g.start + g.count}): its family description does not reproduce its layers; norms computed from the generated layers instead`);
      } catch (e) {
        notes.push(`group ${gi + 1}: family description unusable (${(e as Error).message}); norms computed from the generated layers`);
      }
    }
    methods.push({ group: gi, method: mNorm === '2' ? 'per layer: spectral norm (SVD; closed form for 2×2)' : `per layer: ${mNorm}-norm` });
  });

  // ── probe state ──
  const R = recorded.length;
  const cur: Float64Array[] = probes.map((p) => Float64Array.from(p.x));
  const values: Float64Array[][] = probes.map(() => []);
  const recNorms = probes.map(() => new Float64Array(R));
  const recInc = probes.map(() => new Float64Array(R).fill(NaN));
  const windowInc = new Float64Array(P).fill(NaN);
  const stepInc = probes.map(() => new Float64Array(steps));
  const stepNorm = probes.map(() => new Float64Array(steps));
  const tailInactive = new Float64Array(P);
  const maxInc = new Float64Array(steps);
  const G: DenseMatrix[] = trackPP ? probes.map((p) => augmentedIdentity(p.x.length)) : [];
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
  };
  record(0);

  // scratch for affine families and generic norms
  const maxW = Math.max(width, ...groups.filter((g) => g.start <= last).map((g) => Math.max(network.inWidth(g.start), network.outWidth(g.start))), d);
  const work = new Float64Array(maxW * maxW);
  const famW = new Float64Array(maxW * maxW);
  const famB = new Float64Array(maxW);
  const pre = new Float64Array(maxW);
  const nxt: Float64Array[] = probes.map(() => new Float64Array(width));

  let gi = 0;
  for (let i = 0; i <= last; i++) {
    if (i % CHECKPOINT_EVERY === 0) checkpoint(ctx, i / (last + 1), `convergence: layer ${i + 1} of ${last + 1}`);
    while (gi < groups.length - 1 && groups[gi].start + groups[gi].count <= i) gi++;
    const fam = groups[gi] && groups[gi].start <= i ? affine[gi] : null;
    const k = i + 1;
    const inTail = k >= tailFrom && i >= first;
    let layer: Layer;
    if (fam) {
      const m = network.outWidth(i);
      const j = i - groups[gi].start + 1;
      fam.materialize(j, famW, famB);
      layer = { kind: 'dense', weights: { rows: m, cols: m, data: famW.subarray(0, m * m) }, bias: famB.subarray(0, m), activation: fam.activation };
      const t = fam.termsAt(j, inTail, work);
      normWminusI[i] = t.normWminusI; normB[i] = t.normB;
      if (inTail) { tailLogAbsDet += t.logAbsDet; tailDenseLayers++; }
    } else {
      layer = network.layer(i);
      if (layer.kind === 'dense') {
        const t = denseTerms(layer, mNorm, work, inTail);
        normWminusI[i] = t.normWminusI; normB[i] = t.normB;
        if (inTail) { tailLogAbsDet += t.logAbsDet; tailDenseLayers++; }
      } else {
        const t = residualTerms(layer, mNorm);
        s1Term[i] = t.s1; s2Term[i] = t.s2;
      }
    }
    reluLayer[i] = layer.activation === 'relu' ? 1 : 0;
    if (i >= first) {
      const j = i - first;
      if (layer.kind === 'dense') { weightTerms[j] = normWminusI[i]; biasTerms[j] = normB[i]; denseSteps++; }
      else { weightTerms[j] = s1Term[i]; biasTerms[j] = s2Term[i]; residualSteps++; }
    }

    // forward every probe one step
    const outW = network.outWidth(i);
    const sameWidth = network.inWidth(i) === outW;
    for (let p = 0; p < P; p++) {
      const x = cur[p];
      const y = nxt[p].length === outW ? nxt[p] : new Float64Array(outW);
      let inactive: number;
      const before = trackPP ? G[p] : null;
      if (layer.kind === 'dense') {
        inactive = denseForward(layer, x, pre.subarray(0, outW), y);
        if (before) G[p] = pushAffineDense(layer as DenseLayer, before, pre.subarray(0, outW));
      } else {
        const res = residualForward(layer, x, y);
        inactive = res.inactive;
        if (before) G[p] = pushAffineResidual(layer, before, res.pattern);
      }
      if (before && sameWidth) {
        const diff = linearPartDiffFro(G[p], before);
        if (!(ppWindow[p] >= diff)) ppWindow[p] = diff;
      }
      if (inTail && inactive > 0) tailInactive[p]++;
      let inc = NaN;
      if (sameWidth) {
        let s = 0;
        if (mNorm === '1') { for (let t = 0; t < outW; t++) s += Math.abs(y[t] - x[t]); inc = s; }
        else if (mNorm === 'inf') { for (let t = 0; t < outW; t++) s = Math.max(s, Math.abs(y[t] - x[t])); inc = s; }
        else { for (let t = 0; t < outW; t++) { const e = y[t] - x[t]; s += e * e; } inc = Math.sqrt(s); }
        if (!(windowInc[p] >= inc)) windowInc[p] = inc;
      }
      if (i >= first) {
        const j = i - first;
        stepInc[p][j] = inc;
        stepNorm[p][j] = vectorNorm(y, mNorm);
        if (!(maxInc[j] >= inc)) maxInc[j] = inc;
      }
      // swap buffers (a width change allocates once)
      nxt[p] = x.length === outW ? x : new Float64Array(outW);
      cur[p] = y;
    }
    record(k);
  }
  checkpoint(ctx, 1, 'convergence: series and verdicts');

  // ── series ──
  const kind: ConvergenceResult['kind'] = steps === 0 ? 'none' : residualSteps === 0 ? 'dense' : denseSteps === 0 ? 'residual' : 'mixed';
  const sub = mNorm === '2' ? '₂' : mNorm === '1' ? '₁' : mNorm === 'inf' ? '∞' : 'F';
  const weightLabel = kind === 'residual' ? `S1 = Σ_n Π_k ‖W^(n,k)‖${sub}` : kind === 'mixed' ? `Σ w_k (‖W_k − I‖${sub} or a_k)` : `Σ‖W_k − I‖${sub}`;
  const biasLabel = kind === 'residual' ? `S2 = Σ_n Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖${sub}` : kind === 'mixed' ? `Σ β_k (‖b_k‖ or the S2 term)` : `Σ‖b_k‖`;
  const weightSeries = series(weightLabel, weightTerms, firstNumber, tailFrom, tailTo, minFitPoints, confidence);
  const biasSeries = series(biasLabel, biasTerms, firstNumber, tailFrom, tailTo, minFitPoints, confidence);
  const suffixW = suffixSums(weightTerms), suffixB = suffixSums(biasTerms);
  const bothSummable = weightSeries.extrapolatedTail !== null && biasSeries.extrapolatedTail !== null;

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
      if (v.length === lastValue.length) observedToLast[q] = vectorNormDiff(lastValue, v, mNorm);
      if (n < validFrom) continue;
      withinFile[q] = tailBound(suffixW[idx], suffixB[idx], recNorms[p][q]);
      if (extrapolated) extrapolated[q] = tailBound(suffixW[idx] + weightSeries.extrapolatedTail!, suffixB[idx] + biasSeries.extrapolatedTail!, recNorms[p][q]);
    }
    const radius = extrapolated && steps > 0 && lastNumber >= validFrom ? tailBound(weightSeries.extrapolatedTail!, biasSeries.extrapolatedTail!, vectorNorm(lastValue, mNorm)) : null;
    let partialProducts: PartialProductTrace | null = null;
    if (trackPP) {
      const g = G[p];
      const Pn = new Float64Array(g.rows * d), qn = new Float64Array(g.rows);
      let residual = 0;
      for (let i = 0; i < g.rows; i++) {
        let s = g.data[i * (d + 1) + d];
        qn[i] = s;
        for (let j = 0; j < d; j++) { Pn[i * d + j] = g.data[i * (d + 1) + j]; s += Pn[i * d + j] * probe.x[j]; }
        residual = Math.max(residual, Math.abs(s - lastValue[i]));
      }
      partialProducts = { inputDim: d, diffNorms: ppRecDiff[p], norms: ppRecNorm[p], final: { rows: g.rows, cols: d, data: Pn }, finalOffset: qn, residual };
    }
    return {
      name: probe.name,
      x: probe.x,
      values: values[p],
      norms: recNorms[p],
      increments: recInc[p],
      incrementFit,
      tailLayersWithInactiveNeurons: tailInactive[p],
      partialProducts,
      limitEstimate: { value: lastValue.slice(), radius, basis: 'extrapolated' as const },
      tailBound: {
        formula: 'sup_{k>n} ‖N_k − N_n‖ ≤ T_w·e^{T_w}·(‖N_n‖ + T_β) + T_β, T_w = Σ_{k>n} w_k, T_β = Σ_{k>n} β_k',
        withinFile, observedToLast, extrapolated, validFrom,
      },
    };
  });
  const maxIncFit = fitPowerLaw(maxInc, firstNumber, tailFrom, tailTo, minFitPoints, confidence);
  const normFits = probes.map((_, p) => fitPowerLaw(stepNorm[p], firstNumber, tailFrom, tailTo, minFitPoints, confidence));

  const base = {
    networkName: network.name,
    norm,
    vectorNorm: (mNorm === '1' ? 'ℓ1' : mNorm === 'inf' ? 'ℓ∞' : 'ℓ2') as ConvergenceResult['vectorNorm'],
    depth,
    kind,
    sequence: { first: firstNumber, last: lastNumber, width },
    layers: { normWminusI, normB, s1Term, s2Term, methods },
    series: { weight: weightSeries, bias: biasSeries },
    tail: { from: tailFrom, to: tailTo },
    recordedDepths: recorded,
    probes: probeResults,
    maxIncrement: { values: maxInc, fit: maxIncFit },
    tailLogAbsDet: tailDenseLayers > 0 ? tailLogAbsDet : NaN,
    notes,
  };
  const tailMinIncrement = Float64Array.from(stepInc, (inc) => {
    let min = Infinity;
    for (let k = tailFrom; k <= tailTo; k++) min = Math.min(min, inc[k - firstNumber]);
    return min;
  });
  const verdicts = buildVerdicts(base, { threshold, groups, normFits, weightTerms, biasTerms, tailMinIncrement });
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

/** T_w e^{T_w} (‖N_n‖ + T_β) + T_β (MATH.md §A, summed Grönwall-style). */
export function tailBound(tw: number, tb: number, normN: number): number {
  if (tw === 0) return tb;
  return tw * Math.exp(tw) * (normN + tb) + tb;
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

function vectorNormDiff(a: Float64Array, b: Float64Array, norm: MatrixNorm): number {
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i] - b[i];
  return vectorNorm(d, norm);
}

function augmentedIdentity(d: number): DenseMatrix {
  const data = new Float64Array(d * (d + 1));
  for (let i = 0; i < d; i++) data[i * (d + 1) + i] = 1;
  return { rows: d, cols: d + 1, data };
}

function positiveInteger(v: number, name: string, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`analyzeConvergence: ${name} must be an integer ≥ ${min}, got ${v}`);
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
      if (x.length !== d) throw new RangeError(`analyzeConvergence: probe ${i + 1} has ${x.length} coordinate${x.length === 1 ? '' : 's'}, the network's input dimension is ${d}`);
      for (let j = 0; j < x.length; j++) if (!Number.isFinite(x[j])) throw new RangeError(`analyzeConvergence: probe ${i + 1} coordinate ${j + 1} is not a finite number`);
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
