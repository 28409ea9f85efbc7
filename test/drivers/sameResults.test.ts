import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { classifyFiles, type ImageResult } from '../../src/cli/commands/classify';
import type { ClassScore } from '../../src/core/classification';
import { makeImageBag } from '../../src/bagmake';
import { replayBag } from '../../src/replay';
import { removeDir } from '../bag/fixtureBags';
import { createFakeClassifier } from '../ros/support/fakeClassifier';
import { PARAMS_FILE } from '../ros/support/harness';
import { colourPngs, runNodeOnBag } from './support';

const TOPIC = '/camera/image_raw/compressed';
/** Near each palette entry but not on it, so every result has several non-trivial scores. */
const COLOURS: [number, number, number][] = [
  [200, 70, 60],
  [40, 215, 50],
  [60, 70, 200],
  [200, 190, 70],
  [215, 210, 220],
  [40, 45, 40],
  [120, 130, 125],
];

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-drivers-'));
});
afterAll(async () => {
  await removeDir(tmp);
});

/** float32, as the ROS message carries scores. */
const f32 = (scores: readonly ClassScore[]): ClassScore[] => scores.map((s) => ({ ...s, score: Math.fround(s.score) }));

describe('classify, replay and the node run the same pipeline', () => {
  it('give identical results on the same images', async () => {
    const { classifier } = createFakeClassifier();
    const files = await colourPngs(tmp, COLOURS);

    const classified: ImageResult[] = [];
    await classifyFiles(classifier, files, 3, (r) => classified.push(r));

    const bagDir = path.join(tmp, 'bag');
    await makeImageBag({ inputs: files, outDir: bagDir, encoding: 'png' });
    const replayed: ClassScore[][] = [];
    const summary = await replayBag(
      {
        bagPath: bagDir,
        pace: { mode: 'max_speed' },
        topK: 3,
        onResult: (r) => replayed.push([...r.classification.topK]),
      },
      classifier,
    );
    expect(summary).toMatchObject({ frames: COLOURS.length, classified: COLOURS.length, droppedTotal: 0 });

    const node = await runNodeOnBag(classifier, bagDir, TOPIC, [
      '--params-file',
      PARAMS_FILE,
      '-p',
      `image_topics:=['${TOPIC}']`,
      '-p',
      'top_k:=3',
    ]);

    expect(classified.map((r) => r.error)).toEqual(COLOURS.map(() => undefined));
    const viaClassify = classified.map((r) => [...(r.topK ?? [])]);
    // A different class per image: a mix-up of images would show.
    expect(new Set(viaClassify.map((t) => t[0]?.label)).size).toBe(COLOURS.length);
    expect(replayed).toEqual(viaClassify);
    expect(node.results).toEqual(viaClassify.map(f32));
  });
});
