import type { IWritable } from '@mcap/core';

/** An in-memory target for @mcap/core's McapWriter, so tests can build MCAP files byte for byte. */
export class MemoryWritable implements IWritable {
  readonly #parts: Uint8Array[] = [];
  #size = 0;

  position(): bigint {
    return BigInt(this.#size);
  }

  async write(buffer: Uint8Array): Promise<void> {
    this.#parts.push(buffer.slice());
    this.#size += buffer.byteLength;
  }

  /** A plain Uint8Array (a Buffer's slice() would share memory, and tests damage copies made with slice()). */
  bytes(): Uint8Array {
    return Uint8Array.from(Buffer.concat(this.#parts));
  }
}
