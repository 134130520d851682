/**
 * The Convergence and Activations panels on a conv ResNet checkpoint in a real extension host (issue
 * 14): the panels open on checkpoints/cifar-resnet.onnx (a copy of test/fixtures/conv/cifar-resnet:
 * torch's CIFAR ResNet, 8 identity blocks per stage), and the worker's answers equal what the bundled
 * CLI (`node dist/cli.js convergence|activations FILE --json`) prints for the same seeded images;
 * progress names every conv, and a cancel from the host stops the run.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConvActivationsReply, ConvConvergenceReply } from '../../src/shared/analyses/convPanels';
import type { ConvOverviewResult } from '../../src/shared/analyses/overview';
import { api, EXTENSION_ID, fixture, waitFor } from './helpers';

const settings = { maxFileSizeMB: 64, norm: '2' as const };
const source = (uri: vscode.Uri) => ({ uri: uri.toString(), fsPath: uri.fsPath, version: 1, text: '' });
const FILE = 'checkpoints/cifar-resnet.onnx';

/** `node dist/cli.js …` of this extension's build, JSON parsed. */
function cli(args: string[]): unknown {
  const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  const out = execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out);
}

interface CliConvergence {
  probes: string[];
  runs: Array<{ stage: string; S1: number; S2: number; sufficient: { status: string; reason: string }; boundHolds: boolean; maxBoundRatio: number; terms: Array<{ block: string; n: number; a: number; beta: number; S1: number; S2: number; branch: Array<{ norm: number; biasNorm: number }>; probes: { increment: number[]; bound: number[] } }> }>;
}

interface CliActivations {
  images: string[];
  output: number[][];
  sites: Array<{ site: string; kind: string; op: number; shape: number[]; units: number; active: number[]; channelFraction: number[][]; deadChannels: number[]; pattern: string[][] }>;
}

describe('Conv panels', function () {
  this.timeout(180_000);

  it('opens the Convergence and Activations panels on the conv ResNet checkpoint', async () => {
    const depthLens = await api();
    const uri = fixture(FILE);
    for (const [command, viewType, title] of [['depthLens.openConvergence', 'depthLens.convergence', 'Convergence'], ['depthLens.openActivations', 'depthLens.activations', 'Activations']]) {
      await vscode.commands.executeCommand(command, uri);
      const panel = await waitFor(`the ${title} panel`, () => depthLens.panels.openPanels.find((p) => p.documentUri?.toString() === uri.toString() && p.kind.viewType === viewType));
      assert.equal(panel.panel.title, `${title}: cifar-resnet.onnx`);
    }
    const v = await depthLens.worker.request('validate', source(uri), {}, settings);
    assert.deepEqual(v.conv, { inputShape: [3, 32, 32], name: 'torch_jit' });
  });

  it('convergence on the conv checkpoint equals `depth-lens convergence --json`, with progress per conv', async () => {
    const { worker } = await api();
    const uri = fixture(FILE);
    const messages: string[] = [];
    const r = await worker.request('convergence', source(uri), { images: { seed: 3, count: 2 } }, settings, { onProgress: (_f, m) => { if (m) messages.push(m); } });
    assert.equal(r.kind, 'conv');
    const conv = r as ConvConvergenceReply;
    const expected = cli(['convergence', uri.fsPath, '--json', '--seed', '3', '--count', '2']) as CliConvergence;
    assert.deepEqual(conv.probes, expected.probes);
    assert.equal(conv.runs.length, 3);
    assert.deepEqual(conv.runs.map((x) => x.stage), ['layer1', 'layer2', 'layer3']);
    conv.runs.forEach((run, i) => {
      const e = expected.runs[i];
      assert.deepEqual([run.stage, run.S1, run.S2, run.sufficient, run.boundHolds, run.maxBoundRatio], [e.stage, e.S1, e.S2, e.sufficient, e.boundHolds, e.maxBoundRatio]);
      assert.equal(run.blocks.length, e.terms.length);
      run.blocks.forEach((b, j) => {
        const t = e.terms[j];
        assert.deepEqual([b.block, b.n, b.a, b.beta, b.S1, b.S2, b.branch.map((x) => [x.norm, x.biasNorm]), b.probes.increment, b.probes.bound],
          [t.block, t.n, t.a, t.beta, t.S1, t.S2, t.branch.map((x) => [x.norm, x.biasNorm]), t.probes.increment, t.probes.bound]);
      });
      assert.match(run.sufficient.reason, /^cannot decide from 8 blocks/);
    });
    // progress names the convs, in order (throttled on the way to the host: not necessarily every one,
    // and the short forward pass may not show at all; the unit test sees every message)
    const numbers = messages.map((m) => /^convergence: ‖W‖₂ of layer\d\.\d\.conv\d \((\d+) of 48\)$/.exec(m)?.[1]).filter((k) => k !== undefined).map(Number);
    assert.ok(numbers.length >= 2, messages.join(' | '));
    assert.deepEqual(numbers, [...numbers].sort((x, y) => x - y));
  });

  it('activations on the conv checkpoint equal `depth-lens activations --json --patterns`', async () => {
    const { worker } = await api();
    const uri = fixture(FILE);
    const r = await worker.request('activations', source(uri), { image: { seed: 11 } }, settings);
    assert.equal(r.kind, 'conv');
    const a = r as ConvActivationsReply;
    const expected = cli(['activations', uri.fsPath, '--json', '--patterns', '--seed', '11']) as CliActivations;
    assert.equal(a.image, expected.images[0]);
    assert.deepEqual(Array.from(a.output), expected.output[0]);
    assert.equal(a.sites.length, expected.sites.length);
    a.sites.forEach((s, i) => {
      const e = expected.sites[i];
      assert.deepEqual([s.site, s.kind, s.layer, s.shape, s.units, s.active, s.channelFraction, s.deadChannels], [e.site, e.kind, e.op, e.shape, e.units, e.active[0], e.channelFraction[0], e.deadChannels[0]]);
      assert.equal(Array.from(s.pattern).join(''), e.pattern[0].join(''));
    });
  });

  it('the exact partition of a small box equals `depth-lens regions --exact --json`: the same polygons and patterns', async () => {
    const { worker } = await api();
    const uri = fixture(FILE);
    const box = [0, 0.0002, 0, 0.0002] as const;
    const r = await worker.request('convExactRegions', source(uri), { image: { seed: 7 }, box }, settings);
    const expected = cli(['regions', uri.fsPath, '--exact', '--seed', '7', '--box', box.join(','), '--json']) as { regions: number; complete: boolean; coverage: number; polygons: Array<{ hash: string; vertices: number[] }> };
    assert.equal(r.complete, true);
    assert.ok(expected.regions > 10, `${expected.regions} regions`);
    assert.equal(r.polygons.length, expected.regions);
    r.polygons.forEach((p, i) => {
      assert.equal(p.hash.toString(16).padStart(8, '0'), expected.polygons[i].hash, `region ${i}`);
      assert.deepEqual(Array.from(p.vertices), expected.polygons[i].vertices, `region ${i}`);
    });
    assert.ok(Math.abs(r.coverage - 1) < 1e-9 && Math.abs(expected.coverage - 1) < 1e-9);
    await assert.rejects(worker.request('convExactRegions', source(uri), { others: [2, 2] }, settings), /x₁ and x₂ are both image 2: the plane needs three different images/);
  });

  it('the affine map on an image\'s region equals `depth-lens activations --affine --json`: N(x₁), c, J v and the reach along v', async () => {
    const { worker } = await api();
    const uri = fixture(FILE);
    const r = await worker.request('convAffine', source(uri), { image: { seed: 9 } }, settings);
    const expected = cli(['activations', uri.fsPath, '--affine', '--seed', '9', '--json']) as { affine: { image: string; output: number[]; offset: number[]; directions: Array<{ name: string; jvp: number[]; tMin: number; tMax: number; boundMax: string }> } };
    assert.equal(r.image, expected.affine.image);
    assert.deepEqual(Array.from(r.output), expected.affine.output);
    assert.deepEqual(Array.from(r.offset), expected.affine.offset);
    assert.deepEqual(r.directions.map((d) => [d.name, Array.from(d.jvp), d.tMin, d.tMax, d.boundMax]), expected.affine.directions.map((d) => [d.name, d.jvp, d.tMin, d.tMax, d.boundMax]));
    await assert.rejects(worker.request('convAffine', source(uri), { toward: [1] }, settings), /toward\[0\] must be an integer in 2\.\.8 \(image 1 is the panel's input image\), got 1/);
  });

  it('a cancel from the host stops the convergence run between convs', async () => {
    const { worker } = await api();
    const cts = new vscode.CancellationTokenSource();
    let seen = 0;
    const run = worker.request('convergence', source(fixture(FILE)), {}, settings, { token: cts.token, onProgress: (_f, m) => { if (m && ++seen === 1) cts.cancel(); } });
    // the extension's RpcError (another bundle's class than this suite's): by its code
    await assert.rejects(run, (e: Error & { code?: string }) => e.name === 'RpcError' && e.code === 'cancelled');
    cts.dispose();
  });

  it('the Overview opens on the conv checkpoint and answers what `depth-lens info --json --no-norms` prints, with the identity runs', async () => {
    const depthLens = await api();
    const uri = fixture(FILE);
    await vscode.commands.executeCommand('depthLens.openOverview', uri);
    const panel = await waitFor('the Overview panel', () => depthLens.panels.openPanels.find((p) => p.documentUri?.toString() === uri.toString() && p.kind.viewType === 'depthLens.overview'));
    assert.equal(panel.panel.title, 'Network overview: cifar-resnet.onnx');
    const r = await depthLens.worker.request('overview', source(uri), {}, settings);
    assert.equal(r.kind, 'conv');
    const conv = r as ConvOverviewResult;
    const expected = cli(['info', uri.fsPath, '--json', '--no-norms']) as { summary: Record<string, unknown>; rows: Array<Record<string, unknown>> };
    assert.deepEqual({ kind: 'conv', ...conv.summary }, expected.summary);
    assert.equal(conv.summary.parameterCount, 53666);
    assert.deepEqual(conv.rows.map((x) => [x.layer, x.name, x.input, x.output, x.parameters]), expected.rows.map((x) => [x.layer, x.name, x.input, x.output, x.parameters]));
    // the runs are the Convergence panel's (its stages, in order)
    assert.deepEqual(conv.runs.map((x) => [x.stage, x.blocks.length]), [['layer1', 8], ['layer2', 8], ['layer3', 8]]);
    assert.deepEqual(conv.stages.map((x) => x.stage), ['layer1', 'layer2', 'layer3']);
    // closed again: later suites count the open Overview panels
    panel.dispose();
  });
});
