/**
 * The parameter forms of the Training panel: text fields and selects whose raw strings persist in
 * the panel state, parsed into analysis params only when a run starts. A blank field means "the
 * core's default"; anything else must parse, or the run does not start and the message names the field.
 */
import { el, select, textField } from '../common/ui';

export type FieldKind = 'integer' | 'number' | 'numberList' | 'choice';

export interface FieldSpec {
  /** the analysis parameter this field sets */
  readonly key: string;
  readonly label: string;
  readonly kind: FieldKind;
  /** the initial text (the core's default, written out so users see it) */
  readonly initial: string;
  readonly choices?: ReadonlyArray<{ value: string; label: string }>;
  readonly title?: string;
  readonly width?: string;
}

type ValueElement = HTMLElement & { value: string };
export type FormValues = Record<string, string>;
export type ParsedParams = Record<string, number | number[] | string>;

export class ParamForm {
  readonly element: HTMLElement;
  private readonly inputs = new Map<string, ValueElement>();

  constructor(private readonly specs: readonly FieldSpec[], values: FormValues, testIdPrefix: string, onChange: (values: FormValues) => void) {
    this.element = el('div', { class: 'param-form' });
    for (const spec of specs) {
      const value = values[spec.key] ?? spec.initial;
      const changed = () => onChange(this.values());
      const wrap = spec.kind === 'choice'
        ? select(spec.label, [...(spec.choices ?? [])], value, changed)
        : textField(spec.label, value, changed, { width: spec.width ?? '7em' });
      wrap.dataset.testid = `${testIdPrefix}-${spec.key}`;
      if (spec.title) wrap.title = spec.title;
      const input = wrap.querySelector<ValueElement>('vscode-textfield, vscode-single-select');
      if (!input) throw new Error(`field ${spec.key}: the UI helper produced no input element`);
      this.inputs.set(spec.key, input);
      this.element.append(wrap);
    }
  }

  /** The current raw text of every field (read from the elements, so a value typed but not yet committed counts). */
  values(): FormValues {
    const out: FormValues = {};
    for (const [key, input] of this.inputs) out[key] = String(input.value ?? '');
    return out;
  }

  set(values: FormValues): void {
    for (const [key, v] of Object.entries(values)) {
      const input = this.inputs.get(key);
      if (input) input.value = v;
    }
  }

  /** Parsed params (blank fields omitted) or the list of problems, one per bad field. */
  parse(): { params: ParsedParams; errors: string[] } {
    const values = this.values();
    const params: ParsedParams = {};
    const errors: string[] = [];
    for (const spec of this.specs) {
      const raw = (values[spec.key] ?? '').trim();
      if (raw === '') continue;
      if (spec.kind === 'choice') { params[spec.key] = raw; continue; }
      if (spec.kind === 'numberList') {
        const parts = raw.split(/[\s,;]+/).filter((p) => p.length > 0);
        const nums = parts.map(parseNumber);
        const bad = parts.filter((_, i) => !Number.isFinite(nums[i]));
        if (bad.length) errors.push(`${spec.label}: "${bad[0]}" is not a number (write a list like 25, 50, 100)`);
        else params[spec.key] = nums;
        continue;
      }
      const n = parseNumber(raw);
      if (!Number.isFinite(n)) errors.push(`${spec.label}: "${raw}" is not a number`);
      else if (spec.kind === 'integer' && !Number.isInteger(n)) errors.push(`${spec.label}: expected an integer, got ${raw}`);
      else params[spec.key] = n;
    }
    return { params, errors };
  }
}

/** Accepts "1e4", "10_000", "10 000" and a Unicode minus. */
function parseNumber(s: string): number {
  const t = s.replace(/[_\s]/g, '').replace(/\u2212/g, '-');
  return t === '' ? NaN : Number(t);
}

/** A preset value (from a network file's `training` section) as the text a field shows. */
export function presetText(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value.join(', ');
  return undefined;
}
