/**
 * What the two ONNX graph walks (onnx.ts on flat inputs, onnxConv.ts on image inputs) share: how an
 * operator Depth Lens cannot analyse is listed, and the one message that lists them all.
 */
import { printableName } from './source';

/** An operator (with why, when it is a known operator used in a way we cannot analyse) and its node. */
export interface UnsupportedOp {
  readonly op: string;
  readonly node: string;
}

/**
 * A node's `unsupported(why)`: lists the node once — and not at all when one of its inputs is already
 * unknown, i.e. downstream of a node listed before — and gives the unknown value its outputs take.
 */
export function refusalOf(list: UnsupportedOp[], opType: string, node: string, inputUnknown: () => boolean): (why: string) => { kind: 'unknown' } {
  let listed = false;
  return (why) => {
    if (!inputUnknown() && !listed) { list.push({ op: `${opType} (${why})`, node }); listed = true; }
    return { kind: 'unknown' };
  };
}

/**
 * The graph's refusal when anything was listed (or it has other than one output): every operator with
 * its node in one message, then what Depth Lens does read (`reads`); undefined when nothing was.
 */
export function unsupportedGraph(file: string, outputs: readonly { name?: string | null }[], list: UnsupportedOp[], reads: string): { kind: 'unsupported'; items: UnsupportedOp[]; message: string } | undefined {
  if (outputs.length !== 1) list.push({ op: `${outputs.length} graph outputs`, node: outputs.map((v) => printableName(v.name ?? '')).join(', ') || '(none)' });
  if (list.length === 0) return undefined;
  const names = list.map((u) => `${printableName(u.op)} (node ${printableName(u.node)})`).join(', ');
  return { kind: 'unsupported', items: list, message: `${file}: operators Depth Lens cannot analyse yet: ${names}. ${reads}` };
}
