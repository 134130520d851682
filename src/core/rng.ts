/**
 * The one seedable random source of Depth Lens.
 *
 * Algorithm: xoshiro128** 1.0 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c),
 * state seeded from a 32-bit seed by splitmix32. Doubles in [0, 1) take 53 random bits from two
 * outputs. Gaussians by the Box–Muller transform, both values used (gaussian, fillGaussian), and by
 * the ziggurat for the Monte Carlo (fillNormal). Every random analysis takes a
 * seed and is reproducible bit-for-bit on any JavaScript engine (only 32-bit integer ops and IEEE
 * doubles, no Math.random).
 */
import { NORMAL_BLOCK, normalSource, type NormalSource } from './kernels/wasm';

export class Rng {
  /**
   * xoshiro128** state s0..s3 as int32. A typed array, not four number fields: V8 holds numbers outside
   * the 31-bit small-integer range in fields as heap numbers, so every state update allocated
   * (nextUint32 took ~14 ns instead of ~3 ns); Int32Array stores are plain 32-bit writes. Same output.
   */
  private readonly s = new Int32Array(4);
  private spareGaussian = 0;
  private hasSpare = false;

  constructor(seed: number) {
    let x = (seed >>> 0) ^ Math.floor(seed / 4294967296) >>> 0;
    const next = () => {
      // splitmix32
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    const s = this.s;
    s[0] = next(); s[1] = next(); s[2] = next(); s[3] = next();
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const s0 = s[0], s1 = s[1];
    const s2 = s[2] ^ s0;
    const s3 = s[3] ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    s[0] = s0 ^ s3;
    s[1] = s1 ^ s2;
    s[2] = s2 ^ (s1 << 9);
    s[3] = rotl(s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [a, b). */
  uniformIn(a: number, b: number): number {
    return a + (b - a) * this.uniform();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal N(0, 1) by Box–Muller. */
  gaussian(): number {
    if (this.hasSpare) { this.hasSpare = false; return this.spareGaussian; }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * v;
    this.spareGaussian = r * Math.sin(a);
    this.hasSpare = true;
    return r * Math.cos(a);
  }

  /** Fill `out` with iid N(mean, sd²). */
  fillGaussian(out: Float64Array, mean = 0, sd = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + sd * this.gaussian();
    return out;
  }

  /** Fill `out` with iid U[a, b). */
  fillUniform(out: Float64Array, a = 0, b = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = a + (b - a) * this.uniform();
    return out;
  }

  /**
   * Fill out[0..count) with iid N(0, 1) by the ziggurat method (Marsaglia & Tsang 2000) in Doornik's
   * ZIGNOR form (2005): 128 blocks of equal area, the value and the block index from independent
   * random bits (the original takes both from one 32-bit word, which correlates them). 98.8 % of the
   * draws are one multiply and one compare; the rest take the wedge or tail test (exp/log). About 3×
   * the polar Box–Muller in V8 — the Monte Carlo's hot loop, so the generator's state lives in locals.
   * Value u = 2U − 1 has 31 random bits (resolution 2⁻³¹ before scaling by a block's width ≤ 3.71).
   * The fast path runs in WebAssembly where it can (half the time per draw of the JavaScript loop,
   * fillNormalScalar, which gives the same draws).
   */
  fillNormal(out: Float64Array, count = out.length): void {
    const src = normalSource(zigguratTables);
    if (!src) {
      this.fillNormalScalar(out, count);
      return;
    }
    for (let done = 0; done < count;) {
      const n = Math.min(NORMAL_BLOCK, count - done);
      const block = this.normalBlock(src, n, done === 0);
      out.set(n === NORMAL_BLOCK ? block : block.subarray(0, n), done);
      done += n;
    }
  }

  /**
   * fillNormal's draws, count ≤ NORMAL_BLOCK of them, left where the WebAssembly loop wrote them:
   * src.out[0..count), for kernels that read them there (NormalSource.chain).
   */
  fillNormalIn(src: NormalSource, count: number): Float64Array {
    if (!(Number.isInteger(count) && count >= 0 && count <= NORMAL_BLOCK)) throw new RangeError(`Rng.fillNormalIn: count must be an integer in [0, ${NORMAL_BLOCK}], got ${count}`);
    return this.normalBlock(src, count, true);
  }

  /** count ≤ NORMAL_BLOCK draws into src.out; `first`: the first block of a call (no block indices left from another) */
  private normalBlock(src: NormalSource, count: number, first: boolean): Float64Array {
    // the same draws from the WebAssembly loop (kernels.wat `fillNormal`, the wedge test included):
    // this stream's state goes in and comes out, and the rare draws for the tail take zigguratEdge here
    const st = this.s, state = src.state, block = src.out;
    state[0] = st[0]; state[1] = st[1]; state[2] = st[2]; state[3] = st[3];
    if (first) state[5] = 0; // no block indices left over from another call
    let i = 0;
    while ((i = src.fill(i, count)) < count) {
      st[0] = state[0]; st[1] = state[1]; st[2] = state[2]; st[3] = state[3];
      const z = this.zigguratEdge(state[6], src.edgeU[0]);
      state[0] = st[0]; state[1] = st[1]; state[2] = st[2]; state[3] = st[3];
      if (!Number.isNaN(z)) block[i++] = z;
    }
    st[0] = state[0]; st[1] = state[1]; st[2] = state[2]; st[3] = state[3];
    return block;
  }

  /**
   * Runs `draw` with this stream's state in src's instance (NormalSource.state, where its kernels
   * draw from, e.g. ChainKernels.wedges) and takes the state back afterwards.
   */
  drawIn(src: NormalSource, draw: () => void): void {
    const st = this.s, state = src.state;
    state[0] = st[0]; state[1] = st[1]; state[2] = st[2]; state[3] = st[3];
    try {
      draw();
    } finally {
      st[0] = state[0]; st[1] = state[1]; st[2] = state[2]; st[3] = state[3];
    }
  }

  /** fillNormal in JavaScript (where WebAssembly is unavailable or switched off): the same draws. */
  fillNormalScalar(out: Float64Array, count = out.length): void {
    const st = this.s, X = ZIG_X, RATIO = ZIG_RATIO;
    let s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
    let bits = 0, left = 0;
    let i = 0;
    while (i < count) {
      let r = Math.imul(s1, 5);
      const a = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
      let t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      if (left === 0) {
        // one 32-bit word gives the block indices (7 bits each) of four draws
        r = Math.imul(s1, 5);
        bits = Math.imul((r << 7) | (r >>> 25), 9);
        t = s1 << 9;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
        left = 4;
      }
      const j = bits & 127;
      bits >>>= 7;
      left--;
      const u = a * TWO_POW_M31 - 1;
      if (Math.abs(u) < RATIO[j]) { out[i++] = u * X[j]; continue; }
      // wedge or tail (1.2 %): through nextUint32, with the state handed over and taken back
      st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
      const z = this.zigguratEdge(j, u);
      s0 = st[0]; s1 = st[1]; s2 = st[2]; s3 = st[3];
      if (!Number.isNaN(z)) out[i++] = z;
    }
    st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
  }

  /**
   * Binomial(n, p): the number of successes among n independent trials of probability p. For a mean
   * np below 16, by inversion: one uniform V ∈ [0, 1) (53 bits) walks up the probabilities from
   * P(0) = (1 − p)ⁿ by P(k + 1) = P(k)·(n − k)/(k + 1)·p/(1 − p), about np + 1 steps and one exp
   * (P(0) ≥ e⁻³² for p ≤ 1/2, so nothing underflows). Otherwise by geometric waiting times (the number
   * of failures before a success is ⌊ln(1 − V)/ln(1 − p)⌋, by log1p so small p keeps its digits), about
   * np + 1 logarithms. Above p = 1/2 it counts the failures. Exact up to rounding and the 2⁻⁵³ steps of V.
   */
  binomial(n: number, p: number): number {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`Rng.binomial: n must be a non-negative integer, got ${n}`);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Rng.binomial: p must be in [0, 1], got ${p}`);
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    if (p === 0 || n === 0) return 0;
    const lq = Math.log1p(-p);
    if (n * p < 16) {
      const ratio = p / (1 - p);
      let f = Math.exp(n * lq);
      let v = this.uniform();
      let k = 0;
      while (v >= f && k < n) {
        v -= f;
        f *= ((n - k) / (k + 1)) * ratio;
        k++;
      }
      return k;
    }
    let k = 0, at = 0; // at: the trial (1-based) of the k-th success so far
    for (;;) {
      at += Math.floor(Math.log1p(-this.uniform()) / lq) + 1;
      if (at > n) return k;
      k++;
    }
  }

  /** Binomial(n, 1/2) exactly: the number of ones among n random bits (32 to a word, counted in parallel). */
  fairCoins(n: number): number {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`Rng.fairCoins: n must be a non-negative integer, got ${n}`);
    let k = 0;
    // nextUint32's steps with the state in locals (one load and store per call, not per word): the
    // chain calls this once a layer for ~8 words, and the typed-array traffic was most of its cost
    const s = this.s;
    let s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    for (let left = n; left > 0; left -= 32) {
      let x = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
      if (left < 32) x &= (1 << left) - 1;
      x -= (x >>> 1) & 0x55555555; // popcount (Hacker's Delight 5-2)
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      x = (x + (x >>> 4)) & 0x0f0f0f0f;
      k += Math.imul(x, 0x01010101) >>> 24;
    }
    s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
    return k;
  }

  /** The ziggurat's slow path for block j and u ∈ [−1, 1): the value, or NaN when rejected (draw again). */
  private zigguratEdge(j: number, u: number): number {
    if (j === 0) {
      // the base block's part beyond R: Marsaglia's exponential tail method
      let x: number, y: number;
      do {
        x = Math.log(this.open01()) / ZIG_R;
        y = Math.log(this.open01());
      } while (-2 * y < x * x);
      return u < 0 ? x - ZIG_R : ZIG_R - x;
    }
    const x = u * ZIG_X[j];
    const f0 = Math.exp(-0.5 * (ZIG_X[j] * ZIG_X[j] - x * x));
    const f1 = Math.exp(-0.5 * (ZIG_X[j + 1] * ZIG_X[j + 1] - x * x));
    return f1 + this.uniform() * (f0 - f1) < 1 ? x : NaN;
  }

  /** Uniform in the open interval (0, 1), 32 bits (for logarithms). */
  private open01(): number {
    return (this.nextUint32() + 0.5) * 2.3283064365386963e-10;
  }

  /** This thread's WebAssembly ziggurat (for fillNormalIn and its kernels), or undefined where it does not run. */
  static normalKernels(): NormalSource | undefined {
    return normalSource(zigguratTables);
  }

  /** An independent stream derived from this seed and a label (for per-layer / per-trial streams). */
  static derive(seed: number, stream: number): Rng {
    return new Rng(hash32(seed >>> 0, stream >>> 0));
  }
}

const TWO_POW_M31 = 1 / 2147483648;

/** ZIGNOR's constants for 128 blocks (Doornik 2005): the base block's right edge R and every block's area V. */
export const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;

/**
 * Block edges X[0..128] (X[0] = V/f(R) is the base block's equivalent width, X[1] = R, X[128] = 0;
 * f(x) = e^(−x²/2)) and RATIO[j] = X[j+1]/X[j], the fraction of block j under the curve everywhere.
 */
export const ZIG_X = new Float64Array(129);
const ZIG_RATIO = new Float64Array(128);
{
  let f = Math.exp(-0.5 * ZIG_R * ZIG_R);
  ZIG_X[0] = ZIG_V / f;
  ZIG_X[1] = ZIG_R;
  ZIG_X[128] = 0;
  for (let j = 2; j < 128; j++) {
    ZIG_X[j] = Math.sqrt(-2 * Math.log(ZIG_V / ZIG_X[j - 1] + f));
    f = Math.exp(-0.5 * ZIG_X[j] * ZIG_X[j]);
  }
  for (let j = 0; j < 128; j++) ZIG_RATIO[j] = ZIG_X[j + 1] / ZIG_X[j];
}

/** Writes X and RATIO into the WebAssembly fast path's memory (normalSource). */
function zigguratTables(xs: Float64Array, ratios: Float64Array): void {
  xs.set(ZIG_X);
  ratios.set(ZIG_RATIO);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A 32-bit mix of two integers (murmur3 finaliser), used to derive independent seeds. */
export function hash32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
