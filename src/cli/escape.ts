/**
 * Text for a terminal: names come from files (network, probe, layer and tensor names, keys in
 * messages), and a name holding ESC, BEL or CR could clear the screen, set the window title or forge
 * a line such as "FAKE: all checks passed". Every control character except line feed and tab (C0,
 * DEL, C1) is shown as a \x1b-style escape, and the bidirectional overrides and isolates that reorder
 * what is shown (U+061C, U+200E/F, U+202A–E, U+2066–9) as \u202e-style ones.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function hex(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every unsafe character escaped (line feeds and tabs kept: they are our own layout). */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE, hex);
}

/** One name on one line: line feeds and tabs escaped too. */
export function escapeName(name: string): string {
  return escapeTerminal(name).replace(/[\n\t]/g, hex);
}

const JSON_UNSAFE = /[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * A JSON document for a terminal: JSON.stringify already writes C0 controls as \u001b, so DEL, C1,
 * bidi controls and U+2028/9 become \u escapes too; the document still parses to the same value.
 */
export function escapeJson(text: string): string {
  return text.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
