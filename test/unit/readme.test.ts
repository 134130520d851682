import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { DIAGNOSTIC_CODES } from '../../src/core/network/diagnostics';
import { anchorLine } from '../../src/host/panels/anchors';

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

test('every relative link and image of the README exists and ships in the .vsix (the installed extension page has no broken links)', () => {
  const root = path.join(__dirname, '..', '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const targets = [...readme.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
  for (const t of ['docs/MATH.md', 'media/screenshots/activations.png', 'docs/network-format.md']) assert.ok(targets.includes(t), `README links ${t}`);
  // `vsce ls` applies .vscodeignore to the files present: it needs no build for these
  const listed = spawnSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  const shipped = new Set(listed.stdout.trim().split('\n'));
  for (const t of new Set(targets)) {
    assert.ok(fs.existsSync(path.join(root, t)), `README.md links ${t}, which does not exist`);
    assert.ok(shipped.has(t), `README.md links ${t}, which .vscodeignore leaves out of the .vsix`);
  }
  assert.ok(!shipped.has('dist/cli.js'), 'the CLI bundle does not ship in the extension');
});

test('every MATH.md section cited in the README, the sources and the panels exists in docs/MATH.md, with its anchor', () => {
  const root = path.join(__dirname, '..', '..');
  const math = fs.readFileSync(path.join(root, 'docs', 'MATH.md'), 'utf8');
  const files = ['README.md', ...['src', 'webview'].flatMap((d) => fs.readdirSync(path.join(root, d), { recursive: true, encoding: 'utf8' }).map((f) => path.join(d, f)))]
    .filter((f) => /\.(ts|md)$/.test(f));
  const cited = new Set<string>();
  for (const f of files) {
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    // "MATH.md §A", "MATH.md §A, §B", "MATH.md §A and §B", "MATH.md section C"
    for (const m of text.matchAll(/MATH\.md((?:(?:,|;| and|,? or)?\s*(?:§|section )[A-Z]\b)+)/g)) {
      for (const s of m[1].matchAll(/(?:§|section )([A-Z])\b/g)) cited.add(s[1]);
    }
  }
  assert.ok(cited.size >= 5, `found citations of ${[...cited].join(', ')}`);
  const lines = math.split('\n');
  for (const letter of cited) {
    const at = anchorLine(lines, letter);
    assert.match(lines[at], new RegExp(`^## ${letter}\\. `), `MATH.md §${letter} is cited but docs/MATH.md has no section ${letter}`);
    assert.equal(lines[at - 1], `<a id="section-${letter.toLowerCase()}"></a>`);
  }
});

test('anchorLine finds README heading slugs, explicit anchors and MATH.md section letters (top of file otherwise)', () => {
  const lines = ['# Depth Lens', '', '## The `depth-lens` command line', '<a id="convergence-verdicts"></a>', '### Convergence as depth → ∞ (MATH.md §A, §B)', '## C. Depth degeneracy: the angle'];
  assert.equal(anchorLine(lines, 'the-depth-lens-command-line'), 2);
  assert.equal(anchorLine(lines, 'convergence-verdicts'), 3);
  assert.equal(anchorLine(lines, 'convergence-as-depth---mathmd-a-b'), 4);
  assert.equal(anchorLine(lines, 'C'), 5);
  assert.equal(anchorLine(lines, 'D'), 0);
  assert.equal(anchorLine(lines, ''), 0);
});
