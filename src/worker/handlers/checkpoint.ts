/**
 * Handlers of the checkpoint viewer: the tensor table with the layer chain, every tensor's ‖·‖₂
 * (streamed tensor by tensor, one tensor in memory at a time, cancellable), and the text of a network
 * file that references the checkpoint's tensors. Each opens the file itself and closes it when done.
 */
import * as path from 'node:path';
import { openCheckpoint, type OpenCheckpoint } from '../../core/formats/checkpoint';
import { FORMAT_NAMES, type ArchitectureOp, type ModelIndex } from '../../core/formats/model';
import { modelNetwork } from '../../core/formats/network';
import { networkFileText } from '../../core/formats/networkFile';
import { tensorNorms, tensorRows } from '../../core/formats/norms';
import type { ChainNorm, ChainStep, CheckpointResult, TensorNormEntry } from '../../shared/analyses/checkpoint';
import type { AnalysisContext } from '../../core/context';
import { parallelLayerNorms } from '../../core/conv/layerNorms';
import { convLayerEntries, type ConvLayerEntry, type ConvNetwork } from '../../core/conv/network';
import { convNetParameterCount, convNetShapes } from '../../core/conv/resnet';
import { modelConvNetwork } from '../../core/formats/convNetwork';
import type { WireDiagnostic } from '../../shared/analyses/overview';
import { nodeFileSystem } from '../nodeFiles';
import type { ParsedDocument } from '../documents';
import { BadParamsError, InvalidDocumentError, type HandlerTable } from './common';

const at0 = { line: 0, character: 0 };

function checkpointPath(doc: ParsedDocument | undefined): string {
  const p = doc?.source.fsPath;
  if (!p) throw new BadParamsError('this view needs a checkpoint file on disk');
  return p;
}

/** Open the document's checkpoint, run `f`, close it. */
function withCheckpoint<T>(doc: ParsedDocument | undefined, f: (c: OpenCheckpoint) => T): T {
  const opened = openCheckpoint(checkpointPath(doc), nodeFileSystem);
  if (!opened.ok) throw new InvalidDocumentError(opened.message);
  try {
    return f(opened);
  } finally {
    opened.close();
  }
}

/** The chain as the viewer lists it, with shapes from the tensors. */
export function chainSteps(index: ModelIndex, ops: readonly ArchitectureOp[]): ChainStep[] {
  const steps: ChainStep[] = [];
  const shapeOf = (op: Extract<ArchitectureOp, { kind: 'affine' }>) => {
    const s = index.byName.get(op.weight)?.shape ?? [];
    return op.transpose ? [s[1], s[0]] : [s[0], s[1]];
  };
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const relu = ops[i + 1]?.kind === 'relu';
    if (op.kind === 'affine') {
      const [out, inn] = shapeOf(op);
      const scale = op.scale !== 1 ? `${op.scale}·` : '';
      steps.push({ kind: 'dense', node: op.node, shape: `${out}×${inn}`, activation: relu ? 'relu' : 'linear', tensors: `${scale}${op.weight}${op.transpose ? 'ᵀ' : ''}${op.bias ? ` + ${op.biasScale !== 1 ? `${op.biasScale}·` : ''}${op.bias}` : ''}` });
      if (relu) i++;
    } else if (op.kind === 'residual') {
      const branch = chainSteps(index, op.branch);
      const widths = [branch[0]?.shape.split('×')[1] ?? '?', ...branch.map((b) => b.shape.split('×')[0])].join('→');
      steps.push({ kind: 'residual', node: op.node, shape: widths, activation: relu ? 'relu' : 'linear', branch });
      if (relu) i++;
    }
  }
  return steps;
}

/** A conv network's layers as the viewer lists them: top-level steps, blocks holding their branch and shortcut. */
export function convChainSteps(network: ConvNetwork): ChainStep[] {
  const entries = convLayerEntries(network.net);
  const step = (e: ConvLayerEntry): ChainStep => ({
    kind: e.kind, node: e.name, label: e.label, shape: e.outShape.join('×'), input: e.inShape.join('×'), detail: e.detail, activation: e.activation,
  });
  const out: ChainStep[] = [];
  for (const e of entries) {
    if (e.parent !== undefined) continue;
    if (e.kind !== 'residual') { out.push(step(e)); continue; }
    const branch = entries.filter((b) => b.parent === e.op && !b.label.endsWith('.s')).map(step);
    const sc = entries.find((b) => b.parent === e.op && b.label.endsWith('.s'));
    out.push({ ...step(e), branch, shortcut: sc && step(sc) });
  }
  return out;
}

/**
 * Operator norms of every conv on its input and Π over each block's branch, on every thread of the
 * pool (cancellable); `onNorm` gets them in chain order as soon as each and all before it are done.
 */
export function convChainNorms(network: ConvNetwork, ctx: AnalysisContext, onNorm: (n: ChainNorm, done: number, total: number) => void): ChainNorm[] {
  const entries = convLayerEntries(network.net).filter((e) => e.conv);
  const out: ChainNorm[] = [];
  const product = new Map<string, number>();
  const jobs = entries.map((e) => ({ conv: e.conv!, inShape: e.inShape as readonly [number, number, number] }));
  parallelLayerNorms(jobs, { tolerance: CHAIN_NORM_TOLERANCE, ctx }, (i, n) => {
    const e = entries[i];
    const entry: ChainNorm = { label: e.label, norm: n.spectral.value, minusIdentity: n.minusIdentity?.value };
    out.push(entry);
    onNorm(entry, i + 1, entries.length);
    const block = e.label.includes('.') && !e.label.endsWith('.s') ? e.label.slice(0, e.label.indexOf('.')) : undefined;
    if (block !== undefined) product.set(block, (product.get(block) ?? 1) * n.spectral.value);
    // the block's product is complete once its last branch conv is done
    const next = entries[i + 1];
    if (block !== undefined && !(next && next.label.startsWith(`${block}.`) && !next.label.endsWith('.s'))) {
      const b: ChainNorm = { label: block, norm: product.get(block)! };
      out.push(b);
      onNorm(b, i + 1, entries.length);
    }
  });
  return out;
}

/** The viewer shows six digits. */
const CHAIN_NORM_TOLERANCE = 1e-10;

export const checkpointHandlers: HandlerTable<'checkpoint' | 'tensorNorms' | 'networkFileText'> = {
  checkpoint: ({ doc }) => withCheckpoint(doc, ({ index }) => {
    // a conv model is listed with its layers; every other file goes to the dense reader
    const conv = modelConvNetwork(index);
    const dense = conv ? undefined : modelNetwork(index);
    const diagnostics: WireDiagnostic[] = (conv ?? dense)!.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, range: { start: at0, end: at0 } }));
    const net = dense?.network;
    const cn = conv?.network;
    let convNetwork: CheckpointResult['convNetwork'];
    if (cn) {
      const shapes = convNetShapes(cn.net);
      convNetwork = {
        inputShape: cn.net.inputShape, outputShape: shapes[shapes.length - 1], layers: cn.net.ops.length,
        residualBlocks: cn.net.ops.filter((op) => op.kind === 'residual').length, parameterCount: cn.fileParameterCount ?? convNetParameterCount(cn.net),
      };
    }
    const denseChain = dense?.architecture ? chainSteps(index, dense.architecture.ops) : undefined;
    const r: CheckpointResult = {
      formatName: FORMAT_NAMES.get(index.format) ?? index.format,
      file: index.file,
      bytes: index.sources.get('')?.size ?? 0,
      metadata: [...index.metadata],
      tensors: tensorRows(index),
      chain: cn ? convChainSteps(cn) : denseChain,
      network: net ? { inputDim: net.input.dim, outputDim: net.outputDim, depth: net.depth, parameterCount: net.parameterCount } : undefined,
      convNetwork,
      diagnostics,
    };
    return r;
  }),

  tensorNorms: ({ doc, ctx, partial }) => withCheckpoint(doc, ({ index }) => {
    const all: TensorNormEntry[] = [];
    let pending: TensorNormEntry[] = [];
    let last = 0;
    // a conv network's operator norms follow the tensors': the bar gives them the larger share
    const conv = modelConvNetwork(index)?.network;
    const share = conv ? 0.3 : 1;
    tensorNorms(index, ctx, (n, done, total) => {
      const entry: TensorNormEntry = { index: done - 1, norm: n.norm, error: n.error };
      all.push(entry);
      pending.push(entry);
      const now = Date.now();
      // one message per 100 ms, not one per tensor (a model can have 10⁴ tensors)
      if (now - last >= 100 || done === total) {
        partial({ norms: pending }, share * done / total, `‖·‖₂ of ${done} of ${total} tensors`);
        pending = [];
        last = now;
      }
    });
    if (!conv) return { norms: all };
    const chainNorms = convChainNorms(conv, ctx, (n, done, total) => {
      partial({ norms: [], chainNorms: [n] }, share + (1 - share) * done / total, `operator norms: ${done} of ${total} convolutions`);
    });
    return { norms: all, chainNorms };
  }),

  networkFileText: ({ doc, params }) => withCheckpoint(doc, ({ index }) => {
    if (typeof params.file !== 'string' || params.file.length === 0) throw new BadParamsError('networkFileText needs the checkpoint\'s file name');
    const text = networkFileText(index, params.file.split(path.sep).join('/'), undefined);
    if ('error' in text) throw new InvalidDocumentError(text.error);
    return text;
  }),
};
