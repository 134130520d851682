// Pixel colours as a person sees them: decode a Playwright screenshot (PNG) and count the pixels near
// given colours. No image library: Chromium's screenshots are 8-bit RGB(A), non-interlaced, so a small
// decoder over node:zlib does.
import * as zlib from 'node:zlib';

export interface Rgb { r: number; g: number; b: number }

export interface Image { width: number; height: number; /** RGBA, row-major */ data: Uint8Array }

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes for screenshots). */
export function decodePng(png: Buffer): Image {
  const signature = '89504e470d0a1a0a';
  if (png.subarray(0, 8).toString('hex') !== signature) throw new Error('not a PNG');
  let pos = 8, width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const body = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8], interlace = body[12];
      colorType = body[9];
      if (depth !== 8 || interlace !== 0 || (colorType !== 2 && colorType !== 6)) {
        throw new Error(`unsupported PNG: bit depth ${depth}, colour type ${colorType}, interlace ${interlace}`);
      }
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const bpp = colorType === 6 ? 4 : 3;
  const stride = width * bpp;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rows.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[i - bpp] : 0, b = up[i], c = i >= bpp ? up[i - bpp] : 0;
      let p: number;
      switch (filter) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: { const e = a + b - c, pa = Math.abs(e - a), pb = Math.abs(e - b), pc = Math.abs(e - c); p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break; }
        default: throw new Error(`bad PNG filter ${filter} in row ${y}`);
      }
      out[i] = (src[i] + p) & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += bpp) {
    data[4 * i] = rows[j];
    data[4 * i + 1] = rows[j + 1];
    data[4 * i + 2] = rows[j + 2];
    data[4 * i + 3] = bpp === 4 ? rows[j + 3] : 255;
  }
  return { width, height, data };
}

/** "#rgb", "#rrggbb", "#rrggbbaa" (alpha ignored) or "rgb(r, g, b)". */
export function parseCssColor(text: string): Rgb {
  const t = text.trim();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(t);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    return { r: parseInt(h.slice(0, 2), 16), g: parseInt(h.slice(2, 4), 16), b: parseInt(h.slice(4, 6), 16) };
  }
  const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(t);
  if (rgb) return { r: Number(rgb[1]), g: Number(rgb[2]), b: Number(rgb[3]) };
  throw new Error(`cannot parse the colour ${JSON.stringify(text)}`);
}

export const hex = (c: Rgb): string => '#' + [c.r, c.g, c.b].map((v) => v.toString(16).padStart(2, '0')).join('');

/** Euclidean distance in RGB (0…441). */
export const rgbDistance = (a: Rgb, b: Rgb): number => Math.hypot(a.r - b.r, a.g - b.g, a.b - b.b);

/** How many pixels of `image` lie within `maxDistance` of each colour, and the closest pixel to each. */
export function colourCensus(image: Image, colours: Rgb[], maxDistance: number): Array<{ count: number; closest: Rgb; distance: number }> {
  const out = colours.map(() => ({ count: 0, closest: { r: 0, g: 0, b: 0 }, distance: Infinity }));
  const { data } = image;
  for (let i = 0; i < data.length; i += 4) {
    const px = { r: data[i], g: data[i + 1], b: data[i + 2] };
    colours.forEach((c, k) => {
      const d = rgbDistance(px, c);
      if (d <= maxDistance) out[k].count++;
      if (d < out[k].distance) { out[k].distance = d; out[k].closest = px; }
    });
  }
  return out;
}
