import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows } from '../../src/core/linalg/dense';
import { explicitNetwork, type DenseLayer } from '../../src/core/network/model';
import { compressWidths, overviewRows, sampleLayerIndices, summarizeNetwork } from '../../src/core/summary/overview';

const dense = (w: number[][], b: number[], activation: 'relu' | 'linear' = 'relu'): DenseLayer => ({ kind: 'dense', weights: fromRows(w), bias: Float64Array.from(b), activation });

test('compressWidths writes runs as w (×count)', () => {
  assert.equal(compressWidths([2, 16, 16, 16, 1]), '2, 16 (×3), 1');
  assert.equal(compressWidths([3]), '3');
});

test('sampleLayerIndices keeps every layer when shallow and log-spaces deep networks, first and last included', () => {
  assert.deepEqual(sampleLayerIndices(4, 10), [0, 1, 2, 3]);
  const s = sampleLayerIndices(100_000, 50);
  assert.equal(s[0], 0);
  assert.equal(s[s.length - 1], 99_999);
  assert.ok(s.length <= 51);
  assert.ok(s.every((v, i) => i === 0 || v > s[i - 1]));
});

test('overview rows: norms computed independently from the closed forms', () => {
  // W1 = [[1,2],[3,4]]: ‖W‖₂ = sqrt((30+sqrt(884))/2); W1 − I = [[0,2],[3,3]]: AᵀA = [[9,9],[9,13]], trace 22, det 36
  // W2 = [[1,-1]]: ‖W‖₂ = √2 (a single row); b1 = (0.5, −1): ‖b‖ = √1.25
  const net = explicitNetwork({ dim: 2, probes: [] }, [dense([[1, 2], [3, 4]], [0.5, -1]), dense([[1, -1]], [0], 'linear')]);
  const r = overviewRows(net);
  assert.equal(r.rows.length, 2);
  assert.equal(r.sampled, false);
  const [l1, l2] = r.rows;
  assert.ok(Math.abs(l1.normW - Math.sqrt((30 + Math.sqrt(884)) / 2)) < 1e-12);
  assert.ok(Math.abs(l1.normWminusI! - Math.sqrt((22 + Math.sqrt(22 * 22 - 4 * 36)) / 2)) < 1e-12);
  assert.ok(Math.abs(l1.normB - Math.sqrt(1.25)) < 1e-15);
  assert.equal(l1.shape, '2×2');
  assert.ok(Math.abs(l2.normW - Math.SQRT2) < 1e-15);
  assert.equal(l2.normWminusI, null);
  assert.equal(l2.shape, '1×2');
  assert.equal(r.summary.parameterCount, 4 + 2 + 2 + 1);
  assert.equal(r.summary.widthsText, '2 (×2), 1'); // n0 = 2, n1 = 2, n2 = 1
});

test('summary of a residual block lists the bottleneck widths', () => {
  const block = { kind: 'residual' as const, activation: 'relu' as const, branch: [dense([[1, 0, 0]], [0]), dense([[1], [0], [2]], [0, 0, 0], 'linear')] };
  const net = explicitNetwork({ dim: 3, probes: [] }, [block]);
  const s = summarizeNetwork(net);
  assert.equal(s.depth, 1);
  assert.equal(s.outputDim, 3);
  assert.equal(s.parameterCount, 3 + 1 + 3 + 3);
  const rows = overviewRows(net).rows;
  assert.equal(rows[0].shape, '3→1→3');
  assert.ok(Math.abs(rows[0].normW - 1 * Math.sqrt(5)) < 1e-12); // product of branch norms: 1 · ‖(1,0,2)ᵀ‖
});
