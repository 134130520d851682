/** One handler per analysis: the worker's dispatch table over the core. */
import type { AnalysisContext } from '../core/context';
import { overviewRows, summarizeNetwork } from '../core/summary/overview';
import type { AnalysisName, AnalysisSettings, ParamsOf, ResultOf } from '../shared/protocol';
import type { ParsedDocument } from './documents';
import { wireMatrix } from './transfer';

export class InvalidDocumentError extends Error {}
export class BadParamsError extends Error {}

export interface HandlerInput<K extends AnalysisName> {
  readonly doc: ParsedDocument;
  readonly params: ParamsOf<K>;
  readonly settings: AnalysisSettings;
  readonly ctx: AnalysisContext;
}

type HandlerTable = { [K in AnalysisName]: (input: HandlerInput<K>) => ResultOf<K> };

/** The parsed network, or an error the panel can show when the file does not parse. */
function networkOf(doc: ParsedDocument) {
  if (!doc.network) {
    const errors = doc.diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    const where = first ? ` (first: line ${first.range.start.line + 1}: ${first.message})` : '';
    throw new InvalidDocumentError(`The network file has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} to see this analysis${where}.`);
  }
  return doc.network;
}

export const handlers: HandlerTable = {
  validate: ({ doc }) => ({
    diagnostics: doc.diagnostics,
    summary: doc.network ? summarizeNetwork(doc.network, doc.lineOf) : undefined,
  }),

  overview: ({ doc, params, ctx }) => {
    const net = networkOf(doc);
    const result = overviewRows(net, params.maxRows ?? 400, ctx);
    return { ...result, summary: summarizeNetwork(net, doc.lineOf) };
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
