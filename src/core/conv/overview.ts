/**
 * The Overview panel on a conv checkpoint (issue 14): what `depth-lens info --no-norms` shows — the
 * summary line (shapes, layers, blocks, parameter count), the layer rows with kernel, stride, padding
 * and parameters — and, grouped, the stages (residual blocks by name prefix) and the runs of
 * identity-shortcut blocks that the Convergence panel analyses. Shapes only: no norm, no forward pass.
 */
import type { ConvOverviewResult, ConvOverviewRun, ConvOverviewStage, ConvOverviewSummary } from '../../shared/analyses/overview';
import { stageName } from './convergence';
import { convLayerEntries, type ConvNetwork } from './network';
import { convNetParameterCount, convNetShapes, identityRuns } from './resnet';

/** The summary of `depth-lens info` on a conv model. */
export function convSummary(network: ConvNetwork): ConvOverviewSummary {
  const net = network.net;
  const shapes = convNetShapes(net);
  const blocks = net.ops.filter((op) => op.kind === 'residual');
  return {
    ...(network.name !== undefined ? { name: network.name } : {}),
    inputShape: net.inputShape,
    outputShape: shapes[shapes.length - 1],
    ops: net.ops.length,
    residualBlocks: blocks.length,
    identityBlocks: blocks.filter((b) => b.kind === 'residual' && !b.shortcut).length,
    parameterCount: network.fileParameterCount ?? convNetParameterCount(net),
    foldedParameterCount: convNetParameterCount(net),
  };
}

/** "2–9" (1-based layers), or "5" for one. */
function span(first: number, last: number): string {
  return first === last ? String(first + 1) : `${first + 1}–${last + 1}`;
}

export function convOverview(network: ConvNetwork, notes: readonly string[] = []): ConvOverviewResult {
  const net = network.net;
  const entries = convLayerEntries(net);
  const rows = entries.map((e) => {
    const at = e.parent === undefined ? network.sources?.[e.op] : undefined;
    return {
      layer: e.label, type: e.kind, name: e.name, input: e.inShape, output: e.outShape, detail: e.detail, activation: e.activation, parameters: e.parameters,
      ...(at ? { offset: at.offset } : {}),
    };
  });
  // stages: consecutive residual blocks with the same name prefix ("layer2.0", "layer2.1", …)
  const stages: ConvOverviewStage[] = [];
  let current: { stage: string; first: number; last: number; blocks: number; identity: number; input: readonly number[]; output: readonly number[]; parameters: number } | undefined;
  const close = () => {
    if (current) stages.push({ stage: current.stage, blocks: current.blocks, identityBlocks: current.identity, input: current.input, output: current.output, parameters: current.parameters, layers: span(current.first, current.last) });
    current = undefined;
  };
  for (const e of entries) {
    if (e.parent !== undefined) continue;
    if (e.kind !== 'residual') { close(); continue; }
    const op = net.ops[e.op];
    const identity = op.kind === 'residual' && !op.shortcut ? 1 : 0;
    const stage = stageName([e.name], stages.length + 1);
    if (current && current.stage === stage) {
      current.last = e.op; current.blocks++; current.identity += identity; current.output = e.outShape; current.parameters += e.parameters;
    } else {
      close();
      current = { stage, first: e.op, last: e.op, blocks: 1, identity, input: e.inShape, output: e.outShape, parameters: e.parameters };
    }
  }
  close();
  const runs: ConvOverviewRun[] = identityRuns(net).map((r, i) => {
    const names = r.blocks.map((b) => b.name);
    const shape = entries.find((e) => e.op === r.start && e.parent === undefined)?.inShape ?? [];
    return { index: i + 1, stage: stageName(names, i + 1), blocks: names, shape, layers: span(r.start, r.start + r.blocks.length - 1) };
  });
  return { kind: 'conv', summary: convSummary(network), rows, stages, runs, notes };
}
