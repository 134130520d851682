/** depth-lens moments: the mixed moments J_{a,b}(θ) of ReLU'd correlated Gaussians (MATH.md §C). */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand } from '../command';
import { runMoments } from '../../core/degeneracy/analysis';
import { besselTriangleExact, MAX_MOMENT_ORDER, momentFormsExact, type ExactMomentForm } from '../../core/degeneracy/moments';
import { decimal } from '../numbers';
import { parseAngle } from './degeneracy';

const HELP = `Usage: depth-lens moments [--max N] [--theta ANGLE] [--json]

The mixed moments J_{a,b}(θ) = E[σ(G)^a σ(Ĝ)^b] of standard Gaussians with E[GĜ] = cos θ, σ = ReLU,
for a, b = 1..N, their exact forms as polynomials in c = cos θ (from the integration-by-parts
recursion of MATH.md §C), and the Bessel numbers T(n, k) = C(n, 2k)(2k − 1)!!:
  a + b even:  2π J_{a,b} = (π − θ)·P_{a,b}(c) + sin θ·Q_{a,b}(c)
  a + b odd:   √(2π) J_{a,b} = R_{a,b}(c)
P_{a,b}(c) = Σ_j j! T(a, (a−j)/2) T(b, (b−j)/2) c^j. Coefficient lists are lowest degree first.
The coefficients are computed exactly (integers; R in halves) and printed exactly; from N = 17 some
pass 2⁵³, and --json gives those as the nearest double (coefficientsExact: false). J is evaluated from the exact
form for θ ≤ π/2 and from the positive wedge integral above it, where the forms cancel.

Options:
  --max N          largest a and b, 1..${MAX_MOMENT_ORDER} (default 8)
  --theta ANGLE    angle in [0, π] at which J is evaluated, radians or like pi/3 (default pi/2)
  --json           print one JSON document {max, theta, entries: [{a, b, J, parity, P, Q, R}], bessel,
                   coefficientsExact}
  --help           show this help
`;

/** An exact polynomial as text; `halves`: the coefficients are twice the real ones (R is kept as 2R). */
function poly(p: readonly bigint[], halves = false, variable = 'c'): string {
  let text = '';
  p.forEach((k, i) => {
    if (k === 0n) return;
    const mono = i === 0 ? '' : i === 1 ? variable : `${variable}^${i}`;
    const twice = k < 0n ? -k : k;
    const mag = halves ? `${twice / 2n}${twice % 2n === 1n ? '.5' : ''}` : String(twice);
    const term = mono === '' ? mag : mag === '1' ? mono : `${mag}${mono}`;
    text += text === '' ? (k < 0n ? `−${term}` : term) : k < 0n ? ` − ${term}` : ` + ${term}`;
  });
  return text || '0';
}

function describe(e: ExactMomentForm): string {
  return e.parity === 'even'
    ? `2πJ(${e.a},${e.b}) = (π − θ)(${poly(e.P)}) + sin θ·(${poly(e.Q)})`
    : `√(2π)J(${e.a},${e.b}) = ${poly(e.twoR, true)}`;
}

export const momentsCommand: CliCommand = {
  name: 'moments',
  summary: 'mixed moments J_{a,b}(θ) of ReLU Gaussians, their exact forms and Bessel numbers',
  help: HELP,
  run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], allowPositionals: false, strict: true, options: { max: { type: 'string' }, theta: { type: 'string' }, json: { type: 'boolean' } } });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const v = parsed.values;
    let max = 8;
    if (v.max !== undefined) {
      max = decimal(v.max);
      if (!Number.isInteger(max) || max < 1 || max > MAX_MOMENT_ORDER) throw new UsageError(`--max must be an integer in 1..${MAX_MOMENT_ORDER}, not '${v.max}'`);
    }
    const theta = v.theta === undefined ? Math.PI / 2 : parseAngle(v.theta, '--theta');
    if (!(theta >= 0 && theta <= Math.PI)) throw new UsageError(`--theta must be in [0, π], not ${v.theta}`);
    const r = runMoments({ max, theta });
    if (v.json) return { stdout: toJson(r) + '\n', exitCode: 0 };

    const out: string[] = [`J_{a,b}(θ) at θ = ${theta} (rows a, columns b):`, ''];
    const cells = (a: number) => r.entries.filter((e) => e.a === a).map((e) => e.J.toPrecision(8));
    const head = ['a\\b', ...Array.from({ length: max }, (_, i) => String(i + 1))];
    const rows = Array.from({ length: max }, (_, i) => [String(i + 1), ...cells(i + 1)]);
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const line = (c: string[]) => c.map((s, i) => s.padStart(w[i])).join('  ');
    out.push(line(head), ...rows.map(line), '', 'Exact forms (c = cos θ):');
    const forms = momentFormsExact(max);
    for (let a = 1; a <= max; a++) for (let b = a; b <= max; b++) out.push(`  ${describe(forms[a][b])}`);
    out.push('  (J is symmetric: J(a,b)(θ) = J(b,a)(θ))', '', 'Bessel numbers T(n, k) = C(n, 2k)(2k − 1)!!, rows n = 0..' + max + ':');
    besselTriangleExact(max).forEach((row, n) => out.push(`  ${String(n).padStart(2)}: ${row.join(' ')}`));
    if (!r.coefficientsExact) out.push('', 'Printed exactly here; in --json, coefficients above 2⁵³ are the nearest doubles (coefficientsExact: false).');
    return { stdout: out.join('\n') + '\n', exitCode: 0 };
  },
};
