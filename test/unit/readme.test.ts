import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
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

/** Shell words of a README command line: whitespace-separated, '…' and "…" quoting, no expansion. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

/** Every `node dist/cli.js …` line inside the README's fenced code blocks, with its expected exit code. */
function readmeCliLines(readme: string): Array<{ line: number; argv: string[]; exitCode: number }> {
  const out: Array<{ line: number; argv: string[]; exitCode: number }> = [];
  let fenced = false;
  readme.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) { fenced = !fenced; return; }
    if (!fenced) return;
    const m = text.match(/^\s*node dist\/cli\.js\s+(.*)$/);
    if (!m) return;
    const hash = m[1].indexOf(' #');
    const command = hash >= 0 ? m[1].slice(0, hash) : m[1];
    const comment = hash >= 0 ? m[1].slice(hash) : '';
    // a comment may document a non-zero exit code: "… # … exits 1"
    const documented = comment.match(/\bexits? (\d+)/);
    out.push({ line: i + 1, argv: shellWords(command), exitCode: documented ? Number(documented[1]) : 0 });
  });
  return out;
}

test('every `node dist/cli.js …` line of the README runs as written (in-process through main, paths from the repo root)', async () => {
  const root = path.join(__dirname, '..', '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const lines = readmeCliLines(readme);
  assert.ok(lines.length >= 2, `expected the README's CLI examples, found ${lines.length}`);
  const written = fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-readme-'));
  const io: CliIo = {
    readFile: (p) => fs.readFileSync(path.resolve(root, p)),
    // an example that writes a file (e.g. --svg out.svg) writes into a scratch folder, never the repo
    writeFile: (p, d) => fs.writeFileSync(path.join(written, path.basename(p)), d),
    progress: () => undefined,
  };
  try {
    for (const l of lines) {
      const r = await main(l.argv, io);
      assert.equal(r.exitCode, l.exitCode, `README.md:${l.line}: depth-lens ${l.argv.join(' ')} exited ${r.exitCode}\n${r.stderr}${r.stdout.slice(0, 2000)}`);
      assert.ok(r.stdout.length > 0, `README.md:${l.line}: no output`);
    }
  } finally {
    fs.rmSync(written, { recursive: true, force: true });
  }
});

test('readmeCliLines finds commands only inside code blocks and reads the documented exit code', () => {
  const text = ['node dist/cli.js info outside.json', '```sh', 'node dist/cli.js info a.json', "node dist/cli.js check 'b c.json'   # prints errors; exits 1", '```'].join('\n');
  assert.deepEqual(readmeCliLines(text), [
    { line: 3, argv: ['info', 'a.json'], exitCode: 0 },
    { line: 4, argv: ['check', 'b c.json'], exitCode: 1 },
  ]);
});
