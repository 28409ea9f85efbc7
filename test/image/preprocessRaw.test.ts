import type { RawImage } from '../../src/core/image';
import type { PreprocessSpec } from '../../src/core/preprocessing';
import { preprocessRaw } from '../../src/image';
import { IMAGENET_MEAN, IMAGENET_STD, spec } from './fixtures';

function rgbImage(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { kind: 'raw', width, height, encoding: 'rgb8', step: width * 3, data };
}

/** Independent normalisation formula, in doubles. */
function normalised(v: number, c: number): number {
  return (v / 255 - (IMAGENET_MEAN[c] as number)) / (IMAGENET_STD[c] as number);
}

function floatAt(data: Float32Array, s: PreprocessSpec, c: number, x: number, y: number): number {
  return data[c * s.width * s.height + y * s.width + x] as number;
}

const PIXELS: [number, number, number][] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [17, 128, 240],
];

describe('preprocessRaw on hand-made images', () => {
  const identity = spec({ width: 2, height: 2, format: 'float32_nchw_rgb', resize: { policy: 'stretch' } });

  it.each([
    ['rgb8', 3, (p: number[]) => p],
    ['bgr8', 3, (p: number[]) => [p[2], p[1], p[0]]],
    ['rgba8', 4, (p: number[]) => [...p, 9]],
    ['bgra8', 4, (p: number[]) => [p[2], p[1], p[0], 9]],
  ] as const)('%s 2x2 -> exact normalised planar RGB', (encoding, bpp, pack) => {
    const step = 2 * bpp + 3; // row padding that must be skipped
    const data = new Uint8Array(step * 2).fill(0xee);
    PIXELS.forEach((p, i) => data.set(pack(p) as number[], (i >> 1) * step + (i & 1) * bpp));
    const out = preprocessRaw({ kind: 'raw', encoding, width: 2, height: 2, step, data }, identity);
    expect(out.format).toBe('float32_nchw_rgb');
    const f = out.data as Float32Array;
    PIXELS.forEach((p, i) => {
      for (let c = 0; c < 3; c++) {
        expect(floatAt(f, identity, c, i & 1, i >> 1)).toBeCloseTo(normalised(p[c] as number, c), 6);
      }
    });
  });

  it('mono8 replicates gray into the three planes', () => {
    const data = Uint8Array.from([0, 77, 200, 255]);
    const f = preprocessRaw({ kind: 'raw', encoding: 'mono8', width: 2, height: 2, step: 2, data }, identity)
      .data as Float32Array;
    data.forEach((v, i) => {
      for (let c = 0; c < 3; c++) expect(floatAt(f, identity, c, i & 1, i >> 1)).toBeCloseTo(normalised(v, c), 6);
    });
  });

  it('4x4 -> 2x2 bilinear is the rounded mean of each 2x2 block (half-pixel centres)', () => {
    const src = rgbImage(4, 4, (x, y) => [x * 60 + y, y * 70 + 3, (x * 37 + y * 11) % 256]);
    const s = spec({
      width: 2,
      height: 2,
      format: 'float32_nchw_rgb',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { policy: 'stretch' },
    });
    const f = preprocessRaw(src, s).data as Float32Array;
    for (let by = 0; by < 2; by++) {
      for (let bx = 0; bx < 2; bx++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let dy = 0; dy < 2; dy++) {
            for (let dx = 0; dx < 2; dx++) sum += src.data[((by * 2 + dy) * 4 + bx * 2 + dx) * 3 + c] as number;
          }
          expect(Math.round(floatAt(f, s, c, bx, by) * 255)).toBe(Math.floor((sum + 2) / 4));
        }
      }
    }
  });

  it('2x1 -> 4x1 upscale uses weights 1, 3/4-1/4, 1/4-3/4, 1 with clamped edges', () => {
    const src = rgbImage(2, 1, (x) => (x === 0 ? [0, 100, 200] : [200, 100, 0]));
    const s = spec({
      width: 4,
      height: 1,
      format: 'float32_nchw_rgb',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { policy: 'stretch' },
    });
    const f = preprocessRaw(src, s).data as Float32Array;
    const red = [0, 1, 2, 3].map((x) => Math.round(floatAt(f, s, 0, x, 0) * 255));
    expect(red).toEqual([0, 50, 150, 200]);
    const blue = [0, 1, 2, 3].map((x) => Math.round(floatAt(f, s, 2, x, 0) * 255));
    expect(blue).toEqual([200, 150, 50, 0]);
  });

  it('letterbox pads with 127 on all channels, floor(slack/2) on top', () => {
    // 8x4 red/blue halves -> 224x112 content, 56 rows of padding above and below.
    const src = rgbImage(8, 4, (x) => (x < 4 ? [250, 10, 10] : [10, 10, 250]));
    const s = spec({ format: 'float32_nchw_rgb' });
    const f = preprocessRaw(src, s).data as Float32Array;
    for (const y of [0, 55, 168, 223]) {
      for (let c = 0; c < 3; c++) expect(floatAt(f, s, c, 100, y)).toBeCloseTo(normalised(127, c), 6);
    }
    expect(floatAt(f, s, 0, 10, 56)).toBeCloseTo(normalised(250, 0), 6);
    expect(floatAt(f, s, 2, 200, 167)).toBeCloseTo(normalised(250, 2), 6);
  });

  it('NV12 output follows BT.601 limited range (independent float formula within 1 level)', () => {
    const src = rgbImage(2, 2, (x, y) => PIXELS[y * 2 + x] as [number, number, number]);
    const s = spec({ width: 2, height: 2, format: 'nv12', resize: { policy: 'stretch' } });
    const out = preprocessRaw(src, s);
    expect(out.data.length).toBe(6);
    const yOf = ([r, g, b]: number[]) => 16 + (65.481 * r! + 128.553 * g! + 24.966 * b!) / 255;
    PIXELS.forEach((p, i) => expect(Math.abs((out.data[i] as number) - yOf(p))).toBeLessThanOrEqual(1));
    // Chroma of the block comes from its top-left pixel (OpenCV's BGR2YUV_I420), U first.
    const [r, g, b] = PIXELS[0] as number[];
    const u = 128 + (-37.797 * r! - 74.203 * g! + 112 * b!) / 255;
    const v = 128 + (112 * r! - 93.786 * g! - 18.214 * b!) / 255;
    expect(Math.abs((out.data[4] as number) - u)).toBeLessThanOrEqual(1);
    expect(Math.abs((out.data[5] as number) - v)).toBeLessThanOrEqual(1);
  });

  it('NV12 letterbox padding is gray 127: Y 125, U = V = 128', () => {
    const src = rgbImage(8, 4, () => [0, 0, 0]);
    const out = preprocessRaw(src, spec({ format: 'nv12' }));
    expect(out.data[0]).toBe(125); // row 0 is padding
    expect(out.data[224 * 60]).toBe(16); // black content
    expect(out.data[224 * 224]).toBe(128);
    expect(out.data[224 * 224 + 1]).toBe(128);
    expect(out.data[224 * 224 + 112 * 60]).toBe(128); // black has neutral chroma too
    expect(out.data.length).toBe(75264);
  });

  it('center_crop takes the centre of the short-side resize', () => {
    // 8x4 image, 4x4 target, cropPct 1: short side 4 keeps 8x4, the crop takes columns 2..5.
    const src = rgbImage(8, 4, (x) => [x * 30, 0, 0]);
    const s = spec({
      width: 4,
      height: 4,
      format: 'float32_nchw_rgb',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { policy: 'center_crop', cropPct: 1, interpolation: 'bicubic' },
    });
    const f = preprocessRaw(src, s).data as Float32Array;
    expect([0, 1, 2, 3].map((x) => Math.round(floatAt(f, s, 0, x, 0) * 255))).toEqual([60, 90, 120, 150]);
  });

  it('center_crop bicubic downscale equals Pillow antialiased bicubic on a 1-D ramp (hand-computed weights)', () => {
    // 8 -> 4 columns (scale 2): support 4, taps at distance (x + 0.5 - centre) / 2; Pillow's a = -0.5 kernel.
    const src = rgbImage(8, 8, (x) => [x * 30, 0, 0]);
    const s = spec({
      width: 4,
      height: 4,
      format: 'float32_nchw_rgb',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { policy: 'center_crop', cropPct: 1, interpolation: 'bicubic' },
    });
    const f = preprocessRaw(src, s).data as Float32Array;
    const kernel = (t: number) => {
      const a = -0.5;
      const u = Math.abs(t);
      if (u < 1) return ((a + 2) * u - (a + 3)) * u * u + 1;
      if (u < 2) return (((u - 5) * u + 8) * u - 4) * a;
      return 0;
    };
    for (let ox = 0; ox < 4; ox++) {
      const centre = (ox + 0.5) * 2;
      let num = 0;
      let den = 0;
      for (let x = 0; x < 8; x++) {
        const w = kernel((x + 0.5 - centre) / 2);
        num += w * x * 30;
        den += w;
      }
      const expected = Math.min(255, Math.max(0, num / den));
      expect(Math.abs(Math.round(floatAt(f, s, 0, ox, 2) * 255) - expected)).toBeLessThanOrEqual(0.5 + 1e-6);
    }
  });

  it('fills and returns a caller-provided output buffer, and caches nothing across sizes', () => {
    const out = new Float32Array(3 * 224 * 224).fill(NaN);
    const a = preprocessRaw(
      rgbImage(64, 48, () => [10, 20, 30]),
      spec({ format: 'float32_nchw_rgb' }),
      out,
    );
    expect(a.data).toBe(out);
    expect(out.some((v) => Number.isNaN(v))).toBe(false);
    const b = preprocessRaw(
      rgbImage(48, 64, () => [10, 20, 30]),
      spec({ format: 'float32_nchw_rgb' }),
      out,
    );
    // Portrait now: the top-left corner is padding, not content.
    expect(floatAt(b.data as Float32Array, spec(), 0, 0, 0)).toBeCloseTo(normalised(127, 0), 6);
    expect(floatAt(b.data as Float32Array, spec(), 0, 112, 0)).toBeCloseTo(normalised(10, 0), 6);
  });

  it('handles extreme shapes: a 1x1 frame fills the content, a 4000x2 strip letterboxes to one row', () => {
    const one = preprocessRaw(
      rgbImage(1, 1, () => [9, 99, 199]),
      spec({ format: 'nv12', resize: { policy: 'stretch' } }),
    );
    expect(new Set(one.data.subarray(0, 224 * 224)).size).toBe(1);
    const s = spec({ format: 'float32_nchw_rgb' });
    const strip = preprocessRaw(
      rgbImage(4000, 2, () => [200, 200, 200]),
      s,
    ).data as Float32Array;
    // trunc(2 * 0.056) = 0 becomes 1 row, placed at floor(223 / 2) = 111.
    expect(floatAt(strip, s, 0, 100, 110)).toBeCloseTo(normalised(127, 0), 6);
    expect(floatAt(strip, s, 0, 100, 111)).toBeCloseTo(normalised(200, 0), 6);
    expect(floatAt(strip, s, 0, 100, 112)).toBeCloseTo(normalised(127, 0), 6);
  });
});
