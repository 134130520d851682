/**
 * Handlers of the depth-degeneracy analyses (MATH.md §C): the random-network angle through depth
 * (theory vs Monte Carlo), the mixed-moment table, and the measured angle between two probes of the
 * panel's network file. The core does the work and refuses requests over its size budgets
 * (src/core/degeneracy/limits.ts) before anything is allocated — the same budgets the CLI applies.
 */
import { probeAngles, runDegeneracy, runMoments } from '../../core/degeneracy/analysis';
import { networkOf, type HandlerTable } from './common';

export const degeneracyHandlers: HandlerTable<'degeneracy' | 'moments' | 'probeAngles'> = {
  degeneracy: ({ params, ctx }) => runDegeneracy(params, ctx),
  moments: ({ params }) => runMoments(params),
  probeAngles: ({ doc, params, ctx }) => probeAngles(networkOf(doc), params, ctx),
};
