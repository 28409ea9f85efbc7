import type { McapTypes } from '@mcap/core';
import * as zstd from '@foxglove/wasm-zstd';
import { loadLz4FrameDecompressor } from './lz4Frames';

let handlers: Promise<McapTypes.DecompressHandlers> | undefined;

/**
 * Chunk decompressors for MCAP files written with compression (`ros2 bag record` with the mcap plugin writes
 * zstd by default; lz4 is the other option). Both are WebAssembly builds maintained with @mcap, loaded once.
 */
export function mcapDecompressHandlers(): Promise<McapTypes.DecompressHandlers> {
  handlers ??= Promise.all([zstd.isLoaded, loadLz4FrameDecompressor()]).then(([, decompressLz4]) => ({
    zstd: (data: Uint8Array, size: bigint) => zstd.decompress(data, Number(size)),
    lz4: (data: Uint8Array, size: bigint) => decompressLz4(data, Number(size)),
  }));
  return handlers;
}
