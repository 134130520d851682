import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIAGNOSTIC_CODES } from '../../src/core/network/diagnostics';

// diagnostics link to README.md#diagnostic-<code>: every code needs its anchor there
test('README documents every diagnostic code with an anchor', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const missing = Object.keys(DIAGNOSTIC_CODES).filter((code) => !readme.includes(`<a id="diagnostic-${code}"></a>`));
  assert.deepEqual(missing, []);
});

test('package.json contributes a command for every panel and registers each command id once', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const ids: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ['depthLens.openOverview', 'depthLens.openActivations', 'depthLens.openConvergence', 'depthLens.openDepthPlots', 'depthLens.openTraining']) assert.ok(ids.includes(id), id);
  assert.equal(pkg.devDependencies['@types/vscode'], pkg.engines.vscode.replace(/^\^/, ''), '@types/vscode is pinned to the engine minimum');
});
