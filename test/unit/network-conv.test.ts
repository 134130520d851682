/**
 * Networks on images in the network format (src/core/network/convParse.ts): the CIFAR fixture's ResNet
 * written as a network file (weights from its weights.bin, and inline) gives torch's outputs and the same
 * ConvNetwork as the .pt import; every bad input is one located diagnostic with an exact message.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FolderFiles, parseNetworkText, type NetworkDiagnostic } from '../../src/core/network/parse';
import { nodeFileSystem } from '../../src/worker/nodeFiles';
import { parsedDocument } from '../../src/worker/documents';
import { handlers } from '../../src/worker/handlers/index';
import type { AnalysisContext } from '../../src/core/context';
import type { ConvActivationsReply, ConvConvergenceReply } from '../../src/shared/analyses/convPanels';
import type { ConvOverviewResult } from '../../src/shared/analyses/overview';
import { convLayerEntries } from '../../src/core/conv/network';
import { convOverview } from '../../src/core/conv/overview';
import { convNetParameterCount, runConvNet, type ConvNet, type GraphOp } from '../../src/core/conv/resnet';
import { modelConvNetwork } from '../../src/core/formats/convNetwork';
import { readPytorch } from '../../src/core/formats/pytorch';
import { bytesSource } from '../../src/core/formats/source';
import { assertClose, binTensors, FIXTURES, fixtureInputs, readJson, type NetworkIndex, type NetworkRecords } from './conv-fixtures';

const DIR = path.join(FIXTURES, 'cifar-resnet');
const index = readJson<NetworkIndex>('cifar-resnet', 'index.json');
const records = readJson<NetworkRecords>('cifar-resnet', 'records.json');
const input = fixtureInputs(records.inputSeed, records.inputShape);
const byName = new Map(index.tensors.map((t) => [t.name, t]));
const values = binTensors(path.join(DIR, 'weights.bin'), index.tensors);

type Json = Record<string, unknown>;

/** A tensor of the fixture: a reference into weights.bin, or its numbers nested as the shape says. */
function tensorJson(name: string, inline: boolean): unknown {
  const t = byName.get(name)!;
  if (!inline) return { file: 'weights.bin', dtype: 'float32', shape: t.shape, offset: t.offset };
  const data = Array.from(values.get(name)!.data);
  const nest = (shape: readonly number[], at: number): unknown => {
    if (shape.length === 1) return data.slice(at, at + shape[0]);
    const per = shape.slice(1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[0] }, (_, i) => nest(shape.slice(1), at + i * per));
  };
  return nest(t.shape, 0);
}

/** The fixture's layer graph as network-file entries (ReLU as the activation of the layer before it). */
function entries(graph: readonly GraphOp[], inline: boolean, inBlock = false): Json[] {
  const out: Json[] = [];
  graph.forEach((g, i) => {
    const relu = graph[i + 1]?.op === 'relu';
    const activation = relu ? 'relu' : 'linear';
    switch (g.op) {
      case 'conv2d': {
        const e: Json = { type: 'conv2d', name: g.name, weights: tensorJson(g.weight, inline), stride: g.stride, padding: g.padding };
        if (g.bias) e.bias = tensorJson(g.bias, inline);
        if (!inBlock) e.activation = activation;
        out.push(e);
        break;
      }
      case 'batchnorm2d': {
        const e: Json = { type: 'batchnorm2d', name: g.name, weight: tensorJson(g.weight!, inline), bias: tensorJson(g.bias!, inline), runningMean: tensorJson(g.runningMean, inline), runningVar: tensorJson(g.runningVar, inline), eps: g.eps };
        if (!inBlock) e.activation = activation;
        out.push(e);
        break;
      }
      case 'adaptiveavgpool2d': out.push({ type: 'global-avgpool2d', name: 'avgpool' }); break;
      case 'flatten': out.push({ type: 'flatten', name: 'flatten' }); break;
      case 'linear': out.push({ type: 'dense', name: g.name, weights: tensorJson(g.weight, inline), bias: tensorJson(g.bias!, inline), activation }); break;
      case 'residual': {
        const e: Json = { type: 'residual', name: g.name, activation: g.activation, layers: entries(g.branch, inline, true) };
        if (g.shortcut) e.shortcut = entries(g.shortcut, inline, true);
        out.push(e);
        break;
      }
      case 'relu': break;
      default: throw new Error(`unexpected ${g.op}`);
    }
  });
  return out;
}

function cifarDocument(inline: boolean): string {
  return JSON.stringify({ format: 'depth-lens/network@1', name: 'cifar-resnet', input: { shape: index.inputShape }, layers: entries(index.graph, inline) }, null, 1);
}

function parseCifar(inline: boolean) {
  return parseNetworkText(cifarDocument(inline), { files: new FolderFiles(DIR, nodeFileSystem) });
}

function structure(net: ConvNet): string[] {
  return convLayerEntries(net).map((e) => `${e.label} ${e.kind} ${e.name} ${e.inShape.join('×')}→${e.outShape.join('×')} ${e.detail} ${e.activation}`);
}

const pt = modelConvNetwork(readPytorch(bytesSource('cifar-resnet.pt', new Uint8Array(fs.readFileSync(path.join(DIR, 'cifar-resnet.pt'))))))!.network!;

test('the CIFAR ResNet as a network file (weights.bin): torch’s outputs, the .pt import’s ConvNetwork bit for bit', () => {
  const r = parseCifar(false);
  assert.equal(r.network, undefined);
  assert.ok(r.conv, r.diagnostics.map((d) => d.message).join('\n'));
  const net = r.conv.net;
  assert.equal(r.conv.name, 'cifar-resnet');
  assert.deepEqual(net.inputShape, [3, 32, 32]);
  assert.deepEqual(structure(net), structure(pt.net));
  assert.equal(convNetParameterCount(net), convNetParameterCount(pt.net));
  // PyTorch's count of the file (BatchNorm γ and β apart), as the .pt import counts it
  assert.equal(r.conv.fileParameterCount, pt.fileParameterCount);
  const out = runConvNet(net, input, 2).output;
  // the same float32 tensors and the same fold in float64 as the .pt: bit for bit
  assert.deepEqual(Array.from(out), Array.from(runConvNet(pt.net, input, 2).output));
  assertClose(out, records.output.flat(), 1e-12, 'network file vs torch');
  // ReLU counts as torch's
  const sites = runConvNet(net, input, 2).reluSites;
  assert.deepEqual(sites.map((s) => Array.from(s.active)), records.reluSites.map((s) => s.active));
  // one note per BatchNorm, the importers' words, located on the batchnorm2d entry
  const notes = r.diagnostics.filter((d) => d.code === 'model-conv');
  assert.equal(notes.length, 55);
  assert.equal(notes[0].severity, 'information');
  assert.equal(notes[0].message, "bn1 (BatchNorm2d, eval mode: running mean and variance, eps 0.00001) is folded into conv1: W' = γ/√(σ² + ε)·W, b' = γ(b − μ)/√(σ² + ε) + β");
  assert.deepEqual(r.diagnostics.filter((d) => d.code !== 'model-conv'), []);
  assert.deepEqual(r.externalFiles, ['weights.bin']);
});

test('the CIFAR ResNet with inline nested arrays: the same net as through weights.bin', () => {
  const a = parseCifar(true).conv!, b = parseCifar(false).conv!;
  assert.deepEqual(structure(a.net), structure(b.net));
  assert.deepEqual(Array.from(runConvNet(a.net, input, 2).output), Array.from(runConvNet(b.net, input, 2).output));
});

// ------------------------------------------------------------------ bad inputs, one located message each

const K3 = [[[[1, 0, 0], [0, 1, 0], [0, 0, 1]]]]; // 1×1×3×3
function doc(layers: unknown[], input: unknown = { shape: [1, 8, 8] }): string {
  return JSON.stringify({ format: 'depth-lens/network@1', input, layers }, null, 1);
}

function errors(text: string): Array<{ code: string; message: string; at: string }> {
  const r = parseNetworkText(text);
  assert.equal(r.conv, undefined);
  return r.diagnostics.filter((d: NetworkDiagnostic) => d.severity === 'error').map((d) => ({ code: d.code, message: d.message, at: text.slice(d.offset, d.offset + d.length).replace(/\s+/g, '') }));
}

const conv = (extra: Json = {}): Json => ({ type: 'conv2d', weights: K3, padding: 1, activation: 'relu', ...extra });

test('a kernel that does not take the channels it is given: shape-mismatch on its weights', () => {
  const text = doc([conv(), { type: 'conv2d', weights: [[[[1]], [[1]]]], activation: 'linear' }]);
  assert.deepEqual(errors(text), [{ code: 'shape-mismatch', message: 'layer 2 weights are 1×2×1×1 ([out][in/groups][kh][kw]): they take 2 input channels but layer 1 produces 1 channel', at: '[[[[1]],[[1]]]]' }]);
  const grouped = doc([{ type: 'conv2d', weights: [[[[1]]], [[[1]]]], groups: 2, activation: 'linear' }], { shape: [4, 8, 8] });
  assert.deepEqual(errors(grouped), [{ code: 'shape-mismatch', message: 'layer 1 weights are 2×1×1×1 ([out][in/groups][kh][kw]): they take 1 input channel per group, 2 with groups = 2, but input.shape produces 4 channels', at: '[[[[1]]],[[[1]]]]' }]);
  const groups = doc([{ type: 'conv2d', weights: [[[[1]]], [[[1]]], [[[1]]]], groups: 2, activation: 'linear' }], { shape: [2, 8, 8] });
  assert.deepEqual(errors(groups), [{ code: 'invalid-value', message: 'layer 1 groups = 2 must divide the 3 output channels of its weights (3×1×1×1)', at: '2' }]);
});

test('ragged kernels, NaN and Infinity in a kernel: located on the entry', () => {
  assert.deepEqual(errors(doc([conv({ weights: [[[[1, 0, 0], [0, 1, 0], [0, 0, 1]]], [[[1, 0], [0, 1]]]] })])), [
    { code: 'ragged-matrix', message: 'layer 1 weights is ragged: the kernel of output channel 2, input channel 1 is 2×2 but the first is 3×3', at: '[[1,0],[0,1]]' },
  ]);
  assert.deepEqual(errors(doc([conv({ weights: [[[[1, 0, 0], [0, 'NaN', 0], [0, 0, 1]]]] })])), [
    { code: 'non-finite-number', message: 'layer 1 weights (output channel 1, input channel 1) row 2, column 2 is the string "NaN"; JSON has no NaN or Infinity and Depth Lens needs finite numbers', at: '"NaN"' },
  ]);
  const bare = '{"format": "depth-lens/network@1", "input": {"shape": [1, 4, 4]}, "layers": [{"type": "conv2d", "weights": [[[[Infinity]]]], "activation": "linear"}]}';
  assert.deepEqual(errors(bare), [{ code: 'non-finite-number', message: "Infinity is not a JSON number (Python's json.dump writes it unless allow_nan=False); Depth Lens needs finite numbers", at: 'Infinity' }]);
});

test('stride, padding and dilation out of range: invalid-value on the value', () => {
  assert.deepEqual(errors(doc([conv({ stride: 0 })])), [{ code: 'invalid-value', message: 'layer 1 stride must be at least 1, not 0', at: '0' }]);
  assert.deepEqual(errors(doc([conv({ padding: [1, -1] })])), [{ code: 'invalid-value', message: 'layer 1 padding w must be at least 0, not -1', at: '-1' }]);
  assert.deepEqual(errors(doc([conv({ dilation: [1, 2, 3] })])), [{ code: 'invalid-value', message: 'layer 1 dilation must be an integer or a pair [h, w], not 3 numbers', at: '[1,2,3]' }]);
  assert.deepEqual(errors(doc([{ type: 'maxpool2d', kernel: 2, padding: 2 }])), [{ code: 'invalid-value', message: 'layer 1 padding 2×2 is more than half the 2×2 window (PyTorch refuses it too)', at: '2' }]);
});

test('an image that a kernel or window collapses to nothing: shape-mismatch on the layer', () => {
  const text = doc([conv({ stride: 2, padding: 0 }), conv({ padding: 0 })], { shape: [1, 5, 5] });
  assert.deepEqual(errors(text), [{
    code: 'shape-mismatch',
    message: 'layer 2 (conv2d) turns its 2×2 input into nothing: the 3×3 kernel (dilation 1×1, padding 0×0) does not fit; the image is too small by then',
    at: JSON.stringify(conv({ padding: 0 })),
  }]);
  const pool = doc([{ type: 'maxpool2d', kernel: 4 }, { type: 'avgpool2d', kernel: 3 }]);
  assert.deepEqual(errors(pool), [{ code: 'shape-mismatch', message: 'layer 2 (avgpool2d) turns its 2×2 input into nothing: the 3×3 window (padding 0×0) does not fit; the image is too small by then', at: '{"type":"avgpool2d","kernel":3}' }]);
});

test('channel and shape mismatches between layers, a residual branch, the dense head', () => {
  const bn = doc([conv(), { type: 'batchnorm2d', runningMean: [0, 0], runningVar: [1, 1], activation: 'linear' }]);
  assert.deepEqual(errors(bn), [
    { code: 'bias-length', message: 'layer 2 runningMean has 2 entries but the layer has 1 channel', at: '[0,0]' },
    { code: 'bias-length', message: 'layer 2 runningVar has 2 entries but the layer has 1 channel', at: '[1,1]' },
  ]);
  const head = doc([conv(), { type: 'dense', weights: [[1]], activation: 'linear' }]);
  assert.deepEqual(errors(head), [{ code: 'shape-mismatch', message: 'layer 2 (dense) takes a flat vector but layer 1 produces a 1×8×8 image; add {"type": "flatten"} before it', at: '{"type":"dense","weights":[[1]],"activation":"linear"}' }]);
  const width = doc([{ type: 'flatten' }, { type: 'dense', weights: [[1, 2]], activation: 'linear' }]);
  assert.deepEqual(errors(width), [{ code: 'shape-mismatch', message: 'layer 2 expects 2 inputs but layer 1 produces 64', at: '[[1,2]]' }]);
  const branch = doc([{ type: 'residual', activation: 'relu', layers: [{ type: 'conv2d', weights: K3, padding: 1 }, { type: 'conv2d', weights: K3, stride: 2, padding: 1 }] }]);
  assert.deepEqual(errors(branch), [{ code: 'residual-shape', message: 'layer 1 (residual) branch maps 1×8×8 to 1×4×4; with the identity shortcut it must return 1×8×8 (add a "shortcut" conv to change the shape)', at: errors(branch)[0].at }]);
  const rule = doc([{ type: 'residual', activation: 'relu', layers: [{ type: 'conv2d', weights: K3, padding: 1, activation: 'linear' }, { type: 'conv2d', weights: K3, padding: 1 }] }]);
  assert.deepEqual(errors(rule), [{ code: 'residual-branch', message: 'layer 1 branch layer 1 is inside the branch and must be "relu"', at: '"linear"' }]);
  const dense = JSON.stringify({ format: 'depth-lens/network@1', input: { dim: 4 }, layers: [conv()] });
  assert.deepEqual(errors(dense), [{ code: 'unknown-layer-type', message: 'layer 1 is conv2d, a layer on images: give the input as "shape": [C, H, W] instead of "dim" (see "Networks on images" in docs/network-format.md)', at: '"conv2d"' }]);
});

test('absurd sizes respect the size budgets', () => {
  assert.deepEqual(errors(doc([{ type: 'flatten' }], { shape: [3, 100000, 100000] })), [{ code: 'size-limit', message: 'input.shape 3×100000×100000 is 30000000000 numbers per image, above the limit of 100000000', at: '[3,100000,100000]' }]);
  assert.deepEqual(errors(doc([])), [{ code: 'invalid-value', message: 'a network on images needs at least one layer (the conv analyses read layers, not the image itself)', at: '[]' }]);
  assert.deepEqual(errors(doc([{ type: 'flatten' }], { shape: [3, 32, 200000] })), [{ code: 'size-limit', message: 'input.shape W is 200000, above the limit of 100000', at: '200000' }]);
  assert.deepEqual(errors(doc([conv({ stride: 1e6 })])), [{ code: 'size-limit', message: 'layer 1 stride is 1000000, above the limit of 100000', at: '1000000' }]);
  const big = doc([{ type: 'conv2d', weights: { file: 'w.bin', dtype: 'float32', shape: [20000, 20000, 3, 3] }, activation: 'linear' }]);
  const r = parseNetworkText(big, { files: new FolderFiles(DIR, nodeFileSystem) });
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.message]), [['size-limit', 'layer 1 weights has 20000×180000 = 3600000000 entries, above the per-layer limit of 100000000']]);
});

test('a small conv network parses with defaults (stride 1, padding 0, identity shortcut)', () => {
  const text = doc([
    conv(),
    { type: 'residual', activation: 'relu', layers: [{ type: 'conv2d', weights: K3, padding: 1 }, { type: 'batchnorm2d', runningMean: [0], runningVar: [1] }, { type: 'conv2d', weights: K3, padding: 1 }] },
    { type: 'residual', activation: 'relu', layers: [{ type: 'conv2d', weights: K3, stride: 2, padding: 1 }], shortcut: [{ type: 'conv2d', weights: [[[[1]]]], stride: 2 }] },
    { type: 'maxpool2d', kernel: 2 },
    { type: 'global-avgpool2d' },
    { type: 'flatten' },
    { type: 'dense', weights: [[2]], bias: [1], activation: 'linear' },
  ]);
  const r = parseNetworkText(text);
  assert.ok(r.conv, r.diagnostics.map((d) => d.message).join('\n'));
  assert.deepEqual(convLayerEntries(r.conv.net).map((e) => `${e.label} ${e.kind} ${e.outShape.join('×')} ${e.activation}`), [
    '1 conv2d 1×8×8 relu', '2 residual 1×8×8 relu', '2.1 conv2d 1×8×8 relu', '2.2 conv2d 1×8×8 linear',
    '3 residual 1×4×4 relu', '3.1 conv2d 1×4×4 linear', '3.s conv2d 1×4×4 linear',
    '4 maxpool2d 1×2×2 linear', '5 avgpool2d 1×1×1 linear', '6 flatten 1 linear', '7 dense 1 linear',
  ]);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['model-conv']);
});

test('examples/conv-resnet.network.json gives torch’s outputs (test/fixtures/conv/conv-resnet-example.records.json)', () => {
  const dir = path.join(__dirname, '..', '..', 'examples');
  const r = parseNetworkText(fs.readFileSync(path.join(dir, 'conv-resnet.network.json'), 'utf8'));
  assert.ok(r.conv, r.diagnostics.map((d) => d.message).join('\n'));
  const rec = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'conv-resnet-example.records.json'), 'utf8')) as { input: number[][][][]; output: number[][] };
  const x = Float64Array.from(rec.input.flat(3));
  assertClose(runConvNet(r.conv.net, x, 2).output, rec.output.flat(), 1e-12, 'example vs torch');
  assert.deepEqual(r.diagnostics.map((d) => d.code), Array(5).fill('model-conv'));
});

test('the overview of a conv network file places each layer on its entry (code lenses)', () => {
  const text = doc([conv({ activation: 'linear' }), { type: 'batchnorm2d', runningMean: [0], runningVar: [1], activation: 'relu' }, { type: 'flatten' }, { type: 'dense', weights: [[1, ...Array(63).fill(0)]], activation: 'linear' }]);
  const r = parseNetworkText(text);
  const rows = convOverview(r.conv!).rows;
  // the BatchNorm is folded into layer 1: three ops, each placed on the entry that makes it
  assert.deepEqual(rows.map((row) => [row.layer, row.type, row.offset === undefined ? undefined : /^\{\s*"type": "([\w-]+)"/.exec(text.slice(row.offset))?.[1]]), [
    ['1', 'conv2d', 'conv2d'], ['2', 'flatten', 'flatten'], ['3', 'dense', 'dense'],
  ]);
  assert.equal(r.conv!.fileParameterCount, 9 + 64);
});

test('the worker takes a conv network file as it takes a conv checkpoint: validate, overview, activations, convergence', () => {
  const file = path.join(__dirname, '..', '..', 'examples', 'conv-resnet.network.json');
  const settings = { maxFileSizeMB: 64, norm: '2' } as const;
  const ctx: AnalysisContext = { isCancelled: () => false, progress: () => {} };
  const d = parsedDocument({ uri: `file://${file}`, fsPath: file, version: 1, text: fs.readFileSync(file, 'utf8') }, settings);
  assert.equal(d.network, undefined);
  assert.ok(d.conv?.network);
  const call = (name: 'validate' | 'overview' | 'activations' | 'convergence', params: object) =>
    (handlers[name] as (a: object) => unknown)({ doc: d, params, settings, ctx, partial: () => {} });
  const v = call('validate', {}) as { conv?: { inputShape: number[]; name?: string }; summary?: unknown; diagnostics: Array<{ code: string; range: { start: { line: number } } }> };
  assert.deepEqual(v.conv, { inputShape: [3, 8, 8], name: 'tiny conv ResNet' });
  assert.equal(v.summary, undefined);
  assert.deepEqual(v.diagnostics.map((x) => `${x.code} ${x.range.start.line + 1}`), ['model-conv 16', 'model-conv 37', 'model-conv 52', 'model-conv 74', 'model-conv 89']);
  const o = call('overview', {}) as ConvOverviewResult;
  assert.equal(o.kind, 'conv');
  assert.equal(o.summary.parameterCount, 739);
  assert.equal(o.summary.foldedParameterCount, 719);
  assert.equal(o.rows.filter((r) => r.offset !== undefined).length, 6);
  const a = call('activations', { image: { seed: 3 } }) as ConvActivationsReply;
  assert.equal(a.kind, 'conv');
  assert.deepEqual(a.outputShape, [3]);
  const c = call('convergence', { images: { seed: 3, count: 2 } }) as ConvConvergenceReply;
  assert.equal(c.kind, 'conv');
  assert.equal(c.runs.length, 1);
});

test('projection shortcuts: a shape that does not match the branch, or more than one conv, is located on "shortcut"', () => {
  const block = (shortcut: unknown) => doc([{ type: 'residual', activation: 'relu', layers: [{ type: 'conv2d', weights: K3, stride: 2, padding: 1 }], shortcut }]);
  const stride1 = block([{ type: 'conv2d', weights: [[[[1]]]] }]);
  assert.deepEqual(errors(stride1), [{ code: 'residual-shape', message: 'layer 1 (residual) branch gives 1×4×4 but the shortcut gives 1×8×8; both must have the same shape to be added', at: '[{"type":"conv2d","weights":[[[[1]]]]}]' }]);
  const two = block([{ type: 'conv2d', weights: [[[[1]]]], stride: 2 }, { type: 'conv2d', weights: [[[[1]]]] }]);
  assert.deepEqual(errors(two).map((e) => [e.code, e.message]), [['residual-branch', 'layer 1 "shortcut" must be one conv2d (a projection, usually 1×1 with stride 2), optionally followed by its batchnorm2d; omit it for the identity']]);
  const relu = block([{ type: 'conv2d', weights: [[[[1]]]], stride: 2, activation: 'relu' }]);
  assert.deepEqual(errors(relu).map((e) => [e.code, e.message, e.at]), [['residual-branch', 'layer 1 shortcut layer 1 is in the shortcut and must be "linear" (the block applies its activation after the sum)', '"relu"']]);
});

test('a conv kernel named by its tensor in a checkpoint (.pt), and one of the wrong rank', () => {
  const files = new FolderFiles(DIR, nodeFileSystem);
  const ok = doc([{ type: 'conv2d', weights: { file: 'cifar-resnet.pt', tensor: 'conv1.weight' }, padding: 1, activation: 'relu' }], { shape: [3, 32, 32] });
  const r = parseNetworkText(ok, { files });
  assert.ok(r.conv, r.diagnostics.map((d) => d.message).join('; '));
  const c = r.conv.net.ops[0];
  assert.ok(c.kind === 'conv2d');
  assert.deepEqual(Array.from(c.conv.weight), Array.from(values.get('conv1.weight')!.data));
  const rank = doc([{ type: 'conv2d', weights: { file: 'cifar-resnet.pt', tensor: 'fc.weight' }, activation: 'linear' }], { shape: [3, 32, 32] });
  assert.deepEqual(parseNetworkText(rank, { files }).diagnostics.map((d) => [d.code, d.message]), [
    ['tensor-shape', 'layer 1 weights: tensor "fc.weight" of cifar-resnet.pt has shape [10, 16]; a conv kernel is [out, in/groups, kh, kw]'],
  ]);
});

test('one problem does not hide another: after a kernel that does not take its channels, the next layers are still checked', () => {
  const text = doc([
    { type: 'conv2d', weights: [[[[1]], [[1]]], [[[1]], [[1]]]], activation: 'linear' },
    { type: 'batchnorm2d', runningMean: [0, 0, 0], runningVar: [1, 1, 1], activation: 'relu' },
    { type: 'flatten' },
    { type: 'dense', weights: [[1, 2, 3]], activation: 'linear' },
  ]);
  assert.deepEqual(errors(text).map((e) => `${e.code}: ${e.message}`), [
    'shape-mismatch: layer 1 weights are 2×2×1×1 ([out][in/groups][kh][kw]): they take 2 input channels but input.shape produces 1 channel',
    'bias-length: layer 2 runningMean has 3 entries but the layer has 2 channels',
    'bias-length: layer 2 runningVar has 3 entries but the layer has 2 channels',
    'shape-mismatch: layer 4 expects 3 inputs but layer 3 produces 128',
  ]);
});
