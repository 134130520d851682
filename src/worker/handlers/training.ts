/** Handlers of the training-dynamics analyses (§D, §E): long runs that stream partial curves. */
import type { AnalysisContext } from '../../core/context';
import { resolveIndicatorParams, trainIndicator } from '../../core/training/indicator';
import { meanFieldLimit, resolveMeanFieldParams } from '../../core/training/meanField';
import { readTrainingSection } from '../../core/training/spec';
import type { HandlerInput, HandlerTable } from './common';

/**
 * Partial results are whole result objects (curves, probes, the learned function); the core builds
 * one every ~1 % of the run, far more often than a panel can redraw. Post at most one per interval;
 * the final result always arrives as the response.
 */
const PARTIAL_INTERVAL_MS = 150;

/**
 * Wraps the request's context so the partial results carry the same progress fraction as the core's
 * checkpoints (otherwise a per-width partial of the mean-field run would make the bar jump).
 */
function streaming<K extends 'trainIndicator' | 'trainMeanField'>(input: HandlerInput<K>) {
  let fraction = 0;
  let message: string | undefined;
  let lastPost = 0;
  const ctx: AnalysisContext = {
    isCancelled: () => input.ctx.isCancelled(),
    progress: (f, m) => { fraction = f; message = m; input.ctx.progress(f, m); },
  };
  const post = (value: unknown, force = false): void => {
    const now = Date.now();
    if (!force && now - lastPost < PARTIAL_INTERVAL_MS) return;
    lastPost = now;
    input.partial(value, fraction, message);
  };
  return { ctx, post };
}

/**
 * The worker reports RangeError/TypeError as 'bad-params'. Parameters are checked before the run
 * (those errors are the user's); an error thrown during the run is a bug and must not read as one.
 */
function validatedRun<T>(validate: () => unknown, run: () => T): T {
  validate();
  try {
    return run();
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new Error(`internal error during the run (please report it): ${e.message}`, { cause: e });
    throw e;
  }
}

export const trainingHandlers: HandlerTable<'trainIndicator' | 'trainMeanField' | 'trainingPreset'> = {
  trainIndicator: (input) => {
    const { ctx, post } = streaming(input);
    return validatedRun(() => resolveIndicatorParams(input.params), () => trainIndicator(input.params, ctx, { onPartial: (r) => post(r) }));
  },

  trainMeanField: (input) => {
    const { ctx, post } = streaming(input);
    // one partial per finished width: rare and each one adds a curve, so none is dropped
    return validatedRun(() => resolveMeanFieldParams(input.params), () => meanFieldLimit(input.params, ctx, { onPartial: (r) => post(r, true) }));
  },

  /**
   * The `training` section of the panel's network file, if any (presets the panel's controls), checked
   * by the same validator as the file's diagnostics; a section with errors is refused with their messages.
   */
  trainingPreset: ({ doc }) => {
    if (!doc) return { spec: null };
    const { spec, diagnostics } = readTrainingSection(doc.source.text);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) {
      throw new RangeError(`the "training" section has ${errors.length} error${errors.length === 1 ? '' : 's'} (see the Problems view): ` +
        errors.map((d) => `line ${doc.lineOf(d.offset) + 1}: ${d.message}`).join('; '));
    }
    return { spec };
  },
};
