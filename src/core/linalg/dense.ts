/**
 * Flat row-major float64 matrices: the one matrix type that crosses module and thread boundaries.
 * Hot loops work on `data` directly; ml-matrix is used only for decompositions (see norms.ts).
 */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  /** row-major: entry (i, j) is data[i * cols + j] */
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): DenseMatrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function identity(n: number): DenseMatrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function fromRows(rows: ArrayLike<ArrayLike<number>>): DenseMatrix {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0].length;
  const m = zeros(r, c);
  for (let i = 0; i < r; i++) {
    const row = rows[i];
    if (row.length !== c) throw new RangeError(`fromRows: row ${i} has ${row.length} entries, expected ${c}`);
    for (let j = 0; j < c; j++) m.data[i * c + j] = row[j];
  }
  return m;
}

export function toRows(m: DenseMatrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function clone(m: DenseMatrix): DenseMatrix {
  return { rows: m.rows, cols: m.cols, data: m.data.slice() };
}

/** out = A x (+ b). `out` may be passed to avoid allocation; it must not alias x. */
export function matVec(a: DenseMatrix, x: ArrayLike<number>, b?: ArrayLike<number>, out?: Float64Array): Float64Array {
  if (x.length !== a.cols) throw new RangeError(`matVec: matrix is ${a.rows}×${a.cols} but vector has length ${x.length}`);
  const y = out ?? new Float64Array(a.rows);
  const { rows, cols, data } = a;
  for (let i = 0; i < rows; i++) {
    let s = b ? b[i] : 0;
    const off = i * cols;
    for (let j = 0; j < cols; j++) s += data[off + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** C = A B, i-k-j loop order so the inner loop streams rows of B and C. */
export function matMul(a: DenseMatrix, b: DenseMatrix, out?: DenseMatrix): DenseMatrix {
  if (a.cols !== b.rows) throw new RangeError(`matMul: inner dimensions differ (${a.rows}×${a.cols} times ${b.rows}×${b.cols})`);
  const c = out ?? zeros(a.rows, b.cols);
  const n = b.cols, kk = a.cols;
  const A = a.data, B = b.data, C = c.data;
  C.fill(0);
  for (let i = 0; i < a.rows; i++) {
    const ci = i * n;
    for (let k = 0; k < kk; k++) {
      const aik = A[i * kk + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) C[ci + j] += aik * B[bk + j];
    }
  }
  return c;
}

export function transpose(m: DenseMatrix): DenseMatrix {
  const t = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j];
  return t;
}

/** A − I for square A. */
export function minusIdentity(m: DenseMatrix): DenseMatrix {
  if (m.rows !== m.cols) throw new RangeError(`minusIdentity: matrix is ${m.rows}×${m.cols}, not square`);
  const r = clone(m);
  for (let i = 0; i < m.rows; i++) r.data[i * m.cols + i] -= 1;
  return r;
}

export function norm2Vec(x: ArrayLike<number>): number {
  // scaled to avoid overflow/underflow for extreme entries
  let scale = 0;
  for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < x.length; i++) { const t = x[i] / scale; s += t * t; }
  return scale * Math.sqrt(s);
}
