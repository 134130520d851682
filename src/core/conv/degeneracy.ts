/**
 * Depth degeneracy on a conv net (MATH.md §C on conv layers): the angle between two images measured
 * through the actual network — the flattened activations after every ReLU site and max pool, and the
 * output — beside the infinite-width prediction cos θ' = 2J11(θ) iterated once per ReLU layer
 * traversed, from the measured input angle θ⁰.
 *
 * "Layer" ℓ of a site is the number of ReLU sites met up to it in forward order (a BasicBlock adds two:
 * its inner ReLU and the ReLU after the addition); pools and linear layers apply no step. "Width" is a
 * site's channel count (the units at one pixel), or its length when flat; the infinite-width map does
 * not depend on it.
 */
import { checkBudget, type AnalysisBudget } from '../network/budget';
import { silentContext, type AnalysisContext } from '../context';
import { vectorAngle } from '../degeneracy/analysis';
import { infiniteWidthIterates } from '../degeneracy/theory';
import { convAnglesCost } from './cost';
import type { ImageBatch } from './images';
import { runConvNet, type ConvNet } from './resnet';

export interface ConvAngleSite {
  readonly site: string;
  readonly kind: 'input' | 'relu' | 'maxpool' | 'output';
  /** 0-based op index; null for the input and the output */
  readonly op: number | null;
  /** [C, H, W] or [n] */
  readonly shape: readonly number[];
  /** channels of an image site, the length of a flat one */
  readonly width: number;
  /** ReLU sites traversed up to and including this one */
  readonly layer: number;
  /** the measured angle (radians); null where either image's activations are all zero */
  readonly theta: number | null;
  /** the infinite-width map iterated `layer` times from θ⁰ */
  readonly predicted: number;
}

export interface ConvAnglesResult {
  readonly inputShape: readonly [number, number, number];
  readonly images: readonly [string, string];
  readonly theta0: number;
  readonly sites: readonly ConvAngleSite[];
  readonly notes: readonly string[];
}

/** What the prediction means on a conv net, for every report of it. */
export const CONV_ANGLE_NOTES: readonly string[] = [
  'layer ℓ: the ReLU sites traversed so far in forward order (a residual block adds its inner ReLUs and the ReLU after the addition); pools and linear layers apply no step',
  'width: a site\'s channel count (the units at one pixel), or its length when flat; the infinite-width prediction does not depend on it',
  'the prediction assumes iid Gaussian bias-free layers without skip connections (MATH.md §C); a trained or BatchNorm-folded ResNet (biases, shortcuts) need not follow it',
  'for convolutions the map holds pixel by pixel in the infinite-channel limit; the flattened angle follows it only as far as the pixels\' angles agree',
];

/** channels of [C, H, W], the length of [n] */
const width = (shape: readonly number[]) => shape[0];

/**
 * Throws RangeError (not two images of the net's input shape), BudgetError (before any work),
 * NonFiniteActivationError (an activation leaves float64: nothing is computed from it).
 */
export function convProbeAngles(net: ConvNet, images: ImageBatch, options: { readonly budget?: AnalysisBudget } = {}, ctx: AnalysisContext = silentContext): ConvAnglesResult {
  if (images.count !== 2) throw new RangeError(`convProbeAngles: needs two images, got ${images.count}`);
  if (images.shape.join() !== net.inputShape.join()) throw new RangeError(`convProbeAngles: the images are ${images.shape.join('×')}, the network takes ${net.inputShape.join('×')}`);
  checkBudget('degeneracy', convAnglesCost(net), options.budget);
  const per = images.data.length / 2;
  const a0 = vectorAngle(images.data.subarray(0, per), images.data.subarray(per));
  if (!a0) throw new RangeError(`convProbeAngles: the angle between ${images.names[0]} and ${images.names[1]} is undefined (an image is all zeros)`);
  const theta0 = a0.theta;
  const measured: Array<Omit<ConvAngleSite, 'predicted'>> = [];
  measured.push({ site: 'input', kind: 'input', op: null, shape: [...net.inputShape], width: net.inputShape[0], layer: 0, theta: theta0 });
  let layer = 0;
  // both images in one batch; each sample's numbers are contiguous, so the halves are the two tensors
  const run = runConvNet(net, images.data, 2, {
    ctx,
    onSite: (site, data) => {
      if (site.kind === 'relu') layer++;
      const n = data.length / 2;
      const a = vectorAngle(data.subarray(0, n), data.subarray(n));
      // the channels-last order permutes both tensors alike: the angle is the flattened NCHW tensors'
      measured.push({ site: site.name, kind: site.kind, op: site.op, shape: [...site.shape], width: width(site.shape), layer, theta: a ? a.theta : null });
    },
  });
  const n = run.output.length / 2;
  const out = vectorAngle(run.output.subarray(0, n), run.output.subarray(n));
  measured.push({ site: 'output', kind: 'output', op: null, shape: [...run.outputShape], width: width(run.outputShape), layer, theta: out ? out.theta : null });
  const predicted = infiniteWidthIterates(theta0, layer);
  const notes = [...CONV_ANGLE_NOTES];
  if (measured.some((s) => s.theta === null)) notes.push('θ is undefined (—) where an image\'s activations are all zero');
  return {
    inputShape: net.inputShape, images: [images.names[0], images.names[1]], theta0,
    sites: measured.map((s) => ({ ...s, predicted: predicted[s.layer] })),
    notes,
  };
}
