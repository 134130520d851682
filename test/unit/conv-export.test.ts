/**
 * Exports of the conv views (webview/common/convExport.ts; issue 14): the Convergence and Activations
 * panels on a conv checkpoint save CSV rows and a JSON document. Checked against what
 * `depth-lens convergence|activations FILE --json` prints for the same seeded images: every CSV number
 * is the CLI's (the panel table's columns at full precision; one row per block of every run, or per
 * site and channel), and the exported JSON is the CLI's document but for `file` (the panel's file name).
 * Fixture: test/fixtures/conv/cifar-resnet (torch's CIFAR ResNet, 8 identity blocks per stage).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import type { AnalysisContext } from '../../src/core/context';
import { parsedDocument } from '../../src/worker/documents';
import { handlers } from '../../src/worker/handlers/index';
import type { AnalysisSettings } from '../../src/shared/protocol';
import type { ConvActivationsReply, ConvConvergenceReply } from '../../src/shared/analyses/convPanels';
import { blockMaxima, convActivationsCsv, convActivationsJsonText, convActivationsTable, convConvergenceCsv, convConvergenceJsonText, convConvergenceTable } from '../../webview/common/convExport';
import { FIXTURES } from './conv-fixtures';
import { diskIo } from './formats-helpers';

const FILE = path.join(FIXTURES, 'cifar-resnet', 'cifar-resnet.onnx');
const SETTINGS: AnalysisSettings = { maxFileSizeMB: 64, norm: '2' };
const silent: AnalysisContext = { isCancelled: () => false, progress: () => {} };
const doc = () => parsedDocument({ uri: `file://${FILE}`, fsPath: FILE, version: 1, text: '' }, SETTINGS);

interface CliConvergence {
  file: string;
  runs: Array<{ index: number; stage: string; terms: Array<{ block: string; n: number; a: number; beta: number; S1: number; S2: number; branch: Array<{ norm: number }>; probes: { increment: number[]; bound: number[] } }> }>;
}
interface CliActivations {
  file: string;
  sites: Array<{ site: string; kind: string; op: number; shape: number[]; units: number; active: number[]; fraction: number[]; channelFraction: number[][]; pattern: string[][] }>;
}

async function cli<T>(args: string[]): Promise<T> {
  const out = await main([...args.slice(0, 1), FILE, '--json', ...args.slice(1)], diskIo);
  assert.equal(out.exitCode, 0, out.stderr);
  return JSON.parse(out.stdout) as T;
}

/** The panel's reply and the CLI's document for seed 5, 2 probes (computed once: the norms take a while). */
let convergencePair: Promise<{ r: ConvConvergenceReply; expected: CliConvergence }> | undefined;
function convergence(): Promise<{ r: ConvConvergenceReply; expected: CliConvergence }> {
  convergencePair ??= (async () => ({
    r: handlers.convergence({ doc: doc(), params: { images: { seed: 5, count: 2 } }, settings: SETTINGS, ctx: silent, partial: () => {} }) as ConvConvergenceReply,
    expected: await cli<CliConvergence>(['convergence', '--seed', '5', '--count', '2']),
  }))();
  return convergencePair;
}

/** The CSV text back as cells (the exporter quotes only cells with `"`, `,` or a newline; none here). */
function parseCsv(text: string): string[][] {
  assert.ok(text.endsWith('\n'));
  return text.slice(0, -1).split('\n').map((line) => line.split(','));
}

test('convergence CSV: one row per block of every run with the CLI\'s norms, terms, sums and increments', async () => {
  const { r, expected } = await convergence();
  const { header, rows } = convConvergenceTable(r);
  assert.deepEqual(header, ['run', 'stage', 'block', 'n', 'norm W1 (2)', 'norm W2 (2)', 'a_n', 'beta_n', 'S1', 'S2', 'max increment', 'max increment/bound']);
  const want = expected.runs.flatMap((run) => run.terms.map((t) => {
    let inc = 0, ratio = 0;
    t.probes.increment.forEach((d, p) => { inc = Math.max(inc, d); ratio = Math.max(ratio, d / t.probes.bound[p]); });
    return [run.index, run.stage, t.block, t.n, t.branch[0].norm, t.branch[1].norm, t.a, t.beta, t.S1, t.S2, inc, ratio];
  }));
  assert.equal(rows.length, 3 * 8);
  assert.deepEqual(rows, want);
  assert.deepEqual(rows.slice(0, 2).map((row) => row.slice(0, 4)), [[1, 'layer1', 'layer1.0', 1], [1, 'layer1', 'layer1.1', 2]]);
  // the text: the header, then every number printed in full (String(x) reads back to the same float64)
  const cells = parseCsv(convConvergenceCsv(r));
  assert.deepEqual(cells[0], header);
  assert.equal(cells.length, 1 + 24);
  cells.slice(1).forEach((row, i) => {
    assert.deepEqual(row.slice(0, 3), want[i].slice(0, 3).map(String));
    assert.deepEqual(row.slice(3).map(Number), want[i].slice(3));
  });
  assert.deepEqual(blockMaxima(r.runs[2].blocks[7]), { increment: want[23][10], ratio: want[23][11] });
});

test('convergence JSON export is the CLI\'s `convergence --json` document for the same probes', async () => {
  const { r, expected } = await convergence();
  const exported = JSON.parse(convConvergenceJsonText('cifar-resnet.onnx', r)) as CliConvergence;
  assert.equal(exported.file, 'cifar-resnet.onnx');
  assert.deepEqual({ ...exported, file: expected.file }, expected);
});

test('activations CSV: one row per site and channel with the CLI\'s active counts and fractions', async () => {
  const r = handlers.activations({ doc: doc(), params: { image: { seed: 7 } }, settings: SETTINGS, ctx: silent, partial: () => {} }) as ConvActivationsReply;
  const expected = await cli<CliActivations>(['activations', '--patterns', '--seed', '7']);
  const { header, rows } = convActivationsTable(r);
  assert.deepEqual(header, ['site #', 'layer', 'site', 'kind', 'shape', 'channel', 'channel units', 'channel active', 'channel fraction', 'site active', 'site units', 'site fraction']);
  const want = expected.sites.flatMap((s, i) => {
    const channels = s.shape.length === 3 ? s.shape[0] : 1;
    return s.channelFraction[0].map((f, c) => {
      const bits = s.pattern[0][c];
      const active = [...bits].filter((b) => b === '1').length;
      return [i + 1, s.op, s.site, s.kind, s.shape.join('x'), c + 1, s.units / channels, active, f, s.active[0], s.units, s.fraction[0]];
    });
  });
  assert.equal(rows.length, expected.sites.reduce((n, s) => n + (s.shape.length === 3 ? s.shape[0] : 1), 0));
  assert.deepEqual(rows, want);
  // the channel counts add up to the site's, and agree with the fraction the CLI gives
  for (const row of rows) assert.equal(row[7], Math.round((row[8] as number) * (row[6] as number)));
  expected.sites.forEach((s, i) => {
    const sum = rows.filter((row) => row[0] === i + 1).reduce((n, row) => n + (row[7] as number), 0);
    assert.equal(sum, s.active[0], s.site);
  });
  const cells = parseCsv(convActivationsCsv(r));
  assert.deepEqual(cells[0], header);
  assert.equal(cells.length, 1 + rows.length);
  assert.deepEqual(cells[1].slice(2, 5), [String(want[0][2]), String(want[0][3]), String(want[0][4])]);
  assert.equal(Number(cells[1][8]), want[0][8]);
});

test('activations JSON export is the CLI\'s `activations --json --patterns` document for the same image', async () => {
  const r = handlers.activations({ doc: doc(), params: { image: { seed: 7 } }, settings: SETTINGS, ctx: silent, partial: () => {} }) as ConvActivationsReply;
  const expected = await cli<CliActivations>(['activations', '--patterns', '--seed', '7']);
  const exported = JSON.parse(convActivationsJsonText('cifar-resnet.onnx', r)) as CliActivations;
  assert.equal(exported.file, 'cifar-resnet.onnx');
  assert.deepEqual({ ...exported, file: expected.file }, expected);
});
