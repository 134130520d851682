/**
 * The arithmetic of a heatmap's view, apart from the DOM so unit tests can load it: which rows and
 * columns are shown (zoom windows), where the index ticks go, what the colour bar says, and how big
 * the canvas is for the width it has.
 */

/** A half-open window [start, end) of 0-based indices along one axis of an n-long matrix side. */
export interface IndexWindow {
  start: number;
  end: number;
}

export interface IndexTick {
  /** 0-based index of the row or column */
  index: number;
  /** 1-based label, as people count rows and columns */
  label: string;
  /** centre of the cell as a fraction of the shown window, in (0, 1) */
  at: number;
}

/** The whole axis. */
export function fullWindow(n: number): IndexWindow {
  return { start: 0, end: Math.max(0, n) };
}

/**
 * The window clamped into [0, n) with at least one index (integers; a window longer than the axis
 * becomes the whole axis).
 */
export function clampWindow(w: IndexWindow, n: number): IndexWindow {
  if (n <= 0) return { start: 0, end: 0 };
  let len = Math.round(w.end) - Math.round(w.start);
  len = Math.min(n, Math.max(1, len));
  const start = Math.min(n - len, Math.max(0, Math.round(w.start)));
  return { start, end: start + len };
}

/**
 * The window a drag from fraction `a` to fraction `b` of the shown window selects (either order):
 * every index whose cell the drag touches, at least one.
 */
export function zoomToFractions(w: IndexWindow, a: number, b: number, n: number): IndexWindow {
  const len = w.end - w.start;
  const lo = Math.max(0, Math.min(1, Math.min(a, b))), hi = Math.max(0, Math.min(1, Math.max(a, b)));
  const start = w.start + Math.floor(lo * len);
  // a drag ending exactly on a cell border does not take the next cell
  const end = w.start + Math.ceil(hi * len - 1e-9);
  return clampWindow({ start: Math.min(start, w.start + len - 1), end: Math.max(end, start + 1) }, n);
}

/**
 * Zoom by `factor` (< 1 in, > 1 out) about the index under fraction `at` of the shown window, which
 * stays under the pointer as far as the integer window allows.
 */
export function zoomAbout(w: IndexWindow, at: number, factor: number, n: number): IndexWindow {
  const len = w.end - w.start;
  const f = Math.max(0, Math.min(1, at));
  const anchor = w.start + f * len;
  let next = Math.round(len * factor);
  // a factor that rounds back to the same length still moves one step, so the wheel always acts
  if (next === len) next = factor < 1 ? len - 1 : len + 1;
  next = Math.min(n, Math.max(1, next));
  return clampWindow({ start: Math.round(anchor - f * next), end: Math.round(anchor - f * next) + next }, n);
}

/** The window moved by `steps` tenths of its length (at least one index), kept inside the axis. */
export function panWindow(w: IndexWindow, steps: number, n: number): IndexWindow {
  const len = w.end - w.start;
  const delta = Math.sign(steps) * Math.max(1, Math.round((Math.abs(steps) * len) / 10));
  return clampWindow({ start: w.start + delta, end: w.end + delta }, n);
}

/** A round step (1, 2, 5, 10, 20, …) giving at most `maxTicks` ticks over `count` indices. */
export function indexStep(count: number, maxTicks: number): number {
  const raw = count / Math.max(1, maxTicks);
  if (raw <= 1) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/**
 * Ticks for the window: every label that is a multiple of a round step, and the window's first
 * index when the first multiple is far from it (so a view always says where it starts).
 */
export function indexTicks(w: IndexWindow, maxTicks: number): IndexTick[] {
  const count = w.end - w.start;
  if (count <= 0) return [];
  const step = indexStep(count, maxTicks);
  const labels: number[] = [];
  const first = w.start + 1, last = w.end;
  const firstMultiple = Math.ceil(first / step) * step;
  if (step > 1 && firstMultiple - first >= step / 2) labels.push(first);
  for (let l = firstMultiple; l <= last; l += step) labels.push(l);
  return labels.map((l) => ({ index: l - 1, label: String(l), at: (l - 1 - w.start + 0.5) / count }));
}

/** How many ticks fit on an axis of `pixels` CSS pixels with labels of about `labelPixels` each. */
export function tickBudget(pixels: number, labelPixels: number): number {
  return Math.max(2, Math.floor(pixels / Math.max(1, labelPixels)));
}

export type HeatmapScale = 'diverging' | 'binary' | 'sequential';

/**
 * The colour bar's labels from top to bottom with the colour position of each (1 = the scale's top
 * colour). Diverging: +max|v|, 0, −max|v|; sequential: max, min; binary: active, inactive.
 */
export function colorbarStops(scale: HeatmapScale, range: { min: number; max: number; maxAbs: number }, format: (v: number) => string): Array<{ label: string; at: number }> {
  if (scale === 'binary') return [{ label: 'active (1)', at: 1 }, { label: 'inactive (0)', at: 0 }];
  if (scale === 'diverging') {
    return [{ label: format(range.maxAbs), at: 1 }, { label: '0', at: 0.5 }, { label: format(-range.maxAbs), at: 0 }];
  }
  return range.max > range.min ? [{ label: format(range.max), at: 1 }, { label: format(range.min), at: 0 }] : [{ label: format(range.max), at: 1 }];
}

/**
 * CSS size of the matrix canvas: the full width it has, and rows × (width / columns) tall within
 * [minHeight, maxHeight] — cells are square unless the matrix is much taller or flatter than the box.
 */
export function canvasSize(available: number, rows: number, cols: number, minHeight: number, maxHeight: number): { width: number; height: number } {
  const width = Math.max(40, Math.floor(available));
  if (rows <= 0 || cols <= 0) return { width, height: minHeight };
  const square = (rows * width) / cols;
  const height = Math.round(Math.max(Math.min(minHeight, rows * 24), Math.min(maxHeight, square)));
  return { width, height: Math.max(1, height) };
}

/** "rows 3–10 of 64" */
export function windowText(name: string, w: IndexWindow, n: number): string {
  return w.start === 0 && w.end === n ? `${name} 1–${n}` : `${name} ${w.start + 1}–${w.end} of ${n}`;
}

/**
 * Any narrowing, or a widening by more than a scrollbar: a redraw that makes the page tall enough for
 * a scrollbar narrows it, the smaller redraw removes the scrollbar again, and that widening must not
 * start the cycle over.
 */
export function widthChanged(last: number, now: number): boolean {
  return now < last || now - last > 20;
}
