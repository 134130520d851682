#!/usr/bin/env node
/**
 * The tiny entry of each Node bundle (dist/cli.js, dist/worker.js, dist/pool.js): it loads the real
 * bundle beside it (`<name>-main.js`) through V8's code cache, so a start does not pay for compiling
 * half a megabyte of JavaScript again (~30 ms of a CLI call, more on a busy machine).
 *
 * Node ≥ 22.1 has this built in (`module.enableCompileCache`), used when present. On older Node the
 * bundle is compiled here with `vm.Script` and `cachedData`: the cache is written once per bundle
 * version after the first run (so it also holds the functions that run compiled lazily), to a folder
 * of the OS temp directory that belongs to the current user alone (mode 0700, owner checked: a code
 * cache is code). Any problem with the cache just means a normal compile.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';

interface NodeModuleInternals {
  enableCompileCache?: () => unknown;
  wrap(source: string): string;
  _nodeModulePaths(dir: string): string[];
  _cache: Record<string, unknown>;
}

const internals = Module as unknown as NodeModuleInternals;

/** How a load used the cache: Node's own, V8 data read and accepted, rejected (stale), or none yet / unavailable. */
export type CacheUse = 'node' | 'used' | 'rejected' | 'none' | 'unavailable';

/** Loads `file` (a CommonJS bundle) with a code cache; returns its exports and how the cache was used. */
export function loadWithCodeCache(file: string): { exports: unknown; cache: CacheUse } {
  if (typeof internals.enableCompileCache === 'function') {
    try {
      internals.enableCompileCache();
    } catch {
      // no cache: a normal compile
    }
    return { exports: createRequire(file)(file), cache: 'node' };
  }
  // a bundle may start with a hashbang line, which is not JavaScript inside the module wrapper
  const source = fs.readFileSync(file, 'utf8').replace(/^#!/, '//');
  const cacheFile = cachePath(file, source);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(internals.wrap(source), { filename: file, cachedData });
  const mod = new Module(file) as Module & { filename: string; paths: string[]; loaded: boolean };
  mod.filename = file;
  mod.paths = internals._nodeModulePaths(path.dirname(file));
  internals._cache[file] = mod;
  const wrapper = script.runInThisContext({ displayErrors: true }) as (exports: unknown, require: NodeRequire, module: Module, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    const save = () => writeCache(cacheFile, script);
    // after the run, so the functions it compiled lazily are in the cache too
    if (isMainThread) process.once('exit', save);
    else setTimeout(save, 3000).unref();
  }
  const cache: CacheUse = !cacheFile ? 'unavailable' : cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  return { exports: mod.exports, cache };
}

/** <tmp>/depth-lens-v8-cache-<uid>/<bundle>-<hash of Node version, arch and source>.bin, or undefined */
function cachePath(file: string, source: string): string | undefined {
  try {
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    const dir = path.join(os.tmpdir(), `depth-lens-v8-cache${uid === undefined ? '' : `-${uid}`}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) return undefined;
    const key = crypto.createHash('sha256').update(process.version).update(process.arch).update(source).digest('hex').slice(0, 24);
    return path.join(dir, `${path.basename(file, '.js')}-${key}.bin`);
  } catch {
    return undefined;
  }
}

function writeCache(cacheFile: string, script: vm.Script): void {
  try {
    const tmp = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(tmp, cacheFile);
  } catch {
    // a read-only or full temp folder: no cache
  }
}

// dist/<name>.js loads dist/<name>-main.js; the CLI's main module exports runAsCommand
if (require.main === module) {
  const target = path.join(__dirname, `${path.basename(__filename, '.js')}-main.js`);
  const loaded = loadWithCodeCache(target).exports as { runAsCommand?: () => void };
  if (typeof loaded.runAsCommand === 'function') loaded.runAsCommand();
}
