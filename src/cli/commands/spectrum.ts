/** depth-lens spectrum FILE: singular values, ESD against Marchenko–Pastur, stable rank and the ESD's power-law tail per layer. */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand, type CliIo } from '../command';
import { loadNetworkFile, DEFAULT_MAX_SIZE_MB } from '../load';
import { loadConvModel, parseInputShapeOption } from '../convModel';
import { convSpectrumReport } from '../convReport';

/** conv layers: top k singular values by default (each Lanczos step is two convolutions) */
const CONV_TOP_K = 10;
import { parseMaxSize } from './check';
import { decimal } from '../numbers';
import type { AnalysisContext } from '../../core/context';
import { analyzeSpectrum, DEFAULT_MAX_LAYERS, SpectrumParamsError } from '../../core/spectrum/analyze';
import { DEFAULT_FULL_SVD_MAX_FLOPS, DEFAULT_TOP_K } from '../../core/spectrum/layer';
import { MIN_EIGENVALUES, MIN_TAIL } from '../../core/spectrum/powerLaw';
import type { LayerSpectrum, SpectrumResult } from '../../shared/analyses/spectrum';

const HELP = `Usage: depth-lens spectrum FILE [--layers K,K,...] [--max-layers N] [--full-svd-max-flops F] [--top-k K]
                          [--values] [--json] [--max-size-mb N]

The weight spectrum of every layer (residual blocks: of every branch layer):
  σ(W)         the singular values (full SVD: one-sided Jacobi up to 32, Householder bidiagonalization +
               implicit QR above; above the budget only the top k, by Lanczos, and the output says so)
  σ(W − I)     for square dense layers
  ESD          the eigenvalues λ = σ² of WᵀW against the Marchenko–Pastur law of a random matrix of the
               same shape and entry variance σ²: its edges λ± = σ²(√N ± √M)² and how many λ lie outside
  stable rank  ‖W‖_F² / ‖W‖₂²
  α            the exponent of the ESD tail p(λ) ∝ λ^−α: continuous power-law maximum likelihood with
               λ_min chosen by the smallest Kolmogorov–Smirnov distance (Clauset, Shalizi & Newman 2009;
               WeightWatcher's method), ± its standard error (α − 1)/√n, the KS distance and n, the number
               of tail eigenvalues. Layers with fewer than ${MIN_EIGENVALUES} positive eigenvalues say "too few eigenvalues";
               tails of fewer than ${MIN_TAIL} are never chosen.
Convolutional models (.onnx on an image input, torchvision ResNet state_dicts): every conv as an
operator on its actual input [C, H, W], never its kernel reshaped: the top k singular values (default
${'10'}) by Golub–Kahan–Lanczos with residual bounds, and σ(W − I) for convs that map a space to itself;
circular convs that tile the torus get their exact spectrum from the per-frequency matrices (FFT).
--layers takes the labels of \`depth-lens info\` (3.1) or conv names; --input-shape C,H,W sets the input.
Networks deeper than --max-layers are sampled at log-spaced layers (the first and the last included).

Options:
  --layers K,K,...        only these layers (1-based)
  --max-layers N          at most N layers, log-spaced (default ${DEFAULT_MAX_LAYERS})
  --full-svd-max-flops F  full SVD when it needs at most F flops (4mn² − 4n³/3; default ${DEFAULT_FULL_SVD_MAX_FLOPS.toExponential(0)},
                          a 1024×1024 matrix); larger matrices get the top k only
  --top-k K               k of the top-k path (default ${DEFAULT_TOP_K})
  --values                also print every singular value (text output)
  --json                  one JSON document {file, summary, items: [{label, singularValues, minusIdentity,
                          marchenkoPastur, powerLaw, stableRank, method, …}], sampled, notes}
  --max-size-mb N         refuse files larger than N MB (default ${DEFAULT_MAX_SIZE_MB})
  --help                  show this help
`;

function positive(name: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const v = decimal(text);
  if (!(v > 0) || (integer && !Number.isInteger(v))) throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, not '${text}'`);
  return v;
}

function parseLayers(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((t) => {
    const v = decimal(t);
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`--layers: '${t}' is not a layer number (positive integer)`);
    return v;
  });
}

export function fmt(x: number): string {
  if (Number.isNaN(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(2).replace('e+', 'e');
}

function alphaText(s: LayerSpectrum): string {
  const p = s.powerLaw;
  if (p.status !== 'fitted') return `too few eigenvalues (${p.count})`;
  return `${fmt(p.alpha)} ± ${fmt(p.standardError)}${p.partial ? '*' : ''}`;
}

function textReport(file: string, r: SpectrumResult, values: boolean): string {
  const out: string[] = [];
  out.push(`${file}${r.summary.name ? ` — ${r.summary.name}` : ''}: ${r.summary.depth} layers, ${r.totalItems} weight matrices; ${r.items.length} shown`);
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push('');
  const header = ['matrix', 'shape', 'SVD', '‖W‖₂', '‖W−I‖₂', 'stable rank', 'MP σ²', 'λ > λ₊', 'α (ESD tail)', 'KS', 'tail n'];
  const rows = r.items.map((s) => [
    s.label,
    `${s.rows}×${s.cols}`,
    s.method.kind === 'full' ? `full (${s.method.algorithm})` : `top ${s.method.computed}/${s.method.total}`,
    fmt(s.spectralNorm),
    s.minusIdentity ? fmt(s.minusIdentity.spectralNorm) : '—',
    fmt(s.stableRank),
    s.marchenkoPastur ? fmt(s.marchenkoPastur.variance) : '—',
    s.marchenkoPastur ? String(s.marchenkoPastur.above) : '—',
    alphaText(s),
    s.powerLaw.status === 'fitted' ? fmt(s.powerLaw.ks) : '—',
    s.powerLaw.status === 'fitted' ? `${s.powerLaw.tailCount}/${s.powerLaw.count}` : '—',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i <= 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  out.push(line(header));
  for (const row of rows) out.push(line(row));
  if (r.items.some((s) => s.powerLaw.partial && s.powerLaw.status === 'fitted')) out.push('* fitted on the top-k eigenvalues only: the tail below them was not seen');
  out.push('');
  out.push(`α: ${r.powerLawMethod}`);
  if (values) {
    for (const s of r.items) {
      out.push('');
      out.push(`${s.label}: σ(W) = ${Array.from(s.singularValues, fmt).join(' ')}`);
      if (s.minusIdentity) out.push(`${s.label}: σ(W − I) = ${Array.from(s.minusIdentity.singularValues, fmt).join(' ')}`);
      if (s.marchenkoPastur) out.push(`${s.label}: MP edges λ₋ = ${fmt(s.marchenkoPastur.lambdaMinus)}, λ₊ = ${fmt(s.marchenkoPastur.lambdaPlus)} (σ² = ${fmt(s.marchenkoPastur.variance)}, ratio ${fmt(s.marchenkoPastur.ratio)})`);
      out.push(`${s.label}: ${s.powerLaw.message}`);
    }
  }
  return out.join('\n') + '\n';
}

function cliContext(io: CliIo): AnalysisContext {
  return { progress: (_f, m) => { if (m) io.progress(m); }, isCancelled: () => false };
}

export const spectrumCommand: CliCommand = {
  name: 'spectrum',
  summary: 'per-layer singular values, ESD vs Marchenko–Pastur, stable rank, power-law α',
  help: HELP,
  run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv], allowPositionals: true, strict: true,
        options: {
          json: { type: 'boolean' }, values: { type: 'boolean' }, layers: { type: 'string' }, 'max-layers': { type: 'string' },
          'full-svd-max-flops': { type: 'string' }, 'top-k': { type: 'string' }, 'max-size-mb': { type: 'string' }, 'input-shape': { type: 'string' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = parsed.positionals[0];
    const v = parsed.values;
    const conv = loadConvModel(file, io, parseInputShapeOption(v['input-shape']), { maxSizeMB: parseMaxSize(v['max-size-mb']) });
    if (conv) {
      const layers = v.layers?.split(',').map((t) => t.trim());
      return { stdout: convSpectrumReport(file, conv.network, io, { json: !!v.json, topK: positive('top-k', v['top-k'], true) ?? CONV_TOP_K, layers, values: !!v.values }), exitCode: 0 };
    }
    const params = {
      layers: parseLayers(v.layers),
      maxLayers: positive('max-layers', v['max-layers'], true),
      fullSvdMaxFlops: positive('full-svd-max-flops', v['full-svd-max-flops'], false),
      topK: positive('top-k', v['top-k'], true),
    };
    const { network } = loadNetworkFile(file, io, { maxSizeMB: parseMaxSize(v['max-size-mb']) });
    let result: SpectrumResult;
    try {
      result = analyzeSpectrum(network, params, cliContext(io));
    } catch (e) {
      if (e instanceof SpectrumParamsError) throw new UsageError(e.message);
      throw e;
    }
    if (v.json) return { stdout: toJson({ file, ...result }) + '\n', exitCode: 0 };
    return { stdout: textReport(file, result, !!v.values), exitCode: 0 };
  },
};
