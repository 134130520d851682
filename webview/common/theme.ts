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
    // Opaque: VS Code derives charts.orange from minimap.findMatchHighlight, whose default is the
    // find-match background #EA5C0055 (a third opaque), so drawn as given the second series showed
    // as #fca on light and #631 on dark backgrounds. Lines take the palette's colour at full alpha;
    // bands and bars add their own translucency on top.
    series: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-red', '#f14c4c'),
      cssVar('--vscode-charts-yellow', '#cca700'),
    ].map(opaqueColor),
  };
}

/**
 * The colour without its alpha, as "#rrggbb": "#EA5C0055" → "#ea5c00", "rgba(234, 92, 0, 0.33)" →
 * "#ea5c00", "#f80" → "#ff8800". Anything else (a colour name) is returned as it is.
 */
export function opaqueColor(c: string): string {
  const t = c.trim();
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(t);
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)\s*(?:[,/]\s*[\d.]+%?\s*)?\)$/i.exec(t);
  let channels: number[];
  if (hex) {
    const h = hex[1].length <= 4 ? [...hex[1]].map((d) => d + d).join('') : hex[1];
    channels = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  } else if (rgb) {
    channels = [rgb[1], rgb[2], rgb[3]].map((v) => Math.min(255, Math.round(Number(v))));
  } else {
    return c;
  }
  return '#' + channels.map((v) => v.toString(16).padStart(2, '0')).join('');
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
    if (h.length <= 4) return [0, 1, 2].map((i) => parseInt(h[i] + h[i], 16)) as [number, number, number];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
  }
  const rgb = c.match(/rgba?\(\s*(\d+)[ ,]+(\d+)[ ,]+(\d+)/i);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  return [128, 128, 128];
}
