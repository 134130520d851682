/** depth-lens convergence: options, JSON layout, exit codes (--fail-on) on in-memory network files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convergenceCommand } from '../../src/cli/commands/convergence';
import { UsageError } from '../../src/cli/command';
import { memoryIo } from './convergence.helpers';

function family(count: number, identity: number, matrix: number[][], wScale: { offset: number; power: number }, vector: number[], bScale: { offset: number; power: number }, probes: Record<string, number[]>) {
  return JSON.stringify({
    format: 'depth-lens/network@1',
    input: { dim: 2, probes },
    layers: [{ type: 'family', count, weights: { identity, matrix, scale: wScale }, bias: { vector, scale: bScale }, activation: 'relu' }],
  });
}

const files = {
  'conv.network.json': family(3000, 1, [[0.3, -0.2], [0.5, 0.1]], { offset: 1, power: -2 }, [1, -1], { offset: 1, power: -2 }, { a: [1, 0.5] }),
  // MATH.md §A divergent example: W_n = (1 + 1/n) I, b = 0
  'div.network.json': family(500, 1, [[1, 0], [0, 1]], { offset: 0, power: -1 }, [0, 0], { offset: 0, power: 0 }, { ones: [1, 1] }),
};

async function run(...argv: string[]) {
  return convergenceCommand.run(argv, memoryIo(files));
}

test('--json has layers, series, verdicts and probes with the documented fields', async () => {
  const r = await run('conv.network.json', '--json');
  assert.equal(r.exitCode, 0);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.depth, 3000);
  // 3000 > 2000 layers: sampled at the listed depths
  assert.equal(doc.layersSampled, true);
  assert.deepEqual(doc.layers[0], { index: 0, layer: 1, kind: 'dense', normWminusI: doc.layers[0].normWminusI, normB: Math.SQRT2 / 4 });
  assert.equal(doc.layers.at(-1).layer, 3000);
  assert.ok(doc.series.sumWminusI > 0 && doc.series.sumB > 0);
  for (const key of ['tailExponentW', 'tailExponentB']) assert.deepEqual(Object.keys(doc.series[key]).slice(0, 3), ['p', 'lo', 'hi']);
  for (const v of ['sufficient', 'necessary', 'pointwise']) {
    assert.ok(['holds', 'fails', 'inconclusive'].includes(doc.verdicts[v].status));
    assert.equal(typeof doc.verdicts[v].reason, 'string');
  }
  assert.equal(doc.verdicts.sufficient.status, 'holds');
  const p = doc.probes[0];
  assert.deepEqual(p.x, [1, 0.5]);
  assert.equal(p.depths.at(-1), 3000);
  assert.equal(p.values.length, p.depths.length);
  assert.equal(p.increments[0], null);
  assert.ok(p.limitEstimate.radius > 0 && p.tailBound.validFrom === 0);
  const all = JSON.parse((await run('conv.network.json', '--json', '--all-layers')).stdout);
  assert.equal(all.layers.length, 3000);
});

test('--probe replaces the file probes; --norm changes the norm', async () => {
  const doc = JSON.parse((await run('conv.network.json', '--json', '--probe', '0,0', '--probe', '2,1', '--norm', 'fro')).stdout);
  assert.deepEqual(doc.probes.map((p: { x: number[] }) => p.x), [[0, 0], [2, 1]]);
  assert.equal(doc.norm, 'fro');
  // ‖R‖_F/(1+1)² for layer 1, R = [[0.3, −0.2], [0.5, 0.1]]
  assert.ok(Math.abs(doc.layers[0].normWminusI - Math.sqrt(0.09 + 0.04 + 0.25 + 0.01) / 4) < 1e-15);
});

test('--fail-on diverges exits 1 on the divergent family and 0 on the convergent one', async () => {
  const div = await run('div.network.json', '--fail-on', 'diverges');
  assert.equal(div.exitCode, 1);
  assert.equal(div.stderr, 'depth-lens convergence: --fail-on diverges: sufficient fails, necessary holds, pointwise fails\n');
  assert.match(div.stdout, /^div\.network\.json: 500 layers; analysed layers 1–500, dense, width 2; norm 2 \(vectors ℓ2\)\n/);
  assert.match(div.stdout, /\npointwise: FAILS \(extrapolated\) — Fails: N_k\(x\) does not settle at 1 of 1 probes \(oscillations do not shrink\)\n {2}N_k\(x\) does not converge at 1 of 1 probes if the tail continues as observed: ones: the oscillations are not summable — the last 6 dyadic block sums \(layers 8–500\) do not shrink \(B = 11\.31 → 353\.6\): they are bounded below, so N_k\(x\) is not Cauchy/);
  assert.equal((await run('div.network.json')).exitCode, 0);
  assert.equal((await run('conv.network.json', '--fail-on', 'diverges')).exitCode, 0);
  assert.equal((await run('conv.network.json', '--fail-on', 'inconclusive')).exitCode, 0);
});

test('usage errors are precise', async () => {
  await assert.rejects(run('conv.network.json', '--norm', '3'), new UsageError("--norm must be one of 2, 1, inf, fro, not '3'"));
  await assert.rejects(run('conv.network.json', '--fail-on', 'never'), new UsageError("--fail-on must be 'diverges' or 'inconclusive', not 'never'"));
  await assert.rejects(run('conv.network.json', '--probe', '1,x'), new UsageError("--probe 1: '1,x' is not a comma-separated list of decimal numbers"));
  await assert.rejects(run('conv.network.json', '--probe', '1,2,3'), new UsageError("probe 1 has 3 coordinates, the network's input dimension is 2"));
  await assert.rejects(run(), new UsageError('missing FILE'));
  await assert.rejects(run('missing.json'), /cannot read missing\.json/);
});
