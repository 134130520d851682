/**
 * Deep networks in the panels (issue 15, item 1): the even layer sample and the streamed per-layer
 * summary of the activations, the exact partition of a network's first layers when a limit stops it
 * (regions `prefix`), and the webview's reduction of 10⁵ active fractions to plot points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeActivations } from '../../src/core/activation/pointwise';
import { evenLayerSample, layerActivity, SummaryCollector } from '../../src/core/activation/summary';
import { explicitNetwork } from '../../src/core/network/model';
import { parseNetworkText } from '../../src/core/network/parse';
import { slicePartition } from '../../src/core/regions/partition';
import { silentContext } from '../../src/core/context';
import { activationsHandlers } from '../../src/worker/handlers/activations';
import { denseActivations } from '../../src/shared/analyses/convPanels';
import type { ParsedDocument } from '../../src/worker/documents';
import { activityPoints, ActivityCollector } from '../../webview/activations/activity';
import { BudgetError, checkBudget, MAX_MAX_WORK, raisedBudget } from '../../src/core/network/budget';
import { Worker } from 'node:worker_threads';
import { Yielder } from '../../src/worker/yield';
import { randomNetwork } from './random-networks';
import { SLOWNESS } from './slowness-helpers';

/** A family like examples/convergent-family.network.json, `count` layers deep. */
const family = (count: number) => JSON.stringify({
  format: 'depth-lens/network@1',
  input: { dim: 2, domain: { min: [-1, -1], max: [1, 1] }, probes: { origin: [0, 0], a: [1, 0.5] } },
  layers: [{
    type: 'family', count,
    weights: { identity: 1, matrix: [[0.5, -0.3], [0.2, 0.4]], scale: { offset: 1, power: -2 } },
    bias: { vector: [1, -1], scale: { offset: 1, power: -2 } },
    activation: 'relu',
  }],
});

test('evenLayerSample: every layer up to max, else max evenly spaced layers with the first and the last', () => {
  assert.deepEqual(evenLayerSample(0, 5), []);
  assert.deepEqual(evenLayerSample(4, 5), [1, 2, 3, 4]);
  assert.deepEqual(evenLayerSample(5, 5), [1, 2, 3, 4, 5]);
  assert.deepEqual(evenLayerSample(9, 3), [1, 5, 9]);
  assert.deepEqual(evenLayerSample(100, 1), [100]);
  for (const [depth, max] of [[100_000, 600], [601, 600], [1000, 7], [10, 9]]) {
    const s = evenLayerSample(depth, max);
    assert.equal(s[0], 1);
    assert.equal(s[s.length - 1], depth);
    assert.ok(s.length <= max, `${s.length} > ${max}`);
    for (let i = 1; i < s.length; i++) assert.ok(s[i] > s[i - 1]);
    // evenly spaced: gaps differ by at most one
    const gaps = s.slice(1).map((k, i) => k - s[i]);
    assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, `gaps ${Math.min(...gaps)}…${Math.max(...gaps)}`);
  }
  assert.throws(() => evenLayerSample(10, 0), RangeError);
  assert.throws(() => evenLayerSample(-1, 3), RangeError);
});

test('keepLayer / onLayer: the kept layers are the full run\'s, and the summary counts every layer', () => {
  const net = randomNetwork(7, 3, [6, { res: [5, 6] }, 6, { res: [4, 6] }, 6], 2);
  const x = [0.2, -0.4, 0.7];
  const full = analyzeActivations(net, x);
  const keep = new Set([1, 3, 5]);
  const summary = new SummaryCollector(net.depth);
  const slices: Array<ReturnType<SummaryCollector['slice']>> = [];
  const r = analyzeActivations(net, x, {
    keepLayer: (k) => keep.has(k),
    onLayer: (k, s) => { summary.add(k, s); if (k % 2 === 0) slices.push(summary.slice()); },
  });
  slices.push(summary.slice());
  assert.deepEqual(r.layers.map((l) => l.layer), [1, 3, 5]);
  assert.deepEqual(r.layers, full.layers.filter((l) => keep.has(l.layer)));
  assert.deepEqual(r.partials, full.partials!.filter((p) => keep.has(p.layer)));
  assert.deepEqual(r.affine, full.affine);
  assert.equal(r.radius, full.radius);
  const all = summary.all();
  assert.equal(all.from, 1);
  assert.deepEqual(Array.from(all.active), full.layers.map((l) => layerActivity(l).active));
  assert.deepEqual(Array.from(all.relu), full.layers.map((l) => layerActivity(l).relu));
  // the slices tile 1 … depth in order
  const joined = slices.flatMap((s) => Array.from(s.active));
  assert.deepEqual(joined, Array.from(all.active));
  // depth 6: slices after layers 2, 4, 6, then an empty one
  assert.equal(net.depth, 6);
  assert.deepEqual(slices.map((s) => s.from), [1, 3, 5, 7]);
  assert.equal(slices[3].active.length, 0);
  assert.throws(() => summary.add(3, full.layers[2]), /out of order/);
});

test('activations handler with maxLayers: a sample of 10⁴ layers, every layer in the summary, streamed', () => {
  const text = family(10_000);
  const parsed = parseNetworkText(text);
  const doc = { network: parsed.network, diagnostics: parsed.diagnostics, lineOf: () => 0 } as unknown as ParsedDocument;
  const partials: unknown[] = [];
  const r = denseActivations(activationsHandlers.activations({
    doc, params: { probe: 'a', maxLayers: 50 }, settings: { maxFileSizeMB: 50, norm: '2' }, ctx: silentContext,
    partial: (v) => partials.push(v),
  }));
  assert.equal(r.layers.length, 50);
  assert.deepEqual(r.layers.map((l) => l.layer), evenLayerSample(10_000, 50));
  assert.deepEqual(r.sampled, { depth: 10_000 });
  assert.equal(r.units.length, 50);
  assert.equal(r.partials!.length, 50);
  assert.equal(r.summary!.active.length, 10_000);
  assert.ok(r.nearestFace === undefined || r.nearestFace.unit >= -1);
  // the same numbers as the full run at the kept layers, and the same output
  const full = analyzeActivations(parsed.network!, [1, 0.5], { partialProducts: false });
  assert.deepEqual(Array.from(r.output), Array.from(full.output));
  for (const l of r.layers) assert.deepEqual(l.pattern, full.layers[l.layer - 1].pattern);
  assert.deepEqual(Array.from(r.summary!.active), full.layers.map((l) => l.active));
  assert.throws(() => activationsHandlers.activations({
    doc, params: { probe: 'a', maxLayers: 0 }, settings: { maxFileSizeMB: 50, norm: '2' }, ctx: silentContext, partial: () => undefined,
  }), /maxLayers must be an integer/);
});

test('regions prefix: a work limit returns the exact partition of the first layers, the same as a partition of those layers', () => {
  const net = parseNetworkText(family(100_000)).network!;
  const r = slicePartition(net, { maxSteps: 5e7, prefix: true, patterns: false, maxRegions: 20_000 });
  assert.ok(r.depth !== undefined && r.depth > 10 && r.depth < 100_000, `depth ${r.depth}`);
  assert.match(r.stopped!, new RegExp(`^layer ${r.depth + 1} would take the work past 5\\.0e7 steps`));
  assert.equal(r.perDepth.length, r.depth);
  assert.equal(r.regions, r.perDepth[r.perDepth.length - 1]);
  assert.equal(r.polygons!.length, r.regions);
  // the network cut to its first `depth` layers: same count, same areas
  const layers = Array.from({ length: r.depth }, (_, k) => net.layer(k));
  const cut = explicitNetwork(net.input, layers);
  const exact = slicePartition(cut, { patterns: false });
  assert.equal(exact.regions, r.regions);
  assert.deepEqual(exact.perDepth, r.perDepth);
  const areas = (x: typeof r) => x.polygons!.map((p) => p.area).sort((a, b) => a - b);
  assert.deepEqual(areas(exact), areas(r));
  // without prefix the same limit refuses
  assert.throws(() => slicePartition(net, { maxSteps: 5e7, patterns: false, maxRegions: 20_000 }), /raise maxSteps/);
});

test('regions prefix: a region cap crossed inside a layer returns the layers before it', () => {
  const net = randomNetwork(3, 2, [8, 8, 8, 8], 1);
  const full = slicePartition(net, { patterns: false });
  const cap = full.perDepth[1] + 1; // layer 3 has more regions than that
  assert.ok(full.perDepth[2] > cap);
  const r = slicePartition(net, { patterns: false, maxRegions: cap, prefix: true });
  assert.equal(r.depth, 2);
  assert.deepEqual(r.perDepth, full.perDepth.slice(0, 2));
  assert.equal(r.regions, full.perDepth[1]);
  assert.match(r.stopped!, /more than \d+ regions/);
  // the maps are those of N_2 (8 outputs)
  assert.equal(r.polygons![0].plane.A.rows, 8);
  // a partition within the limits has no depth: it is the whole network's
  const whole = slicePartition(net, { patterns: false, prefix: true });
  assert.equal(whole.depth, undefined);
  assert.equal(whole.regions, full.regions);
});

test('activityPoints: one point per layer up to maxPoints, else mean/min/max per bucket; linear layers left out', () => {
  const active = [1, 2, 0, 4, 3, 0];
  const relu = [2, 4, 0, 4, 4, 2];
  const one = activityPoints(active, relu, 6, 10);
  assert.equal(one.perBucket, 1);
  assert.deepEqual(one.x, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(one.mean.map((v) => (Number.isNaN(v) ? 'gap' : v)), [0.5, 0.5, 'gap', 1, 0.75, 0]);
  const two = activityPoints(active, relu, 6, 3);
  assert.equal(two.perBucket, 2);
  assert.deepEqual(two.x, [1, 3, 5]);
  assert.deepEqual(two.mean, [3 / 6, 1, 3 / 6]);
  assert.deepEqual(two.min, [0.5, 1, 0]);
  assert.deepEqual(two.max, [0.5, 1, 0.75]);
  // only the layers filled so far
  assert.deepEqual(activityPoints(active, relu, 2, 10).x, [1, 2]);
  const big = activityPoints(new Int32Array(100_000).fill(1), new Int32Array(100_000).fill(2), 100_000, 2000);
  assert.equal(big.x.length, 2000);
  assert.ok(big.mean.every((v) => v === 0.5));
  assert.throws(() => activityPoints(active, relu, 6, 0), RangeError);
});

test('ActivityCollector: slices in order fill the arrays; a gap is ignored until the whole summary comes', () => {
  const c = new ActivityCollector();
  c.add({ depth: 5, from: 1, active: Int32Array.of(1, 2), relu: Int32Array.of(2, 2) });
  c.add({ depth: 5, from: 4, active: Int32Array.of(9), relu: Int32Array.of(9) }); // gap: 3 missing
  assert.equal(c.filled, 2);
  c.add({ depth: 5, from: 3, active: Int32Array.of(0, 1), relu: Int32Array.of(2, 2) });
  assert.equal(c.filled, 4);
  c.add({ depth: 5, from: 1, active: Int32Array.of(1, 2, 0, 1, 2), relu: Int32Array.of(2, 2, 2, 2, 2) });
  assert.equal(c.filled, 5);
  assert.deepEqual(Array.from(c.active), [1, 2, 0, 1, 2]);
  // a new run (another depth) starts over
  c.add({ depth: 2, from: 1, active: Int32Array.of(1), relu: Int32Array.of(1) });
  assert.equal(c.depth, 2);
  assert.equal(c.filled, 1);
});

test('raisedBudget: the refused resource raised to what the run needs plus a quarter, the other kept, within the ceilings', () => {
  const limits = { maxWork: 1e11, maxMemoryMB: 1024 };
  assert.deepEqual(raisedBudget({ resource: 'work', needed: 3.2e12, limits }), { maxWork: 4e12, maxMemoryMB: 1024 });
  assert.deepEqual(raisedBudget({ resource: 'work', needed: 1.01e11, limits }), { maxWork: 1.3e11, maxMemoryMB: 1024 });
  assert.deepEqual(raisedBudget({ resource: 'memory', needed: 3000 * 1024 * 1024, limits }), { maxWork: 1e11, maxMemoryMB: 3800 });
  // near the ceiling: the ceiling itself; beyond it: no button
  assert.deepEqual(raisedBudget({ resource: 'work', needed: 9e13, limits }), { maxWork: MAX_MAX_WORK, maxMemoryMB: 1024 });
  assert.equal(raisedBudget({ resource: 'work', needed: 2e14, limits }), undefined);
  assert.equal(raisedBudget({ resource: 'memory', needed: 1e15, limits }), undefined);
  assert.equal(raisedBudget({ resource: 'work', needed: NaN, limits }), undefined);
  // the refusal names its budget: checkBudget's error carries it for the panel's control
  try {
    checkBudget('activations', { work: 5e12, bytes: 1, detail: 'test' }, limits);
    assert.fail('no refusal');
  } catch (e) {
    assert.ok(e instanceof BudgetError);
    assert.deepEqual(e.limits, limits);
    assert.equal(e.needed, 5e12);
  }
});

test('Yielder: a background run waits while the flag is set — until it clears, the run is cancelled, or its budget is spent', async () => {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const idle = new Yielder(flag, () => false, 1000);
  idle.yieldIfAsked();
  assert.equal(idle.waitedMs, 0);
  Atomics.store(flag, 0, 1);
  const cancelled = new Yielder(flag, () => true, 1000);
  cancelled.yieldIfAsked();
  assert.equal(cancelled.waitedMs, 0);
  // upper bounds scale with the machine's measured slowness (unit files run two at a time, scripts/slowness.mjs)
  const slow = SLOWNESS;
  const capped = new Yielder(flag, () => false, 120);
  const t0 = Date.now();
  capped.yieldIfAsked();
  assert.ok(capped.waitedMs >= 120 && Date.now() - t0 < 2000 * slow, `waited ${capped.waitedMs} ms`);
  capped.yieldIfAsked(); // the budget is spent: no more waiting
  assert.ok(Date.now() - t0 < 2000 * slow);
  // another thread clears the flag after ~150 ms: the wait ends then, well before the budget
  const w = new Worker('const { workerData } = require("node:worker_threads"); const f = new Int32Array(workerData); setTimeout(() => { Atomics.store(f, 0, 0); Atomics.notify(f, 0); }, 150);', { eval: true, workerData: flag.buffer });
  const waiting = new Yielder(flag, () => false, 20_000);
  const t1 = Date.now();
  waiting.yieldIfAsked();
  const ms = Date.now() - t1;
  await w.terminate();
  assert.equal(Atomics.load(flag, 0), 0);
  assert.ok(ms >= 100 && ms < 5000 * slow, `waited ${ms} ms`);
});
