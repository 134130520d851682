/** A summability decision as JSON (the dense and the conv `convergence --json` share it). */
import type { SummabilityDecision } from '../../shared/analyses/convergence';

/** The summability decision with its blocks as rows (JSON has no typed arrays). */
export function decisionJson(d: SummabilityDecision) {
  return {
    status: d.status, kind: d.kind, reason: d.reason, model: d.model,
    p: d.p, pLo: d.pLo, pHi: d.pHi, q: d.q, qLo: d.qLo, qHi: d.qHi, tailEstimate: d.tailEstimate, window: d.window, bands: d.bands,
    blocks: Array.from(d.blocks.from, (from, i) => ({ from, to: d.blocks.to[i], sum: d.blocks.sums[i] })),
  };
}
