/** Numbers for people in the panels. No DOM and no imports, so unit tests can load it. */

/** Four significant digits for 0.001 ≤ |v| < 10⁵, else "1.235e-7"; "—" for a missing value. */
export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? Number(v.toPrecision(digits)).toString() : v.toExponential(digits - 1);
}

/**
 * A plot legend's value for one series: the value at data index `idx` (the cursor's), or at the last
 * index when the cursor is off the plot — never uPlot's "--" placeholder. A gap (null, NaN, a fit
 * curve outside its range) shows nothing.
 */
export function legendValue(values: ArrayLike<number | null | undefined>, idx: number | null | undefined): string {
  const i = idx ?? values.length - 1;
  const v = i >= 0 && i < values.length ? values[i] : undefined;
  return v === null || v === undefined || !Number.isFinite(v) ? '' : formatNumber(v);
}

const SUBSCRIPT: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(
  [...'0123456789+−-=()aehijklmnoprstuvxβ'].map((c, i) => [c, [...'₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦ'][i]]),
));

/** TeX-style subscripts as Unicode for people: W_k → Wₖ, P_{k−1} → Pₖ₋₁, T_β → Tᵦ, ‖·‖_F → ‖·‖ (Frobenius), ‖·‖_∞ → ‖·‖∞. */
export function unicodeLabel(text: string): string {
  const sub = (t: string) => [...t].map((c) => (Object.hasOwn(SUBSCRIPT, c) ? SUBSCRIPT[c] : c)).join('');
  return text
    .replace(/‖_F/g, '‖ (Frobenius)')
    .replace(/\^\{([^}]*)\}/g, (_m, g: string) => `^(${g})`)
    .replace(/_\{([^}]*)\}/g, (_m, g: string) => sub(g))
    // a letter with no subscript form (f_w, W_A) stays as it is rather than lose its underscore
    .replace(/_([0-9]+|[a-zβ])(?![a-z])/g, (m, g: string) => ([...g].every((c) => Object.hasOwn(SUBSCRIPT, c)) ? sub(g) : m))
    // no subscript ∞ in Unicode: ‖v‖_∞ → ‖v‖∞
    .replace(/_∞/g, '∞');
}
