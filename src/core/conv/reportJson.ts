/**
 * The JSON documents of `depth-lens convergence --json` and `depth-lens activations --json` on a conv
 * model (issue 14). Pure: the CLI prints them, and the conv views of the Convergence and Activations
 * panels export the same documents (webview/common/convExport.ts), so a file saved from a panel reads
 * like the CLI's output for the same images.
 */
import { decisionJson } from '../convergence/decisionJson';
import type { ConvConvergenceResult } from '../../shared/analyses/convConvergence';
import { BOUND_SLACK } from './convergence';
import type { ConvActivationsResult } from './activations';

/** The JSON document of `depth-lens convergence --json` on a conv model (`name`: the model's name in its file). */
export function convConvergenceJson(file: string, name: string | undefined, r: ConvConvergenceResult) {
  return {
    file,
    kind: 'conv',
    network: name ?? null,
    inputShape: r.inputShape,
    probes: r.probes,
    normRule: r.normRule,
    termsRule: 'a_n = Π_k ‖W^(n,k)‖₂ (S1 term), β_n = Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖₂ (S2 term); n numbers the blocks of a run from 1',
    boundRule: `at each probe: ‖x_n − x_{n−1}‖₂ ≤ a_n‖x_{n−1}‖₂ + β_n, which holds when x_{n−1} ≥ 0 (MATH.md §B); checked up to ${BOUND_SLACK} relative (the norms are Lanczos estimates)`,
    runs: r.runs.map((run) => ({
      index: run.index, stage: run.stage, shape: run.shape, blocks: run.blocks.length,
      S1: run.S1, S2: run.S2,
      sufficient: run.sufficient,
      s1Decision: decisionJson(run.s1Decision),
      s2Decision: decisionJson(run.s2Decision),
      boundHolds: run.boundHolds, maxBoundRatio: run.maxBoundRatio, termTrend: run.termTrend,
      terms: run.blocks.map((b) => ({
        block: b.block, n: b.n, op: b.op, shape: b.shape, branch: b.branch,
        a: b.a, beta: b.beta, S1: b.S1, S2: b.S2, aRatio: b.aRatio, betaRatio: b.betaRatio,
        probes: b.probes,
      })),
    })),
    notes: r.notes,
  };
}

/** "0110…" per channel: the channel's pattern as rows of its H×W plane, concatenated. */
function channelBits(pattern: Uint8Array, image: number, c: number, plane: number): string[] {
  const out: string[] = [];
  for (let ch = 0; ch < c; ch++) {
    const at = (image * c + ch) * plane;
    let s = '';
    for (let i = 0; i < plane; i++) s += pattern[at + i] ? '1' : '0';
    out.push(s);
  }
  return out;
}

/** The JSON document of `depth-lens activations --json` on a conv model (with `pattern` when the result kept them). */
export function convActivationsJson(file: string, name: string | undefined, r: ConvActivationsResult) {
  const per = r.output.length / r.images.length;
  return {
    file,
    kind: 'conv',
    network: name ?? null,
    inputShape: r.inputShape,
    images: r.images,
    outputShape: r.outputShape,
    output: r.images.map((_, i) => Array.from(r.output.subarray(i * per, (i + 1) * per))),
    sitesRule: 'relu: units with value > 0 (ties at 0 inactive, as torch); maxpool: input units that win at least one window; channelFraction[image][channel] = active units of the channel / its H·W',
    sites: r.sites.map((s) => {
      const channels = s.shape.length === 3 ? s.shape[0] : 1;
      const plane = s.units / channels;
      return {
        site: s.site, kind: s.kind, op: s.op + 1, shape: s.shape, units: s.units,
        active: s.active, fraction: s.fraction, channelFraction: s.channelFraction, deadChannels: s.deadChannels,
        ...(s.pattern ? { pattern: r.images.map((_, i) => channelBits(s.pattern!, i, channels, plane)) } : {}),
      };
    }),
  };
}
