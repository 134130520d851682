/**
 * The exact partition of a plane into a conv net's activation regions (src/core/conv/exactRegions.ts,
 * `depth-lens regions --exact`): on one conv layer the regions are the cells of a line arrangement,
 * counted independently by Euler's formula; with max pools and residual blocks every region's
 * centroid has the region's pattern, the polygons tile the box, every grid point of plane.ts lies in a
 * region of its pattern, and there are at least as many regions as the grid's patterns; the CLI's JSON,
 * text and refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { loadConvModel } from '../../src/cli/convModel';
import { hashWords, packBits } from '../../src/core/activation/pattern';
import { analyzeConvActivations } from '../../src/core/conv/activations';
import { convExactRegions, strictlyInside, type ConvExactRegionsResult } from '../../src/core/conv/exactRegions';
import { seededImages, type ImageBatch } from '../../src/core/conv/images';
import { convPlanePatterns, gridAxis } from '../../src/core/conv/plane';
import type { ConvNet } from '../../src/core/conv/resnet';
import { polygonArea, polygonCentroid } from '../../src/core/regions/partition';
import { Rng } from '../../src/core/rng';
import { diskIo } from './formats-helpers';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'conv-resnet.network.json');
const BIG = { maxWork: 1e13, maxMemoryMB: 4096 };

function networkFile(doc: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-exact-'));
  const file = path.join(dir, 'net.network.json');
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

function load(file: string): ConvNet {
  const m = loadConvModel(file, diskIo);
  assert.ok(m, `${file} is a conv network`);
  return m.network.net;
}

/** plane.ts's hash of the full pattern at one image (every site's packed bits, in order) */
function patternHash(net: ConvNet, image: Float64Array): number {
  const r = analyzeConvActivations(net, { count: 1, shape: net.inputShape, data: image, names: ['x'] }, { patterns: true, budget: BIG });
  let h: number | undefined;
  for (const site of r.sites) {
    const words = new Uint32Array((site.units + 31) >>> 5);
    packBits(site.pattern!.subarray(0, site.units), words, 0);
    h = hashWords(words, 0, words.length, h);
  }
  return h!;
}

function pointOf(images: ImageBatch, s: number, t: number): Float64Array {
  const per = images.data.length / 3, x = new Float64Array(per);
  for (let i = 0; i < per; i++) x[i] = (1 - s - t) * images.data[i] + s * images.data[per + i] + t * images.data[2 * per + i];
  return x;
}

/** the polygons tile the box: areas add up to it, every region's centroid has its pattern, every grid point is in a region of its pattern */
function checkPartition(net: ConvNet, images: ImageBatch, r: ConvExactRegionsResult, grid: number): void {
  const [s0, s1, t0, t1] = r.box;
  assert.equal(r.complete, true, r.stopped);
  const area = r.regions.reduce((a, g) => a + polygonArea(g.vertices), 0);
  assert.ok(Math.abs(area / ((s1 - s0) * (t1 - t0)) - 1) < 1e-9, `the regions cover the box: area ${area} of ${(s1 - s0) * (t1 - t0)}`);
  for (const g of r.regions) {
    assert.ok(polygonArea(g.vertices) > 0, 'counter-clockwise, positive area');
    const [cs, ct] = polygonCentroid(g.vertices);
    assert.equal(patternHash(net, pointOf(images, cs, ct)), g.hash, `the centroid (${cs}, ${ct}) has its region's pattern`);
  }
  const plane = convPlanePatterns(net, images, { grid, box: r.box, budget: BIG });
  assert.ok(r.regions.length >= plane.patterns, `${r.regions.length} regions ≥ the grid's ${plane.patterns} patterns`);
  const S = gridAxis(s0, s1, grid), T = gridAxis(t0, t1, grid);
  for (let j = 0; j < grid; j++) {
    for (let i = 0; i < grid; i++) {
      const hash = plane.hashes[plane.ids[j * grid + i]];
      const holders = r.regions.filter((g) => strictlyInside(g.vertices, S[i], T[j], -1e-12 * (s1 - s0)));
      assert.ok(holders.length > 0, `grid point (${S[i]}, ${T[j]}) is in a region`);
      assert.ok(holders.some((g) => g.hash === hash), `grid point (${S[i]}, ${T[j]}) is in a region of its pattern`);
    }
  }
}

test('one conv layer on the plane of its two pixels: the regions are the cells of the arrangement of its channels\' lines (Euler: 1 + lines + crossings inside the box)', () => {
  const rng = new Rng(31);
  const k = 9;
  const w = Array.from({ length: k }, () => [rng.uniformIn(-1, 1), rng.uniformIn(-1, 1)]);
  const b = Array.from({ length: k }, () => rng.uniformIn(-0.8, 0.8));
  const net = load(networkFile({
    format: 'depth-lens/network@1', input: { shape: [1, 2, 1] },
    layers: [
      { type: 'conv2d', name: 'lines', weights: w.map(([a, c]) => [[[a], [c]]]), bias: b, activation: 'relu' },
      { type: 'flatten' },
      { type: 'dense', name: 'head', weights: [Array.from({ length: k }, () => rng.uniformIn(-1, 1))], bias: [0], activation: 'linear' },
    ],
  }));
  // x₀ = (0, 0), x₁ = (1, 0), x₂ = (0, 1): x(s, t) = (s, t), channel c's line is w_c·(s, t) + b_c = 0
  const images: ImageBatch = { count: 3, shape: [1, 2, 1], data: Float64Array.from([0, 0, 1, 0, 0, 1]), names: ['o', 'e1', 'e2'] };
  const box = [-1, 1, -1, 1] as const;
  const inBox = (s: number, t: number) => s > box[0] && s < box[1] && t > box[2] && t < box[3];
  // a line crosses the open box when the box's corners are not all on one side
  const corners = [[box[0], box[2]], [box[1], box[2]], [box[1], box[3]], [box[0], box[3]]];
  const crosses = w.filter(([a, c], i) => new Set(corners.map(([s, t]) => Math.sign(a * s + c * t + b[i]))).size > 1).length;
  let crossings = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const det = w[i][0] * w[j][1] - w[i][1] * w[j][0];
      const s = (-b[i] * w[j][1] + b[j] * w[i][1]) / det, t = (-w[i][0] * b[j] + w[j][0] * b[i]) / det;
      if (inBox(s, t)) crossings++;
    }
  }
  const expected = 1 + crosses + crossings;
  const r = convExactRegions(net, images, { box, budget: BIG });
  assert.equal(r.regions.length, expected, `Euler: 1 + ${crosses} lines + ${crossings} crossings`);
  assert.ok(expected > 20, `a real arrangement (${expected} cells)`);
  checkPartition(net, images, r, 40);
});

test('max pools and residual blocks: the polygons tile the box, each centroid has its region\'s pattern, every grid point is in a region of its own pattern', () => {
  const rng = new Rng(32);
  const tensor = (...shape: number[]): unknown => (shape.length === 1 ? Array.from({ length: shape[0] }, () => rng.uniformIn(-0.6, 0.6)) : Array.from({ length: shape[0] }, () => tensor(...shape.slice(1))));
  const net = load(networkFile({
    format: 'depth-lens/network@1', input: { shape: [2, 4, 4] },
    layers: [
      { type: 'conv2d', name: 'stem', weights: tensor(3, 2, 3, 3), bias: tensor(3), padding: 1, activation: 'relu' },
      { type: 'maxpool2d', name: 'pool', kernel: 2, stride: 2 },
      { type: 'residual', name: 'block', activation: 'relu', layers: [
        { type: 'conv2d', weights: tensor(3, 3, 3, 3), bias: tensor(3), padding: 1, activation: 'relu' },
        { type: 'conv2d', weights: tensor(3, 3, 3, 3), bias: tensor(3), padding: 1 },
      ] },
      { type: 'flatten' },
      { type: 'dense', name: 'head', weights: [tensor(12) as number[]], bias: [0], activation: 'linear' },
    ],
  }));
  const images = seededImages(4, 3, net.inputShape as [number, number, number]);
  const r = convExactRegions(net, images, { box: [0, 0.2, 0, 0.2], budget: BIG });
  assert.ok(r.regions.length > 10, `${r.regions.length} regions`);
  checkPartition(net, images, r, 32);
});

test('the example conv ResNet (BatchNorm folded, two residual blocks, global pooling): the exact partition of a small box', () => {
  const net = load(EXAMPLE);
  const images = seededImages(109031, 3, net.inputShape as [number, number, number]);
  const r = convExactRegions(net, images, { box: [0, 0.05, 0, 0.05], budget: BIG });
  checkPartition(net, images, r, 24);
  // the cap stops it and says so; the regions found still have their patterns
  const capped = convExactRegions(net, images, { box: [0, 1, 0, 1], maxRegions: 40, budget: BIG });
  assert.equal(capped.complete, false);
  assert.equal(capped.stopped, 'the cap of 40 regions was reached');
  assert.equal(capped.regions.length, 40);
  // and so does the budget, before the pass that would exceed it
  const poor = convExactRegions(net, images, { box: [0, 1, 0, 1], budget: { maxWork: 20 * r.work / r.passes, maxMemoryMB: 4096 } });
  assert.equal(poor.complete, false);
  assert.match(poor.stopped!, /^the next forward pass would take the work past the budget of /);
  assert.ok(poor.work <= 20 * r.work / r.passes);
});

test('regions --exact on a conv model: JSON with the polygons, text, SVG; refusals word for word', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-exact-cli-'));
  const svg = path.join(dir, 'regions.svg');
  const r = await main(['regions', EXAMPLE, '--exact', '--box', '0,0.05,0,0.05', '--json', '--svg', svg], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { kind: string; exact: boolean; regions: number; complete: boolean; coverage: number; polygons: Array<{ hash: string; vertices: number[] }>; plane: { box: number[] } };
  assert.equal(doc.kind, 'conv');
  assert.equal(doc.exact, true);
  assert.equal(doc.complete, true);
  assert.deepEqual(doc.plane.box, [0, 0.05, 0, 0.05]);
  assert.equal(doc.polygons.length, doc.regions);
  assert.ok(Math.abs(doc.coverage - 1) < 1e-9);
  const net = load(EXAMPLE);
  const core = convExactRegions(net, seededImages(109031, 3, net.inputShape as [number, number, number]), { box: [0, 0.05, 0, 0.05] });
  assert.equal(doc.regions, core.regions.length, 'the CLI\'s default images are seed 109031\'s');
  const picture = fs.readFileSync(svg, 'utf8');
  assert.equal(picture.match(/<polygon /g)?.length, doc.regions);
  const text = await main(['regions', EXAMPLE, '--exact', '--box', '0,1,0,1', '--max-regions', '30'], diskIo);
  assert.equal(text.exitCode, 0, text.stderr);
  assert.match(text.stdout, /\nat least 30 activation regions: the partition stopped \(the cap of 30 regions was reached\) with \d+\.\d% of the box covered; a smaller --box, a higher --max-regions or budget finishes it\n/);
  const refusals: Array<[string[], string]> = [
    [['regions', EXAMPLE, '--exact', '--grid', '4'], 'depth-lens regions: --grid samples patterns; --exact computes the polygons: give one of them\n'],
    [['regions', path.join(__dirname, '..', '..', 'examples', 'regions-2d.network.json'), '--exact'], 'depth-lens regions: --exact applies to convolutional models (dense networks always get the exact partition)\n'],
  ];
  for (const [args, message] of refusals) {
    const e = await main(args, diskIo);
    assert.equal(e.exitCode, 2);
    assert.equal(e.stderr.split('\n')[0] + '\n', message);
  }
});
