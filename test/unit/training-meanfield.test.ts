/**
 * MATH.md §E: the two-hidden-layer mean-field network, its SGD step and the width sweep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanFieldLimit, MeanFieldNet } from '../../src/core/training/meanField';
import { Rng } from '../../src/core/rng';
import { trainCommand } from '../../src/cli/commands/train';
import { UsageError } from '../../src/cli/command';

function fdGradient(net: MeanFieldNet, arr: Float64Array, x: ArrayLike<number>, y: number): Float64Array {
  const g = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    const h = 1e-5;
    arr[i] = v + h; const lp = net.loss(x, y);
    arr[i] = v - h; const lm = net.loss(x, y);
    arr[i] = v;
    g[i] = (lp - lm) / (2 * h);
  }
  return g;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

for (const activation of ['tanh', 'sigmoid'] as const) {
  test(`gradient of ½(y − g)² matches central differences (${activation})`, () => {
    const net = new MeanFieldNet(5, 4, 2, new Rng(3), { activation, initRange: 1.5 });
    const x = [0.37, 1], y = Math.sin(Math.PI * 0.37);
    const g = net.gradient(x, y);
    assertClose(g.c, fdGradient(net, net.c, x, y), 1e-7, 'dC');
    assertClose(g.w2, fdGradient(net, net.w2, x, y), 1e-7, 'dW2');
    assertClose(g.w1, fdGradient(net, net.w1, x, y), 1e-7, 'dW1');
  });
}

test('one SGD step moves each parameter by −α·gradient with α_C = c·N2/N1, α_2 = c·N2, α_1 = c', () => {
  const n1 = 6, n2 = 3;
  const net = new MeanFieldNet(n1, n2, 2, new Rng(8), { learningRates: { C: 0.5, W2: 2, W1: 3 } });
  assert.equal(net.alphaC, 0.5 * n2 / n1);
  assert.equal(net.alpha2, 2 * n2);
  assert.equal(net.alpha1, 3);
  const x = [-0.6, 1], y = Math.sin(-0.6 * Math.PI);
  const g = net.gradient(x, y);
  const c0 = net.c.slice(), w20 = net.w2.slice(), w10 = net.w1.slice();
  const e = net.step(x, y);
  assert.equal(e, y - (() => { const n = new MeanFieldNet(n1, n2, 2, new Rng(8)); return n.output(x); })());
  assertClose(net.c.map((v, i) => v - c0[i]), g.c.map((v) => -net.alphaC * v), 1e-12, 'ΔC');
  assertClose(net.w2.map((v, i) => v - w20[i]), g.w2.map((v) => -net.alpha2 * v), 1e-12, 'ΔW2');
  assertClose(net.w1.map((v, i) => v - w10[i]), g.w1.map((v) => -net.alpha1 * v), 1e-12, 'ΔW1');
});

test('the fused train() loop is bit-for-bit the same as repeated step()', () => {
  const a = new MeanFieldNet(7, 5, 2, new Rng(21)), b = new MeanFieldNet(7, 5, 2, new Rng(21));
  const ra = new Rng(4), rb = new Rng(4);
  const xa = new Float64Array([0, 1]);
  for (let k = 0; k < 50; k++) { xa[0] = ra.uniformIn(-1, 1); a.step(xa, Math.sin(Math.PI * xa[0])); }
  b.train(50, new Float64Array(2), (buf) => { buf[0] = rb.uniformIn(-1, 1); buf[1] = 1; return Math.sin(Math.PI * buf[0]); });
  assert.deepEqual(b.c, a.c);
  assert.deepEqual(b.w2, a.w2);
  assert.deepEqual(b.w1, a.w1);
});

test('the §E scaling gives O(1) parameter movement per unit of t = k/N1 (not N^±1/2)', () => {
  const rms = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);
  const moved = (N: number) => {
    const net = new MeanFieldNet(N, N, 2, new Rng(5), { learningRates: { C: 4, W2: 4, W1: 4 } });
    const c0 = net.c.slice(), w20 = net.w2.slice(), w10 = net.w1.slice();
    const rng = new Rng(9), x = new Float64Array([0, 1]);
    for (let k = 0; k < N; k++) { x[0] = rng.uniformIn(-1, 1); net.step(x, Math.sin(Math.PI * x[0])); } // t = 1
    return [rms(net.c, c0), rms(net.w2, w20), rms(net.w1, w10)];
  };
  const small = moved(32), large = moved(256);
  // an N^(±1/2) law would change these by a factor 2.8 between N = 32 and 256
  for (let i = 0; i < 3; i++) {
    const ratio = large[i] / small[i];
    assert.ok(ratio > 1 / 2.2 && ratio < 2.2, `group ${i}: ${small[i]} → ${large[i]}`);
    assert.ok(large[i] > 0.01 && large[i] < 2, `group ${i} moves O(1): ${large[i]}`);
  }
});

test('across-seed spread shrinks with N, fitted exponent in [−0.75, −0.30] around −1/2', () => {
  const r = meanFieldLimit({ widths: [16, 32, 64, 128], seeds: 16, T: 2, records: 10, seed: 1 });
  const spreads = r.widths.map((w) => w.spread);
  for (let i = 1; i < spreads.length; i++) assert.ok(spreads[i] < spreads[i - 1], `spread ${spreads}`);
  assert.ok(r.spreadExponent);
  const { exponent, interval } = r.spreadExponent;
  assert.ok(exponent >= -0.75 && exponent <= -0.3, `exponent ${exponent}`);
  assert.ok(interval[0] <= -0.5 && interval[1] >= -0.5, `95% interval ${interval} contains −1/2`);
  assert.equal(r.spreadExponent.points.length, 4);
  // shapes: record times 0, 0.2, …, 2 on the clock t = k/N1
  for (const w of r.widths) {
    assert.equal(w.t.length, 11);
    assert.equal(w.t[0], 0);
    assert.equal(w.t[10], 2);
    assert.equal(w.mean.length, 3);
    assert.equal(w.sd[0].length, 11);
    // training makes progress: the mean grid loss falls from its initial ≈ ½·E[sin²(πx)] = 0.25
    assert.ok(w.loss.mean[10] < w.loss.mean[0] - 0.02, `N=${w.N}: loss ${w.loss.mean[0]} → ${w.loss.mean[10]}`);
    assert.ok(Math.abs(w.loss.mean[0] - 0.25) < 0.02);
  }
});

test('same seed ⇒ bit-for-bit identical; different seed ⇒ different; N1 = c·N2', () => {
  const p = { widths: [12, 24], seeds: 3, T: 1, records: 4 };
  const a = meanFieldLimit({ ...p, seed: 4 });
  assert.deepEqual(a, meanFieldLimit({ ...p, seed: 4 }));
  assert.notDeepEqual(a.widths[0].mean, meanFieldLimit({ ...p, seed: 5 }).widths[0].mean);
  const b = meanFieldLimit({ ...p, n1PerN2: 4 });
  assert.deepEqual(b.widths.map((w) => [w.N1, w.N2]), [[12, 3], [24, 6]]);
  const partial: number[] = [];
  meanFieldLimit(p, undefined, { onPartial: (r) => partial.push(r.widths.length) });
  assert.deepEqual(partial, [1]);
});

test('bad parameters get precise errors', () => {
  assert.throws(() => meanFieldLimit({ seeds: 1 }), { name: 'RangeError', message: 'seeds must be an integer ≥ 2 (the spread needs two runs), got 1' });
  assert.throws(() => meanFieldLimit({ widths: [10, 0] }), { name: 'RangeError', message: 'every width must be an integer ≥ 1, got 0' });
  assert.throws(() => meanFieldLimit({ probes: [1.5] }), { name: 'RangeError', message: 'probe 1.5 is outside [−1, 1]' });
});

const io = { readFile: () => new Uint8Array(), writeFile: () => undefined, progress: () => undefined };

test('CLI: train indicator --json has loss pairs, slope with range, probe errors, w', async () => {
  const r = await trainCommand.run(['indicator', '--iterations', '3000', '--seed', '2', '--json'], io);
  assert.equal(r.exitCode, 0);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.loss[0], [0, 1 / 6]); // L(w₀ = 2) = 1/(3·2)
  assert.equal(j.loss[j.loss.length - 1][0], 3000);
  assert.equal(j.slope.fitFrom, 300);
  assert.equal(j.slope.fitTo, 3000);
  assert.ok(j.slope.exponent < -0.27 && j.slope.exponent > -0.4);
  assert.equal(j.probes.length, 7);
  assert.deepEqual(j.probes[0].error[0], [0, 0]);
  assert.equal(j.w[0][1], 2);
  assert.match(j.construction, /^Our construction/);
});

test('CLI: train mean-field --json has widths with t/mean/sd/loss and spreadExponent', async () => {
  const r = await trainCommand.run(['mean-field', '--widths', '8,16', '--seeds', '3', '--T', '1', '--probes', '0,0.5', '--json'], io);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.widths.map((w: { N: number }) => w.N), [8, 16]);
  assert.equal(j.widths[0].mean.length, 2);
  assert.equal(j.widths[0].t.length, 21);
  assert.equal(typeof j.spreadExponent.exponent, 'number');
  assert.deepEqual(j.probes, [{ x: 0, target: 0 }, { x: 0.5, target: 1 }]);
});

test('CLI: usage errors', () => {
  assert.throws(() => trainCommand.run([], io), new UsageError("expected a sub-command: 'indicator' or 'mean-field'"));
  assert.throws(() => trainCommand.run(['indicator', '--lr', 'fast'], io), new UsageError("--lr expects a number, got 'fast'"));
  assert.throws(() => trainCommand.run(['mean-field', '--seeds', '1'], io), new UsageError('seeds must be an integer ≥ 2 (the spread needs two runs), got 1'));
});
