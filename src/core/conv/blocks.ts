/**
 * The per-layer and per-block numbers of the papers on a conv ResNet (MATH.md §A, §B): for every
 * convolution (BatchNorm folded) ‖W‖₂ on its actual input shape, ‖W − I‖₂ where the conv maps a
 * space to itself, and ‖b‖₂ of its bias as a vector on the output; for every residual block n the
 * Huang–Zhang quantities Π_k ‖W^(n,k)‖ (S1's term) and Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖ (S2's term).
 */
import { parallelLayerNorms, type ConvLayerNorms, type ConvNormJob } from './layerNorms';
import type { ConvSpectralOptions } from './norms';
import { convNetShapes, type ConvNet } from './resnet';

export interface BlockNorms {
  readonly name: string;
  /** index of the block among the network's ops */
  readonly op: number;
  readonly identityShortcut: boolean;
  readonly branch: readonly ConvLayerNorms[];
  readonly shortcut?: ConvLayerNorms;
  /** Π_k ‖W^(n,k)‖₂ */
  readonly product: number;
  /** Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖₂ */
  readonly biasTerm: number;
}

export interface NetworkNorms {
  /** every convolution in network order (stem, branches, shortcuts) */
  readonly convs: readonly ConvLayerNorms[];
  readonly blocks: readonly BlockNorms[];
}

/**
 * Norms of every conv and every block's products, in network order, the convs on every thread of
 * the pool (layerNorms.ts); `options.ctx` sees the fraction of convs done.
 */
export function networkNorms(net: ConvNet, options: ConvSpectralOptions = {}): NetworkNorms {
  const shapes = convNetShapes(net);
  // the convs in network order (stem, then per block its branch and shortcut), measured at once
  const jobs: ConvNormJob[] = [];
  net.ops.forEach((op, k) => {
    const input = (k === 0 ? net.inputShape : shapes[k - 1]) as readonly [number, number, number];
    if (op.kind === 'conv2d') jobs.push({ conv: op.conv, inShape: input });
    if (op.kind !== 'residual') return;
    let s = input;
    for (const step of op.branch) {
      jobs.push({ conv: step.conv, inShape: s });
      const [ho, wo] = step.conv.outputSize(s[1], s[2]);
      s = [step.conv.outChannels, ho, wo];
    }
    if (op.shortcut) jobs.push({ conv: op.shortcut, inShape: input });
  });
  const convs = parallelLayerNorms(jobs, options);
  const blocks: BlockNorms[] = [];
  let at = 0;
  net.ops.forEach((op, k) => {
    if (op.kind === 'conv2d') at++;
    if (op.kind !== 'residual') return;
    const branch = convs.slice(at, at + op.branch.length);
    at += op.branch.length;
    const shortcut = op.shortcut ? convs[at++] : undefined;
    let product = 1, biasTerm = 0;
    for (let j = 0; j < branch.length; j++) {
      product *= branch[j].spectral.value;
      let tail = 1;
      for (let i = j + 1; i < branch.length; i++) tail *= branch[i].spectral.value;
      biasTerm += branch[j].biasNorm * tail;
    }
    blocks.push({ name: op.name, op: k, identityShortcut: !op.shortcut, branch, shortcut, product, biasTerm });
  });
  return { convs, blocks };
}
