import * as path from 'node:path';
import type { RawImage } from '../../src/core/image';
import {
  computeResizeGeometry,
  decodeCompressed,
  preprocessRaw,
  readImageFile,
  rgbToEncoding,
  toRgb8,
} from '../../src/image';
import { readFileSync } from 'node:fs';
import { IMAGES, spec } from './fixtures';

const MANIFEST = JSON.parse(readFileSync(path.join(IMAGES, 'manifest.json'), 'utf8')) as { images: { file: string }[] };
import { findOpenCvPython, OPENCV_MISSING, runOpenCv, type OpenCvJob } from './opencvReference';

// Real photographs of many shapes: landscape, portrait, extreme aspect, tiny (upscaled), large.
const FILES = [
  'rdk_clip_dog.jpg', // 1920x1080
  'n02091032_Italian_greyhound.JPEG', // 2400x1600
  'n03109150_corkscrew.JPEG', // 1200x1600 portrait
  'n04238763_slide_rule.JPEG', // 411x120
  'n01748264_Indian_cobra.JPEG', // 220x530
  'n01871265_tusker.JPEG', // 75x56, upscaled
  'caffe_cat.jpg', // 480x360
  'skimage_chelsea.png', // 451x300, odd width
];

/** A width x height window of an rgb8 image (e.g. a 1280x720 frame out of a bigger photo). */
function crop(image: RawImage, width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    data.set(image.data.subarray(y * image.step, y * image.step + width * 3), y * width * 3);
  return { kind: 'raw', width, height, encoding: 'rgb8', step: width * 3, data };
}

async function load(file: string): Promise<RawImage> {
  return decodeCompressed(await readImageFile(path.join(IMAGES, file)));
}

function diffStats(a: Uint8Array, b: Uint8Array): { max: number; mismatched: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let mismatched = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (d > 0) mismatched++;
    if (d > max) max = d;
  }
  return { max, mismatched };
}

describe('agreement with the reference implementations (OpenCV for the model zoo path, Pillow for timm)', () => {
  const python = findOpenCvPython();

  it('has python3 with cv2 and PIL available (install python3-opencv python3-pil)', () => {
    if (python === undefined) throw new Error(OPENCV_MISSING);
    expect(python).toBeDefined();
  });

  it('letterbox + BGR->I420->NV12 matches the model zoo path on real photos of many shapes', async () => {
    if (python === undefined) throw new Error(OPENCV_MISSING);
    const images = await Promise.all(FILES.map(load));
    images.push(crop(images[1] as RawImage, 1280, 720), crop(images[1] as RawImage, 640, 480));
    const frames = images.map((rgb) => rgbToEncoding(rgb, 'bgr8'));
    const jobs: OpenCvJob[] = frames.map((f) => ({
      op: 'letterbox_nv12',
      bgr: f.data,
      width: f.width,
      height: f.height,
      size: 224,
    }));
    const { outputs } = runOpenCv(python, jobs);
    const results = frames.map((frame, i) => {
      const ours = preprocessRaw(frame, spec({ format: 'nv12' }));
      return {
        size: `${frame.width}x${frame.height}`,
        ...diffStats(ours.data as Uint8Array, outputs[i] as Uint8Array),
      };
    });
    // Byte-identical, except that OpenCV's scalar tail of the vertical pass (used for the last few bytes of a row
    // when a row is not a multiple of the vector width, here only the upscaled 75x56) rounds by at most 1.
    for (const r of results) {
      expect(r.max).toBeLessThanOrEqual(1);
      expect(r.mismatched).toBeLessThan(0.002 * 75264);
    }
    expect(results.filter((r) => r.mismatched === 0).length).toBeGreaterThanOrEqual(results.length - 1);
  });

  it('stretch bilinear and nearest resampling match cv2.resize', async () => {
    if (python === undefined) throw new Error(OPENCV_MISSING);
    const images = await Promise.all(FILES.slice(0, 6).map(load));
    const cases = images.flatMap((rgb) =>
      (['linear', 'nearest'] as const).map((interpolation) => ({ rgb, interpolation })),
    );
    const { outputs } = runOpenCv(
      python,
      cases.map(({ rgb, interpolation }) => ({
        op: 'resize_rgb',
        rgb: rgb.data,
        width: rgb.width,
        height: rgb.height,
        outWidth: 224,
        outHeight: 224,
        interpolation,
      })),
    );
    cases.forEach(({ rgb, interpolation }, i) => {
      const s = spec({
        format: 'float32_nchw_rgb',
        mean: [0, 0, 0],
        std: [1, 1, 1],
        resize: { policy: 'stretch', interpolation: interpolation === 'linear' ? 'bilinear' : 'nearest' },
      });
      const ours = preprocessRaw(rgb, s).data as Float32Array;
      const ref = outputs[i] as Uint8Array;
      let max = 0;
      for (let p = 0; p < 224 * 224; p++) {
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(Math.round((ours[c * 224 * 224 + p] as number) * 255) - (ref[p * 3 + c] as number));
          max = Math.max(max, d);
        }
      }
      expect(max).toBeLessThanOrEqual(interpolation === 'nearest' ? 0 : 1);
    });
  });

  it('YUV frames decode to the same RGB as cv2.cvtColor, and NV12 encoding equals BGR2YUV_I420', async () => {
    if (python === undefined) throw new Error(OPENCV_MISSING);
    const rgb = await load('caffe_cat.jpg');
    const encodings = [
      ['nv12', 'YUV2RGB_NV12'],
      ['nv21', 'YUV2RGB_NV21'],
      ['yuv422', 'YUV2RGB_UYVY'],
      ['yuv422_yuy2', 'YUV2RGB_YUY2'],
    ] as const;
    const frames = encodings.map(([enc]) => rgbToEncoding(rgb, enc));
    const bgr = rgbToEncoding(rgb, 'bgr8');
    const jobs: OpenCvJob[] = [
      ...frames.map((f, i) => ({
        op: 'yuv_to_rgb' as const,
        yuv: f.data,
        width: f.width,
        height: f.height,
        code: encodings[i]![1],
      })),
      { op: 'bgr_to_i420', bgr: bgr.data, width: bgr.width, height: bgr.height },
    ];
    const { outputs } = runOpenCv(python, jobs);
    frames.forEach((frame, i) => {
      expect({ enc: frame.encoding, ...diffStats(toRgb8(frame).data, outputs[i] as Uint8Array) }).toEqual({
        enc: frame.encoding,
        max: 0,
        mismatched: 0,
      });
    });
    // I420 planes from cv2 vs our NV12 (same Y, U and V de-interleaved).
    const i420 = outputs[frames.length] as Uint8Array;
    const nv12 = frames[0]!.data;
    const area = rgb.width * rgb.height;
    expect(diffStats(nv12.subarray(0, area), i420.subarray(0, area)).max).toBe(0);
    const u = i420.subarray(area, area + area / 4);
    const v = i420.subarray(area + area / 4);
    let chromaDiff = 0;
    for (let k = 0; k < area / 4; k++) {
      chromaDiff = Math.max(
        chromaDiff,
        Math.abs((nv12[area + 2 * k] as number) - (u[k] as number)),
        Math.abs((nv12[area + 2 * k + 1] as number) - (v[k] as number)),
      );
    }
    expect(chromaDiff).toBe(0);
  });

  it('a raw nv12 camera frame letterboxes like cv2.cvtColor(NV12->BGR) then the zoo path', async () => {
    if (python === undefined) throw new Error(OPENCV_MISSING);
    const frame = rgbToEncoding(await load('rdk_clip_dog.jpg'), 'nv12');
    const asBgr = rgbToEncoding(toRgb8(frame), 'bgr8');
    const { outputs } = runOpenCv(python, [
      { op: 'letterbox_nv12', bgr: asBgr.data, width: asBgr.width, height: asBgr.height, size: 224 },
    ]);
    const ours = preprocessRaw(frame, spec({ format: 'nv12' })).data as Uint8Array;
    const { max } = diffStats(ours, outputs[0] as Uint8Array);
    expect(max).toBeLessThanOrEqual(1);
    expect(computeResizeGeometry(1920, 1080, spec()).resizedHeight).toBe(126);
  });

  it('decodes every fixture photo byte-identically to Pillow (convert("RGB") after exif_transpose)', async () => {
    if (python === undefined) throw new Error(OPENCV_MISSING);
    const files = MANIFEST.images.map((m) => m.file).concat('edge/skimage_palette_color.png');
    const { outputs } = runOpenCv(
      python,
      files.map((f) => ({ op: 'pil_decode', file: path.join(IMAGES, f) })),
    );
    const ours = await Promise.all(files.map(load));
    const differing = files.filter(
      (_f, i) => !Buffer.from(ours[i]!.data).equals(Buffer.from(outputs[i] as Uint8Array)),
    );
    expect(differing).toEqual([]);
  });

  it('center_crop equals Pillow resize + crop (timm eval) byte for byte, for each interpolation', async () => {
    if (python === undefined) throw new Error(OPENCV_MISSING);
    const images = await Promise.all(
      ['rdk_clip_dog.jpg', 'n03109150_corkscrew.JPEG', 'n01871265_tusker.JPEG'].map(load),
    );
    const cases = images.flatMap((rgb) =>
      (['bicubic', 'bilinear', 'nearest'] as const).flatMap((interpolation) =>
        [0.875, 0.95].map((cropPct) => ({ rgb, interpolation, cropPct })),
      ),
    );
    const specs = cases.map(({ interpolation, cropPct }) =>
      spec({
        format: 'float32_nchw_rgb',
        mean: [0, 0, 0],
        std: [1, 1, 1],
        resize: { policy: 'center_crop', interpolation, cropPct },
      }),
    );
    const { outputs } = runOpenCv(
      python,
      cases.map(({ rgb, interpolation }, i) => {
        const g = computeResizeGeometry(rgb.width, rgb.height, specs[i]!);
        return {
          op: 'pil_resize_crop',
          rgb: rgb.data,
          width: rgb.width,
          height: rgb.height,
          resizedWidth: g.resizedWidth,
          resizedHeight: g.resizedHeight,
          cropLeft: g.cropLeft,
          cropTop: g.cropTop,
          cropWidth: 224,
          cropHeight: 224,
          filter: interpolation.toUpperCase() as 'BICUBIC' | 'BILINEAR' | 'NEAREST',
        };
      }),
    );
    cases.forEach(({ rgb }, i) => {
      const ours = preprocessRaw(rgb, specs[i]!).data as Float32Array;
      const asBytes = new Uint8Array(224 * 224 * 3);
      for (let p = 0; p < 224 * 224; p++) {
        for (let c = 0; c < 3; c++) asBytes[p * 3 + c] = Math.round((ours[c * 224 * 224 + p] as number) * 255);
      }
      expect(diffStats(asBytes, outputs[i] as Uint8Array).max).toBe(0);
    });
  });
});
