import { createRequire } from 'node:module';

/** The C functions of @foxglove/wasm-lz4's WebAssembly build (lz4's LZ4F frame decoder). */
interface Lz4Module {
  readonly ready: Promise<unknown>;
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _createDecompressionContext(): number;
  _decompressFrame(context: number, dest: number, destSize: number, src: number, srcSize: number): number;
}

/**
 * An LZ4 frame decompressor on @foxglove/wasm-lz4's WebAssembly build. The package's own wrapper keeps one LZ4F
 * context for ever, and a failed frame leaves it broken: every later frame in the process then fails too (one damaged
 * lz4 chunk made every following chunk unreadable; found by the bag fuzz suite). This wrapper starts a fresh context
 * after a failure.
 */
export async function loadLz4FrameDecompressor(): Promise<(src: Uint8Array, size: number) => Uint8Array> {
  const factory = createRequire(__filename)('@foxglove/wasm-lz4/dist/wasm-lz4.js') as () => Promise<Lz4Module>;
  const lz4 = await factory();
  await lz4.ready;
  let context = lz4._createDecompressionContext();
  return (src, size) => {
    const srcPointer = lz4._malloc(src.byteLength);
    const destPointer = lz4._malloc(size);
    try {
      // HEAPU8 is read after the allocations: growing the WebAssembly memory replaces it.
      lz4.HEAPU8.set(src, srcPointer);
      const written = lz4._decompressFrame(context, destPointer, size, srcPointer, src.byteLength);
      if (written < 0) {
        context = lz4._createDecompressionContext();
        throw new Error('Error during lz4 decompression (not a valid LZ4 frame)');
      }
      return lz4.HEAPU8.slice(destPointer, destPointer + written);
    } finally {
      lz4._free(srcPointer);
      lz4._free(destPointer);
    }
  };
}

const LZ4_FRAME_MAGIC = 0x184d2204;
const LZ4_MIN_MATCH = 4;

/**
 * The data of the complete blocks at the start of an LZ4 frame that was cut off (a bag truncated inside a chunk): the
 * frame decoder refuses a frame without its end mark, so the blocks are walked and decoded here. At most `capacity`
 * bytes (the chunk's uncompressed size). Block and content checksums are not checked: the caller validates the
 * records it takes from the result. Throws on data that is not an LZ4 frame.
 */
export function decodeLz4FramePrefix(frame: Uint8Array, capacity: number): Uint8Array {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.byteLength < 7) return new Uint8Array(0);
  if (view.getUint32(0, true) !== LZ4_FRAME_MAGIC) throw new Error('not an LZ4 frame (bad magic number)');
  const flags = view.getUint8(4);
  if (flags >> 6 !== 1) throw new Error(`unsupported LZ4 frame version ${flags >> 6}`);
  const blockChecksum = (flags & 0x10) !== 0;
  let at = 4 + 2 + ((flags & 0x08) !== 0 ? 8 : 0) + ((flags & 0x01) !== 0 ? 4 : 0) + 1;
  const out = new Uint8Array(capacity);
  let written = 0;
  while (at + 4 <= frame.byteLength) {
    const header = view.getUint32(at, true);
    if (header === 0) break; // end mark: the frame was complete
    const size = header & 0x7fffffff;
    const end = at + 4 + size + (blockChecksum ? 4 : 0);
    if (end > frame.byteLength) break; // the block that was cut off, and everything after it
    const block = frame.subarray(at + 4, at + 4 + size);
    if ((header & 0x80000000) !== 0) {
      if (written + size > capacity) throw new Error('LZ4 data larger than the chunk says');
      out.set(block, written);
      written += size;
    } else {
      written = decodeLz4Block(block, out, written);
    }
    at = end;
  }
  return out.subarray(0, written);
}

/**
 * Decodes one LZ4 block (sequences of literals and back-references) into `out` at `written`; matches may reach into
 * earlier blocks, which are in `out` before it. Returns the new end of the data in `out`.
 */
function decodeLz4Block(block: Uint8Array, out: Uint8Array, written: number): number {
  let at = 0;
  let to = written;
  const byte = (): number => {
    if (at >= block.byteLength) throw new Error('LZ4 block ends inside a sequence');
    return block[at++] as number;
  };
  const length = (base: number): number => {
    let n = base;
    if (base === 15) {
      for (let b = 255; b === 255; n += b) b = byte();
    }
    return n;
  };
  while (at < block.byteLength) {
    const token = byte();
    const literals = length(token >> 4);
    if (at + literals > block.byteLength || to + literals > out.byteLength) {
      throw new Error('LZ4 literals run past the block or the chunk size');
    }
    out.set(block.subarray(at, at + literals), to);
    at += literals;
    to += literals;
    if (at === block.byteLength) break; // the last sequence has literals only
    const offset = byte() | (byte() << 8);
    if (offset === 0 || offset > to) throw new Error(`LZ4 match offset ${offset} points before the data`);
    const match = length(token & 0x0f) + LZ4_MIN_MATCH;
    if (to + match > out.byteLength) throw new Error('LZ4 match runs past the chunk size');
    // Byte by byte: a match may overlap the bytes it produces (offset < length repeats a pattern).
    for (let i = 0; i < match; i++, to++) out[to] = out[to - offset] as number;
  }
  return to;
}
