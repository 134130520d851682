/**
 * Bytes of a network file → its text, the one way the CLI and the extension's panels decode files.
 * JSON text is UTF-8 (RFC 8259 §8.1): a UTF-8 byte order mark is accepted and dropped (as editors
 * do); UTF-16 and UTF-32, recognised by their byte order mark or by the NUL bytes around the first
 * ASCII characters (RFC 4627 §3), give one diagnostic "save it as UTF-8" instead of hundreds of
 * "invalid symbol" errors; invalid UTF-8 is a diagnostic at its first bad byte instead of being
 * replaced silently with U+FFFD.
 */
import type { NetworkDiagnostic } from './diagnostics';
import { positionMapper } from './position';

export interface DecodedText {
  /** the text (with U+FFFD where the bytes are not UTF-8; empty for UTF-16/32) */
  text: string;
  /** the encoding problem, located in `text`, if there is one */
  diagnostic?: NetworkDiagnostic;
}

const FATAL = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LENIENT = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** The Unicode encoding a JSON text's first bytes show, when it is not UTF-8. */
export function wideEncoding(bytes: ArrayLike<number>): string | undefined {
  const [a, b, c, d] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  const n = bytes.length;
  // byte order marks (UTF-32 first: its little-endian mark begins like UTF-16's)
  if (n >= 4 && a === 0xff && b === 0xfe && c === 0 && d === 0) return 'UTF-32 (little-endian)';
  if (n >= 4 && a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'UTF-32 (big-endian)';
  if (n >= 2 && a === 0xff && b === 0xfe) return 'UTF-16 (little-endian)';
  if (n >= 2 && a === 0xfe && b === 0xff) return 'UTF-16 (big-endian)';
  // no mark: a JSON text starts with an ASCII character, so NULs around it give the encoding away
  if (n >= 4 && a === 0 && b === 0 && c === 0 && d !== 0) return 'UTF-32 (big-endian)';
  if (n >= 4 && a !== 0 && b === 0 && c === 0 && d === 0) return 'UTF-32 (little-endian)';
  if (n >= 2 && a === 0 && b !== 0) return 'UTF-16 (big-endian)';
  if (n >= 2 && a !== 0 && b === 0) return 'UTF-16 (little-endian)';
  return undefined;
}

function encodingDiagnostic(offset: number, message: string): NetworkDiagnostic {
  return { code: 'file-encoding', severity: 'error', offset, length: 1, message };
}

/** Decode `bytes` as the UTF-8 text of a network file (`fileName` for messages). Never throws. */
export function decodeNetworkBytes(bytes: Uint8Array, fileName = 'the file'): DecodedText {
  const wide = wideEncoding(bytes);
  if (wide) return { text: '', diagnostic: encodingDiagnostic(0, `${fileName} is ${wide}, not UTF-8; save it as UTF-8`) };
  const body = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return { text: FATAL.decode(body) };
  } catch {
    // invalid somewhere: the valid prefix decodes the same either way, so its length locates the bad byte
    const bad = firstInvalidByte(body);
    const text = LENIENT.decode(body);
    const offset = LENIENT.decode(body.subarray(0, bad)).length;
    const p = positionMapper(text)(offset);
    const shown = Array.from(body.subarray(bad, Math.min(bad + 4, body.length)), (x) => x.toString(16).padStart(2, '0')).join(' ');
    return {
      text,
      diagnostic: encodingDiagnostic(offset, `${fileName} is not valid UTF-8: bytes ${shown} at line ${p.line + 1}, column ${p.character + 1} (byte ${bad + (body === bytes ? 0 : 3)}); save it as UTF-8`),
    };
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629 table). */
export function firstInvalidByte(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const x = b[i];
    if (x < 0x80) { i++; continue; }
    let need: number, lo = 0x80, hi = 0xbf;
    if (x >= 0xc2 && x <= 0xdf) need = 1;
    else if (x >= 0xe0 && x <= 0xef) { need = 2; if (x === 0xe0) lo = 0xa0; else if (x === 0xed) hi = 0x9f; }
    else if (x >= 0xf0 && x <= 0xf4) { need = 3; if (x === 0xf0) lo = 0x90; else if (x === 0xf4) hi = 0x8f; }
    else return i;
    for (let k = 1; k <= need; k++) {
      const y = b[i + k];
      if (y === undefined) return i;
      if (k === 1 ? y < lo || y > hi : y < 0x80 || y > 0xbf) return i;
    }
    i += need + 1;
  }
  return n;
}
