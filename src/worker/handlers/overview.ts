/** Handlers of the foundation analyses: validate (diagnostics + summary), overview, layer matrices. */
import { convOverview } from '../../core/conv/overview';
import { overviewRows, summarizeNetwork } from '../../core/summary/overview';
import { convNetworkOf } from './conv';
import { wireMatrix } from '../transfer';
import { BadParamsError, networkOf, type HandlerTable } from './common';

export const overviewHandlers: HandlerTable<'validate' | 'overview' | 'layerMatrix'> = {
  validate: ({ doc }) => {
    if (!doc) throw new BadParamsError('validate needs a document');
    const conv = doc.conv?.network;
    return {
      diagnostics: doc.diagnostics,
      summary: doc.network ? summarizeNetwork(doc.network, doc.lineOf) : undefined,
      externalFiles: doc.externalFiles,
      ...(conv ? { conv: { inputShape: conv.net.inputShape, ...(conv.name !== undefined ? { name: conv.name } : {}) } } : {}),
    };
  },

  overview: ({ doc, params, ctx }) => {
    // a conv checkpoint: what `depth-lens info --no-norms` shows (shapes only, no work to speak of)
    const conv = convNetworkOf(doc);
    if (conv) return convOverview(conv, doc!.conv!.diagnostics.filter((d) => d.severity !== 'error').map((d) => d.message));
    const net = networkOf(doc);
    const result = overviewRows(net, params.maxRows ?? 400, ctx);
    return { ...result, summary: summarizeNetwork(net, doc!.lineOf) };
  },

  layerMatrix: ({ doc, params }) => {
    const net = networkOf(doc);
    if (!Number.isInteger(params.layer) || params.layer < 1 || params.layer > net.depth) {
      throw new BadParamsError(`layer must be an integer in 1..${net.depth}, got ${params.layer}`);
    }
    const layer = net.layer(params.layer - 1);
    if (layer.kind === 'dense') return { layer: params.layer, label: `layer ${params.layer}: W (${layer.weights.rows}×${layer.weights.cols})`, weights: wireMatrix(layer.weights) };
    const k = params.branchLayer ?? 1;
    const inner = layer.branch[k - 1];
    if (!inner) throw new BadParamsError(`block ${params.layer} has ${layer.branch.length} branch layers, got branchLayer ${k}`);
    return { layer: params.layer, label: `block ${params.layer}, branch layer ${k}: W (${inner.weights.rows}×${inner.weights.cols})`, weights: wireMatrix(inner.weights) };
  },
};
