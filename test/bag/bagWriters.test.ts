import { copyFile, mkdir, mkdtemp, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  Db3BagWriter,
  JsonLinesWriter,
  McapBagWriter,
  offeredQosProfilesYaml,
  openBag,
  parseBagMetadata,
} from '../../src/bag';
import { decodeImageMessage, encodeMessage, ros2msgSchemaText } from '../../src/messages';
import { removeDir } from './fixtureBags';
import { expectHumbleBag } from './rosbag2Rules';
import { rejection } from '../support/errors';
import { collectMessages as collect } from './collectMessages';

const T0 = 1_700_000_000_123_456_789n; // above 2^53: must survive both storages exactly

function image(i: number): Uint8Array {
  const width = 8;
  const height = 6;
  return encodeMessage('sensor_msgs/msg/Image', {
    header: { stamp: { sec: 1_700_000_000 + i, nanosec: 5 }, frame_id: 'cam_js' },
    height,
    width,
    encoding: 'rgb8',
    is_bigendian: 0,
    step: width * 3,
    data: new Uint8Array(width * height * 3).fill(i),
  });
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-bagw-'));
});
afterAll(async () => removeDir(tmp));

async function writeTestBag(storage: 'mcap' | 'sqlite3', dir: string, count = 10, overwrite = false): Promise<void> {
  const qos = { '/bag_image': offeredQosProfilesYaml({ reliability: 'best_effort', depth: 1 }) };
  const writer =
    storage === 'mcap'
      ? await McapBagWriter.create(dir, { schemaTextFor: ros2msgSchemaText, offeredQosProfiles: qos, overwrite })
      : await Db3BagWriter.create(dir, { offeredQosProfiles: qos, overwrite });
  for (let i = 0; i < count; i++)
    await writer.addMessage('/bag_image', 'sensor_msgs/msg/Image', T0 + BigInt(i) * 100_000_000n, image(i));
  await writer.addMessage(
    '/other',
    'diagnostic_msgs/msg/KeyValue',
    T0,
    encodeMessage('diagnostic_msgs/msg/KeyValue', { key: 'k', value: 'v' }),
  );
  await writer.close();
}

describe.each(['mcap', 'sqlite3'] as const)('%s bag writer', (storage) => {
  it('writes a bag that follows the Humble rules and reads back exactly', async () => {
    const dir = path.join(tmp, `rt_${storage}`);
    await writeTestBag(storage, dir);
    const info = await expectHumbleBag(dir, storage);
    expect(info['message_count']).toBe(11n);
    expect((info['duration'] as Record<string, unknown>)['nanoseconds']).toBe(900_000_000n);
    const meta = parseBagMetadata(await readFile(path.join(dir, 'metadata.yaml'), 'utf8'), 'metadata.yaml');
    expect(meta.startTimeNs).toBe(T0);
    expect(meta.topics[0]?.offeredQosProfiles).toContain('reliability: 2');

    const reader = await openBag(dir);
    expect(reader.storage).toBe(storage);
    expect(reader.topics).toEqual([
      { name: '/bag_image', type: 'sensor_msgs/msg/Image', messageCount: 10 },
      { name: '/other', type: 'diagnostic_msgs/msg/KeyValue', messageCount: 1 },
    ]);
    expect([reader.startTimeNs, reader.endTimeNs]).toEqual([T0, T0 + 900_000_000n]);
    const messages = (await collect(reader)).filter((m) => m.topic === '/bag_image');
    await reader.close();
    expect(messages.map((m) => m.logTimeNs)).toEqual(
      Array.from({ length: 10 }, (_, i) => T0 + BigInt(i) * 100_000_000n),
    );
    expect(messages.map((m) => Buffer.from(m.data).equals(Buffer.from(image(messages.indexOf(m)))))).toEqual(
      Array(10).fill(true),
    );
    const { header, image: img } = decodeImageMessage(messages[3]!.type, messages[3]!.data);
    expect(header).toEqual({ stamp: { sec: 1_700_000_003, nanosec: 5 }, frameId: 'cam_js' });
    expect(img).toMatchObject({ width: 8, height: 6, encoding: 'rgb8', step: 24 });
  });

  it('refuses a non-empty output directory unless overwrite is set', async () => {
    const dir = path.join(tmp, `exists_${storage}`);
    await writeTestBag(storage, dir, 1);
    const create =
      storage === 'mcap' ? McapBagWriter.create(dir, { schemaTextFor: ros2msgSchemaText }) : Db3BagWriter.create(dir);
    const error = await rejection(create);
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('not empty');
    await writeTestBag(storage, dir, 2, true);
    const reader = await openBag(dir);
    expect(reader.messageCount).toBe(3);
    await reader.close();
  });
});

describe('reader errors on damaged files', () => {
  const mcapDir = (): string => path.join(tmp, 'rt_mcap');
  const mcapFile = (): string => path.join(mcapDir(), 'rt_mcap_0.mcap');

  beforeAll(async () => {
    await stat(mcapFile()).catch(() => writeTestBag('mcap', mcapDir()));
  });

  async function damagedCopy(name: string, damage: (bytes: Uint8Array) => Uint8Array): Promise<string> {
    const file = path.join(tmp, name);
    await writeFile(file, damage(new Uint8Array(await readFile(mcapFile()))));
    return file;
  }

  it('flipped bytes inside a chunk -> corrupt_file naming the file and the CRC', async () => {
    const file = await damagedCopy('crc.mcap', (b) => {
      b[400] = b[400]! ^ 0xff;
      b[401] = b[401]! ^ 0xff;
      return b;
    });
    const reader = await openBag(file);
    const error = await rejection(collect(reader));
    await reader.close();
    expect(error.code).toBe('corrupt_file');
    expect(error.message).toContain('crc.mcap');
    expect(error.message).toMatch(/crc/i);
  });

  it('truncated MCAP: falls back to reading in file order and says it is truncated', async () => {
    const file = await damagedCopy('cut.mcap', (b) => b.subarray(0, b.byteLength - 200));
    const reader = await openBag(file);
    expect(reader.warnings.join('\n')).toMatch(/cut\.mcap: no usable MCAP index/);
    // The only chunk closes before the summary, so every message survives this cut.
    expect(reader.topics.find((t) => t.name === '/bag_image')?.messageCount).toBe(10);
    expect((await collect(reader)).length).toBe(11);
    await reader.close();
  });

  it('MCAP cut inside its chunk: reports truncation, yields what is complete (nothing here)', async () => {
    const file = await damagedCopy('cut2.mcap', (b) => b.subarray(0, 600));
    const reader = await openBag(file);
    expect(reader.warnings.join('\n')).toMatch(
      /cut2\.mcap: truncated at byte \d+: the last \d+ bytes are an incomplete record; 0 complete messages/,
    );
    expect(reader.messageCount).toBe(0);
    await reader.close();
  });

  it('empty files and non-bag files -> clear errors', async () => {
    const empty = path.join(tmp, 'empty.mcap');
    await writeFile(empty, '');
    expect((await rejection(openBag(empty))).message).toBe(`${empty}: empty file (0 bytes), not an MCAP bag`);
    const emptyDb = path.join(tmp, 'empty.db3');
    await writeFile(emptyDb, '');
    expect((await rejection(openBag(emptyDb))).code).toBe('corrupt_file');
    const text = path.join(tmp, 'notes.db3');
    await writeFile(text, 'just some text, not a database at all');
    const unknown = await rejection(openBag(text));
    expect(unknown.code).toBe('invalid_argument');
    expect(unknown.message).toContain('notes.db3: unknown storage format');
  });

  it('unknown storage in metadata.yaml (a ROS 1 bag) -> names the file and the declared storage', async () => {
    const dir = path.join(tmp, 'ros1');
    await mkdir(dir);
    await writeFile(path.join(dir, 'x.bag'), '#ROSBAG V2.0\n' + 'x'.repeat(100));
    await writeFile(
      path.join(dir, 'metadata.yaml'),
      'rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: rosbag_v2\n  relative_file_paths: [x.bag]\n  topics_with_message_count: []\n',
    );
    const error = await rejection(openBag(dir));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain(
      "x.bag: unknown storage format (metadata.yaml says storage_identifier 'rosbag_v2')",
    );
  });

  it('truncated db3 -> corrupt_file naming the file', async () => {
    const dir = path.join(tmp, 'rt_sqlite3');
    await stat(dir).catch(() => writeTestBag('sqlite3', dir));
    const file = path.join(tmp, 'cut.db3');
    await copyFile(path.join(dir, 'rt_sqlite3_0.db3'), file);
    await truncate(file, 3000);
    const error = await rejection(openBag(file).then(collect));
    expect(error.code).toBe('corrupt_file');
    expect(error.message).toContain('cut.db3');
  });

  it('metadata.yaml listing a missing storage file -> file_not_found', async () => {
    const dir = path.join(tmp, 'nofile');
    await mkdir(dir);
    await writeFile(
      path.join(dir, 'metadata.yaml'),
      'rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: mcap\n  relative_file_paths: [gone_0.mcap]\n  topics_with_message_count: []\n',
    );
    const error = await rejection(openBag(dir));
    expect(error.code).toBe('file_not_found');
    expect(error.message).toContain("storage file 'gone_0.mcap'");
  });
});

describe('JsonLinesWriter', () => {
  it('writes one JSON object per line with bigints as strings', async () => {
    const file = path.join(tmp, 'out', 'r.jsonl');
    const writer = await JsonLinesWriter.create(file);
    await writer.write({ a: 1, stampNs: 1_700_000_000_123_456_789n });
    await writer.write({ b: 'x' });
    await writer.close();
    expect(await readFile(file, 'utf8')).toBe('{"a":1,"stampNs":"1700000000123456789"}\n{"b":"x"}\n');
  });
});

describe('MCAP variants', () => {
  it('reads an unchunked MCAP (summary but no chunk index) in file order', async () => {
    const { McapWriter } = await import('@mcap/core');
    const chunks: Uint8Array[] = [];
    const writer = new McapWriter({
      useChunks: false,
      writable: {
        position: () => BigInt(chunks.reduce((n, c) => n + c.byteLength, 0)),
        write: async (b: Uint8Array) => {
          chunks.push(b.slice());
        },
      },
    });
    await writer.start({ profile: 'ros2', library: 'test' });
    const schemaId = await writer.registerSchema({
      name: 'sensor_msgs/msg/Image',
      encoding: 'ros2msg',
      data: new TextEncoder().encode(ros2msgSchemaText('sensor_msgs/msg/Image')),
    });
    const channelId = await writer.registerChannel({
      topic: '/img',
      messageEncoding: 'cdr',
      schemaId,
      metadata: new Map(),
    });
    for (let i = 0; i < 3; i++)
      await writer.addMessage({ channelId, sequence: i, logTime: BigInt(i), publishTime: BigInt(i), data: image(i) });
    await writer.end();
    const file = path.join(tmp, 'unchunked.mcap');
    await writeFile(file, Buffer.concat(chunks));
    const reader = await openBag(file);
    expect(reader.warnings[0]).toContain('messages are not in indexed chunks');
    expect((await collect(reader)).map((m) => m.logTimeNs)).toEqual([0n, 1n, 2n]);
    await reader.close();
  });
});
