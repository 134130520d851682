/** Where a link into a shipped Markdown document (README.md, docs/MATH.md) lands; no vscode here, so unit tests reach it. */

/** GitHub's heading slug: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');
}

/**
 * The 0-based line of a section: a heading whose GitHub-style slug is `anchor`, an explicit
 * `<a id="anchor">`, or — for a section letter like 'C' — the heading "## C. …"; 0 (the top of the
 * file) when there is none.
 */
export function anchorLine(lines: readonly string[], anchor: string): number {
  if (!anchor) return 0;
  const letter = /^[A-Z]$/.test(anchor) ? new RegExp(`^#{1,6}\\s+${anchor}\\.\\s`) : undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    const h = text.match(/^#{1,6}\s+(.*)$/);
    if ((h && headingSlug(h[1]) === anchor) || text.includes(`id="${anchor}"`) || letter?.test(text)) return i;
  }
  return 0;
}
