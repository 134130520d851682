/**
 * The `training` section of a network file: diagnostics with exact ranges and stable codes from the
 * same rules the analyses apply, and a schema (schemas/network.schema.json) that agrees with them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseNetworkText } from '../../src/core/network/parse';
import { readTrainingSection, TRAINING_EXPERIMENTS, TRAINING_FIELDS } from '../../src/core/training/spec';

const doc = (training: string) =>
  `{"format":"depth-lens/network@1","input":{"dim":1},"layers":[{"type":"dense","weights":[[1]],"bias":[0],"activation":"linear"}],\n"training":${training}}`;

/** Each diagnostic as [severity, code, the text of the node it marks, message]. */
function check(training: string): [string, string, string, string][] {
  const text = doc(training);
  return parseNetworkText(text).diagnostics.map((d) => [d.severity, d.code, text.slice(d.offset, d.offset + d.length), d.message]);
}

test('the audit\'s sections that `check` passed are now errors on the exact node', () => {
  assert.deepEqual(check('5'), [['error', 'wrong-type', '5', '"training" must be an object, not the number 5']]);
  assert.deepEqual(check('{"experiment":"bogus"}'), [['error', 'invalid-value', '"bogus"', 'training.experiment is "bogus"; expected "indicator" or "mean-field"']]);
  assert.deepEqual(check('{"experiment":"indicator","batch":0,"lr":5}'), [
    ['warning', 'unknown-field', '"lr"', '"training" has unknown property "lr" (did you mean "T"?); it is ignored'],
    ['error', 'invalid-value', '0', 'training: batch must be an integer ≥ 1, got 0'],
  ]);
  assert.deepEqual(check('{"experiment":"mean-field","seeds":1,"widths":[0]}'), [
    ['error', 'invalid-value', '0', 'training: every width must be an integer ≥ 1, got 0'],
    ['error', 'invalid-value', '1', 'training: seeds must be an integer ≥ 2 (the spread needs two runs), got 1'],
  ]);
  // a file with any of them has no network: `check` fails
  assert.equal(parseNetworkText(doc('{"experiment":"indicator","batch":0}')).network, undefined);
});

test('types, the other experiment\'s keys, nested rates and probe points are all marked', () => {
  assert.deepEqual(check('{"experiment":"indicator","dim":"2","level":0,"widths":[8],"probes":[[0.2],[1.5]]}'), [
    ['error', 'wrong-type', '"2"', 'training.dim must be a number, not the string "2"'],
    ['warning', 'unknown-field', '"widths"', '"training" has "widths", a parameter of the "mean-field" experiment; the "indicator" experiment ignores it'],
    ['error', 'invalid-value', '0', 'training: level must be an integer ≥ 1, got 0'],
    ['error', 'invalid-value', '[1.5]', 'training: probe 1 coordinate 1.5 is outside [−1, 1]'],
  ]);
  assert.deepEqual(check('{"experiment":"mean-field","learningRates":{"C":-1,"X":2},"activation":"relu","T":"NaN"}'), [
    ['warning', 'unknown-field', '"X"', 'training.learningRates has unknown property "X" (did you mean "C"?); it is ignored'],
    ['error', 'non-finite-number', '"NaN"', 'training.T is the string "NaN"; JSON has no NaN or Infinity and Depth Lens needs finite numbers'],
    ['error', 'invalid-value', '"relu"', "training: activation must be 'tanh' or 'sigmoid', got 'relu'"],
    ['error', 'invalid-value', '-1', 'training: learningRates.C must be a finite number ≥ 0, got -1'],
  ]);
  // rules between values: on the value the rule names
  assert.deepEqual(check('{"experiment":"indicator","batch":10,"trainingSetSize":5,"iterations":100,"fitFrom":200}'), [
    ['error', 'invalid-value', '10', 'training: batch (10) must be ≤ trainingSetSize (5)'],
    ['error', 'invalid-value', '200', 'training: fitFrom (200) must be ≤ iterations (100)'],
  ]);
  // a rule about a value the file leaves at its default marks the value it does give
  assert.deepEqual(check('{"experiment":"indicator","dim":2,"initialW":1.2}'), [
    ['error', 'invalid-value', '1.2', 'training: initialW must be ≥ 4/3 for dim > 1 (the ramp must stay inside |x|² ≤ 1), got 1.2'],
  ]);
  assert.deepEqual(check('{"experiment":"indicator","dim":2}').filter(([s]) => s === 'error'), []);
  assert.deepEqual(check('{"experiment":"mean-field","widths":[20000]}'), [
    ['error', 'size-limit', '20000', 'training: width 20000 needs N1·N2 = 400000000 weights in W2, above the limit of 100000000'],
  ]);
  assert.deepEqual(check('{"experiment":"indicator","seed":4294967296}'), [
    ['error', 'invalid-value', '4294967296', 'training: seed must be an integer in [0, 4294967295], got 4294967296'],
  ]);
});

test('a section above the work budget is a size-limit warning on the section: the file is fine, the panel would refuse the run', () => {
  const text = doc('{"experiment":"mean-field","widths":[3000]}');
  const r = parseNetworkText(text);
  assert.ok(r.network);
  assert.equal(r.diagnostics.length, 1);
  const d = r.diagnostics[0];
  assert.deepEqual([d.severity, d.code, text.slice(d.offset, d.offset + d.length)], ['warning', 'size-limit', '{"experiment":"mean-field","widths":[3000]}']);
  assert.match(d.message, /^training: the run needs about 1\.1e12 operations .* above the budget of 1\.0e11/);
});

test('readTrainingSection: the typed section, null without one, null with the errors when it is bad', () => {
  const good = readTrainingSection(doc('{"experiment":"indicator","dim":2,"level":8,"probes":[[0.1,0.2]],"mode":"expected"}'));
  assert.deepEqual(good, { spec: { experiment: 'indicator', dim: 2, level: 8, probes: [[0.1, 0.2]], mode: 'expected' }, diagnostics: [] });
  const rates = readTrainingSection(doc('{"experiment":"mean-field","learningRates":{"W1":2},"widths":[8,16]}'));
  assert.deepEqual(rates.spec, { experiment: 'mean-field', learningRates: { W1: 2 }, widths: [8, 16] });
  assert.deepEqual(readTrainingSection(doc('null').replace(',\n"training":null', '')), { spec: null, diagnostics: [] });
  const bad = readTrainingSection(doc('{"experiment":"indicator","batch":0}'));
  assert.equal(bad.spec, null);
  assert.deepEqual(bad.diagnostics.map((d) => d.message), ['training: batch must be an integer ≥ 1, got 0']);
});

interface Schema {
  type?: string; minimum?: number; maximum?: number; exclusiveMinimum?: number; enum?: unknown[];
  items?: Schema; minItems?: number; maxItems?: number; properties?: Record<string, Schema>; additionalProperties?: boolean;
  propertyNames?: { enum: string[] }; allOf?: { if: { properties: { experiment: { const: string } } }; then: Schema }[];
}

test('schema and code agree: keys per experiment, types, bounds and enums of every training parameter', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schemas', 'network.schema.json'), 'utf8')) as { properties: { training: Schema } };
  const training = schema.properties.training;
  assert.equal(training.additionalProperties, false);
  const errorsOf = (section: Record<string, unknown>) =>
    parseNetworkText(doc(JSON.stringify(section))).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  // values some rules need beside the one under test (N1·N2 ≤ 10⁸ for the widest width, batch ≤ trainingSetSize)
  const context: Record<string, (value: unknown) => Record<string, unknown>> = {
    widths: (v) => (Array.isArray(v) && v.some((n) => n > 10000) ? { n1PerN2: 1000 } : {}),
    trainingSetSize: () => ({ batch: 1 }),
  };
  let checked = 0;
  for (const experiment of TRAINING_EXPERIMENTS) {
    const branch = training.allOf!.find((b) => b.if.properties.experiment.const === experiment)!.then;
    assert.deepEqual(branch.propertyNames!.enum, ['experiment', ...Object.keys(TRAINING_FIELDS[experiment])], experiment);
    for (const key of Object.keys(TRAINING_FIELDS[experiment])) {
      const rule = branch.properties?.[key] ?? training.properties![key];
      assert.ok(rule, `${experiment}.${key} is in the schema`);
      const at = (value: unknown) => errorsOf({ experiment, ...context[key]?.(value), [key]: value });
      const ok = (value: unknown) => assert.deepEqual(at(value), [], `${experiment}.${key} = ${JSON.stringify(value)} is valid in the schema`);
      const bad = (value: unknown) => assert.ok(at(value).length > 0, `${experiment}.${key} = ${JSON.stringify(value)} is invalid in the schema`);
      const scalar = rule.type === 'array' ? rule.items! : rule;
      const wrap = (v: unknown) => (rule.type === 'array' ? (scalar.type === 'array' ? [[v]] : [v]) : v);
      const leaf = scalar.type === 'array' ? scalar.items! : scalar;
      if (leaf.enum) {
        for (const v of leaf.enum) ok(wrap(v));
        bad(wrap('bogus'));
      } else if (key === 'learningRates') {
        for (const k of Object.keys(rule.properties!)) {
          assert.equal(rule.properties![k].minimum, 0);
          ok({ [k]: 0 });
          bad({ [k]: -1e-9 });
        }
        assert.equal(rule.additionalProperties, false);
      } else {
        const step = leaf.type === 'integer' ? 1 : 1e-9;
        if (leaf.minimum !== undefined) { ok(wrap(leaf.minimum)); bad(wrap(leaf.minimum - step)); }
        if (leaf.exclusiveMinimum !== undefined) { bad(wrap(leaf.exclusiveMinimum)); ok(wrap(leaf.exclusiveMinimum + 1e-3)); }
        if (leaf.maximum !== undefined) { ok(wrap(leaf.maximum)); bad(wrap(leaf.maximum + step)); }
        if (leaf.type === 'integer') bad(wrap((leaf.minimum ?? 0) + 1.5));
        bad(wrap('1'));
      }
      if (rule.type === 'array') {
        bad([]);
        if (rule.maxItems !== undefined) bad(Array.from({ length: rule.maxItems + 1 }, () => (wrap(leaf.minimum ?? 0) as unknown[])[0]));
      }
      checked++;
    }
  }
  assert.equal(checked, 15 + 11);
});
