import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Database } from 'node-sqlite3-wasm';
import { openBag } from '../../src/bag';
import { collectMessages } from './collectMessages';
import { rejection } from '../support/errors';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-db3-damaged-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A db3 whose messages table lets data be NULL (a damaged or foreign writer): row 2 has none. */
function bagWithoutData(file: string): void {
  const db = new Database(file);
  try {
    db.exec(`
      CREATE TABLE topics(id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, serialization_format TEXT NOT NULL, offered_qos_profiles TEXT NOT NULL);
      CREATE TABLE messages(id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, timestamp INTEGER NOT NULL, data BLOB);
      INSERT INTO topics VALUES (1, '/cam', 'sensor_msgs/msg/Image', 'cdr', '');
      INSERT INTO messages VALUES (1, 1, 100, x'00010000'), (2, 1, 200, NULL), (3, 1, 300, x'00010000');
    `);
  } finally {
    db.close();
  }
}

describe('a damaged sqlite3 bag', () => {
  it('a message row without its data is an error naming the file and the row, after the messages before it', async () => {
    const file = path.join(tmp, 'nodata.db3');
    bagWithoutData(file);
    const reader = await openBag(file);
    const read: number[] = [];
    const error = await rejection(
      (async () => {
        for await (const m of reader.readMessages()) read.push(Number(m.logTimeNs));
      })(),
    );
    await reader.close();
    expect(read).toEqual([100]);
    expect(error.code).toBe('corrupt_file');
    expect(error.message).toBe(
      `${file}: damaged sqlite3 data (message row 2 has no data blob (damaged table or index))`,
    );
  });

  it('an empty data blob is a message of no bytes, not damage', async () => {
    const file = path.join(tmp, 'whole.db3');
    const db = new Database(file);
    db.exec(`
      CREATE TABLE topics(id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, serialization_format TEXT NOT NULL, offered_qos_profiles TEXT NOT NULL);
      CREATE TABLE messages(id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, timestamp INTEGER NOT NULL, data BLOB NOT NULL);
      INSERT INTO topics VALUES (1, '/cam', 'sensor_msgs/msg/Image', 'cdr', '');
      INSERT INTO messages VALUES (1, 1, 100, x''), (2, 1, 200, x'0001');
    `);
    db.close();
    const reader = await openBag(file);
    const messages = await collectMessages(reader);
    expect(reader.warnings).toEqual([]);
    await reader.close();
    expect(messages.map((m) => [Number(m.logTimeNs), m.data.length])).toEqual([
      [100, 0],
      [200, 2],
    ]);
  });
});
