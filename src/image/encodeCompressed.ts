import { sharp } from './sharp';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import type { CompressedImage, RawImage } from '../core/image';
import { toRgb8 } from './toRgb8';

export type CompressedFormat = 'jpeg' | 'png' | 'webp';

export interface EncodeCompressedOptions {
  /** JPEG/WebP quality 1..100; default 90. Ignored for PNG. */
  readonly quality?: number;
  /** WebP only: lossless encoding; default false. */
  readonly lossless?: boolean;
}

/**
 * Encodes a raw frame (any supported encoding, converted to RGB first) as JPEG, PNG or WebP, as a
 * sensor_msgs/CompressedImage payload would carry it. For tools and tests (e.g. building CompressedImage bags from
 * photos). Throws the errors of toRgb8, or 'invalid_argument' if sharp refuses the options.
 */
export async function encodeCompressed(
  image: RawImage,
  format: CompressedFormat,
  options: EncodeCompressedOptions = {},
): Promise<CompressedImage> {
  const rgb = image.encoding === 'rgb8' && image.step === image.width * 3 ? image : toRgb8(image);
  const quality = options.quality ?? 90;
  try {
    let pipeline = sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } });
    if (format === 'jpeg') pipeline = pipeline.jpeg({ quality });
    else if (format === 'png') pipeline = pipeline.png();
    else pipeline = pipeline.webp({ quality, lossless: options.lossless ?? false });
    const data = await pipeline.toBuffer();
    return { kind: 'compressed', format, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (error) {
    throw new EdgenextError(ErrorCodes.invalidArgument, `cannot encode ${format}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}
