/**
 * The thin wrapper over @vscode-elements/elements (the maintained successor of the deprecated
 * @vscode/webview-ui-toolkit). Panels build their UI only through these helpers, so the component
 * library can be swapped in one file.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';

import { raisedBudget, sci } from '../../src/core/network/budget';
import type { AnalysisBudget } from '../../src/shared/analyses/budget';
import type { BudgetRefusal } from '../../src/shared/protocol';

type Child = Node | string;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return el('section', { class: 'panel-section' }, el('h2', {}, title), ...children);
}

export function button(label: string, onClick: () => void, options: { secondary?: boolean; icon?: string; title?: string; testid?: string } = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (options.testid) b.dataset.testid = options.testid;
  if (options.secondary) b.setAttribute('secondary', '');
  if (options.icon) b.setAttribute('icon', options.icon);
  if (options.title) b.setAttribute('title', options.title);
  b.addEventListener('click', onClick);
  return b;
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void): HTMLElement {
  const c = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean; label: string };
  c.label = label;
  c.checked = checked;
  c.addEventListener('change', () => onChange(c.checked));
  return c;
}

export function textField(label: string, value: string, onChange: (value: string) => void, options: { placeholder?: string; width?: string } = {}): HTMLElement {
  const wrap = el('div', { class: 'field' });
  const id = `tf-${Math.random().toString(36).slice(2)}`;
  const lab = document.createElement('vscode-label');
  lab.setAttribute('for', id);
  lab.textContent = label;
  const t = document.createElement('vscode-textfield') as HTMLElement & { value: string };
  t.id = id;
  t.value = value;
  if (options.placeholder) t.setAttribute('placeholder', options.placeholder);
  if (options.width) t.style.width = options.width;
  t.addEventListener('change', () => onChange(t.value));
  wrap.append(lab, t);
  return wrap;
}

export function select(label: string, options: Array<{ value: string; label: string }>, value: string, onChange: (value: string) => void): HTMLElement {
  const wrap = el('div', { class: 'field' });
  const lab = document.createElement('vscode-label');
  lab.textContent = label;
  const s = document.createElement('vscode-single-select') as HTMLElement & { value: string };
  for (const o of options) {
    const opt = document.createElement('vscode-option') as HTMLElement & { value: string };
    opt.value = o.value;
    opt.textContent = o.label;
    if (o.value === value) opt.setAttribute('selected', '');
    s.append(opt);
  }
  s.addEventListener('change', () => onChange(s.value));
  wrap.append(lab, s);
  return wrap;
}

export interface Column<R> {
  header: string;
  cell: (row: R) => string;
  /** right-align numbers */
  numeric?: boolean;
  title?: string;
  /** initial width ('12%'); give every column one or none (vscode-table's `columns`) */
  width?: string;
}

/** A vscode-elements table; `onSelect` makes rows clickable (selected row gets aria-selected). */
export function table<R>(columns: Column<R>[], rows: readonly R[], onSelect?: (row: R, index: number) => void): HTMLElement {
  const t = document.createElement('vscode-table');
  t.setAttribute('zebra', '');
  t.setAttribute('bordered-columns', '');
  t.setAttribute('resizable', '');
  if (columns.some((c) => c.width)) t.setAttribute('columns', JSON.stringify(columns.map((c) => c.width ?? 'auto')));
  const head = document.createElement('vscode-table-header');
  head.setAttribute('slot', 'header');
  for (const c of columns) {
    const h = document.createElement('vscode-table-header-cell');
    h.textContent = c.header;
    if (c.title) h.title = c.title;
    head.append(h);
  }
  const body = document.createElement('vscode-table-body');
  body.setAttribute('slot', 'body');
  rows.forEach((r, i) => {
    const tr = document.createElement('vscode-table-row');
    tr.dataset.index = String(i);
    for (const c of columns) {
      const td = document.createElement('vscode-table-cell');
      td.textContent = c.cell(r);
      if (c.numeric) td.classList.add('numeric');
      tr.append(td);
    }
    if (onSelect) {
      tr.classList.add('selectable');
      tr.tabIndex = 0;
      const pick = () => {
        body.querySelectorAll('vscode-table-row[aria-selected="true"]').forEach((x) => x.setAttribute('aria-selected', 'false'));
        tr.setAttribute('aria-selected', 'true');
        onSelect(r, i);
      };
      tr.addEventListener('click', pick);
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') pick(); });
    }
    body.append(tr);
  });
  t.append(head, body);
  return t;
}

/**
 * An indeterminate/determinate progress bar with a message and, for runs that can be stopped, a
 * Cancel button (`start(message, onCancel)`); hidden when idle.
 */
export class Progress {
  readonly element = el('div', { class: 'progress', role: 'status', 'aria-live': 'polite' });
  private readonly bar = document.createElement('vscode-progress-bar') as HTMLElement & { value?: number; indeterminate?: boolean };
  private readonly label = el('span', { class: 'progress-label' });
  private onCancel: (() => void) | undefined;
  private readonly cancelButton = button('Cancel', () => { const c = this.onCancel; this.done(); c?.(); }, { secondary: true, icon: 'close', title: 'stop this run in the analysis worker' });
  /** `testId` names this bar for tests when a panel has several (pattern, region map). */
  constructor(testId?: string) {
    if (testId) this.element.dataset.testid = testId;
    this.cancelButton.dataset.testid = 'cancel';
    this.cancelButton.hidden = true;
    this.element.append(this.bar, this.label, this.cancelButton);
    this.element.hidden = true;
  }
  start(message: string, onCancel?: () => void): void {
    this.element.hidden = false;
    this.bar.indeterminate = true;
    this.label.textContent = message;
    this.onCancel = onCancel;
    this.cancelButton.hidden = !onCancel;
  }
  update(fraction: number, message?: string): void {
    this.element.hidden = false;
    this.bar.indeterminate = false;
    this.bar.value = Math.round(fraction * 100);
    if (message) this.label.textContent = message;
  }
  done(): void {
    this.element.hidden = true;
    this.onCancel = undefined;
    this.cancelButton.hidden = true;
  }
}

/** After the Cancel button: the run stopped in the worker, and a button to run it again. */
export function cancelledNotice(runAgain: () => void): HTMLElement {
  const b = banner('info', 'Cancelled: the analysis worker stopped this run. ');
  b.dataset.testid = 'cancelled';
  b.append(button('Run again', runAgain, { secondary: true }));
  return b;
}

/**
 * The budget as a control: after a refusal by the analysis budget, a button that runs again with the
 * budget the run needs (raisedBudget); undefined when even the ceiling would not do.
 */
export function budgetButton(refusal: BudgetRefusal, run: (budget: AnalysisBudget) => void): HTMLElement | undefined {
  const next = raisedBudget(refusal);
  if (!next) return undefined;
  const what = refusal.resource === 'work' ? `${sci(next.maxWork)} multiply-adds` : `${next.maxMemoryMB.toLocaleString('en-US')} MB`;
  const b = button(`Run with a higher budget (${what})`, () => run(next), { secondary: true, icon: 'debug-continue', title: 'for this panel only; the settings depthLens.analysis.maxWork / maxMemoryMB stay as they are' });
  b.dataset.testid = 'raise-budget';
  return b;
}

/** A banner for errors (e.g. the file does not parse); mentions of MATH.md sections become links. */
export function banner(kind: 'error' | 'info', message: string): HTMLElement {
  return el('div', { class: `banner banner-${kind}`, role: kind === 'error' ? 'alert' : 'note' }, docLinks(message));
}

type DocumentOpener = (document: 'readme' | 'math', anchor: string) => void;
let openDocument: DocumentOpener | undefined;

/** The panel's host connection registers how links to shipped documents are opened. */
export function setDocumentOpener(opener: DocumentOpener): void {
  openDocument = opener;
}

/** "MATH.md §A, §B" / "MATH.md section C": the file name and every section letter that follows it. */
const MATH_MENTION = /MATH\.md((?:(?:,|;| and|,? or)?\s*(?:§|section )[A-E]\b)*)/g;

/**
 * Text with every mention of MATH.md and its sections ("MATH.md §A, §B") as links that open
 * docs/MATH.md beside the panel at that section; plain text when no host connection is registered.
 */
export function docLinks(text: string): DocumentFragment {
  const out = document.createDocumentFragment();
  const link = (label: string, section: string) => {
    const a = el('a', { href: '#', class: 'doc-link', title: section ? `Open MATH.md at section ${section}` : 'Open MATH.md' }, label);
    a.addEventListener('click', (e) => { e.preventDefault(); openDocument?.('math', section); });
    return a;
  };
  let last = 0;
  for (const m of text.matchAll(MATH_MENTION)) {
    if (!openDocument) break;
    const start = m.index ?? 0;
    out.append(text.slice(last, start));
    const sections = [...m[1].matchAll(/(?:§|section )([A-E])\b/g)];
    out.append(link('MATH.md', sections[0]?.[1] ?? ''));
    // the section list after the file name: each "§X" is its own link
    let at = 0;
    for (const sec of sections) {
      const i = sec.index ?? 0;
      out.append(m[1].slice(at, i), link(sec[0], sec[1]));
      at = i + sec[0].length;
    }
    out.append(m[1].slice(at));
    last = start + m[0].length;
  }
  out.append(text.slice(last));
  return out;
}

export { formatNumber } from './format';

/**
 * A conv model's view takes the place of the dense panel's sections: every top-level child of `app`
 * but `view`, the header, progress and messages is hidden (or shown again).
 */
export function setDenseSectionsHidden(app: HTMLElement, view: HTMLElement, hidden: boolean): void {
  for (const child of Array.from(app.children)) {
    if (child === view || child.matches('header, .progress, .messages, .banner')) continue;
    (child as HTMLElement).hidden = hidden;
  }
}
