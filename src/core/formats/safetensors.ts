/**
 * safetensors (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
 *   {"name": {"dtype": "F32", "shape": [out, in], "data_offsets": [begin, end]}, …, "__metadata__": {…}}
 * then the tensors' bytes, offsets relative to the end of the header. And the sharded layout of big
 * models: model.safetensors.index.json {"metadata": {…}, "weight_map": {"name": "model-00001-of-00002.safetensors"}}.
 *
 * Only the header is read here; tensors are read later by byte range (model.ts). Every number in the
 * header is checked against the file before it is trusted.
 */
import { elementCount, dtypeSize, isDType, type DType } from './dtypes';
import { indexByName, type ModelIndex, type TensorInfo } from './model';
import { decodeUtf8, FormatError, printableName, readRange, type ByteSource, type SiblingFiles } from './source';

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown, what: string): Map<string, string> {
  const out = new Map<string, string>();
  if (v === undefined) return out;
  if (!isObject(v)) throw new FormatError('model-corrupt', `${what} must be an object of strings`);
  for (const [k, x] of Object.entries(v)) out.set(k, typeof x === 'string' ? x : JSON.stringify(x));
  return out;
}

/** The tensors of one .safetensors file; `sourceName` is how TensorInfo.location names the file. */
export function readSafetensorsHeader(source: ByteSource, sourceName = ''): { tensors: TensorInfo[]; metadata: Map<string, string>; unreadable: Map<string, string> } {
  const file = source.name;
  if (source.size < 8) throw new FormatError('model-truncated', `${file} has ${source.size} bytes; a safetensors file starts with an 8-byte header length`);
  const lenBytes = readRange(source, 0, 8, 'the header length');
  const view = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > MAX_HEADER_BYTES) throw new FormatError('model-corrupt', `${file}: the header length (bytes 0–8) says ${headerLength} bytes, above the 100 MB safetensors allows: not a safetensors file, or a corrupt one`);
  if (8 + headerLength > source.size) throw new FormatError('model-truncated', `${file}: the header length (bytes 0–8) says ${headerLength} bytes but only ${source.size - 8} follow: truncated, or the header lies`);
  const text = decodeUtf8(readRange(source, 8, headerLength, 'the JSON header'), `${file}: the JSON header (bytes 8–${8 + headerLength})`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new FormatError('model-corrupt', `${file}: the JSON header (bytes 8–${8 + headerLength}) is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(header)) throw new FormatError('model-corrupt', `${file}: the JSON header (bytes 8–${8 + headerLength}) must be an object`);
  const dataStart = 8 + headerLength;
  const dataLength = source.size - dataStart;
  let metadata = new Map<string, string>();
  const tensors: TensorInfo[] = [];
  const unreadable = new Map<string, string>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = stringMap(entry, `${file}: "__metadata__"`); continue; }
    const what = `${file}: tensor "${printableName(name)}"`;
    if (!isObject(entry)) throw new FormatError('model-corrupt', `${what} must be an object {dtype, shape, data_offsets}`);
    const dtype = entry.dtype;
    if (typeof dtype !== 'string') throw new FormatError('model-corrupt', `${what} has no "dtype"`);
    if (!isDType(dtype)) {
      unreadable.set(name, `dtype "${printableName(dtype)}": Depth Lens reads F64, F32, F16, BF16 and integer tensors`);
      continue;
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === 'number')) throw new FormatError('model-corrupt', `${what} needs a "shape" of integers`);
    const count = elementCount(shape, what);
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o): o is number => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)) {
      throw new FormatError('model-corrupt', `${what} needs "data_offsets": [begin, end] of non-negative integers`);
    }
    const [begin, end] = offsets;
    const expected = count * dtypeSize(dtype as DType);
    if (end < begin || end - begin !== expected) {
      throw new FormatError('model-corrupt', `${what}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${count} ${dtype} values need ${expected}`);
    }
    if (end > dataLength) {
      throw new FormatError('model-truncated', `${what}: data_offsets [${begin}, ${end}] lie past the end of the data (${dataLength} bytes after the header): truncated, or the header lies`);
    }
    tensors.push({
      name, dtype, shape: shape.slice(), count,
      location: { kind: 'bytes', source: sourceName, offset: dataStart + begin },
      where: `bytes ${dataStart + begin}–${dataStart + end}${sourceName ? ` of ${sourceName}` : ''}`,
    });
  }
  return { tensors, metadata, unreadable };
}

export function readSafetensors(source: ByteSource): ModelIndex {
  const { tensors, metadata, unreadable } = readSafetensorsHeader(source);
  return {
    format: 'safetensors', file: source.name, tensors, byName: indexByName(tensors, source.name),
    architecture: { kind: 'none' }, metadata, sources: new Map([['', source]]), unreadable,
  };
}

/**
 * A sharded model: the index's weight_map names each tensor's shard (a file beside the index); every
 * shard's header is read, and each tensor must be in the shard the map names.
 */
export function readSafetensorsIndex(source: ByteSource, siblings: SiblingFiles): ModelIndex {
  const file = source.name;
  if (source.size > MAX_HEADER_BYTES) throw new FormatError('model-too-large', `${file} has ${source.size} bytes; an index of shards is a small JSON file`);
  const text = decodeUtf8(readRange(source, 0, source.size, 'the index'), file);
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (e) {
    throw new FormatError('model-corrupt', `${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(index) || !isObject(index.weight_map)) throw new FormatError('model-corrupt', `${file} has no "weight_map" object (a sharded safetensors index maps tensor names to shard files)`);
  const metadata = stringMap(index.metadata, `${file}: "metadata"`);
  const sources = new Map<string, ByteSource>([['', source]]);
  const shardTensors = new Map<string, Map<string, TensorInfo>>();
  const tensors: TensorInfo[] = [];
  const unreadable = new Map<string, string>();
  for (const [name, shard] of Object.entries(index.weight_map)) {
    if (typeof shard !== 'string') throw new FormatError('model-corrupt', `${file}: weight_map["${printableName(name)}"] must be a file name`);
    let inShard = shardTensors.get(shard);
    if (!inShard) {
      const shardSource = siblings.open(shard);
      sources.set(shard, shardSource);
      const header = readSafetensorsHeader(shardSource, shard);
      inShard = new Map(header.tensors.map((t) => [t.name, t]));
      for (const [k, why] of header.unreadable) unreadable.set(k, why);
      shardTensors.set(shard, inShard);
    }
    if (unreadable.has(name)) continue;
    const t = inShard.get(name);
    if (!t) throw new FormatError('tensor-missing', `${file}: weight_map puts "${printableName(name)}" in ${printableName(shard)}, which has no such tensor`);
    tensors.push(t);
  }
  return {
    format: 'safetensors-index', file, tensors, byName: indexByName(tensors, file),
    architecture: { kind: 'none' }, metadata, sources, unreadable,
  };
}
