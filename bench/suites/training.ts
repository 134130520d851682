/**
 * Training loops of MATH.md §D/§E, ours vs the same loops in numpy (bench/py/training.py):
 * the indicator mini-batch GD (fresh uniform samples, ReLU feature, ramp gradient) and the mean-field
 * online SGD step (one sample per step, O(N1·N2) per step) at N = 100 and 400. The mean-field loops
 * start from the same parameters and see the same samples, so their final parameters must agree
 * to rounding: the row says how closely, and the suite fails if they do not.
 */
import { runNumpy, timeBest, type BenchRow, type BenchSuite } from '../harness';
import { trainIndicator } from '../../src/core/training/indicator';
import { MeanFieldNet, meanFieldTarget } from '../../src/core/training/meanField';
import { Rng } from '../../src/core/rng';

const INDICATOR = [
  { dim: 1, level: 10, iterations: 20000, batch: 32, lr: 1 },
  { dim: 2, level: 10, iterations: 5000, batch: 32, lr: 1 },
];
const MEAN_FIELD = [
  { N: 100, steps: 2000 },
  { N: 400, steps: 250 },
];

/** Our run: parameters from Rng(1), samples from Rng(2) (the same ones numpy gets as data). */
function meanFieldSteps(N: number, steps: number): MeanFieldNet {
  const net = new MeanFieldNet(N, N, 2, new Rng(1), { learningRates: { C: 4, W2: 4, W1: 4 } });
  const rng = new Rng(2);
  const x = new Float64Array([0, 1]);
  net.train(steps, x, (buf) => { buf[0] = rng.uniformIn(-1, 1); buf[1] = 1; return meanFieldTarget(buf[0]); });
  return net;
}

function meanFieldInput(N: number, steps: number) {
  const net = new MeanFieldNet(N, N, 2, new Rng(1));
  const rng = new Rng(2);
  const xs = Array.from({ length: steps }, () => rng.uniformIn(-1, 1));
  return { N, w1: Array.from(net.w1), w2: Array.from(net.w2), c: Array.from(net.c), xs };
}

/** max |ours − numpy| over all parameters, relative to the largest parameter. */
function relativeDifference(ours: MeanFieldNet, theirs: { c: number[]; w1: number[]; w2: number[] }): number {
  let diff = 0, scale = 0;
  for (const [a, b] of [[ours.c, theirs.c], [ours.w1, theirs.w1], [ours.w2, theirs.w2]] as const) {
    if (a.length !== b.length) return Infinity;
    for (let i = 0; i < a.length; i++) { diff = Math.max(diff, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(a[i])); }
  }
  return diff / scale;
}

/** Rounding differences (BLAS summation order, tanh) stay near 1e-13 over these runs; a real mismatch is O(1). */
const AGREEMENT = 1e-9;

export const suite: BenchSuite = {
  name: 'training',
  run(): BenchRow[] {
    const py = runNumpy<{ indicator: number[]; meanField: number[]; check: Record<string, number>; meanFieldFinal: { c: number[]; w1: number[]; w2: number[] }[] }>('training.py', {
      indicator: INDICATOR, meanField: MEAN_FIELD.map((c) => meanFieldInput(c.N, c.steps)), repeats: 3,
    });
    const rows: BenchRow[] = [];
    INDICATOR.forEach((c, i) => {
      // records: 2 and evalPoints: 1 keep the bookkeeping out, so the loop itself is timed
      let w = 0;
      const ms = timeBest(() => {
        const r = trainIndicator({ dim: c.dim, level: c.level, iterations: c.iterations, batch: c.batch, learningRate: c.lr, records: 2, evalPoints: 1, gridSize: 2 });
        w = r.w[r.w.length - 1];
      }, 3);
      rows.push({
        name: `indicator mini-batch GD d=${c.dim}${c.dim > 1 ? ` level ${c.level}` : ''}, B=${c.batch}, K=${c.iterations}`,
        oursMs: ms, numpyMs: py?.indicator[i],
        note: `final w ours ${w.toFixed(3)}, numpy ${py ? py.check[`w_d${c.dim}`].toFixed(3) : '—'} (different RNGs)`,
      });
    });
    MEAN_FIELD.forEach((c, i) => {
      const ms = timeBest(() => { meanFieldSteps(c.N, c.steps); }, 3);
      let agreement = 'numpy unavailable';
      if (py) {
        const d = relativeDifference(meanFieldSteps(c.N, c.steps), py.meanFieldFinal[i]);
        if (!(d <= AGREEMENT)) throw new Error(`mean-field N = ${c.N}: final parameters differ from numpy's by ${d.toExponential(2)} (relative), above ${AGREEMENT}`);
        agreement = `final parameters = numpy's within ${d.toExponential(1)} (relative)`;
      }
      rows.push({
        name: `mean-field online SGD N1=N2=${c.N}, ${c.steps} steps`,
        oursMs: ms, numpyMs: py?.meanField[i],
        note: `${((ms * 1e6) / (c.steps * c.N * c.N)).toFixed(2)} ns per weight per step (ours); ${agreement}`,
      });
    });
    return rows;
  },
};
