import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { main, ProgressLine } from '../../src/cli/main';
import { toJson, type CliIo } from '../../src/cli/command';
import { decimal } from '../../src/cli/numbers';
import packageJson from '../../package.json';

const io: CliIo = { readFile: () => { throw new Error('no files in this test'); }, writeFile: () => assert.fail('must not write'), progress: () => undefined };

test('depth-lens without a command prints help and exits 2', async () => {
  const r = await main([], io);
  assert.equal(r.exitCode, 2);
  assert.match(r.stdout, /^depth-lens — analyse deep ReLU network/);
});

test('an unknown command says so and exits 2', async () => {
  const r = await main(['frobnicate'], io);
  assert.equal(r.exitCode, 2);
  assert.equal(r.stderr, "depth-lens: unknown command 'frobnicate'. Run 'depth-lens --help' for the list.\n");
});

test('--version prints the package version', async () => {
  const r = await main(['--version'], io);
  assert.equal(r.stdout, `${packageJson.version}\n`);
});

test('decimal: plain decimal literals only (no hex, no blanks, no overflow to Infinity)', () => {
  assert.deepEqual(['3', '-0.5', '+2', '1e-3', '.5', '7.', ' 4 ', '2E3'].map(decimal), [3, -0.5, 2, 0.001, 0.5, 7, 4, 2000]);
  for (const bad of ['', ' ', '0x10', '0b1', '1e999', '-1e999', 'NaN', 'Infinity', '1,2', '1e', '--1', 'pi']) assert.ok(Number.isNaN(decimal(bad)), `'${bad}' must be NaN`);
});

test('a progress line on a TTY is cleared before results are printed; nothing is drawn when stderr is not a TTY', () => {
  const writes: string[] = [];
  const tty = new ProgressLine({ isTTY: true, write: (t: string) => writes.push(t) });
  tty.clear(); // nothing shown yet: nothing to erase
  tty.show('info: layer 2 of 2');
  tty.clear();
  tty.clear();
  assert.deepEqual(writes, ['\rinfo: layer 2 of 2\x1b[K', '\r\x1b[K']);
  const piped: string[] = [];
  const pipe = new ProgressLine({ isTTY: false, write: (t: string) => piped.push(t) });
  pipe.show('info: layer 1 of 2');
  pipe.clear();
  assert.deepEqual(piped, []);
});

test('`depth-lens … | head` (stdout closed early) exits quietly with the command\'s exit code, no EPIPE trace', async () => {
  const root = path.join(__dirname, '..', '..');
  // ~10 MB of JSON: far more than one pipe buffer, so writing continues after the reader is gone
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'info', '--json', '--all', 'examples/convergent-family.network.json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('toJson: typed arrays as arrays, NaN and ±∞ as null, toJSON honoured, a "__proto__" key from a file kept as a key; the same text JSON.stringify writes with the old per-value replacer', () => {
  const value = JSON.parse('{"__proto__": {"a": 1}, "x": [1, 2], "toJSON": 3}') as Record<string, unknown>;
  value.arr = new Float64Array([1.5, NaN, Infinity]);
  value.nested = { when: new Date(0), list: [new Int32Array([4, 5]), { k: -Infinity }], view: new DataView(new ArrayBuffer(2)) };
  const text = toJson(value);
  assert.deepEqual(JSON.parse(text), {
    ['__proto__']: { a: 1 }, x: [1, 2], toJSON: 3, arr: [1.5, null, null],
    nested: { when: '1970-01-01T00:00:00.000Z', list: [[4, 5], { k: null }], view: {} },
  });
  assert.ok(Object.hasOwn(JSON.parse(text) as object, '__proto__'), '"__proto__" is an own key of the output');
  const replacer = (_k: string, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : typeof v === 'number' && !Number.isFinite(v) ? null : v);
  assert.equal(text, JSON.stringify(value, replacer, 2));
});
