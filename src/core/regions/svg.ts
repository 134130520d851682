/** The coloured slice partition as a standalone SVG document (pure string building, no DOM). */
import type { RegionsResult } from '../../shared/analyses/activations';

const fmt = (x: number) => (Math.round(x * 100) / 100).toString();

export function regionsSvg(result: RegionsResult, size = 640): string {
  if (!result.polygons) throw new RangeError('regionsSvg: the partition was computed without polygons');
  const [smin, smax, tmin, tmax] = result.plane.box;
  const aspect = (tmax - tmin) / (smax - smin);
  const w = size, h = Math.max(1, Math.round(size * aspect));
  const X = (s: number) => ((s - smin) / (smax - smin)) * w;
  const Y = (t: number) => ((tmax - t) / (tmax - tmin)) * h;
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<title>${result.regions} activation regions on s∈[${smin}, ${smax}], t∈[${tmin}, ${tmax}]</title>`,
  ];
  for (const r of result.polygons) {
    const pts: string[] = [];
    for (let k = 0; k < r.vertices.length; k += 2) pts.push(`${fmt(X(r.vertices[k]))},${fmt(Y(r.vertices[k + 1]))}`);
    lines.push(`<polygon points="${pts.join(' ')}" fill="${r.color}" stroke="#222" stroke-width="0.3"><title>region ${r.id} · hash ${r.hash.toString(16).padStart(8, '0')}</title></polygon>`);
  }
  lines.push('</svg>');
  return lines.join('\n') + '\n';
}
