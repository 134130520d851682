/**
 * The three verdicts of the convergence analysis (holds / fails / inconclusive), each with a one-line
 * headline, the deciding numbers, the theorem it rests on and its assumptions (MATH.md §A, §B):
 *
 * - sufficient: Σ w_k < ∞ and Σ β_k < ∞ (dense: ‖W_k − I‖, ‖b_k‖; ResNets: S1, S2), each decided on
 *   its dyadic block sums (summability.ts). Basis: extrapolated.
 * - necessary: convergence on an open set ⇒ W_k → I and b_k → 0, under non-degeneracy. 'fails' only
 *   when a term stays ≥ τ without decaying AND the assumption is established (nondegeneracy.ts).
 * - pointwise: what the probes show. N_k(x) is Cauchy iff its block oscillations O_j tend to 0; Σ O_j
 *   < ∞ ⇒ holds. 'fails' when O_j do not shrink, or are not summable while the block displacements
 *   add up. When the sufficient condition holds, its theorem covers every x: pointwise then holds
 *   (implied) whatever the finite trajectories look like, and can never fail.
 *
 * The mathematics rules out some combinations (sufficient holds with necessary or pointwise failing);
 * `consistencyProblems` reports any such result as a bug in Depth Lens.
 */
import type { LayerGroup } from '../network/model';
import { fmt, fmtExponent } from './format';
import type { Assumption } from './nondegeneracy';
import type {
  ConvergenceResult, LayerRangeReport, NecessaryVerdict, PowerLawFit, SeriesSummary, SummabilityDecision, Verdict, VerdictStatus,
} from '../../shared/analyses/convergence';

export type ConvergenceBase = Omit<ConvergenceResult, 'verdicts' | 'consistency'>;

/** decay exponents below this count as "not decaying" (and above it as decaying to 0) */
export const DECAY_EXPONENT = 0.1;
/** non-summable block displacements "add up" when the net displacement is at least this fraction of their sum */
export const COHERENT_FRACTION = 0.5;

interface VerdictInputs {
  readonly threshold: number;
  readonly groups: readonly LayerGroup[];
  readonly weightTerms: Float64Array;
  readonly biasTerms: Float64Array;
  readonly assumption: Assumption & { evidence: NecessaryVerdict['evidence'] };
}

export function buildVerdicts(base: ConvergenceBase, inputs: VerdictInputs): ConvergenceResult['verdicts'] {
  const sufficient = sufficientVerdict(base);
  return { sufficient, necessary: necessaryVerdict(base, inputs), pointwise: pointwiseVerdict(base, sufficient) };
}

/**
 * Combinations the mathematics rules out: each is a bug in Depth Lens, never a finding about the
 * network (sufficient holds ⇒ w_k → 0 and every N_k(x) converges).
 */
export function consistencyProblems(v: ConvergenceResult['verdicts']): string[] {
  const out: string[] = [];
  if (v.sufficient.status === 'holds' && v.pointwise.status === 'fails') out.push('internal inconsistency (a bug in Depth Lens): the sufficient condition holds but the pointwise verdict fails');
  if (v.sufficient.status === 'holds' && v.necessary.status === 'fails') out.push('internal inconsistency (a bug in Depth Lens): the sufficient condition holds (so w_k → 0) but the necessary condition fails');
  return out;
}

export function fitText(fit: PowerLawFit): string {
  const layers = fit.from === fit.to ? `layer ${fit.from}` : `layers ${fit.from}–${fit.to}`;
  if (fit.kind === 'zero') return `all ${fit.zeros} terms on ${layers} are exactly 0`;
  if (fit.kind === 'insufficient') return `too few terms on ${layers} to fit a tail (${fit.points} positive, ${fit.zeros} zero; a fit needs at least ${Math.max(3, fit.minPoints)})`;
  return `terms ≈ C·k^(−p), p = ${fmtExponent(fit.p)}, ${Math.round(fit.confidence * 100)}% interval [${fmtExponent(fit.lo)}, ${fmtExponent(fit.hi)}] (fit on ${layers}, ${fit.points} points)`;
}

/** "p = 2.00" / "Bertrand q = 0.98" / "all 0": the number that decided, for headlines. */
export function decidingNumber(d: SummabilityDecision): string {
  if (d.kind === 'zero-tail') return 'exactly 0 at the end';
  if (d.kind === 'overflow') return d.reason.replace(/^cannot decide: /, '');
  if (d.kind === 'too-few') return `${d.window.blocks} block${d.window.blocks === 1 ? '' : 's'}`;
  if (d.kind === 'bertrand') return `p ≈ 1, Bertrand q = ${fmtExponent(d.q)}`;
  if (!Number.isFinite(d.p)) return d.kind === 'bounded-below' ? 'the block sums do not shrink' : 'no model fitted';
  return `p = ${fmtExponent(d.p)}`;
}

function seriesText(s: SeriesSummary, first: number, last: number): string {
  const ext = s.extrapolatedTail !== null ? `; extrapolated tail beyond layer ${last} ≈ ${fmt(s.extrapolatedTail)}` : '';
  // finite terms whose sum leaves float64 have no exact sum to print: say so instead of "∞"
  const sum = Number.isFinite(s.sum) ? `= ${fmt(s.sum)} (exact over the layers present)` : 'overflows float64 (above 1.8e308)';
  return `${s.label} over layers ${first}–${last} ${sum}; ${s.decision.reason}${ext}`;
}

function seriesName(s: SeriesSummary): string {
  return s.label.split(' =')[0];
}

function sufficientVerdict(b: ConvergenceBase): Verdict {
  const { weight, bias } = b.series;
  const { first, last } = b.sequence;
  const resnet = b.kind === 'residual';
  const theorem = resnet
    ? 'MATH.md §B: if (S1) Σ_n Π_k ‖W^(n,k)‖ < ∞ and (S2) Σ_n Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖ < ∞, then x_n converges for every input (from ‖x_n − x_{n−1}‖ ≤ a_n‖x_{n−1}‖ + β_n).'
    : b.kind === 'mixed'
      ? 'MATH.md §A and §B combined: if Σ w_k < ∞ and Σ β_k < ∞ (w = ‖W_k − I‖ for dense layers, a_n for residual blocks; β = ‖b_k‖ or the S2 term), then N_k(x) converges for every x.'
      : 'MATH.md §A (derived): if Σ‖W_k − I‖ < ∞ and Σ‖b_k‖ < ∞, then N_k(x) converges for every x, uniformly on bounded sets.';
  const assumptions =
    `Fixed width ${b.sequence.width} on layers ${first}–${last}; ReLU or linear layers, so N_{k−1} ≥ 0 after the first ReLU layer; ` +
    `operator norm ${b.norm} with the ${b.vectorNorm} vector norm. A file has finitely many layers, so its sums are always finite: ` +
    'whether the infinite series converge is decided on dyadic block sums B_j (zeros included) on the scale k^(−p)(ln k)^(−q) — ' +
    'summable iff p > 1, or p = 1 and q > 1; within 0.02 of p = 1 the Bertrand exponent q decides, and q within 0.15 of 1 stays undecided.';
  const numbers: Record<string, number> = {
    sumW: weight.sum, sumB: bias.sum, pW: weight.decision.p, loW: weight.decision.pLo, hiW: weight.decision.pHi,
    qW: weight.decision.q, pB: bias.decision.p, loB: bias.decision.pLo, hiB: bias.decision.pHi, qB: bias.decision.q,
  };
  if (b.kind === 'none') return { status: 'inconclusive', headline: 'Inconclusive: no width-preserving layers to analyse', reason: 'No width-preserving layers: there is no depth sequence.', theorem, assumptions, basis: 'observed', numbers };
  const overflow = weight.overflow ?? bias.overflow;
  if (overflow) {
    return {
      status: 'inconclusive', undecidable: 'overflow', theorem, assumptions, basis: 'observed', numbers,
      headline: `Cannot decide: overflows float64 at layer ${overflow.layer}`,
      reason: `Cannot decide: ${overflow.detail} overflows float64 at layer ${overflow.layer}; no sum, fit or bound is drawn from it.`,
    };
  }
  const sw = weight.summable, sb = bias.summable;
  const status: VerdictStatus = sw === 'holds' && sb === 'holds' ? 'holds' : sw === 'fails' || sb === 'fails' ? 'fails' : 'inconclusive';
  const [wn, bn] = [seriesName(weight), seriesName(bias)];
  let headline: string;
  if (status === 'holds') headline = `Holds: ${wn} and ${bn} are summable (${decidingNumber(weight.decision)}; ${decidingNumber(bias.decision)})`;
  else if (status === 'fails') {
    const f = sw === 'fails' ? weight : bias;
    headline = `Fails: ${seriesName(f)} is not summable (${decidingNumber(f.decision)})`;
  } else {
    const u = sw !== 'holds' ? weight : bias;
    headline = `Inconclusive: ${seriesName(u)} — ${u.decision.kind === 'bertrand' ? `Bertrand q ≈ 1 (q = ${fmtExponent(u.decision.q)})` : u.decision.reason.replace(/^undecided: /, '')}`;
  }
  const lead = status === 'holds'
    ? 'Both series are summable if the block sums keep shrinking as they do at the end of the file; then N_k(x) converges for every x.'
    : status === 'fails'
      ? 'The sufficient condition fails (this alone does not mean the network diverges — see the pointwise verdict).'
      : 'The block sums cannot decide whether both series are summable.';
  return { status, headline, theorem, assumptions, basis: 'extrapolated', numbers, reason: `${lead} ${seriesText(weight, first, last)}. ${seriesText(bias, first, last)}.` };
}

type Tendency = 'zero' | 'not-zero' | 'unknown';

/** Does the term tend to 0? zero: all 0, or decaying (fitted exponent above 0.1); not-zero: ≥ τ on the whole tail without decay. */
function tendency(terms: Float64Array, fit: PowerLawFit, decision: SummabilityDecision, firstNumber: number, threshold: number): { t: Tendency; min: number } {
  let min = Infinity;
  for (let k = fit.from; k <= fit.to; k++) { const v = terms[k - firstNumber]; if (v < min) min = v; }
  if (fit.kind === 'zero' || decision.kind === 'zero-tail' || decision.status === 'holds') return { t: 'zero', min: fit.kind === 'zero' ? 0 : min };
  if (fit.kind === 'power' && fit.lo > DECAY_EXPONENT) return { t: 'zero', min };
  if (fit.kind === 'power' && fit.hi < DECAY_EXPONENT && min >= threshold) return { t: 'not-zero', min };
  return { t: 'unknown', min };
}

/** Maximal runs of tail layers whose term is ≥ threshold, as 0-based layer index ranges. */
function violationRanges(quantity: 'weight' | 'bias', terms: Float64Array, firstNumber: number, from: number, to: number, threshold: number, groups: readonly LayerGroup[]): LayerRangeReport[] {
  const out: LayerRangeReport[] = [];
  let k = from;
  while (k <= to) {
    if (!(terms[k - firstNumber] >= threshold)) { k++; continue; }
    let end = k, min = Infinity, max = -Infinity;
    while (end <= to && terms[end - firstNumber] >= threshold) { const v = terms[end - firstNumber]; min = Math.min(min, v); max = Math.max(max, v); end++; }
    const start = k - 1, last = end - 2;
    const touched: number[] = [];
    groups.forEach((g, gi) => { if (g.start <= last && g.start + g.count - 1 >= start) touched.push(gi); });
    out.push({ quantity, start, end: last, groups: touched, min, max, threshold });
    k = end;
  }
  return out;
}

function necessaryVerdict(b: ConvergenceBase, inp: VerdictInputs): NecessaryVerdict {
  const theorem = 'MATH.md §A (paper statement, hypotheses derived): if N_k(x) converges on an open set U on which the network is non-degenerate, then W_k → I and b_k → 0.';
  const assumptions =
    'Non-degeneracy, for the network\'s linear part: on U every neuron is eventually active (J_k = I) and the linear part P_n of N_n on U (width × input dimension) tends to a matrix of rank = width. ' +
    'Without it the condition is not necessary: W_k = I/2, b_k = 0 converges to 0 although W_k does not tend to I. ' +
    `Checked at the probes: every neuron active on the tail (layers ${b.tail.from}–${b.tail.to}) and a positive stability radius give U; σ_width(P_n) at the dyadic block ends says whether the rank is kept (its per-block shrinkage must be summable), and σ_min(Π W_k) of the run's weights must not collapse. ` +
    `A term "does not tend to 0" when it stays ≥ τ = ${fmt(inp.threshold)} on the tail and decays slower than k^(−${DECAY_EXPONENT}); only with the assumption established does that mean "fails".`;
  const numbers: Record<string, number> = { threshold: inp.threshold, tailFrom: b.tail.from, tailTo: b.tail.to };
  const assumption = { status: inp.assumption.status, reason: inp.assumption.reason };
  const evidence = inp.assumption.evidence;
  if (b.kind !== 'dense') {
    const { weight, bias } = b.series;
    const reason = b.kind === 'none'
      ? 'No width-preserving layers: there is no depth sequence.'
      : `MATH.md gives no necessary condition for residual blocks (§B states only a sufficient one); observed for information: ${seriesName(weight)} terms: ${fitText(weight.fit)}; ${seriesName(bias)} terms: ${fitText(bias.fit)}.`;
    return {
      status: 'inconclusive', headline: b.kind === 'none' ? 'Inconclusive: no width-preserving layers to analyse' : 'Not applicable: MATH.md gives no necessary condition for residual blocks',
      reason, theorem, assumptions, basis: 'observed', numbers,
      assumption: { status: 'unknown', reason: 'not applicable to residual blocks' }, evidence, violations: [],
    };
  }
  const first = b.sequence.first;
  const { weight, bias } = b.series;
  if (weight.overflow ?? bias.overflow) {
    const o = (weight.overflow ?? bias.overflow)!;
    return { status: 'inconclusive', undecidable: 'overflow', headline: `Cannot decide: overflows float64 at layer ${o.layer}`, reason: `Cannot decide: ${o.detail} overflows float64 at layer ${o.layer}.`, theorem, assumptions, basis: 'observed', numbers, assumption, evidence, violations: [] };
  }
  const tw = tendency(inp.weightTerms, weight.fit, weight.decision, first, inp.threshold);
  const tb = tendency(inp.biasTerms, bias.fit, bias.decision, first, inp.threshold);
  numbers.minWminusI = tw.min; numbers.minB = tb.min; numbers.pW = weight.fit.p; numbers.pB = bias.fit.p;
  const notZero = tw.t === 'not-zero' || tb.t === 'not-zero';
  const status: VerdictStatus = tw.t === 'zero' && tb.t === 'zero' ? 'holds' : notZero && assumption.status === 'satisfied' ? 'fails' : 'inconclusive';
  const violations = [
    ...(tw.t === 'not-zero' ? violationRanges('weight', inp.weightTerms, first, b.tail.from, b.tail.to, inp.threshold, inp.groups) : []),
    ...(tb.t === 'not-zero' ? violationRanges('bias', inp.biasTerms, first, b.tail.from, b.tail.to, inp.threshold, inp.groups) : []),
  ];
  const part = (name: string, t: { t: Tendency; min: number }, s: SeriesSummary) =>
    t.t === 'zero' ? `${name} → 0 (${s.decision.status === 'holds' ? s.decision.reason.replace(/^summable: /, 'summable, ') : fitText(s.fit)})`
      : t.t === 'not-zero' ? `${name} does not tend to 0: ≥ ${fmt(t.min)} ≥ τ on every tail layer and ${fitText(s.fit)}`
        : `${name}: cannot tell (min on the tail ${fmt(t.min)}; ${fitText(s.fit)})`;
  let reason = `${part('‖W_k − I‖', tw, weight)}; ${part('‖b_k‖', tb, bias)}.`;
  let headline: string;
  const stuck = tw.t === 'not-zero' ? `‖W_k − I‖ ≥ ${fmt(tw.min)}` : `‖b_k‖ ≥ ${fmt(tb.min)}`;
  if (status === 'fails') {
    reason += ` The non-degeneracy assumption is established (${assumption.reason}), so the theorem applies: convergence on an open set around those probes is not expected.`;
    headline = `Fails: ${stuck} on the whole tail, with non-degeneracy established`;
  } else if (notZero) {
    reason += assumption.status === 'violated'
      ? ` This does not decide anything: the non-degeneracy assumption is violated (${assumption.reason}), so the theorem does not apply and the network can still converge (as W_k = I/2 does, to 0).`
      : ` This does not decide anything: the non-degeneracy assumption could not be established (${assumption.reason}), so the theorem may not apply.`;
    headline = `Inconclusive: ${stuck}, but non-degeneracy is ${assumption.status === 'violated' ? 'violated' : 'not established'}`;
  } else if (status === 'holds') {
    reason += ' This is consistent with convergence but does not prove it (see the sufficient condition).';
    headline = 'Holds: W_k → I and b_k → 0';
  } else {
    headline = 'Inconclusive: cannot tell whether W_k → I and b_k → 0';
  }
  return { status, headline, reason, theorem, assumptions, basis: status === 'inconclusive' ? 'observed' : 'extrapolated', numbers, assumption, evidence, violations };
}

function pointwiseVerdict(b: ConvergenceBase, sufficient: Verdict): Verdict {
  const theorem = 'Observation, not a theorem: N_k(x) converges iff it is a Cauchy sequence, i.e. iff its oscillation O_j = max over the j-th dyadic block of ‖N_k − N_{block start − 1}‖ tends to 0; Σ_j O_j < ∞ suffices, even when the increments cancel.';
  const assumptions =
    `Only the probes (${b.probes.length}) and the layers present (${b.sequence.first}–${b.sequence.last}) are seen. ` +
    'The oscillations O_j are decided like the series (dyadic blocks, Bertrand scale at the boundary). ' +
    `Divergence is reported at a probe whose O_j do not shrink, or are not summable while the block displacements add up (net displacement ≥ ${COHERENT_FRACTION} of their sum). ` +
    'When the sufficient condition holds, its theorem covers every input, so this verdict then holds whatever the finite trajectories show.';
  const numbers: Record<string, number> = { tailFrom: b.tail.from, tailTo: b.tail.to };
  if (b.kind === 'none') return { status: 'inconclusive', headline: 'Inconclusive: no width-preserving layers to analyse', reason: 'No width-preserving layers: there is no depth sequence.', theorem, assumptions, basis: 'observed', numbers };
  const diverging: string[] = [], converging: string[] = [], open: string[] = [], overflowed: string[] = [];
  let firstOverflow = Infinity;
  let worstP = Infinity, worstQ = NaN;
  for (const p of b.probes) {
    const o = p.oscillation;
    if (o.kind === 'overflow') {
      overflowed.push(`${p.name}: ${o.reason.replace(/^cannot decide: /, '')}`);
      const m = /layer (\d+)/.exec(o.reason);
      if (m) firstOverflow = Math.min(firstOverflow, Number(m[1]));
      continue;
    }
    if (Number.isFinite(o.p) && o.p < worstP) { worstP = o.p; worstQ = o.q; }
    const { length, displacement } = p.windowPath;
    const coherent = displacement >= COHERENT_FRACTION * length;
    if (o.status === 'holds') converging.push(`${p.name}: ${o.reason}`);
    else if (o.status === 'fails' && (o.kind === 'bounded-below' || coherent)) {
      diverging.push(`${p.name}: ${o.reason.replace(/^not summable: /, 'the oscillations are not summable — ')}${o.kind === 'bounded-below' ? ', so N_k(x) is not Cauchy' : `, and they add up (net displacement ${fmt(displacement)} of ${fmt(length)})`}`);
    } else open.push(`${p.name}: ${o.reason}${o.status === 'fails' ? ` but the block displacements largely cancel (net ${fmt(displacement)} of ${fmt(length)})` : ''}`);
  }
  numbers.divergingProbes = diverging.length;
  numbers.pOscillation = worstP;
  numbers.qOscillation = worstQ;
  const P = b.probes.length;
  let status: VerdictStatus, reason: string, headline: string, basis: Verdict['basis'] = 'extrapolated';
  let undecidable: 'overflow' | undefined;
  const radii = b.probes.map((p) => p.limitEstimate.estimate).filter((r): r is number => r !== null);
  const estimateText = radii.length === P && P > 0 ? ` Extrapolated ‖N_∞(x) − N_${b.sequence.last}(x)‖ ≈ ${fmt(Math.max(...radii))} at most (the fitted oscillations beyond the file).` : '';
  if (sufficient.status === 'holds') {
    status = 'holds';
    headline = 'Holds: implied by the sufficient condition at every input';
    const own = diverging.length > 0
      ? ` The trajectories have not settled within the file — ${diverging.join('; ')} — which the theorem allows: ‖N_k‖ may grow up to e^{Σw}(‖x‖ + Σβ) before it settles.`
      : converging.length === P ? ` The probes agree: ${converging.join('; ')}.` : open.length > 0 ? ` At the probes alone: ${open.join('; ')}.` : '';
    reason = `The sufficient condition holds, so N_k(x) converges at every x if its series tails continue as extrapolated.${own}${overflowed.length > 0 ? ` Not followed to the end: ${overflowed.join('; ')}.` : ''}${estimateText}`;
  } else if (diverging.length > 0) {
    status = 'fails';
    headline = `Fails: N_k(x) does not settle at ${diverging.length} of ${P} probes (${b.probes.find((p) => diverging[0].startsWith(p.name + ':'))?.oscillation.kind === 'bounded-below' ? 'oscillations do not shrink' : 'not summable, adding up'})`;
    reason = `N_k(x) does not converge at ${diverging.length} of ${P} probes if the tail continues as observed: ${diverging.join('; ')}.`;
  } else if (overflowed.length > 0) {
    status = 'inconclusive'; basis = 'observed'; undecidable = 'overflow';
    headline = `Cannot decide: overflows float64 at layer ${firstOverflow}`;
    reason = `Cannot decide: ${overflowed.join('; ')}; nothing is drawn from the values after that.${converging.length + open.length > 0 ? ` Other probes: ${[...converging, ...open].join('; ')}.` : ''}`;
  } else if (converging.length === P && P > 0) {
    status = 'holds';
    headline = `Holds: N_k(x) settles at all ${P} probes (oscillations summable, ${Number.isFinite(worstP) ? `p = ${fmtExponent(worstP)}` : 'exactly 0 at the end'})`;
    reason = `At all ${P} probes N_k(x) is Cauchy if the tail continues as observed: ${converging.join('; ')}.${estimateText}`;
  } else {
    status = 'inconclusive'; basis = 'observed';
    headline = `Inconclusive: the probes neither settle nor visibly diverge${open.length > 0 && /Bertrand q ≈ 1/.test(open[0]) ? ' (Bertrand q ≈ 1)' : ''}`;
    reason = `The trajectories at the probes neither visibly diverge nor settle: ${open.join('; ')}.${converging.length > 0 ? ` Settling: ${converging.join('; ')}.` : ''}`;
  }
  return { status, headline, reason, theorem, assumptions, basis, numbers, ...(undecidable ? { undecidable } : {}) };
}
