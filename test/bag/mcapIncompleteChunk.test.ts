/**
 * A recording cut off inside its last chunk: the complete messages in the part of the chunk that was written are
 * still read (uncompressed, zstd and lz4 chunks), exactly those, byte for byte and in order, and the reader says where
 * the file was cut; a replay of such a bag counts them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { McapWriter } from '@mcap/core';
import { MemoryWritable } from '../support/memoryWritable';
import decompressLz4 from '@foxglove/wasm-lz4';
import * as zstd from '@foxglove/wasm-zstd';
import { openBag, type BagMessage } from '../../src/bag';
import { decodeLz4FramePrefix } from '../../src/bag/lz4Frames';
import { encodeMessage, ros2msgSchemaText } from '../../src/messages';
import { replayBag } from '../../src/replay';
import { fakeClassifier } from '../replay/fakeClassifier';

const IMAGE = 'sensor_msgs/msg/Image';
const COUNT = 40;
const SIDE = 64;
const OPCODE_MESSAGE = 0x05;

interface Written {
  readonly logTimeNs: bigint;
  readonly data: Uint8Array;
  /** Where the message record ends in the chunk's uncompressed records. */
  readonly endInChunk: number;
}

/** Half noise (so zstd makes several blocks of real work), half a flat colour, different in every image. */
function image(i: number): Uint8Array {
  const pixels = new Uint8Array(SIDE * SIDE * 3);
  let state = 0x9e3779b9 ^ i;
  for (let p = 0; p < pixels.length / 2; p++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    pixels[p] = state >>> 24;
  }
  pixels.fill(i, pixels.length / 2);
  return encodeMessage(IMAGE, {
    header: { stamp: { sec: i, nanosec: 0 }, frame_id: 'cam' },
    height: SIDE,
    width: SIDE,
    encoding: 'rgb8',
    is_bigendian: 0,
    step: SIDE * 3,
    data: pixels,
  });
}

/** LZ4 frame of stored blocks of `block` bytes each: block boundaries known, so what a cut leaves is known. */
function lz4StoredBlocks(data: Uint8Array, block: number): Uint8Array {
  const parts = [Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0x73])];
  for (let at = 0; at < data.byteLength; at += block) {
    const part = data.subarray(at, at + block);
    const size = Buffer.alloc(4);
    size.writeUInt32LE((part.byteLength | 0x80000000) >>> 0);
    parts.push(size, Buffer.from(part));
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** zstd frame of raw blocks of `block` bytes each (no content size, 128 KB window), for the same reason. */
function zstdRawBlocks(data: Uint8Array, block: number): Uint8Array {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])];
  for (let at = 0; at < data.byteLength; at += block) {
    const part = data.subarray(at, at + block);
    const last = at + block >= data.byteLength ? 1 : 0;
    const header = last | (part.byteLength << 3);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), Buffer.from(part));
  }
  return Buffer.concat(parts);
}

const BLOCK = 4096;
type Kind = 'none' | 'zstd' | 'zstd-raw-blocks' | 'lz4-stored-blocks';

interface Bag {
  readonly bytes: Uint8Array;
  readonly messages: readonly Written[];
  /** The one chunk: where its record starts, where its stored records start, and their length. */
  readonly chunkStart: number;
  readonly storedStart: number;
  readonly storedLength: number;
}

async function oneChunkBag(kind: Kind): Promise<Bag> {
  await Promise.all([zstd.isLoaded, decompressLz4.isLoaded]);
  const writable = new MemoryWritable();
  const compressChunk =
    kind === 'none'
      ? undefined
      : (data: Uint8Array) =>
          kind === 'zstd'
            ? { compression: 'zstd', compressedData: zstd.compress(data, 3) }
            : kind === 'zstd-raw-blocks'
              ? { compression: 'zstd', compressedData: zstdRawBlocks(data, BLOCK) }
              : { compression: 'lz4', compressedData: lz4StoredBlocks(data, BLOCK) };
  const writer = new McapWriter({ writable, chunkSize: 64 << 20, ...(compressChunk && { compressChunk }) });
  await writer.start({ profile: 'ros2', library: 'edgenext-test' });
  const schemaId = await writer.registerSchema({
    name: IMAGE,
    encoding: 'ros2msg',
    data: new TextEncoder().encode(ros2msgSchemaText(IMAGE)),
  });
  const channelId = await writer.registerChannel({
    topic: '/cam',
    messageEncoding: 'cdr',
    schemaId,
    metadata: new Map(),
  });
  const sent: { logTimeNs: bigint; data: Uint8Array }[] = [];
  for (let i = 0; i < COUNT; i++) {
    const m = { logTimeNs: 1_000_000_000n + BigInt(i) * 33_000_000n, data: image(i) };
    sent.push(m);
    await writer.addMessage({ channelId, sequence: i, logTime: m.logTimeNs, publishTime: m.logTimeNs, data: m.data });
  }
  await writer.end();
  const bytes = writable.bytes();
  const view = new DataView(bytes.buffer);
  // The chunk is the first record after the 8-byte magic and the Header record.
  const chunkStart = 8 + 9 + Number(view.getBigUint64(9, true));
  expect(bytes[chunkStart]).toBe(0x06);
  const compressionLength = view.getUint32(chunkStart + 37, true);
  const storedLengthAt = chunkStart + 41 + compressionLength;
  const storedStart = storedLengthAt + 8;
  const storedLength = Number(view.getBigUint64(storedLengthAt, true));
  const uncompressedSize = Number(view.getBigUint64(chunkStart + 25, true));
  const stored = bytes.subarray(storedStart, storedStart + storedLength);
  const records =
    kind === 'none'
      ? stored
      : kind.startsWith('zstd')
        ? zstd.decompress(stored, uncompressedSize)
        : decompressLz4(stored, uncompressedSize);
  // Where each message record ends inside the chunk's records (schema and channel records come first).
  const ends: number[] = [];
  const rv = new DataView(records.buffer, records.byteOffset, records.byteLength);
  for (let at = 0; at < records.byteLength;) {
    const end = at + 9 + Number(rv.getBigUint64(at + 1, true));
    if (rv.getUint8(at) === OPCODE_MESSAGE) ends.push(end);
    at = end;
  }
  expect(ends).toHaveLength(COUNT);
  return {
    bytes,
    messages: sent.map((m, i) => ({ ...m, endInChunk: ends[i] as number })),
    chunkStart,
    storedStart,
    storedLength,
  };
}

/**
 * How many uncompressed bytes of the chunk's records a cut at `cut` leaves decodable, for the formats built here:
 * all stored bytes when uncompressed; the blocks (of BLOCK bytes, the last one shorter) wholly before the cut else.
 */
function decodableBytes(kind: Kind, bag: Bag, cut: number): number {
  const stored = cut - bag.storedStart;
  if (kind === 'none') return stored;
  if (kind === 'zstd') throw new Error('no exact model for the real compressor');
  const [frameHeader, blockHeader] = kind === 'lz4-stored-blocks' ? [7, 4] : [6, 3];
  const total = bag.messages.at(-1)?.endInChunk ?? 0;
  let decodable = 0;
  for (let end = frameHeader; decodable < total;) {
    const size = Math.min(BLOCK, total - decodable);
    end += blockHeader + size;
    if (end > stored) break;
    decodable += size;
  }
  return decodable;
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'edgenext-incomplete-chunk-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function readCut(bag: Bag, cut: number, name: string) {
  const file = path.join(work, `${name}_${cut}.mcap`);
  writeFileSync(file, bag.bytes.subarray(0, cut));
  const reader = await openBag(file);
  const read: BagMessage[] = [];
  try {
    for await (const m of reader.readMessages()) read.push(m);
  } finally {
    await reader.close();
  }
  return { file, read, warnings: reader.warnings, messageCount: reader.messageCount };
}

function expectPrefixOf(read: readonly BagMessage[], written: readonly Written[]): void {
  expect(read.map((m) => m.logTimeNs)).toEqual(written.slice(0, read.length).map((m) => m.logTimeNs));
  read.forEach((m, i) => {
    expect(m.topic).toBe('/cam');
    expect(Buffer.compare(Buffer.from(m.data), Buffer.from((written[i] as Written).data))).toBe(0);
  });
}

describe('MCAP cut inside its last chunk', () => {
  for (const kind of ['none', 'zstd-raw-blocks', 'lz4-stored-blocks'] as const) {
    it(`${kind}: exactly the complete messages before the cut, byte for byte, in order`, async () => {
      const bag = await oneChunkBag(kind);
      const storedEnd = bag.storedStart + bag.storedLength;
      const cuts = [0.05, 0.3, 0.5, 0.77, 0.99].map((f) => bag.storedStart + Math.floor(f * bag.storedLength));
      cuts.push(bag.storedStart + 3, storedEnd - 1);
      let recoveredSomewhere = false;
      for (const cut of cuts) {
        const { file, read, warnings, messageCount } = await readCut(bag, cut, kind);
        const decodable = decodableBytes(kind, bag, cut);
        const expected = bag.messages.filter((m) => m.endInChunk <= decodable).length;
        expect({ cut, read: read.length }).toEqual({ cut, read: expected });
        expect(messageCount).toBe(expected);
        expectPrefixOf(read, bag.messages);
        expect(warnings).toContainEqual(expect.stringContaining(`${file}: truncated at byte ${bag.chunkStart}: `));
        expect(warnings.join('\n')).toContain(`${expected} complete messages are readable`);
        if (expected > 0) recoveredSomewhere = true;
      }
      expect(recoveredSomewhere).toBe(true);
    });
  }

  it('zstd from the real compressor: a prefix of the messages, growing with the cut, all but the last block', async () => {
    const bag = await oneChunkBag('zstd');
    const counts: number[] = [];
    for (const f of [0.2, 0.4, 0.6, 0.8]) {
      const { read } = await readCut(bag, bag.storedStart + Math.floor(f * bag.storedLength), 'zstd');
      expectPrefixOf(read, bag.messages);
      counts.push(read.length);
    }
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    expect(counts.at(-1)).toBeGreaterThan(0);
    // Only the last block is cut: everything before its at most 128 KB of data is there.
    const { read } = await readCut(bag, bag.storedStart + bag.storedLength - 1, 'zstd');
    expectPrefixOf(read, bag.messages);
    const total = bag.messages.at(-1)?.endInChunk ?? 0;
    expect(read.length).toBeGreaterThanOrEqual(bag.messages.filter((m) => m.endInChunk <= total - 128 * 1024).length);
    expect(read.length).toBeLessThan(COUNT);
  });

  it('stops at a damaged record inside the cut chunk instead of returning it', async () => {
    const bag = await oneChunkBag('none');
    const cut = bag.storedStart + Math.floor(0.6 * bag.storedLength);
    const bytes = bag.bytes.slice(0, cut);
    // The third message's log time, to one outside the chunk's start..end times.
    const third = bag.storedStart + (bag.messages[1] as Written).endInChunk;
    expect(bytes[third]).toBe(OPCODE_MESSAGE);
    bytes[third + 9 + 2 + 4 + 7] = 0x7f;
    const file = path.join(work, 'damaged_in_cut_chunk.mcap');
    writeFileSync(file, bytes);
    const reader = await openBag(file);
    const read: BagMessage[] = [];
    for await (const m of reader.readMessages()) read.push(m);
    await reader.close();
    expect(read).toHaveLength(2);
    expectPrefixOf(read, bag.messages);
    expect(reader.warnings.join('\n')).toMatch(
      new RegExp(
        `${file}: truncated at byte ${bag.chunkStart}: .*2 complete messages are readable .*outside the chunk's`,
      ),
    );
  });

  it('a replay of the cut bag classifies the recovered messages and says where the file was cut', async () => {
    const bag = await oneChunkBag('zstd-raw-blocks');
    const cut = bag.storedStart + Math.floor(0.5 * bag.storedLength);
    const file = path.join(work, 'replay_cut.mcap');
    writeFileSync(file, bag.bytes.subarray(0, cut));
    const expected = bag.messages.filter((m) => m.endInChunk <= decodableBytes('zstd-raw-blocks', bag, cut)).length;
    expect(expected).toBeGreaterThan(0);
    const summary = await replayBag({ bagPath: file, pace: { mode: 'max_speed' } }, fakeClassifier());
    expect({ frames: summary.frames, classified: summary.classified }).toEqual({
      frames: expected,
      classified: expected,
    });
    expect(summary.error).toBeUndefined();
    expect(summary.warnings).toContainEqual(expect.stringContaining(`${file}: truncated at byte ${bag.chunkStart}: `));
  });
});

describe('LZ4 frame prefix decoder', () => {
  it('decodes compressed blocks with overlapping matches and matches into earlier blocks, as the frame decoder does', async () => {
    await decompressLz4.isLoaded;
    // Block 1: literals "abc", match (offset 3, length 9: overlaps what it writes), literals "vwxyz".
    // Block 2: literal "!", match (offset 18: back into block 1, length 7), literals "12345".
    const block1 = [0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x50, 0x76, 0x77, 0x78, 0x79, 0x7a];
    const block2 = [0x13, 0x21, 0x12, 0x00, 0x50, 0x31, 0x32, 0x33, 0x34, 0x35];
    const frame = Uint8Array.from([
      ...[0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0], // FLG: version 1, linked blocks; BD: 64 KB; header checksum
      ...[block1.length, 0, 0, 0, ...block1],
      ...[block2.length, 0, 0, 0, ...block2],
      ...[0, 0, 0, 0],
    ]);
    const text = 'abcabcabcabcvwxyz!abcabca12345';
    expect(Buffer.from(decompressLz4(frame, text.length)).toString()).toBe(text);
    expect(Buffer.from(decodeLz4FramePrefix(frame, text.length)).toString()).toBe(text);
    // Cut inside the second block: the first block's data only.
    const cut = frame.subarray(0, 7 + 4 + block1.length + 5);
    expect(Buffer.from(decodeLz4FramePrefix(cut, text.length)).toString()).toBe('abcabcabcabcvwxyz');
    expect(() => decodeLz4FramePrefix(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 8)).toThrow('not an LZ4 frame');
  });
});
