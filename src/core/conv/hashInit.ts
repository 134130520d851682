/**
 * A counter-based random initialisation that Python (numpy) and JavaScript reproduce bit for bit, so a
 * network of millions of weights (ResNet-18: 11.7 M) can be rebuilt from a seed instead of being
 * stored: scripts/make-conv-fixtures.py builds the same weights into torchvision's model, and the
 * tests and benchmarks rebuild them here.
 *
 * Algorithm: entry i of tensor k under base seed s takes the splitmix32 output function (MurmurHash3's
 * fmix32 finaliser) of the counter state t_k + (i + 1)·0x9e3779b9 (mod 2³²), where
 * t_k = fmix32(s + (k + 1)·0x632be5ab); its top 24 bits u give the number
 * fround(center + halfWidth · (u / 2²³ − 1)), uniform on [center − halfWidth, center + halfWidth) and
 * exactly representable in float32 (so float32 exports such as ONNX carry the very same values).
 * Only 32-bit integer arithmetic and two correctly rounded double operations: every IEEE engine agrees.
 */

export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The seed of tensor number `index` (0-based) under `baseSeed`. */
export function tensorSeed(baseSeed: number, index: number): number {
  return fmix32((baseSeed + Math.imul(index + 1, 0x632be5ab)) | 0);
}

/** `count` numbers uniform on [center − halfWidth, center + halfWidth), float32-exact, from `seed`. */
export function hashUniform(seed: number, count: number, center: number, halfWidth: number, out?: Float64Array): Float64Array {
  const y = out ?? new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const u = fmix32((seed + Math.imul(i + 1, 0x9e3779b9)) | 0) >>> 8;
    y[i] = Math.fround(center + halfWidth * (u / 8388608 - 1));
  }
  return y;
}
