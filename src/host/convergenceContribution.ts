/**
 * Convergence in the editor (MATH.md §A, §B): a CodeLens at the top with the sufficient-condition
 * verdict and its two sums, one per layer group with that group's norms, and Warning diagnostics on
 * the layer groups where the necessary condition (W_k → I, b_k → 0) fails — which the core reports
 * only where its theorem applies (non-degeneracy established). Lenses and diagnostics share one
 * worker run per (document version, norm); a newer version cancels an older run.
 */
import * as vscode from 'vscode';
import { COMMANDS } from './commands';
import type { ContributionServices, DocumentContribution } from './contributions';
import type { DocumentState } from './diagnostics';
import { documentSource } from './networkDocuments';
import { RunCache } from './runCache';
import { RpcError } from '../shared/rpc';
import type { ConvergenceResult, LayerRangeReport, VerdictStatus } from '../shared/analyses/convergence';
import { denseConvergence } from '../shared/analyses/convPanels';
import type { GroupSummary } from '../shared/analyses/overview';

export const CONVERGENCE_DIAGNOSTIC_CODE = 'convergence-necessary-fails';
/** Enough points for the per-group lenses; the panel asks for its own run. */
const LENS_MAX_POINTS = 1000;
/** Per-group lenses stop where the base provider stops. */
const MAX_GROUP_LENSES = 200;

/**
 * The lens title of a budget refusal (core/network/budget.ts checkBudget's message), e.g.
 * "Convergence not analysed: needs about 1.0e7 multiply-adds, above depthLens.analysis.maxWork (1.0e6)";
 * undefined for any other error.
 */
export function budgetRefusal(message: string): string | undefined {
  const m = /needs about (.+?) \(.*\), above the budget of (\S+?)( MB)?;/.exec(message);
  if (!m) return undefined;
  const setting = m[3] ? 'depthLens.analysis.maxMemoryMB' : 'depthLens.analysis.maxWork';
  return `Convergence not analysed: needs about ${m[1]}, above ${setting} (${m[2]}${m[3] ?? ''})`;
}

/** "0.8214" / "3.4e-9": 5 significant digits, exponent form outside [1e-3, 1e5). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(5))) : v.toExponential(2).replace('e+', 'e');
}

const STATUS_WORD: Record<VerdictStatus, string> = { holds: 'holds', fails: 'fails', inconclusive: 'inconclusive' };

export class ConvergenceContribution implements DocumentContribution {
  readonly name = 'convergence';
  private readonly runs: RunCache<ConvergenceResult>;

  constructor(
    private readonly services: ContributionServices,
    /** the README shipped with the extension; the diagnostic code links to its section */
    private readonly readme?: vscode.Uri,
  ) {
    this.runs = new RunCache('convergence', services.log);
  }

  /** The shared run for this document version (started now if there is none). */
  resultFor(doc: vscode.TextDocument): Promise<ConvergenceResult> {
    const settings = this.services.config.analysisSettings;
    return this.runs.get(doc.uri.toString(), `${doc.version}|${settings.norm}|${settings.budget?.maxWork}|${settings.budget?.maxMemoryMB}`, (token) =>
      // its own lane: a panel opened from the file never waits behind the lens run (workerClient.ts)
      this.services.worker.request('convergence', documentSource(doc), { maxPoints: LENS_MAX_POINTS }, settings, { token, lane: 'editor' }).then(denseConvergence));
  }

  invalidate(uri: vscode.Uri): void {
    this.runs.forget(uri.toString());
  }

  dispose(): void {
    this.runs.dispose();
  }

  async lenses(doc: vscode.TextDocument, state: DocumentState, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const top = new vscode.Range(0, 0, 0, 0);
    let r: ConvergenceResult;
    try {
      r = await this.resultFor(doc);
    } catch (e) {
      // refused by depthLens.analysis.maxWork / maxMemoryMB before any work: say so where the verdict would be
      const refusal = e instanceof RpcError && e.code === 'bad-params' ? budgetRefusal(e.message) : undefined;
      if (!refusal) throw e;
      return [new vscode.CodeLens(top, { title: refusal, tooltip: (e as RpcError).message, command: 'workbench.action.openSettings', arguments: ['depthLens.analysis'] })];
    }
    if (token.isCancellationRequested) return [];
    const lenses = [
      new vscode.CodeLens(top, { title: networkLensTitle(r), tooltip: `${r.verdicts.sufficient.reason}\n\n${r.verdicts.sufficient.theorem}`, command: '' }),
      new vscode.CodeLens(top, { title: 'Open convergence', tooltip: 'Plots, fits and verdicts of the convergence analysis', command: COMMANDS.openConvergence, arguments: [doc.uri] }),
    ];
    const groups = state.summary?.groups ?? [];
    if (groups.length > MAX_GROUP_LENSES) return lenses;
    groups.forEach((g) => {
      if (g.line === undefined) return;
      const title = groupLensTitle(r, g);
      if (title) lenses.push(new vscode.CodeLens(new vscode.Range(g.line, 0, g.line, 0), { title, command: '' }));
    });
    return lenses;
  }

  async diagnostics(doc: vscode.TextDocument, state: DocumentState, token: vscode.CancellationToken): Promise<vscode.Diagnostic[]> {
    if (!this.services.config.convergenceWarnings) return [];
    const r = await this.resultFor(doc);
    if (token.isCancellationRequested) return [];
    const necessary = r.verdicts.necessary;
    // the core says 'fails' only with the non-degeneracy assumption established; violated or unknown
    // gives 'inconclusive' (W_k = I/2 converges although ‖W_k − I‖ stays at 1/2) and no warning
    if (necessary.status !== 'fails') return [];
    const groups = state.summary?.groups ?? [];
    const out: vscode.Diagnostic[] = [];
    for (const v of necessary.violations) {
      for (const gi of v.groups) {
        const g = groups[gi];
        const range = g ? groupRange(doc, g) : new vscode.Range(0, 0, 0, 1);
        const diag = new vscode.Diagnostic(range, violationMessage(r, v, g), vscode.DiagnosticSeverity.Warning);
        diag.source = 'depth-lens';
        diag.code = this.readme
          ? { value: CONVERGENCE_DIAGNOSTIC_CODE, target: this.readme.with({ fragment: `diagnostic-${CONVERGENCE_DIAGNOSTIC_CODE}` }) }
          : CONVERGENCE_DIAGNOSTIC_CODE;
        out.push(diag);
      }
    }
    return out;
  }
}

/** "Convergence: sufficient condition holds (Σ‖W−I‖ = 0.8214, Σ‖b‖ = 1.4644)" */
export function networkLensTitle(r: ConvergenceResult): string {
  if (r.kind === 'none') return 'Convergence: no width-preserving layers to analyse';
  const s = r.verdicts.sufficient;
  const sums = r.kind === 'residual'
    ? `S1 = ${formatValue(r.series.weight.sum)}, S2 = ${formatValue(r.series.bias.sum)}`
    : r.kind === 'mixed'
      ? `Σw = ${formatValue(r.series.weight.sum)}, Σβ = ${formatValue(r.series.bias.sum)}: dense ‖W−I‖, ‖b‖ and block S1, S2 terms`
      : `Σ‖W−I‖ = ${formatValue(r.series.weight.sum)}, Σ‖b‖ = ${formatValue(r.series.bias.sum)}`;
  const layers = r.sequence.first === 1 && r.sequence.last === r.depth ? '' : ` over layers ${r.sequence.first}–${r.sequence.last}`;
  return `Convergence: sufficient condition ${STATUS_WORD[s.status]} (${sums}${layers})`;
}

/** Index of layer number k in the (possibly thinned) per-layer arrays, or −1. */
function layerSlot(r: ConvergenceResult, k: number): number {
  const numbers = r.sampled?.layerNumbers;
  if (!numbers) return k >= 1 && k <= r.depth ? k - 1 : -1;
  let lo = 0, hi = numbers.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (numbers[mid] === k) return mid;
    if (numbers[mid] < k) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

function valueAt(a: Float64Array, r: ConvergenceResult, k: number): number {
  const i = layerSlot(r, k);
  return i < 0 ? NaN : a[i];
}

/** "‖W_k − I‖: 0.12 → 3.4e-9 · ‖b_k‖: 0.5 → 1e-8" for a family, "‖W − I‖ = 0.12 · ‖b‖ = 0.5" for one layer. */
export function groupLensTitle(r: ConvergenceResult, g: GroupSummary): string | undefined {
  const first = g.start + 1, last = g.start + g.count;
  if (last < r.sequence.first || first > r.sequence.last) return undefined; // not in the analysed sequence
  const residual = !Number.isNaN(valueAt(r.layers.s1Term, r, first));
  // names for one layer and for a run of layers
  const [wa, wNames, ba, bNames] = residual
    ? [r.layers.s1Term, ['S1 term Π‖W^(k)‖', 'S1 terms'], r.layers.s2Term, ['S2 term', 'S2 terms']]
    : [r.layers.normWminusI, ['‖W − I‖', '‖W_k − I‖'], r.layers.normB, ['‖b‖', '‖b_k‖']];
  const part = (a: Float64Array, names: string[]): string | undefined => {
    const v0 = valueAt(a, r, first);
    if (Number.isNaN(v0)) return undefined;
    if (g.count === 1) return `${names[0]} = ${formatValue(v0)}`;
    return `${names[1]}: ${formatValue(v0)} → ${formatValue(valueAt(a, r, last))}`;
  };
  const parts = [part(wa, wNames), part(ba, bNames)].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

function groupRange(doc: vscode.TextDocument, g: GroupSummary): vscode.Range {
  if (g.source) return new vscode.Range(doc.positionAt(g.source.offset), doc.positionAt(g.source.offset + g.source.length));
  const line = g.line ?? 0;
  return doc.lineAt(Math.min(line, doc.lineCount - 1)).range;
}

function violationMessage(r: ConvergenceResult, v: LayerRangeReport, g: GroupSummary | undefined): string {
  const n = r.verdicts.necessary;
  const what = v.quantity === 'weight' ? `‖W_k − I‖ (${r.norm}-norm)` : `‖b_k‖ (${r.vectorNorm})`;
  const limit = v.quantity === 'weight' ? 'W_k → I' : 'b_k → 0';
  const first = v.start + 1, last = v.end + 1;
  const layers = first === last ? `layer ${first}` : `layers ${first}–${last}`;
  const values = v.min === v.max ? `= ${formatValue(v.min)}` : `between ${formatValue(v.min)} and ${formatValue(v.max)}`;
  const inGroup = g && g.count > 1 ? ` (this ${g.type} covers layers ${g.start + 1}–${g.start + g.count})` : '';
  return `Necessary condition for convergence fails: ${what} ${values} on ${layers}${inGroup}, never below the threshold τ = ${formatValue(v.threshold)}, so ${limit} is not visible in the tail. `
    + `Non-degeneracy assumption (${n.assumption.status}): ${n.assumption.reason.replace(/\.$/, '')}; so the theorem applies and N_k(x) is not expected to converge. `
    + '(Without non-degeneracy the condition would not be necessary: W_k = I/2, b_k = 0 converges to 0.)';
}
