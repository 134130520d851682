/**
 * `depth-lens info` and `depth-lens spectrum` on a conv model: the layer list (conv shapes, stride,
 * padding, input [C, H, W] of every layer, parameters), per conv ‖W‖₂ by Lanczos on its actual input
 * size (the FFT for circular convs that tile the torus), ‖W − I‖₂ where the conv maps a space to itself,
 * per residual block Π_k ‖W^(n,k)‖₂; the spectrum: each conv's top k singular values.
 */
import { toJson, type CliIo } from './command';
import { parallelLayerNorms, type ConvLayerNorms } from '../core/conv/layerNorms';
import { convLayerEntries, type ConvLayerEntry, type ConvNetwork } from '../core/conv/network';
import { convSummary } from '../core/conv/overview';
import { convTopSingularValues } from '../core/conv/spectrum';
import { spectralNorm } from '../core/linalg/norms';
import type { NetworkDiagnostic } from '../core/network/parse';

/** Lanczos stops at this relative residual: the table shows six digits. */
export const INFO_TOLERANCE = 1e-10;

export interface ConvInfoRow {
  readonly layer: string;
  readonly type: ConvLayerEntry['kind'];
  readonly name: string;
  readonly input: readonly number[];
  readonly output: readonly number[];
  readonly detail: string;
  readonly activation: 'relu' | 'linear';
  readonly parameters: number;
  /** ‖W‖₂ (convs, dense); Π_k ‖W^(n,k)‖₂ for residual blocks */
  readonly normW: number | null;
  readonly normWminusI: number | null;
  /** how ‖W‖₂ was computed: lanczos, fft, svd, product */
  readonly method?: string;
}

const shape = (s: readonly number[]) => s.join('×');

function fmt(x: number | null): string {
  if (x === null) return '—';
  if (!Number.isFinite(x)) return 'overflow';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(6).replace(/\.?0+$/, '') : x.toExponential(4);
}

export function convInfoRows(network: ConvNetwork, io: CliIo, norms: boolean): ConvInfoRow[] {
  const entries = convLayerEntries(network.net);
  const byLabel = new Map<string, ConvInfoRow>();
  const rows: ConvInfoRow[] = [];
  // every conv's norms first, on every thread of the pool
  const withConv = entries.filter((e) => e.conv);
  const convNorms = new Map<ConvLayerEntry, ConvLayerNorms>();
  if (norms && withConv.length > 0) {
    const jobs = withConv.map((e) => ({ conv: e.conv!, inShape: e.inShape as readonly [number, number, number] }));
    parallelLayerNorms(jobs, { tolerance: INFO_TOLERANCE }, (i, n) => {
      convNorms.set(withConv[i], n);
      io.progress(`info: ‖W‖₂ of ${withConv[i].name} (${i + 1} of ${withConv.length})`);
    });
  }
  for (const e of entries) {
    let normW: number | null = null, normWminusI: number | null = null, method: string | undefined;
    const n = convNorms.get(e);
    if (n) {
      normW = n.spectral.value;
      normWminusI = n.minusIdentity?.value ?? null;
      method = n.spectral.method;
    } else if (norms && e.kind === 'dense') {
      const op = network.net.ops[e.op];
      if (op.kind === 'dense') { normW = spectralNorm(op.weights); method = 'svd'; }
    }
    const row: ConvInfoRow = { layer: e.label, type: e.kind, name: e.name, input: e.inShape, output: e.outShape, detail: e.detail, activation: e.activation, parameters: e.parameters, normW, normWminusI, method };
    rows.push(row);
    byLabel.set(e.label, row);
  }
  // blocks: the product of their branch convs' norms (the shortcut is not part of it)
  return rows.map((r) => {
    if (r.type !== 'residual' || !norms) return r;
    let product = 1;
    for (let j = 1; byLabel.has(`${r.layer}.${j}`); j++) product *= byLabel.get(`${r.layer}.${j}`)!.normW ?? NaN;
    return { ...r, normW: product, method: 'product' };
  });
}

/** The summary of the model (the Overview panel shows the same: src/core/conv/overview.ts). */
function summary(network: ConvNetwork) {
  return { kind: 'conv' as const, ...convSummary(network) };
}

export function convInfoReport(file: string, network: ConvNetwork, diagnostics: readonly NetworkDiagnostic[], io: CliIo, options: { json: boolean; norms: boolean }): string {
  const rows = convInfoRows(network, io, options.norms);
  const s = summary(network);
  const notes = diagnostics.filter((d) => d.severity !== 'error').map((d) => d.message);
  // as the dense info: null is "not applicable", a norm beyond float64 the marker {"overflow": true}
  const marker = (x: number | null) => (x !== null && !Number.isFinite(x) ? { overflow: true } : x);
  if (options.json) return toJson({ file, summary: s, rows: rows.map((r) => ({ ...r, normW: marker(r.normW), normWminusI: marker(r.normWminusI) })), notes, diagnostics }) + '\n';
  const out: string[] = [];
  out.push(`${file}${s.name ? ` — ${s.name}` : ''}`);
  out.push(`convolutional network: input ${shape(s.inputShape)}, output ${shape(s.outputShape)}, ${s.ops} layers (${s.residualBlocks} residual blocks, ${s.identityBlocks} with identity shortcut), ${s.parameterCount} parameters${s.foldedParameterCount !== s.parameterCount ? ` (${s.foldedParameterCount} with BatchNorm folded into the convs)` : ''}`);
  for (const n of notes) out.push(`note: ${n}`);
  out.push('');
  const header = ['layer', 'type', 'name', 'input', 'output', 'kernel, stride, padding', 'act', 'params', '‖W‖₂', '‖W−I‖₂'];
  const table = rows.map((r) => [
    r.layer.includes('.') ? `  ${r.layer}` : r.layer, r.type, r.name, shape(r.input), shape(r.output), r.detail, r.activation, String(r.parameters),
    r.type === 'residual' && r.normW !== null ? `Π ${fmt(r.normW)}` : fmt(r.normW), fmt(r.normWminusI),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 7 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  out.push(line(header));
  for (const t of table) out.push(line(t));
  if (options.norms) {
    out.push('');
    out.push(`‖W‖₂: operator norms on each layer's input [C, H, W] by Lanczos (relative residual ≤ ${INFO_TOLERANCE}; FFT for circular convs); residual blocks: Π over their branch convs (BatchNorm folded)`);
  }
  return out.join('\n') + '\n';
}

export interface ConvSpectrumItem {
  readonly layer: string;
  readonly name: string;
  readonly input: readonly number[];
  readonly output: readonly number[];
  readonly method: 'lanczos' | 'fft';
  readonly total: number;
  readonly singularValues: Float64Array;
  readonly residuals: Float64Array;
  readonly steps: number;
  readonly minusIdentity?: { readonly singularValues: Float64Array; readonly residuals: Float64Array };
}

export function convSpectrumReport(file: string, network: ConvNetwork, io: CliIo, options: { json: boolean; topK: number; layers?: readonly string[]; values: boolean }): string {
  const entries = convLayerEntries(network.net).filter((e) => e.conv);
  const wanted = options.layers ? entries.filter((e) => options.layers!.includes(e.label) || options.layers!.includes(e.name)) : entries;
  const items: ConvSpectrumItem[] = [];
  wanted.forEach((e, i) => {
    io.progress(`spectrum: ${e.name} (${i + 1} of ${wanted.length})`);
    const h = e.inShape[1]!, w = e.inShape[2]!;
    const r = convTopSingularValues(e.conv!, h, w, options.topK);
    const square = e.inShape.join() === e.outShape.join();
    const m = square ? convTopSingularValues(e.conv!, h, w, options.topK, { shift: 1 }) : undefined;
    items.push({ layer: e.label, name: e.name, input: e.inShape, output: e.outShape, method: r.method, total: r.total, singularValues: r.values, residuals: r.residuals, steps: r.steps, minusIdentity: m && { singularValues: m.values, residuals: m.residuals } });
  });
  if (options.json) return toJson({ file, summary: summary(network), topK: options.topK, items }) + '\n';
  const out: string[] = [];
  out.push(`${file}: ${entries.length} convolutions; ${items.length} shown (top ${options.topK} singular values of each, as an operator on its input)`);
  out.push('');
  const header = ['layer', 'conv', 'input', 'method', 'σ₁', 'σ₂', `σ_${options.topK}`, 'σ₁(W−I)', 'max residual'];
  const rows = items.map((it) => {
    const v = it.singularValues;
    const maxRes = it.residuals.reduce((a, b) => Math.max(a, b), 0);
    return [it.layer, it.name, shape(it.input), it.method === 'fft' ? 'exact (FFT)' : `Lanczos, ${it.steps} steps`, fmt(v[0] ?? null), fmt(v[1] ?? null), fmt(v[v.length - 1] ?? null), fmt(it.minusIdentity?.singularValues[0] ?? null), it.method === 'fft' ? '0' : maxRes.toExponential(1)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  out.push(line(header));
  for (const r of rows) out.push(line(r));
  if (options.values) {
    for (const it of items) {
      out.push('');
      out.push(`${it.layer} ${it.name}: σ(W) = ${Array.from(it.singularValues, (x) => fmt(x)).join(' ')}`);
      if (it.minusIdentity) out.push(`${it.layer} ${it.name}: σ(W − I) = ${Array.from(it.minusIdentity.singularValues, (x) => fmt(x)).join(' ')}`);
    }
  }
  out.push('');
  out.push('A singular value of the operator lies within "max residual" of every value shown (Golub–Kahan–Lanczos with full reorthogonalisation); circular convs that tile the torus get the exact per-frequency spectrum (Sedghi, Gupta & Long 2019).');
  return out.join('\n') + '\n';
}
