/**
 * The per-layer and per-block numbers of the papers on a conv ResNet (MATH.md §A, §B): for every
 * convolution (BatchNorm folded) ‖W‖₂ on its actual input shape, ‖W − I‖₂ where the conv maps a
 * space to itself, and ‖b‖₂ of its bias as a vector on the output; for every residual block n the
 * Huang–Zhang quantities Π_k ‖W^(n,k)‖ (S1's term) and Σ_k ‖b^(n,k)‖ Π_{j>k} ‖W^(n,j)‖ (S2's term).
 */
import { CancelledError, type AnalysisContext } from '../context';
import type { Conv2d } from './conv2d';
import { biasVectorNorm, convSpectralNorm, type ConvNormResult, type ConvSpectralOptions } from './norms';
import { convNetShapes, type ConvNet } from './resnet';

export interface ConvLayerNorms {
  readonly name: string;
  readonly inShape: readonly [number, number, number];
  readonly outShape: readonly [number, number, number];
  readonly spectral: ConvNormResult;
  /** ‖W − I‖₂ when the conv maps C×H×W to itself */
  readonly minusIdentity?: ConvNormResult;
  /** ‖b‖₂ of the bias on the C×Ho×Wo output */
  readonly biasNorm: number;
}

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

export function layerNorms(conv: Conv2d, inShape: readonly [number, number, number], options: ConvSpectralOptions): ConvLayerNorms {
  const [c, h, w] = inShape;
  if (c !== conv.inChannels) throw new RangeError(`${conv.name}: takes ${conv.inChannels} channels, gets ${c}`);
  const [ho, wo] = conv.outputSize(h, w);
  const outShape: [number, number, number] = [conv.outChannels, ho, wo];
  const spectral = convSpectralNorm(conv, h, w, options);
  const square = conv.inChannels === conv.outChannels && ho === h && wo === w;
  const minusIdentity = square ? convSpectralNorm(conv, h, w, options, 1) : undefined;
  return { name: conv.name, inShape: [c, h, w], outShape, spectral, minusIdentity, biasNorm: biasVectorNorm(conv.bias, ho, wo) };
}

/** Norms of every conv and every block's products, in network order; `ctx` sees one step per conv. */
export function networkNorms(net: ConvNet, options: ConvSpectralOptions = {}): NetworkNorms {
  const shapes = convNetShapes(net);
  const ctx: AnalysisContext | undefined = options.ctx;
  let total = 0;
  for (const op of net.ops) total += op.kind === 'conv2d' ? 1 : op.kind === 'residual' ? op.branch.length + (op.shortcut ? 1 : 0) : 0;
  let done = 0;
  const one = (conv: Conv2d, s: readonly [number, number, number]): ConvLayerNorms => {
    if (ctx?.isCancelled()) throw new CancelledError();
    ctx?.progress(done / total, conv.name);
    const r = layerNorms(conv, s, options);
    done++;
    return r;
  };
  const convs: ConvLayerNorms[] = [];
  const blocks: BlockNorms[] = [];
  net.ops.forEach((op, k) => {
    const input = (k === 0 ? net.inputShape : shapes[k - 1]) as readonly [number, number, number];
    if (op.kind === 'conv2d') convs.push(one(op.conv, input));
    if (op.kind !== 'residual') return;
    const branch: ConvLayerNorms[] = [];
    let s = input;
    for (const step of op.branch) {
      const r = one(step.conv, s);
      branch.push(r);
      convs.push(r);
      s = r.outShape;
    }
    const shortcut = op.shortcut ? one(op.shortcut, input) : undefined;
    if (shortcut) convs.push(shortcut);
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
