// The packaged extension, not the source tree: `npm run package` builds a .vsix, code-server installs
// it like a user would (--install-extension), and in a workbench without extensionDevelopmentPath the
// code lens appears and the Network overview opens with its table.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readInstall, repoRoot } from '../../scripts/code-server.mjs';
import { scaled, Workbench } from './harness';

describe('the packaged .vsix', { timeout: scaled(300_000) }, () => {
  let wb: Workbench;
  let vsix: string;
  let installOutput = '';

  before(async () => {
    vsix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-vsix-')), 'depth-lens.vsix');
    const pack = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '-o', vsix], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(pack.status, 0, `vsce package failed:\n${pack.stdout}\n${pack.stderr}`);
    const install = readInstall();
    wb = await Workbench.open({
      extensionPath: null,
      beforeOpen: (server) => {
        const r = spawnSync(install.node, [install.entry, '--install-extension', vsix, '--extensions-dir', path.join(server.baseDir, 'extensions')], {
          encoding: 'utf8', env: { ...process.env, HOME: path.join(server.baseDir, 'home'), XDG_DATA_HOME: path.join(server.baseDir, 'xdg-data'), XDG_CONFIG_HOME: path.join(server.baseDir, 'xdg-config') },
        });
        installOutput = `${r.stdout}\n${r.stderr}`;
        assert.equal(r.status, 0, `install failed:\n${installOutput}`);
      },
    });
  });
  after(async () => { await wb?.close(); if (vsix) fs.rmSync(path.dirname(vsix), { recursive: true, force: true }); });

  it('ships only the bundles the extension loads, media with the README screenshots, schema and docs', () => {
    const list = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
    if (list.status !== 0) return; // unzip missing: test/unit/readme.test.ts checks the listing with `vsce ls`
    const files = list.stdout.trim().split('\n');
    for (const f of ['dist/extension.js', 'dist/worker.js', 'dist/webview/overview.js', 'docs/MATH.md', 'media/screenshots/overview.png']) {
      assert.ok(files.includes(`extension/${f}`), `${f} missing from ${files.join(', ')}`);
    }
    const stray = files.filter((f) => f.startsWith('extension/') && !/^extension\/(package\.json|readme\.md|changelog\.md|LICENSE\.txt|dist\/(extension|worker|worker-main|pool|pool-main|webview\/\w+)\.js|dist\/.*\.(css|ttf)|media\/(screenshots\/)?[^/]+\.(css|svg|png)|schemas\/.*|docs\/.*)$/.test(f));
    assert.deepEqual(stray, [], 'nothing else ships (no dist/cli.js, no source maps)');
  });

  it('installs into the test VS Code and opens the overview', async () => {
    assert.match(installOutput, /successfully installed/i);
    await wb.openFile('small.network.json');
    const lenses = await wb.codeLenses(2);
    assert.ok(lenses.some((t) => t.includes('2 layers · widths 2 (×2), 1 · 9 parameters')), lenses.join(' | '));
    await wb.runCommand('Depth Lens: Open Network Overview');
    const rows = wb.webview().locator('[data-testid=layer-table] vscode-table-row');
    await rows.nth(1).waitFor({ state: 'visible', timeout: scaled(60_000) });
    assert.equal(await rows.count(), 2);
    await wb.screenshot('vsix-overview');
  });
});
