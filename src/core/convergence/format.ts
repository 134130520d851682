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
