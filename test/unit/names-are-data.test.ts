/**
 * Names are data (issue 17, item 4; DESIGN "Names are data"): no lookup in src/ indexes a plain
 * object with a string that could come from a file or a message. The TypeScript checker finds every
 * `obj[key]` whose key has the wide type `string` (or any) on an object that is not an array, a typed
 * array or a string: such lookups must use a Map, or be listed below with the reason they are safe
 * (a null-prototype table, or a key checked with Object.hasOwn first). A lookup of "constructor" or
 * "__proto__" in a plain object finds a prototype member, which is how a TF.js activation named
 * "constructor" once ran as linear.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');

/** "file expression" → why the lookup is safe (no line numbers, so edits elsewhere do not break it; a stale entry fails). */
const ALLOWED = new Map<string, string>([
  ['src/core/network/external.ts files[k]', 'memoryFiles (tests, browser): guarded by Object.hasOwn(files, k)'],
  ['src/core/training/spec.ts own[key]', 'guarded by Object.hasOwn(own, key)'],
  ['src/host/panels/messages.ts o[key]', 'own(): guarded by Object.hasOwn(o, key)'],
  ['src/core/training/spec.ts params[key]', 'key is an own key of TRAINING_FIELDS (checked just before)'],
  ['src/core/training/spec.ts rates[k]', 'k is one of RATE_KEYS (checked just before)'],
  ['src/core/training/spec.ts params[head]', 'paths come from our own rules, never from the file'],
  ['src/core/training/spec.ts (v as Record<string, unknown>)[sub]', 'paths come from our own rules, never from the file'],
  ['src/cli/commands/convergence.ts unavailable[key]', 'an Object.create(null) table with keys written in the code'],
  ['src/cli/commands/train.ts out[k]', 'keys of the typed options object the CLI builds itself'],
  ['src/worker/launch.ts internals._cache[file]', "Node's own module cache, keyed by an absolute path"],
  ['src/worker/transfer.ts out[k]', 'a "__proto__" key is defined as a plain property (Object.defineProperty), never assigned'],
]);

function findings(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const files = config.fileNames.filter((f) => f.startsWith(path.join(ROOT, 'src') + path.sep) && !f.endsWith('.d.ts') && !f.includes('onnx.pb'));
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const out: string[] = [];
  const wide = (t: ts.Type): boolean => (t.flags & (ts.TypeFlags.String | ts.TypeFlags.Any)) !== 0 || (t.isUnion() && t.types.some(wide));
  const indexable = (t: ts.Type): boolean => {
    const s = checker.getApparentType(t);
    if (checker.isArrayType(s) || checker.isTupleType(s) || (s.flags & ts.TypeFlags.StringLike)) return true;
    const name = s.getSymbol()?.getName() ?? '';
    return /^(Float(32|64)|U?Int(8|16|32)|Uint8Clamped|Big(U?)Int64)Array$|^(ArrayLike|ReadonlyArray|Array)$/.test(name) || (s.isUnion() && s.types.every(indexable));
  };
  for (const sf of program.getSourceFiles()) {
    if (!files.includes(sf.fileName)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isElementAccessExpression(node)) {
        const keyType = checker.getTypeAtLocation(node.argumentExpression);
        const objType = checker.getTypeAtLocation(node.expression);
        if (wide(keyType) && !indexable(objType)) {
          out.push(`${path.relative(ROOT, sf.fileName)} ${node.getText().slice(0, 80)}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

test('no plain-object lookup keyed by a string in src/ (TypeScript checker; Maps or listed null-prototype tables only)', () => {
  const found = findings();
  const unexplained = found.filter((f) => !ALLOWED.has(f));
  assert.deepEqual(unexplained, [], 'use a Map (or Object.create(null) with Object.hasOwn, listed in ALLOWED with its reason)');
  const stale = [...ALLOWED.keys()].filter((k) => !found.includes(k));
  assert.deepEqual(stale, [], 'entries of ALLOWED that no longer occur');
});
