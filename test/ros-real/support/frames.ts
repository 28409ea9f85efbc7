/** Camera frames for the real-ROS tests: one real photo in every encoding the node takes, written to files. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { RawImage } from '../../../src/core/image';
import { rgbToEncoding } from '../../../src/image/rgbToEncoding';

export interface TestFrame {
  /** The encoding (raw) or `jpeg` / `png` (compressed). */
  readonly name: string;
  readonly type: 'sensor_msgs/msg/Image' | 'sensor_msgs/msg/CompressedImage';
  /** Message fields for probe.py, the bytes in `data_file`. */
  readonly fields: Record<string, unknown>;
  /** The raw frame (raw encodings only). */
  readonly raw?: RawImage;
  /** An image file with the same pixels, for `edgenext classify`, where a file format holds them exactly. */
  readonly sameFile?: string;
}

export const RAW_TEST_ENCODINGS = [
  'rgb8',
  'bgr8',
  'rgba8',
  'bgra8',
  'mono8',
  'yuv422',
  'yuv422_yuy2',
  'nv12',
  'nv21',
] as const;

/** `photo` scaled to width x height (even, for the 4:2:x encodings), in every encoding, under `dir`. */
export async function makeTestFrames(photo: string, dir: string, width = 96, height = 72): Promise<TestFrame[]> {
  const { data } = await sharp(photo).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer({
    resolveWithObject: true,
  });
  const rgb: RawImage = { kind: 'raw', width, height, encoding: 'rgb8', step: width * 3, data: new Uint8Array(data) };
  const frames: TestFrame[] = [];
  const rgbPng = path.join(dir, 'rgb.png');
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(rgbPng);
  for (const encoding of RAW_TEST_ENCODINGS) {
    const raw = encoding === 'rgb8' ? rgb : rgbToEncoding(rgb, encoding);
    const file = path.join(dir, `${encoding}.bin`);
    fs.writeFileSync(file, raw.data);
    let sameFile: string | undefined;
    if (['rgb8', 'bgr8', 'rgba8', 'bgra8'].includes(encoding)) sameFile = rgbPng;
    if (encoding === 'mono8') {
      sameFile = path.join(dir, 'mono.png');
      await sharp(Buffer.from(raw.data), { raw: { width, height, channels: 1 } })
        .png()
        .toFile(sameFile);
    }
    frames.push({
      name: encoding,
      type: 'sensor_msgs/msg/Image',
      fields: { height, width, encoding, is_bigendian: 0, step: raw.step, data_file: file },
      raw,
      ...(sameFile !== undefined ? { sameFile } : {}),
    });
  }
  for (const format of ['jpeg', 'png'] as const) {
    const file = path.join(dir, `frame.${format === 'jpeg' ? 'jpg' : 'png'}`);
    const image = sharp(data, { raw: { width, height, channels: 3 } });
    await (format === 'jpeg' ? image.jpeg({ quality: 90 }) : image.png()).toFile(file);
    frames.push({
      name: format,
      type: 'sensor_msgs/msg/CompressedImage',
      fields: { format, data_file: file },
      sameFile: file,
    });
  }
  return frames;
}
