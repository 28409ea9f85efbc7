/**
 * Reading MCAP chunk by chunk (src/bag/mcapChunkMessages.ts): messages come in log-time order whatever order the
 * chunks and the messages in them were written in, each message's data is a view into its chunk (no copy), and
 * chunks that overlap in time are merged by @mcap/core's indexed reader instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { McapIndexedReader, McapWriter } from '@mcap/core';
import { MemoryWritable } from '../support/memoryWritable';
import { openBag, type BagMessage } from '../../src/bag';
import { chunkMessages, sequentialChunkOrder } from '../../src/bag/mcapChunkMessages';

/**
 * An MCAP of one channel whose messages carry their log time as their one byte of payload, so that order and content
 * are checked at once. With a 40-byte chunk size @mcap/core's writer closes a chunk once it holds more than 40 bytes:
 * the first (with the schema and channel records) after one message, every later one after two.
 */
async function mcapWithLogTimes(logTimes: readonly number[]): Promise<Uint8Array> {
  const writable = new MemoryWritable();
  const writer = new McapWriter({ writable, chunkSize: 40 });
  await writer.start({ profile: 'ros2', library: 'edgenext-test' });
  const schemaId = await writer.registerSchema({
    name: 'std_msgs/msg/UInt8',
    encoding: 'ros2msg',
    data: new Uint8Array(),
  });
  const channelId = await writer.registerChannel({
    topic: '/t',
    messageEncoding: 'cdr',
    schemaId,
    metadata: new Map(),
  });
  let sequence = 0;
  for (const t of logTimes) {
    await writer.addMessage({
      channelId,
      sequence: ++sequence,
      logTime: BigInt(t),
      publishTime: BigInt(t),
      data: Uint8Array.of(t),
    });
  }
  await writer.end();
  return writable.bytes();
}

/** The chunks' time spans in file order, as the file's chunk index gives them. */
async function chunkSpans(bytes: Uint8Array): Promise<string[]> {
  const reader = await McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(bytes.byteLength),
      read: async (offset, length) => bytes.subarray(Number(offset), Number(offset + length)),
    },
  });
  return [...reader.chunkIndexes]
    .sort((a, b) => Number(a.chunkStartOffset - b.chunkStartOffset))
    .map((c) => `${c.messageStartTime}-${c.messageEndTime}`);
}

const work = mkdtempSync(path.join(tmpdir(), 'edgenext-chunk-order-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function readAll(name: string, bytes: Uint8Array): Promise<BagMessage[]> {
  const file = path.join(work, `${name}.mcap`);
  writeFileSync(file, bytes);
  const reader = await openBag(file);
  const read: BagMessage[] = [];
  try {
    for await (const m of reader.readMessages()) read.push(m);
    expect(reader.warnings).toEqual([]);
  } finally {
    await reader.close();
  }
  return read;
}

const times = (read: readonly BagMessage[]): number[] => read.map((m) => Number(m.logTimeNs));
const payloads = (read: readonly BagMessage[]): number[] => read.map((m) => m.data[0] ?? -1);

describe('MCAP chunk by chunk', () => {
  it('gives messages in log-time order when chunks and messages in them were written out of order', async () => {
    const bytes = await mcapWithLogTimes([5, 30, 20, 10, 11, 40]);
    expect(await chunkSpans(bytes)).toEqual(['5-5', '20-30', '10-11', '40-40']);
    const read = await readAll('shuffled', bytes);
    expect(times(read)).toEqual([5, 10, 11, 20, 30, 40]);
    expect(payloads(read)).toEqual([5, 10, 11, 20, 30, 40]);
  });

  it("returns each message's data as a view into its chunk as read, not a copy", async () => {
    const bytes = await mcapWithLogTimes([1, 2, 3, 4, 5]);
    expect(await chunkSpans(bytes)).toEqual(['1-1', '2-3', '4-5']);
    const read = await readAll('views', bytes);
    expect(payloads(read)).toEqual([1, 2, 3, 4, 5]);
    const [, second, third, fourth] = read as [BagMessage, BagMessage, BagMessage, BagMessage];
    expect(second.data.byteLength).toBe(1);
    expect(second.data.buffer.byteLength).toBeGreaterThan(40); // the whole chunk record is behind the view
    expect(second.data.buffer).toBe(third.data.buffer); // one chunk, one buffer
    expect(second.data.buffer).not.toBe(fourth.data.buffer); // the next chunk was read into a buffer of its own
  });

  it('merges chunks that overlap in time through the indexed reader, in log-time order', async () => {
    const bytes = await mcapWithLogTimes([1, 3, 5, 2, 4, 6]);
    expect(await chunkSpans(bytes)).toEqual(['1-1', '3-5', '2-4', '6-6']);
    const read = await readAll('overlapping', bytes);
    expect(times(read)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(payloads(read)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('sequentialChunkOrder', () => {
  const chunk = (start: number, end: number, offset: number) =>
    ({ messageStartTime: BigInt(start), messageEndTime: BigInt(end), chunkStartOffset: BigInt(offset) }) as Parameters<
      typeof sequentialChunkOrder
    >[0][number];

  it('orders chunks by start time, and refuses chunks that overlap', () => {
    const order = sequentialChunkOrder([chunk(21, 30, 100), chunk(0, 10, 200), chunk(10, 20, 300)]);
    expect(order?.map((c) => Number(c.chunkStartOffset))).toEqual([200, 300, 100]);
    expect(sequentialChunkOrder([chunk(0, 10, 100), chunk(5, 20, 200)])).toBeUndefined();
  });

  it('refuses a later chunk in the file that would have to come first at an equal time', () => {
    expect(sequentialChunkOrder([chunk(10, 20, 100), chunk(0, 10, 200)])).toBeUndefined();
    expect(sequentialChunkOrder([chunk(0, 10, 100), chunk(10, 20, 200)])).toHaveLength(2);
  });
});

describe('chunkMessages', () => {
  /** Message records (opcode 5) of channel `channel`, one payload byte each. */
  function records(messages: readonly { channel: number; time: number }[]): Uint8Array {
    return Buffer.concat(
      messages.map(({ channel, time }) => {
        const record = Buffer.alloc(9 + 22 + 1);
        record.writeUInt8(5, 0);
        record.writeBigUInt64LE(23n, 1);
        record.writeUInt16LE(channel, 9);
        record.writeBigUInt64LE(BigInt(time), 15);
        record.writeUInt8(time, 31);
        return record;
      }),
    );
  }

  it('keeps file order among equal log times and filters by channel', () => {
    const got = chunkMessages(
      records([
        { channel: 1, time: 5 },
        { channel: 2, time: 3 },
        { channel: 1, time: 3 },
        { channel: 1, time: 5 },
      ]),
      (id) => id === 1,
    );
    expect(got.map((m) => [m.channelId, Number(m.logTime)])).toEqual([
      [1, 3],
      [1, 5],
      [1, 5],
    ]);
  });

  it('throws, naming the byte, when a record runs past the chunk', () => {
    const bytes = records([{ channel: 1, time: 1 }]);
    expect(() => chunkMessages(bytes.subarray(0, bytes.byteLength - 1), () => true)).toThrow(
      'record (opcode 5) runs past the chunk at byte 0 of the chunk',
    );
  });
});
