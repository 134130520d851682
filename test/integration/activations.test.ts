// Activations in a real extension host: the per-layer code lenses (counts checked against a forward
// pass written here, independent of the core), the worker's explicit affine map against that forward
// pass, the exact region count of a line arrangement, request limits, and the panel command.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { denseActivations } from '../../src/shared/analyses/convPanels';
import type { DocumentSource } from '../../src/shared/protocol';
import { RpcError } from '../../src/shared/rpc';
import { api, fixture, waitFor } from './helpers';

interface FixtureLayer { weights: number[][]; bias?: number[]; activation: 'relu' | 'linear' }
interface FixtureFile {
  input: { dim: number; domain?: { min: number[]; max: number[] }; probes?: Record<string, number[]> };
  layers: FixtureLayer[];
}

const SETTINGS = { maxFileSizeMB: 64, norm: '2' as const };

function readFixture(name: string): FixtureFile {
  return JSON.parse(fs.readFileSync(fixture(name).fsPath, 'utf8')) as FixtureFile;
}

/** Plain forward pass: per layer the pre-activations z = W u + b, and the output. */
function forward(net: FixtureFile, x: number[]): { pre: number[][]; output: number[] } {
  const pre: number[][] = [];
  let u = x;
  for (const l of net.layers) {
    const z = l.weights.map((row, i) => row.reduce((acc, w, j) => acc + w * u[j], l.bias?.[i] ?? 0));
    pre.push(z);
    u = l.activation === 'relu' ? z.map((v) => Math.max(v, 0)) : z;
  }
  return { pre, output: u };
}

async function source(name: string): Promise<DocumentSource> {
  const doc = await vscode.workspace.openTextDocument(fixture(name));
  return { uri: doc.uri.toString(), version: doc.version, text: doc.getText(), fsPath: doc.uri.fsPath };
}

/** Lines where a layer entry's object starts ("    {" inside "layers"), in file order. */
function layerLines(text: string): number[] {
  return text.split('\n').flatMap((line, i) => (line === '    {' ? [i] : []));
}

async function activeLenses(uri: vscode.Uri, atLeast: number): Promise<vscode.CodeLens[]> {
  return waitFor(`activation lenses in ${uri.path}`, async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
    const mine = (lenses ?? []).filter((l) => l.command?.title.startsWith('active '));
    return mine.length >= atLeast ? mine : undefined;
  }, 40_000);
}

describe('Activations', () => {
  it('puts "active k/m at probe a" on every ReLU layer, k counted by an independent forward pass', async () => {
    const net = readFixture('activations.network.json');
    const probeA = net.input.probes!.a;
    const { pre } = forward(net, probeA);
    const doc = await vscode.workspace.openTextDocument(fixture('activations.network.json'));
    const lines = layerLines(doc.getText());
    assert.equal(lines.length, 3);
    const lenses = await activeLenses(doc.uri, 2);
    const byLine = new Map(lenses.map((l) => [l.range.start.line, l.command!.title]));
    net.layers.forEach((l, k) => {
      if (l.activation !== 'relu') {
        assert.equal(byLine.get(lines[k]), undefined, `the linear layer ${k + 1} has no pattern lens`);
        return;
      }
      const active = pre[k].filter((z) => z > 0).length;
      assert.equal(byLine.get(lines[k]), `active ${active}/${l.weights.length} at probe a`);
    });
    assert.equal(lenses.length, 2);
    assert.equal(lenses[0].command!.command, 'depthLens.openActivations');
  });

  it('without probes evaluates at the domain centre and says so', async () => {
    const net = readFixture('activations-one-layer.network.json');
    const dom = net.input.domain!;
    const centre = dom.min.map((a, i) => (a + dom.max[i]) / 2); // (0.25, 0.1)
    const active = forward(net, centre).pre[0].filter((z) => z > 0).length;
    const doc = await vscode.workspace.openTextDocument(fixture('activations-one-layer.network.json'));
    const [lens] = await activeLenses(doc.uri, 1);
    assert.equal(lens.command!.title, `active ${active}/6 at the domain centre (0.25, 0.1)`);
    assert.equal(lens.range.start.line, layerLines(doc.getText())[0]);
  });

  it('computes N(x) = A x + c in the worker that matches a plain forward pass to 1e-12', async () => {
    const { worker } = await api();
    const net = readFixture('activations.network.json');
    const src = await source('activations.network.json');
    const points: number[][] = [net.input.probes!.a, net.input.probes!.b];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) points.push([-0.9 + 0.45 * i, -0.85 + 0.42 * j]);
    for (const x of points) {
      const r = denseActivations(await worker.request('activations', src, { input: x }, SETTINGS));
      const { pre, output } = forward(net, x);
      const { A, c } = r.affine;
      assert.equal(A.rows, 1);
      assert.equal(A.cols, 2);
      const affine = c[0] + A.data[0] * x[0] + A.data[1] * x[1];
      assert.ok(Math.abs(affine - output[0]) <= 1e-12, `|A x + c − N(x)| = ${Math.abs(affine - output[0])} at (${x})`);
      assert.ok(Math.abs(r.output[0] - output[0]) <= 1e-12);
      assert.ok(r.affine.residual <= 1e-12, `reported residual ${r.affine.residual}`);
      // the patterns are the signs of the test's own pre-activations
      for (let k = 0; k < 2; k++) assert.deepEqual(Array.from(r.layers[k].pattern), pre[k].map((z) => (z > 0 ? 1 : 0)));
      assert.equal(r.partials?.length, 3);
      assert.ok(r.radius > 0 && Number.isFinite(r.radius));
    }
    // by probe name: the same input as the coordinates
    const byName = await worker.request('activations', src, { probe: 'b' }, SETTINGS);
    assert.deepEqual(Array.from(byName.input), net.input.probes!.b);
  });

  it('counts 1 + m + C(m, 2) regions for one layer of m lines in general position in the box', async () => {
    const { worker } = await api();
    const net = readFixture('activations-one-layer.network.json');
    const W = net.layers[0].weights, b = net.layers[0].bias!;
    const m = W.length;
    const [smin, smax] = [net.input.domain!.min[0], net.input.domain!.max[0]];
    const [tmin, tmax] = [net.input.domain!.min[1], net.input.domain!.max[1]];
    // general position, checked here: no two lines parallel, every crossing strictly inside the box,
    // no three lines through one point
    const crossings: Array<[number, number]> = [];
    for (let i = 0; i < m; i++) {
      for (let j = i + 1; j < m; j++) {
        const det = W[i][0] * W[j][1] - W[i][1] * W[j][0];
        assert.ok(Math.abs(det) > 1e-3, `lines ${i + 1} and ${j + 1} are (nearly) parallel`);
        const x = (-b[i] * W[j][1] + b[j] * W[i][1]) / det, y = (-W[i][0] * b[j] + W[j][0] * b[i]) / det;
        assert.ok(x > smin && x < smax && y > tmin && y < tmax, `lines ${i + 1}, ${j + 1} cross at (${x}, ${y}), outside the box`);
        crossings.push([x, y]);
      }
    }
    for (let i = 0; i < crossings.length; i++) {
      for (let j = i + 1; j < crossings.length; j++) {
        assert.ok(Math.hypot(crossings[i][0] - crossings[j][0], crossings[i][1] - crossings[j][1]) > 1e-6, 'three lines meet in one point');
      }
    }
    const r = await worker.request('regions', await source('activations-one-layer.network.json'), {}, SETTINGS);
    assert.equal(r.regions, 1 + m + (m * (m - 1)) / 2); // 22 for m = 6
    assert.deepEqual(r.perDepth, [22, 22]);
    assert.deepEqual(Array.from(r.plane.box), [smin, smax, tmin, tmax]);
    assert.equal(r.polygons?.length, 22);
    // the polygons tile the box
    const area = r.polygons!.reduce((acc, p) => acc + p.area, 0);
    assert.ok(Math.abs(area - (smax - smin) * (tmax - tmin)) < 1e-9, `areas sum to ${area}`);
  });

  it('refuses absurd requests with clear messages', async () => {
    const { worker } = await api();
    const src = await source('activations.network.json');
    const rejection = async (p: Promise<unknown>): Promise<RpcError> => {
      try { await p; } catch (e) { return e as RpcError; }
      throw new Error('expected a rejection');
    };
    const e1 = await rejection(worker.request('regions', src, { maxRegions: 0 }, SETTINGS));
    assert.equal(e1.code, 'bad-params');
    assert.equal(e1.message, 'maxRegions must be an integer in 1..1,000,000, got 0');
    const e2 = await rejection(worker.request('regionGrid', src, { width: 5000, height: 5000 }, SETTINGS));
    assert.equal(e2.message, 'a region grid of 5000×5000 = 25,000,000 pixels exceeds the limit of 4,000,000');
    const e3 = await rejection(worker.request('activations', src, { input: [1, 2, 3] }, SETTINGS));
    assert.equal(e3.message, 'input has 3 coordinates, the network input has dimension 2');
    const e4 = await rejection(worker.request('activations', src, { probe: 'zzz' }, SETTINGS));
    assert.equal(e4.message, "no probe named 'zzz' (the file has: a, b)");
    // the 1-D analysis answers too: the segment from probe a to probe b
    const seg = await worker.request('segment', src, { from: [0.3, -0.2], to: [-0.55, 0.6] }, SETTINGS);
    assert.equal(seg.pieces, seg.breakpoints.length + 1);
  });

  it('a 1-D input: the segment analysis defaults to the input domain and returns every piece', async () => {
    const { worker } = await api();
    const r = await worker.request('segment', await source('activations-1d.network.json'), { details: true }, SETTINGS);
    assert.equal(r.source, 'domain');
    assert.deepEqual([Array.from(r.from), Array.from(r.to)], [[-1], [1]]);
    // 9 pieces, the same as a numpy scan of 2·10⁶ points (pattern changes near x = −0.75, −0.3833,
    // −0.25, −0.03, 0.05, 0.15, 0.25, 0.5)
    assert.equal(r.pieces, 9);
    assert.deepEqual(Array.from(r.breakpoints, (t) => Number((2 * t - 1).toFixed(4))), [-0.75, -0.3833, -0.25, -0.03, 0.05, 0.15, 0.25, 0.5]);
    assert.deepEqual(Array.from(r.details!.t0.subarray(1)), Array.from(r.breakpoints));
    assert.equal(new Set(r.details!.hashes).size, 9);
    // a 2-D input needs its endpoints
    const e = await worker.request('segment', await source('activations.network.json'), {}, SETTINGS).then(() => undefined, (err: RpcError) => err);
    assert.equal(e?.message, 'a segment needs two endpoints for a 2-dimensional input (only 1-D inputs have a default: the input domain)');
  });

  it('opens the Activations panel for a file', async () => {
    const { panels } = await api();
    const uri = fixture('activations.network.json');
    await vscode.commands.executeCommand('depthLens.openActivations', uri);
    const panel = await waitFor('the activations panel', () => panels.openPanels.find((p) => p.panel.viewType === 'depthLens.activations' && p.documentUri?.toString() === uri.toString()));
    assert.equal(panel.panel.title, 'Activations: activations.network.json');
    panel.dispose();
  });
});
