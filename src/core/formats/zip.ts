/**
 * ZIP archives as PyTorch (torch.save since 1.6) and NumPy (np.savez) write them: the central
 * directory (ZIP64 too) read from the end of the file, and members read by byte range — stored ones
 * straight from the file (no copy of the archive; PyTorch stores every member this way), deflated
 * ones inflated one at a time with fflate.
 *
 * Why not fflate's unzip: it wants the whole archive in memory, and checkpoints are gigabytes. The
 * directory is a few fixed-layout records (PKWARE APPNOTE 6.3.10 §4.3), read here with every offset
 * and size checked against the file before it is used.
 *
 * Zip bombs: a deflated member is refused when its declared size is above the caller's limit, and
 * inflation stops as soon as the output passes the declared size (compressed input is fed in 16 KB
 * pieces, so at most ~17 MB beyond the limit is ever produced at once).
 */
import { Inflate } from 'fflate';
import { decodeUtf8, FormatError, printableName, readRange, type ByteSource } from './source';

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated (others are refused when read) */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** offset of the local file header */
  readonly headerOffset: number;
  readonly encrypted: boolean;
}

const EOCD = 0x06054b50, ZIP64_LOCATOR = 0x07064b50, ZIP64_EOCD = 0x06064b50, CENTRAL = 0x02014b50, LOCAL = 0x04034b50;
/** central directories above this are refused (a checkpoint with 10⁵ tensors has ~10 MB) */
const MAX_DIRECTORY_BYTES = 256 * 1024 * 1024;
const MAX_ENTRIES = 1_000_000;
const INFLATE_CHUNK = 16 * 1024;

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
function u64(b: Uint8Array, at: number, what: string): number {
  const v = u32(b, at) + u32(b, at + 4) * 2 ** 32;
  if (!Number.isSafeInteger(v)) throw new FormatError('model-corrupt', `${what} is ${v}, too large to be a real offset or size`);
  return v;
}

/** True when the file starts like a ZIP archive (a local header, or an empty archive's directory end). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6);
}

/** The archive's members in directory order. */
export function readZipDirectory(source: ByteSource): ZipEntry[] {
  const where = `${source.name} (ZIP archive)`;
  if (source.size < 22) throw new FormatError('model-truncated', `${where} has ${source.size} bytes, fewer than the 22 of an end-of-directory record`);
  const tailLength = Math.min(source.size, 22 + 0xffff);
  const tailStart = source.size - tailLength;
  const tail = readRange(source, tailStart, tailLength, 'the end-of-directory record');
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === EOCD && i + 22 + u16(tail, i + 20) <= tail.length) { at = i; break; }
  }
  if (at < 0) throw new FormatError('model-truncated', `${where} has no end-of-directory record: the file is truncated or not a ZIP archive`);
  let count = u16(tail, at + 10);
  let dirSize = u32(tail, at + 12);
  let dirOffset = u32(tail, at + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    // ZIP64: the locator sits just before the end-of-directory record
    const locAt = tailStart + at - 20;
    if (locAt < 0) throw new FormatError('model-corrupt', `${where} needs a ZIP64 locator before byte ${tailStart + at}, but the file starts there`);
    const loc = readRange(source, locAt, 20, 'the ZIP64 locator');
    if (u32(loc, 0) !== ZIP64_LOCATOR) throw new FormatError('model-corrupt', `${where}: no ZIP64 locator at byte ${locAt} although the directory end says ZIP64`);
    const recAt = u64(loc, 8, `${where}: the ZIP64 record offset`);
    const rec = readRange(source, recAt, 56, 'the ZIP64 end-of-directory record');
    if (u32(rec, 0) !== ZIP64_EOCD) throw new FormatError('model-corrupt', `${where}: no ZIP64 end-of-directory record at byte ${recAt}`);
    count = u64(rec, 32, `${where}: the ZIP64 entry count`);
    dirSize = u64(rec, 40, `${where}: the ZIP64 directory size`);
    dirOffset = u64(rec, 48, `${where}: the ZIP64 directory offset`);
  }
  if (count > MAX_ENTRIES) throw new FormatError('model-too-large', `${where} lists ${count} members, above the limit of ${MAX_ENTRIES}`);
  if (dirSize > MAX_DIRECTORY_BYTES) throw new FormatError('model-too-large', `${where} has a ${dirSize}-byte central directory, above the limit of ${MAX_DIRECTORY_BYTES}`);
  if (dirOffset + dirSize > source.size) {
    throw new FormatError('model-truncated', `${where}: the central directory (bytes ${dirOffset}–${dirOffset + dirSize}) lies past the end of the file (${source.size} bytes): truncated, or the directory end lies`);
  }
  const dir = readRange(source, dirOffset, dirSize, 'the central directory');
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    const at0 = dirOffset + p;
    if (p + 46 > dir.length || u32(dir, p) !== CENTRAL) throw new FormatError('model-corrupt', `${where}: directory entry ${i + 1} of ${count} at byte ${at0} is not a directory record`);
    const flags = u16(dir, p + 8);
    const method = u16(dir, p + 10);
    let compressedSize = u32(dir, p + 20);
    let size = u32(dir, p + 24);
    const nameLength = u16(dir, p + 28), extraLength = u16(dir, p + 30), commentLength = u16(dir, p + 32);
    let headerOffset = u32(dir, p + 42);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > dir.length) throw new FormatError('model-corrupt', `${where}: directory entry ${i + 1} at byte ${at0} runs past the directory's end`);
    const name = decodeUtf8(dir.subarray(p + 46, p + 46 + nameLength), `${where}: the name of directory entry ${i + 1}`);
    // ZIP64 extra field: the 64-bit values of the fields that hold 0xffffffff, in this order
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = u16(dir, e), len = u16(dir, e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const take = (what: string) => {
          if (q + 8 > e + 4 + len) throw new FormatError('model-corrupt', `${where}: the ZIP64 field of "${printableName(name)}" is too short for its ${what}`);
          const v = u64(dir, q, `${where}: "${printableName(name)}" ${what}`);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take('size');
        if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
        if (headerOffset === 0xffffffff) headerOffset = take('offset');
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, headerOffset, encrypted: (flags & 1) !== 0 });
    p = end;
  }
  return entries;
}

/** Byte offset of a member's data (after its local header), checked to lie inside the file. */
export function entryDataOffset(source: ByteSource, entry: ZipEntry): number {
  const what = `${source.name}, archive member "${printableName(entry.name)}"`;
  const head = readRange(source, entry.headerOffset, 30, `the local header of archive member "${printableName(entry.name)}"`);
  if (u32(head, 0) !== LOCAL) throw new FormatError('model-corrupt', `${what}: no local header at byte ${entry.headerOffset}`);
  const start = entry.headerOffset + 30 + u16(head, 26) + u16(head, 28);
  if (start + entry.compressedSize > source.size) {
    throw new FormatError('model-truncated', `${what}: its ${entry.compressedSize} bytes from byte ${start} lie past the end of the file (${source.size} bytes)`);
  }
  return start;
}

/**
 * A stored member's bytes [offset, offset + length) (relative to the member), read straight from the
 * file; `what` names what is read for messages.
 */
export function readStored(source: ByteSource, entry: ZipEntry, offset: number, length: number, what: string): Uint8Array {
  if (entry.method !== 0) throw new Error('readStored needs a stored member');
  if (offset + length > entry.size) {
    throw new FormatError('model-truncated', `${source.name}, archive member "${printableName(entry.name)}": ${what} needs bytes ${offset}–${offset + length} but the member has ${entry.size}`);
  }
  return readRange(source, entryDataOffset(source, entry) + offset, length, what);
}

/**
 * A whole member's bytes: stored ones read, deflated ones inflated — refused above `maxBytes` by the
 * declared size, and stopped as soon as the output passes the declared size (a lying header).
 */
export function readEntry(source: ByteSource, entry: ZipEntry, maxBytes: number): Uint8Array {
  const what = `${source.name}, archive member "${printableName(entry.name)}"`;
  if (entry.encrypted) throw new FormatError('model-unsupported', `${what} is encrypted`);
  if (entry.size > maxBytes) {
    throw new FormatError('model-too-large', `${what} declares ${entry.size} bytes, above the limit of ${maxBytes} for one member (a zip bomb, or a tensor too large to read whole)`);
  }
  const start = entryDataOffset(source, entry);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new FormatError('model-corrupt', `${what} is stored but declares ${entry.compressedSize} stored and ${entry.size} real bytes`);
    return readRange(source, start, entry.size, `archive member "${printableName(entry.name)}"`);
  }
  if (entry.method !== 8) throw new FormatError('model-unsupported', `${what} uses compression method ${entry.method}; Depth Lens reads stored and deflated members`);
  // DEFLATE expands at most 1032:1: a larger declared size is a lie, refused before the output is allocated
  if (entry.size > entry.compressedSize * 1032 + 1024) {
    throw new FormatError('model-corrupt', `${what} declares ${entry.size} bytes from ${entry.compressedSize} compressed ones, more than DEFLATE can produce (a corrupt header, or a zip bomb)`);
  }
  const out = new Uint8Array(entry.size);
  let produced = 0;
  let ended = false;
  const inflate = new Inflate((chunk, final) => {
    if (produced + chunk.length > entry.size) {
      throw new FormatError('model-corrupt', `${what} inflates to more than its declared ${entry.size} bytes (a zip bomb, or a corrupt header); reading stopped`);
    }
    out.set(chunk, produced);
    produced += chunk.length;
    if (final) ended = true;
  });
  try {
    for (let at = 0; at < entry.compressedSize && !ended; at += INFLATE_CHUNK) {
      const n = Math.min(INFLATE_CHUNK, entry.compressedSize - at);
      inflate.push(readRange(source, start + at, n, `archive member "${printableName(entry.name)}"`), at + n >= entry.compressedSize);
    }
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError('model-corrupt', `${what} cannot be inflated: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (produced !== entry.size) throw new FormatError('model-corrupt', `${what} inflates to ${produced} bytes, not the ${entry.size} its header declares`);
  return out;
}

/**
 * The first `length` bytes of a member (at most), inflating no more than needed: enough to read a
 * NumPy header inside a compressed .npz without inflating the array behind it.
 */
export function readEntryPrefix(source: ByteSource, entry: ZipEntry, length: number): Uint8Array {
  const want = Math.min(length, entry.size);
  if (entry.method === 0) return readStored(source, entry, 0, want, 'the member\'s first bytes');
  const what = `${source.name}, archive member "${printableName(entry.name)}"`;
  if (entry.encrypted) throw new FormatError('model-unsupported', `${what} is encrypted`);
  if (entry.method !== 8) throw new FormatError('model-unsupported', `${what} uses compression method ${entry.method}; Depth Lens reads stored and deflated members`);
  const start = entryDataOffset(source, entry);
  const out = new Uint8Array(want);
  let produced = 0;
  const inflate = new Inflate((chunk) => {
    const take = Math.min(chunk.length, want - produced);
    if (take > 0) out.set(chunk.subarray(0, take), produced);
    produced += take;
  });
  try {
    for (let at = 0; at < entry.compressedSize && produced < want; at += INFLATE_CHUNK) {
      const n = Math.min(INFLATE_CHUNK, entry.compressedSize - at);
      inflate.push(readRange(source, start + at, n, `archive member "${printableName(entry.name)}"`), at + n >= entry.compressedSize);
    }
  } catch (e) {
    throw new FormatError('model-corrupt', `${what} cannot be inflated: ${e instanceof Error ? e.message : String(e)}`);
  }
  return out.subarray(0, produced);
}
