import { McapStreamReader, type McapTypes } from '@mcap/core';
import { readChunkHeader } from './mcapChunkHeader';
import { mcapDecompressHandlers } from './mcapDecompression';
import { decodeLz4FramePrefix } from './lz4Frames';
import { completeZstdBlocks } from './zstdFrames';

type Channel = McapTypes.TypedMcapRecords['Channel'];
type Schema = McapTypes.TypedMcapRecords['Schema'];
type Message = McapTypes.TypedMcapRecords['Message'];

/** The largest typed array and WebAssembly allocation the decoders can make. */
const MAX_DECODED_BYTES = 2 ** 31 - 1;

export interface PartialChunk {
  /** The Schema, Channel and Message records that are complete and valid, in order. */
  readonly records: readonly (Schema | Channel | Message)[];
  /** Why the records stop before the end of what was decoded (damage, not the cut), if they do. */
  readonly stoppedBy: string | undefined;
}

/**
 * The complete records at the start of a Chunk record that was cut off (`bytes`: from its opcode to the end of the
 * file). Its CRC covers the whole chunk and cannot be checked, so every record is held to the chunk's own promises:
 * only Schema, Channel and Message records, each complete and well-formed, messages only of channels known
 * (`channels`, or defined earlier in the chunk) and with log times inside the chunk's start and end times. The first
 * record that breaks one ends the recovery (`stoppedBy`). Compressed chunks are decoded as far as the data goes:
 * complete zstd blocks, complete LZ4 blocks.
 */
export async function recoverPartialChunk(
  bytes: Uint8Array,
  channels: ReadonlyMap<number, Channel>,
): Promise<PartialChunk> {
  const none = (stoppedBy?: string): PartialChunk => ({ records: [], stoppedBy });
  const header = readChunkHeader(bytes);
  if (header === undefined) return none();
  const { messageStartTime: startTime, messageEndTime: endTime, uncompressedSize, compression } = header;
  const stored = bytes.subarray(header.recordsStart, header.recordsStart + Number(header.recordsLength));
  // Decoding allocates the size the chunk states: a damaged one could ask for more than a buffer can be.
  if (compression !== '' && uncompressedSize > BigInt(MAX_DECODED_BYTES)) {
    return none(`its uncompressed size ${uncompressedSize} is beyond any chunk this reader decodes`);
  }
  let decoded: Uint8Array;
  try {
    decoded = await decodePrefix(compression, stored, Number(uncompressedSize));
  } catch (error) {
    return none(
      `its ${compression} data cannot be decoded (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return validRecords(decoded, channels, startTime, endTime);
}

async function decodePrefix(compression: string, stored: Uint8Array, uncompressedSize: number): Promise<Uint8Array> {
  if (compression === '') return stored;
  if (compression === 'lz4') return decodeLz4FramePrefix(stored, uncompressedSize);
  if (compression === 'zstd') {
    const frame = completeZstdBlocks(stored, uncompressedSize);
    if (frame === undefined) return new Uint8Array(0);
    const zstd = (await mcapDecompressHandlers()).zstd;
    return zstd === undefined ? new Uint8Array(0) : zstd(frame, BigInt(uncompressedSize));
  }
  throw new Error(`compression '${compression}' is not supported`);
}

function validRecords(
  decoded: Uint8Array,
  knownChannels: ReadonlyMap<number, Channel>,
  startTime: bigint,
  endTime: bigint,
): PartialChunk {
  const channels = new Map(knownChannels);
  const records: (Schema | Channel | Message)[] = [];
  const stream = new McapStreamReader({ noMagicPrefix: true, validateCrcs: true });
  stream.append(decoded);
  for (;;) {
    const at = decoded.byteLength - stream.bytesRemaining();
    let record: McapTypes.TypedMcapRecord | undefined;
    try {
      record = stream.nextRecord();
    } catch (error) {
      return { records, stoppedBy: `bad record at byte ${at} of its data (${String(error)})` };
    }
    if (record === undefined) return { records, stoppedBy: undefined }; // the record the cut went through
    if (record.type === 'Schema') records.push(record);
    else if (record.type === 'Channel') {
      channels.set(record.id, record);
      records.push(record);
    } else if (record.type === 'Message') {
      if (!channels.has(record.channelId)) {
        return { records, stoppedBy: `a message of unknown channel ${record.channelId} at byte ${at} of its data` };
      }
      if (record.logTime < startTime || record.logTime > endTime) {
        return {
          records,
          stoppedBy: `a message at byte ${at} of its data has log time ${record.logTime}, outside the chunk's ${startTime}..${endTime}`,
        };
      }
      records.push(record);
    } else return { records, stoppedBy: `a ${record.type} record at byte ${at} of its data, not allowed in a chunk` };
  }
}
