/**
 * Activations of a conv net at input images (MATH.md §A on conv layers): one forward pass, and at every
 * ReLU site the active units (value > 0) per image, in total and per channel; at every max-pool site
 * the input units that win at least one window (they pass through, the others are switched off — the
 * pooling's pattern, as a ReLU's); and the network's output. Ties at exactly 0 count as inactive, as in
 * torch's `(out > 0)`.
 */
import { checkBudget, type AnalysisBudget } from '../network/budget';
import { silentContext, type AnalysisContext } from '../context';
import { convActivationsCost } from './cost';
import type { ImageBatch } from './images';
import { convNetShapes, runConvNet, type ActivationShape, type ConvNet, type ConvNetRun } from './resnet';

export interface ConvActivationSite {
  readonly site: string;
  readonly kind: 'relu' | 'maxpool';
  /** relu: the site's shape; maxpool: its input's [C, H, W] (the units that can win) */
  readonly shape: readonly number[];
  /** 0-based index of the op the site belongs to */
  readonly op: number;
  /** units per image */
  readonly units: number;
  /** active units (relu: > 0; maxpool: winning at least one window) per image */
  readonly active: readonly number[];
  /** active / units per image */
  readonly fraction: readonly number[];
  /** per image, per channel: active units of the channel / units of a channel */
  readonly channelFraction: readonly (readonly number[])[];
  /** per image: channels with no active unit */
  readonly deadChannels: readonly number[];
  /** 1 where active, [image][C][H][W], when patterns were asked for */
  readonly pattern?: Uint8Array;
}

export interface ConvActivationsResult {
  readonly inputShape: readonly [number, number, number];
  readonly images: readonly string[];
  /** [image][...outputShape] */
  readonly output: Float64Array;
  readonly outputShape: ActivationShape;
  /** ReLU and max-pool sites in the order the forward pass meets them */
  readonly sites: readonly ConvActivationSite[];
}

export interface ConvActivationsOptions {
  /** keep the 0/1 pattern of every site (1 byte a unit and image) */
  readonly patterns?: boolean;
  readonly budget?: AnalysisBudget;
  /** the forward pass's own record (every max pool's winner per window, not only the winning set) */
  readonly onRun?: (run: ConvNetRun) => void;
}

function perImage(counts: Int32Array, batch: number, channels: number, perChannel: number) {
  const channelFraction: number[][] = [], deadChannels: number[] = [];
  for (let b = 0; b < batch; b++) {
    const row: number[] = [];
    let dead = 0;
    for (let c = 0; c < channels; c++) {
      const n = counts[b * channels + c];
      row.push(n / perChannel);
      if (n === 0) dead++;
    }
    channelFraction.push(row);
    deadChannels.push(dead);
  }
  return { channelFraction, deadChannels };
}

/** Throws BudgetError (before any work), NonFiniteActivationError (an activation leaves float64). */
export function analyzeConvActivations(net: ConvNet, images: ImageBatch, options: ConvActivationsOptions = {}, ctx: AnalysisContext = silentContext): ConvActivationsResult {
  if (images.shape.join() !== net.inputShape.join()) throw new RangeError(`analyzeConvActivations: the images are ${images.shape.join('×')}, the network takes ${net.inputShape.join('×')}`);
  checkBudget('activations', convActivationsCost(net, images.count), options.budget);
  const batch = images.count;
  const run = runConvNet(net, images.data, batch, { patterns: options.patterns, ctx });
  options.onRun?.(run);
  const shapes = convNetShapes(net);

  // the op of each site, in order: sites are named by the op's ReLU name; max pools by their op name
  const reluOps: number[] = [], poolOps: number[] = [];
  net.ops.forEach((op, k) => {
    if (op.kind === 'maxpool2d') poolOps.push(k);
    else if (op.kind === 'residual') { for (let j = 0; j < op.branch.length - 1; j++) if (op.branch[j].relu) reluOps.push(k); if (op.relu) reluOps.push(k); }
    else if ((op.kind === 'conv2d' || op.kind === 'affine2d' || op.kind === 'dense') && op.relu) reluOps.push(k);
  });

  const sites: Array<{ order: number; site: ConvActivationSite }> = [];
  run.reluSites.forEach((s, i) => {
    const units = s.shape.reduce((a, b) => a * b, 1);
    const channels = s.shape.length === 3 ? s.shape[0] : 1;
    const { channelFraction, deadChannels } = perImage(s.activePerChannel, batch, channels, units / channels);
    const active = Array.from(s.active);
    sites.push({ order: reluOps[i], site: { site: s.name, kind: 'relu', shape: s.shape, op: reluOps[i], units, active, fraction: active.map((a) => a / units), channelFraction, deadChannels, pattern: s.pattern } });
  });
  run.maxPoolSites.forEach((s, i) => {
    const k = poolOps[i];
    const [c, h, w] = (k === 0 ? net.inputShape : shapes[k - 1]) as readonly [number, number, number];
    const [, ho, wo] = s.shape;
    const plane = h * w, outPlane = ho * wo;
    const counts = new Int32Array(batch * c);
    const pattern = options.patterns ? new Uint8Array(batch * c * plane) : undefined;
    const seen = new Uint8Array(plane);
    for (let b = 0; b < batch; b++) {
      for (let ch = 0; ch < c; ch++) {
        seen.fill(0);
        const base = (b * c + ch) * outPlane;
        let n = 0;
        for (let p = 0; p < outPlane; p++) {
          const q = s.winners[base + p];
          if (q >= 0 && q < plane && !seen[q]) { seen[q] = 1; n++; }
        }
        counts[b * c + ch] = n;
        if (pattern) pattern.set(seen, (b * c + ch) * plane);
      }
    }
    const active: number[] = [];
    for (let b = 0; b < batch; b++) { let t = 0; for (let ch = 0; ch < c; ch++) t += counts[b * c + ch]; active.push(t); }
    const units = c * plane;
    const { channelFraction, deadChannels } = perImage(counts, batch, c, plane);
    // after the ReLU sites of earlier ops, before those of later ones (the sort is stable)
    sites.push({ order: k, site: { site: s.name, kind: 'maxpool', shape: [c, h, w], op: k, units, active, fraction: active.map((a) => a / units), channelFraction, deadChannels, pattern } });
  });
  sites.sort((a, b) => a.order - b.order);
  return { inputShape: net.inputShape, images: images.names, output: run.output, outputShape: run.outputShape, sites: sites.map((s) => s.site) };
}
