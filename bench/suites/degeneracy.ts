/**
 * Depth degeneracy (MATH.md §C): the Monte Carlo of the angle between two inputs through random ReLU
 * networks, ours vs the same simulation in numpy (bench/py/degeneracy.py), in one run:
 *  - the exact Markov chain, 20 000 trials × 32 layers at n = 256 (164 M correlated Gaussian pairs);
 *  - full random networks, n = 256, 32 layers (2.1 M Gaussian weights per network), 1 000 networks as
 *    the issue asks (a few minutes on 2 cores; DEPTH_LENS_BENCH_NETWORKS=250 shortens it locally).
 * Plus ours-only rows for the density propagation (the authors' grid of 10 000 points and our default).
 * Heavy runs are timed once after a small warm-up (best-of-N would multiply minutes).
 */
import { runNumpyThreads, type BenchRow, type BenchSuite } from '../harness';
import { layerSamples, sampleStats, simulateAngles } from '../../src/core/degeneracy/simulate';
import { predictDensity } from '../../src/core/degeneracy/density';
import { deterministicCurves } from '../../src/core/degeneracy/theory';

const N = 256;
const LAYERS = 32;
const THETA0 = 0.1;
const CHAIN_TRIALS = 20000;
const NETWORKS = Number(process.env.DEPTH_LENS_BENCH_NETWORKS ?? 1000);

function timeOnce(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

interface NumpyResult { chainMs: number; networkMs: number; chainMean: number[]; networkMean: number[] }

export const suite: BenchSuite = {
  name: 'degeneracy',
  run(): BenchRow[] {
    const widths = Array(LAYERS + 1).fill(N);
    const rows: BenchRow[] = [];

    // warm-up (JIT) on small runs, then one timed run each
    simulateAngles({ widths, theta0: THETA0, trials: 200, seed: 99, mode: 'chain' });
    simulateAngles({ widths, theta0: THETA0, trials: 2, seed: 99, mode: 'network' });
    let chain!: ReturnType<typeof simulateAngles>;
    const chainMs = timeOnce(() => { chain = simulateAngles({ widths, theta0: THETA0, trials: CHAIN_TRIALS, seed: 1, mode: 'chain' }); });
    let net!: ReturnType<typeof simulateAngles>;
    const netMs = timeOnce(() => { net = simulateAngles({ widths, theta0: THETA0, trials: NETWORKS, seed: 2, mode: 'network' }); });

    const both = runNumpyThreads<NumpyResult>('degeneracy.py', { widths, theta0: THETA0, chainTrials: CHAIN_TRIALS, networks: NETWORKS, batch: 25, seed: 1 });
    const numpy = both.one, numpy2 = both.two;

    const curves = deterministicCurves(THETA0, widths.slice(1));
    const at = (l: number) => {
      const c = sampleStats(layerSamples(chain, l));
      const inf = 2 * Math.log(Math.sin(curves.infiniteTheta[l]));
      return `ℓ=${l}: MC ${c.mean!.toFixed(4)}±${c.se!.toFixed(4)}${numpy ? ` (numpy ${numpy.chainMean[l].toFixed(4)})` : ''}, approx1 ${curves.approx1X[l].toFixed(4)}, inf-width ${inf.toFixed(4)}`;
    };
    const pairs = CHAIN_TRIALS * LAYERS * N;
    rows.push({
      name: `chain ${CHAIN_TRIALS} trials × ${LAYERS} layers, n = ${N}, θ⁰ = ${THETA0}`,
      oursMs: chainMs,
      numpyMs: numpy?.chainMs,
      numpy2Ms: numpy2?.chainMs,
      note: `${(pairs / chainMs / 1e3).toFixed(1)} M pairs/s; ${[10, 20, 30].map(at).join('; ')}`,
    });
    const netMean = (l: number) => sampleStats(layerSamples(net, l)).mean!;
    rows.push({
      name: `full networks ${NETWORKS} × ${LAYERS} layers ${N}×${N} (1 000 asked; see suite comment)`,
      oursMs: netMs,
      numpyMs: numpy?.networkMs,
      numpy2Ms: numpy2?.networkMs,
      note: `${(netMs / NETWORKS).toFixed(1)} ms/network ours${numpy ? `, ${(numpy.networkMs / NETWORKS).toFixed(1)} numpy` : ''}; mean ln sin² at ℓ=30: ${netMean(30).toFixed(4)}${numpy ? ` (numpy ${numpy.networkMean[30].toFixed(4)})` : ''}, chain ${sampleStats(layerSamples(chain, 30)).mean!.toFixed(4)}`,
    });

    for (const points of [3001, 10000]) {
      predictDensity(THETA0, widths.slice(1), { xMin: -15, xMax: 0, points }); // warm-up
      let best = Infinity, mean30 = 0;
      for (let r = 0; r < 3; r++) {
        const ms = timeOnce(() => { mean30 = predictDensity(THETA0, widths.slice(1), { xMin: -15, xMax: 0, points }).mean[30]; });
        best = Math.min(best, ms);
      }
      rows.push({
        name: `predicted density, ${LAYERS} layers, grid [−15, 0] × ${points}`,
        oursMs: best,
        note: `ours only (the authors' dense ${points}² kernel would be ${(points * points * 8 / 1e6).toFixed(0)} MB per layer); predicted mean at ℓ=30 ${mean30.toFixed(4)}`,
      });
    }
    return rows;
  },
};
