import type { ImageInput, RawImage } from '../core/image';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { decodeCompressed } from '../image/decodeCompressed';
import { bytesPerPixel, validateRawImage } from '../image/rawLayout';
import { rgbToEncoding } from '../image/rgbToEncoding';
import { sharp } from '../image/sharp';
import { toRgb8 } from '../image/toRgb8';
import type { AnnotationFont } from './annotationFont';
import { drawOverlay, type AnnotatedRgb } from './drawOverlay';
import type { AnnotationContent, Rect } from './overlayLayout';

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

function cropRgb(rgb: RawImage, region: Rect): RawImage {
  const out = new Uint8Array(region.width * region.height * 3);
  for (let y = 0; y < region.height; y++) {
    const from = (region.top + y) * rgb.step + region.left * 3;
    out.set(rgb.data.subarray(from, from + region.width * 3), y * region.width * 3);
  }
  return {
    kind: 'raw',
    width: region.width,
    height: region.height,
    encoding: 'rgb8',
    step: region.width * 3,
    data: out,
  };
}

/** The source frame with the region replaced: same encoding, step and padding bytes as the source. */
function writeBack(source: RawImage, annotated: AnnotatedRgb): RawImage {
  const { region } = annotated;
  const encoded = rgbToEncoding(cropRgb(annotated.image, region), source.encoding);
  const bpp = bytesPerPixel(validateRawImage(source).encoding);
  const data = new Uint8Array(source.data.subarray(0, source.step * source.height));
  for (let y = 0; y < region.height; y++) {
    const row = encoded.data.subarray(y * encoded.step, y * encoded.step + region.width * bpp);
    if (source.encoding === 'rgba8' || source.encoding === 'bgra8') {
      // Keep the source's alpha: only colour is drawn.
      const base = (region.top + y) * source.step + region.left * 4;
      for (let x = 0; x < region.width; x++) data.set(row.subarray(x * 4, x * 4 + 3), base + x * 4);
    } else {
      data.set(row, (region.top + y) * source.step + region.left * bpp);
    }
  }
  return { ...source, data };
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
  const rgb = await frameToRgb(image);
  const annotated = await drawOverlay(rgb, content, font);
  // A tightly packed rgb8 source is already what drawOverlay returns.
  if (image.kind === 'raw' && WRITE_BACK_ENCODINGS.has(image.encoding) && rgb !== image)
    return { image: writeBack(image, annotated), region: annotated.region };
  return annotated;
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
