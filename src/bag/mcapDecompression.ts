import type { McapTypes } from '@mcap/core';
import decompressLz4 from '@foxglove/wasm-lz4';
import * as zstd from '@foxglove/wasm-zstd';

let handlers: Promise<McapTypes.DecompressHandlers> | undefined;

/**
 * Chunk decompressors for MCAP files written with compression (`ros2 bag record` with the mcap plugin writes
 * zstd by default; lz4 is the other option). Both are WebAssembly builds maintained with @mcap, loaded once.
 */
export function mcapDecompressHandlers(): Promise<McapTypes.DecompressHandlers> {
  handlers ??= Promise.all([zstd.isLoaded, decompressLz4.isLoaded]).then(() => ({
    zstd: (data: Uint8Array, size: bigint) => zstd.decompress(data, Number(size)),
    lz4: (data: Uint8Array, size: bigint) => decompressLz4(data, Number(size)),
  }));
  return handlers;
}
