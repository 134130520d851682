// The slowness factor of this machine right now: how much longer than on an idle 2-core reference
// machine a fixed piece of work takes. The test runners measure it once and export it as
// DEPTH_LENS_SLOWNESS; the integration and UI harnesses multiply every per-test timeout and wait by
// it, so a loaded or slow machine gets proportionally more time instead of failing (issue 15).
//
// Two probes, each the median of three samples (one sample is noisy under load): a fixed CPU loop
// (JIT-compiled integer arithmetic, single thread) and the start-up of a node process (exec, module
// loading, disk). The factor is the larger ratio to the reference time, clamped to [1, 6]: below 1
// would shorten timeouts tuned on the reference machine; above 6 a run would take too long to be
// useful anyway. DEPTH_LENS_SLOWNESS=<number> set by hand skips the measurement.
import { spawnSync } from 'node:child_process';

/** idle reference machine (2 cores, Node 20): milliseconds for one sample of each probe */
export const REFERENCE_MS = { cpuLoop: 70, nodeStartup: 40 };
export const MIN_FACTOR = 1;
export const MAX_FACTOR = 6;
const ENV = 'DEPTH_LENS_SLOWNESS';

function cpuLoopMs() {
  const start = process.hrtime.bigint();
  let x = 1;
  for (let i = 0; i < 100_000_000; i++) x = (Math.imul(x, 1664525) + 1013904223) | 0;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (x === 42) console.log(''); // keeps the loop from being optimised away
  return ms;
}

function nodeStartupMs() {
  const start = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Measures the factor now (about a second on a loaded machine). */
export function measureSlowness() {
  cpuLoopMs(); // warm-up: the first run includes compilation
  const cpu = median([cpuLoopMs(), cpuLoopMs(), cpuLoopMs()]);
  const startup = median([nodeStartupMs(), nodeStartupMs(), nodeStartupMs()]);
  const raw = Math.max(cpu / REFERENCE_MS.cpuLoop, startup / REFERENCE_MS.nodeStartup);
  const factor = Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, raw));
  return { factor: Math.round(factor * 100) / 100, cpuMs: cpu, startupMs: startup };
}

/**
 * The factor from DEPTH_LENS_SLOWNESS, or measured once and stored there so child processes (node:test
 * workers, code-server's extension host) read the same number.
 */
export function slownessFactor({ log = () => {} } = {}) {
  const given = Number(process.env[ENV]);
  if (process.env[ENV] && Number.isFinite(given) && given > 0) return Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, given));
  const m = measureSlowness();
  process.env[ENV] = String(m.factor);
  log(`slowness factor ${m.factor} (CPU loop ${m.cpuMs.toFixed(0)} ms vs ${REFERENCE_MS.cpuLoop}, node start-up ${m.startupMs.toFixed(0)} ms vs ${REFERENCE_MS.nodeStartup}); timeouts are scaled by it`);
  return m.factor;
}

/** A timeout tuned on the reference machine, scaled to this one. */
export function scaled(ms) {
  return Math.round(ms * slownessFactor());
}
