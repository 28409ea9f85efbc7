import { crc32 } from 'node:zlib';
import type { McapTypes } from '@mcap/core';

type ChunkIndex = McapTypes.TypedMcapRecords['ChunkIndex'];

/** MCAP opcode of a Chunk record. */
const CHUNK_OPCODE = 0x06;

/**
 * Verifies the CRC of every uncompressed chunk as it is read, with zlib's native CRC-32 (the same polynomial MCAP
 * uses). @mcap/core's own check runs a JavaScript CRC over the chunk, which for raw camera frames (2.7 MB per 720p
 * bgr8 image) cost more than the rest of reading and decoding together; this keeps corrupt chunks a clear error
 * at a fraction of the cost. Reads that are not exactly one indexed chunk pass through unchanged.
 */
export class ChunkCrcReadable implements McapTypes.IReadable {
  readonly #inner: McapTypes.IReadable;
  readonly #chunkLengths = new Map<bigint, bigint>();
  #fileSize: Promise<bigint> | undefined;

  constructor(inner: McapTypes.IReadable) {
    this.#inner = inner;
  }

  /** Chunks whose reads are verified from now on (only uncompressed ones can be checked without decompressing). */
  watch(chunks: readonly ChunkIndex[]): void {
    for (const chunk of chunks) {
      if (chunk.compression === '') this.#chunkLengths.set(chunk.chunkStartOffset, chunk.chunkLength);
    }
  }

  size(): Promise<bigint> {
    this.#fileSize ??= this.#inner.size();
    return this.#fileSize;
  }

  async read(offset: bigint, size: bigint): Promise<Uint8Array> {
    // A damaged footer or index can ask for gigabytes past the end: @mcap/nodejs would allocate twice that and pass
    // Node's fs a length it aborts the whole process on (found by the fuzz bench). Refuse it as a read error.
    const fileSize = await this.size();
    if (offset < 0n || size < 0n || offset + size > fileSize) {
      throw new Error(`a read of ${size} bytes at offset ${offset} goes past the end of the file (${fileSize} bytes)`);
    }
    const data = await this.#inner.read(offset, size);
    if (this.#chunkLengths.get(offset) === size) verifyChunkCrc(data, offset);
    return data;
  }
}

/**
 * Chunk record layout: opcode u8, record length u64, message start/end time u64 ×2, uncompressed size u64,
 * uncompressed CRC u32 (0 = not computed), compression string (u32 length + bytes), records (u64 length + bytes).
 */
export function verifyChunkCrc(record: Uint8Array, offset: bigint): void {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  if (record.byteLength < 41 || view.getUint8(0) !== CHUNK_OPCODE) return; // the reader reports malformed records itself
  const expected = view.getUint32(33, true);
  const compressionLength = view.getUint32(37, true);
  const recordsLengthAt = 41 + compressionLength;
  if (expected === 0 || compressionLength !== 0 || recordsLengthAt + 8 > record.byteLength) return;
  const recordsLength = Number(view.getBigUint64(recordsLengthAt, true));
  const recordsStart = recordsLengthAt + 8;
  if (recordsStart + recordsLength > record.byteLength) return;
  const actual = crc32(record.subarray(recordsStart, recordsStart + recordsLength));
  if (actual !== expected) {
    throw new Error(`Incorrect chunk CRC ${actual} (expected ${expected}) in the chunk at offset ${offset}`);
  }
}
