/** The worker's dispatch table: every analysis of AnalysisMap has exactly one handler. */
import type { AnalysisName } from '../../shared/protocol';
import type { HandlerTable } from './common';
import { activationsHandlers } from './activations';
import { checkpointHandlers } from './checkpoint';
import { convergenceHandlers } from './convergence';
import { degeneracyHandlers } from './degeneracy';
import { overviewHandlers } from './overview';
import { spectrumHandlers } from './spectrum';
import { trainingHandlers } from './training';

export const handlers: HandlerTable<AnalysisName> = {
  ...overviewHandlers,
  ...activationsHandlers,
  ...convergenceHandlers,
  ...trainingHandlers,
  ...degeneracyHandlers,
  ...spectrumHandlers,
  ...checkpointHandlers,
};
