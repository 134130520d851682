/**
 * Exports of the conv views (issue 14): the Convergence and Activations panels on a convolutional
 * ResNet save their result as JSON — the CLI's `--json` document for the same images
 * (src/core/conv/reportJson.ts; NaN and ±Infinity as null, as there) — and as CSV: convergence one row per block of every run with the
 * table's columns, activations one row per site and channel with its active count and fraction.
 * Pure (no DOM): test/unit/conv-export.test.ts checks the rows against the CLI's numbers.
 */
import { csvRows, toJsonText } from './csv';
import { convActivationsJson, convConvergenceJson } from '../../src/core/conv/reportJson';
import type { ConvActivationsResult } from '../../src/core/conv/activations';
import type { ConvBlockTerm } from '../../src/shared/analyses/convConvergence';
import type { ConvActivationsReply, ConvConvergenceReply } from '../../src/shared/analyses/convPanels';
import type { ConvOverviewResult } from '../../src/shared/analyses/overview';

/** The largest increment and increment/bound of a block over the probes (the table's last two columns). */
export function blockMaxima(b: ConvBlockTerm): { increment: number; ratio: number } {
  let increment = 0, ratio = 0;
  b.probes.increment.forEach((d, p) => {
    increment = Math.max(increment, d);
    if (b.probes.bound[p] > 0) ratio = Math.max(ratio, d / b.probes.bound[p]);
  });
  return { increment, ratio };
}

type Cell = string | number | null;

/** Header and rows of the convergence CSV: one row per block of every run, the panel table's columns at full precision. */
export function convConvergenceTable(r: ConvConvergenceReply): { header: string[]; rows: Cell[][] } {
  const width = Math.max(0, ...r.runs.flatMap((run) => run.blocks.map((b) => b.branch.length)));
  const header = ['run', 'stage', 'block', 'n',
    ...Array.from({ length: width }, (_, k) => `norm W${k + 1} (2)`),
    'a_n', 'beta_n', 'S1', 'S2', 'max increment', 'max increment/bound'];
  const rows = r.runs.flatMap((run) => run.blocks.map((b) => {
    const m = blockMaxima(b);
    return [run.index, run.stage, b.block, b.n,
      ...Array.from({ length: width }, (_, k): Cell => b.branch[k]?.norm ?? null),
      b.a, b.beta, b.S1, b.S2, m.increment, m.ratio];
  }));
  return { header, rows };
}

export function convConvergenceCsv(r: ConvConvergenceReply): string {
  const t = convConvergenceTable(r);
  return csvRows(t.header, t.rows);
}

/** The CLI's `convergence --json` document of the reply (`file`: the panel's file name). */
export function convConvergenceJsonText(file: string, r: ConvConvergenceReply): string {
  return toJsonText(convConvergenceJson(file, r.networkName, r), { nonFinite: 'null' });
}

/** The reply (one image) as the core's activations result, so the CLI's JSON shaping applies. */
export function convActivationsResult(r: ConvActivationsReply): ConvActivationsResult {
  return {
    inputShape: r.inputShape,
    images: [r.image],
    output: r.output,
    outputShape: r.outputShape as ConvActivationsResult['outputShape'],
    sites: r.sites.map((s) => ({
      site: s.site, kind: s.kind, shape: s.shape, op: s.layer - 1, units: s.units,
      active: [s.active], fraction: [s.fraction], channelFraction: [s.channelFraction], deadChannels: [s.deadChannels],
      ...(s.pattern.length === s.units ? { pattern: s.pattern } : {}),
    })),
  };
}

/** The CLI's `activations --json --patterns --seed N` document of the reply (`file`: the panel's file name). */
export function convActivationsJsonText(file: string, r: ConvActivationsReply): string {
  return toJsonText(convActivationsJson(file, r.networkName, convActivationsResult(r)), { nonFinite: 'null' });
}

/** Header and rows of the activations CSV: one row per site and channel (a flat site is one channel). */
export function convActivationsTable(r: ConvActivationsReply): { header: string[]; rows: Cell[][] } {
  const header = ['site #', 'layer', 'site', 'kind', 'shape', 'channel', 'channel units', 'channel active', 'channel fraction', 'site active', 'site units', 'site fraction'];
  const rows: Cell[][] = [];
  r.sites.forEach((s, i) => {
    const channels = s.shape.length === 3 ? s.shape[0] : 1;
    const plane = s.units / channels;
    for (let c = 0; c < channels; c++) {
      let active = 0;
      if (s.pattern.length === s.units) for (let j = c * plane; j < (c + 1) * plane; j++) active += s.pattern[j];
      else active = Math.round(s.channelFraction[c] * plane);
      rows.push([i + 1, s.layer, s.site, s.kind, s.shape.join('x'), c + 1, plane, active, s.channelFraction[c], s.active, s.units, s.fraction]);
    }
  });
  return { header, rows };
}

export function convActivationsCsv(r: ConvActivationsReply): string {
  const t = convActivationsTable(r);
  return csvRows(t.header, t.rows);
}

/** The Overview's layer table of a conv model as CSV: the columns of `depth-lens info --no-norms`. */
export function convLayersCsv(r: ConvOverviewResult): string {
  return csvRows(['layer', 'type', 'name', 'input', 'output', 'kernel, stride, padding', 'act', 'params'],
    r.rows.map((x) => [x.layer, x.type, x.name, x.input.join('x'), x.output.join('x'), x.detail, x.activation, x.parameters]));
}
