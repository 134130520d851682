/**
 * schemas/network.schema.json and the parser agree: every example validates, and for a table of
 * invalid documents a JSON Schema validator (ajv, draft-07 like the editor) and the parser give the
 * same verdict — except where JSON Schema cannot express a rule, each listed with its reason.
 * Verdict of the parser: "flagged" when it reports an error or an unknown property (the schema
 * forbids unknown properties; the parser warns and ignores them).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { memoryFiles, parseNetworkText } from '../../src/core/network/parse';

const root = path.join(__dirname, '..', '..');
const schema = JSON.parse(fs.readFileSync(path.join(root, 'schemas', 'network.schema.json'), 'utf8'));
// strict mode, with VS Code's own annotation keywords declared; conditions (if/not) name properties
// that their parent schema defines, which strictRequired would flag
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
ajv.addVocabulary(['enumDescriptions', 'markdownDescription', 'defaultSnippets', 'deprecationMessage', 'errorMessage']);
const validate = ajv.compile(schema);

const F = 'depth-lens/network@1';
/** every external file the table refers to, 1 KB of zeros (contents are the parser's business) */
const files = memoryFiles({ 'w.bin': new Uint8Array(1024), 'b.bin': new Uint8Array(1024) });

function verdicts(doc: unknown): { schema: boolean; parser: boolean; schemaErrors: string; parserErrors: string } {
  const text = JSON.stringify(doc);
  const ok = validate(doc) as boolean;
  const flagged = parseNetworkText(text, { files }).diagnostics.filter((d) => d.severity === 'error' || d.code === 'unknown-field');
  return {
    schema: ok,
    parser: flagged.length === 0,
    schemaErrors: (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; '),
    parserErrors: flagged.map((d) => `${d.code}: ${d.message}`).join('; '),
  };
}

const input = { dim: 2 };
const net = (layers: unknown[], inp: unknown = input, extra: Record<string, unknown> = {}) => ({ format: F, input: inp, layers, ...extra });
const dense = (extra: Record<string, unknown> = {}) => ({ type: 'dense', weights: [[1, 0], [0, 1]], bias: [0, 0], activation: 'relu', ...extra });
const family = (extra: Record<string, unknown> = {}) => ({ type: 'family', count: 3, weights: { identity: 1 }, activation: 'relu', ...extra });
const random = (extra: Record<string, unknown> = {}) => ({ type: 'random', widths: [3], weights: { distribution: 'he-normal' }, seed: 1, activation: 'relu', ...extra });
const resfam = (extra: Record<string, unknown> = {}) => ({ type: 'residual-family', count: 3, seed: 1, activation: 'relu', ...extra });
const extM = (extra: Record<string, unknown> = {}) => ({ file: 'w.bin', dtype: 'float32', shape: [2, 2], ...extra });
const extV = (extra: Record<string, unknown> = {}) => ({ file: 'b.bin', dtype: 'float32', shape: [2], ...extra });

/** Documents both must reject (or, for the first few, both accept). */
const AGREE: [string, unknown, boolean][] = [
  ['dense with external weights and bias', net([dense({ weights: extM(), bias: extV() })]), true],
  ['family with random weights and a seed', net([family({ weights: { identity: 1, random: { distribution: 'normal', std: 0.1 } }, seed: 3 })]), true],
  ['scale offset −5 with power 0 (s(k) = 1)', net([family({ weights: { identity: 1, matrix: [[1, 0], [0, 1]], scale: { offset: -5, power: 0 } } })]), true],
  ['family bias drawn he-normal (fan-based: weights only)', net([family({ bias: { random: { distribution: 'he-normal' } }, seed: 1 })]), false],
  ['random-layer bias drawn he-normal', net([random({ bias: { distribution: 'he-normal' } })]), false],
  ['conv network on images: conv2d, batchnorm2d, residual with projection, pools, flatten, dense head', net([
    { type: 'conv2d', weights: [[[[1, 0], [0, 1]]]], padding: [1, 0], activation: 'linear' },
    { type: 'batchnorm2d', runningMean: [0], runningVar: [1], activation: 'relu' },
    { type: 'residual', activation: 'relu', layers: [{ type: 'conv2d', weights: [[[[1]]]], stride: 2 }, { type: 'batchnorm2d', runningMean: [0], runningVar: [1] }], shortcut: [{ type: 'conv2d', weights: [[[[1]]]], stride: 2 }] },
    { type: 'maxpool2d', kernel: 2, stride: 1 }, { type: 'avgpool2d', kernel: [1, 1], countIncludePad: false }, { type: 'global-avgpool2d' }, { type: 'flatten' },
    { type: 'dense', weights: [[2]], activation: 'linear' },
  ], { shape: [1, 8, 8] }), true],
  ['conv kernel from a raw file [out, in, kh, kw]', net([{ type: 'conv2d', weights: extM({ shape: [1, 1, 3, 3] }), activation: 'linear' }], { shape: [1, 8, 8] }), true],
  ['conv stride 0', net([{ type: 'conv2d', weights: [[[[1]]]], stride: 0, activation: 'linear' }], { shape: [1, 8, 8] }), false],
  ['conv padding [1, -1]', net([{ type: 'conv2d', weights: [[[[1]]]], padding: [1, -1], activation: 'linear' }], { shape: [1, 8, 8] }), false],
  ['top-level conv2d without activation', net([{ type: 'conv2d', weights: [[[[1]]]] }], { shape: [1, 8, 8] }), false],
  ['input.shape with two numbers', net([], { shape: [8, 8] }), false],
  ['external weights with a rank-1 shape', net([dense({ weights: extM({ shape: [4] }) })]), false],
  ['external bias with a rank-2 shape', net([dense({ bias: extV({ shape: [2, 1] }) })]), false],
  ['external shape above the width limit', net([dense({ weights: extM({ shape: [1_000_000, 2] }) })]), false],
  ['family width 50 000 (50 000² entries per layer)', net([family({ width: 50_000 })], { dim: 50_000 }), false],
  ['family with random weights but no seed', net([family({ weights: { random: { distribution: 'normal' } } })]), false],
  ['family with random bias but no seed', net([family({ bias: { random: { distribution: 'normal' } } })]), false],
  ['family with both matrix and random', net([family({ weights: { matrix: [[1, 0], [0, 1]], random: { distribution: 'normal' } }, seed: 1 })]), false],
  ['family bias with neither vector nor random', net([family({ bias: { scale: { offset: 0, power: -2 } } })]), false],
  ['family bias with both vector and random', net([family({ bias: { vector: [1, 1], random: { distribution: 'normal' } }, seed: 1 })]), false],
  ['scale offset −5 with power −1', net([family({ weights: { identity: 1, matrix: [[1, 0], [0, 1]], scale: { offset: -5, power: -1 } } })]), false],
  ['scale offset exactly −1 with power 2', net([family({ weights: { identity: 1, matrix: [[1, 0], [0, 1]], scale: { offset: -1, power: 2 } } })]), false],
  ['weights [[]]', net([dense({ weights: [[]], bias: undefined })]), false],
  ['weights []', net([dense({ weights: [], bias: undefined })]), false],
  ['bias []', net([dense({ bias: [] })]), false],
  ['empty domain arrays', net([], { dim: 2, domain: { min: [], max: [] } }), false],
  ['empty probe', net([], { dim: 2, probes: { p: [] } }), false],
  ['input dim 0', net([], { dim: 0 }), false],
  ['input dim above the width limit', net([], { dim: 200_000 }), false],
  ['count 0', net([family({ count: 0 })]), false],
  ['count above the depth limit', net([family({ count: 20_000_000 })]), false],
  ['widths entry above the width limit', net([random({ widths: [200_000] })]), false],
  ['residual-family branchLayers 65', net([resfam({ branchLayers: 65 })]), false],
  ['seed above 2³² − 1', net([random({ seed: 2 ** 32 })]), false],
  ['negative std', net([random({ weights: { distribution: 'normal', std: -1 } })]), false],
  ['std given for he-normal (ignored, so flagged)', net([random({ weights: { distribution: 'he-normal', std: 0.1 } })]), false],
  ['min given for normal (ignored, so flagged)', net([random({ weights: { distribution: 'normal', min: 0 } })]), false],
  ['unknown activation', net([dense({ activation: 'tanh' })]), false],
  ['unknown layer type', net([{ type: 'conv2d' }]), false],
  ['unknown property', net([dense({ bais: [0, 0] })]), false],
  ['missing format', { input, layers: [] }, false],
  ['NaN as a string', net([dense({ bias: ['NaN', 0] })]), false],
  ['residual branch layer of type family', net([{ type: 'residual', activation: 'relu', layers: [family()] }]), false],
  ['empty residual branch', net([{ type: 'residual', activation: 'relu', layers: [] }]), false],
  ['external dtype float16', net([dense({ weights: extM({ dtype: 'float16' }) })]), false],
  ['fractional external offset', net([dense({ weights: extM({ offset: 1.5 }) })]), false],
];

/** Rules JSON Schema cannot state: the parser rejects these, the schema lets them through. */
const EXCEPTIONS: [string, string, unknown][] = [
  ['shape consistency between layers', 'compares values across layers', net([dense({ weights: [[1, 2, 3]], bias: [0] })])],
  ['ragged matrix', 'compares the lengths of sibling arrays', net([dense({ weights: [[1, 0], [1]] })])],
  ['bias length vs rows', 'compares lengths of two properties', net([dense({ bias: [0, 0, 0] })])],
  ['domain/probe length vs input.dim', 'compares a length with a value', net([], { dim: 2, probes: { p: [1] } })],
  ['domain min ≤ max', 'compares two arrays element by element', net([], { dim: 1, domain: { min: [1], max: [0] } })],
  ['uniform min ≤ max', 'compares two properties', net([random({ weights: { distribution: 'uniform', min: 1, max: 0 } })])],
  ['square family matrix', 'compares row count and row length', net([family({ weights: { matrix: [[1, 2, 3], [4, 5, 6]] } })])],
  ['residual branch activations (ReLU inside, linear last)', 'draft-07 cannot address "the last item"', net([{ type: 'residual', activation: 'relu', layers: [{ type: 'dense', weights: [[1, 0], [0, 1]], activation: 'relu' }] }])],
  ['residual branch maps R^m to R^m', 'compares shapes across items', net([{ type: 'residual', activation: 'relu', layers: [{ type: 'dense', weights: [[1, 0], [0, 1], [1, 1]] }] }])],
  ['per-layer entries of non-square layers', 'a product of two values', net([random({ widths: [100_000, 100_000] })], { dim: 2 })],
  ['per-block entries of residual families', 'a sum of products', net([resfam({ width: 10_000, hidden: 10_000 })], { dim: 10_000 })],
  ['total weights of all layers', 'a sum over the whole document', net([family({ count: 10_000_000, width: 10_000 })], { dim: 10_000 })],
  ['generated weights that overflow float64', 'arithmetic on several values', net([family({ weights: { identity: 1e308, matrix: [[1e308, 0], [0, 1]] } })])],
  ['external file contents (missing, short, NaN inside)', 'not in the document', net([dense({ weights: extM({ file: 'missing.bin' }) })])],
  ['duplicate keys', 'JSON.parse keeps only the last one before validation', null],
];

test('every example network validates against the schema and parses', () => {
  const dir = path.join(root, 'examples');
  const examples = fs.readdirSync(dir).filter((f) => f.endsWith('.network.json'));
  assert.ok(examples.length >= 9);
  for (const f of examples) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    const v = verdicts(doc);
    if (f === 'errors.network.json') {
      assert.deepEqual([v.schema, v.parser], [false, false], f);
      continue;
    }
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const r = parseNetworkText(text, { files: memoryFiles({ 'external-weights.bin': fs.readFileSync(path.join(dir, 'external-weights.bin')) }) });
    assert.ok(v.schema, `${f}: ${v.schemaErrors}`);
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), [], f);
  }
});

test('schema and parser agree on a table of documents', () => {
  const disagreements: string[] = [];
  for (const [name, doc, valid] of AGREE) {
    const v = verdicts(doc);
    if (v.schema !== valid || v.parser !== valid) disagreements.push(`${name}: expected ${valid ? 'valid' : 'invalid'}, schema ${v.schema} (${v.schemaErrors}), parser ${v.parser} (${v.parserErrors})`);
  }
  assert.deepEqual(disagreements, []);
});

test('the documented exceptions: the parser rejects, the schema cannot', () => {
  for (const [rule, why, doc] of EXCEPTIONS) {
    if (doc === null) continue;
    const v = verdicts(doc);
    assert.equal(v.parser, false, `${rule}: the parser should reject it`);
    assert.equal(v.schema, true, `${rule} (${why}): the schema accepts it — if it now rejects it, move the case to the agreeing table (${v.schemaErrors})`);
  }
});
