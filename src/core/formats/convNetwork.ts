/**
 * A checkpoint as a conv network (issue 14): the conv architecture of the file (an ONNX graph on an
 * image input) or the one its keys imply (a torchvision ResNet state_dict), built into a ConvNet by
 * reading each tensor it uses once — BatchNorm folded into the conv before it, with a note.
 */
import type { ConvNetwork } from '../conv/network';
import { buildConvNet, type GraphOp, type TensorLookup } from '../conv/resnet';
import { LIMITS } from '../network/limits';
import type { NetworkDiagnostic } from '../network/diagnostics';
import { readTensor, type Architecture, type ModelIndex } from './model';
import { FormatError, printableName } from './source';
import { inferTorchvisionResnet } from './torchvisionResnet';

export type ConvArchitecture = Extract<Architecture, { kind: 'conv' }>;

/** The conv architecture of the file, or the one its keys imply; undefined for everything else. */
export function convArchitectureOf(index: ModelIndex): ConvArchitecture | undefined {
  const a = index.architecture;
  if (a.kind === 'conv') return a;
  if (a.kind === 'none') return inferTorchvisionResnet(index.tensors, index.file);
  return undefined;
}

/** Reads each tensor the graph names (derived ones transposed/scaled), finite and within the size limits. */
function tensorLookup(index: ModelIndex, arch: ConvArchitecture): TensorLookup {
  const cache = new Map<string, { data: Float64Array; shape: readonly number[] }>();
  let total = 0;
  const stored = (name: string): { data: Float64Array; shape: readonly number[] } | undefined => {
    const t = index.byName.get(name);
    if (!t) {
      const why = index.unreadable?.get(name);
      if (why) throw new FormatError('tensor-dtype', `${index.file}: tensor "${printableName(name)}" cannot be read: ${why}`);
      return undefined;
    }
    if (t.count > LIMITS.maxLayerParameters) throw new FormatError('model-too-large', `${index.file}: tensor "${printableName(name)}" has ${t.count} values, above the per-layer limit of ${LIMITS.maxLayerParameters}`);
    total += t.count;
    if (total > LIMITS.maxExplicitParameters) throw new FormatError('model-too-large', `${index.file}: the tensors up to "${printableName(name)}" hold ${total} values, above the limit of ${LIMITS.maxExplicitParameters} held in memory`);
    const data = readTensor(index, t);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new FormatError('model-corrupt', `${index.file}: tensor "${printableName(name)}" holds ${data[i]} at value ${i + 1}; weights must be finite`);
    }
    return { data, shape: t.shape };
  };
  return (name) => {
    const hit = cache.get(name);
    if (hit) return hit;
    const d = arch.derived?.get(name);
    let r: { data: Float64Array; shape: readonly number[] } | undefined;
    if (!d) r = stored(name);
    else {
      const s = stored(d.source);
      if (!s) return undefined;
      let data = s.data, shape = s.shape;
      if (d.transpose && shape.length === 2) {
        const [rows, cols] = shape;
        data = new Float64Array(s.data.length);
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[j * rows + i] = s.data[i * cols + j];
        shape = [cols, rows];
      } else if (d.scale !== 1) data = Float64Array.from(data);
      if (d.scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= d.scale;
      r = { data, shape };
    }
    if (r) cache.set(name, r);
    return r;
  };
}

export interface ModelConvNetwork {
  readonly network?: ConvNetwork;
  readonly architecture: ConvArchitecture;
  /** errors, and notes about how the file was read (severity information) */
  readonly diagnostics: NetworkDiagnostic[];
}

const diagnostic = (code: string, severity: NetworkDiagnostic['severity'], message: string): NetworkDiagnostic => ({ code, severity, message, offset: 0, length: 0 });

/** Parses "C,H,W" (the CLI's --input-shape); throws a RangeError saying what is wrong. */
export function parseInputShape(text: string): [number, number, number] {
  const parts = text.split(/[,x×]/).map((s) => Number(s.trim()));
  if (parts.length !== 3 || !parts.every((p) => Number.isInteger(p) && p >= 1 && p <= 65536)) throw new RangeError(`the input shape must be C,H,W (three positive integers), not '${text}'`);
  return [parts[0], parts[1], parts[2]];
}

/**
 * The checkpoint as a conv network (undefined when it is not one). `inputShape` overrides the file's
 * (or the inferred) [C, H, W]. Never throws for bad files: problems are error diagnostics.
 */
export function modelConvNetwork(index: ModelIndex, options: { readonly inputShape?: readonly [number, number, number] } = {}): ModelConvNetwork | undefined {
  const arch = convArchitectureOf(index);
  if (!arch) return undefined;
  const diagnostics: NetworkDiagnostic[] = arch.notes.map((n) => diagnostic('model-conv', 'information', n));
  // a file may say its input size (safetensors __metadata__ {"input_shape": "C,H,W"}): a bare state_dict
  // otherwise gets the size torchvision's convention suggests (224 or 32 by the stem)
  const declared = index.metadata.get('input_shape');
  let fromFile: readonly [number, number, number] | undefined;
  if (declared !== undefined && options.inputShape === undefined) {
    try {
      fromFile = parseInputShape(declared);
      diagnostics.push(diagnostic('model-conv', 'information', `${index.file}: the file's metadata input_shape = ${declared} sets the input to ${fromFile.join('×')}`));
    } catch (e) {
      return { architecture: arch, diagnostics: [...diagnostics, diagnostic('model-architecture', 'error', `${index.file}: the metadata input_shape: ${(e as Error).message}`)] };
    }
  }
  const inputShape = options.inputShape ?? fromFile ?? arch.inputShape;
  if (!inputShape) return { architecture: arch, diagnostics: [...diagnostics.filter((d) => !/no fixed \[C, H, W\]/.test(d.message)), diagnostic('model-architecture', 'error', `${index.file}: the graph input has no fixed [C, H, W]; give the input size (CLI: --input-shape C,H,W)`)] };
  try {
    const net = buildConvNet(arch.graph, inputShape, tensorLookup(index, arch));
    for (const n of net.notes) diagnostics.push(diagnostic('model-conv', 'information', n));
    const name = index.metadata.get('graph') ?? index.metadata.get('module');
    return { network: { kind: 'conv', net, name, notes: [...arch.notes, ...net.notes], fileParameterCount: graphParameterCount(index, arch) }, architecture: arch, diagnostics };
  } catch (e) {
    if (e instanceof FormatError) return { architecture: arch, diagnostics: [...diagnostics, diagnostic(e.code, 'error', e.message)] };
    if (e instanceof RangeError) return { architecture: arch, diagnostics: [...diagnostics, diagnostic('model-architecture', 'error', `${index.file}: ${e.message}`)] };
    throw e;
  }
}

/** PyTorch's parameter count of the graph: weights and biases of convs, BatchNorms (γ, β) and linear layers. */
export function graphParameterCount(index: ModelIndex, arch: ConvArchitecture): number {
  const count = (name: string | null): number => {
    if (name === null) return 0;
    const source = arch.derived?.get(name)?.source ?? name;
    return index.byName.get(source)?.count ?? 0;
  };
  const walk = (ops: readonly GraphOp[]): number => ops.reduce((s, g) => {
    switch (g.op) {
      case 'conv2d': case 'linear': return s + count(g.weight) + count(g.bias);
      case 'batchnorm2d': return s + count(g.weight) + count(g.bias);
      case 'residual': return s + walk(g.branch) + walk(g.shortcut ?? []);
      default: return s;
    }
  }, 0);
  return walk(arch.graph);
}
