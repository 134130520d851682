/**
 * Input images for the analyses of a conv net (activations, convergence probes): a batch of
 * [C, H, W] images in PyTorch's NCHW order, from a seed (the counter-based hash of ./hashInit.ts,
 * uniform on [−1, 1) — the very inputs scripts/make-conv-fixtures.py gives torch for seed 0x1A9E7)
 * or from a file: a NumPy .npy array or JSON numbers (nested lists or flat), of shape [C, H, W] or
 * [N, C, H, W] (any shape whose size is a multiple of C·H·W, read in row-major order).
 */
import { hashUniform, tensorSeed } from './hashInit';
import { readNpy } from '../formats/npy';
import { readTensor } from '../formats/model';
import { bytesSource } from '../formats/source';

export interface ImageBatch {
  readonly count: number;
  /** [C, H, W] of one image */
  readonly shape: readonly [number, number, number];
  /** count × C × H × W numbers, NCHW */
  readonly data: Float64Array;
  /** one name per image ("seed 109031 #1", "x.npy #2") */
  readonly names: readonly string[];
}

/** The default seed of the probe images: the fixtures' input seed, so `--seed` unset gives torch's recorded inputs first. */
export const DEFAULT_IMAGE_SEED = 0x1a9e7;

/** `count` images uniform on [−1, 1) from `seed` (image i is numbers i·CHW … (i+1)·CHW − 1 of one stream). */
export function seededImages(seed: number, count: number, shape: readonly [number, number, number]): ImageBatch {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seededImages: the seed must be an integer in 0..4294967295, got ${seed}`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`seededImages: the count must be a positive integer, got ${count}`);
  const per = shape[0] * shape[1] * shape[2];
  const data = hashUniform(tensorSeed(seed, 0), count * per, 0, 1);
  return { count, shape: [shape[0], shape[1], shape[2]], data, names: Array.from({ length: count }, (_, i) => `seed ${seed} #${i + 1}`) };
}

/** An image-file error (wrong size, not numbers): the caller reports it as a usage error. */
export class ImageInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'ImageInputError';
  }
}

/** JSON numbers, nested lists flattened in order (each leaf a finite number). */
function jsonNumbers(text: string, file: string): Float64Array {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ImageInputError(`${file}: not JSON (${(e as Error).message})`);
  }
  const out: number[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') { out.push(v); return; }
    if (!Array.isArray(v)) throw new ImageInputError(`${file}: ${path} is ${v === null ? 'null' : typeof v}; an image is a list of numbers (nested lists allowed)`);
    v.forEach((x, i) => walk(x, `${path}[${i}]`));
  };
  walk(doc, 'the document');
  return Float64Array.from(out);
}

/** Images read from a file's bytes: .npy by its magic, else JSON. */
export function imagesFromFile(file: string, bytes: Uint8Array, shape: readonly [number, number, number]): ImageBatch {
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  let data: Float64Array;
  if (bytes.length >= 6 && bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY') {
    const index = readNpy(bytesSource(base, bytes), 'image');
    data = readTensor(index, index.tensors[0]);
  } else {
    data = jsonNumbers(new TextDecoder().decode(bytes), file);
  }
  const per = shape[0] * shape[1] * shape[2];
  if (data.length === 0 || data.length % per !== 0) {
    throw new ImageInputError(`${file}: ${data.length} number${data.length === 1 ? '' : 's'}, not a whole number of ${shape.join('×')} images (${per} numbers each)`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ImageInputError(`${file}: entry ${i} is ${data[i]}, not a finite number`);
  }
  const count = data.length / per;
  return { count, shape: [shape[0], shape[1], shape[2]], data, names: Array.from({ length: count }, (_, i) => (count === 1 ? base : `${base} #${i + 1}`)) };
}

/** Batches one after the other. */
export function concatImages(batches: readonly ImageBatch[]): ImageBatch {
  if (batches.length === 1) return batches[0];
  const shape = batches[0].shape;
  const count = batches.reduce((s, b) => s + b.count, 0);
  const data = new Float64Array(count * shape[0] * shape[1] * shape[2]);
  let at = 0;
  for (const b of batches) { data.set(b.data, at); at += b.data.length; }
  return { count, shape, data, names: batches.flatMap((b) => b.names) };
}
