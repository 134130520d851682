/**
 * Mixed moments J_{a,b}(θ) = E[σ(G)^a σ(Ĝ)^b] (MATH.md §C): the symbolic K recursion against an
 * independent numerical quadrature, the Bessel-number form of P, the reference values of §C, and the
 * `depth-lens moments` command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  besselNumber, besselP, besselTriangle, evalMomentForm, halfMoment, j11, j22, j31, mixedMoment, momentForms,
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

test('J_{a,b} from the K recursion agrees with 2-D quadrature for all a, b ≤ 8', () => {
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
  assert.throws(() => momentForms(41), { name: 'RangeError', message: 'momentForms: order 41 is too large (at most 40; coefficients stop being exact in float64)' });
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
  assert.throws(() => momentsCommand.run(['--theta', 'x'], io), (e: unknown) => e instanceof UsageError && e.message === "--theta: 'x' is not an angle (radians, or like pi/4)");
});
