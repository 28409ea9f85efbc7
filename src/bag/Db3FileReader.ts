import { readFile } from 'node:fs/promises';
import type { Database } from '@foxglove/sql.js';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { loadSqlJs } from './sqlJs';
import type { BagMessage, BagTopic, ReadMessagesOptions, StorageFileReader } from './types';

interface TopicRow {
  readonly id: number;
  readonly name: string;
  readonly type: string;
}

/** Reads one rosbag2 sqlite3 storage file (.db3), whole, into an in-memory database. */
export class Db3FileReader implements StorageFileReader {
  readonly file: string;
  readonly topics: readonly BagTopic[];
  readonly messageCount: number;
  readonly startTimeNs: bigint;
  readonly endTimeNs: bigint;
  readonly warnings: readonly string[] = [];
  #db: Database | undefined;
  #topicsById: ReadonlyMap<number, TopicRow>;

  private constructor(
    file: string,
    db: Database,
    topics: TopicRow[],
    counts: Map<number, number>,
    span: [bigint, bigint],
  ) {
    this.file = file;
    this.#db = db;
    this.#topicsById = new Map(topics.map((t) => [t.id, t]));
    this.topics = topics.map((t) => ({ name: t.name, type: t.type, messageCount: counts.get(t.id) ?? 0 }));
    this.messageCount = [...counts.values()].reduce((a, b) => a + b, 0);
    [this.startTimeNs, this.endTimeNs] = span;
  }

  /**
   * Opens `file`. Throws EdgenextError 'file_not_found' when it does not exist, 'corrupt_file' naming the file
   * when it is empty, not SQLite, damaged, or lacks the rosbag2 `topics`/`messages` tables.
   */
  static async open(file: string): Promise<Db3FileReader> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new EdgenextError(
        ErrorCodes.fileNotFound,
        `${file}: cannot read sqlite3 storage file (${errorMessage(error)})`,
        { cause: error },
      );
    }
    if (bytes.byteLength === 0)
      throw new EdgenextError(ErrorCodes.corruptFile, `${file}: empty file (0 bytes), not a sqlite3 bag`);
    const SQL = await loadSqlJs();
    let db: Database | undefined;
    try {
      db = new SQL.Database(bytes);
      const topics: TopicRow[] = [];
      const topicStmt = db.prepare('SELECT id, name, type FROM topics ORDER BY id');
      while (topicStmt.step()) {
        const [id, name, type] = topicStmt.get();
        topics.push({ id: Number(id), name: String(name), type: String(type) });
      }
      topicStmt.free();
      const counts = new Map<number, number>();
      const countStmt = db.prepare('SELECT topic_id, COUNT(*) FROM messages GROUP BY topic_id');
      while (countStmt.step()) {
        const [id, n] = countStmt.get();
        counts.set(Number(id), Number(n));
      }
      countStmt.free();
      const span = db.exec('SELECT CAST(MIN(timestamp) AS TEXT), CAST(MAX(timestamp) AS TEXT) FROM messages')[0]
        ?.values[0];
      const start = span?.[0];
      const end = span?.[1];
      return new Db3FileReader(file, db, topics, counts, [
        typeof start === 'string' ? BigInt(start) : 0n,
        typeof end === 'string' ? BigInt(end) : 0n,
      ]);
    } catch (error) {
      db?.close();
      throw new EdgenextError(
        ErrorCodes.corruptFile,
        `${file}: not a readable rosbag2 sqlite3 file (${errorMessage(error)})`,
        {
          cause: error,
        },
      );
    }
  }

  async *readMessages(options: ReadMessagesOptions = {}): AsyncIterable<BagMessage> {
    const db = this.#db;
    if (db === undefined) throw new EdgenextError(ErrorCodes.closed, `${this.file}: reader is closed`);
    const wanted = [...this.#topicsById.values()].filter(
      (t) => options.topics === undefined || options.topics.includes(t.name),
    );
    if (wanted.length === 0) return;
    const damaged = (error: unknown): EdgenextError =>
      new EdgenextError(ErrorCodes.corruptFile, `${this.file}: damaged sqlite3 data (${errorMessage(error)})`, {
        cause: error,
      });
    let stmt: ReturnType<Database['prepare']>;
    try {
      // Timestamps as text: ns since the epoch exceed 2^53, and sql.js would round them as JS numbers.
      stmt = db.prepare(
        `SELECT topic_id, CAST(timestamp AS TEXT), data FROM messages WHERE topic_id IN (${wanted.map((t) => t.id).join(',')}) ORDER BY timestamp, id`,
      );
    } catch (error) {
      // A damaged schema (found by the bag fuzz suite: "no such column: data") fails here, not at opening.
      throw damaged(error);
    }
    try {
      for (;;) {
        let row;
        try {
          if (!stmt.step()) break;
          row = stmt.get();
        } catch (error) {
          throw damaged(error);
        }
        const topic = this.#topicsById.get(Number(row[0]));
        const data = row[2];
        if (topic === undefined) continue;
        yield {
          topic: topic.name,
          type: topic.type,
          logTimeNs: BigInt(String(row[1])),
          data: data instanceof Uint8Array ? data : new Uint8Array(0),
        };
      }
    } finally {
      stmt.free();
    }
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
  }
}
