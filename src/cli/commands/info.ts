/** depth-lens info FILE: layers, shapes and norms of a network (families summarised per group). */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand } from '../command';
import { loadNetworkFile, DEFAULT_MAX_SIZE_MB } from '../load';
import { loadConvModel, parseInputShapeOption } from '../convModel';
import { convInfoReport } from '../convReport';
import { parseMaxSize } from './check';
import { minusIdentity, norm2Vec } from '../../core/linalg/dense';
import { spectralNorm } from '../../core/linalg/norms';
import type { Layer, Network } from '../../core/network/model';
import { summarizeNetwork } from '../../core/summary/overview';
import { BudgetError, checkBudget, groupAt, layerNormsCost, layerUnitShapes } from '../../core/network/budget';
import { analysing, BUDGET_HELP, BUDGET_OPTIONS, parseBudget } from './budgetOptions';

const HELP = `Usage: depth-lens info FILE [--json] [--all] [--max-size-mb N] [--input-shape C,H,W] [--no-norms]

Print a network's input, depth, widths and parameter count, and one row per layer:
  layer (1-based), type, shape (out×in; residual blocks in→hidden→out), activation,
  ‖W‖₂ (spectral norm), ‖W−I‖₂ (square W only), ‖b‖₂.
For a residual block ‖W‖₂ is the product of its branch layers' spectral norms (the bound used in
MATH.md §B) and ‖b‖₂ the ℓ2 norm of all its branch biases together.
Convolutional models (.onnx on an image input, torchvision ResNet state_dicts): one row per layer
with its input and output [C, H, W], kernel, stride, padding and parameters; ‖W‖₂ of every conv as an
operator on its input (Lanczos; the FFT for circular padding), ‖W − I‖₂ where the conv maps a space to
itself, and for residual blocks Π over their branch convs (BatchNorm folded into the convs).
Groups longer than ${'10'} layers (families) show their first and last 3 layers unless --all is given.

Options:
  --json            print one JSON document {summary, groups, rows}
  --all             list every layer (10⁵-layer families print 10⁵ rows)
  --max-size-mb N   refuse files larger than N MB (default ${DEFAULT_MAX_SIZE_MB})
  --input-shape C,H,W  conv models: the input size (default: the file's, or the one a state_dict implies)
  --no-norms        conv models: list the layers without computing their operator norms
${BUDGET_HELP}

Norms are estimated before they are computed: above the budget they are withheld (shown as
"withheld", in --json null with "normsWithheld" saying why) and the shapes are still listed. A norm
beyond float64 is shown as "overflow" (in --json {"overflow": true}); null means "not applicable"
(‖W−I‖ of a non-square W).
  --help            show this help
`;

/** Groups longer than this are summarised by their first and last EDGE layers. */
const SUMMARISE_ABOVE = 10;
const EDGE = 3;

export interface InfoRow {
  layer: number;
  type: 'dense' | 'residual';
  group: string;
  shape: string;
  activation: string;
  normW: number;
  normWminusI: number | null;
  normB: number;
}

/** The row of layer k from its shape alone (norms NaN: not computed), without generating the layer. */
export function shapeRow(net: Network, k: number, groupType: string): InfoRow {
  const { residual, units } = layerUnitShapes(net, k);
  const g = groupAt(net, k);
  const activation = g?.family?.kind === 'affine' ? g.family.activation : g && (g.type === 'dense' || g.type === 'residual' || g.type === 'tfjs-dense') ? net.layer(k).activation : '·';
  const shape = residual ? [units[0].cols, ...units.map((u) => u.rows)].join('→') : `${units[0].rows}×${units[0].cols}`;
  return { layer: k + 1, type: residual ? 'residual' : 'dense', group: groupType, shape, activation, normW: NaN, normWminusI: residual || units[0].rows !== units[0].cols ? null : NaN, normB: NaN };
}

export function layerRow(net: Network, k: number, groupType: string): InfoRow {
  const layer: Layer = net.layer(k);
  if (layer.kind === 'dense') {
    const w = layer.weights;
    return {
      layer: k + 1, type: 'dense', group: groupType, shape: `${w.rows}×${w.cols}`, activation: layer.activation,
      normW: spectralNorm(w), normWminusI: w.rows === w.cols ? spectralNorm(minusIdentity(w)) : null, normB: norm2Vec(layer.bias),
    };
  }
  let product = 1, biasSq = 0;
  for (const l of layer.branch) {
    product *= spectralNorm(l.weights);
    const nb = norm2Vec(l.bias);
    biasSq += nb * nb;
  }
  const shape = [layer.branch[0].weights.cols, ...layer.branch.map((l) => l.weights.rows)].join('→');
  return { layer: k + 1, type: 'residual', group: groupType, shape, activation: layer.activation, normW: product, normWminusI: null, normB: Math.sqrt(biasSq) };
}

function fmt(x: number | null): string {
  if (x === null) return '—';
  if (Number.isNaN(x)) return 'withheld';
  if (!Number.isFinite(x)) return 'overflow';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(6).replace(/\.?0+$/, '') : x.toExponential(4);
}

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'show layers, shapes and norms of a network file',
  help: HELP,
  run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, all: { type: 'boolean' }, 'max-size-mb': { type: 'string' }, 'input-shape': { type: 'string' }, 'no-norms': { type: 'boolean' }, ...BUDGET_OPTIONS } });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.positionals.length !== 1) throw new UsageError('give exactly one FILE');
    const file = parsed.positionals[0];
    const conv = loadConvModel(file, io, parseInputShapeOption(parsed.values['input-shape']), { maxSizeMB: parseMaxSize(parsed.values['max-size-mb']) });
    if (conv) return { stdout: convInfoReport(file, conv.network, conv.diagnostics, io, { json: !!parsed.values.json, norms: !parsed.values['no-norms'] }), exitCode: 0 };
    const { network: net, diagnostics } = loadNetworkFile(file, io, { maxSizeMB: parseMaxSize(parsed.values['max-size-mb']) });
    const summary = summarizeNetwork(net);
    const all = !!parsed.values.all;
    // rows, with the number of layers omitted after each (for the "…" lines)
    const budget = parseBudget(parsed.values);
    const listed: { k: number; type: string }[] = [];
    const gaps = new Map<number, number>();
    for (const g of net.groups) {
      const summarise = !all && g.count > SUMMARISE_ABOVE;
      for (let j = 0; j < g.count; j++) {
        if (summarise && j === EDGE) {
          gaps.set(listed.length, g.count - 2 * EDGE);
          j = g.count - EDGE;
        }
        listed.push({ k: g.start + j, type: g.type });
      }
    }
    // the norms' cost from the shapes first: a family of width 10⁴ is refused in milliseconds, not hours
    let normsWithheld: string | null = null;
    try {
      checkBudget('the norms', layerNormsCost(net, listed.map((l) => l.k)), budget);
    } catch (e) {
      if (!(e instanceof BudgetError)) throw e;
      normsWithheld = e.message;
    }
    const rows: InfoRow[] = [];
    for (const { k, type } of listed) {
      io.progress(`info: layer ${k + 1} of ${net.depth}`);
      rows.push(normsWithheld ? shapeRow(net, k, type) : analysing(file, 'info', () => layerRow(net, k, type)));
    }
    const warnings = diagnostics.filter((d) => d.severity !== 'error').map((d) => `${d.severity}: ${d.message} [${d.code}]`);
    if (parsed.values.json) {
      const groups = net.groups.map((g) => ({ start: g.start + 1, count: g.count, type: g.type, description: g.family?.kind === 'generated' ? g.family.description : g.family?.kind }));
      // null: not applicable (‖W−I‖ of a non-square W) or not computed (normsWithheld); overflow: a marker
      const norm = (x: number | null) => (x !== null && !Number.isNaN(x) && !Number.isFinite(x) ? { overflow: true } : x);
      const jsonRows = rows.map((r) => ({ ...r, normW: norm(r.normW), normWminusI: norm(r.normWminusI), normB: norm(r.normB) }));
      return { stdout: toJson({ file, summary, groups, rows: jsonRows, complete: rows.length === net.depth, ...(normsWithheld ? { normsWithheld } : {}), diagnostics }) + '\n', exitCode: 0 };
    }
    const out: string[] = [];
    out.push(`${file}${net.name ? ` — ${net.name}` : ''}`);
    out.push(`input dim ${net.input.dim}${net.input.domain ? `, domain [${Array.from(net.input.domain.min).join(', ')}] … [${Array.from(net.input.domain.max).join(', ')}]` : ''}${net.input.probes.length ? `, probes ${net.input.probes.map((p) => p.name).join(', ')}` : ''}`);
    out.push(`depth ${net.depth}, output dim ${net.outputDim}, widths ${summary.widthsText}, ${net.parameterCount} parameters`);
    for (const g of net.groups) {
      if (g.count > 1) out.push(`layers ${g.start + 1}–${g.start + g.count}: ${g.type}${g.family?.kind === 'generated' ? ` — ${g.family.description}` : g.family?.kind === 'affine' ? ` — W_k = ${g.family.identity}·I + (k+${g.family.weightScale.offset})^${g.family.weightScale.power}·M, b_k = (k+${g.family.biasScale.offset})^${g.family.biasScale.power}·v` : ''}`);
    }
    // loops, not push(...)/Math.max(...): --all lists up to 10⁷ rows, too many for spread arguments
    for (const w of warnings) out.push(w);
    if (normsWithheld) out.push(`norms withheld: ${normsWithheld}`);
    out.push('');
    const header = ['layer', 'type', 'shape', 'act', '‖W‖₂', '‖W−I‖₂', '‖b‖₂'];
    const table = rows.map((r) => [String(r.layer), r.group, r.shape, r.activation, fmt(r.normW), fmt(r.normWminusI), fmt(r.normB)]);
    const widths = header.map((h) => h.length);
    for (const t of table) for (let i = 0; i < t.length; i++) if (t[i].length > widths[i]) widths[i] = t[i].length;
    const line = (cells: string[]) => cells.map((c, i) => (i <= 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
    out.push(line(header));
    table.forEach((t, i) => {
      const gap = gaps.get(i);
      if (gap !== undefined) out.push(`  … ${gap} more layers (--all lists them)`);
      out.push(line(t));
    });
    return { stdout: out.join('\n') + '\n', exitCode: 0 };
  },
};
