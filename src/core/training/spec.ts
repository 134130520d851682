/**
 * The `training` section of a network file (docs/network-format.md, schemas/network.schema.json):
 * validated with the parser's diagnostics (exact JSON ranges, stable codes) and with the very rules the
 * analyses apply (resolveIndicatorParams / resolveMeanFieldParams), so `depth-lens check`, the editor and
 * a run can never disagree about a value.
 *
 * JSON types are checked here ('wrong-type', 'non-finite-number'); values go through the core's
 * resolver: each rule it reports becomes 'invalid-value' (or 'size-limit') on the node it names, that
 * value is dropped and the resolver runs again, so every bad value is marked, not only the first. A
 * run above the work budget is a 'size-limit' warning: the file is fine, the panel would refuse it.
 */
import { parseTree, type Node } from 'jsonc-parser';
import { DiagnosticSink, type NetworkDiagnostic } from '../network/diagnostics';
import { JsonReader } from '../network/json';
import type { IndicatorParams, MeanFieldParams, TrainingSpec } from '../../shared/analyses/training';
import { resolveIndicatorParams } from './indicator';
import { resolveMeanFieldParams } from './meanField';
import { TrainingParamError } from './params';

export const TRAINING_EXPERIMENTS = ['indicator', 'mean-field'] as const;
type Experiment = (typeof TRAINING_EXPERIMENTS)[number];

/** How a parameter is written in JSON. */
type Kind = 'number' | 'string' | 'numbers' | 'points' | 'rates';

/** The parameters of each experiment as the file may give them (all of the analysis params but maxWork). */
export const TRAINING_FIELDS: Record<Experiment, Readonly<Record<string, Kind>>> = {
  indicator: {
    dim: 'number', level: 'number', iterations: 'number', batch: 'number', learningRate: 'number', seed: 'number',
    initialW: 'number', lossPower: 'number', mode: 'string', trainingSetSize: 'number', probes: 'points',
    records: 'number', evalPoints: 'number', gridSize: 'number', fitFrom: 'number',
  },
  'mean-field': {
    widths: 'numbers', n1PerN2: 'number', seeds: 'number', T: 'number', probes: 'numbers', seed: 'number',
    activation: 'string', learningRates: 'rates', initRange: 'number', records: 'number', lossGrid: 'number',
  },
};

const RATE_KEYS = ['C', 'W2', 'W1'] as const;

type Params = Record<string, unknown>;

/**
 * Check a `training` node, reporting into `reader.sink`. Returns the section as analysis params (only
 * the experiment's own fields, typed) when it has no errors, undefined otherwise.
 */
export function validateTrainingSection(node: Node, reader: JsonReader): TrainingSpec | undefined {
  const sink = reader.sink;
  const before = sink.errorCount;
  if (!reader.isObject(node, '"training"')) return undefined;
  const allKeys = ['experiment', ...new Set(TRAINING_EXPERIMENTS.flatMap((e) => Object.keys(TRAINING_FIELDS[e])))];
  const fields = reader.fields(node, '"training"', allKeys);
  const expNode = reader.require(fields, 'experiment', node, '"training"');
  const experiment = expNode ? reader.oneOf(expNode, 'training.experiment', TRAINING_EXPERIMENTS) : undefined;
  if (!experiment) return undefined;

  const own = TRAINING_FIELDS[experiment];
  const params: Params = {};
  /** dotted parameter path → its JSON node, for the resolver's errors */
  const nodes = new Map<string, Node>();
  for (const [key, valueNode] of fields) {
    if (key === 'experiment') continue;
    // a name from the file: "constructor" must not find Object.prototype.constructor
    const kind = Object.hasOwn(own, key) ? own[key] : undefined;
    if (!kind) {
      // keys of no experiment already have reader.fields' warning
      const other = TRAINING_EXPERIMENTS.find((e) => e !== experiment && Object.hasOwn(TRAINING_FIELDS[e], key));
      const keyNode = valueNode.parent?.children?.[0] ?? valueNode;
      if (other) sink.warning('unknown-field', keyNode, `"training" has "${key}", a parameter of the "${other}" experiment; the "${experiment}" experiment ignores it`);
      continue;
    }
    const value = readValue(reader, valueNode, key, kind, nodes);
    if (value !== undefined) params[key] = value;
    nodes.set(key, valueNode);
  }

  const resolve = experiment === 'indicator'
    ? (p: Params) => resolveIndicatorParams(p as IndicatorParams)
    : (p: Params) => resolveMeanFieldParams(p as MeanFieldParams);
  // one diagnostic per rule broken; 64 bounds the loop (each round removes one value)
  for (let round = 0; round < 64; round++) {
    try {
      resolve(params);
      break;
    } catch (e) {
      if (!(e instanceof TrainingParamError)) throw e;
      if (e.problem === 'work-budget') {
        sink.warning('size-limit', node, `training: ${e.message}`);
        break;
      }
      // the value at fault is one the file gives: the rule's own parameter, else the other one it names
      const fault = [e.param, ...e.related].find((p) => p !== '' && hasParam(params, p));
      const code = e.problem === 'size-limit' ? 'size-limit' : 'invalid-value';
      if (fault === undefined) {
        sink.error(code, node, `training: ${e.message}`);
        break;
      }
      sink.error(code, nodes.get(fault) ?? nodes.get(fault.split('.')[0]) ?? node, `training: ${e.message}`);
      // drop every value of the rule, so one conflict is one diagnostic
      for (const p of [e.param, ...e.related]) if (p !== '' && hasParam(params, p)) removeParam(params, p);
    }
  }
  if (sink.errorCount > before) return undefined;
  return { experiment, ...params } as TrainingSpec;
}

/** A field's value in the type the analysis takes; undefined (after a diagnostic) when the JSON type is wrong. */
function readValue(reader: JsonReader, node: Node, key: string, kind: Kind, nodes: Map<string, Node>): unknown {
  const what = `training.${key}`;
  switch (kind) {
    case 'number': return reader.number(node, what);
    case 'string': return reader.string(node, what);
    case 'numbers': {
      const v = reader.vector(node, what);
      node.children?.forEach((item, i) => nodes.set(`${key}.${i}`, item));
      return v && Array.from(v);
    }
    case 'points': {
      if (!reader.isArray(node, what)) return undefined;
      const points: number[][] = [];
      let ok = true;
      (node.children ?? []).forEach((item, i) => {
        nodes.set(`${key}.${i}`, item);
        const v = reader.vector(item, `${what} point ${i + 1}`);
        if (v) points.push(Array.from(v)); else ok = false;
      });
      return ok ? points : undefined;
    }
    case 'rates': {
      if (!reader.isObject(node, what)) return undefined;
      const f = reader.fields(node, what, RATE_KEYS);
      const rates: Record<string, number> = {};
      let ok = true;
      for (const [k, n] of f) {
        if (!(RATE_KEYS as readonly string[]).includes(k)) continue;
        nodes.set(`${key}.${k}`, n);
        const v = reader.number(n, `${what}.${k}`);
        if (v === undefined) ok = false; else rates[k] = v;
      }
      return ok ? rates : undefined;
    }
  }
}

/** Is the value at `path` ('batch', 'probes.3', 'learningRates.C') given? */
function hasParam(params: Params, path: string): boolean {
  const [head, sub] = path.split('.');
  const v = params[head];
  if (v === undefined) return false;
  return sub === undefined || Array.isArray(v) || (typeof v === 'object' && v !== null && sub in v);
}

/** Drop the value a rule complained about ('probes.3' drops the list, 'learningRates.C' the one rate). */
function removeParam(params: Params, path: string): void {
  const [head, sub] = path.split('.');
  const v = params[head];
  if (sub !== undefined && v && typeof v === 'object' && !Array.isArray(v)) delete (v as Record<string, unknown>)[sub];
  else delete params[head];
}

/**
 * The validated `training` section of a network file's text (the CLI and the worker's panel preset),
 * with the diagnostics about it. `spec` is null when the file has no section or the section has errors.
 */
export function readTrainingSection(text: string): { spec: TrainingSpec | null; diagnostics: NetworkDiagnostic[] } {
  const sink = new DiagnosticSink();
  const root = parseTree(text, [], { disallowComments: true, allowTrailingComma: false });
  const prop = root?.type === 'object' ? root.children?.find((p) => p.children?.[0]?.value === 'training') : undefined;
  const node = prop?.children?.[1];
  if (!node) return { spec: null, diagnostics: [] };
  const spec = validateTrainingSection(node, new JsonReader(text, sink));
  return { spec: spec ?? null, diagnostics: sink.list };
}
