/**
 * Handlers of the depth-degeneracy analyses (MATH.md §C): the random-network angle through depth
 * (theory vs Monte Carlo), the mixed-moment table, and the measured angle between two probes of the
 * panel's network file. The core does the work and refuses requests over its size budgets
 * (src/core/degeneracy/limits.ts) before anything is allocated — the same budgets the CLI applies.
 */
import { probeAngles, runDegeneracy, runMoments } from '../../core/degeneracy/analysis';
import { BadParamsError, networkOf, type HandlerTable } from './common';
import { convAffine, convAngles, convExactRegions, convNetworkOf, convRegions } from './conv';

/** The conv model of the panel's file, or a bad-params error saying these analyses are for conv models. */
function convOnly(doc: Parameters<typeof convNetworkOf>[0], what: string) {
  const conv = convNetworkOf(doc);
  if (!conv) throw new BadParamsError(`${what} applies to convolutional models (an .onnx, .pt or .safetensors conv ResNet); for a network file use ${what === 'convAngles' ? 'probeAngles' : what === 'convAffine' ? 'activations (its explicit affine map)' : 'regions or regionGrid'}`);
  return conv;
}

export const degeneracyHandlers: HandlerTable<'degeneracy' | 'moments' | 'probeAngles' | 'convRegions' | 'convExactRegions' | 'convAffine' | 'convAngles'> = {
  degeneracy: ({ params, ctx }) => runDegeneracy(params, ctx),
  moments: ({ params }) => runMoments(params),
  probeAngles: ({ doc, params, ctx }) => probeAngles(networkOf(doc), params, ctx),
  convRegions: ({ doc, params, settings, ctx, partial }) => convRegions(convOnly(doc, 'convRegions'), params, settings, ctx, partial),
  convExactRegions: ({ doc, params, settings, ctx }) => convExactRegions(convOnly(doc, 'convExactRegions'), params, settings, ctx),
  convAffine: ({ doc, params, settings }) => convAffine(convOnly(doc, 'convAffine'), params, settings),
  convAngles: ({ doc, params, settings, ctx }) => convAngles(convOnly(doc, 'convAngles'), params, settings, ctx),
};
