#!/usr/bin/env node
// Writes schemas/network.editor.schema.json, the schema contributed to VS Code's JSON language service
// (package.json contributes.jsonValidation), from schemas/network.schema.json, the format's
// specification (issue 15: one source of each diagnostic).
//
// Depth Lens validates network files itself, with located messages, codes and links; everything the
// specification schema rejects, it reports too (test/unit/network-schema.test.ts). Contributing the
// specification made the Problems view show each such problem twice. The editor schema keeps what the
// JSON service uses for editing help — properties, descriptions, enums and consts (value completions and
// hovers), defaults, examples, snippets, and the `if` conditions that pick a layer type's properties —
// and drops every assertion, so it accepts every document and never reports a problem:
//   - type/enum/const move into `anyOf: [{type, enum, const, …}, true]`: the JSON service still offers
//     and describes those values (it walks anyOf for completions, and hovers a value through the
//     alternatives it matches), and the `true` alternative always matches;
//   - oneOf becomes anyOf (alternatives without assertions would all match, which oneOf forbids);
//   - `if` stays as it is (a condition only chooses its then/else, its own failures are never shown);
//   - required, bounds, lengths, additionalProperties: false, propertyNames, not, … are dropped;
//   - allowComments/allowTrailingCommas tell the JSON service not to flag comments and trailing commas,
//     which Depth Lens reports as json-syntax errors (the network format allows neither).
// An unknown keyword stops the script: a new assertion in the specification must be classified here.
//
// Usage: node scripts/make-editor-schema.mjs [--check]   (--check: exit 1 if the committed file differs)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_PATH = path.join(repoRoot, 'schemas', 'network.schema.json');
export const EDITOR_PATH = path.join(repoRoot, 'schemas', 'network.editor.schema.json');

/** annotations the JSON service reads for completion and hover, copied as they are */
const ANNOTATIONS = new Set(['title', 'description', 'markdownDescription', 'default', 'examples', 'defaultSnippets', '$comment']);
/** the value keywords kept inside an always-true anyOf (completion and hover use them) */
const VALUE = new Set(['type', 'enum', 'const', 'enumDescriptions', 'markdownEnumDescriptions']);
/** assertions: they only ever produce problems, which Depth Lens reports itself */
const ASSERTIONS = new Set([
  'required', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minItems', 'maxItems', 'uniqueItems', 'contains', 'additionalItems', 'minLength', 'maxLength', 'pattern', 'format',
  'minProperties', 'maxProperties', 'propertyNames', 'dependencies', 'not', 'errorMessage', 'deprecationMessage', 'deprecated',
]);
/** value types whose completions come from `type` alone (true/false, null, {} and [] fillers) */
const COMPLETING_TYPES = new Set(['boolean', 'null', 'object', 'array']);

const isEmpty = (s) => typeof s === 'object' && Object.keys(s).length === 0;

/** The assertion-free editor schema of one (sub)schema; `false` (forbidden) becomes `true`. */
export function weaken(schema, where = '#') {
  if (typeof schema === 'boolean') return true;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error(`${where}: not a schema: ${JSON.stringify(schema)}`);
  const out = {};
  const value = {};
  const allOf = [];
  for (const [key, v] of Object.entries(schema)) {
    const at = `${where}/${key}`;
    if (ANNOTATIONS.has(key)) out[key] = v;
    else if (VALUE.has(key)) value[key] = v;
    else if (ASSERTIONS.has(key)) continue;
    else if (key === '$ref' || key === 'if') out[key] = v; // a reference is weakened where it points; a condition only steers
    else if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      // a property forbidden by `false` needs no completion entry: leave it out
      const kept = Object.entries(v).filter(([, sub]) => sub !== false).map(([name, sub]) => [name, weaken(sub, `${at}/${name}`)]);
      if (kept.length > 0) out[key] = Object.fromEntries(kept);
    } else if (key === 'additionalProperties') {
      if (typeof v === 'object') out[key] = weaken(v, at);
    } else if (key === 'items') {
      out[key] = Array.isArray(v) ? v.map((s, i) => weaken(s, `${at}/${i}`)) : weaken(v, at);
    } else if (key === 'then' || key === 'else') {
      const w = weaken(v, at);
      if (!isEmpty(w) && w !== true) out[key] = w;
    } else if (key === 'allOf') {
      allOf.push(...v.map((s, i) => weaken(s, `${at}/${i}`)));
    } else if (key === 'anyOf' || key === 'oneOf') {
      // weakened alternatives all match, so `oneOf` would fail: anyOf, with empty ones left out
      const alternatives = v.map((s, i) => weaken(s, `${at}/${i}`)).filter((s) => s !== true && !isEmpty(s));
      if (alternatives.length > 0) (out.anyOf ??= []).push(...alternatives);
    } else if (key === '$schema' || key === '$id') {
      out[key] = v;
    } else {
      throw new Error(`${at}: keyword "${key}" is not classified in scripts/make-editor-schema.mjs (annotation, value, assertion or structure?)`);
    }
  }
  if (out.if !== undefined && out.then === undefined && out.else === undefined) delete out.if;
  // type/enum/const inside an always-true anyOf, when they help completion or hover
  const types = value.type === undefined ? [] : [value.type].flat();
  const useful = value.enum !== undefined || value.const !== undefined || types.some((t) => COMPLETING_TYPES.has(t));
  if (useful) {
    const alternative = { ...value };
    // a value's completion item shows the enum description, else the schema's description
    if (value.enumDescriptions === undefined && value.markdownEnumDescriptions === undefined && (value.enum !== undefined || value.const !== undefined)) {
      if (schema.description !== undefined) alternative.description = schema.description;
      if (schema.markdownDescription !== undefined) alternative.markdownDescription = schema.markdownDescription;
    }
    allOf.push({ anyOf: [alternative, true] });
  }
  const kept = allOf.filter((s) => s !== true && !isEmpty(s));
  if (kept.length > 0) out.allOf = kept;
  return out;
}

/** The editor schema of the specification `spec` (the parsed network.schema.json). */
export function editorSchema(spec) {
  const weak = weaken(spec);
  return {
    $schema: spec.$schema,
    $id: String(spec.$id).replace(/network\.schema\.json$/, 'network.editor.schema.json'),
    $comment: 'Generated from network.schema.json by scripts/make-editor-schema.mjs: editing help only (completion, hovers), no assertions — Depth Lens reports every problem itself. Edit the specification and run `npm run gen:schema`.',
    title: spec.title,
    description: spec.description,
    allowComments: true,
    allowTrailingCommas: true,
    ...Object.fromEntries(Object.entries(weak).filter(([k]) => !['$schema', '$id', 'title', 'description'].includes(k))),
  };
}

export function editorSchemaText(specText = fs.readFileSync(SPEC_PATH, 'utf8')) {
  return `${JSON.stringify(editorSchema(JSON.parse(specText)), null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = editorSchemaText();
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(EDITOR_PATH) ? fs.readFileSync(EDITOR_PATH, 'utf8') : '';
    if (committed !== text) {
      console.error(`${path.relative(repoRoot, EDITOR_PATH)} is out of date: run npm run gen:schema`);
      process.exit(1);
    }
    console.log(`${path.relative(repoRoot, EDITOR_PATH)} is up to date`);
  } else {
    fs.writeFileSync(EDITOR_PATH, text);
    console.log(`wrote ${path.relative(repoRoot, EDITOR_PATH)} (${text.length} bytes)`);
  }
}
