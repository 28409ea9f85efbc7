import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openBag, type BagMessage } from '../../src/bag';
import { EdgenextError } from '../../src/core/errors';
import {
  pageNeeds,
  wholeRowsBefore,
  writtenAtOnce,
  writtenMessages,
  writtenRowByRow,
  type PageNeeds,
  type WrittenMessage,
} from './db3Layouts';

let tmp: string;
const messages = writtenMessages(30);
const layouts: { name: string; bytes: Uint8Array; needs: PageNeeds }[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-db3-cut-'));
  const atOnce = await writtenAtOnce(path.join(tmp, 'at_once'), messages);
  const rowByRow = await writtenRowByRow(path.join(tmp, 'row_by_row.db3'), messages);
  for (const [name, bytes] of [
    ['written at once (Db3BagWriter)', atOnce],
    ['written row by row (like ros2 bag record)', rowByRow],
  ] as const) {
    const intact = path.join(tmp, 'intact.db3');
    await writeFile(intact, bytes);
    layouts.push({ name, bytes, needs: await pageNeeds(intact) });
  }
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface CutResult {
  readonly read: BagMessage[];
  readonly warnings: readonly string[];
  readonly messageCount: number;
  readonly error: EdgenextError | undefined;
}

async function readCut(bytes: Uint8Array, size: number): Promise<{ file: string; result: CutResult }> {
  const file = path.join(tmp, 'cut.db3');
  await writeFile(file, bytes.subarray(0, size));
  const read: BagMessage[] = [];
  try {
    const reader = await openBag(file);
    try {
      for await (const m of reader.readMessages()) read.push(m);
      return { file, result: { read, warnings: reader.warnings, messageCount: reader.messageCount, error: undefined } };
    } finally {
      await reader.close();
    }
  } catch (error) {
    if (!(error instanceof EdgenextError)) throw error;
    return { file, result: { read, warnings: [], messageCount: 0, error } };
  }
}

function expectFirstMessages(read: readonly BagMessage[], written: readonly WrittenMessage[], n: number): void {
  expect(read.map((m) => [m.topic, m.logTimeNs])).toEqual(written.slice(0, n).map((m) => [m.topic, m.logTimeNs]));
  read.forEach((m, i) => expect(Buffer.compare(Buffer.from(m.data), Buffer.from(written[i]?.data ?? []))).toBe(0));
}

describe('a truncated sqlite3 bag', () => {
  it('intact, each layout reads whole and needs overflow pages (the cuts below land inside rows)', async () => {
    for (const layout of layouts) {
      expect(layout.needs.rows).toHaveLength(messages.length);
      expect(layout.bytes.length).toBeGreaterThan(20 * layout.needs.pageSize);
      const { result } = await readCut(layout.bytes, layout.bytes.length);
      expect(result.warnings).toEqual([]);
      expectFirstMessages(result.read, messages, messages.length);
    }
  });

  it('cut at every page boundary and inside every page: exactly the whole rows before the cut, byte for byte, and where it was cut', async () => {
    for (const layout of layouts) {
      const { pageSize } = layout.needs;
      let salvagedSome = false;
      for (let boundary = 0; boundary < layout.bytes.length; boundary += pageSize) {
        for (const size of [boundary, boundary + 1, boundary + pageSize / 2]) {
          // Under 16 bytes the file is not recognisably SQLite at all (openBag: 'unknown storage format').
          if (size < 16) continue;
          const { file, result } = await readCut(layout.bytes, size);
          const whole = wholeRowsBefore(layout.needs, size);
          const where = `${layout.name}, cut at ${size}`;
          if (Math.floor(size / pageSize) < layout.needs.tables) {
            // The schema or the topics are cut: nothing can be named, so nothing is read; the error says why.
            expect({ where, message: result.error?.message }).toEqual({
              where,
              message: expect.stringMatching(new RegExp(`^${escape(file)}: truncated at byte ${size}\\b`)),
            });
            expect(result.error?.code).toBe('corrupt_file');
            continue;
          }
          expect({ where, error: result.error?.message }).toEqual({ where, error: undefined });
          expect({ where, read: result.read.length }).toEqual({ where, read: whole });
          expectFirstMessages(result.read, messages, whole);
          expect(result.messageCount).toBe(whole);
          expect(result.warnings).toHaveLength(1);
          expect(result.warnings[0]).toMatch(
            new RegExp(`^${escape(file)}: truncated at byte ${size} .*; ${whole} complete messages are readable`),
          );
          if (whole > 0 && whole < messages.length) salvagedSome = true;
        }
      }
      expect(salvagedSome).toBe(true);
    }
  });

  it('reads a topic of a truncated bag alone, in log-time order', async () => {
    const layout = layouts[1] as (typeof layouts)[number];
    const size = Math.floor(layout.bytes.length * 0.7);
    const whole = wholeRowsBefore(layout.needs, size);
    expect(whole).toBeGreaterThan(4);
    const file = path.join(tmp, 'topic.db3');
    await writeFile(file, layout.bytes.subarray(0, size));
    const reader = await openBag(file);
    const read: BagMessage[] = [];
    for await (const m of reader.readMessages({ topics: ['/cam1/image_raw'] })) read.push(m);
    await reader.close();
    const expected = messages.slice(0, whole).filter((m) => m.topic === '/cam1/image_raw');
    expect(read.map((m) => m.logTimeNs)).toEqual(expected.map((m) => m.logTimeNs));
    expect(reader.topics.find((t) => t.name === '/cam1/image_raw')?.messageCount).toBe(expected.length);
  });

  it('never writes to the truncated file', async () => {
    const layout = layouts[1] as (typeof layouts)[number];
    const file = path.join(tmp, 'readonly.db3');
    const cut = layout.bytes.subarray(0, Math.floor(layout.bytes.length / 2));
    await writeFile(file, cut, { mode: 0o444 });
    const before = (await stat(file)).mtimeMs;
    const reader = await openBag(file);
    for await (const m of reader.readMessages()) expect(m.data.length).toBeGreaterThan(0);
    await reader.close();
    expect(Buffer.compare(await readFile(file), Buffer.from(cut))).toBe(0);
    expect((await stat(file)).mtimeMs).toBe(before);
  });

  it('names the byte where a file cut inside its header ends', async () => {
    const layout = layouts[0] as (typeof layouts)[number];
    const { file, result } = await readCut(layout.bytes, 60);
    expect(result.error?.code).toBe('corrupt_file');
    expect(result.error?.message).toBe(
      `${file}: truncated at byte 60, inside the 100-byte SQLite header: nothing is readable`,
    );
  });
});
