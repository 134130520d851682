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
import type { ChainStep, CheckpointResult, TensorNormEntry } from '../../shared/analyses/checkpoint';
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

export const checkpointHandlers: HandlerTable<'checkpoint' | 'tensorNorms' | 'networkFileText'> = {
  checkpoint: ({ doc }) => withCheckpoint(doc, ({ index }) => {
    const result = modelNetwork(index);
    const diagnostics: WireDiagnostic[] = result.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, range: { start: at0, end: at0 } }));
    const net = result.network;
    const r: CheckpointResult = {
      formatName: FORMAT_NAMES.get(index.format) ?? index.format,
      file: index.file,
      bytes: index.sources.get('')?.size ?? 0,
      metadata: [...index.metadata],
      tensors: tensorRows(index),
      chain: result.architecture ? chainSteps(index, result.architecture.ops) : undefined,
      network: net ? { inputDim: net.input.dim, outputDim: net.outputDim, depth: net.depth, parameterCount: net.parameterCount } : undefined,
      diagnostics,
    };
    return r;
  }),

  tensorNorms: ({ doc, ctx, partial }) => withCheckpoint(doc, ({ index }) => {
    const all: TensorNormEntry[] = [];
    let pending: TensorNormEntry[] = [];
    let last = 0;
    tensorNorms(index, ctx, (n, done, total) => {
      const entry: TensorNormEntry = { index: done - 1, norm: n.norm, error: n.error };
      all.push(entry);
      pending.push(entry);
      const now = Date.now();
      // one message per 100 ms, not one per tensor (a model can have 10⁴ tensors)
      if (now - last >= 100 || done === total) {
        partial({ norms: pending }, done / total, `‖·‖₂ of ${done} of ${total} tensors`);
        pending = [];
        last = now;
      }
    });
    return { norms: all };
  }),

  networkFileText: ({ doc, params }) => withCheckpoint(doc, ({ index }) => {
    if (typeof params.file !== 'string' || params.file.length === 0) throw new BadParamsError('networkFileText needs the checkpoint\'s file name');
    const text = networkFileText(index, params.file.split(path.sep).join('/'), undefined);
    if ('error' in text) throw new InvalidDocumentError(text.error);
    return text;
  }),
};
