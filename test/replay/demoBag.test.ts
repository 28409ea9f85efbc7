import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { openBag } from '../../src/bag';
import { stampToNs } from '../../src/core/image';
import { decodeImageMessage } from '../../src/messages';
import { FIXTURES } from '../bag/fixtureBags';
import { expectHumbleBag } from '../bag/rosbag2Rules';

const DEMO = path.resolve(__dirname, '../../demo/edgenext_demo');

describe('the bundled demo bag', () => {
  it('is a Humble-readable MCAP bag under 2 MiB', async () => {
    await expectHumbleBag(DEMO, 'mcap');
    let bytes = 0;
    for (const f of await readdir(DEMO)) bytes += (await stat(path.join(DEMO, f))).size;
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });

  it('holds exactly the redistributable files that demo/NOTICE.md lists, in order, with its stamps', async () => {
    const dlib = path.join(FIXTURES, 'sequence', 'dlib_video_frames');
    const sources = [
      ...(await readdir(dlib))
        .filter((f) => f.endsWith('.jpg'))
        .sort()
        .map((f) => path.join(dlib, f)),
      path.join(FIXTURES, 'images', 'caffe_cat.jpg'),
      path.join(FIXTURES, 'images', 'pillow_hopper_orientation_6.jpg'),
    ];
    expect(sources.length).toBe(42);
    const notice = await readFile(path.resolve(__dirname, '../../demo/NOTICE.md'), 'utf8');
    for (const name of ['frame_000100.jpg', 'frame_000139.jpg', 'caffe_cat.jpg', 'pillow_hopper_orientation_6.jpg'])
      expect(notice).toContain(name);
    const reader = await openBag(DEMO);
    let i = 0;
    for await (const m of reader.readMessages()) {
      const { header, image } = decodeImageMessage(m.type, m.data);
      expect(Buffer.from(image.data).equals(await readFile(sources[i]!))).toBe(true);
      expect(stampToNs(header.stamp)).toBe(1_700_000_000_000_000_000n + BigInt(i) * 100_000_000n);
      expect(m.logTimeNs).toBe(stampToNs(header.stamp));
      i += 1;
    }
    await reader.close();
    expect(i).toBe(42);
  });
});
