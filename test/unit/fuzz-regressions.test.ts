/**
 * Bugs the fuzz layer found, each kept with the input that showed it (minimised) and the case that
 * found it (seed, case index, mutation), replayed through the harness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spectralNorm, svdSpectralNorm } from '../../src/core/linalg/norms';
import { runCase, SEEDS } from '../fuzz/harness';
import { commands } from '../../src/cli/commands/index';
import { parseNetworkText } from '../../src/core/network/parse';
import { layerSpectrum } from '../../src/core/spectrum/layer';
import { singularValues } from '../../src/core/spectrum/svd';
import { Rng } from '../../src/core/rng';

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

// a 5×5 block of compare-trained's layer 2 (rounded to two digits); np.linalg.norm(B, 2) = 0.6455737982359478
const B = [[-0.11, 0.14, 0.08, 0.14, -0.13], [0.072, 0.045, -0.11, -0.055, -0.19], [-0.047, 0.015, -0.1, -0.16, 0.077], [0.3, -0.28, -0.23, -0.13, 0.1], [-0.11, -0.064, 0.36, 0.1, -0.15]];
const B_NORM = 0.6455737982359478;

function blockDiagonal(corner: number, scale: number): { rows: number; cols: number; data: Float64Array } {
  const data = new Float64Array(36);
  data[0] = corner;
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) data[(i + 1) * 6 + j + 1] = B[i][j] * scale;
  return { rows: 6, cols: 6, data };
}

test('fuzz seed 17 case 647: a 1e308 weight beside ordinary ones no longer hangs the spectral norm (ml-matrix SVD on subnormals); ‖W‖₂ = 1e308', () => {
  // once rescaled by 1e308 the ordinary block is subnormal, where ml-matrix's QR sweep never converged
  assert.equal(spectralNorm(blockDiagonal(1e308, 1)), 1e308);
  assert.equal(svdSpectralNorm(blockDiagonal(1e308, 1)), 1e308);
  // the same with the block itself ordinary: diag(1, B) has ‖·‖₂ = max(1, ‖B‖₂) = 1
  assert.equal(spectralNorm(blockDiagonal(1, 1)), 1);
});

test('spectral norm of a matrix whose entries are all subnormal: ‖1e-308·B‖₂ = 1e-308·‖B‖₂ (to the precision subnormals keep)', () => {
  const data = new Float64Array(25);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) data[i * 5 + j] = B[i][j] * 1e-308;
  const m = { rows: 5, cols: 5, data };
  // subnormals near 1e-309 carry about 15 significant bits fewer than normal numbers: relative 1e-12 is their precision
  assert.ok(relErr(spectralNorm(m), B_NORM * 1e-308) < 1e-12, String(spectralNorm(m)));
  assert.ok(relErr(svdSpectralNorm(m), B_NORM * 1e-308) < 1e-12, String(svdSpectralNorm(m)));
});

test('svdSpectralNorm keeps ordinary matrices exact (the power-of-two scaling is exact) and maps 0, ∞ and NaN through', () => {
  const ordinary = { rows: 5, cols: 5, data: Float64Array.from(B.flat()) };
  assert.ok(relErr(svdSpectralNorm(ordinary), B_NORM) < 1e-14, String(svdSpectralNorm(ordinary)));
  assert.equal(svdSpectralNorm({ rows: 2, cols: 2, data: new Float64Array(4) }), 0);
  assert.equal(svdSpectralNorm({ rows: 2, cols: 2, data: Float64Array.from([1, Infinity, 0, 1]) }), Infinity);
  assert.ok(Number.isNaN(svdSpectralNorm({ rows: 2, cols: 2, data: Float64Array.from([1, NaN, 0, 1]) })));
});

test('fuzz seed 17 case 647 replayed: `info` on compare-trained with its 199th number replaced by 1e308 finishes and reports ‖W‖₂ = 1e308 for layer 2', async () => {
  const seed = SEEDS.find((s) => s.name === 'compare-trained.network.json');
  assert.ok(seed);
  // the harness's property (no crash, no internal error, exit 0/1/2) on the case that hung
  const r = await runCase(seed, { kind: 'number', nth: 198, token: 0 }, 1);
  assert.deepEqual(r, { command: 'info', exitCode: 0 });
  // and the value itself, from `info --json` on the same text
  const text = new TextDecoder().decode(seed.bytes);
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
  const m = numbers[198];
  const hostile = new TextEncoder().encode(text.slice(0, m.index) + '1e308' + text.slice(m.index + m[0].length));
  const info = commands.find((c) => c.name === 'info')!;
  const out = await info.run(['n.network.json', '--json'], { readFile: () => hostile, writeFile: () => undefined, progress: () => undefined });
  const rows = (JSON.parse(out.stdout) as { rows: { layer: number; normW: number | null }[] }).rows;
  assert.equal(rows.find((row) => row.layer === 2)?.normW, 1e308);
});

// ── fuzz seed 17, case 810: an unterminated string hid 10⁵ nested brackets from the nesting check ──

const DEEP = 100_000;
const deep = '['.repeat(DEEP) + ']'.repeat(DEEP);
const NESTING_MESSAGE = 'the JSON nests arrays and objects more than 1000 levels deep here; a network file needs fewer than 10';

for (const [what, prefix] of [
  ['a string left open at a line break (jsonc-parser ends it there)', '{"format": "depth-lens/network@1", "input": {"dim": "\n}, "layers": '],
  ['a quote inside a block comment', '{/* " */ "layers": '],
  ['a quote inside a line comment', '// "\n{"layers": '],
] as const) {
  test(`fuzz seed 17 case 810: ${DEEP} nested arrays after ${what} → one size-limit error at the 1001st bracket, not a stack overflow`, () => {
    const text = `${prefix}${deep}}`;
    const r = parseNetworkText(text);
    assert.equal(r.network, undefined);
    // the document's own `{` is level 1, so the 1000th `[` is the first too deep
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.offset, d.message]), [['size-limit', text.indexOf('[') + 999, NESTING_MESSAGE]]);
  });
}

test('brackets inside a closed string are still not nesting', () => {
  const text = `{"format": "depth-lens/network@1", "name": "${'['.repeat(DEEP)}", "input": {"dim": 1}, "layers": [{"type": "dense", "weights": [[2]], "bias": [0], "activation": "relu"}]}`;
  const r = parseNetworkText(text);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(r.network?.depth, 1);
});

test('fuzz seed 17 case 1570 (a harness false positive): a report line "  At all 5 probes" is not a stack frame; convergence on a family whose weights have an unknown key passes', async () => {
  // the mutated text: "base" renamed to "../x.bin", so the family has only a (warned) unknown key and M = 0
  const text = '{"format": "depth-lens/network@1", "input": {"dim": 2}, "layers": [{"type": "family", "count": 10, "weights": {"../x.bin": [[1e+308, 0], [0, 1]], "scale": {"offset": 0, "power": 1}}, "activation": "linear"}]}';
  const seed = { name: 'corpus.network.json', bytes: new TextEncoder().encode(text), siblings: new Map<string, Uint8Array>() };
  assert.deepEqual(await runCase(seed, { kind: 'none' }, 4), { command: 'convergence', exitCode: 0 });
});

test('fuzz seed 17 case 2625: the spectrum of a layer whose σ² overflows (entries ~2^600 ≈ 4e180) or underflows float64 is the scale-free fit of W/2^k, not a RangeError; the Marchenko–Pastur law is withheld', () => {
  const rng = new Rng(7);
  const n = 24;
  const data = Float64Array.from({ length: n * n }, () => rng.gaussian());
  const ref = { layer: 1, label: 'layer 1', rows: n, cols: n };
  const small = layerSpectrum(ref, { kind: 'dense', matrix: { rows: n, cols: n, data } }, { minusIdentity: false });
  const big = layerSpectrum(ref, { kind: 'dense', matrix: { rows: n, cols: n, data: data.map((v) => v * 2 ** 600) } }, { minusIdentity: false });
  assert.equal(small.powerLaw.status, 'fitted');
  assert.equal(big.powerLaw.status, 'fitted');
  // α, its error, KS and the tail are invariant under W → 2^600·W; the λ-sized values scale by 2^1200 (beyond float64: ∞)
  assert.ok(relErr(big.powerLaw.alpha, small.powerLaw.alpha) < 1e-12, `${big.powerLaw.alpha} vs ${small.powerLaw.alpha}`);
  assert.ok(relErr(big.powerLaw.ks, small.powerLaw.ks) < 1e-12);
  assert.equal(big.powerLaw.tailCount, small.powerLaw.tailCount);
  assert.ok(relErr(big.stableRank, small.stableRank) < 1e-12, `${big.stableRank} vs ${small.stableRank}`);
  assert.ok(relErr(big.spectralNorm, small.spectralNorm * 2 ** 600) < 1e-12);
  assert.equal(big.powerLaw.xmax, Infinity);
  assert.match(big.powerLaw.message, /because σ² overflows float64 \(σ₁ = /);
  assert.notEqual(small.marchenkoPastur, null);
  assert.equal(big.marchenkoPastur, null);
  // and the other way: entries ~2^-600 ≈ 2.4e-181, whose squares underflow to 0
  const tiny = layerSpectrum(ref, { kind: 'dense', matrix: { rows: n, cols: n, data: data.map((v) => v * 2 ** -600) } }, { minusIdentity: false });
  assert.equal(tiny.powerLaw.status, 'fitted');
  assert.ok(relErr(tiny.powerLaw.alpha, small.powerLaw.alpha) < 1e-12, `${tiny.powerLaw.alpha} vs ${small.powerLaw.alpha}`);
  assert.ok(relErr(tiny.stableRank, small.stableRank) < 1e-12);
  assert.equal(tiny.powerLaw.xmax, 0);
  assert.match(tiny.powerLaw.message, /because σ² underflows float64 \(σ₁ = /);
  assert.equal(tiny.marchenkoPastur, null);
  // the top-k (Lanczos) path, for layers above the full-SVD budget: the same top singular values, scaled
  const topK = { minusIdentity: false, fullSvdMaxFlops: 1, topK: 4 };
  const smallTop = layerSpectrum(ref, { kind: 'dense', matrix: { rows: n, cols: n, data } }, topK);
  for (const [factor, other] of [[2 ** 600, big], [2 ** -600, tiny]] as const) {
    const r = layerSpectrum(ref, { kind: 'dense', matrix: { rows: n, cols: n, data: data.map((v) => v * factor) } }, topK);
    assert.equal(r.method.kind, 'top-k');
    assert.equal(r.singularValues.length, 4);
    r.singularValues.forEach((v, i) => assert.ok(relErr(v, smallTop.singularValues[i] * factor) < 1e-10, `σ${i + 1} ${v} vs ${smallTop.singularValues[i] * factor}`));
    assert.ok(relErr(r.spectralNorm, other.spectralNorm) < 1e-12);
    assert.equal(r.marchenkoPastur, null);
  }
});

test('fuzz seed 17 case 3040: exit 3 ("cannot decide", overflows float64) is a documented outcome when stderr names the file and the layer', async () => {
  const seed = SEEDS.find((s) => s.name === 'divergent-bias.network.json');
  assert.ok(seed);
  // its 120th number → 1e308: the pre-activations of layer 2 overflow
  assert.deepEqual(await runCase(seed, { kind: 'number', nth: 119, token: 0 }, 2), { command: 'activations', exitCode: 3 });
});

test('fuzz seed 17 cases 6337, 13263: one-sided Jacobi converges on a matrix with a ±1e308 entry beside ordinary ones (it gave up after 60 sweeps); both SVD paths agree', () => {
  const m = { rows: 3, cols: 2, data: Float64Array.from([-1e308, 0.5, 0.3, 0.2, 0.1, 0.4]) };
  // σ₁ = 1e308 to the last bit (the other entries change it by ~1e-309 relative); σ₂ ≈ 0.45 is below
  // ε·σ₁, which no normwise-stable float64 SVD resolves: both paths give 0
  assert.deepEqual([...singularValues(m, { algorithm: 'jacobi' })], [1e308, 0]);
  assert.deepEqual([...singularValues(m, { algorithm: 'householder' })], [1e308, 0]);
});

test('fuzz seed 17 case 12143 (a harness false positive): a model-corrupt message quoting header bytes with a CR is located once escaped, as the CLI prints it', async () => {
  const seed = SEEDS.find((s) => s.name === 'mlp.f16.safetensors');
  assert.ok(seed);
  assert.deepEqual(await runCase(seed, { kind: 'lie', at: 313, value: 218694728, wide: false }, 4), { command: 'convergence', exitCode: 1 });
});
