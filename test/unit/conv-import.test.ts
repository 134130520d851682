/**
 * Real conv models read by the importers (issue 14, phase 2): the CIFAR-style ResNet that
 * scripts/make-conv-fixtures.py exported with torch — as ONNX (torch.onnx.export, opset 13, BatchNorm
 * folded by the exporter in float32) and as a zip state_dict (.pt, architecture inferred from the keys)
 * — reproduces torch's recorded outputs and equals the net built from weights.bin + index.json;
 * torchvision's ResNet-18 as a state_dict (tensors rebuilt from the fixture's seed) has torch's
 * parameter count and outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { convLayerEntries, firstConvLayer } from '../../src/core/conv/network';
import { buildConvNet, convNetParameterCount, runConvNet, type ConvNet, type GraphOp } from '../../src/core/conv/resnet';
import { convArchitectureOf, modelConvNetwork } from '../../src/core/formats/convNetwork';
import type { ModelIndex, TensorInfo } from '../../src/core/formats/model';
import { modelNetwork } from '../../src/core/formats/network';
import { moduleName } from '../../src/core/formats/onnxConv';
import { readOnnx } from '../../src/core/formats/onnx';
import { readPytorch } from '../../src/core/formats/pytorch';
import { bytesSource } from '../../src/core/formats/source';
import { inferTorchvisionResnet } from '../../src/core/formats/torchvisionResnet';
import { assertClose, binTensors, FIXTURES, fixtureInputs, hashTensors, lookup, readJson, type NetworkIndex, type NetworkRecords } from './conv-fixtures';

const DIR = path.join(FIXTURES, 'cifar-resnet');
const cifarIndex = readJson<NetworkIndex>('cifar-resnet', 'index.json');
const cifarRecords = readJson<NetworkRecords>('cifar-resnet', 'records.json');
const reference = buildConvNet(cifarIndex.graph, cifarIndex.inputShape, lookup(binTensors(path.join(DIR, 'weights.bin'), cifarIndex.tensors)));
const input = fixtureInputs(cifarRecords.inputSeed, cifarRecords.inputShape);
const torchOutput = cifarRecords.output.flat();
const referenceOutput = runConvNet(reference, input, 2).output;

function open(file: string): ModelIndex {
  const bytes = new Uint8Array(fs.readFileSync(path.join(DIR, file)));
  return file.endsWith('.onnx') ? readOnnx(bytesSource(file, bytes)) : readPytorch(bytesSource(file, bytes));
}

function imported(file: string): { net: ConvNet; notes: readonly string[] } {
  const r = modelConvNetwork(open(file));
  assert.ok(r, `${file} is read as a conv network`);
  assert.ok(r.network, `${file}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return { net: r.network.net, notes: r.network.notes };
}

/** The shape of a net: op kinds, conv hyper-parameters, shortcuts (names aside). */
function structure(net: ConvNet): string[] {
  return convLayerEntries(net).map((e) => `${e.label} ${e.kind} ${e.inShape.join('×')}→${e.outShape.join('×')} ${e.detail.replace(/, bias$/, '')} ${e.activation}`);
}

test('ONNX export of the CIFAR ResNet: the same layers as the torch modules, torch’s outputs to 1e-5', () => {
  const { net } = imported('cifar-resnet.onnx');
  assert.deepEqual(structure(net), structure(reference));
  assert.equal(net.ops.length, 30);
  const shortcuts = net.ops.filter((op) => op.kind === 'residual' && op.shortcut).map((op) => op.kind === 'residual' ? op.name : '');
  assert.deepEqual(shortcuts, ['layer2.0', 'layer3.0']);
  // the exporter folded BatchNorm in float32: the weights differ from torch's float64 fold by ~1e-7 relative
  const out = runConvNet(net, input, 2).output;
  assertClose(out, torchOutput, 1e-5, 'onnx vs torch');
  assertClose(out, referenceOutput, 1e-5, 'onnx vs weights.bin');
  // and not much better: it is not secretly the reference net
  assert.ok(Math.max(...out.map((v, i) => Math.abs(v - torchOutput[i]))) > 0, 'float32 folding leaves a difference');
});

test('PyTorch state_dict of the CIFAR ResNet: architecture inferred from the keys, equal to the weights.bin net', () => {
  const index = open('cifar-resnet.pt');
  assert.equal(index.architecture.kind, 'none');
  const { net, notes } = imported('cifar-resnet.pt');
  assert.deepEqual(structure(net), structure(reference));
  assert.deepEqual(Array.from(net.ops.map((op) => op.kind === 'conv2d' ? op.conv.name : op.name)), Array.from(reference.ops.map((op) => op.kind === 'conv2d' ? op.conv.name : op.name)));
  assert.match(notes[0], /^cifar-resnet\.pt is a state_dict without an architecture: its keys are those of a torchvision ResNet \(26 BasicBlock blocks\), .*3×3 stride-1 stem without max pool .* on a 3×32×32 input/);
  // same float32 tensors, same fold in float64: bit for bit the reference
  const out = runConvNet(net, input, 2).output;
  assert.deepEqual(Array.from(out), Array.from(referenceOutput));
  assertClose(out, torchOutput, 1e-12, 'pt vs torch');
  assert.equal(convNetParameterCount(net), convNetParameterCount(reference));
});

test('the dense reader refuses conv models by name, not with a chain error', () => {
  for (const file of ['cifar-resnet.onnx', 'cifar-resnet.pt']) {
    const r = modelNetwork(open(file));
    assert.equal(r.network, undefined);
    assert.equal(r.diagnostics[0].message, `${file} is a convolutional network: \`depth-lens info\`, \`depth-lens spectrum\` and the checkpoint viewer read it; the other analyses take dense networks only so far`);
  }
  assert.equal(firstConvLayer(reference), 'layer 1 is conv2d (conv1)');
});

/** A state_dict index over values in memory (what readPytorch gives, without the zip). */
function memoryIndex(file: string, tensors: Map<string, { data: Float64Array; shape: readonly number[] }>): ModelIndex {
  const list: TensorInfo[] = [...tensors].map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, count: t.data.length, location: { kind: 'values', values: t.data }, where: 'memory' }));
  return { format: 'pytorch', file, tensors: list, byName: new Map(list.map((t) => [t.name, t])), architecture: { kind: 'none' }, metadata: new Map(), sources: new Map() };
}

test('torchvision ResNet-18 state_dict: 11 689 512 parameters, torch’s outputs on 3×32×32', () => {
  const r18 = readJson<NetworkRecords & NetworkIndex & { parameterCount: number }>('resnet18', 'records.json');
  const tensors = hashTensors(r18.seed, r18.tensors);
  const index = memoryIndex('resnet18.pt', tensors);
  const arch = convArchitectureOf(index)!;
  assert.deepEqual(arch.inputShape, [3, 224, 224]);
  assert.match(arch.notes[0], /8 BasicBlock blocks\), .*7×7 stride-2 stem with a 3×3 stride-2 max pool/);
  const r = modelConvNetwork(index, { inputShape: [3, 32, 32] })!;
  const net = r.network!.net;
  // torch's count (records.json) includes BatchNorm γ, β, which folding moves into the conv weights and biases
  const bnParams = r18.tensors.filter((t) => /bn\d?\.weight$|downsample\.1\.weight$/.test(t.name)).reduce((s, t) => s + 2 * t.shape[0], 0);
  const convBiases = net.ops.reduce((s, op) => s + (op.kind === 'conv2d' ? op.conv.outChannels : op.kind === 'residual' ? op.branch.reduce((a, b) => a + b.conv.outChannels, 0) + (op.shortcut?.outChannels ?? 0) : 0), 0);
  assert.equal(r18.parameterCount, 11_689_512);
  assert.equal(convNetParameterCount(net) - convBiases + bnParams, r18.parameterCount);
  const x = fixtureInputs(r18.inputSeed, r18.inputShape);
  assertClose(runConvNet(net, x, 2).output, r18.output.flat(), 1e-12, 'resnet18 state_dict vs torch');
});

test('key patterns that are not a torchvision ResNet are not read as one', () => {
  const r18 = readJson<NetworkIndex>('cifar-resnet', 'index.json');
  const tensors = hashTensors(r18.seed, r18.tensors);
  const extra = new Map(tensors);
  extra.set('head.weight', { data: new Float64Array(4), shape: [2, 2] });
  assert.equal(inferTorchvisionResnet(memoryIndex('x.pt', extra).tensors, 'x.pt'), undefined);
  const missing = new Map(tensors);
  missing.delete('layer1.0.bn2.running_var');
  assert.equal(inferTorchvisionResnet(memoryIndex('x.pt', missing).tensors, 'x.pt'), undefined);
  assert.ok(inferTorchvisionResnet(memoryIndex('x.pt', tensors).tensors, 'x.pt'));
});

test('ONNX node names become module names', () => {
  assert.equal(moduleName('/layer1/layer1.0/conv1/Conv'), 'layer1.0.conv1');
  assert.equal(moduleName('/layer2/layer2.0/downsample/downsample.0/Conv'), 'layer2.0.downsample.0');
  assert.equal(moduleName('/conv1/Conv'), 'conv1');
  assert.equal(moduleName('conv_7'), 'conv_7');
});

export type { GraphOp };
