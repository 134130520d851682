#!/usr/bin/env node
/**
 * Writes the numeric hostile network files of issue 17 into a folder (default: a new temp folder),
 * and prints the folder. Big ones are generated here rather than committed.
 *
 *   node scripts/make-hostile-files.mjs [DIR]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const header = (name, dim, probes, domain) => ({
  format: 'depth-lens/network@1', name,
  input: { dim, ...(domain ? { domain } : {}), probes },
});

/** name → network document (or text, for the big explicit files) */
export function hostileFiles() {
  const files = new Map();
  // W = 10·I for 1000 layers: N(x) = 10^1000 x overflows float64 at layer 308; the pattern is [1, 0] at every layer
  files.set('overflow-10I.network.json', {
    ...header('W = 10 I, 1000 layers', 2, { a: [1, -0.5], b: [0.5, 2] }),
    layers: [{ type: 'family', count: 1000, weights: { identity: 10, matrix: [[0, 0], [0, 0]] }, activation: 'relu' }],
  });
  // biases of 1e308: layer 1 reaches 2e308 (beyond float64), layer 2 takes ∞ − ∞; the true output is 0
  files.set('bias-1e308-cancel.network.json', {
    ...header('biases 1e308, then a difference', 2, { big: [1e308, 1e308] }),
    layers: [
      { type: 'dense', weights: [[1, 0], [0, 1]], bias: [1e308, 1e308], activation: 'relu' },
      { type: 'dense', weights: [[1, -1]], bias: [0], activation: 'linear' },
    ],
  });
  // the output itself is 2e308: overflows at layer 1
  files.set('bias-1e308-out.network.json', {
    ...header('biases 1e308, output 2e308', 2, { big: [1e308, 1e308], small: [1, 1] }),
    layers: [{ type: 'dense', weights: [[1, 0], [0, 1]], bias: [1e308, 1e308], activation: 'linear' }],
  });
  // probes of size 1e200 and 1e-200 at 45°: θ⁰ = π/4
  files.set('probes-1e200.network.json', {
    ...header('probes of size 1e200', 2, { a: [1e200, 0], b: [1e200, 1e200] }),
    layers: [{ type: 'dense', weights: [[1, 0], [0, 1]], bias: [0, 0], activation: 'relu' }],
  });
  files.set('probes-1e-200.network.json', {
    ...header('probes of size 1e-200', 2, { a: [1e-200, 0], b: [1e-200, 1e-200] }),
    layers: [{ type: 'dense', weights: [[1, 0], [0, 1]], bias: [0, 0], activation: 'relu' }],
  });
  // the 2-D slice [−1e308, 1e308]²: the lines x₁ = 1e307 and x₂ = −1e307 cut it into 4 regions
  files.set('regions-1e308.network.json', {
    ...header('2-D slice scaled by 1e308', 2, { o: [0, 0] }, { min: [-1e308, -1e308], max: [1e308, 1e308] }),
    layers: [
      { type: 'dense', weights: [[1, 0], [0, 1]], bias: [-1e307, 1e307], activation: 'relu' },
      { type: 'dense', weights: [[1, 1]], bias: [0], activation: 'linear' },
    ],
  });
  // 2·10⁵ explicit layers of width 1 (about 12 MB)
  {
    const layer = '{"type":"dense","weights":[[1]],"bias":[0],"activation":"relu"}';
    const text = `{"format":"depth-lens/network@1","name":"2e5 explicit layers","input":{"dim":1,"probes":{"one":[1]}},"layers":[\n${Array(200_000).fill(layer).join(',\n')}\n]}\n`;
    files.set('deep-explicit-2e5.network.json', text);
  }
  // residual family of width 10⁵ (a few hundred bytes)
  files.set('residual-wide-1e5.network.json', {
    format: 'depth-lens/network@1', name: 'residual family of width 1e5', input: { dim: 100000 },
    layers: [{ type: 'residual-family', count: 2, width: 100000, hidden: 2, branchLayers: 2, alpha: 0.2, seed: 1, activation: 'relu' }],
  });
  // a family of width 10⁴ (10⁸ weights per layer, generated)
  files.set('family-wide-1e4.network.json', {
    format: 'depth-lens/network@1', name: 'family of width 1e4', input: { dim: 10000 },
    layers: [{ type: 'family', count: 10, width: 10000, weights: { identity: 1, random: { distribution: 'normal', std: 0.01 }, scale: { power: -2 } }, seed: 3, activation: 'relu' }],
  });
  // 10⁷ layers of width 2 (the documented depth limit)
  files.set('family-deep-1e7.network.json', {
    ...header('1e7 layers', 2, { ones: [1, 1] }),
    layers: [{ type: 'family', count: 10_000_000, weights: { identity: 1, matrix: [[0, 0], [0, 0]] }, activation: 'relu' }],
  });
  return files;
}

export function writeHostileFiles(dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, doc] of hostileFiles()) fs.writeFileSync(path.join(dir, name), typeof doc === 'string' ? doc : JSON.stringify(doc, null, 1) + '\n');
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'depth-lens-hostile-'));
  console.log(writeHostileFiles(dir));
}
