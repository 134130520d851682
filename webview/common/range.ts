/**
 * Axis ranges that stay inside float64. uPlot widens a log axis to the next power of ten and pads a
 * linear one by a tenth of the span: at 1e308 (a hostile file's ‖W − I‖) both give ∞ and the plot draws
 * nothing at all. Values near the top of float64 get a range that ends at Number.MAX_VALUE instead.
 */

/** The y range for data in [min, max] (null: no data), on a log axis or a linear one. */
export function safeRange(min: number | null, max: number | null, log: boolean): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return log ? [1, 10] : [0, 1];
  if (log) {
    // parsed, not 10 ** e: 10 ** −5 is 0.000009999999999999999
    const decade = (e: number) => Number(`1e${e}`);
    let lo = decade(Math.floor(Math.log10(min)));
    let hi = decade(Math.ceil(Math.log10(max)));
    if (!Number.isFinite(hi)) hi = Number.MAX_VALUE;
    if (!(lo > 0)) lo = Number.MIN_VALUE;
    if (hi <= lo) { if (lo * 10 < Infinity) hi = lo * 10; else lo = hi / 10; }
    return [lo, hi];
  }
  // a tenth of the span (of the value, for a constant) on each side, clamped to float64's ends; the
  // span itself is ∞ for [−1e308, 1e308]: then the data's own ends
  const span = max - min;
  const pad = span > 0 ? (Number.isFinite(span) ? span / 10 : 0) : min === 0 ? 1 : Math.abs(min) / 10;
  const clamp = (v: number) => Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, v));
  return [clamp(min - pad), clamp(max + pad)];
}
