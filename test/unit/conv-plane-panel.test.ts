/**
 * The worker's `convRegions` and `convAngles` handlers (the Activations panel's region map and angle
 * plot on a conv model, issue 14 item 3): the replies equal what `depth-lens regions|degeneracy FILE
 * --json` print for the same images, the streamed partials are prefixes of the final ids, every site
 * prefix's ids count the core's per-prefix patterns, bad params and budgets are refused saying what to
 * change, and a cancel stops the grid between batches. Fixtures: test/fixtures/conv/cifar-resnet
 * (torch's CIFAR ResNet as .onnx) and ResNet-18 (records.json + hashInit.ts) written as safetensors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { CancelledError, type AnalysisContext } from '../../src/core/context';
import { convProbeAngles } from '../../src/core/conv/degeneracy';
import { seededImages } from '../../src/core/conv/images';
import { convPlanePatterns } from '../../src/core/conv/plane';
import { runConvNet } from '../../src/core/conv/resnet';
import { BudgetError } from '../../src/core/network/budget';
import { parsedDocument } from '../../src/worker/documents';
import { handlers } from '../../src/worker/handlers/index';
import { BadParamsError } from '../../src/worker/handlers/common';
import { convNetworkOf, convRegions, largestPlaneGrid } from '../../src/worker/handlers/conv';
import { packForTransfer } from '../../src/worker/transfer';
import type { AnalysisSettings } from '../../src/shared/protocol';
import type { ConvRegionsPartial } from '../../src/shared/analyses/convPanels';
import { FIXTURES, fixtureInputs, readJson, resnet18Safetensors, type NetworkIndex, type NetworkRecords } from './conv-fixtures';
import { diskIo } from './formats-helpers';

const FILE = path.join(FIXTURES, 'cifar-resnet', 'cifar-resnet.onnx');
const SETTINGS: AnalysisSettings = { maxFileSizeMB: 64, norm: '2' };
const silent: AnalysisContext = { isCancelled: () => false, progress: () => {} };
const docOf = (file: string) => parsedDocument({ uri: `file://${file}`, fsPath: file, version: 1, text: '' }, SETTINGS);
const doc = () => docOf(FILE);

interface CliRegions { images: string[]; patterns: number; sites: Array<{ site: string; kind: string; shape: number[]; units: number; distinct: number; prefix: number }>; hashes: string[]; counts: number[]; ids: number[][] }
interface CliAngles { images: string[]; theta0: number; sites: Array<{ site: string; kind: string; shape: number[]; width: number; layer: number; theta: number | null; predicted: number }> }

test('a box zooms in: the CLI\'s --box count', async () => {
  const r = handlers.convRegions({ doc: doc(), params: { grid: 8, box: [0, 0.01, 0, 0.01] }, settings: SETTINGS, ctx: silent, partial: () => {} });
  const cli = JSON.parse((await main(['regions', FILE, '--json', '--grid', '8', '--box', '0,0.01,0,0.01'], diskIo)).stdout) as CliRegions;
  assert.deepEqual([...r.box], [0, 0.01, 0, 0.01]);
  assert.equal(r.patterns, cli.patterns);
  assert.deepEqual(Array.from(r.ids), cli.ids.flat());
});

test('convRegions equals `depth-lens regions --seed N --grid G --json`: patterns, sites, ids and hashes', async () => {
  for (const seed of [undefined, 7]) {
    const r = handlers.convRegions({ doc: doc(), params: { grid: 8, ...(seed === undefined ? {} : { image: { seed } }) }, settings: SETTINGS, ctx: silent, partial: () => {} });
    const cli = JSON.parse((await main(['regions', FILE, '--json', '--grid', '8', ...(seed === undefined ? [] : ['--seed', String(seed)])], diskIo)).stdout) as CliRegions;
    assert.equal(r.kind, 'conv');
    assert.deepEqual([...r.images], cli.images);
    assert.deepEqual([...r.indices], [1, 2, 3]);
    assert.equal(r.seed, seed ?? 0x1a9e7);
    assert.equal(r.patterns, cli.patterns);
    assert.deepEqual(r.sites.map((s) => ({ ...s, shape: [...s.shape] })), cli.sites.map((s) => ({ site: s.site, kind: s.kind, shape: s.shape, units: s.units, distinct: s.distinct, prefix: s.prefix })));
    assert.deepEqual(Array.from(r.ids), cli.ids.flat());
    assert.deepEqual(Array.from(r.hashes, (h) => h.toString(16).padStart(8, '0')), cli.hashes);
    assert.deepEqual([...r.counts], cli.counts);
    assert.equal(r.done, 64);
    assert.deepEqual([...r.box], [0, 1, 0, 1]);
  }
});

test('every site prefix: ids numbered by first appearance, as many as the core\'s prefix count, refined by the next site', () => {
  const r = handlers.convRegions({ doc: doc(), params: { grid: 12 }, settings: SETTINGS, ctx: silent, partial: () => {} });
  assert.equal(r.siteIds.length, r.sites.length);
  r.siteIds.forEach((ids, k) => {
    let next = 0;
    for (const id of ids) { assert.ok(id <= next, `site ${k}: ids in order of first appearance`); if (id === next) next++; }
    assert.equal(next, r.sites[k].prefix, `site ${k + 1} (${r.sites[k].site})`);
    assert.equal(r.siteHashes[k].length, r.sites[k].prefix);
    if (k > 0) {
      // two points with the same patterns up to site k have the same patterns up to site k − 1
      const coarse = new Map<number, number>();
      ids.forEach((id, p) => { const c = r.siteIds[k - 1][p]; assert.equal(coarse.get(id) ?? c, c); coarse.set(id, c); });
    }
  });
  assert.deepEqual(Array.from(r.siteIds.at(-1)!), Array.from(r.ids));
  assert.deepEqual(Array.from(r.siteHashes.at(-1)!), Array.from(r.hashes));
  // images 1, 4, 6 of the seed: the core on those three images
  const net = convNetworkOf(doc())!.net;
  const all = seededImages(0x1a9e7, 6, net.inputShape);
  const per = 3 * 32 * 32;
  const data = new Float64Array(3 * per);
  [0, 3, 5].forEach((k, i) => data.set(all.data.subarray(k * per, (k + 1) * per), i * per));
  const core = convPlanePatterns(net, { count: 3, shape: all.shape, data, names: [all.names[0], all.names[3], all.names[5]] }, { grid: 6 });
  const other = handlers.convRegions({ doc: doc(), params: { grid: 6, others: [4, 6] }, settings: SETTINGS, ctx: silent, partial: () => {} });
  assert.deepEqual([...other.images], ['seed 109031 #1', 'seed 109031 #4', 'seed 109031 #6']);
  assert.equal(other.patterns, core.patterns);
  assert.deepEqual(Array.from(other.ids), Array.from(core.ids));
});

test('convRegions streams partials: each a prefix of the final ids with the hashes met so far, and the reply crosses threads packed', () => {
  const parts: Array<{ value: ConvRegionsPartial; fraction: number; message?: string }> = [];
  const r = convRegions(convNetworkOf(doc())!, { grid: 12 }, SETTINGS, silent, (value, fraction, message) => parts.push({ value, fraction, message }), 0);
  // 144 points in batches of 64: after 64 and 128 (the last batch is the reply)
  assert.deepEqual(parts.map((p) => p.value.done), [64, 128]);
  for (const { value, fraction, message } of parts) {
    assert.equal(value.grid, 12);
    assert.equal(value.ids.length, value.done);
    assert.deepEqual(Array.from(value.ids), Array.from(r.ids.subarray(0, value.done)));
    assert.deepEqual(Array.from(value.hashes), Array.from(r.hashes.subarray(0, value.hashes.length)));
    assert.equal(value.siteIds.length, r.sites.length);
    value.siteIds.forEach((ids, k) => assert.deepEqual(Array.from(ids), Array.from(r.siteIds[k].subarray(0, value.done))));
    assert.equal(fraction, value.done / 144);
    assert.match(message!, new RegExp(`^regions: ${value.done} of 144 points, ${value.hashes.length} patterns? so far$`));
  }
  const packed = packForTransfer(r).value;
  assert.deepEqual(Array.from(packed.siteIds[3]), Array.from(r.siteIds[3]));
  assert.ok(packed.ids instanceof Int32Array && packed.hashes instanceof Uint32Array);
});

test('convRegions refuses bad params saying what to change, and the budget with the largest grid that fits', () => {
  const call = (params: object, settings = SETTINGS) => handlers.convRegions({ doc: doc(), params, settings, ctx: silent, partial: () => {} });
  const bad = (params: object, re: RegExp) => assert.throws(() => call(params), (e: unknown) => e instanceof BadParamsError && re.test(e.message), JSON.stringify(params));
  bad({ grid: 1 }, /^the grid must be an integer in 2\.\.256 points per side, got 1; the CLI's `depth-lens regions --grid N` goes to 1024$/);
  bad({ grid: 257 }, /got 257/);
  bad({ grid: 2.5 }, /got 2\.5/);
  bad({ others: [2, 2] }, /^x₁ and x₂ are both image 2: the plane needs three different images; choose another image for x₂$/);
  bad({ others: [1, 3] }, /^others\[0\] \(x₁\) must be an integer in 2\.\.8 \(image 1 is the panel's input image\), got 1$/);
  bad({ others: [2, 9] }, /others\[1\] \(x₂\) must be an integer in 2\.\.8/);
  bad({ others: [2] }, /two image indices/);
  bad({ image: { seed: -3 } }, /images\.seed must be an integer in 0\.\.4294967295, got -3/);
  bad({ box: [0, 0, 0, 1] }, /^box must be \[smin, smax, tmin, tmax\] with finite smin < smax and tmin < tmax, got \[0,0,0,1\]$/);
  bad({ box: [0, 1, 0] }, /^box must be/);
  const net = convNetworkOf(doc())!.net;
  const budget = { maxWork: 2e9, maxMemoryMB: 4096 };
  const fits = largestPlaneGrid(net, budget);
  assert.ok(fits >= 2 && fits < 24, `largest grid ${fits}`);
  let progressed = 0;
  assert.throws(() => handlers.convRegions({ doc: doc(), params: { grid: 24 }, settings: { ...SETTINGS, budget }, ctx: { isCancelled: () => false, progress: () => { progressed++; } }, partial: () => {} }), (e: unknown) =>
    e instanceof BudgetError && e.resource === 'work' && e.limits?.maxWork === 2e9 && e.message.startsWith('regions needs about ') && e.message.endsWith(`; or a grid of at most ${fits}×${fits} fits this budget`));
  assert.equal(progressed, 0, 'refused before any work');
  // the largest grid that fits runs; one more point per side does not
  assert.equal(call({ grid: fits, budget }).grid, fits);
  assert.throws(() => call({ grid: fits + 1, budget }), BudgetError);
  // a dense network file: these analyses are for conv models
  const dense = path.join(__dirname, '..', '..', 'examples', fs.readdirSync(path.join(__dirname, '..', '..', 'examples')).find((f) => f.endsWith('.network.json'))!);
  const denseDoc = parsedDocument({ uri: `file://${dense}`, fsPath: dense, version: 1, text: fs.readFileSync(dense, 'utf8') }, SETTINGS);
  assert.throws(() => handlers.convRegions({ doc: denseDoc, params: {}, settings: SETTINGS, ctx: silent, partial: () => {} }), (e: unknown) => e instanceof BadParamsError && /^convRegions applies to convolutional models .*use regions or regionGrid$/.test(e.message));
  assert.throws(() => handlers.convAngles({ doc: denseDoc, params: {}, settings: SETTINGS, ctx: silent, partial: () => {} }), (e: unknown) => e instanceof BadParamsError && /^convAngles applies to convolutional models .*use probeAngles$/.test(e.message));
});

test('a cancel stops the grid between batches of points', () => {
  let calls = 0;
  const ctx: AnalysisContext = { isCancelled: () => calls >= 2, progress: () => { calls++; } };
  let partials = 0;
  assert.throws(() => convRegions(convNetworkOf(doc())!, { grid: 16 }, SETTINGS, ctx, () => { partials++; }, 0), (e: unknown) => e instanceof CancelledError);
  assert.ok(partials <= 2, `${partials} partials before the cancel`);
});

test('convAngles equals `depth-lens degeneracy --seed N --json`, and image k is the seed\'s k-th', async () => {
  const r = handlers.convAngles({ doc: doc(), params: {}, settings: SETTINGS, ctx: silent, partial: () => {} });
  const cli = JSON.parse((await main(['degeneracy', FILE, '--json'], diskIo)).stdout) as CliAngles;
  assert.deepEqual([...r.images], cli.images);
  assert.equal(r.theta0, cli.theta0);
  assert.deepEqual(r.sites.map((s) => ({ ...s, shape: [...s.shape] })), cli.sites.map((s) => ({ site: s.site, kind: s.kind, shape: s.shape, width: s.width, layer: s.layer, theta: s.theta, predicted: s.predicted })));
  assert.equal(r.sites.at(-1)!.kind, 'output');
  const net = convNetworkOf(doc())!.net;
  const three = seededImages(5, 3, net.inputShape);
  const per = three.data.length / 3;
  const data = new Float64Array(2 * per);
  data.set(three.data.subarray(0, per)); data.set(three.data.subarray(2 * per), per);
  const core = convProbeAngles(net, { count: 2, shape: three.shape, data, names: [three.names[0], three.names[2]] });
  const other = handlers.convAngles({ doc: doc(), params: { image: { seed: 5 }, other: 3 }, settings: SETTINGS, ctx: silent, partial: () => {} });
  assert.deepEqual([...other.indices], [1, 3]);
  assert.equal(other.theta0, core.theta0);
  assert.deepEqual(other.sites.map((s) => [s.theta, s.predicted]), core.sites.map((s) => [s.theta, s.predicted]));
  assert.throws(() => handlers.convAngles({ doc: doc(), params: { other: 1 }, settings: SETTINGS, ctx: silent, partial: () => {} }), (e: unknown) => e instanceof BadParamsError && /^other must be an integer in 2\.\.8/.test(e.message));
  const tiny = { ...SETTINGS, budget: { maxWork: 1000, maxMemoryMB: 4096 } };
  assert.throws(() => handlers.convAngles({ doc: doc(), params: {}, settings: tiny, ctx: silent, partial: () => {} }), (e: unknown) => e instanceof BudgetError && /^degeneracy needs about /.test(e.message));
});

test('ResNet-18 as safetensors with __metadata__ input_shape 3,32,32: the viewer builds it at 32×32 and torch\'s outputs come out', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dl-r18-'));
  try {
    const file = path.join(dir, 'resnet18.safetensors');
    fs.writeFileSync(file, resnet18Safetensors('3,32,32'));
    const d = docOf(file);
    const v = handlers.validate({ doc: d, params: {}, settings: SETTINGS, ctx: silent, partial: () => {} });
    assert.deepEqual(v.conv?.inputShape, [3, 32, 32]);
    assert.ok(d.conv?.diagnostics.some((x) => x.message.endsWith('the file\'s metadata input_shape = 3,32,32 sets the input to 3×32×32')));
    const r18 = readJson<NetworkRecords & NetworkIndex>('resnet18', 'records.json');
    const net = convNetworkOf(d)!.net;
    const out = runConvNet(net, fixtureInputs(r18.inputSeed, r18.inputShape), 2).output;
    const want = r18.output.flat();
    let worst = 0;
    want.forEach((w, i) => { worst = Math.max(worst, Math.abs(out[i] - w) / Math.max(1, Math.abs(w))); });
    assert.ok(worst < 1e-12, `ResNet-18 outputs vs torch: ${worst}`);
    // the same file without the metadata: torchvision's 224 for the 7×7 stem
    fs.writeFileSync(file, resnet18Safetensors());
    assert.deepEqual(docOf(file).conv?.network?.net.inputShape, [3, 224, 224]);
    fs.writeFileSync(file, resnet18Safetensors('3,32'));
    assert.match(docOf(file).conv!.diagnostics.find((x) => x.severity === 'error')!.message, /the metadata input_shape: the input shape must be C,H,W \(three positive integers\), not '3,32'/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
