import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestClient, RpcError, type CancellationLike } from '../../src/shared/rpc';

function wire() {
  const sent: Array<{ id: number; analysis: string; params: unknown }> = [];
  const cancelled: number[] = [];
  const client = new RequestClient((m) => { sent.push({ id: m.id, analysis: m.analysis, params: m.params }); }, (id) => { cancelled.push(id); });
  return { client, sent, cancelled };
}

class Token implements CancellationLike {
  isCancellationRequested = false;
  private l: Array<() => void> = [];
  cancel() { this.isCancellationRequested = true; this.l.forEach((f) => f()); }
  onCancellationRequested(f: () => void) { this.l.push(f); return { dispose: () => { this.l = this.l.filter((x) => x !== f); } }; }
}

test('each request gets its own id and exactly its own reply', async () => {
  const { client, sent } = wire();
  const a = client.request('overview', { maxRows: 3 });
  const b = client.request('layerMatrix', { layer: 2 });
  assert.deepEqual(sent.map((s) => [s.id, s.analysis]), [[1, 'overview'], [2, 'layerMatrix']]);
  client.handle({ type: 'response', replyTo: 2, result: 'B' });
  client.handle({ type: 'response', replyTo: 1, result: 'A' });
  assert.equal(await a, 'A');
  assert.equal(await b, 'B');
  assert.equal(client.inFlight, 0);
  assert.equal(client.handle({ type: 'response', replyTo: 1, result: 'late' }), false);
});

test('progress is streamed before the response; errors carry their code', async () => {
  const { client } = wire();
  const seen: number[] = [];
  const p = client.request('overview', {}, { onProgress: (f) => seen.push(f) });
  client.handle({ type: 'progress', replyTo: 1, fraction: 0.25 });
  client.handle({ type: 'progress', replyTo: 1, fraction: 0.75 });
  client.handle({ type: 'error', replyTo: 1, code: 'invalid-document', message: 'The network file has 1 error' });
  await assert.rejects(p, (e: unknown) => e instanceof RpcError && e.code === 'invalid-document' && e.message === 'The network file has 1 error');
  assert.deepEqual(seen, [0.25, 0.75]);
});

test('cancelling tells the other side and rejects at once; a late reply is ignored', async () => {
  const { client, cancelled } = wire();
  const token = new Token();
  const p = client.request('overview', {}, { token });
  token.cancel();
  await assert.rejects(p, (e: unknown) => e instanceof RpcError && e.code === 'cancelled');
  assert.deepEqual(cancelled, [1]);
  assert.equal(client.handle({ type: 'response', replyTo: 1, result: 1 }), false);
});

test('an already-cancelled token never sends', async () => {
  const { client, sent } = wire();
  const token = new Token();
  token.cancel();
  await assert.rejects(client.request('overview', {}, { token }), { code: 'cancelled' });
  assert.equal(sent.length, 0);
});

test('rejectAll fails every pending request with the given code (worker exit)', async () => {
  const { client } = wire();
  const ps = [client.request('overview', {}), client.request('validate', {})];
  client.rejectAll('worker-exited', 'the analysis worker stopped (exit code 1)');
  for (const p of ps) await assert.rejects(p, { code: 'worker-exited', message: 'the analysis worker stopped (exit code 1)' });
  assert.equal(client.inFlight, 0);
});

test('a relayed request (analysis known at run time) and a context travel to send unchanged', async () => {
  const seen: Array<{ message: unknown; context: string }> = [];
  const client = new RequestClient<string>((message, context) => { seen.push({ message, context }); }, () => undefined);
  const p = client.forward({ analysis: 'layerMatrix', params: { layer: 3 } }, {}, 'doc-1');
  const q = client.request('overview', { maxRows: 5 }, {}, 'doc-2');
  assert.deepEqual(seen, [
    { message: { analysis: 'layerMatrix', params: { layer: 3 }, type: 'request', id: 1 }, context: 'doc-1' },
    { message: { analysis: 'overview', params: { maxRows: 5 }, type: 'request', id: 2 }, context: 'doc-2' },
  ]);
  client.handle({ type: 'response', replyTo: 1, result: 'matrix' });
  client.handle({ type: 'response', replyTo: 2, result: 'rows' });
  assert.equal(await p, 'matrix');
  assert.equal(await q, 'rows');
});

test('a send that throws rejects that request as internal, the client keeps working', async () => {
  let fail = true;
  const client = new RequestClient(() => { if (fail) throw new Error('port closed'); }, () => undefined);
  await assert.rejects(client.request('overview', {}), { code: 'internal', message: 'could not send request: port closed' });
  fail = false;
  const p = client.request('overview', {});
  assert.equal(client.inFlight, 1);
  client.handle({ type: 'response', replyTo: 2, result: 'ok' });
  assert.equal(await p, 'ok');
});

test('an error refused by the budget carries its numbers to the caller (the panel offers the budget as a control)', async () => {
  const { client, sent } = wire();
  const p = client.request('activations', {});
  const budget = { resource: 'work' as const, needed: 5e12, limits: { maxWork: 1e11, maxMemoryMB: 1024 } };
  client.handle({ type: 'error', replyTo: sent[0].id, code: 'bad-params', message: 'activations needs about 5.0e12 multiply-adds', budget });
  await assert.rejects(p, (e: unknown) => e instanceof RpcError && e.code === 'bad-params' && JSON.stringify(e.budget) === JSON.stringify(budget));
  const q = client.request('activations', {});
  client.handle({ type: 'error', replyTo: sent[1].id, code: 'bad-params', message: 'no budget' });
  await assert.rejects(q, (e: unknown) => e instanceof RpcError && e.budget === undefined);
});
