import type { CliCommand } from '../command';
import { activationsCommand } from './activations';
import { checkCommand } from './check';
import { compareCommand } from './compare';
import { convergenceCommand } from './convergence';
import { degeneracyCommand } from './degeneracy';
import { infoCommand } from './info';
import { momentsCommand } from './moments';
import { regionsCommand } from './regions';
import { spectrumCommand } from './spectrum';
import { trainCommand } from './train';

/** Every sub-command, in the order `depth-lens --help` lists them. */
export const commands: readonly CliCommand[] = [
  checkCommand,
  infoCommand,
  activationsCommand,
  regionsCommand,
  convergenceCommand,
  degeneracyCommand,
  momentsCommand,
  trainCommand,
  spectrumCommand,
  compareCommand,
];
