/**
 * Activation patterns in the editor (MATH.md §A): per layer group a CodeLens "active k/m at probe
 * NAME" at the file's first probe (without probes: the centre of the input domain, or the origin),
 * from one worker `activations` run per document version. A family of many layers gets one lens
 * that summarises the group (min–max active). A newer version cancels an older run.
 */
import * as vscode from 'vscode';
import { COMMANDS } from './commands';
import type { ContributionServices, DocumentContribution } from './contributions';
import type { DocumentState } from './diagnostics';
import { documentSource } from './networkDocuments';
import { RunCache } from './runCache';
import type { ActivationsResult, ActivationSummary, LayerActivation } from '../shared/analyses/activations';
import { denseActivations } from '../shared/analyses/convPanels';
import type { GroupSummary } from '../shared/analyses/overview';

/** Per-group lenses stop where the base provider stops. */
const MAX_GROUP_LENSES = 200;
/**
 * Deeper files send every layer's counts in the result's summary and only a sample of the layers in
 * full: 10⁵ full layers are a 28 MB reply that costs the extension host's thread ~250 ms to receive.
 */
const LENS_MAX_LAYERS = 2000;

/** "0.25" / "1e-7": short coordinates for lens titles. */
function coordinate(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(2).replace('e+', 'e');
}

/**
 * Where the lenses are evaluated: "probe NAME"; without probes the worker uses the input domain's
 * centre, or the origin without a domain. A zero input is called the origin (when the domain is
 * centred at 0 both names are true).
 */
export function inputDescription(probe: string | undefined, input: ArrayLike<number>): string {
  if (probe !== undefined) return `probe ${probe}`;
  const xs = Array.from(input);
  if (xs.every((v) => v === 0)) return 'the origin';
  const shown = xs.length <= 4 ? xs.map(coordinate).join(', ') : `${xs.slice(0, 3).map(coordinate).join(', ')}, …`;
  return `the domain centre (${shown})`;
}

/** The ReLU layers of a group (1-based numbers g.start+1 .. g.start+count); linear layers have no pattern. */
function reluLayers(r: ActivationsResult, g: GroupSummary): LayerActivation[] {
  return r.layers.slice(g.start, g.start + g.count).filter((l) => l.relu);
}

/**
 * "active 5/8 at probe a" for one layer; for a run of layers "active 2–7/8 at probe a (layers 3–40)"
 * (min–max over the group's ReLU layers; widths "8" or "4–8" when they differ). Undefined when the
 * group has no ReLU layer (an affine output layer).
 */
export function groupActivationTitle(r: ActivationsResult, g: GroupSummary, where: string): string | undefined {
  if (r.summary) return summaryTitle(r.summary, g, where);
  const layers = reluLayers(r, g);
  if (layers.length === 0) return undefined;
  if (layers.length === 1) {
    const l = layers[0];
    return `active ${l.active}/${l.width} at ${where}${g.count > 1 ? ` (layer ${l.layer})` : ''}`;
  }
  let lo = Infinity, hi = -Infinity, wlo = Infinity, whi = -Infinity;
  for (const l of layers) {
    lo = Math.min(lo, l.active); hi = Math.max(hi, l.active);
    wlo = Math.min(wlo, l.width); whi = Math.max(whi, l.width);
  }
  const active = lo === hi ? String(lo) : `${lo}–${hi}`;
  const width = wlo === whi ? String(wlo) : `${wlo}–${whi}`;
  return `active ${active}/${width} at ${where} (layers ${layers[0].layer}–${layers[layers.length - 1].layer})`;
}

/** groupActivationTitle from the summary of a deep file (every layer's own-unit counts). */
function summaryTitle(s: ActivationSummary, g: GroupSummary, where: string): string | undefined {
  let lo = Infinity, hi = -Infinity, wlo = Infinity, whi = -Infinity, first = 0, last = 0, n = 0;
  const end = Math.min(g.start + g.count, s.from - 1 + s.active.length);
  for (let k = g.start; k < end; k++) {
    const i = k - (s.from - 1);
    if (i < 0 || s.relu[i] === 0) continue;
    lo = Math.min(lo, s.active[i]); hi = Math.max(hi, s.active[i]);
    wlo = Math.min(wlo, s.relu[i]); whi = Math.max(whi, s.relu[i]);
    if (n === 0) first = k + 1;
    last = k + 1;
    n++;
  }
  if (n === 0) return undefined;
  if (n === 1) return `active ${lo}/${wlo} at ${where}${g.count > 1 ? ` (layer ${first})` : ''}`;
  const active = lo === hi ? String(lo) : `${lo}–${hi}`;
  const width = wlo === whi ? String(wlo) : `${wlo}–${whi}`;
  return `active ${active}/${width} at ${where} (layers ${first}–${last})`;
}

/** Tooltip: the per-layer counts (up to a few), branch counts of residual blocks, boundary ties. */
function groupTooltip(r: ActivationsResult, g: GroupSummary): string {
  if (r.summary) {
    // a deep file: the first layers of the group from the summary (no branch detail)
    const s = r.summary;
    const lines: string[] = [];
    let more = 0;
    for (let k = g.start; k < Math.min(g.start + g.count, s.active.length); k++) {
      if (s.relu[k] === 0) continue;
      if (lines.length < 12) lines.push(`layer ${k + 1}: ${s.active[k]}/${s.relu[k]} active`);
      else more++;
    }
    if (more > 0) lines.push(`… ${more.toLocaleString('en-US')} more layers`);
    return `Active ReLU neurons (pre-activation > 0) of J_k(x):\n${lines.join('\n')}\n\nClick to open the Activations panel.`;
  }
  const layers = reluLayers(r, g);
  const lines = layers.slice(0, 12).map((l) => {
    const branch = (l.branch ?? []).filter((b) => b.relu).map((b) => `branch ${b.branchLayer}: ${b.active}/${b.width}`);
    const tie = l.onBoundary > 0 ? `, ${l.onBoundary} on a boundary` : '';
    return `${l.label}: ${l.active}/${l.width} active${branch.length ? ` (${branch.join(', ')})` : ''}${tie}`;
  });
  if (layers.length > 12) lines.push(`… ${layers.length - 12} more layers`);
  return `Active ReLU neurons (pre-activation > 0) of J_k(x):\n${lines.join('\n')}\n\nClick to open the Activations panel.`;
}

export class ActivationsContribution implements DocumentContribution {
  readonly name = 'activations';
  private readonly runs: RunCache<ActivationsResult>;

  constructor(private readonly services: ContributionServices) {
    this.runs = new RunCache('activations', services.log);
  }

  /** The shared run for this document version and probe (started now if there is none). */
  resultFor(doc: vscode.TextDocument, probe: string | undefined): Promise<ActivationsResult> {
    const params = probe !== undefined ? { probe, partialProducts: false, maxLayers: LENS_MAX_LAYERS } : { partialProducts: false, maxLayers: LENS_MAX_LAYERS };
    return this.runs.get(doc.uri.toString(), `${doc.version}|${probe ?? ''}`, (token) =>
      // its own lane: a panel opened from the file never waits behind the lens run (workerClient.ts)
      this.services.worker.request('activations', documentSource(doc), params, this.services.config.analysisSettings, { token, lane: 'editor' }).then(denseActivations));
  }

  invalidate(uri: vscode.Uri): void {
    this.runs.forget(uri.toString());
  }

  dispose(): void {
    this.runs.dispose();
  }

  async lenses(doc: vscode.TextDocument, state: DocumentState, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const summary = state.summary;
    if (!summary || summary.groups.length > MAX_GROUP_LENSES) return [];
    const probe = summary.probeNames[0];
    const r = await this.resultFor(doc, probe);
    if (token.isCancellationRequested) return [];
    const where = inputDescription(probe, r.input);
    const lenses: vscode.CodeLens[] = [];
    for (const g of summary.groups) {
      if (g.line === undefined) continue;
      const title = groupActivationTitle(r, g, where);
      if (!title) continue;
      lenses.push(new vscode.CodeLens(new vscode.Range(g.line, 0, g.line, 0), {
        title, tooltip: groupTooltip(r, g), command: COMMANDS.openActivations, arguments: [doc.uri],
      }));
    }
    return lenses;
  }
}
