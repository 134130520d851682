/**
 * The depths at which probe values are stored. A 10⁵-layer family must not put 10⁵ vectors into a
 * result, so when there are more depths than `count` we keep a log-spaced set (dense near the
 * input, sparse in the tail — matching the log-log plots) plus any `required` depths.
 */

/** Sorted distinct depths in 0..last: all of them when last + 1 ≤ count, else 0, last, `required` and ~count log-spaced ones. */
export function recordedDepths(last: number, count = 200, required: readonly number[] = []): Float64Array {
  if (!Number.isInteger(last) || last < 0) throw new RangeError(`recordedDepths: last depth must be a non-negative integer, got ${last}`);
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`recordedDepths: count must be an integer ≥ 2, got ${count}`);
  if (last + 1 <= count) return Float64Array.from({ length: last + 1 }, (_, k) => k);
  const set = new Set<number>([0, last]);
  for (const r of required) if (Number.isInteger(r) && r >= 0 && r <= last) set.add(r);
  const n = count - 1;
  for (let i = 0; i < n; i++) set.add(Math.round(Math.exp((Math.log(last) * i) / (n - 1))));
  return Float64Array.from([...set].sort((a, b) => a - b));
}
