import { EdgenextError, ErrorCodes } from '../core/errors';
import type { RawImage } from '../core/image';
import { validateRawImage, type RawLayout } from './rawLayout';
import { yuvToRgbAt } from './yuvFormulas';

/**
 * Writes the RGB of the source pixels at columns `xs[0..count)` of source row `y` into `out` (3 bytes each, in
 * order). Reads only those pixels; YUV formats are converted with OpenCV's BT.601 limited-range integers.
 */
export function gatherRowRgb(
  layout: RawLayout,
  data: Uint8Array,
  y: number,
  xs: Int32Array,
  count: number,
  out: Uint8Array,
): void {
  switch (layout.family) {
    case 'packed': {
      const base = y * layout.step;
      const bpp = layout.bytesPerPixel;
      const ro = base + layout.rOffset;
      const go = base + layout.gOffset;
      const bo = base + layout.bOffset;
      for (let i = 0, o = 0; i < count; i++, o += 3) {
        const p = (xs[i] as number) * bpp;
        out[o] = data[ro + p] as number;
        out[o + 1] = data[go + p] as number;
        out[o + 2] = data[bo + p] as number;
      }
      return;
    }
    case 'yuv422': {
      const base = y * layout.step;
      const { y0Offset, y1Offset, uOffset, vOffset } = layout;
      for (let i = 0, o = 0; i < count; i++, o += 3) {
        const x = xs[i] as number;
        const m = base + (x >> 1) * 4;
        const luma = data[m + ((x & 1) === 0 ? y0Offset : y1Offset)] as number;
        yuvToRgbAt(luma, data[m + uOffset] as number, data[m + vOffset] as number, out, o);
      }
      return;
    }
    case 'yuv420sp': {
      const base = y * layout.step;
      const chroma = layout.chromaOffset + (y >> 1) * layout.step;
      const cu = chroma + layout.uOffset;
      const cv = chroma + layout.vOffset;
      for (let i = 0, o = 0; i < count; i++, o += 3) {
        const x = xs[i] as number;
        const c = x & ~1;
        yuvToRgbAt(data[base + x] as number, data[cu + c] as number, data[cv + c] as number, out, o);
      }
      return;
    }
  }
}

/**
 * Converts a raw frame of any supported encoding to tightly packed rgb8 (step = width * 3) at full resolution.
 * Used by tools and tests; the per-frame path (preprocessRaw) never builds this full-size image.
 * Throws as validateRawImage does ('unsupported_encoding', 'malformed_frame').
 */
export function toRgb8(image: RawImage): RawImage {
  const layout = validateRawImage(image);
  const { width, height } = layout;
  const out = new Uint8Array(width * height * 3);
  const xs = new Int32Array(width);
  for (let x = 0; x < width; x++) xs[x] = x;
  const row = new Uint8Array(width * 3);
  for (let y = 0; y < height; y++) {
    gatherRowRgb(layout, image.data, y, xs, width, row);
    out.set(row, y * width * 3);
  }
  return { kind: 'raw', width, height, encoding: 'rgb8', step: width * 3, data: out };
}

export function assertRgb8(image: RawImage, what: string): RawLayout {
  const layout = validateRawImage(image);
  if (layout.encoding !== 'rgb8') {
    throw new EdgenextError(ErrorCodes.invalidArgument, `${what} needs an rgb8 image, got ${image.encoding}`);
  }
  return layout;
}
