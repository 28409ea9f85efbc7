import { crc32 } from 'node:zlib';
import type { McapTypes } from '@mcap/core';
import { readChunkHeader } from './mcapChunkHeader';

type ChunkIndex = McapTypes.TypedMcapRecords['ChunkIndex'];

/** A message record of a chunk: its data is a view into the chunk's bytes, never a copy. */
export interface ChunkMessage {
  readonly channelId: number;
  readonly logTime: bigint;
  readonly data: Uint8Array;
}

const MESSAGE_OPCODE = 0x05;
/** opcode u8 + record length u64. */
const RECORD_HEADER = 9;
/** channel id u16, sequence u32, log time u64, publish time u64. */
const MESSAGE_PREFIX = 22;

/**
 * The order in which chunks can be read one after the other and still give messages in log-time order: by start
 * time, each starting no earlier than the one before ends. Undefined when chunks overlap in time (messages of two
 * chunks interleave): only a merge across chunks, which @mcap/core's indexed reader does, orders those.
 */
export function sequentialChunkOrder(chunks: readonly ChunkIndex[]): ChunkIndex[] | undefined {
  const sorted = [...chunks].sort((a, b) =>
    a.messageStartTime !== b.messageStartTime
      ? a.messageStartTime < b.messageStartTime
        ? -1
        : 1
      : a.chunkStartOffset < b.chunkStartOffset
        ? -1
        : 1,
  );
  for (let i = 1; i < sorted.length; i += 1) {
    const previous = sorted[i - 1] as ChunkIndex;
    const chunk = sorted[i] as ChunkIndex;
    if (chunk.messageStartTime < previous.messageEndTime) return undefined;
    // Equal times: a merge would take the earlier chunk in the file first.
    if (chunk.messageStartTime === previous.messageEndTime && chunk.chunkStartOffset < previous.chunkStartOffset) {
      return undefined;
    }
  }
  return sorted;
}

function fail(what: string, offset: number): never {
  throw new Error(`${what} at byte ${offset} of the chunk`);
}

/**
 * The uncompressed records of one Chunk record (read whole: opcode to end). Compressed records are inflated with
 * `decompress` and checked against the chunk's CRC here; uncompressed ones are returned as a view (their CRC is
 * checked where the chunk is read, see ChunkCrcReadable).
 */
export function chunkRecords(chunk: Uint8Array, decompress: McapTypes.DecompressHandlers): Uint8Array {
  const header = readChunkHeader(chunk);
  if (header === undefined) fail('not a chunk record', 0);
  if (header.recordBytes > BigInt(chunk.byteLength)) {
    fail(`chunk record longer (${header.recordBytes} bytes) than what was read`, 1);
  }
  const { recordsStart, recordsLength, uncompressedSize, compression } = header;
  if (BigInt(recordsStart) + recordsLength > header.recordBytes)
    fail('chunk records run past the record', recordsStart - 8);
  const stored = chunk.subarray(recordsStart, recordsStart + Number(recordsLength));
  if (compression === '') {
    if (recordsLength !== uncompressedSize) fail('uncompressed chunk whose size disagrees with its records', 17);
    return stored;
  }
  const inflate = decompress[compression];
  if (inflate === undefined) throw new Error(`Unsupported compression ${compression}`);
  const records = inflate(stored, uncompressedSize);
  if (BigInt(records.byteLength) !== uncompressedSize) {
    fail(`chunk inflated to ${records.byteLength} bytes instead of ${uncompressedSize}`, recordsStart);
  }
  if (header.uncompressedCrc !== 0) {
    const actual = crc32(records);
    if (actual !== header.uncompressedCrc) {
      fail(`Incorrect chunk CRC ${actual} (expected ${header.uncompressedCrc})`, recordsStart);
    }
  }
  return records;
}

/**
 * The message records in a chunk's uncompressed records, of the channels `wanted` accepts, in log-time order (file
 * order among equal times, as MCAP readers merge them). Every record must fit exactly; anything else throws.
 */
export function chunkMessages(records: Uint8Array, wanted: (channelId: number) => boolean): ChunkMessage[] {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const messages: ChunkMessage[] = [];
  let sorted = true;
  let offset = 0;
  while (offset < records.byteLength) {
    if (offset + RECORD_HEADER > records.byteLength) fail('incomplete record header', offset);
    const opcode = view.getUint8(offset);
    const length = view.getBigUint64(offset + 1, true);
    const contentStart = offset + RECORD_HEADER;
    if (BigInt(contentStart) + length > BigInt(records.byteLength))
      fail(`record (opcode ${opcode}) runs past the chunk`, offset);
    const contentEnd = contentStart + Number(length);
    if (opcode === MESSAGE_OPCODE) {
      if (length < BigInt(MESSAGE_PREFIX)) fail('message record too short', offset);
      const channelId = view.getUint16(contentStart, true);
      if (wanted(channelId)) {
        const logTime = view.getBigUint64(contentStart + 6, true);
        const previous = messages[messages.length - 1];
        if (previous !== undefined && logTime < previous.logTime) sorted = false;
        messages.push({ channelId, logTime, data: records.subarray(contentStart + MESSAGE_PREFIX, contentEnd) });
      }
    }
    offset = contentEnd;
  }
  // Array.prototype.sort is stable: equal log times keep their file order.
  if (!sorted) messages.sort((a, b) => (a.logTime === b.logTime ? 0 : a.logTime < b.logTime ? -1 : 1));
  return messages;
}
