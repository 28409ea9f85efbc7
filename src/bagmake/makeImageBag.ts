import { rm } from 'node:fs/promises';
import { Db3BagWriter, McapBagWriter, type BagStorage } from '../bag';
import { EdgenextError, ErrorCodes } from '../core/errors';
import type { RawImage } from '../core/image';
import { nsToStamp } from '../core/image';
import { decodeCompressed, readImageFile, rgbToEncoding, sniffImageFormat } from '../image';
import { encodeMessage, ros2msgSchemaText } from '../messages';
import { listImageFrames } from './listImageFrames';

export const BAG_IMAGE_ENCODINGS = ['bgr8', 'rgb8', 'mono8', 'nv12', 'yuv422', 'yuv422_yuy2', 'jpeg', 'png'] as const;
export type BagImageEncoding = (typeof BAG_IMAGE_ENCODINGS)[number];

export interface MakeImageBagOptions {
  /** Image files and/or folders (see listImageFrames), in order. */
  readonly inputs: readonly string[];
  /** Output bag directory. */
  readonly outDir: string;
  /** Default 'mcap'. */
  readonly storage?: BagStorage;
  /** Raw encodings give sensor_msgs/msg/Image, jpeg/png give CompressedImage. Default 'bgr8'. */
  readonly encoding?: BagImageEncoding;
  /** Frames per second when the inputs carry no stamps. Default 10. */
  readonly rateHz?: number;
  /** Default '/camera/image_raw' (raw) or '/camera/image_raw/compressed' (jpeg/png). */
  readonly topic?: string;
  /** Default 'camera'. */
  readonly frameId?: string;
  /** Stamp of the first frame in ns since the epoch when the inputs carry no stamps. Default: now. */
  readonly startTimeNs?: bigint;
  /** Replace an existing output directory. Default false. */
  readonly overwrite?: boolean;
  /** Called after each frame is written. */
  readonly onFrame?: (index: number, total: number) => void;
}

export interface MadeBag {
  readonly dir: string;
  readonly topic: string;
  readonly type: 'sensor_msgs/msg/Image' | 'sensor_msgs/msg/CompressedImage';
  readonly frames: number;
  /** Header stamps (= log times) of the frames in ns, in order. */
  readonly stampsNs: readonly bigint[];
  /** The source file of each frame, in order. */
  readonly files: readonly string[];
}

function isCompressed(encoding: BagImageEncoding): encoding is 'jpeg' | 'png' {
  return encoding === 'jpeg' || encoding === 'png';
}

/**
 * Builds a single-topic image bag from image files or frame folders, as a camera recording would hold them:
 * header stamp = log time; stamps from a EuRoC data.csv when there is one, else `startTimeNs + i / rateHz`.
 * jpeg/png keep each file's own bytes (files already in that format only: the product does not re-encode).
 * Throws EdgenextError naming the file: 'invalid_argument' for bad options or a file in another compressed
 * format, 'decode_error' for an unreadable image, 'malformed_frame' when a size does not fit the encoding (odd
 * width for yuv422 / nv12).
 */
export async function makeImageBag(options: MakeImageBagOptions): Promise<MadeBag> {
  const encoding = options.encoding ?? 'bgr8';
  if (!(BAG_IMAGE_ENCODINGS as readonly string[]).includes(encoding)) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `--encoding '${encoding}' is not one of ${BAG_IMAGE_ENCODINGS.join(', ')}`,
    );
  }
  const rateHz = options.rateHz ?? 10;
  if (!(rateHz > 0) || !Number.isFinite(rateHz)) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `--rate must be a positive number of frames per second, got ${rateHz}`,
    );
  }
  const compressed = isCompressed(encoding);
  const type = compressed ? 'sensor_msgs/msg/CompressedImage' : 'sensor_msgs/msg/Image';
  const topic = options.topic ?? (compressed ? '/camera/image_raw/compressed' : '/camera/image_raw');
  if (!topic.startsWith('/'))
    throw new EdgenextError(ErrorCodes.invalidArgument, `--topic '${topic}' must start with '/'`);
  const frameId = options.frameId ?? 'camera';
  const frames = await listImageFrames(options.inputs);
  const startNs = options.startTimeNs ?? BigInt(Date.now()) * 1_000_000n;
  const periodNs = BigInt(Math.round(1e9 / rateHz));
  const storage = options.storage ?? 'mcap';
  const writerOptions = { overwrite: options.overwrite ?? false };
  const writer =
    storage === 'mcap'
      ? await McapBagWriter.create(options.outDir, { ...writerOptions, schemaTextFor: ros2msgSchemaText })
      : await Db3BagWriter.create(options.outDir, writerOptions);
  const stampsNs: bigint[] = [];
  try {
    for (const [i, frame] of frames.entries()) {
      const stampNs = frame.stampNs ?? startNs + BigInt(i) * periodNs;
      const header = { stamp: nsToStamp(stampNs), frame_id: frameId };
      const file = await readImageFile(frame.file);
      let cdr: Uint8Array;
      if (compressed) {
        const actual = sniffImageFormat(file.data);
        if (actual !== encoding) {
          throw new EdgenextError(
            ErrorCodes.invalidArgument,
            `${frame.file}: is ${actual ?? 'not an image'}, cannot store it as ${encoding} (files are stored as they are; use --encoding ${actual ?? 'bgr8'} or a raw encoding)`,
          );
        }
        cdr = encodeMessage(type, { header, format: encoding, data: file.data });
      } else {
        let raw: RawImage;
        try {
          raw = rgbToEncoding(await decodeCompressed(file), encoding);
        } catch (error) {
          if (error instanceof EdgenextError)
            throw new EdgenextError(error.code, `${frame.file}: ${error.message}`, { cause: error });
          throw error;
        }
        cdr = encodeMessage(type, {
          header,
          height: raw.height,
          width: raw.width,
          encoding: raw.encoding,
          is_bigendian: 0,
          step: raw.step,
          data: raw.data,
        });
      }
      await writer.addMessage(topic, type, stampNs, cdr);
      stampsNs.push(stampNs);
      options.onFrame?.(i + 1, frames.length);
    }
  } catch (error) {
    // No half-written bag left behind: it would replay as if it were complete.
    await writer.close().catch(() => undefined);
    await rm(options.outDir, { recursive: true, force: true });
    throw error;
  }
  await writer.close();
  return { dir: options.outDir, topic, type, frames: frames.length, stampsNs, files: frames.map((f) => f.file) };
}
