/**
 * Limits shared by the exact partitions (2-D slices and 1-D segments): a cap on the number of pieces,
 * a memory budget for what the pieces keep, and cancellation checkpoints paced by the work done.
 * All three are checked inside the split of a single cell as well as between cells and units, so
 * one wide layer cannot run away before the first check (a 3000-neuron layer cuts one cell into
 * ~4.5 million pieces).
 */
import { checkpoint, type AnalysisContext } from '../context';

export const DEFAULT_MAX_REGIONS = 200_000;
export const DEFAULT_MEMORY_BUDGET_MB = 512;
/** Region × unit updates (one region carried through one layer): ~1 µs each for narrow layers. */
export const DEFAULT_MAX_UPDATES = 100_000_000;
/** Elementary steps (a piece tested against a line, one multiply-add of an affine map) between checkpoints. */
const STEPS_PER_CHECKPOINT = 1 << 18;
const MB = 1 << 20;

/** Counts of the work done so far; tests use them to assert that a refusal came early. */
export interface PartitionWork {
  /** units (layers, branch layers, outer units) finished */
  units: number;
  /** regions (pieces) carried through a unit, summed over the units finished */
  updates: number;
  /** cells (intervals) actually cut in two */
  cuts: number;
  /** piece × line sign tests */
  tests: number;
  /** all elementary steps: sign tests plus affine-map multiply-adds */
  steps: number;
}

export function newWork(): PartitionWork {
  return { units: 0, updates: 0, cuts: 0, tests: 0, steps: 0 };
}

/** A refusal because of the piece cap or the memory budget; the fields say the numbers. */
export class RegionLimitError extends RangeError {
  constructor(
    message: string,
    readonly reason: 'count' | 'memory' | 'work',
    /** a lower bound on the pieces (regions) the partition has at `at` */
    readonly regions: number,
    /** the unit where the limit was crossed, e.g. "layer 3" */
    readonly at: string,
  ) {
    super(message);
    this.name = 'RangeError';
  }
}

/** "0.038", "4.3", "512", "8,000": megabytes with about two significant digits at least. */
export const megabytes = (bytes: number) => {
  const mb = bytes / MB;
  return mb < 0.1 ? String(Number(mb.toPrecision(2))) : mb < 10 ? mb.toFixed(1) : Math.round(mb).toLocaleString('en-US');
};

/**
 * Paces the checkpoints by work rather than by loop counts (one cell of a wide layer is as much work
 * as thousands of cells of a narrow one) and keeps the progress fraction current.
 */
export class Meter {
  /** progress in [0, 1] reported at the next checkpoint */
  fraction = 0;
  private next = STEPS_PER_CHECKPOINT;

  constructor(private readonly ctx: AnalysisContext, readonly work: PartitionWork) {}

  spend(steps: number): void {
    this.work.steps += steps;
    if (this.work.steps >= this.next) {
      this.next = this.work.steps + STEPS_PER_CHECKPOINT;
      checkpoint(this.ctx, this.fraction);
    }
  }

  /** A checkpoint with a message (between units). */
  mark(message: string): void {
    checkpoint(this.ctx, this.fraction, message);
  }
}

/** Checks a lower bound on the number of pieces against the cap and the memory budget. */
export class PieceLimits {
  readonly budgetBytes: number;

  constructor(
    /** "regions" or "pieces", and what the pieces live in ("the slice", "the segment") */
    private readonly noun: { many: string; where: string; shrink: string; raise: string },
    readonly maxPieces: number,
    budgetMB: number,
    readonly maxUpdates: number,
    /** what to say when the per-piece size is dominated by the kept patterns */
    private readonly patternHint?: string,
  ) {
    this.budgetBytes = budgetMB * MB;
  }

  /**
   * Throws when carrying `pieces` through the `remaining` units (this one included) would take the
   * updates past the limit: refuses a deep network at the layer where that becomes certain, not
   * after minutes of work.
   */
  checkWork(pieces: number, remaining: number, done: number, at: string, of: { total: number; noun: string }): void {
    const needed = done + pieces * remaining;
    if (needed <= this.maxUpdates) return;
    throw new RegionLimitError(
      `${this.noun.where} has ${pieces.toLocaleString('en-US')} ${this.noun.many} at ${at}; carrying them through the remaining ${remaining.toLocaleString('en-US')} of ${of.total.toLocaleString('en-US')} ${of.noun} takes at least ${needed.toLocaleString('en-US')} ${this.noun.many.replace(/s$/, '')} updates in all, more than the limit of ${this.maxUpdates.toLocaleString('en-US')}: ${this.noun.shrink}, use fewer layers or raise maxUpdates`,
      'work', pieces, at,
    );
  }

  /**
   * Throws when `pieces` (a lower bound on the pieces after the current unit) exceeds the cap, or
   * when keeping them would take more than the budget. `bytesEach` and its parts describe one piece.
   */
  check(pieces: number, at: string, bytesEach: number, parts: { patternWords: number; mapNumbers: number }): void {
    if (pieces > this.maxPieces) {
      throw new RegionLimitError(`${this.noun.where} has more than ${this.maxPieces} ${this.noun.many} (at ${at}); ${this.noun.shrink} or raise ${this.noun.raise}`, 'count', pieces, at);
    }
    const bytes = pieces * bytesEach;
    if (bytes > this.budgetBytes) {
      const what = [
        parts.patternWords > 0 ? `a pattern of ${parts.patternWords.toLocaleString('en-US')} words` : '',
        `${parts.mapNumbers.toLocaleString('en-US')} affine-map numbers`,
      ].filter(Boolean).join(' and ');
      const hint = parts.patternWords > 0 && this.patternHint ? `${this.patternHint}, ` : '';
      throw new RegionLimitError(
        `${this.noun.where} has at least ${pieces.toLocaleString('en-US')} ${this.noun.many} at ${at}; with ${what} each they need about ${megabytes(bytes)} MB, more than the ${megabytes(this.budgetBytes)} MB memory budget: ${hint}${this.noun.shrink}, use fewer layers or raise the budget`,
        'memory', pieces, at,
      );
    }
  }
}
