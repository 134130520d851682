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

export function polyAdd(p: Poly, q: Poly): Poly {
  const out = new Array<number>(Math.max(p.length, q.length)).fill(0);
  for (let i = 0; i < p.length; i++) out[i] += p[i];
  for (let i = 0; i < q.length; i++) out[i] += q[i];
  return out;
}

export function polyScale(p: Poly, k: number): Poly {
  return p.map((v) => v * k);
}

export function polyMul(p: Poly, q: Poly): Poly {
  if (p.length === 0 || q.length === 0) return [];
  const out = new Array<number>(p.length + q.length - 1).fill(0);
  for (let i = 0; i < p.length; i++) for (let j = 0; j < q.length; j++) out[i + j] += p[i] * q[j];
  return out;
}

/** c · p(c) */
export function polyShift(p: Poly): Poly {
  return p.length === 0 ? [] : [0, ...p];
}

/** Drop trailing zero coefficients (exact zeros only; coefficients here are integers or halves). */
export function polyTrim(p: Poly): Poly {
  let n = p.length;
  while (n > 0 && p[n - 1] === 0) n--;
  return p.slice(0, n);
}

/** Horner evaluation at x. */
export function polyEval(p: Poly, x: number): number {
  let s = 0;
  for (let i = p.length - 1; i >= 0; i--) s = s * x + p[i];
  return s;
}

/** (1 − c²)^m */
function oneMinusCSquaredPow(m: number): Poly {
  let p: Poly = [1];
  for (let i = 0; i < m; i++) p = polyMul(p, [1, 0, -1]);
  return p;
}

/** k!! with (−1)!! = 0!! = 1. */
export function doubleFactorial(k: number): number {
  let r = 1;
  for (let i = k; i > 1; i -= 2) r *= i;
  return r;
}

export function factorial(k: number): number {
  let r = 1;
  for (let i = 2; i <= k; i++) r *= i;
  return r;
}

export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Bessel number T(n, k) = C(n, 2k)(2k − 1)!! (OEIS A100861), exact for the sizes used here. */
export function besselNumber(n: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(k) || n < 0) throw new RangeError(`besselNumber: n and k must be integers with n ≥ 0, got n = ${n}, k = ${k}`);
  if (k < 0 || 2 * k > n) return 0;
  return binomial(n, 2 * k) * doubleFactorial(2 * k - 1);
}

/** Rows 0..maxN of the Bessel triangle: row n is [T(n, 0), …, T(n, ⌊n/2⌋)]. */
export function besselTriangle(maxN: number): number[][] {
  checkOrder(maxN, 'besselTriangle');
  const rows: number[][] = [];
  for (let n = 0; n <= maxN; n++) {
    const row: number[] = [];
    for (let k = 0; 2 * k <= n; k++) row.push(besselNumber(n, k));
    rows.push(row);
  }
  return rows;
}

/** P_{a,b}(c) = Σ_j j! T(a, (a−j)/2) T(b, (b−j)/2) c^j over j ≡ a ≡ b (mod 2) (MATH.md §C). */
export function besselP(a: number, b: number): Poly {
  if ((a + b) % 2 !== 0) return [];
  const p = new Array<number>(Math.min(a, b) + 1).fill(0);
  for (let j = a % 2; j <= Math.min(a, b); j += 2) p[j] = factorial(j) * besselNumber(a, (a - j) / 2) * besselNumber(b, (b - j) / 2);
  return polyTrim(p);
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

function checkOrder(max: number, fn: string): void {
  if (!Number.isInteger(max) || max < 0) throw new RangeError(`${fn}: order must be a non-negative integer, got ${max}`);
  if (max > 40) throw new RangeError(`${fn}: order ${max} is too large (at most 40; coefficients stop being exact in float64)`);
}

/**
 * The symbolic forms of K_{a,b} for 0 ≤ a, b ≤ max, as table[a][b].
 *
 * Recursion (Stein's lemma on G with F = G^{a−1}1{G>0} Ĝ^b 1{Ĝ>0}, a ≥ 1):
 *   K_{a,b} = (a−1)K_{a−2,b} + b c K_{a−1,b−1} + [a=1] s^b M_b/√(2π) + [b=0] c s^{a−1} M_{a−1}/√(2π),
 *   K_{0,0} = (π − θ)/(2π),  K_{0,b} = K_{b,0},  M_k = E[Z^k 1{Z>0}].
 * In the even normalisation (×2π) the boundary terms are s·(b−1)!!(1−c²)^{(b−1)/2} (b odd) and
 * s·(a−2)!! c (1−c²)^{(a−2)/2} (a even); in the odd one (×√(2π)) they are (b−1)!!/2·(1−c²)^{b/2}
 * (b even) and (a−2)!!/2·c(1−c²)^{(a−1)/2} (a odd), using M_k = (k−1)!!/2 for k even and
 * √(2π)M_k = 2^{(k−1)/2}((k−1)/2)! = (k−1)!! for k odd.
 */
export function momentForms(max: number): MomentForm[][] {
  checkOrder(max, 'momentForms');
  const P: Poly[][] = [];
  const Q: Poly[][] = [];
  const R: Poly[][] = [];
  for (let a = 0; a <= max; a++) { P.push([]); Q.push([]); R.push([]); }
  const get = (t: Poly[][], a: number, b: number): Poly => (a < 0 || b < 0 ? [] : t[a][b] ?? []);
  // Fill by increasing total degree a + b, for every pair with a, b ≤ max (and intermediate pairs they need).
  for (let total = 0; total <= 2 * max; total++) {
    for (let a = 1; a <= total; a++) {
      const b = total - a;
      if (a > max || b > max) continue;
      const even = total % 2 === 0;
      let p: Poly = [], q: Poly = [], r: Poly = [];
      // (a−1) K_{a−2,b}
      if (a >= 2) {
        p = polyAdd(p, polyScale(get(P, a - 2, b), a - 1));
        q = polyAdd(q, polyScale(get(Q, a - 2, b), a - 1));
        r = polyAdd(r, polyScale(get(R, a - 2, b), a - 1));
      }
      // b c K_{a−1,b−1}
      if (b >= 1) {
        p = polyAdd(p, polyScale(polyShift(get(P, a - 1, b - 1)), b));
        q = polyAdd(q, polyScale(polyShift(get(Q, a - 1, b - 1)), b));
        r = polyAdd(r, polyScale(polyShift(get(R, a - 1, b - 1)), b));
      }
      // [a = 1] s^b M_b / √(2π)
      if (a === 1) {
        if (even) q = polyAdd(q, polyScale(oneMinusCSquaredPow((b - 1) / 2), doubleFactorial(b - 1)));
        else r = polyAdd(r, polyScale(oneMinusCSquaredPow(b / 2), doubleFactorial(b - 1) / 2));
      }
      // [b = 0] c s^{a−1} M_{a−1} / √(2π)
      if (b === 0) {
        if (even) q = polyAdd(q, polyScale(polyShift(oneMinusCSquaredPow((a - 2) / 2)), doubleFactorial(a - 2)));
        else r = polyAdd(r, polyScale(polyShift(oneMinusCSquaredPow((a - 1) / 2)), doubleFactorial(a - 2) / 2));
      }
      P[a][b] = polyTrim(p); Q[a][b] = polyTrim(q); R[a][b] = polyTrim(r);
    }
    // K_{0,total} = K_{total,0}; K_{0,0} = (π − θ)/(2π)
    if (total <= max) {
      if (total === 0) { P[0][0] = [1]; Q[0][0] = []; R[0][0] = []; }
      else { P[0][total] = P[total][0]; Q[0][total] = Q[total][0]; R[0][total] = R[total][0]; }
    }
  }
  const table: MomentForm[][] = [];
  for (let a = 0; a <= max; a++) {
    const row: MomentForm[] = [];
    for (let b = 0; b <= max; b++) row.push({ a, b, parity: (a + b) % 2 === 0 ? 'even' : 'odd', P: P[a][b], Q: Q[a][b], R: R[a][b] });
    table.push(row);
  }
  return table;
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Evaluate a symbolic K_{a,b} at θ ∈ [0, π]. */
export function evalMomentForm(form: MomentForm, theta: number): number {
  checkTheta(theta, 'evalMomentForm');
  const c = Math.cos(theta), s = Math.sin(theta);
  if (form.parity === 'odd') return polyEval(form.R, c) / SQRT_2PI;
  return ((Math.PI - theta) * polyEval(form.P, c) + s * polyEval(form.Q, c)) / (2 * Math.PI);
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
  const max = Math.max(a, b);
  return evalMomentForm(cachedForms(max)[a][b], theta);
}

let formCache: MomentForm[][] = [];
function cachedForms(max: number): MomentForm[][] {
  if (formCache.length <= max) formCache = momentForms(Math.max(max, 8));
  return formCache;
}

export function checkTheta(theta: number, fn: string): void {
  if (typeof theta !== 'number' || !(theta >= 0 && theta <= Math.PI)) throw new RangeError(`${fn}: angle must be a number in [0, π], got ${theta}`);
}

/** The three moments Theorem 1 needs, in the closed forms of MATH.md §C. */
export function j11(theta: number): number {
  return (Math.sin(theta) + (Math.PI - theta) * Math.cos(theta)) / (2 * Math.PI);
}
export function j22(theta: number): number {
  const c = Math.cos(theta);
  return ((Math.PI - theta) * (2 * c * c + 1) + 3 * Math.sin(theta) * c) / (2 * Math.PI);
}
export function j31(theta: number): number {
  const c = Math.cos(theta), s = Math.sin(theta);
  return (3 * (Math.PI - theta) * c + s * c * c + 2 * s) / (2 * Math.PI);
}
