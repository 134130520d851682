/**
 * Mixed moments of ReLU'd correlated Gaussians (MATH.md §C):
 *   J_{a,b}(θ) = E[σ(G)^a σ(Ĝ)^b],  G, Ĝ ~ N(0, 1), E[GĜ] = cos θ.
 *
 * Computed symbolically through K_{a,b} = E[G^a 1{G>0} Ĝ^b 1{Ĝ>0}] (so J_{a,b} = K_{a,b} for a, b ≥ 1)
 * by the Gaussian integration-by-parts recursion of §C, carried out on polynomials in c = cos θ held
 * as coefficient arrays. The recursion keeps two shapes apart by the parity of a + b:
 *   a + b even:  2π K_{a,b} = (π − θ) P_{a,b}(c) + sin θ · Q_{a,b}(c)      (the paper's form)
 *   a + b odd:   √(2π) K_{a,b} = R_{a,b}(c)                                   [derived here]
 * (the odd case has no π − θ part: its boundary terms carry M_k with k even, i.e. a √π, and s^k with
 * k even is a polynomial in c). P agrees with the Bessel-number formula of §C (checked in the tests).
 */

/** A polynomial in c = cos θ: coefficients, lowest degree first. */
export type Poly = number[];
/** The same with exact integer coefficients (the recursion runs on these). */
type BigPoly = bigint[];

/** Horner evaluation at x. */
export function polyEval(p: Poly, x: number): number {
  let s = 0;
  for (let i = p.length - 1; i >= 0; i--) s = s * x + p[i];
  return s;
}

function bigAdd(p: BigPoly, q: BigPoly): BigPoly {
  const out = new Array<bigint>(Math.max(p.length, q.length)).fill(0n);
  for (let i = 0; i < p.length; i++) out[i] += p[i];
  for (let i = 0; i < q.length; i++) out[i] += q[i];
  return out;
}
const bigScale = (p: BigPoly, k: bigint): BigPoly => p.map((v) => v * k);
const bigShift = (p: BigPoly): BigPoly => (p.length === 0 ? [] : [0n, ...p]);
function bigTrim(p: BigPoly): BigPoly {
  let n = p.length;
  while (n > 0 && p[n - 1] === 0n) n--;
  return p.slice(0, n);
}
function bigMul(p: BigPoly, q: BigPoly): BigPoly {
  if (p.length === 0 || q.length === 0) return [];
  const out = new Array<bigint>(p.length + q.length - 1).fill(0n);
  for (let i = 0; i < p.length; i++) for (let j = 0; j < q.length; j++) out[i + j] += p[i] * q[j];
  return out;
}

/** (1 − c²)^m */
function oneMinusCSquaredPow(m: number): BigPoly {
  let p: BigPoly = [1n];
  for (let i = 0; i < m; i++) p = bigMul(p, [1n, 0n, -1n]);
  return p;
}

/** True when every value is an integer a double holds exactly (its nearest double is itself). */
export function exactlyRepresentable(values: readonly bigint[]): boolean {
  return values.every((v) => BigInt(Number(v)) === v);
}

function bigDoubleFactorial(k: number): bigint {
  let r = 1n;
  for (let i = k; i > 1; i -= 2) r *= BigInt(i);
  return r;
}

function bigFactorial(k: number): bigint {
  let r = 1n;
  for (let i = 2; i <= k; i++) r *= BigInt(i);
  return r;
}

function bigBinomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i); // exact: r·(n−k+i) is divisible by i here
  return r;
}

/** k!! with (−1)!! = 0!! = 1 (a double: exact up to 2⁵³, correctly rounded beyond). */
export function doubleFactorial(k: number): number {
  return Number(bigDoubleFactorial(k));
}

export function binomial(n: number, k: number): number {
  return Number(bigBinomial(n, k));
}

/** Bessel number T(n, k) = C(n, 2k)(2k − 1)!! (OEIS A100861) as an exact integer. */
export function besselNumberExact(n: number, k: number): bigint {
  if (!Number.isInteger(n) || !Number.isInteger(k) || n < 0) throw new RangeError(`besselNumber: n and k must be integers with n ≥ 0, got n = ${n}, k = ${k}`);
  if (k < 0 || 2 * k > n) return 0n;
  return bigBinomial(n, 2 * k) * bigDoubleFactorial(2 * k - 1);
}

/** Bessel number T(n, k) as a double (exact while it is below 2⁵³, the nearest double beyond). */
export function besselNumber(n: number, k: number): number {
  return Number(besselNumberExact(n, k));
}

/** Rows 0..maxN of the Bessel triangle, exact: row n is [T(n, 0), …, T(n, ⌊n/2⌋)]. */
export function besselTriangleExact(maxN: number): bigint[][] {
  checkOrder(maxN, 'besselTriangle');
  const rows: bigint[][] = [];
  for (let n = 0; n <= maxN; n++) {
    const row: bigint[] = [];
    for (let k = 0; 2 * k <= n; k++) row.push(besselNumberExact(n, k));
    rows.push(row);
  }
  return rows;
}

/** Rows 0..maxN of the Bessel triangle as doubles. */
export function besselTriangle(maxN: number): number[][] {
  return besselTriangleExact(maxN).map((row) => row.map(Number));
}

/** P_{a,b}(c) = Σ_j j! T(a, (a−j)/2) T(b, (b−j)/2) c^j over j ≡ a ≡ b (mod 2) (MATH.md §C). */
export function besselP(a: number, b: number): Poly {
  if ((a + b) % 2 !== 0) return [];
  const p = new Array<bigint>(Math.min(a, b) + 1).fill(0n);
  for (let j = a % 2; j <= Math.min(a, b); j += 2) p[j] = bigFactorial(j) * besselNumberExact(a, (a - j) / 2) * besselNumberExact(b, (b - j) / 2);
  return bigTrim(p).map(Number);
}

/** The symbolic form of one K_{a,b}; see the module comment for what P, Q, R mean. */
export interface MomentForm {
  readonly a: number;
  readonly b: number;
  /** 'even': 2πK = (π − θ)P(c) + sin θ·Q(c);  'odd': √(2π)K = R(c) */
  readonly parity: 'even' | 'odd';
  readonly P: Poly;
  readonly Q: Poly;
  readonly R: Poly;
}

/** A MomentForm with exact coefficients: P and Q are integers, R has denominator 2 (kept as 2R). */
export interface ExactMomentForm {
  readonly a: number;
  readonly b: number;
  readonly parity: 'even' | 'odd';
  readonly P: readonly bigint[];
  readonly Q: readonly bigint[];
  readonly twoR: readonly bigint[];
}

/** Largest order the tables offer (80th moments: coefficients up to ~1e60, exact as integers). */
export const MAX_MOMENT_ORDER = 40;

function checkOrder(max: number, fn: string): void {
  if (!Number.isInteger(max) || max < 0) throw new RangeError(`${fn}: order must be a non-negative integer, got ${max}`);
  if (max > MAX_MOMENT_ORDER) throw new RangeError(`${fn}: order ${max} is too large (at most ${MAX_MOMENT_ORDER})`);
}

/**
 * The exact symbolic forms of K_{a,b} for 0 ≤ a, b ≤ max, as table[a][b], in integer arithmetic
 * (BigInt): the coefficients outgrow 2⁵³ from order 17 on, where doubles would round them.
 *
 * Recursion (Stein's lemma on G with F = G^{a−1}1{G>0} Ĝ^b 1{Ĝ>0}, a ≥ 1):
 *   K_{a,b} = (a−1)K_{a−2,b} + b c K_{a−1,b−1} + [a=1] s^b M_b/√(2π) + [b=0] c s^{a−1} M_{a−1}/√(2π),
 *   K_{0,0} = (π − θ)/(2π),  K_{0,b} = K_{b,0},  M_k = E[Z^k 1{Z>0}].
 * In the even normalisation (×2π) the boundary terms are s·(b−1)!!(1−c²)^{(b−1)/2} (b odd) and
 * s·(a−2)!! c (1−c²)^{(a−2)/2} (a even); in the odd one (×√(2π)) they are (b−1)!!/2·(1−c²)^{b/2}
 * (b even) and (a−2)!!/2·c(1−c²)^{(a−1)/2} (a odd), using M_k = (k−1)!!/2 for k even and
 * √(2π)M_k = 2^{(k−1)/2}((k−1)/2)! = (k−1)!! for k odd. The odd forms are carried as 2R (integers).
 */
export function momentFormsExact(max: number): ExactMomentForm[][] {
  checkOrder(max, 'momentForms');
  const P: BigPoly[][] = [];
  const Q: BigPoly[][] = [];
  const R2: BigPoly[][] = [];
  for (let a = 0; a <= max; a++) { P.push([]); Q.push([]); R2.push([]); }
  const get = (t: BigPoly[][], a: number, b: number): BigPoly => (a < 0 || b < 0 ? [] : t[a][b] ?? []);
  // Fill by increasing total degree a + b, for every pair with a, b ≤ max (and intermediate pairs they need).
  for (let total = 0; total <= 2 * max; total++) {
    for (let a = 1; a <= total; a++) {
      const b = total - a;
      if (a > max || b > max) continue;
      const even = total % 2 === 0;
      let p: BigPoly = [], q: BigPoly = [], r: BigPoly = [];
      // (a−1) K_{a−2,b}
      if (a >= 2) {
        const k = BigInt(a - 1);
        p = bigAdd(p, bigScale(get(P, a - 2, b), k));
        q = bigAdd(q, bigScale(get(Q, a - 2, b), k));
        r = bigAdd(r, bigScale(get(R2, a - 2, b), k));
      }
      // b c K_{a−1,b−1}
      if (b >= 1) {
        const k = BigInt(b);
        p = bigAdd(p, bigScale(bigShift(get(P, a - 1, b - 1)), k));
        q = bigAdd(q, bigScale(bigShift(get(Q, a - 1, b - 1)), k));
        r = bigAdd(r, bigScale(bigShift(get(R2, a - 1, b - 1)), k));
      }
      // [a = 1] s^b M_b / √(2π)
      if (a === 1) {
        if (even) q = bigAdd(q, bigScale(oneMinusCSquaredPow((b - 1) / 2), bigDoubleFactorial(b - 1)));
        else r = bigAdd(r, bigScale(oneMinusCSquaredPow(b / 2), bigDoubleFactorial(b - 1)));
      }
      // [b = 0] c s^{a−1} M_{a−1} / √(2π)
      if (b === 0) {
        if (even) q = bigAdd(q, bigScale(bigShift(oneMinusCSquaredPow((a - 2) / 2)), bigDoubleFactorial(a - 2)));
        else r = bigAdd(r, bigScale(bigShift(oneMinusCSquaredPow((a - 1) / 2)), bigDoubleFactorial(a - 2)));
      }
      P[a][b] = bigTrim(p); Q[a][b] = bigTrim(q); R2[a][b] = bigTrim(r);
    }
    // K_{0,total} = K_{total,0}; K_{0,0} = (π − θ)/(2π)
    if (total <= max) {
      if (total === 0) { P[0][0] = [1n]; Q[0][0] = []; R2[0][0] = []; }
      else { P[0][total] = P[total][0]; Q[0][total] = Q[total][0]; R2[0][total] = R2[total][0]; }
    }
  }
  const table: ExactMomentForm[][] = [];
  for (let a = 0; a <= max; a++) {
    const row: ExactMomentForm[] = [];
    for (let b = 0; b <= max; b++) row.push({ a, b, parity: (a + b) % 2 === 0 ? 'even' : 'odd', P: P[a][b], Q: Q[a][b], twoR: R2[a][b] });
    table.push(row);
  }
  return table;
}

/** A form's coefficients as doubles: exact below 2⁵³, the nearest double to the exact integer beyond. */
export function formToNumbers(f: ExactMomentForm): MomentForm {
  // Number(bigint) rounds to nearest; halving a double is exact
  return { a: f.a, b: f.b, parity: f.parity, P: f.P.map(Number), Q: f.Q.map(Number), R: f.twoR.map((v) => Number(v) / 2) };
}

/** The symbolic forms of K_{a,b} for 0 ≤ a, b ≤ max as doubles (see momentFormsExact). */
export function momentForms(max: number): MomentForm[][] {
  return momentFormsExact(max).map((row) => row.map(formToNumbers));
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Evaluate a symbolic K_{a,b} at θ ∈ [0, π]. */
export function evalMomentForm(form: MomentForm, theta: number): number {
  checkTheta(theta, 'evalMomentForm');
  const c = Math.cos(theta), s = Math.sin(theta);
  if (form.parity === 'odd') return polyEval(form.R, c) / SQRT_2PI;
  return ((Math.PI - theta) * polyEval(form.P, c) + s * polyEval(form.Q, c)) / (2 * Math.PI);
}

// ---------------------------------------------------------------------------------------------
// The wedge integral: a cancellation-free value of K_{a,b} at every angle

/** Gauss–Legendre nodes and weights on [0, 1], computed once (Newton on P_N from Tricomi's guesses). */
const WEDGE_NODES = 64;
let wedgeRule: { x: Float64Array; w: Float64Array } | undefined;

function gaussLegendre01(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n), w = new Float64Array(n);
  for (let i = 1; i <= n; i++) {
    let z = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1, p1 = z;
      for (let k = 2; k <= n; k++) { const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k; p0 = p1; p1 = p2; }
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) <= 1e-16) break;
    }
    x[i - 1] = 0.5 * (1 - z);
    w[i - 1] = 1 / ((1 - z * z) * dp * dp); // half of the [−1, 1] weight
  }
  return { x, w };
}

/** R_k = ∫₀^∞ r^k e^{−r²/2} dr = (k−1)!! · (√(π/2) for k even, 1 for k odd). */
function radialMoment(k: number): number {
  return k % 2 === 0 ? doubleFactorial(k - 1) * Math.sqrt(Math.PI / 2) : doubleFactorial(k - 1);
}

/**
 * K_{a,b}(θ) from its definition in polar coordinates [derived]: with (G, Ĝ) = (r cos φ, r cos(φ − θ)),
 * both are positive on a wedge of opening δ = π − θ, and t = π/2 − φ gives
 *   K_{a,b}(θ) = R_{a+b+1}/(2π) · ∫₀^δ sin^a t · sin^b(δ − t) dt.
 * The integrand is positive, so a Gauss–Legendre sum keeps full relative precision at every angle —
 * in particular near θ = π, where K ~ δ^{a+b+1} and the exact forms (π − θ)P + sin θ·Q and R(c) cancel
 * catastrophically. 64 nodes integrate sin^a·sin^b to ~1e-16 for a + b ≤ 80 on δ ≤ π (the integrand
 * is entire; its growth on the Bernstein ellipse ρ = 2 is below cosh(1.2)^80 ≈ 1e20 against ρ^−128).
 */
export function wedgeMoment(a: number, b: number, theta: number): number {
  checkTheta(theta, 'wedgeMoment');
  // δ = π − θ with π's low-order part, so the opening is exact for the double θ (K ~ δ^{a+b+1})
  const delta = (Math.PI - theta) + PI_LO;
  const rule = (wedgeRule ??= gaussLegendre01(WEDGE_NODES));
  let sum = 0;
  for (let i = 0; i < WEDGE_NODES; i++) {
    // sin t/δ ≤ 1: the sum stays near 1 and the scale δ^{a+b+1} is applied once, so nothing underflows early
    const t = delta * rule.x[i];
    sum += rule.w[i] * Math.pow(Math.sin(t) / delta, a) * Math.pow(Math.sin(delta - t) / delta, b);
  }
  const k = a + b + 1;
  let scale = radialMoment(k) / (2 * Math.PI);
  const power = Math.pow(delta, k);
  if (power >= 1e-290) scale *= power;
  else for (let i = 0; i < k; i++) scale *= delta; // δ^k alone would underflow although scale·δ^k does not
  return scale * sum;
}

/** π − Math.PI: the part of π a double cannot hold. */
const PI_LO = 1.2246467991473532e-16;

/**
 * K_{a,b}(θ) to full relative precision at every angle: the exact form where it is well conditioned
 * (θ ≤ π/2, where c ≥ 0 makes (π − θ)P(c) and P's terms all non-negative; measured ≤ 1e-13 relative
 * for a, b ≤ 40 against 600-digit evaluations), the wedge integral above it.
 */
export function momentValue(form: MomentForm, theta: number): number {
  checkTheta(theta, 'momentValue');
  return theta <= Math.PI / 2 ? evalMomentForm(form, theta) : wedgeMoment(form.a, form.b, theta);
}

/** E[σ(Z)^k] = E[Z^k 1{Z>0}] for Z ~ N(0,1), k ≥ 0 (σ(Z)^0 taken as 1{Z>0}: M_0 = 1/2). */
export function halfMoment(k: number): number {
  return k % 2 === 0 ? doubleFactorial(k - 1) / 2 : doubleFactorial(k - 1) / SQRT_2PI;
}

/**
 * J_{a,b}(θ) for a, b ≥ 0 with 0⁰ = 1: J = K for a, b ≥ 1; J_{a,0} = E[σ(G)^a] = M_a (a ≥ 1); J_{0,0} = 1.
 */
export function mixedMoment(a: number, b: number, theta: number): number {
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0) throw new RangeError(`mixedMoment: a and b must be non-negative integers, got a = ${a}, b = ${b}`);
  checkTheta(theta, 'mixedMoment');
  if (a === 0 && b === 0) return 1;
  if (a === 0) return halfMoment(b);
  if (b === 0) return halfMoment(a);
  if (theta > Math.PI / 2) return wedgeMoment(a, b, theta);
  return evalMomentForm(cachedForms(Math.max(a, b))[a][b], theta);
}

let formCache: MomentForm[][] = [];
function cachedForms(max: number): MomentForm[][] {
  if (formCache.length <= max) formCache = momentForms(Math.max(max, 8));
  return formCache;
}

export function checkTheta(theta: number, fn: string): void {
  if (typeof theta !== 'number' || !(theta >= 0 && theta <= Math.PI)) throw new RangeError(`${fn}: angle must be a number in [0, π], got ${theta}`);
}

/**
 * The three moments Theorem 1 needs: the closed forms of MATH.md §C up to π/2; above it the wedge
 * integral, because all three vanish at π (like δ³, δ⁵, δ⁵ in δ = π − θ) while the closed forms'
 * terms do not, so they would cancel to noise (J22(π − 1e-3) would keep no digit).
 */
export function j11(theta: number): number {
  if (theta > Math.PI / 2) return wedgeMoment(1, 1, theta);
  return (Math.sin(theta) + (Math.PI - theta) * Math.cos(theta)) / (2 * Math.PI);
}
export function j22(theta: number): number {
  if (theta > Math.PI / 2) return wedgeMoment(2, 2, theta);
  const c = Math.cos(theta);
  return ((Math.PI - theta) * (2 * c * c + 1) + 3 * Math.sin(theta) * c) / (2 * Math.PI);
}
export function j31(theta: number): number {
  if (theta > Math.PI / 2) return wedgeMoment(3, 1, theta);
  const c = Math.cos(theta), s = Math.sin(theta);
  return (3 * (Math.PI - theta) * c + s * c * c + 2 * s) / (2 * Math.PI);
}
