/**
 * Background work yields to a panel's: the host stores 1 in a lane's shared yield flag while a panel's
 * analyses run on the `analysis` lane, and a background run (the editor's lens runs) waits at its
 * checkpoints until the flag clears — at most `budgetMs` in all per run, so a lens is late, never
 * starved — and still notices its cancellation while it waits.
 */

/** How long one background run may wait in all (ms). */
export const MAX_YIELD_MS = 10_000;
/** One wait on the flag before the cancellation flag is looked at again (ms). */
const WAIT_SLICE_MS = 50;

export class Yielder {
  private waited = 0;

  constructor(
    private readonly flag: Int32Array,
    private readonly cancelled: () => boolean,
    private readonly budgetMs = MAX_YIELD_MS,
  ) {}

  /** total ms spent waiting so far */
  get waitedMs(): number {
    return this.waited;
  }

  /** Returns at once while the flag is 0; otherwise waits until it is, the run is cancelled, or the budget is spent. */
  yieldIfAsked(): void {
    while (Atomics.load(this.flag, 0) === 1 && this.waited < this.budgetMs && !this.cancelled()) {
      const start = Date.now();
      Atomics.wait(this.flag, 0, 1, Math.min(WAIT_SLICE_MS, this.budgetMs - this.waited));
      this.waited += Math.max(1, Date.now() - start);
    }
  }
}
