/**
 * A helper thread of the pool in pool.ts: imports the modules that register parallel tasks, then
 * serves each run the calling thread posts (taking chunks from the shared counter until none is left).
 */
import { parentPort } from 'node:worker_threads';
import { serveChunks, type PoolRequest } from './pool';
import '../core/parallelTasks';

if (!parentPort) throw new Error('worker/poolWorker.ts must run inside a worker thread');
parentPort.on('message', (request: PoolRequest) => serveChunks(request));
