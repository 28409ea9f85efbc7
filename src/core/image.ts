/**
 * Raw pixel encodings the product accepts, named as sensor_msgs/image_encodings spells them.
 * `nv12` is not a ROS constant but RDK cameras publish it (see ../shared/docs/ros2-integration.md §9).
 */
export const RAW_ENCODINGS = [
  'rgb8',
  'bgr8',
  'rgba8',
  'bgra8',
  'mono8',
  'yuv422', // UYVY
  'yuv422_yuy2', // YUYV
  'nv12',
  'nv21',
] as const;

export type RawEncoding = (typeof RAW_ENCODINGS)[number];

export function isRawEncoding(value: string): value is RawEncoding {
  return (RAW_ENCODINGS as readonly string[]).includes(value);
}

/** An uncompressed image as a camera driver or sensor_msgs/Image carries it. */
export interface RawImage {
  readonly kind: 'raw';
  readonly width: number;
  readonly height: number;
  /** Encoding string as received; validated against RAW_ENCODINGS by the preprocessor. */
  readonly encoding: string;
  /** Bytes per row, including any padding (sensor_msgs/Image `step`). */
  readonly step: number;
  readonly data: Uint8Array;
}

/** A JPEG/PNG/WebP file or sensor_msgs/CompressedImage payload. */
export interface CompressedImage {
  readonly kind: 'compressed';
  /** sensor_msgs/CompressedImage `format` ("jpeg", "png", "bgr8; jpeg compressed bgr8", ...) or a file extension. */
  readonly format: string;
  readonly data: Uint8Array;
}

export type ImageInput = RawImage | CompressedImage;

/** ROS time as in builtin_interfaces/Time. */
export interface Stamp {
  readonly sec: number;
  readonly nanosec: number;
}

export interface FrameHeader {
  readonly stamp: Stamp;
  readonly frameId: string;
}

export function stampToNs(stamp: Stamp): bigint {
  return BigInt(stamp.sec) * 1_000_000_000n + BigInt(stamp.nanosec);
}

export function stampToMs(stamp: Stamp): number {
  return stamp.sec * 1000 + stamp.nanosec / 1e6;
}

export function nsToStamp(ns: bigint): Stamp {
  const sec = ns / 1_000_000_000n;
  return { sec: Number(sec), nanosec: Number(ns - sec * 1_000_000_000n) };
}
