/**
 * Is Σ_k v_k < ∞ (v_k ≥ 0)? One decision for every series of the convergence analysis — Σ‖W_k − I‖,
 * Σ‖b_k‖, S1, S2, the increments at the probes and the shrinkage of the network's linear part —
 * made on dyadic block sums (Cauchy condensation), zeros included (MATH.md §A).
 *
 * Blocks are counted back from the last layer n: (n/2, n], (n/4, n/2], … (any partition in ratio 2
 * condenses; anchoring at n keeps the last block full). With H = Σ_{k in block} 1/k, the block value
 * g = B/H is the block's 1/k-weighted mean of k·v_k, so on the scale v_k = k^(−p)(ln k)^(−q):
 *
 *     ln g ≈ c − (p − 1)·u − q·ln u   (u = the block's mean ln k),
 *
 * and Σ v_k < ∞ iff p > 1, or p = 1 and q > 1 (the Bertrand scale at the boundary). Three nested
 * least-squares models are fitted over the last MAX_BLOCKS blocks: the power law (q = 0), the power law
 * with a logarithmic factor (the Bertrand term), and the same with a 1/k term that absorbs a shift
 * (k + c)^(−p). The simplest model that no larger one beats by an F-test is used; its intervals decide:
 *
 *  - p − 1 > BOUNDARY_BAND (whole interval): the blocks decay geometrically ⇒ summable;
 *  - p − 1 < −BOUNDARY_BAND: the blocks grow geometrically ⇒ not summable;
 *  - within the band p ≈ 1 the logarithmic factor decides: q > 1 + BERTRAND_BAND ⇒ summable;
 *    q < 1 − BERTRAND_BAND with p ≤ 1 + HARMONIC_TOLERANCE ⇒ not summable (the blocks do not shrink
 *    fast enough); anything else is inconclusive and says why ("Bertrand q ≈ 1", "p within the band").
 *
 * Exact power laws keep their answers outside the band (k^(−1.05) is summable, k^(−1) is not); the
 * band is the one place a finite file cannot tell, and the verdict says so.
 */
import { fmt, fmtExponent } from './format';
import { studentTQuantile, fQuantile } from './stats';
import type { SummabilityDecision, SummabilityModel, VerdictStatus } from '../../shared/analyses/convergence';

/** |p − 1| up to this is the boundary band, where the Bertrand exponent q decides. */
export const BOUNDARY_BAND = 0.02;
/** |q − 1| up to this is left undecided (Σ 1/(k ln^q k) converges iff q > 1). */
export const BERTRAND_BAND = 0.15;
/** In the band, "not summable" needs p ≤ 1 + this (p = 1.01 with q ≈ 0 is left undecided). */
export const HARMONIC_TOLERANCE = 0.002;
/**
 * The decision looks at the last this many blocks (layers n/64 … n): the tail, not the first layers,
 * whose shifts ((k + 1)^(−p), ln(k + 1)) bend the block sums beyond what the 1/k term absorbs.
 */
export const MAX_BLOCKS = 6;
/** Blocks start at layer 3 or later (ln ln k must exist); at least this many are needed. */
export const MIN_BLOCKS = 3;
const FIRST_BLOCK_LAYER = 3;
/** Local exponents all at least this (and not falling) decide "summable" without a fit. */
export const CLEAR_EXPONENT = 2;
/** An all-zero tail is summable when it covers at least this many layers and half the series. */
export const MIN_ZERO_TAIL = 8;

/** The dyadic blocks of layer numbers first..last, counted back from last, in increasing order. */
export interface BlockGeometry {
  readonly first: number;
  readonly last: number;
  /** first and last layer number of each block (inclusive) */
  readonly from: Float64Array;
  readonly to: Float64Array;
  /** H = Σ 1/k over the block */
  readonly harmonic: Float64Array;
  /** u = Σ (ln k)/k / H: the block's 1/k-weighted mean of ln k */
  readonly logCentre: Float64Array;
}

const geometryCache = new Map<string, BlockGeometry>();

/**
 * Blocks (⌊hi/2⌋, hi] from hi = last down while the block lies inside first..last. Shared by every
 * series over the same layers (cached: the harmonic sums cost a log per layer).
 */
export function dyadicBlocks(first: number, last: number): BlockGeometry {
  const key = `${first}:${last}`;
  const hit = geometryCache.get(key);
  if (hit) return hit;
  const from: number[] = [], to: number[] = [];
  for (let hi = last; hi >= first && hi >= 1;) {
    const lo = Math.floor(hi / 2) + 1;
    if (lo < first) break;
    from.push(lo); to.push(hi);
    hi = lo - 1;
  }
  from.reverse(); to.reverse();
  const harmonic = new Float64Array(from.length), logCentre = new Float64Array(from.length);
  for (let i = 0; i < from.length; i++) {
    const [h, l] = harmonicSums(from[i], to[i]);
    harmonic[i] = h;
    logCentre[i] = l / h;
  }
  const g: BlockGeometry = { first, last, from: Float64Array.from(from), to: Float64Array.from(to), harmonic, logCentre };
  if (geometryCache.size > 64) geometryCache.clear();
  geometryCache.set(key, g);
  return g;
}

/** [Σ 1/k, Σ ln(k)/k] over a..b: summed when short, Euler–Maclaurin (error < 1e-18) when long. */
function harmonicSums(a: number, b: number): [number, number] {
  if (b - a < 4096) {
    let h = 0, l = 0;
    for (let k = a; k <= b; k++) { const inv = 1 / k; h += inv; l += Math.log(k) * inv; }
    return [h, l];
  }
  const la = Math.log(a), lb = Math.log(b);
  // f = 1/x: ∫ = ln(b/a), f' = −1/x², f''' = −6/x⁴; f = ln x/x: ∫ = (ln²b − ln²a)/2, f' = (1 − ln x)/x², f''' = (11 − 6 ln x)/x⁴
  const h = lb - la + (1 / a + 1 / b) / 2 + (-1 / b ** 2 + 1 / a ** 2) / 12 - (-6 / b ** 4 + 6 / a ** 4) / 720;
  const l = (lb * lb - la * la) / 2 + (la / a + lb / b) / 2 + ((1 - lb) / b ** 2 - (1 - la) / a ** 2) / 12 - ((11 - 6 * lb) / b ** 4 - (11 - 6 * la) / a ** 4) / 720;
  return [h, l];
}

/** B_j = Σ v_k over each block (index j of the series ↔ layer number first + j). */
export function blockSums(terms: ArrayLike<number>, first: number, g: BlockGeometry): Float64Array {
  const out = new Float64Array(g.from.length);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = g.from[i]; k <= g.to[i]; k++) s += terms[k - first];
    out[i] = s;
  }
  return out;
}

/** Layers at the end of the series whose term is exactly 0. */
export function trailingZeros(terms: ArrayLike<number>): number {
  let z = 0;
  for (let j = terms.length - 1; j >= 0 && terms[j] === 0; j--) z++;
  return z;
}

interface ModelFit {
  readonly model: SummabilityModel;
  readonly coef: Float64Array;
  readonly se: Float64Array;
  readonly rss: number;
  readonly df: number;
}

const MODELS: readonly SummabilityModel[] = ['power', 'power×log', 'power×log+shift'];

/** Columns of the three models at u: 1, −u, −ln u, e^{−u} (the first 2, 3 or 4). */
function basis(u: number, size: number, out: Float64Array): void {
  out[0] = 1; out[1] = -u;
  if (size > 2) out[2] = -Math.log(u);
  if (size > 3) out[3] = Math.exp(-u);
}

/**
 * Least squares y ≈ X·coef by modified Gram–Schmidt on unit-scaled columns (the log and 1/k columns
 * are nearly collinear with u over a few blocks), with the coefficients' standard errors.
 */
function leastSquares(us: Float64Array, ys0: Float64Array, weights: Float64Array, size: number, model: SummabilityModel): ModelFit | null {
  const n = ys0.length, df = n - size;
  if (df < 1) return null;
  // weighted by block length: a block of L layers averages its terms' noise (parity, spikes) over L
  const sw = Float64Array.from(weights, Math.sqrt);
  const ys = Float64Array.from(ys0, (y, i) => y * sw[i]);
  const X = new Float64Array(n * size), row = new Float64Array(size);
  for (let i = 0; i < n; i++) { basis(us[i], size, row); for (let j = 0; j < size; j++) X[i * size + j] = row[j] * sw[i]; }
  const scale = new Float64Array(size);
  for (let j = 0; j < size; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += X[i * size + j] ** 2;
    scale[j] = Math.sqrt(s) || 1;
    for (let i = 0; i < n; i++) X[i * size + j] /= scale[j];
  }
  // Q (n × size) overwrites X, R upper triangular
  const R = new Float64Array(size * size);
  for (let j = 0; j < size; j++) {
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += X[i * size + k] * X[i * size + j];
      R[k * size + j] = d;
      for (let i = 0; i < n; i++) X[i * size + j] -= d * X[i * size + k];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += X[i * size + j] ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) return null; // the blocks cannot separate this model's terms
    R[j * size + j] = norm;
    for (let i = 0; i < n; i++) X[i * size + j] /= norm;
  }
  const qty = new Float64Array(size);
  for (let j = 0; j < size; j++) { let d = 0; for (let i = 0; i < n; i++) d += X[i * size + j] * ys[i]; qty[j] = d; }
  const beta = new Float64Array(size);
  for (let j = size - 1; j >= 0; j--) {
    let s = qty[j];
    for (let k = j + 1; k < size; k++) s -= R[j * size + k] * beta[k];
    beta[j] = s / R[j * size + j];
  }
  let rss = 0;
  for (let i = 0; i < n; i++) {
    basis(us[i], size, row);
    let fit = 0;
    for (let j = 0; j < size; j++) fit += (row[j] * sw[i] / scale[j]) * beta[j];
    rss += (ys[i] - fit) ** 2;
  }
  // (XᵀX)⁻¹ = R⁻¹R⁻ᵀ: the diagonal from the rows of R⁻¹
  const Rinv = new Float64Array(size * size);
  for (let j = 0; j < size; j++) {
    Rinv[j * size + j] = 1 / R[j * size + j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += R[i * size + k] * Rinv[k * size + j];
      Rinv[i * size + j] = -s / R[i * size + i];
    }
  }
  const sigma2 = rss / df;
  const coef = new Float64Array(size), se = new Float64Array(size);
  for (let j = 0; j < size; j++) {
    let d = 0;
    for (let k = j; k < size; k++) d += Rinv[j * size + k] ** 2;
    coef[j] = beta[j] / scale[j];
    se[j] = Math.sqrt(sigma2 * d) / scale[j];
  }
  return { model, coef, se, rss, df };
}

export interface DecideOptions {
  /** confidence of the intervals for p and q (default 0.95) */
  readonly confidence?: number;
  /** layers at the end of the series with exactly-zero terms (0 when unknown) */
  readonly trailingZeroLayers?: number;
}

/**
 * The decision for the block sums `sums` over the blocks `g` (all values ≥ 0 and finite; the
 * caller reports non-finite terms as an overflow before asking).
 */
export function decideSummability(sums: Float64Array, g: BlockGeometry, options: DecideOptions = {}): SummabilityDecision {
  const confidence = options.confidence ?? 0.95;
  const layers = Math.max(0, g.last - g.first + 1);
  const blockCount = sums.length;
  const base = {
    blocks: { from: g.from, to: g.to, sums },
    window: { from: NaN, to: g.last, blocks: 0 },
    model: null, p: NaN, pLo: NaN, pHi: NaN, q: NaN, qLo: NaN, qHi: NaN, tailEstimate: null,
    bands: { boundary: BOUNDARY_BAND, bertrand: BERTRAND_BAND },
  };
  // an exactly-zero tail (as before: at least MIN_ZERO_TAIL layers and half the series)
  let zeroLayers = options.trailingZeroLayers ?? 0;
  if (zeroLayers === 0) for (let i = blockCount - 1; i >= 0 && sums[i] === 0; i--) zeroLayers += g.to[i] - g.from[i] + 1;
  if (zeroLayers >= MIN_ZERO_TAIL && 2 * zeroLayers >= layers && layers > 0) {
    const from = g.last - zeroLayers + 1;
    return { ...base, status: 'holds', kind: 'zero-tail', tailEstimate: 0, window: { from, to: g.last, blocks: 0 },
      reason: `summable: every term is exactly 0 on ${span(from, g.last)}` };
  }
  // the window: the last MAX_BLOCKS blocks that start at layer 3 or later
  const idx = decisionWindow(g).blocks;
  const usable = idx.filter((i) => sums[i] > 0);
  const windowFrom = idx.length > 0 ? g.from[idx[0]] : NaN;
  const window = { from: windowFrom, to: g.last, blocks: idx.length };
  if (usable.length < MIN_BLOCKS) {
    const zeros = idx.length - usable.length;
    return { ...base, window, status: 'inconclusive', kind: 'too-few',
      reason: `undecided: too few layers — ${usable.length} dyadic block${usable.length === 1 ? '' : 's'} with a non-zero sum${zeros > 0 ? ` (${zeros} more are 0)` : ''} on ${layers > 0 ? span(g.first, g.last) : 'no layers'}; a decision needs ${MIN_BLOCKS} (at least 16 layers)` };
  }
  const us = Float64Array.from(usable, (i) => g.logCentre[i]);
  const ys = Float64Array.from(usable, (i) => Math.log(sums[i] / g.harmonic[i]));
  // clear-cut: every local exponent between neighbouring blocks ≥ CLEAR_EXPONENT and not falling — faster than k^(−2), no fit needed
  const local = localExponents(usable, us, ys);
  if (local.length >= 2 && local.every((p, i) => p >= CLEAR_EXPONENT && (i === 0 || p >= local[i - 1] - 1e-9))) {
    const pMin = local[0];
    const shown = local.map(fmtExponent).join(', ');
    const r = Math.pow(2, -(pMin - 1));
    const lastBlock = sums[usable[usable.length - 1]];
    return { ...base, window, status: 'holds', kind: 'geometric', model: null, p: pMin, pLo: pMin, pHi: Infinity, q: 0, qLo: 0, qHi: 0,
      tailEstimate: (lastBlock * r) / (1 - r),
      reason: `summable: the last ${usable.length} dyadic block sums (${span(windowFrom, g.last)}) fall faster than k^(−${CLEAR_EXPONENT}): local exponents p = ${shown}, not decreasing` };
  }
  // B_j bounded below: no window block sum smaller than the one before it (the harmonic series, one spike per block)
  if (usable.length === idx.length && idx.every((b, i) => i === 0 || sums[b] >= sums[idx[i - 1]] * (1 - 1e-12))) {
    return { ...base, window, status: 'fails', kind: 'bounded-below', model: null, p: NaN, pLo: NaN, pHi: NaN, q: NaN, qLo: NaN, qHi: NaN,
      reason: `not summable: the last ${idx.length} dyadic block sums (${span(windowFrom, g.last)}) do not shrink (B = ${fmt(sums[idx[0]])} → ${fmt(sums[idx[idx.length - 1]])}): they are bounded below` };
  }
  const counts = Float64Array.from(usable, (i) => g.to[i] - g.from[i] + 1);
  let meanCount = 0;
  for (const c of counts) meanCount += c / counts.length;
  const weights = counts.map((c) => c / meanCount);
  const fits = MODELS.map((m, i) => leastSquares(us, ys, weights, i + 2, m)).filter((f): f is ModelFit => f !== null);
  const chosen = selectModel(fits, ys);
  const where = `the last ${usable.length} dyadic block sums (${span(windowFrom, g.last)})`;
  // the observed exponent between the last two blocks: a model whose extrapolation crosses to the other
  // side of p = 1 (a transition k^−1.8 + k^−1.2 bends the blocks like a log factor) is not believed
  const lastLocal = local.length > 0 ? local[local.length - 1] : NaN;
  const candidates = [chosen, ...fits.filter((f) => f !== chosen).sort((x, y) => x.coef.length - y.coef.length)];
  for (const fit of candidates) {
    const d = decideWith(fit, confidence, where);
    const contradicts = d.kind === 'geometric' && lastLocal < 1 - VETO_MARGIN || (d.kind === 'bounded-below' && d.pHi < 1 - BOUNDARY_BAND && lastLocal > 1 + VETO_MARGIN);
    if (contradicts) continue;
    const tailEstimate = d.status === 'holds' ? extrapolatedTail(fit, d.pLo - 1, d.qLo, d.kind, us, ys, g, usable[usable.length - 1]) : null;
    const note = fit === chosen ? '' : ` (the ${chosen.model} model's extrapolation crosses p = 1 against the last blocks' own exponent ${fmtExponent(lastLocal)}; the ${fit.model} model is used)`;
    return { ...base, ...d, reason: d.reason + note, window, tailEstimate };
  }
  return { ...base, window, status: 'inconclusive', kind: 'wide', model: chosen.model, p: 1 + chosen.coef[1], pLo: NaN, pHi: NaN, q: NaN, qLo: NaN, qHi: NaN,
    reason: `undecided: every model's extrapolation crosses p = 1 against the exponent ${fmtExponent(lastLocal)} of the last two blocks on ${where}` };
}

/** A model's extrapolation must not cross p = 1 by more than this against the last two blocks' exponent. */
const VETO_MARGIN = 0.1;

type ModelDecision = Pick<SummabilityDecision, 'status' | 'kind' | 'reason' | 'model' | 'p' | 'pLo' | 'pHi' | 'q' | 'qLo' | 'qHi'>;

/** The decision one fitted model gives (intervals at `confidence`, the bands of the header). */
function decideWith(fit: ModelFit, confidence: number, where: string): ModelDecision {
  const t = studentTQuantile(0.5 + confidence / 2, fit.df);
  const a = fit.coef[1], aSe = fit.se[1];
  const q = fit.coef.length > 2 ? fit.coef[2] : 0, qSe = fit.coef.length > 2 ? fit.se[2] : 0;
  const aLo = a - t * aSe, aHi = a + t * aSe, qLo = q - t * qSe, qHi = q + t * qSe;
  const numbers = { p: 1 + a, pLo: 1 + aLo, pHi: 1 + aHi, q, qLo, qHi, model: fit.model };
  const pText = `p = ${fmtExponent(1 + a)} [${fmtExponent(1 + aLo)}, ${fmtExponent(1 + aHi)}]`;
  const qText = fit.coef.length > 2 ? `Bertrand q = ${fmtExponent(q)} [${fmtExponent(qLo)}, ${fmtExponent(qHi)}]` : 'no logarithmic factor (q = 0)';
  let status: VerdictStatus, kind: SummabilityDecision['kind'], reason: string;
  if (aLo > BOUNDARY_BAND) {
    status = 'holds'; kind = 'geometric';
    reason = `summable: ${where} decay geometrically, terms ≈ k^(−p) with ${pText} > 1`;
  } else if (aHi < -BOUNDARY_BAND) {
    status = 'fails'; kind = 'bounded-below';
    reason = `not summable: ${where} grow, terms ≈ k^(−p) with ${pText} < 1`;
  } else if (aLo >= -BOUNDARY_BAND && qLo > 1 + BERTRAND_BAND) {
    status = 'holds'; kind = 'bertrand';
    reason = `summable: at the boundary p ≈ 1 (${pText}) ${where} shrink like j^(−q) with ${qText} > 1 (Σ 1/(k ln^q k) converges)`;
  } else if (aHi <= HARMONIC_TOLERANCE && qHi < 1 - BERTRAND_BAND) {
    status = 'fails'; kind = a <= HARMONIC_TOLERANCE && q <= 0 ? 'bounded-below' : 'bertrand';
    reason = kind === 'bounded-below'
      ? `not summable: ${where} do not shrink (${pText}, ${qText}): the block sums are bounded below`
      : `not summable: at the boundary p ≈ 1 (${pText}) ${where} shrink only like j^(−q) with ${qText} < 1 (Σ 1/(k ln^q k) diverges)`;
  } else {
    status = 'inconclusive';
    const nearOne = qHi >= 1 - BERTRAND_BAND && qLo <= 1 + BERTRAND_BAND;
    if (aLo >= -BOUNDARY_BAND && aHi <= BOUNDARY_BAND && nearOne) {
      kind = 'bertrand';
      reason = `undecided: Bertrand q ≈ 1 — at the boundary p ≈ 1 (${pText}) ${where} shrink like j^(−q) with ${qText}, within ${fmt(BERTRAND_BAND)} of 1 (Σ 1/(k ln k) diverges, Σ 1/(k ln^q k) converges for q > 1)`;
    } else if (aLo >= -BOUNDARY_BAND && aHi <= BOUNDARY_BAND) {
      kind = 'boundary';
      reason = `undecided: ${pText} lies within ${fmt(BOUNDARY_BAND)} of 1 with ${qText}: summable only if p stays above 1 beyond the file`;
    } else {
      kind = 'wide';
      reason = `undecided: the intervals straddle the boundary (${pText}; ${qText}) on ${where}`;
    }
  }
  return { ...numbers, status, kind, reason };
}

/** The simplest model that no larger model beats by an F-test at 95%. */
function selectModel(fits: ModelFit[], ys: Float64Array): ModelFit {
  let yScale = 1;
  for (const y of ys) yScale = Math.max(yScale, Math.abs(y));
  const exact = ys.length * (1e-12 * yScale) ** 2; // a residual this small is rounding
  for (let s = 0; s < fits.length; s++) {
    const small = fits[s];
    let rejected = false;
    for (let b = s + 1; b < fits.length && !rejected; b++) {
      const big = fits[b];
      if (small.rss <= exact) break;
      if (big.rss <= exact) { rejected = true; break; }
      const dp = big.coef.length - small.coef.length;
      const F = ((small.rss - big.rss) / dp) / (big.rss / big.df);
      if (F > fQuantile(0.95, dp, big.df)) rejected = true;
    }
    if (!rejected) return small;
  }
  return fits[fits.length - 1];
}

/**
 * Σ_{k>n} v_k from the blocks beyond the file, at the conservative ends of the intervals, starting
 * from the larger of the observed and the fitted last block B: geometric decay continues as
 * B·r/(1 − r) with r = 2^(−(p_lo − 1)); on the Bertrand branch B_j ~ j^(−q) gives at most
 * B·J/(q_lo − 1) with J = log₂ n. Extrapolated, never rigorous.
 */
function extrapolatedTail(fit: ModelFit, aLo: number, qLo: number, kind: SummabilityDecision['kind'], us: Float64Array, ys: Float64Array, g: BlockGeometry, lastIndex: number): number {
  const last = us.length - 1;
  const u0 = us[last];
  let fitted = fit.coef[0] - fit.coef[1] * u0;
  if (fit.coef.length > 2) fitted -= fit.coef[2] * Math.log(u0);
  if (fit.coef.length > 3) fitted += fit.coef[3] * Math.exp(-u0);
  const lastBlock = Math.exp(Math.max(fitted, ys[last])) * g.harmonic[lastIndex];
  if (kind === 'bertrand') return (lastBlock * Math.log2(g.last)) / (qLo - 1);
  // the fitted ratio per block at p's lower end, or the last observed ratio when that is larger (a shift (k + c)^(−p) approaches from below)
  const fitted2 = Math.pow(2, -aLo);
  const observed = lastIndex > 0 && g.harmonic[lastIndex - 1] > 0 ? Math.exp(ys[last] - ys[last - 1]) * g.harmonic[lastIndex] / g.harmonic[lastIndex - 1] : NaN;
  const r = observed < 1 ? Math.max(fitted2, observed) : fitted2;
  return (lastBlock * r) / (1 - r);
}

/** Local exponents p = 1 − Δln g/Δu between neighbouring usable blocks (only where no block between them is 0). */
function localExponents(usable: number[], us: Float64Array, ys: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < usable.length; i++) {
    if (usable[i] !== usable[i - 1] + 1) return [];
    out.push(1 - (ys[i] - ys[i - 1]) / (us[i] - us[i - 1]));
  }
  return out;
}

function span(a: number, b: number): string {
  return a === b ? `layer ${a}` : `layers ${a}–${b}`;
}

/**
 * Indices of the blocks a decision looks at (the last MAX_BLOCKS that start at layer 3 or later),
 * and the depths at whose ends a per-block quantity must be known: the end of the block before the
 * window (or the window's first layer − 1) and every window block's last layer.
 */
export function decisionWindow(g: BlockGeometry): { blocks: number[]; depths: number[] } {
  const blocks: number[] = [];
  for (let i = g.from.length - 1; i >= 0 && blocks.length < MAX_BLOCKS; i--) if (g.from[i] >= FIRST_BLOCK_LAYER) blocks.push(i);
  blocks.reverse();
  const depths = blocks.length > 0 ? [g.from[blocks[0]] - 1, ...blocks.map((i) => g.to[i])] : [];
  return { blocks, depths };
}
