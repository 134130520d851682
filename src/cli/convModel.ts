/**
 * Conv models in the CLI (issue 14): `info`, `spectrum`, `activations`, `convergence`, `degeneracy` and
 * `regions` read a checkpoint whose architecture is convolutional (an ONNX graph on an image input, a
 * torchvision ResNet state_dict); every other command refuses it by name with exit code 2
 * ("convolutional layers are not supported by `compare` yet: layer 1 is conv2d (conv1)") before it
 * would fail on the dense reader.
 */
import { UsageError, type CliIo } from './command';
import type { GraphOp } from '../core/conv/resnet';
import { openCheckpoint } from '../core/formats/checkpoint';
import { convArchitectureOf, modelConvNetwork, parseInputShape } from '../core/formats/convNetwork';
import type { ModelIndex } from '../core/formats/model';
import { modelFormatOf, readModel } from '../core/formats/open';
import { bytesSource } from '../core/formats/source';
import type { NetworkDiagnostic } from '../core/network/parse';
import { firstConvLayer, type ConvNetwork } from '../core/conv/network';
import { keepParsed, parseNetworkFile, type LoadOptions } from './load';

/** The checkpoint's index opened through the io (its own file system, or whole-file reads in tests), or undefined. */
function withIndex<T>(file: string, io: CliIo, f: (index: ModelIndex) => T): T | undefined {
  const format = modelFormatOf(file);
  if (!format) return undefined;
  if (io.files) {
    const opened = openCheckpoint(file, io.files);
    if (!opened.ok) return undefined;
    try {
      return f(opened.index);
    } finally {
      opened.close();
    }
  }
  let index: ModelIndex;
  try {
    const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
    index = readModel(format, bytesSource(base, io.readFile(file)), { open: (p) => { throw new Error(`cannot open ${p}`); } });
  } catch {
    return undefined;
  }
  return f(index);
}

export function parseInputShapeOption(text: string | undefined): [number, number, number] | undefined {
  if (text === undefined) return undefined;
  try {
    return parseInputShape(text);
  } catch (e) {
    throw new UsageError(`--input-shape: ${(e as Error).message}`);
  }
}

/**
 * The file as a conv network when it is one (undefined otherwise: the caller reads it as dense).
 * Throws an Error listing the errors when it is a conv model that cannot be built.
 */
export function loadConvModel(file: string, io: CliIo, inputShape?: readonly [number, number, number], options: LoadOptions = {}): { network: ConvNetwork; diagnostics: NetworkDiagnostic[]; index: { tensorCount: number } } | undefined {
  if (!modelFormatOf(file)) {
    // a network file: conv when its input is an image (input.shape); a dense one is kept for loadNetworkFile
    const loaded = parseNetworkFile(file, io, options);
    if (!loaded.conv) {
      if (inputShape) throw new UsageError(`--input-shape applies to convolutional models; ${file} is not one`);
      keepParsed(file, io, options, loaded);
      return undefined;
    }
    if (inputShape && inputShape.join() !== loaded.conv.net.inputShape.join()) {
      throw new UsageError(`--input-shape applies to checkpoints; ${file} gives its input shape (${loaded.conv.net.inputShape.join('×')}) in input.shape`);
    }
    return { network: loaded.conv, diagnostics: loaded.diagnostics, index: { tensorCount: 0 } };
  }
  const r = withIndex(file, io, (index) => {
    const built = modelConvNetwork(index, { inputShape });
    return built && { built, tensorCount: index.tensors.length };
  });
  if (!r) {
    if (inputShape) throw new UsageError(`--input-shape applies to convolutional models; ${file} is not one`);
    return undefined;
  }
  const { built } = r;
  if (!built.network) {
    const errors = built.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(`${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map((d) => `${file}:1:1: error: ${d.message} [${d.code}]`).join('\n')}`);
  }
  return { network: built.network, diagnostics: built.diagnostics, index: { tensorCount: r.tensorCount } };
}

/** Refuse a conv model for a command that analyses dense networks only (exit 2 through UsageError). */
export function refuseConvModel(command: string, file: string, io: CliIo, options: LoadOptions = {}): void {
  let where: string | undefined;
  if (!modelFormatOf(file)) {
    const loaded = parseNetworkFile(file, io, options);
    if (loaded.conv) where = firstConvLayer(loaded.conv.net);
    else keepParsed(file, io, options, loaded);
  } else where = withIndex(file, io, (index) => {
    const arch = convArchitectureOf(index);
    return arch && firstConvOp(arch.graph);
  });
  if (where) throw new UsageError(`convolutional layers are not supported by \`${command}\` yet: ${where}. \`depth-lens info\`, \`spectrum\`, \`activations\`, \`convergence\`, \`degeneracy\` and \`regions\` read convolutional models`);
}

/**
 * "layer 1 is conv2d (conv1)" from the layer graph, numbered as `info` numbers the built net (a
 * BatchNorm after a conv and every ReLU join the op before them), without reading any tensor.
 */
export function firstConvOp(graph: readonly GraphOp[]): string {
  let k = 0;
  let prev: GraphOp | undefined;
  for (const g of graph) {
    const joins = g.op === 'relu' || (g.op === 'batchnorm2d' && prev?.op === 'conv2d');
    if (!joins) k++;
    prev = g;
    if (g.op === 'linear' || joins) continue;
    const kind = g.op === 'residual' ? 'a residual block of convolutions' : g.op === 'adaptiveavgpool2d' ? 'avgpool2d' : g.op === 'batchnorm2d' ? 'affine2d (BatchNorm)' : g.op;
    return `layer ${k} is ${kind}${g.name ? ` (${g.name})` : ''}`;
  }
  return 'its input is an image';
}
