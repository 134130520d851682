/** Shared helpers of the network parser tests. */
import * as assert from 'node:assert/strict';
import { parseNetworkText, offsetToPosition, type NetworkDiagnostic, type ParseOptions } from '../../src/core/network/parse';

export const FORMAT = 'depth-lens/network@1';

/** A document with input dim 2 and the given layers, pretty-printed (2-space indent). */
export function doc(layers: unknown[], input: unknown = { dim: 2 }): string {
  return JSON.stringify({ format: FORMAT, input, layers }, null, 2);
}

export function dense(weights: unknown, bias: unknown, activation: unknown = 'relu'): Record<string, unknown> {
  return { type: 'dense', weights, bias, activation };
}

export function errorsOf(text: string, options?: ParseOptions): NetworkDiagnostic[] {
  const r = parseNetworkText(text, options);
  return r.diagnostics.filter((d) => d.severity === 'error');
}

/**
 * Assert exactly one error with `code` and `message`, at the `nth` occurrence of `needle` in the
 * text (offset and length of that node), and return its 1-based line:col.
 */
export function expectError(text: string, code: string, message: string, needle: string, nth = 0, options?: ParseOptions): string {
  const errs = errorsOf(text, options);
  assert.equal(errs.length, 1, `expected one error, got ${JSON.stringify(errs, null, 1)}`);
  const [e] = errs;
  assert.equal(e.code, code);
  assert.equal(e.message, message);
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = text.indexOf(needle, offset + 1);
  assert.ok(offset >= 0, `needle ${needle} not in text`);
  assert.deepEqual({ offset: e.offset, length: e.length }, { offset, length: needle.length }, `range of ${code}: got ${JSON.stringify(text.substr(e.offset, e.length))}`);
  const p = offsetToPosition(text, e.offset);
  return `${p.line + 1}:${p.character + 1}`;
}
