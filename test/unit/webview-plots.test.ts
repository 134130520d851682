/**
 * The shared plot helpers (webview/common/theme.ts, format.ts): series are drawn in the theme's chart
 * palette at full alpha — VS Code's default --vscode-charts-orange is the find-match background
 * #EA5C0055, a third opaque, which made every second series faint (issue 15) — a legend cell reads
 * the value at the cursor or at the last x, never "--", and labels are Unicode, not TeX.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opaqueColor, parseColor, themeColors } from '../../webview/common/theme';
import { formatNumber, legendValue, unicodeLabel } from '../../webview/common/format';

test('opaqueColor drops the alpha of every CSS colour form and keeps the channels', () => {
  assert.equal(opaqueColor('#EA5C0055'), '#ea5c00');
  assert.equal(opaqueColor('#d18616'), '#d18616');
  assert.equal(opaqueColor('#f80'), '#ff8800');
  assert.equal(opaqueColor('#f808'), '#ff8800');
  assert.equal(opaqueColor(' rgba(234, 92, 0, 0.33) '), '#ea5c00');
  assert.equal(opaqueColor('rgb(234 92 0 / 40%)'), '#ea5c00');
  assert.equal(opaqueColor('rgb(55, 148, 255)'), '#3794ff');
  // not a colour we can parse: left for the canvas to interpret
  assert.equal(opaqueColor('orange'), 'orange');
});

test('parseColor reads 4-digit hex as #rgba', () => {
  assert.deepEqual(parseColor('#f808'), [255, 136, 0]);
  assert.deepEqual(parseColor('#EA5C0055'), [234, 92, 0]);
});

/** themeColors with a stub body whose computed style has these CSS variables. */
function withTheme<T>(vars: Record<string, string>, run: () => T): T {
  const g = globalThis as Record<string, unknown>;
  const saved = { document: g.document, getComputedStyle: g.getComputedStyle };
  g.document = { body: {} };
  g.getComputedStyle = () => ({ getPropertyValue: (name: string) => vars[name] ?? '' });
  try {
    return run();
  } finally {
    g.document = saved.document;
    g.getComputedStyle = saved.getComputedStyle;
  }
}

test('themeColors: the chart palette at full alpha, as VS Code 1.139 defines it in Light Modern', () => {
  // the values the webview of Default Light Modern carries (charts.orange ← minimap.findMatchHighlight ← #EA5C0055)
  const colors = withTheme({ '--vscode-charts-blue': '#0063d3', '--vscode-charts-orange': '#ea5c0055', '--vscode-editor-background': '#ffffff' }, themeColors);
  assert.equal(colors.series[0], '#0063d3');
  assert.equal(colors.series[1], '#ea5c00');
  assert.equal(colors.background, '#ffffff');
  // missing variables fall back to VS Code's dark defaults, also opaque
  assert.deepEqual(colors.series.slice(2), ['#89d185', '#b180d7', '#f14c4c', '#cca700']);
});

test('legend values: at the cursor, else at the last x; a gap shows nothing, never "--"', () => {
  const values = [0.5, null, 1.23456e-7, 42];
  assert.equal(legendValue(values, 0), '0.5');
  assert.equal(legendValue(values, 1), '');
  assert.equal(legendValue(values, 2), '1.235e-7');
  assert.equal(legendValue(values, null), '42');
  assert.equal(legendValue(values, undefined), '42');
  assert.equal(legendValue([1, NaN], null), '');
  assert.equal(legendValue([], null), '');
  assert.equal(legendValue(Float64Array.of(3, 2.5), null), '2.5');
});

test('formatNumber: four significant digits, exponents outside [0.001, 1e5)', () => {
  assert.deepEqual([0, 1 / 3, -2048.5, 123456, 0.0001234, null].map((v) => formatNumber(v)), ['0', '0.3333', '-2049', '1.235e+5', '1.234e-4', '—']);
});

test('labels in Unicode, not TeX: the strings the panels showed raw (issue 15)', () => {
  assert.equal(unicodeLabel('‖P_k − P_{k−1}‖_F'), '‖Pₖ − Pₖ₋₁‖ (Frobenius)');
  assert.equal(unicodeLabel('Σ‖W_k − I‖₂ and Σ‖b_k‖'), 'Σ‖Wₖ − I‖₂ and Σ‖bₖ‖');
  assert.equal(unicodeLabel('N_{100000}(x)'), 'N₁₀₀₀₀₀(x)');
  assert.equal(unicodeLabel('(‖N_n‖ + T_β) + T_β'), '(‖Nₙ‖ + Tᵦ) + Tᵦ');
  assert.equal(unicodeLabel('‖P_n x + q_n − N_n(x)‖_∞'), '‖Pₙ x + qₙ − Nₙ(x)‖∞');
  assert.equal(unicodeLabel('C·k^{−p}'), 'C·k^(−p)');
  // words with underscores stay: only a single letter or digits after "_" are a subscript
  assert.equal(unicodeLabel('max_steps and layer_norm'), 'max_steps and layer_norm');
  // a letter without a Unicode subscript keeps its underscore: f_w is not "fw"
  assert.equal(unicodeLabel('learned f_w vs f_w₀'), 'learned f_w vs f_w₀');
  // no TeX left in any of them
  for (const t of ['‖P_k − P_{k−1}‖_F', 'sup_{k>n} ‖N_k − N_n‖ ≤ (Π_{k>n}(1 + w_k) − 1)·(‖N_n‖ + T_β) + T_β']) {
    assert.ok(!/_\{|\^\{|_[a-zβ∞0-9](?![a-z])/.test(unicodeLabel(t)), unicodeLabel(t));
  }
});
