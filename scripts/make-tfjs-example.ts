/**
 * Writes examples/tfjs/ (model.json + group1-shard1of1.bin): a TensorFlow.js layers model written
 * directly in that format — no Keras or TensorFlow was involved, and model.json says so.
 * InputLayer [null, 2] → Dense(8, relu) → Dropout(0.1) → Dense(1, linear); Glorot-uniform float32
 * kernels and small biases drawn from Rng(seed 2024) (src/core/rng.ts), so the files are reproducible.
 *
 *   node --import tsx scripts/make-tfjs-example.ts        (test/unit/network-tfjs.test.ts checks the output)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../src/core/rng';

export const TFJS_EXAMPLE_SEED = 2024;

function glorotUniform(rng: Rng, fanIn: number, fanOut: number): number[] {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return Array.from({ length: fanIn * fanOut }, () => Math.fround(rng.uniformIn(-a, a)));
}

/** The example's files: model.json text and the weight shard's bytes. */
export function tfjsExample(): { modelJson: string; shard: Uint8Array } {
  const rng = new Rng(TFJS_EXAMPLE_SEED);
  const kernel1 = glorotUniform(rng, 2, 8); // [in = 2][out = 8], row-major as TF.js stores it
  const bias1 = Array.from({ length: 8 }, () => Math.fround(rng.uniformIn(-0.1, 0.1)));
  const kernel2 = glorotUniform(rng, 8, 1);
  const bias2 = [Math.fround(0.05)];
  const values = [...kernel1, ...bias1, ...kernel2, ...bias2];
  const shard = new Uint8Array(4 * values.length);
  const view = new DataView(shard.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  const model = {
    format: 'layers-model',
    generatedBy: 'Depth Lens scripts/make-tfjs-example.ts (written directly in the TensorFlow.js layers-model format; not converted from Keras)',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'tiny_mlp',
        layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 2], dtype: 'float32', sparse: false, name: 'input_1' } },
          { class_name: 'Dense', config: { name: 'dense', trainable: true, dtype: 'float32', units: 8, activation: 'relu', use_bias: true } },
          { class_name: 'Dropout', config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.1 } },
          { class_name: 'Dense', config: { name: 'dense_1', trainable: true, dtype: 'float32', units: 1, activation: 'linear', use_bias: true } },
        ],
      },
    },
    weightsManifest: [{
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'dense/kernel', shape: [2, 8], dtype: 'float32' },
        { name: 'dense/bias', shape: [8], dtype: 'float32' },
        { name: 'dense_1/kernel', shape: [8, 1], dtype: 'float32' },
        { name: 'dense_1/bias', shape: [1], dtype: 'float32' },
      ],
    }],
  };
  return { modelJson: JSON.stringify(model, null, 2) + '\n', shard };
}

if (require.main === module) {
  const dir = path.join(__dirname, '..', 'examples', 'tfjs');
  const { modelJson, shard } = tfjsExample();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), modelJson);
  fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), shard);
  console.log(`wrote ${dir}/model.json and group1-shard1of1.bin (${shard.byteLength} bytes)`);
}
