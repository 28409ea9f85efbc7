import * as path from 'node:path';
import { RAW_ENCODINGS, type RawImage } from '../../src/core/image';
import { decodeCompressed, preprocessRaw, readImageFile, rgbToEncoding, toRgb8 } from '../../src/image';
import { IMAGES, spec } from './fixtures';

function raw(encoding: string, width: number, height: number, step: number, bytes: number): RawImage {
  return { kind: 'raw', encoding, width, height, step, data: new Uint8Array(bytes) };
}

function error(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    const { code, message } = e as { code: string; message: string };
    return { code, message };
  }
  throw new Error('expected a throw');
}

async function photo(file: string): Promise<RawImage> {
  return decodeCompressed(await readImageFile(path.join(IMAGES, file)));
}

/** Mean and max absolute difference between two rgb8 buffers. */
function errorStats(a: Uint8Array, b: Uint8Array): { mean: number; max: number; p99: number } {
  const hist = new Array<number>(256).fill(0);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    sum += d;
    hist[d] = (hist[d] as number) + 1;
  }
  let max = 0;
  let p99 = -1;
  let seen = 0;
  for (let d = 0; d < 256; d++) {
    if ((hist[d] as number) > 0) max = d;
    seen += hist[d] as number;
    if (p99 < 0 && seen >= 0.99 * a.length) p99 = d;
  }
  return { mean: sum / a.length, max, p99 };
}

describe('raw frame validation', () => {
  const s = spec();
  it.each([
    ['rgb8 step shorter than a row', raw('rgb8', 4, 2, 11, 24), 'step 11 is less than width * 3 = 12 bytes'],
    ['bgra8 truncated', raw('bgra8', 4, 2, 16, 31), 'expected at least 32 bytes (step 16 * 2 rows), got 31'],
    ['padded step truncated', raw('bgr8', 4, 2, 16, 30), 'expected at least 32 bytes (step 16 * 2 rows), got 30'],
    ['nv12 missing chroma', raw('nv12', 4, 4, 4, 16), 'expected at least 24 bytes (step 4 * 6 rows), got 16'],
    ['nv21 odd height', raw('nv21', 4, 3, 4, 100), 'width and height must be even for 4:2:0 (nv21), got 4x3'],
    ['uyvy odd width', raw('yuv422', 3, 2, 6, 100), 'width must be even for 4:2:2 (yuv422), got 3'],
    ['yuyv step', raw('yuv422_yuy2', 4, 2, 6, 100), 'step 6 is less than width * 2 = 8 bytes'],
    ['zero width', raw('mono8', 0, 2, 0, 0), 'width and height must be positive integers'],
    ['zero height', raw('rgb8', 2, 0, 6, 0), 'width and height must be positive integers'],
  ])('%s -> malformed_frame', (_name, image, detail) => {
    const e = error(() => preprocessRaw(image, s));
    expect(e.code).toBe('malformed_frame');
    expect(e.message).toContain(detail);
    expect(e.message).toContain(`${image.encoding} frame ${image.width}x${image.height}`);
  });

  it('unknown encoding -> unsupported_encoding naming it', () => {
    const e = error(() => preprocessRaw(raw('bayer_rggb8', 4, 4, 4, 16), s));
    expect(e).toEqual({ code: 'unsupported_encoding', message: expect.stringContaining("'bayer_rggb8'") });
    expect(error(() => toRgb8(raw('16UC1', 2, 2, 4, 8))).code).toBe('unsupported_encoding');
  });

  it('rejects an output buffer of the wrong type or size', () => {
    const frame = raw('rgb8', 4, 4, 12, 48);
    expect(error(() => preprocessRaw(frame, spec({ format: 'nv12' }), new Uint8Array(10)))).toEqual({
      code: 'invalid_argument',
      message: expect.stringContaining('Uint8Array of 75264 elements'),
    });
    expect(error(() => preprocessRaw(frame, spec({ format: 'float32_nchw_rgb' }), new Uint8Array(150528))).code).toBe(
      'invalid_argument',
    );
  });
});

describe('every encoding from a real photo', () => {
  let rgb: RawImage;
  beforeAll(async () => {
    // 480x360 photo; its natural edges make chroma subsampling errors visible.
    rgb = await photo('caffe_cat.jpg');
  });

  it.each(['rgb8', 'bgr8', 'rgba8', 'bgra8'])('%s round-trips exactly, also with row padding', (encoding) => {
    for (const rowPaddingBytes of [0, 13]) {
      const frame = rgbToEncoding(rgb, encoding, { rowPaddingBytes });
      expect(frame.step).toBe(rgb.width * (encoding.length === 5 ? 4 : 3) + rowPaddingBytes);
      expect(Buffer.from(toRgb8(frame).data).equals(Buffer.from(rgb.data))).toBe(true);
    }
  });

  it('bgr8 stores B, G, R and bgra8 an opaque alpha', () => {
    const bgra = rgbToEncoding(rgb, 'bgra8');
    expect([bgra.data[0], bgra.data[1], bgra.data[2], bgra.data[3]]).toEqual([
      rgb.data[2],
      rgb.data[1],
      rgb.data[0],
      255,
    ]);
  });

  it('mono8 is the BT.601 luma, replicated to R=G=B', () => {
    const gray = toRgb8(rgbToEncoding(rgb, 'mono8'));
    for (let p = 0; p < rgb.width * rgb.height; p += 997) {
      const [r, g, b] = [rgb.data[p * 3] as number, rgb.data[p * 3 + 1] as number, rgb.data[p * 3 + 2] as number];
      const expected = 0.299 * r + 0.587 * g + 0.114 * b;
      expect(Math.abs((gray.data[p * 3] as number) - expected)).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(gray.data[p * 3 + 1]).toBe(gray.data[p * 3]);
      expect(gray.data[p * 3 + 2]).toBe(gray.data[p * 3]);
    }
  });

  it.each(['yuv422', 'yuv422_yuy2', 'nv12', 'nv21'])(
    '%s round-trips within the BT.601 limited-range bounds',
    (encoding) => {
      const frame = rgbToEncoding(rgb, encoding);
      const stats = errorStats(toRgb8(frame).data, rgb.data);
      // Chroma is subsampled (top-left sample per block), so edges differ; most pixels are within a few levels.
      // Measured on this photo: mean 0.9 (4:2:2) / 1.2 (4:2:0) levels, 99th percentile 7 / 9.
      expect(stats.mean).toBeLessThan(encoding.startsWith('nv') ? 2 : 1.5);
      expect(stats.p99).toBeLessThanOrEqual(encoding.startsWith('nv') ? 12 : 10);
      const padded = rgbToEncoding(rgb, encoding, { rowPaddingBytes: 64 });
      expect(Buffer.from(toRgb8(padded).data).equals(Buffer.from(toRgb8(frame).data))).toBe(true);
    },
  );

  it('flat colours survive RGB -> NV12 -> RGB within quantisation (<= 2 levels)', () => {
    const w = 16;
    const h = 8;
    const colours = [
      [0, 0, 0],
      [255, 255, 255],
      [127, 127, 127],
      [200, 30, 60],
      [20, 180, 90],
      [40, 60, 220],
    ];
    for (const [r, g, b] of colours) {
      const data = new Uint8Array(w * h * 3);
      for (let i = 0; i < w * h; i++) data.set([r as number, g as number, b as number], i * 3);
      const back = toRgb8(
        rgbToEncoding({ kind: 'raw', width: w, height: h, encoding: 'rgb8', step: w * 3, data }, 'nv12'),
      );
      expect(errorStats(back.data, data).max).toBeLessThanOrEqual(2);
    }
  });

  it('preprocessRaw ignores row padding: padded and tight frames give identical inputs', () => {
    for (const encoding of RAW_ENCODINGS) {
      const tight = rgbToEncoding(rgb, encoding);
      const padded = rgbToEncoding(rgb, encoding, { rowPaddingBytes: 32 });
      for (const format of ['nv12', 'float32_nchw_rgb'] as const) {
        const a = preprocessRaw(tight, spec({ format })).data;
        const b = preprocessRaw(padded, spec({ format })).data;
        expect({ encoding, format, equal: Buffer.from(a.buffer).equals(Buffer.from(b.buffer)) }).toEqual({
          encoding,
          format,
          equal: true,
        });
      }
    }
  });

  it('every encoding of the same photo gives nearly the same model input', () => {
    const reference = preprocessRaw(rgb, spec({ format: 'float32_nchw_rgb' })).data as Float32Array;
    for (const encoding of RAW_ENCODINGS) {
      const input = preprocessRaw(rgbToEncoding(rgb, encoding), spec({ format: 'float32_nchw_rgb' }))
        .data as Float32Array;
      let sum = 0;
      for (let i = 0; i < input.length; i++) sum += Math.abs((input[i] as number) - (reference[i] as number));
      // In 0..255 levels (std ~0.225): packed colour is exact; YUV and gray lose chroma detail.
      const meanLevels = (sum / input.length) * 0.225 * 255;
      // Measured: 0 for packed colour, 0.6 (4:2:2), 0.8 (4:2:0), 17 for gray (colour is gone).
      const bound = encoding === 'mono8' ? 25 : encoding.startsWith('nv') || encoding.startsWith('yuv') ? 1.5 : 0;
      expect({ encoding, ok: meanLevels <= bound }).toEqual({ encoding, ok: true });
    }
  });
});
