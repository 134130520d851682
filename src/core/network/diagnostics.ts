/**
 * Diagnostics of the network parser: stable codes, severities and exact source ranges.
 * Every code here is documented in docs/network-format.md and the README (the editor links there).
 */
import { LIMITS } from './limits';
import type { SourceRange } from './model';

export type DiagnosticSeverity = 'error' | 'warning' | 'information';

export interface NetworkDiagnostic {
  /** stable identifier, e.g. 'shape-mismatch' */
  code: string;
  severity: DiagnosticSeverity;
  message: string;
  /** offset of the offending JSON node in the text (UTF-16 code units) */
  offset: number;
  /** length of that node */
  length: number;
  /** on 'too-many-problems' only: how many problems it stands for */
  unlisted?: { readonly errors: number; readonly others: number };
}

/** Every diagnostic code with a one-line description (the table in docs/network-format.md). */
export const DIAGNOSTIC_CODES = {
  'json-syntax': 'The file is not valid JSON (comments and trailing commas are not allowed).',
  'file-too-large': 'The file exceeds the size limit (setting depthLens.maxFileSizeMB, CLI --max-size-mb).',
  'file-encoding': 'The file is not UTF-8: UTF-16 or UTF-32 (save it as UTF-8), or bytes that are not valid UTF-8 (located at the first one).',
  'file-unreadable': 'The network file itself cannot be read (missing, a directory, no permission); CLI only.',
  'unknown-format': 'The "format" field is missing or names a format Depth Lens does not read.',
  'missing-field': 'A required property is missing.',
  'wrong-type': 'A value has the wrong JSON type (e.g. a string where a number is expected).',
  'invalid-value': 'A value is outside its allowed set or range (e.g. a negative standard deviation).',
  'unknown-field': 'A property Depth Lens does not know (often a typo); it is ignored.',
  'duplicate-key': 'The same property appears twice in one object.',
  'unknown-layer-type': 'A layer "type" that is not dense, residual, family, random or residual-family (vectors, input.dim) or conv2d, batchnorm2d, maxpool2d, avgpool2d, global-avgpool2d, flatten, dense or residual (images, input.shape).',
  'unknown-activation': 'An activation other than "relu" or "linear".',
  'non-finite-number': 'NaN or ±Infinity: bare (as Python writes them), as a string, a literal that overflows float64, or generated weights that would overflow.',
  'ragged-matrix': 'A weight matrix whose rows have different lengths.',
  'empty-matrix': 'A weight matrix or vector with no entries.',
  'shape-mismatch': 'A layer expects a different input width than the previous layer produces.',
  'bias-length': 'A bias vector whose length differs from the number of rows of the weights.',
  'dimension-mismatch': 'An input domain bound or probe whose length differs from input.dim.',
  'empty-domain': 'An input domain with min > max in some coordinate.',
  'residual-shape': 'A residual branch that does not map R^m back to R^m.',
  'residual-branch': 'A residual branch layer with a wrong type or activation (ReLU inside, linear last).',
  'family-count': 'A family count that is not a positive integer or exceeds the layer limit.',
  'not-square': 'A family matrix (or identity part) that is not square.',
  'size-limit': 'A width, depth, parameter count, total work or JSON nesting beyond Depth Lens limits.',
  'external-unavailable': 'External weight files cannot be read in this context.',
  'external-outside': 'An external weight path that is absolute or leaves the network file\'s folder (also through a symbolic link).',
  'external-missing': 'An external weight file does not exist.',
  'external-not-file': 'An external weight path that names a directory, device, FIFO or socket instead of a regular file.',
  'external-unreadable': 'An external weight file that exists but cannot be read (e.g. no permission).',
  'external-short': 'An external weight file is shorter than the weights it should contain.',
  'model-truncated': 'A checkpoint (safetensors, PyTorch, NumPy, ONNX) is shorter than its own header or directory says: truncated, or the header lies.',
  'model-corrupt': 'A checkpoint is not a valid file of its format (bad magic, header, archive directory, pickle or protobuf).',
  'model-unsupported': 'A checkpoint uses a feature Depth Lens does not read (TorchScript, encrypted or unusual compression, sparse or quantized tensors).',
  'model-refused': 'A PyTorch pickle names or calls something other than tensor and module records (e.g. os.system): refused, never run.',
  'model-legacy': 'A PyTorch checkpoint in the pre-1.6 format: re-save it with torch ≥ 1.6.',
  'model-too-large': 'A checkpoint, tensor or archive member above Depth Lens limits (also zip bombs, refused before inflating).',
  'model-architecture': 'A checkpoint\'s operators or modules that Depth Lens cannot analyse yet (listed by name and node), or bare weights that do not form a chain of dense layers.',
  'model-chain': 'A bare weights file (no architecture) was read as dense → ReLU → … → dense; a network file that references its tensors can say otherwise.',
  'model-conv': 'How a convolutional model was read (information): a BatchNorm folded into the convolution before it, or a ResNet architecture inferred from a state_dict\'s keys.',
  'tensor-missing': 'A tensor reference names a tensor the checkpoint does not have.',
  'tensor-shape': 'A referenced tensor has the wrong shape (weights need a matrix, a bias a vector of the right length).',
  'tensor-dtype': 'A tensor of a type Depth Lens cannot convert to numbers (float8, strings, complex).',
  'tfjs-unsupported': 'A TensorFlow.js model feature Depth Lens cannot import (layer class, activation, dtype).',
  'tfjs-weights': 'TensorFlow.js weights missing from, or inconsistent with, the weightsManifest.',
  'tfjs-skipped-layer': 'A TensorFlow.js layer that is a no-op at inference (InputLayer, Dropout) and was skipped.',
  'empty-network': 'The network has no layers.',
  'last-layer-relu': 'The last layer applies ReLU; outputs are clamped at 0 (often unintended for an output layer).',
  'too-many-problems': `More than ${LIMITS.maxDiagnostics} problems: the first ${LIMITS.maxDiagnostics} are listed and this one counts the rest.`,
  'analysis-failed': 'The analysis worker failed on this file (editor only); the message says why.',
  'internal-error': 'A bug in Depth Lens while reading the file; please report it.',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

const MAX_MESSAGE = 500;

/**
 * A message safe for one output line: names and keys from the file may hold line breaks or control
 * characters (escaped here, so `file:line:col: …` stays one line) and may be very long (cut).
 */
function printable(message: string): string {
  const m = message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE - 1) + '…' : message;
  let out = '';
  let from = 0;
  for (let i = 0; i < m.length; i++) {
    const c = m.charCodeAt(i);
    if (c >= 0x20 && c !== 0x7f && c !== 0x2028 && c !== 0x2029) continue;
    out += m.slice(from, i) + (c === 10 ? '\\n' : c === 13 ? '\\r' : c === 9 ? '\\t' : `\\u${c.toString(16).padStart(4, '0')}`);
    from = i + 1;
  }
  return from === 0 ? m : out + m.slice(from);
}

/**
 * Collects diagnostics, at most LIMITS.maxDiagnostics of them: a file with millions of problems
 * must not send millions of diagnostics to the editor. `finish()` adds one diagnostic that counts
 * the rest. (Element-level errors are also capped per matrix, in json.ts.)
 */
export class DiagnosticSink {
  readonly list: NetworkDiagnostic[] = [];
  private errors = 0;
  private dropped = { errors: 0, others: 0, first: undefined as SourceRange | undefined };

  report(severity: DiagnosticSeverity, code: DiagnosticCode, range: SourceRange, message: string): void {
    if (severity === 'error') this.errors++;
    if (this.list.length >= LIMITS.maxDiagnostics) {
      if (severity === 'error') this.dropped.errors++; else this.dropped.others++;
      this.dropped.first ??= { offset: range.offset, length: range.length };
      return;
    }
    this.list.push({ code, severity, message: printable(message), offset: range.offset, length: range.length });
  }

  /** Count problems that were found but never reported one by one (e.g. JSON syntax errors past the cap). */
  unlisted(count: number, severity: DiagnosticSeverity, range: SourceRange): void {
    if (count <= 0) return;
    if (severity === 'error') { this.errors += count; this.dropped.errors += count; } else this.dropped.others += count;
    this.dropped.first ??= { offset: range.offset, length: range.length };
  }

  /** The listed diagnostics plus, when some were left out, one 'too-many-problems' at the first of them. */
  finish(): NetworkDiagnostic[] {
    const { errors, others, first } = this.dropped;
    if (errors + others === 0 || !first) return this.list;
    const n = errors + others;
    const what = others === 0 ? `error${n === 1 ? '' : 's'}` : errors === 0 ? `warning${n === 1 ? '' : 's'} or note${n === 1 ? '' : 's'}` : `problems (${errors} error${errors === 1 ? '' : 's'})`;
    return this.list.concat({
      code: 'too-many-problems', severity: errors ? 'error' : 'warning', offset: first.offset, length: first.length,
      message: `${n} more ${what} from here on are not listed; only the first ${LIMITS.maxDiagnostics} problems are shown`,
      unlisted: { errors, others },
    });
  }

  error(code: DiagnosticCode, range: SourceRange, message: string): void {
    this.report('error', code, range, message);
  }

  warning(code: DiagnosticCode, range: SourceRange, message: string): void {
    this.report('warning', code, range, message);
  }

  information(code: DiagnosticCode, range: SourceRange, message: string): void {
    this.report('information', code, range, message);
  }

  get errorCount(): number {
    return this.errors;
  }
}
