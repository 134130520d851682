/** What every worker handler gets, and the errors that become typed error replies. */
import type { AnalysisContext } from '../../core/context';
import type { Network } from '../../core/network/model';
import type { AnalysisName, AnalysisSettings, ParamsOf, ResultOf } from '../../shared/protocol';
import type { ParsedDocument } from '../documents';

export class InvalidDocumentError extends Error {}
export class BadParamsError extends Error {}

export interface HandlerInput<K extends AnalysisName> {
  /** the panel's network document; undefined for analyses that need none (e.g. random-network depth plots) */
  readonly doc: ParsedDocument | undefined;
  readonly params: ParamsOf<K>;
  readonly settings: AnalysisSettings;
  readonly ctx: AnalysisContext;
  /** stream a partial result to the requester (throttled with progress; the final result still comes as the response) */
  readonly partial: (value: unknown, fraction: number, message?: string) => void;
}

export type Handler<K extends AnalysisName> = (input: HandlerInput<K>) => ResultOf<K>;
export type HandlerTable<K extends AnalysisName> = { [P in K]: Handler<P> };

/** The parsed network, or an error the panel can show when there is none or it does not parse. */
export function networkOf(doc: ParsedDocument | undefined): Network {
  if (!doc) throw new BadParamsError('this analysis needs a network file: open a *.network.json file and run the command from there');
  if (!doc.network) {
    const errors = doc.diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    const where = first ? ` (first: line ${first.range.start.line + 1}: ${first.message})` : '';
    throw new InvalidDocumentError(`The network file has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} to see this analysis${where}.`);
  }
  return doc.network;
}
