/**
 * Names are data (issue 17, item 4): names from files that are JavaScript prototype members are
 * ordinary unknown names, and every name printed to a terminal has its control characters escaped.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { escapeJson, escapeName, escapeTerminal } from '../../src/cli/escape';
import { memoryFiles, parseNetworkText } from '../../src/core/network/parse';

function memoryIo(files: Map<string, string | Uint8Array>): CliIo {
  return {
    readFile: (p) => {
      const f = files.get(p);
      if (f === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return typeof f === 'string' ? new TextEncoder().encode(f) : f;
    },
    writeFile: () => { throw new Error('not expected'); },
    progress: () => undefined,
  };
}

function f32(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(4 * i, x, true));
  return b;
}

/** A TF.js model: Dense 2 → 1 with the given activation. */
function tfjs(activation: string): string {
  return JSON.stringify({
    format: 'layers-model',
    modelTopology: { class_name: 'Sequential', config: { name: 'm', layers: [
      { class_name: 'Dense', config: { name: 'd', units: 1, activation, use_bias: true, batch_input_shape: [null, 2] } }] } },
    weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: [2, 1], dtype: 'float32' }, { name: 'd/bias', shape: [1], dtype: 'float32' }] }],
  });
}

for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
  test(`a TF.js activation named "${name}" is a located "unknown activation" error, not linear`, async () => {
    const text = tfjs(name);
    const r = parseNetworkText(text, { files: memoryFiles({ 'w.bin': f32([1, 1, 0]) }) });
    assert.equal(r.network, undefined);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((d) => [d.code, d.message, text.substr(d.offset, d.length)]), [
      ['unknown-activation', `layer "d" (Dense) has unknown activation "${name}"; Depth Lens supports "relu" and "linear"`, JSON.stringify(name)],
    ]);
    // and `info` says so (exit 1, the diagnostic) instead of crashing on a function where a string belongs
    const io = memoryIo(new Map<string, string | Uint8Array>([['m/model.json', text], ['m/w.bin', f32([1, 1, 0])]]));
    const out = await main(['info', 'm/model.json'], io);
    assert.equal(out.exitCode, 1);
    assert.match(out.stderr, new RegExp(`m/model\\.json:1:\\d+: error: layer "d" \\(Dense\\) has unknown activation "${name}"`));
    assert.doesNotMatch(out.stderr, /padEnd|internal error|TypeError/);
  });
}

test('layer types, activations and keys named after prototype members are unknown names in our format', () => {
  for (const name of ['constructor', '__proto__', 'toString']) {
    const text = JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 1 }, layers: [{ type: name, weights: [[1]], activation: name }] });
    const codes = parseNetworkText(text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
    assert.deepEqual(codes, ['unknown-layer-type'], name);
    const act = JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 1 }, layers: [{ type: 'dense', weights: [[1]], activation: name }] });
    assert.deepEqual(parseNetworkText(act).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['unknown-activation'], name);
  }
});

test('escapeTerminal: ESC, BEL, CR, other C0, DEL, C1 and bidi overrides become visible escapes; LF and tab stay', () => {
  assert.equal(escapeTerminal('\u001b]0;pwned\u0007\rFAKE'), '\\x1b]0;pwned\\x07\\x0dFAKE');
  assert.equal(escapeTerminal('a\u0000b\u007fc\u009bd\u202ee\u2066f\u200fg'), 'a\\x00b\\x7fc\\x9bd\\u202ee\\u2066f\\u200fg');
  assert.equal(escapeTerminal('line 1\n\tline 2'), 'line 1\n\tline 2');
  assert.equal(escapeName('a\nb\tc'), 'a\\x0ab\\x09c');
  assert.equal(escapeTerminal('ünïcødé λ ∞ — ok'), 'ünïcødé λ ∞ — ok');
  const doc = JSON.stringify({ name: 'x\u009b\u202ey\u2028' });
  assert.equal(escapeJson(doc), '{"name":"x\\u009b\\u202ey\\u2028"}');
  assert.deepEqual(JSON.parse(escapeJson(doc)), JSON.parse(doc));
});

const EVIL = '\u001b]0;pwned\u0007\rFAKE: all checks passed';

test('a network named with terminal control sequences prints escaped (info, check, activations; text and --json)', async () => {
  const text = JSON.stringify({ format: 'depth-lens/network@1', name: EVIL, input: { dim: 1, probes: { [EVIL]: [1] } }, layers: [{ type: 'dense', weights: [[1]], activation: 'linear' }] });
  const io = memoryIo(new Map([['n.network.json', text]]));
  for (const argv of [['info', 'n.network.json'], ['activations', 'n.network.json'], ['info', 'n.network.json', '--json'], ['check', 'n.network.json', '--json']]) {
    const out = await main(argv, io);
    assert.equal(out.exitCode, 0, `${argv.join(' ')}: ${out.stderr}`);
    for (const stream of [out.stdout, out.stderr]) {
      assert.ok(![...stream].some((c) => c !== '\n' && c !== '\t' && (c < ' ' || (c >= '\u007f' && c <= '\u009f'))), argv.join(' '));
    }
    if (argv[0] === 'info' && argv.length === 2) assert.match(out.stdout, /n\.network\.json — \\x1b\]0;pwned\\x07\\x0dFAKE: all checks passed\n/);
    if (argv.includes('--json') && argv[0] === 'info') assert.match(out.stdout, /\\u001b\]0;pwned\\u0007\\rFAKE: all checks passed/);
  }
  // a key named like that in a diagnostic message is escaped as well (by the diagnostic itself, diagnostics.ts)
  const bad = JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 1 }, layers: [], [EVIL]: 1 });
  const out = await main(['check', 'n.network.json'], memoryIo(new Map([['n.network.json', bad]])));
  assert.match(out.stdout + out.stderr, /unknown property "\\u001b\]0;pwned\\u0007\\rFAKE: all checks passed"/);
  for (const c of ['\u001b', '\u0007', '\r']) assert.ok(!(out.stdout + out.stderr).includes(c));
});
