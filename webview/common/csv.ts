/** Text exports shared by every panel: CSV cells and rows, and JSON that keeps typed arrays and ±Infinity. */

export function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRows(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/**
 * JSON with typed arrays as arrays and non-finite numbers as strings ("-Infinity"), so nothing is lost;
 * `nonFinite: 'null'` writes them as null instead, as the CLI's `--json` does (the conv views export the
 * CLI's documents).
 */
export function toJsonText(value: unknown, options: { nonFinite?: 'string' | 'null' } = {}): string {
  const nonFinite = (x: number) => (options.nonFinite === 'null' ? null : String(x));
  return JSON.stringify(value, (_key, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : nonFinite(x)));
    if (typeof v === 'number' && !Number.isFinite(v)) return nonFinite(v);
    return v;
  }, 2);
}
