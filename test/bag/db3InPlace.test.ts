import { mkdir, mkdtemp, open, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openBag } from '../../src/bag';
import { collectMessages } from './collectMessages';
import { copyFixtureBags, removeDir } from './fixtureBags';
import { rejection } from '../support/errors';

let tmp: string;
let fixtures: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-db3-'));
  fixtures = await copyFixtureBags(['talker_sqlite3']);
});
afterAll(async () => {
  await removeDir(tmp);
  await removeDir(fixtures);
});

describe('sqlite3 bags read in place', () => {
  it('reads a WAL-mode bag and leaves nothing behind in its folder', async () => {
    const dir = path.join(fixtures, 'talker_sqlite3');
    const before = (await readdir(dir)).sort();
    const reader = await openBag(dir);
    expect(reader.messageCount).toBe(20);
    expect(await collectMessages(reader)).toHaveLength(20);
    await reader.close();
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it('leaves no lock folder while reading, and is not stopped by one a killed reader left behind', async () => {
    const dir = path.join(fixtures, 'talker_sqlite3');
    const files = await readdir(dir);
    const db3 = files.find((f) => f.endsWith('.db3')) as string;
    // What a replay killed with Ctrl-C left: node-sqlite3-wasm's lock folder beside the file.
    await mkdir(path.join(dir, `${db3}.lock`));
    const reader = await openBag(dir);
    expect((await readdir(dir)).filter((f) => f.endsWith('.lock'))).toEqual([]);
    expect(await collectMessages(reader)).toHaveLength(20);
    await reader.close();
  });

  it('names the size of a file it can read neither in place nor in memory', async () => {
    // A sparse 600 MiB file that starts like SQLite and holds nothing readable.
    const file = path.join(tmp, 'huge.db3');
    const handle = await open(file, 'w');
    await handle.write(Buffer.from('SQLite format 3\0', 'latin1'), 0, 16, 0);
    await handle.truncate(600 * 1024 * 1024);
    await handle.close();
    const error = await rejection(openBag(file));
    expect(error.code).toBe('corrupt_file');
    expect(error.message).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read this 600\\.0 MiB sqlite3 file in place \\(.+\\), ` +
          'and it is larger than the 512\\.0 MiB that are loaded into memory instead$',
      ),
    );
  });
});
