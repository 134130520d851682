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

/** Text per checkpoint of positionMapper: a query scans at most this much. */
const BLOCK = 1 << 16;

/**
 * Maps many offsets of one text without rescanning it each time (CLI output of many diagnostics).
 * The index is built on the first call, so a file with nothing to report never pays for it, and it is
 * sparse: per 64 KB of text, the lines before it and where the last of them starts. A 60 MB file of
 * 3·10⁷ line breaks needs 900 checkpoints, not a 3·10⁷-entry array (which took over a gigabyte).
 */
export function positionMapper(text: string): (offset: number) => TextPosition {
  let index: { lines: Float64Array; lastStart: Float64Array } | undefined;
  return (offset) => {
    index ??= checkpoints(text);
    const o = Math.max(0, Math.min(Math.trunc(offset) || 0, text.length));
    const b = Math.floor(o / BLOCK);
    let line = index.lines[b], start = index.lastStart[b];
    for (let i = b * BLOCK; i < o; i++) {
      const c = text.charCodeAt(i);
      if (c === 13) {
        const next = text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
        if (next > o) break;
        line++; start = next;
        if (next === i + 2) i++;
      } else if (c === 10) {
        line++; start = i + 1;
      }
    }
    return { line, character: o - start };
  };
}

/** Lines before each BLOCK boundary and the start of the line holding it (one pass, no per-line array). */
function checkpoints(text: string): { lines: Float64Array; lastStart: Float64Array } {
  const blocks = Math.floor(text.length / BLOCK) + 1;
  const lines = new Float64Array(blocks), lastStart = new Float64Array(blocks);
  let line = 0, start = 0;
  for (let b = 1; b < blocks; b++) {
    const end = b * BLOCK;
    for (let i = (b - 1) * BLOCK; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 13) {
        // "\r\n" is one break; a pair split by the boundary counts where its line starts
        const next = text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
        if (next > end) break;
        line++; start = next;
        if (next === i + 2) i++;
      } else if (c === 10) {
        line++; start = i + 1;
      }
    }
    lines[b] = line; lastStart[b] = start;
  }
  return { lines, lastStart };
}
