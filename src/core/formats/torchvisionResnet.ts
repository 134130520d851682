/**
 * A torchvision-style ResNet recognised from a bare state_dict's keys (a .pt/.pth state_dict, or the
 * same keys in safetensors): conv1, bn1, layerN.M.conv1/bn1/conv2/bn2[/conv3/bn3][/downsample.0/1], fc.
 * The file holds no architecture, so what the keys cannot say is torchvision's convention, and a note
 * says so: a 7×7 stem has stride 2, padding 3 and a 3×3 stride-2 max pool after it (a 3×3 stem: stride 1,
 * no pool — the CIFAR variant); the first block of every stage after the first has stride 2 (on conv1
 * of a BasicBlock, on conv2 of a Bottleneck — torchvision's v1.5); k×k convs have padding (k − 1)/2;
 * groups come from the channels (ResNeXt). Any key outside the pattern means it is not this model.
 */
import type { GraphOp } from '../conv/resnet';
import type { Architecture, TensorInfo } from './model';

const BN_PARTS = ['weight', 'bias', 'running_mean', 'running_var'];

/** The conv ResNet a state_dict's keys describe, or undefined when they are not torchvision's. */
export function inferTorchvisionResnet(tensors: readonly TensorInfo[], file: string): Extract<Architecture, { kind: 'conv' }> | undefined {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const used = new Set<string>();
  const shape = (name: string): readonly number[] | undefined => byName.get(name)?.shape;
  const stem = shape('conv1.weight'), fc = shape('fc.weight');
  if (!stem || stem.length !== 4 || !fc || fc.length !== 2 || !byName.has('layer1.0.conv1.weight')) return undefined;

  // a BatchNorm's four tensors (num_batches_tracked is training state)
  const bn = (prefix: string, name: string): GraphOp | undefined => {
    if (!BN_PARTS.every((p) => shape(`${prefix}.${p}`)?.length === 1)) return undefined;
    for (const p of [...BN_PARTS, 'num_batches_tracked']) used.add(`${prefix}.${p}`);
    return { op: 'batchnorm2d', name, weight: `${prefix}.weight`, bias: `${prefix}.bias`, runningMean: `${prefix}.running_mean`, runningVar: `${prefix}.running_var`, eps: 1e-5 };
  };
  /** conv `prefix` on `inChannels` channels; undefined when its shape does not fit */
  const conv = (prefix: string, inChannels: number, stride: number): Extract<GraphOp, { op: 'conv2d' }> | undefined => {
    const s = shape(`${prefix}.weight`);
    if (!s || s.length !== 4 || s[2] % 2 !== 1 || s[3] % 2 !== 1 || inChannels % s[1] !== 0) return undefined;
    used.add(`${prefix}.weight`);
    const hasBias = shape(`${prefix}.bias`)?.length === 1;
    if (hasBias) used.add(`${prefix}.bias`);
    return {
      op: 'conv2d', name: prefix, weight: `${prefix}.weight`, bias: hasBias ? `${prefix}.bias` : null, inChannels, outChannels: s[0],
      kernelSize: [s[2], s[3]], stride: [stride, stride], padding: [(s[2] - 1) / 2, (s[3] - 1) / 2], dilation: [1, 1], groups: inChannels / s[1], paddingMode: 'zeros',
    };
  };

  const graph: GraphOp[] = [];
  const k = stem[2];
  const imagenetStem = k === 7;
  const c1 = conv('conv1', stem[1], imagenetStem ? 2 : 1);
  const b1 = bn('bn1', 'bn1');
  if (!c1 || !b1) return undefined;
  graph.push(imagenetStem ? { ...c1, padding: [3, 3] } : c1, b1, { op: 'relu', name: 'relu' });
  if (imagenetStem) graph.push({ op: 'maxpool2d', name: 'maxpool', kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: false });

  let channels = stem[0];
  let blocks = 0, bottleneck = false;
  for (let n = 1; byName.has(`layer${n}.0.conv1.weight`); n++) {
    for (let m = 0; byName.has(`layer${n}.${m}.conv1.weight`); m++) {
      const p = `layer${n}.${m}`;
      let convs = 0;
      while (byName.has(`${p}.conv${convs + 1}.weight`)) convs++;
      if (convs !== 2 && convs !== 3) return undefined;
      bottleneck = convs === 3;
      const stride = n > 1 && m === 0 ? 2 : 1;
      const branch: GraphOp[] = [];
      let c = channels;
      for (let j = 1; j <= convs; j++) {
        // the stride sits on conv1 of a BasicBlock, on conv2 (the 3×3) of a Bottleneck
        const s = (convs === 2 ? j === 1 : j === 2) ? stride : 1;
        const cv = conv(`${p}.conv${j}`, c, s);
        const norm = bn(`${p}.bn${j}`, `${p}.bn${j}`);
        if (!cv || !norm) return undefined;
        branch.push(cv, norm);
        if (j < convs) branch.push({ op: 'relu', name: `${p}.relu${j}` });
        c = cv.outChannels;
      }
      let shortcut: GraphOp[] | null = null;
      if (byName.has(`${p}.downsample.0.weight`)) {
        const cv = conv(`${p}.downsample.0`, channels, stride);
        const norm = bn(`${p}.downsample.1`, `${p}.downsample.1`);
        if (!cv || !norm) return undefined;
        shortcut = [cv, norm];
      }
      graph.push({ op: 'residual', name: p, branch, shortcut, activation: 'relu' });
      channels = c;
      blocks++;
    }
  }
  graph.push({ op: 'adaptiveavgpool2d', name: 'avgpool', outputSize: [1, 1] }, { op: 'flatten', name: 'flatten' });
  if (fc[1] !== channels) return undefined;
  used.add('fc.weight');
  const fcBias = shape('fc.bias')?.length === 1;
  if (fcBias) used.add('fc.bias');
  graph.push({ op: 'linear', name: 'fc', weight: 'fc.weight', bias: fcBias ? 'fc.bias' : null });
  if (tensors.some((t) => !used.has(t.name))) return undefined;

  const side = imagenetStem ? 224 : 32;
  const inputShape: [number, number, number] = [stem[1], side, side];
  const note = `${file} is a state_dict without an architecture: its keys are those of a torchvision ResNet (${blocks} ${bottleneck ? 'Bottleneck' : 'BasicBlock'} blocks), so Depth Lens reads it as one with torchvision's conventions — ${imagenetStem ? '7×7 stride-2 stem with a 3×3 stride-2 max pool' : `${k}×${k} stride-1 stem without max pool (the CIFAR variant)`}, stride 2 in the first block of every later stage, padding (k − 1)/2, BatchNorm eps 1e-5 — on a ${inputShape.join('×')} input (--input-shape C,H,W changes it)`;
  return { kind: 'conv', graph, inputShape, notes: [note] };
}
