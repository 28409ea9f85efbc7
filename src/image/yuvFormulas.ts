/**
 * BT.601 limited-range ("video range") YUV <-> RGB in 20-bit fixed point, with OpenCV 4.x's own integer
 * coefficients (imgproc color_yuv: ITUR_BT_601_*), so that our results equal cv2.cvtColor byte for byte:
 * COLOR_YUV2RGB_NV12 / _NV21 / _UYVY / _YUY2 one way, COLOR_BGR2YUV_I420 the other.
 */
const SHIFT = 20;
const HALF = 1 << (SHIFT - 1);

// YUV -> RGB
const CY = 1220542;
const CUB = 2116026;
const CUG = -409993;
const CVG = -852492;
const CVR = 1673527;

// RGB -> YUV
const CRY = 269484;
const CGY = 528482;
const CBY = 102760;
const CRU = -155188;
const CGU = -305135;
const CBU = 460324;
const CGV = -385875;
const CBV = -74448;
const Y_BIAS = HALF + (16 << SHIFT);
const UV_BIAS = HALF + (128 << SHIFT);

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Writes the RGB of one pixel (y, u, v bytes) to out[at], out[at+1], out[at+2]. Each product stays below 2^31,
 * so the int32 shifts are exact.
 */
export function yuvToRgbAt(y: number, u: number, v: number, out: Uint8Array, at: number): void {
  const yy = (y > 16 ? y - 16 : 0) * CY;
  const uu = u - 128;
  const vv = v - 128;
  out[at] = clamp8((yy + HALF + CVR * vv) >> SHIFT);
  out[at + 1] = clamp8((yy + HALF + CVG * vv + CUG * uu) >> SHIFT);
  out[at + 2] = clamp8((yy + HALF + CUB * uu) >> SHIFT);
}

export function rgbToY(r: number, g: number, b: number): number {
  return clamp8((CRY * r + CGY * g + CBY * b + Y_BIAS) >> SHIFT);
}

export function rgbToU(r: number, g: number, b: number): number {
  return clamp8((CRU * r + CGU * g + CBU * b + UV_BIAS) >> SHIFT);
}

export function rgbToV(r: number, g: number, b: number): number {
  return clamp8((CBU * r + CGV * g + CBV * b + UV_BIAS) >> SHIFT);
}

/**
 * Packed RGB (3 bytes per pixel, rows of width*3) to NV12 exactly as OpenCV 4.6's COLOR_BGR2YUV_I420 followed by
 * interleaving U and V: luma per pixel, and chroma of each 2x2 block taken from its top-left pixel only (OpenCV's
 * RGB888toYUV420p does not average the block; checked against cv2 4.6). Width and height must be even.
 */
export function rgbToNv12(
  rgb: Uint8Array,
  width: number,
  height: number,
  out: Uint8Array,
  options: { readonly vFirst?: boolean; readonly step?: number } = {},
): void {
  const step = options.step ?? width;
  const uFirst = options.vFirst !== true;
  const chroma = step * height;
  for (let y = 0; y < height; y += 2) {
    const row0 = y * width * 3;
    const row1 = row0 + width * 3;
    const yOut0 = y * step;
    const yOut1 = yOut0 + step;
    const cOut = chroma + (y >> 1) * step;
    for (let x = 0; x < width; x += 2) {
      const a = row0 + x * 3;
      const r00 = rgb[a] as number;
      const g00 = rgb[a + 1] as number;
      const b00 = rgb[a + 2] as number;
      out[yOut0 + x] = clamp8((CRY * r00 + CGY * g00 + CBY * b00 + Y_BIAS) >> SHIFT);
      out[yOut0 + x + 1] = clamp8(
        (CRY * (rgb[a + 3] as number) + CGY * (rgb[a + 4] as number) + CBY * (rgb[a + 5] as number) + Y_BIAS) >> SHIFT,
      );
      const c = row1 + x * 3;
      out[yOut1 + x] = clamp8(
        (CRY * (rgb[c] as number) + CGY * (rgb[c + 1] as number) + CBY * (rgb[c + 2] as number) + Y_BIAS) >> SHIFT,
      );
      out[yOut1 + x + 1] = clamp8(
        (CRY * (rgb[c + 3] as number) + CGY * (rgb[c + 4] as number) + CBY * (rgb[c + 5] as number) + Y_BIAS) >> SHIFT,
      );
      const u = clamp8((CRU * r00 + CGU * g00 + CBU * b00 + UV_BIAS) >> SHIFT);
      const v = clamp8((CBU * r00 + CGV * g00 + CBV * b00 + UV_BIAS) >> SHIFT);
      out[cOut + x] = uFirst ? u : v;
      out[cOut + x + 1] = uFirst ? v : u;
    }
  }
}
