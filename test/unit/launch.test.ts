/**
 * The launcher of the Node bundles (src/worker/launch.ts): a bundle loaded through it runs as if
 * required (exports, __filename, require of its neighbours), the first run writes a V8 code cache
 * in a per-user 0700 folder of the temp directory, the next run uses it, and a changed bundle gets
 * a new cache instead of a rejected one. Each run is a fresh `node` process (the cache is written
 * when a process exits), with TMPDIR pointing at a folder of the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const launch = path.join(__dirname, '..', '..', 'src', 'worker', 'launch.ts');

function load(tmp: string, bundle: string): { cache: string; value: unknown } {
  const code = `require('tsx/cjs'); const r = require(${JSON.stringify(launch)}).loadWithCodeCache(${JSON.stringify(bundle)}); console.log(JSON.stringify({ cache: r.cache, value: r.exports.value }));`;
  const run = spawnSync(process.execPath, ['-e', code], { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8', cwd: path.join(__dirname, '..', '..') });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as { cache: string; value: unknown };
}

test('a bundle loaded through the launcher runs as if required, and its code cache is written once and then used', (t) => {
  if (typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function') {
    t.skip('this Node has module.enableCompileCache, which the launcher uses instead');
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-launch-'));
  try {
    const bundle = path.join(tmp, 'demo-main.js');
    fs.writeFileSync(path.join(tmp, 'helper.js'), 'module.exports = 20;\n');
    fs.writeFileSync(bundle, '#!/usr/bin/env node\nconst path = require("node:path");\nexports.value = [require("./helper.js") + 22, path.basename(__filename)];\n');
    assert.deepEqual(load(tmp, bundle), { cache: 'none', value: [42, 'demo-main.js'] });
    const dir = fs.readdirSync(tmp).find((f) => f.startsWith('depth-lens-v8-cache'))!;
    assert.ok(dir, 'cache folder made');
    assert.equal(fs.statSync(path.join(tmp, dir)).mode & 0o777, 0o700);
    assert.equal(fs.readdirSync(path.join(tmp, dir)).filter((f) => f.endsWith('.bin')).length, 1);
    assert.deepEqual(load(tmp, bundle), { cache: 'used', value: [42, 'demo-main.js'] });
    fs.appendFileSync(bundle, 'exports.value.push("changed");\n');
    assert.deepEqual(load(tmp, bundle), { cache: 'none', value: [42, 'demo-main.js', 'changed'] });
    // a cache folder that others can write is not trusted
    fs.chmodSync(path.join(tmp, dir), 0o777);
    assert.deepEqual(load(tmp, bundle).cache, 'unavailable');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
