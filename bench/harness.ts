/**
 * Benchmark harness: each suite times our TypeScript kernel and the same work in numpy in the same
 * run, on the same machine — Debian's python3-numpy on OpenBLAS (what `apt-get install python3-numpy`
 * gives), run by /usr/bin/python3 with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, once with 1 and
 * once with 2 BLAS threads. `numpySetup()` installs the Debian packages when they are missing (as
 * root, like scripts/setup-test-vscode.mjs), checks that numpy really loads OpenBLAS and reports its
 * configuration for the results header.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface BenchRow {
  /** what was measured, e.g. "forward+patterns 4096×(2→64→64→1)" */
  readonly name: string;
  /** best-of-repeats wall time in ms of our implementation */
  readonly oursMs: number;
  /** median of our repeats (ms), when there were several */
  readonly oursMedianMs?: number;
  /** same work in numpy with 1 BLAS thread (ms), or undefined when numpy is unavailable */
  readonly numpyMs?: number;
  /** same work in numpy with 2 BLAS threads (ms) */
  readonly numpy2Ms?: number;
  /** free-form: sizes, memory, throughput */
  readonly note?: string;
}

export interface BenchSuite {
  readonly name: string;
  run(): Promise<BenchRow[]> | BenchRow[];
}

/** Best of `repeats` runs after one warm-up, in ms. */
export function timeBest(fn: () => void, repeats = 5): number {
  return timeStats(fn, repeats).min;
}

/** Min and median of `repeats` runs after one warm-up, in ms. */
export function timeStats(fn: () => void, repeats = 5): { min: number; median: number } {
  fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { min: Math.min(...times), median: median(times) };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export const PYTHON = '/usr/bin/python3';
const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const DEBIAN_PACKAGES = ['python3-numpy', 'python3-scipy', 'libopenblas0-pthread', 'time'];

export interface NumpySetup {
  readonly available: boolean;
  /** one line for the results header: numpy/scipy versions, BLAS library, version, core type, threads */
  readonly description: string;
  /** extra environment that makes numpy load OpenBLAS (LD_LIBRARY_PATH when the system default is another BLAS) */
  readonly env: Record<string, string>;
}

let setup: NumpySetup | undefined;

const PROBE = `
import ctypes, json, numpy, sys
try:
    import scipy; sv = scipy.__version__
except Exception:
    sv = None
libs = sorted(set(l.split()[-1] for l in open('/proc/self/maps').read().splitlines() if ('blas' in l or 'lapack' in l) and '/' in l))
info = {"numpy": numpy.__version__, "scipy": sv, "libs": libs}
for l in libs:
    try:
        lib = ctypes.CDLL(l)
        f = lib.openblas_get_config; f.restype = ctypes.c_char_p
        g = lib.openblas_get_corename; g.restype = ctypes.c_char_p
        info.update(openblas=f().decode(), core=g().decode(), threads=lib.openblas_get_num_threads())
        break
    except Exception:
        pass
json.dump(info, sys.stdout)
`;

interface Probe { numpy: string; scipy: string | null; libs: string[]; openblas?: string; core?: string; threads?: number }

function probe(env: Record<string, string>): Probe | undefined {
  try {
    return JSON.parse(execFileSync(PYTHON, ['-c', PROBE], { env: numpyEnv(1, env), encoding: 'utf8' })) as Probe;
  } catch {
    return undefined;
  }
}

/**
 * Debian's numpy on OpenBLAS, installed if missing (root only), verified by the library numpy has
 * loaded and its openblas_get_config(). Cached for the run.
 */
export function numpySetup(): NumpySetup {
  if (setup) return setup;
  let found = probe({});
  const missing = !found || !found.scipy || !fs.existsSync(`${OPENBLAS_DIR}/libblas.so.3`) || !fs.existsSync('/usr/bin/time');
  if (missing && process.getuid?.() === 0) {
    process.stderr.write(`installing ${DEBIAN_PACKAGES.join(', ')} (Debian packages) for the numpy side…\n`);
    const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...DEBIAN_PACKAGES], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
    if (!install()) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit' });
      install();
    }
    found = probe({});
  } else if (missing) {
    process.stderr.write(`numpy side: ${DEBIAN_PACKAGES.join(' ')} are not all installed and this is not root; run: sudo apt-get install ${DEBIAN_PACKAGES.join(' ')}\n`);
  }
  let env: Record<string, string> = {};
  if (found && !found.openblas && fs.existsSync(`${OPENBLAS_DIR}/libblas.so.3`)) {
    // the system's libblas.so.3 alternative is another BLAS: point numpy at Debian's OpenBLAS directly
    env = { LD_LIBRARY_PATH: OPENBLAS_DIR };
    found = probe(env) ?? found;
  }
  if (!found) {
    setup = { available: false, description: 'numpy unavailable (see stderr)', env };
  } else {
    const blas = found.openblas
      ? `${found.openblas.split(' ').slice(0, 2).join(' ')} (${found.libs.find((l) => l.includes('openblas')) ?? found.libs[0]}), core ${found.core}, run with 1 and 2 threads (OPENBLAS_NUM_THREADS; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset); config: ${found.openblas}`
      : `NOT OpenBLAS: ${found.libs.join(', ') || 'no BLAS library found'} — numbers below flatter Depth Lens`;
    setup = { available: true, description: `numpy ${found.numpy}, scipy ${found.scipy ?? 'missing'}, BLAS: ${blas}`, env };
  }
  return setup;
}

/** The environment of a numpy run: OpenBLAS's tuning overrides removed, `threads` BLAS threads. */
export function numpyEnv(threads: number, extra: Record<string, string> = numpySetup().env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/**
 * Run bench/py/<script> with JSON args on stdin and `threads` BLAS threads; the script prints one JSON
 * object to stdout. Returns undefined (and says why on stderr) when numpy is missing.
 */
export function runNumpy<T = Record<string, number>>(script: string, args: unknown, threads = 1): T | undefined {
  if (!numpySetup().available) return undefined;
  try {
    const out = execFileSync(PYTHON, [path.join(__dirname, 'py', script)], { input: JSON.stringify(args), encoding: 'utf8', maxBuffer: 1 << 26, env: numpyEnv(threads) });
    return JSON.parse(out) as T;
  } catch (e) {
    process.stderr.write(`numpy reference ${script} unavailable: ${(e as Error).message.split('\n')[0]}\n`);
    return undefined;
  }
}

/** runNumpy with 1 and with 2 BLAS threads. */
export function runNumpyThreads<T>(script: string, args: unknown): { one?: T; two?: T } {
  return { one: runNumpy<T>(script, args, 1), two: runNumpy<T>(script, args, 2) };
}

/** One run of a whole process: wall and CPU time (user + system, children included) and peak RSS. */
export interface ProcessRun {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssMB: number;
  readonly exitCode: number;
}

/**
 * Runs `command args` with stdout to `stdoutFile` (so the time includes writing the output) under
 * GNU time, which reports the CPU time and peak RSS of the process and its threads.
 */
export function measureProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv, stdoutFile: string): ProcessRun {
  const timeFile = path.join(os.tmpdir(), `depth-lens-bench-time-${process.pid}.txt`);
  const out = fs.openSync(stdoutFile, 'w');
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, command, ...args], { env, stdio: ['ignore', out, 'pipe'], maxBuffer: 1 << 26 });
    const [wall, user, sys, rssKB] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    if (r.status !== 0) process.stderr.write(`${command} ${args.join(' ')} exited with ${r.status}: ${String(r.stderr).slice(0, 500)}\n`);
    return { wallMs: wall * 1000, cpuMs: (user + sys) * 1000, rssMB: rssKB / 1024, exitCode: r.status ?? -1 };
  } finally {
    fs.closeSync(out);
    fs.rmSync(timeFile, { force: true });
  }
}
