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
/**
 * Work limit in steps: one step is a multiply-add of an affine map, a vertex tested against a line,
 * or a share of a region's fixed cost per layer (allocation); about 10 ns each, so 10¹⁰ ≈ 2 minutes.
 */
export const DEFAULT_MAX_STEPS = 1e10;
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


/**
 * Steps to carry one piece through each unit, suffix-summed: `fromUnit[i]` for units i, i+1, ….
 * A unit of width m with inputs of width n costs its affine map (m·n), `perNeuron`·m for the
 * lines against the piece's vertices, and `perPiece` fixed.
 */
export function remainingSteps(units: readonly { kind: 'dense' | 'branch' | 'outer'; width: number }[], inputDim: number, perNeuron: number, perPiece: number): Float64Array {
  const cost = new Float64Array(units.length + 1);
  let blockIn = inputDim, prev = inputDim;
  units.forEach((u, i) => {
    const n = u.kind === 'outer' ? 1 : u.kind === 'branch' && (i === 0 || units[i - 1].kind !== 'branch') ? blockIn : prev;
    cost[i] = u.width * n + perNeuron * u.width + perPiece;
    prev = u.width;
    if (u.kind !== 'branch') blockIn = u.width;
  });
  for (let i = units.length - 1; i >= 0; i--) cost[i] += cost[i + 1];
  return cost;
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
    readonly maxSteps: number,
    /** what to say when the per-piece size is dominated by the kept patterns */
    private readonly patternHint?: string,
  ) {
    this.budgetBytes = budgetMB * MB;
  }

  /**
   * Throws when carrying `pieces` through the remaining units (this one included, `stepsEach` steps
   * per piece) would take the steps done so far past the limit: pieces only multiply, so this
   * refuses a deep network at the layer where the overrun becomes certain, not after minutes.
   */
  checkWork(pieces: number, stepsEach: number, done: number, at: string, remaining: { units: number; of: number; noun: string }): void {
    const needed = done + pieces * stepsEach;
    if (needed <= this.maxSteps) return;
    throw new RegionLimitError(
      `${this.noun.where} has ${pieces.toLocaleString('en-US')} ${this.noun.many} at ${at}; carrying them through the remaining ${remaining.units.toLocaleString('en-US')} of ${remaining.of.toLocaleString('en-US')} ${remaining.noun} takes at least ${Math.ceil(needed).toLocaleString('en-US')} steps in all, more than the limit of ${this.maxSteps.toLocaleString('en-US')} (a step is about 10 ns: a multiply-add or a vertex test): ${this.noun.shrink}, use fewer layers or raise maxSteps`,
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
