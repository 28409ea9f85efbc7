import { EdgenextError, ErrorCodes } from '../core/errors';
import { isRawEncoding, RAW_ENCODINGS, type RawEncoding, type RawImage } from '../core/image';
import { bytesPerPixel, rowsInBuffer } from './rawLayout';
import { assertRgb8, toRgb8 } from './toRgb8';
import { rgbToNv12, rgbToU, rgbToV, rgbToY } from './yuvFormulas';

export interface EncodeOptions {
  /** Extra bytes at the end of every row (step = width * bytesPerPixel + rowPaddingBytes). Default 0. Padding bytes are 0xAB. */
  readonly rowPaddingBytes?: number;
}

const PADDING_BYTE = 0xab;

/**
 * Re-encodes an rgb8 image as a frame of `encoding`, the way a camera driver would publish it: used by tests to
 * build yuv422 / nv12 / bgra8 / ... frames from real photographs. YUV uses OpenCV's BT.601 limited-range
 * integers; chroma of each 2x2 (4:2:0) or 2x1 (4:2:2) block comes from its top-left pixel, as OpenCV's
 * BGR2YUV_I420 does. Throws 'unsupported_encoding' for an unknown encoding, 'malformed_frame' for odd sizes that
 * the encoding cannot hold, 'invalid_argument' if the input is not rgb8.
 */
export function rgbToEncoding(rgb: RawImage, encoding: string, options: EncodeOptions = {}): RawImage {
  const layout = assertRgb8(rgb, 'rgbToEncoding');
  if (!isRawEncoding(encoding)) {
    throw new EdgenextError(
      ErrorCodes.unsupportedEncoding,
      `unsupported image encoding '${encoding}' (supported: ${RAW_ENCODINGS.join(', ')})`,
    );
  }
  const padding = options.rowPaddingBytes ?? 0;
  if (!Number.isInteger(padding) || padding < 0) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `rowPaddingBytes must be a non-negative integer, got ${padding}`,
    );
  }
  const { width, height } = layout;
  // A tightly packed copy makes the per-encoding loops simple; this helper is for tests and tools, not per frame.
  const src = layout.step === width * 3 ? rgb.data : toRgb8(rgb).data;
  const enc: RawEncoding = encoding;
  if ((enc === 'yuv422' || enc === 'yuv422_yuy2') && width % 2 !== 0) {
    throw new EdgenextError(
      ErrorCodes.malformedFrame,
      `cannot encode ${width}x${height} as ${enc}: width must be even`,
    );
  }
  if ((enc === 'nv12' || enc === 'nv21') && (width % 2 !== 0 || height % 2 !== 0)) {
    throw new EdgenextError(
      ErrorCodes.malformedFrame,
      `cannot encode ${width}x${height} as ${enc}: width and height must be even`,
    );
  }
  const step = width * bytesPerPixel(enc) + padding;
  const out = new Uint8Array(step * rowsInBuffer(enc, height)).fill(PADDING_BYTE);
  switch (enc) {
    case 'nv12':
    case 'nv21':
      rgbToNv12(src, width, height, out, { step, vFirst: enc === 'nv21' });
      break;
    case 'yuv422':
    case 'yuv422_yuy2': {
      const [y0o, y1o, uo, vo] = enc === 'yuv422' ? [1, 3, 0, 2] : [0, 2, 1, 3];
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x += 2) {
          const s = (y * width + x) * 3;
          const r = src[s] as number;
          const g = src[s + 1] as number;
          const b = src[s + 2] as number;
          const m = y * step + x * 2;
          out[m + y0o] = rgbToY(r, g, b);
          out[m + y1o] = rgbToY(src[s + 3] as number, src[s + 4] as number, src[s + 5] as number);
          out[m + uo] = rgbToU(r, g, b);
          out[m + vo] = rgbToV(r, g, b);
        }
      }
      break;
    }
    default: {
      const bpp = bytesPerPixel(enc);
      const swap = enc === 'bgr8' || enc === 'bgra8';
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const s = (y * width + x) * 3;
          const d = y * step + x * bpp;
          const r = src[s] as number;
          const g = src[s + 1] as number;
          const b = src[s + 2] as number;
          if (enc === 'mono8') {
            out[d] = rgbToGray(r, g, b);
            continue;
          }
          out[d] = swap ? b : r;
          out[d + 1] = g;
          out[d + 2] = swap ? r : b;
          if (bpp === 4) out[d + 3] = 255;
        }
      }
    }
  }
  return { kind: 'raw', width, height, encoding: enc, step, data: out };
}

/** Full-range luma as OpenCV's COLOR_RGB2GRAY (0.299, 0.587, 0.114 in 14-bit fixed point). */
function rgbToGray(r: number, g: number, b: number): number {
  return (r * 4899 + g * 9617 + b * 1868 + 8192) >> 14;
}
