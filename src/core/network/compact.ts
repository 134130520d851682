/**
 * Runs of whitespace squeezed to one character before jsonc-parser sees a text, with the offset map
 * back. jsonc-parser's scanner builds each whitespace token one character at a time (`value += ch`),
 * so a 60 MB run of blanks took seconds and gigabytes on the error path (the strict fast path of
 * jsonTree.ts never gets there). Only blanks outside strings and comments are squeezed, and a run
 * holding a line break becomes "\n", so every token, error and line comment stays as it was; the
 * offsets of errors and nodes are mapped back to the original text.
 */

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d, QUOTE = 0x22, BACKSLASH = 0x5c, SLASH = 0x2f, STAR = 0x2a;

/** Runs shorter than this are left alone (the map stays small for ordinary indented files). */
const MIN_RUN = 64;

export interface Compacted {
  readonly text: string;
  /** offset in the compacted text → offset in the original */
  readonly original: (offset: number) => number;
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

/** `text` with long whitespace runs squeezed, or undefined when it has none. */
export function compactWhitespace(text: string): Compacted | undefined {
  const parts: string[] = [];
  // runs[k] = [compacted offset just after the kept character, characters removed so far]
  const at: number[] = [];
  const removed: number[] = [];
  let copied = 0, dropped = 0;
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // jsonc-parser ends a string at its closing quote or at a line break
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) { i++; continue; }
        if (d === QUOTE) { i++; break; }
        if (d === LF || d === CR) break;
      }
      continue;
    }
    if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      while (i < n && text.charCodeAt(i) !== LF && text.charCodeAt(i) !== CR) i++;
      continue;
    }
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (!isBlank(c)) { i++; continue; }
    const start = i;
    let lineBreak = false;
    while (i < n && isBlank(text.charCodeAt(i))) {
      const d = text.charCodeAt(i);
      if (d === LF || d === CR) lineBreak = true;
      i++;
    }
    if (i - start < MIN_RUN) continue;
    parts.push(text.slice(copied, start), lineBreak ? '\n' : ' ');
    dropped += i - start - 1;
    copied = i;
    at.push(start + 1 - (dropped - (i - start - 1)));
    removed.push(dropped);
  }
  if (at.length === 0) return undefined;
  parts.push(text.slice(copied));
  const original = (offset: number): number => {
    // the last run whose kept character lies before `offset`
    let lo = 0, hi = at.length - 1, k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (at[mid] <= offset) { k = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return offset + (k < 0 ? 0 : removed[k]);
  };
  return { text: parts.join(''), original };
}
