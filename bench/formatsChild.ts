/**
 * The worker's side of the formats benchmark, run as its own process (bundled by esbuild, started
 * with plain node) so its peak RSS is the tensor table's alone: open a safetensors checkpoint (or a
 * sharded index) and compute every tensor's ‖·‖₂ exactly as the worker's tensorNorms handler does.
 * Prints {ms, openMs, maxRssMB, norms} as JSON.
 */
import { openCheckpoint } from '../src/core/formats/checkpoint';
import { tensorNorms } from '../src/core/formats/norms';
import { silentContext } from '../src/core/context';
import { nodeFileSystem } from '../src/worker/nodeFiles';

const file = process.argv[2];
const t0 = process.hrtime.bigint();
const opened = openCheckpoint(file, nodeFileSystem);
if (!opened.ok) throw new Error(opened.message);
const t1 = process.hrtime.bigint();
const norms = tensorNorms(opened.index, silentContext, () => undefined);
const t2 = process.hrtime.bigint();
opened.close();
// maxRSS is in KB (libuv's getrusage): the process's peak resident set
process.stdout.write(JSON.stringify({
  openMs: Number(t1 - t0) / 1e6,
  ms: Number(t2 - t0) / 1e6,
  maxRssMB: process.resourceUsage().maxRSS / 1024,
  norms: Object.fromEntries(norms.map((n) => [n.name, n.norm ?? null])),
}) + '\n');
