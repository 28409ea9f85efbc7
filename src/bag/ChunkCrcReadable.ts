import { crc32 } from 'node:zlib';
import type { McapTypes } from '@mcap/core';
import { readChunkHeader } from './mcapChunkHeader';

type ChunkIndex = McapTypes.TypedMcapRecords['ChunkIndex'];

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

/** Checks an uncompressed chunk's records against its CRC; anything else is left to the reader to report. */
export function verifyChunkCrc(record: Uint8Array, offset: bigint): void {
  const header = readChunkHeader(record);
  if (header === undefined || header.uncompressedCrc === 0 || header.compression !== '') return;
  const end = BigInt(header.recordsStart) + header.recordsLength;
  if (end > BigInt(record.byteLength)) return;
  const actual = crc32(record.subarray(header.recordsStart, Number(end)));
  if (actual !== header.uncompressedCrc) {
    throw new Error(
      `Incorrect chunk CRC ${actual} (expected ${header.uncompressedCrc}) in the chunk at offset ${offset}`,
    );
  }
}
