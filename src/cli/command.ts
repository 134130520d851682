/**
 * A `depth-lens` sub-command. Commands never call process.exit and never print directly: they return
 * what to print so tests can call them in-process and assert the exact output and exit code.
 */
import type { FileSystemLike } from '../core/network/external';

export interface CliIo {
  /** read a file as bytes (relative paths resolve against cwd) */
  readFile(path: string): Uint8Array;
  /** stat, byte-range reads and symbolic links (network files and their weight files); in-memory test ios omit it */
  files?: FileSystemLike;
  /** write a file the user asked for (e.g. --svg out.svg) */
  writeFile(path: string, data: string | Uint8Array): void;
  /** progress lines for long runs; the CLI prints them to stderr only when stderr is a TTY */
  progress(message: string): void;
}

export interface CliResult {
  /** text for stdout (with --json: exactly one JSON document) */
  stdout: string;
  /** text for stderr (errors, warnings) */
  stderr?: string;
  exitCode: number;
}

export interface CliCommand {
  /** e.g. 'convergence' or 'train' */
  readonly name: string;
  /** one line for `depth-lens --help` */
  readonly summary: string;
  /** full help text printed by `depth-lens NAME --help` */
  readonly help: string;
  run(argv: readonly string[], io: CliIo): Promise<CliResult> | CliResult;
}

/** A usage error: printed as `depth-lens NAME: message` with exit code 2. */
export class UsageError extends Error {}

/**
 * Stringify for --json output: typed arrays → arrays, every non-finite number → null. JSON has no
 * Infinity or NaN, and a string in a numeric field breaks consumers (`jq '.radius < 1'`); a field
 * whose value can legitimately be infinite carries its own flag next to it (e.g. `bounded`).
 */
export function toJson(value: unknown): string {
  // typed arrays become plain arrays first, so JSON.stringify runs without a replacer: a replacer is
  // called for every number (a convergence report of 1024-wide probes: ~300 000), which took 50–65 ms
  // of a 4.8 MB report; NaN and ±Infinity are written as null by JSON.stringify itself
  return JSON.stringify(withPlainArrays(value, ''), null, 2);
}

/** `value` with every typed array (not DataView) replaced by a plain array, after toJSON as JSON.stringify calls it. */
function withPlainArrays(value: unknown, key: string): unknown {
  let v = value;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(key: string): unknown }).toJSON(key);
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) return v instanceof DataView ? v : Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map((item, i) => withPlainArrays(item, String(i)));
  // fromEntries defines own properties: a key "__proto__" from a file stays a key
  return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, withPlainArrays(item, k)]));
}
