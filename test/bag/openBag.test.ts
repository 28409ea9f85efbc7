import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { openBag } from '../../src/bag';
import { stampToNs } from '../../src/core/image';
import { decodeImageMessage } from '../../src/messages';
import { copyFixtureBags, FIXTURE_BAGS, removeDir } from './fixtureBags';
import { rejection } from '../support/errors';
import { collectMessages as collect } from './collectMessages';

interface ManifestBag {
  name: string;
  storage: string;
  metadata_version: number;
  message_count: number;
  topics: Record<string, { type: string; count: number }>;
}

const manifest = JSON.parse(readFileSync(path.join(FIXTURE_BAGS, 'manifest.json'), 'utf8') as string) as {
  bags: ManifestBag[];
};

let tmp: string;
beforeAll(async () => {
  tmp = await copyFixtureBags(manifest.bags.map((b) => b.name));
});
afterAll(async () => removeDir(tmp));

describe('openBag on every fixture bag', () => {
  it.each(manifest.bags.map((b) => [b.name, b] as const))(
    '%s: storage, metadata version, topics and counts',
    async (name, bag) => {
      const reader = await openBag(path.join(tmp, name));
      try {
        expect(reader.storage).toBe(bag.storage);
        expect(reader.metadataVersion).toBe(bag.metadata_version);
        expect(reader.messageCount).toBe(bag.message_count);
        const topics = Object.fromEntries(reader.topics.map((t) => [t.name, { type: t.type, count: t.messageCount }]));
        for (const [topic, expected] of Object.entries(bag.topics)) {
          expect(topics[topic]).toEqual({ type: expected.type, count: expected.count });
        }
        if (bag.message_count === 0) {
          expect([reader.startTimeNs, reader.endTimeNs]).toEqual([0n, 0n]);
        } else {
          expect(reader.endTimeNs).toBeGreaterThanOrEqual(reader.startTimeNs);
        }
      } finally {
        await reader.close();
      }
    },
  );

  it.each(manifest.bags.map((b) => [b.name, b] as const))(
    '%s: streams every message in log-time order',
    async (name, bag) => {
      const reader = await openBag(path.join(tmp, name));
      try {
        const messages = await collect(reader);
        expect(messages.length).toBe(bag.message_count);
        for (let i = 1; i < messages.length; i++) {
          expect(messages[i]!.logTimeNs >= messages[i - 1]!.logTimeNs).toBe(true);
        }
        for (const m of messages) expect(m.type).toBe(bag.topics[m.topic]?.type);
      } finally {
        await reader.close();
      }
    },
  );

  it('decodes the 2x2 mono8 images with their stamps, exact 64-bit log times', async () => {
    const reader = await openBag(path.join(tmp, 'images_2x2_mono8_sqlite3'));
    const messages = await collect(reader, ['/image']);
    await reader.close();
    expect(messages.map((m) => m.logTimeNs)).toEqual([0n, 1_000_000_000n, 2_000_000_000n]);
    const decoded = messages.map((m) => decodeImageMessage(m.type, m.data));
    // The recorder wrote un-normalised stamps (sec 0, nanosec 1e9 / 2e9); they still order and convert.
    expect(decoded.map((d) => stampToNs(d.header.stamp))).toEqual([0n, 1_000_000_000n, 2_000_000_000n]);
    expect(decoded[0]!.header.frameId).toBe('camera_optical_frame');
    expect(decoded[0]!.image).toMatchObject({ kind: 'raw', width: 2, height: 2, encoding: 'mono8' });
  });

  it('keeps every digit of ns-since-epoch times (rov_imu, above 2^53)', async () => {
    const reader = await openBag(path.join(tmp, 'rov_imu_sqlite3'));
    expect(reader.startTimeNs).toBe(1700259506102817568n);
    const first = (await collect(reader))[0];
    await reader.close();
    expect(first?.logTimeNs).toBe(1700259506102817568n);
  });

  it('filters by topic', async () => {
    const reader = await openBag(path.join(tmp, 'cdr_test_mcap'));
    const messages = await collect(reader, ['/test_topic']);
    await reader.close();
    expect(messages.map((m) => m.topic)).toEqual(['/test_topic', '/test_topic', '/test_topic']);
  });

  it('reads a zstd-compressed MCAP (the talker recording) and decodes its strings', async () => {
    const reader = await openBag(path.join(tmp, 'talker_mcap'));
    const messages = await collect(reader, ['/topic']);
    await reader.close();
    expect(messages).toHaveLength(10);
    // std_msgs/String CDR: 4-byte encapsulation header, uint32 length (with NUL), then the text.
    const first = messages[0]!.data;
    const length = new DataView(first.buffer, first.byteOffset + 4, 4).getUint32(0, true);
    expect(Buffer.from(first.subarray(8, 8 + length - 1)).toString('utf8')).toMatch(/^Hello, world! \d+$/);
  });

  it('opens a single storage file without metadata.yaml', async () => {
    const reader = await openBag(path.join(tmp, 'cdr_test_mcap', 'cdr_test_0.mcap'));
    expect(reader.metadataVersion).toBeUndefined();
    expect(reader.messageCount).toBe(7);
    await reader.close();
    const db3 = await openBag(path.join(tmp, 'images_2x2_mono8_sqlite3', 'images.bag_0.db3'));
    expect(db3.storage).toBe('sqlite3');
    expect(db3.topics).toEqual([{ name: '/image', type: 'sensor_msgs/msg/Image', messageCount: 3 }]);
    await db3.close();
  });

  it('opens the fixture folder itself read-only (WAL db3 included) without writing into it', async () => {
    const reader = await openBag(path.join(FIXTURE_BAGS, 'talker_sqlite3'));
    expect((await collect(reader)).length).toBe(20);
    await reader.close();
    const bytes = await readFile(path.join(FIXTURE_BAGS, 'talker_sqlite3', 'talker.db3'));
    expect(bytes.subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
  });
});

describe('openBag errors', () => {
  it('missing bag -> file_not_found naming the path', async () => {
    const error = await rejection(openBag(path.join(tmp, 'nope')));
    expect(error.code).toBe('file_not_found');
    expect(error.message).toContain('nope: no such bag');
  });
});
