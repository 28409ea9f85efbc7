import { sharp } from './sharp';
import type { RawImage } from '../core/image';
import { toRgb8 } from './toRgb8';

/**
 * Letterboxes a raw frame with sharp (libvips: fit 'contain', bilinear kernel, grey padding). Not used per frame:
 * benchmarks time it against preprocessRaw to show why raw frames take the purpose-built path
 * (docs/measured-facts.md: 3 to 4 ms per 720p frame).
 */
export async function sharpLetterboxRgb(
  image: RawImage,
  width: number,
  height: number,
  padValue: number,
): Promise<RawImage> {
  const rgb = image.encoding === 'rgb8' && image.step === image.width * 3 ? image : toRgb8(image);
  const data = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(width, height, { fit: 'contain', kernel: 'linear', background: { r: padValue, g: padValue, b: padValue } })
    .raw()
    .toBuffer();
  return { kind: 'raw', width, height, encoding: 'rgb8', step: width * 3, data: new Uint8Array(data) };
}

/** Sets libvips' thread count (sharp.concurrency); benchmarks use 1 to compare single-threaded costs. */
export function setSharpConcurrency(threads: number): void {
  sharp.concurrency(threads);
}
