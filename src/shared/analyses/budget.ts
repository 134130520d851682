/**
 * The budget every analysis is checked against before it starts (src/core/network/budget.ts): from
 * the settings depthLens.analysis.maxWork / maxMemoryMB, or the CLI's --max-work / --max-memory-mb.
 */
export interface AnalysisBudget {
  /** multiply-adds (about 1–2 ns each on one core) */
  readonly maxWork: number;
  /** memory an analysis may keep, in MB (1 MB = 2^20 bytes) */
  readonly maxMemoryMB: number;
}
