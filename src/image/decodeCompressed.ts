import { sharp } from './sharp';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import type { CompressedImage, RawImage } from '../core/image';
import { sniffImageFormat } from './sniffImageFormat';

function rgb8(width: number, height: number, data: Uint8Array): RawImage {
  return { kind: 'raw', width, height, encoding: 'rgb8', step: width * 3, data };
}

/**
 * CMYK JPEGs: the decoded ink values are converted without colour management, with Pillow's cmyk2rgb integer formula
 * (R = (255 - K) - round(C * (255 - K) / 255)), which is also what cv2.imread does. A profile-based conversion
 * (sharp's default) moves colours by about 14 levels on average on the Zebra fixture, away from what models saw.
 */
async function decodeCmyk(bytes: Uint8Array): Promise<RawImage> {
  const { data, info } = await sharp(bytes, { failOn: 'truncated' })
    .autoOrient()
    .pipelineColourspace('cmyk')
    .toColourspace('cmyk')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`CMYK decoder produced ${info.channels} channels instead of 4`);
  const pixels = info.width * info.height;
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const inkless = 255 - (data[p * 4 + 3] as number);
    for (let c = 0; c < 3; c++) {
      const t = (data[p * 4 + c] as number) * inkless + 128;
      out[p * 3 + c] = inkless - (((t >> 8) + t) >> 8);
    }
  }
  return rgb8(info.width, info.height, out);
}

/**
 * Most pixels decoded from one image (50 MP: a large phone photo; camera frames are far smaller). The header's size
 * is checked before decoding: a one-bit error in a PNG's width made sharp allocate and decode 167 MP (half a GB,
 * seconds) from 93 bytes before it noticed the data was short (found by the image fuzz suite).
 */
export const MAX_DECODED_PIXELS = 50_000_000;

function refuseOversize(format: string, width: number | undefined, height: number | undefined, bytes: number): void {
  const pixels = (width ?? 0) * (height ?? 0);
  if (pixels > MAX_DECODED_PIXELS) {
    throw new EdgenextError(
      ErrorCodes.decodeError,
      `cannot decode ${format.toUpperCase()} data (${bytes} bytes): its header says ${width}x${height} ` +
        `(${(pixels / 1e6).toFixed(1)} MP), more than the ${MAX_DECODED_PIXELS / 1e6} MP edgenext decodes ` +
        `(a damaged header, or downscale the image first)`,
    );
  }
}

function describe(input: CompressedImage): string {
  return input.format === '' ? 'image' : `'${input.format}' image`;
}

function hexPrefix(data: Uint8Array): string {
  return Array.from(data.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Decodes JPEG, PNG or WebP bytes to rgb8 (step = width * 3) with sharp, as PIL's convert('RGB') or cv2.imread would
 * see the picture: EXIF orientation applied, grayscale / palette expanded to RGB, CMYK converted with PIL's formula,
 * 16-bit reduced to 8-bit, alpha dropped (not composited), embedded ICC profiles ignored. The container is recognised by its magic bytes, whatever `format` says.
 * Throws EdgenextError 'decode_error' for unrecognised bytes and for truncated or corrupt data.
 */
export async function decodeCompressed(input: CompressedImage): Promise<RawImage> {
  const sniffed = sniffImageFormat(input.data);
  if (sniffed === undefined) {
    throw new EdgenextError(
      ErrorCodes.decodeError,
      `cannot decode ${describe(input)} of ${input.data.length} bytes: not JPEG, PNG or WebP (first bytes: ${hexPrefix(input.data)})`,
    );
  }
  try {
    const metadata = await sharp(input.data, { failOn: 'truncated' }).metadata();
    refuseOversize(sniffed, metadata.width, metadata.height, input.data.length);
    if (metadata.space === 'cmyk') return await decodeCmyk(input.data);
    // Embedded ICC profiles are ignored, as PIL's convert('RGB') and cv2.imread ignore them: the pixels then equal
    // what timm-trained models and the model zoo saw (checked byte for byte against PIL on the fixtures).
    const { data, info } = await sharp(input.data, { failOn: 'truncated', ignoreIcc: true })
      .autoOrient()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new Error(`decoder produced ${info.channels} channels instead of 3`);
    }
    return rgb8(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.length));
  } catch (error) {
    if (error instanceof EdgenextError) throw error;
    const detail = errorMessage(error).split('\n')[0] ?? 'unknown error';
    throw new EdgenextError(
      ErrorCodes.decodeError,
      `cannot decode ${sniffed.toUpperCase()} data (${input.data.length} bytes): ${detail}`,
      { cause: error },
    );
  }
}
