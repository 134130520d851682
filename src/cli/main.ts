#!/usr/bin/env node
/** depth-lens: the command-line face of the analysis core (for CI gates and scripts). */
import * as fs from 'node:fs';
import { UsageError, type CliIo } from './command';
import { commands } from './commands/index';
import { forgetParsed } from './load';
import { nodeFileSystem } from '../worker/nodeFiles';
import { escapeJson, escapeName, escapeTerminal } from './escape';
import { installThreadPool } from '../worker/pool';
import packageJson from '../../package.json';

const VERSION: string = packageJson.version;

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'depth-lens — analyse deep ReLU network and ResNet definition files',
    '',
    'Usage: depth-lens <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --help, and --json to print one JSON document to stdout.',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return { stdout: topHelp() + '\n', stderr: '', exitCode: name ? 0 : 2 };
  if (name === '--version') return { stdout: VERSION + '\n', stderr: '', exitCode: 0 };
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) return { stdout: '', stderr: `depth-lens: unknown command '${escapeName(name)}'. Run 'depth-lens --help' for the list.\n`, exitCode: 2 };
  if (rest.includes('--help') || rest.includes('-h')) return { stdout: cmd.help.trimEnd() + '\n', stderr: '', exitCode: 0 };
  // everything printed passes through the terminal escapes: names from files are data, never control sequences
  const json = rest.includes('--json');
  try {
    // a parse kept by one command (load.ts keepParsed) never serves the next: the file may have changed
    forgetParsed();
    const r = await cmd.run(rest, io);
    return { stdout: json ? escapeJson(r.stdout) : escapeTerminal(r.stdout), stderr: escapeTerminal(r.stderr ?? ''), exitCode: r.exitCode };
  } catch (e) {
    if (e instanceof UsageError) return { stdout: '', stderr: escapeTerminal(`depth-lens ${name}: ${e.message}\n`), exitCode: 2 };
    const msg = e instanceof Error ? e.message : String(e);
    return { stdout: '', stderr: escapeTerminal(`depth-lens ${name}: ${msg}\n`), exitCode: 1 };
  }
}

/**
 * Progress on a TTY stderr: one line rewritten in place. `clear` erases it before results or errors
 * are printed, so they never land on the end of a progress line.
 */
export class ProgressLine {
  private shown = false;
  constructor(private readonly stream: { readonly isTTY?: boolean; write(text: string): unknown }) {}

  show(message: string): void {
    if (!this.stream.isTTY) return;
    this.stream.write(`\r${escapeName(message)}\x1b[K`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

export function nodeIo(progress: ProgressLine): CliIo {
  return {
    readFile: (p) => fs.readFileSync(p),
    files: nodeFileSystem,
    writeFile: (p, d) => fs.writeFileSync(p, d),
    progress: (m) => progress.show(m),
  };
}

/**
 * `depth-lens … | head` closes stdout early: stop quietly (with the command's exit code, which
 * `set -o pipefail` reports) instead of dying with an EPIPE stack trace.
 */
export function exitQuietlyOnEpipe(stream: NodeJS.EventEmitter, exit: () => void): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') exit();
    else throw e;
  });
}

/**
 * Commands whose work always goes to the thread pool (the Monte Carlo): their helper threads start
 * loading at once. Others start them on first use, so a call that never needs them (a family's
 * closed forms, the exact regions of a small network) does not pay ~0.15 s of CPU for loading them.
 */
const POOL_COMMANDS = new Set(['degeneracy']);

/** Runs the process's command line (dist/cli.js, the launcher of ../worker/launch.ts, calls it). */
export function runAsCommand(): void {
  const pool = installThreadPool();
  if (pool && POOL_COMMANDS.has(process.argv[2])) pool.warm();
  const progress = new ProgressLine(process.stderr);
  exitQuietlyOnEpipe(process.stdout, () => process.exit());
  void main(process.argv.slice(2), nodeIo(progress)).then((r) => {
    progress.clear();
    process.exitCode = r.exitCode;
    if (r.stdout) process.stdout.write(r.stdout);
    if (r.stderr) process.stderr.write(r.stderr);
  });
}

if (require.main === module) runAsCommand();
