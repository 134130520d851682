/**
 * The CLI's reading of network files (src/cli/load.ts, check, info): the file is examined before it
 * is read, problem lines always carry file:line:col, one default size limit for CLI and editor, and
 * files with very many problems or layers print without overflowing the stack.
 */
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkCommand } from '../../src/cli/commands/check';
import { infoCommand } from '../../src/cli/commands/info';
import { DEFAULT_MAX_SIZE_MB, parseNetworkFile } from '../../src/cli/load';
import { nodeIo as makeNodeIo, ProgressLine } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { DEFAULT_MAX_FILE_SIZE_MB } from '../../src/core/network/limits';

/** the CLI's real file access; progress goes nowhere (not a TTY) */
const nodeIo = makeNodeIo(new ProgressLine({ isTTY: false, write: () => true }));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-load-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** nodeIo that records every whole-file read */
function recordingIo(): CliIo & { reads: string[] } {
  const reads: string[] = [];
  return { ...nodeIo, reads, readFile: (p) => { reads.push(p); return nodeIo.readFile(p); } };
}

test('one default size limit: the CLI uses the editor setting\'s default (package.json)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  assert.equal(pkg.contributes.configuration.flatMap((c: { properties: object }) => Object.entries(c.properties)).find(([k]: [string]) => k === 'depthLens.maxFileSizeMB')[1].default, DEFAULT_MAX_FILE_SIZE_MB);
  assert.equal(DEFAULT_MAX_SIZE_MB, DEFAULT_MAX_FILE_SIZE_MB);
});

test('a file above the limit is refused from its size alone, without reading it', () => {
  const big = path.join(tmp, 'big.network.json');
  fs.writeFileSync(big, new Uint8Array(0));
  fs.truncateSync(big, 3 * 1024 ** 3); // 3 GiB, sparse: reading it would take seconds and gigabytes
  const io = recordingIo();
  const r = parseNetworkFile(big, io);
  assert.deepEqual(io.reads, []);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.message]), [['file-too-large',
    `${big} is 3.00 GB, above the limit of 64.0 MB; raise it with --max-size-mb (editor: setting depthLens.maxFileSizeMB), or store the weights in an external binary file`]]);
  // tiny limits are written in bytes, not "0.0 MB"
  const small = path.join(tmp, 'small.network.json');
  fs.writeFileSync(small, '{"format": "depth-lens/network@1", "input": {"dim": 1}, "layers": []}');
  assert.match(parseNetworkFile(small, io, { maxSizeMB: 0.00005 }).diagnostics[0].message, / is 69 bytes, above the limit of 52 bytes;/);
});

test('unreadable files (missing, a directory, a FIFO) print as FILE:1:1: error: … [file-unreadable]', async () => {
  const fifo = path.join(tmp, 'fifo.network.json');
  execFileSync('mkfifo', [fifo]);
  const missing = path.join(tmp, 'nope.network.json');
  const r = await checkCommand.run([missing, tmp, fifo], recordingIo());
  assert.equal(r.exitCode, 1);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), [
    `${missing}:1:1: error: cannot read ${missing}: no such file [file-unreadable]`,
    `${tmp}:1:1: error: cannot read ${tmp}: it is a directory, not a regular file [file-unreadable]`,
    `${fifo}:1:1: error: cannot read ${fifo}: it is a FIFO, not a regular file [file-unreadable]`,
    '3 files checked: 3 errors, 0 warnings',
  ]);
  await assert.rejects(async () => checkCommand.run(['--max-size-mb', '0x10', missing], nodeIo), /--max-size-mb must be a positive number, not '0x10'/);
});

test('check prints a file with 10⁵ problems (1000 listed + a count) and counts them all', async () => {
  const file = path.join(tmp, 'junk.network.json');
  fs.writeFileSync(file, '{"format":"depth-lens/network@1","input":{"dim":1},"layers":[' + Array(100_000).fill('{"type":"x"}').join(',') + ']}');
  const r = await checkCommand.run([file], nodeIo);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1002);
  assert.match(lines[1000], /^.*:1:\d+: error: 99000 more errors from here on are not listed; only the first 1000 problems are shown \[too-many-problems\]$/);
  assert.equal(lines[1001], '1 file checked: 100000 errors, 0 warnings');
  const json = JSON.parse((await checkCommand.run(['--json', file], nodeIo)).stdout);
  assert.equal(json.errors, 100_000);
  assert.equal(json.files[0].diagnostics.length, 1001);
});

test('info --all prints a 300 000-layer family (no spread of 300 000 rows into one call)', async () => {
  const file = path.join(tmp, 'fam.network.json');
  fs.writeFileSync(file, JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 1 }, layers: [{ type: 'family', count: 300_000, weights: { identity: 1 }, activation: 'linear' }] }));
  const r = await infoCommand.run([file, '--all'], nodeIo);
  assert.equal(r.exitCode, 0);
  const rows = r.stdout.split('\n').filter((l) => /^\d+\s+family/.test(l));
  assert.equal(rows.length, 300_000);
  assert.match(r.stdout, /depth 300000, output dim 1, widths 1 \(×300001\), 600000 parameters/);
});
