/**
 * The worker's `convergence` and `activations` handlers on a conv checkpoint (the panels' data, issue
 * 14): the replies equal what `depth-lens convergence|activations FILE --json` prints for the same
 * images, refusals of dense-only params and bad seeds are bad-params errors, the budget refuses before
 * any work, and a cancel between two convs stops the analysis. Fixture: test/fixtures/conv/cifar-resnet
 * (torch-made CIFAR ResNet with 8 identity blocks per stage).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { CancelledError, type AnalysisContext } from '../../src/core/context';
import { parsedDocument } from '../../src/worker/documents';
import { handlers } from '../../src/worker/handlers/index';
import { BadParamsError } from '../../src/worker/handlers/common';
import type { AnalysisSettings } from '../../src/shared/protocol';
import type { ConvActivationsReply, ConvConvergenceReply } from '../../src/shared/analyses/convPanels';
import { FIXTURES } from './conv-fixtures';
import { diskIo } from './formats-helpers';

const FILE = path.join(FIXTURES, 'cifar-resnet', 'cifar-resnet.onnx');
const SETTINGS: AnalysisSettings = { maxFileSizeMB: 64, norm: '2' };
const silent: AnalysisContext = { isCancelled: () => false, progress: () => {} };
const doc = () => parsedDocument({ uri: `file://${FILE}`, fsPath: FILE, version: 1, text: '' }, SETTINGS);

function activations(params: object, ctx = silent, settings = SETTINGS): ConvActivationsReply {
  const r = handlers.activations({ doc: doc(), params, settings, ctx, partial: () => {} });
  assert.equal(r.kind, 'conv');
  return r as ConvActivationsReply;
}

test('validate names a conv checkpoint and its input shape', () => {
  const v = handlers.validate({ doc: doc(), params: {}, settings: SETTINGS, ctx: silent, partial: () => {} });
  assert.deepEqual(v.conv, { inputShape: [3, 32, 32], name: 'torch_jit' });
  assert.equal(v.summary, undefined);
});

test('activations on the conv checkpoint equal `depth-lens activations --seed N --json --patterns`', async () => {
  for (const seed of [undefined, 7]) {
    const r = activations(seed === undefined ? {} : { image: { seed } });
    const cli = JSON.parse((await main(['activations', FILE, '--json', '--patterns', ...(seed === undefined ? [] : ['--seed', String(seed)])], diskIo)).stdout) as {
      images: string[]; output: number[][]; sites: Array<{ site: string; kind: string; op: number; shape: number[]; units: number; active: number[]; channelFraction: number[][]; deadChannels: number[]; pattern: string[][] }>;
    };
    assert.equal(r.image, cli.images[0]);
    assert.equal(r.seed, seed ?? 0x1a9e7);
    assert.deepEqual(Array.from(r.output), cli.output[0]);
    assert.equal(r.sites.length, cli.sites.length);
    r.sites.forEach((s, i) => {
      const c = cli.sites[i];
      assert.deepEqual([s.site, s.kind, s.layer, s.shape, s.units, s.active, s.channelFraction, s.deadChannels], [c.site, c.kind, c.op, c.shape, c.units, c.active[0], c.channelFraction[0], c.deadChannels[0]]);
      assert.equal(Array.from(s.pattern).join(''), c.pattern[0].join(''));
    });
    assert.equal(r.input.length, 3 * 32 * 32);
  }
});

test('conv requests refuse dense-only params, bad seeds and counts by name', () => {
  assert.throws(() => activations({ probe: 'a' }), (e: unknown) => e instanceof BadParamsError && /probe does not apply to convolutional models/.test(e.message));
  assert.throws(() => activations({ image: { seed: -1 } }), (e: unknown) => e instanceof BadParamsError && /images\.seed must be an integer in 0\.\.4294967295, got -1/.test(e.message));
  assert.throws(() => activations({ image: { count: 2 } }), (e: unknown) => e instanceof BadParamsError && /image\.count must be 1/.test(e.message));
  const conv = (params: object) => handlers.convergence({ doc: doc(), params, settings: SETTINGS, ctx: silent, partial: () => {} });
  assert.throws(() => conv({ run: 1 }), (e: unknown) => e instanceof BadParamsError && /run does not apply/.test(e.message));
  assert.throws(() => conv({ norm: '1' }), (e: unknown) => e instanceof BadParamsError && /operator 2-norm/.test(e.message));
  assert.throws(() => conv({ images: { count: 33 } }), (e: unknown) => e instanceof BadParamsError && /images\.count must be an integer in 1\.\.32, got 33/.test(e.message));
});

test('the budget refuses before any norm or forward pass', () => {
  let progressCalls = 0;
  const ctx: AnalysisContext = { isCancelled: () => false, progress: () => { progressCalls++; } };
  const tiny: AnalysisSettings = { ...SETTINGS, budget: { maxWork: 1000, maxMemoryMB: 4096 } };
  assert.throws(() => handlers.convergence({ doc: doc(), params: {}, settings: tiny, ctx, partial: () => {} }), (e: unknown) => e instanceof BadParamsError && /convergence/.test(e.message) && /maxWork|work/.test(e.message));
  assert.throws(() => activations({}, ctx, tiny), (e: unknown) => e instanceof BadParamsError && /activations/.test(e.message));
  assert.equal(progressCalls, 0);
});

test('a cancel between two convs stops the convergence analysis; progress names each conv', () => {
  const messages: string[] = [];
  let cancelled = false;
  const ctx: AnalysisContext = {
    isCancelled: () => cancelled,
    progress: (_f, m) => { if (m) messages.push(m); if (messages.length === 3) cancelled = true; },
  };
  assert.throws(() => handlers.convergence({ doc: doc(), params: {}, settings: SETTINGS, ctx, partial: () => {} }), (e: unknown) => e instanceof CancelledError);
  assert.deepEqual(messages, [
    'convergence: ‖W‖₂ of layer1.0.conv1 (1 of 48)',
    'convergence: ‖W‖₂ of layer1.0.conv2 (2 of 48)',
    'convergence: ‖W‖₂ of layer1.1.conv1 (3 of 48)',
  ]);
});

test('a cancel during the forward pass stops the activations between layers', () => {
  let calls = 0;
  const ctx: AnalysisContext = { isCancelled: () => calls >= 5, progress: () => { calls++; } };
  assert.throws(() => activations({}, ctx), (e: unknown) => e instanceof CancelledError);
});

test('convergence on the conv checkpoint equals `depth-lens convergence --json` (seed 5, 2 probes)', async () => {
  const messages: string[] = [];
  const ctx: AnalysisContext = { isCancelled: () => false, progress: (_f, m) => { if (m) messages.push(m); } };
  const r = handlers.convergence({ doc: doc(), params: { images: { seed: 5, count: 2 } }, settings: SETTINGS, ctx, partial: () => {} }) as ConvConvergenceReply;
  // every conv by name, then the forward pass layer by layer
  assert.equal(messages.filter((m) => /^convergence: ‖W‖₂ of /.test(m)).length, 48);
  assert.ok(messages.filter((m) => /^convergence: forward pass of 2 probes: layer \d+ of 30$/.test(m)).length >= 30);
  assert.equal(r.kind, 'conv');
  const cli = JSON.parse((await main(['convergence', FILE, '--json', '--seed', '5', '--count', '2'], diskIo)).stdout) as {
    probes: string[]; runs: Array<{ stage: string; S1: number; S2: number; sufficient: unknown; boundHolds: boolean; maxBoundRatio: number; terms: Array<{ block: string; a: number; beta: number; S1: number; S2: number; branch: Array<{ norm: number }>; probes: { increment: number[] } }> }>;
  };
  assert.deepEqual(r.probes, cli.probes);
  assert.equal(r.runs.length, 3);
  r.runs.forEach((run, i) => {
    const c = cli.runs[i];
    assert.deepEqual([run.stage, run.S1, run.S2, run.sufficient, run.boundHolds, run.maxBoundRatio], [c.stage, c.S1, c.S2, c.sufficient, c.boundHolds, c.maxBoundRatio]);
    run.blocks.forEach((b, j) => {
      const t = c.terms[j];
      assert.deepEqual([b.block, b.a, b.beta, b.S1, b.S2, b.branch.map((x) => x.norm), b.probes.increment], [t.block, t.a, t.beta, t.S1, t.S2, t.branch.map((x) => x.norm), t.probes.increment]);
    });
  });
  assert.match(r.runs[0].sufficient.reason, /^cannot decide from 8 blocks/);
});
