/**
 * NumPy .npy arrays and .npz archives of them (np.save, np.savez, np.savez_compressed).
 *
 * An .npy file is the magic "\x93NUMPY", a version, a header length and a header that is a Python
 * dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (8, 2), } — read here by a strict
 * little parser of exactly that literal (strings, True/False, tuples of integers), never evaluated.
 * Object arrays ('|O') hold pickled Python objects and are refused: Depth Lens never unpickles them.
 * An .npz is a ZIP archive of .npy members named after the arrays (zip.ts reads it lazily).
 *
 * Why not npyjs: it reads a whole buffer (no header-only read by byte range), parses the header by
 * rewriting it into JSON, and pulls in a fetch library the core has no use for.
 */
import { elementCount, dtypeSize, type DType } from './dtypes';
import { indexByName, rowMajorStrides, stridedLayout, type ModelIndex, type TensorInfo } from './model';
import { FormatError, printableName, readRange, type ByteSource } from './source';
import { entryDataOffset, readEntryPrefix, readZipDirectory } from './zip';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** a header is padded to 64 bytes; anything near this is not a real one */
const MAX_HEADER = 1 << 20;

export function looksLikeNpy(head: Uint8Array): boolean {
  return MAGIC.every((b, i) => head[i] === b);
}

/** descr type characters (after the byte-order mark) → our dtypes */
const DESCR = new Map<string, DType>([
  ['f8', 'F64'], ['f4', 'F32'], ['f2', 'F16'], ['i8', 'I64'], ['i4', 'I32'], ['i2', 'I16'], ['i1', 'I8'],
  ['u8', 'U64'], ['u4', 'U32'], ['u2', 'U16'], ['u1', 'U8'], ['b1', 'BOOL'],
]);

export interface NpyHeader {
  readonly dtype: DType;
  readonly bigEndian: boolean;
  readonly shape: number[];
  readonly fortranOrder: boolean;
  /** offset of the data after the header */
  readonly dataOffset: number;
}

type PyValue = string | boolean | number[] | Map<string, PyValue>;

/** The header dict literal: {'key': value, ...} with values 'str', True, False, (ints,). */
function parsePyDict(text: string, what: string): Map<string, PyValue> {
  let i = 0;
  const fail = (msg: string): never => { throw new FormatError('model-corrupt', `${what}: ${msg} at character ${i} of the header`); };
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const str = (): string => {
    const q = text[i];
    if (q !== "'" && q !== '"') fail('a quoted string was expected');
    const end = text.indexOf(q, i + 1);
    if (end < 0) fail('an unterminated string');
    const s = text.slice(i + 1, end);
    if (s.includes('\\')) fail('escapes are not used in NumPy headers');
    i = end + 1;
    return s;
  };
  const value = (): PyValue => {
    ws();
    if (text[i] === "'" || text[i] === '"') return str();
    if (text.startsWith('True', i)) { i += 4; return true; }
    if (text.startsWith('False', i)) { i += 5; return false; }
    if (text[i] === '(') {
      i++;
      const items: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ')') { i++; return items; }
        const m = /^\d+L?/.exec(text.slice(i, i + 24));
        if (!m) fail('a non-negative integer was expected in the shape');
        items.push(Number(m![0].replace('L', '')));
        i += m![0].length;
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail('"," or ")" was expected in the shape');
      }
    }
    return fail('a string, True, False or a tuple was expected');
  };
  const out = new Map<string, PyValue>();
  ws();
  if (text[i] !== '{') fail('"{" was expected');
  i++;
  for (;;) {
    ws();
    if (text[i] === '}') { i++; break; }
    const key = str();
    ws();
    if (text[i] !== ':') fail('":" was expected');
    i++;
    out.set(key, value());
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail('"," or "}" was expected');
  }
  ws();
  if (i !== text.length) fail('text after the dict');
  return out;
}

/** Parse an .npy header from the first bytes of the array (at least the whole header). */
export function parseNpyHeader(head: Uint8Array, what: string): NpyHeader {
  if (head.length < 10 || !looksLikeNpy(head)) throw new FormatError('model-corrupt', `${what} does not start with the NumPy magic "\\x93NUMPY"`);
  const major = head[6];
  let headerLength: number, start: number;
  if (major === 1) { headerLength = head[8] | (head[9] << 8); start = 10; }
  else if (major === 2 || major === 3) {
    if (head.length < 12) throw new FormatError('model-truncated', `${what} ends inside its header length`);
    headerLength = (head[8] | (head[9] << 8) | (head[10] << 16) | (head[11] << 24)) >>> 0;
    start = 12;
  } else throw new FormatError('model-unsupported', `${what} is NumPy format version ${major}.${head[7]}; Depth Lens reads versions 1–3`);
  if (headerLength > MAX_HEADER) throw new FormatError('model-corrupt', `${what}: the header length says ${headerLength} bytes, far more than a NumPy header needs`);
  if (start + headerLength > head.length) throw new FormatError('model-truncated', `${what}: the header needs ${start + headerLength} bytes but the array has ${head.length}`);
  let text = '';
  for (let k = start; k < start + headerLength; k++) {
    const c = head[k];
    if (c > 0x7e || (c < 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d)) throw new FormatError('model-corrupt', `${what}: the header has a non-ASCII byte at byte ${k}`);
    text += String.fromCharCode(c);
  }
  const dict = parsePyDict(text, what);
  const descr = dict.get('descr'), fortran = dict.get('fortran_order'), shape = dict.get('shape');
  if (typeof descr !== 'string') throw new FormatError('model-corrupt', `${what}: the header has no 'descr' string (structured arrays are not tensors)`);
  if (typeof fortran !== 'boolean') throw new FormatError('model-corrupt', `${what}: the header has no 'fortran_order' True/False`);
  if (!Array.isArray(shape)) throw new FormatError('model-corrupt', `${what}: the header has no 'shape' tuple`);
  const order = descr[0];
  if (descr.includes('O')) throw new FormatError('model-refused', `${what} holds Python objects (dtype '${printableName(descr)}'), stored as pickles; Depth Lens never unpickles`);
  const dtype = DESCR.get(descr.slice(1));
  if (!dtype || (order !== '<' && order !== '>' && order !== '|' && order !== '=')) {
    throw new FormatError('tensor-dtype', `${what} has dtype '${printableName(descr)}'; Depth Lens reads float and integer arrays`);
  }
  return { dtype, bigEndian: order === '>', shape: shape.slice(), fortranOrder: fortran, dataOffset: start + headerLength };
}

/** A tensor description from a header and where its data starts. */
function tensorOf(name: string, h: NpyHeader, location: TensorInfo['location'], where: string, what: string): TensorInfo {
  const count = elementCount(h.shape, what);
  if (!h.fortranOrder || h.shape.length < 2) return { name, dtype: h.dtype, shape: h.shape, count, location, bigEndian: h.bigEndian, where };
  // Fortran order: column-major, i.e. row-major strides of the reversed shape, reversed
  const strides = rowMajorStrides([...h.shape].reverse()).reverse();
  const layout = stridedLayout(h.shape, strides, count);
  return { name, dtype: h.dtype, shape: h.shape, count, location, bigEndian: h.bigEndian, where, strides: layout.strides, span: layout.span };
}

export function readNpy(source: ByteSource, name = 'array'): ModelIndex {
  const head = readRange(source, 0, Math.min(source.size, 4096), 'the NumPy header');
  let h: NpyHeader;
  try {
    h = parseNpyHeader(head, source.name);
  } catch (e) {
    // a header longer than 4 KB: read exactly as much as it says
    if (!(e instanceof FormatError) || e.code !== 'model-truncated' || source.size <= 4096) throw e;
    h = parseNpyHeader(readRange(source, 0, Math.min(source.size, MAX_HEADER + 12), 'the NumPy header'), source.name);
  }
  const t = tensorOf(name, h, { kind: 'bytes', source: '', offset: h.dataOffset }, `bytes ${h.dataOffset}–${source.size}`, source.name);
  const need = h.dataOffset + (t.strides ? t.span! : t.count) * dtypeSize(t.dtype);
  if (need > source.size) throw new FormatError('model-truncated', `${source.name}: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${need} bytes but the file has ${source.size} (truncated, or the header lies)`);
  return { format: 'npy', file: source.name, tensors: [t], byName: new Map([[name, t]]), architecture: { kind: 'none' }, metadata: new Map(), sources: new Map([['', source]]) };
}

/** An .npz archive: one tensor per .npy member, in archive order. */
export function readNpz(source: ByteSource): ModelIndex {
  const entries = readZipDirectory(source);
  const tensors: TensorInfo[] = [];
  for (const entry of entries) {
    if (!entry.name.endsWith('.npy')) continue;
    const name = entry.name.slice(0, -4);
    const what = `${source.name}, archive member "${printableName(entry.name)}"`;
    const prefix = readEntryPrefix(source, entry, 4096);
    let h: NpyHeader;
    try {
      h = parseNpyHeader(prefix, what);
    } catch (e) {
      if (!(e instanceof FormatError) || e.code !== 'model-truncated' || entry.size <= 4096) throw e;
      h = parseNpyHeader(readEntryPrefix(source, entry, MAX_HEADER + 12), what);
    }
    const bytes = dtypeSize(h.dtype) * elementCount(h.shape, what);
    if (h.dataOffset + bytes > entry.size) {
      throw new FormatError('model-truncated', `${what}: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${h.dataOffset + bytes} bytes but the member has ${entry.size} (truncated, or the header lies)`);
    }
    const location: TensorInfo['location'] = entry.method === 0
      ? { kind: 'bytes', source: '', offset: entryDataOffset(source, entry) + h.dataOffset }
      : { kind: 'member', source: '', entry, offset: h.dataOffset };
    tensors.push(tensorOf(name, h, location, `archive member "${printableName(entry.name)}"`, what));
  }
  return { format: 'npz', file: source.name, tensors, byName: indexByName(tensors, source.name), architecture: { kind: 'none' }, metadata: new Map(), sources: new Map([['', source]]) };
}
