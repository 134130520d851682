/**
 * `depth-lens regions` on conv models: activation patterns on a grid of the plane through three
 * images of the CIFAR-style ResNet — the corners' patterns are `depth-lens activations --patterns`'
 * for those images, a 1×1 grid has one pattern, the JSON grid and the usage errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { hashColor, hashWords, packBits } from '../../src/core/activation/pattern';
import { loadConvModel } from '../../src/cli/convModel';
import { convPlaneCost } from '../../src/core/conv/cost';
import { FIXTURES } from './conv-fixtures';
import { diskIo } from './formats-helpers';

const PT = path.join(FIXTURES, 'cifar-resnet', 'cifar-resnet.pt');

interface RegionsDoc { kind: string; patterns: number; grid?: number; plane: { grid: number; box: number[] }; hashes: string[]; counts: number[]; ids: number[][]; sites: Array<{ site: string; distinct: number; prefix: number }> }

/** The FNV hash of an image's full pattern from `activations --patterns --json` (sites in order, packed as src/core/activation/pattern.ts packs). */
function patternHash(sites: Array<{ pattern: string[][] }>, image: number): string {
  let h: number | undefined;
  for (const s of sites) {
    const bits = Uint8Array.from([...s.pattern[image].join('')].map((c) => (c === '1' ? 1 : 0)));
    const words = new Uint32Array((bits.length + 31) >>> 5);
    packBits(bits, words, 0);
    h = hashWords(words, 0, words.length, h);
  }
  return h!.toString(16).padStart(8, '0');
}

test('regions --json on the CIFAR ResNet: the three corner images have the patterns `activations` gives them; 1×1 grid: one pattern', async () => {
  const r = await main(['regions', PT, '--grid', '3', '--json'], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as RegionsDoc;
  assert.equal(doc.kind, 'conv');
  assert.equal(doc.ids.length, 3);
  assert.equal(doc.counts.reduce((a, b) => a + b, 0), 9);
  assert.equal(doc.hashes.length, doc.patterns);
  assert.equal(doc.sites[doc.sites.length - 1].prefix, doc.patterns);
  const acts = JSON.parse((await main(['activations', PT, '--count', '3', '--patterns', '--json'], diskIo)).stdout) as { sites: Array<{ pattern: string[][] }> };
  // x₀ at (s, t) = (0, 0), x₁ at (1, 0), x₂ at (0, 1)
  const corners = [doc.ids[0][0], doc.ids[0][2], doc.ids[2][0]];
  corners.forEach((id, i) => assert.equal(doc.hashes[id], patternHash(acts.sites, i), `image ${i + 1}`));
  assert.equal(new Set(corners).size, new Set([0, 1, 2].map((i) => patternHash(acts.sites, i))).size);
  const one = JSON.parse((await main(['regions', PT, '--grid', '1', '--json'], diskIo)).stdout) as RegionsDoc;
  assert.equal(one.patterns, 1);
  assert.deepEqual(one.ids, [[0]]);
  assert.equal(one.hashes[0], patternHash(acts.sites, 0));
});

test('regions text on a conv model says it is a lower bound on a pixel grid; usage errors word for word', async () => {
  const r = await main(['regions', PT, '--grid', '2'], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /\d+ distinct activation patterns? on a 2×2 grid \(4 points\): a lower bound on the regions the plane meets/);
  assert.ok(r.stdout.includes('not the exact polygon partition'));
  const cases: Array<[string[], string]> = [
    [['regions', PT, '--grid', '0'], "depth-lens regions: --grid must be a positive integer, not '0'\n"],
    [['regions', PT, '--count', '2'], 'depth-lens regions: the plane goes through three images, got 2\n'],
    [['regions', PT, '--polygons'], 'depth-lens regions: --polygons does not apply to convolutional models (the grid samples patterns, --exact computes the polygons); `depth-lens regions --help` lists their options\n'],
  ];
  for (const [argv, stderr] of cases) {
    const e = await main(argv, diskIo);
    assert.equal(e.exitCode, 2, `${argv.join(' ')}: ${e.stderr}`);
    assert.equal(e.stderr, stderr);
  }
});

test('regions on a conv model: work and memory budgets refuse 1 % below the estimate, word for word; the estimate itself is admitted', async () => {
  const net = loadConvModel(PT, diskIo)!.network.net;
  const cost = convPlaneCost(net, 5);
  const sci = (x: number) => x.toExponential(1).replace('e+', 'e');
  const below = String(Math.floor(cost.work * 0.99));
  const refused = await main(['regions', PT, '--grid', '5', '--max-work', below], diskIo);
  assert.equal(refused.exitCode, 1);
  assert.equal(refused.stdout, '');
  assert.equal(refused.stderr, `depth-lens regions: ${PT}: regions needs about ${sci(cost.work)} multiply-adds (forward passes of a 5×5 grid of 3×32×32 images through ${net.ops.length} layers, every pattern kept until counted), above the budget of ${sci(Number(below))}; raise it with --max-work (editor: setting depthLens.analysis.maxWork), or analyse a smaller network\n`);
  const memory = await main(['regions', PT, '--grid', '5', '--max-memory-mb', String((cost.bytes * 0.99) / (1024 * 1024))], diskIo);
  assert.equal(memory.exitCode, 1);
  assert.match(memory.stderr, /^depth-lens regions: .*: regions needs about [\d.]+ [KMG]?B of memory \(forward passes of a 5×5 grid .*\), above the budget of [\d.]+ MB; raise it with --max-memory-mb \(editor: setting depthLens\.analysis\.maxMemoryMB\), or analyse a smaller network\n$/);
  const admitted = await main(['regions', PT, '--grid', '5', '--max-work', String(Math.ceil(cost.work)), '--json'], diskIo);
  assert.equal(admitted.exitCode, 0, admitted.stderr);
  assert.equal((JSON.parse(admitted.stdout) as RegionsDoc).ids.length, 5);
});

test('regions --svg on a conv model: one cell colour per grid point from its pattern hash, runs merged, t upwards; the JSON names the file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-convregions-'));
  try {
    const svgPath = path.join(dir, 'plane.svg');
    const r = await main(['regions', PT, '--grid', '4', '--svg', svgPath, '--json'], diskIo);
    assert.equal(r.exitCode, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as RegionsDoc & { svg: string };
    assert.equal(doc.svg, svgPath);
    const svg = fs.readFileSync(svgPath, 'utf8');
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="640"'), svg.slice(0, 120));
    assert.ok(svg.includes(`<title>${doc.patterns} activation pattern`));
    // Rebuild every cell from the rects: x/width in cells of 160 px, y counted from the top.
    const cells: string[][] = Array.from({ length: 4 }, () => new Array<string>(4).fill(''));
    let rects = 0;
    for (const m of svg.matchAll(/<rect x="(\d+)" y="(\d+)" width="(\d+)" height="160" fill="([^"]+)"><title>pattern (\d+) · hash ([0-9a-f]{8})<\/title><\/rect>/g)) {
      rects++;
      const [x, y, w] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const id = Number(m[5]);
      assert.equal(m[4], hashColor(parseInt(doc.hashes[id], 16)));
      assert.equal(m[6], doc.hashes[id]);
      for (let i = x / 160; i < (x + w) / 160; i++) cells[3 - y / 160][i] = m[5];
    }
    assert.ok(rects >= doc.patterns && rects <= 16, `${rects} rects`);
    assert.deepEqual(cells, doc.ids.map((row) => row.map(String)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
