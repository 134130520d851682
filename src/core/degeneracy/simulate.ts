/**
 * Monte Carlo of the angle θ^ℓ between two inputs through random bias-free ReLU networks (MATH.md §C),
 * two ways:
 *  - the exact Markov chain: given θ^{ℓ−1}, the n_ℓ pre-activation pairs of layer ℓ are iid bivariate
 *    normal with correlation cos θ^{ℓ−1}; draw them, apply ReLU, measure the new angle. No matrices, and
 *    only the pairs with an active input are drawn (their number is binomial; see chainPath for why this
 *    is the same law).
 *  - full networks: iid N(0,1) weight matrices W^ℓ (n_ℓ × n_{ℓ−1}), z^1 = W^1 x, z^{ℓ+1} = W^{ℓ+1}σ(z^ℓ),
 *    the actual forward pass of x_α = e₁ and x_β = cos θ⁰ e₁ + sin θ⁰ e₂. The He factor sqrt(2/n_ℓ)
 *    is left out because a positive scalar per layer does not change any angle.
 * θ^ℓ is the angle between the post-activations σ(z^ℓ_α), σ(z^ℓ_β) (θ^0 the input angle); both modes
 * record X_ℓ = ln sin²θ^ℓ for ℓ = 0..L.
 *
 * Each trial (a chain path or a network) draws from its own stream Rng.derive(seed, trial), so a run
 * is reproducible bit-for-bit and trial t gives the same path whatever the number of trials. Trials
 * run in chunks whose size depends only on the widths (about TRIAL_CHUNK_WORK multiply-adds each),
 * spread over the threads of src/core/parallel.ts when a pool is installed: every trial writes its
 * own entries, so the samples are the same bits on any number of threads.
 *
 * sin²θ is computed from the component of one vector orthogonal to the other,
 * sin²θ = ‖b − (a·b/‖a‖²)a‖²/‖b‖², which keeps relative precision for small angles (1 − cos²θ would
 * not). The chain goes further: it carries the difference of the two pre-activations explicitly,
 *   v − u = −(1 − cos θ)u + sin θ·z,  1 − cos θ = sin²θ/(1 + cos θ),
 * and takes the new angle from the post-activation difference e = σ(v) − σ(u) alone
 * (b − (a·b/a·a)a = e − (a·e/a·a)a), with e in units of sin θ + (1 − cos θ) so nothing underflows. Forming
 * v = cos θ·u + sin θ·z instead loses sin θ·z against u once sin θ ≲ 1e-16 (X ≲ −69: at θ⁰ = 3e-16
 * every trial "collapsed", at 1e-15 the mean was biased by 0.08). So the chain resolves angles down to
 * sin θ ≈ 2⁻¹⁰⁰⁰ (X ≈ −1386); below that, or when both inputs end on the same single active neuron
 * (common only at tiny widths), θ counts as 0: X = −∞, absorbing ("collapsed").
 * The full networks multiply the two inputs separately, so they resolve only sin²θ above
 * COLLAPSE_SIN2 (below float64 resolution, it counts as collapsed). A post-activation vector that is
 * all zero leaves the angle undefined: X = NaN ("dead").
 */
import { checkpoint, silentContext, type AnalysisContext } from '../context';
import { registerTask, sharedFloat64, startChunks } from '../parallel';
import type { ChainKernels, NormalSource } from '../kernels/wasm';
import { Rng } from '../rng';
import { checkTheta } from './moments';

export type SimulationMode = 'chain' | 'network';

export interface AngleSamples {
  readonly mode: SimulationMode;
  readonly trials: number;
  /** L: samples exist for layers 0..L */
  readonly layers: number;
  /** X_ℓ = ln sin²θ^ℓ, layer-major: sample of trial t at layer ℓ is lnSin2[ℓ·trials + t] */
  readonly lnSin2: Float64Array;
}

export interface SimulationOptions {
  /** widths [n₀, n₁, …, n_L]; n₀ is the input dimension (used by the network mode only) */
  readonly widths: readonly number[];
  readonly theta0: number;
  readonly trials: number;
  readonly seed: number;
  readonly mode: SimulationMode;
}

export function checkWidths(widths: readonly number[], fn: string, minWidth = 1): void {
  if (!Array.isArray(widths) || widths.length < 2) throw new RangeError(`${fn}: widths must list the input width and at least one layer width, got ${JSON.stringify(widths)}`);
  widths.forEach((n, i) => {
    if (!Number.isInteger(n) || n < minWidth) throw new RangeError(`${fn}: width ${i} must be an integer ≥ ${minWidth}, got ${n}`);
  });
}

function checkTrials(trials: number, fn: string): void {
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`${fn}: trials must be a positive integer, got ${trials}`);
}

/**
 * sin²θ at or below this (θ ≲ 9e-16) is θ = 0 to float64 precision when a and b are computed
 * separately: exactly parallel vectors (e.g. the same single positive coordinate) leave a rounding
 * residue of about eps², not 0.
 */
export const COLLAPSE_SIN2 = 2 ** -100;

/** The chain's resolution: below sin θ = 2⁻¹⁰⁰⁰, sin θ·z would be subnormal and lose its digits. */
export const CHAIN_MIN_LN_SIN2 = 2 * Math.log(2 ** -1000);

/**
 * sin² of the angle between a and b (length n) given their Gram entries; NaN when either is zero.
 * Orthogonal-residual form (see module comment).
 */
function sin2FromVectors(a: Float64Array, b: Float64Array, n: number, aa: number, bb: number, ab: number): number {
  if (aa === 0 || bb === 0) return NaN;
  const k = ab / aa;
  let r = 0;
  for (let i = 0; i < n; i++) {
    const d = b[i] - k * a[i];
    r += d * d;
  }
  const s2 = r / bb;
  return s2 <= COLLAPSE_SIN2 ? 0 : s2 > 1 ? 1 : s2;
}

/** Run the Monte Carlo (chain or full networks). ctx.checkpoint is called between trials. */
export function simulateAngles(opts: SimulationOptions, ctx: AnalysisContext = silentContext): AngleSamples {
  return startSimulation(opts, ctx).finish();
}

/** A Monte Carlo started on the helper threads (startSimulation). */
export interface StartedSimulation {
  /** this thread joins in; returns the samples when every trial is done */
  finish(): AngleSamples;
  /** abandon the run (this thread failed elsewhere): waits for the trials running on helpers */
  abort(): void;
}

/**
 * Validates and starts the Monte Carlo on the helper threads of src/core/parallel.ts and returns at
 * once, so this thread can compute something else (the predicted density) while they work; `finish`
 * then takes the trials left. Without helpers all of it runs in `finish`. Same samples either way.
 */
export function startSimulation(opts: SimulationOptions, ctx: AnalysisContext = silentContext): StartedSimulation {
  const { widths, theta0, trials, seed, mode } = opts;
  checkWidths(widths, 'simulateAngles');
  checkTheta(theta0, 'simulateAngles');
  checkTrials(trials, 'simulateAngles');
  if (mode !== 'chain' && mode !== 'network') throw new RangeError(`simulateAngles: mode must be 'chain' or 'network', got ${String(mode)}`);
  if (mode === 'network' && widths[0] < 2) throw new RangeError(`simulateAngles: the network mode needs input width ≥ 2 to place two inputs at an angle, got ${widths[0]}`);
  const L = widths.length - 1;
  const out = sharedFloat64((L + 1) * trials);
  // chunks of about TRIAL_CHUNK_WORK: a chain trial costs Σ n_ℓ pairs, a network Σ n_ℓ·n_{ℓ−1} weights
  let perTrial = 0;
  for (let l = 1; l <= L; l++) perTrial += mode === 'chain' ? 8 * widths[l] : widths[l] * widths[l - 1];
  const chunkTrials = Math.max(1, Math.floor(TRIAL_CHUNK_WORK / Math.max(1, perTrial)));
  const chunks = Math.ceil(trials / chunkTrials);
  const input: AngleChunkInput = { widths: [...widths], theta0, trials, seed, mode, chunkTrials, out };
  const what = mode === 'chain' ? 'chain trials' : 'networks';
  const run = startChunks(ANGLE_TASK, input, chunks, {
    isCancelled: () => ctx.isCancelled(),
    progress: (f) => ctx.progress(f, `${what}: ${Math.min(trials, Math.round(f * chunks) * chunkTrials)}/${trials}`),
  });
  return {
    finish: () => {
      run.finish();
      checkpoint(ctx, 1);
      return { mode, trials, layers: L, lnSin2: out };
    },
    abort: () => run.abort(),
  };
}

/** multiply-adds (a chain pair counts 8) per chunk of trials: ~10–20 ms, so threads share the work evenly */
const TRIAL_CHUNK_WORK = 2_000_000;
const ANGLE_TASK = 'degeneracy.angles';

interface AngleChunkInput {
  readonly widths: number[];
  readonly theta0: number;
  readonly trials: number;
  readonly seed: number;
  readonly mode: SimulationMode;
  readonly chunkTrials: number;
  /** X_ℓ of trial t at [ℓ·trials + t] (shared between threads) */
  readonly out: Float64Array;
}

/** Trials [c·chunkTrials, (c+1)·chunkTrials) of a simulation, each from its own stream. */
function angleChunk(input: AngleChunkInput, chunk: number): void {
  const { widths, theta0, trials, seed, mode, chunkTrials, out } = input;
  const from = chunk * chunkTrials, to = Math.min(trials, from + chunkTrials);
  const x0 = 2 * Math.log(Math.sin(theta0));
  let maxW = 0; // a loop, not Math.max(...): one width per layer
  for (const n of widths) if (n > maxW) maxW = n;
  const bufA = new Float64Array(maxW), bufB = new Float64Array(maxW);
  if (mode === 'chain') {
    const g = new Float64Array(2 * maxW);
    // the pair and residual loops on WebAssembly where it runs (kernels.wat chainPairs: the same bits),
    // reading the draws where the ziggurat wrote them, a and e in its memory; else in JavaScript
    const src = Rng.normalKernels();
    const kern = src?.chain(maxW);
    for (let t = from; t < to; t++) {
      out[t] = x0;
      chainPath(Rng.derive(seed, t), widths, theta0, out, t, trials, bufA, bufB, g, src, kern);
    }
  } else {
    const bufA2 = new Float64Array(maxW), bufB2 = new Float64Array(maxW), row = new Float64Array(maxW);
    for (let t = from; t < to; t++) {
      out[t] = x0;
      networkPath(Rng.derive(seed, t), widths, theta0, out, t, trials, bufA, bufB, bufA2, bufB2, row);
    }
  }
}

registerTask(ANGLE_TASK, angleChunk as (input: never, chunk: number) => void);

/**
 * One path of the exact Markov chain, carrying the pre- and post-activation differences (module comment).
 *
 * Only the pairs where at least one input is active are drawn. Why that is the same distribution as
 * drawing all n pairs: write a pair as (u, v) = (g₁, cos θ·g₁ + sin θ·g₂), g₁, g₂ iid N(0, 1). Its
 * angle ψ in the (g₁, g₂) plane is uniform and independent of its radius, and the four sign quadrants of
 * (u, v) are the sectors P = {u > 0, v > 0} and D = {u ≤ 0, v ≤ 0} (each of angle π − θ, so probability
 * (π − θ)/(2π)) and the two wedges W₁₀ = {u > 0, v ≤ 0}, W₀₁ = {u ≤ 0, v > 0} (angle θ each, together
 * probability w = θ/π). D is −P (the point reflection g ↦ −g maps one onto the other) and W₀₁ is −W₁₀.
 *  1. A pair in D has σ(u) = σ(v) = 0: it adds nothing to ‖a‖², ‖b‖², a·b or any residual, and the
 *     angle is a symmetric function of the pairs, so their order and the D pairs themselves do not matter.
 *  2. The n pairs fall into (P, W, D) with multinomial counts; equivalently N_W ~ Binomial(n, w) and,
 *     given N_W, each of the other n − N_W pairs is in P or D with probability 1/2 each (the two sectors
 *     are congruent), so N_P ~ Binomial(n − N_W, 1/2) — a count of random bits. Given the counts, the
 *     pairs are independent draws from the normal law restricted to their region.
 *  3. The normal law restricted to P: draw g, reflect it when it lies in D (the density is even, so the
 *     reflected draw has density 2φ on P), and reject the draws that land in a wedge (probability w).
 *  4. Restricted to W: the wedge draws met while filling P (iid, and independent of the stopping rule,
 *     which looks at regions only), then for the rest ψ uniform on the wedge and radius R = √(−2 ln U):
 *     with t = θ·V, the point of W₁₀ is (u, v) = (R sin t, −R sin(θ − t)), of W₀₁ its reflection, a fair
 *     coin choosing — both coordinates O(Rθ) with full relative precision, even for θ ≈ 2⁻¹⁰⁰⁰.
 * So a layer draws about n Gaussians instead of 2n (E N_P = n(1 − w)/2 sector points at 1/(1 − w)
 * reflected pairs each, plus a batch's few spare pairs), and the loops run over the ≈ n(1 + w)/2 active
 * pairs only. Exact in distribution up to the generator's resolution (its Gaussians are symmetric to
 * 2⁻³¹; a reflected pair with a coordinate exactly 0, probability ~2⁻³¹, counts as a wedge or is dropped).
 */
function chainPath(rng: Rng, widths: readonly number[], theta0: number, out: Float64Array, t: number, trials: number,
  aJs: Float64Array, eJs: Float64Array, g: Float64Array, src: NormalSource | undefined, kern: ChainKernels | undefined): void {
  let c = Math.cos(theta0), s = Math.sin(theta0);
  const L = widths.length - 1;
  const maxPairs = g.length >> 1;
  const a = kern ? kern.a : aJs, e = kern ? kern.e : eJs;
  for (let l = 1; l <= L; l++) {
    const idx = l * trials + t;
    if (s === 0 || Number.isNaN(s)) {
      // absorbing: θ = 0 stays 0 (identical pairs), a dead vector stays dead
      out[idx] = Number.isNaN(s) ? NaN : -Infinity;
      continue;
    }
    const n = widths[l];
    const theta = Math.atan2(s, c);
    const w = Math.min(1, theta / Math.PI);
    const nW = rng.binomial(n, w);
    const nP = rng.fairCoins(n - nW);
    // 1 − cos θ without cancellation (for cos θ ≤ 0 the direct form has none)
    const oneMinusC = c > 0 ? (s * s) / (1 + c) : 1 - c;
    let aa = 0, bb = 0, ae = 0;
    let m = 0, gotP = 0, gotW = 0;
    if (kern && src) {
      // the loop below on WebAssembly (kernels.wat chainPairs), reading the draws where the ziggurat wrote them
      const sums = kern.sums, counts = kern.counts;
      sums[0] = 0; sums[1] = 0; sums[2] = 0; counts[0] = 0; counts[1] = 0; counts[2] = 0;
      while (counts[1] < nP) {
        const want = Math.min(maxPairs, Math.ceil((nP - counts[1]) / (1 - w)) + 2);
        rng.fillNormalIn(src, 2 * want);
        kern.pairs(want, s, oneMinusC, nP, nW);
      }
      // the wedge pairs the loop did not meet, by the polar form below (kernels.wat chainWedges)
      if (counts[2] < nW) rng.drawIn(src, () => kern.wedges(nW - counts[2], theta));
      aa = sums[0]; bb = sums[1]; ae = sums[2]; m = counts[0]; gotW = counts[2];
    } else {
      while (gotP < nP) {
        const want = Math.min(maxPairs, Math.ceil((nP - gotP) / (1 - w)) + 2);
        rng.fillNormal(g, 2 * want);
        for (let i = 0; i < want && gotP < nP; i++) {
          let u = g[2 * i];
          let d = s * g[2 * i + 1] - oneMinusC * u; // v − u
          let v = u + d;
          if (u <= 0 && v <= 0) { u = -u; d = -d; v = -v; } // D → P (step 3)
          if (u > 0 && v > 0) {
            // e = σ(v) − σ(u) = v − u where both are active
            a[m] = u; e[m] = d; m++; gotP++;
            aa += u * u; bb += v * v; ae += u * d;
          } else if ((u > 0 || v > 0) && gotW < nW) {
            // a wedge: one of σ(u), σ(v) is 0, so e = σ(v) − σ(u) has no cancellation
            const ai = u > 0 ? u : 0, bi = v > 0 ? v : 0, ei = bi - ai;
            a[m] = ai; e[m] = ei; m++; gotW++;
            aa += ai * ai; bb += bi * bi; ae += ai * ei;
          }
        }
      }
    }
    for (; gotW < nW; gotW++) {
      // 1 − U is exact (U is a multiple of 2⁻⁵³ below 1), so ln(1 − U) is as accurate as log1p(−U)
      const r = Math.sqrt(-2 * Math.log(1 - rng.uniform()));
      const tw = theta * rng.uniform();
      if (rng.nextUint32() & 1) {
        const ai = r * Math.sin(tw); // W₁₀: u = R sin t > 0, v ≤ 0, e = −u
        a[m] = ai; e[m] = -ai; m++;
        aa += ai * ai; ae -= ai * ai;
      } else {
        const bi = r * Math.sin(theta - tw); // W₀₁: u ≤ 0, v = R sin(θ − t) > 0, e = v
        a[m] = 0; e[m] = bi; m++;
        bb += bi * bi;
      }
    }
    if (aa === 0 || bb === 0) { s = NaN; out[idx] = NaN; continue; }
    // ‖e − (a·e/a·a)a‖² with e in units of sin θ + (1 − cos θ): every |e_i| ≤ |v_i − u_i| ≤ that unit
    // times |z_i| + |u_i|, so ê = e/unit is O(1) and its squares neither underflow nor overflow
    const unit = s + oneMinusC;
    const inv = 1 / unit;
    const k = (ae / aa) * inv;
    let r = 0, ee = 0;
    if (kern) {
      kern.residual(m, inv, k);
      r = kern.sums[3]; ee = kern.sums[4];
    } else {
      for (let i = 0; i < m; i++) {
        const ei = e[i] * inv;
        const di = ei - k * a[i];
        r += di * di;
        ee += ei * ei;
      }
    }
    // ê parallel to a to rounding (or e = 0): both inputs on the same single active neuron, exactly
    // parallel post-activations (any other way is a measure-zero event)
    const x = r <= COLLAPSE_SIN2 * ee ? -Infinity : Math.min(0, Math.log(r) + 2 * Math.log(unit) - Math.log(bb));
    if (!(x >= CHAIN_MIN_LN_SIN2)) { s = 0; out[idx] = -Infinity; continue; } // θ = 0, or below the chain's resolution
    out[idx] = x;
    s = Math.exp(x / 2);
    c = Math.sqrt(aa / bb) + ae / Math.sqrt(aa * bb); // a·b/(‖a‖‖b‖) with a·b = a·a + a·e
  }
}

/** One full random network applied to the two inputs. */
function networkPath(rng: Rng, widths: readonly number[], theta0: number, out: Float64Array, t: number, trials: number,
  ha: Float64Array, hb: Float64Array, za: Float64Array, zb: Float64Array, row: Float64Array): void {
  const n0 = widths[0];
  ha.fill(0, 0, n0); hb.fill(0, 0, n0);
  ha[0] = 1;
  hb[0] = Math.cos(theta0); hb[1] = Math.sin(theta0);
  let dead = false;
  const L = widths.length - 1;
  for (let l = 1; l <= L; l++) {
    const idx = l * trials + t;
    const m = widths[l], k = widths[l - 1];
    if (dead) { out[idx] = NaN; continue; }
    let aa = 0, bb = 0, ab = 0;
    for (let i = 0; i < m; i++) {
      rng.fillNormal(row, k);
      let sa = 0, sb = 0;
      for (let j = 0; j < k; j++) {
        const w = row[j];
        sa += w * ha[j];
        sb += w * hb[j];
      }
      const ai = sa > 0 ? sa : 0;
      const bi = sb > 0 ? sb : 0;
      za[i] = ai; zb[i] = bi;
      aa += ai * ai; bb += bi * bi; ab += ai * bi;
    }
    const s2 = sin2FromVectors(za, zb, m, aa, bb, ab);
    if (Number.isNaN(s2)) { dead = true; out[idx] = NaN; continue; }
    out[idx] = s2 === 0 ? -Infinity : Math.log(s2);
    // the new post-activations feed the next layer
    for (let i = 0; i < m; i++) { ha[i] = za[i]; hb[i] = zb[i]; }
  }
}

/** Summary of one layer's samples. Mean and sd are over the finite samples only. */
export interface SampleStats {
  readonly mean: number | null;
  /** sample standard deviation (n − 1 in the denominator) */
  readonly sd: number | null;
  /** standard error of the mean, sd/√count */
  readonly se: number | null;
  /** number of finite samples */
  readonly count: number;
  /** trials whose angle reached 0 or fell below the mode's resolution (X = −∞; see the module comment) */
  readonly collapsed: number;
  /** trials where a post-activation vector became all zero (angle undefined) */
  readonly dead: number;
}

export function sampleStats(values: ArrayLike<number>): SampleStats {
  let count = 0, collapsed = 0, dead = 0, mean = 0, m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isNaN(x)) { dead++; continue; }
    if (x === -Infinity) { collapsed++; continue; }
    count++;
    const d = x - mean; // Welford
    mean += d / count;
    m2 += d * (x - mean);
  }
  if (count === 0) return { mean: null, sd: null, se: null, count, collapsed, dead };
  const sd = count > 1 ? Math.sqrt(m2 / (count - 1)) : null;
  return { mean, sd, se: sd === null ? null : sd / Math.sqrt(count), count, collapsed, dead };
}

/** The samples of one layer (a view, not a copy). */
export function layerSamples(samples: AngleSamples, layer: number): Float64Array {
  if (!Number.isInteger(layer) || layer < 0 || layer > samples.layers) throw new RangeError(`layerSamples: layer must be an integer in 0..${samples.layers}, got ${layer}`);
  return samples.lnSin2.subarray(layer * samples.trials, (layer + 1) * samples.trials);
}
