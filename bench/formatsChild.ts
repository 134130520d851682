/**
 * The worker's side of the formats benchmark, run as its own process (bundled by esbuild, started
 * with plain node) so its peak RSS is the tensor table's alone: open a safetensors checkpoint (or a
 * sharded index) and compute every tensor's ‖·‖₂ exactly as the worker's tensorNorms handler does.
 * Prints {ms, openMs, maxRssMB, norms} as JSON.
 */
import { readFileSync } from 'node:fs';
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
process.stdout.write(JSON.stringify({
  openMs: Number(t1 - t0) / 1e6,
  ms: Number(t2 - t0) / 1e6,
  maxRssMB: peakRssMB(),
  norms: Object.fromEntries(norms.map((n) => [n.name, n.norm ?? null])),
}) + '\n');

/**
 * This process's peak resident set in MB: VmHWM of /proc/self/status (the peak of this process's own
 * memory since exec). getrusage's maxRSS also counts the parent's: fork copies the bench process's
 * mappings, exec keeps their high-water mark, and a full `npm run bench` (≈ 450 MB by the time it
 * reaches this suite) reported 454 MB for a run whose own peak was 204 MB.
 */
function peakRssMB(): number {
  try {
    const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // no /proc (not Linux): getrusage, an upper bound
  }
  return process.resourceUsage().maxRSS / 1024;
}
