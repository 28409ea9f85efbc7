import type { ImageInput, RawImage } from '../core/image';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { decodeCompressed } from '../image/decodeCompressed';
import { bytesPerPixel, validateRawImage } from '../image/rawLayout';
import { rgbToEncoding } from '../image/rgbToEncoding';
import { sharp } from '../image/sharp';
import { toRgb8 } from '../image/toRgb8';
import type { AnnotationFont } from './annotationFont';
import { drawOverlay } from './drawOverlay';
import { layoutOverlay, type AnnotationContent, type Rect } from './overlayLayout';

/**
 * Encodings an annotated frame is written back in, byte for byte outside the overlay (mono8 stays mono8: the overlay
 * turns grey). The YUV encodings share chroma between neighbouring pixels, so frames in those, and compressed
 * frames, come back as rgb8.
 */
export const WRITE_BACK_ENCODINGS: ReadonlySet<string> = new Set(['rgb8', 'bgr8', 'rgba8', 'bgra8', 'mono8']);

/** Any frame as tightly packed rgb8: raw frames converted, compressed ones decoded (EXIF orientation applied). */
export async function frameToRgb(image: ImageInput): Promise<RawImage> {
  if (image.kind === 'compressed') return decodeCompressed(image);
  validateRawImage(image);
  return image.encoding === 'rgb8' && image.step === image.width * 3 ? image : toRgb8(image);
}

/** The region's pixels of a packed frame, as a tightly packed frame of the same encoding. */
function cropPacked(source: RawImage, region: Rect, bpp: number): RawImage {
  const rowBytes = region.width * bpp;
  const data = new Uint8Array(rowBytes * region.height);
  for (let y = 0; y < region.height; y++) {
    const from = (region.top + y) * source.step + region.left * bpp;
    data.set(source.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { ...source, width: region.width, height: region.height, step: rowBytes, data };
}

/**
 * Packed encodings: only the region is converted, drawn and written back into a copy of the frame (same encoding,
 * step and padding; alpha kept), so the cost follows the overlay's size, not the frame's.
 */
async function annotatePacked(
  source: RawImage,
  content: AnnotationContent,
  font: AnnotationFont,
): Promise<AnnotatedFrame> {
  const layout = validateRawImage(source);
  const bpp = bytesPerPixel(layout.encoding);
  const overlay = layoutOverlay(source.width, source.height, content);
  const { region } = overlay;
  const crop = cropPacked(source, region, bpp);
  const drawn = await drawOverlay(toRgb8(crop), content, font, {
    ...overlay,
    region: { left: 0, top: 0, width: region.width, height: region.height },
  });
  const encoded = rgbToEncoding(drawn.image, source.encoding);
  const data = new Uint8Array(source.data.subarray(0, source.step * source.height));
  const keepAlpha = source.encoding === 'rgba8' || source.encoding === 'bgra8';
  for (let y = 0; y < region.height; y++) {
    const row = encoded.data.subarray(y * encoded.step, y * encoded.step + region.width * bpp);
    const base = (region.top + y) * source.step + region.left * bpp;
    if (!keepAlpha) data.set(row, base);
    else for (let x = 0; x < region.width; x++) data.set(row.subarray(x * 4, x * 4 + 3), base + x * 4);
  }
  return { image: { ...source, data }, region };
}

export interface AnnotatedFrame {
  /** rgb8, bgr8, rgba8, bgra8 and mono8 frames keep their encoding and step; others come back as rgb8. */
  readonly image: RawImage;
  readonly region: Rect;
}

/**
 * Annotates a frame for republishing: the same size, and the same encoding where it can be written back
 * (WRITE_BACK_ENCODINGS), every pixel outside `region` unchanged. Throws 'font_missing', or the decode / frame
 * errors of the image module for a frame that cannot be read.
 */
export async function annotateFrame(
  image: ImageInput,
  content: AnnotationContent,
  font: AnnotationFont,
): Promise<AnnotatedFrame> {
  if (image.kind === 'raw' && WRITE_BACK_ENCODINGS.has(image.encoding)) return annotatePacked(image, content, font);
  return drawOverlay(await frameToRgb(image), content, font);
}

async function toJpeg(rgb: RawImage, quality: number, maxSide?: number): Promise<Buffer> {
  try {
    let pipeline = sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } });
    if (maxSide !== undefined)
      pipeline = pipeline.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
    return await pipeline.jpeg({ quality }).toBuffer();
  } catch (error) {
    throw new EdgenextError(ErrorCodes.invalidArgument, `cannot encode JPEG: ${errorMessage(error)}`, { cause: error });
  }
}

/** The annotated frame as a JPEG file's bytes (quality 1..100, default 90). */
export async function annotateToJpeg(
  image: ImageInput,
  content: AnnotationContent,
  font: AnnotationFont,
  options: { quality?: number } = {},
): Promise<Buffer> {
  const { image: annotated } = await drawOverlay(await frameToRgb(image), content, font);
  return toJpeg(annotated, options.quality ?? 90);
}

/** A small JPEG of a frame (longest side at most `maxSide` px, default 160) for reports. */
export async function jpegThumbnail(
  image: ImageInput,
  options: { maxSide?: number; quality?: number } = {},
): Promise<Buffer> {
  return toJpeg(await frameToRgb(image), options.quality ?? 70, options.maxSide ?? 160);
}
