import { readFile, mkdtemp, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openBag, type BagMessage } from '../../src/bag';
import { stampToNs } from '../../src/core/image';
import { decodeImageMessage } from '../../src/messages';
import { makeImageBag } from '../../src/bagmake';
import { FIXTURES, removeDir } from '../bag/fixtureBags';
import { expectHumbleBag } from '../bag/rosbag2Rules';
import { rejection } from '../support/errors';

const EUROC = path.join(FIXTURES, 'sequence', 'euroc_v1_01_cam0');
const DLIB = path.join(FIXTURES, 'sequence', 'dlib_video_frames');
const IMAGES = path.join(FIXTURES, 'images');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-make-'));
});
afterAll(async () => removeDir(tmp));

async function messagesOf(dir: string): Promise<BagMessage[]> {
  const reader = await openBag(dir);
  const out: BagMessage[] = [];
  for await (const m of reader.readMessages()) out.push(m);
  await reader.close();
  return out;
}

describe('makeImageBag', () => {
  it('EuRoC: takes stamps from data.csv, mono8 752x480, as a Humble db3', async () => {
    const dir = path.join(tmp, 'euroc');
    const made = await makeImageBag({
      inputs: [EUROC],
      outDir: dir,
      storage: 'sqlite3',
      encoding: 'mono8',
      frameId: 'cam0',
    });
    const csv = (await readFile(path.join(EUROC, 'data.csv'), 'utf8')).split('\n').filter((l) => /^\d/.test(l));
    const expected = csv.map((l) => BigInt(l.split(',')[0]!));
    expect(made.stampsNs).toEqual(expected);
    expect(expected[0]).toBe(1403715273262142976n);
    await expectHumbleBag(dir, 'sqlite3');
    const messages = await messagesOf(dir);
    expect(messages.map((m) => m.logTimeNs)).toEqual(expected);
    const { header, image } = decodeImageMessage(messages[0]!.type, messages[0]!.data);
    expect(stampToNs(header.stamp)).toBe(expected[0]);
    expect(header.frameId).toBe('cam0');
    expect(image).toMatchObject({ kind: 'raw', width: 752, height: 480, encoding: 'mono8', step: 752 });
  });

  it('frames without stamps get start + i / rate; jpeg keeps the file bytes in a CompressedImage', async () => {
    const dir = path.join(tmp, 'dlib');
    const made = await makeImageBag({
      inputs: [DLIB],
      outDir: dir,
      encoding: 'jpeg',
      rateHz: 30,
      startTimeNs: 1_000_000_000n,
    });
    expect(made.frames).toBe(40);
    expect(made.topic).toBe('/camera/image_raw/compressed');
    expect(made.stampsNs[1]! - made.stampsNs[0]!).toBe(33_333_333n);
    await expectHumbleBag(dir, 'mcap');
    const messages = await messagesOf(dir);
    expect(messages[0]!.type).toBe('sensor_msgs/msg/CompressedImage');
    const { image } = decodeImageMessage(messages[0]!.type, messages[0]!.data);
    const original = await readFile(path.join(DLIB, 'frame_000100.jpg'));
    expect(image.kind).toBe('compressed');
    expect(Buffer.from(image.data).equals(original)).toBe(true);
  });

  it.each(['bgr8', 'rgb8', 'nv12', 'yuv422', 'yuv422_yuy2'] as const)(
    'encodes %s frames with the right step and size',
    async (encoding) => {
      const dir = path.join(tmp, `enc_${encoding}`);
      await makeImageBag({ inputs: [path.join(IMAGES, 'caffe_cat.jpg')], outDir: dir, encoding, startTimeNs: 5n });
      const [m] = await messagesOf(dir);
      const { image } = decodeImageMessage(m!.type, m!.data);
      if (image.kind !== 'raw') throw new Error('raw expected');
      const perRow = { bgr8: 3, rgb8: 3, nv12: 1, yuv422: 2, yuv422_yuy2: 2 }[encoding];
      expect(image.encoding).toBe(encoding);
      expect(image.step).toBe(image.width * perRow);
      expect(image.data.byteLength).toBe(
        encoding === 'nv12' ? (image.width * image.height * 3) / 2 : image.step * image.height,
      );
    },
  );

  it('refuses to store a PNG as jpeg, naming the file, and leaves no half bag', async () => {
    const dir = path.join(tmp, 'mixed');
    const error = await rejection(
      makeImageBag({
        inputs: [path.join(IMAGES, 'caffe_cat.jpg'), path.join(IMAGES, 'skimage_coffee.png')],
        outDir: dir,
        encoding: 'jpeg',
      }),
    );
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('skimage_coffee.png: is png, cannot store it as jpeg');
    await expect(stat(dir)).rejects.toThrow();
  });

  it('names a truncated image and a missing input', async () => {
    const bad = await rejection(
      makeImageBag({
        inputs: [path.join(IMAGES, 'edge', 'skimage_truncated.jpg')],
        outDir: path.join(tmp, 'bad'),
        encoding: 'bgr8',
      }),
    );
    expect(bad.code).toBe('decode_error');
    expect(bad.message).toContain('skimage_truncated.jpg');
    const missing = await rejection(makeImageBag({ inputs: [path.join(tmp, 'none')], outDir: path.join(tmp, 'x') }));
    expect(missing.code).toBe('file_not_found');
  });

  it('rejects bad options', async () => {
    expect(
      (await rejection(makeImageBag({ inputs: [DLIB], outDir: path.join(tmp, 'r'), rateHz: 0 }))).message,
    ).toContain('--rate');
    expect(
      (await rejection(makeImageBag({ inputs: [DLIB], outDir: path.join(tmp, 't'), topic: 'cam' }))).message,
    ).toContain("--topic 'cam'");
  });
});
