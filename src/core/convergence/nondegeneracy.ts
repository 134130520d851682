/**
 * The necessary condition's non-degeneracy assumption, checked for what it says (MATH.md §A):
 *
 *   on an open set U every neuron is eventually active (J_k = I), and the linear part P_n of N_n on U
 *   (width m × input dim d) tends to a matrix of rank m.
 *
 * Then convergence on U forces W_n → I and b_n → 0: (W_n − I)P_{n−1} = P_n − P_{n−1} → 0 with P_{n−1}
 * of rank m. Observed at the probes: every neuron active on the tail and a positive stability radius
 * give U (a ball on which the pattern, hence N_n = P_n x + q_n, is fixed); σ_m(P_n) at the dyadic block
 * ends of the tail says whether P_n keeps rank m — its per-block shrinkage
 * max(0, ln σ(start) − ln σ(end)) must be summable (same decision as every series). The run's weight
 * product Π W_k is checked the same way: σ_min → 0 there makes σ_m(P_n) → 0 too.
 */
import type { NecessaryVerdict, NonDegeneracyEvidence, SummabilityDecision } from '../../shared/analyses/convergence';
import { fmt } from './format';
import { layerSpan } from './runs';
import { fixedDecision } from './series';
import { type BlockGeometry, decideSummability, decisionWindow } from './summability';

/** Per-block shrinkage of ln σ below this is rounding (σ of I is 1 to the last bit, but not every product is exact). */
const SHRINK_TOLERANCE = 1e-9;

export interface NonDegeneracyInputs {
  readonly inputDim: number;
  readonly width: number;
  readonly tail: { readonly from: number; readonly to: number };
  readonly blocks: BlockGeometry;
  readonly sigmaDepths: readonly number[];
  readonly runProduct: { readonly method: string; readonly logSigmaMin: Float64Array } | null;
  readonly runProductSkipped: string | null;
  readonly trackPP: boolean;
  readonly probes: ReadonlyArray<{
    readonly name: string; readonly x: Float64Array; readonly allActiveOnTail: boolean; readonly logStabilityRadius: number;
    readonly logSigma: Float64Array; readonly overflowLayer: number | null;
  }>;
  readonly confidence: number;
}

export type Assumption = NecessaryVerdict['assumption'];

/**
 * Summability of the per-block shrinkage of ln σ given at the decision window's depths (block ends):
 * 'holds' ⇔ σ stays away from 0, 'fails' ⇔ σ → 0. Null when a value is missing.
 */
export function shrinkageDecision(logSigma: Float64Array, g: BlockGeometry, confidence: number): SummabilityDecision | null {
  const { blocks } = decisionWindow(g);
  if (blocks.length === 0 || logSigma.length !== blocks.length + 1) return null;
  for (const v of logSigma) if (Number.isNaN(v) || v === Infinity) return null;
  const sums = new Float64Array(g.from.length).fill(NaN);
  blocks.forEach((b, i) => {
    const drop = logSigma[i] - logSigma[i + 1];
    sums[b] = logSigma[i + 1] === -Infinity ? Infinity : drop > SHRINK_TOLERANCE ? drop : 0;
  });
  if (sums.some((v) => v === Infinity)) return fixedDecision(g, 'fails', 'bounded-below', 'not summable: the matrix is singular (σ = 0) at a block end', sums);
  return decideSummability(sums, g, { confidence });
}

export function checkNonDegeneracy(inp: NonDegeneracyInputs): { assumption: Assumption; evidence: NonDegeneracyEvidence } {
  const depths = Float64Array.from(inp.sigmaDepths);
  const runShrink = inp.runProduct ? shrinkageDecision(inp.runProduct.logSigmaMin, inp.blocks, inp.confidence) : null;
  const probes = inp.probes.map((p) => ({
    name: p.name,
    allActiveOnTail: p.allActiveOnTail,
    logStabilityRadius: p.logStabilityRadius,
    depths: inp.trackPP && inp.inputDim >= inp.width ? depths : new Float64Array(0),
    logSigma: inp.trackPP && inp.inputDim >= inp.width ? p.logSigma : new Float64Array(0),
    shrinkage: inp.trackPP && inp.inputDim >= inp.width && p.overflowLayer === null ? shrinkageDecision(p.logSigma, inp.blocks, inp.confidence) : null,
  }));
  const evidence: NonDegeneracyEvidence = {
    inputDim: inp.inputDim, width: inp.width,
    runProduct: inp.runProduct && runShrink ? { method: inp.runProduct.method, depths, logSigmaMin: inp.runProduct.logSigmaMin, shrinkage: runShrink } : null,
    runProductSkipped: inp.runProduct && runShrink ? null : inp.runProductSkipped ?? 'σ_min of Π W_k not evaluated (too few layers for a block decision)',
    probes,
  };
  const tail = layerSpan(inp.tail.from, inp.tail.to);
  const lastDepth = depths.length > 0 ? depths[depths.length - 1] : inp.tail.to;
  const lnText = (v: number) => (v === -Infinity ? '−∞ (singular)' : fmt(v));
  if (inp.inputDim < inp.width) {
    return { evidence, assumption: { status: 'violated', reason: `the input has dimension ${inp.inputDim} < width ${inp.width}: the network's linear part P_n (${inp.width} × ${inp.inputDim}) has rank ≤ ${inp.inputDim} < ${inp.width}, so convergence on an open set forces W_k → I only on a ${inp.inputDim}-dimensional subspace` } };
  }
  if (runShrink && runShrink.status === 'fails') {
    return { evidence, assumption: { status: 'violated', reason: `the run's weight product collapses: ln σ_min(W_n···W_first) = ${lnText(inp.runProduct!.logSigmaMin[inp.runProduct!.logSigmaMin.length - 1])} at layer ${lastDepth}, and its shrinkage per dyadic block is ${runShrink.reason}; so σ_m(P_n) → 0 and the limit of the linear part is singular` } };
  }
  const active = inp.probes.filter((p) => p.allActiveOnTail);
  if (active.length === 0) {
    return { evidence, assumption: { status: 'unknown', reason: `every probe has inactive neurons on the tail (${tail}), so "all neurons eventually active on an open set" is not observed` } };
  }
  const overflowed = active.filter((p) => p.overflowLayer !== null);
  if (overflowed.length === active.length) {
    return { evidence, assumption: { status: 'unknown', reason: `cannot decide: the trajectory at ${overflowed.map((p) => p.name).join(', ')} overflows float64 at layer ${Math.min(...overflowed.map((p) => p.overflowLayer!))}` } };
  }
  if (!inp.trackPP) {
    return { evidence, assumption: { status: 'unknown', reason: `every neuron is active on the tail at ${active.map((p) => p.name).join(', ')}, but the partial products P_k were not tracked (see the notes), so whether P_n keeps rank ${inp.width} is not known` } };
  }
  const open = active.filter((p) => p.overflowLayer === null && p.logStabilityRadius > Math.log(1e-12 * (1 + maxAbs(p.x))));
  if (open.length === 0) {
    return { evidence, assumption: { status: 'unknown', reason: `every neuron is active on the tail at ${active.map((p) => p.name).join(', ')}, but each of these probes lies on a face of its activation domain (stability radius ≤ 1e-12), so no open set is seen` } };
  }
  const radius = (name: string) => { const r = inp.probes.find((p) => p.name === name)!.logStabilityRadius; return r === Infinity ? 'no face' : `stability radius ${fmt(Math.exp(r))}`; };
  const decided = open.map((p) => ({ p, d: probes.find((q) => q.name === p.name)!.shrinkage }));
  const holding = decided.filter((x) => x.d?.status === 'holds');
  if (holding.length > 0) {
    const x = holding[0];
    const ls = x.p.logSigma[x.p.logSigma.length - 1];
    const product = evidence.runProduct ? `; σ_min(W_n···W_first) stays away from 0 too (${evidence.runProduct.shrinkage.reason})` : '';
    return { evidence, assumption: { status: 'satisfied', reason: `observed: at ${holding.map((h) => h.p.name).join(', ')} every neuron is active on ${tail} (${radius(x.p.name)}), and the linear part keeps rank ${inp.width}: ln σ_${inp.width}(P_n) = ${lnText(ls)} at layer ${lastDepth}, its shrinkage per dyadic block ${x.d!.reason.replace(/^summable: /, 'summable — ')}${product}` } };
  }
  if (decided.every((x) => x.d?.status === 'fails')) {
    const x = decided[0];
    return { evidence, assumption: { status: 'violated', reason: `at ${decided.map((h) => h.p.name).join(', ')} every neuron is active on the tail, but the linear part loses rank: ln σ_${inp.width}(P_n) = ${lnText(x.p.logSigma[x.p.logSigma.length - 1])} at layer ${lastDepth}, its shrinkage per dyadic block ${x.d!.reason.replace(/^not summable: /, 'not summable — ')}, so σ_${inp.width}(P_n) → 0 and the limit is singular` } };
  }
  const why = decided.map((x) => `${x.p.name}: ${x.d ? x.d.reason : 'σ not evaluated'}`).join('; ');
  return { evidence, assumption: { status: 'unknown', reason: `every neuron is active on the tail at ${open.map((p) => p.name).join(', ')}, but whether σ_${inp.width}(P_n) stays away from 0 is not decided (${why})` } };
}

function maxAbs(x: Float64Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}
