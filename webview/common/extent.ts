/**
 * Min and max of data-sized arrays by a loop: `Math.max(...values)` passes every element as a call
 * argument and throws "Maximum call stack size exceeded" past ~10⁵ elements.
 */
export function extent(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
