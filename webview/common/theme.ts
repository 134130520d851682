/** Colours from the VS Code theme (CSS variables), re-read when the theme changes. */

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export interface ThemeColors {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  /** categorical series colours from the theme's chart palette */
  series: string[];
}

export function themeColors(): ThemeColors {
  return {
    foreground: cssVar('--vscode-editor-foreground', '#cccccc'),
    muted: cssVar('--vscode-descriptionForeground', '#999999'),
    grid: cssVar('--vscode-editorWidget-border', '#454545'),
    background: cssVar('--vscode-editor-background', '#1e1e1e'),
    series: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-red', '#f14c4c'),
      cssVar('--vscode-charts-yellow', '#cca700'),
    ],
  };
}

/** Calls `listener` when VS Code switches theme (it rewrites the body's class list). */
export function onThemeChange(listener: () => void): void {
  new MutationObserver(listener).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}

/** Parse "#rrggbb", "#rgb" or "rgb(r, g, b)" into [r, g, b]. */
export function parseColor(c: string): [number, number, number] {
  const hex = c.match(/^#([0-9a-f]{3,8})$/i);
  if (hex) {
    const h = hex[1];
    if (h.length === 3) return [0, 1, 2].map((i) => parseInt(h[i] + h[i], 16)) as [number, number, number];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
  }
  const rgb = c.match(/rgba?\(\s*(\d+)[ ,]+(\d+)[ ,]+(\d+)/i);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  return [128, 128, 128];
}
