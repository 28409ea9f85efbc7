import { open, stat, type FileHandle } from 'node:fs/promises';
import { McapIndexedReader, McapStreamReader, type McapTypes } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { ChunkCrcReadable } from './ChunkCrcReadable';
import { mcapDecompressHandlers } from './mcapDecompression';
import type { BagMessage, BagTopic, ReadMessagesOptions, StorageFileReader } from './types';

type Channel = McapTypes.TypedMcapRecords['Channel'];
type Schema = McapTypes.TypedMcapRecords['Schema'];

/** Bytes read per step when an MCAP is walked in file order. */
const STREAM_READ_BYTES = 1 << 20;

/** The library's own words for a compression it has no handler for. */
const UNSUPPORTED_COMPRESSION = /Unsupported compression (\S+)/;

function readError(file: string, error: unknown): EdgenextError {
  if (error instanceof EdgenextError) return error;
  const message = errorMessage(error);
  const compression = UNSUPPORTED_COMPRESSION.exec(message)?.[1];
  if (compression !== undefined) {
    return new EdgenextError(
      ErrorCodes.unsupportedEncoding,
      `${file}: MCAP chunk compression '${compression}' is not supported by this build (write bags uncompressed or with 'ros2 bag convert')`,
      { cause: error },
    );
  }
  return new EdgenextError(ErrorCodes.corruptFile, `${file}: corrupt MCAP data (${message})`, { cause: error });
}

interface Summary {
  readonly channels: ReadonlyMap<number, Channel>;
  readonly schemas: ReadonlyMap<number, Schema>;
  readonly counts: ReadonlyMap<number, number>;
  readonly startTimeNs: bigint;
  readonly endTimeNs: bigint;
}

/**
 * Reads one MCAP storage file. Uses the summary index (McapIndexedReader) when the file has one; a file
 * without a usable index (truncated recording, damaged footer) is walked in file order with McapStreamReader,
 * which yields every complete record before the damage and reports the rest in `warnings`.
 */
export class McapFileReader implements StorageFileReader {
  readonly file: string;
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  readonly startTimeNs: bigint;
  readonly endTimeNs: bigint;
  readonly warnings: readonly string[];
  #handle: FileHandle | undefined;
  #indexed: McapIndexedReader | undefined;
  #summary: Summary;

  private constructor(
    file: string,
    handle: FileHandle,
    indexed: McapIndexedReader | undefined,
    summary: Summary,
    warnings: string[],
  ) {
    this.file = file;
    this.#handle = handle;
    this.#indexed = indexed;
    this.#summary = summary;
    this.warnings = warnings;
    this.topics = [...summary.channels.values()].map((c) => ({
      name: c.topic,
      type: summary.schemas.get(c.schemaId)?.name ?? '',
      messageCount: summary.counts.get(c.id) ?? 0,
    }));
    this.messageCount = [...summary.counts.values()].reduce((a, b) => a + b, 0);
    this.startTimeNs = summary.startTimeNs;
    this.endTimeNs = summary.endTimeNs;
  }

  /**
   * Opens `file`. Throws EdgenextError 'file_not_found' when it does not exist; 'corrupt_file' naming the file
   * when it is empty, not MCAP, or damaged before any index or record can be read.
   */
  static async open(file: string): Promise<McapFileReader> {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      throw new EdgenextError(
        ErrorCodes.fileNotFound,
        `${file}: cannot read MCAP storage file (${errorMessage(error)})`,
        { cause: error },
      );
    }
    if (size === 0) throw new EdgenextError(ErrorCodes.corruptFile, `${file}: empty file (0 bytes), not an MCAP bag`);
    const handle = await open(file, 'r');
    try {
      let indexFailure: string;
      try {
        const readable = new ChunkCrcReadable(new FileHandleReadable(handle));
        const indexed = await McapIndexedReader.Initialize({
          readable,
          decompressHandlers: await mcapDecompressHandlers(),
        });
        readable.watch(indexed.chunkIndexes);
        // An unchunked MCAP has a summary but no chunk index: the indexed reader would find no messages in it.
        if (indexed.chunkIndexes.length === 0 && (indexed.statistics?.messageCount ?? 0n) > 0n) {
          throw new Error('messages are not in indexed chunks');
        }
        const summary = await McapFileReader.#indexedSummary(file, indexed);
        return new McapFileReader(file, handle, indexed, summary, []);
      } catch (error) {
        if (error instanceof EdgenextError) throw error;
        indexFailure = errorMessage(error);
      }
      const warnings = [`${file}: no usable MCAP index (${indexFailure}); read in file order`];
      const summary = await McapFileReader.#scan(file, handle, warnings);
      return new McapFileReader(file, handle, undefined, summary, warnings);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  static async #indexedSummary(file: string, reader: McapIndexedReader): Promise<Summary> {
    const counts = new Map<number, number>();
    let start = reader.statistics?.messageStartTime ?? 0n;
    let end = reader.statistics?.messageEndTime ?? 0n;
    if (reader.statistics !== undefined) {
      for (const [id, n] of reader.statistics.channelMessageCounts) counts.set(id, Number(n));
    } else {
      // No Statistics record: count once (costs a read of the data, only for such files).
      start = -1n;
      try {
        for await (const m of reader.readMessages()) {
          counts.set(m.channelId, (counts.get(m.channelId) ?? 0) + 1);
          if (start < 0n || m.logTime < start) start = m.logTime;
          if (m.logTime > end) end = m.logTime;
        }
      } catch (error) {
        throw readError(file, error);
      }
      if (start < 0n) start = 0n;
    }
    return { channels: reader.channelsById, schemas: reader.schemasById, counts, startTimeNs: start, endTimeNs: end };
  }

  /** Walks the file in order with the stream reader, calling `onRecord` per record; returns whether it ended cleanly. */
  static async #walk(
    file: string,
    handle: FileHandle,
    onRecord: (record: McapTypes.TypedMcapRecord) => void | Promise<void>,
  ): Promise<{ done: boolean; leftoverBytes: number; bytesRead: number }> {
    const stream = new McapStreamReader({ validateCrcs: true, decompressHandlers: await mcapDecompressHandlers() });
    const buffer = new Uint8Array(STREAM_READ_BYTES);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      try {
        stream.append(buffer.subarray(0, bytesRead));
        for (let record; (record = stream.nextRecord());) await onRecord(record);
      } catch (error) {
        throw readError(file, error);
      }
      if (stream.done()) break;
    }
    return { done: stream.done(), leftoverBytes: stream.bytesRemaining(), bytesRead: position };
  }

  static async #scan(file: string, handle: FileHandle, warnings: string[]): Promise<Summary> {
    const channels = new Map<number, Channel>();
    const schemas = new Map<number, Schema>();
    const counts = new Map<number, number>();
    let start = -1n;
    let end = 0n;
    const { done, leftoverBytes, bytesRead } = await McapFileReader.#walk(file, handle, (record) => {
      if (record.type === 'Schema') schemas.set(record.id, record);
      else if (record.type === 'Channel') channels.set(record.id, record);
      else if (record.type === 'Message') {
        counts.set(record.channelId, (counts.get(record.channelId) ?? 0) + 1);
        if (start < 0n || record.logTime < start) start = record.logTime;
        if (record.logTime > end) end = record.logTime;
      }
    });
    if (!done) {
      const n = [...counts.values()].reduce((a, b) => a + b, 0);
      warnings.push(
        `${file}: truncated at byte ${bytesRead - leftoverBytes}: the last ${leftoverBytes} bytes are an incomplete record; ${n} complete messages are readable`,
      );
    }
    return { channels, schemas, counts, startTimeNs: start < 0n ? 0n : start, endTimeNs: end };
  }

  async *readMessages(options: ReadMessagesOptions = {}): AsyncIterable<BagMessage> {
    const handle = this.#handle;
    if (handle === undefined) throw new EdgenextError(ErrorCodes.closed, `${this.file}: reader is closed`);
    const { channels, schemas } = this.#summary;
    const typeOf = (channelId: number): { topic: string; type: string } | undefined => {
      const channel = channels.get(channelId);
      if (channel === undefined) return undefined;
      return { topic: channel.topic, type: schemas.get(channel.schemaId)?.name ?? '' };
    };
    if (this.#indexed !== undefined) {
      // Uncompressed chunks are verified by ChunkCrcReadable (native CRC); compressed ones by the library after inflating.
      const validateCrcs = this.#indexed.chunkIndexes.some((chunk) => chunk.compression !== '');
      const iterator = this.#indexed.readMessages({ topics: options.topics, validateCrcs });
      for (;;) {
        let next;
        try {
          next = await iterator.next();
        } catch (error) {
          throw readError(this.file, error);
        }
        if (next.done === true) return;
        const info = typeOf(next.value.channelId);
        if (info !== undefined) yield { ...info, logTimeNs: next.value.logTime, data: next.value.data };
      }
    }
    // File order: collect a step's messages, then yield them outside the stream callback.
    const pending: BagMessage[] = [];
    const wanted = options.topics;
    const streamChannels = new Map<number, Channel>(channels);
    const streamSchemas = new Map<number, Schema>(schemas);
    const buffer = new Uint8Array(STREAM_READ_BYTES);
    const stream = new McapStreamReader({ validateCrcs: true, decompressHandlers: await mcapDecompressHandlers() });
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      try {
        stream.append(buffer.subarray(0, bytesRead));
        for (let record; (record = stream.nextRecord());) {
          if (record.type === 'Schema') streamSchemas.set(record.id, record);
          else if (record.type === 'Channel') streamChannels.set(record.id, record);
          else if (record.type === 'Message') {
            const channel = streamChannels.get(record.channelId);
            if (channel === undefined || (wanted !== undefined && !wanted.includes(channel.topic))) continue;
            const type = streamSchemas.get(channel.schemaId)?.name ?? '';
            pending.push({ topic: channel.topic, type, logTimeNs: record.logTime, data: record.data });
          }
        }
      } catch (error) {
        throw readError(this.file, error);
      }
      yield* pending.splice(0);
      if (stream.done()) return;
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }
}
