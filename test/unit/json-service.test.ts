// What the editor leaves to VS Code's JSON service (src/host/jsonService.ts): hard JSON syntax errors,
// which it reports at the same place; comments, trailing commas and an empty file stay Depth Lens's
// (the editor schema allows the first two, and the service says nothing about an empty file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetworkText } from '../../src/core/network/parse';
import { jsonServiceValidates, reportedByJsonService } from '../../src/host/jsonService';
import type { WireDiagnostic } from '../../src/shared/analyses/overview';

function findings(text: string): WireDiagnostic[] {
  const r = parseNetworkText(text, { fileName: 't.network.json' });
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return r.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, range }));
}

const SMALL = '{ "format": "depth-lens/network@1", "input": { "dim": 1 }, "layers": [ { "type": "dense", "weights": [[1]], "bias": [0], "activation": "linear" } ] }';

test('a missing comma is the JSON service\'s to report; comments, trailing commas and a blank file are ours', () => {
  const missingComma = findings(SMALL.replace(']], "bias"', ']] "bias"'));
  assert.deepEqual(missingComma.map((d) => [d.code, reportedByJsonService(d, false)]), [['json-syntax', true]]);
  const comment = findings(SMALL.replace('"input"', '// a comment\n"input"'));
  assert.deepEqual(comment.map((d) => [d.message, reportedByJsonService(d, false)]), [['invalid JSON: comments are not allowed in network files', false]]);
  const trailing = findings(SMALL.replace('"activation": "linear" }', '"activation": "linear", }'));
  assert.deepEqual(trailing.map((d) => [d.code, reportedByJsonService(d, false)]), [['json-syntax', false]]);
  assert.match(trailing[0].message, /trailing commas are not allowed in JSON/);
  // a blank document: the JSON service says nothing, so ours stays
  const empty = findings('');
  assert.deepEqual(empty.map((d) => [d.code, reportedByJsonService(d, true)]), [['json-syntax', false]]);
  // a network-level finding is never left to the JSON service
  const shape = findings(SMALL.replace('"bias": [0]', '"bias": [0, 1]'));
  assert.ok(shape.length > 0 && shape.every((d) => !reportedByJsonService(d, false)), JSON.stringify(shape));
});

test('the JSON service validates JSON and JSONC documents unless json.validate.enable is off', () => {
  assert.equal(jsonServiceValidates('json', undefined), true);
  assert.equal(jsonServiceValidates('jsonc', true), true);
  assert.equal(jsonServiceValidates('json', false), false);
  assert.equal(jsonServiceValidates('plaintext', true), false);
});
