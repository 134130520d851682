/**
 * Offsets → line/character positions as VS Code counts them: 0-based, characters in UTF-16 code
 * units (JavaScript string indices), line breaks "\n", "\r\n" and a lone "\r".
 */

export interface TextPosition {
  readonly line: number;
  readonly character: number;
}

/** Offsets of the first character of every line. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/** Position of `offset` given precomputed line starts (binary search; offsets are clamped to the text). */
export function positionAt(starts: readonly number[], offset: number, textLength = Infinity): TextPosition {
  const o = Math.max(0, Math.min(offset, textLength));
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= o) lo = mid; else hi = mid - 1;
  }
  return { line: lo, character: o - starts[lo] };
}

/** 0-based line and UTF-16 character of `offset` in `text` (like vscode.TextDocument.positionAt). */
export function offsetToPosition(text: string, offset: number): TextPosition {
  return positionAt(lineStarts(text), offset, text.length);
}

/**
 * Maps many offsets of one text without rescanning it each time (CLI output of many diagnostics).
 * The line index is built on the first call, so a file with nothing to report never pays for it.
 */
export function positionMapper(text: string): (offset: number) => TextPosition {
  let starts: number[] | undefined;
  return (offset) => positionAt((starts ??= lineStarts(text)), offset, text.length);
}
