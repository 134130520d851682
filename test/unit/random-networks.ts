/** Seeded random networks for the unit tests: He-normal dense layers and bottleneck residual blocks. */
import { explicitNetwork, type DenseLayer, type Layer, type Network } from '../../src/core/network/model';
import { Rng } from '../../src/core/rng';

/** m×n weights N(0, 2/n) (He), bias N(0, biasSd²); drawn weights first, then bias. */
export function randomDense(rng: Rng, m: number, n: number, activation: 'relu' | 'linear' = 'relu', biasSd = 0.3): DenseLayer {
  const w = new Float64Array(m * n);
  rng.fillGaussian(w, 0, Math.sqrt(2 / Math.max(n, 1)));
  const b = new Float64Array(m);
  rng.fillGaussian(b, 0, biasSd);
  return { kind: 'dense', weights: { rows: m, cols: n, data: w }, bias: b, activation };
}

/**
 * plan: a number = a dense ReLU layer of that width; {res: widths} = a residual block whose branch has
 * ReLU layers of those (possibly non-square, bottleneck) widths and a linear last layer back to the
 * block's width. A linear output layer of width outDim follows when outDim > 0.
 */
export function randomNetwork(seed: number, dim: number, plan: readonly (number | { res: number[] })[], outDim: number, biasSd = 0.3): Network {
  const rng = new Rng(seed);
  const layers: Layer[] = [];
  let width = dim;
  for (const p of plan) {
    if (typeof p === 'number') { layers.push(randomDense(rng, p, width, 'relu', biasSd)); width = p; continue; }
    const branch: DenseLayer[] = [];
    let w = width;
    for (const h of p.res) { branch.push(randomDense(rng, h, w, 'relu', biasSd)); w = h; }
    branch.push(randomDense(rng, width, w, 'linear', biasSd));
    layers.push({ kind: 'residual', branch, activation: 'relu' });
  }
  if (outDim > 0) layers.push(randomDense(rng, outDim, width, 'linear', biasSd));
  return explicitNetwork({ dim, probes: [] }, layers);
}
