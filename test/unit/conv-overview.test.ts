/**
 * The Overview panel on a conv checkpoint (the worker's `overview` handler; issue 14): it answers with
 * what `depth-lens info FILE --json --no-norms` prints — the same summary (shapes, layers, blocks,
 * parameter count) and the same layer rows — plus the stages and the runs of identity-shortcut blocks,
 * which name the same blocks as the convergence runs. Fixture: test/fixtures/conv/cifar-resnet (torch's
 * CIFAR ResNet: a stem conv, three stages of 8 identity blocks, the last two after a projection block).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import type { AnalysisContext } from '../../src/core/context';
import { parsedDocument } from '../../src/worker/documents';
import { handlers } from '../../src/worker/handlers/index';
import type { AnalysisSettings } from '../../src/shared/protocol';
import { denseOverview, type ConvOverviewResult } from '../../src/shared/analyses/overview';
import { convLayersCsv } from '../../webview/common/convExport';
import { FIXTURES } from './conv-fixtures';
import { diskIo } from './formats-helpers';

const FILE = path.join(FIXTURES, 'cifar-resnet', 'cifar-resnet.onnx');
const SETTINGS: AnalysisSettings = { maxFileSizeMB: 64, norm: '2' };
const silent: AnalysisContext = { isCancelled: () => false, progress: () => {} };
const doc = () => parsedDocument({ uri: `file://${FILE}`, fsPath: FILE, version: 1, text: '' }, SETTINGS);

interface CliInfo {
  summary: Record<string, unknown> & { parameterCount: number };
  rows: Array<{ layer: string; type: string; name: string; input: number[]; output: number[]; detail: string; activation: string; parameters: number }>;
  notes: string[];
}

test('overview on a conv checkpoint is `depth-lens info --json --no-norms`: summary, parameter count, layer rows', async () => {
  const r = handlers.overview({ doc: doc(), params: {}, settings: SETTINGS, ctx: silent, partial: () => {} }) as ConvOverviewResult;
  assert.equal(r.kind, 'conv');
  const out = await main(['info', FILE, '--json', '--no-norms'], diskIo);
  assert.equal(out.exitCode, 0, out.stderr);
  const cli = JSON.parse(out.stdout) as CliInfo;
  assert.deepEqual({ kind: 'conv', ...r.summary }, cli.summary);
  assert.equal(r.summary.parameterCount, 53666);
  assert.deepEqual([r.summary.residualBlocks, r.summary.identityBlocks, r.summary.ops], [26, 24, 30]);
  assert.deepEqual(r.rows, cli.rows.map((x) => ({ layer: x.layer, type: x.type, name: x.name, input: x.input, output: x.output, detail: x.detail, activation: x.activation, parameters: x.parameters })));
  assert.deepEqual(r.notes, cli.notes);
  // the Overview's CSV export of the layer table: a row per CLI row, the detail quoted (it has commas)
  const lines = convLayersCsv(r).trimEnd().split('\n');
  assert.equal(lines[0], 'layer,type,name,input,output,"kernel, stride, padding",act,params');
  assert.equal(lines.length, 1 + cli.rows.length);
  assert.equal(lines[1], `1,conv2d,conv1,3x32x32,4x32x32,"${cli.rows[0].detail}",relu,${cli.rows[0].parameters}`);
  assert.throws(() => denseOverview(r), /expected the overview of a dense network/);
});

test('overview on a conv checkpoint: three stages and the three identity runs the Convergence panel analyses', () => {
  const r = handlers.overview({ doc: doc(), params: {}, settings: SETTINGS, ctx: silent, partial: () => {} }) as ConvOverviewResult;
  assert.deepEqual(r.stages.map((s) => [s.stage, s.layers, s.blocks, s.identityBlocks, s.input.join('×'), s.output.join('×')]), [
    ['layer1', '2–9', 8, 8, '4×32×32', '4×32×32'],
    ['layer2', '10–18', 9, 8, '4×32×32', '8×16×16'],
    ['layer3', '19–27', 9, 8, '8×16×16', '16×8×8'],
  ]);
  // the stages' parameters are their blocks' (the rows of the blocks)
  for (const s of r.stages) {
    const [from, to] = s.layers.split('–').map(Number);
    assert.equal(s.parameters, r.rows.filter((x) => !x.layer.includes('.') && Number(x.layer) >= from && Number(x.layer) <= to).reduce((n, x) => n + x.parameters, 0));
  }
  assert.deepEqual(r.runs.map((x) => [x.index, x.stage, x.layers, x.blocks.length, x.blocks[0], x.shape.join('×')]), [
    [1, 'layer1', '2–9', 8, 'layer1.0', '4×32×32'],
    [2, 'layer2', '11–18', 8, 'layer2.1', '8×16×16'],
    [3, 'layer3', '20–27', 8, 'layer3.1', '16×8×8'],
  ]);
});
