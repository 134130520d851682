/**
 * Parser diagnostics: every error class with its exact range, line:col and message, plus the
 * canonical dense form end to end. Ranges are located independently with indexOf on the text.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LIMITS, parseNetworkText, offsetToPosition } from '../../src/core/network/parse';
import { forward } from '../../src/core/network/forward';
import { doc, dense, errorsOf, expectError, FORMAT } from './network-helpers';

test('canonical dense form: parses, forward pass y = W x + b, groups carry the layer ranges', () => {
  const text = doc([dense([[1, 2], [3, 4], [-1, 0]], [0.5, -20, 1]), dense([[1, 1, 1]], [-1], 'linear')], {
    dim: 2, domain: { min: [-1, -1], max: [1, 1] }, probes: { a: [1, 2] },
  });
  const r = parseNetworkText(text);
  assert.deepEqual(r.diagnostics, []);
  const net = r.network!;
  assert.equal(net.depth, 2);
  assert.equal(net.outputDim, 1);
  assert.equal(net.parameterCount, 6 + 3 + 3 + 1);
  assert.deepEqual(Array.from(net.input.probes[0].x), [1, 2]);
  assert.deepEqual(Array.from(net.input.domain!.max), [1, 1]);
  // x = (1, 2): W1 x + b1 = (5.5, -9, 0) → relu (5.5, 0, 0) → sum − 1 = 4.5
  assert.deepEqual(Array.from(forward(net, [1, 2])), [4.5]);
  const firstLayer = text.indexOf('{\n      "type": "dense"');
  assert.equal(net.groups[0].source!.offset, firstLayer);
  assert.equal(text[firstLayer + net.groups[0].source!.length - 1], '}');
  assert.equal(net.groups[1].start, 1);
});

test('json-syntax: truncated document, trailing comma and comments are reported at the parser offsets', () => {
  const truncated = '{"format": "depth-lens/network@1", "input": {"dim": 2}, "layers": [';
  const errs = errorsOf(truncated);
  assert.ok(errs.length >= 1);
  assert.ok(errs.every((e) => e.code === 'json-syntax' && e.offset === truncated.length));
  assert.deepEqual(errs.map((e) => e.message), ['invalid JSON: close bracket expected']);

  const trailing = '{"format": "depth-lens/network@1",\n "input": {"dim": 2,},\n "layers": []}';
  const e2 = errorsOf(trailing);
  assert.equal(e2.length, 1);
  assert.equal(e2[0].message, 'invalid JSON: property name expected: trailing commas are not allowed in JSON');
  assert.equal(e2[0].offset, trailing.indexOf(',}') + 1);
  assert.deepEqual(offsetToPosition(trailing, e2[0].offset), { line: 1, character: 20 });

  const commented = '// my net\n{"format": "depth-lens/network@1", "input": {"dim": 2}, "layers": []}';
  const e3 = errorsOf(commented);
  assert.deepEqual(e3.map((e) => [e.code, e.offset, e.length, e.message]), [['json-syntax', 0, 9, 'invalid JSON: comments are not allowed in network files']]);

  assert.deepEqual(errorsOf('').map((e) => e.code), ['json-syntax']);
});

test('unknown or missing format', () => {
  const text = JSON.stringify({ format: 'depth-lens/network@2', input: { dim: 2 }, layers: [] });
  assert.equal(expectError(text, 'unknown-format', 'unknown format "depth-lens/network@2"; expected "depth-lens/network@1" (or "layers-model" for a TensorFlow.js model.json)', '"depth-lens/network@2"'), '1:11');
  const none = '{"input": {"dim": 2}, "layers": []}';
  expectError(none, 'unknown-format', 'the document has no "format"; a network file starts with "format": "depth-lens/network@1"', none);
  expectError('[1, 2]', 'wrong-type', 'the document must be an object, not an array', '[1, 2]');
});

test('unknown layer type and missing type', () => {
  const text = doc([{ type: 'conv2d', weights: [[1]] }]);
  assert.equal(expectError(text, 'unknown-layer-type', 'layer 1 is conv2d, a layer on images: give the input as "shape": [C, H, W] instead of "dim" (see "Networks on images" in docs/network-format.md)', '"conv2d"'), '8:15');
  const noType = doc([{ weights: [[1, 0]], bias: [0], activation: 'relu' }]);
  const layerNode = noType.slice(noType.indexOf('{', noType.indexOf('"layers"')), noType.lastIndexOf(']'));
  expectError(noType, 'missing-field', 'layer 1 is missing "type" (one of "dense", "residual", "family", "random" or "residual-family")', layerNode.trimEnd());
});

test('missing fields: the range is the object that lacks the property', () => {
  const text = JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [{ type: 'dense', weights: [[1, 0]], bias: [0] }] });
  expectError(text, 'missing-field', 'layer 1 is missing "activation"', '{"type":"dense","weights":[[1,0]],"bias":[0]}');
  const noInput = JSON.stringify({ format: FORMAT, layers: [] });
  const errs = errorsOf(noInput);
  assert.deepEqual(errs.map((e) => [e.code, e.message, e.offset, e.length]), [['missing-field', 'the document is missing "input"', 0, noInput.length]]);
  const noDim = JSON.stringify({ format: FORMAT, input: {}, layers: [] });
  expectError(noDim, 'missing-field', '"input" is missing "dim"', '{}');
});

test('ragged matrix: the short row is marked, rows counted from 1', () => {
  const text = doc([dense([[1, 0], [0, 1], [1, 2, 3]], [0, 0, 0])]);
  const lc = expectError(text, 'ragged-matrix', 'layer 1 weights is ragged: row 3 has 3 entries but row 1 has 2', '[\n          1,\n          2,\n          3\n        ]');
  assert.equal(lc, '18:9');
});

test('shape mismatch between consecutive layers (1-based layer numbers) and against input.dim', () => {
  const w16x8 = Array.from({ length: 16 }, () => Array(8).fill(0.1));
  const text = JSON.stringify({
    format: FORMAT, input: { dim: 4 },
    layers: [dense([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 1, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]], Array(8).fill(0)),
      dense(Array.from({ length: 8 }, () => Array(8).fill(0.5)), Array(8).fill(0)),
      dense(Array.from({ length: 4 }, () => Array(16).fill(0.5)), Array(4).fill(0))],
  });
  void w16x8;
  const needle = JSON.stringify(Array.from({ length: 4 }, () => Array(16).fill(0.5)));
  expectError(text, 'shape-mismatch', 'layer 3 expects 16 inputs but layer 2 produces 8', needle);
  const first = doc([dense([[1, 2, 3]], [0])]);
  const e = errorsOf(first);
  assert.deepEqual(e.map((d) => [d.code, d.message]), [['shape-mismatch', 'layer 1 expects 3 inputs but input.dim is 2']]);
  assert.equal(first.substr(e[0].offset, e[0].length).replace(/\s/g, ''), '[[1,2,3]]');
});

test('bias length', () => {
  const text = JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [dense([[1, 0], [0, 1]], [1, 2, 3])] });
  assert.equal(expectError(text, 'bias-length', 'layer 1 bias has 3 entries but its weights have 2 rows', '[1,2,3]'), '1:109');
});

test('non-finite numbers: NaN/Infinity strings and overflowing literals', () => {
  const nan = '{"format":"depth-lens/network@1","input":{"dim":2},"layers":[{"type":"dense","weights":[[1,"NaN"]],"bias":[0],"activation":"relu"}]}';
  expectError(nan, 'non-finite-number', 'layer 1 weights row 1, column 2 is the string "NaN"; JSON has no NaN or Infinity and Depth Lens needs finite numbers', '"NaN"');
  const inf = nan.replace('"NaN"', '2').replace('"bias":[0]', '"bias":["-Infinity"]');
  expectError(inf, 'non-finite-number', 'layer 1 bias entry 1 is the string "-Infinity"; JSON has no NaN or Infinity and Depth Lens needs finite numbers', '"-Infinity"');
  const overflow = nan.replace('"NaN"', '1e999');
  expectError(overflow, 'non-finite-number', 'layer 1 weights row 1, column 2 is 1e999, which overflows float64 to Infinity; use a finite number', '1e999');
  const negOverflow = nan.replace('"NaN"', '0').replace('"bias":[0]', '"bias":[-2e400]');
  expectError(negOverflow, 'non-finite-number', 'layer 1 bias entry 1 is -2e400, which overflows float64 to -Infinity; use a finite number', '-2e400');
  const probe = JSON.stringify({ format: FORMAT, input: { dim: 1, probes: { p: ['Infinity'] } }, layers: [] });
  expectError(probe, 'non-finite-number', 'probe "p" entry 1 is the string "Infinity"; JSON has no NaN or Infinity and Depth Lens needs finite numbers', '"Infinity"');
});

test('element errors are capped at 5 per matrix plus one summary', () => {
  const w = [Array(10).fill('NaN')];
  const text = JSON.stringify({ format: FORMAT, input: { dim: 10 }, layers: [dense(w, [0])] });
  const errs = errorsOf(text);
  assert.equal(errs.length, 6);
  assert.equal(errs[5].message, 'layer 1 weights has 5 more invalid entries (only the first 5 are marked)');
});

test('wrong types and enum values', () => {
  const text = JSON.stringify({ format: FORMAT, input: { dim: '2' }, layers: [] });
  expectError(text, 'wrong-type', 'input.dim must be a number, not the string "2"', '"2"');
  const act = JSON.stringify({ format: FORMAT, input: { dim: 1 }, layers: [dense([[1]], [0], 'tanh')] });
  expectError(act, 'unknown-activation', 'layer 1 activation is "tanh"; expected "relu" or "linear"', '"tanh"');
  const wrongW = JSON.stringify({ format: FORMAT, input: { dim: 1 }, layers: [dense(5, [0])] });
  expectError(wrongW, 'wrong-type', 'layer 1 weights must be an array, not the number 5', '5');
  const empty = JSON.stringify({ format: FORMAT, input: { dim: 1 }, layers: [dense([], [])] });
  const e = errorsOf(empty);
  assert.equal(e[0].code, 'empty-matrix');
  assert.equal(e[0].message, 'layer 1 weights has no rows');
});

test('input domain and probes must match input.dim; min ≤ max', () => {
  const text = JSON.stringify({ format: FORMAT, input: { dim: 2, domain: { min: [0, 0, 0], max: [1, 1] } }, layers: [] });
  expectError(text, 'dimension-mismatch', 'input.domain.min has 3 entries but input.dim is 2', '[0,0,0]');
  const probe = JSON.stringify({ format: FORMAT, input: { dim: 2, probes: { far: [1] } }, layers: [] });
  expectError(probe, 'dimension-mismatch', 'probe "far" has 1 entry but input.dim is 2', '[1]');
  const emptyDomain = JSON.stringify({ format: FORMAT, input: { dim: 2, domain: { min: [0, 2], max: [1, 1] } }, layers: [] });
  expectError(emptyDomain, 'empty-domain', 'input.domain is empty: min[2] = 2 > max[2] = 1', '{"min":[0,2],"max":[1,1]}');
});

test('duplicate keys are errors; unknown keys are warnings with a suggestion', () => {
  const dup = '{"format":"depth-lens/network@1","input":{"dim":1,"dim":2},"layers":[]}';
  expectError(dup, 'duplicate-key', '"input" has "dim" twice; remove one of them', '"dim"', 1);
  const typo = JSON.stringify({ format: FORMAT, input: { dim: 1 }, layers: [{ type: 'dense', weights: [[1]], bais: [0], activation: 'linear' }] });
  const r = parseNetworkText(typo);
  assert.ok(r.network);
  const w = r.diagnostics.find((d) => d.code === 'unknown-field')!;
  assert.equal(w.severity, 'warning');
  assert.equal(w.message, 'layer 1 has unknown property "bais" (did you mean "bias"?); it is ignored');
  assert.equal(typo.substr(w.offset, w.length), '"bais"');
});

test('residual blocks: bottleneck accepted, branch output size and activations checked', () => {
  const ok = doc([{ type: 'residual', activation: 'relu', layers: [
    { type: 'dense', weights: [[1, 0]], bias: [0] },
    { type: 'dense', weights: [[1], [-1]], bias: [0, 0], activation: 'linear' },
  ] }]);
  const r = parseNetworkText(ok);
  assert.deepEqual(r.diagnostics, []);
  const block = r.network!.layer(0);
  assert.equal(block.kind, 'residual');
  // x = (2, 1): branch relu(x1) = 2 → (2, −2); x + r = (4, −1) → relu (4, 0)
  assert.deepEqual(Array.from(forward(r.network!, [2, 1])), [4, 0]);

  const bad = JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [{ type: 'residual', activation: 'relu', layers: [
    { type: 'dense', weights: [[1, 0], [0, 1]], bias: [0, 0] },
    { type: 'dense', weights: [[1, 0], [0, 1], [1, 1]], bias: [0, 0, 0] }] }] });
  expectError(bad, 'residual-shape', 'layer 1 (residual) branch maps 2 inputs to 3 outputs; it must return 2 values to add to the shortcut',
    '[{"type":"dense","weights":[[1,0],[0,1]],"bias":[0,0]},{"type":"dense","weights":[[1,0],[0,1],[1,1]],"bias":[0,0,0]}]');

  const reluLast = JSON.stringify({ format: FORMAT, input: { dim: 1 }, layers: [{ type: 'residual', activation: 'relu', layers: [
    { type: 'dense', weights: [[1]], bias: [0], activation: 'relu' }] }] });
  expectError(reluLast, 'residual-branch', 'layer 1 branch layer 1 is the last of the branch and must be "linear" (the block applies its activation after adding the shortcut)', '"relu"', 1);

  const inner = JSON.stringify({ format: FORMAT, input: { dim: 1 }, layers: [{ type: 'residual', activation: 'relu', layers: [
    { type: 'family', count: 3 }] }] });
  expectError(inner, 'residual-branch', 'layer 1 branch layer 1 must have "type": "dense" (a residual branch holds dense layers only)', '"family"');
});

test('file too large: refused with the way to raise the limit', () => {
  const text = doc([dense([[1, 0]], [0])]);
  const e = errorsOf(text, { maxBytes: 100, fileName: 'big.network.json' });
  assert.equal(e.length, 1);
  assert.equal(e[0].code, 'file-too-large');
  assert.equal(e[0].message, `big.network.json is ${Buffer.byteLength(text)} bytes, above the limit of 100 bytes; raise the setting depthLens.maxFileSizeMB (CLI: --max-size-mb), or store the weights in an external binary file`);
  assert.deepEqual(errorsOf(text, { maxBytes: 10_000 }), []);
});

test('warnings: empty network, scalar output through ReLU', () => {
  const empty = parseNetworkText(doc([]));
  assert.ok(empty.network);
  assert.deepEqual(empty.diagnostics.map((d) => [d.code, d.severity]), [['empty-network', 'warning']]);
  const relu = parseNetworkText(doc([dense([[1, 1]], [0], 'relu')]));
  assert.ok(relu.network);
  assert.deepEqual(relu.diagnostics.map((d) => [d.code, d.severity]), [['last-layer-relu', 'information']]);
});

test('offsetToPosition: 0-based lines, UTF-16 characters, \\n, \\r\\n and \\r', () => {
  const t = 'ab\r\ncd\ne\rf😀g';
  assert.deepEqual(offsetToPosition(t, 0), { line: 0, character: 0 });
  assert.deepEqual(offsetToPosition(t, 4), { line: 1, character: 0 });
  assert.deepEqual(offsetToPosition(t, 8), { line: 2, character: 1 });
  assert.deepEqual(offsetToPosition(t, 9), { line: 3, character: 0 });
  // the emoji is two UTF-16 code units: 'g' is at character 3
  assert.deepEqual(offsetToPosition(t, t.indexOf('g')), { line: 3, character: 3 });
  assert.deepEqual(offsetToPosition(t, 999), { line: 3, character: 4 });
});

test('diagnostics are capped at 1000 plus one too-many-problems that counts the rest', () => {
  // 2·10⁵ junk tokens: jsonc-parser reports two errors per token ("invalid symbol", "value expected"),
  // and one for the trailing comma: 400 001 in all
  const junk = '{"format":"depth-lens/network@1","input":{"dim":1},"layers":[' + 'x,'.repeat(200_000) + ']}';
  const r = parseNetworkText(junk);
  assert.equal(r.diagnostics.length, 1001);
  assert.ok(r.diagnostics.slice(0, 1000).every((d) => d.code === 'json-syntax'));
  const last = r.diagnostics[1000];
  assert.equal(last.code, 'too-many-problems');
  assert.equal(last.severity, 'error');
  assert.equal(last.message, '399001 more errors from here on are not listed; only the first 1000 problems are shown');
  assert.deepEqual(last.unlisted, { errors: 399_001, others: 0 });
  // semantic errors are capped the same way: 3000 layers with an unknown type
  const many = doc(Array.from({ length: 3000 }, () => ({ type: 'conv' })));
  const m = parseNetworkText(many);
  assert.equal(m.diagnostics.length, 1001);
  assert.equal(m.diagnostics[1000].message, '2000 more errors from here on are not listed; only the first 1000 problems are shown');
  // "from here on": the summary sits on the first layer that is not listed
  assert.equal(m.diagnostics[1000].offset, m.diagnostics[999].offset + many.slice(m.diagnostics[999].offset).indexOf('"conv"', 1));
});

test('bare NaN/Infinity (Python json.dump) are non-finite-number errors at each token, not a cascade of syntax errors', () => {
  const text = '{"format": "depth-lens/network@1", "input": {"dim": 3},\n "layers": [{"type": "dense", "weights": [[NaN, Infinity, -Infinity]], "bias": [0], "activation": "linear"}]}';
  const errs = errorsOf(text);
  assert.deepEqual(errs.map((e) => [e.code, text.substr(e.offset, e.length), e.message]), [
    ['non-finite-number', 'NaN', 'NaN is not a JSON number (Python\'s json.dump writes it unless allow_nan=False); Depth Lens needs finite numbers'],
    ['non-finite-number', 'Infinity', 'Infinity is not a JSON number (Python\'s json.dump writes it unless allow_nan=False); Depth Lens needs finite numbers'],
    ['non-finite-number', '-Infinity', '-Infinity is not a JSON number (Python\'s json.dump writes it unless allow_nan=False); Depth Lens needs finite numbers'],
  ]);
  assert.deepEqual(offsetToPosition(text, errs[0].offset), { line: 1, character: 43 });
  // "NaN" inside a string is no token, and other syntax errors are still reported after the tokens
  const mixed = '{"format": "depth-lens/network@1", "name": "NaN", "input": {"dim": 1}, "layers": [NaN,]}';
  assert.deepEqual(errorsOf(mixed).map((e) => [e.code, mixed.substr(e.offset, e.length || 1)]), [['non-finite-number', 'NaN'], ['json-syntax', ']']]);
});

test('nesting too deep for the parser is a size-limit error at the bracket where it passes 1000 levels', () => {
  const deep = '{"format": "depth-lens/network@1", "input": {"dim": 1}, "layers": [' + '['.repeat(200_000) + ']'.repeat(200_000) + ']}';
  const errs = errorsOf(deep);
  assert.deepEqual(errs.map((e) => [e.code, e.message]), [['size-limit', 'the JSON nests arrays and objects more than 1000 levels deep here; a network file needs fewer than 10']]);
  // levels: the document's { is 1, "layers"' [ is 2, 998 more [ reach 1000, and the next one passes it
  assert.equal(errs[0].offset, deep.indexOf('[') + 999);
  // brackets inside strings do not count
  const inString = JSON.stringify({ format: FORMAT, name: '['.repeat(5000), input: { dim: 1 }, layers: [] });
  assert.deepEqual(errorsOf(inString), []);
});

test('a ragged matrix is reported before anything is allocated (10⁵-entry first row, 10⁵ short rows)', () => {
  const rows = [Array(100_000).fill(0), ...Array.from({ length: 100_000 }, () => [1])];
  const text = JSON.stringify({ format: FORMAT, input: { dim: 100_000 }, layers: [{ type: 'dense', weights: rows, activation: 'linear' }] });
  const errs = errorsOf(text);
  // rows × first-row length would be 10¹⁰ doubles: the old code died with "Invalid typed array length"
  assert.deepEqual(errs.map((e) => e.code), ['ragged-matrix', 'ragged-matrix', 'ragged-matrix', 'ragged-matrix', 'ragged-matrix', 'ragged-matrix']);
  assert.equal(errs[0].message, 'layer 1 weights is ragged: row 2 has 1 entry but row 1 has 100000');
  assert.equal(errs[5].message, 'layer 1 weights has 99995 more malformed rows (only the first 5 are marked)');
});

test('one error hides no other: bad probes or a failed family or block still let the next shapes be checked', () => {
  // a probe of the wrong length: input.dim is still known, so layer 1's shape is checked
  const probe = JSON.stringify({ format: FORMAT, input: { dim: 2, probes: { p: [1] } }, layers: [dense([[1, 2, 3]], [0], 'linear')] });
  assert.deepEqual(errorsOf(probe).map((e) => e.message), ['probe "p" has 1 entry but input.dim is 2', 'layer 1 expects 3 inputs but input.dim is 2']);
  // a family that fails on its bias keeps its width (the previous output, 2)
  const fam = JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [
    { type: 'family', count: 3, weights: { identity: 1 }, bias: { vector: [1, 2, 3] }, activation: 'relu' }, dense([[1, 2, 3]], [0], 'linear')] });
  assert.deepEqual(errorsOf(fam).map((e) => e.message), ['layer 1 bias vector has 3 entries but the family\'s layers have width 2', 'layer 2 expects 3 inputs but layer 1 produces 2']);
  // a family with a bad matrix entry: its width is the matrix's row count
  const famM = JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [
    { type: 'family', count: 3, weights: { matrix: [[1, 'x'], [0, 1]] }, activation: 'relu' }, dense([[1, 2, 3]], [0], 'linear')] });
  assert.deepEqual(errorsOf(famM).map((e) => e.code), ['wrong-type', 'shape-mismatch']);
  // a residual block with a bad branch returns its input width
  const block = JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [
    { type: 'residual', activation: 'relu', layers: [{ type: 'dense', weights: [[1, 0], [0, 1]], activation: 'tanh' }] }, dense([[1]], [0], 'linear')] });
  assert.deepEqual(errorsOf(block).map((e) => e.message), ['layer 1 branch layer 1 activation is "tanh"; expected "relu" or "linear"', 'layer 2 expects 1 input but layer 1 produces 2']);
  // a random group with a bad seed: its last width
  const random = JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [
    { type: 'random', widths: [4, 5], weights: { distribution: 'he-normal' }, seed: -1, activation: 'relu' }, dense([[1, 2]], [0], 'linear')] });
  assert.deepEqual(errorsOf(random).map((e) => e.message), ['layer 1 seed must be at least 0, not -1', 'layer 2 expects 2 inputs but layer 1 produces 5']);
});

test('messages stay on one line and short: control characters from keys and names are escaped, long ones cut', () => {
  const text = JSON.stringify({ format: FORMAT, input: { dim: 1, ['a\nb\u2028c\u0001']: 1, ['k'.repeat(5000)]: 2 }, layers: [] });
  const msgs = parseNetworkText(text).diagnostics.map((d) => d.message);
  assert.equal(msgs[0], '"input" has unknown property "a\\nb\\u2028c\\u0001"; it is ignored');
  assert.equal(msgs[1].length, 500);
  assert.ok(msgs[1].startsWith('"input" has unknown property "kkk') && msgs[1].endsWith('k…'));
});

test('a residual block\'s branch list: empty or above the limit is refused on the "layers" array, for dense and conv blocks, word for word', () => {
  const blockDoc = (input: object, layers: unknown[]) => JSON.stringify({ format: 'depth-lens/network@1', input, layers: [{ type: 'residual', activation: 'relu', layers }] });
  const branchErrors = (text: string) => parseNetworkText(text).diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.message, text.slice(d.offset, d.offset + 1)]);
  assert.deepEqual(branchErrors(blockDoc({ dim: 2 }, [])), [['residual-branch', 'layer 1 (residual) has an empty branch; it needs at least one dense layer', '[']]);
  assert.deepEqual(branchErrors(blockDoc({ shape: [1, 4, 4] }, [])), [['residual-branch', 'layer 1 (residual) has an empty branch; it needs at least one conv2d layer', '[']]);
  const over = LIMITS.maxBranchLayers + 1;
  assert.deepEqual(branchErrors(blockDoc({ dim: 2 }, new Array(over).fill(1))), [['size-limit', `layer 1 (residual) has ${over} branch layers, above the limit of ${LIMITS.maxBranchLayers}`, '[']]);
});
