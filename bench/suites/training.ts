/**
 * Training loops of MATH.md §D/§E, ours vs the same loops in numpy (bench/py/training.py):
 * the indicator mini-batch GD (fresh uniform samples, ReLU feature, ramp gradient) and the mean-field
 * online SGD step (one sample per step, O(N1·N2) per step) at N = 100 and 400.
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

function meanFieldSteps(N: number, steps: number): number {
  const net = new MeanFieldNet(N, N, 2, new Rng(1), { learningRates: { C: 4, W2: 4, W1: 4 } });
  const rng = new Rng(2);
  const x = new Float64Array([0, 1]);
  net.train(steps, x, (buf) => { buf[0] = rng.uniformIn(-1, 1); buf[1] = 1; return meanFieldTarget(buf[0]); });
  return net.c[0];
}

export const suite: BenchSuite = {
  name: 'training',
  run(): BenchRow[] {
    const py = runNumpy<{ indicator: number[]; meanField: number[]; check: Record<string, number> }>('training.py', {
      indicator: INDICATOR, meanField: MEAN_FIELD, repeats: 3,
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
      rows.push({
        name: `mean-field online SGD N1=N2=${c.N}, ${c.steps} steps`,
        oursMs: ms, numpyMs: py?.meanField[i],
        note: `${((ms * 1e6) / (c.steps * c.N * c.N)).toFixed(2)} ns per weight per step (ours)`,
      });
    });
    return rows;
  },
};
