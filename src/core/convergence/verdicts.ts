/**
 * The three verdicts of the convergence analysis (holds / fails / inconclusive), each with the
 * deciding numbers, the theorem it rests on and its assumptions. Rules (documented for users):
 *
 * - summability of a series of terms (fit.ts): the t-interval for the tail exponent p lies above 1
 *   (holds) or at or below 1 (fails; p = 1 within 1e-9 is the harmonic case), and the local exponent
 *   does not drift toward 1 between the two halves of the tail in a way that would reach 1 before
 *   k = n³; otherwise undecided. Exactly-zero tails are summable when they have enough points.
 * - sufficient (MATH.md §A: Σ‖W_k − I‖ < ∞ and Σ‖b_k‖ < ∞; §B: S1, S2 < ∞): holds when both series
 *   are summable, fails when one is not, else inconclusive. Basis: extrapolated.
 * - necessary (§A: convergence ⇒ W_k → I and b_k → 0, under non-degeneracy): per quantity over the
 *   tail "→ 0" when exactly 0 or the decay exponent's interval is above 0.1, "does not → 0" when every
 *   tail term is ≥ τ and the interval lies below 0.1. 'fails' only when a quantity does not → 0 AND
 *   the non-degeneracy assumption is established (some probe has every neuron active on the tail,
 *   and the tail does not collapse: mean log|det W_k| per layer and dimension ≥ −τ); with the
 *   assumption violated or unknown the theorem does not apply and the verdict is inconclusive.
 * - pointwise (at the probes): holds when the max-over-probes increments are summable; fails when at
 *   some probe the increments do not tend to 0, or are not summable and add up (net displacement over
 *   the tail ≥ half the path length); else inconclusive. Basis: extrapolated for holds and fails.
 */
import type { LayerGroup } from '../network/model';
import { summability } from './fit';
import { fmt, fmtExponent } from './format';
import type {
  ConvergenceResult, LayerRangeReport, NecessaryVerdict, PowerLawFit, SeriesSummary, Verdict, VerdictStatus,
} from '../../shared/analyses/convergence';

export type ConvergenceBase = Omit<ConvergenceResult, 'verdicts'>;

/** decay exponents below this count as "not decaying" (and above it as decaying to 0) */
export const DECAY_EXPONENT = 0.1;
/** non-summable increments "add up" when the net displacement is at least this fraction of the path length */
export const COHERENT_FRACTION = 0.5;

interface VerdictInputs {
  /** τ: the necessary condition's threshold, also the per-layer collapse rate of the non-degeneracy check */
  readonly threshold: number;
  readonly groups: readonly LayerGroup[];
  readonly weightTerms: Float64Array;
  readonly biasTerms: Float64Array;
  /** per probe: min of ‖N_k − N_{k−1}‖ over the tail */
  readonly tailMinIncrement: Float64Array;
}

export function buildVerdicts(base: ConvergenceBase, inputs: VerdictInputs): ConvergenceResult['verdicts'] {
  return {
    sufficient: sufficientVerdict(base),
    necessary: necessaryVerdict(base, inputs),
    pointwise: pointwiseVerdict(base, inputs),
  };
}

export function fitText(fit: PowerLawFit): string {
  const layers = fit.from === fit.to ? `layer ${fit.from}` : `layers ${fit.from}–${fit.to}`;
  if (fit.kind === 'zero') return `all ${fit.zeros} terms on ${layers} are exactly 0`;
  if (fit.kind === 'insufficient') return `too few terms on ${layers} to fit a tail (${fit.points} positive, ${fit.zeros} zero; a fit needs at least ${Math.max(3, fit.minPoints)})`;
  return `terms ≈ C·k^(−p), p = ${fmtExponent(fit.p)}, ${Math.round(fit.confidence * 100)}% interval [${fmtExponent(fit.lo)}, ${fmtExponent(fit.hi)}] (fit on ${layers}, ${fit.points} points)${driftText(fit)}`;
}

function driftText(fit: PowerLawFit): string {
  const d = fit.drift;
  if (!d) return '; drift not checked (too few points per half)';
  const halves = `local exponent ${fmtExponent(d.pFirst)} on the first half of the tail, ${fmtExponent(d.pSecond)} on the second`;
  if (d.reachesOne) return `; ${halves}: it drifts toward 1 and, continued in log k, reaches 1 near layer ${fmt(d.crossing)} — one power law does not describe this tail`;
  if (d.towardOne) return `; ${halves} (moving toward 1, but too slowly to reach it before layer ${fit.to}³ = ${fmt(Math.pow(fit.to, 3))})`;
  return `; ${halves}`;
}

function seriesText(s: SeriesSummary, first: number, last: number): string {
  const verdict = s.summable === 'holds' ? 'summable' : s.summable === 'fails' ? 'not summable' : 'undecided';
  const ext = s.extrapolatedTail !== null ? `; extrapolated tail beyond layer ${last} ≤ ${fmt(s.extrapolatedTail)}` : '';
  return `${s.label} over layers ${first}–${last} = ${fmt(s.sum)} (rigorous); ${fitText(s.fit)} ⇒ ${verdict}${ext}`;
}

function seriesStatus(s: SeriesSummary): VerdictStatus {
  return s.summable;
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
    'whether the infinite series converge is extrapolated from a power-law fit of the tail (t-interval for the exponent); ' +
    'summable only when the whole interval is above 1 and the local exponent does not drift toward 1 between the two halves of the tail.';
  const numbers: Record<string, number> = {
    sumW: weight.sum, sumB: bias.sum, pW: weight.fit.p, loW: weight.fit.lo, hiW: weight.fit.hi,
    pB: bias.fit.p, loB: bias.fit.lo, hiB: bias.fit.hi, tailFrom: b.tail.from, tailTo: b.tail.to,
  };
  if (b.kind === 'none') return { status: 'inconclusive', reason: 'No width-preserving layers: there is no depth sequence.', theorem, assumptions, basis: 'observed', numbers };
  const sw = seriesStatus(weight), sb = seriesStatus(bias);
  const status: VerdictStatus = sw === 'holds' && sb === 'holds' ? 'holds' : sw === 'fails' || sb === 'fails' ? 'fails' : 'inconclusive';
  const lead = status === 'holds'
    ? 'Both series look summable if the fitted power laws continue beyond the file.'
    : status === 'fails'
      ? 'The sufficient condition fails (this alone does not mean the network diverges — see the pointwise verdict).'
      : 'The tail data cannot decide whether both series are summable.';
  return {
    status, theorem, assumptions, basis: 'extrapolated', numbers,
    reason: `${lead} ${seriesText(weight, first, last)}. ${seriesText(bias, first, last)}.`,
  };
}

type Tendency = 'zero' | 'not-zero' | 'unknown';

function tendency(terms: Float64Array, fit: PowerLawFit, firstNumber: number, threshold: number): { t: Tendency; min: number } {
  let min = Infinity;
  for (let k = fit.from; k <= fit.to; k++) { const v = terms[k - firstNumber]; if (v < min) min = v; }
  if (fit.kind === 'zero') return { t: 'zero', min: 0 };
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
    const start = k - 1, last = end - 2; // 0-based indices
    const touched: number[] = [];
    groups.forEach((g, gi) => { if (g.start <= last && g.start + g.count - 1 >= start) touched.push(gi); });
    out.push({ quantity, start, end: last, groups: touched, min, max, threshold });
    k = end;
  }
  return out;
}

function necessaryVerdict(b: ConvergenceBase, inp: VerdictInputs): NecessaryVerdict {
  const theorem = 'MATH.md §A (paper statement, hypotheses derived): if N_k(x) converges on an open set and the network is non-degenerate there, then W_k → I and b_k → 0.';
  const assumptions =
    'Non-degeneracy — a clean sufficient set: on an open set all neurons are eventually active (J_k = I) and the limit of W_n···W_1 is nonsingular. ' +
    'Without it the condition is not necessary: W_k = I/2, b_k = 0 converges to 0 although W_k does not tend to I. ' +
    `Judged here on the tail (layers ${b.tail.from}–${b.tail.to}) with threshold τ = ${fmt(inp.threshold)}: a term "does not tend to 0" when it stays ≥ τ and decays slower than k^(−${DECAY_EXPONENT}). ` +
    `The assumption counts as established when some probe has every neuron active on the tail and the tail does not collapse (mean log|det W_k| per layer and dimension ≥ −τ); ` +
    'only then can a term that does not tend to 0 mean "fails".';
  const numbers: Record<string, number> = { threshold: inp.threshold, tailLogAbsDet: b.tailLogAbsDet, tailFrom: b.tail.from, tailTo: b.tail.to };
  if (b.kind !== 'dense') {
    const { weight, bias } = b.series;
    const reason = b.kind === 'none'
      ? 'No width-preserving layers: there is no depth sequence.'
      : `MATH.md gives no necessary condition for residual blocks (§B states only a sufficient one); observed for information: ${weight.label.split(' =')[0]} terms: ${fitText(weight.fit)}; ${bias.label.split(' =')[0]} terms: ${fitText(bias.fit)}.`;
    return {
      status: 'inconclusive', reason, theorem, assumptions, basis: 'observed', numbers,
      assumption: { status: 'unknown', reason: 'not applicable to residual blocks' }, violations: [],
    };
  }
  const first = b.sequence.first;
  const wFit = b.series.weight.fit, bFit = b.series.bias.fit;
  const tw = tendency(inp.weightTerms, wFit, first, inp.threshold);
  const tb = tendency(inp.biasTerms, bFit, first, inp.threshold);
  numbers.minWminusI = tw.min; numbers.minB = tb.min; numbers.pW = wFit.p; numbers.pB = bFit.p;

  // the non-degeneracy assumption, as far as the data shows it — judged per layer, so the verdict does
  // not depend on how many layers the file happens to have
  const m = b.sequence.width;
  const perLayer = b.tailDenseLayers > 0 ? b.tailLogAbsDet / b.tailDenseLayers : NaN;
  numbers.meanLogAbsDet = perLayer;
  const rate = `mean log|det W_k| over the ${b.tailDenseLayers} tail layers = ${fmt(perLayer)} per layer (${fmt(perLayer / m)} per dimension)`;
  const allActive = b.probes.filter((p) => p.tailLayersWithInactiveNeurons === 0);
  let assumption: NecessaryVerdict['assumption'];
  if (b.tailLogAbsDet === -Infinity) {
    assumption = { status: 'violated', reason: 'a tail layer is singular (det W_k = 0), so the limit of W_n···W_1 is singular' };
  } else if (!(perLayer / m >= -inp.threshold)) {
    assumption = { status: 'violated', reason: `the tail collapses: ${rate} < −τ = ${fmt(-inp.threshold)}, so |det(W_n···W_${b.tail.from})| shrinks geometrically and the limit of the product is singular` };
  } else if (allActive.length > 0) {
    assumption = { status: 'satisfied', reason: `observed: at ${allActive.map((p) => p.name).join(', ')} every neuron is active on layers ${b.tail.from}–${b.tail.to}, and the tail does not collapse (${rate} ≥ −τ)` };
  } else {
    assumption = { status: 'unknown', reason: `the tail does not collapse (${rate} ≥ −τ), but every probe has inactive neurons on the tail, so "all neurons eventually active on an open set" is not observed` };
  }

  const notZero = tw.t === 'not-zero' || tb.t === 'not-zero';
  const status: VerdictStatus = tw.t === 'zero' && tb.t === 'zero' ? 'holds' : notZero && assumption.status === 'satisfied' ? 'fails' : 'inconclusive';
  const violations = [
    ...(tw.t === 'not-zero' ? violationRanges('weight', inp.weightTerms, first, b.tail.from, b.tail.to, inp.threshold, inp.groups) : []),
    ...(tb.t === 'not-zero' ? violationRanges('bias', inp.biasTerms, first, b.tail.from, b.tail.to, inp.threshold, inp.groups) : []),
  ];
  const part = (name: string, t: { t: Tendency; min: number }, fit: PowerLawFit) =>
    t.t === 'zero' ? `${name} → 0 (${fitText(fit)})`
      : t.t === 'not-zero' ? `${name} does not tend to 0: ≥ ${fmt(t.min)} ≥ τ on every tail layer and ${fitText(fit)}`
        : `${name}: cannot tell (min on the tail ${fmt(t.min)}; ${fitText(fit)})`;
  let reason = `${part('‖W_k − I‖', tw, wFit)}; ${part('‖b_k‖', tb, bFit)}.`;
  if (status === 'fails') {
    reason += ' The non-degeneracy assumption is established on the tail, so the theorem applies: convergence on an open set around those probes is not expected.';
  } else if (notZero) {
    reason += assumption.status === 'violated'
      ? ` This does not decide anything: the non-degeneracy assumption is violated (${assumption.reason}), so the theorem does not apply and the network can still converge (as W_k = I/2 does, to 0).`
      : ` This does not decide anything: the non-degeneracy assumption could not be established (${assumption.reason}), so the theorem may not apply.`;
  } else if (status === 'holds') {
    reason += ' This is consistent with convergence but does not prove it (see the sufficient condition).';
  }
  return { status, reason, theorem, assumptions, basis: status === 'inconclusive' ? 'observed' : 'extrapolated', numbers, assumption, violations };
}

function pointwiseVerdict(b: ConvergenceBase, inp: VerdictInputs): Verdict {
  const theorem = 'Observation, not a theorem: N_k(x) converges iff it is a Cauchy sequence; Σ_k ‖N_k − N_{k−1}‖ < ∞ suffices. ' +
    'Increments that do not tend to 0, or that are not summable and add up rather than cancel, mean divergence.';
  const assumptions =
    `Only the probes (${b.probes.length}) and the layers present (${b.sequence.first}–${b.sequence.last}) are seen. ` +
    'Summability of the increments is extrapolated from a power-law fit of the max-over-probes increment on the tail (same rule as the series: interval above 1, no drift toward 1). ' +
    `Divergence is reported at a probe whose increments do not decay (exponent interval below ${DECAY_EXPONENT}), or are not summable (interval at or below 1) while adding up: ` +
    `the net displacement over the tail is at least ${COHERENT_FRACTION} of the path length Σ‖N_k − N_{k−1}‖. Growth of ‖N_k‖ over the layers present is not taken as divergence.`;
  const fit = b.maxIncrement.fit;
  const numbers: Record<string, number> = { pIncrement: fit.p, loIncrement: fit.lo, hiIncrement: fit.hi, tailFrom: b.tail.from, tailTo: b.tail.to };
  if (b.kind === 'none') return { status: 'inconclusive', reason: 'No width-preserving layers: there is no depth sequence.', theorem, assumptions, basis: 'observed', numbers };

  const diverging: string[] = [], cancelling: string[] = [];
  b.probes.forEach((p, i) => {
    const f = p.incrementFit;
    const lastNorm = p.norms[p.norms.length - 1];
    const { length, displacement } = p.tailPath;
    if (f.kind === 'power' && f.hi < DECAY_EXPONENT && !f.drift?.reachesOne && inp.tailMinIncrement[i] >= 1e-12 * Math.max(1, lastNorm)) {
      diverging.push(`${p.name}: the increments do not tend to 0 (≥ ${fmt(inp.tailMinIncrement[i])} on every tail layer; p = ${fmtExponent(f.p)}, interval [${fmtExponent(f.lo)}, ${fmtExponent(f.hi)}]), ‖N_${b.sequence.last}‖ = ${fmt(lastNorm)}`);
    } else if (summability(f) === 'fails') {
      const text = `${p.name}: the increments are not summable (${fitText(f)}); over the tail they ${displacement >= COHERENT_FRACTION * length ? 'add up' : 'largely cancel'} (net displacement ${fmt(displacement)} of path length ${fmt(length)})`;
      (displacement >= COHERENT_FRACTION * length ? diverging : cancelling).push(text);
    }
  });
  let status: VerdictStatus, reason: string;
  const radii = b.probes.map((p) => p.limitEstimate.radius).filter((r): r is number => r !== null);
  if (diverging.length > 0) {
    status = 'fails';
    reason = `N_k(x) does not converge at ${diverging.length} of ${b.probes.length} probes if the tail continues as observed: ${diverging.join('; ')}.`;
  } else if (summability(fit) === 'holds') {
    status = 'holds';
    reason = `At all ${b.probes.length} probes the increments ‖N_k − N_{k−1}‖ decay summably: max over probes ${fitText(fit)}; N_k(x) converges if this continues.` +
      (radii.length === b.probes.length ? ` Extrapolated ‖N_∞(x) − N_${b.sequence.last}(x)‖ ≤ ${fmt(Math.max(...radii))} at every probe (from the tail bound with fitted series tails).` : '');
  } else {
    status = 'inconclusive';
    reason = `The increments at the probes neither visibly diverge nor decay summably: max over probes ${fitText(fit)}.` +
      (cancelling.length > 0 ? ` Not summable but not adding up either: ${cancelling.join('; ')}.` : '');
  }
  numbers.divergingProbes = diverging.length;
  return { status, reason, theorem, assumptions, basis: status === 'inconclusive' ? 'observed' : 'extrapolated', numbers };
}
