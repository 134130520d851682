// The folder `npm start` opens: a fresh copy of examples/ outside the repository (issue 15), so edits
// made while exploring — the workbench saves on its own — never land in the checkout.
//
// One folder per user and checkout, at the same path every start (the workbench keeps its open
// editors and layout for a folder path), copied afresh each start. The OS temp directory is shared
// between users, so a folder already at that path is reused only if it is a real directory of ours:
// a symbolic link or someone else's folder is refused, never followed or emptied.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The playground folder for this checkout under `base`: depth-lens-playground-<user>-<hash of the checkout path>. */
export function playgroundPath({ base = os.tmpdir(), repo = repoRoot } = {}) {
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username.replace(/[^\w-]/g, '_');
  const hash = crypto.createHash('sha256').update(path.resolve(repo)).digest('hex').slice(0, 8);
  return path.join(base, `depth-lens-playground-${user}-${hash}`);
}

/**
 * Copies `source` (default: the repository's examples/) to the playground folder under `base`,
 * replacing what an earlier start left there; returns the folder. Throws with a clear message when
 * the path is taken by something that is not our own directory.
 */
export function preparePlayground({ source = path.join(repoRoot, 'examples'), base = os.tmpdir(), repo = repoRoot } = {}) {
  const target = playgroundPath({ base, repo });
  const inside = path.relative(path.resolve(repo), target);
  if (inside === '' || (!inside.startsWith('..') && !path.isAbsolute(inside))) {
    throw new Error(`the playground ${target} would be inside the repository ${repo}; choose a base folder outside it`);
  }
  let existing;
  try {
    existing = fs.lstatSync(target);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  if (existing) {
    if (!existing.isDirectory()) throw new Error(`${target} exists and is not a directory (a symbolic link or a file): remove it, or pass --folder`);
    if (typeof process.getuid === 'function' && existing.uid !== process.getuid()) {
      throw new Error(`${target} belongs to another user (uid ${existing.uid}): remove it, or pass --folder`);
    }
    fs.rmSync(target, { recursive: true, force: true });
  }
  fs.mkdirSync(target, { mode: 0o700 });
  fs.cpSync(source, target, { recursive: true, verbatimSymlinks: true });
  return target;
}
