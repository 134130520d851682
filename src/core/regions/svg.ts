/** The coloured slice partition as a standalone SVG document (pure string building, no DOM). */
import type { RegionsResult } from '../../shared/analyses/activations';
import { hashColor } from '../activation/pattern';

const fmt = (x: number) => (Math.round(x * 100) / 100).toString();

export function regionsSvg(result: RegionsResult, size = 640): string {
  if (!result.polygons) throw new RangeError('regionsSvg: the partition was computed without polygons');
  const [smin, smax, tmin, tmax] = result.plane.box;
  return polygonsSvg(result.plane.box, `${result.regions} activation regions on s∈[${smin}, ${smax}], t∈[${tmin}, ${tmax}]`,
    result.polygons.map((r) => ({ vertices: r.vertices, fill: r.color, title: `region ${r.id} · hash ${r.hash.toString(16).padStart(8, '0')}` })), size);
}

/** Polygons in (s, t) over the box, t upwards, each filled and titled; the document's title. */
function polygonsSvg(box: readonly number[], title: string, polygons: ReadonlyArray<{ readonly vertices: ArrayLike<number>; readonly fill: string; readonly title: string }>, size: number): string {
  const [smin, smax, tmin, tmax] = box;
  const aspect = (tmax - tmin) / (smax - smin);
  const w = size, h = Math.max(1, Math.round(size * aspect));
  const X = (s: number) => ((s - smin) / (smax - smin)) * w;
  const Y = (t: number) => ((tmax - t) / (tmax - tmin)) * h;
  const lines = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`, `<title>${title}</title>`];
  for (const p of polygons) {
    const pts: string[] = [];
    for (let k = 0; k < p.vertices.length; k += 2) pts.push(`${fmt(X(p.vertices[k]))},${fmt(Y(p.vertices[k + 1]))}`);
    lines.push(`<polygon points="${pts.join(' ')}" fill="${p.fill}" stroke="#222" stroke-width="0.3"><title>${p.title}</title></polygon>`);
  }
  lines.push('</svg>');
  return lines.join('\n') + '\n';
}

/**
 * A sampled pattern grid (a conv net's plane, src/core/conv/plane.ts) as SVG: one cell per grid point,
 * coloured by its pattern's hash like the polygons above, runs of equal cells in a row merged; t grows
 * upwards.
 */
export function patternGridSvg(r: { readonly grid: number; readonly ids: Int32Array; readonly hashes: readonly number[]; readonly patterns: number; readonly box: readonly number[] }, size = 640): string {
  const g = r.grid, cell = Math.max(1, Math.floor(size / g)), side = cell * g;
  const [smin, smax, tmin, tmax] = r.box;
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges">`,
    `<title>${r.patterns} activation patterns on a ${g}×${g} grid of s∈[${smin}, ${smax}], t∈[${tmin}, ${tmax}] (a lower bound on the regions)</title>`,
  ];
  for (let j = 0; j < g; j++) {
    const y = (g - 1 - j) * cell;
    for (let i = 0; i < g;) {
      const id = r.ids[j * g + i];
      let e = i + 1;
      while (e < g && r.ids[j * g + e] === id) e++;
      lines.push(`<rect x="${i * cell}" y="${y}" width="${(e - i) * cell}" height="${cell}" fill="${hashColor(r.hashes[id])}"><title>pattern ${id} · hash ${r.hashes[id].toString(16).padStart(8, '0')}</title></rect>`);
      i = e;
    }
  }
  lines.push('</svg>');
  return lines.join('\n') + '\n';
}

/** A conv net's exact plane partition (src/core/conv/exactRegions.ts) as SVG: its polygons coloured by pattern hash. */
export function exactPlaneSvg(r: { readonly box: readonly number[]; readonly regions: ReadonlyArray<{ readonly vertices: readonly number[]; readonly hash: number }>; readonly complete: boolean }, size = 640): string {
  const [smin, smax, tmin, tmax] = r.box;
  return polygonsSvg(r.box, `${r.regions.length} activation regions${r.complete ? '' : ' (stopped: not the whole box)'} on s∈[${smin}, ${smax}], t∈[${tmin}, ${tmax}]`,
    r.regions.map((g, id) => ({ vertices: g.vertices, fill: hashColor(g.hash), title: `region ${id} · hash ${g.hash.toString(16).padStart(8, '0')}` })), size);
}
