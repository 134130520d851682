// The host's memory of a checkpoint view's last answers (src/host/panels/lastResults.ts): keyed by
// analysis and parameters, the most recent `capacity` kept, cleared when the file changes.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LastResults } from '../../src/host/panels/lastResults';
import type { AnalysisRequest } from '../../src/shared/protocol';

const norms: AnalysisRequest = { analysis: 'tensorNorms', params: {} };
const header: AnalysisRequest = { analysis: 'checkpoint', params: {} };
const spectrum = (layer: number) => ({ analysis: 'spectrum', params: { layer } }) as unknown as AnalysisRequest;

describe('LastResults', () => {
  it('answers a request it has seen, by analysis and parameters', () => {
    const last = new LastResults();
    assert.equal(last.lookup(norms), undefined);
    last.remember(norms, { norms: [1] });
    last.remember(spectrum(1), 'layer 1');
    assert.deepEqual(last.lookup(norms), { result: { norms: [1] } });
    assert.equal(last.lookup(header), undefined);
    assert.deepEqual(last.lookup(spectrum(1)), { result: 'layer 1' });
    assert.equal(last.lookup(spectrum(2)), undefined);
    // an answer that is undefined is still an answer
    last.remember(header, undefined);
    assert.deepEqual(last.lookup(header), { result: undefined });
  });

  it('keeps the most recent `capacity` requests; answering one again makes it recent', () => {
    const last = new LastResults(3);
    for (let k = 1; k <= 3; k++) last.remember(spectrum(k), k);
    last.remember(spectrum(1), 'again');
    last.remember(spectrum(4), 4); // evicts layer 2, now the oldest
    assert.equal(last.lookup(spectrum(2)), undefined);
    assert.deepEqual([1, 3, 4].map((k) => last.lookup(spectrum(k))?.result), ['again', 3, 4]);
  });

  it('forgets everything when the file changes', () => {
    const last = new LastResults();
    last.remember(norms, 1);
    last.clear();
    assert.equal(last.lookup(norms), undefined);
  });
});
