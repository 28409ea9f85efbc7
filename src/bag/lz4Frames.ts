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
