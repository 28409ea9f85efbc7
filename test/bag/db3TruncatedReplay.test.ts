import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Db3BagWriter } from '../../src/bag';
import { encodeMessage } from '../../src/messages';
import { formatReplaySummary, replayBag } from '../../src/replay';
import { fakeClassifier } from '../replay/fakeClassifier';
import { rejection } from '../support/errors';
import { pageNeeds, wholeRowsBefore, type PageNeeds } from './db3Layouts';

const COUNT = 40;
let tmp: string;
let bytes: Buffer;
let needs: PageNeeds;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-db3-replay-'));
  const writer = await Db3BagWriter.create(path.join(tmp, 'cam'));
  for (let i = 0; i < COUNT; i++) {
    const cdr = encodeMessage('sensor_msgs/msg/Image', {
      header: { stamp: { sec: 100 + i, nanosec: 0 }, frame_id: 'cam' },
      height: 40,
      width: 40,
      encoding: 'rgb8',
      is_bigendian: 0,
      step: 120,
      data: new Uint8Array(40 * 40 * 3).fill(i),
    });
    await writer.addMessage('/cam', 'sensor_msgs/msg/Image', BigInt(i) * 1000n, cdr);
  }
  await writer.close();
  bytes = await readFile(path.join(tmp, 'cam', writer.file));
  needs = await pageNeeds(path.join(tmp, 'cam', writer.file));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('replay of a truncated sqlite3 bag', () => {
  it('says where the file was cut and replays every complete message', async () => {
    const cut = Math.floor(bytes.byteLength * 0.6) + 123;
    const whole = wholeRowsBefore(needs, cut);
    expect(whole).toBeGreaterThan(5);
    expect(whole).toBeLessThan(COUNT);
    const file = path.join(tmp, 'cut.db3');
    await writeFile(file, bytes.subarray(0, cut));
    const summary = await replayBag({ bagPath: file, pace: { mode: 'max_speed' } }, fakeClassifier());
    expect(summary.error).toBeUndefined();
    expect(summary.frames).toBe(whole);
    expect(summary.classified).toBe(whole);
    expect(summary.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^${file}: truncated at byte ${cut} .*; ${whole} complete messages are readable`),
      ),
    ]);
    const lines = formatReplaySummary(summary);
    expect(lines).toContain(`warning: ${summary.warnings[0] ?? ''}`);
    expect(lines).toContain(`  replayed /cam [sensor_msgs/msg/Image] ${whole} messages`);
  });

  it('a file cut before its first complete message says so, not "empty bag"', async () => {
    const cut = 5 * needs.pageSize;
    expect(wholeRowsBefore(needs, cut)).toBe(0);
    const file = path.join(tmp, 'stub.db3');
    await writeFile(file, bytes.subarray(0, cut));
    const error = await rejection(replayBag({ bagPath: file }, fakeClassifier()));
    expect(error.message).toBe(
      `${file}: truncated at byte ${cut}, before its first complete message: nothing to replay`,
    );
  });
});
