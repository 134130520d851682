/**
 * The conv network model beside the dense one (src/core/network/model.ts): a network Depth Lens reads
 * is either dense (the model every analysis takes) or convolutional (a ConvNet of ./resnet.ts, which
 * `info`, `spectrum` and the checkpoint viewer take; the other analyses refuse it by name). The layers
 * are listed flat for tables: every op of the net, residual blocks with their branch and shortcut.
 */
import type { Network } from '../network/model';
import { AvgPool2d } from './pool';
import { convNetParameterCount, convNetShapes, type ActivationShape, type ConvNet } from './resnet';
import type { Conv2d } from './conv2d';

export interface ConvNetwork {
  readonly kind: 'conv';
  readonly net: ConvNet;
  /** the name the file gives the model (ONNX graph name), if any */
  readonly name?: string;
  /** how the file was read (BatchNorm folds, an architecture inferred from keys) */
  readonly notes: readonly string[];
  /**
   * parameters as the file stores them (conv and linear weights and biases, BatchNorm γ and β; not
   * running statistics): PyTorch's count. Folding BatchNorm changes the net's own count.
   */
  readonly fileParameterCount?: number;
  /** a network file's: where each op of `net.ops` is written (offset and length of its layer entry), for code lenses */
  readonly sources?: readonly ({ readonly offset: number; readonly length: number } | undefined)[];
}

export type AnyNetwork = { readonly kind: 'dense'; readonly network: Network } | ConvNetwork;

/** One row of a conv net's layer list. */
export interface ConvLayerEntry {
  /** "3" for the net's third op, "3.1" for the first conv of block 3's branch, "3.s" for its shortcut */
  readonly label: string;
  /** index of the op in net.ops */
  readonly op: number;
  readonly kind: 'conv2d' | 'affine2d' | 'maxpool2d' | 'avgpool2d' | 'flatten' | 'dense' | 'residual';
  readonly name: string;
  readonly inShape: ActivationShape;
  readonly outShape: ActivationShape;
  /** kernel, stride, padding … in PyTorch's words */
  readonly detail: string;
  readonly activation: 'relu' | 'linear';
  readonly parameters: number;
  /** the conv of a conv row (net, branch or shortcut) */
  readonly conv?: Conv2d;
  /** branch rows are nested under their block */
  readonly parent?: number;
}

export function convDetail(c: Conv2d): string {
  const two = (a: number, b: number) => (a === b ? String(a) : `${a}×${b}`);
  const parts = [`${c.outChannels}×${c.inChannels / c.groups}×${c.kernelH}×${c.kernelW}`, `stride ${two(c.strideH, c.strideW)}`, `pad ${two(c.padH, c.padW)}${c.paddingMode === 'circular' ? ' circular' : ''}`];
  if (c.dilationH !== 1 || c.dilationW !== 1) parts.push(`dilation ${two(c.dilationH, c.dilationW)}`);
  if (c.groups !== 1) parts.push(`groups ${c.groups}`);
  if (c.bias) parts.push('bias');
  return parts.join(', ');
}

/** Every op in order, residual blocks followed by their branch convs and shortcut. */
export function convLayerEntries(net: ConvNet): ConvLayerEntry[] {
  const shapes = convNetShapes(net);
  const out: ConvLayerEntry[] = [];
  net.ops.forEach((op, k) => {
    const inShape = k === 0 ? net.inputShape : shapes[k - 1];
    const outShape = shapes[k];
    const label = String(k + 1);
    switch (op.kind) {
      case 'conv2d':
        out.push({ label, op: k, kind: 'conv2d', name: op.conv.name, inShape, outShape, detail: convDetail(op.conv), activation: op.relu ? 'relu' : 'linear', parameters: op.conv.parameterCount, conv: op.conv });
        break;
      case 'affine2d':
        out.push({ label, op: k, kind: 'affine2d', name: op.name, inShape, outShape, detail: `BatchNorm as a per-channel affine map (${op.scale.length} channels)`, activation: op.relu ? 'relu' : 'linear', parameters: 2 * op.scale.length });
        break;
      case 'maxpool2d': {
        const p = op.pool;
        out.push({ label, op: k, kind: 'maxpool2d', name: op.name, inShape, outShape, detail: `kernel ${p.kernelH}×${p.kernelW}, stride ${p.strideH}, pad ${p.padH}`, activation: 'linear', parameters: 0 });
        break;
      }
      case 'avgpool2d': {
        const p = op.pool;
        const detail = p instanceof AvgPool2d ? `kernel ${p.kernelH}×${p.kernelW}, stride ${p.strideH}, pad ${p.padH}` : `adaptive to ${p.outputSize().join('×')}${p.outputSize().join() === '1,1' ? ' (global average)' : ''}`;
        out.push({ label, op: k, kind: 'avgpool2d', name: op.name, inShape, outShape, detail, activation: 'linear', parameters: 0 });
        break;
      }
      case 'flatten':
        out.push({ label, op: k, kind: 'flatten', name: op.name, inShape, outShape, detail: '', activation: 'linear', parameters: 0 });
        break;
      case 'dense':
        out.push({ label, op: k, kind: 'dense', name: op.name, inShape, outShape, detail: `${op.weights.rows}×${op.weights.cols}`, activation: op.relu ? 'relu' : 'linear', parameters: op.weights.data.length + op.bias.length });
        break;
      case 'residual': {
        let params = 0;
        for (const s of op.branch) params += s.conv.parameterCount;
        if (op.shortcut) params += op.shortcut.parameterCount;
        out.push({ label, op: k, kind: 'residual', name: op.name, inShape, outShape, detail: `${op.branch.length} convs, ${op.shortcut ? 'projection' : 'identity'} shortcut`, activation: op.relu ? 'relu' : 'linear', parameters: params });
        let s = inShape as readonly [number, number, number];
        op.branch.forEach((step, j) => {
          const [ho, wo] = step.conv.outputSize(s[1], s[2]);
          const o: [number, number, number] = [step.conv.outChannels, ho, wo];
          out.push({ label: `${label}.${j + 1}`, op: k, kind: 'conv2d', name: step.conv.name, inShape: s, outShape: o, detail: convDetail(step.conv), activation: step.relu && j < op.branch.length - 1 ? 'relu' : 'linear', parameters: step.conv.parameterCount, conv: step.conv, parent: k });
          s = o;
        });
        if (op.shortcut) {
          out.push({ label: `${label}.s`, op: k, kind: 'conv2d', name: op.shortcut.name, inShape, outShape, detail: convDetail(op.shortcut), activation: 'linear', parameters: op.shortcut.parameterCount, conv: op.shortcut, parent: k });
        }
        break;
      }
    }
  });
  return out;
}

/** The first op an analysis for dense networks cannot take, as "layer 1 is conv2d (conv1)". */
export function firstConvLayer(net: ConvNet): string {
  const k = net.ops.findIndex((op) => op.kind !== 'dense');
  const op = net.ops[k];
  const name = op.kind === 'conv2d' ? op.conv.name : op.name;
  return `layer ${k + 1} is ${op.kind === 'residual' ? 'a residual block of convolutions' : op.kind} (${name})`;
}

export { convNetParameterCount };
