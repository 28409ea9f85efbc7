import { stat } from 'node:fs/promises';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { DB3_HEADER_BYTES, isTruncated, readDb3Header, type Db3Header } from './db3Header';
import { SalvagedDb3Tables } from './db3Salvage';
import { InMemoryDb3Tables, PagedDb3Tables, type Db3Tables, type MessageRow, type TopicRow } from './db3Tables';
import type { BagMessage, BagTopic, ReadMessagesOptions, StorageFileReader } from './types';

/**
 * A file SQLite cannot read in place (e.g. WAL mode in a folder where the lock cannot be taken) is loaded whole
 * into memory only up to this size.
 */
export const DB3_IN_MEMORY_LIMIT_BYTES = 512 * 1024 * 1024;

function formatSize(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * Reads one rosbag2 sqlite3 storage file (.db3) in place, page by page (node-sqlite3-wasm), so memory stays
 * bounded whatever the file size; a file that cannot be read in place and is small enough is loaded into memory
 * (sql.js).
 */
export class Db3FileReader implements StorageFileReader {
  readonly file: string;
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  readonly startTimeNs: bigint;
  readonly endTimeNs: bigint;
  readonly warnings: readonly string[];
  #tables: Db3Tables | undefined;
  readonly #topicsById: ReadonlyMap<number, TopicRow>;

  private constructor(file: string, tables: Db3Tables, warnings: readonly string[] = []) {
    this.file = file;
    this.warnings = warnings;
    this.#tables = tables;
    const topics = tables.topics();
    const counts = tables.counts();
    this.#topicsById = new Map(topics.map((t) => [t.id, t]));
    this.topics = topics.map((t) => ({ name: t.name, type: t.type, messageCount: counts.get(t.id) ?? 0 }));
    this.messageCount = [...counts.values()].reduce((a, b) => a + b, 0);
    [this.startTimeNs, this.endTimeNs] = tables.span();
  }

  /**
   * Opens `file`. Throws EdgenextError 'file_not_found' when it does not exist, 'corrupt_file' naming the file
   * when it is empty, not SQLite, damaged, or lacks the rosbag2 `topics`/`messages` tables, and naming its size
   * when it can be read neither in place nor in memory. A file shorter than its header says (cut short) opens with
   * the messages it still holds whole, and a warning '<file>: truncated at byte N (...); K complete messages are
   * readable'; 'corrupt_file' saying where it was cut when not even its schema and topics are whole.
   */
  static async open(file: string): Promise<Db3FileReader> {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      throw new EdgenextError(
        ErrorCodes.fileNotFound,
        `${file}: cannot read sqlite3 storage file (${errorMessage(error)})`,
        { cause: error },
      );
    }
    if (size === 0) throw new EdgenextError(ErrorCodes.corruptFile, `${file}: empty file (0 bytes), not a sqlite3 bag`);
    if (size < DB3_HEADER_BYTES) {
      throw new EdgenextError(
        ErrorCodes.corruptFile,
        `${file}: truncated at byte ${size}, inside the ${DB3_HEADER_BYTES}-byte SQLite header: nothing is readable`,
      );
    }
    // A header SQLite cannot use either (bad page size) is left to SQLite to refuse, in its words.
    const header = await readDb3Header(file);
    if (header !== undefined && isTruncated(header, size)) return Db3FileReader.#salvage(file, size, header);
    let inPlaceFailure: string;
    let tables: Db3Tables | undefined;
    try {
      tables = new PagedDb3Tables(file);
      return new Db3FileReader(file, tables);
    } catch (error) {
      tables?.close();
      inPlaceFailure = errorMessage(error);
    }
    if (size > DB3_IN_MEMORY_LIMIT_BYTES) {
      throw new EdgenextError(
        ErrorCodes.corruptFile,
        `${file}: cannot read this ${formatSize(size)} sqlite3 file in place (${inPlaceFailure}), and it is larger ` +
          `than the ${formatSize(DB3_IN_MEMORY_LIMIT_BYTES)} that are loaded into memory instead`,
      );
    }
    tables = undefined;
    try {
      tables = await InMemoryDb3Tables.open(file);
      return new Db3FileReader(file, tables);
    } catch (error) {
      tables?.close();
      throw new EdgenextError(
        ErrorCodes.corruptFile,
        `${file}: not a readable rosbag2 sqlite3 file (${errorMessage(error)})`,
        { cause: error },
      );
    }
  }

  /** A file cut short: its intact messages, and a warning saying where it ends (see SalvagedDb3Tables). */
  static #salvage(file: string, size: number, header: Db3Header): Db3FileReader {
    let tables: SalvagedDb3Tables;
    try {
      tables = SalvagedDb3Tables.open(file, size, header);
    } catch (error) {
      throw new EdgenextError(
        ErrorCodes.corruptFile,
        `${file}: truncated at byte ${size}, and what is left cannot be read (${errorMessage(error)})`,
        { cause: error },
      );
    }
    try {
      return new Db3FileReader(file, tables, [`${file}: ${tables.damage}`]);
    } catch (error) {
      tables.close();
      throw new EdgenextError(ErrorCodes.corruptFile, `${file}: truncated at byte ${size} (${errorMessage(error)})`, {
        cause: error,
      });
    }
  }

  async *readMessages(options: ReadMessagesOptions = {}): AsyncIterable<BagMessage> {
    const tables = this.#tables;
    if (tables === undefined) throw new EdgenextError(ErrorCodes.closed, `${this.file}: reader is closed`);
    const wanted = [...this.#topicsById.values()].filter(
      (t) => options.topics === undefined || options.topics.includes(t.name),
    );
    if (wanted.length === 0) return;
    const damaged = (error: unknown): EdgenextError =>
      new EdgenextError(ErrorCodes.corruptFile, `${this.file}: damaged sqlite3 data (${errorMessage(error)})`, {
        cause: error,
      });
    let rows: Iterator<MessageRow>;
    try {
      rows = tables.messages(wanted.map((t) => t.id))[Symbol.iterator]();
    } catch (error) {
      // A damaged schema (found by the bag fuzz suite: "no such column: data") can fail here, not at opening.
      throw damaged(error);
    }
    try {
      for (;;) {
        let next: IteratorResult<MessageRow>;
        try {
          next = rows.next();
        } catch (error) {
          throw damaged(error);
        }
        if (next.done === true) break;
        const topic = this.#topicsById.get(next.value.topicId);
        if (topic === undefined) continue;
        yield { topic: topic.name, type: topic.type, logTimeNs: next.value.logTimeNs, data: next.value.data };
      }
    } finally {
      rows.return?.();
    }
  }

  async close(): Promise<void> {
    this.#tables?.close();
    this.#tables = undefined;
  }
}
