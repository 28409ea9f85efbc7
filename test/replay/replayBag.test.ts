import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { McapBagWriter, openBag, type BagMessage } from '../../src/bag';
import { stampToNs } from '../../src/core/image';
import {
  decodeImageMessage,
  decodeMessage,
  encodeMessage,
  fromEdgenextClassificationMsg,
  ros2msgSchemaText,
  type RosEdgenextClassification,
} from '../../src/messages';
import { makeImageBag } from '../../src/bagmake';
import { replayBag, resultsTopicFor, type ReplayResult } from '../../src/replay';
import { copyFixtureBags, FIXTURE_BAGS, FIXTURES, removeDir } from '../bag/fixtureBags';
import { expectHumbleBag } from '../bag/rosbag2Rules';
import { fakeClassifier, fakeLogits, fakePostprocess, fakePreprocess } from './fakeClassifier';
import { rejection } from '../support/errors';

interface ManifestBag {
  name: string;
  has_image_topic: boolean;
  message_count: number;
}
const manifest = JSON.parse(readFileSync(path.join(FIXTURE_BAGS, 'manifest.json'), 'utf8') as string) as {
  bags: ManifestBag[];
};

let tmp: string;
let fixtures: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-replay-'));
  fixtures = await copyFixtureBags(manifest.bags.map((b) => b.name));
});
afterAll(async () => {
  await removeDir(tmp);
  await removeDir(fixtures);
});

function rawImageCdr(i: number, width = 4, height = 2): Uint8Array {
  return encodeMessage('sensor_msgs/msg/Image', {
    header: { stamp: { sec: 100 + i, nanosec: 0 }, frame_id: 'cam' },
    height,
    width,
    encoding: 'rgb8',
    is_bigendian: 0,
    step: width * 3,
    data: new Uint8Array(width * height * 3).map((_, j) => (j * (i + 1)) % 256),
  });
}

describe('replay of every fixture bag', () => {
  it.each(manifest.bags.filter((b) => b.has_image_topic).map((b) => [b.name]))(
    '%s: classifies every image',
    async (name) => {
      const summary = await replayBag(
        { bagPath: path.join(fixtures, name), pace: { mode: 'max_speed' } },
        fakeClassifier(),
      );
      expect(summary.frames).toBe(3);
      expect(summary.classified).toBe(3);
      expect(summary.droppedTotal).toBe(0);
      expect(summary.perTopic).toEqual([
        { topic: '/image', type: 'sensor_msgs/msg/Image', frames: 3, classified: 3, dropped: {} },
      ]);
    },
  );

  it.each(manifest.bags.filter((b) => !b.has_image_topic && b.message_count > 0).map((b) => [b.name]))(
    '%s: no image topic -> one clear error that lists the topics',
    async (name) => {
      const error = await rejection(replayBag({ bagPath: path.join(fixtures, name) }, fakeClassifier()));
      expect(error.code).toBe('invalid_argument');
      expect(error.message).toContain(`${path.join(fixtures, name)}: no image topic`);
      expect(error.message).toMatch(/topics: \/\S+ \(/);
    },
  );

  it('empty_bag_sqlite3: says the bag is empty', async () => {
    const error = await rejection(replayBag({ bagPath: path.join(fixtures, 'empty_bag_sqlite3') }, fakeClassifier()));
    expect(error.message).toBe(`${path.join(fixtures, 'empty_bag_sqlite3')}: empty bag (no messages in 2 topics)`);
  });

  it('a requested non-image topic is refused by name', async () => {
    const error = await rejection(
      replayBag({ bagPath: path.join(fixtures, 'talker_sqlite3'), topics: ['/topic'] }, fakeClassifier()),
    );
    expect(error.message).toContain("topic '/topic' is std_msgs/msg/String");
  });
});

describe('replay behaviour', () => {
  it('round trip: images -> bag make (both storages) -> replay = per-image classification of the same images', async () => {
    const images = ['caffe_cat.jpg', 'skimage_coffee.png', 'pillow_hopper_orientation_6.jpg'].map((f) =>
      path.join(FIXTURES, 'images', f),
    );
    for (const storage of ['mcap', 'sqlite3'] as const) {
      const bagDir = path.join(tmp, `rt_${storage}`);
      const made = await makeImageBag({
        inputs: images,
        outDir: bagDir,
        storage,
        encoding: 'bgr8',
        startTimeNs: 1_700_000_000_000_000_000n,
      });
      const results: ReplayResult[] = [];
      const summary = await replayBag(
        { bagPath: bagDir, pace: { mode: 'max_speed' }, topK: 3, onResult: (r) => results.push(r) },
        fakeClassifier(),
      );
      expect(summary.classified).toBe(3);
      // Expected: the same classifier on each image decoded straight from the bag's bytes, one at a time.
      const reader = await openBag(bagDir);
      const expected: unknown[] = [];
      for await (const m of reader.readMessages()) {
        const { header, image } = decodeImageMessage(m.type, m.data);
        expected.push({
          stampNs: stampToNs(header.stamp),
          topK: fakePostprocess(fakeLogits(fakePreprocess(image)), 3),
        });
      }
      await reader.close();
      expect(
        results.map((r) => ({ stampNs: stampToNs(r.classification.header.stamp), topK: r.classification.topK })),
      ).toEqual(expected);
      expect(results.map((r) => r.logTimeNs)).toEqual(made.stampsNs);
    }
  });

  it('writes results as a Humble MCAP bag and JSON Lines that agree', async () => {
    const bagDir = path.join(tmp, 'src_results');
    await makeImageBag({
      inputs: [path.join(FIXTURES, 'sequence', 'dlib_video_frames')],
      outDir: bagDir,
      encoding: 'jpeg',
      startTimeNs: 10n ** 18n,
    });
    const out = path.join(tmp, 'out', 'results');
    const summary = await replayBag({ bagPath: bagDir, pace: { mode: 'max_speed' }, out }, fakeClassifier());
    expect(summary.resultsBag).toBe(out);
    expect(summary.model).toEqual({ name: 'fake', backend: 'onnx', syntheticWeights: true, labelsMeaningful: false });
    const info = await expectHumbleBag(out, 'mcap');
    const topic = (info['topics_with_message_count'] as Record<string, unknown>[])[0]!['topic_metadata'] as Record<
      string,
      unknown
    >;
    expect(topic['name']).toBe('/camera/image_raw/compressed/classification');
    expect(topic['type']).toBe('edgenext/msg/Classification');
    const reader = await openBag(out);
    const messages: BagMessage[] = [];
    for await (const m of reader.readMessages()) messages.push(m);
    await reader.close();
    expect(messages.length).toBe(40);
    const lines = (await readFile(`${out}.jsonl`, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBe(40);
    messages.forEach((m, i) => {
      const c = fromEdgenextClassificationMsg(decodeMessage<RosEdgenextClassification>(m.type, m.data));
      const line = lines[i]!;
      expect(c.source).toBe('/camera/image_raw/compressed');
      expect(String(stampToNs(c.header.stamp))).toBe(line['stampNs']);
      expect(String(m.logTimeNs)).toBe(line['logTimeNs']);
      expect(c.topK.map((k) => k.classId)).toEqual((line['topK'] as { classId: number }[]).map((k) => k.classId));
      expect(line['syntheticWeights']).toBe(true);
    });
    expect(resultsTopicFor('/a/b/')).toBe('/a/b/classification');
  });

  it('a message whose CDR does not decode is counted as malformed and replay goes on', async () => {
    const dir = path.join(tmp, 'malformed');
    const writer = await McapBagWriter.create(dir, { schemaTextFor: ros2msgSchemaText });
    for (let i = 0; i < 5; i++) {
      const cdr = i === 2 ? rawImageCdr(i).subarray(0, 20) : rawImageCdr(i);
      await writer.addMessage('/cam', 'sensor_msgs/msg/Image', BigInt(i) * 1000n, cdr);
    }
    await writer.close();
    const summary = await replayBag({ bagPath: dir, pace: { mode: 'max_speed' } }, fakeClassifier());
    expect(summary.frames).toBe(5);
    expect(summary.classified).toBe(4);
    expect(summary.dropped).toEqual({ malformed: 1 });
  });

  it('--rate plays in bag time and a slow backend drops frames as live (queue_full); --max-speed drops none', async () => {
    const dir = path.join(tmp, 'fast');
    const writer = await McapBagWriter.create(dir, { schemaTextFor: ros2msgSchemaText });
    for (let i = 0; i < 30; i++)
      await writer.addMessage('/cam', 'sensor_msgs/msg/Image', BigInt(i) * 5_000_000n, rawImageCdr(i)); // 200 Hz
    await writer.close();
    const live = await replayBag(
      { bagPath: dir, pace: { mode: 'rate', rate: 1 }, pipeline: { maxInflight: 1 } },
      fakeClassifier({ inferMs: 25 }),
    );
    expect(live.frames).toBe(30);
    expect(live.dropped['queue_full'] ?? 0).toBeGreaterThan(5);
    expect(live.classified + live.droppedTotal).toBe(30);
    expect(live.wallMs).toBeGreaterThanOrEqual(140); // 29 gaps of 5 ms in bag time
    const fast = await replayBag(
      { bagPath: dir, pace: { mode: 'max_speed', window: 3 }, pipeline: { maxInflight: 1 } },
      fakeClassifier({ inferMs: 2 }),
    );
    expect(fast.classified).toBe(30);
    expect(fast.droppedTotal).toBe(0);
  });

  it('--rate scales bag time: 10x faster finishes a 1 s bag in about 0.1 s', async () => {
    const dir = path.join(tmp, 'slow');
    const writer = await McapBagWriter.create(dir, { schemaTextFor: ros2msgSchemaText });
    for (let i = 0; i < 5; i++)
      await writer.addMessage('/cam', 'sensor_msgs/msg/Image', BigInt(i) * 250_000_000n, rawImageCdr(i));
    await writer.close();
    const summary = await replayBag({ bagPath: dir, pace: { mode: 'rate', rate: 10 } }, fakeClassifier());
    expect(summary.classified).toBe(5);
    expect(summary.wallMs).toBeGreaterThanOrEqual(95);
    expect(summary.wallMs).toBeLessThan(600);
  });

  it('a corrupt chunk stops reading with an error naming the file (the only chunk here, so no result)', async () => {
    const dir = path.join(tmp, 'crc');
    const writer = await McapBagWriter.create(dir, { schemaTextFor: ros2msgSchemaText });
    for (let i = 0; i < 4; i++)
      await writer.addMessage('/cam', 'sensor_msgs/msg/Image', BigInt(i), rawImageCdr(i, 64, 64));
    await writer.close();
    const file = path.join(dir, 'crc_0.mcap');
    const bytes = await readFile(file);
    bytes[500] = bytes[500]! ^ 0xff;
    await writeFile(file, bytes);
    const summary = await replayBag({ bagPath: dir, pace: { mode: 'max_speed' } }, fakeClassifier());
    expect(summary.error).toMatch(/crc_0\.mcap: corrupt MCAP data \(.*crc/i);
    expect(summary.classified).toBe(0);
  });
});
