/** MCAP opcode of a Chunk record. */
export const CHUNK_OPCODE = 0x06;

/** The fields of a Chunk record before its records, and where the records are. */
export interface ChunkHeader {
  /** The record's length from its opcode (opcode u8 + length u64 + content). */
  readonly recordBytes: bigint;
  readonly messageStartTime: bigint;
  readonly messageEndTime: bigint;
  readonly uncompressedSize: bigint;
  /** 0: not computed by the writer. */
  readonly uncompressedCrc: number;
  readonly compression: string;
  /** Offset of the (possibly compressed) records in the bytes given, and their stated length. */
  readonly recordsStart: number;
  readonly recordsLength: bigint;
}

/** opcode, record length, start and end time, uncompressed size, uncompressed CRC, compression string length. */
const FIXED_BYTES = 1 + 8 + 8 + 8 + 8 + 4 + 4;

/**
 * Reads the header of the Chunk record at the start of `bytes` (which may be cut short after the header: the
 * records' stated length is not checked against them). Undefined when it is not a Chunk record or its header is
 * incomplete.
 */
export function readChunkHeader(bytes: Uint8Array): ChunkHeader | undefined {
  if (bytes.byteLength < FIXED_BYTES || bytes[0] !== CHUNK_OPCODE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const compressionLength = view.getUint32(FIXED_BYTES - 4, true);
  const recordsLengthAt = FIXED_BYTES + compressionLength;
  if (recordsLengthAt + 8 > bytes.byteLength) return undefined;
  return {
    recordBytes: 9n + view.getBigUint64(1, true),
    messageStartTime: view.getBigUint64(9, true),
    messageEndTime: view.getBigUint64(17, true),
    uncompressedSize: view.getBigUint64(25, true),
    uncompressedCrc: view.getUint32(33, true),
    compression: Buffer.from(bytes.buffer, bytes.byteOffset + FIXED_BYTES, compressionLength).toString(),
    recordsStart: recordsLengthAt + 8,
    recordsLength: view.getBigUint64(recordsLengthAt, true),
  };
}
