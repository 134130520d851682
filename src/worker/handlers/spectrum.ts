/** Handlers of the weight-spectrum analysis and of the comparison of two networks. */
import * as path from 'node:path';
import { analyzeSpectrum, SpectrumParamsError } from '../../core/spectrum/analyze';
import { compareNetworks, compareSpectra, CompareParamsError } from '../../core/compare/compare';
import type { Network } from '../../core/network/model';
import type { DocumentSource } from '../../shared/protocol';
import { parsedDocument, type ParsedDocument } from '../documents';
import { BadParamsError, InvalidDocumentError, networkOf, type HandlerTable } from './common';

/** The parameter errors of the core are the caller's; any other RangeError is a bug. */
function asBadParams<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof SpectrumParamsError || e instanceof CompareParamsError) throw new BadParamsError(e.message, { cause: e });
    throw e;
  }
}

/** The file name a user recognises: the basename of the path, else of the URI. */
function fileLabel(source: DocumentSource): string {
  if (source.fsPath) return path.basename(source.fsPath);
  const tail = source.uri.slice(source.uri.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(tail);
  } catch {
    return tail;
  }
}

/** Network B of a comparison, parsed like any panel document (cached, external weights resolved). */
function otherNetwork(other: DocumentSource | undefined, settings: Parameters<typeof parsedDocument>[1]): { doc: ParsedDocument; network: Network } {
  if (!other || typeof other.text !== 'string' || typeof other.uri !== 'string') throw new BadParamsError('compare needs the second network (params.other): run "Depth Lens: Compare With…" to pick it');
  const doc = parsedDocument(other, settings);
  try {
    return { doc, network: networkOf(doc) };
  } catch (e) {
    if (e instanceof InvalidDocumentError) throw new InvalidDocumentError(`${fileLabel(other)}: ${e.message}`);
    throw e;
  }
}

export const spectrumHandlers: HandlerTable<'spectrum' | 'compare' | 'compareSpectra'> = {
  spectrum: ({ doc, params, ctx }) => {
    const network = networkOf(doc);
    return asBadParams(() => analyzeSpectrum(network, params, ctx));
  },

  compare: ({ doc, params, settings, ctx }) => {
    const a = networkOf(doc);
    const { other, ...rest } = params;
    const b = otherNetwork(other, settings);
    return asBadParams(() => compareNetworks(
      { network: a, file: fileLabel(doc!.source), uri: doc!.source.uri },
      { network: b.network, file: fileLabel(other!), uri: other!.uri },
      rest, ctx, { norm: settings.norm },
    ));
  },

  compareSpectra: ({ doc, params, settings, ctx }) => {
    const a = networkOf(doc);
    const b = otherNetwork(params.other, settings);
    return asBadParams(() => compareSpectra(a, b.network, params.pair, { fullSvdMaxFlops: params.fullSvdMaxFlops, topK: params.topK }, ctx));
  },
};
