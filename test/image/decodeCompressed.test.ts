import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { CompressedImage, RawImage } from '../../src/core/image';
import {
  decodeCompressed,
  encodeCompressed,
  preprocessImage,
  preprocessRaw,
  readImageFile,
  sniffImageFormat,
} from '../../src/image';
import { IMAGES, spec } from './fixtures';

interface ManifestEntry {
  readonly file: string;
  readonly mode: string;
  readonly width: number;
  readonly height: number;
  readonly exif_orientation: number | null;
}

const manifest = JSON.parse(readFileSync(path.join(IMAGES, 'manifest.json'), 'utf8')) as { images: ManifestEntry[] };

function compressed(data: Uint8Array, format = ''): CompressedImage {
  return { kind: 'compressed', format, data };
}

async function decodeFile(file: string): Promise<RawImage> {
  return decodeCompressed(await readImageFile(path.join(IMAGES, file)));
}

/** A PNG built by hand (IHDR, one IDAT, IEND) so the expected pixels are known without any decoder. */
function png(width: number, height: number, colourType: number, bitDepth: number, rows: Uint8Array[]): Uint8Array {
  const chunk = (type: string, body: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType;
  const raw = Buffer.concat(rows.map((r) => Buffer.concat([Buffer.from([0]), r])));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(raw)),
      chunk('IEND', new Uint8Array(0)),
    ]),
  );
}

/** Inserts an EXIF APP1 segment holding only an Orientation tag right after the JPEG SOI marker. */
function withExifOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = Buffer.from([
    0x49,
    0x49,
    0x2a,
    0x00,
    0x08,
    0x00,
    0x00,
    0x00, // little-endian TIFF header, IFD0 at 8
    0x01,
    0x00, // one entry
    0x12,
    0x01,
    0x03,
    0x00,
    0x01,
    0x00,
    0x00,
    0x00,
    orientation,
    0x00,
    0x00,
    0x00, // 0x0112 SHORT 1 value
    0x00,
    0x00,
    0x00,
    0x00, // no next IFD
  ]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.alloc(4);
  app1[0] = 0xff;
  app1[1] = 0xe1;
  app1.writeUInt16BE(body.length + 2, 2);
  return new Uint8Array(Buffer.concat([jpeg.subarray(0, 2), app1, body, jpeg.subarray(2)]));
}

/** Removes every APP1 (EXIF/XMP) segment from a JPEG. */
function withoutApp1(jpeg: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at < jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    const length = ((jpeg[at + 2] as number) << 8) | (jpeg[at + 3] as number);
    if (jpeg[at + 1] !== 0xe1) parts.push(jpeg.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  parts.push(jpeg.subarray(at));
  return new Uint8Array(Buffer.concat(parts));
}

function pixel(image: RawImage, x: number, y: number): number[] {
  const at = y * image.step + x * 3;
  return [image.data[at] as number, image.data[at + 1] as number, image.data[at + 2] as number];
}

function meanAbsDiff(a: RawImage, b: RawImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs((a.data[i] as number) - (b.data[i] as number));
  return sum / a.data.length;
}

describe('decodeCompressed', () => {
  it.each(manifest.images.map((m) => [m.file, m] as const))('decodes %s to rgb8 of the right size', async (_f, m) => {
    const image = await decodeFile(m.file);
    const rotated = m.exif_orientation !== null && m.exif_orientation >= 5;
    expect([image.encoding, image.width, image.height, image.step]).toEqual([
      'rgb8',
      rotated ? m.height : m.width,
      rotated ? m.width : m.height,
      (rotated ? m.height : m.width) * 3,
    ]);
    expect(image.data.length).toBe(image.step * image.height);
  });

  it('applies EXIF orientation 6 (pillow_hopper): equals the EXIF-less decode turned 90 degrees clockwise', async () => {
    const bytes = (await readImageFile(path.join(IMAGES, 'pillow_hopper_orientation_6.jpg'))).data;
    const oriented = await decodeCompressed(compressed(bytes));
    const stored = await decodeCompressed(compressed(withoutApp1(bytes)));
    const { width: w, height: h } = stored;
    for (const [x, y] of [
      [0, 0],
      [5, 100],
      [127, 3],
      [64, 64],
    ] as const) {
      // Displayed (x, y) comes from stored (y, h - 1 - x).
      expect(pixel(oriented, x, y)).toEqual(pixel(stored, y, h - 1 - x));
    }
    expect(w).toBe(128);
  });

  it('swaps width and height for orientation 6 on a non-square JPEG', async () => {
    const cat = (await readImageFile(path.join(IMAGES, 'caffe_cat.jpg'))).data;
    const upright = await decodeCompressed(compressed(cat));
    const turned = await decodeCompressed(compressed(withExifOrientation(cat, 6)));
    expect([turned.width, turned.height]).toEqual([upright.height, upright.width]);
    expect(pixel(turned, 0, 0)).toEqual(pixel(upright, 0, upright.height - 1));
    expect(pixel(turned, turned.width - 1, 0)).toEqual(pixel(upright, 0, 0));
  });

  it('converts CMYK to RGB close to the original RGB photo', async () => {
    const cmyk = await decodeFile('Zebra_cmyk.jpg');
    const rgb = await decodeFile('Zebra.jpg');
    expect([cmyk.width, cmyk.height]).toEqual([rgb.width, rgb.height]);
    // PIL and cv2.imread also land 1.3 levels away on average (a profile-based conversion lands 14 away).
    expect(meanAbsDiff(cmyk, rgb)).toBeLessThan(2);
  });

  it('expands grayscale JPEGs to R = G = B', async () => {
    const gray = await decodeFile('caffe_cat_gray.jpg');
    for (let p = 0; p < gray.width * gray.height; p += 101) {
      const [r, g, b] = [gray.data[p * 3], gray.data[p * 3 + 1], gray.data[p * 3 + 2]];
      expect([g, b]).toEqual([r, r]);
    }
    const colour = await decodeFile('caffe_cat.jpg');
    expect(meanAbsDiff(gray, colour)).toBeLessThan(40);
  });

  it('drops alpha without compositing (as PIL convert("RGB")), and reduces 16-bit to 8-bit', async () => {
    const rgba = png(2, 1, 6, 8, [Uint8Array.from([200, 100, 50, 0, 10, 20, 30, 128])]);
    const a = await decodeCompressed(compressed(rgba, 'png'));
    expect([a.width, a.height, Array.from(a.data)]).toEqual([2, 1, [200, 100, 50, 10, 20, 30]]);

    const rgb16 = png(2, 1, 2, 16, [
      Uint8Array.from([0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x12, 0x34, 0xab, 0xcd, 0x00, 0xff]),
    ]);
    const b = await decodeCompressed(compressed(rgb16, 'png'));
    const expected = [0xff, 0x80, 0x00, 0x12, 0xab, 0x00];
    b.data.forEach((v, i) => expect(Math.abs(v - (expected[i] as number))).toBeLessThanOrEqual(1));

    const gray16 = png(1, 1, 0, 16, [Uint8Array.from([0x40, 0x00])]);
    expect(Array.from((await decodeCompressed(compressed(gray16))).data)).toEqual([0x40, 0x40, 0x40]);
  });

  it('decodes the palette PNG edge case', async () => {
    const p = await decodeFile('edge/skimage_palette_color.png');
    expect([p.width, p.height, p.data.length]).toEqual([10, 10, 300]);
  });

  it('round-trips WebP (lossless) and PNG written by encodeCompressed', async () => {
    const cat = await decodeFile('n01871265_tusker.JPEG');
    for (const format of ['png', 'webp'] as const) {
      const encoded = await encodeCompressed(cat, format, { lossless: true });
      expect(sniffImageFormat(encoded.data)).toBe(format);
      const back = await decodeCompressed(encoded);
      expect(Buffer.from(back.data).equals(Buffer.from(cat.data))).toBe(true);
    }
    const jpeg = await encodeCompressed(cat, 'jpeg', { quality: 95 });
    expect(meanAbsDiff(await decodeCompressed(jpeg), cat)).toBeLessThan(3);
  });

  it('trusts the magic bytes over the format string', async () => {
    const pngBytes = png(1, 1, 2, 8, [Uint8Array.from([1, 2, 3])]);
    expect(Array.from((await decodeCompressed(compressed(pngBytes, 'jpeg'))).data)).toEqual([1, 2, 3]);
  });

  it('gives a clean decode_error for the truncated JPEG fixture', async () => {
    await expect(decodeFile('edge/skimage_truncated.jpg')).rejects.toMatchObject({
      code: 'decode_error',
      message: expect.stringMatching(/cannot decode JPEG data \(400 bytes\): .*premature end/i),
    });
  });

  it('gives decode_error for bytes that are no image, and for a corrupt PNG', async () => {
    await expect(decodeCompressed(compressed(new TextEncoder().encode('hello world'), 'jpeg'))).rejects.toMatchObject({
      code: 'decode_error',
      message: expect.stringContaining("'jpeg' image of 11 bytes: not JPEG, PNG or WebP (first bytes: 68 65 6c"),
    });
    const broken = png(4, 4, 2, 8, [new Uint8Array(12), new Uint8Array(12), new Uint8Array(12), new Uint8Array(12)]);
    broken[40] = (broken[40] as number) ^ 0xff; // inside IDAT
    await expect(decodeCompressed(compressed(broken.subarray(0, 45)))).rejects.toMatchObject({ code: 'decode_error' });
    await expect(decodeCompressed(compressed(new Uint8Array(0)))).rejects.toMatchObject({ code: 'decode_error' });
  });

  it('refuses, before decoding, a header claiming more than MAX_DECODED_PIXELS (fuzz seed 20261206 regression)', async () => {
    // The fuzz suite's counterexample: a 6x5 RGBA PNG with bit 1 of byte 16 (the top byte of the IHDR width) flipped
    // claims 33554438x5 = 167.8 MP; sharp used to allocate and decode it (half a GB, seconds) before failing.
    const rgba = { kind: 'raw' as const, width: 6, height: 5, encoding: 'rgba8', step: 24, data: new Uint8Array(120) };
    const bytes = (await encodeCompressed(rgba, 'png')).data.slice();
    bytes[16] = (bytes[16] as number) ^ 0b10;
    // The message is the header check's, not libpng's read error: nothing was decoded.
    await expect(decodeCompressed(compressed(bytes))).rejects.toMatchObject({
      code: 'decode_error',
      message: `cannot decode PNG data (${bytes.length} bytes): its header says 33554438x5 (167.8 MP), more than the 50 MP edgenext decodes (a damaged header, or downscale the image first)`,
    });
  });

  it('readImageFile: file_not_found names the path', async () => {
    const missing = path.join(IMAGES, 'no_such_image.jpg');
    await expect(readImageFile(missing)).rejects.toMatchObject({
      code: 'file_not_found',
      message: `image file not found: ${missing}`,
    });
    const file = await readImageFile(path.join(IMAGES, 'Zebra.jpg'));
    expect([file.kind, file.format, sniffImageFormat(file.data)]).toEqual(['compressed', 'jpg', 'jpeg']);
  });

  it('preprocessImage decodes compressed input and then takes the raw path', async () => {
    const file = await readImageFile(path.join(IMAGES, 'caffe_cat.jpg'));
    const s = spec({ format: 'nv12' });
    const viaImage = await preprocessImage(file, s);
    const viaRaw = preprocessRaw(await decodeCompressed(file), s);
    expect(Buffer.from(viaImage.data).equals(Buffer.from(viaRaw.data))).toBe(true);
    await expect(preprocessImage(compressed(new Uint8Array(10)), s)).rejects.toMatchObject({ code: 'decode_error' });
  });
});
