/**
 * Comparing two networks (two checkpoints of one model, initialisation against trained, before and
 * after an edit). Works on the one network model, so A and B may come from any formats the readers
 * understand. Everything is deterministic: a network compared with itself gives exactly zero change
 * everywhere (the same computation on the same numbers), which the result's `identical` states.
 */
import { CancelledError, checkpoint, silentContext, type AnalysisContext } from '../context';
import { analyzeConvergence } from '../convergence';
import { minusIdentity as subtractIdentity, norm2Vec, type DenseMatrix } from '../linalg/dense';
import { frobeniusNorm, spectralNorm } from '../linalg/norms';
import type { Network } from '../network/model';
import { sampleLayerIndices, summarizeNetwork } from '../summary/overview';
import { allItems, itemLayer, printable, type NetworkItem } from '../spectrum/items';
import { itemSpectrum } from '../spectrum/analyze';
import type {
  CompareParams, CompareResult, CompareSpectraResult, ConvergenceComparison, ConvergenceDigest, LayerChange, LayerMatching, SeriesDigest, VerdictDigest,
} from '../../shared/analyses/compare';
import type { ConvergenceResult, SeriesSummary, Verdict } from '../../shared/analyses/convergence';
import { matchItems, pairAt, refOf } from './match';
import { compareRegions } from './regions';

export const DEFAULT_MAX_PAIRS = 400;
/** per-layer convergence terms shipped per side (log-spaced beyond) */
const MAX_SERIES_POINTS = 400;

/** A bad parameter (the user's to fix). */
export class CompareParamsError extends RangeError {}

export interface NamedNetwork {
  readonly network: Network;
  /** the file name as the user sees it */
  readonly file: string;
  readonly uri?: string;
}

function difference(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  const data = new Float64Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i] - b.data[i];
  return { rows: a.rows, cols: a.cols, data };
}

function biasDifference(a: Float64Array, b: Float64Array): number {
  const d = new Float64Array(a.length);
  for (let i = 0; i < d.length; i++) d[i] = a[i] - b[i];
  return norm2Vec(d);
}

function layerChange(pair: number, a: Network, ia: NetworkItem, indexA: number, b: Network, ib: NetworkItem, indexB: number, ctx: AnalysisContext): LayerChange {
  const la = itemLayer(a, ia), lb = itemLayer(b, ib);
  const wa = la.weights, wb = lb.weights;
  const diff = difference(wa, wb);
  const normA = spectralNorm(wa, ctx), normB = spectralNorm(wb, ctx);
  const diffNorm = spectralNorm(diff, ctx);
  const square = ia.kind === 'dense' && wa.rows === wa.cols;
  let minusIdentity: LayerChange['minusIdentity'] = null;
  if (square) {
    const ma = spectralNorm(subtractIdentity(wa), ctx), mb = spectralNorm(subtractIdentity(wb), ctx);
    minusIdentity = { a: ma, b: mb, change: mb - ma };
  }
  return {
    pair,
    a: refOf(ia, indexA),
    b: refOf(ib, indexB),
    label: ia.label === ib.label ? ia.label : `${ia.label} ↔ ${ib.label}`,
    rows: wa.rows,
    cols: wa.cols,
    normA,
    normB,
    diffNorm,
    relativeChange: diffNorm === 0 ? 0 : normA === 0 ? Infinity : diffNorm / normA,
    diffFrobenius: frobeniusNorm(diff),
    biasDiff: la.bias.length === lb.bias.length ? biasDifference(la.bias, lb.bias) : NaN,
    minusIdentity,
  };
}

function seriesDigest(s: SeriesSummary): SeriesDigest {
  return { label: s.label, sum: s.sum, summable: s.summable, p: s.fit.p, lo: s.fit.lo, hi: s.fit.hi };
}

function verdictDigest(v: Verdict): VerdictDigest {
  return { status: v.status, reason: v.reason, basis: v.basis };
}

/** The convergence numbers the comparison shows, with the per-layer weight terms thinned log-spaced. */
export function digestConvergence(r: ConvergenceResult): ConvergenceDigest {
  const terms = r.layers.normWminusI, s1 = r.layers.s1Term;
  const { first, last } = r.sequence;
  const count = Math.max(0, last - first + 1);
  const picks = sampleLayerIndices(count, MAX_SERIES_POINTS);
  const layerNumbers = Float64Array.from(picks, (j) => first + j);
  const weightTerms = Float64Array.from(picks, (j) => {
    const i = first - 1 + j;
    return Number.isNaN(terms[i]) ? s1[i] : terms[i];
  });
  return {
    kind: r.kind,
    norm: r.norm,
    sequence: r.sequence,
    series: { weight: seriesDigest(r.series.weight), bias: seriesDigest(r.series.bias) },
    verdicts: { sufficient: verdictDigest(r.verdicts.sufficient), necessary: verdictDigest(r.verdicts.necessary), pointwise: verdictDigest(r.verdicts.pointwise) },
    layerNumbers,
    weightTerms,
    notes: r.notes,
  };
}

function convergenceSide(net: Network, norm: CompareOptions['norm'], ctx: AnalysisContext): { digest: ConvergenceDigest | null; error?: string } {
  try {
    return { digest: digestConvergence(analyzeConvergence(net, { norm }, ctx)) };
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    return { digest: null, error: e instanceof Error ? e.message : String(e) };
  }
}

export interface CompareOptions {
  /** matrix norm of the convergence analyses (default '2') */
  readonly norm?: '2' | '1' | 'inf' | 'fro';
}

/** A share of the progress bar for a sub-step. */
function scoped(ctx: AnalysisContext, from: number, to: number): AnalysisContext {
  return { isCancelled: () => ctx.isCancelled(), progress: (f, m) => ctx.progress(from + (to - from) * Math.max(0, Math.min(1, f)), m) };
}

export function compareNetworks(A: NamedNetwork, B: NamedNetwork, params: CompareParams = {}, ctx: AnalysisContext = silentContext, options: CompareOptions = {}): CompareResult {
  const maxPairs = params.maxPairs ?? DEFAULT_MAX_PAIRS;
  if (!Number.isInteger(maxPairs) || maxPairs < 1) throw new CompareParamsError(`maxPairs must be a positive integer, got ${maxPairs}`);
  const a = A.network, b = B.network;
  checkpoint(ctx, 0, 'matching layers');
  const { itemsA, itemsB, matching } = prepareMatching(a, b);
  const picks = sampleLayerIndices(matching.pairCount, maxPairs);
  const sampled = picks.length < matching.pairCount;
  const wantConvergence = params.convergence !== false;
  const wantRegions = params.regions !== false;
  const layerShare = wantConvergence || wantRegions ? 0.5 : 1;
  const layers: LayerChange[] = [];
  picks.forEach((p, n) => {
    const pair = pairAt(matching, p)!;
    checkpoint(ctx, (layerShare * n) / Math.max(1, picks.length), `comparing ${itemsA[pair.a].label} (${n + 1} of ${picks.length})`);
    layers.push(layerChange(p, a, itemsA[pair.a], pair.a, b, itemsB[pair.b], pair.b, ctx));
  });

  let convergence: ConvergenceComparison | null = null;
  const convShare = wantRegions ? 0.3 : 0.5;
  if (wantConvergence) {
    const from = layerShare;
    const ca = convergenceSide(a, options.norm, scoped(ctx, from, from + convShare / 2));
    const cb = convergenceSide(b, options.norm, scoped(ctx, from + convShare / 2, from + convShare));
    const both = ca.digest && cb.digest;
    convergence = {
      a: ca.digest,
      b: cb.digest,
      ...(ca.error ? { errorA: ca.error } : {}),
      ...(cb.error ? { errorB: cb.error } : {}),
      weightSumChange: both ? cb.digest!.series.weight.sum - ca.digest!.series.weight.sum : null,
      biasSumChange: both ? cb.digest!.series.bias.sum - ca.digest!.series.bias.sum : null,
    };
  }
  const regions = wantRegions ? compareRegions(a, b, params, scoped(ctx, layerShare + (wantConvergence ? convShare : 0), 1)) : null;

  const notes: string[] = [];
  if (sampled) notes.push(`${matching.pairCount} matched matrices: the table shows ${picks.length} log-spaced pairs (always the first and the last), as the overview does`);
  const unmatchedA = matching.onlyA.reduce((n, r) => n + r.count, 0), unmatchedB = matching.onlyB.reduce((n, r) => n + r.count, 0);
  if (unmatchedA || unmatchedB) notes.push(`${unmatchedA} matri${unmatchedA === 1 ? 'x' : 'ces'} of A and ${unmatchedB} of B have no counterpart (listed with the reason)`);
  const zeroLayers = layers.every((l) => l.diffNorm === 0 && l.diffFrobenius === 0 && (Number.isNaN(l.biasDiff) || l.biasDiff === 0) && (!l.minusIdentity || l.minusIdentity.change === 0));
  const zeroConvergence = !convergence || (convergence.weightSumChange === 0 && convergence.biasSumChange === 0) || (!convergence.a && !convergence.b && convergence.errorA === convergence.errorB);
  const zeroRegions = !regions || !regions.a || !regions.b || (regions.a.moved === 0 && regions.a.only === 0 && regions.b.moved === 0 && regions.b.only === 0);
  const identical = zeroLayers && zeroConvergence && zeroRegions && matching.onlyA.length === 0 && matching.onlyB.length === 0;
  return {
    a: { file: printable(A.file), uri: A.uri, summary: summarizeNetwork(a), items: itemsA.length },
    b: { file: printable(B.file), uri: B.uri, summary: summarizeNetwork(b), items: itemsB.length },
    matching,
    layers,
    sampled,
    convergence,
    regions,
    identical,
    notes,
  };
}

/** The matrices of both networks and how they match (compute once, reuse for every pair). */
export interface PreparedMatching {
  readonly itemsA: NetworkItem[];
  readonly itemsB: NetworkItem[];
  readonly matching: LayerMatching;
}

export function prepareMatching(a: Network, b: Network): PreparedMatching {
  const itemsA = allItems(a), itemsB = allItems(b);
  return { itemsA, itemsB, matching: matchItems(itemsA, itemsB) };
}

/** Both spectra of one matched pair (for the overlaid ESDs). */
export function compareSpectra(a: Network, b: Network, pair: number, params: { fullSvdMaxFlops?: number; topK?: number } = {}, ctx: AnalysisContext = silentContext, prepared: PreparedMatching = prepareMatching(a, b)): CompareSpectraResult {
  const { itemsA, itemsB, matching } = prepared;
  const p = pairAt(matching, pair);
  if (!p) throw new CompareParamsError(`pair must be an integer in 0..${matching.pairCount - 1}, got ${pair}`);
  const ia = itemsA[p.a], ib = itemsB[p.b];
  return {
    pair,
    a: itemSpectrum(a, ia, params, scoped(ctx, 0, 0.5), (f) => ctx.progress(f / 2, `spectrum of A's ${ia.label}`)),
    b: itemSpectrum(b, ib, params, scoped(ctx, 0.5, 1), (f) => ctx.progress(0.5 + f / 2, `spectrum of B's ${ib.label}`)),
  };
}
