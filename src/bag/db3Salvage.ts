import { closeSync, openSync } from 'node:fs';
import type { Database as PagedDatabase } from 'node-sqlite3-wasm';
import { errorMessage } from '../core/errors';
import type { Db3Header } from './db3Header';
import { wholeRows, type PageWalkFile, type WholeRows } from './db3PageWalk';
import { bigintOf, messageData, openPagedDatabase, type Db3Tables, type MessageRow, type TopicRow } from './db3Tables';

/** The keys of the intact messages, in compact arrays (a long recording has millions of rows). */
class MessageKeys {
  ids: Float64Array = new Float64Array(1024);
  topics: Int32Array = new Int32Array(1024);
  times: BigInt64Array = new BigInt64Array(1024);
  length = 0;

  push(id: number, topic: number, time: bigint): void {
    if (this.length === this.ids.length) {
      const grow = <T extends Float64Array | Int32Array | BigInt64Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a as never);
        return b;
      };
      this.ids = grow(this.ids, (n) => new Float64Array(n));
      this.topics = grow(this.topics, (n) => new Int32Array(n));
      this.times = grow(this.times, (n) => new BigInt64Array(n));
    }
    this.ids[this.length] = id;
    this.topics[this.length] = topic;
    this.times[this.length] = time;
    this.length++;
  }
}

/** A SQL statement's rows, stopping at the first error (returned) instead of throwing it. */
function* rowsUntilError(
  db: PagedDatabase,
  sql: string,
  failure: { error?: unknown },
): Generator<Record<string, unknown>> {
  const stmt = db.prepare(sql);
  try {
    yield* stmt.iterate() as Iterable<Record<string, unknown>>;
  } catch (error) {
    failure.error = error;
  } finally {
    try {
      stmt.finalize();
    } catch {
      // the error the iteration already reported
    }
  }
}

/** The whole rows of the topics and messages tables, after checking the schema itself is whole. */
function walkTables(
  db: PagedDatabase,
  layout: Omit<PageWalkFile, 'fd'>,
  file: string,
): { topics: WholeRows; messages: WholeRows } {
  const fd = openSync(file, 'r');
  try {
    const walkFile: PageWalkFile = { ...layout, fd };
    const schema = wholeRows(walkFile, 1);
    if (schema.stop !== undefined) throw new Error(`its schema is cut (${schema.stop})`);
    const roots = new Map(
      db
        .all("SELECT name, rootpage FROM sqlite_master WHERE type = 'table' AND name IN ('topics', 'messages')")
        .map((r) => [String(r['name']), Number(r['rootpage'])]),
    );
    const walk = (table: string): WholeRows => {
      const root = roots.get(table);
      if (root === undefined) throw new Error(`no ${table} table`);
      return wholeRows(walkFile, root);
    };
    return { topics: walk('topics'), messages: walk('messages') };
  } finally {
    closeSync(fd);
  }
}

/** The topic rows the walk found whole (SQLite reads them; the walk says how many and which). */
function readTopics(db: PagedDatabase, whole: WholeRows): TopicRow[] {
  const topics: TopicRow[] = [];
  const failure: { error?: unknown } = {};
  for (const r of rowsUntilError(db, 'SELECT id, name, type FROM topics NOT INDEXED ORDER BY id', failure)) {
    if (topics.length >= whole.rowids.length || Number(r['id']) !== whole.rowids[topics.length]) break;
    topics.push({ id: Number(r['id']), name: String(r['name']), type: String(r['type']) });
  }
  if (topics.length === 0 && (whole.stop !== undefined || failure.error !== undefined)) {
    throw new Error(`its topics table is lost (${whole.stop ?? errorMessage(failure.error)})`);
  }
  return topics;
}

/**
 * The keys of the message rows the walk found whole, in rowid order, but for those of a lost topic (`orphans`).
 * `stop` says why the rows after them are not read.
 */
function readKeys(
  db: PagedDatabase,
  whole: WholeRows,
  knownTopics: ReadonlySet<number>,
): { keys: MessageKeys; orphans: number; stop: string | undefined } {
  const keys = new MessageKeys();
  const failure: { error?: unknown } = {};
  let stop = whole.stop;
  let orphans = 0;
  let rows = 0;
  const sql = 'SELECT id, topic_id AS topic, CAST(timestamp AS TEXT) AS ts FROM messages NOT INDEXED ORDER BY id';
  for (const r of rowsUntilError(db, sql, failure)) {
    if (rows >= whole.rowids.length) break;
    const id = Number(r['id']);
    // SQLite and the page walk read the same pages: a difference means damage the walk could not see.
    if (id !== whole.rowids[rows]) {
      stop = `row ${whole.rowids[rows]} reads as ${id}`;
      break;
    }
    rows++;
    const topic = Number(r['topic']);
    if (knownTopics.has(topic)) keys.push(id, topic, bigintOf(r['ts']));
    else orphans++;
  }
  if (failure.error !== undefined && rows < whole.rowids.length) stop = errorMessage(failure.error);
  return { keys, orphans, stop };
}

/**
 * A .db3 that ends before its header says it should (a recording whose disk filled, a copy cut short). SQLite reads
 * it in place once told not to refuse it, but reads the missing pages as zeros; so only the rows whose every page is
 * in the file are used (found by walking the pages, db3PageWalk.ts), in rowid (insertion) order up to the first one
 * that is not. Their keys are held in memory (about 20 bytes a row) and their data read one at a time by rowid.
 * `damage` says where the file ends and what was lost, for the reader's warnings.
 */
export class SalvagedDb3Tables implements Db3Tables {
  readonly damage: string;
  readonly #db: PagedDatabase;
  readonly #topics: TopicRow[];
  readonly #keys: MessageKeys;

  private constructor(db: PagedDatabase, topics: TopicRow[], keys: MessageKeys, damage: string) {
    this.#db = db;
    this.#topics = topics;
    this.#keys = keys;
    this.damage = damage;
  }

  /**
   * Opens `file` (`size` bytes, shorter than `header` says or ending inside a page). Throws with SQLite's words
   * when even the schema or the topics cannot be read; the caller names the file.
   */
  static open(file: string, size: number, header: Db3Header): SalvagedDb3Tables {
    const completePages = Math.floor(size / header.pageSize);
    // Page 1 holds the schema: cut inside it, SQLite would read table definitions from zeros.
    if (completePages === 0) throw new Error(`its first page (the schema, ${header.pageSize} bytes) is incomplete`);
    const ending =
      `truncated at byte ${size}` +
      (header.pages !== undefined && header.pages * header.pageSize > size
        ? ` (${completePages} complete pages of the ${header.pages} its header lists)`
        : ` (inside page ${completePages + 1})`);
    const db = openPagedDatabase(file, { salvage: true });
    try {
      const walks = walkTables(db, { ...header, completePages }, file);
      const topics = readTopics(db, walks.topics);
      const { keys, orphans, stop } = readKeys(db, walks.messages, new Set(topics.map((t) => t.id)));
      // A message whose topic row was lost cannot be replayed: said here rather than dropped unseen.
      const read =
        `${keys.length} complete messages are readable` +
        (orphans > 0 ? ` (and ${orphans} more of topics whose rows are lost)` : '');
      const damage = stop === undefined ? `${ending}; ${read}` : `${ending}; ${read}, the rest is lost (${stop})`;
      return new SalvagedDb3Tables(db, topics, keys, damage);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  topics(): TopicRow[] {
    return this.#topics;
  }

  counts(): Map<number, number> {
    const counts = new Map<number, number>();
    const { topics, length } = this.#keys;
    for (let i = 0; i < length; i++) counts.set(topics[i] as number, (counts.get(topics[i] as number) ?? 0) + 1);
    return counts;
  }

  span(): [bigint, bigint] {
    const { times, length } = this.#keys;
    if (length === 0) return [0n, 0n];
    let first = times[0] as bigint;
    let last = first;
    for (let i = 1; i < length; i++) {
      const t = times[i] as bigint;
      if (t < first) first = t;
      if (t > last) last = t;
    }
    return [first, last];
  }

  *messages(topicIds: readonly number[]): Iterable<MessageRow> {
    const { ids, topics, times, length } = this.#keys;
    const wanted = new Set(topicIds);
    const order: number[] = [];
    for (let i = 0; i < length; i++) if (wanted.has(topics[i] as number)) order.push(i);
    // Log-time order like the intact path (ties by insertion); keys are already in insertion order.
    order.sort((a, b) => {
      const ta = times[a] as bigint;
      const tb = times[b] as bigint;
      return ta < tb ? -1 : ta > tb ? 1 : a - b;
    });
    const data = this.#db.prepare('SELECT data FROM messages NOT INDEXED WHERE id = ?');
    try {
      for (const i of order) {
        const blob = data.get([ids[i] as number])?.['data'];
        yield { topicId: topics[i] as number, logTimeNs: times[i] as bigint, data: messageData(blob, ids[i]) };
      }
    } finally {
      try {
        data.finalize();
      } catch {
        // the error get() already threw
      }
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
