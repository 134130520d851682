/**
 * The one way CLI options turn text into numbers. `Number()` alone is too liberal for a command line:
 * it reads '0x10' as 16, '' and ' ' as 0 and '1e999' as Infinity, so a typo silently becomes a
 * different analysis. Every command converts option text through `decimal` and reports NaN itself.
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A plain decimal literal ('3', '-0.5', '1e-3', '.5') as a finite number; anything else → NaN. */
export function decimal(text: string): number {
  const t = text.trim();
  if (!DECIMAL.test(t)) return NaN;
  const x = Number(t);
  return Number.isFinite(x) ? x : NaN;
}
