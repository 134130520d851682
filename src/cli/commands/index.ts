import type { CliCommand } from '../command';

/** Every sub-command, in the order `depth-lens --help` lists them. */
export const commands: readonly CliCommand[] = [
];
