/** depth-lens check FILE...: validate network files, print diagnostics, exit 1 on any error. */
import { parseArgs } from 'node:util';
import { UsageError, toJson, type CliCommand } from '../command';
import { decimal } from '../numbers';
import { DEFAULT_MAX_SIZE_MB, formatDiagnostics, parseNetworkFile } from '../load';
import { convNetParameterCount } from '../../core/conv/network';
import { positionMapper } from '../../core/network/parse';
import { summarizeNetwork } from '../../core/summary/overview';

const HELP = `Usage: depth-lens check FILE... [--json] [--max-size-mb N]

Validate network files (*.network.json, TensorFlow.js model.json). Prints one line per problem:
  file:line:col: severity: message [code]
(1-based line and column) and a one-line summary per valid file. Exit code 1 when any file has an
error, 0 otherwise (warnings do not fail the check).

Options:
  --json            print one JSON document: {files: [{file, ok, diagnostics, summary?}], errors, warnings}
  --max-size-mb N   refuse files larger than N MB (default ${DEFAULT_MAX_SIZE_MB})
  --help            show this help
`;

export function parseMaxSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = decimal(value);
  if (!(n > 0)) throw new UsageError(`--max-size-mb must be a positive number, not '${value}'`);
  return n;
}

export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'validate network files and print diagnostics (exit 1 on errors)',
  help: HELP,
  run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, 'max-size-mb': { type: 'string' } } });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const files = parsed.positionals;
    if (files.length === 0) throw new UsageError('give at least one FILE to check');
    const maxSizeMB = parseMaxSize(parsed.values['max-size-mb']);
    const lines: string[] = [];
    const report: unknown[] = [];
    let errors = 0, warnings = 0;
    for (const file of files) {
      const { text, diagnostics, network, conv } = parseNetworkFile(file, io, { maxSizeMB });
      for (const d of diagnostics) {
        if (d.unlisted) {
          // stands for the problems past the cap: count them, not it
          errors += d.unlisted.errors;
          warnings += d.unlisted.others;
        } else if (d.severity === 'error') errors++;
        else if (d.severity === 'warning') warnings++;
      }
      // a loop, not push(...): a file can have thousands of diagnostics (spread arguments overflow the stack)
      for (const line of formatDiagnostics(file, text, diagnostics)) lines.push(line);
      const summary = network ? summarizeNetwork(network) : undefined;
      if (summary) lines.push(`${file}: ok — ${summary.depth} layer${summary.depth === 1 ? '' : 's'}, widths ${summary.widthsText}, ${summary.parameterCount} parameters`);
      if (conv) {
        const n = conv.net.ops.length;
        lines.push(`${file}: ok — convolutional, input ${conv.net.inputShape.join('×')}, ${n} layer${n === 1 ? '' : 's'}, ${conv.fileParameterCount ?? convNetParameterCount(conv.net)} parameters`);
      }
      const at = positionMapper(text);
      report.push({
        file,
        ok: !!(network ?? conv),
        diagnostics: diagnostics.map((d) => {
          const s = at(d.offset), e = at(d.offset + d.length);
          return { ...d, line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 };
        }),
        summary: summary && { depth: summary.depth, inputDim: summary.inputDim, outputDim: summary.outputDim, widths: summary.widthsText, parameterCount: summary.parameterCount },
      });
    }
    const exitCode = errors > 0 ? 1 : 0;
    if (parsed.values.json) return { stdout: toJson({ files: report, errors, warnings }) + '\n', exitCode };
    if (files.length > 1 || errors + warnings > 0) lines.push(`${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
    return { stdout: lines.join('\n') + '\n', exitCode };
  },
};
