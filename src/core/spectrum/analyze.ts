/**
 * The weight spectra of a network, layer by layer (the Spectrum panel and `depth-lens spectrum`).
 * Deep families are sampled like the overview table (log-spaced layers, always the first and the
 * last) and the result says so; progress is weighted by each matrix's SVD flops.
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { sampleLayerIndices, summarizeNetwork } from '../summary/overview';
import type { Network } from '../network/model';
import type { LayerSpectrum, SpectrumParams, SpectrumResult } from '../../shared/analyses/spectrum';
import { itemMatrix, itemsOfLayer, type NetworkItem } from './items';
import { DEFAULT_FULL_SVD_MAX_FLOPS, DEFAULT_TOP_K, fullSvdFlops, layerSpectrum } from './layer';
import { POWER_LAW_METHOD } from './powerLaw';

export const DEFAULT_MAX_LAYERS = 64;

/** A bad parameter (the user's to fix); every other error is an internal failure. */
export class SpectrumParamsError extends RangeError {}

function positiveInteger(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new SpectrumParamsError(`${what} must be a positive integer, got ${v}`);
  return v;
}

/** The 0-based layer indices the analysis covers, and whether that is a sample. */
export function spectrumLayerIndices(net: Network, params: SpectrumParams): { indices: number[]; sampled: boolean } {
  if (params.layers) {
    const seen = new Set<number>();
    for (const k of params.layers) {
      if (!Number.isInteger(k) || k < 1 || k > net.depth) throw new SpectrumParamsError(`layer ${k} is not a layer number of this network (1..${net.depth})`);
      seen.add(k - 1);
    }
    return { indices: [...seen].sort((a, b) => a - b), sampled: false };
  }
  const max = positiveInteger(params.maxLayers ?? DEFAULT_MAX_LAYERS, 'maxLayers');
  const indices = sampleLayerIndices(net.depth, Math.max(2, max));
  return { indices, sampled: indices.length < net.depth };
}

/** The singular-value analysis of one item (matrix) of the network. */
export function itemSpectrum(net: Network, item: NetworkItem, params: SpectrumParams, ctx: AnalysisContext = silentContext, onProgress?: (f: number) => void): LayerSpectrum {
  const matrix = itemMatrix(net, item);
  const { index: _index, kind, ...ref } = item;
  return layerSpectrum(ref, { kind: 'dense', matrix }, {
    fullSvdMaxFlops: params.fullSvdMaxFlops,
    topK: params.topK,
    minusIdentity: !params.skipMinusIdentity,
    minusIdentityNote: kind === 'branch' ? 'a branch layer: its block computes σ(x + branch(x)), so the identity is added by the shortcut, not subtracted from this matrix' : undefined,
    ctx,
    onProgress,
  });
}

export function analyzeSpectrum(net: Network, params: SpectrumParams = {}, ctx: AnalysisContext = silentContext): SpectrumResult {
  const fullSvdMaxFlops = params.fullSvdMaxFlops ?? DEFAULT_FULL_SVD_MAX_FLOPS;
  if (!(fullSvdMaxFlops >= 0)) throw new SpectrumParamsError(`fullSvdMaxFlops must be a non-negative number, got ${fullSvdMaxFlops}`);
  const topK = positiveInteger(params.topK ?? DEFAULT_TOP_K, 'topK');
  const maxLayers = positiveInteger(params.maxLayers ?? DEFAULT_MAX_LAYERS, 'maxLayers');
  const { indices, sampled } = spectrumLayerIndices(net, params);
  const items: NetworkItem[] = [];
  for (const k of indices) items.push(...itemsOfLayer(net, k));
  // weights for progress: each item's (capped) SVD work, twice for square ones (W − I)
  const weights = items.map((it) => {
    const flops = Math.min(fullSvdMaxFlops, fullSvdFlops({ kind: 'dense', matrix: { rows: it.rows, cols: it.cols, data: new Float64Array(0) } })) + it.rows * it.cols;
    return it.rows === it.cols && it.kind === 'dense' && !params.skipMinusIdentity ? 2 * flops : flops;
  });
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  let done = 0;
  const out: LayerSpectrum[] = [];
  items.forEach((item, i) => {
    checkpoint(ctx, done / total, `spectrum of ${item.label} (${i + 1} of ${items.length})`);
    const before = done;
    out.push(itemSpectrum(net, item, { ...params, fullSvdMaxFlops, topK }, ctx, (f) => ctx.progress((before + f * weights[i]) / total, `spectrum of ${item.label} (${i + 1} of ${items.length})`)));
    done += weights[i];
  });
  const notes: string[] = [];
  if (sampled) notes.push(`${net.depth} layers: showing ${indices.length} log-spaced layers (always the first and the last), as the overview does`);
  const topKCount = out.filter((s) => s.method.kind === 'top-k').length;
  if (topKCount) notes.push(`${topKCount} matri${topKCount === 1 ? 'x is' : 'ces are'} above the full-SVD budget (${fullSvdMaxFlops.toExponential(1)} flops): only their top ${topK} singular values were computed, by Lanczos`);
  const tooFew = out.filter((s) => s.powerLaw.status === 'too-few').length;
  if (tooFew) notes.push(`${tooFew} matri${tooFew === 1 ? 'x has' : 'ces have'} too few eigenvalues for a power-law fit of the ESD tail (they are listed, with their singular values, stable rank and MP comparison)`);
  return {
    summary: summarizeNetwork(net),
    items: out,
    totalItems: countItems(net),
    sampled,
    budget: { fullSvdMaxFlops, topK, maxLayers },
    powerLawMethod: POWER_LAW_METHOD,
    notes,
  };
}

/** Matrices in the whole network, without generating layers: dense layers count 1, blocks their branch length. */
function countItems(net: Network): number {
  let n = 0;
  for (const g of net.groups) {
    if (g.type === 'residual' || g.type === 'residual-family') {
      const first = net.layer(g.start);
      n += g.count * (first.kind === 'residual' ? first.branch.length : 1);
    } else n += g.count;
  }
  return n;
}
