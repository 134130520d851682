/**
 * External weight files on a real file system (a temporary folder): only regular files inside the
 * network file's folder are read, only the byte range a reference needs, each file examined once per
 * parse; and the worker's parse cache notices when a referenced file appears or changes.
 */
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FolderFiles, memoryFiles, parseNetworkText, type FileSystemLike } from '../../src/core/network/parse';
import { checkRelativePath } from '../../src/core/network/external';
import type { DenseLayer } from '../../src/core/network/model';
import { nodeFileSystem } from '../../src/worker/nodeFiles';
import { parsedDocument } from '../../src/worker/documents';
import { errorsOf, FORMAT } from './network-helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-external-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const folder = path.join(tmp, 'net');
fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });

function f64(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat64(8 * i, x, true));
  return b;
}

/** A 1-layer network whose 2×2 float64 weights come from `file` at `offset`. */
function doc(file: string, offset = 0): string {
  return JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: [{ type: 'dense', weights: { file, dtype: 'float64', shape: [2, 2], offset }, activation: 'linear' }] });
}

const local = () => new FolderFiles(folder, nodeFileSystem);

test('paths are checked as written: absolute and escaping paths are refused before the file system is asked', () => {
  assert.deepEqual(checkRelativePath('w.bin'), { ok: true, path: 'w.bin' });
  assert.deepEqual(checkRelativePath('./sub/../sub/w.bin'), { ok: true, path: 'sub/w.bin' });
  assert.deepEqual(checkRelativePath('sub\\w.bin'), { ok: true, path: 'sub/w.bin' });
  for (const [p, reason] of [
    ['/etc/hostname', 'is absolute; external files must be given relative to the network file and lie in its folder'],
    ['C:\\weights.bin', 'is absolute; external files must be given relative to the network file and lie in its folder'],
    ['../../../etc/hostname', 'leaves the network file\'s folder; external files must lie in that folder or below it'],
    ['sub/../../x.bin', 'leaves the network file\'s folder; external files must lie in that folder or below it'],
    ['.', 'names the network file\'s folder itself, not a file'],
    ['', 'is empty'],
  ] as const) {
    assert.deepEqual(checkRelativePath(p), { ok: false, reason }, p);
  }
  let asked = 0;
  const counting: FileSystemLike = { stat: () => { asked++; return undefined; }, read: () => { throw new Error('no'); }, realpath: (p) => p };
  const errs = errorsOf(doc('../../../etc/hostname'), { files: new FolderFiles(folder, counting) });
  assert.deepEqual(errs.map((e) => [e.code, e.message]), [['external-outside',
    'layer 1 weights: external file "../../../etc/hostname" is refused: the path leaves the network file\'s folder; external files must lie in that folder or below it']]);
  assert.equal(asked, 0);
});

test('a regular file inside the folder is read; only the needed byte range, at its offset', () => {
  fs.writeFileSync(path.join(folder, 'sub', 'w.bin'), new Uint8Array([...new Uint8Array(5), ...f64([1, 2, 3, 4]), 9, 9]));
  const r = parseNetworkText(doc('sub/w.bin', 5), { files: local() });
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(Array.from((r.network!.layer(0) as DenseLayer).weights.data), [1, 2, 3, 4]);
  assert.deepEqual(r.externalFiles, ['sub/w.bin']);
  // a 3 GiB sparse file (above the 2 GiB readFile limit that used to make it "not found"): stat gives its
  // size and the 32 bytes at 3 GiB − 32 are read alone
  const big = path.join(folder, 'big.bin');
  const size = 3 * 1024 ** 3;
  fs.writeFileSync(big, new Uint8Array(0));
  fs.truncateSync(big, size - 32);
  fs.appendFileSync(big, f64([5, 6, 7, 8]));
  const rb = parseNetworkText(doc('big.bin', size - 32), { files: local() });
  assert.deepEqual(rb.diagnostics, []);
  assert.deepEqual(Array.from((rb.network!.layer(0) as DenseLayer).weights.data), [5, 6, 7, 8]);
  assert.deepEqual(errorsOf(doc('big.bin', size - 31), { files: local() }).map((e) => e.message),
    [`layer 1 weights: "big.bin" has ${size} bytes but 2×2 float64 values from offset ${size - 31} need ${size + 1}`]);
  fs.rmSync(big);
});

test('directories, FIFOs and devices are not read; symbolic links may not lead out of the folder', () => {
  assert.deepEqual(errorsOf(doc('sub'), { files: local() }).map((e) => [e.code, e.message]),
    [['external-not-file', 'layer 1 weights: external file "sub" is a directory, not a regular file']]);
  // a FIFO would block a read forever: it is refused from its stat
  execFileSync('mkfifo', [path.join(folder, 'fifo')]);
  assert.deepEqual(errorsOf(doc('fifo'), { files: local() }).map((e) => [e.code, e.message]),
    [['external-not-file', 'layer 1 weights: external file "fifo" is a FIFO, not a regular file']]);
  // a link to /dev/zero (endless) and to a file outside the folder
  fs.symlinkSync('/dev/zero', path.join(folder, 'zero'));
  const outside = path.join(tmp, 'secret.bin');
  fs.writeFileSync(outside, f64([1, 2, 3, 4]));
  fs.symlinkSync(outside, path.join(folder, 'link.bin'));
  assert.deepEqual(errorsOf(doc('zero'), { files: local() }).map((e) => [e.code, e.message]),
    [['external-outside', 'layer 1 weights: external file "zero" is a symbolic link to /dev/zero, outside the network file\'s folder; external files must lie in that folder']]);
  assert.deepEqual(errorsOf(doc('link.bin'), { files: local() }).map((e) => [e.code, e.message]),
    [['external-outside', `layer 1 weights: external file "link.bin" is a symbolic link to ${fs.realpathSync(outside)}, outside the network file's folder; external files must lie in that folder`]]);
  // a link that stays inside is fine
  fs.symlinkSync('sub/w.bin', path.join(folder, 'inside.bin'));
  assert.deepEqual(errorsOf(doc('inside.bin', 5), { files: local() }), []);
  // missing, and a path through a regular file
  assert.deepEqual(errorsOf(doc('nope.bin'), { files: local() }).map((e) => e.code), ['external-missing']);
  assert.deepEqual(errorsOf(doc('sub/w.bin/x'), { files: local() }).map((e) => e.code), ['external-missing']);
});

test('one parse examines each file once and reads each byte range once, however often it is referenced', () => {
  const calls = { stat: 0, read: 0 };
  const bytes = f64([1, 0, 0, 1, 0.5, -0.5]);
  const inner = memoryFiles({ 'w.bin': bytes });
  const counting = { stat: (p: string) => { calls.stat++; return inner.stat(p); }, read: (p: string, o: number, n: number) => { calls.read++; return inner.read(p, o, n); } };
  const layer = { type: 'dense', weights: { file: 'w.bin', dtype: 'float64', shape: [2, 2] }, bias: { file: 'w.bin', dtype: 'float64', shape: [2], offset: 32 }, activation: 'relu' };
  const r = parseNetworkText(JSON.stringify({ format: FORMAT, input: { dim: 2 }, layers: Array(50).fill(layer) }), { files: counting });
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(r.network!.depth, 50);
  assert.deepEqual(calls, { stat: 1, read: 2 });
});

test('worker cache: a referenced file created or changed after the first parse is seen on the next request', () => {
  const file = path.join(folder, 'late.network.json');
  const source = { uri: `file://${file}`, fsPath: file, version: 1, text: doc('late.bin') };
  const settings = { maxFileSizeMB: 64, norm: '2' as const };
  const first = parsedDocument(source, settings);
  assert.deepEqual(first.diagnostics.map((d) => d.code), ['external-missing']);
  assert.deepEqual(first.externalFiles, [path.join(folder, 'late.bin')]);
  // same document version, same text: cached while nothing changed
  assert.equal(parsedDocument(source, settings), first);
  fs.writeFileSync(path.join(folder, 'late.bin'), f64([1, 2, 3, 4]));
  const second = parsedDocument(source, settings);
  assert.deepEqual(second.diagnostics, []);
  assert.deepEqual(Array.from((second.network!.layer(0) as DenseLayer).weights.data), [1, 2, 3, 4]);
  // a different size (or mtime) is a change too
  fs.writeFileSync(path.join(folder, 'late.bin'), f64([1, 2, 3]));
  assert.deepEqual(parsedDocument(source, settings).diagnostics.map((d) => d.code), ['external-short']);
});
