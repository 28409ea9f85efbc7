import * as path from 'node:path';
import { RAW_ENCODINGS, type RawImage } from '../../src/core/image';
import { decodeCompressed, preprocessRaw, readImageFile, rgbToEncoding } from '../../src/image';
import { IMAGES, spec } from './fixtures';

function bytesOf(data: Float32Array | Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function evenCrop(image: RawImage): RawImage {
  const width = image.width & ~1;
  const height = image.height & ~1;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    data.set(image.data.subarray(y * image.step, y * image.step + width * 3), y * width * 3);
  return { kind: 'raw', width, height, encoding: 'rgb8', step: width * 3, data };
}

describe('WebAssembly SIMD engine vs the TypeScript engine', () => {
  let photos: RawImage[];
  beforeAll(async () => {
    // Cropped to even sizes so that every encoding (4:2:0 included) can carry them; 75x56 becomes an upscale 74x56.
    const files = ['rdk_clip_dog.jpg', 'n01748264_Indian_cobra.JPEG', 'n01871265_tusker.JPEG', 'caffe_cat.jpg'];
    const decoded = await Promise.all(
      files.map(async (f) => decodeCompressed(await readImageFile(path.join(IMAGES, f)))),
    );
    photos = decoded.map(evenCrop);
  });

  it('gives byte-identical NV12 and tensors for every encoding, policy and row padding', () => {
    const mismatches: string[] = [];
    for (const photo of photos) {
      for (const encoding of RAW_ENCODINGS) {
        for (const rowPaddingBytes of [0, 7]) {
          const frame = rgbToEncoding(photo, encoding, { rowPaddingBytes });
          for (const policy of ['letterbox', 'stretch'] as const) {
            for (const format of ['nv12', 'float32_nchw_rgb'] as const) {
              const s = spec({ format, resize: { policy, padValue: 114 } });
              const simd = preprocessRaw(frame, s).data;
              const ts = preprocessRaw(frame, s, undefined, { engine: 'typescript' }).data;
              if (!bytesOf(simd).equals(bytesOf(ts))) {
                mismatches.push(
                  `${photo.width}x${photo.height} ${encoding} pad ${rowPaddingBytes} ${policy} ${format}`,
                );
              }
            }
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('keeps padding correct when frames of different sizes alternate', () => {
    const [a, b] = [rgbToEncoding(photos[0]!, 'bgr8'), rgbToEncoding(photos[1]!, 'bgr8')];
    const s = spec({ format: 'nv12' });
    const first = Buffer.from(preprocessRaw(a, s).data);
    preprocessRaw(b, s);
    expect(Buffer.from(preprocessRaw(a, s).data).equals(first)).toBe(true);
    expect(first.equals(Buffer.from(preprocessRaw(a, s, undefined, { engine: 'typescript' }).data))).toBe(true);
  });

  it('gives byte-identical center_crop (Pillow filters) for every encoding and interpolation', () => {
    const mismatches: string[] = [];
    for (const photo of [photos[1]!, photos[3]!]) {
      for (const encoding of RAW_ENCODINGS) {
        for (const rowPaddingBytes of [0, 6]) {
          const frame = rgbToEncoding(photo, encoding, { rowPaddingBytes });
          for (const interpolation of ['bicubic', 'bilinear', 'nearest'] as const) {
            for (const format of ['nv12', 'float32_nchw_rgb'] as const) {
              const s = spec({ format, resize: { policy: 'center_crop', interpolation, cropPct: 0.9 } });
              const simd = preprocessRaw(frame, s).data;
              const ts = preprocessRaw(frame, s, undefined, { engine: 'typescript' }).data;
              if (!bytesOf(simd).equals(bytesOf(ts))) {
                mismatches.push(
                  `${photo.width}x${photo.height} ${encoding} pad ${rowPaddingBytes} ${interpolation} ${format}`,
                );
              }
            }
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('handles model inputs whose width is not a multiple of 4 (SIMD converts 4 pixels a step)', () => {
    const frame = rgbToEncoding(photos[3]!, 'bgr8');
    for (const [width, height] of [
      [6, 4],
      [2, 2],
      [226, 10],
    ] as const) {
      for (const format of ['nv12', 'float32_nchw_rgb'] as const) {
        const s = spec({ width, height, format });
        const simd = preprocessRaw(frame, s).data;
        const ts = preprocessRaw(frame, s, undefined, { engine: 'typescript' }).data;
        expect({ width, format, equal: bytesOf(simd).equals(bytesOf(ts)) }).toEqual({ width, format, equal: true });
      }
    }
  });
});
