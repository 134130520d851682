/**
 * What the depth-degeneracy analysis reports of each layer's Monte Carlo samples — their statistics,
 * a histogram and the KS test against the predicted density — as a parallel task over the layers
 * (src/core/parallel.ts): it runs after the last trial, when the helper threads would otherwise wait
 * while this thread alone went through every layer (~0.2 s of Figure 1's 2 s). Each layer's summary is
 * computed by one thread from the same numbers, so the results are the same bits on any number of threads.
 */
import type { DegeneracyHistogram } from '../../shared/analyses/degeneracy';
import { silentContext, type AnalysisContext } from '../context';
import { collectChunks, registerTask, shareable } from '../parallel';
import { cumulative, KsScratch, ksTest, type KsResult, type PredictedDensity } from './density';
import { sampleStats, type AngleSamples, type SampleStats } from './simulate';

/** One layer's summary (layer ≥ 1). */
export interface LayerSummary {
  readonly stats: SampleStats;
  readonly histogram: DegeneracyHistogram;
  /** null where no KS test was asked for */
  readonly ks: KsResult | null;
}

interface SummaryInput {
  /** AngleSamples.lnSin2 (shared with the helpers when a pool runs) */
  readonly lnSin2: Float64Array;
  readonly trials: number;
  readonly x: Float64Array;
  /** PredictedDensity.density, layer-major with `points` a row */
  readonly density: Float64Array;
  readonly points: number;
  readonly bins: number;
  /** ks[l − 1] = 1 where layer l gets a KS test */
  readonly ks: Uint8Array;
}

const SUMMARY_TASK = 'degeneracy.layer-summary';

/** KS buffers per run (per thread), dropped with the run's input: a layer's test reuses the last one's. */
const scratchOf = new WeakMap<SummaryInput, KsScratch>();

function summaryChunk(input: SummaryInput, chunk: number): LayerSummary {
  const { lnSin2, trials, x, density, points: P, bins } = input;
  const l = chunk + 1;
  const values = lnSin2.subarray(l * trials, (l + 1) * trials);
  let ks: KsResult | null = null;
  if (input.ks[chunk]) {
    let scratch = scratchOf.get(input);
    if (!scratch) scratchOf.set(input, (scratch = new KsScratch()));
    ks = ksTest(values, x, cumulative(x, density.subarray(l * P, (l + 1) * P)), scratch);
  }
  return { stats: sampleStats(values), histogram: histogram(values, l, bins, trials), ks };
}

registerTask(SUMMARY_TASK, summaryChunk as (input: never, chunk: number) => unknown);

/**
 * The summaries of layers 1..L, in layer order, on the pool's threads when one runs. `ksWanted(l)`
 * says whether layer l gets a KS test against `pred`.
 */
export function summarizeLayers(samples: AngleSamples, pred: PredictedDensity, bins: number, ksWanted: (layer: number) => boolean,
  ctx: AnalysisContext = silentContext): LayerSummary[] {
  const L = samples.layers;
  const ks = new Uint8Array(L);
  for (let l = 1; l <= L; l++) ks[l - 1] = ksWanted(l) ? 1 : 0;
  const input: SummaryInput = {
    lnSin2: shareable(samples.lnSin2), trials: samples.trials, x: pred.x, density: shareable(pred.density),
    points: pred.grid.points, bins, ks,
  };
  return collectChunks<LayerSummary>(SUMMARY_TASK, input, L, ctx);
}

/** Histogram of a layer's finite samples over their range, with `bins` equal bins. */
export function histogram(values: Float64Array, layer: number, bins: number, trials: number): DegeneracyHistogram {
  let lo = Infinity, hi = -Infinity;
  // indexed loops: for…of over a typed array's view ran at ~20 ns a value here
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  const edges = new Float64Array(bins + 1);
  const counts = new Float64Array(bins);
  const density = new Float64Array(bins);
  if (!(lo <= hi)) return { layer, edges, counts, density };
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const w = (hi - lo) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = lo + i * w;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const k = Math.min(bins - 1, Math.floor((v - lo) / w));
    counts[k]++;
  }
  for (let i = 0; i < bins; i++) density[i] = counts[i] / (trials * w);
  return { layer, edges, counts, density };
}

