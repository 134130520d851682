/** The CLI's budget options (--max-work, --max-memory-mb), shared by every analysis command. */
import { UsageError } from '../command';
import { decimal } from '../numbers';
import { allocationFailure, BudgetError, DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_WORK, MAX_MAX_MEMORY_MB, MAX_MAX_WORK, sci, type AnalysisBudget } from '../../core/network/budget';
import { NonFiniteError } from '../../core/network/scaled';

/** parseArgs option specs to spread into a command's options. */
export const BUDGET_OPTIONS = { 'max-work': { type: 'string' }, 'max-memory-mb': { type: 'string' } } as const;

/** Help lines for the two options. */
export const BUDGET_HELP = `  --max-work W      refuse analyses estimated above W multiply-adds (default ${sci(DEFAULT_MAX_WORK)}, seconds
                    in the SIMD kernels; at most ${sci(MAX_MAX_WORK)}); the estimate comes from the shapes, before any work
  --max-memory-mb N refuse analyses estimated to keep more than N MB (default ${DEFAULT_MAX_MEMORY_MB}, at most ${MAX_MAX_MEMORY_MB})`;

function bounded(text: string | undefined, option: string, dflt: number, max: number): number {
  if (text === undefined) return dflt;
  const x = decimal(text);
  if (!(x > 0) || !Number.isFinite(x)) throw new UsageError(`${option} must be a positive number, not '${text}'`);
  if (x > max) throw new UsageError(`${option} is ${text}, above its maximum of ${max}`);
  return x;
}

export function parseBudget(values: { 'max-work'?: string | boolean; 'max-memory-mb'?: string | boolean }): AnalysisBudget {
  const w = values['max-work'], m = values['max-memory-mb'];
  return {
    maxWork: bounded(typeof w === 'string' ? w : undefined, '--max-work', DEFAULT_MAX_WORK, MAX_MAX_WORK),
    maxMemoryMB: bounded(typeof m === 'string' ? m : undefined, '--max-memory-mb', DEFAULT_MAX_MEMORY_MB, MAX_MAX_MEMORY_MB),
  };
}

/**
 * Runs an analysis of `file`: a budget refusal, an allocation failure or a non-finite weight becomes
 * one line naming the file and the problem (exit 1 through the command runner), never a stack trace.
 */
export function analysing<T>(file: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const mapped = allocationFailure(e, what);
    if (mapped instanceof BudgetError || mapped instanceof NonFiniteError) throw new Error(`${file}: ${mapped.message}`, { cause: e });
    throw mapped;
  }
}
