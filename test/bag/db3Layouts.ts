/**
 * Small sqlite3 bags with messages large enough to need overflow pages, laid out two ways: built in memory and
 * written at once (the project's Db3BagWriter: a row's overflow pages come before its leaf), and written row by row
 * into the file (as `ros2 bag record` does: the leaf exists first, a row's overflow pages are appended after it).
 * Also, from SQLite's own `dbstat` on the intact file, the pages each row needs, to know which rows a cut leaves whole.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Database } from 'node-sqlite3-wasm';
import { Db3BagWriter, HUMBLE_DDL } from '../../src/bag/Db3BagWriter';

export interface WrittenMessage {
  readonly topic: string;
  readonly logTimeNs: bigint;
  readonly data: Uint8Array;
}

export const TOPICS = ['/cam0/image_raw', '/cam1/image_raw'] as const;
const TYPE = 'sensor_msgs/msg/Image';

/** Every third message spans several overflow pages; the others fit in their leaf. */
export function writtenMessages(count: number): WrittenMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const size = i % 3 === 0 ? 9000 + i * 131 : 150 + i;
    const data = new Uint8Array(size);
    for (let j = 0; j < size; j++) data[j] = (i * 31 + j * 7) & 0xff;
    return { topic: TOPICS[i % 2] as string, logTimeNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n, data };
  });
}

export async function writtenAtOnce(dir: string, messages: readonly WrittenMessage[]): Promise<Uint8Array> {
  const writer = await Db3BagWriter.create(dir, { overwrite: true });
  for (const m of messages) await writer.addMessage(m.topic, TYPE, m.logTimeNs, m.data);
  await writer.close();
  return Uint8Array.from(await readFile(path.join(dir, writer.file)));
}

export async function writtenRowByRow(file: string, messages: readonly WrittenMessage[]): Promise<Uint8Array> {
  await rm(file, { force: true });
  const db = new Database(file);
  try {
    db.exec(HUMBLE_DDL);
    TOPICS.forEach((t, i) => db.run('INSERT INTO topics VALUES (?, ?, ?, ?, ?)', [i + 1, t, TYPE, 'cdr', '']));
    const insert = db.prepare('INSERT INTO messages (topic_id, timestamp, data) VALUES (?, ?, ?)');
    for (const m of messages) {
      insert.run([TOPICS.indexOf(m.topic as (typeof TOPICS)[number]) + 1, m.logTimeNs.toString(), m.data]);
    }
    insert.finalize();
  } finally {
    db.close();
  }
  return Uint8Array.from(await readFile(file));
}

export interface PageNeeds {
  readonly pageSize: number;
  /** Highest page the schema and the topics table need. */
  readonly tables: number;
  /** Per message row in rowid order: the highest page it needs (its leaf, the interior pages above, its overflow). */
  readonly rows: readonly number[];
}

/** From dbstat paths ('/', '/001/', '/001/002+000003'): which pages each row of `table` needs. */
function rowNeeds(db: Database, table: string): number[] {
  const pages = db.all('SELECT path, pageno, pagetype, ncell FROM dbstat WHERE name = ?', [table]);
  const byPath = new Map(pages.map((p) => [String(p['path']), p]));
  const leaves = pages.filter((p) => p['pagetype'] === 'leaf');
  const needs: number[] = [];
  for (const leaf of leaves) {
    const leafPath = String(leaf['path']);
    // The leaf and every interior page on its path.
    let above = 0;
    for (let at = leafPath.length - 1; at > 0; at = leafPath.lastIndexOf('/', at - 1)) {
      above = Math.max(above, Number(byPath.get(leafPath.slice(0, at + 1))?.['pageno'] ?? 0));
    }
    above = Math.max(above, Number(byPath.get('/')?.['pageno'] ?? 0));
    for (let cell = 0; cell < Number(leaf['ncell']); cell++) {
      const prefix = `${leafPath}${cell.toString(16).padStart(3, '0')}+`;
      let need = above;
      for (const p of pages) if (String(p['path']).startsWith(prefix)) need = Math.max(need, Number(p['pageno']));
      needs.push(need);
    }
  }
  return needs;
}

export async function pageNeeds(file: string): Promise<PageNeeds> {
  const db = new Database(file, { readOnly: true });
  try {
    const pageSize = Number(db.get('PRAGMA page_size')?.['page_size']);
    const schema = db.all("SELECT pageno FROM dbstat WHERE name IN ('sqlite_schema', 'topics')");
    const tables = Math.max(1, ...schema.map((r) => Number(r['pageno'])));
    return { pageSize, tables, rows: rowNeeds(db, 'messages') };
  } finally {
    db.close();
    await rm(`${file}.lock`, { recursive: true, force: true });
  }
}

/** How many rows, in order, a file cut at `size` bytes still holds whole: up to the first that needs a lost page. */
export function wholeRowsBefore(needs: PageNeeds, size: number): number {
  const complete = Math.floor(size / needs.pageSize);
  const firstLost = needs.rows.findIndex((page) => page > complete);
  return firstLost < 0 ? needs.rows.length : firstLost;
}
