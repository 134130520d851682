/**
 * Which layers the convergence analysis treats as "the depth sequence": a run of consecutive
 * width-preserving layers (the theory of MATH.md §A is for a fixed width m). A network may have
 * several runs — an embedding, a long family, a few square read-out layers — and the default is the
 * longest (ties: the last), because that is where a depth limit can be seen.
 */
import type { Network } from '../network/model';
import type { LayerRun } from '../../shared/analyses/convergence';

/** Every maximal run of layers with inWidth = outWidth, in order (1-based layer numbers). */
export function widthPreservingRuns(network: Network): LayerRun[] {
  const runs: LayerRun[] = [];
  let start = -1;
  const close = (end: number) => {
    if (start >= 0) runs.push({ first: start + 1, last: end + 1, width: network.outWidth(end) });
    start = -1;
  };
  for (let i = 0; i < network.depth; i++) {
    if (network.inWidth(i) !== network.outWidth(i)) close(i - 1);
    else if (start < 0) start = i;
  }
  close(network.depth - 1);
  return runs;
}

/** The default run: the longest, ties to the last. −1 when there is none. */
export function defaultRun(runs: readonly LayerRun[]): number {
  let best = -1;
  runs.forEach((r, i) => { if (best < 0 || r.last - r.first >= runs[best].last - runs[best].first) best = i; });
  return best;
}

/** "layer 5" or "layers 5–9" */
export function layerSpan(first: number, last: number): string {
  return first === last ? `layer ${first}` : `layers ${first}–${last}`;
}

/** What the reader must know about the chosen run: what comes before and after it, and the other runs. */
export function runNotes(network: Network, runs: readonly LayerRun[], index: number, requested: boolean): string[] {
  const depth = network.depth;
  if (index < 0) {
    return [depth === 0
      ? 'the network has no layers, so there is no depth sequence to analyse'
      : `no layer keeps its width (each of the ${depth} layer${depth === 1 ? '' : 's'} changes it), so there is no depth sequence to analyse`];
  }
  const run = runs[index];
  const notes: string[] = [];
  const change = (k: number) => `layer ${k} changes the width from ${network.inWidth(k - 1)} to ${network.outWidth(k - 1)}`;
  if (run.first > 1) notes.push(`${layerSpan(1, run.first - 1)} come${run.first - 1 === 1 ? 's' : ''} before the analysed run and act${run.first - 1 === 1 ? 's' : ''} as a fixed input map (${change(run.first - 1)}); the series start at layer ${run.first}`);
  if (run.last < depth) notes.push(`${layerSpan(run.last + 1, depth)} come${run.last + 1 === depth ? 's' : ''} after the analysed run and ${run.last + 1 === depth ? 'is' : 'are'} left out (${change(run.last + 1)})`);
  if (runs.length > 1) {
    const list = runs.map((r, i) => `${i + 1}: ${layerSpan(r.first, r.last)} (width ${r.width})`).join('; ');
    const why = requested ? 'as requested' : 'the longest; ties go to the last';
    notes.push(`the network has ${runs.length} width-preserving runs — ${list}; analysed: run ${index + 1} (${why}). Pick another with --run N (CLI) or the panel's Run selector`);
  }
  return notes;
}

/** How a run of dense layers and residual blocks is combined into one pair of series. */
export function mixedRunNote(denseLayers: number, residualBlocks: number): string {
  return `the run mixes ${denseLayers} dense layer${denseLayers === 1 ? '' : 's'} and ${residualBlocks} residual block${residualBlocks === 1 ? '' : 's'}: ` +
    'each dense layer contributes w_k = ‖W_k − I‖ and β_k = ‖b_k‖, each block its S1 term a_n = Π_k ‖W^(n,k)‖ and S2 term β_n; ' +
    'both kinds satisfy ‖N_k − N_{k−1}‖ ≤ w_k‖N_{k−1}‖ + β_k, so the sufficient condition is Σ w_k < ∞ and Σ β_k < ∞ over the whole run ' +
    '(series.parts has the dense and the block sums separately)';
}
