/**
 * Packed activation patterns, their hash and the stable colour derived from it.
 *
 * Packing: each ReLU unit's bits (bit i = neuron i active) fill ⌈width/32⌉ 32-bit words, bit i in
 * word i>>5 at position i&31; units follow each other word-aligned in network order. The hash is
 * FNV-1a (32-bit) over the little-endian bytes of those words, so the same pattern hashes the same
 * in the partition, the batched kernel and the webview, on every run.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a over the bytes of words[from..to). `seed` continues an earlier hash, so a pattern can be
 * hashed unit by unit as it is built: hashWords(b, 0, b.length, hashWords(a)) = hashWords(a ++ b).
 */
export function hashWords(words: ArrayLike<number>, from = 0, to = words.length, seed = FNV_OFFSET): number {
  let h = seed;
  for (let i = from; i < to; i++) {
    const w = words[i];
    h = Math.imul(h ^ (w & 0xff), FNV_PRIME);
    h = Math.imul(h ^ ((w >>> 8) & 0xff), FNV_PRIME);
    h = Math.imul(h ^ ((w >>> 16) & 0xff), FNV_PRIME);
    h = Math.imul(h ^ (w >>> 24), FNV_PRIME);
  }
  return h >>> 0;
}

/** Hue, saturation, lightness (degrees, %, %) for a pattern hash: well spread hues, mid tones. */
export function hashHsl(hash: number): [number, number, number] {
  // fold the hash again so nearby hashes (patterns differing in one bit) get distant hues
  let h = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  const hue = h % 360;
  const sat = 55 + ((h >>> 9) % 30);
  const light = 45 + ((h >>> 17) % 20);
  return [hue, sat, light];
}

/** CSS colour of a region with this pattern hash. */
export function hashColor(hash: number): string {
  const [h, s, l] = hashHsl(hash);
  return `hsl(${h} ${s}% ${l}%)`;
}

/** The same colour as 0..255 RGB (for canvas ImageData). */
export function hashRgb(hash: number): [number, number, number] {
  const [h, s100, l100] = hashHsl(hash);
  const s = s100 / 100, l = l100 / 100;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Pack 0/1 bits (length = width) into words at `offset`. */
export function packBits(bits: ArrayLike<number>, out: Uint32Array, offset: number): void {
  const words = (bits.length + 31) >>> 5;
  out.fill(0, offset, offset + words);
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[offset + (i >>> 5)] |= 1 << (i & 31);
}

/** Unpack `width` bits starting at word `offset`. */
export function unpackBits(words: ArrayLike<number>, offset: number, width: number): Uint8Array {
  const bits = new Uint8Array(width);
  for (let i = 0; i < width; i++) bits[i] = (words[offset + (i >>> 5)] >>> (i & 31)) & 1;
  return bits;
}
