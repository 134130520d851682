/**
 * Mixed moments J_{a,b}(θ) = E[σ(G)^a σ(Ĝ)^b] (MATH.md §C): the symbolic K recursion against an
 * independent numerical quadrature, the Bessel-number form of P, the reference values of §C, and the
 * `depth-lens moments` command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  besselNumber, besselNumberExact, besselP, besselTriangle, evalMomentForm, halfMoment, j11, j22, j31, mixedMoment, momentForms,
  momentFormsExact, wedgeMoment,
} from '../../src/core/degeneracy/moments';
import { runMoments } from '../../src/core/degeneracy/analysis';
import { momentsCommand } from '../../src/cli/commands/moments';
import { UsageError } from '../../src/cli/command';

const io = { readFile: () => new Uint8Array(), writeFile: () => undefined, progress: () => undefined };

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_n; Golub–Welsch not needed at these sizes). */
function gaussLegendre(n: number): { x: number[]; w: number[] } {
  const x: number[] = [], w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let z = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1, p1 = z;
      for (let k = 2; k <= n; k++) { const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k; p0 = p1; p1 = p2; }
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x.push(z); w.push(2 / ((1 - z * z) * dp * dp));
  }
  return { x, w };
}

const GL_ANGLE = gaussLegendre(48);
const GL_RADIUS = gaussLegendre(96);

/**
 * J_{a,b}(θ) by 2-D quadrature in polar coordinates: (G, Ĝ) = (r cos φ, r cos(φ − θ)) for a standard
 * 2-D Gaussian, so J = (1/2π)∫∫ r^{a+b+1} e^{−r²/2} cos^a φ cos^b(φ − θ) over the wedge where both
 * cosines are positive, φ ∈ [θ − π/2, π/2]. Both integrals numerically (Gauss–Legendre; r ∈ [0, 16]).
 */
function quadratureJ(a: number, b: number, theta: number): number {
  const lo = theta - Math.PI / 2, hi = Math.PI / 2;
  let angular = 0;
  if (hi > lo) {
    for (let i = 0; i < GL_ANGLE.x.length; i++) {
      const phi = 0.5 * (hi - lo) * GL_ANGLE.x[i] + 0.5 * (hi + lo);
      angular += 0.5 * (hi - lo) * GL_ANGLE.w[i] * Math.cos(phi) ** a * Math.cos(phi - theta) ** b;
    }
  }
  let radial = 0;
  const R = 16;
  for (let i = 0; i < GL_RADIUS.x.length; i++) {
    const r = 0.5 * R * (GL_RADIUS.x[i] + 1);
    radial += 0.5 * R * GL_RADIUS.w[i] * r ** (a + b + 1) * Math.exp(-0.5 * r * r);
  }
  return (angular * radial) / (2 * Math.PI);
}

test('quadrature itself reproduces closed forms (sanity of the reference)', () => {
  // E[σ(G)²] = 1/2 at θ = 0 and J11(π/2) = 1/(2π) (MATH.md §C)
  assert.ok(Math.abs(quadratureJ(1, 1, Math.PI / 2) - 1 / (2 * Math.PI)) < 1e-14);
  assert.ok(Math.abs(quadratureJ(1, 1, 0) - 0.5) < 1e-14);
});

test('the exact forms from the K recursion agree with 2-D quadrature for all a, b ≤ 8 (absolute, scaled by M_{a+b})', () => {
  const forms = momentForms(8);
  let worst = 0;
  for (const theta of [0, 0.05, 0.3, 1, Math.PI / 2, 2.2, 3, Math.PI]) {
    for (let a = 1; a <= 8; a++) {
      for (let b = 1; b <= 8; b++) {
        const exact = evalMomentForm(forms[a][b], theta);
        const quad = quadratureJ(a, b, theta);
        const scale = halfMoment(a + b); // J_{a,b}(0) = E[σ(G)^{a+b}] bounds J (Cauchy–Schwarz + monotone in c)
        const err = Math.abs(exact - quad) / scale;
        worst = Math.max(worst, err);
        assert.ok(err < 1e-11, `J(${a},${b})(${theta}): recursion ${exact}, quadrature ${quad}`);
      }
    }
  }
  assert.ok(worst < 1e-11);
});

test('J_{a,b} to full relative precision at every angle: quadrature relative to the value itself, a, b ≤ 8', () => {
  // the exact forms' values cancel catastrophically near π (J ~ δ^{a+b+1}, δ = π − θ, from O(1) terms);
  // dividing the error by J itself, not by M_{a+b}, is what shows it
  let worst = 0;
  for (const theta of [0, 0.3, 1, Math.PI / 2, 2, 2.5, 3, 3.1, Math.PI - 1e-3]) {
    for (let a = 1; a <= 8; a++) {
      for (let b = 1; b <= 8; b++) {
        const j = mixedMoment(a, b, theta), quad = quadratureJ(a, b, theta);
        const err = Math.abs(j - quad) / quad;
        worst = Math.max(worst, err);
        assert.ok(err < 1e-12, `J(${a},${b})(${theta}): ${j}, quadrature ${quad}, relative error ${err}`);
        if (a === 8 && b === 8 && theta === 3.1) {
          // what the (π − θ)P + sin θ·Q form alone gives there: noise, even the sign (was −3.7e-11)
          const formValue = evalMomentForm(momentForms(8)[8][8], theta);
          assert.ok(Math.abs(formValue - quad) > 1e6 * quad, `form ${formValue} vs ${quad}`);
        }
      }
    }
  }
  assert.ok(worst < 1e-12, `worst ${worst}`);
});

test('J near π and at high orders against 600-digit references', () => {
  // References: the exact forms (P, Q, 2R from the K recursion re-implemented independently in Python
  // with integer coefficients) evaluated in mpmath at 600 digits, at the double θ given, rounded to the
  // nearest double.
  const refs: [number, number, number, number][] = [
    [8, 8, 3.1, 2.5021227058623213e-23],
    [1, 1, 3.141591653589793, 5.3051647739030353e-20],
    [40, 40, 2.0, 8.760393680637717e+36], // the float forms gave −1.69e36
    [20, 35, 3.0, 1.6634881088513982e-28],
    [3, 4, 3.14159, 1.838999632289338e-46],
    [2, 2, 3.1415, 2.8980115709820273e-22],
    [17, 17, 2.5, 8.940387126643353],
    [8, 8, 0.7, 348659.8667764763],
  ];
  for (const [a, b, theta, ref] of refs) {
    const j = mixedMoment(a, b, theta);
    assert.ok(Math.abs(j - ref) <= 2e-14 * ref, `J(${a},${b})(${theta}) = ${j}, reference ${ref}`);
  }
  // the table the CLI prints: no J at or below 0 anywhere in (0, π) (22 were negative at θ = 3.1)
  for (const theta of [2.9, 3.1, 3.14, Math.PI - 1e-9]) {
    const r = runMoments({ max: 8, theta });
    assert.deepEqual(r.entries.filter((e) => !(e.J > 0)).map((e) => `${e.a},${e.b}`), [], `θ = ${theta}`);
  }
  // J_{a,b}(0) = M_{a+b} at high order, from the wedge at θ → 0⁺ too: ∫₀^π sin^{a+b} t dt
  const m80 = halfMoment(80);
  assert.ok(Math.abs(wedgeMoment(40, 40, 0) / m80 - 1) < 1e-14);
  assert.equal(wedgeMoment(1, 1, Math.PI) > 0 && wedgeMoment(1, 1, Math.PI) < 1e-47, true); // Math.PI is π − 1.2e-16
});

test('coefficients are exact integers at every supported order (BigInt), rounded only when converted', () => {
  const f = momentFormsExact(40);
  const dfact = (k: number): bigint => { let r = 1n; for (let i = k; i > 1; i -= 2) r *= BigInt(i); return r; };
  const fact = (k: number): bigint => { let r = 1n; for (let i = 2; i <= k; i++) r *= BigInt(i); return r; };
  const choose = (n: number, k: number): bigint => fact(n) / (fact(k) * fact(n - k));
  const evalAt = (p: readonly bigint[], c: bigint): bigint => p.reduceRight((acc, v) => acc * c + v, 0n);
  for (let a = 1; a <= 40; a++) {
    for (let b = 1; b <= 40; b++) {
      const e = f[a][b];
      if ((a + b) % 2 === 0) {
        // θ = 0: 2πJ = πP(1) and J(0) = M_{a+b} = (a+b−1)!!/2, so P(1) = (a+b−1)!! exactly
        assert.equal(evalAt(e.P, 1n), dfact(a + b - 1), `P(${a},${b})(1)`);
        // P by the Bessel-number formula of §C, in exact integers here: Σ_j j! T(a,·) T(b,·) c^j
        for (let j = a % 2; j <= Math.min(a, b); j += 2) {
          const T = (n: number, k: number) => choose(n, 2 * k) * dfact(2 * k - 1);
          assert.equal(e.P[j], fact(j) * T(a, (a - j) / 2) * T(b, (b - j) / 2), `P(${a},${b}) at c^${j}`);
        }
      } else {
        // θ = 0: √(2π)J(0) = √(2π)M_{a+b} = (a+b−1)!!; θ = π (c = −1): J = 0
        assert.equal(evalAt(e.twoR, 1n), 2n * dfact(a + b - 1), `2R(${a},${b})(1)`);
        assert.equal(evalAt(e.twoR, -1n), 0n, `2R(${a},${b})(−1)`);
      }
    }
  }
  // the doubles are the nearest doubles to the exact integers (P_{40,40}'s top coefficient is 40!)
  assert.equal(momentForms(40)[40][40].P[40], Number(fact(40)));
  assert.equal(besselNumberExact(40, 20), dfact(39));
  assert.equal(besselNumber(40, 20), Number(dfact(39)));
  // every coefficient is exactly a double up to order 16; from 17 on one is not (audit: 1098 of 1600
  // were inexact at 40 when the recursion ran in doubles)
  assert.equal(runMoments({ max: 16 }).coefficientsExact, true);
  assert.equal(runMoments({ max: 17 }).coefficientsExact, false);
});

test('closed forms of MATH.md §C: J11, J22, J31 and their check values', () => {
  const forms = momentForms(3);
  for (const t of [0, 0.2, 1, Math.PI / 2, 2.7, Math.PI]) {
    assert.ok(Math.abs(evalMomentForm(forms[1][1], t) - j11(t)) < 1e-15);
    assert.ok(Math.abs(evalMomentForm(forms[2][2], t) - j22(t)) < 1e-14);
    assert.ok(Math.abs(evalMomentForm(forms[3][1], t) - j31(t)) < 1e-14);
  }
  // MATH.md §C: J11(π/2) = 1/(2π), J22(π/2) = 1/4, J31(π/2) = 1/π; J11(0) = 1/2, J22(0) = J31(0) = 3/2
  assert.ok(Math.abs(mixedMoment(1, 1, Math.PI / 2) - 1 / (2 * Math.PI)) < 1e-16);
  assert.ok(Math.abs(mixedMoment(2, 2, Math.PI / 2) - 0.25) < 1e-16);
  assert.ok(Math.abs(mixedMoment(3, 1, Math.PI / 2) - 1 / Math.PI) < 1e-16);
  assert.equal(mixedMoment(1, 1, 0), 0.5);
  assert.equal(mixedMoment(2, 2, 0), 1.5);
  assert.equal(mixedMoment(3, 1, 0), 1.5);
  // the paper's closed-form J's at the check values as well
  assert.ok(Math.abs(j22(Math.PI / 2) - 0.25) < 1e-16 && Math.abs(j31(0) - 1.5) < 1e-15);
});

test('exact structure: P, Q coefficient lists, parity split and symmetry', () => {
  const f = momentForms(8);
  // 2πJ11 = (π − θ)c + sin θ;  2πJ22 = (π − θ)(1 + 2c²) + 3c sin θ;  2πJ31 = (π − θ)3c + (2 + c²) sin θ (MATH.md §C)
  assert.deepEqual(f[1][1], { a: 1, b: 1, parity: 'even', P: [0, 1], Q: [1], R: [] });
  assert.deepEqual([f[2][2].P, f[2][2].Q], [[1, 0, 2], [0, 3]]);
  assert.deepEqual([f[3][1].P, f[3][1].Q], [[0, 3], [2, 0, 1]]);
  // odd a + b: √(2π)J12 = (1 + c)²/2 — direct: K12 = 2cK01 + s²M2/√(2π), K01 = (1 + c)/(2√(2π))
  assert.deepEqual(f[1][2], { a: 1, b: 2, parity: 'odd', P: [], Q: [], R: [0.5, 1, 0.5] });
  for (let a = 0; a <= 8; a++) {
    for (let b = 0; b <= 8; b++) {
      assert.deepEqual(f[a][b].P, f[b][a].P, `P symmetric at ${a},${b}`);
      assert.deepEqual(f[a][b].Q, f[b][a].Q);
      assert.deepEqual(f[a][b].R, f[b][a].R);
      if ((a + b) % 2 === 0) assert.equal(f[a][b].R.length, 0);
      else assert.equal(f[a][b].P.length + f[a][b].Q.length, 0);
      // P from the recursion equals the Bessel-number formula of §C
      assert.deepEqual(f[a][b].P, besselP(a, b), `P(${a},${b})`);
    }
  }
  // J_{a,b}(0) = E[σ(G)^{a+b}] = M_{a+b}: at c = 1, θ = 0 the P sum is (a+b−1)!!, e.g. P_{8,8}(1) = 15!!
  assert.equal(f[8][8].P.reduce((s, v) => s + v, 0), 2027025);
  for (let a = 1; a <= 8; a++) for (let b = 1; b <= 8; b++) {
    assert.ok(Math.abs(mixedMoment(a, b, 0) / halfMoment(a + b) - 1) < 1e-14, `J(${a},${b})(0)`);
  }
});

test('Bessel numbers T(n, k) = C(n, 2k)(2k − 1)!! (OEIS A100861)', () => {
  // MATH.md §C rows 1..4: [1], [1,1], [1,3], [1,6,3]; OEIS A100861 rows 5..8
  assert.deepEqual(besselTriangle(8), [
    [1], [1], [1, 1], [1, 3], [1, 6, 3], [1, 10, 15], [1, 15, 45, 15], [1, 21, 105, 105], [1, 28, 210, 420, 105],
  ]);
  // row sums are the telephone numbers (involutions, OEIS A000085): 1, 1, 2, 4, 10, 26, 76, 232, 764
  assert.deepEqual(besselTriangle(8).map((r) => r.reduce((s, v) => s + v, 0)), [1, 1, 2, 4, 10, 26, 76, 232, 764]);
  assert.equal(besselNumber(10, 6), 0);
  assert.throws(() => besselNumber(-1, 0), { name: 'RangeError', message: 'besselNumber: n and k must be integers with n ≥ 0, got n = -1, k = 0' });
});

test('errors: precise RangeErrors', () => {
  assert.throws(() => momentForms(-1), { name: 'RangeError', message: 'momentForms: order must be a non-negative integer, got -1' });
  assert.throws(() => momentForms(41), { name: 'RangeError', message: 'momentForms: order 41 is too large (at most 40)' });
  assert.throws(() => mixedMoment(1, 1, 4), { name: 'RangeError', message: 'mixedMoment: angle must be a number in [0, π], got 4' });
  assert.throws(() => mixedMoment(1.5, 1, 1), { name: 'RangeError', message: 'mixedMoment: a and b must be non-negative integers, got a = 1.5, b = 1' });
  assert.throws(() => runMoments({ max: 0 }), { name: 'RangeError', message: 'moments: max must be an integer in 1..40, got 0' });
});

test('runMoments: 64 entries for max 8, J values, Bessel rows', () => {
  const r = runMoments({ max: 8, theta: Math.PI / 2 });
  assert.equal(r.entries.length, 64);
  assert.equal(r.bessel.length, 9);
  const e22 = r.entries.find((e) => e.a === 2 && e.b === 2)!;
  assert.ok(Math.abs(e22.J - 0.25) < 1e-16);
  assert.deepEqual(e22.P, [1, 0, 2]);
  // structured-clone friendly (no functions, classes)
  assert.deepEqual(structuredClone(r), r);
});

test('depth-lens moments: text and --json', async () => {
  const json = await momentsCommand.run(['--max', '3', '--theta', 'pi/2', '--json'], io);
  assert.equal(json.exitCode, 0);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.max, 3);
  assert.equal(doc.entries.length, 9);
  assert.deepEqual(doc.bessel, [[1], [1], [1, 1], [1, 3]]);
  assert.deepEqual(doc.entries[0], { a: 1, b: 1, J: 1 / (2 * Math.PI), parity: 'even', P: [0, 1], Q: [1], R: [] });
  const text = await momentsCommand.run(['--max', '4'], io);
  assert.match(text.stdout, /2πJ\(2,2\) = \(π − θ\)\(1 \+ 2c\^2\) \+ sin θ·\(3c\)/);
  assert.match(text.stdout, /√\(2π\)J\(1,4\) = 1\.5 \+ 4c \+ 3c\^2 − 0\.5c\^4/);
  assert.match(text.stdout, / {2}4: 1 6 3/);
  assert.throws(() => momentsCommand.run(['--max', '50'], io), (e: unknown) => e instanceof UsageError && e.message === "--max must be an integer in 1..40, not '50'");
  // numbers go through decimal(): no hex, no blanks
  assert.throws(() => momentsCommand.run(['--max', '0x8'], io), (e: unknown) => e instanceof UsageError && e.message === "--max must be an integer in 1..40, not '0x8'");
  assert.throws(() => momentsCommand.run(['--max', ' '], io), (e: unknown) => e instanceof UsageError && e.message === "--max must be an integer in 1..40, not ' '");
  assert.equal(doc.coefficientsExact, true);
  // past order 16 the text prints the exact integers (20! = 2432902008176640000 leads P_{20,20}), the JSON the nearest doubles
  const big = await momentsCommand.run(['--max', '20'], io);
  assert.match(big.stdout, /2πJ\(20,20\) = \(π − θ\)\(.* \+ 2432902008176640000c\^20\)/);
  assert.match(big.stdout, /in --json, coefficients above 2⁵³ are the nearest doubles \(coefficientsExact: false\)/);
  assert.throws(() => momentsCommand.run(['--theta', 'x'], io), (e: unknown) => e instanceof UsageError && e.message === "--theta: 'x' is not an angle (radians, or like pi/4)");
});
