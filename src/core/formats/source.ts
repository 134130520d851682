/**
 * What every reader reads from: a byte source (a file opened once, a buffer in memory) with its size,
 * read by exact ranges, and the errors a reader raises — each naming the file and where in it.
 * No Node or DOM APIs here: the worker passes an open file handle, tests and a browser pass bytes.
 */

/** Random access to one file's bytes. */
export interface ByteSource {
  /** the file as messages name it (relative to the network file's folder, or the path given) */
  readonly name: string;
  readonly size: number;
  /**
   * exactly `length` bytes from `offset` (the caller checked the range against `size`); a file may
   * read them into `into` (at least `length` bytes, reused chunk after chunk) instead of a new array
   */
  read(offset: number, length: number, into?: Uint8Array): Uint8Array;
}

/** The files beside a checkpoint (shards of a sharded safetensors model, ONNX external data). */
export interface SiblingFiles {
  /**
   * The file at `path`, relative to the checkpoint's folder: checked like every external file (inside
   * the network file's folder, a regular file), or a FormatError saying why not.
   */
  open(path: string): ByteSource;
}

/** Diagnostic codes of the format readers (documented in docs/network-format.md). */
export type FormatErrorCode =
  | 'model-truncated'
  | 'model-corrupt'
  | 'model-unsupported'
  | 'model-refused'
  | 'model-legacy'
  | 'model-too-large'
  | 'model-architecture'
  | 'tensor-missing'
  | 'tensor-shape'
  | 'tensor-dtype'
  | 'external-missing'
  | 'external-outside'
  | 'external-not-file'
  | 'external-unreadable';

/** A problem in a checkpoint, with where it is ("model.pt, archive entry m/data.pkl, byte 45"). */
export class FormatError extends Error {
  constructor(readonly code: FormatErrorCode, message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

export function isFormatError(e: unknown): e is FormatError {
  return e instanceof FormatError;
}

/** Bytes in memory as a source (tests, inflated archive members, the browser). */
export function bytesSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    read: (offset, length) => {
      if (offset < 0 || length < 0 || offset + length > bytes.byteLength) {
        throw new FormatError('model-truncated', `${name}: ${length} bytes at byte ${offset} lie past its end (${bytes.byteLength} bytes)`);
      }
      return bytes.subarray(offset, offset + length);
    },
  };
}

/**
 * Read [offset, offset + length) of `source`, or a 'model-truncated' error naming `what` when that
 * range lies past the end (a header that lies about offsets, a cut-off download).
 */
export function readRange(source: ByteSource, offset: number, length: number, what: string, into?: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new FormatError('model-corrupt', `${source.name}: ${what} has an invalid byte range (offset ${offset}, length ${length})`);
  }
  if (offset + length > source.size) {
    throw new FormatError('model-truncated', `${source.name}: ${what} needs bytes ${offset}–${offset + length} but the file has ${source.size} bytes (truncated, or the header lies)`);
  }
  return source.read(offset, length, into);
}

/** Names and keys from files in messages: control characters escaped, long ones cut. */
export function printableName(name: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const escaped = name.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > max ? escaped.slice(0, max - 1) + '…' : escaped;
}

/** UTF-8 without replacement characters: invalid bytes are a located error, never silently changed. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError('model-corrupt', `${what} is not valid UTF-8`);
  }
}
