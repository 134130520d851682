/** Exact 2-D slice partitions and 1-D piece counts (MATH.md §A, "2-D slice partition"). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/core/rng';
import { fromRows } from '../../src/core/linalg/dense';
import { explicitNetwork, type DenseLayer, type Layer, type Network } from '../../src/core/network/model';
import { forward } from '../../src/core/network/forward';
import { packedPattern } from '../../src/core/activation/pointwise';
import { forwardBatch } from '../../src/core/activation/batch';
import { hashWords } from '../../src/core/activation/pattern';
import { partitionPlane, polygonArea, slicePartition } from '../../src/core/regions/partition';
import { planePoint, resolvePlane } from '../../src/core/regions/plane';
import { segmentPieces } from '../../src/core/regions/segment';
import { gridInputs, regionGrid } from '../../src/core/regions/grid';
import { regionsCommand } from '../../src/cli/commands/regions';
import type { CliIo } from '../../src/cli/command';
import type { RegionsResult } from '../../src/shared/analyses/activations';

function dense(rows: number[][], bias: number[], activation: 'relu' | 'linear' = 'relu'): DenseLayer {
  return { kind: 'dense', weights: fromRows(rows), bias: Float64Array.from(bias), activation };
}

function randomDense(rng: Rng, m: number, n: number, activation: 'relu' | 'linear' = 'relu'): DenseLayer {
  const w = new Float64Array(m * n);
  rng.fillGaussian(w, 0, Math.sqrt(2 / n));
  const b = new Float64Array(m);
  rng.fillGaussian(b, 0, 0.3);
  return { kind: 'dense', weights: { rows: m, cols: n, data: w }, bias: b, activation };
}

function randomNetwork(seed: number, dim: number, plan: readonly (number | { res: number[] })[], outDim: number): Network {
  const rng = new Rng(seed);
  const layers: Layer[] = [];
  let width = dim;
  for (const p of plan) {
    if (typeof p === 'number') { layers.push(randomDense(rng, p, width)); width = p; continue; }
    const branch: DenseLayer[] = [];
    let w = width;
    for (const h of p.res) { branch.push(randomDense(rng, h, w)); w = h; }
    branch.push(randomDense(rng, width, w, 'linear'));
    layers.push({ kind: 'residual', branch, activation: 'relu' });
  }
  layers.push(randomDense(rng, outDim, width, 'linear'));
  return explicitNetwork({ dim, probes: [] }, layers);
}

const binom2 = (m: number) => (m * (m - 1)) / 2;

test('one layer of m lines in general position: 1 + m + C(m, 2) regions when the box holds every crossing', () => {
  for (const [m, seed] of [[1, 1], [2, 2], [5, 3], [8, 4], [12, 5], [20, 6]]) {
    const rng = new Rng(seed);
    const rows: number[][] = [], bias: number[] = [];
    for (let i = 0; i < m; i++) {
      const angle = Math.PI * (i + 0.2 + 0.6 * rng.uniform()) / m; // distinct directions: no two lines parallel
      rows.push([Math.cos(angle), Math.sin(angle)]);
      bias.push(rng.uniformIn(-1, 1));
    }
    // every pairwise crossing, computed independently (Cramer's rule)
    let reach = 1, closest = Infinity;
    const pts: [number, number][] = [];
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) {
      const [a, b] = rows[i], [c, d] = rows[j];
      const det = a * d - b * c;
      const x = (-bias[i] * d + b * bias[j]) / det, y = (-a * bias[j] + c * bias[i]) / det;
      pts.push([x, y]);
      reach = Math.max(reach, Math.abs(x), Math.abs(y));
    }
    for (let i = 0; i < pts.length; i++) for (let j = i + 1; j < pts.length; j++) closest = Math.min(closest, Math.hypot(pts[i][0] - pts[j][0], pts[i][1] - pts[j][1]));
    assert.ok(closest > 1e-6 * reach, `seed ${seed}: three lines nearly concurrent — not general position`);
    const R = 2 * reach;
    const net = explicitNetwork({ dim: 2, probes: [] }, [dense(rows, bias), dense([Array(m).fill(1)], [0], 'linear')]);
    const r = slicePartition(net, { box: [-R, R, -R, R] });
    assert.equal(r.regions, 1 + m + binom2(m), `m = ${m}`);
    assert.deepEqual(r.perDepth, [1 + m + binom2(m), 1 + m + binom2(m)]);
    assert.equal(r.droppedSlivers, 0);
    assert.equal(new Set(r.polygons!.map((p) => p.hash)).size, r.regions, 'every region has its own pattern');
    const area = r.polygons!.reduce((s, p) => s + p.area, 0);
    assert.ok(Math.abs(area - 4 * R * R) <= 1e-12 * 4 * R * R, 'the regions tile the box');
  }
});

test('degenerate lines: concurrent, coincident and along the box edge are not double-counted', () => {
  const box = [-1, 1, -1, 1] as const;
  // x = 0, y = 0 and x = y all through the origin: 6 sectors (not 7)
  const concurrent = explicitNetwork({ dim: 2, probes: [] }, [dense([[1, 0], [0, 1], [1, -1]], [0, 0, 0])]);
  assert.equal(slicePartition(concurrent, { box }).regions, 6);
  // two neurons with the same line: 2 regions, patterns 11 and 00
  const twin = explicitNetwork({ dim: 2, probes: [] }, [dense([[1, 2], [1, 2]], [0.1, 0.1])]);
  const t = slicePartition(twin, { box });
  assert.equal(t.regions, 2);
  assert.deepEqual(t.polygons!.map((p) => p.pattern[0]).sort(), [0, 3]);
  // a line along the edge x = −1 and one through the corner (1, 1) with slope −1: no cut, 1 region
  const edges = explicitNetwork({ dim: 2, probes: [] }, [dense([[1, 0], [1, 1]], [1, -2])]);
  const e = slicePartition(edges, { box });
  assert.equal(e.regions, 1);
  assert.equal(e.polygons![0].pattern[0], 0b01, 'x + 1 > 0 inside, x + y − 2 < 0 inside');
  // the diagonal through two corners splits the square into two triangles
  const diag = explicitNetwork({ dim: 2, probes: [] }, [dense([[1, -1]], [0])]);
  const dg = slicePartition(diag, { box });
  assert.equal(dg.regions, 2);
  assert.deepEqual(dg.polygons!.map((p) => p.area), [2, 2]);
});

/** Grid patterns ⊂ region patterns, count ≥ distinct grid patterns, maps exact at centroids. */
function checkAgainstGrid(net: Network, r: RegionsResult, grid = 150): void {
  const regionHashes = new Set(r.polygons!.map((p) => p.hash));
  assert.equal(regionHashes.size, r.regions, 'no region counted twice');
  const X = gridInputs(r.plane, grid, grid);
  const res = forwardBatch(net, X, grid * grid);
  const seen = new Set(res.hashes);
  assert.ok(r.regions >= seen.size, `${r.regions} regions < ${seen.size} grid patterns`);
  for (const h of seen) assert.ok(regionHashes.has(h), `grid pattern ${h.toString(16)} missing from the partition`);
  const [smin, smax, tmin, tmax] = r.plane.box;
  const area = r.polygons!.reduce((s, p) => s + p.area, 0);
  assert.ok(Math.abs(area - (smax - smin) * (tmax - tmin)) <= 1e-9 * (smax - smin) * (tmax - tmin), 'regions tile the box');
  const d = r.plane.origin.length;
  for (const p of r.polygons!) {
    assert.ok(p.area > 0 && Math.abs(polygonArea(p.vertices) - p.area) === 0);
    const [s, t] = p.centroid;
    const x = planePoint(r.plane, s, t);
    const y = forward(net, x);
    const tol = 1e-12 * Math.max(1, Math.hypot(...y));
    // the centroid lies in the region: its pattern is the region's pattern
    assert.equal(hashWords(packedPattern(net, x)), p.hash);
    for (let i = 0; i < y.length; i++) {
      const viaPlane = p.plane.A.data[2 * i] * s + p.plane.A.data[2 * i + 1] * t + p.plane.c[i];
      let viaInput = p.input!.c[i];
      for (let j = 0; j < d; j++) viaInput += p.input!.A.data[i * d + j] * x[j];
      assert.ok(Math.abs(viaPlane - y[i]) <= tol, `plane map off by ${viaPlane - y[i]} in region ${p.id}`);
      assert.ok(Math.abs(viaInput - y[i]) <= tol, `input map off by ${viaInput - y[i]} in region ${p.id}`);
    }
  }
}

test('random 2-D network 2→8→8→8→1: grid sampling is a lower bound, every sampled pattern is a region, maps exact at centroids', () => {
  const net = randomNetwork(11, 2, [8, 8, 8], 1);
  const r = slicePartition(net, { box: [-2, 2, -1.5, 1.5] });
  assert.ok(r.regions > 20, `only ${r.regions} regions`);
  assert.equal(r.perDepth.length, 4);
  for (let k = 1; k < r.perDepth.length; k++) assert.ok(r.perDepth[k] >= r.perDepth[k - 1], 'refinement never merges regions');
  assert.equal(r.perDepth[3], r.regions);
  checkAgainstGrid(net, r);
});

test('residual blocks with non-square branches, 3-D input on an explicit plane and on a probe plane', () => {
  const net = randomNetwork(12, 3, [6, { res: [2] }, { res: [9, 4] }], 2);
  const r = slicePartition(net, { plane: { origin: [0.1, -0.2, 0.3], u: [1, 0.5, 0], v: [0, 1, -1] } });
  assert.equal(r.plane.source, 'explicit');
  assert.ok(r.regions > 5);
  checkAgainstGrid(net, r);
  const withProbes = explicitNetwork({ dim: 3, probes: [{ name: 'a', x: Float64Array.of(0, 0, 0) }, { name: 'b', x: Float64Array.of(1, 0, 1) }, { name: 'c', x: Float64Array.of(0, 2, 0) }] }, Array.from({ length: net.depth }, (_, k) => net.layer(k)));
  const p = slicePartition(withProbes, {});
  assert.equal(p.plane.source, 'probes');
  assert.deepEqual(Array.from(p.plane.u), [1, 0, 1]);
  assert.deepEqual(p.plane.box, [-0.25, 1.25, -0.25, 1.25]);
  checkAgainstGrid(withProbes, p);
});

test('the region grid agrees with the partition (hashes) and the default plane uses the input domain', () => {
  const base = randomNetwork(13, 2, [10, 10], 1);
  const net = explicitNetwork({ dim: 2, probes: [], domain: { min: Float64Array.of(0, -1), max: Float64Array.of(3, 1) } }, Array.from({ length: base.depth }, (_, k) => base.layer(k)));
  const plane = resolvePlane(net);
  assert.deepEqual(plane.box, [0, 3, -1, 1]);
  assert.equal(plane.source, 'input');
  const g = regionGrid(net, { width: 120, height: 80 });
  assert.equal(g.hashes.length, 120 * 80);
  const r = partitionPlane(net, plane);
  const hashes = new Set(r.polygons!.map((p) => p.hash));
  for (const h of g.hashes) assert.ok(hashes.has(h));
  assert.ok(g.distinct <= r.regions);
});

test('plane errors are precise', () => {
  const net = randomNetwork(1, 4, [3], 1);
  assert.throws(() => resolvePlane(net), { name: 'RangeError', message: 'the input is 4-dimensional: give a plane (origin, u, v) or three probes to span it (the file has 0 probes)' });
  assert.throws(() => resolvePlane(net, { plane: { origin: [0, 0, 0, 0], u: [1, 0, 0, 0], v: [2, 0, 0, 0] } }), { message: 'plane directions u and v must be linearly independent' });
  assert.throws(() => resolvePlane(net, { plane: { origin: [0, 0, 0], u: [1, 0, 0, 0], v: [0, 1, 0, 0] } }), { message: 'plane origin has length 3, the network input has dimension 4' });
  const net2 = randomNetwork(1, 2, [3], 1);
  assert.throws(() => resolvePlane(net2, { box: [1, -1, 0, 1] }), { message: 'box: smin (1) must be less than smax (-1)' });
  assert.throws(() => slicePartition(randomNetwork(2, 2, [30, 30], 1), { maxRegions: 10 }), /more than 10 regions/);
});

test('1-D pieces along a segment equal a brute-force fine scan', () => {
  for (const [seed, dim, plan] of [[21, 2, [8, 8]], [22, 3, [6, { res: [3] }, 6]], [23, 5, [12, 12, 12]]] as const) {
    const net = randomNetwork(seed, dim, plan as never, 1);
    const rng = new Rng(seed);
    const a = new Float64Array(dim), b = new Float64Array(dim);
    rng.fillUniform(a, -2, 2); rng.fillUniform(b, -2, 2);
    const r = segmentPieces(net, a, b);
    assert.equal(r.breakpoints.length, r.pieces - 1);
    for (let k = 1; k < r.perDepth.length; k++) assert.ok(r.perDepth[k] >= r.perDepth[k - 1]);
    // brute force: pattern changes between consecutive points of a scan with step 1/N
    const N = 100000;
    let minGap = r.breakpoints.length ? r.breakpoints[0] : 1;
    for (let k = 1; k < r.breakpoints.length; k++) minGap = Math.min(minGap, r.breakpoints[k] - r.breakpoints[k - 1]);
    if (r.breakpoints.length) minGap = Math.min(minGap, 1 - r.breakpoints[r.breakpoints.length - 1]);
    assert.ok(minGap > 4 / N, `seed ${seed}: a piece shorter than the scan step (${minGap}); the scan would miss it`);
    const X = new Float64Array((N + 1) * dim);
    for (let s = 0; s <= N; s++) for (let i = 0; i < dim; i++) X[s * dim + i] = a[i] + (s / N) * (b[i] - a[i]);
    const h = forwardBatch(net, X, N + 1).hashes!;
    let runs = 1;
    for (let s = 1; s <= N; s++) if (h[s] !== h[s - 1]) runs++;
    assert.equal(r.pieces, runs, `seed ${seed}`);
    assert.ok(r.linearPieces <= r.pieces && r.linearPieces >= 1);
  }
  // hand case: relu(t − 0.5) + relu(0.25 − t) on t ∈ [0, 1]: breaks at 0.25 and 0.5 ⇒ 3 pieces, all with different slopes
  const net = explicitNetwork({ dim: 1, probes: [] }, [dense([[1], [-1]], [-0.5, 0.25]), dense([[1, 1]], [0], 'linear')]);
  const r = segmentPieces(net, [0], [1]);
  assert.equal(r.pieces, 3);
  assert.equal(r.linearPieces, 3);
  assert.deepEqual(Array.from(r.breakpoints), [0.25, 0.5]);
  // a neuron that is dead after the read-out (weight 0) still splits the pattern but not the function
  const dead = explicitNetwork({ dim: 1, probes: [] }, [dense([[1], [-1]], [-0.5, 0.25]), dense([[1, 0]], [0], 'linear')]);
  const rd = segmentPieces(dead, [0], [1]);
  assert.equal(rd.pieces, 3);
  assert.equal(rd.linearPieces, 2);
});

// ---- CLI ----
const examples = path.join(__dirname, '..', '..', 'examples');

function recordingIo(): CliIo & { written: Map<string, string> } {
  const written = new Map<string, string>();
  return { written, readFile: (p) => fs.readFileSync(p), writeFile: (p, d) => { written.set(p, String(d)); }, progress: () => undefined };
}

test('CLI regions --json: keys and counts; --svg writes only when asked', async () => {
  const io = recordingIo();
  const file = path.join(examples, 'regions-2d.network.json');
  const r = await regionsCommand.run([file, '--json', '--box', '-0.5,0.5,-0.5,0.5'], io);
  assert.equal(r.exitCode, 0);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(doc), ['file', 'plane', 'regions', 'perDepth', 'droppedSlivers', 'patternUnits']);
  assert.deepEqual(doc.plane.box, [-0.5, 0.5, -0.5, 0.5]);
  assert.equal(doc.plane.source, 'input');
  assert.equal(doc.perDepth.length, 4);
  assert.equal(doc.perDepth[3], doc.regions);
  assert.equal(io.written.size, 0, 'nothing written unasked');
  const withPolys = JSON.parse((await regionsCommand.run([file, '--json', '--polygons', '--box', '-0.2,0.2,-0.2,0.2', '--svg', 'out.svg'], io)).stdout);
  assert.equal(withPolys.polygons.length, withPolys.regions);
  assert.deepEqual(Object.keys(withPolys.polygons[0]), ['id', 'hash', 'color', 'pattern', 'vertices', 'area', 'centroid', 'plane', 'input']);
  assert.match(withPolys.polygons[0].pattern, /^[01]{10}\|[01]{10}\|[01]{10}$/);
  assert.match(withPolys.polygons[0].hash, /^[0-9a-f]{8}$/);
  assert.deepEqual([...io.written.keys()], ['out.svg']);
  const svg = io.written.get('out.svg')!;
  assert.equal((svg.match(/<polygon /g) ?? []).length, withPolys.regions);
  const seg = JSON.parse((await regionsCommand.run([file, '--json', '--segment', '-1,-1;1,1'], io)).stdout);
  assert.deepEqual(Object.keys(seg), ['file', 'from', 'to', 'pieces', 'linearPieces', 'perDepth', 'breakpoints']);
});

test('CLI regions: precise usage errors', async () => {
  const io = recordingIo();
  const file = path.join(examples, 'regions-2d.network.json');
  const bad = async (args: string[]) => {
    try { await regionsCommand.run([file, ...args], io); } catch (e) { return `${(e as Error).constructor.name}: ${(e as Error).message}`; }
    return 'no error';
  };
  assert.equal(await bad(['--box', '0,1,2']), 'UsageError: --box has 3 numbers, expected smin,smax,tmin,tmax');
  assert.equal(await bad(['--box', '1,0,0,1']), 'UsageError: box: smin (1) must be less than smax (0)');
  assert.equal(await bad(['--box', '-1,1,-1,x']), "UsageError: --box: entry 4 ('x') is not a finite number");
  assert.equal(await bad(['--plane', '0,0;1,0']), "UsageError: --plane needs 3 vectors separated by ';', got 2");
  assert.equal(await bad(['--plane', '0,0;1,0;0,1,2']), 'UsageError: --plane vector 3 has 3 numbers, the network input has dimension 2');
  assert.equal(await bad(['--plane', '0,0;1,0;2,0']), 'UsageError: plane directions u and v must be linearly independent');
  assert.equal(await bad(['--probes', 'origin,p']), 'UsageError: --probes needs 3 probe names, got 2');
  assert.equal(await bad(['--probes', 'origin,p,q']), "UsageError: no probe named 'q' (the file has: origin, p)");
  assert.equal(await bad(['--plane', '0,0;1,0;0,1', '--probes', 'a,b,c']), 'UsageError: give either --plane or --probes, not both');
  assert.equal(await bad(['--segment', '-1,-1;1,1', '--svg', 'x.svg']), 'UsageError: --segment cannot be combined with --plane, --probes, --box, --polygons or --svg');
  assert.equal(await bad(['--max-regions', '0']), "UsageError: --max-regions must be a positive integer, not '0'");
  assert.equal(await bad(['--max-regions', '5']), 'UsageError: the slice has more than 5 regions (at layer 1); shrink the box or raise maxRegions');
  assert.equal(io.written.size, 0);
});
