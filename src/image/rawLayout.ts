import { EdgenextError, ErrorCodes } from '../core/errors';
import { isRawEncoding, RAW_ENCODINGS, type RawEncoding, type RawImage } from '../core/image';

/** How the bytes of one validated raw frame are laid out; offsets are byte offsets into `data`. */
export type RawLayout =
  | {
      readonly family: 'packed';
      readonly encoding: RawEncoding;
      readonly width: number;
      readonly height: number;
      readonly step: number;
      readonly bytesPerPixel: number;
      /** Offsets of R, G and B inside one pixel (mono8: all 0). */
      readonly rOffset: number;
      readonly gOffset: number;
      readonly bOffset: number;
    }
  | {
      readonly family: 'yuv422';
      readonly encoding: RawEncoding;
      readonly width: number;
      readonly height: number;
      readonly step: number;
      /** Offsets inside one 4-byte macropixel (two pixels sharing U and V). */
      readonly y0Offset: number;
      readonly y1Offset: number;
      readonly uOffset: number;
      readonly vOffset: number;
    }
  | {
      readonly family: 'yuv420sp';
      readonly encoding: RawEncoding;
      readonly width: number;
      readonly height: number;
      /** Bytes per row of the Y plane and of the interleaved chroma plane (they share the pitch). */
      readonly step: number;
      /** Byte offset of the chroma plane: step * height. */
      readonly chromaOffset: number;
      readonly uOffset: number;
      readonly vOffset: number;
    };

interface EncodingInfo {
  readonly family: RawLayout['family'];
  readonly bytesPerPixel: number;
  readonly offsets: readonly number[];
}

// Bytes per pixel is per row for the 4:2:0 formats (the Y rows); their chroma rows add half as many rows again.
const ENCODING_INFO: Readonly<Record<RawEncoding, EncodingInfo>> = {
  rgb8: { family: 'packed', bytesPerPixel: 3, offsets: [0, 1, 2] },
  bgr8: { family: 'packed', bytesPerPixel: 3, offsets: [2, 1, 0] },
  rgba8: { family: 'packed', bytesPerPixel: 4, offsets: [0, 1, 2] },
  bgra8: { family: 'packed', bytesPerPixel: 4, offsets: [2, 1, 0] },
  mono8: { family: 'packed', bytesPerPixel: 1, offsets: [0, 0, 0] },
  // UYVY: U0 Y0 V0 Y1
  yuv422: { family: 'yuv422', bytesPerPixel: 2, offsets: [1, 3, 0, 2] },
  // YUYV: Y0 U0 Y1 V0
  yuv422_yuy2: { family: 'yuv422', bytesPerPixel: 2, offsets: [0, 2, 1, 3] },
  nv12: { family: 'yuv420sp', bytesPerPixel: 1, offsets: [0, 1] },
  nv21: { family: 'yuv420sp', bytesPerPixel: 1, offsets: [1, 0] },
};

/** Bytes per pixel of a packed row (for nv12/nv21: of a Y row). */
export function bytesPerPixel(encoding: RawEncoding): number {
  return ENCODING_INFO[encoding].bytesPerPixel;
}

/** Total rows of `step` bytes a frame of this encoding needs (4:2:0 adds a half-height chroma plane). */
export function rowsInBuffer(encoding: RawEncoding, height: number): number {
  return ENCODING_INFO[encoding].family === 'yuv420sp' ? height + height / 2 : height;
}

function malformed(image: RawImage, problem: string): EdgenextError {
  return new EdgenextError(
    ErrorCodes.malformedFrame,
    `malformed ${image.encoding} frame ${image.width}x${image.height} (step ${image.step}): ${problem}`,
  );
}

/**
 * Checks a raw frame against its encoding and returns how to address its pixels.
 * Throws EdgenextError 'unsupported_encoding' for an encoding outside RAW_ENCODINGS and 'malformed_frame'
 * for zero or non-integer size, odd width (4:2:2) or odd width/height (4:2:0), a step shorter than a row,
 * or fewer bytes than step * rows.
 */
export function validateRawImage(image: RawImage): RawLayout {
  const { encoding, width, height, step } = image;
  if (!isRawEncoding(encoding)) {
    throw new EdgenextError(
      ErrorCodes.unsupportedEncoding,
      `unsupported image encoding '${encoding}' (supported: ${RAW_ENCODINGS.join(', ')})`,
    );
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw malformed(image, 'width and height must be positive integers');
  }
  if (!Number.isInteger(step) || step < 0) throw malformed(image, 'step must be a non-negative integer');
  const info = ENCODING_INFO[encoding];
  if (info.family === 'yuv422' && width % 2 !== 0) {
    throw malformed(image, `width must be even for 4:2:2 (${encoding}), got ${width}`);
  }
  if (info.family === 'yuv420sp' && (width % 2 !== 0 || height % 2 !== 0)) {
    throw malformed(image, `width and height must be even for 4:2:0 (${encoding}), got ${width}x${height}`);
  }
  const rowBytes = width * info.bytesPerPixel;
  if (step < rowBytes) {
    throw malformed(image, `step ${step} is less than width * ${info.bytesPerPixel} = ${rowBytes} bytes`);
  }
  const rows = rowsInBuffer(encoding, height);
  const needed = step * rows;
  if (image.data.length < needed) {
    throw malformed(image, `expected at least ${needed} bytes (step ${step} * ${rows} rows), got ${image.data.length}`);
  }
  const o = info.offsets;
  switch (info.family) {
    case 'packed':
      return {
        family: 'packed',
        encoding,
        width,
        height,
        step,
        bytesPerPixel: info.bytesPerPixel,
        rOffset: o[0] ?? 0,
        gOffset: o[1] ?? 0,
        bOffset: o[2] ?? 0,
      };
    case 'yuv422':
      return {
        family: 'yuv422',
        encoding,
        width,
        height,
        step,
        y0Offset: o[0] ?? 0,
        y1Offset: o[1] ?? 0,
        uOffset: o[2] ?? 0,
        vOffset: o[3] ?? 0,
      };
    case 'yuv420sp':
      return {
        family: 'yuv420sp',
        encoding,
        width,
        height,
        step,
        chromaOffset: step * height,
        uOffset: o[0] ?? 0,
        vOffset: o[1] ?? 0,
      };
  }
}
