const ZSTD_FRAME_MAGIC = 0xfd2fb528;
const BLOCK_HEADER_BYTES = 3;
const BLOCK_TYPE_RLE = 1;
const BLOCK_TYPE_RESERVED = 3;
/** The smallest window a Window_Descriptor can state (2^10 bytes). */
const MIN_WINDOW_LOG = 10;

/**
 * A zstd frame cut off after its last complete block, rewritten so that a one-shot decoder reads it: the complete
 * blocks with the last one marked last, and a frame header that states no content size and no checksum (both
 * belong to the whole frame and would fail), with a window at least as large as the original one. Returns undefined
 * when no block is complete. Throws on data that is not a zstd frame.
 *
 * The zstd build at hand (@foxglove/wasm-zstd) decodes whole frames only, and zstd decodes a block only when all of
 * it is there, so this gives what a streaming decoder would have given: the data of every complete block.
 */
export function completeZstdBlocks(frame: Uint8Array, contentSizeLimit: number): Uint8Array | undefined {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.byteLength < 6) return undefined;
  if (view.getUint32(0, true) !== ZSTD_FRAME_MAGIC) throw new Error('not a zstd frame (bad magic number)');
  const descriptor = view.getUint8(4);
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const dictionaryIdBytes = [0, 1, 2, 4][descriptor & 0x03] as number;
  const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag] as number;
  let at = 5;
  // With a single segment the window is the content: state a window that holds all the chunk can hold.
  const windowDescriptor = singleSegment ? windowDescriptorFor(contentSizeLimit) : view.getUint8(at++);
  const dictionaryId = frame.subarray(at, at + dictionaryIdBytes);
  at += dictionaryIdBytes + contentSizeBytes;
  const blocksStart = at;
  let lastBlockAt = -1;
  while (at + BLOCK_HEADER_BYTES <= frame.byteLength) {
    const header = view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getUint8(at + 2) << 16);
    const type = (header >> 1) & 0x03;
    if (type === BLOCK_TYPE_RESERVED) throw new Error(`reserved zstd block type at byte ${at} of the frame`);
    const end = at + BLOCK_HEADER_BYTES + (type === BLOCK_TYPE_RLE ? 1 : header >> 3);
    if (end > frame.byteLength) break;
    lastBlockAt = at;
    at = end;
    if ((header & 0x01) !== 0) break; // the frame's last block: the frame is complete up to its checksum
  }
  if (lastBlockAt < 0) return undefined;
  const header = new Uint8Array(6 + dictionaryIdBytes);
  new DataView(header.buffer).setUint32(0, ZSTD_FRAME_MAGIC, true);
  header[4] = descriptor & 0x03; // no content size, not single-segment, no checksum; the same dictionary id
  header[5] = windowDescriptor;
  header.set(dictionaryId, 6);
  const blocks = frame.slice(blocksStart, at);
  blocks[lastBlockAt - blocksStart] = (blocks[lastBlockAt - blocksStart] as number) | 0x01;
  const rewritten = new Uint8Array(header.byteLength + blocks.byteLength);
  rewritten.set(header);
  rewritten.set(blocks, header.byteLength);
  return rewritten;
}

/** The Window_Descriptor of the smallest power-of-two window that holds `size` bytes. */
function windowDescriptorFor(size: number): number {
  let log = MIN_WINDOW_LOG;
  while (2 ** log < size) log++;
  return (log - MIN_WINDOW_LOG) << 3;
}
