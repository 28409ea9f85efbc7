import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { McapBagWriter } from '../../src/bag';
import { encodeMessage, ros2msgSchemaText } from '../../src/messages';
import { formatReplaySummary, replayBag } from '../../src/replay';
import { removeDir } from '../bag/fixtureBags';
import { rejection } from '../support/errors';
import { fakeClassifier } from './fakeClassifier';

const WIDTH = 100;
const HEIGHT = 100;
const COUNT = 100;

function imageCdr(i: number): Uint8Array {
  return encodeMessage('sensor_msgs/msg/Image', {
    header: { stamp: { sec: 100 + i, nanosec: 0 }, frame_id: 'cam' },
    height: HEIGHT,
    width: WIDTH,
    encoding: 'rgb8',
    is_bigendian: 0,
    step: WIDTH * 3,
    data: new Uint8Array(WIDTH * HEIGHT * 3).fill(i % 256),
  });
}

let tmp: string;
/** A 100-message MCAP bag whose 30 KB images fill several 1 MB chunks. */
let bagFile: string;
let bytes: Buffer;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-summaries-'));
  const dir = path.join(tmp, 'chunks');
  const writer = await McapBagWriter.create(dir, { schemaTextFor: ros2msgSchemaText });
  for (let i = 0; i < COUNT; i++)
    await writer.addMessage('/cam', 'sensor_msgs/msg/Image', BigInt(i) * 1000n, imageCdr(i));
  await writer.close();
  bagFile = path.join(dir, 'chunks_0.mcap');
  bytes = await readFile(bagFile);
});
afterAll(async () => {
  await removeDir(tmp);
});

async function damaged(name: string, change: (b: Buffer) => Buffer): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, change(Buffer.from(bytes)));
  return file;
}

describe('replay summaries of damaged bags', () => {
  it('a corrupt chunk: the summary counts the messages really read and classified, not the index', async () => {
    // A byte in the middle of the file: inside the second of four chunks.
    const file = await damaged('corrupt.mcap', (b) => {
      const at = Math.floor(b.byteLength / 2);
      b[at] = (b[at] ?? 0) ^ 0xff;
      return b;
    });
    const summary = await replayBag({ bagPath: file, pace: { mode: 'max_speed' } }, fakeClassifier());
    expect(summary.error).toMatch(/corrupt\.mcap: corrupt MCAP data \(.*crc/i);
    expect(summary.frames).toBeGreaterThan(0);
    expect(summary.frames).toBeLessThan(COUNT);
    expect(summary.classified).toBe(summary.frames);
    const lines = formatReplaySummary(summary);
    expect(lines).toContain(`  replayed /cam [sensor_msgs/msg/Image] ${summary.frames} of ${COUNT} messages`);
    expect(lines).toContain(`total: ${summary.frames} frames, ${summary.frames} classified, dropped 0`);
    expect(lines.at(-1)).toMatch(/^error: reading stopped early: .*corrupt\.mcap/);
  });

  it('a truncated bag says where it was cut and still replays its complete messages', async () => {
    const cut = Math.floor(bytes.byteLength * 0.6);
    const file = await damaged('cut.mcap', (b) => b.subarray(0, cut));
    const summary = await replayBag({ bagPath: file, pace: { mode: 'max_speed' } }, fakeClassifier());
    const warning = summary.warnings.find((w) => w.includes('truncated at byte'));
    const at = Number(/truncated at byte (\d+)/.exec(warning ?? '')?.[1]);
    // The cut record starts before the cut and after the file's first record.
    expect(at).toBeGreaterThan(8);
    expect(at).toBeLessThan(cut);
    expect(summary.frames).toBeGreaterThan(0);
    expect(summary.frames).toBeLessThan(COUNT);
    expect(summary.classified).toBe(summary.frames);
    expect(summary.error).toBeUndefined();
    expect(formatReplaySummary(summary)).toContain(`warning: ${warning ?? ''}`);
  });

  it('a bag cut before its first complete message says so, not "empty bag"', async () => {
    const file = await damaged('stub.mcap', (b) => b.subarray(0, 2000));
    const error = await rejection(replayBag({ bagPath: file }, fakeClassifier()));
    expect(error.message).toMatch(
      /^.*stub\.mcap: truncated at byte \d+, before its first complete message: nothing to replay$/,
    );
  });

  it('never replaces results without overwrite', async () => {
    const out = path.join(tmp, 'results');
    const options = { bagPath: bagFile, pace: { mode: 'max_speed' as const }, out };
    await replayBag(options, fakeClassifier());
    const first = await readFile(`${out}.jsonl`, 'utf8');
    const error = await rejection(replayBag(options, fakeClassifier()));
    expect(error.message).toBe(`${out} exists: replay never replaces results without --overwrite`);
    expect(await readFile(`${out}.jsonl`, 'utf8')).toBe(first);
    const again = await replayBag({ ...options, overwrite: true }, fakeClassifier());
    expect(again.classified).toBe(COUNT);
  });
});
