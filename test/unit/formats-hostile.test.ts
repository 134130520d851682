/**
 * Hostile checkpoints: truncated files, headers that lie about lengths, shapes and offsets, archive
 * members that are zip bombs, pickles that name os.system or eval — each one a clear error naming the
 * file and where in it, never a crash, never a hang, and never anything run.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { zipSync } from 'fflate';
import { FormatError, bytesSource } from '../../src/core/formats/source';
import { parsePickle, DATA_RECONSTRUCTORS } from '../../src/core/formats/pickle';
import { readTensor } from '../../src/core/formats/model';
import { readEntry, readZipDirectory } from '../../src/core/formats/zip';
import { parseNetworkFile } from '../../src/cli/load';
import { diskIo, fixture, indexOf, MODELS, outcome } from './formats-helpers';

function errorOf(f: () => unknown): FormatError {
  try {
    f();
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  assert.fail('expected a FormatError');
}

test('every truncation of every format is a located error (and only the whole file reads)', () => {
  for (const name of ['mlp.safetensors', 'mlp.state_dict.pt', 'mlp.module.pt', 'mlp.npz', 'mlp.compressed.npz', 'mlp.onnx', 'mlp.0.weight.npy']) {
    const bytes = fixture(name);
    const seen = new Map<string, number>();
    for (let n = 0; n < bytes.length; n++) {
      const o = outcome(name, bytes.subarray(0, n));
      assert.notEqual(o, 'ok', `${name} cut to ${n} of ${bytes.length} bytes was accepted`);
      seen.set(o, (seen.get(o) ?? 0) + 1);
    }
    assert.equal(outcome(name, bytes), 'ok', name);
    assert.ok(seen.has('model-truncated') || seen.has('model-corrupt'), `${name}: ${[...seen]}`);
  }
});

test('safetensors: a header length, shape or offsets that lie are refused with where and what', () => {
  const bytes = fixture('mlp.safetensors');
  const lying = bytes.slice();
  new DataView(lying.buffer).setUint32(4, 256, true); // header length 2^40 + …
  assert.match(errorOf(() => indexOf('mlp.safetensors', lying)).message, /^mlp\.safetensors: the header length \(bytes 0–8\) says \d+ bytes, above the 100 MB safetensors allows/);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true))));
  const rewrite = (h: unknown, data = bytes.length) => {
    const json = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + json.length + data);
    new DataView(out.buffer).setUint32(0, json.length, true);
    out.set(json, 8);
    return out;
  };
  const ok = structuredClone(header);
  ok['4.bias'].data_offsets = [10_000, 10_004];
  const e2 = errorOf(() => indexOf('m.safetensors', rewrite(ok, 500)));
  assert.equal(e2.code, 'model-truncated');
  assert.equal(e2.message, 'm.safetensors: tensor "4.bias": data_offsets [10000, 10004] lie past the end of the data (500 bytes after the header): truncated, or the header lies');
  const shape = structuredClone(header);
  shape['0.weight'].shape = [8, 3];
  assert.equal(errorOf(() => indexOf('m.safetensors', rewrite(shape))).message, 'm.safetensors: tensor "0.weight": data_offsets [0, 64] hold 64 bytes but 24 F32 values need 96');
  const huge = structuredClone(header);
  huge['0.weight'].shape = [2 ** 40, 2 ** 40];
  assert.match(errorOf(() => indexOf('m.safetensors', rewrite(huge))).message, /more elements than can be counted/);
  // names are data: a tensor called __proto__ or constructor is just a name
  const protoText = `{"__proto__": ${JSON.stringify(header['0.weight'])}, "constructor": ${JSON.stringify(header['0.bias'])}}`;
  const json = new TextEncoder().encode(protoText);
  const protoBytes = new Uint8Array(8 + json.length + bytes.length);
  new DataView(protoBytes.buffer).setUint32(0, json.length, true);
  protoBytes.set(json, 8);
  const idx = indexOf('m.safetensors', protoBytes);
  assert.deepEqual(idx.tensors.map((t) => t.name), ['__proto__', 'constructor']);
});

test('zip bombs are refused by the declared size before inflating, and stopped at the declared size when it lies', () => {
  // an .npz whose one member inflates to 16 MB of zeros behind a valid header for a 2-value array
  const header = new TextEncoder().encode("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }".padEnd(118, ' ') + '\n');
  const npy = new Uint8Array(10 + header.length + 16 * 1024 * 1024);
  npy.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  npy.set(header, 10);
  const zip = zipSync({ 'w.npy': [npy, { level: 9 }] });
  assert.ok(zip.length < 64 * 1024, `${zip.length} bytes compressed`);
  // the central directory's uncompressed size (offset 24 of the record) said to be 145 bytes: exactly the
  // header and the 2 values; inflation stops as soon as the output passes that
  const dirAt = findSignature(zip, 0x02014b50);
  const lying = zip.slice();
  new DataView(lying.buffer).setUint32(dirAt + 24, 145, true);
  const idx = indexOf('bomb.npz', lying);
  assert.equal(errorOf(() => readTensor(idx, idx.tensors[0])).message, 'bomb.npz, archive member "w.npy" inflates to more than its declared 145 bytes (a zip bomb, or a corrupt header); reading stopped');
  // declaring more than the tensor needs is refused before inflating
  new DataView(lying.buffer).setUint32(dirAt + 24, 200, true);
  const idx200 = indexOf('bomb.npz', lying);
  assert.equal(errorOf(() => readTensor(idx200, idx200.tensors[0])).message, 'bomb.npz, archive member "w.npy" declares 200 bytes, above the limit of 145 for one member (a zip bomb, or a tensor too large to read whole)');
  // declared 4 GB: refused from the number alone, before one byte is inflated
  const big = zip.slice();
  new DataView(big.buffer).setUint32(dirAt + 24, 0xfffffff0, true);
  const source = bytesSource('bomb.npz', big);
  const [entry] = readZipDirectory(source);
  assert.equal(entry.size, 0xfffffff0);
  assert.equal(errorOf(() => readEntry(source, entry, 1 << 30)).message,
    'bomb.npz, archive member "w.npy" declares 4294967280 bytes, above the limit of 1073741824 for one member (a zip bomb, or a tensor too large to read whole)');
  // and a size DEFLATE cannot reach from the compressed bytes is a lie whatever the limit
  assert.match(errorOf(() => readEntry(source, entry, 2 ** 40)).message, /^bomb\.npz, archive member "w\.npy" declares 4294967280 bytes from \d+ compressed ones, more than DEFLATE can produce/);
});

function findSignature(b: Uint8Array, sig: number): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = b.length - 4; i >= 0; i--) if (v.getUint32(i, true) === sig) return i;
  throw new Error('no signature');
}

test('a pickle that names os.system is refused where it names it, and nothing runs (CLI exit 1, no file made)', () => {
  const hostile = path.join(MODELS, 'hostile.os-system.pt');
  const r = parseNetworkFile(hostile, diskIo);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.message]), [['model-refused',
    'hostile.os-system.pt, archive member "hostile/data.pkl", byte 16: the pickle names os.system, which Depth Lens refuses: pickles are parsed, never executed, and a checkpoint has no use for it (this file may be an attack)']]);
  // the real CLI in a fresh folder: exit 1, one located line, and the command's file never appears
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-pwn-'));
  try {
    let status = 0, stderr = '';
    try {
      execFileSync(process.execPath, ['--import', pathToFileURL(path.join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts'), 'info', hostile], { cwd, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = (e as { stderr: string }).stderr;
    }
    assert.equal(status, 1);
    assert.match(stderr, /hostile\.os-system\.pt:1:1: error: .*the pickle names os\.system.*\[model-refused\]/);
    assert.deepEqual(fs.readdirSync(cwd), []);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

test('pickles: every way to reach code is refused (eval, subprocess, STACK_GLOBAL, INST, REDUCE of an unknown callable, EXT)', () => {
  const opts = { where: 'p.pkl', reconstructors: DATA_RECONSTRUCTORS };
  const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));
  const cases: [Uint8Array, RegExp][] = [
    [bytes([0x80, 2], 'c__builtin__\neval\n', 'X', [4, 0, 0, 0], '1+1)', [0x85, 0x52, 0x2e]), /byte 2: the pickle names __builtin__\.eval, which Depth Lens refuses/],
    [bytes([0x80, 2], 'csubprocess\nPopen\n', [0x29, 0x52, 0x2e]), /names subprocess\.Popen/],
    [bytes([0x80, 4, 0x8c, 5], 'posix', [0x8c, 6], 'system', [0x93, 0x2e]), /byte 17: the pickle names posix\.system/],
    [bytes([0x28], 'ios\nsystem\n', [0x2e]), /names os\.system/],
    [bytes([0x80, 2], 'cnumpy.core.multiarray\n_reconstruct\n', [0x29, 0x52, 0x2e]), /the pickle calls numpy\.core\.multiarray\._reconstruct, which Depth Lens refuses/],
    [bytes([0x80, 2, 0x82, 1, 0x2e]), /copyreg extension registry/],
    [bytes([0x80, 2], 'cbuiltins\ngetattr\n', [0x2e]), /names builtins\.getattr/],
  ];
  for (const [b, re] of cases) {
    const e = errorOf(() => parsePickle(b, opts));
    assert.ok(e.code === 'model-refused', `${e.code}: ${e.message}`);
    assert.match(e.message, re);
  }
  // deep and long structures parse without recursion: 200 000 nested lists
  const deep = new Uint8Array(2 + 200_000 * 2 + 200_000 + 1);
  let k = 0;
  deep[k++] = 0x80; deep[k++] = 2;
  for (let i = 0; i < 200_000; i++) { deep[k++] = 0x5d; }
  for (let i = 0; i < 199_999; i++) deep[k++] = 0x61; // APPEND
  deep[k++] = 0x2e;
  const v = parsePickle(deep.subarray(0, k), opts) as { kind: string };
  assert.equal(v.kind, 'list');
  // memo references to missing entries, odd SETITEMS, unknown opcodes: corrupt, located
  assert.match(errorOf(() => parsePickle(bytes([0x80, 2, 0x68, 9, 0x2e]), opts)).message, /^p\.pkl, byte 2: the memo has no entry 9$/);
  assert.match(errorOf(() => parsePickle(bytes([0x80, 2, 0xff]), opts)).message, /^p\.pkl, byte 2: unknown opcode 0xff$/);
  assert.match(errorOf(() => parsePickle(bytes([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f]), opts)).message, /^p\.pkl, byte 2: the pickle ends inside an opcode/);
});

test('legacy PyTorch files ask for a re-save; TorchScript and plain ZIPs say what they are', () => {
  assert.equal(errorOf(() => indexOf('mlp.legacy.pt')).message,
    'mlp.legacy.pt is a PyTorch checkpoint in the legacy format (torch < 1.6, or _use_new_zipfile_serialization=False): Depth Lens reads the ZIP format; re-save it with torch ≥ 1.6 (torch.save(torch.load(f), f))');
  assert.equal(errorOf(() => indexOf('m.pt', zipSync({ 'm/constants.pkl': new Uint8Array(1), 'm/code/x.py': new Uint8Array(1) }))).code, 'model-unsupported');
  assert.equal(errorOf(() => indexOf('m.pt', zipSync({ 'readme.txt': new Uint8Array(1) }))).message, 'm.pt is a ZIP archive without data.pkl: not a PyTorch checkpoint');
  assert.equal(errorOf(() => indexOf('m.pt', new TextEncoder().encode('hello'))).message, 'm.pt is not a PyTorch checkpoint: it is not a ZIP archive (torch.save writes one since torch 1.6)');
});

test('NumPy: object arrays are refused (they are pickles); a shape that lies about the data is located', () => {
  const npy = (descr: string, shape: string, data: number) => {
    const h = new TextEncoder().encode(`{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`.padEnd(118, ' ') + '\n');
    const b = new Uint8Array(10 + h.length + data);
    b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length, 0]);
    b.set(h, 10);
    return b;
  };
  assert.equal(errorOf(() => indexOf('o.npy', npy('|O', '(2,)', 16))).message, "o.npy holds Python objects (dtype '|O'), stored as pickles; Depth Lens never unpickles");
  assert.equal(errorOf(() => indexOf('s.npy', npy('<f4', '(1000, 1000)', 16))).message, 's.npy: shape (1000, 1000) of F32 needs 4000129 bytes but the file has 145 (truncated, or the header lies)');
  assert.match(errorOf(() => indexOf('x.npy', npy('<f4', '__import__("os")', 0))).message, /^x\.npy: a string, True, False or a tuple was expected at character \d+ of the header$/);
});

test('ONNX: a lying length, external data past its file, and external data outside the folder are located errors', () => {
  const bytes = fixture('mlp.onnx');
  const flipped = bytes.slice();
  flipped[3] = 0xff; flipped[4] = 0xff; flipped[5] = 0xff; flipped[6] = 0x0f;
  const e = errorOf(() => indexOf('mlp.onnx', flipped));
  assert.ok(['model-truncated', 'model-corrupt'].includes(e.code), e.message);
  assert.match(e.message, /^mlp\.onnx is not a readable ONNX model/);
  const ext = fixture('mlp.external.onnx');
  const short = { open: (p: string) => bytesSource(p, fixture(p).subarray(0, 100)) };
  assert.match(errorOf(() => indexOf('mlp.external.onnx', ext, short)).message, /needs bytes \d+–\d+ of mlp\.external\.onnx\.data, which has 100 bytes$/);
  // through the CLI: the sibling is opened under the external-file rules (here: it is missing)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-onnx-'));
  try {
    fs.copyFileSync(path.join(MODELS, 'mlp.external.onnx'), path.join(tmp, 'm.onnx'));
    const r = parseNetworkFile(path.join(tmp, 'm.onnx'), diskIo);
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['external-missing']);
    assert.match(r.diagnostics[0].message, /refers to "mlp\.external\.onnx\.data", which does not exist/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
