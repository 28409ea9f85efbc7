/**
 * Test frames: a uniform colour written in any raw encoding (with optional row padding), and the mean colour read
 * back from any raw encoding. BT.601 limited range, the convention of sensor_msgs YUV cameras.
 */
import { RAW_ENCODINGS, type RawEncoding } from '../../../src/core/image';

export type Rgb = readonly [number, number, number];

const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

export function rgbToYuv([r, g, b]: Rgb): [number, number, number] {
  const y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
  const u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255;
  const v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255;
  return [clamp(y), clamp(u), clamp(v)];
}

export function yuvToRgb(y: number, u: number, v: number): [number, number, number] {
  const c = y - 16;
  const d = u - 128;
  const e = v - 128;
  return [clamp(1.164 * c + 1.596 * e), clamp(1.164 * c - 0.392 * d - 0.813 * e), clamp(1.164 * c + 2.017 * d)];
}

export function bytesPerPixel(encoding: RawEncoding): number {
  switch (encoding) {
    case 'rgb8':
    case 'bgr8':
      return 3;
    case 'rgba8':
    case 'bgra8':
      return 4;
    case 'mono8':
    case 'nv12':
    case 'nv21':
      return 1;
    case 'yuv422':
    case 'yuv422_yuy2':
      return 2;
  }
}

export interface RawFrame {
  readonly width: number;
  readonly height: number;
  readonly encoding: string;
  readonly step: number;
  readonly data: Uint8Array;
}

/** A uniform `rgb` frame; `padding` extra bytes at the end of each row (filled with 0xEE to catch misuse). */
export function uniformFrame(encoding: RawEncoding, width: number, height: number, rgb: Rgb, padding = 0): RawFrame {
  const step = width * bytesPerPixel(encoding) + padding;
  const rows = encoding === 'nv12' || encoding === 'nv21' ? height * 1.5 : height;
  const data = new Uint8Array(step * rows).fill(0xee);
  const [r, g, b] = rgb;
  const [y, u, v] = rgbToYuv(rgb);
  const gray = clamp(0.299 * r + 0.587 * g + 0.114 * b);
  for (let row = 0; row < height; row++) {
    const base = row * step;
    for (let x = 0; x < width; x++) {
      const p = base + x * bytesPerPixel(encoding);
      switch (encoding) {
        case 'rgb8':
          data.set([r, g, b], p);
          break;
        case 'bgr8':
          data.set([b, g, r], p);
          break;
        case 'rgba8':
          data.set([r, g, b, 255], p);
          break;
        case 'bgra8':
          data.set([b, g, r, 255], p);
          break;
        case 'mono8':
          data[p] = gray;
          break;
        case 'yuv422': // UYVY
          data.set(x % 2 === 0 ? [u, y] : [v, y], p);
          break;
        case 'yuv422_yuy2': // YUYV
          data.set(x % 2 === 0 ? [y, u] : [y, v], p);
          break;
        case 'nv12':
        case 'nv21':
          data[p] = y;
          break;
      }
    }
  }
  if (encoding === 'nv12' || encoding === 'nv21') {
    for (let row = 0; row < height / 2; row++) {
      const base = (height + row) * step;
      for (let x = 0; x < width; x += 2) data.set(encoding === 'nv12' ? [u, v] : [v, u], base + x);
    }
  }
  return { width, height, encoding, step, data };
}

/** Mean RGB of a frame already validated by src/image (encoding supported, sizes consistent). */
export function meanRgb(frame: RawFrame): Rgb {
  const { width, height, step, data } = frame;
  const encoding = frame.encoding as RawEncoding;
  let sr = 0;
  let sg = 0;
  let sb = 0;
  const add = ([r, g, b]: readonly number[]): void => {
    sr += r ?? 0;
    sg += g ?? 0;
    sb += b ?? 0;
  };
  for (let row = 0; row < height; row++) {
    const base = row * step;
    for (let x = 0; x < width; x++) {
      const p = base + x * bytesPerPixel(encoding);
      const at = (i: number): number => data[i] ?? 0;
      switch (encoding) {
        case 'rgb8':
        case 'rgba8':
          add([at(p), at(p + 1), at(p + 2)]);
          break;
        case 'bgr8':
        case 'bgra8':
          add([at(p + 2), at(p + 1), at(p)]);
          break;
        case 'mono8':
          add([at(p), at(p), at(p)]);
          break;
        case 'yuv422': {
          const m = base + (x - (x % 2)) * 2;
          add(yuvToRgb(at(m + (x % 2 === 0 ? 1 : 3)), at(m), at(m + 2)));
          break;
        }
        case 'yuv422_yuy2': {
          const m = base + (x - (x % 2)) * 2;
          add(yuvToRgb(at(m + (x % 2 === 0 ? 0 : 2)), at(m + 1), at(m + 3)));
          break;
        }
        case 'nv12':
        case 'nv21': {
          const c = (height + Math.floor(row / 2)) * step + (x - (x % 2));
          const [u, v] = encoding === 'nv12' ? [at(c), at(c + 1)] : [at(c + 1), at(c)];
          add(yuvToRgb(at(p), u, v));
          break;
        }
      }
    }
  }
  const n = width * height;
  return [sr / n, sg / n, sb / n];
}

export const ALL_RAW_ENCODINGS: readonly RawEncoding[] = RAW_ENCODINGS;

/** A sensor_msgs/Image message (ROS field names) carrying `frame` under `header`. */
export function imageMessage(frame: RawFrame, header: { stamp: { sec: number; nanosec: number }; frame_id: string }) {
  return {
    header,
    height: frame.height,
    width: frame.width,
    encoding: frame.encoding,
    is_bigendian: 0,
    step: frame.step,
    data: frame.data,
  };
}
