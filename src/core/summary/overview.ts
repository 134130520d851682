/** The numbers behind the top CodeLens and the Network overview panel. */
import { minusIdentity, norm2Vec, type DenseMatrix } from '../linalg/dense';
import { spectralNorm } from '../linalg/norms';
import type { Layer, Network } from '../network/model';
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { checkBudget, layerNormsCost, type AnalysisBudget } from '../network/budget';
import type { GroupSummary, NetworkSummary, OverviewLayerRow, OverviewResult } from '../../shared/analyses/overview';

/** A run of `count` consecutive equal widths. */
export interface WidthRun {
  readonly width: number;
  readonly count: number;
}

/**
 * "2, 16 (×3), 1": widths n_0..n_L with repeated runs compressed. "(×3)" rather than "16×3", which
 * reads like a matrix shape.
 */
export function compressWidths(widths: readonly number[]): string {
  return formatWidthRuns(widthRunsOf(widths));
}

export function formatWidthRuns(runs: readonly WidthRun[]): string {
  return runs.map((r) => (r.count > 1 ? `${r.width} (×${r.count})` : `${r.width}`)).join(', ');
}

function widthRunsOf(widths: readonly number[]): WidthRun[] {
  const runs: WidthRun[] = [];
  for (const w of widths) pushRun(runs, w, 1);
  return runs;
}

function pushRun(runs: WidthRun[], width: number, count: number): void {
  const last = runs[runs.length - 1];
  if (last && last.width === width) runs[runs.length - 1] = { width, count: last.count + count };
  else runs.push({ width, count });
}

/**
 * Widths n_0..n_L as runs, without a list as long as the network: a family of 10⁷ layers is one run.
 * Families keep one width across their layers; other groups (random layers by widths) are walked.
 */
export function widthRuns(net: Network): WidthRun[] {
  const runs: WidthRun[] = [];
  pushRun(runs, net.input.dim, 1);
  for (const g of net.groups) {
    if (g.type === 'family' || g.type === 'residual-family') pushRun(runs, net.outWidth(g.start), g.count);
    else for (let i = 0; i < g.count; i++) pushRun(runs, net.outWidth(g.start + i), 1);
  }
  return runs;
}

function layerShape(layer: Layer): string {
  if (layer.kind === 'dense') return `${layer.weights.rows}×${layer.weights.cols}`;
  return [layer.branch[0].weights.cols, ...layer.branch.map((l) => l.weights.rows)].join('→');
}

export function summarizeNetwork(net: Network, lineOf?: (offset: number) => number): NetworkSummary {
  const groups: GroupSummary[] = net.groups.map((g) => ({
    start: g.start,
    count: g.count,
    type: g.type,
    line: g.source && lineOf ? lineOf(g.source.offset) : undefined,
    source: g.source ? { offset: g.source.offset, length: g.source.length } : undefined,
    shape: `${net.inWidth(g.start)}→${net.outWidth(g.start)}`,
  }));
  return {
    name: net.name,
    inputDim: net.input.dim,
    outputDim: net.outputDim,
    depth: net.depth,
    widthsText: formatWidthRuns(widthRuns(net)),
    parameterCount: net.parameterCount,
    groups,
    probeNames: net.input.probes.map((p) => p.name),
  };
}

/** Log-spaced 0-based layer indices (always the first and the last), at most `max` of them. */
export function sampleLayerIndices(depth: number, max: number): number[] {
  if (depth <= max) return Array.from({ length: depth }, (_, i) => i);
  const set = new Set<number>();
  for (let i = 0; i < max; i++) set.add(Math.min(depth - 1, Math.round(Math.exp((Math.log(depth) * i) / (max - 1))) - 1));
  set.add(depth - 1);
  return [...set].sort((a, b) => a - b);
}

function denseRow(index: number, type: 'dense' | 'residual', shape: string, activation: string, w: DenseMatrix, b: Float64Array, ctx: AnalysisContext): OverviewLayerRow {
  return {
    layer: index + 1,
    type,
    shape,
    activation,
    normW: spectralNorm(w, ctx),
    normWminusI: w.rows === w.cols ? spectralNorm(minusIdentity(w), ctx) : null,
    normB: norm2Vec(b),
  };
}

export function overviewRows(net: Network, maxRows = 400, ctx: AnalysisContext = silentContext, budget?: AnalysisBudget): OverviewResult {
  const indices = sampleLayerIndices(net.depth, maxRows);
  // from the shapes, before any layer is generated: a family of width 10⁴ is refused at once
  checkBudget('the overview norms', layerNormsCost(net, indices), budget);
  const rows: OverviewLayerRow[] = [];
  indices.forEach((k, n) => {
    checkpoint(ctx, n / indices.length, `layer ${k + 1} of ${net.depth}`);
    const layer = net.layer(k);
    if (layer.kind === 'dense') {
      rows.push(denseRow(k, 'dense', layerShape(layer), layer.activation, layer.weights, layer.bias, ctx));
    } else {
      // a block's "W" is its branch; report the product bound Π‖W^{(k)}‖ and the total bias norm
      let normProduct = 1;
      let biasSq = 0;
      for (const l of layer.branch) {
        normProduct *= spectralNorm(l.weights, ctx);
        const nb = norm2Vec(l.bias);
        biasSq += nb * nb;
      }
      rows.push({ layer: k + 1, type: 'residual', shape: layerShape(layer), activation: layer.activation, normW: normProduct, normWminusI: null, normB: Math.sqrt(biasSq) });
    }
  });
  return { summary: summarizeNetwork(net), rows, sampled: indices.length < net.depth };
}
