import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runBagInfo, runBagMake } from '../../src/cli/commands/bag';
import { FIXTURES, removeDir } from '../bag/fixtureBags';

function collector(): { io: { stdout(l: string): void; stderr(l: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (l) => out.push(l), stderr: (l) => err.push(l) }, out, err };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-bagcli-'));
});
afterAll(async () => removeDir(tmp));

describe('edgenext bag make / info', () => {
  it('builds a db3 bag and lists it', async () => {
    const c = collector();
    const dir = path.join(tmp, 'cats');
    const images = ['caffe_cat.jpg', 'caffe_cat_gray.jpg'].map((f) => path.join(FIXTURES, 'images', f));
    const code = await runBagMake(
      images,
      { output: dir, storage: 'sqlite3', encoding: 'rgb8', rate: '2', startTime: '1000000000' },
      c.io,
    );
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(c.out).toEqual([
      `wrote ${dir}: 2 frames on /camera/image_raw (sensor_msgs/msg/Image, rgb8), sqlite3, stamps 1.000000000 s .. 1.500000000 s`,
    ]);
    const info = collector();
    expect(await runBagInfo(dir, info.io)).toBe(0);
    expect(info.out).toContain('topic: /camera/image_raw | type: sensor_msgs/msg/Image | count: 2');
    expect(info.out).toContain('messages: 2  start: 1.000000000 s  duration: 0.500000000 s');
  });

  it.each([
    [{ output: 'x', storage: 'rosbag_v2' }, "--storage must be one of mcap, sqlite3, got 'rosbag_v2'"],
    [{ output: 'x', encoding: 'bgr16' }, '--encoding must be one of'],
    [{ output: 'x', rate: 'fast' }, "--rate must be a positive number of frames per second, got 'fast'"],
    [{ output: 'x', startTime: '-5' }, "--start-time must be ns since the epoch (digits), got '-5'"],
    [{}, 'missing output bag directory'],
  ])('usage error %j -> exit 2 with one clear line', async (options, message) => {
    const c = collector();
    expect(await runBagMake([FIXTURES], options, c.io)).toBe(2);
    expect(c.err.length).toBe(1);
    expect(c.err[0]).toContain(message);
  });

  it('a missing bag -> exit 1 naming it', async () => {
    const c = collector();
    expect(await runBagInfo(path.join(tmp, 'gone'), c.io)).toBe(1);
    expect(c.err[0]).toContain(`${path.join(tmp, 'gone')}: no such bag`);
  });
});
