import { writeFileSync } from 'node:fs';
import { encodeCompressed } from '../../src/image';

/** Writes a uniform grey (128) PNG of `width` x `height` to `file`: a picture whose model inputs are easy to predict. */
export async function writeGrayPng(file: string, width = 320, height = 240): Promise<void> {
  const png = await encodeCompressed(
    {
      kind: 'raw',
      width,
      height,
      encoding: 'rgb8',
      step: width * 3,
      data: new Uint8Array(width * height * 3).fill(128),
    },
    'png',
  );
  writeFileSync(file, png.data);
}
