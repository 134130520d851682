/**
 * Issue 15, "a safe playground": `npm start` opens a copy of examples/ outside the repository
 * (scripts/playground.mjs), so the auto-saving workbench never edits the checkout. The copy is made
 * under a scratch base folder here, not the real temp-directory playground.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { playgroundPath, preparePlayground } from '../../scripts/playground.mjs';

const repo = path.join(__dirname, '..', '..');
const examples = path.join(repo, 'examples');

/** relative path → sha256 of every file under `dir` (symbolic links by their target text) */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = path.join(dir, rel);
    const st = fs.lstatSync(full);
    if (st.isDirectory()) continue;
    const bytes = st.isSymbolicLink() ? Buffer.from(`-> ${fs.readlinkSync(full)}`) : fs.readFileSync(full);
    out.set(rel, crypto.createHash('sha256').update(bytes).digest('hex'));
  }
  return out;
}

function scratch(t: { after: (fn: () => void) => void }): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-playground-test-'));
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  return base;
}

test('the playground is a byte-identical copy of examples/ outside the repository, and the repository stays untouched', (t) => {
  const base = scratch(t);
  const before = tree(examples);
  assert.ok(before.has('canonical.network.json') && before.has('errors.network.json') && before.has('external-weights.bin'), [...before.keys()].join(', '));
  const dir = preparePlayground({ base });
  assert.equal(dir, playgroundPath({ base }));
  assert.equal(path.dirname(dir), base);
  assert.match(path.basename(dir), /^depth-lens-playground-[\w-]+-[0-9a-f]{8}$/);
  const rel = path.relative(fs.realpathSync(repo), fs.realpathSync(dir));
  assert.ok(rel.startsWith('..') || path.isAbsolute(rel), `${dir} is outside ${repo}`);
  assert.deepEqual(tree(dir), before);

  // what the workbench would do: save an edit, create a file — in the copy only
  const edited = path.join(dir, 'canonical.network.json');
  fs.writeFileSync(edited, '{ "edited": true }\n');
  fs.writeFileSync(path.join(dir, 'scratch.network.json'), '{}\n');
  assert.deepEqual(tree(examples), before, 'the repository examples are untouched');
  if (process.platform !== 'win32') assert.equal(fs.statSync(dir).mode & 0o777, 0o700, 'the folder is the user\'s alone');
});

test('every start copies afresh into the same folder: edits and new files from the last session are gone', (t) => {
  const base = scratch(t);
  const first = preparePlayground({ base });
  fs.writeFileSync(path.join(first, 'canonical.network.json'), 'edited');
  fs.writeFileSync(path.join(first, 'new.network.json'), '{}');
  fs.mkdirSync(path.join(first, 'sub'));
  const second = preparePlayground({ base });
  assert.equal(second, first, 'the same path every start (the workbench remembers its editors per folder)');
  assert.deepEqual(tree(second), tree(examples));
});

test('one playground per checkout: another repository path gets another folder', (t) => {
  const base = scratch(t);
  assert.notEqual(playgroundPath({ base, repo: '/a/checkout' }), playgroundPath({ base, repo: '/another/checkout' }));
  assert.equal(playgroundPath({ base, repo: '/a/checkout' }), playgroundPath({ base, repo: '/a/checkout/' }));
});

test('a symbolic link or a file at the playground path is refused, never followed or emptied', (t) => {
  const base = scratch(t);
  const victim = path.join(base, 'victim');
  fs.mkdirSync(victim);
  fs.writeFileSync(path.join(victim, 'keep.txt'), 'mine');
  const target = playgroundPath({ base });
  fs.symlinkSync(victim, target);
  assert.throws(() => preparePlayground({ base }), { message: `${target} exists and is not a directory (a symbolic link or a file): remove it, or pass --folder` });
  assert.equal(fs.readFileSync(path.join(victim, 'keep.txt'), 'utf8'), 'mine');
  assert.deepEqual(fs.readdirSync(victim), ['keep.txt']);
  fs.unlinkSync(target);
  fs.writeFileSync(target, 'a file');
  assert.throws(() => preparePlayground({ base }), /exists and is not a directory/);
  assert.equal(fs.readFileSync(target, 'utf8'), 'a file');
});

test('a base folder inside the repository is refused (the copy would be part of the checkout)', () => {
  assert.throws(() => preparePlayground({ base: path.join(repo, 'test-output') }), /would be inside the repository/);
});
