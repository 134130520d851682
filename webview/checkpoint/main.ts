/**
 * The checkpoint viewer ("Open With → Depth Lens" on .safetensors, .pt/.pth, .npz/.npy, .onnx): the
 * file's tensors (name, shape, dtype, size, and ‖·‖₂ filled in as the worker reads them one by one),
 * the layer chain Depth Lens reads from the file, and buttons that open the analysis panels on that
 * network or write a network file referencing the tensors.
 */
import './checkpoint.css';
import { Cancellation, HostConnection, RpcError, type PanelState } from '../common/host';
import { banner, button, el, formatNumber, Progress, section, table } from '../common/ui';
import type { ChainStep, CheckpointResult, CheckpointTensor, TensorNormsResult } from '../../src/shared/analyses/checkpoint';

const host = new HostConnection<PanelState>();
const app = document.getElementById('app')!;
const progress = new Progress();
const title = el('h1', {}, 'Checkpoint');
const summary = el('p', { class: 'summary', 'data-testid': 'checkpoint-summary' });
const messages = el('div', { class: 'messages', 'data-testid': 'checkpoint-messages' });
const tableHost = el('div', { class: 'table-host tensor-table', 'data-testid': 'tensor-table' });
const chainHost = el('div', { class: 'chain', 'data-testid': 'layer-chain' });
const metadataHost = el('dl', { class: 'metadata', 'data-testid': 'metadata' });
let running: Cancellation | undefined;
let normCells: HTMLElement[] = [];
let panelButtons: HTMLElement[] = [];

const stopButton = button('Stop', () => running?.cancel(), { secondary: true, icon: 'debug-stop', title: 'Stop computing norms' });
stopButton.hidden = true;
const analysisButtons = el('div', { class: 'toolbar', 'data-testid': 'panel-buttons' },
  ...(panelButtons = [
    button('Overview', () => host.openPanel('overview'), { icon: 'graph', title: 'Open the Network overview panel on this model' }),
    button('Activations', () => host.openPanel('activations'), { icon: 'symbol-misc', title: 'Open the Activations panel on this model' }),
    button('Convergence', () => host.openPanel('convergence'), { icon: 'pulse', title: 'Open the Convergence panel on this model' }),
    button('Depth plots', () => host.openPanel('depthPlots'), { icon: 'graph-line', title: 'Open the Depth plots panel on this model' }),
  ]),
  button('Create network file', () => host.createNetworkFile(), { secondary: true, icon: 'new-file', title: 'Write NAME.network.json beside the checkpoint, its layers referencing these tensors' }),
  stopButton,
);
app.append(
  el('header', { class: 'panel-header' }, title, analysisButtons),
  summary,
  progress.element,
  messages,
  section('Tensors', tableHost),
  section('Layer chain', chainHost),
  section('Metadata', metadataHost),
);
app.removeAttribute('aria-busy');

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** Operator-norm cells of a conv network's steps, by label (filled in as the worker computes them). */
let chainNormCells = new Map<string, HTMLElement>();
/** labels of residual blocks (their norm is a product) */
const blockLabels = new Set<string>();

/** A conv network's step: kind, input → output, kernel/stride/padding, activation, name, and its norms (filled later). */
function renderConvStep(s: ChainStep): HTMLElement {
  const norm = el('span', { class: 'chain-norm', 'data-testid': `chain-norm-${s.label ?? ''}`, title: s.kind === 'residual' ? 'Π_k ‖W^(n,k)‖₂ over the branch convs (BatchNorm folded), each an operator on its input' : '‖W‖₂ as an operator on the input [C, H, W] (Lanczos); ‖W − I‖₂ where the conv maps its input space to itself' }, s.kind === 'conv2d' || s.kind === 'residual' ? '…' : '');
  if (s.label !== undefined && (s.kind === 'conv2d' || s.kind === 'residual')) chainNormCells.set(s.label, norm);
  if (s.label !== undefined && s.kind === 'residual') blockLabels.add(s.label);
  const item = el('li', { class: `chain-step chain-${s.kind}`, 'data-label': s.label ?? '' },
    el('span', { class: 'chain-kind' }, s.kind), ' ',
    el('span', { class: 'chain-shape' }, `${s.input ?? ''} → ${s.shape}`), ' ',
    el('span', { class: 'chain-detail' }, s.detail ?? ''), ' ',
    el('span', { class: 'chain-act' }, s.activation === 'relu' ? 'ReLU' : 'linear'), ' ',
    el('span', { class: 'chain-node' }, s.node), ' ',
    norm);
  if (s.branch || s.shortcut) {
    const inner = el('ol', { class: 'chain-list' });
    for (const b of s.branch ?? []) inner.append(renderConvStep(b));
    if (s.shortcut) {
      const sc = renderConvStep(s.shortcut);
      sc.classList.add('chain-shortcut');
      sc.prepend(el('span', { class: 'chain-kind' }, 'shortcut'), ' ');
      inner.append(sc);
    }
    item.append(inner);
  }
  return item;
}

function renderChain(steps: readonly ChainStep[]): HTMLElement {
  const list = el('ol', { class: 'chain-list' });
  for (const s of steps) {
    if (s.label !== undefined) { list.append(renderConvStep(s)); continue; }
    // spaces between the parts, so copied text reads as it looks
    const item = el('li', { class: `chain-step chain-${s.kind}` },
      el('span', { class: 'chain-kind' }, s.kind === 'dense' ? 'dense' : 'residual'), ' ',
      el('span', { class: 'chain-shape' }, s.shape), ' ',
      el('span', { class: 'chain-act' }, s.activation === 'relu' ? 'ReLU' : 'linear'), ' ',
      el('span', { class: 'chain-node', title: s.tensors ?? s.node }, s.kind === 'dense' ? s.tensors ?? s.node : `x + branch(x) — ${s.node}`));
    if (s.branch) item.append(renderChain(s.branch));
    list.append(item);
  }
  return list;
}

function render(r: CheckpointResult): void {
  title.textContent = r.file;
  const tensorCount = r.tensors.length;
  const c = r.convNetwork;
  summary.textContent = `${r.formatName}, ${bytesText(r.bytes)}, ${tensorCount} tensor${tensorCount === 1 ? '' : 's'}` +
    (r.network ? ` — read as a network of ${r.network.depth} layer${r.network.depth === 1 ? '' : 's'}, ${r.network.inputDim} → ${r.network.outputDim}, ${r.network.parameterCount.toLocaleString('en-US')} parameters`
      : c ? ` — read as a convolutional network of ${c.layers} layers (${c.residualBlocks} residual blocks), ${c.inputShape.join('×')} → ${c.outputShape.join('×')}, ${c.parameterCount.toLocaleString('en-US')} parameters; the Overview, Activations and Convergence panels read it, the Depth plots panel takes dense networks only so far`
        : ' — no network Depth Lens can analyse');
  messages.replaceChildren(...r.diagnostics.map((d) => {
    const b = banner(d.severity === 'error' ? 'error' : 'info', d.message);
    b.dataset.code = d.code;
    return b;
  }));
  // a conv model: the Overview, Activations and Convergence panels have conv views (issue 14), Depth plots not yet
  const convPanels = new Set([panelButtons[0], panelButtons[1], panelButtons[2]]);
  for (const b of panelButtons) b.toggleAttribute('disabled', !(r.network || (c && convPanels.has(b))));
  tableHost.replaceChildren(table<CheckpointTensor>([
    { header: 'Name', cell: (t) => t.name, width: '34%' },
    { header: 'Shape', cell: (t) => (t.unreadable ? '—' : `[${t.shape.join(', ')}]`), width: '16%' },
    { header: 'Dtype', cell: (t) => t.dtype, width: '9%' },
    { header: 'Size', cell: (t) => bytesText(t.bytes), numeric: true, width: '12%' },
    { header: '‖·‖₂', cell: (t) => (t.unreadable ? 'unreadable' : '…'), numeric: true, width: '14%', title: 'spectral norm (largest singular value) of matrices; Euclidean norm of vectors; tensors of rank ≥ 3 as the matrix [d₀, d₁·…·dₖ]' },
    { header: 'Where', cell: (t) => t.unreadable ?? t.where, width: '15%' },
  ], r.tensors));
  normCells = [...tableHost.querySelectorAll('vscode-table-row')].map((row) => row.children[4] as HTMLElement);
  normCells.forEach((c, i) => { c.dataset.testid = `norm-${i}`; });
  chainNormCells = new Map();
  blockLabels.clear();
  chainHost.replaceChildren(r.chain && r.chain.length > 0 ? renderChain(r.chain) : el('p', { class: 'caption' }, 'Depth Lens reads no layer chain from this file (the messages above say why).'));
  metadataHost.replaceChildren(...r.metadata.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function applyNorms(n: TensorNormsResult): void {
  for (const c of n.chainNorms ?? []) {
    const cell = chainNormCells.get(c.label);
    if (!cell) continue;
    cell.textContent = `${blockLabels.has(c.label) ? 'Π ‖W‖₂ = ' : '‖W‖₂ = '}${formatNumber(c.norm, 6)}${c.minusIdentity !== undefined ? `, ‖W − I‖₂ = ${formatNumber(c.minusIdentity, 6)}` : ''}`;
    cell.classList.add('done');
  }
  for (const e of n.norms) {
    const cell = normCells[e.index];
    if (!cell) continue;
    cell.textContent = e.norm !== undefined ? formatNumber(e.norm, 6) : 'error';
    if (e.error) cell.title = e.error;
    cell.classList.add('done');
  }
}

async function load(): Promise<void> {
  running?.cancel();
  const token = new Cancellation();
  running = token;
  progress.start('Reading the checkpoint\'s header in the analysis worker…');
  try {
    const r = await host.request('checkpoint', {}, { token });
    if (token.isCancellationRequested) return;
    render(r);
    stopButton.hidden = false;
    progress.update(0, 'Computing ‖·‖₂ tensor by tensor…');
    const norms = await host.request('tensorNorms', {}, {
      token,
      onProgress: (f, m, partial) => {
        progress.update(f, m);
        if (partial) applyNorms(partial as TensorNormsResult);
      },
    });
    applyNorms(norms);
    tableHost.dataset.complete = 'true';
  } catch (e) {
    if (e instanceof RpcError && e.code === 'cancelled') {
      for (const c of [...normCells, ...chainNormCells.values()]) if (!c.classList.contains('done')) c.textContent = 'stopped';
      return;
    }
    messages.append(banner('error', (e as Error).message));
  } finally {
    if (running === token) {
      progress.done();
      stopButton.hidden = true;
    }
  }
}

host.onDocument(() => void load());
host.ready();
