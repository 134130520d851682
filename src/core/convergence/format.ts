/**
 * How convergence numbers read in verdicts, the CLI and the panel. No imports, so the webview bundle
 * can use it without pulling in the analysis.
 */

export function fmt(x: number): string {
  if (Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return String(Number(x.toPrecision(4)));
  return x.toExponential(3).replace('e+', 'e');
}

/**
 * A fitted exponent: three decimals. Exponents are O(1) and read against 1, so a least-squares slope
 * of 1e-30 on constant terms is shown as 0.000, not as a number of thirty digits' magnitude.
 */
export function fmtExponent(p: number): string {
  if (!Number.isFinite(p) || Math.abs(p) >= 1e4) return fmt(p);
  const s = p.toFixed(3);
  return s === '-0.000' ? '0.000' : s;
}

/**
 * One exponent for people (a Bertrand q, a block-sum p): three decimals; "∞ (all terms 0)" for the
 * +∞ of an all-zero tail, "not fitted" for NaN.
 */
export function exponentText(p: number): string {
  if (Number.isNaN(p)) return 'not fitted';
  if (p === Infinity) return '∞ (all terms 0)';
  return fmtExponent(p);
}

/**
 * A fitted exponent with its confidence interval, for people: "1.142 [1.109, 1.176]". An interval
 * narrower than the three decimals shown is not printed as "[2.014, 2.014]" but as "2.014 ± < 0.001";
 * a zero slope fitted exactly (constant terms: p = −6.5e−30 in [−6.8e−16, 6.8e−16]) reads
 * "0 (constant tail)"; an all-zero tail (p = +∞) "— (all terms 0)"; a missing fit "not fitted".
 */
export function exponentWithInterval(p: number, lo: number, hi: number): string {
  if (p === Infinity) return '— (all terms 0)';
  if ([p, lo, hi].some(Number.isNaN)) return 'not fitted';
  if (![p, lo, hi].every(Number.isFinite)) return `${fmtExponent(p)} [${fmtExponent(lo)}, ${fmtExponent(hi)}]`;
  const narrow = Math.abs(hi - lo) < 1e-3;
  if (narrow && Math.abs(p) < 5e-4) return '0 (constant tail)';
  if (narrow) return `${fmtExponent(p)} ± < 0.001`;
  return `${fmtExponent(p)} [${fmtExponent(lo)}, ${fmtExponent(hi)}]`;
}
