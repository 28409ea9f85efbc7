import { open, stat, type FileHandle } from 'node:fs/promises';
import { McapIndexedReader, McapStreamReader, type McapTypes } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { ChunkCrcReadable, verifyChunkCrc } from './ChunkCrcReadable';
import { chunkMessages, chunkRecords, sequentialChunkOrder, type ChunkMessage } from './mcapChunkMessages';
import { mcapDecompressHandlers } from './mcapDecompression';
import { CHUNK_OPCODE } from './mcapChunkHeader';
import { recoverPartialChunk } from './mcapPartialChunk';
import type { BagMessage, BagTopic, ReadMessagesOptions, StorageFileReader } from './types';

type Channel = McapTypes.TypedMcapRecords['Channel'];
type Schema = McapTypes.TypedMcapRecords['Schema'];
type ChunkIndex = McapTypes.TypedMcapRecords['ChunkIndex'];

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

/** How a walk in file order ended. */
interface Ending {
  /** The file ended cleanly (footer and trailing magic). */
  done: boolean;
  /** Bytes of an incomplete record at the end, and the bytes read in all. */
  leftoverBytes: number;
  bytesRead: number;
  /** Messages taken from the incomplete chunk at the end, and why the rest of its data was refused, if it was. */
  recovered: number;
  recoveryStop: string | undefined;
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
  readonly #warnings: string[];
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
    this.#warnings = warnings;
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
  /** Problems found so far: at opening (no usable index, truncation) and while reading (damage the index led to). */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

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

  /**
   * The file's records in order, with McapStreamReader (CRCs checked; chunks unpacked). Damage before the end of the
   * data section throws EdgenextError naming the file and the byte where the failing record starts; damage after it
   * (summary, footer, trailing magic) costs only the index, and is a warning in `warnings`. `end` tells whether the
   * file ended cleanly and how many bytes of an incomplete record were left over.
   */
  static async *#records(
    file: string,
    handle: FileHandle,
    warnings: string[],
    end: Ending,
  ): AsyncIterable<McapTypes.TypedMcapRecord> {
    // includeChunks: a Chunk record is returned before its contents, so a record can be told apart as top-level (it
    // consumed bytes of the file) or unpacked from the chunk last returned (it consumed none).
    const stream = new McapStreamReader({
      validateCrcs: true,
      includeChunks: true,
      decompressHandlers: await mcapDecompressHandlers(),
    });
    const buffer = new Uint8Array(STREAM_READ_BYTES);
    let position = 0;
    let dataEnded = false;
    let chunked = false;
    // The chunk whose contents are being unpacked (its CRC and decompression fail after it was returned).
    let openChunkStart: number | undefined;
    // Channels defined so far: a recovered message must belong to one.
    const channels = new Map<number, Channel>();
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      // Collect a step's records, then yield them outside the stream reader's parsing.
      const records: McapTypes.TypedMcapRecord[] = [];
      let failure: unknown;
      // Where the failing record starts: the first byte the stream reader had not consumed, or the open chunk.
      let recordStart = position - bytesRead;
      try {
        stream.append(buffer.subarray(0, bytesRead));
        for (;;) {
          const before = stream.bytesRemaining();
          recordStart = position - before;
          let record: McapTypes.TypedMcapRecord | undefined;
          try {
            record = stream.nextRecord();
          } catch (error) {
            if (stream.bytesRemaining() === before && openChunkStart !== undefined) recordStart = openChunkStart;
            throw error;
          }
          if (record === undefined) break;
          const topLevel = stream.bytesRemaining() < before;
          if (topLevel) openChunkStart = undefined;
          if (record.type === 'Channel' && !dataEnded) channels.set(record.id, record);
          if (record.type === 'Chunk') {
            chunked = true;
            openChunkStart = recordStart;
          } else if (record.type === 'DataEnd') dataEnded = true;
          // After DataEnd comes the summary, which holds no messages: a "message" there is a damaged record.
          else if (record.type === 'Message' && dataEnded) continue;
          else if (record.type === 'Message' && topLevel && chunked) {
            // Writers put every message of a chunked file in a chunk: a top-level "Message" there is a damaged record
            // (a MessageIndex with a flipped opcode reads as a message of a real channel at a real log time).
            throw new Error('a Message record outside any chunk in a chunked MCAP (a damaged record)');
          } else records.push(record);
        }
      } catch (error) {
        failure = error;
      }
      yield* records;
      if (failure !== undefined) {
        const where = `${errorMessage(failure)}, in the record at byte ${recordStart}`;
        if (!dataEnded) throw readError(file, new Error(where, { cause: failure }));
        const warning = `${file}: damaged MCAP summary or footer (${where}); every message before it was read`;
        if (!warnings.includes(warning)) warnings.push(warning);
        end.done = true;
        end.leftoverBytes = 0;
        end.bytesRead = position;
        return;
      }
      if (stream.done()) break;
    }
    end.done = stream.done();
    end.leftoverBytes = stream.bytesRemaining();
    end.bytesRead = position;
    if (!end.done && !dataEnded && end.leftoverBytes > 0) {
      yield* McapFileReader.#incompleteChunk(handle, position - end.leftoverBytes, end, channels);
    }
  }

  /**
   * The complete records of the Chunk record the file was cut in (`at`: its first byte), if it is one: a recording
   * stopped hard loses only the messages that were not written out. Counted in `end`.
   */
  static async *#incompleteChunk(
    handle: FileHandle,
    at: number,
    end: Ending,
    channels: ReadonlyMap<number, Channel>,
  ): AsyncIterable<McapTypes.TypedMcapRecord> {
    const bytes = new Uint8Array(end.bytesRead - at);
    await handle.read(bytes, 0, bytes.byteLength, at);
    if (bytes[0] !== CHUNK_OPCODE) return;
    const { records, stoppedBy } = await recoverPartialChunk(bytes, channels);
    end.recoveryStop = stoppedBy;
    for (const record of records) {
      if (record.type === 'Message') end.recovered++;
      yield record;
    }
  }

  static async #scan(file: string, handle: FileHandle, warnings: string[]): Promise<Summary> {
    const channels = new Map<number, Channel>();
    const schemas = new Map<number, Schema>();
    const counts = new Map<number, number>();
    let start = -1n;
    let end = 0n;
    const ending: Ending = { done: false, leftoverBytes: 0, bytesRead: 0, recovered: 0, recoveryStop: undefined };
    let damage: EdgenextError | undefined;
    try {
      for await (const record of McapFileReader.#records(file, handle, warnings, ending)) {
        if (record.type === 'Schema') schemas.set(record.id, record);
        else if (record.type === 'Channel') channels.set(record.id, record);
        else if (record.type === 'Message') {
          counts.set(record.channelId, (counts.get(record.channelId) ?? 0) + 1);
          if (start < 0n || record.logTime < start) start = record.logTime;
          if (record.logTime > end) end = record.logTime;
        }
      }
    } catch (error) {
      // Damage in the middle of an unindexed file: the messages before it are still readable (reading them ends
      // with this error); a file damaged before its first record is refused here.
      if (!(error instanceof EdgenextError) || error.code !== ErrorCodes.corruptFile || channels.size === 0)
        throw error;
      damage = error;
    }
    const { done, leftoverBytes, bytesRead, recovered, recoveryStop } = ending;
    if (damage !== undefined) {
      const n = [...counts.values()].reduce((a, b) => a + b, 0);
      warnings.push(`${damage.message}; the ${n} complete messages before it are readable`);
    } else if (!done) {
      const n = [...counts.values()].reduce((a, b) => a + b, 0);
      warnings.push(
        `${file}: truncated at byte ${bytesRead - leftoverBytes}: the last ${leftoverBytes} bytes are an incomplete record; ${n} complete messages are readable` +
          (recovered > 0
            ? ` (${recovered} of them from that incomplete chunk, each record checked: its CRC cannot be)`
            : '') +
          (recoveryStop !== undefined ? `; the incomplete chunk's data is damaged after that (${recoveryStop})` : ''),
      );
    }
    return { channels, schemas, counts, startTimeNs: start < 0n ? 0n : start, endTimeNs: end };
  }

  async *readMessages(options: ReadMessagesOptions = {}): AsyncIterable<BagMessage> {
    const handle = this.#handle;
    if (handle === undefined) throw new EdgenextError(ErrorCodes.closed, `${this.file}: reader is closed`);
    if (this.#indexed === undefined) {
      yield* this.#readInFileOrder(handle, options, () => true);
      return;
    }
    const { channels, schemas, counts } = this.#summary;
    const reader = this.#indexed;
    const inOrder = sequentialChunkOrder(reader.chunkIndexes);
    let iterator: AsyncIterator<ChunkMessage>;
    if (inOrder !== undefined) {
      const topics = options.topics;
      const wanted = new Set(
        [...channels.values()].filter((c) => topics === undefined || topics.includes(c.topic)).map((c) => c.id),
      );
      iterator = McapFileReader.#chunkByChunk(handle, inOrder, (id) => wanted.has(id));
    } else {
      // Chunks that overlap in time need the library's merge. Uncompressed chunks are verified by ChunkCrcReadable
      // (native CRC); compressed ones by the library after inflating.
      const validateCrcs = reader.chunkIndexes.some((chunk) => chunk.compression !== '');
      iterator = reader.readMessages({ topics: options.topics, validateCrcs });
    }
    // What was delivered (per channel and log time), so that a file-order pass can deliver exactly the rest.
    const delivered = new Map<string, number>();
    const key = (channelId: number, logTime: bigint): string => `${channelId}:${logTime}`;
    let yielded = 0;
    let failure: EdgenextError | undefined;
    for (;;) {
      let next;
      try {
        next = await iterator.next();
      } catch (error) {
        failure = readError(this.file, error);
        if (failure.code === ErrorCodes.unsupportedEncoding) throw failure;
        break;
      }
      if (next.done === true) break;
      const { channelId, logTime } = next.value;
      const channel = channels.get(channelId);
      if (channel === undefined) continue;
      delivered.set(key(channelId, logTime), (delivered.get(key(channelId, logTime)) ?? 0) + 1);
      yielded++;
      yield {
        topic: channel.topic,
        type: schemas.get(channel.schemaId)?.name ?? '',
        logTimeNs: logTime,
        data: next.value.data,
      };
    }
    let expected = 0;
    for (const [id, n] of counts) {
      const topic = channels.get(id)?.topic;
      if (topic !== undefined && (options.topics === undefined || options.topics.includes(topic))) expected += n;
    }
    if (failure === undefined && yielded >= expected) return;
    // Message indexes carry no CRC: a damaged one stops the indexed reader (failure) or makes it skip messages
    // silently (fewer than the statistics count). Reading in file order needs no index: deliver what is left.
    this.#warnings.push(
      failure !== undefined
        ? `${failure.message}; read on in file order`
        : `${this.file}: damaged MCAP message index (${yielded} of ${expected} messages found through it); the rest read in file order`,
    );
    const rest = this.#readInFileOrder(handle, options, (channelId, logTime) => {
      const seen = delivered.get(key(channelId, logTime)) ?? 0;
      if (seen === 0) return true;
      delivered.set(key(channelId, logTime), seen - 1);
      return false;
    });
    // The statistics (under the summary CRC) say how many there are: once all are delivered, what is left of the file
    // can only repeat them, so the pass stops there.
    for await (const message of rest) {
      yield message;
      if (++yielded >= expected) return;
    }
  }

  /**
   * The messages of chunks that follow each other in time, one chunk at a time, each message's data a view into the
   * chunk as read (the library copies every chunk's records and then every message out of them: two copies of every
   * 2.7 MB camera frame). Uncompressed chunks are CRC-checked as they are read (ChunkCrcReadable), compressed ones
   * after inflating.
   */
  static async *#chunkByChunk(
    handle: FileHandle,
    chunks: readonly ChunkIndex[],
    wanted: (channelId: number) => boolean,
  ): AsyncGenerator<ChunkMessage> {
    const decompress = await mcapDecompressHandlers();
    const fileSize = BigInt((await handle.stat()).size);
    for (const chunk of chunks) {
      const where = `the chunk at offset ${chunk.chunkStartOffset}`;
      if (chunk.chunkStartOffset + chunk.chunkLength > fileSize) {
        throw new Error(`${where} (${chunk.chunkLength} bytes) goes past the end of the file (${fileSize} bytes)`);
      }
      // A buffer of its own per chunk, never pooled (messages are views into it; @mcap/nodejs's readable reuses one).
      const bytes = Buffer.allocUnsafeSlow(Number(chunk.chunkLength));
      const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, Number(chunk.chunkStartOffset));
      if (bytesRead !== bytes.byteLength)
        throw new Error(`${where}: read ${bytesRead} of its ${bytes.byteLength} bytes`);
      try {
        if (chunk.compression === '') verifyChunkCrc(bytes, chunk.chunkStartOffset);
        yield* chunkMessages(chunkRecords(bytes, decompress), wanted);
      } catch (error) {
        throw new Error(`${errorMessage(error)} (${where})`, { cause: error });
      }
    }
  }

  /**
   * Streams the file from its start with McapStreamReader (CRCs checked), yielding the messages `wanted` accepts.
   * Throws EdgenextError naming the file and the byte offset where the damage starts.
   */
  async *#readInFileOrder(
    handle: FileHandle,
    options: ReadMessagesOptions,
    wanted: (channelId: number, logTime: bigint) => boolean,
  ): AsyncIterable<BagMessage> {
    const topics = options.topics;
    const channels = new Map<number, Channel>(this.#summary.channels);
    const schemas = new Map<number, Schema>(this.#summary.schemas);
    const ending: Ending = { done: false, leftoverBytes: 0, bytesRead: 0, recovered: 0, recoveryStop: undefined };
    for await (const record of McapFileReader.#records(this.file, handle, this.#warnings, ending)) {
      if (record.type === 'Schema') schemas.set(record.id, record);
      else if (record.type === 'Channel') channels.set(record.id, record);
      else if (record.type === 'Message') {
        const channel = channels.get(record.channelId);
        if (channel === undefined || (topics !== undefined && !topics.includes(channel.topic))) continue;
        const type = schemas.get(channel.schemaId)?.name ?? '';
        if (wanted(record.channelId, record.logTime)) {
          yield { topic: channel.topic, type, logTimeNs: record.logTime, data: record.data };
        }
      }
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }
}
