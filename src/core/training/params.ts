/**
 * Parameter rules shared by the training analyses (§D, §E), the `training` section validator of
 * network files and the CLI: one place that says what a valid value is, so the three never disagree.
 *
 * Every rule violation is a TrainingParamError: a RangeError (callers that only know RangeError keep
 * working) that also names the offending parameter (`param`, a dotted path such as "learningRates.C"
 * or "probes.2") and the kind of problem, so the validator can mark the exact JSON node.
 */

/** What went wrong: a value outside its rule, a hard size limit, or the (overridable) work budget. */
export type ParamProblem = 'invalid-value' | 'size-limit' | 'work-budget';

export class TrainingParamError extends RangeError {
  /**
   * @param param the parameter at fault ('' for the run as a whole)
   * @param related the other parameters of a rule between values (batch ≤ trainingSetSize): when `param`
   *   was not given, the fault is in these
   */
  constructor(readonly param: string, message: string, readonly problem: ParamProblem = 'invalid-value', readonly related: readonly string[] = []) {
    super(message);
    this.name = 'RangeError';
  }
}

/**
 * Default budget of one run, in "operations" of about 1–2 ns each on one core (a mean-field weight
 * update, one tooth of the sawtooth squaring): 10¹¹ is a few minutes. Runs estimated above it are
 * refused before they start instead of hanging the worker or the terminal; `maxWork` raises it.
 */
export const TRAINING_WORK_BUDGET = 1e11;

/**
 * Hard limits (not overridable): what a run may allocate. They keep a typo such as `--widths 100000`
 * from reaching V8's "Invalid typed array length" or exhausting memory.
 */
export const TRAINING_LIMITS = {
  /** input dimension of the indicator experiment (the network format's width limit) */
  maxDim: 100_000,
  /** record points of one series */
  maxRecords: 100_000,
  /** probe points */
  maxProbes: 1_000,
  /** indicator evaluation set and fixed training set (points) */
  maxPoints: 10_000_000,
  /** indicator learned-function grid per side (d = 2: its square) */
  maxGridSize: 1_001,
  /** mean-field: number of widths, and any width */
  maxWidths: 100,
  maxWidth: 100_000,
  /** mean-field: entries of W2 = N1·N2 (the network format's limit on one materialised matrix) */
  maxWeights: 100_000_000,
  /** mean-field: runs per width, and points of the loss grid */
  maxSeeds: 100_000,
  maxLossGrid: 100_000,
  /** numbers kept for the result series (probes × records × widths or seeds) */
  maxSeriesValues: 10_000_000,
} as const;

export function integerParam(name: string, v: number | undefined, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min) throw new TrainingParamError(name, `${name} must be an integer ≥ ${min}, got ${x}`);
  if (x > max) throw new TrainingParamError(name, `${name} is ${x}, above the limit of ${max}`, 'size-limit');
  return x;
}

/** A finite number ≥ min (or > min when `exclusive`). */
export function numberParam(name: string, v: number | undefined, dflt: number, min: number, exclusive: boolean): number {
  const x = v ?? dflt;
  if (!Number.isFinite(x) || (exclusive ? !(x > min) : !(x >= min))) {
    throw new TrainingParamError(name, `${name} must be a finite number ${exclusive ? '>' : '≥'} ${min}, got ${x}`);
  }
  return x;
}

/**
 * Seeds are unsigned 32-bit integers: the generator derives its streams from 32 bits (src/core/rng.ts),
 * so a larger seed would silently run the same experiment as a smaller one.
 */
export function seedParam(v: number | undefined): number {
  const x = v ?? 1;
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new TrainingParamError('seed', `seed must be an integer in [0, 4294967295], got ${x}`);
  return x;
}

export function choiceParam<T extends string>(name: string, v: T | undefined, dflt: T, allowed: readonly T[]): T {
  const x = v ?? dflt;
  if (!(allowed as readonly unknown[]).includes(x)) {
    throw new TrainingParamError(name, `${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got '${String(x)}'`);
  }
  return x;
}

export function listLimit(name: string, length: number, max: number): void {
  if (length > max) throw new TrainingParamError(name, `${name} lists ${length} values, above the limit of ${max}`, 'size-limit');
}

// one notation and one unit (a multiply-add or update of 1–2 ns) for every budget: the analyses'
// budgets (core/network/budget.ts) generalise this run budget to memory and to every analysis
export { sci } from '../network/budget';
import { sci } from '../network/budget';

/** Refuses a run whose estimated work exceeds the budget; `what` says where the work comes from. */
export function checkWork(work: number, budget: number, what: string, lower: string): void {
  if (work > budget) {
    throw new TrainingParamError('', `the run needs about ${sci(work)} operations (${what}), above the budget of ${sci(budget)} ` +
      `(a few minutes); ${lower}, or raise the budget (maxWork; CLI: --max-work)`, 'work-budget');
  }
}

/** The budget itself: a positive finite number (default TRAINING_WORK_BUDGET). */
export function budgetParam(v: number | undefined): number {
  return numberParam('maxWork', v, TRAINING_WORK_BUDGET, 0, true);
}
