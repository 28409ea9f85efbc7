import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database, Statement } from '@foxglove/sql.js';
import { EdgenextError, ErrorCodes } from '../core/errors';
import {
  BagStats,
  prepareBagDirectory,
  storageFileName,
  writeMetadataYaml,
  type BagWriterOptions,
} from './bagWriterCommon';
import { loadSqlJs } from './sqlJs';

/** The tables of a Humble `ros2 bag record` db3 (schema_version 3), column for column. */
export const HUMBLE_DDL = `
CREATE TABLE schema(schema_version INTEGER PRIMARY KEY, ros_distro TEXT NOT NULL);
CREATE TABLE metadata(id INTEGER PRIMARY KEY, metadata_version INTEGER NOT NULL, metadata TEXT NOT NULL);
CREATE TABLE topics(id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, serialization_format TEXT NOT NULL, offered_qos_profiles TEXT NOT NULL);
CREATE TABLE messages(id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, timestamp INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX timestamp_idx ON messages (timestamp ASC);
INSERT INTO schema VALUES (3, 'humble');
`;

/**
 * Writes a rosbag2 sqlite3 bag as Humble records it (its default storage): `<name>_0.db3` with the
 * schema_version 3 tables, and a v5 metadata.yaml. The database is built in memory (sql.js) and written on
 * close, so the bag must fit in memory.
 */
export class Db3BagWriter {
  readonly dir: string;
  readonly file: string;
  readonly #db: Database;
  readonly #insert: Statement;
  readonly #options: BagWriterOptions;
  readonly #stats = new BagStats();
  readonly #topicIds = new Map<string, number>();
  #closed = false;

  private constructor(dir: string, file: string, db: Database, options: BagWriterOptions) {
    this.dir = dir;
    this.file = file;
    this.#db = db;
    this.#options = options;
    this.#insert = db.prepare('INSERT INTO messages (topic_id, timestamp, data) VALUES (?, ?, ?)');
  }

  /** Creates `dir` (see BagWriterOptions.overwrite) and an empty in-memory database. */
  static async create(dir: string, options: BagWriterOptions = {}): Promise<Db3BagWriter> {
    await prepareBagDirectory(dir, options);
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.run(HUMBLE_DDL);
    return new Db3BagWriter(dir, storageFileName(dir, 'db3'), db, options);
  }

  /** Appends one CDR message (with its encapsulation header). `logTimeNs` is the receive time in ns. */
  async addMessage(topic: string, type: string, logTimeNs: bigint, cdr: Uint8Array): Promise<void> {
    if (this.#closed) throw new EdgenextError(ErrorCodes.closed, `${this.dir}: bag writer is closed`);
    const qos = this.#options.offeredQosProfiles?.[topic] ?? '';
    if (this.#stats.topic(topic, type, qos)) {
      const id = this.#topicIds.size + 1;
      this.#db.run(
        'INSERT INTO topics (id, name, type, serialization_format, offered_qos_profiles) VALUES (?, ?, ?, ?, ?)',
        [id, topic, type, 'cdr', qos],
      );
      this.#topicIds.set(topic, id);
    }
    // The timestamp is bound as text: INTEGER affinity stores it exactly, a JS number would round above 2^53.
    this.#insert.run([this.#topicIds.get(topic) ?? 0, logTimeNs.toString(), cdr]);
    this.#stats.message(topic, logTimeNs);
  }

  /** Writes the .db3 file and metadata.yaml. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#insert.free();
    const bytes = this.#db.export();
    this.#db.close();
    await writeFile(path.join(this.dir, this.file), bytes);
    await writeMetadataYaml(this.dir, this.#stats.metadataYaml('sqlite3', this.file));
  }
}
