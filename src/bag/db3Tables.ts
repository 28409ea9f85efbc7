import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Database as PagedDatabase } from 'node-sqlite3-wasm';
import { loadSqlJs } from './sqlJs';

export interface TopicRow {
  readonly id: number;
  readonly name: string;
  readonly type: string;
}

export interface MessageRow {
  readonly topicId: number;
  readonly logTimeNs: bigint;
  readonly data: Uint8Array;
}

/** The rosbag2 sqlite3 tables, whichever SQLite reads them. Errors are the engine's own; the reader words them. */
export interface Db3Tables {
  topics(): TopicRow[];
  /** Messages per topic id. */
  counts(): Map<number, number>;
  /** First and last log time (0n, 0n without messages). */
  span(): [bigint, bigint];
  /** The messages of `topicIds` in log-time order (ties by insertion). */
  messages(topicIds: readonly number[]): Iterable<MessageRow>;
  close(): void;
}

const TOPICS_SQL = 'SELECT id, name, type FROM topics ORDER BY id';
const COUNTS_SQL = 'SELECT topic_id AS topic, COUNT(*) AS n FROM messages GROUP BY topic_id';
// Timestamps as text: ns since the epoch exceed 2^53.
const SPAN_SQL = 'SELECT CAST(MIN(timestamp) AS TEXT) AS first, CAST(MAX(timestamp) AS TEXT) AS last FROM messages';

/**
 * A message's data column. rosbag2 declares it `BLOB NOT NULL`: anything else (NULL, or no row at the rowid an index
 * listed) is a damaged file, reported rather than passed on as an empty message.
 */
export function messageData(value: unknown, id: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new Error(`message row ${String(id)} has no data blob (damaged table or index)`);
}

export function bigintOf(value: unknown): bigint {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? BigInt(value) : 0n;
}

/**
 * Opens `file` read-only with node-sqlite3-wasm (O_RDONLY: the bag is never written). `salvage` lets SQLite open
 * a file shorter than its header says (PRAGMA writable_schema: on a read-only connection it only relaxes that
 * check); what is read from such a file must then be checked page by page (db3Salvage.ts).
 */
export function openPagedDatabase(file: string, { salvage = false }: { salvage?: boolean } = {}): PagedDatabase {
  // node-sqlite3-wasm locks a file by creating the folder `<file>.lock`, and a process that dies while reading
  // (Ctrl-C during a replay) leaves it behind: every later open then failed with "database is locked". That
  // folder guards nothing here (this connection only reads, and rosbag2's own writer locks with POSIX locks, not
  // this folder), so a leftover one is removed, and the one this connection takes is removed once it holds the lock.
  const lockFolder = `${file}.lock`;
  rmSync(lockFolder, { recursive: true, force: true });
  const db = new PagedDatabase(file, { readOnly: true });
  try {
    db.exec('PRAGMA locking_mode=EXCLUSIVE');
    if (salvage) db.exec('PRAGMA writable_schema=ON');
    // The first read takes the lock, which EXCLUSIVE keeps until close.
    db.get('SELECT 1 FROM sqlite_master LIMIT 1');
    rmSync(lockFolder, { recursive: true, force: true });
  } catch (error) {
    db.close();
    rmSync(lockFolder, { recursive: true, force: true });
    throw error;
  }
  return db;
}

/**
 * node-sqlite3-wasm: SQLite reads the file page by page through Node's fs, so memory stays bounded by its page
 * cache whatever the file size. Read-only, with exclusive locking so that WAL-mode bags open without the
 * shared-memory index (the wasm build has none). The order of messages is sorted on (timestamp, id) alone and
 * each message's data fetched by rowid, so a sort never holds message data.
 */
export class PagedDb3Tables implements Db3Tables {
  readonly #db: PagedDatabase;

  constructor(file: string) {
    this.#db = openPagedDatabase(file);
  }

  topics(): TopicRow[] {
    return this.#db
      .all(TOPICS_SQL)
      .map((r) => ({ id: Number(r['id']), name: String(r['name']), type: String(r['type']) }));
  }

  counts(): Map<number, number> {
    return new Map(this.#db.all(COUNTS_SQL).map((r) => [Number(r['topic']), Number(r['n'])]));
  }

  span(): [bigint, bigint] {
    const row = this.#db.get(SPAN_SQL);
    return [bigintOf(row?.['first']), bigintOf(row?.['last'])];
  }

  *messages(topicIds: readonly number[]): Iterable<MessageRow> {
    const order = this.#db.prepare(
      `SELECT id, topic_id AS topic, CAST(timestamp AS TEXT) AS ts FROM messages WHERE topic_id IN (${topicIds.join(',')}) ORDER BY timestamp, id`,
    );
    const data = this.#db.prepare('SELECT data FROM messages WHERE id = ?');
    try {
      for (const row of order.iterate()) {
        const blob = data.get([row['id'] as number | bigint])?.['data'];
        yield { topicId: Number(row['topic']), logTimeNs: bigintOf(row['ts']), data: messageData(blob, row['id']) };
      }
    } finally {
      order.finalize();
      data.finalize();
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** sql.js: the whole file in memory. Kept for files SQLite cannot read in place but memory can hold. */
export class InMemoryDb3Tables implements Db3Tables {
  readonly #db: import('@foxglove/sql.js').Database;

  private constructor(db: import('@foxglove/sql.js').Database) {
    this.#db = db;
  }

  static async open(file: string): Promise<InMemoryDb3Tables> {
    const bytes = await readFile(file);
    const SQL = await loadSqlJs();
    return new InMemoryDb3Tables(new SQL.Database(bytes));
  }

  #rows(sql: string): Record<string, unknown>[] {
    const stmt = this.#db.prepare(sql);
    const rows: Record<string, unknown>[] = [];
    try {
      while (stmt.step()) rows.push(stmt.getAsObject());
    } finally {
      stmt.free();
    }
    return rows;
  }

  topics(): TopicRow[] {
    return this.#rows(TOPICS_SQL).map((r) => ({
      id: Number(r['id']),
      name: String(r['name']),
      type: String(r['type']),
    }));
  }

  counts(): Map<number, number> {
    return new Map(this.#rows(COUNTS_SQL).map((r) => [Number(r['topic']), Number(r['n'])]));
  }

  span(): [bigint, bigint] {
    const row = this.#rows(SPAN_SQL)[0];
    return [bigintOf(row?.['first']), bigintOf(row?.['last'])];
  }

  *messages(topicIds: readonly number[]): Iterable<MessageRow> {
    const stmt = this.#db.prepare(
      `SELECT topic_id, CAST(timestamp AS TEXT), data, id FROM messages WHERE topic_id IN (${topicIds.join(',')}) ORDER BY timestamp, id`,
    );
    try {
      while (stmt.step()) {
        const [topic, ts, data, id] = stmt.get();
        yield { topicId: Number(topic), logTimeNs: bigintOf(ts), data: messageData(data, id) };
      }
    } finally {
      stmt.free();
    }
  }

  close(): void {
    this.#db.close();
  }
}
