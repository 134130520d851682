/** Exact 2-D slice partitions and 1-D piece counts (MATH.md §A, "2-D slice partition"). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/core/rng';
import { fromRows } from '../../src/core/linalg/dense';
import { explicitNetwork, type DenseLayer, type Network } from '../../src/core/network/model';
import { forward } from '../../src/core/network/forward';
import { packedPattern } from '../../src/core/activation/pointwise';
import { forwardBatch } from '../../src/core/activation/batch';
import { hashWords } from '../../src/core/activation/pattern';
import { partitionPlane, polygonArea, slicePartition } from '../../src/core/regions/partition';
import { planePoint, resolvePlane } from '../../src/core/regions/plane';
import { defaultSegment, segmentFromParams, segmentPieces } from '../../src/core/regions/segment';
import { countDistinctPatterns, gridInputs, regionGrid } from '../../src/core/regions/grid';
import { countsByLayer, regionsCommand } from '../../src/cli/commands/regions';
import type { CliIo } from '../../src/cli/command';
import type { RegionsResult } from '../../src/shared/analyses/activations';
import { CancelledError, silentContext, type AnalysisContext } from '../../src/core/context';
import { newWork } from '../../src/core/regions/limits';
import { parseNetworkText } from '../../src/core/network/parse';
import { randomNetwork } from './random-networks';

function dense(rows: number[][], bias: number[], activation: 'relu' | 'linear' = 'relu'): DenseLayer {
  return { kind: 'dense', weights: fromRows(rows), bias: Float64Array.from(bias), activation };
}


const binom2 = (m: number) => (m * (m - 1)) / 2;

/**
 * m random lines n_i·x + b_i = 0 through random points of [−½, ½]², direction i drawn in its own
 * slice [i, i + 1)·π/m (so no two are nearly parallel and the crossings stay near), and a box 1.5×
 * beyond every crossing: a simple arrangement (no two parallel, no three concurrent) has exactly
 * 1 + m + C(m, 2) cells, all in the box. Returns the network, the box half-width and the smallest
 * distance from a crossing to a third line (how far from degenerate the seed is).
 */
function randomLines(seed: number, m: number): { net: Network; R: number; clearance: number } {
  const rng = new Rng(seed);
  const n: [number, number][] = [], b: number[] = [];
  for (let i = 0; i < m; i++) {
    const th = (Math.PI * (i + 0.1 + 0.8 * rng.uniform())) / m;
    const px = rng.uniformIn(-0.5, 0.5), py = rng.uniformIn(-0.5, 0.5);
    n.push([Math.cos(th), Math.sin(th)]);
    b.push(-(Math.cos(th) * px + Math.sin(th) * py));
  }
  let reach = 1, clearance = Infinity;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) {
    // crossing by Cramer's rule, independent of the partition code
    const [p, q] = n[i], [r, t] = n[j];
    const det = p * t - q * r;
    const x = (-b[i] * t + q * b[j]) / det, y = (-p * b[j] + r * b[i]) / det;
    reach = Math.max(reach, Math.abs(x), Math.abs(y));
    for (let k = 0; k < m; k++) if (k !== i && k !== j) clearance = Math.min(clearance, Math.abs(n[k][0] * x + n[k][1] * y + b[k]));
  }
  const net = explicitNetwork({ dim: 2, probes: [] }, [dense(n, b), dense([Array(m).fill(1)], [0], 'linear')]);
  return { net, R: Math.ceil(1.5 * reach + 1), clearance };
}

test('one layer of m lines in general position: exactly 1 + m + C(m, 2) regions for many seeds, m up to 100', () => {
  let smallest = Infinity;
  for (const m of [1, 2, 3, 5, 10, 20, 40, 70, 100]) {
    for (let seed = 1; seed <= 10; seed++) {
      const { net, R, clearance } = randomLines(1000 * m + seed, m);
      // general position with room to spare: every crossing ≥ 1e-9·R (10× the cut tolerance) from
      // every other line (the smallest over these seeds is ~7e-9·R, at m = 100)
      assert.ok(m < 3 || clearance > 1e-9 * R, `m = ${m}, seed ${seed}: a crossing ${clearance} from a third line`);
      const r = slicePartition(net, { box: [-R, R, -R, R] });
      const expected = 1 + m + binom2(m);
      assert.equal(r.regions, expected, `m = ${m}, seed ${seed}, box ±${R}`);
      assert.deepEqual(r.perDepth, [expected, expected]);
      assert.equal(r.mergedZeroArea, 0);
      // every region its own pattern (compared exactly, not by 32-bit hash)
      assert.equal(new Set(r.polygons!.map((p) => p.pattern!.join(','))).size, expected);
      const area = r.polygons!.reduce((sum, p) => sum + p.area, 0);
      assert.ok(Math.abs(area - 4 * R * R) <= 1e-9 * 4 * R * R, 'the regions tile the box');
      for (const p of r.polygons!) smallest = Math.min(smallest, p.area / (4 * R * R));
    }
  }
  // the old rule dropped every piece under 1e-12 of the box: these cases contain smaller genuine ones
  assert.ok(smallest < 1e-12, `smallest region ${smallest} of the box`);
});

test('tiny but genuine regions are kept, whatever the box size', () => {
  // x = 0, y = 0 and x + y = ε cut a triangle of area ε²/2 out of the box: 7 regions
  for (const [eps, L] of [[1e-6, 1], [1e-7, 1], [1e-3, 1000], [1e-5, 1e4]]) {
    const net = explicitNetwork({ dim: 2, probes: [] }, [dense([[1, 0], [0, 1], [1, 1]], [0, 0, -eps]), dense([[1, 1, 1]], [0], 'linear')]);
    const r = slicePartition(net, { box: [-L, L, -L, L] });
    assert.equal(r.regions, 7, `ε = ${eps}, box ±${L}`);
    assert.equal(r.mergedZeroArea, 0);
    const tiny = r.polygons!.find((p) => p.pattern![0] === 0b011);
    assert.ok(tiny, 'the triangle x > 0, y > 0, x + y < ε');
    // its vertices come from cuts along edges up to 2L long: absolute rounding ~1e-16·L per coordinate
    assert.ok(Math.abs(tiny.area - (eps * eps) / 2) <= 1e-6 * (eps * eps) / 2, `area ${tiny.area}`);
    // the forward pass at its centroid has its pattern
    assert.deepEqual(Array.from(packedPattern(net, planePoint(r.plane, ...tiny.centroid))), [0b011]);
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
  assert.deepEqual(t.polygons!.map((p) => p.pattern![0]).sort(), [0, 3]);
  // a line along the edge x = −1 and one through the corner (1, 1) with slope −1: no cut, 1 region
  const edges = explicitNetwork({ dim: 2, probes: [] }, [dense([[1, 0], [1, 1]], [1, -2])]);
  const e = slicePartition(edges, { box });
  assert.equal(e.regions, 1);
  assert.equal(e.polygons![0].pattern![0], 0b01, 'x + 1 > 0 inside, x + y − 2 < 0 inside');
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

test('pieces of one cell share its map: a rescale of the state (weights 2^400, 2^400, 2^−790) shifts each map once, and every region gets a map of its own', () => {
  // layer 2's outputs reach 2^800, past the partition's 2^600 range: the cells' maps are shifted by a
  // common power of two there (network/scaled.ts layerShift), after layer 1 split cells into pieces
  const base = randomNetwork(31, 2, [7, 7], 1);
  const scales = [2 ** 400, 2 ** 400, 2 ** -790];
  const layers = Array.from({ length: base.depth }, (_, k) => {
    const l = base.layer(k) as DenseLayer;
    const f = scales[k];
    return { ...l, weights: { ...l.weights, data: l.weights.data.map((w) => w * f) }, bias: l.bias.map((b) => b * f) };
  });
  const net = explicitNetwork({ dim: 2, probes: [] }, layers);
  const r = slicePartition(net, { box: [-2, 2, -2, 2] });
  assert.ok(r.regions > 10, `only ${r.regions} regions`);
  assert.equal(r.overflow, undefined);
  for (const p of r.polygons!) {
    // a map that is a view into a larger block would be cloned whole when posted to the editor
    assert.equal(p.plane.A.data.byteLength, p.plane.A.data.buffer.byteLength);
    assert.equal(p.plane.c.byteLength, p.plane.c.buffer.byteLength);
    // the plane map is the forward pass at the centroid (input maps are withheld after a rescale)
    const [s, t] = p.centroid;
    const x = planePoint(r.plane, s, t);
    assert.equal(hashWords(packedPattern(net, x)), p.hash);
    const y = forward(net, x)[0];
    const viaPlane = p.plane.A.data[0] * s + p.plane.A.data[1] * t + p.plane.c[0];
    assert.ok(Math.abs(viaPlane - y) <= 1e-12 * Math.max(1, Math.abs(y)), `region ${p.id}: plane map ${viaPlane}, forward ${y}`);
  }
  // unscaled, with a linear last layer (no pattern to zero rows by, no rescale to copy through)
  for (const p of slicePartition(base, { box: [-2, 2, -2, 2] }).polygons!) {
    assert.equal(p.plane.A.data.byteLength, p.plane.A.data.buffer.byteLength);
    assert.equal(p.plane.c.byteLength, p.plane.c.buffer.byteLength);
  }
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

test('inputs of dimension ≥ 3 without three probes: the x₁, x₂ plane through the domain centre, else the first probe, else the origin', () => {
  const base = randomNetwork(1, 4, [3], 1);
  const layers = Array.from({ length: base.depth }, (_, k) => base.layer(k));
  // no domain, no probes: x₁, x₂ ∈ [−1, 1] around the origin
  const bare = resolvePlane(base);
  assert.equal(bare.source, 'axes');
  assert.deepEqual([Array.from(bare.origin), Array.from(bare.u), Array.from(bare.v), bare.box], [[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [-1, 1, -1, 1]]);
  assert.equal(bare.description, 'the plane of x₁ ∈ [-1, 1] and x₂ ∈ [-1, 1] (±1 around the origin) with (x₃, x₄) = (0, 0) fixed at the origin');
  // a domain: its box in x₁, x₂ and the other coordinates at its centre (s = x₁, t = x₂ exactly)
  const dom = { min: Float64Array.of(0, -2, 0, 1), max: Float64Array.of(1, 2, 1, 3) };
  const withDomain = explicitNetwork({ dim: 4, probes: [{ name: 'p', x: Float64Array.of(5, 5, 5, 5) }], domain: dom }, layers);
  const d = resolvePlane(withDomain);
  assert.deepEqual([Array.from(d.origin), d.box], [[0, 0, 0.5, 2], [0, 1, -2, 2]]);
  assert.equal(d.description, 'the plane of x₁ ∈ [0, 1] and x₂ ∈ [-2, 2] (the input domain) with (x₃, x₄) = (0.5, 2) fixed at the domain centre');
  assert.deepEqual(Array.from(planePoint(d, 0.25, -1)), [0.25, -1, 0.5, 2]);
  // one probe, no domain: through the probe, x₁, x₂ ± 1 around it; 3-D names x₃ alone
  const net3 = randomNetwork(2, 3, [4], 1);
  const probe3 = explicitNetwork({ dim: 3, probes: [{ name: 'c', x: Float64Array.of(0.5, -1, 7) }] }, Array.from({ length: net3.depth }, (_, k) => net3.layer(k)));
  const p3 = resolvePlane(probe3);
  assert.deepEqual([Array.from(p3.origin), p3.box], [[0, 0, 7], [-0.5, 1.5, -2, 0]]);
  assert.equal(p3.description, 'the plane of x₁ ∈ [-0.5, 1.5] and x₂ ∈ [-2, 0] (±1 around probe c) with x₃ = 7 fixed at probe c');
  // the partition and the grid use it: the region grid of the 4-D network is consistent with the partition
  const r = slicePartition(withDomain, {});
  assert.equal(r.plane.source, 'axes');
  checkAgainstGrid(withDomain, r, 60);
  assert.equal(regionGrid(withDomain, { width: 8, height: 8 }).plane.description, d.description);
  // three probes still span the default plane
  const three = explicitNetwork({ dim: 4, probes: ['a', 'b', 'c'].map((name, i) => ({ name, x: Float64Array.from([i, i * i, 1, 0]) })) }, layers);
  assert.equal(resolvePlane(three).source, 'probes');
  assert.equal(resolvePlane(three).description, 'the plane through probes a, b, c (o = a, u = b − a, v = c − a), s ∈ [-0.25, 1.25], t ∈ [-0.25, 1.25]');
});

test('plane errors are precise', () => {
  const net = randomNetwork(1, 4, [3], 1);
  assert.throws(() => resolvePlane(explicitNetwork({ dim: 1, probes: [] }, [dense([[1]], [0])])), { name: 'RangeError', message: "a 2-D slice needs an input of dimension ≥ 2; this network's input is 1-dimensional (its regions are pieces along a segment)" });
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
  assert.deepEqual(Object.keys(doc), ['file', 'plane', 'regions', 'perDepth', 'mergedZeroArea', 'patternUnits']);
  assert.deepEqual(Object.keys(doc.plane), ['source', 'description', 'origin', 'u', 'v', 'box']);
  assert.deepEqual(doc.plane.box, [-0.5, 0.5, -0.5, 0.5]);
  assert.equal(doc.plane.source, 'input');
  assert.equal(doc.plane.description, 'the input plane, x₁ ∈ [-0.5, 0.5], x₂ ∈ [-0.5, 0.5] (the given box)');
  assert.equal(doc.mergedZeroArea, 0);
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
  // --svg alone keeps no patterns: same regions and colours
  const svgOnly = await regionsCommand.run([file, '--box', '-0.2,0.2,-0.2,0.2', '--svg', 'only.svg'], io);
  assert.equal(io.written.get('only.svg'), svg);
  assert.match(svgOnly.stdout, new RegExp(`^${withPolys.regions} activation regions$`, 'm'));
  const seg = JSON.parse((await regionsCommand.run([file, '--json', '--segment', '-1,-1;1,1'], io)).stdout);
  assert.deepEqual(Object.keys(seg), ['file', 'segment', 'pieces', 'linearPieces', 'perDepth', 'breakpoints']);
  assert.deepEqual(seg.segment, { source: 'given', from: [-1, -1], to: [1, 1] });
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
  assert.equal(await bad(['--max-regions', '5']), 'UsageError: the slice has more than 5 regions (at layer 1); shrink the box or raise maxRegions (--max-regions)');
  assert.equal(await bad(['--max-regions', '0x10']), "UsageError: --max-regions must be a positive integer, not '0x10'");
  assert.equal(await bad(['--max-steps', '2.5']), "UsageError: --max-steps must be a positive integer, not '2.5'");
  assert.equal(await bad(['--memory-mb', '0']), "UsageError: --memory-mb must be a positive number, not '0'");
  // 10 neurons: 30 affine-map numbers, 8·30 + 400 = 640 bytes a region; 0.01 MB holds 16 of them, and
  // the cut that crossed it made 22 (22 · 640 B = 0.013 MB)
  assert.equal(await bad(['--memory-mb', '0.01']), 'UsageError: the slice has at least 22 regions at layer 1; with 30 affine-map numbers each they need about 0.013 MB, more than the 0.01 MB memory budget: shrink the box, use fewer layers or raise the budget (--memory-mb)');
  // numbers go through decimal(): hex, binary and blanks are typos, not numbers
  assert.equal(await bad(['--box', '0x10,1,-1,1']), "UsageError: --box: entry 1 ('0x10') is not a finite number");
  assert.equal(await bad(['--box', '-1,1,-1, ']), "UsageError: --box: entry 4 ('') is not a finite number");
  assert.equal(await bad(['--plane', '0,0;0b1,0;0,1']), "UsageError: --plane vector 2: entry 1 ('0b1') is not a finite number");
  assert.equal(await bad(['--segment', '0,0;1e999,1']), "UsageError: --segment vector 2: entry 1 ('1e999') is not a finite number");
  assert.equal(io.written.size, 0);
});

// ---- limits: the cap, the memory budget, the work limit and cancellation -----------------------

/** One ReLU layer of m random lines through [−½, ½]² (the default box is [−1, 1]²: ~m²/2 regions). */
function wideLayer(m: number, seed: number): Network {
  const rng = new Rng(seed);
  const rows: number[][] = [], bias: number[] = [];
  for (let i = 0; i < m; i++) {
    const th = Math.PI * rng.uniform();
    rows.push([Math.cos(th), Math.sin(th)]);
    bias.push(-(Math.cos(th) * rng.uniformIn(-0.5, 0.5) + Math.sin(th) * rng.uniformIn(-0.5, 0.5)));
  }
  return explicitNetwork({ dim: 2, probes: [] }, [dense(rows, bias), dense([Array(m).fill(1)], [0], 'linear')]);
}

/** A context that cancels at its `n`-th look, counting the looks. */
function cancelAt(n: number): AnalysisContext & { looks: number } {
  const ctx = { looks: 0, progress: () => undefined, isCancelled: () => ++ctx.looks >= n };
  return ctx;
}

/** examples/convergent-family.network.json: 10⁵ layers W_k = I + R/(k+1)², b_k = (1, −1)/(k+1)². */
const CONVERGENT_FAMILY = JSON.stringify({
  format: 'depth-lens/network@1',
  input: { dim: 2, domain: { min: [-1, -1], max: [1, 1] }, probes: { origin: [0, 0] } },
  layers: [{
    type: 'family', count: 100000,
    weights: { identity: 1, matrix: [[0.5, -0.3], [0.2, 0.4]], scale: { offset: 1, power: -2 } },
    bias: { vector: [1, -1], scale: { offset: 1, power: -2 } },
    activation: 'relu',
  }],
});

test('a 1000-neuron layer: the region cap and the memory budget stop the split of the first cell early', () => {
  const net = wideLayer(1000, 41);
  // one cell cut by 1000 lines: ~250 000 pieces and ~10⁸ piece tests if nothing checked inside
  const work = newWork();
  assert.throws(() => slicePartition(net, { maxRegions: 1000 }, silentContext, work), {
    name: 'RangeError', message: 'the slice has more than 1000 regions (at layer 1); shrink the box or raise maxRegions',
  });
  assert.equal(work.units, 0, 'refused inside the first split');
  assert.ok(work.cuts <= 2000 && work.tests < 100_000, `work done: ${JSON.stringify(work)}`);

  // each region keeps a 1000 × 2 + 1000 affine map: 3000 numbers, 24 400 bytes with overhead
  const mem = newWork();
  let message = '';
  try { slicePartition(net, { polygons: false, memoryBudgetMB: 4 }, silentContext, mem); } catch (e) { message = (e as Error).message; }
  const m = /^the slice has at least ([\d,]+) regions at layer 1; with 3,000 affine-map numbers each they need about ([\d.]+) MB, more than the 4\.0 MB memory budget: shrink the box, use fewer layers or raise the budget$/.exec(message);
  assert.ok(m, message);
  const regions = Number(m[1].replace(/,/g, ''));
  assert.ok(regions * 24_400 > 4 * 2 ** 20 && regions < 4 * 2 ** 20 / 24_400 + 1001, `${regions} regions`);
  assert.equal(Number(m[2]), Number((regions * 24_400 / 2 ** 20).toFixed(1)));
  assert.equal(mem.units, 0);
  assert.ok(mem.tests < 100_000, `work done: ${JSON.stringify(mem)}`);
});

test('a 1000-neuron layer: cancellation is checked inside the split of one cell', () => {
  const net = wideLayer(1000, 42);
  const work = newWork();
  const ctx = cancelAt(3);
  assert.throws(() => slicePartition(net, { maxRegions: 1_000_000, memoryBudgetMB: 1e6 }, ctx, work), CancelledError);
  // the 1st look is the unit's start, the 2nd and 3rd come every 2^18 steps inside the split
  assert.equal(ctx.looks, 3);
  assert.equal(work.units, 0);
  assert.ok(work.steps >= 2 * 2 ** 18 && work.steps < 3 * 2 ** 18, `work done: ${JSON.stringify(work)}`);
});

/** The parts of a work-limit refusal: pieces, where, units left of all, steps needed, limit. */
function workRefusal(message: string): { pieces: number; at: string; left: number; of: number; needed: number; limit: number } {
  const m = /^the (?:slice|segment) has ([\d,]+) (?:regions|pieces) at (.+?); carrying them through the remaining ([\d,]+) of ([\d,]+) (?:layers|units \(.*?\)) takes at least ([\d,]+) steps in all, more than the limit of ([\d,]+) \(a step is about 10 ns: a multiply-add or a vertex test\): (?:shrink the box|shorten the segment), use fewer layers or raise maxSteps$/.exec(message);
  assert.ok(m, message);
  const n = (s: string) => Number(s.replace(/,/g, ''));
  return { pieces: n(m[1]), at: m[2], left: n(m[3]), of: n(m[4]), needed: n(m[5]), limit: n(m[6]) };
}

function thrown(run: () => unknown): Error {
  try { run(); } catch (e) { return e as Error; }
  throw new Error('expected a refusal');
}

test('the 10⁵-layer family: counts refuse by the work limit, patterns by the memory budget, both within the first layers', () => {
  const net = parseNetworkText(CONVERGENT_FAMILY).network!;
  assert.equal(net.depth, 100_000);
  // about two new regions per layer: carrying them through 10⁵ layers would take ~10¹¹ steps
  const work = newWork();
  const e = thrown(() => slicePartition(net, { polygons: false }, silentContext, work));
  assert.ok(e instanceof RangeError);
  const w = workRefusal(e.message);
  assert.equal(w.limit, 1e10, 'the default limit');
  assert.ok(w.needed > w.limit);
  assert.equal(w.at, `layer ${work.units + 1}`);
  assert.deepEqual([w.left, w.of], [100_000 - work.units, 100_000]);
  assert.ok(work.units < 1000 && w.pieces < 2000, `refused at ${w.at} with ${w.pieces} regions`);
  // the steps done so far are a small part of what was projected: refused early, not at the limit
  assert.ok(work.steps < w.limit / 100, `${work.steps} steps done`);
  // a limit 10× lower refuses earlier
  const early = newWork();
  const w10 = workRefusal(thrown(() => slicePartition(net, { polygons: false, maxSteps: 1e9 }, silentContext, early)).message);
  assert.ok(early.units < work.units && w10.pieces < w.pieces);

  // what the panel asks first (polygons with patterns): each region would keep 100 000 pattern words
  const mem = newWork();
  const message = thrown(() => slicePartition(net, { maxRegions: 20_000, maxSteps: 1e14, memoryBudgetMB: 32 }, silentContext, mem)).message;
  const m = /^the slice has at least ([\d,]+) regions at layer (\d+); with a pattern of 100,000 words and 6 affine-map numbers each they need about ([\d.]+) MB, more than the 32 MB memory budget: ask without patterns \(counts, polygons and colours need none\), shrink the box, use fewer layers or raise the budget$/.exec(message);
  assert.ok(m, message);
  const regions = Number(m[1].replace(/,/g, ''));
  assert.ok(regions * (400_000 + 48 + 400) > 32 * 2 ** 20 && regions <= 32 * 2 ** 20 / 400_448 + 3, `${regions} regions`);
  assert.ok(mem.units < 100, `refused at layer ${m[2]}`);
  // without patterns the same request goes on, until the work limit
  workRefusal(thrown(() => slicePartition(net, { maxRegions: 20_000, patterns: false, maxSteps: 1e9 })).message);
  // cancellation between layers
  const ctx = cancelAt(5);
  const c = newWork();
  assert.throws(() => slicePartition(net, { polygons: false }, ctx, c), CancelledError);
  assert.equal(c.units, 4);
});

test('segments: the piece cap and the work limit refuse a deep sawtooth early; cancellation', () => {
  // tent map T(t) = 2 relu(t) − 4 relu(t − ½) on [0, 1], composed: 2^k linear pieces after k layers
  const tent = (n: number) => dense(Array.from({ length: 2 }, () => (n === 1 ? [1] : [2, -4])), [0, -0.5]);
  const layers = [tent(1), ...Array.from({ length: 59 }, () => tent(2))];
  const net = explicitNetwork({ dim: 1, probes: [] }, layers);
  const small = explicitNetwork({ dim: 1, probes: [] }, layers.slice(0, 6));
  assert.deepEqual(segmentPieces(small, [0], [1]).perDepth, [2, 4, 8, 16, 32, 64]);
  const work = newWork();
  assert.throws(() => segmentPieces(net, [0], [1], silentContext, { maxPieces: 1000, work }), {
    name: 'RangeError', message: 'the segment has more than 1000 pieces (at layer 10); shorten the segment or raise maxPieces',
  });
  assert.equal(work.units, 9);
  // 2^60 pieces at the end: the work limit refuses at the layer where the projection passes it,
  // with 2^(k−1) pieces before layer k
  for (const maxSteps of [1e6, 1e7, 1e8]) {
    const w = newWork();
    const r = workRefusal(thrown(() => segmentPieces(net, [0], [1], silentContext, { maxSteps, work: w })).message);
    assert.equal(r.at, `layer ${w.units + 1}`);
    assert.equal(r.pieces, 2 ** w.units);
    assert.deepEqual([r.left, r.of, r.limit], [60 - w.units, 60, maxSteps]);
    assert.ok(r.needed > maxSteps && w.steps < maxSteps / 10, JSON.stringify(w));
  }
  const ctx = cancelAt(4);
  assert.throws(() => segmentPieces(net, [0], [1], ctx), CancelledError);
});

// ---- 1-D inputs, text output, exact distinct counts ----------------------------------------------

test('1-D inputs: regions are the exact pieces along the domain (default [−1, 1]); piece details tile it', () => {
  // N(x) = relu(x − 0.5) + relu(0.25 − x) − relu(x + 0.75): breakpoints −0.75, 0.25, 0.5
  const layers = [dense([[1], [-1], [1]], [-0.5, 0.25, 0.75]), dense([[1, 1, -1]], [0], 'linear')];
  const bare = explicitNetwork({ dim: 1, probes: [] }, layers);
  const seg = defaultSegment(bare);
  assert.deepEqual([Array.from(seg.from), Array.from(seg.to), seg.source], [[-1], [1], 'default']);
  const r = segmentFromParams(bare, { details: true });
  assert.equal(r.source, 'default');
  assert.equal(r.pieces, 4);
  // t = (x + 1)/2
  assert.deepEqual(Array.from(r.breakpoints), [0.125, 0.625, 0.75]);
  const det = r.details!;
  assert.deepEqual(Array.from(det.t0), [0, 0.125, 0.625, 0.75]);
  assert.deepEqual(Array.from(det.t1), [0.125, 0.625, 0.75, 1]);
  for (let k = 0; k < 4; k++) {
    const t = (det.t0[k] + det.t1[k]) / 2, x = -1 + 2 * t;
    assert.equal(det.hashes[k], hashWords(packedPattern(bare, [x])), `piece ${k}: the hash of its pattern`);
    assert.ok(Math.abs(det.slope[k] * t + det.offset[k] - forward(bare, [x])[0]) <= 1e-15, `piece ${k}: its map`);
  }
  // dN/dt on the pieces: x < −0.75: −1·2, then (−1 − 1)·2, then (−1)·2 … slopes in x: −1, −2, −1, 0
  assert.deepEqual(Array.from(det.slope, (v) => v / 2), [-1, -2, -1, 0]);
  const dom = explicitNetwork({ dim: 1, probes: [], domain: { min: Float64Array.of(0), max: Float64Array.of(2) } }, layers);
  assert.deepEqual([Array.from(defaultSegment(dom).from), Array.from(defaultSegment(dom).to), defaultSegment(dom).source], [[0], [2], 'domain']);
  assert.equal(segmentFromParams(dom, {}).pieces, 3, 'the breakpoints 0.25 and 0.5 lie inside [0, 2], −0.75 does not');
  assert.throws(() => defaultSegment(randomNetwork(1, 2, [3], 1)), { message: 'a segment needs two endpoints for a 2-dimensional input (only 1-D inputs have a default: the input domain)' });
  assert.throws(() => segmentFromParams(bare, { from: [0] }), { message: 'a segment needs both endpoints, from and to' });
});

test('CLI regions on a 1-D input: pieces along the domain, as regions; --box xmin,xmax', async () => {
  const text = JSON.stringify({
    format: 'depth-lens/network@1', input: { dim: 1, domain: { min: [-1], max: [1] } },
    layers: [{ type: 'dense', weights: [[1], [-1], [1]], bias: [-0.5, 0.25, 0.75], activation: 'relu' }, { type: 'dense', weights: [[1, 1, -1]], bias: [0], activation: 'linear' }],
  });
  const mem: CliIo = { readFile: () => new TextEncoder().encode(text), writeFile: () => { throw new Error('no files'); }, progress: () => undefined };
  const doc = JSON.parse((await regionsCommand.run(['oned.network.json', '--json'], mem)).stdout);
  assert.deepEqual(doc, {
    file: 'oned.network.json', segment: { source: 'domain', from: [-1], to: [1] },
    regions: 4, linearPieces: 4, perDepth: [4, 4], breakpoints: [0.125, 0.625, 0.75], breakpointsX: [-0.75, 0.25, 0.5],
  });
  const out = (await regionsCommand.run(['oned.network.json'], mem)).stdout;
  assert.match(out, /^1-D input: pieces along x ∈ \[-1, 1\] \(the input domain\)$/m);
  assert.match(out, /^4 activation pieces \(4 distinct linear pieces of the output\)$/m);
  assert.match(out, /^pieces after each layer: layers 1–2: 4$/m);
  const boxed = JSON.parse((await regionsCommand.run(['oned.network.json', '--json', '--box', '0,1'], mem)).stdout);
  assert.deepEqual([boxed.segment, boxed.regions, boxed.breakpointsX], [{ source: 'given', from: [0], to: [1] }, 3, [0.25, 0.5]]);
  await assert.rejects(async () => regionsCommand.run(['oned.network.json', '--box', '1,0'], mem), { message: '--box: xmin (1) must be less than xmax (0)' });
  await assert.rejects(async () => regionsCommand.run(['oned.network.json', '--svg', 'x.svg'], mem), { message: 'the input is 1-dimensional: its regions are pieces along a segment, so --plane, --probes, --polygons and --svg do not apply (use --box xmin,xmax)' });
});

test('CLI regions text: the plane is named, runs of equal counts are compressed', async () => {
  const io = recordingIo();
  const div = (await regionsCommand.run([path.join(examples, 'divergent-family.network.json')], io)).stdout;
  // W_k = (1 + 1/k) I, b = 0 on [0, 1]²: the lines are the box's own edges, one region throughout
  assert.match(div, /^regions after each layer: layers 1–1000: 1$/m);
  assert.ok(div.length < 600, `${div.length} characters`);
  const rb = (await regionsCommand.run([path.join(examples, 'resnet-bottleneck.network.json')], io)).stdout;
  assert.match(rb, /^plane: the plane of x₁ ∈ \[0, 1\] and x₂ ∈ \[0, 1\] \(the input domain\) with \(x₃, x₄\) = \(0\.5, 0\.5\) fixed at the domain centre$/m);
  assert.match(rb, /^ {2}x = o \+ s·u \+ t·v, o = \[0, 0, 0\.5, 0\.5\], u = \[1, 0, 0, 0\], v = \[0, 1, 0, 0\]$/m);
  assert.equal(countsByLayer([1, 3, 3, 3, 7]), 'layer 1: 1 · layers 2–4: 3 · layer 5: 7');
  assert.equal(countsByLayer([]), '');
  const long = countsByLayer(Array.from({ length: 100 }, (_, i) => i), 6);
  assert.equal(long, 'layer 1: 0 · layer 2: 1 · … 94 more runs (--json lists every layer) … · layer 97: 96 · layer 98: 97 · layer 99: 98 · layer 100: 99');
});

test('distinct grid patterns are counted exactly, not by 32-bit hash', () => {
  // four samples, one unit of one word: patterns 1, 2, 1, 3 — all with the same (colliding) hash
  const patterns = [Uint32Array.of(1, 2, 1, 3)];
  assert.equal(countDistinctPatterns(patterns, Uint32Array.of(7, 7, 7, 7), 4), 3);
  // two units: equal in the first word, different in the second
  assert.equal(countDistinctPatterns([Uint32Array.of(5, 5), Uint32Array.of(0, 0, 0, 1)], Uint32Array.of(9, 9), 2), 2);
  assert.equal(countDistinctPatterns([], Uint32Array.of(1, 1, 1), 3), 1, 'no ReLU units: one pattern');
  // on a real grid it equals the number of distinct exact patterns
  const net = randomNetwork(13, 2, [10, 10], 1);
  const g = regionGrid(net, { width: 40, height: 30 });
  const res = forwardBatch(net, gridInputs(g.plane, 40, 30), 1200);
  const exact = new Set(Array.from({ length: 1200 }, (_, b) => res.patterns!.map((p) => Array.from(p.subarray(b, b + 1)).join()).join('|')));
  assert.equal(g.distinct, exact.size);
});
