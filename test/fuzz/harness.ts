/**
 * The hostile-input fuzz layer (issue 17): text or bytes → parse → validate → one analysis with small
 * budgets, through the CLI's own commands on an in-memory file system. Seeds are real files (the
 * examples, the diagnostics corpus, the TF.js example, the checkpoint fixtures); mutations truncate,
 * flip bytes, make headers lie about sizes and offsets, and splice hostile tokens into JSON (extreme
 * numbers, prototype-member names, control characters, deep nesting, bad UTF-8).
 *
 * The property of every case: no exception escapes but a usage error or the located list of a file's
 * errors; no "internal error", no engine error (TypeError, call stack, invalid array length); every
 * diagnostic line `check` prints is located (`file:line:col: severity: message [code]`); exit 0, 1 or 2,
 * or 3 ("cannot decide": overflows float64) with its one stderr line naming the file and the layer.
 * Used by test/unit/fuzz.test.ts (a seeded slice) and scripts/fuzz.ts (`npm run fuzz`, ≥ 10⁵ cases).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { commands } from '../../src/cli/commands/index';
import { UsageError, type CliIo } from '../../src/cli/command';
import { escapeTerminal } from '../../src/cli/escape';
import { EXIT_OVERFLOW } from '../../src/cli/commands/exitCodes';
import { parseNetworkText } from '../../src/core/network/parse';
import { decodeNetworkBytes } from '../../src/core/network/encoding';
import { CORPUS } from '../unit/network-corpus';

const ROOT = path.join(__dirname, '..', '..');
const read = (p: string) => new Uint8Array(fs.readFileSync(path.join(ROOT, p)));
const enc = (s: string) => new TextEncoder().encode(s);

export interface Seed {
  /** the file's name (its extension picks the reader) */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** files beside it (external weights, TF.js shards), by name */
  readonly siblings: ReadonlyMap<string, Uint8Array>;
}

function jsonSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const f of fs.readdirSync(path.join(ROOT, 'examples'))) {
    if (!f.endsWith('.network.json')) continue;
    const siblings = new Map<string, Uint8Array>();
    if (f === 'external-weights.network.json') siblings.set('external-weights.bin', read('examples/external-weights.bin'));
    out.push({ name: f, bytes: read(`examples/${f}`), siblings });
  }
  for (const e of CORPUS) if (!e.options) out.push({ name: `corpus.network.json`, bytes: enc(e.text), siblings: new Map() });
  out.push({ name: 'model.json', bytes: read('examples/tfjs/model.json'), siblings: new Map([['group1-shard1of1.bin', read('examples/tfjs/group1-shard1of1.bin')]]) });
  return out;
}

export const BINARY_FIXTURES = ['mlp.safetensors', 'mlp.f16.safetensors', 'mlp.state_dict.pt', 'trained.module.pt', 'mlp.npz', 'mlp.compressed.npz', 'mlp.0.weight.npy', 'resnet.onnx', 'mlp.gemm-attributes.onnx', 'mlp.onnx'];

export const SEEDS: readonly Seed[] = [
  ...jsonSeeds(),
  ...BINARY_FIXTURES.map((f) => ({ name: f, bytes: read(`test/fixtures/models/${f}`), siblings: new Map<string, Uint8Array>() })),
];

/** Tokens spliced into JSON texts: the values and names hostile files use. */
const HOSTILE_TOKENS = [
  '1e308', '-1e308', '1e309', '4.9e-324', '1e-200', '1e200', '0', '-0', '100000', '100001', '10000000', '1e10', 'NaN', 'Infinity', '-Infinity', 'null', 'true', '"NaN"',
  '"constructor"', '"__proto__"', '"toString"', '"hasOwnProperty"', '"\\u001b]0;x\\u0007\\rFAKE"', '"\\u202e"', '[]', '{}', '[[]]', '[[1e308,1e308],[1e308,1e308]]',
  '"relu"', '"linear"', '"dense"', '"residual"', '"family"', '"random"', '"residual-family"', '"../x.bin"', '"/etc/passwd"',
  ',', ':', '[', ']', '{', '}', '"', '\\', ' ', '\n', '\u0000', '\ufeff', '//', '[[[[[[[[[[[[[[[[[[[[', '-', '.', 'e',
];

export type Mutation =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number[]; xor: number[] }
  | { kind: 'lie'; at: number; value: number; wide: boolean }
  | { kind: 'splice'; at: number; remove: number; token: number }
  | { kind: 'number'; nth: number; token: number }
  | { kind: 'string'; nth: number; token: number }
  | { kind: 'nest'; at: number; depth: number }
  | { kind: 'badUtf8'; at: number; byte: number };

const lies = (size: number) => fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, size, size + 1, size * 2), fc.nat());

function mutation(seed: Seed): fc.Arbitrary<Mutation> {
  const size = Math.max(seed.bytes.length, 9);
  const json = !BINARY_FIXTURES.includes(seed.name);
  const common = [
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: size - 1 }) }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat({ max: size - 1 }), { minLength: 1, maxLength: 8 }), xor: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 8, maxLength: 8 }) }),
  ];
  if (!json) return fc.oneof(...common, fc.record({ kind: fc.constant('lie' as const), at: fc.nat({ max: size - 9 }), value: lies(size), wide: fc.boolean() }));
  const token = fc.nat({ max: HOSTILE_TOKENS.length - 1 });
  return fc.oneof(
    { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 },
    { arbitrary: fc.oneof(...common), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('splice' as const), at: fc.nat({ max: size }), remove: fc.nat({ max: 4 }), token }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant('number' as const), nth: fc.nat({ max: 200 }), token }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('string' as const), nth: fc.nat({ max: 60 }), token }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant('nest' as const), at: fc.nat({ max: size }), depth: fc.constantFrom(999, 1000, 1001, 5000) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('badUtf8' as const), at: fc.nat({ max: size }), byte: fc.constantFrom(0x80, 0xbf, 0xc0, 0xed, 0xf5, 0xff, 0xfe) }), weight: 1 },
  );
}

/** The nth match of `re` in `text` (wrapping), replaced by `by`. */
function replaceNth(text: string, re: RegExp, nth: number, by: string): string {
  const matches = [...text.matchAll(re)];
  if (matches.length === 0) return text;
  const m = matches[nth % matches.length];
  return text.slice(0, m.index) + by + text.slice(m.index! + m[0].length);
}

export function apply(bytes: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'none': return bytes;
    case 'truncate': return bytes.slice(0, m.at);
    case 'flip': {
      const out = bytes.slice();
      m.at.forEach((at, i) => { if (at < out.length) out[at] ^= m.xor[i]; });
      return out;
    }
    case 'lie': {
      const out = bytes.slice();
      if (m.at + 8 > out.length) return out;
      const view = new DataView(out.buffer);
      view.setUint32(m.at, m.value >>> 0, true);
      if (m.wide) view.setUint32(m.at + 4, 0, true);
      return out;
    }
    case 'badUtf8': {
      const at = Math.min(m.at, bytes.length);
      return new Uint8Array([...bytes.subarray(0, at), m.byte, ...bytes.subarray(at)]);
    }
    default: break;
  }
  const text = new TextDecoder().decode(bytes);
  const token = 'token' in m ? HOSTILE_TOKENS[m.token] : '';
  let out: string;
  if (m.kind === 'splice') { const at = Math.min(m.at, text.length); out = text.slice(0, at) + token + text.slice(at + m.remove); }
  else if (m.kind === 'number') out = replaceNth(text, /-?\d+(\.\d+)?([eE][-+]?\d+)?/g, m.nth, token);
  else if (m.kind === 'string') out = replaceNth(text, /"(?:[^"\\]|\\.)*"/g, m.nth, token);
  else { const at = Math.min(m.at, text.length); out = text.slice(0, at) + '['.repeat(m.depth) + ']'.repeat(m.depth) + text.slice(at); }
  return enc(out);
}

/** A file system in memory for the CLI (the `io.readFile` path: stat and read by path). */
function memoryIo(files: ReadonlyMap<string, Uint8Array>): CliIo {
  return {
    readFile: (p) => {
      const f = files.get(p.replace(/^\.\//, ''));
      if (!f) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return f;
    },
    writeFile: () => undefined,
    progress: () => undefined,
  };
}

/** Small budgets: the analyses a case runs, with options that keep each one to milliseconds. */
const ANALYSES: readonly (readonly string[])[] = [
  ['check'], ['info'], ['activations'], ['regions', '--max-regions', '200', '--memory-mb', '16'], ['convergence'],
  ['spectrum', '--max-layers', '2', '--full-svd-max-flops', '1e6', '--top-k', '4'], ['degeneracy', '--trials', '16', '--seed', '1'],
  ['info', '--json'], ['check', '--json'],
];

/** Above these, a case only runs `check` (the analyses' own budgets are issue 17 item 2, not this layer). */
const SMALL = { parameters: 20_000, depth: 2_000, width: 64 };

export interface CaseResult {
  readonly command: string;
  readonly exitCode: number;
}

/** A failure of the property, with what to replay. */
export class FuzzFailure extends Error {}

const ENGINE_ERROR = /is not a function|is not iterable|Cannot read propert|Cannot set propert|undefined is not|Maximum call stack|Invalid (typed )?array length|Array buffer allocation failed|out of memory|internal error|Invalid string length|is not defined/i;
/** A stack frame (`    at f (file:1:2)` or `    at file:1:2`): case-sensitive, so a report line "  At all 5 probes" is not one. */
const STACK_FRAME = /\n\s+at (?:\S+ \()?[^\s()]+:\d+:\d+\)?/;
const engineError = (s: string) => ENGINE_ERROR.test(s) || STACK_FRAME.test(s);

/** Run one case: `seed` mutated by `m`, then `analysis` (an index into ANALYSES). Throws FuzzFailure on a bug. */
export async function runCase(seed: Seed, m: Mutation, analysis: number): Promise<CaseResult> {
  const bytes = apply(seed.bytes, m);
  const files = new Map(seed.siblings);
  files.set(seed.name, bytes);
  let argv = ANALYSES[analysis % ANALYSES.length];
  // big networks only get parsed and validated
  if (!BINARY_FIXTURES.includes(seed.name) && argv[0] !== 'check') {
    const decoded = decodeNetworkBytes(bytes, seed.name);
    const net = decoded.diagnostic ? undefined : parseNetworkText(decoded.text).network;
    if (net && (net.parameterCount > SMALL.parameters || net.depth > SMALL.depth || maxWidth(net) > SMALL.width)) argv = ['check'];
  }
  const [name, ...options] = argv;
  const cmd = commands.find((c) => c.name === name)!;
  let out: string, stderr: string, exitCode: number;
  try {
    const r = await cmd.run([seed.name, ...options], memoryIo(files));
    stderr = r.stderr ?? '';
    out = `${r.stdout}\n${stderr}`;
    exitCode = r.exitCode;
  } catch (e) {
    if (e instanceof UsageError) return { command: name, exitCode: 2 };
    const err = e as Error;
    const message = String(err?.message ?? e);
    // loadNetworkFile's documented error: the file's located diagnostics, one per line
    const located = err instanceof Error && err.constructor === Error && new RegExp(`^${escapeRe(seed.name)} has \\d+ errors?:\\n`).test(message);
    if (!located || engineError(message)) throw new FuzzFailure(`${name} threw ${err?.constructor?.name}: ${escapeTerminal(message).slice(0, 600)}\n${err?.stack ?? ''}`);
    // as src/cli/main.ts prints it: control characters from the file (a CR in a quoted header) escaped
    for (const line of escapeTerminal(message).split('\n').slice(1)) assertLocated(line, seed.name, name);
    return { command: name, exitCode: 1 };
  }
  // 3 is the documented "cannot decide" exit (src/cli/commands/exitCodes.ts): a value overflowed float64,
  // the answer is withheld, and stderr's one line names the file and the layer
  // (a conv model names its layer by module name: "file: conv1: produced NaN at entry 32 (channels-last order); the forward pass stops here")
  if (exitCode === EXIT_OVERFLOW && !new RegExp(`^${escapeRe(seed.name)}: (.*overflows float64 .*layer \\d+|[^:\\n]+: produced (NaN|-?Infinity) at entry \\d+ \\([^()\\n]+ order\\); the forward pass stops here$)`, 'm').test(stderr)) {
    throw new FuzzFailure(`${name} exited ${exitCode} without the overflow line on stderr: ${escapeTerminal(stderr).slice(0, 300)}`);
  }
  if (![0, 1, 2, EXIT_OVERFLOW].includes(exitCode)) throw new FuzzFailure(`${name} exited ${exitCode}`);
  if (engineError(out)) throw new FuzzFailure(`${name} printed an internal or engine error:\n${escapeTerminal(out).slice(0, 600)}`);
  if (name === 'check' && !options.includes('--json')) {
    for (const line of escapeTerminal(out).split('\n')) if (line.startsWith(`${seed.name}:`) && !/^\S+: ok — /.test(line) && !/^\S+: \d+ errors?/.test(line)) assertLocated(line, seed.name, name);
  }
  return { command: name, exitCode };
}

function assertLocated(line: string, file: string, command: string): void {
  if (!new RegExp(`^${escapeRe(file)}:\\d+:\\d+: (error|warning|information|info|hint): .+ \\[[a-z-]+\\]$`).test(line)) {
    throw new FuzzFailure(`${command}: a diagnostic line that is not located: ${escapeTerminal(line).slice(0, 300)}`);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function maxWidth(net: { depth: number; input: { dim: number }; outWidth(k: number): number; groups: readonly { start: number; count: number }[] }): number {
  let w = net.input.dim;
  // one layer per group (generated groups share a width pattern closely enough for a size guard)
  for (const g of net.groups) { w = Math.max(w, net.outWidth(g.start), net.outWidth(g.start + g.count - 1)); }
  return w;
}

/** fast-check's case: which seed, which mutation, which analysis. */
export const fuzzCase: fc.Arbitrary<{ seed: number; m: Mutation; analysis: number }> = fc.nat({ max: SEEDS.length - 1 }).chain((seed) =>
  fc.record({ seed: fc.constant(seed), m: mutation(SEEDS[seed]), analysis: fc.nat({ max: ANALYSES.length - 1 }) }));
