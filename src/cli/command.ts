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
  return JSON.stringify(value, (_k, v) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    return v;
  }, 2);
}
