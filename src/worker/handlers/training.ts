/** Handlers of the training-dynamics analyses (§D, §E): long runs that stream partial curves. */
import { parse as parseJsonc } from 'jsonc-parser';
import { trainIndicator } from '../../core/training/indicator';
import { meanFieldLimit } from '../../core/training/meanField';
import type { TrainingSpec } from '../../shared/analyses/training';
import type { HandlerTable } from './common';

export const trainingHandlers: HandlerTable<'trainIndicator' | 'trainMeanField' | 'trainingPreset'> = {
  trainIndicator: ({ params, ctx, partial }) =>
    trainIndicator(params, ctx, { onPartial: (r) => partial(r, r.iterations.length ? r.iterations[r.iterations.length - 1] / (params.iterations ?? 10_000) : 0) }),

  trainMeanField: ({ params, ctx, partial }) =>
    meanFieldLimit(params, ctx, { onPartial: (r) => partial(r, r.widths.length / Math.max(1, params.widths?.length ?? 4)) }),

  /** the `training` section of the panel's network file, if any (presets the panel's controls) */
  trainingPreset: ({ doc }) => {
    if (!doc) return { spec: null };
    const json = parseJsonc(doc.source.text, [], { allowTrailingComma: false }) as { training?: TrainingSpec } | undefined;
    const spec = json && typeof json === 'object' && json.training && typeof json.training === 'object' ? json.training : null;
    return { spec };
  },
};
