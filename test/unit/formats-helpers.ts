/** Shared helpers of the checkpoint-format tests: the fixtures of scripts/make-model-fixtures.py and their recorded outputs. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bytesSource, type SiblingFiles } from '../../src/core/formats/source';
import { modelFormatOf, readModel } from '../../src/core/formats/open';
import type { ModelIndex } from '../../src/core/formats/model';
import { nodeIo, ProgressLine } from '../../src/cli/main';
import * as assert from 'node:assert/strict';
import { FormatError } from '../../src/core/formats/source';
import { readTensor } from '../../src/core/formats/model';
import { modelNetwork } from '../../src/core/formats/network';

export const MODELS = path.join(__dirname, '..', 'fixtures', 'models');

/** outputs.json: what torch (or numpy) computed for each fixture, written by the fixture script */
export const RECORDED = JSON.parse(fs.readFileSync(path.join(MODELS, 'outputs.json'), 'utf8')) as Record<string, {
  inputs?: number[][]; outputs?: number[][]; values?: unknown; source: string;
} & Record<string, unknown>>;

export function fixture(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(MODELS, name)));
}

/** Siblings read from the fixture folder (in memory). */
export const fixtureSiblings: SiblingFiles = { open: (p) => bytesSource(p, fixture(p)) };

/** Read a checkpoint's index from bytes (the fixture's own, or mutated ones). */
export function indexOf(name: string, bytes: Uint8Array = fixture(name), siblings: SiblingFiles = fixtureSiblings): ModelIndex {
  return readModel(modelFormatOf(name)!, bytesSource(name, bytes), siblings);
}

/** The CLI's real file access; progress goes nowhere. */
export const diskIo = nodeIo(new ProgressLine({ isTTY: false, write: () => true }));

/** Largest relative difference |a − b| / max(|b|, tiny) over matching entries. */
export function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-300));
  return worst;
}

const KNOWN_CODES = new Set(['model-truncated', 'model-corrupt', 'model-unsupported', 'model-refused', 'model-legacy', 'model-too-large', 'model-architecture', 'tensor-missing', 'tensor-shape', 'tensor-dtype', 'external-missing', 'external-outside', 'external-not-file', 'external-unreadable']);

/** 'ok', or the FormatError's code of reading `bytes` as `name` (index, network, every tensor); anything else thrown fails the test. */
export function outcome(name: string, bytes: Uint8Array): string {
  try {
    const idx = indexOf(name, bytes);
    const net = modelNetwork(idx);
    const errors = net.diagnostics.filter((d) => d.severity === 'error');
    for (const t of idx.tensors) readTensor(idx, t);
    return errors.length ? errors[0].code : 'ok';
  } catch (e) {
    if (!(e instanceof FormatError)) throw new Error(`${name} (${bytes.length} bytes) threw ${(e as Error)?.stack ?? e}`, { cause: e });
    assert.ok(KNOWN_CODES.has(e.code), e.code);
    assert.ok(e.message.startsWith(name), `the message names the file: ${e.message}`);
    return e.code;
  }
}

