/**
 * The CLI takes checkpoints wherever it takes a network file (info, activations, check, convergence
 * through a network file that references tensors), with the same exit codes; and files are opened once
 * and read from that handle (a file swapped or grown after it was examined is never the one read).
 */
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { FolderFiles } from '../../src/core/network/external';
import { nodeFileSystem } from '../../src/worker/nodeFiles';
import { diskIo, maxRelative, MODELS, RECORDED } from './formats-helpers';

const at = (f: string) => path.join(MODELS, f);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-formats-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('depth-lens info reads .safetensors, .pt, .onnx and .npz: the inferred layers, as text and --json', async () => {
  for (const f of ['mlp.safetensors', 'mlp.state_dict.pt', 'mlp.module.pt', 'mlp.onnx', 'mlp.npz']) {
    const r = await main(['info', at(f), '--json'], diskIo);
    assert.equal(r.exitCode, 0, `${f}: ${r.stderr}`);
    const json = JSON.parse(r.stdout);
    assert.deepEqual(json.rows.map((row: { shape: string; activation: string }) => `${row.shape} ${row.activation}`), ['8×2 relu', '8×8 relu', '1×8 linear'], f);
    assert.equal(json.summary.parameterCount, 105);
  }
  const text = await main(['info', at('resnet.onnx')], diskIo);
  assert.equal(text.exitCode, 0);
  assert.match(text.stdout, /^2 +residual +6→3→6 +relu /m);
  assert.match(text.stdout, /^depth 5, output dim 2, widths 3, 6 \(×4\), 2, 277 parameters$/m);
});

test('depth-lens activations model.pt --input 0.3,-0.7 --json gives torch\'s output', async () => {
  for (const f of ['mlp.module.pt', 'trained.module.pt', 'mlp.state_dict.pt']) {
    const r = await main(['activations', at(f), '--input', '0.3,-0.7', '--json'], diskIo);
    assert.equal(r.exitCode, 0, r.stderr);
    const rec = RECORDED[f];
    assert.deepEqual(rec.inputs![0], [0.3, -0.7]);
    assert.ok(maxRelative(JSON.parse(r.stdout).output, rec.outputs![0]) <= 1e-6, `${f}: ${JSON.parse(r.stdout).output} vs torch ${rec.outputs![0]}`);
  }
});

test('a refused or broken checkpoint exits 1 like any bad file, one located line each', async () => {
  const r = await main(['check', at('hostile.os-system.pt'), at('mlp.legacy.pt'), at('mlp.safetensors')], diskIo);
  assert.equal(r.exitCode, 1);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], new RegExp(`^${at('hostile.os-system.pt').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:1: error: .*names os\\.system.* \\[model-refused\\]$`));
  assert.match(lines[1], /mlp\.legacy\.pt:1:1: error: .*re-save it with torch ≥ 1\.6.* \[model-legacy\]$/);
  assert.match(lines[2], /mlp\.safetensors:1:1: information: .*carries no architecture.* \[model-chain\]$/);
  const info = await main(['info', at('hostile.os-system.pt')], diskIo);
  assert.equal(info.exitCode, 1);
  assert.match(info.stderr, /^depth-lens info: .*hostile\.os-system\.pt has 1 error:\n.*\[model-refused\]\n$/);
});

test('depth-lens convergence runs on a network file whose weights reference a .safetensors file', async () => {
  const r = await main(['convergence', at('resnet.network.json'), '--json'], diskIo);
  assert.equal(r.exitCode, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.ok(json.verdicts ?? json.result ?? json, 'a JSON document');
  const text = await main(['convergence', at('resnet.network.json')], diskIo);
  assert.equal(text.exitCode, 0, text.stderr);
});

test('one snapshot per read: kind, size and folder are judged on the open handle, and reads come from it', () => {
  const folder = path.join(tmp, 'snap');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'w.bin'), new Uint8Array([1, 2, 3, 4]));
  const files = new FolderFiles(folder, nodeFileSystem);
  assert.deepEqual(files.stat('w.bin'), { kind: 'file', size: 4 });
  // replaced after it was examined: the examined file is the one read
  fs.writeFileSync(path.join(folder, 'other.bin'), new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]));
  fs.renameSync(path.join(folder, 'other.bin'), path.join(folder, 'w.bin'));
  assert.deepEqual(Array.from(files.read('w.bin', 0, 4)), [1, 2, 3, 4]);
  files.close();
  // a symbolic link swapped to point outside after the check cannot redirect the read
  const outside = path.join(tmp, 'secret.bin');
  fs.writeFileSync(outside, new Uint8Array([7, 7, 7, 7]));
  fs.writeFileSync(path.join(folder, 'real.bin'), new Uint8Array([5, 6, 7, 8]));
  fs.symlinkSync('real.bin', path.join(folder, 'link.bin'));
  const again = new FolderFiles(folder, nodeFileSystem);
  assert.deepEqual(again.stat('link.bin'), { kind: 'file', size: 4 });
  fs.rmSync(path.join(folder, 'link.bin'));
  fs.symlinkSync(outside, path.join(folder, 'link.bin'));
  assert.deepEqual(Array.from(again.read('link.bin', 0, 4)), [5, 6, 7, 8]);
  again.close();
  // judged on the opened file's real path: the link now leads out and is refused
  assert.deepEqual(new FolderFiles(folder, nodeFileSystem).stat('link.bin'), { kind: 'outside', target: outside });
  // a FIFO is opened without blocking and refused by its kind
  execFileSync('mkfifo', [path.join(folder, 'pipe.bin')]);
  assert.deepEqual(new FolderFiles(folder, nodeFileSystem).stat('pipe.bin'), { kind: 'not-file', what: 'a FIFO' });
});

test('the CLI opens a network file once: a file grown past the limit after the check is read at the checked size', () => {
  const file = path.join(tmp, 'grow.network.json');
  const doc = JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 1 }, layers: [{ type: 'dense', weights: [[2]], activation: 'linear' }] });
  fs.writeFileSync(file, doc);
  const opened = nodeFileSystem.open!(file)!;
  fs.appendFileSync(file, ' '.repeat(1000));
  assert.equal(opened.info.size, doc.length);
  assert.equal(new TextDecoder().decode(opened.read(0, opened.info.size)), doc);
  opened.close();
});
