/**
 * The one pass over the layers that every convergence number comes from (MATH.md §A, §B): per-layer
 * terms, the forward recursion at the probes, the partial products P_k (carried as e^L·P̂ so they
 * never over- or underflow), the faces of each probe's activation domain, σ_min of the linear parts
 * at the dyadic block ends of the run, the block oscillations of each trajectory, and the first
 * number that leaves float64.
 *
 * Streams: `network.layer(i)` is requested once per layer and dropped; affine families are not even
 * generated (a step is a·x + s_k·(M x) + t_k·v, stepper.ts; their norms come from closed forms,
 * terms.ts). Memory is O(depth) numbers for the per-layer arrays plus O(width²) state.
 */
import { checkpoint, type AnalysisContext } from '../context';
import { matMul, type DenseMatrix } from '../linalg/dense';
import { vectorNorm, type MatrixNorm } from '../linalg/norms';
import { singularValues } from '../linalg/singular';
import { applyLayerInto } from '../network/forward';
import type { DenseLayer, Layer, Network, ResidualBlock } from '../network/model';
import type { OverflowFinding } from '../../shared/analyses/convergence';
import { layerSpan } from './runs';
import type { BlockGeometry } from './summability';
import { affineFamilyTerms, type AffineFamilyTerms, denseTerms, residualTerms, scaleAt } from './terms';
import {
  AffineStep, denseForward, denseForwardMany, type FaceTracker, linearPartDiffFro, linearPartFro, pushAffineDense, pushAffineResidual, renormalizeLinearPart, residualForward,
} from './stepper';
import { fmt } from './format';

/** What a value that left float64 is, in words: it has no number to print ("= ∞" would read as a value). */
function beyondFloat64(v: number): string {
  return Number.isNaN(v) ? 'is undefined in float64 (∞ − ∞ or 0·∞ on the way)' : `overflows float64 (|value| above 1.8e308)`;
}

/** layers between progress/cancellation checks, and the multiply-adds (≈ width² per layer) that force one sooner */
const CHECKPOINT_EVERY = 512;
const CHECKPOINT_WORK = 2e7;
/** multiply-adds allowed for the run's explicit weight product Π W_k (m³ per layer) */
export const RUN_PRODUCT_BUDGET = 2e8;

export interface ResolvedProbe { name: string; x: Float64Array }

export interface WalkSetup {
  readonly network: Network;
  readonly norm: MatrixNorm;
  /** the analysed run: 1-based layer numbers, and its width */
  readonly firstNumber: number;
  readonly lastNumber: number;
  readonly width: number;
  readonly tailFrom: number;
  readonly probes: readonly ResolvedProbe[];
  readonly trackPP: boolean;
  readonly recorded: Float64Array;
  /** dyadic blocks of the run (layer numbers) */
  readonly blocks: BlockGeometry;
  /** layer numbers at which σ_min of the linear parts is evaluated (sorted) */
  readonly sigmaDepths: readonly number[];
  readonly notes: string[];
}

export interface ProbeWalk {
  values: Float64Array[];
  norms: Float64Array;
  increments: Float64Array;
  stepInc: Float64Array;
  tailInactive: number;
  tailLength: number;
  tailStart: Float64Array;
  last: Float64Array;
  /** per block of the run: oscillation O_j, displacement D_j */
  oscillation: Float64Array;
  displacement: Float64Array;
  /** ‖N_n − N_{⌊n/2⌋}‖: how far the trajectory moved over the last half of the layers */
  lastBlockMovement: number;
  /** ‖N_n − N_{w−1}‖ with w the first layer of the decision window (setup.sigmaDepths[0] + 1) */
  windowDisplacement: number;
  faces: FaceTracker | null;
  /** ln σ_m(P_k) at setup.sigmaDepths (NaN where not evaluated) */
  logSigma: Float64Array;
  pp: {
    G: DenseMatrix; logScale: number; recDiff: Float64Array; recLogNorm: Float64Array; plain: Float64Array; plainSpare: Float64Array; forwardResidual: number;
  } | null;
}

export interface WalkResult {
  readonly normWminusI: Float64Array;
  readonly normB: Float64Array;
  readonly s1Term: Float64Array;
  readonly s2Term: Float64Array;
  readonly weightTerms: Float64Array;
  readonly biasTerms: Float64Array;
  readonly maxInc: Float64Array;
  readonly reluLayer: Uint8Array;
  readonly denseSteps: number;
  readonly residualSteps: number;
  readonly methods: { group: number; method: string }[];
  readonly probes: ProbeWalk[];
  readonly runProduct: { method: string; logSigmaMin: Float64Array } | null;
  readonly runProductSkipped: string | null;
  /** first overflow of the terms; per probe of the trajectory and of the offset q_k */
  readonly overflow: OverflowFinding[];
  /** violations of ‖N_k − N_{k−1}‖ ≤ w_k‖N_{k−1}‖ + β_k where it must hold (each one a bug) */
  readonly boundViolations: string[];
}

/** Walk the layers 1..lastNumber once. */
export function walkLayers(setup: WalkSetup, ctx: AnalysisContext): WalkResult {
  const { network, norm: mNorm, firstNumber, lastNumber, width, tailFrom, probes, trackPP, recorded, blocks, sigmaDepths, notes } = setup;
  const depth = network.depth;
  const first = firstNumber - 1, last = lastNumber - 1;
  const steps = lastNumber - firstNumber + 1;
  const d = network.input.dim;
  const P = probes.length;

  const normWminusI = new Float64Array(depth).fill(NaN);
  const normB = new Float64Array(depth).fill(NaN);
  const s1Term = new Float64Array(depth).fill(NaN);
  const s2Term = new Float64Array(depth).fill(NaN);
  const weightTerms = new Float64Array(Math.max(steps, 0));
  const biasTerms = new Float64Array(Math.max(steps, 0));
  const maxInc = new Float64Array(Math.max(steps, 0));
  const reluLayer = new Uint8Array(Math.max(lastNumber, 0));
  let denseSteps = 0, residualSteps = 0;
  const overflow: OverflowFinding[] = [];
  const boundViolations: string[] = [];
  const sub = mNorm === '2' ? '₂' : mNorm === '1' ? '₁' : mNorm === 'inf' ? '∞' : 'F';

  // affine families step without forming W_k; their norms come from closed forms (checked against the generated layers)
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

  // ── σ_min of the run's weight product: closed form for one normal-M family, else explicit within a budget ──
  const runGroups = groups.map((g, gi) => ({ g, gi })).filter(({ g }) => steps > 0 && g.start <= last && g.start + g.count - 1 >= first);
  const single = runGroups.length === 1 ? affine[runGroups[0].gi] : null;
  let productMode: 'closed-form' | 'explicit' | 'none' = 'none';
  let runProductSkipped: string | null = null;
  if (steps <= 0) runProductSkipped = 'no analysed run';
  else if (single && familyTermsVanish(single.step, single.terms)) runProductSkipped = 'σ_min of Π W_k not needed: the family\'s ‖W_k − I‖ and ‖b_k‖ tend to 0 by their scale laws, so the necessary condition cannot fail';
  else if (single && single.terms.productClosedForm) productMode = 'closed-form';
  else if (width ** 3 * steps <= RUN_PRODUCT_BUDGET) productMode = 'explicit';
  else runProductSkipped = `σ_min of Π W_k not computed: forming the product costs width³ × layers = ${(width ** 3 * steps).toExponential(1)} multiply-adds, above the budget of ${RUN_PRODUCT_BUDGET.toExponential(0)}`;
  const moduli = productMode === 'closed-form' ? new Float64Array(width) : null;
  let Q: DenseMatrix | null = productMode === 'explicit' ? identityMatrix(width) : null;
  let productSpare: DenseMatrix | null = null;
  let qLog = 0;
  const productSigma = new Float64Array(sigmaDepths.length).fill(NaN);
  let sigmaAt = 0;

  // ── probe state ──
  const R = recorded.length;
  const B = blocks.from.length;
  const cur: Float64Array[] = probes.map((p) => Float64Array.from(p.x));
  const nxt: Float64Array[] = probes.map((p) => new Float64Array(p.x.length));
  const state: ProbeWalk[] = probes.map((p) => ({
    values: [], norms: new Float64Array(R), increments: new Float64Array(R).fill(NaN), stepInc: new Float64Array(Math.max(steps, 0)),
    tailInactive: 0, tailLength: 0, tailStart: Float64Array.from(p.x), last: p.x, oscillation: new Float64Array(B), displacement: new Float64Array(B),
    lastBlockMovement: NaN, windowDisplacement: NaN, faces: trackPP ? { d, logScale: 0, minLogRadius: Infinity } : null, logSigma: new Float64Array(sigmaDepths.length).fill(NaN),
    pp: trackPP ? { G: augmentedIdentity(d), logScale: 0, recDiff: new Float64Array(R).fill(NaN), recLogNorm: new Float64Array(R).fill(NaN), plain: Float64Array.from(p.x), plainSpare: new Float64Array(0), forwardResidual: 0 } : null,
  }));
  const windowInc = new Float64Array(P).fill(NaN);
  /** ‖N_{k−1}(x)‖ per probe (the previous step's output norm), for the bound check */
  const prevNorm = Float64Array.from(probes, (p) => vectorNorm(p.x, mNorm));
  const ppWindow = new Float64Array(P).fill(NaN);
  const spare: (DenseMatrix | null)[] = probes.map(() => null);
  // block bookkeeping: the start vector N_{from−1} of the current block, per probe
  let block = 0;
  const blockStart: Float64Array[] = probes.map((p) => Float64Array.from(p.x));
  const halfway = Math.floor(lastNumber / 2);
  const atHalf: (Float64Array | null)[] = probes.map(() => null);
  const windowStart = sigmaDepths.length > 0 ? sigmaDepths[0] : -1;
  const atWindowStart: (Float64Array | null)[] = probes.map(() => null);
  const trajectoryOverflow = new Uint8Array(P), offsetOverflow = new Uint8Array(P);
  let termsOverflow = false;

  let r = 0;
  const record = (k: number) => {
    while (r < R && recorded[r] === k) {
      for (let p = 0; p < P; p++) {
        const s = state[p];
        s.values.push(cur[p].slice());
        s.norms[r] = vectorNorm(cur[p], mNorm);
        s.increments[r] = windowInc[p];
        windowInc[p] = NaN;
        if (s.pp) {
          s.pp.recLogNorm[r] = s.pp.logScale + Math.log(linearPartFro(s.pp.G));
          s.pp.recDiff[r] = ppWindow[p];
          ppWindow[p] = NaN;
        }
      }
      r++;
    }
    if (k === tailFrom - 1) for (let p = 0; p < P; p++) state[p].tailStart = cur[p].slice();
    if (k === halfway) for (let p = 0; p < P; p++) atHalf[p] = cur[p].slice();
    if (k === windowStart) for (let p = 0; p < P; p++) atWindowStart[p] = cur[p].slice();
    if (block < B && k === blocks.from[block] - 1) for (let p = 0; p < P; p++) blockStart[p] = cur[p].slice();
    while (sigmaAt < sigmaDepths.length && sigmaDepths[sigmaAt] < k) sigmaAt++;
    if (sigmaAt < sigmaDepths.length && sigmaDepths[sigmaAt] === k) {
      evaluateSigma(sigmaAt, k);
      sigmaAt++;
    }
  };
  const evaluateSigma = (slot: number, k: number) => {
    if (k < firstNumber - 1) return;
    if (k === firstNumber - 1) productSigma[slot] = 0; // the empty product I
    else if (moduli) { let m = Infinity; for (const v of moduli) m = Math.min(m, v); productSigma[slot] = m; }
    else if (Q) productSigma[slot] = qLog + Math.log(minSingular(Q));
    if (d < width) return; // P_k has rank ≤ d < m: σ_m(P_k) = 0 by shape
    for (let p = 0; p < P; p++) {
      const pp = state[p].pp;
      if (!pp || trajectoryOverflow[p]) continue;
      const lin = linearPart(pp.G);
      const sv = singularValues(lin);
      state[p].logSigma[slot] = pp.logScale + Math.log(sv.length >= width ? sv[width - 1] : 0);
    }
  };
  record(0);

  let pre = new Float64Array(d);
  const batchInactive = new Int32Array(P);
  // one reusable plain layer per family step (its W_k and b_k are rewritten every layer)
  const familyLayers = new Map<AffineStep, DenseLayer>();
  const familyLayer = (step: AffineStep): DenseLayer => {
    let l = familyLayers.get(step);
    if (!l) familyLayers.set(step, l = { kind: 'dense', weights: { rows: step.m, cols: step.m, data: new Float64Array(step.m * step.m) }, bias: new Float64Array(step.m), activation: step.relu ? 'relu' : 'linear' });
    return l;
  };
  // the width² scratch of ‖W_k − I‖, allocated only when a dense layer needs it (never for residual runs)
  let workBuf: Float64Array | undefined;
  const scratch = (): Float64Array => (workBuf ??= new Float64Array(width * width));
  let gi = 0;
  let workSinceCheck = 0;
  for (let i = 0; i <= last; i++) {
    workSinceCheck += network.inWidth(i) * network.outWidth(i) * (1 + P) + (Q ? width ** 3 : 0);
    if (i % CHECKPOINT_EVERY === 0 || workSinceCheck > CHECKPOINT_WORK) {
      checkpoint(ctx, i / (last + 1), `convergence: layer ${i + 1} of ${last + 1}`);
      workSinceCheck = 0;
    }
    while (gi < groups.length - 1 && groups[gi].start + groups[gi].count <= i) gi++;
    const fam = groups[gi] && groups[gi].start <= i ? affine[gi] : null;
    const k = i + 1;
    const inRun = i >= first;
    const inTail = inRun && k >= tailFrom;
    let layer: Layer | null = null, s = 0, t = 0;
    if (fam) {
      const j = i - groups[gi].start + 1;
      s = scaleAt(fam.terms.family.weightScale, j);
      t = scaleAt(fam.terms.family.biasScale, j);
      if (inRun) { normWminusI[i] = fam.terms.normWminusI(s, scratch()); normB[i] = fam.terms.normB(t); }
    } else {
      layer = network.layer(i);
      if (inRun && layer.kind === 'dense') {
        const terms = denseTerms(layer, mNorm, scratch(), ctx);
        normWminusI[i] = terms.normWminusI; normB[i] = terms.normB;
      } else if (inRun && layer.kind === 'residual') {
        const terms = residualTerms(layer, mNorm, ctx);
        s1Term[i] = terms.s1; s2Term[i] = terms.s2;
      }
    }
    const isBlock = layer?.kind === 'residual';
    reluLayer[i] = (fam ? fam.step.relu : layer!.activation === 'relu') ? 1 : 0;
    const j = i - first;
    if (inRun) {
      if (!isBlock) { weightTerms[j] = normWminusI[i]; biasTerms[j] = normB[i]; denseSteps++; } else { weightTerms[j] = s1Term[i]; biasTerms[j] = s2Term[i]; residualSteps++; }
      if (!termsOverflow && !(Number.isFinite(weightTerms[j]) && Number.isFinite(biasTerms[j]))) {
        termsOverflow = true;
        const which = !Number.isFinite(weightTerms[j]) ? (isBlock ? `the S1 term a_${k} ${beyondFloat64(weightTerms[j])}` : `‖W_${k} − I‖${sub} ${beyondFloat64(weightTerms[j])}`) : (isBlock ? `the S2 term β_${k} ${beyondFloat64(biasTerms[j])}` : `‖b_${k}‖ ${beyondFloat64(biasTerms[j])}`);
        overflow.push({ layer: k, quantity: 'terms', detail: which });
      }
      // the run's weight product
      if (moduli && fam) fam.terms.accumulateLogModuli(s, moduli);
      else if (Q) {
        if (isBlock) { Q = null; runProductSkipped = 'σ_min of Π W_k not computed: the run has residual blocks'; productSigma.fill(NaN); } else {
          const next = productSpare && productSpare.data.length === Q.data.length ? productSpare : { rows: width, cols: width, data: new Float64Array(width * width) };
          if (fam) familyTimesInto(fam.step, s, Q, next); else multiplyInto((layer as DenseLayer).weights, Q, next);
          productSpare = Q;
          Q = next;
          qLog += renormalizeSquare(Q);
        }
      }
    }
    const plainLayer = !trackPP ? null : layer ?? (fam ? fam.step.layerInto(s, t, familyLayer(fam.step)) : network.layer(i));

    const outW = network.outWidth(i);
    const sameWidth = network.inWidth(i) === outW;
    if (pre.length !== outW) pre = new Float64Array(outW);
    for (let p = 0; p < P; p++) if (nxt[p].length !== outW) nxt[p] = new Float64Array(outW);
    // a family or dense step without P_k needs no pre-activations: all probes at once (M or W read once for four)
    const batched = !trackPP && P > 1 && (fam !== null || layer?.kind === 'dense');
    if (batched && fam) fam.step.forwardMany(s, t, P, cur, nxt, batchInactive);
    else if (batched) denseForwardMany(layer as DenseLayer, P, cur, nxt, batchInactive);
    for (let p = 0; p < P; p++) {
      const st = state[p];
      const x = cur[p];
      const y = nxt[p];
      let inactive: number;
      const pp = st.pp;
      const before = pp ? pp.G : null;
      if (st.faces && pp) st.faces.logScale = pp.logScale;
      if (batched) {
        inactive = batchInactive[p];
      } else if (fam) {
        inactive = fam.step.forward(s, t, x, pre, y);
        if (pp && before) {
          const out = spare[p] && spare[p]!.data.length === before.data.length ? spare[p]! : { rows: before.rows, cols: before.cols, data: new Float64Array(before.data.length) };
          fam.step.push(s, t, before, pre, out, st.faces ?? undefined);
          pp.G = out;
          spare[p] = before;
        }
      } else if (layer!.kind === 'dense') {
        inactive = denseForward(layer as DenseLayer, x, pre, y);
        if (pp && before) pp.G = pushAffineDense(layer as DenseLayer, before, pre, st.faces ?? undefined);
      } else {
        const res = residualForward(layer as ResidualBlock, x, y);
        inactive = res.inactive;
        if (pp && before) { pp.G = pushAffineResidual(layer as ResidualBlock, before, res.pattern); if (st.faces) st.faces.minLogRadius = NaN; }
      }
      if (pp && before) {
        if (sameWidth && before.rows === pp.G.rows) {
          const diff = Math.exp(pp.logScale) * linearPartDiffFro(pp.G, before);
          if (!(ppWindow[p] >= diff)) ppWindow[p] = diff;
        }
        pp.logScale += renormalizeLinearPart(pp.G);
        if (!offsetOverflow[p]) {
          const c = pp.G.cols;
          for (let row = 0; row < pp.G.rows; row++) {
            const v = pp.G.data[row * c + c - 1];
            if (!Number.isFinite(v)) { offsetOverflow[p] = 1; overflow.push({ layer: k, quantity: 'offset', probe: probes[p].name, detail: `the offset q_${k} of the affine map at ${probes[p].name}, coordinate ${row + 1} ${beyondFloat64(v)}` }); break; }
          }
        }
        if (plainLayer) {
          // the plain pass ping-pongs between two buffers (10⁵ steps × probes would otherwise each allocate)
          const next = applyLayerInto(plainLayer, pp.plain, pp.plainSpare);
          if (next === pp.plainSpare) pp.plainSpare = pp.plain;
          else if (pp.plainSpare.length !== next.length) pp.plainSpare = new Float64Array(next.length);
          pp.plain = next;
          const dev = maxAbsDiff(y, pp.plain) / Math.max(1, vectorNorm(pp.plain, 'inf'));
          if (!(pp.forwardResidual >= dev)) pp.forwardResidual = dev; // NaN sticks
        }
      }
      const ny = vectorNorm(y, mNorm);
      if (!trajectoryOverflow[p] && !Number.isFinite(ny)) {
        for (let c = 0; c < y.length; c++) {
          if (!Number.isFinite(y[c])) {
            trajectoryOverflow[p] = 1;
            overflow.push({ layer: k, quantity: 'trajectory', probe: probes[p].name, detail: `N_${k}(x) at ${probes[p].name}, coordinate ${c + 1} ${beyondFloat64(y[c])}` });
            break;
          }
        }
      }
      if (inTail && inactive > 0) st.tailInactive++;
      let inc = NaN;
      if (sameWidth) {
        inc = vectorNormOfDiff(y, x, mNorm);
        if (!(windowInc[p] >= inc)) windowInc[p] = inc;
      }
      if (inRun) {
        st.stepInc[j] = inc;
        if (!(maxInc[j] >= inc)) maxInc[j] = inc;
        if (inTail) st.tailLength += inc;
        // ‖N_k − N_{k−1}‖ ≤ w_k‖N_{k−1}‖ + β_k wherever its hypothesis holds (linear step or N_{k−1} ≥ 0): a rigorous check
        if (sameWidth && boundViolations.length < 3 && Number.isFinite(inc) && (reluLayer[i] === 0 || (i > 0 && reluLayer[i - 1] === 1) || nonNegative(x))) {
          const nx = prevNorm[p];
          const bound = weightTerms[j] * nx + biasTerms[j];
          if (inc > bound * (1 + 1e-9) + 1e-12 * Math.max(nx, ny)) {
            boundViolations.push(`internal check failed at ${probes[p].name}, layer ${k}: ‖N_k − N_{k−1}‖ = ${fmt(inc)} exceeds w_k‖N_{k−1}‖ + β_k = ${fmt(bound)} (MATH.md §A) — a bug in Depth Lens`);
          }
        }
        prevNorm[p] = ny;
        // dyadic blocks of the run: oscillation within the block, displacement at its end
        if (block < B && k >= blocks.from[block]) {
          const dist = vectorNormOfDiff(y, blockStart[p], mNorm);
          if (!(st.oscillation[block] >= dist)) st.oscillation[block] = dist;
          if (k === blocks.to[block]) st.displacement[block] = dist;
        }
      }
      if (!inRun) prevNorm[p] = ny;
      nxt[p] = x;
      cur[p] = y;
    }
    if (block < B && k === blocks.to[block]) {
      block++;
    }
    record(k);
  }
  for (let p = 0; p < P; p++) {
    const st = state[p];
    st.last = cur[p];
    const half = atHalf[p];
    st.lastBlockMovement = half && half.length === cur[p].length ? vectorNormOfDiff(cur[p], half, mNorm) : NaN;
    const w0 = atWindowStart[p];
    st.windowDisplacement = w0 && w0.length === cur[p].length ? vectorNormOfDiff(cur[p], w0, mNorm) : NaN;
  }
  const runProduct = productMode !== 'none' && (moduli || Q) ? {
    method: productMode === 'closed-form'
      ? 'closed form: M is normal, so σ_min(Π_k (aI + s_k M)) = min_i Π_k |a + s_k λ_i(M)| (ln form)'
      : `explicit product Π W_k carried as e^L·Q̂ (width³ = ${width ** 3} multiply-adds per layer), σ_min by one-sided Jacobi at the block ends`,
    logSigmaMin: productSigma,
  } : null;
  return {
    normWminusI, normB, s1Term, s2Term, weightTerms, biasTerms, maxInc, reluLayer, denseSteps, residualSteps, methods,
    probes: state, runProduct, runProductSkipped: runProduct ? null : runProductSkipped ?? 'σ_min of Π W_k not computed', overflow, boundViolations,
  };
}

/** W_k = I + s_k M, b_k = t_k v with s, t → 0 (or M, v = 0): both terms tend to 0 by the family's own law. */
function familyTermsVanish(step: AffineStep, terms: AffineFamilyTerms): boolean {
  const f = terms.family;
  const decays = (zero: boolean, law: { power: number }) => zero || law.power < 0;
  return step.identity === 1 && decays(step.matrix.every((v) => v === 0), f.weightScale) && decays(step.vector.every((v) => v === 0), f.biasScale);
}

function nonNegative(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] < 0) return false;
  return true;
}

/** ‖a − b‖ in the vector norm paired with `norm`, without allocating. */
export function vectorNormOfDiff(a: Float64Array, b: Float64Array, norm: MatrixNorm): number {
  let s = 0;
  if (norm === '1') { for (let t = 0; t < a.length; t++) s += Math.abs(a[t] - b[t]); return s; }
  if (norm === 'inf') { for (let t = 0; t < a.length; t++) s = Math.max(s, Math.abs(a[t] - b[t])); return s; }
  let scale = 0;
  // four partial sums (entries t mod 4), added as (s0 + s1) + (s2 + s3): the walk takes two or three
  // such norms per probe and layer, and one running sum waits on every add
  const n = a.length;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t = 0;
  for (; t + 3 < n; t += 4) {
    const e0 = a[t] - b[t], e1 = a[t + 1] - b[t + 1], e2 = a[t + 2] - b[t + 2], e3 = a[t + 3] - b[t + 3];
    s0 += e0 * e0; s1 += e1 * e1; s2 += e2 * e2; s3 += e3 * e3;
  }
  for (; t < n; t++) { const e = a[t] - b[t]; s0 += e * e; }
  s = (s0 + s1) + (s2 + s3);
  if (Number.isFinite(s) || Number.isNaN(s)) return Math.sqrt(s);
  // squares overflowed: rescale (the difference itself may still be finite)
  for (let t = 0; t < a.length; t++) scale = Math.max(scale, Math.abs(a[t] - b[t]));
  if (!Number.isFinite(scale)) return scale;
  s = 0;
  for (let t = 0; t < a.length; t++) { const e = (a[t] - b[t]) / scale; s += e * e; }
  return scale * Math.sqrt(s);
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

function identityMatrix(m: number): DenseMatrix {
  const data = new Float64Array(m * m);
  for (let i = 0; i < m; i++) data[i * m + i] = 1;
  return { rows: m, cols: m, data };
}

/** The first d columns of G = [P̂ | q] as an m × d matrix. */
function linearPart(G: DenseMatrix): DenseMatrix {
  const d = G.cols - 1;
  const data = new Float64Array(G.rows * d);
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < d; j++) data[i * d + j] = G.data[i * G.cols + j];
  return { rows: G.rows, cols: d, data };
}

function minSingular(Q: DenseMatrix): number {
  const sv = singularValues(Q);
  return sv.length > 0 ? sv[sv.length - 1] : 0;
}

/** out = A·Q (square, m×m): the tuned GEMM for wide products, a plain loop into `out` for narrow ones (no allocation per layer). */
function multiplyInto(A: DenseMatrix, Q: DenseMatrix, out: DenseMatrix): void {
  const m = Q.rows;
  if (m > 16) { out.data.set(matMul(A, Q).data); return; }
  const a = A.data, q = Q.data, o = out.data;
  o.fill(0);
  for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) {
    const aik = a[i * m + k];
    if (aik === 0) continue;
    for (let j = 0; j < m; j++) o[i * m + j] += aik * q[k * m + j];
  }
}

/** out = (aI + sM)·Q for an affine family step (one product with M). */
function familyTimesInto(step: AffineStep, s: number, Q: DenseMatrix, out: DenseMatrix): void {
  const m = step.m;
  if (s !== 0) multiplyInto(step.matrixView, Q, out); else out.data.fill(0);
  for (let t = 0; t < m * m; t++) out.data[t] = step.identity * Q.data[t] + s * out.data[t];
}

/** Keep a square product within [1e-100, 1e100]; returns ln of the factor taken out. */
function renormalizeSquare(Q: DenseMatrix): number {
  let m = 0;
  for (const v of Q.data) { const a = Math.abs(v); if (a > m) m = a; }
  if (m === 0 || (m >= 1e-100 && m <= 1e100) || !Number.isFinite(m)) return 0;
  for (let t = 0; t < Q.data.length; t++) Q.data[t] /= m;
  return Math.log(m);
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
