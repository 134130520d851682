import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareNetworks, compareSpectra } from '../../src/core/compare/compare';
import { matchItems, pairAt } from '../../src/core/compare/match';
import { allItems } from '../../src/core/spectrum/items';
import { explicitNetwork, type DenseLayer, type Layer, type Network } from '../../src/core/network/model';
import { parseNetworkText } from '../../src/core/network/parse';
import { FolderFiles } from '../../src/core/network/external';
import { nodeFileSystem } from '../../src/worker/nodeFiles';
import { singularValues } from '../../src/core/spectrum/svd';
import { Rng } from '../../src/core/rng';
import { compareCommand } from '../../src/cli/commands/compare';
import { spectrumCommand } from '../../src/cli/commands/spectrum';
import { nodeIo, ProgressLine } from '../../src/cli/main';
import { forward } from '../../src/core/network/forward';
import { memoryIo } from './convergence.helpers';
import type { CompareResult } from '../../src/shared/analyses/compare';

const examples = path.join(__dirname, '..', '..', 'examples');
const load = (name: string): Network => {
  const file = path.join(examples, name);
  const r = parseNetworkText(fs.readFileSync(file, 'utf8'), { fileName: name, files: new FolderFiles(examples, nodeFileSystem) });
  assert.ok(r.network, `${name} parses`);
  return r.network;
};

function dense(rows: number, cols: number, seed: number, activation: 'relu' | 'linear' = 'relu', sd = 0.3): DenseLayer {
  const rng = new Rng(seed);
  return { kind: 'dense', weights: { rows, cols, data: rng.fillGaussian(new Float64Array(rows * cols), 0, sd) }, bias: rng.fillGaussian(new Float64Array(rows), 0, 0.1), activation };
}

function net(layers: Layer[], dim: number, groups?: Network['groups']): Network {
  return explicitNetwork({ dim, probes: [] }, layers, groups);
}

/** Every compared number of a self-comparison is exactly 0, and nothing is left unmatched. */
function assertAllZero(r: CompareResult): void {
  assert.equal(r.identical, true);
  assert.equal(r.matching.onlyA.length, 0);
  assert.equal(r.matching.onlyB.length, 0);
  for (const l of r.layers) {
    assert.equal(l.diffNorm, 0, l.label);
    assert.equal(l.diffFrobenius, 0, l.label);
    assert.equal(l.relativeChange, 0, l.label);
    assert.equal(l.biasDiff, 0, l.label);
    assert.equal(l.normA, l.normB, l.label);
    if (l.minusIdentity) assert.equal(l.minusIdentity.change, 0, l.label);
  }
  if (r.convergence?.a) {
    assert.equal(r.convergence.weightSumChange, 0);
    assert.equal(r.convergence.biasSumChange, 0);
    for (const v of ['sufficient', 'necessary', 'pointwise'] as const) assert.deepEqual(r.convergence.a.verdicts[v], r.convergence.b!.verdicts[v]);
  }
  if (r.regions?.a) {
    assert.equal(r.regions.a.moved + r.regions.a.only + r.regions.b!.moved + r.regions.b!.only, 0);
    assert.equal(r.regions.a.same, r.regions.a.count);
  }
}

for (const name of ['regions-2d.network.json', 'resnet-bottleneck.network.json', 'convergent-family.network.json', 'random-he.network.json']) {
  test(`compare of ${name} with itself is exactly zero everywhere`, () => {
    const n = load(name);
    const r = compareNetworks({ network: n, file: name }, { network: n, file: name }, { maxPairs: 60 });
    assertAllZero(r);
    assert.equal(r.matching.pairCount, allItems(n).length);
  });
}

test('compare of a network with its own JSON re-parse and with external .bin weights: identical', () => {
  const a = load('external-weights.network.json');
  // the same numbers written inline
  const w = a.layer(0) as DenseLayer;
  const doc = JSON.parse(fs.readFileSync(path.join(examples, 'external-weights.network.json'), 'utf8'));
  doc.layers[0].weights = Array.from({ length: w.weights.rows }, (_, i) => Array.from(w.weights.data.subarray(i * w.weights.cols, (i + 1) * w.weights.cols)));
  doc.layers[0].bias = Array.from(w.bias);
  const b = parseNetworkText(JSON.stringify(doc), { fileName: 'inline.network.json' }).network!;
  assertAllZero(compareNetworks({ network: a, file: 'external' }, { network: b, file: 'inline' }));
});

test('a rank-one change of one layer: ‖ΔW‖₂ = ε‖u‖‖v‖, the relative change, Δ‖W − I‖, and no other layer moves', () => {
  const layers = [dense(6, 2, 1), dense(6, 6, 2), dense(6, 6, 3), dense(1, 6, 4, 'linear')];
  const a = net(layers, 2);
  const u = Float64Array.of(1, -2, 0.5, 0, 1, 3), v = Float64Array.of(0.5, 1, -1, 2, 0, 1), eps = 0.05;
  const changed: DenseLayer = { ...layers[1], weights: { ...layers[1].weights, data: layers[1].weights.data.map((x, k) => x + eps * u[Math.floor(k / 6)] * v[k % 6]) } };
  const b = net([layers[0], changed, layers[2], layers[3]], 2);
  const r = compareNetworks({ network: a, file: 'a' }, { network: b, file: 'b' });
  assert.equal(r.identical, false);
  const nu = Math.hypot(...u), nv = Math.hypot(...v);
  const l2 = r.layers.find((l) => l.label === 'layer 2')!;
  assert.ok(Math.abs(l2.diffNorm - eps * nu * nv) <= 1e-14, `${l2.diffNorm} vs ${eps * nu * nv}`);
  assert.ok(Math.abs(l2.diffFrobenius - eps * nu * nv) <= 1e-14, 'rank one: Frobenius = spectral');
  assert.equal(l2.relativeChange, l2.diffNorm / l2.normA);
  assert.ok(Math.abs(l2.normA - singularValues(layers[1].weights)[0]) <= 1e-13);
  assert.ok(Math.abs(l2.normB - singularValues(changed.weights)[0]) <= 1e-13);
  assert.equal(l2.minusIdentity!.change, l2.minusIdentity!.b - l2.minusIdentity!.a);
  for (const l of r.layers.filter((x) => x.label !== 'layer 2')) assert.equal(l.diffNorm, 0, l.label);
  // the region maps of the input plane: some regions moved or appeared, and the counts add up
  const g = r.regions!;
  assert.equal(g.comparable, true);
  assert.equal(g.a!.same + g.a!.moved + g.a!.only, g.a!.count);
  assert.ok(g.a!.moved + g.a!.only > 0, 'a weight change moves some region');
  assert.ok(g.a!.same > 0, 'a small change leaves some region where it was');
  // convergence: the series sums change by exactly B − A
  const c = r.convergence!;
  assert.equal(c.weightSumChange, c.b!.series.weight.sum - c.a!.series.weight.sum);
  assert.ok(c.weightSumChange !== 0);
});

test('matching by position aligns around an inserted layer and says which did not match, and why', () => {
  const l = [dense(4, 2, 1), dense(4, 4, 2), dense(4, 4, 3), dense(1, 4, 4, 'linear')];
  const a = net(l, 2);
  const b = net([l[0], l[1], dense(8, 4, 9), dense(4, 8, 10), l[2], l[3]], 2);
  const m = matchItems(allItems(a), allItems(b));
  assert.equal(m.by, 'position');
  assert.equal(m.pairCount, 4);
  assert.deepEqual([0, 1, 2, 3].map((p) => pairAt(m, p)), [{ a: 0, b: 0 }, { a: 1, b: 1 }, { a: 2, b: 4 }, { a: 3, b: 5 }]);
  assert.equal(m.onlyA.length, 0);
  assert.deepEqual(m.onlyB.map((u) => [u.ref.label, u.count, u.reason]), [
    ['layer 3', 1, 'a dense layer 8×4 here; A has a dense layer 4×4 (layer 3) at this position'],
    ['layer 4', 1, 'a dense layer 4×8 here; A has a dense layer 1×4 (layer 4) at this position'],
  ]);
  assert.equal(m.summary, "matched 4 of A's 4 and B's 6 weight matrices by position and shape");
  const r = compareNetworks({ network: a, file: 'a' }, { network: b, file: 'b' }, { regions: false, convergence: false });
  assert.deepEqual(r.layers.map((x) => x.diffNorm === 0), [true, true, true, true]);
  assert.equal(r.notes.at(-1), '0 matrices of A and 2 of B have no counterpart (listed with the reason)');
});

test('a shape change is reported with both shapes', () => {
  const a = net([dense(4, 2, 1), dense(1, 4, 2, 'linear')], 2);
  const b = net([dense(5, 2, 1), dense(1, 5, 2, 'linear')], 2);
  const m = matchItems(allItems(a), allItems(b));
  assert.equal(m.pairCount, 0);
  assert.equal(m.onlyA[0].reason, 'a dense layer 4×2 here; B has a dense layer 5×2 (layer 1) at this position');
  const r = compareNetworks({ network: a, file: 'a' }, { network: b, file: 'b' });
  assert.equal(r.regions!.comparable, false);
  assert.match(r.regions!.note!, /different ReLU units/);
  assert.equal(r.regions!.a!.only, r.regions!.a!.count);
});

test('matching by name when both files name every matrix (names from the readers of named checkpoints)', () => {
  const l = [dense(4, 2, 1), dense(4, 4, 2), dense(1, 4, 3, 'linear')];
  const named = (names: string[], layers: Layer[]) => net(layers, 2, layers.map((x, i) => ({ start: i, count: 1, type: 'dense' as const, name: names[i] })) as Network['groups']);
  const a = named(['fc1', 'fc2', 'head'], l);
  const b = named(['fc1', 'head', 'fc2'], [l[0], dense(4, 4, 7), l[2]]);
  const m = matchItems(allItems(a), allItems(b));
  assert.equal(m.by, 'name');
  // fc2 is 4×4 in A but B's "fc2" is the 1×4 head: shape differs; "head" likewise
  assert.equal(m.pairCount, 1);
  assert.equal(allItems(a)[0].label, 'layer 1 (fc1)');
  assert.deepEqual(m.onlyA.map((u) => u.reason), ['shape 4×4 here, 1×4 in B (layer 3 (fc2))', 'shape 1×4 here, 4×4 in B (layer 2 (head))']);
  const c = named(['fc1', 'fc1', 'head'], l);
  assert.equal(matchItems(allItems(a), allItems(c)).by, 'position', 'duplicate names: fall back to positions');
  const ctl = named(['fc\n1', 'x', 'y'], l);
  assert.equal(allItems(ctl)[0].name, 'fc\\u000a1');
});

test('different input dimensions: no shared slice, said so', () => {
  const a = net([dense(3, 2, 1)], 2), b = net([dense(3, 3, 1)], 3);
  const r = compareNetworks({ network: a, file: 'a' }, { network: b, file: 'b' }, { convergence: false });
  assert.equal(r.regions!.note, 'the inputs differ (A: 2-dimensional, B: 3-dimensional): there is no shared slice');
});

test('both spectra of a pair, and a precise error for a pair that does not exist', () => {
  const a = load('random-he.network.json');
  const s = compareSpectra(a, a, 3);
  assert.deepEqual(Array.from(s.a.singularValues), Array.from(s.b.singularValues));
  assert.equal(s.a.label, 'layer 4');
  assert.throws(() => compareSpectra(a, a, 20), { message: 'pair must be an integer in 0..19, got 20' });
});

test('the torch-made compare examples reproduce torch\'s outputs (scripts/make-compare-examples.py), and fine-tuning left layers 1–2 untouched', () => {
  const recorded = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'compare-outputs.json'), 'utf8')) as { probes: Record<string, number[]>; init: Record<string, number>; trained: Record<string, number>; finetuned: Record<string, number> };
  const nets = { init: load('compare-init.network.json'), trained: load('compare-trained.network.json'), finetuned: load('compare-finetuned.network.json') };
  for (const [which, n] of Object.entries(nets)) {
    for (const [probe, x] of Object.entries(recorded.probes)) {
      const ours = forward(n, x)[0], torch = recorded[which as keyof typeof nets][probe];
      assert.ok(Math.abs(ours - torch) <= 1e-12 * Math.max(1, Math.abs(torch)), `${which} at ${probe}: ${ours} vs torch ${torch}`);
    }
  }
  const r = compareNetworks({ network: nets.trained, file: 'trained' }, { network: nets.finetuned, file: 'finetuned' }, { convergence: false });
  assert.deepEqual(r.layers.map((l) => l.diffNorm === 0), [true, true, false, false]);
  const g = r.regions!;
  assert.ok(g.a!.same > 0 && g.a!.moved > 0 && g.a!.only > 0, `same ${g.a!.same}, moved ${g.a!.moved}, only ${g.a!.only}`);
  assert.equal(g.a!.same, g.b!.same, 'a region that is the same in A is the same in B');
});

// ── CLI ──

test('depth-lens compare --json: identical for a file with itself; usage errors exit 2', async () => {
  const io = nodeIo(new ProgressLine({ isTTY: false, write: () => true }));
  const file = path.join(examples, 'regions-2d.network.json');
  const r = await compareCommand.run([file, file, '--json'], io);
  assert.equal(r.exitCode, 0);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.identical, true);
  assert.equal(doc.regions.a.regions, undefined, 'no polygons in the CLI JSON');
  assert.equal(doc.regions.a.same, doc.regions.a.count);
  assert.ok(doc.layers.every((l: { diffNorm: number }) => l.diffNorm === 0));
  await assert.rejects(async () => compareCommand.run([file], io), { message: 'give exactly two files, A and B' });
  await assert.rejects(async () => compareCommand.run([file, file, '--norm', '3'], io), { message: "--norm must be one of 2, 1, inf, fro, not '3'" });
});

test('depth-lens compare text output names the files and the verdicts side by side; --spectra adds α', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dl-compare-'));
  try {
    const text = fs.readFileSync(path.join(examples, 'random-he.network.json'), 'utf8');
    const doc = JSON.parse(text);
    fs.writeFileSync(path.join(dir, 'a.network.json'), text);
    doc.layers[0].seed = 2; // a different draw of the same architecture
    fs.writeFileSync(path.join(dir, 'b.network.json'), JSON.stringify(doc));
    const io = nodeIo(new ProgressLine({ isTTY: false, write: () => true }));
    const r = await compareCommand.run([path.join(dir, 'a.network.json'), path.join(dir, 'b.network.json'), '--spectra', '--no-regions'], io);
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout, /^A: .*a\.network\.json — 20 layers/m);
    assert.match(r.stdout, /matched 20 of A's 20 and B's 20 weight matrices by position and shape/);
    assert.match(r.stdout, /^ {2}sufficient {2}A: \w+ +B: \w+$/m);
    assert.match(r.stdout, /^layer 1: A ‖W‖₂ [\d.]+, stable rank [\d.]+, α [\d.]+ ± [\d.]+ \| B ‖W‖₂/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('depth-lens spectrum --json lists every matrix with its singular values; a bad layer number is a usage error', async () => {
  const net2 = JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 2 }, layers: [{ type: 'dense', weights: [[1, 2], [3, 4]], bias: [0, 0], activation: 'relu' }] });
  const io = memoryIo({ 'n.network.json': net2 });
  const r = await spectrumCommand.run(['n.network.json', '--json'], io);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.items.length, 1);
  assert.ok(Math.abs(doc.items[0].singularValues[0] - Math.sqrt((30 + Math.sqrt(884)) / 2)) < 1e-14);
  assert.equal(doc.items[0].powerLaw.status, 'too-few');
  assert.equal(doc.items[0].powerLaw.alpha, null, 'NaN becomes null in JSON');
  await assert.rejects(async () => spectrumCommand.run(['n.network.json', '--layers', '2'], io), { message: 'layer 2 is not a layer number of this network (1..1)' });
  const text = await spectrumCommand.run(['n.network.json'], io);
  assert.match(text.stdout, /^layer 1 +2×2 +full \(jacobi\) +5\.465 +4\.497 +1\.004 .* too few eigenvalues \(2\)/m);
});
